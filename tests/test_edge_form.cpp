// Route C of relutope::spectrum (SpectrumRoute::edges, the default): Green's identity over the
// kinked edges in certified double enclosures, phases stepped by multiplication across integer
// grids, and the fallback to route A for frequencies it certifies to fewer than 6 digits.
//
// Every value is checked against an independent route, never against route C itself: route A
// (SpectrumRoute::regions) at 512 bits (256 for the trained fixture), the MPFR Gauss-Legendre
// oracle of spectrum_oracle.hpp, and closed forms derived below. A route C coefficient is right
// when its printed strings hold every certified digit (spectrum_cases.hpp's check_printed);
// where c(k) = 0 exactly, route C must have handed the frequency to route A, whose value is 0 or
// claims no digit. Internally, the
// enclosures of EdgeForm (src/edge_form.hpp) are also checked directly: the reference must lie in
// every disc, stepped or fresh (this catches radii too small for the string checks to notice).
//
// Set RELUTOPE_SPECTRUM_VERBOSE=1 to see per case the digits achieved and the share of frequencies
// route C kept (as Catch warnings).
#include "spectrum_cases.hpp"
#include "spectrum_oracle.hpp"

#include "spectrum/edge_form.hpp"  // internal (src/): its raw enclosures are checked too
#include "helpers.hpp"

#include "relutope/error.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/engine/partition.hpp"
#include "relutope/spectrum/spectrum.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace spectrum_cases;  // relutope, the oracle (so::) and its Cx, Mp, Q too

namespace {

// ------------------------------------------------------------------ networks and domains

Box skew_box() { return box({-1, Q(-1, 2)}, {2, Q(3, 2)}); }  // [-1, 2] x [-0.5, 1.5]

/// A decimal "a.b" as an exact rational (no exponent).
Q dec(const std::string& text) {
  std::string digits = text;
  const size_t dot = digits.find('.');
  long scale = 0;
  if (dot != std::string::npos) {
    scale = static_cast<long>(digits.size() - dot - 1);
    digits.erase(dot, 1);
  }
  Q r{mpz_class(digits, 10)};
  r *= ten_to_minus(static_cast<int>(scale));
  r.canonicalize();
  return r;
}

/// A rational near x (to ~1e-15 relative), for building frequencies from doubles.
Q near(double x) {
  Q r(x);  // every double is a rational
  r.canonicalize();
  return r;
}

// ------------------------------------------------------------------ library calls and checks

std::vector<Coefficient> route_a(const Partition& P, const std::vector<VecQ>& ks, long bits = 512) {
  return spectrum(P, ks, SpectrumOptions{bits, SpectrumRoute::regions, {}});
}

std::vector<Coefficient> route_c(const Partition& P, const std::vector<VecQ>& ks, long bits = 128) {
  return spectrum(P, ks, SpectrumOptions{bits, SpectrumRoute::edges, {}});
}

int outputs_of(const Partition& P) { return static_cast<int>(P.regions.front().weight.rows); }

bool is_zero(const Cx& z) { return mpfr_zero_p(z.re.v) && mpfr_zero_p(z.im.v); }

/// A running summary of a test case: coefficients checked, how many route C kept (bits 53),
/// smallest certified digits among those, smallest margin achieved - certified.
struct Tally {
  std::string name;
  long checked = 0, kept = 0, fallback = 0;
  int min_kept_cd = 1 << 30;
  double min_margin = 1e9;
  ~Tally() {
    if (verbose() && checked > 0 && std::uncaught_exceptions() == 0)
      WARN(name << ": " << checked << " coefficients, " << kept << " kept by route C (min certified digits "
                << min_kept_cd << "), " << fallback << " recomputed by route A; min (achieved - certified) "
                << min_margin);
  }
};

/// Checks a route C coefficient `c` (asked at `bits`) against an independent reference value:
/// right to its certified digits, and coming from route C (bits 53) or from the fallback
/// (route A at `bits`).
void check_right(const Coefficient& c, const Cx& ref, long bits, Tally& tally, const std::string& what) {
  INFO(what << ", " << describe(c.k) << ", out " << c.out << ": route C re = " << c.re << ", im = " << c.im
            << ", certified_digits = " << c.certified_digits << ", bits = " << c.bits
            << "; reference re = " << ref.re.d() << ", im = " << ref.im.d());
  REQUIRE_FALSE(c.exact);
  const so::Read r = so::read(c.re, c.im);
  REQUIRE(r.ok);
  if (c.route == SpectrumRoute::edges) {
    CHECK(c.bits == 53);
    ++tally.kept;
    tally.min_kept_cd = std::min(tally.min_kept_cd, c.certified_digits);
  } else {
    CHECK(c.route == SpectrumRoute::regions);
    CHECK(c.bits == bits);
    ++tally.fallback;
  }
  ++tally.checked;
  if (is_zero(ref)) {
    // c(k) = 0 exactly: no enclosure certifies a digit of it. Route C keeps it (at |k| diam D
    // >= 1) as a value tiny in absolute terms; route A's answer is 0 or a tiny ball around 0.
    CHECK((is_zero(r.value) || c.certified_digits == 0));
    CHECK(std::hypot(c.re_double, c.im_double) <= (c.route == SpectrumRoute::edges ? 1e-12 : 1e-30));
    return;
  }
  const double achieved = so::agreement_digits(r.value, ref, ref);
  INFO("digits achieved = " << achieved);
  check_printed(c, ref);
  tally.min_margin = std::min(tally.min_margin, achieved - c.certified_digits);
  // the double fields round the same value
  const double tol = 1.5 * std::max(std::pow(10.0, 1 - c.certified_digits), 0x1p-52) * ref.abs();
  CHECK(std::fabs(c.re_double - ref.re.d()) <= tol);
  CHECK(std::fabs(c.im_double - ref.im.d()) <= tol);
}

/// Two values of the same coefficient (say stepped and fresh phases) agree within the sum of
/// what their certified digits allow, relative to the reference's modulus.
void check_agree(const Coefficient& a, const Coefficient& b, const Cx& ref, const std::string& what) {
  INFO(what << ", " << describe(a.k) << ", out " << a.out << ": " << a.re << " + i " << a.im << " ("
            << a.certified_digits << " digits, " << a.bits << " bits) vs " << b.re << " + i " << b.im << " ("
            << b.certified_digits << " digits, " << b.bits << " bits)");
  REQUIRE(a.k == b.k);
  REQUIRE(a.out == b.out);
  const Cx d = cx(a) - cx(b);
  Mp dist = so::mp_abs(d), bound = so::mp_abs(ref);
  mpfr_mul_d(bound.v, bound.v, std::pow(10.0, 1 - a.certified_digits) + std::pow(10.0, 1 - b.certified_digits),
             MPFR_RNDU);
  CHECK(mpfr_cmp(dist.v, bound.v) <= 0);
}

/// k = 0 through route C: the exact mean of every output, equal to the oracle's shoelace mean.
void check_mean(const Partition& P, const Coefficient& c, int out) {
  INFO("k = 0, out " << out << ": mean " << c.mean << ", re " << c.re << ", oracle " << so::exact_mean(P, out).get_str());
  CHECK(c.exact);
  CHECK(c.out == out);
  CHECK(std::all_of(c.k.begin(), c.k.end(), [](const Q& x) { return x == 0; }));
  Q m(c.mean);
  m.canonicalize();
  const Q expected = so::exact_mean(P, out);
  CHECK(m == expected);
  CHECK(c.mean == expected.get_str());
  CHECK((c.im == "0" || Q(c.im) == 0));
  CHECK(std::fabs(c.re_double - expected.get_d()) <= 2.3e-16 * std::fabs(expected.get_d()));
  check_printed(c, expected, 0, 0);
}

/// Checks a whole route C answer for frequencies ks (frequency-major) against reference values
/// ref[i * outputs + o]; k = 0 entries against the exact mean.
void check_all(const Partition& P, const std::vector<VecQ>& ks, const std::vector<Coefficient>& C,
               const std::vector<Cx>& ref, long bits, Tally& tally, const std::string& what) {
  const size_t outs = static_cast<size_t>(outputs_of(P));
  REQUIRE(C.size() == ks.size() * outs);
  REQUIRE(ref.size() == ks.size() * outs);
  for (size_t i = 0; i < ks.size(); ++i) {
    for (size_t o = 0; o < outs; ++o) {
      const Coefficient& c = C[i * outs + o];
      CHECK(c.k == ks[i]);
      CHECK(c.out == static_cast<int>(o));
      CHECK(c.bits == C[i * outs].bits);  // a frequency is computed by one route for all outputs
      if (c.exact) {
        check_mean(P, c, static_cast<int>(o));
        continue;
      }
      check_right(c, ref[i * outs + o], bits, tally, what);
    }
  }
}

std::vector<Cx> values(const std::vector<Coefficient>& cs) {
  std::vector<Cx> v;
  v.reserve(cs.size());
  for (const Coefficient& c : cs) v.push_back(c.exact ? Cx{Mp::of(Q(c.mean)), Mp()} : cx(c));
  return v;
}

/// The discs of EdgeForm contain the reference: |mid - ref| <= rad (the core certification),
/// for every output of one frequency.
void check_discs(const std::vector<internal::DiscD>& discs, const std::vector<Cx>& ref, size_t first,
                 const VecQ& k, const std::string& what) {
  for (size_t o = 0; o < discs.size(); ++o) {
    const internal::DiscD& d = discs[o];
    const Cx& r = ref[first + o];
    const Cx mid{Mp::of(d.re), Mp::of(d.im)};
    const Mp dist = so::mp_abs(mid - r);
    INFO(what << ", " << describe(k) << ", out " << o << ": disc " << d.re << " + i " << d.im << " radius "
              << d.rad << "; reference " << r.re.d() << " + i " << r.im.d() << ", distance " << dist.d());
    REQUIRE_FALSE(std::isnan(d.rad));
    if (std::isinf(d.rad)) continue;  // no claim
    REQUIRE(std::isfinite(d.re));
    REQUIRE(std::isfinite(d.im));
    // the reference (read at the oracle's 192 bits) is exact to far below any radius: allow 1e-45 |ref|
    Mp allowed = so::mp_abs(r);
    mpfr_mul_d(allowed.v, allowed.v, 1e-45, MPFR_RNDU);
    mpfr_add_d(allowed.v, allowed.v, d.rad, MPFR_RNDU);
    CHECK(mpfr_cmp(dist.v, allowed.v) <= 0);
  }
}

// ------------------------------------------------------------------ edges of a partition

/// A segment from a to b (both exact), with its length in doubles.
struct Segment {
  VecQ a, b;
  double length = 0;
};

/// The kinked interior edges of a 2D partition, longest first: region edges not on a face of the
/// domain across which f's gradient jumps for some output (the sum over the regions sharing the
/// edge of W . nu is not 0; an edge met from one side only, at a T junction, counts as kinked).
std::vector<Segment> kinked_edges(const Partition& P) {
  std::map<std::pair<VecQ, VecQ>, VecQ> jump;
  std::map<std::pair<VecQ, VecQ>, Segment> segment;
  const int outs = outputs_of(P);
  for (const Region& R : P.regions) {
    const size_t n = R.vertices.size();
    for (size_t i = 0; i < n; ++i) {
      const VecQ& a = R.vertices[i];
      const VecQ& b = R.vertices[(i + 1) % n];
      if (face_containing(P.domain, a, b)) continue;
      const auto key = a < b ? std::make_pair(a, b) : std::make_pair(b, a);
      VecQ& w = jump[key];
      w.resize(static_cast<size_t>(outs));
      const Q nx = b[1] - a[1], ny = a[0] - b[0];
      for (int o = 0; o < outs; ++o) w[static_cast<size_t>(o)] += R.weight(o, 0) * nx + R.weight(o, 1) * ny;
      segment[key] = {key.first, key.second,
                      std::hypot(Q(b[0] - a[0]).get_d(), Q(b[1] - a[1]).get_d())};
    }
  }
  std::vector<Segment> kinks;
  for (const auto& [key, w] : jump)
    if (std::any_of(w.begin(), w.end(), [](const Q& x) { return x != 0; })) kinks.push_back(segment[key]);
  std::sort(kinks.begin(), kinks.end(), [](const Segment& x, const Segment& y) { return x.length > y.length; });
  return kinks;
}

/// The pieces of the domain's boundary under the regions (region edges on a face of the box),
/// shortest first.
std::vector<Segment> boundary_pieces(const Partition& P) {
  std::vector<Segment> pieces;
  for (const Region& R : P.regions) {
    const size_t n = R.vertices.size();
    for (size_t i = 0; i < n; ++i) {
      const VecQ& a = R.vertices[i];
      const VecQ& b = R.vertices[(i + 1) % n];
      if (face_containing(P.domain, a, b))
        pieces.push_back({a, b, std::hypot(Q(b[0] - a[0]).get_d(), Q(b[1] - a[1]).get_d())});
    }
  }
  std::sort(pieces.begin(), pieces.end(), [](const Segment& x, const Segment& y) { return x.length < y.length; });
  return pieces;
}

/// (e_y, -e_x) for the edge e = b - a, scaled by a rational s ~ size / |e|: exactly orthogonal.
VecQ orthogonal(const Segment& e, double size) {
  const Q ex = e.b[0] - e.a[0], ey = e.b[1] - e.a[1];
  Q s(static_cast<long>(std::llround(size / e.length * 4096)), 4096);
  s.canonicalize();
  VecQ k{Q(ey * s), Q(-ex * s)};
  for (Q& x : k) x.canonicalize();
  return k;
}

/// k + delta e (e = b - a), with delta chosen so that q . e = 2 pi k . e = s_target approximately.
VecQ along_edge(const VecQ& k, const Segment& e, double s_target) {
  const Q ex = e.b[0] - e.a[0], ey = e.b[1] - e.a[1];
  const double e2 = Q(ex * ex + ey * ey).get_d();
  const Q delta = near(s_target / (2 * M_PI * e2));
  VecQ r{Q(k[0] + delta * ex), Q(k[1] + delta * ey)};
  for (Q& x : r) x.canonicalize();
  return r;
}

VecQ scaled(const VecQ& k, const Q& s) {
  VecQ r;
  for (const Q& x : k) {
    Q y = x * s;
    y.canonicalize();
    r.push_back(y);
  }
  return r;
}

// ------------------------------------------------------------------ closed forms (MPFR)

/// e^{i s}
Cx expi(const Mp& s) {
  Mp minus = s;
  mpfr_neg(minus.v, minus.v, MPFR_RNDN);
  return so::expmi(minus);
}

Cx imag(const Mp& x) { return Cx{Mp(), x}; }

Mp inverse(const Mp& x) {
  Mp r;
  mpfr_ui_div(r.v, 1, x.v, MPFR_RNDN);
  return r;
}

Mp two_pi_times(const Q& k) {
  Mp r = so::two_pi(), x = Mp::of(k);
  mpfr_mul(r.v, r.v, x.v, MPFR_RNDN);
  return r;
}

/// E0(s) = integral_0^1 e^{i s u} du = (e^{is} - 1) / (i s) = -i (e^{is} - 1) / s; 1 at s = 0.
Cx E0(const Mp& s, bool zero) {
  if (zero) return real(Mp::of(Q(1)));
  const Cx num = expi(s) - real(Mp::of(Q(1)));
  Mp minus_re = num.re;
  mpfr_neg(minus_re.v, minus_re.v, MPFR_RNDN);
  return so::scale(Cx{num.im, minus_re}, inverse(s));  // -i (x + i y) = y - i x
}

/// M(s) = integral_0^1 (1 - u) e^{i s u} du = i / s + 1 / s^2 - e^{is} / s^2; 1/2 at s = 0.
/// (Substituting t = 1 - u: e^{is} integral t e^{-ist} dt, and [(i t / s + 1 / s^2) e^{-ist}]'
/// = t e^{-ist}.)
Cx M(const Mp& s, bool zero) {
  if (zero) return real(Mp::of(Q(1, 2)));
  const Mp inv = inverse(s);
  Mp inv2;
  mpfr_sqr(inv2.v, inv.v, MPFR_RNDN);
  return imag(inv) + real(inv2) - so::scale(expi(s), inv2);
}

/// integral_0^1 (x - 1/2)_+ e^{-2 pi i k x} dx (the derivation is at its test case).
Cx relu_half(const Q& k) {
  if (k == 0) return real(Mp::of(Q(1, 8)));
  const Mp q = two_pi_times(k);
  Mp half = q, inv = inverse(q), inv2;
  mpfr_div_2ui(half.v, half.v, 1, MPFR_RNDN);
  mpfr_sqr(inv2.v, inv.v, MPFR_RNDN);
  Mp inv_half = inv;
  mpfr_div_2ui(inv_half.v, inv_half.v, 1, MPFR_RNDN);
  return Cx{inv2, inv_half} * so::expmi(q) - so::scale(so::expmi(half), inv2);
}

/// integral_0^1 e^{-2 pi i k y} dy = i (e^{-iq} - 1) / q; 1 at k = 0 and exactly 0 at other integers.
Cx I0(const Q& k) {
  if (k == 0) return real(Mp::of(Q(1)));
  if (k.get_den() == 1) return Cx{};
  const Mp q = two_pi_times(k);
  const Cx d = so::expmi(q) - real(Mp::of(Q(1)));
  Mp minus_im = d.im;
  mpfr_neg(minus_im.v, minus_im.v, MPFR_RNDN);
  return so::scale(Cx{minus_im, d.re}, inverse(q));  // i (x + i y) = -y + i x
}

}  // namespace

// ====================================================================== 1. grids, stepped phases

TEST_CASE("route C: whole frequency grids in 2D, stepped phases against route A at 512 bits", "[spectrum][edges]") {
  CHECK(SpectrumOptions{}.route == SpectrumRoute::edges);  // route C is the default
  struct Case {
    std::vector<int> widths;
    int outputs;
    unsigned seed;
    Box domain;
    size_t min_regions, max_regions;
  };
  const std::vector<Case> cases = {
      {{8, 8}, 1, 101, unit(2), 8, 60},
      {{8, 8}, 3, 102, skew_box(), 15, 80},
      {{16, 16}, 2, 103, unit(2), 20, 80},
      {{16, 16}, 1, 104, skew_box(), 40, 160},
  };
  const std::vector<VecQ> grid = frequency_grid(2, 8);
  REQUIRE(grid.size() == 17 * 17);
  for (const Case& c : cases) {
    const Partition P =
        random_partition(2, c.widths, c.outputs, c.seed, c.domain, c.min_regions, c.max_regions);
    const size_t outs = static_cast<size_t>(c.outputs);
    INFO("seed " << c.seed << ", " << P.regions.size() << " regions, " << outs << " outputs");
    Tally tally{"grid, seed " + std::to_string(c.seed) + " (" + std::to_string(P.regions.size()) + " regions)"};
    const std::vector<Cx> ref = values(route_a(P, grid));
    // in grid order, with the default options (route C, 128 bits for the fallback)
    const std::vector<Coefficient> stepped = spectrum(P, grid);
    check_all(P, grid, stepped, ref, 128, tally, "grid order");
    // at least 8 certified digits on every coefficient that is not close to 0; route C keeps
    // nearly all of them (else this test would not test it)
    long kept = 0, nonzero = 0;
    for (size_t j = 0; j < stepped.size(); ++j) {
      if (stepped[j].exact) continue;
      ++nonzero;
      kept += stepped[j].bits == 53;
      if (ref[j].abs() > 1e-12) {
        INFO(describe(stepped[j].k) << ", out " << stepped[j].out << ": |c| = " << ref[j].abs() << ", "
                                    << stepped[j].certified_digits << " digits, bits " << stepped[j].bits);
        CHECK(stepped[j].certified_digits >= 8);
      }
    }
    CHECK(kept >= nonzero * 9 / 10);

    // shuffled (phases mostly fresh), reversed (steps of -1), column-major (the first
    // coordinate fastest), and one call per frequency (always fresh): each against the
    // reference and against the stepped values
    std::vector<size_t> shuffled(grid.size()), reversed(grid.size()), columns;
    std::iota(shuffled.begin(), shuffled.end(), 0);
    std::iota(reversed.rbegin(), reversed.rend(), 0);
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(c.seed));
    for (size_t b = 0; b < 17; ++b)
      for (size_t a = 0; a < 17; ++a) columns.push_back(a * 17 + b);
    for (const auto& [name, order] : {std::make_pair("shuffled", shuffled), std::make_pair("reversed", reversed),
                                      std::make_pair("column-major", columns)}) {
      std::vector<VecQ> ks;
      std::vector<Cx> r;
      for (size_t i : order) {
        ks.push_back(grid[i]);
        for (size_t o = 0; o < outs; ++o) r.push_back(ref[i * outs + o]);
      }
      const auto C = spectrum(P, ks);
      check_all(P, ks, C, r, 128, tally, name);
      for (size_t j = 0; j < order.size(); ++j)
        for (size_t o = 0; o < outs; ++o) {
          const Coefficient& x = C[j * outs + o];
          if (!x.exact) check_agree(x, stepped[order[j] * outs + o], r[j * outs + o], std::string(name) + " vs grid order");
        }
    }
    for (size_t i = 0; i < grid.size(); ++i) {
      const auto alone = spectrum(P, {grid[i]});
      check_all(P, {grid[i]}, alone, std::vector<Cx>(ref.begin() + static_cast<long>(i * outs),
                                                      ref.begin() + static_cast<long>((i + 1) * outs)),
                128, tally, "one frequency per call");
      for (size_t o = 0; o < outs; ++o)
        if (!alone[o].exact) check_agree(alone[o], stepped[i * outs + o], ref[i * outs + o], "fresh vs grid order");
    }

    // the enclosures themselves, stepped (one EdgeForm across the grid) and fresh
    internal::EdgeForm form(P);
    for (size_t i = 0; i < grid.size(); ++i) {
      if (i == grid.size() / 2) continue;  // k = 0
      check_discs(form.coefficients(grid[i]), ref, i * outs, grid[i], "stepped disc");
      if (i % 7 == 0) check_discs(internal::EdgeForm(P).coefficients(grid[i]), ref, i * outs, grid[i], "fresh disc");
    }
  }
}

TEST_CASE("route C: steps of 1..4 along either axis, jumps, and a long row of 121 frequencies", "[spectrum][edges]") {
  const Partition P = random_partition(2, {8, 8}, 2, 111, skew_box(), 15, 80);
  INFO(P.regions.size() << " regions");
  Tally tally{"steps and rows"};
  std::vector<VecQ> ks;
  // strides 1..5 (5 is beyond the stepping rule: fresh phases) along the second axis, then the first
  for (int stride = 1; stride <= 5; ++stride)
    for (int j = 0; j < 6; ++j) ks.push_back({Q(3), Q(-7 + stride * j)});
  for (int stride = 1; stride <= 5; ++stride)
    for (int j = 0; j < 6; ++j) ks.push_back({Q(-9 + stride * j), Q(2)});
  // a long row and back, k = (j, 5) and (j, -5): radii grow with the number of steps
  for (int j = -60; j <= 60; ++j) ks.push_back({Q(j), Q(5)});
  for (int j = 60; j >= -60; j -= 2) ks.push_back({Q(j), Q(-5)});
  // rows starting at a non-integer frequency (stepping needs only integer differences)
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 9; ++j) ks.push_back({dec("0.3") + j, Q(1, 3) + r});
  // diagonal moves (two axes at once: fresh) and a k = 0 in the middle of a row
  for (int j = 0; j < 6; ++j) ks.push_back({Q(j), Q(j)});
  for (int j = -3; j <= 3; ++j) ks.push_back({Q(j), Q(0)});
  // the same frequency repeated, then a step from it
  for (int j = 0; j < 3; ++j) ks.push_back({Q(4), Q(-6)});
  ks.push_back({Q(4), Q(-5)});
  ks.push_back({Q(4), Q(-5)});
  ks.push_back({Q(5), Q(-6)});
  const std::vector<Cx> ref = values(route_a(P, ks));
  const auto C = route_c(P, ks);
  check_all(P, ks, C, ref, 128, tally, "steps");
  internal::EdgeForm form(P);
  const size_t outs = static_cast<size_t>(outputs_of(P));
  for (size_t i = 0; i < ks.size(); ++i)
    if (ks[i] != VecQ{0, 0}) check_discs(form.coefficients(ks[i]), ref, i * outs, ks[i], "stepped disc");
}

TEST_CASE("route C: long runs of stepped phases (an 81 x 81 grid, 5000 steps in 1D)", "[spectrum][edges]") {
  // Radii grow with every multiplication; the values must stay inside them.
  Tally tally{"long runs"};
  {
    const Partition P = random_partition(2, {8, 8}, 1, 950, skew_box(), 20, 60);
    const auto grid = frequency_grid(2, 40);
    const std::vector<Cx> ref = values(route_a(P, grid));
    check_all(P, grid, route_c(P, grid), ref, 128, tally, "81 x 81 grid");
    internal::EdgeForm form(P);
    for (size_t i = 0; i < grid.size(); ++i)
      if (grid[i] != VecQ{0, 0}) check_discs(form.coefficients(grid[i]), ref, i, grid[i], "81 x 81 grid disc");
  }
  {
    const Partition P = random_partition(1, {16, 16}, 1, 951, box({-1}, {2}), 10, 60);
    std::vector<VecQ> ks = frequency_grid(1, 1500);
    for (int j = 0; j < 2000; ++j) ks.push_back({dec("100000.3") + j});
    const std::vector<Cx> ref = values(route_a(P, ks));
    check_all(P, ks, route_c(P, ks), ref, 128, tally, "1D, 5000 steps");
    internal::EdgeForm form(P);
    for (size_t i = 0; i < ks.size(); ++i)
      if (ks[i][0] != 0) check_discs(form.coefficients(ks[i]), ref, i, ks[i], "1D, 5000 steps, disc");
  }
}

// ====================================================================== 2. one input

TEST_CASE("route C: 1D networks on grids, non-integer and stepped non-integer frequencies", "[spectrum][edges]") {
  const std::vector<RandomCase> cases = {
      {{16}, 1, 201, unit(1)},
      {{8, 8}, 2, 202, unit(1)},
      {{16}, 2, 203, box({-1}, {2})},
      {{8, 8}, 1, 204, box({Q(-1, 3)}, {dec("1.7")})},
  };
  for (const RandomCase& c : cases) {
    const Partition P = c.partition(5, 40);
    const size_t outs = static_cast<size_t>(c.outputs);
    INFO("seed " << c.seed << ", " << P.regions.size() << " regions");
    Tally tally{"1D, seed " + std::to_string(c.seed) + " (" + std::to_string(P.regions.size()) + " regions)"};
    std::vector<VecQ> ks = frequency_grid(1, 200);  // 400 steps of +1
    for (int j = 0; j <= 40; ++j) ks.push_back({dec("0.3") + j});    // 0.3, 1.3, 2.3, ...
    for (int j = 0; j <= 20; ++j) ks.push_back({dec("-0.7") - j});   // and down from -0.7
    for (int j = 0; j <= 10; ++j) ks.push_back({Q(1, 3) + 4 * j});   // steps of 4
    for (int j = 0; j <= 10; ++j) ks.push_back({Q(2, 7) + 5 * j});   // steps of 5: fresh
    for (const char* k : {"0.37", "2.5", "12345.678", "99999.5", "0.001"}) {
      ks.push_back({dec(k)});
      ks.push_back({-dec(k)});
    }
    ks.push_back({Q(1, 3)});
    ks.push_back({Q(-22, 7)});
    const std::vector<Cx> ref = values(route_a(P, ks));
    const auto C = route_c(P, ks);
    check_all(P, ks, C, ref, 128, tally, "1D");
    long kept = 0, nonzero = 0;
    for (size_t j = 0; j < C.size(); ++j)
      if (!C[j].exact) {
        ++nonzero;
        kept += C[j].bits == 53;
        if (ref[j].abs() > 1e-12) {
          INFO(describe(C[j].k) << ", out " << C[j].out << ": |c| = " << ref[j].abs());
          CHECK(C[j].certified_digits >= 8);
        }
      }
    CHECK(kept >= nonzero * 9 / 10);
    // the same frequencies one per call (fresh phases)
    for (size_t i = 0; i < ks.size(); i += 3) {
      const auto alone = route_c(P, {ks[i]});
      for (size_t o = 0; o < outs; ++o)
        if (!alone[o].exact) check_agree(alone[o], C[i * outs + o], ref[i * outs + o], "fresh vs stepped (1D)");
    }
    internal::EdgeForm form(P);
    for (size_t i = 0; i < ks.size(); ++i)
      if (ks[i][0] != 0) check_discs(form.coefficients(ks[i]), ref, i * outs, ks[i], "1D disc");
  }
}

// ====================================================================== 3. adversarial frequencies

TEST_CASE("route C: frequencies orthogonal and nearly orthogonal to edges, large and tiny |k|", "[spectrum][edges]") {
  const std::vector<RandomCase> cases = {
      {{8, 8}, 1, 301, unit(2)},
      {{8, 8}, 2, 302, skew_box()},
      {{16}, 1, 303, box({-2, -2}, {2, 2})},
  };
  for (const RandomCase& c : cases) {
    const Partition P = c.partition(10, 80);
    const size_t outs = static_cast<size_t>(c.outputs);
    INFO("seed " << c.seed << ", " << P.regions.size() << " regions");
    Tally tally{"adversarial, seed " + std::to_string(c.seed)};
    const std::vector<Segment> kinks = kinked_edges(P);
    REQUIRE(kinks.size() >= 3);
    std::vector<VecQ> ks;
    std::vector<VecQ> tiny;  // the fallback must take these
    for (size_t e = 0; e < 3; ++e) {
      const Segment& edge = kinks[e];
      for (double size : {3.0, 40.0}) {
        const VecQ k = orthogonal(edge, size);
        // exactly orthogonal: k . (b - a) = 0
        REQUIRE(k[0] * (edge.b[0] - edge.a[0]) + k[1] * (edge.b[1] - edge.a[1]) == 0);
        ks.push_back(k);
        for (int p : {12, 9, 6, 30}) ks.push_back(nearly(k, p));
        // q . e around the switch from the Taylor series to the closed form (1/4), and beyond
        for (double s : {1e-8, 0.2499, 0.25, 0.2501, 0.5, 1.0, 3.0}) {
          ks.push_back(along_edge(k, edge, s));
          ks.push_back(along_edge(k, edge, -s));
        }
        // stepped rows from the orthogonal k (rational anchors)
        for (int j = 1; j <= 3; ++j) ks.push_back({k[0] + j, k[1]});
        for (int j = 1; j <= 3; ++j) ks.push_back({k[0] + 3, k[1] - j});
      }
      for (double size : {1e3, 1e5}) {
        const VecQ k = orthogonal(edge, size);
        ks.push_back(k);
        ks.push_back(nearly(k, 12));
        ks.push_back(along_edge(k, edge, 0.2));
      }
      const VecQ k_small = orthogonal(edge, 1);
      for (int e10 : {3, 9}) tiny.push_back(scaled(k_small, ten_to_minus(e10)));
    }
    // pieces of the domain's boundary (whose integrals of f use the moment kernel too), the
    // shortest and the longest, with q . e around the switch to the series
    const std::vector<Segment> pieces = boundary_pieces(P);
    REQUIRE(pieces.size() >= 4);
    for (const Segment& piece : {pieces.front(), pieces.back()}) {
      const size_t along = piece.a[0] == piece.b[0] ? 1 : 0;  // the coordinate that varies
      const double length = Q(piece.b[along] - piece.a[along]).get_d();
      for (double s : {1e-6, 0.2499, 0.25, 0.2501, -0.25, 0.26})
        for (const Q& other : {Q(0), Q(3), dec("0.37")}) {
          VecQ k(2);
          k[along] = near(s / (2 * M_PI * length));
          k[1 - along] = other;
          ks.push_back(k);
        }
    }
    // along the axes (orthogonal to the domain's faces) and generic directions
    for (const VecQ& k : std::vector<VecQ>{{0, 7},
                                          {5, 0},
                                          {0, Q(1, 3)},
                                          {Q(-2, 3), 0},
                                          {1000, 0},
                                          {0, -1000},
                                          {dec("1234.5"), dec("-987.6")},
                                          {100000, 0},
                                          {dec("31415.9"), 100000},
                                          {dec("-77777.7"), dec("99999.9")},
                                          {100000, 1},
                                          {100001, 1},
                                          {100002, 1},
                                          {100002, 2},
                                          {100000000, 3},
                                          {dec("12345678.9"), dec("-98765432.1")},
                                          {Q(1000000000000), 1}})
      ks.push_back(k);
    // tiny |k|: 1e-3 and 1e-9, on and off the axes
    for (int e10 : {3, 5, 6, 7, 9, 15}) {
      const Q t = ten_to_minus(e10);
      tiny.push_back({t, 0});
      tiny.push_back({0, Q(-t)});
      tiny.push_back({t, Q(2 * t)});
      tiny.push_back({Q(-3 * t), Q(t / 7)});
    }
    const std::vector<Cx> ref = values(route_a(P, ks));
    const auto C = route_c(P, ks);
    check_all(P, ks, C, ref, 128, tally, "adversarial");
    internal::EdgeForm form(P);
    for (size_t i = 0; i < ks.size(); ++i) check_discs(form.coefficients(ks[i]), ref, i * outs, ks[i], "disc");

    // tiny |k|: right, and where route C cannot certify 6 digits, route A at 128 bits gives >= 20
    const std::vector<Cx> tiny_ref = values(route_a(P, tiny));
    const auto T = route_c(P, tiny, 128);
    check_all(P, tiny, T, tiny_ref, 128, tally, "tiny |k|");
    for (size_t i = 0; i < tiny.size(); ++i) {
      const Coefficient& t = T[i * outs];
      INFO(describe(tiny[i]) << ": bits " << t.bits << ", " << t.certified_digits << " digits");
      double norm = 0;
      for (const Q& x : tiny[i]) norm = std::max(norm, std::fabs(x.get_d()));
      if (norm < 5e-7) CHECK(t.bits > 53);  // the identity's 1/|q|^2 cancels ~2 log10(1/|q|) digits
      if (t.bits > 53) {
        CHECK(t.bits == 128);
        for (size_t o = 0; o < outs; ++o) CHECK(T[i * outs + o].certified_digits >= 20);
      }
      if (verbose())
        WARN("seed " << c.seed << ", k ~ (" << tiny[i][0].get_d() << ", " << tiny[i][1].get_d() << "): bits " << t.bits
                     << ", " << t.certified_digits << " digits");
      // and the discs, whatever their width, still contain the value
      check_discs(internal::EdgeForm(P).coefficients(tiny[i]), tiny_ref, i * outs, tiny[i], "tiny disc");
    }
    // at 256 bits the fallback works at 256 bits (its 77 digits checked against route A at 512
    // bits read at 640)
    const auto T256 = route_c(P, {tiny.back()}, 256);
    CHECK(T256[0].bits == 256);
    CHECK(T256[0].certified_digits >= 55);
    const OracleBits bits(640);
    check_right(T256[0], values(route_a(P, {tiny.back()}))[0], 256, tally, "tiny |k| at 256 bits");
  }
}

TEST_CASE("route C: random frequencies around the series switch, on many small networks", "[spectrum][edges]") {
  // For every kinked edge and every piece of the boundary: q . e just below and above 1/4 (where
  // the means switch from their Taylor series to the closed forms), at 0.2656 (the series'
  // reach) and random values below, with the rest of k random; plus random k.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> U(-1, 1);
  for (unsigned seed = 900; seed < 912; ++seed) {
    const Partition P = random_partition(2, {8, 8}, 2, seed, seed % 2 ? unit(2) : skew_box(), 5, 120);
    INFO("seed " << seed << ", " << P.regions.size() << " regions");
    std::vector<VecQ> ks;
    for (const Segment& e : kinked_edges(P))
      for (double size : {1.0, 7.0, 300.0}) {
        const VecQ k = orthogonal(e, size * (1 + 0.3 * U(rng)));
        for (double s : {0.24999999, 0.25000001, 0.1 + 0.15 * std::fabs(U(rng)), 1e-3 * U(rng), 0.2656, 0.3})
          ks.push_back(along_edge(k, e, s));
      }
    for (const Segment& piece : boundary_pieces(P)) {
      const size_t along = piece.a[0] == piece.b[0] ? 1 : 0;
      const double length = Q(piece.b[along] - piece.a[along]).get_d();
      for (double s : {0.24999999, 0.25000001, 0.2 * U(rng)}) {
        VecQ k(2);
        k[along] = near(s / (2 * M_PI * length));
        k[1 - along] = near(20 * U(rng));
        ks.push_back(k);
      }
    }
    for (int i = 0; i < 50; ++i) ks.push_back({near(100 * U(rng)), near(100 * U(rng))});
    const std::vector<Cx> ref = values(route_a(P, ks));
    Tally tally{"series switch, seed " + std::to_string(seed)};
    check_all(P, ks, route_c(P, ks), ref, 128, tally, "series switch");
    internal::EdgeForm form(P);
    for (size_t i = 0; i < ks.size(); ++i) check_discs(form.coefficients(ks[i]), ref, i * 2, ks[i], "series switch, disc");
  }
}

TEST_CASE("route C: huge, tiny and far-away domains", "[spectrum][edges]") {
  const std::vector<Box> boxes = {box({-1000, -1000}, {1000, 1000}), box({0, 0}, {ten_to_minus(6), ten_to_minus(6)}),
                                  box({1000000, -1000000}, {1000001, -999999}), box({0, 0}, {Q(1, 3), 50})};
  for (size_t b = 0; b < boxes.size(); ++b) {
    const Box& D = boxes[b];
    // the first layer rescaled and recentred so that its lines cross the box
    Network net = random_net(2, {8, 8}, 2, 960 + static_cast<unsigned>(b), 2);
    const double w = D.hi[0].get_d() - D.lo[0].get_d(), x0 = (D.hi[0].get_d() + D.lo[0].get_d()) / 2,
                 y0 = (D.hi[1].get_d() + D.lo[1].get_d()) / 2;
    for (Eigen::Index i = 0; i < 8; ++i) {
      net.layers[0].weight(i, 0) /= w;
      net.layers[0].weight(i, 1) /= w;
      net.layers[0].bias[i] -= net.layers[0].weight(i, 0) * x0 + net.layers[0].weight(i, 1) * y0;
    }
    const Partition P = regions(to_exact(net), D);
    INFO(to_string(D) << ": " << P.regions.size() << " regions");
    std::vector<VecQ> ks = frequency_grid(2, 5);
    for (const Q& s : {Q(1, 1000), Q(1000), Q(1000000)})
      for (const VecQ& k : frequency_grid(2, 2)) ks.push_back(scaled(k, s / near(w)));
    const std::vector<Cx> ref = values(route_a(P, ks));
    Tally tally{"box " + to_string(D) + ", " + std::to_string(P.regions.size()) + " regions"};
    check_all(P, ks, route_c(P, ks), ref, 128, tally, "box");
    internal::EdgeForm form(P);
    for (size_t i = 0; i < ks.size(); ++i)
      if (ks[i] != VecQ{0, 0}) check_discs(form.coefficients(ks[i]), ref, i * 2, ks[i], "box, disc");
  }
}

// ====================================================================== 4. closed forms

// f(x) = relu(x - 1/2) on [0, 1]:
//   c(k) = integral_{1/2}^1 (x - 1/2) e^{-iqx} dx = e^{-iq/2} integral_0^{1/2} u e^{-iqu} du, q = 2 pi k,
// and since [(i u / q + 1 / q^2) e^{-iqu}]' = u e^{-iqu},
//   c(k) = e^{-iq/2} [(i / (2q) + 1/q^2) e^{-iq/2} - 1/q^2] = (i / (2q) + 1/q^2) e^{-iq} - e^{-iq/2} / q^2.
// For integer k: i / (4 pi k) + (1 - (-1)^k) / (4 pi^2 k^2). The mean is 1/8.
TEST_CASE("route C: relu(x - 1/2) on [0,1] against its closed form", "[spectrum][edges]") {
  const Partition P = regions(netq(1, {{{{1}}, {Q(-1, 2)}}, {{{1}}, {0}}}), unit(1));
  REQUIRE(P.regions.size() == 2);
  Tally tally{"relu(x - 1/2), closed form"};
  std::vector<VecQ> ks;
  for (long n = -40; n <= 40; ++n) ks.push_back({Q(n)});
  for (long n : {201L, 1000L, 99999L, -100000L}) ks.push_back({Q(n)});
  for (const char* k : {"0.37", "2.5", "0.5", "1.5", "12345.678", "0.001"}) {
    ks.push_back({dec(k)});
    ks.push_back({-dec(k)});
  }
  ks.push_back({Q(1, 3)});
  ks.push_back({ten_to_minus(9)});
  std::vector<Cx> exact;
  for (const VecQ& k : ks) exact.push_back(relu_half(k[0]));
  // the closed form against the integer formula and against quadrature
  for (size_t i = 0; i < ks.size(); ++i) {
    const Q& k = ks[i][0];
    if (k == 0 || k.get_den() != 1 || std::fabs(k.get_d()) > 50) continue;
    const long n = k.get_num().get_si();
    const double re = (n % 2 == 0 ? 0.0 : 1 / (2 * M_PI * M_PI * n * n)), im = 1 / (4 * M_PI * n);
    CHECK(std::fabs(exact[i].re.d() - re) <= 1e-15 * std::hypot(re, im));
    CHECK(std::fabs(exact[i].im.d() - im) <= 1e-15 * std::hypot(re, im));
  }
  for (size_t i : {41UL, 42UL, 47UL, 60UL, 90UL, 91UL, 97UL}) {
    INFO(describe(ks[i]));
    CHECK(so::agreement_digits(exact[i], so::coefficient(P, ks[i], 0), exact[i]) > 45);
  }
  const auto C = route_c(P, ks);
  check_all(P, ks, C, exact, 128, tally, "relu(x - 1/2)");
  CHECK(C[40].mean == "1/8");
}

// f(x, y) = relu(x + y - 1) on [0, 1]^2, one kink along the diagonal x + y = 1, which every
// k = (n, n) is orthogonal to. With u = 1 - x, v = 1 - y over the simplex u, v >= 0, u + v <= 1,
// f = 1 - u - v and e^{-iq.x} = e^{-i(a + b)} e^{i(au + bv)} (a = 2 pi k1, b = 2 pi k2), so
//   c(k) = e^{-i(a + b)} I(a, b),  I(a, b) = integral_0^1 e^{iau} integral_0^{1-u} (1 - u - v) e^{ibv} dv du.
// The inner integral, with L = 1 - u and w = L - v, is e^{ibL} integral_0^L w e^{-ibw} dw =
// i L / b + 1/b^2 - e^{ibL} / b^2 (b != 0), so
//   I(a, b) = (i/b) M(a) + E0(a) / b^2 - e^{ib} E0(a - b) / b^2
// with E0(s) = integral_0^1 e^{isu} du and M(s) = integral_0^1 (1 - u) e^{isu} du (closed forms
// above, with their values at s = 0). f is symmetric in x and y, so for k2 = 0 swap k1 and k2.
// The mean is integral of (1 - u - v) over the simplex = 1/6.
TEST_CASE("route C: relu(x + y - 1) on [0,1]^2 against its closed form and quadrature", "[spectrum][edges]") {
  const Partition P = regions(netq(2, {{{{1, 1}}, {-1}}, {{{1}}, {0}}}), unit(2));
  REQUIRE(P.regions.size() == 2);
  Tally tally{"relu(x + y - 1), closed form"};
  std::vector<VecQ> ks = {{1, 0},  {0, 1},   {1, 1},    {3, 3},          {-2, -2},        {2, -3},
                          {7, 4},  {-5, 6},  {40, -7},  {40, 40},        {Q(1, 3), Q(1, 3)}, {dec("0.37"), dec("-2.5")},
                          {dec("2.5"), dec("2.5")}, {1000, 999}, {1000, 1000}, {dec("31415.9"), 100000},
                          {5, Q(5) * (1 + ten_to_minus(12))}, {dec("0.001"), 0}, {dec("0.001"), dec("0.001")}};
  for (int j = -8; j <= 8; ++j) ks.push_back({Q(j), Q(3)});  // a stepped row
  std::vector<Cx> exact;
  {
    const OracleBits bits(320);  // closed forms at 320 bits: 1/b^2 cancellations at small k
    for (const VecQ& k0 : ks) {
      const VecQ k = k0[1] == 0 ? VecQ{k0[1], k0[0]} : k0;
      const Mp a = two_pi_times(k[0]), b = two_pi_times(k[1]);
      Mp a_minus_b;
      mpfr_sub(a_minus_b.v, a.v, b.v, MPFR_RNDN);
      const Mp ib = inverse(b);
      Mp ib2;
      mpfr_sqr(ib2.v, ib.v, MPFR_RNDN);
      const Cx I = imag(ib) * M(a, k[0] == 0) + so::scale(E0(a, k[0] == 0), ib2) -
                   so::scale(expi(b) * E0(a_minus_b, k[0] == k[1]), ib2);
      Mp sum;
      mpfr_add(sum.v, a.v, b.v, MPFR_RNDN);
      exact.push_back(so::expmi(sum) * I);
    }
  }
  // the closed form against quadrature, where quadrature is cheap
  for (size_t i = 0; i < ks.size(); ++i) {
    if (std::fabs(ks[i][0].get_d()) + std::fabs(ks[i][1].get_d()) > 20) continue;
    INFO(describe(ks[i]));
    CHECK(so::agreement_digits(exact[i], so::coefficient(P, ks[i], 0), exact[i]) > 45);
  }
  const auto C = route_c(P, ks);
  check_all(P, ks, C, exact, 128, tally, "relu(x + y - 1)");
  const auto mean = route_c(P, {{0, 0}});
  REQUIRE(mean.size() == 1);
  CHECK(mean[0].exact);
  CHECK(mean[0].mean == "1/6");
  check_mean(P, mean[0], 0);
}

// Coefficients that are exactly 0: no enclosure certifies a digit of them. Route C keeps them at
// |k| diam D >= 1 (no digit claimed, tiny in absolute terms) rather than pay route A for nothing.
//  - the hat relu(x) - 2 relu(x - 1/2) on [0, 1]: f(0) = f(1) = 0, so one integration by parts
//    gives c(n) = (1 / (iq)) integral of f' e^{-iqx}, and f' = +1 on (0, 1/2), -1 on (1/2, 1):
//    integral f' e^{-iqx} = (1 - 2 e^{-iq/2} + e^{-iq}) / (iq) = (2 - 2 (-1)^n) / (iq) for
//    integer n. So c(n) = -(2 - 2 (-1)^n) / (4 pi^2 n^2): -1/(pi^2 n^2) for odd n, 0 for even n;
//  - relu(x - 1/2) on [0,1]^2: separable, c(k) = c_1D(k1) * integral_0^1 e^{-2 pi i k2 y} dy,
//    0 for every integer k2 != 0.
TEST_CASE("route C: exactly vanishing coefficients claim no digit and stay in route C", "[spectrum][edges]") {
  Tally tally{"exact zeros"};
  {
    const Partition P = regions(netq(1, {{{{1}, {1}}, {0, Q(-1, 2)}}, {{{1, -2}}, {0}}}), unit(1));
    std::vector<VecQ> ks;
    std::vector<Cx> exact;
    for (long n = -12; n <= 12; ++n) {
      ks.push_back({Q(n)});
      Mp v = so::two_pi();
      mpfr_sqr(v.v, v.v, MPFR_RNDN);
      mpfr_mul_si(v.v, v.v, n * n, MPFR_RNDN);
      mpfr_si_div(v.v, n % 2 == 0 ? 0 : -4, v.v, MPFR_RNDN);  // -4 / (4 pi^2 n^2) for odd n
      exact.push_back(n == 0 ? real(Mp::of(Q(1, 4))) : real(v));
    }
    for (long bits : {128L, 256L}) {
      const auto C = route_c(P, ks, bits);
      check_all(P, ks, C, exact, bits, tally, "hat");
      for (size_t i = 0; i < ks.size(); ++i)
        if (ks[i][0] != 0 && ks[i][0].get_num().get_si() % 2 == 0) CHECK(C[i].route == SpectrumRoute::edges);
    }
  }
  {
    const Partition P = regions(netq(2, {{{{1, 0}}, {Q(-1, 2)}}, {{{1}}, {0}}}), unit(2));
    const std::vector<VecQ> grid = frequency_grid(2, 4);
    std::vector<VecQ> ks = grid;
    ks.push_back({dec("0.37"), 2});
    ks.push_back({dec("0.37"), dec("2.5")});
    ks.push_back({dec("-2.5"), 0});
    std::vector<Cx> exact;
    for (const VecQ& k : ks) exact.push_back(relu_half(k[0]) * I0(k[1]));
    const auto C = route_c(P, ks);
    check_all(P, ks, C, exact, 128, tally, "relu(x - 1/2) in 2D");
    CHECK(tally.kept > 0);
  }
}

TEST_CASE("route C: slanted neurons on a non-unit box against quadrature", "[spectrum][edges]") {
  Tally tally{"slanted neurons, quadrature"};
  const Box D = box({Q(-1, 3), dec("0.1")}, {2, dec("1.7")});
  // relu(0.75 x - 1.25 y + 0.3) and a hat along a slanted direction, two outputs
  const NetworkQ net = netq(2, {{{{dec("0.75"), dec("-1.25")}, {dec("0.75"), dec("-1.25")}},
                                 {dec("0.3"), dec("-0.2")}},
                                {{{1, -2}, {1, 0}}, {0, Q(1, 7)}}});
  const Partition P = regions(net, D);
  REQUIRE(P.regions.size() == 3);
  const std::vector<VecQ> ks = {{1, 0}, {0, 1}, {2, -3}, {dec("0.37"), dec("-2.5")}, {5, 3}, {-3, 5}, {Q(5, 4), Q(3, 4)},
                                {-4, 3}, {-4, 4}, {-4, 5}, {dec("-2.5"), dec("0.37")}, {12, -7}};
  std::vector<Cx> ref;
  for (const VecQ& k : ks)
    for (int o = 0; o < 2; ++o) ref.push_back(so::coefficient(P, k, o));
  check_all(P, ks, route_c(P, ks), ref, 128, tally, "slanted neurons");
  const auto mean = route_c(P, {{0, 0}});
  for (int o = 0; o < 2; ++o) check_mean(P, mean[static_cast<size_t>(o)], o);
}

// ====================================================================== 5. trained fixtures

TEST_CASE("route C: trained fixture networks against route A at 256 bits", "[spectrum][edges]") {
  {
    const Network net = read_network(relutope::test::fixture("net_a_f64.json"));
    REQUIRE(net.input_dim == 2);
    for (const Box& D : {unit(2), net.domain.value()}) {
      const Partition P = regions(to_exact(net), D);
      INFO("net_a_f64 on " << to_string(D) << ": " << P.regions.size() << " regions");
      Tally tally{"net_a_f64 on " + to_string(D)};
      const std::vector<VecQ> grid = frequency_grid(2, 4);
      const auto C = route_c(P, grid);
      check_all(P, grid, C, values(route_a(P, grid, 256)), 128, tally, "net_a_f64");
      CHECK(tally.kept >= tally.checked * 9 / 10);
    }
  }
  {
    const Network net = read_network(relutope::test::fixture("net_b_f64.json"));
    REQUIRE(net.input_dim == 1);
    const Partition P = regions(to_exact(net), net.domain.value());
    Tally tally{"net_b_f64"};
    const std::vector<VecQ> grid = frequency_grid(1, 32);
    check_all(P, grid, route_c(P, grid), values(route_a(P, grid, 256)), 128, tally, "net_b_f64");
  }
}

// ====================================================================== 6. k = 0

TEST_CASE("route C: k = 0 is the exact mean, alone and amid stepped frequencies", "[spectrum][edges]") {
  for (int dim : {1, 2}) {
    for (unsigned seed : {601u, 602u}) {
      const Partition P = dim == 1 ? random_partition(1, {8, 8}, 2, seed, box({Q(-1, 3)}, {dec("1.7")}), 4, 40)
                                   : random_partition(2, {8, 8}, 2, seed, skew_box(), 8, 60);
      const VecQ zero(static_cast<size_t>(dim), Q(0));
      for (long bits : {64L, 128L, 512L}) {
        const auto alone = route_c(P, {zero}, bits);
        REQUIRE(alone.size() == 2);
        for (int o = 0; o < 2; ++o) check_mean(P, alone[static_cast<size_t>(o)], o);
      }
      // repeated and amid a row, before and after k != 0
      std::vector<VecQ> ks;
      for (int j = -2; j <= 2; ++j) ks.push_back(dim == 1 ? VecQ{Q(j)} : VecQ{Q(0), Q(j)});
      ks.push_back(zero);
      ks.push_back(zero);
      const auto C = route_c(P, ks);
      Tally tally{"k = 0 rows"};
      check_all(P, ks, C, values(route_a(P, ks)), 128, tally, "row through 0");
      for (size_t i : {2UL, 5UL, 6UL})
        for (int o = 0; o < 2; ++o) CHECK(C[i * 2 + static_cast<size_t>(o)].exact);
    }
  }
}

// ====================================================================== options

TEST_CASE("route C: bad input and the progress callback", "[spectrum][edges]") {
  const Partition P = random_partition(2, {6}, 1, 701, unit(2), 4, 60);
  CHECK_THROWS_AS(spectrum(P, {{1, 2, 3}}), InputError);
  CHECK_THROWS_AS(spectrum(P, {{1}}), InputError);
  CHECK_THROWS_AS(spectrum(P, {{1, 2}}, SpectrumOptions{8, SpectrumRoute::edges, {}}), InputError);
  CHECK_THROWS_AS(spectrum(P, {{1, 2}}, SpectrumOptions{8192, SpectrumRoute::edges, {}}), InputError);
  CHECK(spectrum(P, {}).empty());
  std::vector<std::pair<long, long>> calls;
  const std::vector<VecQ> grid = frequency_grid(2, 3);
  SpectrumOptions options;
  options.progress = [&](long done, long total) { calls.emplace_back(done, total); };
  const auto C = spectrum(P, grid, options);
  REQUIRE(C.size() == grid.size());
  REQUIRE(!calls.empty());
  CHECK(calls.back() == std::make_pair(static_cast<long>(grid.size()), static_cast<long>(grid.size())));
  for (size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first >= calls[i - 1].first);
  Tally tally{"progress"};
  check_all(P, grid, C, values(route_a(P, grid)), 128, tally, "with a progress callback");
}
