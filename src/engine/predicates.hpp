#pragma once
// The engine's named predicates (internal). Each tries floating point with a rigorous error
// bound and answers when the bound proves the sign; otherwise the caller decides in exact
// integers. The error analysis is in DESIGN.md §3a; the switch force_exact_predicates turns the
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
