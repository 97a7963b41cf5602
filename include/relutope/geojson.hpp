#pragma once
// The partition as GeoJSON, for other tools (QGIS, shapely, d3).
#include "relutope/regions.hpp"

#include <string>

namespace relutope {

/// A GeoJSON FeatureCollection with one Feature per region. Geometry: a Polygon (2D; the ring
/// closed, counter-clockwise) or a LineString along y = 0 (1D), in doubles. Properties:
/// "index", "piece", "pattern", "vertices" (exact, as "p/q" strings, [[x, y], ...]),
/// "weight" (#outputs x dim) and "bias" (#outputs) exact strings, "area" (exact string; the
/// length in 1D) and "area_double".
std::string geojson(const Partition& partition);

}  // namespace relutope
