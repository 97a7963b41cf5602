#include "regions_command.hpp"

#include "checks.hpp"
#include "analysis_input.hpp"
#include "interrupt.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "relutope/error.hpp"
#include "relutope/measures/measures.hpp"
#include "relutope/points.hpp"
#include "relutope/engine/region_files.hpp"

#include <chrono>
#include <iomanip>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>

namespace relutope::cli {
namespace {

struct RegionsOptions {
  AnalysisOptions input;
  int sample = 0;
  std::string json, polygons, polytopes, points;
  long max_regions = 1'000'000;
  double time_limit = 0;
  int threads = 0;
  bool quiet = false, validate = false, measures = false;
};

nlohmann::json pairs_json(const std::vector<std::pair<int, int>>& pairs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [a, b] : pairs) out.push_back({a, b});
  return out;
}

nlohmann::json enclosure_json(const Enclosure& e) {
  return {{"value", e.mid()}, {"lower", e.lower}, {"upper", e.upper}, {"certified_digits", e.certified_digits()}};
}

void regions_command(const RegionsOptions& o) {
  const InterruptScope interrupt;  // from the start: a Ctrl-C while loading stops the enumeration at once
  for (const std::string* file : {&o.json, &o.polygons, &o.polytopes}) check_directory_of(*file);
  const AnalysisInput in = load_analysis(o.input, true, max_engine_dim);
  const int dim = in.exact.input_dim;
  if (!o.polygons.empty() && dim > 2) throw InputError("--polygons", "GeoJSON holds 1D and 2D regions: use --polytopes");
  if (!o.points.empty() && dim > 2) throw InputError("--points", "boundary distances are computed in 1D and 2D: use a slice");
  if (o.validate && dim != 2) throw InputError("--validate", "the arrangement certificate is for 2D partitions");
  const std::vector<VecQ> points = o.points.empty() ? std::vector<VecQ>{} : read_exact_points(o.points, dim);
  std::optional<std::set<ActivationPattern>> sampled;
  if (o.sample > 0) sampled = distinct_sampled_patterns(in.net, in.slice ? &*in.slice : nullptr, in.domain, o.sample);
  const auto start = std::chrono::steady_clock::now();

  // The stream's consumers: the summary always; the files and the held partition when asked.
  RegionSummary summary(in.exact, in.domain, sampled);
  if (o.measures) summary.sum_measures();
  std::vector<RegionSink*> sinks{&summary};
  std::optional<GeoJsonWriter> polygons;
  std::optional<PolytopeWriter> polytopes;
  std::optional<PartitionBuilder> held;
  if (!o.polygons.empty()) sinks.push_back(&polygons.emplace(o.polygons));
  if (!o.polytopes.empty()) sinks.push_back(&polytopes.emplace(o.polytopes, dim));
  if (!points.empty() || o.validate) sinks.push_back(&held.emplace(in.exact, in.domain));
  TeeSink tee(sinks);

  // One Progress for the run, made at the first report (which brings the total): its throttle
  // and rate need its start to stay put.
  std::optional<Progress> progress;
  RegionOptions options;
  options.max_regions = o.max_regions;
  options.time_limit = o.time_limit;
  options.threads = o.threads;
  options.should_stop = InterruptScope::stop_requested;
  options.progress = [&](long done, long total, long found) {
    if (!progress) progress.emplace("regions: first-layer cells", total, o.quiet);
    const double elapsed = progress->seconds();
    progress->update(done, std::to_string(found) + " regions (" + std::to_string(static_cast<long>(elapsed > 0 ? found / elapsed : 0)) + "/s)");
  };
  const PredicateCounts decisions = enumerate_regions(in.exact, in.domain, tee, options);
  if (progress) progress->finish();
  const RegionSummary::Result result = summary.finish();
  if (polygons) polygons->finish();
  if (polytopes) polytopes->finish();
  std::optional<Partition> partition;
  if (held) partition = held->finish();
  if (o.validate) validate_partition(*partition);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const std::vector<int> widths = hidden_widths(in.exact);
  nlohmann::json doc = {{"input_dim", dim},
                        {"domain", nlohmann::json::parse(domain_json(in.domain))},
                        {"regions", result.regions},
                        {"linear_pieces", result.pieces.piece_count},
                        {"adjacent_pairs", result.pieces.adjacent.size()},
                        {"hidden_neurons", std::accumulate(widths.begin(), widths.end(), 0)},
                        {"dead_neurons", pairs_json(result.dead_neurons)},
                        {"seconds", seconds},
                        {"predicates", {{"filtered", decisions.filtered}, {"exact", decisions.exact}}}};
  if (o.validate) doc["validated"] = true;
  if (result.measure_sum) {
    doc["measure_sum"] = result.measure_sum->get_str();
    doc["domain_measure"] = in.domain.volume().get_str();
  }
  if (!o.input.slice.empty()) doc["slice"] = o.input.slice;
  if (!o.input.plane_through.empty()) doc["plane_through"] = o.input.plane_through;

  if (result.sampling) {
    const SamplingReport& report = *result.sampling;
    long grid = 1;
    for (int k = 0; k < dim; ++k) grid *= o.sample;
    std::vector<ActivationPattern> distinct(sampled->begin(), sampled->end());
    nlohmann::json sampled_doc = {{"resolution", o.sample},
                                  {"points", grid},
                                  {"patterns", report.distinct_patterns},
                                  {"regions_found", report.regions_found},
                                  {"regions_missed", report.missed.size()},
                                  {"foreign_patterns", report.foreign_patterns},
                                  {"dead_neurons", pairs_json(dead_neurons(distinct, widths))}};
    if (report.smallest_missed) {
      sampled_doc["smallest_missed_area"] = to_double(*report.smallest_missed);
      sampled_doc["median_missed_area"] = to_double(*report.median_missed);
      sampled_doc["smallest_missed_area_exact"] = report.smallest_missed->get_str();
      sampled_doc["median_missed_area_exact"] = report.median_missed->get_str();
    }
    doc["sampled"] = sampled_doc;
  }

  const Lipschitz& lip = result.lipschitz;
  doc["lipschitz"] = enclosure_json(lip.exact);
  doc["lipschitz"]["region"] = lip.region;
  doc["lipschitz"]["product_of_spectral_norms"] = lip.product_of_norms;

  if (!points.empty()) {
    // `pattern` is eval's: the nearest doubles (strtod's) through the same double evaluation (on
    // a slice, sampling's), so it equals eval's answer where exact arithmetic differs: (0.3, 0.1)
    // lies exactly on 3y - x = 0 (bit 0), but 0.3 and 0.1 are no doubles and in double z is
    // 5.6e-17 > 0, so eval and PyTorch say bit 1. `regions` and `on_boundary` are exact.
    MatD coords(static_cast<Eigen::Index>(points.size()), in.exact.input_dim);
    for (size_t i = 0; i < points.size(); ++i)
      coords.row(static_cast<Eigen::Index>(i)) = to_double(points[i]).transpose();
    const std::vector<ActivationPattern> patterns =
        evaluate_in(in.net, in.slice ? &*in.slice : nullptr, coords).patterns;
    const std::vector<BoundaryDistance> distances = boundary_distances(*partition, in.exact, points);
    nlohmann::json list = nlohmann::json::array();
    for (size_t i = 0; i < points.size(); ++i) {
      const VecQ& x = points[i];
      const BoundaryDistance& d = distances[i];
      if (d.region < 0)
        throw InputError(o.points, "point " + std::to_string(i + 1) + " lies outside the domain " + to_string(in.domain));
      const std::vector<int> holding = locate_all(*partition, x);
      nlohmann::json item = {{"x", nlohmann::json::array()},
                             {"region", d.region},
                             {"regions", holding},
                             {"on_boundary", holding.size() > 1},
                             {"pattern", patterns[i]},
                             {"neuron_estimate", d.neuron_estimate},
                             {"distance", nullptr}};
      for (const Rational& c : x) item["x"].push_back(to_double(c));
      if (d.distance) {
        item["distance"] = enclosure_json(*d.distance);
        item["squared_distance"] = d.squared->get_str();
      }
      list.push_back(item);
    }
    doc["points"] = list;
  }

  write_json(doc, o.json);
  if (o.json == "-") return;
  std::ostream& out = std::cout;
  out << result.regions << " activation regions, " << result.pieces.piece_count << " linear pieces on "
      << to_string(in.domain) << " (exact, " << seconds << " s)\n";
  if (doc.contains("sampled"))
    out << "  sampling " << o.sample << (dim > 1 ? "^" + std::to_string(dim) : "") << " cell centres: "
        << doc["sampled"]["patterns"] << " patterns, missed " << doc["sampled"]["regions_missed"] << " regions\n";
  out << "  dead neurons " << doc["dead_neurons"].size() << " of " << doc["hidden_neurons"] << "\n"
      << "  Lipschitz " << std::setprecision(std::max(1, lip.exact.certified_digits())) << lip.exact.mid()
      << std::setprecision(6) << " (" << lip.exact.certified_digits()
      << " digits certified); product of spectral norms " << lip.product_of_norms << "\n";
  for (const std::string* file : {&o.polygons, &o.polytopes})
    if (!file->empty()) out << "  wrote " << *file << "\n";
}

}  // namespace

void add_regions_command(CLI::App& app, std::function<void()>& run) {
  auto o = std::make_shared<RegionsOptions>();
  CLI::App* cmd = app.add_subcommand("regions", "Exact activation regions: counts, pieces, sampling, dead neurons, distances");
  add_analysis_options(cmd, o->input);
  cmd->add_option("--sample", o->sample, "Also sample patterns at the R x R grid of cell centres (R points in 1D)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--points", o->points,
                  "Points file, one a line, commas or whitespace (exact decimals): eval's pattern, the regions whose "
                  "closure holds the point, on_boundary, exact boundary distance, neuron estimate");
  cmd->add_option("--polygons", o->polygons, "Write every region (exact vertices, pattern, affine map) as GeoJSON (1D, 2D)");
  cmd->add_option("--polytopes", o->polytopes,
                  "Write every region (exact vertices, facets with their hyperplanes, pattern, affine map, measure) as "
                  "JSON, in any dimension (format in the README)");
  cmd->add_option("--threads", o->threads, "Threads for the enumeration (default: every core; the output is the same)")
      ->check(non_negative);
  cmd->add_flag("--measures", o->measures,
                "Also sum every region's exact length, area or volume (measure_sum; it equals domain_measure)");
  cmd->add_flag("--validate", o->validate,
                "Also check the partition against CGAL's Arrangement_2 (2D): one face per region, the same adjacency");
  cmd->add_option("--json", o->json, "Write the measures as JSON to FILE ('-': stdout only)");
  cmd->add_option("--max-regions", o->max_regions, "Stop with exit 3 beyond this many regions (default 1000000)")
      ->check(positive);
  cmd->add_option("--time-limit", o->time_limit, "Stop with exit 3 after this many seconds (default: none)")
      ->check(non_negative);
  cmd->add_flag("--quiet", o->quiet, "No progress line on stderr");
  cmd->callback([&run, o] { run = [o] { regions_command(*o); }; });
}

}  // namespace relutope::cli
