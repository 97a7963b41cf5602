// The engine (engine/enumerate.hpp and the sinks that consume its stream) against itself and
// against routes that share no code with it:
//  - filter vs exact: enumerate_regions with the floating-point filter and with
//    force_exact_predicates(true) hands out the same records, field by field;
//  - cases built to defeat the filter (cuts through vertices, parallel and duplicate neurons,
//    2^+-500 weights, subnormal products, one-ulp offsets, leaky slopes 0.01 and -1, identity
//    layers, non-dyadic boxes): the exact fallback runs (PredicateCounts::exact > 0) and the
//    partition equals the brute-force oracle's (polytope_oracle.hpp);
//  - the record stream does not depend on the thread count;
//  - DESIGN §3's invariants in 2D and 3D: measures sum to the box's, f is continuous across every
//    shared facet, sampled patterns are enumerated, adjacency and linear pieces equal a brute
//    force over the oracle's cells, CGAL's arrangement agrees in 2D;
//  - streaming: a counting sink, RegionSummary against the held Partition, limits, interruption
//    and progress;
//  - ExactMaps rebuilds from pattern and labels what the engine demanded inline.
// Two engine faults these tests found are regression tests here, each with its minimal case:
// RegionSummary crashing when sampling missed a region, map_radius NaN after an overflow. A
// hidden [engine-stress] test runs many random near-degenerate networks (RELUTOPE_STRESS=N).
#include "helpers.hpp"
#include "polytope_oracle.hpp"

#include "relutope/engine/enumerate.hpp"
#include "relutope/engine/exact_maps.hpp"
#include "relutope/engine/piece_join.hpp"
#include "relutope/engine/region_record.hpp"
#include "relutope/error.hpp"
#include "relutope/measures/measures.hpp"
#include "relutope/engine/partition.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace relutope;
using oracle_nd::CellND;
using oracle_nd::Q;
using oracle_nd::Vec;

namespace {

// ------------------------------------------------------------------ the filter switch

// The filter off for the scope; back on at its end, also when a check throws.
class ExactOnly {
public:
  ExactOnly() { force_exact_predicates(true); }
  ~ExactOnly() { force_exact_predicates(false); }
  ExactOnly(const ExactOnly&) = delete;
  ExactOnly& operator=(const ExactOnly&) = delete;
};

// ------------------------------------------------------------------ networks from doubles

Layer layer(const std::vector<std::vector<double>>& rows, const std::vector<double>& bias, Activation act = Activation::relu()) {
  Layer L{MatD(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.at(0).size())),
          VecD(static_cast<Eigen::Index>(bias.size())), act};
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) L.weight(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  for (size_t i = 0; i < bias.size(); ++i) L.bias[static_cast<Eigen::Index>(i)] = bias[i];
  return L;
}

Layer out_layer(const std::vector<std::vector<double>>& rows, const std::vector<double>& bias) {
  return layer(rows, bias, Activation::identity());
}

Network network(int d, std::vector<Layer> layers) {
  Network net;
  net.input_dim = d;
  net.layers = std::move(layers);
  return net;
}

// The exact view by GMP itself (mpq_class(double) is exact), not by relutope::to_exact: what the
// oracle reads.
NetworkQ gmp_exact(const Network& net) {
  NetworkQ q;
  q.input_dim = net.input_dim;
  q.encoding = net.encoding;
  for (const Layer& L : net.layers) {
    LayerQ lq{MatQ(L.weight.rows(), L.weight.cols()), {}, L.activation};
    for (Eigen::Index i = 0; i < L.weight.rows(); ++i)
      for (Eigen::Index j = 0; j < L.weight.cols(); ++j) lq.weight(i, j) = Q(L.weight(i, j));
    for (Eigen::Index i = 0; i < L.bias.size(); ++i) lq.bias.push_back(Q(L.bias[i]));
    q.layers.push_back(std::move(lq));
  }
  return q;
}

enum class Kind { dyadic, uniform, torch };

double draw(std::mt19937_64& rng, Kind kind, int fan_in) {
  std::uniform_real_distribution<double> u(-1, 1);
  switch (kind) {
    case Kind::dyadic: return std::uniform_int_distribution<int>(-8, 8)(rng) / 4.0;  // coincidences galore
    case Kind::uniform: return u(rng);
    default: return u(rng) / std::sqrt(static_cast<double>(fan_in));  // PyTorch's default initialisation
  }
}

// d -> widths[0] -> ... -> widths.back(): ReLU hidden layers, an identity output layer.
Network random_net(std::mt19937_64& rng, int d, const std::vector<int>& widths, Kind kind) {
  Network net;
  net.input_dim = d;
  int fan_in = d;
  for (size_t l = 0; l < widths.size(); ++l) {
    Layer L{MatD(widths[l], fan_in), VecD(widths[l]), l + 1 == widths.size() ? Activation::identity() : Activation::relu()};
    for (int i = 0; i < widths[l]; ++i) {
      for (int j = 0; j < fan_in; ++j) L.weight(i, j) = draw(rng, kind, fan_in);
      L.bias[i] = draw(rng, kind, fan_in);
    }
    net.layers.push_back(std::move(L));
    fan_in = widths[l];
  }
  return net;
}

// Every nonzero weight and bias moved by 1 to 3 ulps up or down (or kept), at random: a dyadic
// network's exact coincidences become near-coincidences, which the filter must either prove or
// leave to exact arithmetic.
Network nudged(Network net, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> steps(-3, 3);
  auto nudge = [&](double& x) {
    if (x == 0) return;
    for (int k = steps(rng); k != 0; k += k > 0 ? -1 : 1) x = std::nextafter(x, k > 0 ? HUGE_VAL : -HUGE_VAL);
  };
  for (Layer& L : net.layers) {
    for (Eigen::Index i = 0; i < L.weight.size(); ++i) nudge(L.weight.data()[i]);
    for (Eigen::Index i = 0; i < L.bias.size(); ++i) nudge(L.bias[i]);
  }
  return net;
}

// Each neuron's row and bias scaled by 2^k, k uniform in -range..range: the same zero sets, the
// magnitudes spread over 2 range binades.
Network scaled_rows(Network net, std::mt19937_64& rng, int range) {
  for (Layer& L : net.layers)
    for (Eigen::Index i = 0; i < L.weight.rows(); ++i) {
      const double scale = std::ldexp(1.0, std::uniform_int_distribution<int>(-range, range)(rng));
      L.weight.row(i) *= scale;
      L.bias[i] *= scale;
    }
  return net;
}

// A dyadic network whose hidden activations are drawn from relu, leaky_relu 0.01, 0.25 and -1,
// and identity; the output layer identity or leaky_relu 0.5.
Network mixed_activations(std::mt19937_64& rng, int d, const std::vector<int>& widths) {
  Network net = random_net(rng, d, widths, Kind::dyadic);
  const std::vector<Activation> kinds{Activation::relu(), Activation::leaky_relu(0.01), Activation::leaky_relu(0.25),
                                      Activation::leaky_relu(-1), Activation::identity()};
  for (size_t l = 0; l + 1 < net.layers.size(); ++l)
    net.layers[l].activation = kinds[std::uniform_int_distribution<size_t>(0, kinds.size() - 1)(rng)];
  if (std::uniform_int_distribution<int>(0, 1)(rng)) net.layers.back().activation = Activation::leaky_relu(0.5);
  return net;
}

Box cube(int d, const Q& lo, const Q& hi) { return Box{Vec(static_cast<size_t>(d), lo), Vec(static_cast<size_t>(d), hi)}; }

struct Case {
  std::string name;
  Network net;
  Box box;
};

std::string num(double x) {
  char s[40];
  std::snprintf(s, sizeof s, "%.17g", x);
  return s;
}

// The network (readable, exact: %.17g reads back to the same double) and its box.
std::string describe(const Case& c) {
  std::ostringstream o;
  o << c.name << ": network, " << c.net.input_dim << " inputs\n";
  for (size_t l = 0; l < c.net.layers.size(); ++l) {
    const Layer& L = c.net.layers[l];
    o << "  layer " << l << " (" << activation_name(L.activation) << "): W = [";
    for (Eigen::Index i = 0; i < L.weight.rows(); ++i) {
      o << (i ? "; " : "");
      for (Eigen::Index j = 0; j < L.weight.cols(); ++j) o << (j ? ", " : "") << num(L.weight(i, j));
    }
    o << "]  b = [";
    for (Eigen::Index i = 0; i < L.bias.size(); ++i) o << (i ? ", " : "") << num(L.bias[i]);
    o << "]\n";
  }
  o << "  box";
  for (int k = 0; k < c.box.dim(); ++k) o << " [" << c.box.lo[static_cast<size_t>(k)].get_str() << ", " << c.box.hi[static_cast<size_t>(k)].get_str() << "]";
  return o.str();
}

std::string str(const Vec& x) {
  std::string s = "(";
  for (size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + x[i].get_str();
  return s + ")";
}

EngineOptions one_thread() {
  EngineOptions o;
  o.threads = 1;
  return o;
}

// ------------------------------------------------------------------ recording the stream

// Keeps every record; demands everything, nothing, or (by the pattern's parity, so that the
// demand is a function of the record and thread-safe) exact vertices or the exact map.
class Recorder : public RegionSink {
public:
  enum class Want { nothing, everything, alternate };
  explicit Recorder(Want want) : want_(want) {}
  Demand demand(const RegionRecord& r) const override {
    if (want_ == Want::everything) return {true, true};
    if (want_ == Want::nothing) return {};
    const bool odd = parity(r);
    return {odd, !odd};
  }
  void add(RegionRecord&& r) override { records.push_back(std::move(r)); }
  static bool parity(const RegionRecord& r) {
    int ones = 0;
    for (std::uint64_t w : r.pattern) ones += __builtin_popcountll(w);
    return ones % 2 == 1;
  }
  std::vector<RegionRecord> records;

private:
  Want want_;
};

struct Run {
  std::vector<RegionRecord> records;
  PredicateCounts counts;
};

Run run(const NetworkQ& net, const Box& box, Recorder::Want want, bool exact_only, int threads = 1) {
  Recorder sink(want);
  EngineOptions options;
  options.threads = threads;
  Run r;
  if (exact_only) {
    const ExactOnly guard;
    r.counts = enumerate_regions(net, box, sink, options);
  } else {
    r.counts = enumerate_regions(net, box, sink, options);
  }
  r.records = std::move(sink.records);
  return r;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

template <class T>
std::string labels(const std::vector<T>& v) {
  std::string s;
  for (const auto& x : v) s += "(" + std::to_string(x.layer) + "," + std::to_string(x.index) + ")";
  return s;
}

// The first field in which two records differ ("" if none). The approximate vertices are compared
// bit for bit only with `vertices_bitwise`.
std::string record_diff(const RegionRecord& a, const RegionRecord& b, bool vertices_bitwise) {
  if (a.dim != b.dim) return "dim";
  if (a.pattern != b.pattern || a.pattern_bits != b.pattern_bits) return "pattern";
  if (a.vertices.size() != b.vertices.size()) return "vertex count " + std::to_string(a.vertex_count()) + " vs " + std::to_string(b.vertex_count());
  if (vertices_bitwise && !same_bits(a.vertices, b.vertices)) return "approximate vertices (bits)";
  if (!(a.vertex_planes == b.vertex_planes)) return "vertex_planes " + labels(a.vertex_planes) + " vs " + labels(b.vertex_planes);
  if (!(a.facet_planes == b.facet_planes)) return "facet_planes " + labels(a.facet_planes) + " vs " + labels(b.facet_planes);
  if (a.facet_sides != b.facet_sides) return "facet_sides";
  if (a.facet_offsets != b.facet_offsets) return "facet_offsets";
  if (a.facet_vertices != b.facet_vertices) return "facet_vertices";
  if (a.facet_degenerate != b.facet_degenerate) return "facet_degenerate";
  if (a.outputs != b.outputs) return "outputs";
  if (!same_bits(a.map, b.map)) return "approximate map (bits)";
  if (!test::same_bits(a.map_radius, b.map_radius)) return "map_radius (bits)";
  if (a.exact_vertices != b.exact_vertices) return "exact_vertices";
  if (a.exact_weight.rows != b.exact_weight.rows || a.exact_weight.cols != b.exact_weight.cols || a.exact_weight.data != b.exact_weight.data)
    return "exact_weight";
  if (a.exact_bias != b.exact_bias) return "exact_bias";
  return "";
}

std::string stream_diff(const std::vector<RegionRecord>& a, const std::vector<RegionRecord>& b, bool vertices_bitwise) {
  if (a.size() != b.size()) return "record count " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string d = record_diff(a[i], b[i], vertices_bitwise);
    if (!d.empty()) return "record " + std::to_string(i) + ": " + d;
  }
  return "";
}

// Every field of a record as bytes: for comparing whole streams cheaply.
std::string fingerprint(const RegionRecord& r) {
  std::string s;
  auto raw = [&](const void* p, size_t n) {
    if (n) s.append(static_cast<const char*>(p), n);
  };
  auto ints = [&](const auto& v) {
    for (const auto& x : v) {
      const long long y = static_cast<long long>(x);
      raw(&y, sizeof y);
    }
    s += '|';
  };
  raw(&r.dim, sizeof r.dim);
  ints(r.pattern);
  raw(&r.pattern_bits, sizeof r.pattern_bits);
  raw(r.vertices.data(), r.vertices.size() * sizeof(double));
  s += '|';
  for (const HyperplaneLabel& l : r.vertex_planes) s += std::to_string(l.layer) + ":" + std::to_string(l.index) + ",";
  s += '|';
  for (const HyperplaneLabel& l : r.facet_planes) s += std::to_string(l.layer) + ":" + std::to_string(l.index) + ",";
  s += '|';
  ints(r.facet_sides);
  ints(r.facet_offsets);
  ints(r.facet_vertices);
  ints(r.facet_degenerate);
  raw(&r.outputs, sizeof r.outputs);
  raw(r.map.data(), r.map.size() * sizeof(double));
  raw(&r.map_radius, sizeof r.map_radius);
  for (const VecQ& v : r.exact_vertices) s += str(v);
  s += '|';
  for (const Rational& q : r.exact_weight.data) s += q.get_str() + ",";
  s += '|';
  for (const Rational& q : r.exact_bias) s += q.get_str() + ",";
  return s;
}

std::vector<std::string> fingerprints(const std::vector<RegionRecord>& records) {
  std::vector<std::string> f;
  for (const RegionRecord& r : records) f.push_back(fingerprint(r));
  return f;
}

// The largest distance of a record's approximate vertices from its exact ones, in units of 2^-52
// times the vertex's largest exact coordinate (RegionRecord: "within a few units in the last
// place"). \pre exact vertices present
double vertex_error_ulps(const RegionRecord& r) {
  double worst = 0;
  for (int v = 0; v < r.vertex_count(); ++v) {
    const VecQ& x = r.exact_vertices[static_cast<size_t>(v)];
    Q scale = 0;
    for (const Q& c : x) scale = std::max(scale, Q(abs(c)));
    for (int k = 0; k < r.dim; ++k) {
      const Q err = abs(Q(r.vertices[static_cast<size_t>(v * r.dim + k)]) - x[static_cast<size_t>(k)]);
      if (err == 0) continue;
      worst = std::max(worst, scale == 0 ? HUGE_VAL : Q(err / scale).get_d() * 0x1p52);
    }
  }
  return worst;
}

// RegionRecord: "|exact - approximate| <= map_radius entrywise", checked in rationals ("" or the
// first entry where it fails). \pre the exact map present
std::string map_radius_fault(const RegionRecord& r) {
  const int w = r.dim + 1;
  if (static_cast<int>(r.map.size()) != r.outputs * w) return "map has " + std::to_string(r.map.size()) + " entries";
  if (!(r.map_radius >= 0)) return "map_radius " + num(r.map_radius);
  for (int i = 0; i < r.outputs; ++i)
    for (int k = 0; k <= r.dim; ++k) {
      const double approx = r.map[static_cast<size_t>(i * w + k)];
      if (std::isinf(r.map_radius)) continue;
      if (!std::isfinite(approx)) return "map entry " + num(approx) + " with a finite radius";
      const Q& exact = k < r.dim ? r.exact_weight(i, k) : r.exact_bias[static_cast<size_t>(i)];
      if (abs(Q(approx) - exact) > Q(r.map_radius))
        return "output " + std::to_string(i) + ", coefficient " + std::to_string(k) + ": approximate " + num(approx) + ", exact " +
               std::to_string(exact.get_d()) + ", |difference| " + num(Q(abs(Q(approx) - exact)).get_d()) + " > map_radius " + num(r.map_radius);
    }
  return "";
}

// ------------------------------------------------------------------ exact evaluation

// The pattern at an exact point ('1' iff z > 0), and whether some neuron with a kink is exactly
// zero there (the point lies on a zero set: maybe on a region boundary).
struct PointPattern {
  std::string pattern;
  bool on_zero_set = false;
};

PointPattern exact_pattern(const NetworkQ& net, const Vec& x) {
  PointPattern p;
  Vec h = x;
  for (const LayerQ& L : net.layers) {
    Vec z(static_cast<size_t>(L.weight.rows));
    for (long i = 0; i < L.weight.rows; ++i) {
      Q v = L.bias[static_cast<size_t>(i)];
      for (long k = 0; k < L.weight.cols; ++k) v += L.weight(i, k) * h[static_cast<size_t>(k)];
      z[static_cast<size_t>(i)] = v;
    }
    if (L.activation.has_kink()) {
      const Q below(L.activation.slope_below());
      for (Q& v : z) {
        p.pattern += v > 0 ? '1' : '0';
        p.on_zero_set = p.on_zero_set || v == 0;
        if (v <= 0) v *= below;
      }
    }
    h = std::move(z);
  }
  return p;
}

Q eval(const Region& r, long out, const Vec& x) {
  Q v = r.bias[static_cast<size_t>(out)];
  for (size_t j = 0; j < x.size(); ++j) v += r.weight(out, static_cast<long>(j)) * x[j];
  return v;
}

// ------------------------------------------------------------------ independent geometry

Q value(const Vec& row, const Vec& x) {
  Q v = row.back();
  for (size_t j = 0; j < x.size(); ++j) v += row[j] * x[j];
  return v;
}

// The hyperplane n . x + c = 0 through points whose differences have rank exactly d - 1, as
// (n_0, .., n_{d-1}, c); nothing otherwise. Reduced row echelon form, in rationals.
std::optional<Vec> plane_through(const std::vector<Vec>& pts, size_t d) {
  if (pts.empty()) return std::nullopt;
  std::vector<Vec> M;
  for (size_t i = 1; i < pts.size(); ++i) {
    Vec r(d);
    for (size_t j = 0; j < d; ++j) r[j] = pts[i][j] - pts[0][j];
    M.push_back(std::move(r));
  }
  std::vector<size_t> pivots;
  size_t row = 0;
  for (size_t col = 0; col < d && row < M.size(); ++col) {
    size_t p = row;
    while (p < M.size() && M[p][col] == 0) ++p;
    if (p == M.size()) continue;
    std::swap(M[p], M[row]);
    const Q inv = 1 / M[row][col];
    for (Q& v : M[row]) v *= inv;
    for (size_t i = 0; i < M.size(); ++i)
      if (i != row && M[i][col] != 0) {
        const Q f = M[i][col];
        for (size_t j = 0; j < d; ++j) M[i][j] -= f * M[row][j];
      }
    pivots.push_back(col);
    ++row;
  }
  if (pivots.size() + 1 != d) return std::nullopt;
  size_t free = 0;
  while (std::find(pivots.begin(), pivots.end(), free) != pivots.end()) ++free;
  Vec n(d, Q(0));
  n[free] = 1;
  for (size_t r = 0; r < pivots.size(); ++r) n[pivots[r]] = -M[r][free];
  Q c = 0;
  for (size_t j = 0; j < d; ++j) c -= n[j] * pts[0][j];
  n.push_back(c);
  return n;
}

// Each facet's hyperplane from its exact vertices, oriented so that the region is where it is
// >= 0; "" or a fault.
std::string inward_planes(const Region& r, size_t d, std::vector<Vec>& planes) {
  planes.clear();
  for (size_t f = 0; f < r.facets.size(); ++f) {
    std::vector<Vec> pts;
    for (int i : r.facets[f].vertices) pts.push_back(r.vertices.at(static_cast<size_t>(i)));
    std::optional<Vec> h = plane_through(pts, d);
    if (!h) return "facet " + std::to_string(f) + " of pattern " + r.pattern + ": its vertices span no hyperplane";
    int side = 0;
    for (const Vec& v : r.vertices)
      if ((side = sgn(value(*h, v))) != 0) break;
    if (side == 0) return "region " + r.pattern + " is flat";
    if (side < 0)
      for (Q& x : *h) x = -x;
    for (const Vec& v : r.vertices)
      if (value(*h, v) < 0) return "region " + r.pattern + " is not convex: a vertex beyond a facet";
    planes.push_back(std::move(*h));
  }
  return "";
}

bool inside(const std::vector<Vec>& planes, const Vec& x) {
  return std::all_of(planes.begin(), planes.end(), [&](const Vec& h) { return value(h, x) >= 0; });
}

// f is continuous across every shared facet: for each adjacent pair (a, b), the one facet plane H
// of a that has b on its other side; the maps of a and b agree at every vertex of a and of b on H
// (a's facet on H spans H, so they then agree on all of H). Returns "" or a fault.
std::string check_continuity(const Partition& P, long* checked_points) {
  const size_t d = static_cast<size_t>(P.dim);
  std::vector<std::vector<Vec>> planes(P.regions.size());
  for (size_t i = 0; i < P.regions.size(); ++i) {
    const std::string fault = inward_planes(P.regions[i], d, planes[i]);
    if (!fault.empty()) return fault;
  }
  for (const auto& [a, b] : P.adjacent) {
    const Region &ra = P.regions[static_cast<size_t>(a)], &rb = P.regions[static_cast<size_t>(b)];
    const std::string pair = "regions " + std::to_string(a) + " (" + ra.pattern + ") and " + std::to_string(b) + " (" + rb.pattern + ")";
    const Vec* H = nullptr;
    int separating = 0;
    for (const Vec& h : planes[static_cast<size_t>(a)])
      if (std::all_of(rb.vertices.begin(), rb.vertices.end(), [&](const Vec& v) { return value(h, v) <= 0; })) {
        H = &h;
        ++separating;
      }
    if (separating != 1) return pair + ": " + std::to_string(separating) + " facet planes of the first separate them, not one";
    std::vector<Vec> on;
    for (const Region* r : {&ra, &rb})
      for (const Vec& v : r->vertices)
        if (value(*H, v) == 0) on.push_back(v);
    // The shared facet: the vertices on H of each that lie in the closure of the other.
    int shared = 0;
    for (const Vec& v : on) shared += inside(planes[static_cast<size_t>(a)], v) && inside(planes[static_cast<size_t>(b)], v);
    if (shared < 1) return pair + ": no vertex of the shared facet";
    for (const Vec& x : on)
      for (long o = 0; o < ra.weight.rows; ++o) {
        if (eval(ra, o, x) != eval(rb, o, x)) return "f jumps across the facet of " + pair + " at " + str(x);
        ++*checked_points;
      }
  }
  return "";
}

// Adjacency of the oracle's cells, brute force: cells i and j are adjacent iff a facet inequality
// of i is, negated, one of j's, and the two facets overlap in a set of positive (d-1)-measure:
// the cells' other inequalities, restricted to the hyperplane (one coordinate eliminated), leave
// a full-dimensional polytope of dimension d - 1.
bool contact(const CellND& A, const CellND& B, const Vec& key, size_t d) {
  // The common case first: the same vertices on the hyperplane (a facet of each, face to face).
  std::vector<Vec> on_a, on_b;
  for (const Vec& v : A.vertices)
    if (value(key, v) == 0) on_a.push_back(v);
  for (const Vec& v : B.vertices)
    if (value(key, v) == 0) on_b.push_back(v);
  if (on_a == on_b && oracle_nd::affine_dim(on_a, [&] {
        std::vector<int> all(on_a.size());
        std::iota(all.begin(), all.end(), 0);
        return all;
      }()) == static_cast<int>(d) - 1)
    return true;
  // Facets whose bounding boxes are disjoint do not meet (a quick no).
  for (size_t k = 0; k < d; ++k) {
    const auto by = [k](const Vec& x, const Vec& y) { return x[k] < y[k]; };
    if (on_a.empty() || on_b.empty() || (*std::max_element(on_a.begin(), on_a.end(), by))[k] < (*std::min_element(on_b.begin(), on_b.end(), by))[k] ||
        (*std::max_element(on_b.begin(), on_b.end(), by))[k] < (*std::min_element(on_a.begin(), on_a.end(), by))[k])
      return false;
  }
  size_t p = 0;
  while (key[p] == 0) ++p;
  // F_A = A on the hyperplane is cut out by the facets of A through some vertex of F_A (the
  // others are redundant there); likewise F_B. Restricted to the hyperplane (x_p eliminated).
  std::vector<oracle_nd::Halfspace> hs;
  for (const CellND* C : {&A, &B})
    for (const oracle_nd::Halfspace& h : C->facets) {
      const std::vector<Vec>& on = C == &A ? on_a : on_b;
      if (std::none_of(on.begin(), on.end(), [&](const Vec& v) { return h.at(v) == 0; })) continue;
      oracle_nd::Halfspace g;
      g.c = h.c - h.a[p] * key[d] / key[p];
      bool zero = true;
      for (size_t j = 0; j < d; ++j)
        if (j != p) {
          g.a.push_back(h.a[j] - h.a[p] * key[j] / key[p]);
          zero = zero && g.a.back() == 0;
        }
      if (zero) {  // constant on the hyperplane: the hyperplane itself, or parallel to it
        if (g.c < 0) return false;
        continue;
      }
      // A quick no: the other facet lies on or outside this constraint (weak separation), so the
      // two meet in a set of dimension d - 2 at most.
      const std::vector<Vec>& other = C == &A ? on_b : on_a;
      if (std::all_of(other.begin(), other.end(), [&](const Vec& v) { return h.at(v) <= 0; })) return false;
      hs.push_back(std::move(g));
    }
  if (d == 1) return true;
  return oracle_nd::make_polytope(std::move(hs), d - 1).has_value();
}

std::set<std::pair<int, int>> oracle_adjacency(const std::vector<CellND>& cells, size_t d) {
  std::map<Vec, std::vector<std::pair<int, int>>> by_plane;  // (a, c) with first a_j > 0 -> (cell, side)
  for (size_t i = 0; i < cells.size(); ++i)
    for (const oracle_nd::Halfspace& h : cells[i].facets) {
      Vec key = h.a;
      key.push_back(h.c);
      size_t p = 0;
      while (key[p] == 0) ++p;
      const int side = key[p] > 0 ? 1 : -1;
      if (side < 0)
        for (Q& x : key) x = -x;
      by_plane[key].push_back({static_cast<int>(i), side});
    }
  std::set<std::pair<int, int>> adj;
  for (const auto& [key, facets] : by_plane)
    for (const auto& [i, si] : facets)
      for (const auto& [j, sj] : facets)
        if (si > 0 && sj < 0 && contact(cells[static_cast<size_t>(i)], cells[static_cast<size_t>(j)], key, d))
          adj.insert(std::minmax(i, j));
  return adj;
}

// Linear pieces of the oracle's cells: union-find over adjacent cells with equal maps.
std::vector<int> brute_pieces(const std::vector<CellND>& cells, const std::set<std::pair<int, int>>& adj) {
  std::vector<int> parent(cells.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> find = [&](int i) { return parent[static_cast<size_t>(i)] == i ? i : parent[static_cast<size_t>(i)] = find(parent[static_cast<size_t>(i)]); };
  for (const auto& [i, j] : adj) {
    const CellND &a = cells[static_cast<size_t>(i)], &b = cells[static_cast<size_t>(j)];
    if (a.weight == b.weight && a.bias == b.bias) parent[static_cast<size_t>(find(i))] = find(j);
  }
  std::vector<int> piece;
  for (size_t i = 0; i < cells.size(); ++i) piece.push_back(find(static_cast<int>(i)));
  return piece;
}

// ------------------------------------------------------------------ the checks

// The engine's partition against the oracle's cells: count, patterns, vertex sets, measures, maps;
// then adjacency and pieces against the brute force above. "" or the first fault.
std::string compare_with_oracle(const NetworkQ& oracle_net, const Box& box, const Partition& P) {
  const size_t d = static_cast<size_t>(oracle_net.input_dim);
  const std::vector<CellND> cells = oracle_nd::enumerate(oracle_net, box);
  std::map<std::string, int> cell_of;
  for (size_t i = 0; i < cells.size(); ++i)
    if (!cell_of.emplace(cells[i].pattern, static_cast<int>(i)).second) return "ORACLE: repeated pattern " + cells[i].pattern;
  if (P.regions.size() != cells.size())
    return "region count: engine " + std::to_string(P.regions.size()) + ", oracle " + std::to_string(cells.size());
  std::vector<int> to_cell;
  for (size_t i = 0; i < P.regions.size(); ++i) {
    const Region& r = P.regions[i];
    const std::string at = "region " + std::to_string(i) + " (pattern " + r.pattern + "): ";
    const auto found = cell_of.find(r.pattern);
    if (found == cell_of.end()) return at + "pattern not among the oracle's";
    if (std::find(to_cell.begin(), to_cell.end(), found->second) != to_cell.end()) return at + "pattern repeated";
    to_cell.push_back(found->second);
    const CellND& c = cells[static_cast<size_t>(found->second)];
    const std::set<Vec> engine(r.vertices.begin(), r.vertices.end()), oracle(c.vertices.begin(), c.vertices.end());
    if (engine.size() != r.vertices.size()) return at + "a vertex repeated";
    if (engine != oracle) {
      std::string s = at + "vertices differ; engine:";
      for (const Vec& v : engine) s += " " + str(v);
      s += "; oracle:";
      for (const Vec& v : oracle) s += " " + str(v);
      return s;
    }
    if (measure(r) != c.volume) return at + "measure " + measure(r).get_str() + ", oracle " + c.volume.get_str();
    for (size_t o = 0; o < c.weight.size(); ++o) {
      for (size_t j = 0; j < d; ++j)
        if (r.weight(static_cast<long>(o), static_cast<long>(j)) != c.weight[o][j]) return at + "weight differs from the oracle's";
      if (r.bias.at(o) != c.bias[o]) return at + "bias differs from the oracle's";
    }
  }
  const std::set<std::pair<int, int>> adj = oracle_adjacency(cells, d);
  std::set<std::pair<int, int>> mapped;
  for (const auto& [a, b] : P.adjacent) mapped.insert(std::minmax(to_cell[static_cast<size_t>(a)], to_cell[static_cast<size_t>(b)]));
  if (mapped.size() != P.adjacent.size()) return "an adjacent pair listed twice";
  if (mapped != adj) {
    for (const auto& [a, b] : mapped)
      if (!adj.count({a, b}))
        return "engine says " + cells[static_cast<size_t>(a)].pattern + " and " + cells[static_cast<size_t>(b)].pattern + " are adjacent, the brute force does not";
    for (const auto& [a, b] : adj)
      if (!mapped.count({a, b}))
        return "engine misses the adjacent pair " + cells[static_cast<size_t>(a)].pattern + ", " + cells[static_cast<size_t>(b)].pattern;
  }
  const std::vector<int> piece = brute_pieces(cells, adj);
  std::set<int> labels;
  for (int p : P.piece) labels.insert(p);
  if (P.piece.size() != P.regions.size() || static_cast<int>(labels.size()) != P.piece_count ||
      (P.piece_count > 0 && (*labels.begin() != 0 || *labels.rbegin() != P.piece_count - 1)))
    return "piece labels are not 0 .. piece_count - 1";
  for (size_t i = 0; i < P.regions.size(); ++i)
    for (size_t j = i + 1; j < P.regions.size(); ++j)
      if ((P.piece[i] == P.piece[j]) != (piece[static_cast<size_t>(to_cell[i])] == piece[static_cast<size_t>(to_cell[j])]))
        return "regions " + P.regions[i].pattern + ", " + P.regions[j].pattern +
               (P.piece[i] == P.piece[j] ? " share a piece, the brute force's pieces differ" : " are in different pieces, the brute force joins them");
  return "";
}

// What the checks looked at, summed over the partitions checked: so that a test can tell that
// its checks were not vacuous.
struct Tally {
  long partitions = 0, regions = 0, adjacent_pairs = 0;
  long continuity_points = 0;                  // (vertex, output) pairs where both maps were compared
  long samples = 0, rounding = 0, on_zero_set = 0;  // sampled points; skipped: rounded, on a zero set
  long checked_samples() const { return samples - rounding - on_zero_set; }
};

// sampled_patterns on the R^d grid: each sample whose double pattern is its exact pattern and
// that lies on no zero set has its pattern among the enumerated ones, and lies in that region.
std::string check_sampling(const Case& c, const NetworkQ& exact, const Partition& P, int R, Tally& stats) {
  const size_t d = static_cast<size_t>(c.box.dim());
  const std::vector<ActivationPattern> sampled = sampled_patterns(c.net, nullptr, c.box, R);
  long n = 1;
  for (size_t k = 0; k < d; ++k) n *= R;
  if (static_cast<long>(sampled.size()) != n) return "sampled_patterns gave " + std::to_string(sampled.size()) + " patterns";
  std::map<std::string, size_t> region_of;
  for (size_t i = 0; i < P.regions.size(); ++i) region_of[P.regions[i].pattern] = i;
  std::vector<std::vector<Vec>> planes(P.regions.size());
  for (size_t i = 0; i < P.regions.size(); ++i) {
    const std::string fault = inward_planes(P.regions[i], d, planes[i]);
    if (!fault.empty()) return fault;
  }
  for (long i = 0; i < n; ++i) {
    Vec x(d);
    long index = i;
    for (size_t k = d; k-- > 0;) {  // row-major, the last coordinate fastest
      const long cell = index % R;
      index /= R;
      x[k] = Q(to_double(c.box.lo[k] + (c.box.hi[k] - c.box.lo[k]) / (2 * R) * (2 * cell + 1)));
    }
    ++stats.samples;
    const PointPattern e = exact_pattern(exact, x);
    if (e.pattern != sampled[static_cast<size_t>(i)]) {
      ++stats.rounding;  // the double evaluation rounded across a zero set: not the engine's business
      continue;
    }
    if (e.on_zero_set) {
      ++stats.on_zero_set;
      continue;
    }
    const auto found = region_of.find(e.pattern);
    if (found == region_of.end()) return "sampled pattern " + e.pattern + " at " + str(x) + " is not enumerated";
    if (!inside(planes[found->second], x)) return "the sample " + str(x) + " lies outside the region of its pattern " + e.pattern;
  }
  return "";
}

// DESIGN §3's invariants on a partition, each by a route independent of the engine; with
// `oracle`, also the comparison with oracle_nd and the brute-force adjacency and pieces.
std::string check_invariants(const Case& c, const Partition& P, bool oracle, int R = 10, Tally* tally = nullptr) {
  Tally ignored;
  Tally& t = tally ? *tally : ignored;
  ++t.partitions;
  t.regions += static_cast<long>(P.regions.size());
  t.adjacent_pairs += static_cast<long>(P.adjacent.size());
  const NetworkQ exact = gmp_exact(c.net);
  if (P.dim != c.box.dim() || !(P.domain == c.box)) return "partition dim or domain";
  Q sum = 0;
  for (const Region& r : P.regions) {
    Q m;
    try {
      m = measure(r);
    } catch (const std::exception& e) {
      return "measure of region " + r.pattern + " threw: " + e.what();
    }
    if (m <= 0) return "region " + r.pattern + " has measure " + m.get_str();
    sum += m;
  }
  if (sum != oracle_nd::box_volume(c.box)) return "measures sum to " + sum.get_str() + ", the box's is " + oracle_nd::box_volume(c.box).get_str();
  std::string fault = check_continuity(P, &t.continuity_points);
  if (!fault.empty()) return fault;
  fault = check_sampling(c, exact, P, R, t);
  if (!fault.empty()) return fault;
  if (P.dim == 2) {
    try {
      validate_partition(P);
    } catch (const std::exception& e) {
      return std::string("validate_partition: ") + e.what();
    }
  }
  if (oracle) return compare_with_oracle(exact, c.box, P);
  return "";
}

// ------------------------------------------------------------------ the cases

const double up = std::nextafter(1.0, 2.0), down = std::nextafter(1.0, 0.0);

// Networks built to defeat the filter: zero sets exactly through vertices (of the box, of each
// other, of an earlier layer), coincident zero sets, extreme and subnormal magnitudes, vertices
// one ulp off a zero set, leaky slopes, identity layers, non-dyadic boxes. 2D and 3D.
std::vector<Case> hard_cases() {
  const double big = 0x1p500, small = 0x1p-500, sub = 0x1p-540;
  std::vector<Case> c;
  // --- 2D
  c.push_back({"2D: zero sets through box corners, touching a corner, along a face",
               network(2, {layer({{1, 1}, {1, -1}, {1, 1}, {2, 1}, {1, 0}}, {-1, 0, -2, 0, -1}),
                           layer({{1, -1, 0.5, 1, 1}, {-0.5, 1, 1, -1, 0.25}, {0.75, 0.5, -1, 0.5, -1}}, {-0.25, 0.5, 0}),
                           out_layer({{1, -2, 0.5}}, {0})}),
               cube(2, 0, 1)});
  c.push_back({"2D: five lines through the origin",
               network(2, {layer({{1, 0}, {0, 1}, {1, 1}, {1, -1}, {1, 2}}, {0, 0, 0, 0, 0}),
                           layer({{1, -1, 0.5, 1, -0.75}, {-0.5, 1, 1, -1, 0.25}}, {0.25, -0.125}), out_layer({{1, 1}}, {0})}),
               cube(2, -1, 1)});
  c.push_back({"2D: four lines through (1/3, 1/5)",
               network(2, {layer({{3, 0}, {0, 5}, {3, 5}, {3, -5}}, {-1, -1, -2, 0}),
                           layer({{1, -1, 0.5, 1}, {-0.5, 1, 1, -1}}, {0.25, -0.125}), out_layer({{1, -1}}, {0.5})}),
               cube(2, -1, 1)});
  c.push_back({"2D: second-layer zero sets through a first-layer vertex (and one identically zero on a cell)",
               network(2, {layer({{1, 0}, {0, 1}, {1, 1}}, {0, 0, 2}), layer({{1, 1, 1}, {1, -1, 0}, {0, 0, 1}}, {-2, 0, -2}),
                           out_layer({{1, -1, 2}}, {0})}),
               cube(2, -1, 1)});
  c.push_back({"2D: identical, 2^k-scaled, negated and parallel rows in both layers",
               network(2, {layer({{0.75, -0.5}, {0.75, -0.5}, {0.75 * 0x1p40, -0.5 * 0x1p40}, {0.75 * 0x1p-40, -0.5 * 0x1p-40}, {-0.75, 0.5}, {0.75, -0.5}, {0.25, 1}},
                                 {0.125, 0.125, 0.125 * 0x1p40, 0.125 * 0x1p-40, -0.125, 0.375, -0.25}),
                           layer({{1, -1, 0.5, 2, 1, -1, 1}, {1, -1, 0.5, 2, 1, -1, 1}, {-2, 2, -1, -4, -2, 2, -2}, {0.5, 0.25, -1, 1, 0.5, 0, -1}},
                                 {-0.25, -0.25, 0.5, 0.125}),
                           out_layer({{1, 1, -1, 0.5}}, {0})}),
               cube(2, -1, 1)});
  c.push_back({"2D: weights 2^500 and 2^-500, three lines through the origin among them",
               network(2, {layer({{big, 0}, {0, small}, {big, big}, {small, -2 * small}, {big, -0.5 * big}}, {0, 0, 0, 0.25 * small, 0.5 * big}),
                           layer({{small, big, small, 1e-300, 3 * small}, {-small, 2 * big, -small, 0, small}}, {0.125, -0.25}),
                           out_layer({{big, -big}}, {0})}),
               cube(2, -1, 1)});
  c.push_back({"2D: subnormal products 2^-540 * 2^-540",
               network(2, {layer({{sub, 0}, {0, sub}, {sub, sub}}, {-0.5 * sub, 0.25 * sub, 0}),
                           layer({{sub, -sub, 0}, {sub, sub, -sub}, {0x1p-534, 0, -0x1p-534}}, {0, std::numeric_limits<double>::denorm_min(), 0}),
                           out_layer({{0x1p1000, 0x1p1000, 1}}, {0})}),
               cube(2, -1, 1)});
  c.push_back({"2D: a vertex one ulp off a zero set, on both sides",
               network(2, {layer({{1, 0}, {0, 1}, {1, 1}, {1, 1}, {1, -1}, {1, -up}}, {-0.5, -0.5, -up, -down, 0x1p-53, 0}),
                           layer({{1, 1, -1, 1, 1, -1}, {0.5, -1, 1, -1, 1, 1}}, {-down, 0}), out_layer({{1, -1}}, {0})}),
               cube(2, 0, 1)});
  c.push_back({"2D: LeakyReLU 0.01, then -1 (|z|), through vertices",
               network(2, {layer({{1, 0}, {0, 1}, {1, 1}, {1, -0.5}}, {0, 0, 2, 0.25}, Activation::leaky_relu(0.01)),
                           layer({{1, 1, 1, 0}, {1, -1, 0, 0.5}, {0.5, 0.25, -1, 1}}, {-2, 0, 0.125}, Activation::leaky_relu(-1)),
                           layer({{1, -1, 0.5}}, {-0.25}, Activation::leaky_relu(0.01))}),
               cube(2, -1, 1)});
  c.push_back({"2D: identity layers composed between ReLU layers",
               network(2, {layer({{1, 0}, {0, 1}, {0.1, 0.3}}, {0, 0, -0.2}), layer({{1, 1, 0}, {1, -1, 0.1}, {0, 0.1, 1}}, {0, 0, 0}, Activation::identity()),
                           layer({{1, 1, 0}, {0.7, 0.5, 0}}, {0, 0.05}, Activation::identity()),
                           layer({{1, 0}, {0, 1}, {1, 1}}, {0, 0, -0.1}), out_layer({{1, -1, 0.5}}, {0})}),
               cube(2, -1, 1)});
  c.push_back({"2D: non-dyadic box [-1/3, 1/3] x [-1/10, 1/10], diagonals through its corners, zero sets along its faces",
               network(2, {layer({{3, -10}, {3, 10}, {1, 0}, {0, 1}, {3, 0}, {0, 10}}, {0, 0, 0, 0, -1, 1}),
                           layer({{1, -1, 0.5, 1, 1, -1}, {-0.5, 1, 1, -1, 0.25, 0.5}}, {0.0625, -0.03125}), out_layer({{1, -1}}, {0})}),
               Box{{Q(-1, 3), Q(-1, 10)}, {Q(1, 3), Q(1, 10)}}});
  c.push_back({"2D: products beyond the doubles (2^600 * 2^600), a neuron through the origin",
               network(2, {layer({{0x1p600, 0}, {0, 0x1p600}, {1, 1}}, {0, 0.5 * 0x1p600, 0}),
                           layer({{0x1p600, -0x1p600, 1}, {0x1p-600, 0x1p-600, -1}}, {0, 0}), out_layer({{0x1p-600, 0x1p300}}, {0})}),
               cube(2, -1, 1)});
  // --- 3D
  c.push_back({"3D: planes through box corners and along an edge",
               network(3, {layer({{1, 1, 1}, {1, -1, 0}, {1, 1, 1}, {0, 1, -1}}, {-1, 0, -3, 0}),
                           layer({{1, -1, 0.5, 1}, {-0.5, 1, 1, -1}}, {-0.25, 0.5}), out_layer({{1, -2}}, {0})}),
               cube(3, 0, 1)});
  c.push_back({"3D: five planes through one point (1/3, 1/5, 1/7)",
               network(3, {layer({{3, 0, 0}, {0, 5, 0}, {0, 0, 7}, {3, 5, 7}, {3, -5, 0}}, {-1, -1, -1, -3, 0}),
                           layer({{1, -1, 0.5, 1, 0.25}, {-0.5, 1, 1, -1, 0.5}}, {0.25, -0.125}), out_layer({{1, 1}}, {0})}),
               cube(3, -1, 1)});
  c.push_back({"3D: second-layer zero sets through a first-layer vertex",
               network(3, {layer({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}, {0, 0, 0, 3}),
                           layer({{1, 1, 1, 1}, {1, -1, 0, 0}, {0, 0, 0, 1}}, {-3, 0, -3}), out_layer({{1, -1, 2}}, {0})}),
               cube(3, -1, 1)});
  c.push_back({"3D: identical, scaled, negated rows; 2^500 and 2^-500",
               network(3, {layer({{0.75, -0.5, 0.25}, {0.75, -0.5, 0.25}, {0.75 * big, -0.5 * big, 0.25 * big}, {-0.75 * small, 0.5 * small, -0.25 * small}, {0, big, small}},
                                 {0.125, 0.125, 0.125 * big, -0.125 * small, 0}),
                           layer({{1, -1, small, big, 0.5}, {1, -1, small, big, 0.5}, {0.5, 0.25, -small, 0, -1}}, {-0.25, -0.25, 0.125}),
                           out_layer({{1, 1, -1}}, {0})}),
               cube(3, -1, 1)});
  c.push_back({"3D: one ulp, subnormal products, leaky -1",
               network(3, {layer({{1, 0, 0}, {0, 1, 0}, {1, 1, 1}, {sub, sub, 0}}, {-0.5, -0.5, -up, 0}, Activation::leaky_relu(-1)),
                           layer({{1, 1, -1, 0}, {0, 0, 0, sub}, {0.5, -1, 1, 0}}, {-down, 0, 0.125}, Activation::leaky_relu(0.01)),
                           out_layer({{1, 0x1p1000, -1}}, {0})}),
               cube(3, 0, 1)});
  c.push_back({"3D: non-dyadic box, identity layer, a plane through its corners",
               network(3, {layer({{3, -10, 0}, {1, 0, 0}, {0, 0, 3}, {0.1, 0.2, 0.3}}, {0, 0, -0.5, 0}),
                           layer({{1, 1, 0, 0}, {0, 1, -1, 1}}, {0, 0}, Activation::identity()),
                           layer({{1, 0}, {0, 1}, {1, -1}}, {0, 0, 0.01}), out_layer({{1, -1, 1}}, {0})}),
               Box{{Q(-1, 3), Q(-1, 10), 0}, {Q(1, 3), Q(1, 10), Q(1, 3)}}});
  return c;
}

// Random networks for the filter-vs-exact comparison: 1D, 2D, 3D; dyadic, uniform, PyTorch-like.
std::vector<Case> random_cases() {
  std::mt19937_64 rng(2027);
  std::vector<Case> c;
  const Box non_dyadic2{{Q(-1, 3), Q(-7, 10)}, {Q(5, 7), Q(1, 10)}};
  c.push_back({"1D dyadic 1-8-8-1", random_net(rng, 1, {8, 8, 1}, Kind::dyadic), cube(1, -2, 2)});
  c.push_back({"1D uniform 1-12-12-2", random_net(rng, 1, {12, 12, 2}, Kind::uniform), Box{{Q(-1, 3)}, {Q(7, 10)}}});
  c.push_back({"2D dyadic 2-8-8-1", random_net(rng, 2, {8, 8, 1}, Kind::dyadic), cube(2, -1, 1)});
  c.push_back({"2D dyadic 2-10-6-6-1", random_net(rng, 2, {10, 6, 6, 1}, Kind::dyadic), cube(2, -2, 2)});
  c.push_back({"2D uniform 2-10-8-2", random_net(rng, 2, {10, 8, 2}, Kind::uniform), non_dyadic2});
  c.push_back({"2D torch 2-16-16-1", random_net(rng, 2, {16, 16, 1}, Kind::torch), cube(2, -1, 1)});
  c.push_back({"3D dyadic 3-6-5-1", random_net(rng, 3, {6, 5, 1}, Kind::dyadic), cube(3, -1, 1)});
  c.push_back({"3D uniform 3-7-6-2", random_net(rng, 3, {7, 6, 2}, Kind::uniform), Box{{Q(-1, 3), -1, Q(1, 10)}, {1, Q(2, 3), Q(9, 10)}}});
  c.push_back({"3D torch 3-8-8-1", random_net(rng, 3, {8, 8, 1}, Kind::torch), cube(3, -1, 1)});
  for (int n = 0; n < 3; ++n) {
    const std::string k = " #" + std::to_string(n);
    c.push_back({"1D nudged dyadic 1-10-10-10-1" + k, nudged(random_net(rng, 1, {10, 10, 10, 1}, Kind::dyadic), rng), cube(1, -2, 2)});
    c.push_back({"2D nudged dyadic 2-8-8-8-1" + k, nudged(random_net(rng, 2, {8, 8, 8, 1}, Kind::dyadic), rng), cube(2, -1, 1)});
    c.push_back({"3D nudged dyadic 3-6-6-4-1" + k, nudged(random_net(rng, 3, {6, 6, 4, 1}, Kind::dyadic), rng), cube(3, -1, 1)});
    c.push_back({"2D dyadic, rows scaled by 2^-60..2^60, 2-8-8-6-1" + k, scaled_rows(random_net(rng, 2, {8, 8, 6, 1}, Kind::dyadic), rng, 60), cube(2, -2, 2)});
    c.push_back({"3D uniform, rows scaled by 2^-300..2^300, 3-6-6-1" + k, scaled_rows(random_net(rng, 3, {6, 6, 1}, Kind::uniform), rng, 300), cube(3, -1, 1)});
    c.push_back({"2D mixed activations 2-6-6-6-2" + k, mixed_activations(rng, 2, {6, 6, 6, 2}), non_dyadic2});
    c.push_back({"3D mixed activations 3-5-5-4-1" + k, mixed_activations(rng, 3, {5, 5, 4, 1}), cube(3, -1, 1)});
  }
  c.push_back({"4D uniform 4-5-4-1", random_net(rng, 4, {5, 4, 1}, Kind::uniform), cube(4, -1, 1)});
  c.push_back({"4D nudged dyadic 4-5-4-1", nudged(random_net(rng, 4, {5, 4, 1}, Kind::dyadic), rng), cube(4, -1, 1)});
  c.push_back({"4D: planes through the origin", network(4, {layer({{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 1, 1, 1}, {1, -1, 0.5, 0}}, {0, 0, 0, 0}),
                                                            layer({{1, -1, 0.5, 1}, {0.5, 1, -1, 0}}, {0, 0.25}), out_layer({{1, -1}}, {0})}),
               cube(4, -1, 1)});
  c.push_back({"5D torch 5-5-3-1", random_net(rng, 5, {5, 3, 1}, Kind::torch), cube(5, -1, 1)});
  c.push_back({"6D torch 6-3-2-1", random_net(rng, 6, {3, 2, 1}, Kind::torch), cube(6, -1, 1)});  // 8D: 9 s for 4 regions
  return c;
}

}  // namespace

// ====================================================================== 1. filter vs exact

TEST_CASE("engine: the filter and exact predicates hand out the same records", "[engine]") {
  std::vector<Case> cases = random_cases();
  for (Case& c : hard_cases()) cases.push_back(std::move(c));
  double worst_filtered = 0, worst_exact = 0;  // the approximate vertices' errors, in ulps
  long vertices_differing = 0, vertices = 0, regions = 0;
  std::map<std::string, std::pair<long, long>> decided;  // by family (the name up to " #"): filtered, exact
  for (const Case& c : cases) {
    INFO(describe(c));
    const NetworkQ net = to_exact(c.net);
    for (const Recorder::Want want : {Recorder::Want::everything, Recorder::Want::alternate}) {
      const Run f = run(net, c.box, want, false);
      const Run e = run(net, c.box, want, true);
      CHECK(stream_diff(f.records, e.records, false) == "");
      CHECK(e.counts.filtered == 0);  // the switch turns the filter off everywhere
      CHECK(e.counts.exact > 0);
      CHECK(f.counts.filtered + f.counts.exact == e.counts.exact);  // the same decisions, decided otherwise
      if (want != Recorder::Want::everything || f.records.size() != e.records.size()) continue;
      auto& [filtered, exact] = decided[c.name.substr(0, c.name.find(" #"))];
      filtered += f.counts.filtered;
      exact += f.counts.exact;
      regions += static_cast<long>(f.records.size());
      for (size_t i = 0; i < f.records.size(); ++i) {
        worst_filtered = std::max(worst_filtered, vertex_error_ulps(f.records[i]));
        worst_exact = std::max(worst_exact, vertex_error_ulps(e.records[i]));
        for (size_t k = 0; k < f.records[i].vertices.size(); ++k)
          vertices_differing += !test::same_bits(f.records[i].vertices[k], e.records[i].vertices[k]);
        vertices += static_cast<long>(f.records[i].vertices.size());
      }
    }
  }
  // The approximate vertices are the only fields computed differently: with the filter, the
  // quotients of the floating-point cofactors; without, the exact cofactors rounded. The second
  // are within an ulp or so of the exact vertex; the first are checked (and fail today) in
  // "approximate vertices do not depend on the filter".
  INFO(regions << " regions; " << vertices_differing << " of " << vertices << " approximate vertex coordinates differ in their bits; "
               << "largest error with the filter " << worst_filtered << " ulps, exact " << worst_exact << " ulps");
  CHECK(worst_exact <= 4);
  CHECK(regions > 500);
  std::ostringstream families;
  for (const auto& [family, counts] : decided) families << "  " << family << ": " << counts.first << " filtered, " << counts.second << " exact\n";
  INFO("predicates with the filter on:\n" << families.str());
  // The near-degenerate families did make the filter give up (and exact arithmetic then agreed).
  CHECK(decided.at("2D nudged dyadic 2-8-8-8-1").second > 0);
  CHECK(decided.at("3D nudged dyadic 3-6-6-4-1").second > 0);
}

// ====================================================================== 2. defeating the filter

TEST_CASE("engine: where the filter cannot decide, exact arithmetic does, and the oracle agrees", "[engine]") {
  Tally tally;
  for (const Case& c : hard_cases()) {
    INFO(describe(c));
    const NetworkQ net = to_exact(c.net);
    Recorder sink(Recorder::Want::nothing);
    const PredicateCounts counts = enumerate_regions(net, c.box, sink, one_thread());
    INFO(sink.records.size() << " regions; predicates: " << counts.filtered << " filtered, " << counts.exact << " exact");
    CHECK(counts.exact > 0);     // the filter gave up somewhere ...
    CHECK(counts.filtered > 0);  // ... but not everywhere
    CHECK(sink.records.size() > 2);
    const Partition P = regions(net, c.box, one_thread());
    CHECK(P.regions.size() == sink.records.size());
    CHECK(check_invariants(c, P, true, 10, &tally) == "");
  }
  INFO(tally.partitions << " partitions, " << tally.regions << " regions, " << tally.adjacent_pairs << " adjacent pairs, "
                        << tally.continuity_points << " continuity checks; " << tally.samples << " samples, " << tally.rounding
                        << " rounded in double, " << tally.on_zero_set << " on a zero set");
  CHECK(tally.continuity_points > 1000);
  CHECK(tally.checked_samples() > tally.samples / 2);  // many samples lie on the zero sets through grid points, or round
}

// ====================================================================== 3. threads

namespace {

// The index of the first record whose fingerprint differs, or -1 if the streams are the same.
long first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (a[i] != b[i]) return static_cast<long>(i);
  return a.size() == b.size() ? -1 : static_cast<long>(std::min(a.size(), b.size()));
}

// The number of first-layer cells: distinct first-layer bits among the regions' patterns.
size_t first_layer_cells(const std::vector<RegionRecord>& records, int width) {
  std::set<std::string> cells;
  for (const RegionRecord& r : records) {
    std::string bits;
    for (int j = 0; j < width; ++j) bits += r.bit(j) ? '1' : '0';
    cells.insert(bits);
  }
  return cells.size();
}

}  // namespace

TEST_CASE("engine: the stream does not depend on the thread count", "[engine]") {
  std::mt19937_64 rng(31);
  std::vector<Case> cases{{"2D torch 2-40-12-1", random_net(rng, 2, {40, 12, 1}, Kind::torch), cube(2, -1, 1)},
                          {"2D dyadic 2-24-8-2", random_net(rng, 2, {24, 8, 2}, Kind::dyadic), cube(2, -2, 2)},
                          {"3D torch 3-14-6-1", random_net(rng, 3, {14, 6, 1}, Kind::torch), cube(3, -1, 1)},
                          {"3D dyadic 3-16-5-2", random_net(rng, 3, {16, 5, 2}, Kind::dyadic), Box{{Q(-1, 3), -1, -1}, {1, 1, Q(7, 10)}}}};
  for (const Case& c : cases) {
    INFO(describe(c));
    const NetworkQ net = to_exact(c.net);
    const Run base = run(net, c.box, Recorder::Want::everything, false, 1);
    const size_t cells = first_layer_cells(base.records, static_cast<int>(c.net.layers[0].weight.rows()));
    INFO(base.records.size() << " regions in " << cells << " first-layer cells");
    CHECK(cells >= 60);
    const std::vector<std::string> expected = fingerprints(base.records);
    for (const int threads : {2, 3, 8}) {
      INFO("threads = " << threads);
      const Run r = run(net, c.box, Recorder::Want::everything, false, threads);
      CHECK(first_difference(fingerprints(r.records), expected) == -1);
      CHECK(r.counts.filtered == base.counts.filtered);
      CHECK(r.counts.exact == base.counts.exact);
    }
    // Without demands, with the demand depending on the record, and with every core (threads = 0).
    const Run bare1 = run(net, c.box, Recorder::Want::nothing, false, 1), bare3 = run(net, c.box, Recorder::Want::nothing, false, 3);
    CHECK(first_difference(fingerprints(bare1.records), fingerprints(bare3.records)) == -1);
    const Run alt1 = run(net, c.box, Recorder::Want::alternate, false, 1), alt8 = run(net, c.box, Recorder::Want::alternate, false, 8);
    CHECK(first_difference(fingerprints(alt1.records), fingerprints(alt8.records)) == -1);
    const Run all = run(net, c.box, Recorder::Want::everything, false, 0);
    CHECK(first_difference(fingerprints(all.records), expected) == -1);
    // The partition's adjacency and pieces too.
    EngineOptions eight;
    eight.threads = 8;
    const Partition P1 = regions(net, c.box, one_thread()), P8 = regions(net, c.box, eight);
    CHECK(P1.adjacent == P8.adjacent);
    CHECK(P1.piece == P8.piece);
    CHECK(P1.piece_count == P8.piece_count);
  }
}

// ====================================================================== 4. invariants

TEST_CASE("engine: DESIGN §3's invariants in 2D and 3D, and the oracle's partition, on small random networks", "[engine]") {
  std::mt19937_64 rng(41);
  std::vector<Case> cases;
  const std::vector<Box> boxes2{cube(2, -1, 1), Box{{Q(-1, 3), Q(1, 10)}, {Q(4, 3), Q(11, 10)}}, cube(2, -2, Q(3, 2))};
  const std::vector<Box> boxes3{cube(3, -1, 1), Box{{Q(-1, 3), Q(1, 10), -1}, {Q(2, 3), Q(11, 10), Q(1, 2)}}};
  for (int n = 0; n < 3; ++n) {
    const std::string k = " #" + std::to_string(n);
    cases.push_back({"2D dyadic 2-6-5-1" + k, random_net(rng, 2, {6, 5, 1}, Kind::dyadic), boxes2[static_cast<size_t>(n % 3)]});
    cases.push_back({"2D uniform 2-7-5-2" + k, random_net(rng, 2, {7, 5, 2}, Kind::uniform), boxes2[static_cast<size_t>((n + 1) % 3)]});
    cases.push_back({"2D torch 2-8-6-1" + k, random_net(rng, 2, {8, 6, 1}, Kind::torch), boxes2[static_cast<size_t>((n + 2) % 3)]});
    cases.push_back({"2D dyadic 2-4-4-4-1" + k, random_net(rng, 2, {4, 4, 4, 1}, Kind::dyadic), boxes2[static_cast<size_t>(n % 3)]});
    cases.push_back({"3D dyadic 3-5-4-1" + k, random_net(rng, 3, {5, 4, 1}, Kind::dyadic), boxes3[static_cast<size_t>(n % 2)]});
    cases.push_back({"3D uniform 3-4-4-2" + k, random_net(rng, 3, {4, 4, 2}, Kind::uniform), boxes3[static_cast<size_t>((n + 1) % 2)]});
  }
  cases.push_back({"3D torch 3-6-4-1", random_net(rng, 3, {6, 4, 1}, Kind::torch), cube(3, -1, 1)});
  for (int n = 0; n < 3; ++n) {
    const std::string k = " #" + std::to_string(n);
    cases.push_back({"2D nudged dyadic 2-6-6-4-1" + k, nudged(random_net(rng, 2, {6, 6, 4, 1}, Kind::dyadic), rng), cube(2, -1, 1)});
    cases.push_back({"3D nudged dyadic 3-5-4-1" + k, nudged(random_net(rng, 3, {5, 4, 1}, Kind::dyadic), rng), cube(3, -1, 1)});
    cases.push_back({"2D mixed activations 2-6-5-4-2" + k, mixed_activations(rng, 2, {6, 5, 4, 2}), boxes2[static_cast<size_t>(n)]});
    cases.push_back({"3D mixed activations 3-5-4-1" + k, mixed_activations(rng, 3, {5, 4, 1}), boxes3[static_cast<size_t>(n % 2)]});
  }
  Tally tally;
  for (const Case& c : cases) {
    INFO(describe(c));
    const Partition P = regions(to_exact(c.net), c.box, one_thread());
    CHECK(check_invariants(c, P, true, c.box.dim() == 2 ? 16 : 8, &tally) == "");
  }
  INFO(tally.partitions << " partitions, " << tally.regions << " regions, " << tally.adjacent_pairs << " adjacent pairs, "
                        << tally.continuity_points << " continuity checks; " << tally.samples << " samples, " << tally.rounding
                        << " rounded in double, " << tally.on_zero_set << " on a zero set");
  CHECK(tally.regions > 300);
  CHECK(tally.adjacent_pairs > 500);
  CHECK(tally.checked_samples() > tally.samples * 9 / 10);
}

TEST_CASE("engine: DESIGN §3's invariants on larger 2D and 3D networks", "[engine]") {
  std::mt19937_64 rng(43);
  const std::vector<Case> cases{{"2D torch 2-24-16-1", random_net(rng, 2, {24, 16, 1}, Kind::torch), cube(2, -1, 1)},
                                {"2D dyadic 2-16-8-8-2", random_net(rng, 2, {16, 8, 8, 2}, Kind::dyadic), cube(2, -2, 2)},
                                {"3D torch 3-10-8-1", random_net(rng, 3, {10, 8, 1}, Kind::torch), cube(3, -1, 1)},
                                {"3D dyadic 3-8-6-2", random_net(rng, 3, {8, 6, 2}, Kind::dyadic), Box{{Q(-1, 3), -1, Q(-1, 10)}, {1, Q(1, 3), 1}}}};
  Tally tally;
  for (const Case& c : cases) {
    INFO(describe(c));
    const Partition P = regions(to_exact(c.net), c.box, one_thread());
    INFO(P.regions.size() << " regions");
    CHECK(P.regions.size() > 100);
    CHECK(check_invariants(c, P, false, c.box.dim() == 2 ? 40 : 12, &tally) == "");
  }
  INFO(tally.regions << " regions, " << tally.adjacent_pairs << " adjacent pairs, " << tally.continuity_points << " continuity checks; "
                     << tally.samples << " samples, " << tally.rounding << " rounded in double, " << tally.on_zero_set << " on a zero set");
  CHECK(tally.checked_samples() > tally.samples * 9 / 10);
}

TEST_CASE("engine: edge cases: no kink, a kinked output layer, zero rows, width 1, more than 64 pattern bits", "[engine]") {
  std::mt19937_64 rng(45);
  const std::vector<Case> cases{
      {"2D affine (one region)", network(2, {out_layer({{0.5, -0.25}, {1, 3}}, {1, -0.125})}), cube(2, -1, 1)},
      {"2D two identity layers (one region)", network(2, {layer({{0.5, -0.25}, {1, 0.1}}, {1, -0.125}, Activation::identity()), out_layer({{1, 1}}, {0.3})}),
       cube(2, -1, 1)},
      {"2D a relu output layer", network(2, {layer({{1, -1}, {0.5, 0.25}}, {0.125, 0}), layer({{1, 1}}, {-0.5})}), cube(2, -1, 1)},
      {"3D zero rows: always on, always off, identically zero", network(3, {layer({{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {1, -1, 0.5}}, {1, -1, 0, 0.25}),
                                                                       layer({{1, 1, 1, 1}, {0, 0, 0, 0}, {0.5, -1, 2, -1}}, {0, 0, 0.125}),
                                                                       out_layer({{1, -1, 1}}, {0})}),
       cube(3, -1, 1)},
      {"2D width-1 layers", network(2, {layer({{1, -0.5}}, {0.125}), layer({{-2}}, {0.5}), layer({{1}}, {-0.25}), out_layer({{1}}, {0})}), cube(2, -1, 1)},
      {"1D 1-50-40-1 (90 pattern bits)", random_net(rng, 1, {50, 40, 1}, Kind::torch), cube(1, -3, 3)},
      {"2D 2-40-30-1 (70 pattern bits)", random_net(rng, 2, {40, 30, 1}, Kind::torch), cube(2, -1, 1)}};
  for (const Case& c : cases) {
    INFO(describe(c));
    const NetworkQ net = to_exact(c.net);
    const Run f = run(net, c.box, Recorder::Want::everything, false), e = run(net, c.box, Recorder::Want::everything, true);
    CHECK(stream_diff(f.records, e.records, false) == "");
    const Partition P = regions(net, c.box, one_thread());
    CHECK(P.regions.size() == f.records.size());
    const bool small = P.regions.size() < 400;
    CHECK(check_invariants(c, P, small, 20) == "");
    const ExactMaps maps(net, c.box);
    for (size_t i = 0; i < f.records.size(); ++i) {
      RegionRecord r = f.records[i];
      maps.add_exact_vertices(r);
      CHECK(r.exact_vertices == f.records[i].exact_vertices);
    }
  }
}

TEST_CASE("engine: 4D networks equal the oracle", "[engine]") {
  std::mt19937_64 rng(44);
  const std::vector<Case> cases{{"4D dyadic 4-4-3-1", random_net(rng, 4, {4, 3, 1}, Kind::dyadic), cube(4, -1, 1)},
                                {"4D uniform 4-3-3-2", random_net(rng, 4, {3, 3, 2}, Kind::uniform), Box{{-1, Q(-1, 3), 0, Q(-1, 10)}, {1, 1, Q(1, 3), Q(1, 10)}}}};
  for (const Case& c : cases) {
    INFO(describe(c));
    const Partition P = regions(to_exact(c.net), c.box, one_thread());
    INFO(P.regions.size() << " regions");
    CHECK(P.regions.size() > 5);
    CHECK(check_invariants(c, P, true, 5) == "");
  }
  // Degenerate facets in more than 3 dimensions: PieceJoin refuses them (LimitError, as
  // documented); the stream itself is fine and equals the oracle's cells.
  const Case c{"4D: planes through the origin", network(4, {layer({{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 1, 1, 1}, {1, -1, 0.5, 0}}, {0, 0, 0, 0}),
                                                          layer({{1, -1, 0.5, 1}, {0.5, 1, -1, 0}}, {0, 0.25}), out_layer({{1, -1}}, {0})}),
               cube(4, -1, 1)};
  INFO(describe(c));
  const NetworkQ net = to_exact(c.net);
  CHECK_THROWS_AS(regions(net, c.box, one_thread()), LimitError);
  const std::vector<CellND> cells = oracle_nd::enumerate(gmp_exact(c.net), c.box);
  const Run r = run(net, c.box, Recorder::Want::everything, false);
  REQUIRE(r.records.size() == cells.size());
  std::map<std::string, const CellND*> by_pattern;
  for (const CellND& cell : cells) by_pattern[cell.pattern] = &cell;
  for (const RegionRecord& record : r.records) {
    std::string pattern;
    for (int b = 0; b < record.pattern_bits; ++b) pattern += record.bit(b) ? '1' : '0';
    INFO("pattern " << pattern);
    REQUIRE(by_pattern.count(pattern));
    CHECK(std::set<Vec>(record.exact_vertices.begin(), record.exact_vertices.end()) ==
          std::set<Vec>(by_pattern[pattern]->vertices.begin(), by_pattern[pattern]->vertices.end()));
  }
}

TEST_CASE("engine: linear pieces where the next layer ignores a neuron, against a brute-force union-find", "[engine]") {
  // Columns 1 and 3 of the second layer are zero: crossing neurons 1 or 3 of the first layer
  // changes the pattern but not the map, unless ... nothing: every such pair shares its map.
  // Second-layer neuron 2 has a zero output weight likewise.
  const std::vector<Case> cases{
      {"2D: zero columns in layer 2, a zero output weight",
       network(2, {layer({{1, 0.5}, {0.25, -1}, {-0.75, 0.5}, {1, 1}, {0.5, -0.25}}, {0.25, 0.125, -0.25, -0.5, 0}),
                   layer({{1, 0, -1, 0, 0.5}, {-0.5, 0, 1, 0, 1}, {0.25, 0, 0.5, 0, -1}, {1, 0, 1, 0, 1}}, {-0.25, 0.125, 0, -0.5}),
                   out_layer({{1, -1, 0, 0.5}}, {0})}),
       cube(2, -1, 1)},
      {"2D: a duplicated neuron whose copies cancel downstream",
       network(2, {layer({{1, -0.5}, {1, -0.5}, {0.5, 1}, {-1, -0.25}}, {0.25, 0.25, -0.25, 0.125}),
                   layer({{1, -1, 0.5, 1}, {0.5, -0.5, -1, 0.25}}, {0, 0.125}), out_layer({{1, 1}}, {0})}),
       cube(2, -1, 1)},
      {"3D: zero columns in layer 2",
       network(3, {layer({{1, 0.5, 0}, {0.25, -1, 0.5}, {-0.75, 0.5, 1}, {1, 1, 1}}, {0.25, 0.125, -0.25, -0.5}),
                   layer({{1, 0, -1, 0}, {-0.5, 0, 1, 0}, {0.25, 0, 0.5, 0}}, {-0.25, 0.125, 0}), out_layer({{1, -1, 0}}, {0})}),
       cube(3, -1, 1)}};
  for (const Case& c : cases) {
    INFO(describe(c));
    const Partition P = regions(to_exact(c.net), c.box, one_thread());
    INFO(P.regions.size() << " regions, " << P.piece_count << " pieces");
    CHECK(P.piece_count < static_cast<int>(P.regions.size()));
    CHECK(check_invariants(c, P, true) == "");
  }
}

TEST_CASE("engine: the invariant checks notice a tampered partition", "[engine]") {
  std::mt19937_64 rng(47);
  for (const int d : {2, 3}) {
    const Case c{"tamper", random_net(rng, d, {5, 4, 2}, Kind::dyadic), cube(d, -1, 1)};
    INFO(describe(c));
    const Partition P = regions(to_exact(c.net), c.box, one_thread());
    REQUIRE(check_invariants(c, P, true) == "");
    REQUIRE(P.regions.size() > 4);
    REQUIRE(P.piece_count > 1);
    const auto tampered = [&](const std::function<void(Partition&)>& change, bool oracle) {
      Partition T = P;
      change(T);
      return check_invariants(c, T, oracle);
    };
    // f jumps: one region's bias moves (continuity, without the oracle).
    CHECK(tampered([](Partition& T) { T.regions[1].bias[0] += Q(1, 1 << 20); }, false) != "");
    // a region's vertex moves: the measures no longer sum to the box's.
    CHECK(tampered([](Partition& T) { T.regions[2].vertices[0][0] += Q(1, 1000); }, false) != "");
    // a pattern flips: sampling or the oracle notice.
    CHECK(tampered([](Partition& T) { T.regions[0].pattern[0] = T.regions[0].pattern[0] == '1' ? '0' : '1'; }, true) != "");
    // adjacency and pieces against the brute force
    CHECK(tampered([](Partition& T) { T.adjacent.pop_back(); }, true) != "");
    CHECK(tampered([](Partition& T) {
      std::fill(T.piece.begin(), T.piece.end(), 0);
      T.piece_count = 1;
    }, true) != "");
    if (P.piece_count < static_cast<int>(P.regions.size()))
      CHECK(tampered([](Partition& T) {
        std::iota(T.piece.begin(), T.piece.end(), 0);
        T.piece_count = static_cast<int>(T.piece.size());
      }, true) != "");
  }
}

// ====================================================================== 5. streaming

namespace {

class Counter : public RegionSink {
public:
  void add(RegionRecord&&) override { ++count; }
  long count = 0;
};

// Neurons (hidden layer among those with a kink, index) whose bit is '0' in every region.
std::vector<std::pair<int, int>> dead_in(const NetworkQ& net, const Partition& P) {
  std::vector<std::pair<int, int>> dead;
  size_t bit = 0;
  int hidden = 0;
  for (const LayerQ& L : net.layers) {
    if (!L.activation.has_kink()) continue;
    for (long j = 0; j < L.weight.rows; ++j, ++bit)
      if (std::all_of(P.regions.begin(), P.regions.end(), [&](const Region& r) { return r.pattern.at(bit) == '0'; }))
        dead.emplace_back(hidden, static_cast<int>(j));
    ++hidden;
  }
  return dead;
}

// The Gram matrix (k x k, k = min(rows, cols), at most 2) whose largest eigenvalue is ||W||_2^2.
std::vector<Q> gram(const MatQ& W) {
  const bool outer = W.rows <= W.cols;  // W W^T, else W^T W
  const long k = outer ? W.rows : W.cols, m = outer ? W.cols : W.rows;
  std::vector<Q> G(static_cast<size_t>(k * k));
  for (long i = 0; i < k; ++i)
    for (long j = 0; j < k; ++j)
      for (long n = 0; n < m; ++n) G[static_cast<size_t>(i * k + j)] += outer ? W(i, n) * W(j, n) : W(n, i) * W(n, j);
  return G;
}

// lambda_max(G) <= t: t I - G is positive semidefinite; lambda_max(G) < t: positive definite.
bool norm2_at_most(const std::vector<Q>& G, const Q& t) {
  if (G.size() == 1) return G[0] <= t;
  return t >= G[0] && t >= G[3] && (t - G[0]) * (t - G[3]) >= G[1] * G[2];
}
bool norm2_below(const std::vector<Q>& G, const Q& t) {
  if (G.size() == 1) return G[0] < t;
  return t > G[0] && (t - G[0]) * (t - G[3]) > G[1] * G[2];
}

}  // namespace

TEST_CASE("engine: a counting sink, RegionSummary and the held Partition agree", "[engine]") {
  std::mt19937_64 rng(51);
  std::vector<Case> cases{
      {"2D with dead neurons in both layers",
       network(2, {layer({{1, 0.5}, {0.25, -1}, {0.5, 0.5}, {-0.75, 0.5}, {1, -1}}, {0.25, 0.125, -5, -0.25, 0}),
                   layer({{1, -1, 1, 0.5, 0.25}, {-1, -1, 0, -1, -1}, {0.5, 1, 0, -1, 1}}, {-0.25, -0.5, 0.125}),
                   out_layer({{1, -1, 0.5}, {0.25, 1, -1}}, {0, 1})}),
       cube(2, -1, 1)},
      {"2D torch 2-12-10-1", random_net(rng, 2, {12, 10, 1}, Kind::torch), Box{{Q(-1, 3), -1}, {1, Q(9, 10)}}},
      {"2D leaky 0.01 then -1", network(2, {layer({{1, 0.5}, {0.25, -1}, {-0.75, 0.5}}, {0.25, 0.125, -0.25}, Activation::leaky_relu(0.01)),
                                            layer({{1, -1, 0.5}, {0.5, 1, -1}}, {0, 0.25}, Activation::leaky_relu(-1)),
                                            out_layer({{1, -0.5}}, {0})}),
       cube(2, -1, 1)},
      {"3D dyadic 3-6-5-1", random_net(rng, 3, {6, 5, 1}, Kind::dyadic), cube(3, -1, 1)},
      {"3D uniform 3-6-4-2", random_net(rng, 3, {6, 4, 2}, Kind::uniform), cube(3, -1, 1)}};
  for (const Case& c : cases) {
    INFO(describe(c));
    const NetworkQ net = to_exact(c.net);
    const Partition P = regions(net, c.box, one_thread());
    Counter counter;
    enumerate_regions(net, c.box, counter, one_thread());
    CHECK(counter.count == static_cast<long>(P.regions.size()));

    const int R = c.box.dim() == 2 ? 24 : 8;
    std::set<ActivationPattern> sampled = distinct_sampled_patterns(c.net, nullptr, c.box, R);
    const std::vector<ActivationPattern> all = sampled_patterns(c.net, nullptr, c.box, R);
    CHECK(sampled == std::set<ActivationPattern>(all.begin(), all.end()));
    // Every region's pattern is added to the samples: a missed region crashes RegionSummary
    // today (see "RegionSummary reports the regions sampling missed").
    for (const Region& r : P.regions) sampled.insert(r.pattern);
    const RegionSummary::Result s = summarize(net, c.box, sampled, one_thread());
    CHECK(s.regions == static_cast<long>(P.regions.size()));
    CHECK(s.pieces.adjacent == P.adjacent);
    CHECK(s.pieces.piece == P.piece);
    CHECK(s.pieces.piece_count == P.piece_count);
    CHECK(s.dead_neurons == dead_in(net, P));
    if (c.name == "2D with dead neurons in both layers")  // b = -5 on [-1, 1]^2; weights <= 0 on relu outputs, b < 0
      CHECK(s.dead_neurons == std::vector<std::pair<int, int>>{{0, 2}, {1, 1}});

    // Sampling, from the partition: which regions the samples found, which they missed.
    REQUIRE(s.sampling);
    const SamplingReport& report = *s.sampling;
    std::set<std::string> exact_patterns;
    std::vector<int> missed;
    std::vector<Q> missed_measures;
    long found = 0;
    for (size_t i = 0; i < P.regions.size(); ++i) {
      exact_patterns.insert(P.regions[i].pattern);
      if (sampled.count(P.regions[i].pattern)) {
        ++found;
      } else {
        missed.push_back(static_cast<int>(i));
        missed_measures.push_back(measure(P.regions[i]));
      }
    }
    long foreign = 0;
    for (const ActivationPattern& p : sampled) foreign += !exact_patterns.count(p);
    CHECK(report.distinct_patterns == static_cast<long>(sampled.size()));
    CHECK(report.regions_found == found);
    CHECK(report.missed == missed);
    CHECK(report.foreign_patterns == foreign);
    std::sort(missed_measures.begin(), missed_measures.end());
    CHECK(report.smallest_missed.has_value() == !missed.empty());
    if (!missed.empty()) {
      CHECK(*report.smallest_missed == missed_measures.front());
      CHECK(*report.median_missed == missed_measures[missed_measures.size() / 2]);
    }

    // Lipschitz: the largest ||W_e||_2 over the regions, exactly (squared, no root taken), lies
    // in the enclosure, and the region named attains at least its lower end.
    const Lipschitz& lip = s.lipschitz;
    INFO("Lipschitz in [" << num(lip.exact.lower) << ", " << num(lip.exact.upper) << "] at region " << lip.region);
    REQUIRE(lip.region >= 0);
    REQUIRE(lip.region < static_cast<int>(P.regions.size()));
    const Q lower(lip.exact.lower), upper(lip.exact.upper);
    CHECK(lower >= 0);
    CHECK(lower <= upper);
    bool bounded = true;
    for (const Region& r : P.regions) bounded = bounded && norm2_at_most(gram(r.weight), upper * upper);
    CHECK(bounded);
    CHECK_FALSE(norm2_below(gram(P.regions[static_cast<size_t>(lip.region)].weight), lower * lower));
    CHECK(lip.exact.upper - lip.exact.lower <= 1e-12 * lip.exact.upper);  // at most 2 outputs: certified tight
    CHECK(lip.product_of_norms >= lip.exact.lower * (1 - 1e-12));

    // The same stream through a TeeSink: a sink demanding nothing gets what the other demanded.
    Recorder recorder(Recorder::Want::nothing);
    PartitionBuilder builder(net, c.box);
    TeeSink tee({&recorder, &builder});
    enumerate_regions(net, c.box, tee, one_thread());
    const Partition T = builder.finish();
    REQUIRE(recorder.records.size() == P.regions.size());
    CHECK(T.adjacent == P.adjacent);
    CHECK(T.piece == P.piece);
    for (size_t i = 0; i < P.regions.size(); ++i) {
      CHECK(recorder.records[i].exact_vertices == P.regions[i].vertices);
      CHECK(T.regions[i].vertices == P.regions[i].vertices);
      CHECK(recorder.records[i].exact_bias == P.regions[i].bias);
    }
  }
}

namespace {

// Runs f in a child process, so that a crash fails a check instead of the whole run; returns
// f's value (0: all held), or 128 + the signal that ended the child.
int in_child(const std::function<int()>& f) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    for (int s : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(s, SIG_DFL);  // no Catch2 handler in the child
    int code = 1;
    try {
      code = f();
    } catch (...) {
      code = 99;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("engine: RegionSummary reports the regions sampling missed", "[engine]") {
  // RegionSummary::add keeps a missed region's record without its coordinates (record.vertices
  // cleared), and finish() rebuilds its exact vertices with ExactMaps::add_exact_vertices, which
  // takes the vertex count from record.vertices: none, so measure() reads vertices.front() of an
  // empty vector. Minimal: relu(x) on [-1, 1] summarized with the samples {"1"} (region "0"
  // missed) dies with SIGSEGV in measure().
  std::mt19937_64 rng(57);
  const std::vector<Case> cases{
      {"1D relu(x)", network(1, {layer({{1}}, {0}), out_layer({{1}}, {0})}), cube(1, -1, 1)},
      {"2D torch 2-12-10-1", random_net(rng, 2, {12, 10, 1}, Kind::torch), Box{{Q(-1, 3), -1}, {1, Q(9, 10)}}},
      {"3D dyadic 3-6-5-1", random_net(rng, 3, {6, 5, 1}, Kind::dyadic), cube(3, -1, 1)}};
  for (const Case& c : cases) {
    INFO(describe(c));
    const NetworkQ net = to_exact(c.net);
    const Partition P = regions(net, c.box, one_thread());
    const Run records = run(net, c.box, Recorder::Want::everything, false);
    std::set<ActivationPattern> sampled = c.box.dim() == 1 ? std::set<ActivationPattern>{"1"} : distinct_sampled_patterns(c.net, nullptr, c.box, 6);
    std::vector<int> missed;
    std::vector<Q> measures;
    for (size_t i = 0; i < P.regions.size(); ++i)
      if (!sampled.count(P.regions[i].pattern)) {
        missed.push_back(static_cast<int>(i));
        measures.push_back(measure(P.regions[i]));
      }
    std::sort(measures.begin(), measures.end());
    INFO(missed.size() << " of " << P.regions.size() << " regions missed");
    REQUIRE(!missed.empty());
    // The summary, fed the recorded stream by hand (no threads in the child).
    const int code = in_child([&] {
      RegionSummary summary(net, c.box, sampled);
      for (const RegionRecord& r : records.records) summary.add(RegionRecord(r));
      const RegionSummary::Result s = summary.finish();
      if (!s.sampling) return 2;
      if (s.sampling->missed != missed) return 3;
      if (!s.sampling->smallest_missed || *s.sampling->smallest_missed != measures.front()) return 4;
      if (!s.sampling->median_missed || *s.sampling->median_missed != measures[measures.size() / 2]) return 5;
      return 0;
    });
    INFO("the child ended with " << code << (code > 128 ? " (128 + signal)" : "") << "; 2: no sampling report, 3: missed list, 4: smallest, 5: median, 99: threw");
    CHECK(code == 0);
  }
}

TEST_CASE("engine: limits, interruption and progress", "[engine]") {
  std::mt19937_64 rng(53);
  const Case c{"2D torch 2-20-10-1", random_net(rng, 2, {20, 10, 1}, Kind::torch), cube(2, -1, 1)};
  INFO(describe(c));
  const NetworkQ net = to_exact(c.net);
  Counter all;
  enumerate_regions(net, c.box, all, one_thread());
  const long n = all.count;
  REQUIRE(n > 100);
  for (const int threads : {1, 2}) {
    INFO("threads = " << threads);
    EngineOptions options;
    options.threads = threads;
    DYNAMIC_SECTION("max_regions, threads = " << threads) {
      options.max_regions = n - 1;
      Counter counter;
      CHECK_THROWS_AS(enumerate_regions(net, c.box, counter, options), LimitError);
      CHECK_THROWS_AS(regions(net, c.box, options), LimitError);
      CHECK_THROWS_AS(summarize(net, c.box, {}, options), LimitError);
      options.max_regions = n;
      Counter exact_fit;
      CHECK_NOTHROW(enumerate_regions(net, c.box, exact_fit, options));
      CHECK(exact_fit.count == n);
    }
    DYNAMIC_SECTION("time_limit, threads = " << threads) {
      options.time_limit = 1e-9;
      Counter counter;
      CHECK_THROWS_AS(enumerate_regions(net, c.box, counter, options), LimitError);
      CHECK(counter.count < n);
    }
    DYNAMIC_SECTION("should_stop, threads = " << threads) {
      std::atomic<int> asked{0};
      options.should_stop = [&] { return ++asked > 5; };
      Counter counter;
      CHECK_THROWS_AS(enumerate_regions(net, c.box, counter, options), Interrupted);
      CHECK(counter.count < n);
      options.should_stop = [] { return true; };
      CHECK_THROWS_AS(regions(net, c.box, options), Interrupted);
      std::atomic<long> never{0};
      options.should_stop = [&] { return ++never < 0; };
      Counter again;
      CHECK_NOTHROW(enumerate_regions(net, c.box, again, options));
      CHECK(again.count == n);
      CHECK(never > 0);
    }
    DYNAMIC_SECTION("progress, threads = " << threads) {
      std::vector<std::array<long, 3>> calls;
      options.progress = [&](long done, long total, long count) { calls.push_back({done, total, count}); };
      Recorder recorder(Recorder::Want::nothing);
      enumerate_regions(net, c.box, recorder, options);
      REQUIRE(!calls.empty());
      const long total = calls.front()[1];
      CHECK(static_cast<size_t>(total) == first_layer_cells(recorder.records, 20));
      bool sane = true;
      for (size_t i = 0; i < calls.size(); ++i) {
        const auto [done, t, count] = calls[i];
        sane = sane && t == total && 0 < done && done <= total && 0 <= count && count <= n;
        if (i > 0) sane = sane && done > calls[i - 1][0] && count >= calls[i - 1][2];
      }
      CHECK(sane);
      CHECK(calls.back()[0] == total);
      CHECK(calls.back()[2] == n);
    }
  }
}

// ====================================================================== 6. ExactMaps

TEST_CASE("engine: ExactMaps rebuilds from pattern and labels what the engine demanded inline", "[engine]") {
  std::vector<Case> cases = random_cases();
  for (Case& c : hard_cases()) cases.push_back(std::move(c));
  long checked = 0;
  for (const Case& c : cases) {
    INFO(describe(c));
    const NetworkQ net = to_exact(c.net);
    const Run full = run(net, c.box, Recorder::Want::everything, false, 1);
    const Run bare = run(net, c.box, Recorder::Want::nothing, false, 2);
    const Run alternate = run(net, c.box, Recorder::Want::alternate, false, 1);
    REQUIRE(bare.records.size() == full.records.size());
    REQUIRE(alternate.records.size() == full.records.size());
    const ExactMaps maps(net, c.box);
    for (size_t i = 0; i < full.records.size(); ++i) {
      INFO("record " << i);
      const RegionRecord& want = full.records[i];
      RegionRecord r = bare.records[i];
      CHECK(r.exact_vertices.empty());
      CHECK(r.exact_weight.data.empty());
      CHECK(r.exact_bias.empty());
      maps.add_exact_vertices(r);
      CHECK(r.exact_vertices == want.exact_vertices);
      MatQ W;
      VecQ b;
      maps.output_map(r.pattern, W, b);
      CHECK(W.rows == want.exact_weight.rows);
      CHECK(W.cols == want.exact_weight.cols);
      CHECK(W.data == want.exact_weight.data);
      CHECK(b == want.exact_bias);
      // Stale values are replaced, not appended to.
      RegionRecord stale = bare.records[i];
      stale.exact_vertices = {VecQ(static_cast<size_t>(stale.dim), Rational(7))};
      maps.add_exact_vertices(stale);
      CHECK(stale.exact_vertices == want.exact_vertices);
      // A record demanded in part has that part, and only that.
      const RegionRecord& part = alternate.records[i];
      const bool odd = Recorder::parity(part);
      CHECK(part.exact_vertices == (odd ? want.exact_vertices : std::vector<VecQ>{}));
      CHECK(part.exact_bias == (odd ? VecQ{} : want.exact_bias));
      CHECK(part.exact_weight.data == (odd ? std::vector<Rational>{} : want.exact_weight.data));
      ++checked;
    }
  }
  CHECK(checked > 500);
}

TEST_CASE("engine: map_radius bounds the approximate map's error", "[engine]") {
  // RegionRecord: "|exact - approximate| <= map_radius entrywise". Where a layer's rows overflow
  // the doubles (2^600 * 2^600), the radius of the next rows is computed as 0 * inf = NaN (in
  // Refinement::from_scratch, (|w| alpha + omega |a| + omega alpha)(mu + rho) with omega = alpha
  // = 0 and mu = inf; flip() likewise), and NaN bounds nothing. The predicates stay right (a NaN
  // bound fails every comparison, so they go exact); consumers comparing with map_radius do not.
  // Minimal: relu(relu(2^600 x) * 2^600) on [-1, 1] gives map_radius NaN on its regions.
  std::vector<Case> cases = random_cases();
  for (Case& c : hard_cases()) cases.push_back(std::move(c));
  cases.push_back({"1D: relu(relu(2^600 x) * 2^600)", network(1, {layer({{0x1p600}}, {0}), layer({{0x1p600}}, {0}), out_layer({{1}}, {0})}), cube(1, -1, 1)});
  for (const Case& c : cases) {
    INFO(describe(c));
    const Run full = run(to_exact(c.net), c.box, Recorder::Want::everything, false);
    std::string fault;
    for (size_t i = 0; i < full.records.size() && fault.empty(); ++i)
      if (!(fault = map_radius_fault(full.records[i])).empty()) fault = "record " + std::to_string(i) + ": " + fault;
    CHECK(fault == "");
  }
}

// ====================================================================== stress (hidden)

TEST_CASE("engine stress: filter vs exact, and the oracle, on many near-degenerate networks", "[.][engine-stress]") {
  // Not run by default: RELUTOPE_STRESS=N networks (default 200), seed RELUTOPE_STRESS_SEED.
  const char* count = std::getenv("RELUTOPE_STRESS");
  const char* seed = std::getenv("RELUTOPE_STRESS_SEED");
  const int n = count ? std::atoi(count) : 200;
  std::mt19937_64 rng(seed ? std::strtoull(seed, nullptr, 10) : 99);
  int failures = 0;
  for (int i = 0; i < n && failures < 3; ++i) {
    const int d = std::uniform_int_distribution<int>(1, 3)(rng);
    const int depth = std::uniform_int_distribution<int>(1, 3)(rng);
    std::vector<int> widths;
    for (int l = 0; l < depth; ++l) widths.push_back(std::uniform_int_distribution<int>(2, d == 3 ? 5 : 7)(rng));
    widths.push_back(std::uniform_int_distribution<int>(1, 2)(rng));
    const int family = std::uniform_int_distribution<int>(0, 3)(rng);
    Network net = family == 3 ? mixed_activations(rng, d, widths) : random_net(rng, d, widths, family == 2 ? Kind::torch : Kind::dyadic);
    if (family <= 1 || std::uniform_int_distribution<int>(0, 1)(rng)) net = nudged(net, rng);
    if (family == 1) net = scaled_rows(net, rng, 200);
    const Case c{"stress #" + std::to_string(i), net, i % 2 ? cube(d, -1, 1) : Box{Vec(static_cast<size_t>(d), Q(-1, 3)), Vec(static_cast<size_t>(d), Q(7, 10))}};
    INFO(describe(c));
    const NetworkQ q = to_exact(c.net);
    const Run f = run(q, c.box, Recorder::Want::everything, false), e = run(q, c.box, Recorder::Want::everything, true);
    std::string diff = stream_diff(f.records, e.records, false);
    for (size_t r = 0; r < f.records.size() && diff.empty(); ++r) diff = map_radius_fault(f.records[r]);
    std::string fault;
    if (diff.empty() && f.records.size() < 300) {
      try {
        fault = check_invariants(c, regions(q, c.box, one_thread()), true, 8);
      } catch (const std::exception& x) {
        fault = std::string("threw: ") + x.what();
      }
    }
    failures += !diff.empty() || !fault.empty();
    CHECK(diff == "");
    CHECK(fault == "");
  }
}
