#pragma once
// The FFT estimate of the Fourier coefficients that users compute from samples (floating path).
#include "relutope/engine/partition.hpp"
#include "relutope/network/slice.hpp"

#include <complex>
#include <functional>
#include <optional>
#include <vector>

namespace relutope {

/// How the samples are weighted.
enum class QuadratureRule {
  rectangle,  // x_j = lo + (hi - lo) j / N, j = 0..N-1, weights 1: `np.fft.fft(y) / N`, what
              // Rahaman et al.'s notebook does; error ~ |f(lo) - f(hi)| / (2N) when f(lo) != f(hi)
  trapezoid   // j = 0..N, weights 1/2 on the box's faces (1/4 at 2D corners): O(1/N^2)
};

/// The FFT estimate of c(k) = (1/vol D) integral of f exp(-2 pi i k.x) from N^d samples, through
/// FFTW: (1/N^d) sum_j w_j f(x_j) exp(-2 pi i k.x_j). One entry per (frequency, output),
/// frequency-major; empty where k (hi - lo) is not an integer vector with |m| < N/2 in each entry
/// (off the FFT's grid). `progress` is called as the samples are evaluated (it may throw to stop).
std::vector<std::optional<std::complex<double>>> fft_estimate(const Network& net, const Slice* slice, const Box& domain,
                                                              int n, const std::vector<VecQ>& frequencies,
                                                              QuadratureRule rule = QuadratureRule::rectangle,
                                                              const std::function<void(long done, long total)>& progress = {});

/// How the FFT estimate at one frequency converges: |estimate - c(k)| for N = 8, 16, .., max_n,
/// for both rules, against the exact coefficient of output `out` (from `partition`, the exact
/// partition of the same network on `domain`). k must be on every grid (k (hi - lo) integer).
struct FftConvergence {
  std::vector<int> n;
  std::vector<double> rectangle, trapezoid;
};
FftConvergence fft_convergence(const Network& net, const Slice* slice, const Partition& partition, const VecQ& k,
                               int out, int max_n);

}  // namespace relutope
