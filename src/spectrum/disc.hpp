#pragma once
// Certified enclosures in hardware doubles (internal): a real number as midpoint and radius, a
// complex number as midpoint and one radius bounding the modulus of its error (a disc).
//
// Every midpoint is rounded to nearest, and every operation adds its own rounding error to the
// radius: for a rounded result m, |exact - m| <= u |m| (u = 2^-53) in the normal range. A
// radius expression is itself evaluated in round-to-nearest (a handful of operations on
// non-negative numbers, each off by a factor within 1 +- u) and then passed through up(),
// whose factor 1 + 2^-48 = 1 + 32 u exceeds the accumulated (1 + u)^10, and whose 2^-1000
// absorbs underflow (at most 2^-1075 per operation). So each radius is an upper bound without
// directed rounding (Rump, BIT 39 (1999) 534-554, in the same spirit); the evaluation only holds
// round-to-nearest in place (RoundToNearest), in case a caller changed the mode.
#include "relutope/exact.hpp"

#include <algorithm>
#include <cfloat>
#include <cfenv>
#include <cmath>
#include <limits>

namespace relutope::internal {

static_assert(FLT_EVAL_METHOD == 0, "the bounds assume every double operation rounds to double");

constexpr double kUnitRoundoff = 0x1p-53;

/// Holds round-to-nearest, which the bounds assume, while it lives (a caller may have changed it).
class RoundToNearest {
public:
  RoundToNearest() : saved_(std::fegetround()) { std::fesetround(FE_TONEAREST); }
  ~RoundToNearest() { std::fesetround(saved_); }
  RoundToNearest(const RoundToNearest&) = delete;
  RoundToNearest& operator=(const RoundToNearest&) = delete;

private:
  int saved_;
};

inline double up(double radius) { return radius * (1 + 0x1p-48) + 0x1p-1000; }

/// The mirror of up() for lower bounds: for the round-to-nearest result x of at most 4 operations
/// on an exact value E >= 0, 0 <= down(x) <= E ((1 + u)^5 < 1 + 2^-50; 2^-1000 absorbs underflow).
inline double down(double x) { return std::max(0.0, x * (1 - 0x1p-50) - 0x1p-1000); }

/// A real interval [mid - rad, mid + rad].
struct IntervalD {
  double mid = 0, rad = 0;
};

/// The double nearest to q, with its rounding error.
inline IntervalD nearest(const Rational& q) {
  const double m = to_double(q);
  return {m, up(kUnitRoundoff * std::fabs(m))};
}

/// A complex disc: |exact - (re + i im)| <= rad.
struct DiscD {
  double re = 0, im = 0, rad = 0;
};

/// |re| + |im|: an upper bound on the modulus that needs no square root, for rounding terms.
inline double magnitude(const DiscD& z) { return std::fabs(z.re) + std::fabs(z.im); }

/// A tight upper bound on the modulus, for factors that multiply a radius: with |re| + |im|
/// there, repeated products (phases stepped across a grid) would grow radii by up to sqrt(2)
/// per step. The sum of squares and the square root lose at most 2.5 u; 2^-500 covers underflow.
inline double modulus(const DiscD& z) { return std::sqrt(z.re * z.re + z.im * z.im) * (1 + 0x1p-50) + 0x1p-500; }

inline IntervalD operator+(const IntervalD& a, const IntervalD& b) {
  const double m = a.mid + b.mid;
  return {m, up(a.rad + b.rad + kUnitRoundoff * std::fabs(m))};
}

inline IntervalD operator-(const IntervalD& a, const IntervalD& b) { return a + IntervalD{-b.mid, b.rad}; }

inline IntervalD operator*(const IntervalD& a, const IntervalD& b) {
  const double m = a.mid * b.mid;
  return {m, up(std::fabs(a.mid) * b.rad + a.rad * (std::fabs(b.mid) + b.rad) + kUnitRoundoff * std::fabs(m))};
}

/// 1/a; an infinite radius if a may contain 0.
inline IntervalD inverse(const IntervalD& a) {
  const double m = 1 / a.mid;
  // |1/x - 1/mid| <= rad / ((|mid| - rad) |mid|); the denominator rounded down
  // (normal range only: a subnormal low would carry an absolute, not relative, rounding error)
  const double low = (std::fabs(a.mid) - a.rad) * std::fabs(a.mid) * (1 - 0x1p-48);
  if (!(low >= std::numeric_limits<double>::min())) return {m, std::numeric_limits<double>::infinity()};
  return {m, up(a.rad / low + kUnitRoundoff * std::fabs(m))};
}

/// The disc enclosing the box re x im.
inline DiscD disc(const IntervalD& re, const IntervalD& im) { return {re.mid, im.mid, up(re.rad + im.rad)}; }

inline DiscD operator+(const DiscD& a, const DiscD& b) {
  const DiscD m{a.re + b.re, a.im + b.im};
  return {m.re, m.im, up(a.rad + b.rad + kUnitRoundoff * magnitude(m))};
}

inline DiscD operator-(const DiscD& a, const DiscD& b) { return a + DiscD{-b.re, -b.im, b.rad}; }

inline DiscD times_i(const DiscD& a) { return {-a.im, a.re, a.rad}; }

inline DiscD operator*(const DiscD& a, const DiscD& b) {
  const double ac = a.re * b.re, bd = a.im * b.im, ad = a.re * b.im, bc = a.im * b.re;
  const DiscD m{ac - bd, ad + bc};
  const double rounding = std::fabs(ac) + std::fabs(bd) + std::fabs(ad) + std::fabs(bc) + magnitude(m);
  return {m.re, m.im, up(modulus(a) * b.rad + a.rad * (modulus(b) + b.rad) + kUnitRoundoff * rounding)};
}

inline DiscD operator*(const DiscD& a, const IntervalD& b) {
  const DiscD m{a.re * b.mid, a.im * b.mid};
  return {m.re, m.im, up(magnitude(a) * b.rad + a.rad * (std::fabs(b.mid) + b.rad) + kUnitRoundoff * magnitude(m))};
}

/// acc + b z with one rounding per component (fused multiply-add).
inline DiscD add_product(const DiscD& acc, const IntervalD& b, const DiscD& z) {
  const DiscD m{std::fma(b.mid, z.re, acc.re), std::fma(b.mid, z.im, acc.im)};
  return {m.re, m.im,
          up(acc.rad + std::fabs(b.mid) * z.rad + b.rad * (magnitude(z) + z.rad) + kUnitRoundoff * magnitude(m))};
}

}  // namespace relutope::internal
