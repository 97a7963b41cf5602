// An independent test oracle for the Fourier coefficients of relutope::spectrum.
//
// It shares no code with src/: it reads the public value type Partition (exact vertices and
// exact affine maps of every region; the geometry itself is tested in test_regions.cpp) and
// integrates f(x) exp(-2 pi i k.x) over each region by brute-force Gauss-Legendre quadrature in
// MPFR, with nodes and weights computed here (Newton on the Legendre recurrence):
//   - 1D region [lo, hi], and any straight segment: x = p + t e, t in [0, 1];
//   - 2D region: a fan of triangles from its first vertex, each mapped from the unit square by
//     the Duffy (collapsed) map x = v0 + u (v1 - v0) + u w (v2 - v1), Jacobian u * 2|T|.
// The integrand is entire on each piece: (polynomial of degree <= 2) * exp(i * phase), the phase
// affine in each parameter with span alpha <= max |q.e| over the piece's edges (q = 2 pi k).
//
// Order of the rule. The n-point Gauss-Legendre error on [0, 1] is
//     E_n = (n!)^4 / ((2n + 1) ((2n)!)^3) * F^(2n)(xi),
// and for F = p(t) e^{i alpha t}, deg p <= 2, |F^(2n)| <= alpha^(2n) (|p| + 2n|p'|/alpha +
// 2n^2 |p''|/alpha^2) <= max(alpha, 1)^(2n) (1 + 2n + 2n^2) max(|p|, |p'|, |p''|). So a piece is
// first split into m (1D) or m^2 (2D, congruent sub-triangles) pieces with m = ceil(alpha / 30),
// so that alpha <= 30 on each, and then n is the smallest order for which that bound is below
// 10^-(digits of the working precision - 3): at 192 bits n = 45 for alpha = 30, 32 for
// alpha = 12, 20 for alpha = 2. The tensor-product rule on the Duffy square has the sum of the two 1D errors. The
// first test case also checks the choice empirically: raising every order by 12 changes the
// result by less than 1e-48 relative.
//
// The exact mean (k = 0) is computed separately in GMP rationals: shoelace area and centroid.
#pragma once

#include "relutope/engine/partition.hpp"

#include <gmpxx.h>
#include <mpfr.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace spectrum_oracle {

using Q = mpq_class;

/// Working precision of the oracle (bits).
inline mpfr_prec_t& bits() {
  static mpfr_prec_t b = 192;
  return b;
}

/// An owned mpfr_t.
class Mp {
public:
  mpfr_t v;
  Mp() { mpfr_init2(v, bits()); mpfr_set_zero(v, 1); }
  explicit Mp(mpfr_prec_t p) { mpfr_init2(v, p); mpfr_set_zero(v, 1); }
  Mp(const Mp& o) { mpfr_init2(v, mpfr_get_prec(o.v)); mpfr_set(v, o.v, MPFR_RNDN); }
  Mp(Mp&& o) noexcept { mpfr_init2(v, mpfr_get_prec(o.v)); mpfr_set_zero(v, 1); mpfr_swap(v, o.v); }
  Mp& operator=(const Mp& o) {
    if (this != &o) mpfr_set(v, o.v, MPFR_RNDN);
    return *this;
  }
  Mp& operator=(Mp&& o) noexcept {
    mpfr_swap(v, o.v);
    return *this;
  }
  ~Mp() { mpfr_clear(v); }
  static Mp of(const Q& q) { Mp r; mpfr_set_q(r.v, q.get_mpq_t(), MPFR_RNDN); return r; }
  static Mp of(double d) { Mp r; mpfr_set_d(r.v, d, MPFR_RNDN); return r; }
  double d() const { return mpfr_get_d(v, MPFR_RNDN); }
};

struct Cx {
  Mp re, im;
  double abs() const { return std::hypot(re.d(), im.d()); }
};

inline Mp mp_abs(const Cx& z) {
  Mp r;
  mpfr_hypot(r.v, z.re.v, z.im.v, MPFR_RNDN);
  return r;
}

inline Cx operator+(const Cx& a, const Cx& b) {
  Cx r;
  mpfr_add(r.re.v, a.re.v, b.re.v, MPFR_RNDN);
  mpfr_add(r.im.v, a.im.v, b.im.v, MPFR_RNDN);
  return r;
}

inline Cx operator-(const Cx& a, const Cx& b) {
  Cx r;
  mpfr_sub(r.re.v, a.re.v, b.re.v, MPFR_RNDN);
  mpfr_sub(r.im.v, a.im.v, b.im.v, MPFR_RNDN);
  return r;
}

inline Cx operator*(const Cx& a, const Cx& b) {
  Cx r;
  Mp t;
  mpfr_mul(r.re.v, a.re.v, b.re.v, MPFR_RNDN);
  mpfr_mul(t.v, a.im.v, b.im.v, MPFR_RNDN);
  mpfr_sub(r.re.v, r.re.v, t.v, MPFR_RNDN);
  mpfr_mul(r.im.v, a.re.v, b.im.v, MPFR_RNDN);
  mpfr_mul(t.v, a.im.v, b.re.v, MPFR_RNDN);
  mpfr_add(r.im.v, r.im.v, t.v, MPFR_RNDN);
  return r;
}

inline Cx scale(const Cx& a, const Mp& s) {
  Cx r;
  mpfr_mul(r.re.v, a.re.v, s.v, MPFR_RNDN);
  mpfr_mul(r.im.v, a.im.v, s.v, MPFR_RNDN);
  return r;
}

inline Cx scale(const Cx& a, const Q& s) { return scale(a, Mp::of(s)); }

/// exp(-i phase)
inline Cx expmi(const Mp& phase) {
  Cx r;
  mpfr_sin_cos(r.im.v, r.re.v, phase.v, MPFR_RNDN);
  mpfr_neg(r.im.v, r.im.v, MPFR_RNDN);
  return r;
}

inline Mp two_pi() {
  Mp r;
  mpfr_const_pi(r.v, MPFR_RNDN);
  mpfr_mul_2ui(r.v, r.v, 1, MPFR_RNDN);
  return r;
}

// ------------------------------------------------------------------ Gauss-Legendre on [0, 1]

struct Rule {
  std::vector<Mp> x, w;
};

/// The n-point Gauss-Legendre rule on [0, 1] at bits() precision, computed by Newton's method on
/// P_n (three-term recurrence) at 64 extra bits, started from Tricomi's cos(pi (i + 3/4)/(n + 1/2)).
inline const Rule& gauss_legendre(int n) {
  static std::map<std::pair<int, long>, Rule> cache;
  const auto key = std::make_pair(n, static_cast<long>(bits()));
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  const mpfr_prec_t wp = bits() + 64;
  Rule rule;
  mpfr_t x, p0, p1, p2, dp, dx, t;
  for (mpfr_t* m : {&x, &p0, &p1, &p2, &dp, &dx, &t}) mpfr_init2(*m, wp);
  for (int i = 0; i < n; ++i) {
    mpfr_set_d(x, std::cos(M_PI * (i + 0.75) / (n + 0.5)), MPFR_RNDN);
    int converged = 0;
    for (int iter = 0; iter < 200 && converged < 2; ++iter) {
      // p1 = P_n(x), p0 = P_{n-1}(x)
      mpfr_set_ui(p0, 1, MPFR_RNDN);
      mpfr_set(p1, x, MPFR_RNDN);
      for (int k = 1; k < n; ++k) {  // P_{k+1} = ((2k+1) x P_k - k P_{k-1}) / (k+1)
        mpfr_mul(p2, x, p1, MPFR_RNDN);
        mpfr_mul_ui(p2, p2, static_cast<unsigned long>(2 * k + 1), MPFR_RNDN);
        mpfr_mul_ui(t, p0, static_cast<unsigned long>(k), MPFR_RNDN);
        mpfr_sub(p2, p2, t, MPFR_RNDN);
        mpfr_div_ui(p2, p2, static_cast<unsigned long>(k + 1), MPFR_RNDN);
        mpfr_swap(p0, p1);
        mpfr_swap(p1, p2);
      }
      // P_n' = n (x P_n - P_{n-1}) / (x^2 - 1)
      mpfr_mul(dp, x, p1, MPFR_RNDN);
      mpfr_sub(dp, dp, p0, MPFR_RNDN);
      mpfr_mul_ui(dp, dp, static_cast<unsigned long>(n), MPFR_RNDN);
      mpfr_sqr(t, x, MPFR_RNDN);
      mpfr_sub_ui(t, t, 1, MPFR_RNDN);
      mpfr_div(dp, dp, t, MPFR_RNDN);
      mpfr_div(dx, p1, dp, MPFR_RNDN);
      mpfr_sub(x, x, dx, MPFR_RNDN);
      if (mpfr_zero_p(dx) || mpfr_get_exp(dx) < -static_cast<long>(wp) + 8) ++converged;
    }
    if (converged < 2) throw std::runtime_error("Gauss-Legendre Newton did not converge");
    // weight on [-1,1]: 2 / ((1 - x^2) P_n'(x)^2) (dp from the last iterate, converged)
    Mp node, weight;
    mpfr_sqr(t, x, MPFR_RNDN);
    mpfr_ui_sub(t, 1, t, MPFR_RNDN);
    mpfr_sqr(p2, dp, MPFR_RNDN);
    mpfr_mul(t, t, p2, MPFR_RNDN);
    mpfr_ui_div(t, 2, t, MPFR_RNDN);
    mpfr_div_2ui(weight.v, t, 1, MPFR_RNDN);  // [0,1]: w / 2
    mpfr_add_ui(t, x, 1, MPFR_RNDN);
    mpfr_div_2ui(node.v, t, 1, MPFR_RNDN);    // [0,1]: (1 + x) / 2
    rule.x.push_back(std::move(node));
    rule.w.push_back(std::move(weight));
  }
  for (mpfr_t* m : {&x, &p0, &p1, &p2, &dp, &dx, &t}) mpfr_clear(*m);
  return cache.emplace(key, std::move(rule)).first->second;
}

/// log10 of the error bound of the n-point rule for (quadratic) * exp(i alpha t) on [0, 1].
inline double log10_gl_bound(int n, double alpha) {
  const double a = std::max(alpha, 1.0);
  const double N = n;
  return (4 * std::lgamma(N + 1) - 3 * std::lgamma(2 * N + 1) - std::log(2 * N + 1)) / std::log(10.0) +
         2 * N * std::log10(a) + std::log10(1 + 2 * N + 2 * N * N);
}

/// Extra order added to every rule (the refinement check raises it).
inline int& order_boost() {
  static int b = 0;
  return b;
}

/// The smallest order whose bound is below the working precision (minus 3 digits).
inline int gl_order(double alpha) {
  const double digits = static_cast<double>(bits()) * std::log10(2.0) - 3;
  int n = 2;
  while (log10_gl_bound(n, alpha) > -digits) ++n;
  return n + order_boost();
}

constexpr double max_span = 30;  // phase span per piece after subdivision

// ------------------------------------------------------------------ integrals

using Point = std::vector<Mp>;  // 1 or 2 coordinates

inline Mp dot(const std::vector<Mp>& a, const std::vector<Mp>& b) {
  Mp r, t;
  for (size_t i = 0; i < a.size(); ++i) {
    mpfr_mul(t.v, a[i].v, b[i].v, MPFR_RNDN);
    mpfr_add(r.v, r.v, t.v, MPFR_RNDN);
  }
  return r;
}

inline Point sub(const Point& a, const Point& b) {
  Point r(a.size());
  for (size_t i = 0; i < a.size(); ++i) mpfr_sub(r[i].v, a[i].v, b[i].v, MPFR_RNDN);
  return r;
}

/// a + s * b
inline Point axpy(const Point& a, const Mp& s, const Point& b) {
  Point r(a.size());
  Mp t;
  for (size_t i = 0; i < a.size(); ++i) {
    mpfr_mul(t.v, s.v, b[i].v, MPFR_RNDN);
    mpfr_add(r[i].v, a[i].v, t.v, MPFR_RNDN);
  }
  return r;
}

/// An affine function g(x) = w.x + c.
struct Affine {
  std::vector<Mp> w;
  Mp c;
  Mp at(const Point& x) const {
    Mp r = dot(w, x);
    mpfr_add(r.v, r.v, c.v, MPFR_RNDN);
    return r;
  }
};

/// acc += weight exp(-i phase), in place with the scratch c and s: a quadrature node.
inline void add_expmi(Cx& acc, const Mp& phase, const Mp& weight, Mp& c, Mp& s) {
  mpfr_sin_cos(s.v, c.v, phase.v, MPFR_RNDN);
  mpfr_mul(c.v, c.v, weight.v, MPFR_RNDN);
  mpfr_mul(s.v, s.v, weight.v, MPFR_RNDN);
  mpfr_add(acc.re.v, acc.re.v, c.v, MPFR_RNDN);
  mpfr_sub(acc.im.v, acc.im.v, s.v, MPFR_RNDN);
}

/// integral_0^1 g(p + t e) exp(-i q.(p + t e)) dt (no length factor).
inline Cx segment_integral(const Point& p, const Point& e, const Affine& g, const std::vector<Mp>& q) {
  const double alpha = std::fabs(dot(q, e).d());
  const int m = std::max(1, static_cast<int>(std::ceil(alpha / max_span)));
  const Rule& rule = gauss_legendre(gl_order(alpha / m));
  Cx acc;
  Mp h, phase, val, c, s, t, coef;
  mpfr_set_ui(h.v, 1, MPFR_RNDN);
  mpfr_div_ui(h.v, h.v, static_cast<unsigned long>(m), MPFR_RNDN);
  const Mp qe = dot(q, e), ge = dot(g.w, e);
  for (int piece = 0; piece < m; ++piece) {
    Mp start;
    mpfr_mul_ui(start.v, h.v, static_cast<unsigned long>(piece), MPFR_RNDN);
    const Point p0 = axpy(p, start, e);
    const Mp ph0 = dot(q, p0), g0 = g.at(p0);
    for (size_t j = 0; j < rule.x.size(); ++j) {
      mpfr_mul(t.v, rule.x[j].v, h.v, MPFR_RNDN);  // local t
      mpfr_mul(phase.v, t.v, qe.v, MPFR_RNDN);
      mpfr_add(phase.v, phase.v, ph0.v, MPFR_RNDN);
      mpfr_mul(val.v, t.v, ge.v, MPFR_RNDN);
      mpfr_add(val.v, val.v, g0.v, MPFR_RNDN);
      mpfr_mul(coef.v, val.v, rule.w[j].v, MPFR_RNDN);
      add_expmi(acc, phase, coef, c, s);
    }
  }
  return scale(acc, h);
}

/// integral over the triangle (v0, v1, v2) of g(x) exp(-i q.x) dx, Duffy map, one piece.
inline Cx duffy_piece(const Point& v0, const Point& v1, const Point& v2, const Affine& g, const std::vector<Mp>& q,
                      const Rule& rule) {
  const Point a = sub(v1, v0), b = sub(v2, v1);
  Mp jac, t;
  mpfr_mul(jac.v, a[0].v, b[1].v, MPFR_RNDN);
  mpfr_mul(t.v, a[1].v, b[0].v, MPFR_RNDN);
  mpfr_sub(jac.v, jac.v, t.v, MPFR_RNDN);
  mpfr_abs(jac.v, jac.v, MPFR_RNDN);
  const Mp ph0 = dot(q, v0), pa = dot(q, a), pb = dot(q, b);
  const Mp g0 = g.at(v0), ga = dot(g.w, a), gb = dot(g.w, b);
  const size_t n = rule.x.size();
  // per inner node w_j: phase slope s_j = pa + w_j pb and value slope h_j = ga + w_j gb
  std::vector<Mp> sj(n), hj(n);
  for (size_t j = 0; j < n; ++j) {
    mpfr_mul(t.v, rule.x[j].v, pb.v, MPFR_RNDN);
    mpfr_add(sj[j].v, pa.v, t.v, MPFR_RNDN);
    mpfr_mul(t.v, rule.x[j].v, gb.v, MPFR_RNDN);
    mpfr_add(hj[j].v, ga.v, t.v, MPFR_RNDN);
  }
  Cx acc, inner;
  Mp phase, val, c, s, coef, wu;
  for (size_t i = 0; i < n; ++i) {
    const Mp& u = rule.x[i];
    mpfr_set_zero(inner.re.v, 1);
    mpfr_set_zero(inner.im.v, 1);
    for (size_t j = 0; j < n; ++j) {
      mpfr_mul(phase.v, u.v, sj[j].v, MPFR_RNDN);
      mpfr_add(phase.v, phase.v, ph0.v, MPFR_RNDN);
      mpfr_mul(val.v, u.v, hj[j].v, MPFR_RNDN);
      mpfr_add(val.v, val.v, g0.v, MPFR_RNDN);
      mpfr_mul(coef.v, val.v, rule.w[j].v, MPFR_RNDN);
      add_expmi(inner, phase, coef, c, s);
    }
    mpfr_mul(wu.v, rule.w[i].v, u.v, MPFR_RNDN);  // Duffy Jacobian factor u
    mpfr_mul(c.v, inner.re.v, wu.v, MPFR_RNDN);
    mpfr_add(acc.re.v, acc.re.v, c.v, MPFR_RNDN);
    mpfr_mul(c.v, inner.im.v, wu.v, MPFR_RNDN);
    mpfr_add(acc.im.v, acc.im.v, c.v, MPFR_RNDN);
  }
  return scale(acc, jac);
}

/// integral over the triangle (v0, v1, v2) of g(x) exp(-i q.x) dx: split into m^2 congruent
/// sub-triangles so that every edge's phase span is at most max_span, then Duffy.
inline Cx triangle_integral(const Point& v0, const Point& v1, const Point& v2, const Affine& g,
                            const std::vector<Mp>& q) {
  const Point e1 = sub(v1, v0), e2 = sub(v2, v0), e3 = sub(v2, v1);
  const double alpha = std::max({std::fabs(dot(q, e1).d()), std::fabs(dot(q, e2).d()), std::fabs(dot(q, e3).d())});
  const int m = std::max(1, static_cast<int>(std::ceil(alpha / max_span)));
  const Rule& rule = gauss_legendre(gl_order(alpha / m));
  auto P = [&](int i, int j) {
    Mp si, sj;
    mpfr_set_si(si.v, i, MPFR_RNDN);
    mpfr_div_si(si.v, si.v, m, MPFR_RNDN);
    mpfr_set_si(sj.v, j, MPFR_RNDN);
    mpfr_div_si(sj.v, sj.v, m, MPFR_RNDN);
    return axpy(axpy(v0, si, e1), sj, e2);
  };
  Cx acc;
  for (int i = 0; i < m; ++i)
    for (int j = 0; i + j < m; ++j) {
      acc = acc + duffy_piece(P(i, j), P(i + 1, j), P(i, j + 1), g, q, rule);
      if (i + j < m - 1) acc = acc + duffy_piece(P(i + 1, j), P(i + 1, j + 1), P(i, j + 1), g, q, rule);
    }
  return acc;
}

inline Point point_of(const relutope::VecQ& v) {
  Point p;
  for (const Q& c : v) p.push_back(Mp::of(c));
  return p;
}

inline std::vector<Mp> q_of(const relutope::VecQ& k) {
  std::vector<Mp> q;
  const Mp tp = two_pi();
  for (const Q& c : k) {
    Mp x = Mp::of(c);
    mpfr_mul(x.v, x.v, tp.v, MPFR_RNDN);
    q.push_back(std::move(x));
  }
  return q;
}

/// The region's affine map of output `out` (or the constant 1 if indicator).
inline Affine affine_of(const relutope::Region& region, int dim, int out, bool indicator = false) {
  Affine g;
  for (int j = 0; j < dim; ++j) g.w.push_back(indicator ? Mp() : Mp::of(region.weight(out, j)));
  g.c = indicator ? Mp::of(Q(1)) : Mp::of(region.bias[static_cast<size_t>(out)]);
  return g;
}

/// integral over the region of g exp(-2 pi i k.x) dx (g: output `out`, or 1 if indicator).
inline Cx region_integral(const relutope::Region& region, int dim, int out, const relutope::VecQ& k,
                          bool indicator = false) {
  const Affine g = affine_of(region, dim, out, indicator);
  const std::vector<Mp> q = q_of(k);
  if (dim == 1) {
    const Point lo = point_of(region.vertices.at(0)), hi = point_of(region.vertices.at(1));
    const Point e = sub(hi, lo);
    return scale(segment_integral(lo, e, g, q), e[0]);
  }
  std::vector<Point> v;
  for (const auto& vertex : region.vertices) v.push_back(point_of(vertex));
  Cx acc;
  for (size_t i = 1; i + 1 < v.size(); ++i) acc = acc + triangle_integral(v[0], v[i], v[i + 1], g, q);
  return acc;
}

inline Q volume(const relutope::Box& box) {
  Q v = 1;
  for (int i = 0; i < box.dim(); ++i) v *= box.hi[static_cast<size_t>(i)] - box.lo[static_cast<size_t>(i)];
  return v;
}

/// c(k) by quadrature over the exact regions.
inline Cx coefficient(const relutope::Partition& partition, const relutope::VecQ& k, int out) {
  Cx acc;
  for (const auto& region : partition.regions) acc = acc + region_integral(region, partition.dim, out, k);
  return scale(acc, Q(1 / volume(partition.domain)));
}

// ------------------------------------------------------------------ Lemma 1 by quadrature

/// Closed integral over the domain's boundary of f exp(-i q.x) (q.n) ds, by quadrature along the
/// region edges that lie on the boundary (n the outward normal).
inline Cx boundary_integral(const relutope::Partition& partition, const relutope::VecQ& k, int out) {
  const std::vector<Mp> q = q_of(k);
  const relutope::Box& D = partition.domain;
  Cx acc;
  for (const auto& region : partition.regions) {
    const Affine g = affine_of(region, partition.dim, out);
    if (partition.dim == 1) {
      // (q.n) f e^{-iqx} at the two ends: n = +1 at hi, -1 at lo
      for (int end = 0; end < 2; ++end) {
        const Q& x = region.vertices[static_cast<size_t>(end)][0];
        if (x != (end == 0 ? D.lo[0] : D.hi[0])) continue;
        const Point p = point_of({x});
        Mp phase = dot(q, p), val = g.at(p);
        mpfr_mul(val.v, val.v, q[0].v, MPFR_RNDN);
        if (end == 0) mpfr_neg(val.v, val.v, MPFR_RNDN);
        acc = acc + scale(expmi(phase), val);
      }
      continue;
    }
    const size_t nv = region.vertices.size();
    for (size_t i = 0; i < nv; ++i) {
      const relutope::VecQ& a = region.vertices[i];
      const relutope::VecQ& b = region.vertices[(i + 1) % nv];
      for (int axis = 0; axis < 2; ++axis)
        for (int side = 0; side < 2; ++side) {
          const Q& wall = side == 0 ? D.lo[static_cast<size_t>(axis)] : D.hi[static_cast<size_t>(axis)];
          if (a[static_cast<size_t>(axis)] != wall || b[static_cast<size_t>(axis)] != wall) continue;
          // edge on the wall x_axis = wall; outward normal +-e_axis; ds = |b - a| dt
          const Point pa = point_of(a), e = sub(point_of(b), pa);
          Mp len;
          mpfr_hypot(len.v, e[0].v, e[1].v, MPFR_RNDN);
          Mp qn = q[static_cast<size_t>(axis)];
          if (side == 0) mpfr_neg(qn.v, qn.v, MPFR_RNDN);
          mpfr_mul(qn.v, qn.v, len.v, MPFR_RNDN);
          acc = acc + scale(segment_integral(pa, e, g, q), qn);
        }
    }
  }
  return acc;
}

/// Lemma 1 evaluated from quadratures: (i/|q|^2) [boundary] + sign * (i/|q|^2) sum_e (W_e.q)
/// 1~_{P_e}(q), divided by vol D. sign = -1 is the prefactor -i of DESIGN §5; +1 the paper's +i.
inline Cx lemma1_by_quadrature(const relutope::Partition& partition, const relutope::VecQ& k, int out, int sign) {
  const std::vector<Mp> q = q_of(k);
  Mp q2 = dot(q, q);
  Cx regions_sum;
  for (const auto& region : partition.regions) {
    const Affine g = affine_of(region, partition.dim, out);
    const Cx ind = region_integral(region, partition.dim, out, k, true);
    regions_sum = regions_sum + scale(ind, dot(g.w, q));
  }
  Cx bracket = boundary_integral(partition, k, out);
  if (sign < 0)
    bracket = bracket - regions_sum;
  else
    bracket = bracket + regions_sum;
  // times i / |q|^2: (a + ib) i = -b + ia
  Cx r;
  mpfr_div(r.re.v, bracket.im.v, q2.v, MPFR_RNDN);
  mpfr_neg(r.re.v, r.re.v, MPFR_RNDN);
  mpfr_div(r.im.v, bracket.re.v, q2.v, MPFR_RNDN);
  return scale(r, Q(1 / volume(partition.domain)));
}

// ------------------------------------------------------------------ the exact mean

/// (1/vol D) * integral of f_out over D, exactly: per region, length * f(midpoint) (1D) or
/// shoelace area * f(centroid) (2D), in GMP rationals.
inline Q exact_mean(const relutope::Partition& partition, int out) {
  Q total = 0;
  for (const auto& region : partition.regions) {
    const auto& W = region.weight;
    const Q& b = region.bias[static_cast<size_t>(out)];
    if (partition.dim == 1) {
      const Q lo = region.vertices[0][0], hi = region.vertices[1][0];
      total += (hi - lo) * (W(out, 0) * (lo + hi) / 2 + b);
      continue;
    }
    const size_t n = region.vertices.size();
    Q twice_area = 0, mx = 0, my = 0;  // mx = sum (x_i + x_{i+1}) cross_i = 6 A cx
    for (size_t i = 0; i < n; ++i) {
      const auto& p = region.vertices[i];
      const auto& r = region.vertices[(i + 1) % n];
      const Q cross = p[0] * r[1] - r[0] * p[1];
      twice_area += cross;
      mx += (p[0] + r[0]) * cross;
      my += (p[1] + r[1]) * cross;
    }
    // integral of w.x + b = w . (A c) + b A, A c = (mx, my) / 6
    total += (W(out, 0) * mx + W(out, 1) * my) / 6 + b * twice_area / 2;
  }
  Q mean = total / volume(partition.domain);
  mean.canonicalize();
  return mean;
}

// ------------------------------------------------------------------ reading the library's values

/// A library coefficient read back: value parsed with mpfr_set_str from its decimal strings.
struct Read {
  Cx value;
  bool ok = false;  // both strings parsed completely
};

inline Read read(const std::string& re, const std::string& im) {
  Read r;
  const int a = mpfr_set_str(r.value.re.v, re.c_str(), 10, MPFR_RNDN);
  const int b = mpfr_set_str(r.value.im.v, im.c_str(), 10, MPFR_RNDN);
  r.ok = a == 0 && b == 0;
  return r;
}

/// Digits of agreement: -log10(|a - b| / |ref|) (200 if equal; -inf-ish if ref is 0 and a != b).
inline double agreement_digits(const Cx& a, const Cx& b, const Cx& ref) {
  const Cx d = a - b;
  Mp num = mp_abs(d), den = mp_abs(ref);
  if (mpfr_zero_p(num.v)) return 200;
  if (mpfr_zero_p(den.v)) return -400;
  Mp l;
  mpfr_div(l.v, num.v, den.v, MPFR_RNDN);
  mpfr_log10(l.v, l.v, MPFR_RNDN);
  return -l.d();
}

}  // namespace spectrum_oracle
