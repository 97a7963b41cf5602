#include "relutope/measures.hpp"

#include "relutope/error.hpp"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

namespace relutope {
namespace {

// Outward-rounded doubles around an exact rational.
Enclosure enclose(const Rational& q) {
  mpfr_t r;
  mpfr_init2(r, 53);
  mpfr_set_q(r, q.get_mpq_t(), MPFR_RNDD);
  Enclosure e;
  e.lower = mpfr_get_d(r, MPFR_RNDD);
  mpfr_set_q(r, q.get_mpq_t(), MPFR_RNDU);
  e.upper = mpfr_get_d(r, MPFR_RNDU);
  mpfr_clear(r);
  return e;
}

// sqrt(q) for an exact rational q >= 0, outward rounded.
Enclosure enclose_sqrt(const Rational& q) {
  mpfr_t r;
  mpfr_init2(r, 128);
  Enclosure e;
  mpfr_set_q(r, q.get_mpq_t(), MPFR_RNDD);
  mpfr_sqrt(r, r, MPFR_RNDD);
  e.lower = mpfr_get_d(r, MPFR_RNDD);
  mpfr_set_q(r, q.get_mpq_t(), MPFR_RNDU);
  mpfr_sqrt(r, r, MPFR_RNDU);
  e.upper = mpfr_get_d(r, MPFR_RNDU);
  mpfr_clear(r);
  return e;
}

// The largest eigenvalue of W^T W (the squared spectral norm of W, #out x d, d <= 2), enclosed:
// for d = 2, (t + sqrt(t^2 - 4 det)) / 2 with t, det exact.
Enclosure squared_spectral_norm(const MatQ& w) {
  Rational a = 0, b = 0, c = 0;  // W^T W = [[a, b], [b, c]]
  for (Eigen::Index i = 0; i < w.rows; ++i) {
    a += w(i, 0) * w(i, 0);
    if (w.cols == 2) {
      b += w(i, 0) * w(i, 1);
      c += w(i, 1) * w(i, 1);
    }
  }
  if (w.cols == 1) return enclose(a);
  const Rational t = a + c, discriminant = (a - c) * (a - c) + 4 * b * b;
  const Enclosure root = enclose_sqrt(discriminant);
  mpfr_t x, y;
  mpfr_inits2(128, x, y, static_cast<mpfr_ptr>(nullptr));
  Enclosure e;
  mpfr_set_q(x, t.get_mpq_t(), MPFR_RNDD);
  mpfr_set_d(y, root.lower, MPFR_RNDD);
  mpfr_add(x, x, y, MPFR_RNDD);
  e.lower = mpfr_get_d(x, MPFR_RNDD) / 2;  // halving a double is exact
  mpfr_set_q(x, t.get_mpq_t(), MPFR_RNDU);
  mpfr_set_d(y, root.upper, MPFR_RNDU);
  mpfr_add(x, x, y, MPFR_RNDU);
  e.upper = mpfr_get_d(x, MPFR_RNDU) / 2;
  mpfr_clears(x, y, static_cast<mpfr_ptr>(nullptr));
  return e;
}

Rational squared_distance_to_segment(const VecQ& x, const VecQ& p, const VecQ& q) {
  if (x.size() == 1) return (x[0] - p[0]) * (x[0] - p[0]);
  const Rational dx = q[0] - p[0], dy = q[1] - p[1];
  const Rational t = ((x[0] - p[0]) * dx + (x[1] - p[1]) * dy) / (dx * dx + dy * dy);
  const Rational s = t < 0 ? Rational(0) : t > 1 ? Rational(1) : t;
  const Rational ex = p[0] + s * dx - x[0], ey = p[1] + s * dy - x[1];
  return ex * ex + ey * ey;
}

}  // namespace

int Enclosure::certified_digits() const {
  if (lower == upper) return 15;
  const double scale = std::max(std::fabs(lower), std::fabs(upper));
  if (scale == 0 || (lower < 0) != (upper < 0)) return 0;
  return std::clamp(static_cast<int>(std::floor(-std::log10((upper - lower) / scale))), 0, 15);
}

std::vector<ActivationPattern> sampled_patterns(const Network& net, const Slice* slice, const Box& domain, int resolution) {
  if (resolution < 1) throw InputError("--sample", "the resolution must be at least 1");
  const int d = domain.dim();
  const long count = d == 1 ? resolution : static_cast<long>(resolution) * resolution;
  MatD coords(count, d);
  for (long i = 0; i < count; ++i)
    for (int k = 0; k < d; ++k) {
      const long cell = d == 1 ? i : (k == 0 ? i / resolution : i % resolution);
      const Rational centre = domain.lo[static_cast<size_t>(k)] +
                              (domain.hi[static_cast<size_t>(k)] - domain.lo[static_cast<size_t>(k)]) * Rational(2 * cell + 1, 2 * resolution);
      coords(i, k) = to_double(centre);
    }
  return evaluate_in(net, slice, coords).patterns;
}

SamplingReport compare_sampling(const Partition& partition, const std::vector<ActivationPattern>& samples) {
  SamplingReport report;
  const std::set<ActivationPattern> sampled(samples.begin(), samples.end());
  report.distinct_patterns = static_cast<long>(sampled.size());
  std::set<ActivationPattern> exact;
  std::vector<Rational> missed_measures;
  for (size_t i = 0; i < partition.regions.size(); ++i) {
    const Region& region = partition.regions[i];
    exact.insert(region.pattern);
    if (sampled.count(region.pattern)) ++report.regions_found;
    else {
      report.missed.push_back(static_cast<int>(i));
      missed_measures.push_back(measure(region));
    }
  }
  for (const auto& p : sampled) report.foreign_patterns += !exact.count(p);
  if (!missed_measures.empty()) {
    std::sort(missed_measures.begin(), missed_measures.end());
    report.smallest_missed = missed_measures.front();
    report.median_missed = missed_measures[missed_measures.size() / 2];
  }
  return report;
}

std::vector<std::pair<int, int>> dead_neurons(const std::vector<ActivationPattern>& patterns, const std::vector<int>& widths) {
  size_t total = 0;
  for (int w : widths) total += static_cast<size_t>(w);
  std::vector<char> alive(total, 0);
  for (const auto& p : patterns)
    for (size_t i = 0; i < total && i < p.size(); ++i) alive[i] |= p[i] == '1';
  std::vector<std::pair<int, int>> dead;
  size_t offset = 0;
  for (size_t l = 0; l < widths.size(); ++l) {
    for (int j = 0; j < widths[l]; ++j)
      if (!alive[offset + static_cast<size_t>(j)]) dead.emplace_back(static_cast<int>(l), j);
    offset += static_cast<size_t>(widths[l]);
  }
  return dead;
}

std::vector<int> hidden_widths(const NetworkQ& net) {
  std::vector<int> widths;
  for (const LayerQ& layer : net.layers) widths.push_back(layer.activation.has_kink() ? static_cast<int>(layer.weight.rows) : 0);
  return widths;
}

BoundaryDistance boundary_distance(const Partition& partition, const NetworkQ& net, const VecQ& x) {
  BoundaryDistance result;
  result.region = locate(partition, x);
  if (result.region < 0) return result;
  const Region& region = partition.regions[static_cast<size_t>(result.region)];
  const size_t n = region.vertices.size();
  for (size_t k = 0; k < (partition.dim == 1 ? 2 : n); ++k) {
    const VecQ& p = region.vertices[k];
    const VecQ& q = partition.dim == 1 ? p : region.vertices[(k + 1) % n];
    if (face_containing(partition.domain, p, q)) continue;  // the domain's own edges change no pattern
    const Rational squared = squared_distance_to_segment(x, p, q);
    if (!result.squared || squared < *result.squared) result.squared = squared;
  }
  if (result.squared) result.distance = enclose_sqrt(*result.squared);

  // The neuron-boundary estimate, in double as it is used: forward values and gradients.
  const int d = partition.dim;
  VecD h = to_double(x);
  MatD jacobian = MatD::Identity(d, d);
  double estimate = INFINITY;
  for (const LayerQ& layer : net.layers) {
    const MatD w = to_double(layer.weight);
    const VecD b = to_double(layer.bias);
    const VecD z = w * h + b;
    const MatD grad = w * jacobian;
    if (!layer.activation.has_kink()) {  // no boundary: the map passes through
      h = z;
      jacobian = grad;
      continue;
    }
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      const double norm = grad.row(i).norm();
      if (norm > 0) estimate = std::min(estimate, std::fabs(z[i]) / norm);
    }
    const VecD slope = (z.array() > 0).select(VecD::Ones(z.size()), layer.activation.slope_below());
    h = slope.cwiseProduct(z);
    jacobian = slope.asDiagonal() * grad;
  }
  result.neuron_estimate = estimate;
  return result;
}

Lipschitz lipschitz(const Partition& partition, const NetworkQ& net) {
  Lipschitz result;
  // In double first (each entry within an ulp, no cancellation in the largest eigenvalue), then
  // certified only for the regions within 1e-6 of the largest: the maximum is among them.
  std::vector<double> approximate;
  for (const Region& region : partition.regions) {
    double a = 0, b = 0, c = 0;
    for (Eigen::Index i = 0; i < region.weight.rows; ++i) {
      const double x = mpq_get_d(region.weight(i, 0).get_mpq_t());
      const double y = region.weight.cols == 2 ? mpq_get_d(region.weight(i, 1).get_mpq_t()) : 0.0;
      a += x * x;
      b += x * y;
      c += y * y;
    }
    approximate.push_back((a + c + std::sqrt((a - c) * (a - c) + 4 * b * b)) / 2);
  }
  const double largest = approximate.empty() ? 0 : *std::max_element(approximate.begin(), approximate.end());
  Enclosure best{-1, -1};
  for (size_t i = 0; i < partition.regions.size(); ++i) {
    if (approximate[i] < largest * (1 - 1e-6)) continue;
    const Enclosure e = squared_spectral_norm(partition.regions[i].weight);
    if (e.upper > best.upper) {
      best.upper = e.upper;
      result.region = static_cast<int>(i);
    }
    best.lower = std::max(best.lower, e.lower);
  }
  result.exact = {std::sqrt(best.lower) * (1 - 0x1p-52), std::sqrt(best.upper) * (1 + 0x1p-52)};
  if (best.lower == 0) result.exact.lower = 0;
  result.product_of_norms = 1;
  for (const LayerQ& layer : net.layers) {
    MatD w(layer.weight.rows, layer.weight.cols);
    for (Eigen::Index i = 0; i < w.rows(); ++i)
      for (Eigen::Index j = 0; j < w.cols(); ++j) w(i, j) = to_double(layer.weight(i, j));
    result.product_of_norms *= spectral_norm(w);
  }
  return result;
}

}  // namespace relutope
