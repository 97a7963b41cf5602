// A deliberately simple, slow, exact test oracle for activation regions in any input dimension
// d = 1..4 on a box: brute force on H-representations.
//
// What it is: every cell is a list of linear inequalities a . x + c >= 0 (rational), starting
// from the box's 2 d faces. For each layer with a kink (relu, leaky_relu) and each cell, the
// layer's pre-activations on the cell are recomputed from scratch by composing the earlier
// layers with the cell's pattern; a neuron whose zero set crosses the cell's interior splits it
// into the two cells that each add one inequality. Every predicate is decided on the cell's
// vertices, found by brute force: each d-subset of the cell's hyperplanes that meets in exactly
// one point (Gaussian elimination) gives a candidate, kept if it satisfies every inequality.
//  - a cell is full-dimensional iff its vertices affinely span R^d;
//  - a neuron crosses the interior iff it is > 0 at one vertex and < 0 at another;
//  - its bit is '1' iff it is > 0 at some vertex (then > 0 in the whole interior), else '0'.
// Inequalities that are not facets (their tight vertices span less than d - 1 dimensions) are
// dropped after each split; they do not change the cell, only the cost. The volume is a sum of
// simplices of a pulling triangulation through the face lattice: pick the face's first vertex p,
// triangulate recursively every facet of the face not holding p, cone each simplex from p; the
// facets of a face are its intersections with the cell's hyperplanes that lose one dimension.
//
// Why it is independent: it shares no code with src/. It reads only the public value types
// NetworkQ (rational weights, biases, activations) and Box, and does everything else itself in
// GMP mpq_class: no homogeneous integer points, no vertex clipping, no arrangement, no reuse of
// a parent's vertices when a cell is split (vertices always come from the hyperplanes alone).
//
// Cost: per split, C(m, d) d x d rational solves of O(d^3) and O(m d) checks each, m the
// inequalities of the cell (its facets plus one); the volume walks every face once per pulling
// vertex. Fine for d <= 4 and a few hundred cells of a dozen facets; hopeless beyond that.
// Measured (Release, one core, weights k/4): 3 -> 6 -> 6 -> 2, ~170 cells, 0.1 s; 4 -> 3 -> 2
// -> 1, 9 cells, 10 ms; 4 -> 5 -> 4 -> 1, 72 cells of up to 41 vertices, 0.3 s.
#pragma once

#include "relutope/domain.hpp"
#include "relutope/network/network.hpp"

#include <gmpxx.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace oracle_nd {

using Q = mpq_class;
using Vec = std::vector<Q>;

/// The half-space a . x + c >= 0.
struct Halfspace {
  Vec a;
  Q c;
  Q at(const Vec& x) const {
    Q v = c;
    for (size_t j = 0; j < a.size(); ++j) v += a[j] * x[j];
    return v;
  }
  bool operator<(const Halfspace& o) const { return a < o.a || (a == o.a && c < o.c); }
  bool operator==(const Halfspace& o) const { return a == o.a && c == o.c; }
};

/// One activation region of the oracle's partition.
struct CellND {
  std::string pattern;             // one bit per neuron of a layer with a kink, layer by layer
  std::vector<Vec> vertices;       // sorted lexicographically, no repeats
  std::vector<Halfspace> facets;   // one inequality per facet, normalised (see normalised())
  Q volume;                        // d-dimensional
  std::vector<Vec> weight;         // #outputs x d: f(x) = weight x + bias on the cell
  Vec bias;
  bool contains(const Vec& x) const {  // the closed cell holds x
    for (const Halfspace& h : facets)
      if (h.at(x) < 0) return false;
    return true;
  }
};

// ---------------------------------------------------------------- the network, exactly

/// An affine map x -> A x + c from R^dim (A: rows of dim entries).
struct Affine {
  std::vector<Vec> A;
  Vec c;
  Q at(size_t i, const Vec& x) const {
    Q v = c[i];
    for (size_t j = 0; j < x.size(); ++j) v += A[i][j] * x[j];
    return v;
  }
};

/// Neurons whose activation has a kink: the length of a pattern.
inline int pattern_length(const relutope::NetworkQ& net) {
  int n = 0;
  for (const relutope::LayerQ& L : net.layers)
    if (L.activation.has_kink()) n += static_cast<int>(L.weight.rows);
  return n;
}

/// The map x -> (pre-activations of `layer`) on a cell whose pattern starts with the bits of
/// the layers before `layer`; with `activated`, the layer's outputs (its own bits applied too,
/// so layer = last gives the network's output map). Recomputed from scratch every time.
inline Affine layer_map(const relutope::NetworkQ& net, size_t layer, const std::string& pattern, bool activated) {
  const size_t d = static_cast<size_t>(net.input_dim);
  Affine h;
  h.A.assign(d, Vec(d, Q(0)));
  h.c.assign(d, Q(0));
  for (size_t i = 0; i < d; ++i) h.A[i][i] = 1;
  size_t bit = 0;
  for (size_t l = 0; l <= layer; ++l) {
    const relutope::LayerQ& L = net.layers[l];
    if (static_cast<size_t>(L.weight.cols) != h.A.size()) throw std::logic_error("oracle_nd: layers do not chain");
    const size_t rows = static_cast<size_t>(L.weight.rows);
    Affine z;
    z.A.assign(rows, Vec(d, Q(0)));
    z.c.assign(rows, Q(0));
    for (size_t i = 0; i < rows; ++i) {
      z.c[i] = L.bias[i];
      for (size_t k = 0; k < h.A.size(); ++k) {
        const Q& w = L.weight(static_cast<long>(i), static_cast<long>(k));
        if (w == 0) continue;
        for (size_t j = 0; j < d; ++j) z.A[i][j] += w * h.A[k][j];
        z.c[i] += w * h.c[k];
      }
    }
    if ((l < layer || activated) && L.activation.has_kink()) {
      const Q below(L.activation.slope_below());  // mpq_class(double) is exact
      for (size_t i = 0; i < rows; ++i, ++bit) {
        if (pattern.at(bit) == '1') continue;
        for (Q& v : z.A[i]) v *= below;
        z.c[i] *= below;
      }
    }
    h = std::move(z);
  }
  return h;
}

/// The network at an exact point: its outputs and its pattern ('1' iff z > 0).
struct PointEvaluation {
  Vec values;
  std::string pattern;
};
inline PointEvaluation evaluate(const relutope::NetworkQ& net, const Vec& x) {
  PointEvaluation e;
  Vec h = x;
  for (const relutope::LayerQ& L : net.layers) {
    Vec z(static_cast<size_t>(L.weight.rows));
    for (long i = 0; i < L.weight.rows; ++i) {
      Q v = L.bias[static_cast<size_t>(i)];
      for (long k = 0; k < L.weight.cols; ++k) v += L.weight(i, k) * h[static_cast<size_t>(k)];
      z[static_cast<size_t>(i)] = v;
    }
    if (L.activation.has_kink()) {
      const Q below(L.activation.slope_below());
      for (Q& v : z) {
        e.pattern += v > 0 ? '1' : '0';
        if (v <= 0) v *= below;
      }
    }
    h = std::move(z);
  }
  e.values = std::move(h);
  return e;
}

// ---------------------------------------------------------------- linear algebra

/// The unique solution of M x = r (M square), or nothing when M is singular.
inline std::optional<Vec> solve(std::vector<Vec> M, Vec r) {
  const size_t n = M.size();
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    while (pivot < n && M[pivot][col] == 0) ++pivot;
    if (pivot == n) return std::nullopt;
    std::swap(M[pivot], M[col]);
    std::swap(r[pivot], r[col]);
    for (size_t i = col + 1; i < n; ++i) {
      if (M[i][col] == 0) continue;
      const Q f = M[i][col] / M[col][col];
      for (size_t j = col; j < n; ++j) M[i][j] -= f * M[col][j];
      r[i] -= f * r[col];
    }
  }
  Vec x(n);
  for (size_t i = n; i-- > 0;) {
    Q v = r[i];
    for (size_t j = i + 1; j < n; ++j) v -= M[i][j] * x[j];
    x[i] = v / M[i][i];
  }
  return x;
}

/// The rank of a set of rows.
inline int rank(std::vector<Vec> rows) {
  int r = 0;
  const size_t cols = rows.empty() ? 0 : rows[0].size();
  for (size_t col = 0; col < cols && static_cast<size_t>(r) < rows.size(); ++col) {
    size_t pivot = static_cast<size_t>(r);
    while (pivot < rows.size() && rows[pivot][col] == 0) ++pivot;
    if (pivot == rows.size()) continue;
    std::swap(rows[pivot], rows[static_cast<size_t>(r)]);
    const Vec& p = rows[static_cast<size_t>(r)];
    for (size_t i = static_cast<size_t>(r) + 1; i < rows.size(); ++i) {
      if (rows[i][col] == 0) continue;
      const Q f = rows[i][col] / p[col];
      for (size_t j = col; j < cols; ++j) rows[i][j] -= f * p[j];
    }
    ++r;
  }
  return r;
}

/// The dimension of the affine hull of points[ids] (-1 for none).
inline int affine_dim(const std::vector<Vec>& points, const std::vector<int>& ids) {
  if (ids.empty()) return -1;
  const Vec& o = points[static_cast<size_t>(ids[0])];
  std::vector<Vec> diffs;
  for (size_t k = 1; k < ids.size(); ++k) {
    Vec v = points[static_cast<size_t>(ids[k])];
    for (size_t j = 0; j < v.size(); ++j) v[j] -= o[j];
    diffs.push_back(std::move(v));
  }
  return rank(std::move(diffs));
}

/// |det| of a square matrix.
inline Q abs_det(std::vector<Vec> M) {
  const size_t n = M.size();
  Q det = 1;
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    while (pivot < n && M[pivot][col] == 0) ++pivot;
    if (pivot == n) return 0;
    std::swap(M[pivot], M[col]);
    det *= M[col][col];
    for (size_t i = col + 1; i < n; ++i) {
      if (M[i][col] == 0) continue;
      const Q f = M[i][col] / M[col][col];
      for (size_t j = col; j < n; ++j) M[i][j] -= f * M[col][j];
    }
  }
  return abs(det);
}

// ---------------------------------------------------------------- polytopes

/// The same half-space with the first nonzero |a_j| scaled to 1, so that equal half-spaces
/// compare equal. \pre a != 0
inline Halfspace normalised(Halfspace h) {
  Q n = 0;
  for (const Q& v : h.a)
    if (v != 0) {
      n = abs(v);
      break;
    }
  if (n == 0) throw std::logic_error("oracle_nd: a half-space with a = 0");
  for (Q& v : h.a) v /= n;
  h.c /= n;
  return h;
}

/// Every vertex of {x : h . x + c >= 0 for all h}, by brute force over the d-subsets of the
/// hyperplanes; sorted, no repeats.
inline std::vector<Vec> vertices(const std::vector<Halfspace>& hs, size_t d) {
  std::set<Vec> found;
  std::vector<size_t> pick(d);
  // Every increasing d-tuple of indices, odometer-style.
  std::function<void(size_t, size_t)> choose = [&](size_t k, size_t from) {
    if (k == d) {
      std::vector<Vec> M;
      Vec r;
      for (size_t i : pick) {
        M.push_back(hs[i].a);
        r.push_back(-hs[i].c);
      }
      const std::optional<Vec> x = solve(std::move(M), std::move(r));
      if (!x) return;
      for (const Halfspace& h : hs)
        if (h.at(*x) < 0) return;
      found.insert(*x);
      return;
    }
    for (size_t i = from; i + (d - k) <= hs.size(); ++i) {
      pick[k] = i;
      choose(k + 1, i + 1);
    }
  };
  choose(0, 0);
  return {found.begin(), found.end()};
}

/// A convex polytope as inequalities and the vertices they give.
struct Polytope {
  std::vector<Halfspace> hs;
  std::vector<Vec> vs;
};

/// The polytope of the inequalities `hs` in R^d, keeping only the facets' inequalities (once
/// each), or nothing if it is not full-dimensional.
inline std::optional<Polytope> make_polytope(std::vector<Halfspace> hs, size_t d) {
  for (Halfspace& h : hs) h = normalised(std::move(h));
  std::sort(hs.begin(), hs.end());
  hs.erase(std::unique(hs.begin(), hs.end()), hs.end());
  Polytope P;
  P.vs = vertices(hs, d);
  std::vector<int> all(P.vs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  if (affine_dim(P.vs, all) != static_cast<int>(d)) return std::nullopt;
  for (Halfspace& h : hs) {
    std::vector<int> tight;
    for (size_t i = 0; i < P.vs.size(); ++i)
      if (h.at(P.vs[i]) == 0) tight.push_back(static_cast<int>(i));
    if (affine_dim(P.vs, tight) == static_cast<int>(d) - 1) P.hs.push_back(std::move(h));
  }
  return P;
}

/// The d-volume of a full-dimensional polytope: the simplices of a pulling triangulation.
inline Q volume(const Polytope& P, size_t d) {
  // tight[i][k]: vertex i lies on the hyperplane of inequality k.
  std::vector<std::vector<bool>> tight(P.vs.size(), std::vector<bool>(P.hs.size()));
  for (size_t i = 0; i < P.vs.size(); ++i)
    for (size_t k = 0; k < P.hs.size(); ++k) tight[i][k] = P.hs[k].at(P.vs[i]) == 0;
  Q sum = 0;
  std::vector<int> apexes;  // the pulled vertices of the enclosing faces
  // face: the vertex ids of a face of dimension dim.
  std::function<void(const std::vector<int>&, int)> pull = [&](const std::vector<int>& face, int dim) {
    if (dim == 0) {  // a simplex: the apexes and this vertex
      const Vec& o = P.vs[static_cast<size_t>(face[0])];
      std::vector<Vec> M;
      for (int id : apexes) {
        Vec v = P.vs[static_cast<size_t>(id)];
        for (size_t j = 0; j < d; ++j) v[j] -= o[j];
        M.push_back(std::move(v));
      }
      sum += abs_det(std::move(M));
      return;
    }
    const int p = face[0];
    std::set<std::vector<int>> seen;
    for (size_t k = 0; k < P.hs.size(); ++k) {
      if (tight[static_cast<size_t>(p)][k]) continue;  // the cone from p over it would be flat
      std::vector<int> sub;
      for (int id : face)
        if (tight[static_cast<size_t>(id)][k]) sub.push_back(id);
      if (static_cast<int>(sub.size()) < dim || !seen.insert(sub).second) continue;
      if (affine_dim(P.vs, sub) != dim - 1) continue;  // not a facet of this face
      apexes.push_back(p);
      pull(sub, dim - 1);
      apexes.pop_back();
    }
  };
  std::vector<int> all(P.vs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  pull(all, static_cast<int>(d));
  Q factorial = 1;
  for (size_t k = 2; k <= d; ++k) factorial *= static_cast<long>(k);
  return sum / factorial;
}

// ---------------------------------------------------------------- the enumeration

/// The partition of the box into activation regions, by per-cell splitting with maps
/// recomputed from scratch. Cells are sorted by pattern.
inline std::vector<CellND> enumerate(const relutope::NetworkQ& net, const relutope::Box& box) {
  const size_t d = static_cast<size_t>(net.input_dim);
  if (d < 1 || d > 4 || static_cast<size_t>(box.dim()) != d) throw std::logic_error("oracle_nd: 1..4 inputs, box of the same dimension");
  if (net.encoding.type != relutope::Encoding::Type::identity) throw std::logic_error("oracle_nd: identity encoding only");
  if (net.layers.empty()) throw std::logic_error("oracle_nd: no layers");

  struct Work {
    Polytope P;
    std::string pattern;
  };
  std::vector<Halfspace> faces;
  for (size_t j = 0; j < d; ++j) {
    if (!(box.lo[j] < box.hi[j])) throw std::logic_error("oracle_nd: empty box");
    Vec e(d, Q(0));
    e[j] = 1;
    faces.push_back({e, -box.lo[j]});  // x_j - lo_j >= 0
    e[j] = -1;
    faces.push_back({e, box.hi[j]});   // hi_j - x_j >= 0
  }
  std::vector<Work> cells{{*make_polytope(faces, d), ""}};

  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!net.layers[l].activation.has_kink()) continue;  // no bits, no cuts
    std::vector<Work> next;
    for (const Work& cell : cells) {
      const Affine z = layer_map(net, l, cell.pattern, false);
      std::vector<Work> parts{cell};
      for (size_t j = 0; j < z.c.size(); ++j) {
        std::vector<Work> split;
        for (Work& part : parts) {
          bool pos = false, neg = false;
          for (const Vec& v : part.P.vs) {
            const int s = sgn(z.at(j, v));
            pos = pos || s > 0;
            neg = neg || s < 0;
          }
          if (!(pos && neg)) {
            split.push_back(std::move(part));
            continue;
          }
          for (int side : {+1, -1}) {
            std::vector<Halfspace> hs = part.P.hs;
            Halfspace cut{z.A[j], z.c[j]};
            for (Q& v : cut.a) v *= side;
            cut.c *= side;
            hs.push_back(std::move(cut));
            std::optional<Polytope> half = make_polytope(std::move(hs), d);
            if (!half) throw std::logic_error("oracle_nd: a crossing neuron left a flat half");
            split.push_back({std::move(*half), part.pattern});
          }
        }
        parts = std::move(split);
      }
      for (Work& part : parts) {  // layer l's bits: '1' iff z > 0 at a vertex (so inside)
        for (size_t j = 0; j < z.c.size(); ++j) {
          bool pos = false;
          for (const Vec& v : part.P.vs) pos = pos || z.at(j, v) > 0;
          part.pattern += pos ? '1' : '0';
        }
        next.push_back(std::move(part));
      }
    }
    cells = std::move(next);
  }

  std::vector<CellND> out;
  for (Work& w : cells) {
    CellND c;
    c.pattern = w.pattern;
    const Affine f = layer_map(net, net.layers.size() - 1, w.pattern, true);
    c.weight = f.A;
    c.bias = f.c;
    c.volume = volume(w.P, d);
    c.vertices = std::move(w.P.vs);
    c.facets = std::move(w.P.hs);
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const CellND& a, const CellND& b) { return a.pattern < b.pattern; });
  return out;
}

/// The box's d-volume, exactly.
inline Q box_volume(const relutope::Box& box) {
  Q v = 1;
  for (size_t j = 0; j < box.lo.size(); ++j) v *= box.hi[j] - box.lo[j];
  return v;
}

}  // namespace oracle_nd
