#include "relutope/engine/piece_join.hpp"

#include "engine/engine_network.hpp"
#include "engine/facet_plane.hpp"
#include "relutope/error.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

namespace relutope {
namespace {

std::uint64_t mix(std::uint64_t word, size_t index) {  // splitmix64 of the word at its position
  std::uint64_t z = word ^ (0x9e3779b97f4a7c15ULL * (index + 1));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A hash of a packed pattern that changes word by word: the XOR of every word's mix.
std::uint64_t hash(const std::uint64_t* words, size_t n) {
  std::uint64_t h = 0;
  for (size_t i = 0; i < n; ++i) h ^= mix(words[i], i);
  return h;
}

using Point2 = std::pair<Rational, Rational>;

Rational cross(const Point2& o, const Point2& a, const Point2& b) {
  return (a.first - o.first) * (b.second - o.second) - (a.second - o.second) * (b.first - o.first);
}

// The convex hull of points in the plane, counter-clockwise, no three collinear (monotone chain).
std::vector<Point2> hull(std::vector<Point2> p) {
  std::sort(p.begin(), p.end());
  p.erase(std::unique(p.begin(), p.end()), p.end());
  std::vector<Point2> h(2 * p.size());
  size_t k = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && sgn(cross(h[k - 2], h[k - 1], p[i])) <= 0) --k;
    h[k++] = p[i];
  }
  for (size_t i = p.size() - 1, t = k + 1; i-- > 0;) {
    while (k >= t && sgn(cross(h[k - 2], h[k - 1], p[i])) <= 0) --k;
    h[k++] = p[i];
  }
  h.resize(k - 1);
  return h;
}

// Two convex polygons (counter-clockwise) share an area > 0 iff no edge line of either has the
// other polygon on or outside it (the separating axis theorem, weak separation).
bool overlap(const std::vector<Point2>& a, const std::vector<Point2>& b) {
  auto separates = [](const std::vector<Point2>& p, const std::vector<Point2>& q) {
    for (size_t i = 0; i < p.size(); ++i) {
      const Point2 &s = p[i], &t = p[(i + 1) % p.size()];
      if (std::all_of(q.begin(), q.end(), [&](const Point2& x) { return sgn(cross(s, t, x)) <= 0; })) return true;
    }
    return false;
  };
  return !separates(a, b) && !separates(b, a);
}

}  // namespace

struct PieceJoin::Impl {
  engine::EngineNetwork net;
  int words = 0;
  int count = 0;
  std::vector<std::uint64_t> patterns;  // region r: words [r words, (r+1) words)
  std::vector<double> maps, radii;      // region r: its approximate output map and radius
  std::unordered_multimap<std::uint64_t, int> by_hash;
  struct Waiting {
    int region, bit;
  };
  std::unordered_multimap<std::uint64_t, Waiting> waiting;  // patterns looked for, not yet seen
  std::vector<std::pair<int, int>> pairs;
  struct Degenerate {
    int region;
    int side;
    std::vector<VecQ> vertices;
  };
  std::map<engine::Row, std::vector<Degenerate>> degenerate;

  explicit Impl(const NetworkQ& network) : net(network), words((net.pattern_bits() + 63) / 64) {}

  const std::uint64_t* pattern(int r) const { return &patterns[static_cast<size_t>(r) * static_cast<size_t>(words)]; }

  // The region with exactly this pattern with bit `bit` flipped, among those added; -1 if none.
  bool differ_in(int r, const std::uint64_t* p, int bit) const {
    const std::uint64_t* q = pattern(r);
    for (int w = 0; w < words; ++w) {
      std::uint64_t x = p[w];
      if (w == bit / 64) x ^= std::uint64_t{1} << (bit % 64);
      if (x != q[w]) return false;
    }
    return true;
  }

  std::uint64_t flipped_hash(std::uint64_t h, const std::uint64_t* p, int bit) const {
    const size_t w = static_cast<size_t>(bit / 64);
    return h ^ mix(p[w], w) ^ mix(p[w] ^ (std::uint64_t{1} << (bit % 64)), w);
  }
};

PieceJoin::PieceJoin(const NetworkQ& net) : impl_(std::make_unique<Impl>(net)) {}
PieceJoin::~PieceJoin() = default;
PieceJoin::PieceJoin(PieceJoin&&) noexcept = default;

Demand PieceJoin::demand(const RegionRecord& record) const {
  Demand d;
  for (int f = 0; f < record.facet_count(); ++f)
    d.exact_vertices |= record.facet_degenerate[static_cast<size_t>(f)] && !record.facet_planes[static_cast<size_t>(f)].is_domain_face();
  return d;
}

void PieceJoin::add(const RegionRecord& record) {
  Impl& m = *impl_;
  const int r = m.count++;
  const std::uint64_t* p = record.pattern.data();
  m.patterns.insert(m.patterns.end(), record.pattern.begin(), record.pattern.end());
  m.maps.insert(m.maps.end(), record.map.begin(), record.map.end());
  m.radii.push_back(record.map_radius);
  const std::uint64_t h = hash(p, static_cast<size_t>(m.words));

  // Regions added before, whose facets look for this pattern.
  std::vector<int> found;
  for (auto [it, end] = m.waiting.equal_range(h); it != end;) {
    if (m.differ_in(it->second.region, p, it->second.bit)) {
      found.push_back(it->second.region);
      m.pairs.emplace_back(it->second.region, r);
      it = m.waiting.erase(it);
    } else {
      ++it;
    }
  }
  for (int f = 0; f < record.facet_count(); ++f) {
    const HyperplaneLabel& label = record.facet_planes[static_cast<size_t>(f)];
    if (label.is_domain_face()) continue;
    if (record.facet_degenerate[static_cast<size_t>(f)]) {
      std::vector<VecQ> vertices;
      for (int i = record.facet_offsets[static_cast<size_t>(f)]; i < record.facet_offsets[static_cast<size_t>(f) + 1]; ++i)
        vertices.push_back(record.exact_vertices[static_cast<size_t>(record.facet_vertices[static_cast<size_t>(i)])]);
      if (record.dim > 3) throw LimitError("linear pieces of a degenerate arrangement in more than 3 dimensions are not implemented");
      engine::Row row = engine::facet_plane(vertices, record.dim);
      int side = 0;
      for (const VecQ& x : record.exact_vertices)
        if ((side = sgn(engine::value(row, x))) != 0) break;
      m.degenerate[std::move(row)].push_back({r, side, std::move(vertices)});
      continue;
    }
    const int bit = m.net.bit_offset[static_cast<size_t>(label.layer)] + label.index;
    const std::uint64_t target = m.flipped_hash(h, p, bit);
    bool seen = false;
    for (auto [it, end] = m.by_hash.equal_range(target); it != end && !seen; ++it)
      if (m.differ_in(it->second, p, bit)) {
        seen = true;
        if (std::find(found.begin(), found.end(), it->second) == found.end()) m.pairs.emplace_back(it->second, r);
      }
    if (!seen) m.waiting.emplace(target, Impl::Waiting{r, bit});
  }
  m.by_hash.emplace(h, r);
}

PieceJoin::Result PieceJoin::finish() {
  Impl& m = *impl_;
  if (!m.waiting.empty()) throw std::logic_error("PieceJoin: a facet found no region across it");
  const int d = m.net.dim;
  for (const auto& group : m.degenerate) {
    const engine::Row& row = group.first;  // a named reference: lambdas cannot capture bindings in C++17
    const auto& facets = group.second;
    // The parameter along the line (2D) or the projection dropping the normal's largest axis (3D).
    size_t drop = 0;
    for (size_t k = 1; k < static_cast<size_t>(d); ++k)
      if (abs(row[k]) > abs(row[drop])) drop = k;
    auto planar = [&](const std::vector<VecQ>& vertices) {
      std::vector<Point2> q;
      for (const VecQ& x : vertices) {
        VecQ kept;
        for (size_t k = 0; k < x.size(); ++k)
          if (k != drop) kept.push_back(x[k]);
        q.emplace_back(kept[0], kept[1]);
      }
      return hull(q);
    };
    for (size_t a = 0; a < facets.size(); ++a)
      for (size_t b = 0; b < facets.size(); ++b) {
        const auto &fa = facets[a], &fb = facets[b];
        if (fa.side <= 0 || fb.side >= 0) continue;
        bool adjacent = d == 1;
        if (d == 2) {
          auto t = [&](const VecQ& x) { return Rational(-row[1] * x[0] + row[0] * x[1]); };
          const Rational a0 = std::min(t(fa.vertices[0]), t(fa.vertices[1])), a1 = std::max(t(fa.vertices[0]), t(fa.vertices[1]));
          const Rational b0 = std::min(t(fb.vertices[0]), t(fb.vertices[1])), b1 = std::max(t(fb.vertices[0]), t(fb.vertices[1]));
          adjacent = std::max(a0, b0) < std::min(a1, b1);
        } else if (d == 3) {
          adjacent = overlap(planar(fa.vertices), planar(fb.vertices));
        }
        if (adjacent) m.pairs.emplace_back(std::min(fa.region, fb.region), std::max(fa.region, fb.region));
      }
  }
  Result result;
  for (auto& [a, b] : m.pairs)
    if (a > b) std::swap(a, b);
  std::sort(m.pairs.begin(), m.pairs.end());
  m.pairs.erase(std::unique(m.pairs.begin(), m.pairs.end()), m.pairs.end());

  // Pieces: union of adjacent regions with equal maps; the doubles decide where their radii
  // prove a difference, the exact maps (rebuilt from the patterns) elsewhere.
  std::vector<int> parent(static_cast<size_t>(m.count));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int i) {
    while (parent[static_cast<size_t>(i)] != i) i = parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
    return i;
  };
  const size_t width = static_cast<size_t>(m.net.outputs() * (d + 1));
  auto pattern_of = [&](int r) { return std::vector<std::uint64_t>(m.pattern(r), m.pattern(r) + m.words); };
  for (const auto& [a, b] : m.pairs) {
    const double* x = &m.maps[static_cast<size_t>(a) * width];
    const double* y = &m.maps[static_cast<size_t>(b) * width];
    const double bound = (m.radii[static_cast<size_t>(a)] + m.radii[static_cast<size_t>(b)]) * (1 + 0x1p-50) + 0x1p-1070;
    bool differ = false;
    for (size_t k = 0; k < width && !differ; ++k) differ = std::fabs(x[k] - y[k]) * (1 - 0x1p-50) > bound;
    if (!differ) {
      MatQ wa, wb;
      VecQ ba, bb;
      m.net.exact_output_map(pattern_of(a), wa, ba);
      m.net.exact_output_map(pattern_of(b), wb, bb);
      differ = !(wa.data == wb.data && ba == bb);
    }
    if (!differ) parent[static_cast<size_t>(find(a))] = find(b);
  }
  std::vector<int> number(static_cast<size_t>(m.count), -1);
  for (int i = 0; i < m.count; ++i) {
    int& id = number[static_cast<size_t>(find(i))];
    if (id < 0) id = result.piece_count++;
    result.piece.push_back(id);
  }
  result.adjacent = std::move(m.pairs);
  return result;
}

}  // namespace relutope
