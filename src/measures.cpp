#include "relutope/measures.hpp"

#include "disc.hpp"
#include "relutope/error.hpp"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>

namespace relutope {
namespace {

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

// The spectral norm of W (#out x d, d <= 2), enclosed: the square root of W^T W's largest
// eigenvalue (t + sqrt((a - c)^2 + 4 b^2)) / 2, W^T W = [[a, b], [b, c]] and t = a + c exact,
// in MPFR rounded down and then up. No double before the end: their range would cut subnormal
// and huge norms.
Enclosure certified_norm(const MatQ& w) {
  Rational a = 0, b = 0, c = 0;
  for (Eigen::Index i = 0; i < w.rows; ++i) {
    a += w(i, 0) * w(i, 0);
    if (w.cols == 2) {
      b += w(i, 0) * w(i, 1);
      c += w(i, 1) * w(i, 1);
    }
  }
  const Rational t = a + c, discriminant = (a - c) * (a - c) + 4 * b * b;
  mpfr_t x, root;
  mpfr_inits2(128, x, root, static_cast<mpfr_ptr>(nullptr));
  double bound[2];
  const mpfr_rnd_t direction[2] = {MPFR_RNDD, MPFR_RNDU};
  for (int i = 0; i < 2; ++i) {
    mpfr_set_q(root, discriminant.get_mpq_t(), direction[i]);
    mpfr_sqrt(root, root, direction[i]);
    mpfr_set_q(x, t.get_mpq_t(), direction[i]);
    mpfr_add(x, x, root, direction[i]);
    mpfr_div_2ui(x, x, 1, direction[i]);
    mpfr_sqrt(x, x, direction[i]);
    bound[i] = mpfr_get_d(x, direction[i]);
  }
  mpfr_clears(x, root, static_cast<mpfr_ptr>(nullptr));
  return {bound[0], bound[1]};
}

// x 2^exponent (x >= 0) as a mantissa in [1/2, 1) and an exponent: comparable at any scale.
struct Scaled {
  double mantissa = 0;
  long exponent = std::numeric_limits<long>::min();  // 0 is the least
};

Scaled scaled(double x, long exponent) {
  if (x == 0) return {};
  int e = 0;
  const double m = std::frexp(x, &e);
  return {m, exponent + e};
}

bool operator<(const Scaled& x, const Scaled& y) {
  return x.exponent != y.exponent ? x.exponent < y.exponent : x.mantissa < y.mantissa;
}

// Bounds on W^T W's largest eigenvalue in doubles, quick enough for every region, rigorous
// (disc.hpp's radii; round-to-nearest held by the caller): W is first scaled by 2^-s, its
// entries then below 2 and one above 1/2, so that no square that matters is subnormal and none
// overflows.
std::pair<Scaled, Scaled> quick_bounds(const MatQ& w) {
  using internal::IntervalD;
  long s = std::numeric_limits<long>::min();
  for (const Rational& x : w.data)  // |x| in (2^(s - 1), 2^(s + 1)) for this s
    if (x != 0)
      s = std::max(s, static_cast<long>(mpz_sizeinbase(x.get_num_mpz_t(), 2)) -
                          static_cast<long>(mpz_sizeinbase(x.get_den_mpz_t(), 2)));
  if (s == std::numeric_limits<long>::min()) return {};  // W = 0
  auto entry = [&](Eigen::Index i, Eigen::Index j) {
    const Rational& x = w(i, j);
    return internal::nearest(s >= 0 ? Rational(x >> static_cast<mp_bitcnt_t>(s)) : Rational(x << static_cast<mp_bitcnt_t>(-s)));
  };
  IntervalD a, b, c;
  for (Eigen::Index i = 0; i < w.rows; ++i) {
    const IntervalD x = entry(i, 0), y = w.cols == 2 ? entry(i, 1) : IntervalD{};
    a = a + x * x;
    b = b + x * y;
    c = c + y * y;
  }
  const IntervalD t = a + c, d = a - c, twice_b = b + b, discriminant = d * d + twice_b * twice_b;
  auto low = [](const IntervalD& v) { return internal::down(v.mid - v.rad); };
  auto high = [](const IntervalD& v) { return internal::up(v.mid + v.rad); };
  const double lower = internal::down((low(t) + internal::down(std::sqrt(low(discriminant)))) / 2);
  const double upper = internal::up((high(t) + internal::up(std::sqrt(high(discriminant)))) / 2);
  return {scaled(lower, 2 * s), scaled(upper, 2 * s)};
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
  const double m = mid();
  if (!std::isfinite(lower) || !std::isfinite(upper) || !std::isfinite(m)) return 0;
  const Rational centre = to_exact(m), reach = std::max(centre - to_exact(lower), to_exact(upper) - centre);
  if (centre == 0) return reach == 0 ? 15 : 0;
  const long top = decimal_exponent(centre);
  int digits = 15;
  while (digits > 0 && 2 * reach >= power_of_ten(top - digits + 1)) --digits;
  return digits;
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
                              (domain.hi[static_cast<size_t>(k)] - domain.lo[static_cast<size_t>(k)]) * ratio(2 * cell + 1, 2 * static_cast<long>(resolution));
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
  // Quick bounds for every region first; the certified norm only where the upper bound reaches
  // the largest lower bound: the maximum is there.
  std::vector<std::pair<Scaled, Scaled>> quick;
  Scaled largest_lower;
  {
    const internal::RoundToNearest rounding;
    for (const Region& region : partition.regions) {
      quick.push_back(quick_bounds(region.weight));
      largest_lower = std::max(largest_lower, quick.back().first);
    }
  }
  result.exact = {-1, -1};
  for (size_t i = 0; i < partition.regions.size(); ++i) {
    if (quick[i].second < largest_lower) continue;
    const Enclosure e = certified_norm(partition.regions[i].weight);
    if (e.upper > result.exact.upper) {
      result.exact.upper = e.upper;
      result.region = static_cast<int>(i);
    }
    result.exact.lower = std::max(result.exact.lower, e.lower);
  }
  // Each activation is Lipschitz with constant max(1, |slope below zero|): 1 for relu and identity.
  result.product_of_norms = 1;
  for (const LayerQ& layer : net.layers)
    result.product_of_norms *= spectral_norm(to_double(layer.weight)) * std::max(1.0, std::fabs(layer.activation.slope_below()));
  return result;
}

}  // namespace relutope
