#pragma once
// The engine's named predicates (internal). Each tries floating point with a rigorous error
// bound and answers when the bound proves the sign; otherwise the caller decides in exact
// integers. The error analysis is in docs/engine.md §2; the switch force_exact_predicates turns the
// filter off everywhere.
#include <gmpxx.h>

#include <optional>
#include <vector>

namespace relutope::engine {

using Int = mpz_class;

/// A vector of doubles with one radius: |exact_k - value_k| <= radius for every k.
struct ApproxVector {
  const double* value = nullptr;
  double radius = 0;
};

/// True when the filter is off (tests).
bool exact_only();

constexpr double unit_roundoff = 0x1p-53;  // of round-to-nearest doubles
constexpr double smallest_subnormal = 0x1p-1074;  // the absolute error of an underflow

/// gamma_n = n u / (1 - n u) (Higham): the relative error bound of n roundings in a chain.
inline double gamma(long n) {
  return static_cast<double>(n) * unit_roundoff / (1 - static_cast<double>(n) * unit_roundoff);
}

/// A bound computed in floating point from k operations on non-negative numbers, each rounded
/// (relative error <= u, or an absolute error <= eta / 2 when the result underflows), raised so
/// that it bounds the exact value of the same expression.
inline double inflate(double bound, long k) {
  return bound * (1 + static_cast<double>(k + 2) * 2 * unit_roundoff) + static_cast<double>(k) * smallest_subnormal;
}

/// The error bound of a dot product of n terms computed in doubles (docs/engine.md §2): with rho
/// and nu the radii of r and v, sum_r = sum|r~|, sum_v = sum|v~|, products = sum|r~ v~|, the
/// computed r~ . v~ (in any order, fused or not) is within this of the exact r . v:
///   rho sum_v + nu sum_r + n rho nu      (the inputs' errors)
///   + gamma_n products + n eta           (the rounding of the products and the sum)
inline double dot_error_bound(double rho, double nu, double sum_r, double sum_v, double products, int n) {
  return inflate(rho * sum_v + nu * sum_r + n * rho * nu + gamma(n) * products + n * smallest_subnormal, 4 * n + 8);
}

/// sign(r . v) for vectors of n entries (a pre-activation row and a homogeneous vertex), if the
/// floating-point value's error bound proves it; nothing otherwise.
std::optional<int> filtered_dot_sign(ApproxVector r, ApproxVector v, int n);

/// sign(r . v) exactly.
int exact_dot_sign(const Int* r, const Int* v, int n);

/// The homogeneous point where d hyperplanes meet: the cofactors V_k = (-1)^k det(A without
/// column k) of the d x (d+1) matrix A of their rows, so that a . V = 0 for each row a, and
/// (V_0..V_{d-1}) / V_d is the point. Approximately: `out` (d+1 values) and its radius; returns
/// the sign of V_d when the bound proves it (0 when it cannot: the caller goes exact).
int approximate_cofactors(const std::vector<ApproxVector>& rows, int d, double* out, double& radius);

/// Exactly, oriented so that V_d > 0 (the rows must be independent).
std::vector<Int> exact_cofactors(const std::vector<const Int*>& rows, int d);

/// sign(det M) of the m x m matrix with the given rows (each of m entries), if the bound proves
/// it; and exactly.
std::optional<int> filtered_det_sign(const std::vector<ApproxVector>& rows, int m);
int exact_det_sign(const std::vector<const Int*>& rows, int m);

/// Rank of the given rows (each of n entries), exactly.
int exact_rank(const std::vector<const Int*>& rows, int n);

/// Counters of one thread's decisions.
struct DecisionCounts {
  long filtered = 0, exact = 0;
};
DecisionCounts& thread_counts();

}  // namespace relutope::engine
