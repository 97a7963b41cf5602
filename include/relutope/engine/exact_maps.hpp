#pragma once
// Exact values of a region rebuilt from its record's pattern and labels alone, after the stream:
// a region found anywhere (another thread, another machine) can be made exact here.
#include "relutope/domain.hpp"
#include "relutope/engine/region_record.hpp"
#include "relutope/network/network.hpp"

#include <memory>

namespace relutope {

class ExactMaps {
public:
  /// `net` and `domain` as given to enumerate_regions.
  ExactMaps(const NetworkQ& net, const Box& domain);
  ~ExactMaps();
  ExactMaps(ExactMaps&&) noexcept;

  /// The exact affine map f = W x + b of the network's output on the region with this pattern.
  void output_map(const std::vector<std::uint64_t>& pattern, MatQ& weight, VecQ& bias) const;

  /// Fills record.exact_vertices from record.vertex_planes and record.pattern: each vertex is
  /// where its d labelled hyperplanes meet, their rows composed from the pattern's earlier layers.
  void add_exact_vertices(RegionRecord& record) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relutope
