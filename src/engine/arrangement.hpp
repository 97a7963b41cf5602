#pragma once
// The CGAL arrangement of a partition's polygons (internal): the only place CGAL is compiled.
#include "relutope/engine/partition.hpp"

#include <utility>
#include <vector>

namespace relutope::internal {

/// Inserts every region's edges into one Arrangement_2 (exact kernel), matches each bounded face
/// to the region that contains it, and returns the pairs (a, b), a < b, of regions that share an
/// edge of positive length. Throws std::logic_error if the faces and the regions do not match
/// one to one (the regions overlap or leave a gap: a bug, never bad input).
std::vector<std::pair<int, int>> adjacent_polygons(const std::vector<Region>& regions);

}  // namespace relutope::internal
