#pragma once
// What the analyses share: the analysis (network, slice, domain) every region handed to Python
// keeps alive, the partition Python holds, and the engine's options from Python's arguments.
#include "bindings.hpp"
#include "watch.hpp"

#include <memory>
#include <mutex>
#include <memory>
#include <optional>

namespace relutope::python {

/// The analysis and the exact maps that rebuild a region's exact values from its record.
struct Context {
  explicit Context(AnalysisInput in);
  AnalysisInput input;
  std::vector<int> widths;  // pattern bits per layer
  int hidden = 0;           // pattern bits in all
  int dim() const { return input.domain.dim(); }
  /// Built the first time a region's exact values are rebuilt: most analyses never need it.
  const ExactMaps& exact() const;

private:
  mutable std::once_flag built_;
  mutable std::unique_ptr<ExactMaps> exact_;
};

/// The exact values of a record, from the record when the engine handed them (exact=True), else
/// rebuilt from its pattern and labels.
void make_exact(const Context& c, RegionRecord& record);

/// The user's texts of the analysis (AnalysisRequest) and the network: the Context of regions,
/// spectra and measures. `max_inputs`: 2 for spectra, max_engine_dim for regions.
std::shared_ptr<Context> context_of(const Network& net, const AnalysisRequest& request, int max_inputs);

/// The partition as Python holds it: each region's record (approximate values and labels) and
/// the stream's summary; exact values rebuilt on request, and the exact Partition, which spectra
/// and distances walk, built the first time one asks for it.
struct HeldPartition {
  std::shared_ptr<Context> context;
  bool kept = true;                  // whether the records were kept (keep_regions)
  bool exact_records = false;        // whether they carry their exact vertices and maps
  std::vector<RegionRecord> records;
  RegionSummary::Result summary;
  PredicateCounts predicates;
  int resolution = 0;                // of the sampled comparison, 0 without
  /// The exact partition (PartitionBuilder over the records made exact), built once. Call
  /// without the GIL: it may take long.
  const Partition& exact_partition();
  /// Throws InputError unless the records were kept.
  void require_records(const char* what) const;

  std::mutex building;
  std::optional<Partition> exact;
  std::map<std::string, py::object> arrays;  // flat arrays, built on first access, read-only
};

/// The engine's options: limits, threads, and the watch's progress and stop.
EngineOptions engine_options(long max_regions, double time_limit, int threads, Watch& watch);

}  // namespace relutope::python
