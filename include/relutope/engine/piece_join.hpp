#pragma once
// Adjacency and linear pieces from the region stream, by joining facets on their hyperplanes.
#include "relutope/engine/region_record.hpp"
#include "relutope/network/network.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace relutope {

/// Finds which regions of a stream share a facet (a (d-1)-dimensional boundary piece) and which
/// adjacent regions have the same affine map (DESIGN.md §3). Regions are numbered in the order
/// they are added.
///
/// Across a facet on neuron (l, j)'s zero set that no other neuron vanishes on, the region on the
/// other side is the one whose pattern differs in bit (l, j) alone: a hash join on patterns finds
/// it. Facets where the arrangement is degenerate (RegionRecord::facet_degenerate) are matched
/// geometrically instead, in exact arithmetic, against the other degenerate facets on the same
/// hyperplane (d <= 3). Memory: the packed pattern and the approximate map of every region.
class PieceJoin {
public:
  explicit PieceJoin(const NetworkQ& net);
  ~PieceJoin();
  PieceJoin(PieceJoin&&) noexcept;

  /// The exact values `add` needs of this record (thread-safe).
  Demand demand(const RegionRecord& record) const;
  void add(const RegionRecord& record);

  /// After the last region: the pairs (a, b), a < b, in increasing order, and each region's
  /// linear piece (numbered 0.. in the order of their first regions). Throws std::logic_error if
  /// a facet found no region across it (a bug, never bad input) and LimitError for degenerate
  /// facets in more than 3 dimensions.
  struct Result {
    std::vector<std::pair<int, int>> adjacent;
    std::vector<int> piece;
    int piece_count = 0;
  };
  Result finish();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relutope
