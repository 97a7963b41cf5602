#include "analysis.hpp"

namespace relutope::python {

Context::Context(AnalysisInput in) : input(std::move(in)), widths(hidden_widths(input.exact)) {
  for (int w : widths) hidden += w;
}

const ExactMaps& Context::exact() const {
  std::call_once(built_, [this] { exact_ = std::make_unique<ExactMaps>(input.exact, input.domain); });
  return *exact_;
}

void make_exact(const Context& c, RegionRecord& record) {
  if (record.exact_vertices.empty()) c.exact().add_exact_vertices(record);
  if (record.exact_bias.empty()) c.exact().output_map(record.pattern, record.exact_weight, record.exact_bias);
}

std::shared_ptr<Context> context_of(const Network& net, const AnalysisRequest& request, int max_inputs) {
  return std::make_shared<Context>(prepare_analysis(net, "network", request, true, max_inputs));
}

void HeldPartition::require_records(const char* what) const {
  if (!kept)
    throw InputError(what, "the partition was enumerated with keep_regions=False: it holds the counts and measures only");
}

const Partition& HeldPartition::exact_partition() {
  std::lock_guard<std::mutex> lock(building);
  if (!exact) {
    require_records("exact values");
    PartitionBuilder builder(context->input.exact, context->input.domain);
    for (const RegionRecord& record : records) {
      RegionRecord copy = record;
      make_exact(*context, copy);
      builder.add(std::move(copy));
    }
    exact = builder.finish();
  }
  return *exact;
}

EngineOptions engine_options(long max_regions, double time_limit, int threads, Watch& watch) {
  if (max_regions < 1) throw InputError("max_regions", "must be at least 1");
  if (!(time_limit >= 0)) throw InputError("time_limit", "must be 0 (none) or a positive number of seconds");
  if (threads < 0) throw InputError("threads", "must be 0 (every core) or positive");
  EngineOptions options;
  options.max_regions = max_regions;
  options.time_limit = time_limit;
  options.threads = threads;
  options.progress = [&watch](long done, long total, long regions) { watch.report(done, total, regions); };
  options.should_stop = [&watch] { return watch.stopping(); };
  return options;
}

}  // namespace relutope::python
