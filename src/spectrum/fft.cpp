#include "relutope/spectrum/fft.hpp"

#include "relutope/error.hpp"
#include "relutope/spectrum/spectrum.hpp"

#include <fftw3.h>

#include <cmath>
#include <memory>

namespace relutope {

std::vector<std::optional<std::complex<double>>> fft_estimate(const Network& net, const Slice* slice, const Box& domain,
                                                              int n, const std::vector<VecQ>& frequencies, QuadratureRule rule,
                                                              const std::function<void(long, long)>& progress) {
  const int d = domain.dim();
  if (n < 2 || (d == 2 && n > 16384) || n > (1 << 24))
    throw InputError("--fft", "N must lie in 2..16777216 (1D) or 2..16384 (2D), got " + std::to_string(n));
  const long points = d == 1 ? n : static_cast<long>(n) * n;
  // The trapezoid rule samples j = 0..N and, as exp(-2 pi i k.x) takes the same value on
  // opposite faces for the frequencies on the FFT's grid, folds face N onto face 0 with the
  // weights 1/2 (1/4 at corners): the periodic sum the FFT takes.
  const int m = rule == QuadratureRule::trapezoid ? n + 1 : n;
  const long sampled = d == 1 ? m : static_cast<long>(m) * m;
  std::vector<std::vector<double>> axis(static_cast<size_t>(d));  // x_j on each axis, rounded from the exact point
  for (int k = 0; k < d; ++k) {
    const size_t kk = static_cast<size_t>(k);
    for (int j = 0; j < m; ++j) axis[kk].push_back(to_double(domain.lo[kk] + (domain.hi[kk] - domain.lo[kk]) * ratio(j, n)));
  }
  // In blocks, so that memory stays bounded and progress (and a stop) is reported between them.
  constexpr long block = 1L << 16;
  MatD values;
  for (long first = 0; first < sampled; first += block) {
    const long rows = std::min(block, sampled - first);
    MatD coords(rows, d);
    for (long r = 0; r < rows; ++r)
      for (int k = 0; k < d; ++k) {
        const long i = first + r, j = d == 1 ? i : (k == 0 ? i / m : i % m);
        coords(r, k) = axis[static_cast<size_t>(k)][static_cast<size_t>(j)];
      }
    const MatD raw = evaluate_in(net, slice, coords).values;
    if (values.size() == 0) values = MatD::Zero(points, raw.cols());
    for (long r = 0; r < rows; ++r) {
      long target = 0;
      double weight = 1;
      for (int k = 0; k < d; ++k) {
        const long i = first + r, j = d == 1 ? i : (k == 0 ? i / m : i % m);
        if (rule == QuadratureRule::trapezoid && (j == 0 || j == n)) weight /= 2;
        target = target * n + (j % n);
      }
      values.row(target) += weight * raw.row(r);
    }
    if (progress) progress(first + rows, sampled);
  }
  const int outputs = static_cast<int>(values.cols());

  // One full complex transform per output (r2c would halve the work; the grid is small).
  std::vector<std::vector<std::complex<double>>> spectra(static_cast<size_t>(outputs));
  for (int o = 0; o < outputs; ++o) {
    auto& out = spectra[static_cast<size_t>(o)];
    out.resize(static_cast<size_t>(points));
    std::vector<std::complex<double>> in(static_cast<size_t>(points));
    for (long i = 0; i < points; ++i) in[static_cast<size_t>(i)] = values(i, o);
    auto* fin = reinterpret_cast<fftw_complex*>(in.data());
    auto* fout = reinterpret_cast<fftw_complex*>(out.data());
    fftw_plan plan = d == 1 ? fftw_plan_dft_1d(n, fin, fout, FFTW_FORWARD, FFTW_ESTIMATE)
                            : fftw_plan_dft_2d(n, n, fin, fout, FFTW_FORWARD, FFTW_ESTIMATE);
    fftw_execute(plan);
    fftw_destroy_plan(plan);
  }

  std::vector<std::optional<std::complex<double>>> result;
  for (const VecQ& k : frequencies) {
    long index = 0;
    bool on_grid = true;
    double phase = 0;  // k . lo, for exp(-2 pi i k.x_j) = exp(-2 pi i k.lo) exp(-2 pi i m j / N)
    for (int i = 0; i < d; ++i) {
      const size_t ii = static_cast<size_t>(i);
      const Rational m = k[ii] * (domain.hi[ii] - domain.lo[ii]);
      on_grid = on_grid && m.get_den() == 1 && abs(m) < ratio(n, 2);
      const long mi = on_grid ? m.get_num().get_si() : 0;
      index = index * n + ((mi % n) + n) % n;
      phase += to_double(k[ii] * domain.lo[ii]);
    }
    const std::complex<double> shift = std::polar(1.0, -2 * M_PI * phase) / static_cast<double>(points);
    for (int o = 0; o < outputs; ++o)
      result.push_back(on_grid ? std::optional(shift * spectra[static_cast<size_t>(o)][static_cast<size_t>(index)]) : std::nullopt);
  }
  return result;
}

FftConvergence fft_convergence(const Network& net, const Slice* slice, const Partition& partition, const VecQ& k,
                               int out, int max_n) {
  check_output(partition, out);
  // Route A: its 30-odd digits leave the FFT's smallest errors (1e-12 and below in 1D) exact.
  SpectrumOptions options;
  options.route = SpectrumRoute::regions;
  const Coefficient exact = spectrum(partition, {k}, options).at(static_cast<size_t>(out));
  const std::complex<double> value(exact.re_double, exact.im_double);
  FftConvergence result;
  for (int n = 8; n <= max_n; n *= 2) {
    const auto rectangle = fft_estimate(net, slice, partition.domain, n, {k}, QuadratureRule::rectangle);
    const auto trapezoid = fft_estimate(net, slice, partition.domain, n, {k}, QuadratureRule::trapezoid);
    if (!rectangle.at(static_cast<size_t>(out))) continue;  // k not yet below N/2
    result.n.push_back(n);
    result.rectangle.push_back(std::abs(*rectangle[static_cast<size_t>(out)] - value));
    result.trapezoid.push_back(std::abs(*trapezoid[static_cast<size_t>(out)] - value));
  }
  return result;
}

}  // namespace relutope
