#include "spectrum/edge_form.hpp"

#include "spectrum/ball.hpp"

#include <arb.h>

#include <algorithm>
#include <array>
#include <map>

namespace relutope::internal {
namespace {

// Below |s| = 1/4 the means along an edge come from their Taylor series; above, the closed
// forms divide the phases' errors by |s| (or s^2) at most 16 times.
constexpr double kSeriesBelow = 0.25;
constexpr double kSeriesReach = kSeriesBelow + 1.0 / 64;  // |s| up to this (midpoint + radius)
constexpr int kSeriesTerms = 7;  // in x = s^2: the first omitted term is below 1e-19

IntervalD nearest(const arb_t x) {
  const double m = arf_get_d(arb_midref(x), ARF_RND_NEAR);
  return {m, up(mag_get_d(arb_radref(x)) + kUnitRoundoff * std::fabs(m))};
}

Rational factorial(int n) {
  Rational f = 1;
  for (int i = 2; i <= n; ++i) f *= i;
  return f;
}

// A series sum_j c_j x^j in x = s^2 whose terms alternate in sign and shrink (|c_j| <= 1
// decreasing, x <= kSeriesReach^2 < 0.071), so the omitted terms sum to less than the first of
// them.
struct Series {
  std::array<double, kSeriesTerms> coefficient{};  // rounded to nearest
  double tail = 0;
};

// c_j = sign_j / denominator(j).
template <class Denominator>
Series series(int first_sign, Denominator denominator) {
  Series s;
  for (int j = 0; j <= kSeriesTerms; ++j) {
    const double c = to_double(Rational(j % 2 == 0 ? first_sign : -first_sign) / denominator(j));
    if (j < kSeriesTerms) s.coefficient[static_cast<size_t>(j)] = c;
    else s.tail = up(2 * std::pow(kSeriesReach * kSeriesReach, kSeriesTerms) * std::fabs(c));
  }
  return s;
}

// The means along an edge as functions of s = q.e, for |s| <= kSeriesReach:
// E1(s) = integral over [0,1] of exp(-i s t) dt = sum over m of (-is)^m/(m+1)!
//       = sum_j (-1)^j x^j/(2j+1)! + i s sum_j (-1)^(j+1) x^j/(2j+2)!;
// E11(s) = integral of t exp(-i s t) dt = sum over m of (-is)^m/(m! (m+2))
//       = sum_j (-1)^j x^j/((2j)! (2j+2)) + i s sum_j (-1)^(j+1) x^j/((2j+1)! (2j+3)).
struct Kernel {
  Series re, im;
};
const Kernel& e1() {
  static const Kernel k{series(1, [](int j) -> Rational { return factorial(2 * j + 1); }),
                        series(-1, [](int j) -> Rational { return factorial(2 * j + 2); })};
  return k;
}
const Kernel& e11() {
  static const Kernel k{series(1, [](int j) -> Rational { return factorial(2 * j) * (2 * j + 2); }),
                        series(-1, [](int j) -> Rational { return factorial(2 * j + 1) * (2 * j + 3); })};
  return k;
}

double horner(const Series& series, double x) {
  double sum = series.coefficient.back();
  for (int j = kSeriesTerms - 2; j >= 0; --j) sum = std::fma(sum, x, series.coefficient[static_cast<size_t>(j)]);
  return sum;
}

// The kernel at s, in plain doubles with an a-priori bound: every partial sum of Horner's rule
// is at most sum |c_j| x^j < 1.02 (0.52 for the imaginary parts' series), so its fused steps
// err by at most 1.02 u (1 + x + x^2 + ...) < 1.1 u, the rounded coefficients by
// sum u |c_j| x^j < 1.1 u, and x = fl(s^2) moves the sum by at most |P'| u x < 0.02 u: 2.3 u
// for the real part; the imaginary part, half that times |s| < 0.27 plus the rounding of the
// product, < 0.5 u. Hence 4 u plus both tails at the midpoint; and as |dE/ds| <= 1/2, the
// radius of s adds s.rad / 2.
DiscD kernel_value(const Kernel& kernel, const IntervalD& s) {
  if (!(std::fabs(s.mid) + s.rad <= kSeriesReach)) return {0, 0, std::numeric_limits<double>::infinity()};
  const double x = s.mid * s.mid;
  return {horner(kernel.re, x), s.mid * horner(kernel.im, x), up(4 * kUnitRoundoff + kernel.re.tail + kernel.im.tail + s.rad / 2)};
}

bool is_small(const IntervalD& s) { return std::fabs(s.mid) < kSeriesBelow; }

// J = integral over t in [0,1] of exp(-i q.(a + t e)) = z_a E1(s), with s = q.e, z = exp(-i q.v):
// i (z_b - z_a) / s in closed form.
DiscD edge_mean(const IntervalD& s, const DiscD& za, const DiscD& zb) {
  if (is_small(s)) return za * kernel_value(e1(), s);
  return times_i((zb - za) * inverse(s));
}

// integral over t in [0,1] of t exp(-i q.(a + t e)) = z_a E11(s): i z_b / s + (z_b - z_a) / s^2.
DiscD edge_moment(const IntervalD& s, const DiscD& za, const DiscD& zb) {
  if (is_small(s)) return za * kernel_value(e11(), s);
  const IntervalD inv = inverse(s);
  return times_i(zb * inv) + (zb - za) * (inv * inv);
}

// exp(-2 pi i k.v) for every vertex, from Arb's sine and cosine.
std::vector<DiscD> fresh_phases(const std::vector<VecQ>& vertices, const VecQ& k) {
  const slong prec = 128;  // enough for the phase of any k with |k| |v| < 2^60 to round to a double
  arb_t phase, term, x, sine, cosine;
  for (arb_ptr a : {phase, term, x, sine, cosine}) arb_init(a);
  std::vector<DiscD> z;
  z.reserve(vertices.size());
  for (const VecQ& v : vertices) {
    arb_zero(phase);
    for (size_t i = 0; i < v.size(); ++i) {
      set_rational(x, v[i], prec);
      set_rational(term, k[i], prec);
      arb_addmul(phase, term, x, prec);
    }
    arb_mul_2exp_si(phase, phase, 1);
    arb_sin_cos_pi(sine, cosine, phase, prec);
    arb_neg(sine, sine);
    z.push_back(disc(nearest(cosine), nearest(sine)));
  }
  for (arb_ptr a : {phase, term, x, sine, cosine}) arb_clear(a);
  return z;
}

// Some integer m with |m| <= 4 and k - from = m e_axis, else m = 0.
std::pair<int, int> unit_multiple(const VecQ& k, const VecQ& from) {
  if (from.size() != k.size()) return {0, 0};
  int axis = -1, m = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    const Rational d = k[i] - from[i];
    if (d == 0) continue;
    if (axis >= 0 || d.get_den() != 1 || abs(d) > 4) return {0, 0};
    axis = static_cast<int>(i);
    m = static_cast<int>(d.get_num().get_si());
  }
  return {axis, m};
}

}  // namespace

EdgeForm::EdgeForm(const Partition& partition) : dim_(partition.dim) {
  const RoundToNearest rounding;
  outputs_ = output_count(partition);
  const Box& box = partition.domain;
  volume_ = box.volume();
  std::map<VecQ, int> ids;
  auto id_of = [&](const VecQ& v) {
    const auto [it, fresh] = ids.emplace(v, static_cast<int>(vertices_.size()));
    if (fresh) vertices_.push_back(v);
    return it->second;
  };
  const size_t outputs = static_cast<size_t>(outputs_);
  std::map<std::pair<int, int>, VecQ> weight;  // per edge (ids in increasing order)
  for (const Region& region : partition.regions) {
    const auto& v = region.vertices;
    const size_t edges = dim_ == 1 ? 2 : v.size();
    for (size_t j = 0; j < edges; ++j) {
      // 2D: the edge from v_j to v_j+1 (counter-clockwise), nu = (e_y, -e_x). 1D: the ends,
      // nu = -1 at lo and +1 at hi.
      const VecQ& a = v[j];
      const VecQ& b = dim_ == 1 ? v[j] : v[(j + 1) % v.size()];
      VecQ nu = dim_ == 1 ? VecQ{Rational(j == 0 ? -1 : 1)} : VecQ{b[1] - a[1], a[0] - b[0]};
      const int ia = id_of(a), ib = dim_ == 1 ? -1 : id_of(b);
      VecQ& w = weight[{std::min(ia, ib < 0 ? ia : ib), std::max(ia, ib)}];
      w.resize(outputs);
      for (size_t o = 0; o < outputs; ++o)
        for (int i = 0; i < dim_; ++i)
          w[o] -= region.weight(static_cast<Eigen::Index>(o), i) * nu[static_cast<size_t>(i)];
      const bool on_boundary = dim_ == 1 ? a[0] == (j == 0 ? box.lo[0] : box.hi[0]) : face_containing(box, a, b).has_value();
      if (!on_boundary) continue;
      BoundaryPiece piece;
      piece.a = ia;
      piece.b = ib;
      piece.nu_x = nearest(nu[0]);
      if (dim_ == 2) {
        piece.dx = nearest(b[0] - a[0]);
        piece.dy = nearest(b[1] - a[1]);
        piece.nu_y = nearest(nu[1]);
      }
      boundary_.push_back(piece);
      for (size_t o = 0; o < outputs; ++o) {
        const Rational ga = affine_value(region, static_cast<int>(o), a);
        boundary_value_.push_back(nearest(ga));
        boundary_value_.push_back(nearest(affine_value(region, static_cast<int>(o), b) - ga));
      }
    }
  }
  for (const auto& [ends, w] : weight) {
    if (std::all_of(w.begin(), w.end(), [](const Rational& x) { return x == 0; })) continue;  // no kink
    Kink kink;
    kink.a = ends.first;
    if (dim_ == 2) {
      kink.b = ends.second;
      const VecQ& a = vertices_[static_cast<size_t>(kink.a)];
      const VecQ& b = vertices_[static_cast<size_t>(kink.b)];
      kink.dx = nearest(b[0] - a[0]);
      kink.dy = nearest(b[1] - a[1]);
    }
    kinks_.push_back(kink);
    for (const Rational& x : w) kink_weight_.push_back(nearest(x));
  }
  for (int axis = 0; axis < dim_; ++axis) {
    VecQ unit(static_cast<size_t>(dim_), Rational(0));
    unit[static_cast<size_t>(axis)] = 1;
    unit_step_.push_back(fresh_phases(vertices_, unit));
  }
}

void EdgeForm::update_phases(const VecQ& k) {
  auto step = [&](std::vector<DiscD>& z, std::pair<int, int> move) {
    const auto& factor = unit_step_[static_cast<size_t>(move.first)];
    for (int n = 0; n < std::abs(move.second); ++n)
      for (size_t v = 0; v < z.size(); ++v) {
        const DiscD& f = factor[v];
        z[v] = z[v] * (move.second > 0 ? f : DiscD{f.re, -f.im, f.rad});
      }
  };
  if (const auto move = unit_multiple(k, k_); move.second != 0) {
    step(phase_, move);  // along a row
  } else if (const auto jump = unit_multiple(k, anchor_); jump.second != 0) {
    step(anchor_phase_, jump);  // to the next row
    anchor_ = k;
    phase_ = anchor_phase_;
  } else {
    phase_ = fresh_phases(vertices_, k);
    anchor_ = k;
    anchor_phase_ = phase_;
  }
  k_ = k;
}

std::vector<DiscD> EdgeForm::coefficients(const VecQ& k) {
  const RoundToNearest rounding;
  update_phases(k);
  const size_t outputs = static_cast<size_t>(outputs_);
  const slong prec = 128;
  // q = 2 pi k, and the final factor -1 / (|q|^2 vol D), from Arb
  std::array<IntervalD, 2> q{};
  IntervalD factor;
  {
    arb_t two_pi, c, norm;
    arb_init(two_pi);
    arb_init(c);
    arb_init(norm);
    arb_const_pi(two_pi, prec);
    arb_mul_2exp_si(two_pi, two_pi, 1);
    for (int i = 0; i < dim_; ++i) {
      set_rational(c, k[static_cast<size_t>(i)], prec);
      arb_mul(c, c, two_pi, prec);
      q[static_cast<size_t>(i)] = nearest(c);
      arb_addmul(norm, c, c, prec);
    }
    set_rational(c, volume_, prec);
    arb_mul(norm, norm, c, prec);
    arb_inv(norm, norm, prec);
    arb_neg(norm, norm);
    factor = nearest(norm);
    arb_clear(two_pi);
    arb_clear(c);
    arb_clear(norm);
  }
  const std::vector<DiscD>& z = phase_;
  std::vector<DiscD> sum(outputs);
  for (size_t e = 0; e < kinks_.size(); ++e) {
    const Kink& kink = kinks_[e];
    const DiscD& za = z[static_cast<size_t>(kink.a)];
    const DiscD mean = dim_ == 1 ? za : edge_mean(q[0] * kink.dx + q[1] * kink.dy, za, z[static_cast<size_t>(kink.b)]);
    const IntervalD* w = &kink_weight_[e * outputs];
    for (size_t o = 0; o < outputs; ++o) sum[o] = add_product(sum[o], w[o], mean);
  }
  for (size_t p = 0; p < boundary_.size(); ++p) {
    const BoundaryPiece& piece = boundary_[p];
    const DiscD& za = z[static_cast<size_t>(piece.a)];
    const IntervalD* g = &boundary_value_[p * outputs * 2];
    if (dim_ == 1) {
      const IntervalD q_nu = q[0] * piece.nu_x;
      for (size_t o = 0; o < outputs; ++o) sum[o] = sum[o] - times_i(za * (g[2 * o] * q_nu));
      continue;
    }
    const DiscD& zb = z[static_cast<size_t>(piece.b)];
    const IntervalD s = q[0] * piece.dx + q[1] * piece.dy;
    const DiscD mean = edge_mean(s, za, zb), moment = edge_moment(s, za, zb);
    const IntervalD q_nu = q[0] * piece.nu_x + q[1] * piece.nu_y;
    for (size_t o = 0; o < outputs; ++o)  // -i (q.nu) * integral of f phi along the piece
      sum[o] = sum[o] - times_i((mean * g[2 * o] + moment * g[2 * o + 1]) * q_nu);
  }
  for (DiscD& value : sum) value = value * factor;
  return sum;
}

}  // namespace relutope::internal
