#pragma once
// What the enumeration hands out: one flat record per activation region, as it is found.
#include "relutope/exact.hpp"

#include <cstdint>
#include <vector>

namespace relutope {

/// The hyperplane a facet or a vertex lies on: hidden neuron `index` of hidden layer `layer`
/// (its zero set in the region's ancestor on which layers < `layer` have fixed patterns), or,
/// with layer = -1, the face of the domain box x_{index / 2} = lo (index even) or hi (odd).
struct HyperplaneLabel {
  int layer = -1;
  int index = 0;
  bool is_domain_face() const { return layer < 0; }
  bool operator==(const HyperplaneLabel& o) const { return layer == o.layer && index == o.index; }
  bool operator<(const HyperplaneLabel& o) const { return layer < o.layer || (layer == o.layer && index < o.index); }
};

/// One activation region as a flat record: doubles for speed, labels for exactness, and the
/// exact values when a sink asks for them (see Demand). Everything exact can also be rebuilt
/// from `pattern` and the labels alone, so records can be moved between threads or machines.
struct RegionRecord {
  int dim = 0;
  /// Activation pattern, one bit per hidden neuron in layer order (bit i of word i / 64).
  std::vector<std::uint64_t> pattern;
  int pattern_bits = 0;
  /// Vertices: vertex_count() of them, approximate Cartesian coordinates for drawing and choosing
  /// (quotients of the filter's cofactors: close where the hyperplanes meet at a fair angle, not
  /// certified; the exact ones are in exact_vertices). Order: 1D {lo, hi}; 2D counter-clockwise;
  /// 3D and above, as found.
  std::vector<double> vertices;
  /// For vertex v, the `dim` hyperplanes that meet exactly there: entries [v dim, (v+1) dim).
  std::vector<HyperplaneLabel> vertex_planes;
  /// Facets: facet f lies on facet_planes[f], with the region on its side facet_sides[f]
  /// (+1: the neuron's pre-activation is >= 0 on the region, or inside the box), and has the
  /// vertices facet_vertices[facet_offsets[f] .. facet_offsets[f+1]). In 2D facet f is the edge
  /// from vertex f to vertex f+1 (cyclically).
  std::vector<HyperplaneLabel> facet_planes;
  std::vector<signed char> facet_sides;
  std::vector<int> facet_offsets{0};
  std::vector<int> facet_vertices;
  /// Facets on which some other neuron may vanish too (a degenerate arrangement): adjacency
  /// across them is decided geometrically instead of by the pattern (see PieceJoin).
  std::vector<char> facet_degenerate;
  /// The network's output map on the region, approximately: row-major #outputs x (dim + 1),
  /// each row (weights, bias); |exact - approximate| <= map_radius entrywise.
  int outputs = 0;
  std::vector<double> map;
  double map_radius = 0;
  /// Present when demanded: exact vertices (same order) and the exact affine map f = W x + b.
  std::vector<VecQ> exact_vertices;
  MatQ exact_weight;
  VecQ exact_bias;

  int vertex_count() const { return dim == 0 ? 0 : static_cast<int>(vertex_planes.size()) / dim; }
  int facet_count() const { return static_cast<int>(facet_planes.size()); }
  bool bit(int neuron) const { return (pattern[static_cast<size_t>(neuron) / 64] >> (neuron % 64)) & 1U; }
};

/// What a sink needs beyond the approximate record, decided per region on the worker thread.
struct Demand {
  bool exact_vertices = false;
  bool exact_map = false;
};

/// A consumer of the region stream. `demand` may run on any thread at once (make it const and
/// thread-safe); `add` runs on one thread, in the canonical order, the same for any thread count.
class RegionSink {
public:
  virtual ~RegionSink() = default;
  virtual Demand demand(const RegionRecord&) const { return {}; }
  virtual void add(RegionRecord&& record) = 0;
};

/// Hands each record to several sinks; demands what any of them demands.
class TeeSink : public RegionSink {
public:
  explicit TeeSink(std::vector<RegionSink*> sinks) : sinks_(std::move(sinks)) {}
  Demand demand(const RegionRecord& record) const override {
    Demand all;
    for (const RegionSink* sink : sinks_) {
      const Demand d = sink->demand(record);
      all.exact_vertices |= d.exact_vertices;
      all.exact_map |= d.exact_map;
    }
    return all;
  }
  void add(RegionRecord&& record) override {
    for (size_t i = 0; i + 1 < sinks_.size(); ++i) sinks_[i]->add(RegionRecord(record));
    if (!sinks_.empty()) sinks_.back()->add(std::move(record));
  }

private:
  std::vector<RegionSink*> sinks_;
};

}  // namespace relutope
