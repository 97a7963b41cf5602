#include "relutope/measures/measures.hpp"

#include "spectrum/disc.hpp"
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
Enclosure certified_norm_2(const MatQ& w) {
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

// The spectral norm of any W: exactly as above when W or its transpose has at most 2 columns
// (they share the norm); otherwise between the largest row norm and the Frobenius norm.
Enclosure certified_norm(const MatQ& w) {
  if (w.cols <= 2) return certified_norm_2(w);
  MatQ t(w.cols, w.rows);
  for (Eigen::Index i = 0; i < w.rows; ++i)
    for (Eigen::Index j = 0; j < w.cols; ++j) t(j, i) = w(i, j);
  if (t.cols <= 2) return certified_norm_2(t);
  Rational frobenius = 0, row_max = 0;
  for (Eigen::Index i = 0; i < w.rows; ++i) {
    Rational row = 0;
    for (Eigen::Index j = 0; j < w.cols; ++j) row += w(i, j) * w(i, j);
    frobenius += row;
    row_max = std::max(row_max, row);
  }
  return {enclose_sqrt(row_max).lower, enclose_sqrt(frobenius).upper};
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

namespace {

// The coordinates of grid points first .. first + count - 1 of the R^d grid of cell centres,
// row-major (the last coordinate fastest).
MatD grid_points(const Box& domain, int resolution, long first, long count) {
  const int d = domain.dim();
  MatD coords(count, d);
  std::vector<Rational> step(static_cast<size_t>(d));
  for (int k = 0; k < d; ++k)
    step[static_cast<size_t>(k)] = (domain.hi[static_cast<size_t>(k)] - domain.lo[static_cast<size_t>(k)]) / (2 * static_cast<long>(resolution));
  for (long i = 0; i < count; ++i) {
    long index = first + i;
    for (int k = d; k-- > 0;) {
      const long cell = index % resolution;
      index /= resolution;
      coords(i, k) = to_double(domain.lo[static_cast<size_t>(k)] + step[static_cast<size_t>(k)] * (2 * cell + 1));
    }
  }
  return coords;
}

long grid_size(const Box& domain, int resolution) {
  if (resolution < 1) throw InputError("--sample", "the resolution must be at least 1");
  long count = 1;
  for (int k = 0; k < domain.dim(); ++k) {
    if (count > (1L << 40) / resolution)
      throw InputError("--sample", std::to_string(resolution) + "^" + std::to_string(domain.dim()) + " points are too many");
    count *= resolution;
  }
  return count;
}

}  // namespace

namespace {

// Hands the grid's patterns to `use` in chunks of 2^16 points, reporting progress after each.
void for_sampled_patterns(const Network& net, const Slice* slice, const Box& domain, int resolution,
                          const std::function<void(std::vector<ActivationPattern>&&)>& use,
                          const std::function<void(long, long)>& progress) {
  const long count = grid_size(domain, resolution), chunk = 1L << 16;
  for (long first = 0; first < count; first += chunk) {
    use(evaluate_in(net, slice, grid_points(domain, resolution, first, std::min(chunk, count - first))).patterns);
    if (progress) progress(std::min(first + chunk, count), count);
  }
}

}  // namespace

std::vector<ActivationPattern> sampled_patterns(const Network& net, const Slice* slice, const Box& domain, int resolution,
                                                const std::function<void(long, long)>& progress) {
  std::vector<ActivationPattern> all;
  for_sampled_patterns(
      net, slice, domain, resolution,
      [&](std::vector<ActivationPattern>&& patterns) { all.insert(all.end(), std::make_move_iterator(patterns.begin()), std::make_move_iterator(patterns.end())); },
      progress);
  return all;
}

std::set<ActivationPattern> distinct_sampled_patterns(const Network& net, const Slice* slice, const Box& domain, int resolution,
                                                      const std::function<void(long, long)>& progress) {
  std::set<ActivationPattern> distinct;
  for_sampled_patterns(
      net, slice, domain, resolution,
      [&](std::vector<ActivationPattern>&& patterns) { distinct.insert(std::make_move_iterator(patterns.begin()), std::make_move_iterator(patterns.end())); },
      progress);
  return distinct;
}

std::vector<std::pair<int, int>> dead_neurons(const std::vector<ActivationPattern>& patterns, const std::vector<int>& widths) {
  size_t total = 0;
  for (int w : widths) total += static_cast<size_t>(w);
  std::vector<char> alive(total, 0);
  for (const auto& p : patterns)
    for (size_t i = 0; i < total && i < p.size(); ++i) alive[i] |= p[i] == '1';
  std::vector<std::pair<int, int>> dead;
  size_t offset = 0;
  int layer = 0;  // hidden layers with pattern bits, as HyperplaneLabel numbers them
  for (int width : widths) {
    if (width == 0) continue;
    for (int j = 0; j < width; ++j)
      if (!alive[offset + static_cast<size_t>(j)]) dead.emplace_back(layer, j);
    offset += static_cast<size_t>(width);
    ++layer;
  }
  return dead;
}

std::vector<int> hidden_widths(const NetworkQ& net) {
  std::vector<int> widths;
  for (const LayerQ& layer : net.layers) widths.push_back(layer.activation.has_kink() ? static_cast<int>(layer.weight.rows) : 0);
  return widths;
}

namespace {

// The neuron-boundary estimate at the features h, in double as it is used (forward values and
// gradients with respect to h), and the activation pattern there in double.
struct NeuronScan {
  double estimate = INFINITY;
  ActivationPattern pattern;
};
NeuronScan neuron_scan(const std::vector<Layer>& layers, VecD h) {
  NeuronScan scan;
  MatD jacobian = MatD::Identity(h.size(), h.size());
  for (const Layer& layer : layers) {
    const VecD z = layer.weight * h + layer.bias;
    const MatD grad = layer.weight * jacobian;
    if (!layer.activation.has_kink()) {  // no boundary: the map passes through
      h = z;
      jacobian = grad;
      continue;
    }
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      const double norm = grad.row(i).norm();
      if (norm > 0) scan.estimate = std::min(scan.estimate, std::fabs(z[i]) / norm);
      scan.pattern += z[i] > 0 ? '1' : '0';
    }
    const VecD slope = (z.array() > 0).select(VecD::Ones(z.size()), layer.activation.slope_below());
    h = slope.cwiseProduct(z);
    jacobian = slope.asDiagonal() * grad;
  }
  return scan;
}

// Whether no region but `region` holds x: x lies in its interior or on its faces along the
// domain's boundary only (regions meet along neuron boundaries). Exact; 1D and 2D.
bool holds_alone(const Region& region, const Box& domain, const VecQ& x) {
  const std::vector<VecQ>& v = region.vertices;
  if (x.size() == 1)
    return (v[0][0] < x[0] || v[0][0] == domain.lo[0]) && (x[0] < v[1][0] || v[1][0] == domain.hi[0]);
  if (x.size() != 2) return false;
  for (size_t k = 0; k < v.size(); ++k) {
    const VecQ &p = v[k], &q = v[(k + 1) % v.size()];
    const int side = sgn((q[0] - p[0]) * (x[1] - p[1]) - (q[1] - p[1]) * (x[0] - p[0]));
    if (side < 0 || (side == 0 && !face_containing(domain, p, q))) return false;
  }
  return true;
}

}  // namespace

std::vector<BoundaryDistance> boundary_distances(const Partition& partition, const NetworkQ& net, const std::vector<VecQ>& points) {
  std::vector<Layer> layers;
  for (const LayerQ& layer : net.layers) layers.push_back({to_double(layer.weight), to_double(layer.bias), layer.activation});
  std::unordered_map<ActivationPattern, int> by_pattern;
  for (size_t r = partition.regions.size(); r-- > 0;) by_pattern[partition.regions[r].pattern] = static_cast<int>(r);
  std::vector<BoundaryDistance> found;
  for (const VecQ& x : points) {
    BoundaryDistance result;
    const NeuronScan scan = neuron_scan(layers, to_double(x));
    result.neuron_estimate = scan.estimate;
    // The region of the pattern in double is a guess, certified exactly; else the exact search.
    const auto guess = by_pattern.find(scan.pattern);
    result.region = guess != by_pattern.end() && holds_alone(partition.regions[static_cast<size_t>(guess->second)], partition.domain, x)
                        ? guess->second
                        : locate(partition, x);
    if (result.region >= 0) {
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
    }
    found.push_back(std::move(result));
  }
  return found;
}

BoundaryDistance boundary_distance(const Partition& partition, const NetworkQ& net, const VecQ& x) {
  return boundary_distances(partition, net, {x}).front();
}

VecD neuron_distances(const Network& net, const MatD& X) {
  const MatD features = encode(net.encoding, X);
  VecD distances(features.rows());
  for (Eigen::Index i = 0; i < features.rows(); ++i) distances[i] = neuron_scan(net.layers, features.row(i).transpose()).estimate;
  return distances;
}

namespace {

std::vector<std::uint64_t> packed(const ActivationPattern& pattern) {
  std::vector<std::uint64_t> words((pattern.size() + 63) / 64, 0);
  for (size_t i = 0; i < pattern.size(); ++i)
    if (pattern[i] == '1') words[i / 64] |= std::uint64_t{1} << (i % 64);
  return words;
}

// Length or area of a region from its approximate vertices (1D, 2D): for choosing, not reporting.
double approximate_measure(const RegionRecord& r) {
  const int n = r.vertex_count();
  if (r.dim == 1) return std::fabs(r.vertices[1] - r.vertices[0]);
  double twice = 0;
  for (int k = 0; k < n; ++k) {
    const int m = (k + 1) % n;
    twice += r.vertices[static_cast<size_t>(2 * k)] * r.vertices[static_cast<size_t>(2 * m + 1)] -
             r.vertices[static_cast<size_t>(2 * m)] * r.vertices[static_cast<size_t>(2 * k + 1)];
  }
  return twice / 2;
}

// Bounds on the spectral norm of the region's weight W from its approximate map W~ (entries
// within map_radius r, #outputs x d). Always: the largest row norm of max(|w~| - r, 0) below, the
// Frobenius norm of |w~| + r above. When W or its transpose has at most 2 columns, also the
// closed form of W~'s norm from its 2 x 2 Gram matrix G~ = [[a, b], [b, c]] (t = a + c):
// computed in doubles, lambda_max(G~) is within 2 gamma_n t (G~'s entries, n terms each) plus
// 10 u t (the closed form) of the exact, so within eps = 8 (n + 8) u of it relatively (t is at
// most twice lambda_max); and |norm W - norm W~| <= ||W - W~||_F <= r sqrt(#outputs d) (Weyl).
// Each bound has room for its own rounding (and underflow, 2^-500).
std::pair<double, double> quick_norm_bounds(const RegionRecord& r) {
  const int w = r.dim + 1, o = r.outputs, d = r.dim;
  double frobenius = 0, row_max = 0;
  for (int i = 0; i < o; ++i) {
    double row = 0;
    for (int k = 0; k < d; ++k) {
      const double x = std::fabs(r.map[static_cast<size_t>(i * w + k)]);
      frobenius += (x + r.map_radius) * (x + r.map_radius);
      row += std::max(x - r.map_radius, 0.0) * std::max(x - r.map_radius, 0.0);
    }
    row_max = std::max(row_max, row);
  }
  double lower = std::sqrt(row_max) * (1 - 0x1p-45), upper = std::sqrt(frobenius) * (1 + 0x1p-45) + 0x1p-500;
  if (std::min(o, d) <= 2) {
    // The Gram matrix of the short side: W~^T W~ (d <= 2) or W~ W~^T.
    const bool columns = d <= 2;
    const int side = columns ? d : o, n = columns ? o : d;
    auto entry = [&](int i, int k) { return columns ? r.map[static_cast<size_t>(k * w + i)] : r.map[static_cast<size_t>(i * w + k)]; };
    double gram[2][2] = {{0, 0}, {0, 0}};
    for (int p = 0; p < side; ++p)
      for (int q = 0; q < side; ++q)
        for (int k = 0; k < n; ++k) gram[p][q] += entry(p, k) * entry(q, k);
    const double a = gram[0][0], b = gram[0][1], c = gram[1][1];
    const double largest = (a + c + std::sqrt((a - c) * (a - c) + 4 * b * b)) / 2;
    const double eps = 8 * (n + 8) * 0x1p-53, reach = r.map_radius * std::sqrt(static_cast<double>(o * d)) * (1 + 0x1p-50);
    const double gram_lower = std::sqrt(largest / (1 + eps)) * (1 - 0x1p-50) - reach;
    const double gram_upper = std::sqrt(largest / (1 - eps)) * (1 + 0x1p-50) + reach + 0x1p-500;
    if (std::isfinite(gram_lower) && std::isfinite(gram_upper)) {
      lower = std::max(lower, gram_lower);
      upper = std::min(upper, gram_upper);
    }
  }
  if (!std::isfinite(lower) || lower < 0) lower = 0;
  if (!std::isfinite(upper)) upper = HUGE_VAL;
  return {lower, upper};
}

}  // namespace

RegionSummary::RegionSummary(const NetworkQ& net, const Box& domain, std::optional<std::set<ActivationPattern>> sampled)
    : net_(net), exact_(net, domain), join_(net) {
  if (sampled) {
    sampled_.emplace();
    for (const ActivationPattern& p : *sampled) sampled_->insert(packed(p));
  }
}

Demand RegionSummary::demand(const RegionRecord& record) const {
  Demand d = join_.demand(record);
  d.exact_vertices |= sum_measures_;
  return d;
}

void RegionSummary::add(RegionRecord&& record) {
  const int region = static_cast<int>(count_++);
  join_.add(record);
  if (sum_measures_) measure_sum_ += measure(region_of(RegionRecord(record)));
  if (alive_.empty()) alive_.assign(record.pattern.size(), 0);
  for (size_t w = 0; w < alive_.size(); ++w) alive_[w] |= record.pattern[w];

  const auto [lower, upper] = quick_norm_bounds(record);
  if (upper >= largest_lower_) candidates_.push_back({region, lower, upper, record.pattern});
  if (lower > largest_lower_) {
    largest_lower_ = lower;
    if (candidates_.size() > 64)  // drop those that can no longer be the largest
      candidates_.erase(std::remove_if(candidates_.begin(), candidates_.end(), [&](const Candidate& c) { return c.upper < largest_lower_; }),
                        candidates_.end());
  }

  if (sampled_) {
    if (sampled_->count(record.pattern)) {
      ++sampled_found_;
    } else {
      // 1D, 2D: the double area chooses; 3D and above: the exact volume, in finish().
      const double area = record.dim <= 2 ? approximate_measure(record) : 0;
      record.vertices = {};
      record.map = {};
      missed_.push_back({region, area, std::move(record)});
    }
  }
}

RegionSummary::Result RegionSummary::finish() {
  Result result;
  result.regions = count_;
  result.pieces = join_.finish();
  if (sum_measures_) result.measure_sum = measure_sum_;
  int layer = 0, index = 0;
  for (const LayerQ& l : net_.layers) {
    if (!l.activation.has_kink()) continue;
    const bool can_die = l.activation.kind == Activation::Kind::relu;  // a leaky neuron below 0 still passes a z
    for (Eigen::Index j = 0; j < l.weight.rows; ++j, ++index)
      if (can_die && !((alive_[static_cast<size_t>(index) / 64] >> (index % 64)) & 1U))
        result.dead_neurons.emplace_back(layer, static_cast<int>(j));
    ++layer;
  }

  if (sampled_) {
    SamplingReport report;
    report.distinct_patterns = static_cast<long>(sampled_->size());
    report.regions_found = sampled_found_;
    report.foreign_patterns = report.distinct_patterns - sampled_found_;
    for (const Missed& m : missed_) report.missed.push_back(m.region);
    auto exact_measure = [&](const Missed& m) {
      RegionRecord record = m.record;
      exact_.add_exact_vertices(record);
      return measure(region_of(std::move(record)));
    };
    if (!missed_.empty() && missed_.front().record.dim <= 2) {
      // Chosen by their areas in doubles (ties by pattern); the areas reported are exact.
      std::sort(missed_.begin(), missed_.end(), [](const Missed& a, const Missed& b) {
        return a.area != b.area ? a.area < b.area : a.record.pattern < b.record.pattern;
      });
      report.smallest_missed = exact_measure(missed_.front());
      report.median_missed = exact_measure(missed_[missed_.size() / 2]);
    } else if (!missed_.empty()) {  // volumes have no cheap double: all exact
      std::vector<Rational> volumes;
      for (const Missed& m : missed_) volumes.push_back(exact_measure(m));
      std::sort(volumes.begin(), volumes.end());
      report.smallest_missed = volumes.front();
      report.median_missed = volumes[volumes.size() / 2];
    }
    result.sampling = std::move(report);
  }

  Lipschitz& lip = result.lipschitz;
  lip.exact = {-1, -1};
  for (const Candidate& c : candidates_) {
    if (c.upper < largest_lower_) continue;
    MatQ weight;
    VecQ bias;
    exact_.output_map(c.pattern, weight, bias);
    const Enclosure e = certified_norm(weight);
    if (e.upper > lip.exact.upper) {
      lip.exact.upper = e.upper;
      lip.region = c.region;
    }
    lip.exact.lower = std::max(lip.exact.lower, e.lower);
  }
  // Each activation is Lipschitz with constant max(1, |slope below zero|): 1 for relu and identity.
  lip.product_of_norms = 1;
  for (const LayerQ& layer : net_.layers)
    lip.product_of_norms *= spectral_norm(to_double(layer.weight)) * std::max(1.0, std::fabs(layer.activation.slope_below()));
  return result;
}

RegionSummary::Result summarize(const NetworkQ& net, const Box& domain, std::optional<std::set<ActivationPattern>> sampled,
                                const RegionOptions& options) {
  RegionSummary summary(net, domain, std::move(sampled));
  enumerate_regions(net, domain, summary, options);
  return summary.finish();
}

}  // namespace relutope
