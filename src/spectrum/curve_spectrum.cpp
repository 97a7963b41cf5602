#include "relutope/spectrum/curve_spectrum.hpp"

#include "engine/engine_network.hpp"
#include "relutope/error.hpp"
#include "spectrum/ball.hpp"
#include "spectrum/coefficient.hpp"

#include <arb.h>
#include <arb_fmpz_poly.h>
#include <arb_poly.h>
#include <flint/fmpz_poly.h>

#include <algorithm>
#include <array>
#include <memory>
#include <numeric>

namespace relutope {
namespace {

using engine::EngineNetwork;
using engine::Int;
using internal::Ball;
using internal::set_rational;

// An integer polynomial (FLINT's fmpz_poly) as a value type.
class Poly {
public:
  Poly() { fmpz_poly_init(p_); }
  Poly(const Poly& o) {
    fmpz_poly_init(p_);
    fmpz_poly_set(p_, o.p_);
  }
  Poly& operator=(const Poly& o) {
    fmpz_poly_set(p_, o.p_);
    return *this;
  }
  ~Poly() { fmpz_poly_clear(p_); }
  fmpz_poly_struct* get() { return p_; }
  const fmpz_poly_struct* get() const { return p_; }
  slong degree() const { return fmpz_poly_degree(p_); }

private:
  fmpz_poly_t p_;
};

// The sign of p(t), filtered: a 64-bit ball when it excludes 0, else exactly in integers,
// sum c_i n^i d^(deg - i) for t = n / d (d > 0), with no rational arithmetic.
int sign_at(const Poly& p, const Rational& t) {
  arb_t x, y;
  arb_init(x);
  arb_init(y);
  set_rational(x, t, 64);
  arb_fmpz_poly_evaluate_arb(y, p.get(), x, 64);
  int sign = arb_is_positive(y) ? 1 : arb_is_negative(y) ? -1 : 2;
  arb_clear(x);
  arb_clear(y);
  if (sign != 2) return sign;
  const slong deg = p.degree();
  if (deg < 0) return 0;
  fmpz_t acc, power, term, n, d;
  fmpz_init(acc);
  fmpz_init(term);
  fmpz_init(n);
  fmpz_init(d);
  fmpz_init_set_ui(power, 1);
  fmpz_set_mpz(n, t.get_num_mpz_t());
  fmpz_set_mpz(d, t.get_den_mpz_t());
  fmpz_poly_get_coeff_fmpz(acc, p.get(), deg);
  for (slong i = deg - 1; i >= 0; --i) {
    fmpz_mul(power, power, d);
    fmpz_mul(acc, acc, n);
    fmpz_poly_get_coeff_fmpz(term, p.get(), i);
    fmpz_addmul(acc, term, power);
  }
  sign = fmpz_sgn(acc);
  fmpz_clear(acc);
  fmpz_clear(power);
  fmpz_clear(term);
  fmpz_clear(n);
  fmpz_clear(d);
  return sign;
}

// Whether p certainly has no root in [lo, hi], by its Taylor expansion about the midpoint m in
// 64-bit balls: |p(m)| > sum over i >= 1 of |p^(i)(m) / i!| r^i, r = (hi - lo) / 2. Unlike p
// evaluated on the interval at once, this stays sharp for the high degrees of many petals.
bool has_no_root(const Poly& p, const Rational& lo, const Rational& hi) {
  const slong prec = 64;
  arb_poly_t g;
  arb_poly_init(g);
  arb_poly_set_fmpz_poly(g, p.get(), prec);
  arb_t m, r, power, tail, term;
  arb_init(m);
  arb_init(r);
  arb_init(power);
  arb_init(tail);
  arb_init(term);
  set_rational(m, (lo + hi) / 2, prec);
  set_rational(r, (hi - lo) / 2, prec);
  arb_poly_taylor_shift(g, g, m, prec);
  arb_one(power);
  for (slong i = 1; i < arb_poly_length(g); ++i) {
    arb_mul(power, power, r, prec);
    arb_abs(term, arb_poly_get_coeff_ptr(g, i));
    arb_addmul(tail, term, power, prec);
  }
  arb_abs(term, arb_poly_get_coeff_ptr(g, 0));
  arb_sub(term, term, tail, prec);
  const bool none = arb_poly_length(g) > 0 && arb_is_positive(term);
  arb_poly_clear(g);
  arb_clear(m);
  arb_clear(r);
  arb_clear(power);
  arb_clear(tail);
  arb_clear(term);
  return none;
}

// A real algebraic number: the only root of the squarefree `poly` in [lo, hi]; lo == hi when it
// is that rational (then poly may be absent). Otherwise poly has opposite signs at lo and hi.
struct Root {
  std::shared_ptr<const Poly> poly;
  Rational lo, hi;
  int sign_lo = 0;  // of poly at lo

  static Root rational(const Rational& t) { return {nullptr, t, t, 0}; }
  bool is_exact() const { return lo == hi; }

  void bisect() {
    const Rational mid = (lo + hi) / 2;
    const int s = sign_at(*poly, mid);
    if (s == 0)
      lo = hi = mid;
    else if (s == sign_lo)
      lo = mid;
    else
      hi = mid;
  }
  void refine_to(const Rational& width) {
    while (!is_exact() && hi - lo > width) bisect();
  }
};

// -1, 0 or 1 as a < b, a == b, a > b, refining the enclosures as needed. Overlapping enclosures
// of distinct roots separate under bisection; equal roots never do, and are told by the gcd of
// the two polynomials having its (only, simple) root in the overlap.
int compare(Root& a, Root& b) {
  bool equality_checked = false;
  for (;;) {
    if (a.hi < b.lo) return -1;
    if (b.hi < a.lo) return 1;
    if (a.is_exact() && b.is_exact()) return 0;
    if (!equality_checked) {
      equality_checked = true;
      if (a.is_exact() || b.is_exact()) {
        const Root& point = a.is_exact() ? a : b;
        const Root& other = a.is_exact() ? b : a;
        if (sign_at(*other.poly, point.lo) == 0) return 0;
      } else {
        Poly g;
        fmpz_poly_gcd(g.get(), a.poly->get(), b.poly->get());
        const Rational lo = std::max(a.lo, b.lo), hi = std::min(a.hi, b.hi);
        if (g.degree() >= 1 && sign_at(g, lo) * sign_at(g, hi) <= 0) return 0;
      }
    }
    Root& wider = b.is_exact() || (!a.is_exact() && a.hi - a.lo >= b.hi - b.lo) ? a : b;
    wider.bisect();
  }
}

// One chart of the curve: t in [-1, 1] gives z = half/2 + atan(t)/pi and, with u = 1 + t^2,
// gamma_L(z) = (X(t), Y(t)) / U(t) with integer polynomials
//   X = s Q (1 - t^2), Y = s Q 2t, U = 2 u^(L+1), Q = 2 u^L + s^L Im((1 + it)^(2L)), s = (-1)^half:
// cos 2 pi z = s (1 - t^2)/u, sin 2 pi z = s 2t/u, sin 2 pi L z = s^L Im((1 + it)^(2L)) / u^L.
struct Chart {
  int half = 0;
  Poly X, Y, U;

  Chart(int petals, int half_) : half(half_) {
    const int s = half % 2 == 0 ? 1 : -1;
    const int sL = petals % 2 == 0 ? 1 : s;
    Poly u, uL, im, q, one_minus_t2, two_t;
    fmpz_poly_set_coeff_si(u.get(), 0, 1);
    fmpz_poly_set_coeff_si(u.get(), 2, 1);
    fmpz_poly_pow(uL.get(), u.get(), static_cast<ulong>(petals));
    fmpz_t binomial;
    fmpz_init(binomial);
    for (ulong j = 1; j <= 2 * static_cast<ulong>(petals); j += 2) {  // i^j = i (-1)^((j-1)/2)
      fmpz_bin_uiui(binomial, 2 * static_cast<ulong>(petals), j);
      if ((j - 1) / 2 % 2 == 1) fmpz_neg(binomial, binomial);
      fmpz_poly_set_coeff_fmpz(im.get(), static_cast<slong>(j), binomial);
    }
    fmpz_clear(binomial);
    fmpz_poly_scalar_mul_si(q.get(), uL.get(), 2);
    fmpz_poly_scalar_mul_si(im.get(), im.get(), sL);
    fmpz_poly_add(q.get(), q.get(), im.get());
    fmpz_poly_scalar_mul_si(q.get(), q.get(), s);
    fmpz_poly_set_coeff_si(one_minus_t2.get(), 0, 1);
    fmpz_poly_set_coeff_si(one_minus_t2.get(), 2, -1);
    fmpz_poly_set_coeff_si(two_t.get(), 1, 2);
    fmpz_poly_mul(X.get(), q.get(), one_minus_t2.get());
    fmpz_poly_mul(Y.get(), q.get(), two_t.get());
    fmpz_poly_mul(U.get(), uL.get(), u.get());
    fmpz_poly_scalar_mul_si(U.get(), U.get(), 2);
  }

  // a1 X + a2 Y + b U for an integer row (a1, a2, b): 2 u^(L+1) times the row's value on the curve.
  Poly crossing(const Int* row) const {
    Poly p, term;
    fmpz_t c;
    fmpz_init(c);
    const Poly* parts[3] = {&X, &Y, &U};
    for (int i = 0; i < 3; ++i) {
      fmpz_set_mpz(c, row[i].get_mpz_t());
      fmpz_poly_scalar_mul_fmpz(term.get(), parts[i]->get(), c);
      fmpz_poly_add(p.get(), p.get(), term.get());
    }
    fmpz_clear(c);
    return p;
  }
};

// Up to a positive factor, Q(x) = (1 + x)^d p((c + e x) / (1 + x)): its positive roots are p's
// roots in (c, e), so the sign changes of its coefficients bound their number (Descartes' rule).
// Homogeneous Horner in u = a + b x, v = g (1 + x), where c = a / g and e = b / g.
int sign_changes_on(const Poly& p, const Rational& c, const Rational& e) {
  const slong d = p.degree();
  const mpz_class a = c.get_num() * e.get_den(), b = e.get_num() * c.get_den(), g = c.get_den() * e.get_den();
  Poly u, v, acc, term;
  fmpz_t coefficient;
  fmpz_init(coefficient);
  auto set = [&](Poly& poly, slong i, const mpz_class& x) {
    fmpz_set_mpz(coefficient, x.get_mpz_t());
    fmpz_poly_set_coeff_fmpz(poly.get(), i, coefficient);
  };
  set(u, 0, a);
  set(u, 1, b);
  set(v, 0, g);
  set(v, 1, g);
  std::vector<Poly> v_power(static_cast<size_t>(d) + 1);
  fmpz_poly_set_si(v_power[0].get(), 1);
  for (size_t k = 1; k < v_power.size(); ++k) fmpz_poly_mul(v_power[k].get(), v_power[k - 1].get(), v.get());
  fmpz_poly_get_coeff_fmpz(coefficient, p.get(), d);
  fmpz_poly_set_fmpz(acc.get(), coefficient);
  for (slong i = d - 1; i >= 0; --i) {
    fmpz_poly_mul(acc.get(), acc.get(), u.get());
    fmpz_poly_get_coeff_fmpz(coefficient, p.get(), i);
    fmpz_poly_scalar_mul_fmpz(term.get(), v_power[static_cast<size_t>(d - i)].get(), coefficient);
    fmpz_poly_add(acc.get(), acc.get(), term.get());
  }
  fmpz_clear(coefficient);
  int changes = 0, last = 0;
  for (slong i = 0; i <= acc.degree(); ++i) {
    const int sign = fmpz_sgn(fmpz_poly_get_coeff_ptr(acc.get(), i));
    if (sign != 0 && last != 0 && sign != last) ++changes;
    if (sign != 0) last = sign;
  }
  return changes;
}

// The roots of the squarefree p in the open interval (c, e), isolated by bisection until
// Descartes' rule counts 0 or 1 (Vincent-Collins-Akritas), appended to `out`.
void isolate(const std::shared_ptr<const Poly>& p, const Rational& c, const Rational& e, std::vector<Root>& out) {
  const int changes = sign_changes_on(*p, c, e);
  if (changes == 0) return;
  if (changes == 1) {
    const int at_c = sign_at(*p, c);
    if (at_c != 0 && sign_at(*p, e) != 0) {  // one simple root inside: the signs at the ends differ
      out.push_back({p, c, e, at_c});
      return;
    }
  }
  const Rational m = (c + e) / 2;
  if (sign_at(*p, m) == 0) out.push_back({p, m, m, 0});
  isolate(p, c, m, out);
  isolate(p, m, e, out);
}

// The real roots of p (not identically 0) in [lo, hi], as Roots of its squarefree part.
std::vector<Root> real_roots(Poly p, const Rational& lo, const Rational& hi) {
  Poly derivative, g;
  fmpz_poly_derivative(derivative.get(), p.get());
  fmpz_poly_gcd(g.get(), p.get(), derivative.get());
  if (g.degree() > 0) fmpz_poly_div(p.get(), p.get(), g.get());  // the squarefree part
  fmpz_poly_primitive_part(p.get(), p.get());
  std::vector<Root> roots;
  if (p.degree() < 1) return roots;
  const auto poly = std::make_shared<const Poly>(p);
  for (const Rational& end : {lo, hi})
    if (sign_at(*poly, end) == 0) roots.push_back({poly, end, end, 0});
  isolate(poly, lo, hi, roots);
  return roots;
}

// A stretch of one chart between two crossings (or chart ends) with its pattern so far, and the
// pre-activation rows of the next layer there.
struct Span {
  int left_half = 0, right_half = 0;  // the charts of the ends
  Root left, right;
  Rational sample;  // a rational t strictly inside
  ActivationPattern pattern;
  std::vector<Int> rows;
};

// A rational strictly between two distinct roots a < b: the dyadic m / 2^e with the least e,
// so that the points where patterns are evaluated stay short.
Rational between(Root& a, Root& b) {
  while (!(a.hi < b.lo)) (b.is_exact() || (!a.is_exact() && a.hi - a.lo >= b.hi - b.lo) ? a : b).bisect();
  for (mp_bitcnt_t e = 0;; ++e) {
    const mpz_class scale = mpz_class(1) << e;
    mpz_class m;
    mpz_fdiv_q(m.get_mpz_t(), mpz_class(a.hi.get_num() * scale).get_mpz_t(), a.hi.get_den_mpz_t());
    const Rational t = ratio(m + 1, scale);
    if (t < b.lo) return t;
  }
}

void check_curve(const Network& net, int petals) {
  if (net.input_dim != 2 || net.encoding.type != Encoding::Type::identity)
    throw InputError("net", "the flower curve needs a network of 2 raw inputs with identity encoding");
  if (petals < 0 || petals > 1000) throw InputError("petals", "must lie in 0..1000");
}

// The pieces of one chart's t-interval [t0, t1], refined layer by layer: in a span where the
// earlier layers' bits are fixed, each neuron of the next layer is affine in (x, y), and its
// crossings are the real roots of a1 X + a2 Y + b U between the span's ends.
std::vector<Span> chart_spans(const EngineNetwork& engine, const Chart& chart, const Rational& t0, const Rational& t1) {
  const long width = engine.dim + 1;
  std::vector<Span> spans;
  spans.push_back({chart.half, chart.half, Root::rational(t0), Root::rational(t1), (t0 + t1) / 2, "", engine.first_rows()});
  for (int l = 0; l < engine.hidden_layers(); ++l) {
    const long neurons = engine.layers[static_cast<size_t>(l)].rows;
    std::vector<Span> refined;
    for (Span& span : spans) {
      std::vector<Root> cuts;
      std::vector<Poly> crossing;  // of each neuron
      for (long j = 0; j < neurons; ++j) {
        crossing.push_back(chart.crossing(&span.rows[static_cast<size_t>(j * width)]));
        const Poly& p = crossing.back();
        if (p.degree() < 0 || has_no_root(p, span.left.lo, span.right.hi)) continue;  // 0 everywhere, or one sign
        for (Root& r : real_roots(p, span.left.lo, span.right.hi))
          if (compare(r, span.left) > 0 && compare(r, span.right) < 0)
            cuts.push_back(std::move(r));
      }
      std::vector<size_t> order(cuts.size());
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return compare(cuts[a], cuts[b]) < 0; });
      std::vector<Root> ends = {span.left};
      for (size_t i : order)
        if (compare(ends.back(), cuts[i]) != 0) ends.push_back(cuts[i]);
      ends.push_back(span.right);
      std::vector<char> bits, previous;
      for (size_t i = 0; i + 1 < ends.size(); ++i) {
        Span piece{chart.half, chart.half, ends[i], ends[i + 1], 0, span.pattern, {}};
        piece.sample = ends.size() == 2 ? span.sample : between(piece.left, piece.right);
        bits.assign(static_cast<size_t>(neurons), 0);
        for (long j = 0; j < neurons; ++j) {  // the sign of the pre-activation is that of its crossing polynomial
          bits[static_cast<size_t>(j)] = sign_at(crossing[static_cast<size_t>(j)], piece.sample) > 0;
          piece.pattern += bits[static_cast<size_t>(j)] ? '1' : '0';
        }
        if (i == 0) {
          piece.rows = engine.next_rows(l, span.rows, bits);
        } else {  // from the neighbour's rows: a crossing flips one bit or a few
          piece.rows = refined.back().rows;
          for (long j = 0; j < neurons; ++j)
            if (bits[static_cast<size_t>(j)] != previous[static_cast<size_t>(j)])
              engine.flip_rows(l, span.rows, static_cast<int>(j), bits[static_cast<size_t>(j)], piece.rows);
        }
        previous = bits;
        refined.push_back(std::move(piece));
      }
    }
    spans = std::move(refined);
  }
  return spans;
}

// The spans along z in [0, 1] (t in [0, 1] of half 0, [-1, 1] of half 1, [-1, 0] of half 2),
// neighbours with one pattern merged.
std::vector<Span> curve_spans(const EngineNetwork& engine, int petals) {
  const struct {
    int half;
    Rational t0, t1;
  } arcs[] = {{0, 0, 1}, {1, -1, 1}, {2, -1, 0}};
  std::vector<Span> merged;
  Span* last = nullptr;
  for (const auto& arc : arcs) {
    const Chart chart(petals, arc.half);
    for (Span& span : chart_spans(engine, chart, arc.t0, arc.t1)) {
      if (last && last->pattern == span.pattern) {
        last->right = span.right;
        last->right_half = span.right_half;
        continue;
      }
      merged.push_back(std::move(span));
      last = &merged.back();
    }
  }
  return merged;
}

// z = half/2 + atan(t)/pi of a curve point, enclosed from its t-interval (atan is increasing).
void enclose_z(arb_t z, int half, const Root& t, const arb_t pi, slong prec) {
  arb_t lo, hi;
  arb_init(lo);
  arb_init(hi);
  set_rational(lo, t.lo, prec);
  set_rational(hi, t.hi, prec);
  arb_atan(lo, lo, prec);
  arb_atan(hi, hi, prec);
  arb_union(z, lo, hi, prec);
  arb_div(z, z, pi, prec);
  arb_set_si(lo, half);
  arb_mul_2exp_si(lo, lo, -1);
  arb_add(z, z, lo, prec);
  arb_clear(lo);
  arb_clear(hi);
}

// Integral of exp(2 pi i n z) over [za, zb].
Ball exp_integral(long n, const arb_t za, const arb_t zb, slong prec) {
  Ball result;
  if (n == 0) {
    arb_sub(acb_realref(result.get()), zb, za, prec);
    return result;
  }
  arb_t phase, s, c;
  arb_init(phase);
  arb_init(s);
  arb_init(c);
  Ball ends;
  for (const arb_srcptr z : {zb, za}) {
    arb_mul_si(phase, z, 2 * n, prec);
    arb_sin_cos_pi(s, c, phase, prec);
    arb_swap(acb_realref(ends.get()), c);
    arb_swap(acb_imagref(ends.get()), s);
    if (z == zb)
      acb_add(result.get(), result.get(), ends.get(), prec);
    else
      acb_sub(result.get(), result.get(), ends.get(), prec);
  }
  // divide by 2 pi i n
  arb_const_pi(phase, prec);
  arb_mul_si(phase, phase, 2 * n, prec);
  acb_div_arb(result.get(), result.get(), phase, prec);
  acb_div_onei(result.get(), result.get());
  arb_clear(phase);
  arb_clear(s);
  arb_clear(c);
  return result;
}

}  // namespace

std::vector<CurvePiece> curve_pieces(const Network& net, int petals) {
  check_curve(net, petals);
  const EngineNetwork engine(to_exact(net));
  std::vector<CurvePiece> pieces;
  for (const Span& span : curve_spans(engine, petals)) {
    CurvePiece piece;
    piece.start = {span.left_half, span.left.lo, span.left.hi};
    piece.end = {span.right_half, span.right.lo, span.right.hi};
    piece.pattern = span.pattern;
    const Int& s = engine.scale.back();
    piece.weight = MatQ(engine.outputs(), 2);
    for (long o = 0; o < engine.outputs(); ++o) {
      const Int* row = &span.rows[static_cast<size_t>(o * 3)];
      piece.weight(o, 0) = ratio(row[0], s);
      piece.weight(o, 1) = ratio(row[1], s);
      piece.bias.push_back(ratio(row[2], s));
    }
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

}  // namespace relutope

namespace relutope {

CurveSpectrum flower_spectrum(const Network& net, int petals, const std::vector<long>& frequencies, long precision_bits,
                              const std::function<void(long done, long total)>& progress) {
  check_curve(net, petals);
  if (precision_bits < 32 || precision_bits > 4096) throw InputError("--precision", "must lie in 32..4096 bits");
  const slong prec = precision_bits + 32;  // guard bits for the sums over pieces
  const EngineNetwork engine(to_exact(net));
  std::vector<Span> spans = curve_spans(engine, petals);

  // The ends' z, from t-intervals narrower than 2^-prec.
  arb_t pi;
  arb_init(pi);
  arb_const_pi(pi, prec);
  const Rational width = ratio(1, mpz_class(1) << static_cast<mp_bitcnt_t>(prec));
  const size_t n = spans.size();
  arb_ptr za = _arb_vec_init(static_cast<slong>(n)), zb = _arb_vec_init(static_cast<slong>(n));
  for (size_t i = 0; i < n; ++i) {
    spans[i].left.refine_to(width);
    spans[i].right.refine_to(width);
    enclose_z(za + i, spans[i].left_half, spans[i].left, pi, prec);
    enclose_z(zb + i, spans[i].right_half, spans[i].right, pi, prec);
  }

  // On a piece, w . gamma_L(z) + b = sum over m of a_m exp(2 pi i m z): with e = exp(2 pi i z),
  // w . (cos, sin) = alpha e + conj(alpha) / e, alpha = (w_x - i w_y) / 2, and
  // R_L = 1 + (e^L - e^-L) / (4i).
  const long L = petals;
  const long modes[] = {0, 1, -1, L + 1, 1 - L, L - 1, -L - 1};
  const int outputs = engine.outputs();
  std::vector<std::vector<std::array<Ball, 7>>> amplitude(n);  // [piece][out][mode]
  const Int& scale = engine.scale.back();
  for (size_t i = 0; i < n; ++i) {
    for (int o = 0; o < outputs; ++o) {
      const Int* row = &spans[i].rows[static_cast<size_t>(o * 3)];
      arb_t wx, wy;
      arb_init(wx);
      arb_init(wy);
      set_rational(wx, ratio(row[0], scale), prec);
      set_rational(wy, ratio(row[1], scale), prec);
      std::array<Ball, 7> a;
      set_rational(acb_realref(a[0].get()), ratio(row[2], scale), prec);
      // (m, re, im) of a_m in units of w: 1: (wx, -wy)/2, -1: (wx, wy)/2, L+1: (-wy, -wx)/8,
      // 1-L: (wy, wx)/8, L-1: (wy, -wx)/8, -L-1: (-wy, wx)/8.
      const struct {
        arb_srcptr re;
        int re_sign;
        arb_srcptr im;
        int im_sign;
        int shift;
      } parts[] = {{wx, 1, wy, -1, -1}, {wx, 1, wy, 1, -1}, {wy, -1, wx, -1, -3},
                   {wy, 1, wx, 1, -3},  {wy, 1, wx, -1, -3}, {wy, -1, wx, 1, -3}};
      for (size_t m = 1; m < 7; ++m) {
        const auto& p = parts[m - 1];
        arb_mul_si(acb_realref(a[m].get()), p.re, p.re_sign, prec);
        arb_mul_si(acb_imagref(a[m].get()), p.im, p.im_sign, prec);
        acb_mul_2exp_si(a[m].get(), a[m].get(), p.shift);
      }
      amplitude[i].push_back(std::move(a));
      arb_clear(wx);
      arb_clear(wy);
    }
  }

  CurveSpectrum result;
  result.pieces = static_cast<long>(n);
  const long total = static_cast<long>(frequencies.size());
  for (long done = 0; done < total; ++done) {
    if (progress) progress(done, total);
    const long k = frequencies[static_cast<size_t>(done)];
    std::vector<Ball> sum(static_cast<size_t>(outputs));
    for (size_t i = 0; i < n; ++i) {
      std::array<Ball, 7> integral;
      for (size_t m = 0; m < 7; ++m) integral[m] = exp_integral(modes[m] - k, za + i, zb + i, prec);
      for (int o = 0; o < outputs; ++o)
        for (size_t m = 0; m < 7; ++m)
          acb_addmul(sum[static_cast<size_t>(o)].get(), amplitude[i][static_cast<size_t>(o)][m].get(), integral[m].get(), prec);
    }
    for (int o = 0; o < outputs; ++o) {
      Coefficient c = internal::to_coefficient({Rational(k)}, o, sum[static_cast<size_t>(o)].get(), precision_bits);
      c.bits = static_cast<int>(precision_bits);
      c.route = SpectrumRoute::regions;
      result.coefficients.push_back(std::move(c));
    }
  }
  if (progress) progress(total, total);
  _arb_vec_clear(za, static_cast<slong>(n));
  _arb_vec_clear(zb, static_cast<slong>(n));
  arb_clear(pi);
  return result;
}

}  // namespace relutope
