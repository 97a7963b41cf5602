#pragma once
// The hyperplane of a facet from its exact vertices (internal).
#include "relutope/exact.hpp"

#include <vector>

namespace relutope::engine {

/// A hyperplane a . x + c = 0 as integers.
using Row = std::vector<mpz_class>;

/// The hyperplane through a facet's exact vertices (d <= 3: a point, two points, or three
/// non-collinear ones among them) as a primitive integer row whose first non-zero entry is
/// positive: equal hyperplanes get equal rows.
Row facet_plane(const std::vector<VecQ>& points, int d);

/// a . x + c exactly.
Rational value(const Row& row, const VecQ& x);

}  // namespace relutope::engine
