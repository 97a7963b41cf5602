#include "relutope/spectrum/spectrum.hpp"

#include "spectrum/ball.hpp"
#include "spectrum/coefficient.hpp"
#include "spectrum/edge_form.hpp"
#include "spectrum/edge_kernel.hpp"
#include "relutope/error.hpp"

#include <arb.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

namespace relutope::internal {

// Small |d| (< 1/64): the Taylor series E1 = sum d^m/(m+1)!, E00 = sum d^m/(m+2)!,
// E11 = sum (m+1) d^m/(m+2)!, with the omitted terms' bound in the radius; else the closed forms
// (e^d - 1)/d, (e^d - 1 - d)/d^2, (d e^d - e^d + 1)/d^2, which lose nothing there.
EdgeKernel edge_kernel(const Ball& d, const Ball& exp_d, slong prec) {
  EdgeKernel k;
  mag_t rho, tail;
  mag_init(rho);
  mag_init(tail);
  acb_get_mag(rho, d.get());
  if (mag_cmp_2exp_si(rho, -6) < 0) {  // the closed forms lose at most 2 log2(1/|d|) = 12 bits above this
    // Every omitted term, |d|^m/(m+1)! at most, so for m > M they sum to at most
    // rho^(M+1)/(M+2)! / (1 - rho) <= 2 rho^(M+1)/(M+2)!: in mag_t arithmetic (rounded up, and
    // with an exponent range no precision underflows, unlike doubles).
    mag_set(tail, rho);  // M = 0
    int M = 0;
    while (mag_cmp_2exp_si(tail, -(prec + 8)) > 0) {
      ++M;
      mag_mul(tail, tail, rho);
      mag_div_ui(tail, tail, static_cast<ulong>(M + 2));
    }
    Ball power, term;
    acb_one(power.get());
    arb_t f1, f2;  // 1/(m+1)!, 1/(m+2)!
    arb_init(f1);
    arb_init(f2);
    arb_one(f1);
    arb_set_ui(f2, 2);
    arb_inv(f2, f2, prec);
    for (int i = 0; i <= M; ++i) {
      acb_mul_arb(term.get(), power.get(), f1, prec);
      acb_add(k.e1.get(), k.e1.get(), term.get(), prec);
      acb_mul_arb(term.get(), power.get(), f2, prec);
      acb_add(k.e00.get(), k.e00.get(), term.get(), prec);
      acb_mul_ui(term.get(), term.get(), static_cast<ulong>(i + 1), prec);
      acb_add(k.e11.get(), k.e11.get(), term.get(), prec);
      acb_mul(power.get(), power.get(), d.get(), prec);
      arb_div_ui(f1, f1, static_cast<ulong>(i + 2), prec);
      arb_div_ui(f2, f2, static_cast<ulong>(i + 3), prec);
    }
    arb_clear(f1);
    arb_clear(f2);
    acb_add_error_mag(k.e1.get(), tail);
    acb_add_error_mag(k.e00.get(), tail);
    acb_add_error_mag(k.e11.get(), tail);
  } else {
    Ball d2, t;
    acb_mul(d2.get(), d.get(), d.get(), prec);
    acb_sub_ui(t.get(), exp_d.get(), 1, prec);  // e^d - 1
    acb_div(k.e1.get(), t.get(), d.get(), prec);
    acb_sub(k.e00.get(), t.get(), d.get(), prec);
    acb_div(k.e00.get(), k.e00.get(), d2.get(), prec);
    acb_mul(k.e11.get(), d.get(), exp_d.get(), prec);
    acb_sub(k.e11.get(), k.e11.get(), t.get(), prec);
    acb_div(k.e11.get(), k.e11.get(), d2.get(), prec);
  }
  mag_clear(rho);
  mag_clear(tail);
  return k;
}

}  // namespace relutope::internal

namespace relutope {
namespace {

using internal::Ball;
using internal::edge_kernel;
using internal::EdgeKernel;
using internal::set_rational;

Ball real_ball(const Rational& q, slong prec) {
  Ball b;
  set_rational(acb_realref(b.get()), q, prec);
  return b;
}

// The partition as the transforms need it, converted to balls once for all frequencies.
// A 1D region is one "edge" from lo to hi.
struct Prepared {
  struct Edge {
    int a = 0, b = 0;               // vertex ids, in the region's counter-clockwise order
    Ball ex, ey;                    // b - a
    std::vector<Ball> outward;      // on the domain's boundary: (n_x, n_y) times the piece's
                                    // length (2D), or the signed normals at lo and hi (1D)
  };
  struct Piece {
    std::vector<Edge> edges;
    std::vector<std::vector<Ball>> values;  // [out][vertex]: f_out at the region's vertices
    std::vector<std::vector<Ball>> weight;  // [out][axis]
  };
  int dim = 0, outputs = 0;
  std::vector<std::vector<Ball>> vertex;    // [id][axis]
  std::vector<Piece> pieces;
};

Prepared prepare(const Partition& partition, slong prec) {
  Prepared p;
  p.dim = partition.dim;
  p.outputs = output_count(partition);
  std::map<VecQ, int> ids;
  auto id_of = [&](const VecQ& v) {
    const auto [it, fresh] = ids.emplace(v, static_cast<int>(p.vertex.size()));
    if (fresh) {
      std::vector<Ball> coords;
      for (const Rational& c : v) coords.push_back(real_ball(c, prec));
      p.vertex.push_back(std::move(coords));
    }
    return it->second;
  };
  const Box& box = partition.domain;
  for (const Region& region : partition.regions) {
    Prepared::Piece piece;
    const auto& v = region.vertices;
    const size_t n = p.dim == 1 ? 1 : v.size();
    for (size_t j = 0; j < n; ++j) {
      const VecQ& a = v[j];
      const VecQ& b = v[(j + 1) % v.size()];
      Prepared::Edge edge;
      edge.a = id_of(a);
      edge.b = id_of(b);
      edge.ex = real_ball(b[0] - a[0], prec);
      if (p.dim == 1) {
        edge.outward = {real_ball(a[0] == box.lo[0] ? -1 : 0, prec), real_ball(b[0] == box.hi[0] ? 1 : 0, prec)};
      } else {
        edge.ey = real_ball(b[1] - a[1], prec);
        if (const auto face = face_containing(box, a, b)) {
          const auto [axis, side] = *face;
          const size_t ax = static_cast<size_t>(axis);
          const Rational length = side * abs(b[1 - ax] - a[1 - ax]);
          edge.outward = {real_ball(axis == 0 ? length : Rational(0), prec), real_ball(axis == 1 ? length : Rational(0), prec)};
        }
      }
      piece.edges.push_back(std::move(edge));
    }
    piece.values.resize(static_cast<size_t>(p.outputs));
    piece.weight.resize(static_cast<size_t>(p.outputs));
    for (int o = 0; o < p.outputs; ++o) {
      for (const VecQ& x : v) piece.values[static_cast<size_t>(o)].push_back(real_ball(affine_value(region, o, x), prec));
      for (int axis = 0; axis < p.dim; ++axis) piece.weight[static_cast<size_t>(o)].push_back(real_ball(region.weight(o, axis), prec));
    }
    p.pieces.push_back(std::move(piece));
  }
  return p;
}

// For one frequency k (q = 2 pi k != 0), from the regions' edges:
// - per region, the integrals of f_out e^{-iq.x} (route A) and of e^{-iq.x}, and W_e . k;
// - the domain-boundary integral of f_out e^{-iq.x} (k.n) ds (route B).
// In 2D, by the divergence theorem (DESIGN §5), with z_v = e^{-iq.v} and d_j = -iq.e_j:
//   integral of e^{-iq.x} = (i / (2 pi |k|^2)) S_1,  S_1 = sum_j cross(k, e_j) z_a E[0, d_j],
//   integral of g e^{-iq.x} = (i / (2 pi |k|^2)) S_g - (w.k) (i / (2 pi |k|^2))^2 S_1,
//   S_g = sum_j cross(k, e_j) z_a (g_a E[0,0,d_j] + g_b E[0,d_j,d_j]).
// In 1D the interval [a, b] of length h gives h z_a E[0, d] and h z_a (g_a E[0,0,d] + g_b E[0,d,d]).
struct Transforms {
  std::vector<std::vector<Ball>> region_integral;  // [region][out]
  std::vector<Ball> indicator;                     // [region]
  std::vector<Ball> weight_dot_k;                  // [region * outputs + out]
  std::vector<Ball> boundary;                      // [out]
};

Transforms transforms(const Prepared& p, const VecQ& k, slong prec) {
  Transforms t;
  std::vector<Ball> kb;
  for (const Rational& c : k) kb.push_back(real_ball(c, prec));
  arb_t two_pi, phase, sine, cosine;
  arb_init(two_pi);
  arb_init(phase);
  arb_init(sine);
  arb_init(cosine);
  arb_const_pi(two_pi, prec);
  arb_mul_2exp_si(two_pi, two_pi, 1);
  std::vector<Ball> z(p.vertex.size());  // e^{-2 pi i k.v}
  for (size_t v = 0; v < p.vertex.size(); ++v) {
    arb_zero(phase);
    for (int i = 0; i < p.dim; ++i)
      arb_addmul(phase, acb_realref(kb[static_cast<size_t>(i)].get()), acb_realref(p.vertex[v][static_cast<size_t>(i)].get()), prec);
    arb_mul_2exp_si(phase, phase, 1);
    arb_sin_cos_pi(sine, cosine, phase, prec);
    arb_set(acb_realref(z[v].get()), cosine);
    arb_neg(acb_imagref(z[v].get()), sine);
  }
  Ball scale;  // i / (2 pi |k|^2)
  for (const Ball& kc : kb) acb_addmul(scale.get(), kc.get(), kc.get(), prec);
  acb_mul_arb(scale.get(), scale.get(), two_pi, prec);
  acb_inv(scale.get(), scale.get(), prec);
  acb_mul_onei(scale.get(), scale.get());
  Ball scale2;
  acb_mul(scale2.get(), scale.get(), scale.get(), prec);

  const size_t outputs = static_cast<size_t>(p.outputs);
  t.boundary.resize(outputs);
  for (const Prepared::Piece& piece : p.pieces) {
    std::vector<Ball> sum_g(outputs);
    Ball sum_1;
    const size_t n = piece.edges.size();
    for (size_t j = 0; j < n; ++j) {
      const Prepared::Edge& e = piece.edges[j];
      const acb_srcptr za = z[static_cast<size_t>(e.a)].get(), zb = z[static_cast<size_t>(e.b)].get();
      Ball d, exp_d, cross;
      acb_mul(d.get(), kb[0].get(), e.ex.get(), prec);
      if (p.dim == 2) acb_addmul(d.get(), kb[1].get(), e.ey.get(), prec);
      acb_mul_arb(d.get(), d.get(), two_pi, prec);
      acb_div_onei(d.get(), d.get());  // -i 2 pi k.e
      acb_conj(exp_d.get(), za);
      acb_mul(exp_d.get(), exp_d.get(), zb, prec);  // e^d = z_b / z_a, |z_a| = 1
      const EdgeKernel kernel = edge_kernel(d, exp_d, prec);
      if (p.dim == 1) {
        acb_set(cross.get(), e.ex.get());  // the interval's length
      } else {
        Ball other;
        acb_mul(cross.get(), kb[0].get(), e.ey.get(), prec);
        acb_mul(other.get(), kb[1].get(), e.ex.get(), prec);
        acb_sub(cross.get(), cross.get(), other.get(), prec);
      }
      Ball term;
      acb_mul(term.get(), za, kernel.e1.get(), prec);
      acb_addmul(sum_1.get(), cross.get(), term.get(), prec);
      const size_t next = p.dim == 1 ? 1 : (j + 1) % n;
      for (size_t o = 0; o < outputs; ++o) {
        const auto& g = piece.values[o];
        acb_mul(term.get(), g[j].get(), kernel.e00.get(), prec);
        acb_addmul(term.get(), g[next].get(), kernel.e11.get(), prec);
        acb_mul(term.get(), term.get(), za, prec);  // the edge's integral of g e^{-iq.x}, per unit length
        acb_addmul(sum_g[o].get(), cross.get(), term.get(), prec);
        if (e.outward.empty()) continue;
        Ball k_dot_n;
        if (p.dim == 2) {
          acb_mul(k_dot_n.get(), kb[0].get(), e.outward[0].get(), prec);
          acb_addmul(k_dot_n.get(), kb[1].get(), e.outward[1].get(), prec);
          acb_addmul(t.boundary[o].get(), k_dot_n.get(), term.get(), prec);
        } else {  // the ends: (k.n) f(end) e^{-iq.end}
          Ball end;
          acb_mul(end.get(), g[0].get(), za, prec);
          acb_mul(end.get(), end.get(), e.outward[0].get(), prec);
          acb_addmul(t.boundary[o].get(), end.get(), kb[0].get(), prec);
          acb_mul(end.get(), g[1].get(), zb, prec);
          acb_mul(end.get(), end.get(), e.outward[1].get(), prec);
          acb_addmul(t.boundary[o].get(), end.get(), kb[0].get(), prec);
        }
      }
    }
    std::vector<Ball> integral(outputs);
    for (size_t o = 0; o < outputs; ++o) {
      Ball wk;
      for (int axis = 0; axis < p.dim; ++axis)
        acb_addmul(wk.get(), piece.weight[o][static_cast<size_t>(axis)].get(), kb[static_cast<size_t>(axis)].get(), prec);
      if (p.dim == 1) {
        integral[o] = sum_g[o];
      } else {
        Ball extra;
        acb_mul(integral[o].get(), scale.get(), sum_g[o].get(), prec);
        acb_mul(extra.get(), scale2.get(), wk.get(), prec);
        acb_submul(integral[o].get(), extra.get(), sum_1.get(), prec);
      }
      t.weight_dot_k.push_back(wk);
    }
    Ball indicator = sum_1;
    if (p.dim == 2) acb_mul(indicator.get(), scale.get(), sum_1.get(), prec);
    t.indicator.push_back(indicator);
    t.region_integral.push_back(std::move(integral));
  }
  arb_clear(two_pi);
  arb_clear(phase);
  arb_clear(sine);
  arb_clear(cosine);
  return t;
}

Rational squared_norm(const VecQ& k) {
  Rational s = 0;
  for (const Rational& c : k) s += c * c;
  return s;
}

// i / (2 pi |k|^2): Lemma 1's prefactor once q = 2 pi k is factored into k.n and W.k.
Ball lemma1_prefactor(const VecQ& k, slong prec) {
  Ball f;
  arb_const_pi(acb_imagref(f.get()), prec);
  arb_mul_2exp_si(acb_imagref(f.get()), acb_imagref(f.get()), 1);
  arb_t n2;
  arb_init(n2);
  set_rational(n2, squared_norm(k), prec);
  arb_mul(acb_imagref(f.get()), acb_imagref(f.get()), n2, prec);
  arb_inv(acb_imagref(f.get()), acb_imagref(f.get()), prec);
  arb_clear(n2);
  return f;
}

// Sums pairwise: one by one, every addition would pay for the common denominator of all the
// terms so far (the mean of a trained network has about 10^5 digits).
Rational tree_sum(std::vector<Rational> terms) {
  if (terms.empty()) return 0;
  for (size_t n = terms.size(); n > 1; n = (n + 1) / 2) {
    for (size_t i = 0; i < n / 2; ++i) terms[i] = terms[2 * i] + terms[2 * i + 1];
    if (n % 2 == 1) terms[n / 2] = std::move(terms[n - 1]);
  }
  return terms[0];
}

// The exact means of every output: per region, its measure and first moments (the shoelace
// formulas), dotted with the region's affine map.
std::vector<Rational> means(const Partition& partition) {
  const size_t outputs = static_cast<size_t>(output_count(partition));
  std::vector<std::vector<Rational>> terms(outputs);
  for (const Region& region : partition.regions) {
    const auto& v = region.vertices;
    Rational measure, mx, my;  // integrals of 1, x, y over the region
    if (partition.dim == 1) {
      measure = v[1][0] - v[0][0];
      mx = (v[1][0] * v[1][0] - v[0][0] * v[0][0]) / 2;
    } else {
      for (size_t j = 0; j < v.size(); ++j) {
        const VecQ& a = v[j];
        const VecQ& b = v[(j + 1) % v.size()];
        const Rational cross = a[0] * b[1] - b[0] * a[1];
        measure += cross;
        mx += (a[0] + b[0]) * cross;
        my += (a[1] + b[1]) * cross;
      }
      measure /= 2;
      mx /= 6;
      my /= 6;
    }
    for (size_t o = 0; o < outputs; ++o) {
      const auto out = static_cast<Eigen::Index>(o);
      Rational term = region.bias[o] * measure + region.weight(out, 0) * mx;
      if (partition.dim == 2) term += region.weight(out, 1) * my;
      terms[o].push_back(std::move(term));
    }
  }
  std::vector<Rational> result;
  const Rational vol = partition.domain.volume();
  for (auto& t : terms) result.push_back(tree_sum(std::move(t)) / vol);
  return result;
}

// The edge forms divide by |q|^2 twice, so as k -> 0 they cancel about 2 log2(1 / (|k| diam D))
// bits: work with that many more, so that c(k) keeps the requested precision all the way to
// the (exact) mean.
// |k|^2 diam(D)^2, exactly: doubles would underflow for tiny k. Below 1, the edge forms' 1/|q|^2
// cancels digits.
Rational scaled_frequency(const Partition& partition, const VecQ& k) {
  Rational squared = 0;
  for (int i = 0; i < partition.dim; ++i) {
    const size_t ii = static_cast<size_t>(i);
    squared += (partition.domain.hi[ii] - partition.domain.lo[ii]) * (partition.domain.hi[ii] - partition.domain.lo[ii]);
  }
  return squared * squared_norm(k);
}

slong working_precision(const Partition& partition, const VecQ& k, slong prec) {
  const Rational squared = scaled_frequency(partition, k);
  if (squared == 0 || squared >= 1) return prec;
  // log2(1 / scale^2) from the sizes of numerator and denominator, within one bit
  const long log2_inverse = static_cast<long>(mpz_sizeinbase(squared.get_den_mpz_t(), 2)) -
                            static_cast<long>(mpz_sizeinbase(squared.get_num_mpz_t(), 2)) + 1;
  const slong extra = log2_inverse + 16;
  return prec + std::min<slong>((extra + 31) / 32 * 32, 16384);  // a few distinct precisions only
}

// The significant digits that `bits` of precision can hold: the cap on every claim.
int digits_of(slong bits) { return static_cast<int>(std::floor(static_cast<double>(bits) * std::log10(2.0))); }

// s 10^e in scientific notation, "-1.25e-3"; "0e-3" for s = 0.
std::string scientific(const mpz_class& s, long e) {
  std::string digits = mpz_class(abs(s)).get_str();
  const long exponent = e + static_cast<long>(digits.size()) - 1;
  if (digits.size() > 1) digits.insert(1, ".");
  return (s < 0 ? "-" : "") + digits + (exponent < 0 ? "e-" : "e+") + std::to_string(std::labs(exponent));
}

// The decimal strings of c = mid +- rad (per part: real, imaginary; integers over one
// denominator den > 0) as spectrum.hpp defines them: both to the finest common place 10^e at
// which each is within one unit of every value of its part, |string - mid| + rad < 10^e (a
// faithful rounding), with at most max_digits significant digits in the larger. The rounding
// of the output is counted, not assumed.
struct Decimals {
  std::string re, im;
  int digits = 0;
};
Decimals certified_decimals(const std::array<mpz_class, 2>& mid, const std::array<mpz_class, 2>& rad, const mpz_class& den,
                            int max_digits) {
  auto is_zero = [&](size_t i) { return mid[i] == 0 && rad[i] == 0; };
  if (is_zero(0) && is_zero(1)) return {"0", "0", max_digits};
  const mpz_class larger = std::max(mpz_class(abs(mid[0])), mpz_class(abs(mid[1]))), radius = std::max(rad[0], rad[1]);
  // The first candidate: max_digits below the leading digit, and above the radius (10^e > rad).
  long e = larger != 0 ? decimal_exponent(ratio(larger, den)) - max_digits + 1 : std::numeric_limits<long>::min();
  if (radius != 0) e = std::max(e, decimal_exponent(ratio(radius, den)) + 1);
  for (;; ++e) {
    mpz_class up = 1, down = 1;  // 10^e = up / down; in units of 1 / (den down), 10^e = up den
    mpz_ui_pow_ui((e >= 0 ? up : down).get_mpz_t(), 10, static_cast<unsigned long>(std::labs(e)));
    const mpz_class unit = up * den;
    std::array<mpz_class, 2> s;
    bool faithful = true;
    for (size_t i = 0; i < 2; ++i) {
      const mpz_class m = mid[i] * down;
      mpz_fdiv_q(s[i].get_mpz_t(), mpz_class(2 * m + unit).get_mpz_t(), mpz_class(2 * unit).get_mpz_t());  // nearest
      faithful = faithful && abs(s[i] * unit - m) + rad[i] * down < unit;
    }
    const mpz_class top = std::max(mpz_class(abs(s[0])), mpz_class(abs(s[1])));
    const int digits = top == 0 ? 0 : static_cast<int>(top.get_str().size());
    if (faithful && digits <= max_digits)
      return {is_zero(0) ? "0" : scientific(s[0], e), is_zero(1) ? "0" : scientific(s[1], e), digits};
  }
}

// An Arb number as mantissa 2^exponent.
std::pair<mpz_class, slong> dyadic(const arf_t x) {
  fmpz_t m, e;
  fmpz_init(m);
  fmpz_init(e);
  arf_get_fmpz_2exp(m, e, x);
  std::pair<mpz_class, slong> d;
  fmpz_get_mpz(d.first.get_mpz_t(), m);
  d.second = fmpz_get_si(e);  // fits: no ball of a spectrum comes near 2^(2^63)
  fmpz_clear(m);
  fmpz_clear(e);
  return d;
}

std::pair<mpz_class, slong> dyadic(const mag_t x) {
  arf_t a;
  arf_init(a);
  arf_set_mag(a, x);
  auto d = dyadic(a);
  arf_clear(a);
  return d;
}

}  // namespace

Coefficient internal::to_coefficient(const VecQ& k, int out, const acb_t value, slong prec) {
  Coefficient c;
  c.k = k;
  c.out = out;
  c.re_double = arf_get_d(arb_midref(acb_realref(value)), ARF_RND_NEAR);
  c.im_double = arf_get_d(arb_midref(acb_imagref(value)), ARF_RND_NEAR);
  c.abs = std::hypot(c.re_double, c.im_double);
  if (!acb_is_finite(value)) {  // nothing certified, nothing to print
    c.re = c.im = "nan";
    return c;
  }
  // midpoints and radii as integers over one power of two
  const std::array<std::pair<mpz_class, slong>, 4> parts = {
      dyadic(arb_midref(acb_realref(value))), dyadic(arb_midref(acb_imagref(value))),
      dyadic(arb_radref(acb_realref(value))), dyadic(arb_radref(acb_imagref(value)))};
  slong low = 0;
  for (const auto& [mantissa, exponent] : parts)
    if (mantissa != 0) low = std::min(low, exponent);
  std::array<mpz_class, 4> n;
  for (size_t i = 0; i < 4; ++i) n[i] = parts[i].first << static_cast<mp_bitcnt_t>(parts[i].second - low);
  const Decimals d = certified_decimals({n[0], n[1]}, {n[2], n[3]}, mpz_class(1) << static_cast<mp_bitcnt_t>(-low),
                                        digits_of(prec));
  c.re = d.re;
  c.im = d.im;
  c.certified_digits = d.digits;
  return c;
}

namespace {

using internal::to_coefficient;

// k = 0: the mean, exact, with its decimal digits to the working precision.
Coefficient exact_coefficient(const VecQ& k, int out, const Rational& mean, slong prec) {
  Coefficient c;
  c.k = k;
  c.out = out;
  c.exact = true;
  c.mean = mean.get_str();
  c.bits = static_cast<int>(prec);
  const Decimals d = certified_decimals({mean.get_num(), 0}, {0, 0}, mean.get_den(), digits_of(prec));
  c.re = d.re;
  c.im = d.im;
  c.certified_digits = d.digits;
  c.re_double = to_double(mean);
  c.abs = std::fabs(c.re_double);
  return c;
}

void check_options(const Partition& partition, const std::vector<VecQ>& frequencies, long precision) {
  if (precision < 32 || precision > 4096) throw InputError("--precision", "must lie in 32..4096 bits");
  for (const VecQ& k : frequencies)
    if (static_cast<int>(k.size()) != partition.dim)
      throw InputError("--freq", "a frequency has " + std::to_string(k.size()) + " entries, the domain " +
                                     std::to_string(partition.dim) + " dimensions");
}

}  // namespace

void check_output(const Partition& partition, int out) {
  const int outputs = output_count(partition);
  if (out < 0 || out >= outputs)
    throw InputError("--output", "output " + std::to_string(out) + " does not exist: the network has " +
                                     std::to_string(outputs));
}

std::vector<Coefficient> spectrum(const Partition& partition, const std::vector<VecQ>& frequencies,
                                  const SpectrumOptions& options) {
  check_options(partition, frequencies, options.precision_bits);
  const slong prec = options.precision_bits;
  std::map<slong, Prepared> prepared_at;  // by working precision
  std::optional<internal::EdgeForm> edge_form;
  std::vector<Rational> mean;  // of every output, once k = 0 is asked for
  const int outputs = output_count(partition);
  const Rational vol = partition.domain.volume();

  // Routes A and B, in Arb at the requested precision.
  auto in_arb = [&](const VecQ& k, SpectrumRoute route) {
    const slong working = working_precision(partition, k, prec);
    auto found = prepared_at.find(working);
    if (found == prepared_at.end()) found = prepared_at.emplace(working, prepare(partition, working)).first;
    const Transforms t = transforms(found->second, k, working);
    const Ball prefactor = lemma1_prefactor(k, working);
    std::vector<Coefficient> values;
    for (int o = 0; o < outputs; ++o) {
      Ball value;
      if (route == SpectrumRoute::regions) {
        for (const auto& integrals : t.region_integral) acb_add(value.get(), value.get(), integrals[static_cast<size_t>(o)].get(), working);
      } else {
        Ball sum = t.boundary[static_cast<size_t>(o)];
        for (size_t e = 0; e < t.indicator.size(); ++e)
          acb_submul(sum.get(), t.weight_dot_k[e * static_cast<size_t>(outputs) + static_cast<size_t>(o)].get(), t.indicator[e].get(), working);
        acb_mul(value.get(), sum.get(), prefactor.get(), working);
      }
      acb_mul(value.get(), value.get(), real_ball(1 / vol, working).get(), working);
      values.push_back(to_coefficient(k, o, value.get(), prec));
      values.back().bits = static_cast<int>(prec);
      values.back().route = route;
    }
    return values;
  };
  // Route C, in doubles. Its only amplification of rounding errors is the identity's 1/|q|^2:
  // where |k| diam D < 1 and it certifies fewer than 6 digits, route A instead. (Elsewhere few
  // digits mean a coefficient close to 0, whose absolute error is as small as any other's.)
  auto in_doubles = [&](const VecQ& k) {
    if (!edge_form) edge_form.emplace(partition);
    const auto discs = edge_form->coefficients(k);
    const bool low_frequency = scaled_frequency(partition, k) < 1;
    std::vector<Coefficient> values;
    for (int o = 0; o < outputs; ++o) {
      const internal::DiscD& d = discs[static_cast<size_t>(o)];
      // |k| beyond the doubles' range (or below it in 1D): overflow, and route A instead
      if (!std::isfinite(d.re) || !std::isfinite(d.im) || !std::isfinite(d.rad)) return in_arb(k, SpectrumRoute::regions);
      Ball value;
      acb_set_d_d(value.get(), d.re, d.im);
      mag_t radius;
      mag_init(radius);
      mag_set_d(radius, d.rad);
      acb_add_error_mag(value.get(), radius);
      mag_clear(radius);
      values.push_back(to_coefficient(k, o, value.get(), 53));
      values.back().bits = 53;
      values.back().route = SpectrumRoute::edges;
      if (low_frequency && values.back().certified_digits < 6) return in_arb(k, SpectrumRoute::regions);
    }
    return values;
  };

  std::vector<Coefficient> result;
  const long total = static_cast<long>(frequencies.size());
  for (long done = 0; done < total; ++done) {
    if (options.progress) options.progress(done, total);
    const VecQ& k = frequencies[static_cast<size_t>(done)];
    std::vector<Coefficient> values;
    if (squared_norm(k) == 0) {
      if (mean.empty()) mean = means(partition);
      for (int o = 0; o < outputs; ++o) {
        values.push_back(exact_coefficient(k, o, mean[static_cast<size_t>(o)], prec));
        values.back().route = options.route;
      }
    } else {
      values = options.route == SpectrumRoute::edges ? in_doubles(k) : in_arb(k, options.route);
    }
    result.insert(result.end(), values.begin(), values.end());
  }
  if (options.progress) options.progress(total, total);
  return result;
}

std::vector<std::pair<double, double>> lemma1_terms(const Partition& partition, const VecQ& k, int out,
                                                    long precision_bits) {
  check_options(partition, {k}, precision_bits);
  check_output(partition, out);
  if (squared_norm(k) == 0) throw InputError("--freq", "Lemma 1 needs k != 0");
  const slong prec = working_precision(partition, k, precision_bits);
  const Prepared prepared = prepare(partition, prec);
  const Transforms t = transforms(prepared, k, prec);
  Ball scale = lemma1_prefactor(k, prec);
  acb_mul(scale.get(), scale.get(), real_ball(1 / partition.domain.volume(), prec).get(), prec);
  std::vector<std::pair<double, double>> terms;
  auto push = [&](const Ball& sum) {
    Ball term;
    acb_mul(term.get(), sum.get(), scale.get(), prec);
    terms.emplace_back(arf_get_d(arb_midref(acb_realref(term.get())), ARF_RND_NEAR),
                       arf_get_d(arb_midref(acb_imagref(term.get())), ARF_RND_NEAR));
  };
  for (size_t e = 0; e < t.indicator.size(); ++e) {
    Ball sum;
    acb_submul(sum.get(), t.weight_dot_k[e * static_cast<size_t>(prepared.outputs) + static_cast<size_t>(out)].get(),
               t.indicator[e].get(), prec);
    push(sum);
  }
  push(t.boundary[static_cast<size_t>(out)]);
  return terms;
}

RayDecay ray_decay(const Partition& partition, const VecQ& k, const std::vector<double>& ts, int out) {
  std::vector<VecQ> frequencies;
  for (double t : ts) {
    VecQ scaled;
    for (const Rational& c : k) scaled.push_back(c * to_exact(t));
    frequencies.push_back(scaled);
  }
  check_output(partition, out);
  if (squared_norm(k) == 0) throw InputError("--freq", "a ray needs a direction k != 0");
  const auto values = spectrum(partition, frequencies);
  const size_t outputs = values.size() / std::max<size_t>(ts.size(), 1);
  RayDecay decay;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int m = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const double magnitude = values[i * outputs + static_cast<size_t>(out)].abs;
    decay.t.push_back(ts[i]);
    decay.magnitude.push_back(magnitude);
    if (magnitude <= 0 || ts[i] <= 0) continue;
    const double x = std::log(ts[i]), y = std::log(magnitude);
    sx += x, sy += y, sxx += x * x, sxy += x * y, ++m;
  }
  if (m >= 2) decay.exponent = -(m * sxy - sx * sy) / (m * sxx - sx * sx);
  return decay;
}

std::vector<VecQ> frequency_grid(int dim, int K) {
  std::vector<VecQ> grid;
  if (dim == 1)
    for (int a = -K; a <= K; ++a) grid.push_back({Rational(a)});
  else
    for (int a = -K; a <= K; ++a)
      for (int b = -K; b <= K; ++b) grid.push_back({Rational(a), Rational(b)});
  return grid;
}

std::vector<VecQ> parse_frequencies(const std::vector<std::string>& items, int dim, const std::string& source) {
  std::vector<VecQ> frequencies;
  for (const std::string& item : items) {
    std::string text = item;
    std::replace(text.begin(), text.end(), ';', ' ');
    std::stringstream vectors(text);
    for (std::string vector; vectors >> vector;) {
      const VecQ k = parse_rationals(vector, source);
      if (static_cast<int>(k.size()) != dim)
        throw InputError(source, "frequency '" + vector + "' has " + std::to_string(k.size()) + " entries, the domain " +
                                     std::to_string(dim) + " dimensions");
      frequencies.push_back(k);
    }
  }
  if (frequencies.empty()) throw InputError(source, "no frequencies given");
  return frequencies;
}

}  // namespace relutope
