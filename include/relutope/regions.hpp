#pragma once
// Exact enumeration of a ReLU network's activation regions in 1D (intervals) or 2D (convex
// polygons): every region with its exact vertices, activation pattern and affine map.
#include "relutope/domain.hpp"
#include "relutope/network.hpp"

#include <functional>
#include <string>
#include <vector>

namespace relutope {

/// One activation region: the closure of the set of domain points with one activation pattern,
/// a convex polytope with non-empty interior.
struct Region {
  /// Exact vertices, each with `dim` coordinates. 2D: the polygon's corners counter-clockwise,
  /// no vertex repeated and none in the middle of an edge. 1D: {lo, hi}.
  std::vector<VecQ> vertices;
  ActivationPattern pattern;   // one bit per hidden neuron, layer by layer ('1': z > 0 inside)
  MatQ weight;                 // #outputs x dim: f(x) = weight x + bias on the region
  VecQ bias;                   // #outputs
};

/// The partition of the domain into activation regions.
struct Partition {
  int dim = 0;                            // 1 or 2
  Box domain;
  std::vector<Region> regions;
  /// Pairs (a, b), a < b, of regions sharing a boundary of positive length (2D) or a point (1D).
  std::vector<std::pair<int, int>> adjacent;
  /// Linear piece of each region: adjacent regions with exactly equal affine maps, joined
  /// transitively, share a piece. Pieces are numbered 0..piece_count-1.
  std::vector<int> piece;
  int piece_count = 0;
};

/// Bounds on an enumeration, and a way to watch it.
struct RegionOptions {
  long max_regions = 1'000'000;   // more regions than this: LimitError
  double time_limit = 0;          // seconds; 0: none. Exceeded: LimitError
  /// Called now and then with (layer, parents done, parents in the layer, regions so far).
  std::function<void(int layer, long done, long total, long regions)> progress;
};

/// Enumerates the activation regions of `net` on `domain` exactly, layer by layer. `net` must
/// have identity encoding and 1 or 2 inputs (see analysis_network for slices), `domain` the
/// same dimension. Throws InputError on a mismatch and LimitError when a limit is hit.
Partition regions(const NetworkQ& net, const Box& domain, const RegionOptions& options = {});

/// The number of outputs of the partitioned network's function (0 without regions).
int output_count(const Partition& partition);

/// The region's affine map of output `out` at x, exactly.
Rational affine_value(const Region& region, int out, const VecQ& x);

/// Exact area (2D) or length (1D) of a region.
Rational measure(const Region& region);

/// Index of the region whose closure contains x (the lowest index if x is on a boundary),
/// or -1 if x is outside the domain. Exact.
int locate(const Partition& partition, const VecQ& x);

/// Indices, in increasing order, of every region whose closure contains x (none if x is outside
/// the domain). Exact. Regions' interiors are disjoint, so x lies on a boundary between regions
/// (where the activation pattern changes) iff more than one region holds it.
std::vector<int> locate_all(const Partition& partition, const VecQ& x);

}  // namespace relutope
