#pragma once
// Paper figures, drawn with cairo as vector PDF or SVG (or PNG), from the exact geometry.
#include "relutope/regions.hpp"

#include <string>

namespace relutope {

struct RegionsFigure {
  bool first_layer = false;   // overlay the first layer's zero lines (Lazzari & Liu Fig. 2 c-d)
  int grid = 0;               // overlay the R x R sample grid's cell centres (R > 0)
  std::string x_label = "x1", y_label = "x2";
};

/// Draws the partition: 2D regions filled in distinct colours with their boundaries, as
/// Lazzari & Liu Fig. 2 (a-d); 1D intervals as coloured bands under the graph of the first output.
/// `net` is the analysis network (for the first layer's lines). The format follows the suffix of
/// `path` (.pdf, .svg, .png); the file is written whole or not at all. Throws InputError for an
/// unknown suffix or an unwritable path.
void draw_regions(const Partition& partition, const NetworkQ& net, const RegionsFigure& options, const std::string& path);

}  // namespace relutope
