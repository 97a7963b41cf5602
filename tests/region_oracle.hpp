// A deliberately simple, slow, exact test oracle for activation regions in 1D and 2D.
//
// It shares no code with src/: it reads the public value type NetworkQ (plain rational matrices)
// and does everything else itself in GMP mpq_class, with Cartesian coordinates, convex polygons
// as vertex lists (2D) and intervals (1D).
//
// Two independent enumerators:
//  - enumerate(): start from the domain box; for every layer and every region, recompute from
//    scratch the region's affine map of that layer's pre-activations (compose all earlier layers
//    with the region's pattern), then split the region by each neuron whose zero set crosses its
//    interior, one neuron after the other (Sutherland-Hodgman clipping in 2D, a root in 1D).
//    A cell's bit is '1' where the pre-activation is > 0 at an interior point, '0' otherwise
//    (so '0' also for a neuron identically zero on the cell).
//  - enumerate_1d_brute(): 1D only, recursive: on an interval where the layers < l have a fixed
//    pattern, layer l's neurons are affine in x, carried incrementally as (slope, intercept)
//    pairs; all their roots strictly inside the interval are collected at once, sorted, and the
//    sub-intervals recursed into. No clipping, no merging, no recomputation from scratch.
#pragma once

#include "relutope/network/network.hpp"

#include <gmpxx.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace oracle {

using Q = mpq_class;

struct Pt {
  Q x, y;
  bool operator==(const Pt& o) const { return x == o.x && y == o.y; }
  bool operator<(const Pt& o) const { return x < o.x || (x == o.x && y < o.y); }
};
using Poly = std::vector<Pt>;  // convex, counter-clockwise, no repeated or collinear vertices

/// An affine map x -> A x + c from R^dim to R^rows (A row-major).
struct Affine {
  int rows = 0, dim = 0;
  std::vector<Q> A, c;
  Q& a(int i, int j) { return A[static_cast<size_t>(i * dim + j)]; }
  const Q& a(int i, int j) const { return A[static_cast<size_t>(i * dim + j)]; }
  Q at(int i, const std::vector<Q>& x) const {
    Q v = c[static_cast<size_t>(i)];
    for (int j = 0; j < dim; ++j) v += a(i, j) * x[static_cast<size_t>(j)];
    return v;
  }
  bool operator==(const Affine& o) const { return rows == o.rows && dim == o.dim && A == o.A && c == o.c; }
};

/// One region of the oracle's partition.
struct Cell {
  std::string pattern;
  Poly poly;        // 2D
  Q lo, hi;         // 1D
  Q measure;        // area or length
  Affine out;       // the network's output map on the cell
  std::vector<std::vector<Q>> vertices() const {
    std::vector<std::vector<Q>> v;
    if (poly.empty()) return {{lo}, {hi}};
    for (const Pt& p : poly) v.push_back({p.x, p.y});
    return v;
  }
};

// ---------------------------------------------------------------- the network, exactly

inline int width(const relutope::NetworkQ& net, size_t layer) {
  return static_cast<int>(net.layers[layer].weight.rows);
}

inline int hidden_count(const relutope::NetworkQ& net) {
  int n = 0;
  for (size_t l = 0; l + 1 < net.layers.size(); ++l) n += width(net, l);
  return n;
}

/// The map x -> (pre-activations of `layer`) on a region whose pattern starts with the bits of
/// the layers before `layer` (`pattern` may be longer). Recomputed from scratch every time.
/// For the last layer this is the network's output map.
inline Affine layer_map(const relutope::NetworkQ& net, size_t layer, const std::string& pattern) {
  const int dim = net.input_dim;
  Affine cur;  // identity
  cur.rows = cur.dim = dim;
  cur.A.assign(static_cast<size_t>(dim * dim), Q(0));
  cur.c.assign(static_cast<size_t>(dim), Q(0));
  for (int i = 0; i < dim; ++i) cur.a(i, i) = 1;
  size_t bit = 0;
  for (size_t l = 0; l <= layer; ++l) {
    const relutope::LayerQ& L = net.layers[l];
    if (L.weight.cols != cur.rows) throw std::logic_error("oracle: layers do not chain");
    Affine z;
    z.rows = static_cast<int>(L.weight.rows);
    z.dim = dim;
    z.A.assign(static_cast<size_t>(z.rows * dim), Q(0));
    z.c.assign(static_cast<size_t>(z.rows), Q(0));
    for (int i = 0; i < z.rows; ++i) {
      z.c[static_cast<size_t>(i)] = L.bias[static_cast<size_t>(i)];
      for (int k = 0; k < cur.rows; ++k) {
        const Q& w = L.weight(i, k);
        if (w == 0) continue;
        for (int j = 0; j < dim; ++j) z.a(i, j) += w * cur.a(k, j);
        z.c[static_cast<size_t>(i)] += w * cur.c[static_cast<size_t>(k)];
      }
    }
    if (l < layer) {  // ReLU with the region's bits
      for (int i = 0; i < z.rows; ++i, ++bit) {
        if (pattern.at(bit) == '1') continue;
        for (int j = 0; j < dim; ++j) z.a(i, j) = 0;
        z.c[static_cast<size_t>(i)] = 0;
      }
    }
    cur = std::move(z);
  }
  return cur;
}

/// The network at an exact point: its outputs and its activation pattern ('1' iff z > 0).
inline std::pair<std::vector<Q>, std::string> evaluate(const relutope::NetworkQ& net, const std::vector<Q>& x) {
  std::vector<Q> h = x;
  std::string pattern;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const relutope::LayerQ& L = net.layers[l];
    std::vector<Q> z(static_cast<size_t>(L.weight.rows));
    for (long i = 0; i < L.weight.rows; ++i) {
      Q v = L.bias[static_cast<size_t>(i)];
      for (long k = 0; k < L.weight.cols; ++k) v += L.weight(i, k) * h[static_cast<size_t>(k)];
      z[static_cast<size_t>(i)] = v;
    }
    if (l + 1 < net.layers.size())
      for (Q& v : z) {
        pattern += v > 0 ? '1' : '0';
        if (v < 0) v = 0;
      }
    h = std::move(z);
  }
  return {h, pattern};
}

// ---------------------------------------------------------------- polygons

inline Q cross(const Pt& o, const Pt& a, const Pt& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/// Twice the signed area (positive for counter-clockwise).
inline Q area2(const Poly& p) {
  Q s = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const Pt& a = p[i];
    const Pt& b = p[(i + 1) % p.size()];
    s += a.x * b.y - a.y * b.x;
  }
  return s;
}

/// Removes repeated and collinear vertices (repeatedly, until none is left).
inline Poly clean(Poly p) {
  bool changed = true;
  while (changed && p.size() >= 3) {
    changed = false;
    for (size_t i = 0; i < p.size() && p.size() >= 3; ++i) {
      const Pt& prev = p[(i + p.size() - 1) % p.size()];
      const Pt& next = p[(i + 1) % p.size()];
      if (p[i] == prev || cross(prev, p[i], next) == 0) {
        p.erase(p.begin() + static_cast<long>(i));
        changed = true;
        break;
      }
    }
  }
  return p;
}

/// Sutherland-Hodgman: the part of the convex polygon where sign * (a x + b y + c) >= 0.
inline Poly clip(const Poly& poly, const Q& a, const Q& b, const Q& c, int sign) {
  Poly out;
  const size_t n = poly.size();
  std::vector<Q> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = sign * (a * poly[i].x + b * poly[i].y + c);
  for (size_t i = 0; i < n; ++i) {
    const Pt& P = poly[i];
    const Pt& R = poly[(i + 1) % n];
    const Q& fp = f[i];
    const Q& fr = f[(i + 1) % n];
    if (fp >= 0) out.push_back(P);
    if ((fp > 0 && fr < 0) || (fp < 0 && fr > 0)) {
      const Q t = fp / (fp - fr);
      out.push_back({P.x + t * (R.x - P.x), P.y + t * (R.y - P.y)});
    }
  }
  return clean(out);
}

/// A point strictly inside a convex polygon with positive area: the mean of its vertices.
inline Pt interior_point(const Poly& p) {
  Pt m{0, 0};
  for (const Pt& v : p) {
    m.x += v.x;
    m.y += v.y;
  }
  m.x /= static_cast<long>(p.size());
  m.y /= static_cast<long>(p.size());
  return m;
}

/// Point in a counter-clockwise convex polygon: 1 strictly inside, 0 on the boundary, -1 outside.
inline int side(const Poly& p, const Pt& x) {
  bool boundary = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const int s = sgn(cross(p[i], p[(i + 1) % p.size()], x));
    if (s < 0) return -1;
    if (s == 0) boundary = true;
  }
  return boundary ? 0 : 1;
}

// ---------------------------------------------------------------- the enumerators

/// The partition of the box [lo, hi] (1 or 2 coordinates, equal to net.input_dim) into
/// activation regions, by per-region splitting with maps recomputed from scratch.
inline std::vector<Cell> enumerate(const relutope::NetworkQ& net, const std::vector<Q>& lo,
                                   const std::vector<Q>& hi) {
  const int dim = net.input_dim;
  if (dim != 1 && dim != 2) throw std::logic_error("oracle: 1 or 2 inputs only");
  if (net.encoding.type != relutope::Encoding::Type::identity) throw std::logic_error("oracle: identity only");
  struct Piece {
    Poly poly;
    Q lo, hi;
    std::string pattern;
  };
  std::vector<Piece> cur(1);
  if (dim == 2)
    cur[0].poly = {{lo[0], lo[1]}, {hi[0], lo[1]}, {hi[0], hi[1]}, {lo[0], hi[1]}};
  else
    cur[0].lo = lo[0], cur[0].hi = hi[0];

  for (size_t l = 0; l + 1 < net.layers.size(); ++l) {
    std::vector<Piece> next;
    for (const Piece& region : cur) {
      const Affine z = layer_map(net, l, region.pattern);  // from scratch, for this region
      std::vector<Piece> parts{region};
      for (int j = 0; j < z.rows; ++j) {
        std::vector<Piece> split;
        for (Piece& part : parts) {
          if (dim == 2) {
            const Q &a = z.a(j, 0), &b = z.a(j, 1), &c = z.c[static_cast<size_t>(j)];
            bool pos = false, neg = false;
            for (const Pt& v : part.poly) {
              const Q f = a * v.x + b * v.y + c;
              pos = pos || f > 0;
              neg = neg || f < 0;
            }
            if (pos && neg) {
              Piece p = part, n = part;
              p.poly = clip(part.poly, a, b, c, +1);
              n.poly = clip(part.poly, a, b, c, -1);
              if (p.poly.size() < 3 || n.poly.size() < 3 || area2(p.poly) <= 0 || area2(n.poly) <= 0)
                throw std::logic_error("oracle: degenerate split");
              split.push_back(std::move(p));
              split.push_back(std::move(n));
            } else {
              split.push_back(std::move(part));
            }
          } else {
            const Q &a = z.a(j, 0), &c = z.c[static_cast<size_t>(j)];
            const Q flo = a * part.lo + c, fhi = a * part.hi + c;
            if ((flo > 0 && fhi < 0) || (flo < 0 && fhi > 0)) {
              const Q root = -c / a;
              Piece p = part, n = part;
              p.hi = root;
              n.lo = root;
              split.push_back(std::move(p));
              split.push_back(std::move(n));
            } else {
              split.push_back(std::move(part));
            }
          }
        }
        parts = std::move(split);
      }
      for (Piece& part : parts) {  // the bits of layer l, decided at an interior point
        std::vector<Q> x;
        if (dim == 2) {
          const Pt m = interior_point(part.poly);
          x = {m.x, m.y};
        } else {
          x = {(part.lo + part.hi) / 2};
        }
        for (int j = 0; j < z.rows; ++j) part.pattern += z.at(j, x) > 0 ? '1' : '0';
        next.push_back(std::move(part));
      }
    }
    cur = std::move(next);
  }

  std::vector<Cell> cells;
  for (Piece& p : cur) {
    Cell c;
    c.pattern = p.pattern;
    c.out = layer_map(net, net.layers.size() - 1, p.pattern);
    if (dim == 2) {
      c.poly = std::move(p.poly);
      c.measure = area2(c.poly) / 2;
    } else {
      c.lo = p.lo;
      c.hi = p.hi;
      c.measure = p.hi - p.lo;
    }
    cells.push_back(std::move(c));
  }
  return cells;
}

namespace detail {

// h: the current layer's inputs as affine functions of x, (slope, intercept) each.
inline void brute(const relutope::NetworkQ& net, const Q& a, const Q& b, size_t layer,
                  const std::vector<std::pair<Q, Q>>& h, const std::string& pattern, std::vector<Cell>& out) {
  const relutope::LayerQ& L = net.layers[layer];
  std::vector<std::pair<Q, Q>> z(static_cast<size_t>(L.weight.rows));
  for (long i = 0; i < L.weight.rows; ++i) {
    Q s = 0, c = L.bias[static_cast<size_t>(i)];
    for (long k = 0; k < L.weight.cols; ++k) {
      s += L.weight(i, k) * h[static_cast<size_t>(k)].first;
      c += L.weight(i, k) * h[static_cast<size_t>(k)].second;
    }
    z[static_cast<size_t>(i)] = {s, c};
  }
  if (layer + 1 == net.layers.size()) {
    Cell cell;
    cell.pattern = pattern;
    cell.lo = a;
    cell.hi = b;
    cell.measure = b - a;
    cell.out.rows = static_cast<int>(z.size());
    cell.out.dim = 1;
    for (const auto& [s, c] : z) {
      cell.out.A.push_back(s);
      cell.out.c.push_back(c);
    }
    out.push_back(std::move(cell));
    return;
  }
  std::vector<Q> cuts{a, b};
  for (const auto& [s, c] : z) {
    if (s == 0) continue;
    const Q r = -c / s;
    if (a < r && r < b) cuts.push_back(r);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    const Q m = (cuts[k] + cuts[k + 1]) / 2;
    std::string p = pattern;
    std::vector<std::pair<Q, Q>> next(z.size());
    for (size_t i = 0; i < z.size(); ++i) {
      const bool on = z[i].first * m + z[i].second > 0;
      p += on ? '1' : '0';
      next[i] = on ? z[i] : std::pair<Q, Q>{Q(0), Q(0)};
    }
    brute(net, cuts[k], cuts[k + 1], layer + 1, next, p, out);
  }
}

}  // namespace detail

/// 1D only: the recursive root-collecting enumerator.
inline std::vector<Cell> enumerate_1d_brute(const relutope::NetworkQ& net, const Q& lo, const Q& hi) {
  if (net.input_dim != 1) throw std::logic_error("oracle: 1D only");
  std::vector<Cell> out;
  detail::brute(net, lo, hi, 0, {{Q(1), Q(0)}}, "", out);
  return out;
}

// ---------------------------------------------------------------- relations between cells

/// Pairs (i, j), i < j, of cells sharing a boundary of positive length (2D) or a point (1D).
inline std::set<std::pair<int, int>> adjacency(const std::vector<Cell>& cells, int dim) {
  std::set<std::pair<int, int>> adj;
  if (dim == 1) {
    for (size_t i = 0; i < cells.size(); ++i)
      for (size_t j = i + 1; j < cells.size(); ++j)
        if (cells[i].hi == cells[j].lo || cells[j].hi == cells[i].lo)
          adj.insert({static_cast<int>(i), static_cast<int>(j)});
    return adj;
  }
  // Group every edge by its supporting line a x + b y = c, normalised so that the first nonzero
  // of (a, b) is 1; along the line, parameter y if a = 1 else x.
  struct Span {
    int cell;
    Q t0, t1;
  };
  std::map<std::array<Q, 3>, std::vector<Span>> lines;
  for (size_t k = 0; k < cells.size(); ++k) {
    const Poly& p = cells[k].poly;
    for (size_t i = 0; i < p.size(); ++i) {
      const Pt& u = p[i];
      const Pt& v = p[(i + 1) % p.size()];
      Q a = v.y - u.y, b = u.x - v.x, c = a * u.x + b * u.y;
      const Q n = a != 0 ? a : b;
      a /= n;
      b /= n;
      c /= n;
      Q t0 = a == 1 ? u.y : u.x, t1 = a == 1 ? v.y : v.x;
      if (t1 < t0) std::swap(t0, t1);
      lines[{a, b, c}].push_back({static_cast<int>(k), t0, t1});
    }
  }
  for (const auto& entry : lines) {
    const auto& spans = entry.second;
    for (size_t i = 0; i < spans.size(); ++i)
      for (size_t j = i + 1; j < spans.size(); ++j) {
        if (spans[i].cell == spans[j].cell) continue;
        if (std::min(spans[i].t1, spans[j].t1) > std::max(spans[i].t0, spans[j].t0))
          adj.insert(std::minmax(spans[i].cell, spans[j].cell));
      }
  }
  return adj;
}

/// Linear pieces: connected components of the adjacency graph restricted to equal output maps.
inline std::vector<int> pieces(const std::vector<Cell>& cells, const std::set<std::pair<int, int>>& adj) {
  std::vector<int> parent(cells.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<int>(i);
  auto find = [&](int i) {
    while (parent[static_cast<size_t>(i)] != i) i = parent[static_cast<size_t>(i)];
    return i;
  };
  for (const auto& [i, j] : adj)
    if (cells[static_cast<size_t>(i)].out == cells[static_cast<size_t>(j)].out)
      parent[static_cast<size_t>(find(i))] = find(j);
  std::vector<int> piece(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) piece[i] = find(static_cast<int>(i));
  return piece;
}

}  // namespace oracle
