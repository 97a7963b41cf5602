#pragma once
// The partition of a box into a ReLU network's activation regions, held in memory with every
// exact value: one consumer of the engine's stream (engine/enumerate.hpp) among others.
#include "relutope/domain.hpp"
#include "relutope/engine/enumerate.hpp"
#include "relutope/network/network.hpp"

#include <memory>
#include <string>
#include <vector>

namespace relutope {

/// One activation region: the closure of the set of domain points with one activation pattern,
/// a convex polytope with non-empty interior.
struct Region {
  /// Exact vertices, each with `dim` coordinates. 2D: the polygon's corners counter-clockwise,
  /// no vertex repeated and none in the middle of an edge. 1D: {lo, hi}. 3D and above: as found.
  std::vector<VecQ> vertices;
  /// Facets: the hyperplane each lies on (a neuron's zero set or a face of the box) and the
  /// indices of its vertices. 2D: facet k is the edge from vertex k to vertex k+1.
  struct Facet {
    HyperplaneLabel plane;
    int side = 1;  // the region lies where side x (the neuron's pre-activation) >= 0
    std::vector<int> vertices;
  };
  std::vector<Facet> facets;
  ActivationPattern pattern;   // one bit per hidden neuron, layer by layer ('1': z > 0 inside)
  MatQ weight;                 // #outputs x dim: f(x) = weight x + bias on the region
  VecQ bias;                   // #outputs
};

/// The partition of the domain into activation regions.
struct Partition {
  int dim = 0;                            // the number of inputs
  Box domain;
  std::vector<Region> regions;
  /// Pairs (a, b), a < b, in increasing order, of regions sharing a facet: a boundary piece of
  /// positive (d-1)-dimensional measure (a point in 1D).
  std::vector<std::pair<int, int>> adjacent;
  /// Linear piece of each region: adjacent regions with exactly equal affine maps, joined
  /// transitively, share a piece. Pieces are numbered 0..piece_count-1.
  std::vector<int> piece;
  int piece_count = 0;
};

using RegionOptions = EngineOptions;

/// The sink that holds the partition: every region with its exact values, then adjacency and
/// linear pieces (PieceJoin) in finish().
class PartitionBuilder : public RegionSink {
public:
  PartitionBuilder(const NetworkQ& net, const Box& domain);
  ~PartitionBuilder() override;
  Demand demand(const RegionRecord&) const override { return {true, true}; }
  void add(RegionRecord&& record) override;
  Partition finish();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Enumerates the activation regions of `net` on `domain` exactly (enumerate_regions), in the
/// canonical order, with exact vertices and maps, adjacency and linear pieces (PieceJoin).
/// Throws as enumerate_regions does.
Partition regions(const NetworkQ& net, const Box& domain, const RegionOptions& options = {});

/// The exact 2D certificate: inserts every region's edges into one CGAL Arrangement_2 (exact
/// kernel) and checks one face per region and the same adjacency as the facet join's. Throws
/// std::logic_error on a mismatch (a bug, never bad input).
void validate_partition(const Partition& partition);

/// The region of a record with its exact values (demanded: exact vertices and map).
Region region_of(RegionRecord&& record);

/// The number of outputs of the partitioned network's function (0 without regions).
int output_count(const Partition& partition);

/// The region's affine map of output `out` at x, exactly.
Rational affine_value(const Region& region, int out, const VecQ& x);

/// Exact length (1D), area (2D) or d-volume of a region (a triangulation pulled from a vertex).
Rational measure(const Region& region);

/// Index of the region whose closure contains x (the lowest index if x is on a boundary),
/// or -1 if x is outside the domain. Exact.
int locate(const Partition& partition, const VecQ& x);

/// Indices, in increasing order, of every region whose closure contains x (none if x is outside
/// the domain). Exact. Regions' interiors are disjoint, so x lies on a boundary between regions
/// (where the activation pattern changes) iff more than one region holds it.
std::vector<int> locate_all(const Partition& partition, const VecQ& x);

}  // namespace relutope
