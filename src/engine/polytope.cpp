#include "engine/polytope.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>

namespace relutope::engine {
namespace {

// Doubles for exact homogeneous coordinates, scaled by one power of two (a positive factor, so
// the point is the same) so that the largest is about 1: each within 2^-52 of its own size.
void approximate_exact(const std::vector<Int>& v, double* out, double& radius) {
  long top = LONG_MIN;
  std::vector<long> exponents(v.size());
  std::vector<double> mantissas(v.size());
  for (size_t k = 0; k < v.size(); ++k) {
    mantissas[k] = mpz_get_d_2exp(&exponents[k], v[k].get_mpz_t());
    if (mantissas[k] != 0) top = std::max(top, exponents[k]);
  }
  double largest = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    out[k] = mantissas[k] == 0 ? 0.0 : std::ldexp(mantissas[k], static_cast<int>(std::max(exponents[k] - top, -2000L)));
    largest = std::max(largest, std::fabs(out[k]));
  }
  // mpz_get_d_2exp truncates (relative error < 2^-52); ldexp is exact unless it underflows.
  radius = largest * 0x1p-51 + 0x1p-1073;
}

}  // namespace

int Clipper::sign(Label label, Vertex& v) const {
  const ApproxVector row = rows_.approximate(label);
  if (const auto s = filtered_dot_sign(row, {v.h, v.radius}, d_ + 1)) {
    ++thread_counts().filtered;
    return *s;
  }
  ++thread_counts().exact;
  return exact_dot_sign(rows_.exact(label), exact(v).data(), d_ + 1);
}

void Clipper::layer_signs(int layer, const RowMatrix& rows, const Eigen::VectorXd& radius, Polytope& p, Eigen::MatrixXi& out) const {
  const Eigen::Index n = rows.rows(), m = static_cast<Eigen::Index>(p.vertices.size()), w = d_ + 1;
  Eigen::MatrixXd h(w, m);
  Eigen::VectorXd nu(m);
  for (Eigen::Index v = 0; v < m; ++v) {
    for (Eigen::Index k = 0; k < w; ++k) h(k, v) = p.vertices[static_cast<size_t>(v)].h[k];
    nu(v) = p.vertices[static_cast<size_t>(v)].radius;
  }
  const Eigen::MatrixXd values = rows * h, products = rows.cwiseAbs() * h.cwiseAbs();
  const Eigen::VectorXd sum_r = rows.cwiseAbs().rowwise().sum();
  const Eigen::RowVectorXd sum_v = h.cwiseAbs().colwise().sum();
  out.resize(n, m);
  long filtered = 0;
  const bool filter = !exact_only();
  for (Eigen::Index v = 0; v < m; ++v)
    for (Eigen::Index j = 0; j < n; ++j) {
      const double value = values(j, v);
      const double bound = dot_error_bound(radius(j), nu(v), sum_r(j), sum_v(v), products(j, v), static_cast<int>(w));
      if (filter && std::fabs(value) > bound && std::isfinite(bound) && std::isfinite(value)) {
        out(j, v) = value > 0 ? 1 : -1;
        ++filtered;
      } else {
        ++thread_counts().exact;
        out(j, v) = exact_dot_sign(rows_.exact(Label{layer, static_cast<int>(j)}), exact(p.vertices[static_cast<size_t>(v)]).data(), d_ + 1);
      }
    }
  thread_counts().filtered += filtered;
}

int Clipper::slope_sign(Label label) const {
  const ApproxVector row = rows_.approximate(label);
  if (!exact_only() && std::fabs(row.value[0]) > row.radius) {
    ++thread_counts().filtered;
    return row.value[0] > 0 ? 1 : -1;
  }
  ++thread_counts().exact;
  return sgn(rows_.exact(label)[0]);
}

const std::vector<Int>& Clipper::exact(Vertex& v) const {
  if (!v.exact) {
    std::vector<const Int*> rows;
    for (int i = 0; i < d_; ++i) rows.push_back(rows_.exact(v.basis[i]));
    v.exact = std::make_shared<const std::vector<Int>>(exact_cofactors(rows, d_));
  }
  return *v.exact;
}

Vertex Clipper::vertex(const Label* basis) const {
  Vertex v;
  std::vector<ApproxVector> rows;
  for (int i = 0; i < d_; ++i) {
    v.basis[i] = basis[i];
    rows.push_back(rows_.approximate(basis[i]));
  }
  if (approximate_cofactors(rows, d_, v.h, v.radius) != 0) {
    ++thread_counts().filtered;
    return v;
  }
  ++thread_counts().exact;  // the orientation of W needs the exact cofactors
  approximate_exact(exact(v), v.h, v.radius);
  return v;
}

// One side of the split: keep = +1 keeps the vertices with sign >= 0, -1 those with sign <= 0.
Polytope Clipper::side(const Polytope& p, Label label, const std::vector<int>& signs, int keep) const {
  const size_t n = p.vertices.size();
  // The facets that keep a (d-1)-dimensional part on this side: those with a vertex strictly on it.
  FacetSet kept;
  for (size_t i = 0; i < n; ++i)
    if (signs[i] * keep > 0) kept |= p.vertices[i].on;
  std::vector<int> index(p.facets.size(), -1);
  Polytope out;
  for (size_t f = 0; f < p.facets.size(); ++f)
    if (kept[f]) {
      index[f] = static_cast<int>(out.facets.size());
      out.facets.push_back(p.facets[f]);
    }
  const int cut = static_cast<int>(out.facets.size());
  if (cut >= max_facets)
    throw std::length_error("an activation region with more than " + std::to_string(max_facets) + " facets");
  out.facets.push_back({label, static_cast<signed char>(keep)});
  auto remap = [&](const FacetSet& on) {
    FacetSet mapped;
    for (size_t f = 0; f < p.facets.size(); ++f)
      if (on[f] && index[f] >= 0) mapped.set(static_cast<size_t>(index[f]));
    return mapped;
  };
  for (size_t i = 0; i < n; ++i) {
    if (signs[i] * keep < 0) continue;
    Vertex v = p.vertices[i];
    v.on = remap(v.on);
    if (signs[i] == 0) v.on.set(static_cast<size_t>(cut));
    out.vertices.push_back(std::move(v));
  }
  // A new vertex where the cut crosses each edge between a positive and a negative vertex. u and
  // w span an edge iff the facets through both meet in a line: at least d - 1 of them, and no
  // other vertex lies on all of them (the combinatorial test of the double description method).
  for (size_t i = 0; i < n; ++i) {
    if (signs[i] <= 0) continue;
    for (size_t k = 0; k < n; ++k) {
      if (signs[k] >= 0) continue;
      const FacetSet common = p.vertices[i].on & p.vertices[k].on;
      if (static_cast<int>(common.count()) < d_ - 1) continue;
      bool edge = true;
      for (size_t w = 0; w < n && edge; ++w)
        if (w != i && w != k && (p.vertices[w].on & common) == common) edge = false;
      if (!edge) continue;
      Label basis[max_engine_dim];
      int chosen = 0;
      std::vector<const Int*> independent;  // only when more than d - 1 facets hold the edge
      const bool check = static_cast<int>(common.count()) > d_ - 1 && d_ >= 4;
      for (size_t f = 0; f < p.facets.size() && chosen < d_ - 1; ++f) {
        if (!common[f]) continue;
        if (check) {
          independent.push_back(rows_.exact(p.facets[f].label));
          if (exact_rank(independent, d_ + 1) < static_cast<int>(independent.size())) {
            independent.pop_back();
            continue;
          }
        }
        basis[chosen++] = p.facets[f].label;
      }
      basis[chosen] = label;
      Vertex v = vertex(basis);
      v.on = remap(common);
      v.on.set(static_cast<size_t>(cut));
      v.extra_zero = p.vertices[i].extra_zero && p.vertices[k].extra_zero;
      out.vertices.push_back(std::move(v));
    }
  }
  return out;
}

std::pair<Polytope, Polytope> Clipper::split(const Polytope& p, Label label, const std::vector<int>& signs) const {
  return {side(p, label, signs, 1), side(p, label, signs, -1)};
}

int Clipper::orientation(Vertex& a, Vertex& b, Vertex& c) const {
  if (const auto s = filtered_det_sign({{a.h, a.radius}, {b.h, b.radius}, {c.h, c.radius}}, 3)) {
    ++thread_counts().filtered;
    return *s;
  }
  ++thread_counts().exact;
  return exact_det_sign({exact(a).data(), exact(b).data(), exact(c).data()}, 3);
}

// sign(x_b - x_a) in 1D: with W > 0 it is the sign of det [[W_a, X_a], [W_b, X_b]] = W_a X_b - X_a W_b.
int Clipper::compare_1d(Vertex& a, Vertex& b) const {
  const double ra[2] = {a.h[1], a.h[0]}, rb[2] = {b.h[1], b.h[0]};
  if (const auto s = filtered_det_sign({{ra, a.radius}, {rb, b.radius}}, 2)) {
    ++thread_counts().filtered;
    return *s;
  }
  ++thread_counts().exact;
  const std::vector<Int>&ea = exact(a), &eb = exact(b);
  return sgn(ea[1] * eb[0] - ea[0] * eb[1]);
}

std::vector<size_t> Clipper::describe(Polytope& p, RegionRecord& record) const {
  std::vector<size_t> order;
  const size_t n = p.vertices.size();
  if (d_ == 1) {
    order = {0, 1};
    if (compare_1d(p.vertices[0], p.vertices[1]) < 0) order = {1, 0};
  } else if (d_ == 2) {
    // Walk the cycle: each vertex of a polygon lies on exactly two edges.
    order.push_back(0);
    FacetSet came;
    for (size_t f = 0; f < p.facets.size(); ++f)
      if (p.vertices[0].on[f]) {
        came.set(f);
        break;
      }
    while (order.size() < n) {
      const Vertex& last = p.vertices[order.back()];
      const FacetSet next_edge = last.on & ~came;
      size_t found = n;
      for (size_t i = 0; i < n && found == n; ++i)
        if (i != order.back() && (p.vertices[i].on & next_edge).any()) found = i;
      if (found == n) throw std::logic_error("describe: a polygon's edges do not close");
      came = next_edge;
      order.push_back(found);
    }
    if (orientation(p.vertices[order[0]], p.vertices[order[1]], p.vertices[order[2]]) < 0) std::reverse(order.begin() + 1, order.end());
  } else {
    for (size_t i = 0; i < n; ++i) order.push_back(i);
  }

  record.dim = d_;
  for (const size_t i : order) {
    const Vertex& v = p.vertices[i];
    for (int k = 0; k < d_; ++k) record.vertices.push_back(v.h[k] / v.h[d_]);
    for (int k = 0; k < d_; ++k) record.vertex_planes.push_back(v.basis[k]);
  }
  auto add_facet = [&](size_t f) {
    record.facet_planes.push_back(p.facets[f].label);
    record.facet_sides.push_back(p.facets[f].side);
    bool degenerate = true;
    for (size_t r = 0; r < n; ++r)
      if (p.vertices[order[r]].on[f]) {
        record.facet_vertices.push_back(static_cast<int>(r));
        degenerate = degenerate && p.vertices[order[r]].extra_zero;
      }
    record.facet_offsets.push_back(static_cast<int>(record.facet_vertices.size()));
    record.facet_degenerate.push_back(degenerate);
  };
  if (d_ == 2) {  // facet r: the edge from vertex r to vertex r + 1
    for (size_t r = 0; r < n; ++r) {
      const FacetSet both = p.vertices[order[r]].on & p.vertices[order[(r + 1) % n]].on;
      for (size_t f = 0; f < p.facets.size(); ++f)
        if (both[f]) {
          add_facet(f);
          break;
        }
    }
    // add_facet lists a facet's vertices in index order; an edge runs from r to r + 1.
    for (size_t r = 0; r < n; ++r) {
      record.facet_vertices[2 * r] = static_cast<int>(r);
      record.facet_vertices[2 * r + 1] = static_cast<int>((r + 1) % n);
    }
  } else {
    for (size_t f = 0; f < p.facets.size(); ++f) add_facet(f);
  }
  return order;
}

void Clipper::add_exact_vertices(Polytope& p, const std::vector<size_t>& order, RegionRecord& record) const {
  for (const size_t i : order) {
    const std::vector<Int>& e = exact(p.vertices[i]);
    VecQ x;
    for (int k = 0; k < d_; ++k) x.push_back(ratio(e[static_cast<size_t>(k)], e[static_cast<size_t>(d_)]));
    record.exact_vertices.push_back(std::move(x));
  }
}

}  // namespace relutope::engine
