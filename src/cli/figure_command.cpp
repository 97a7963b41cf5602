#include "figure_command.hpp"

#include "analysis_input.hpp"
#include "relutope/figure.hpp"

#include <iostream>
#include <memory>

namespace relutope::cli {
namespace {

struct RegionsFigureOptions {
  AnalysisOptions input;
  std::string out;
  long max_regions = 1'000'000;
  RegionsFigure figure;
};

void regions_figure(RegionsFigureOptions o) {
  const AnalysisInput in = load_analysis(o.input);
  RegionOptions options;
  options.max_regions = o.max_regions;
  const Partition partition = regions(in.exact, in.domain, options);
  if (in.slice) {
    o.figure.x_label = "s";
    o.figure.y_label = "t";
  }
  draw_regions(partition, in.exact, o.figure, o.out);
  std::cout << "wrote " << o.out << " (" << partition.regions.size() << " regions)\n";
}

}  // namespace

void add_figure_command(CLI::App& app, std::function<void()>& run) {
  CLI::App* figure = app.add_subcommand("figure", "Paper figures as vector PDF or SVG (or PNG)");
  figure->require_subcommand(1);

  auto o = std::make_shared<RegionsFigureOptions>();
  CLI::App* cmd = figure->add_subcommand("regions", "The exact activation regions in distinct colours (Lazzari & Liu Fig. 2)");
  add_analysis_options(cmd, o->input);
  cmd->add_option("-o,--out", o->out, "Output file: .pdf, .svg or .png")->required();
  cmd->add_flag("--first-layer", o->figure.first_layer, "Overlay the first layer's zero lines");
  cmd->add_option("--grid", o->figure.grid, "Overlay the R x R sample grid's cell centres")->check(CLI::Range(1, 4096));
  cmd->add_option("--max-regions", o->max_regions, "Stop with exit 3 beyond this many regions (default 1000000)")
      ->check(CLI::PositiveNumber);
  cmd->callback([&run, o] { run = [o] { regions_figure(*o); }; });
}

}  // namespace relutope::cli
