#pragma once
// Region files written as the regions stream in: each region once, exact, and the file whole or
// absent (AtomicStream).
#include "relutope/atomic_file.hpp"
#include "relutope/engine/region_record.hpp"

#include <string>

namespace relutope {

/// A GeoJSON FeatureCollection (1D and 2D), one Feature per region, for other tools (QGIS,
/// shapely, d3). Geometry: a Polygon (2D; the ring closed, counter-clockwise) or a LineString
/// along y = 0 (1D), in doubles. Properties: "index" (the stream's order), "pattern", "vertices"
/// (exact, as "p/q" strings, [[x, y], ...]), "weight" (#outputs x dim) and "bias" (#outputs)
/// exact strings, "area" (exact string; the length in 1D) and "area_double".
class GeoJsonWriter : public RegionSink {
public:
  explicit GeoJsonWriter(const std::string& path);
  Demand demand(const RegionRecord&) const override { return {true, true}; }
  void add(RegionRecord&& record) override;
  /// Ends the collection and renames the file into place.
  void finish();

private:
  AtomicStream file_;
  long count_ = 0;
};

/// The regions as polytopes in any dimension, one JSON document:
///   {"format": "relutope.polytopes", "version": 1, "dim": d, "regions": [
///     {"index": i, "pattern": "0110..", "vertices": [["p/q", ...], ...] (exact, d each),
///      "facets": [{"plane": [layer, neuron] or ["domain", axis, "lo"|"hi"], "side": +1|-1,
///                  "vertices": [indices into "vertices"]}, ...],
///      "weight": [[..], ..] (#outputs x d), "bias": [..] (#outputs), exact strings,
///      "measure": "p/q" (length, area or volume)}, ...]}
/// A facet on [layer, neuron] lies on that hidden neuron's zero set with the region where
/// side x pre-activation >= 0; layers count hidden layers from 0.
class PolytopeWriter : public RegionSink {
public:
  PolytopeWriter(const std::string& path, int dim);
  Demand demand(const RegionRecord&) const override { return {true, true}; }
  void add(RegionRecord&& record) override;
  void finish();

private:
  AtomicStream file_;
  long count_ = 0;
};

}  // namespace relutope
