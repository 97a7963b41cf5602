#include "figure_command.hpp"

#include "analysis_input.hpp"
#include "output.hpp"
#include "relutope/spectrum/fft.hpp"
#include "progress.hpp"
#include "relutope/measures/dynamics.hpp"
#include "relutope/figure/figure.hpp"
#include "relutope/measures/measures.hpp"
#include "relutope/train/train_config.hpp"
#include "relutope/spectrum/spectrum.hpp"

#include <iostream>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

namespace relutope::cli {
namespace {

struct RegionsFigureOptions {
  AnalysisOptions input;
  std::string out;
  long max_regions = 1'000'000;
  RegionsFigure figure;
};

void regions_figure(RegionsFigureOptions o) {
  check_directory_of(o.out);
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

struct CurveOptions {
  AnalysisOptions input;
  std::string out, freq;
  int output = 0, max_n = 0;
  double t_max = 64;
  long max_regions = 1'000'000;
};

Partition partition_of(const AnalysisInput& in, long max_regions) {
  RegionOptions options;
  options.max_regions = max_regions;
  return regions(in.exact, in.domain, options);
}

VecQ frequency_of(const std::string& text, int dim, const char* fallback) {
  return parse_frequencies({text.empty() ? std::string(fallback) : text}, dim, "--freq").front();
}

void fft_error_figure(const CurveOptions& o) {
  check_directory_of(o.out);
  const AnalysisInput in = load_analysis(o.input);
  const Partition partition = partition_of(in, o.max_regions);
  const int dim = in.exact.input_dim;
  const VecQ k = frequency_of(o.freq, dim, dim == 1 ? "1" : "1,1");
  const int max_n = o.max_n > 0 ? o.max_n : (dim == 1 ? 1 << 16 : 1024);
  const FftConvergence c = fft_convergence(in.net, in.slice ? &*in.slice : nullptr, partition, k, o.output, max_n);
  if (c.n.empty()) throw InputError("--freq", "k is on no FFT grid up to --max-n (k (hi - lo) must be an integer vector)");
  std::vector<double> n(c.n.begin(), c.n.end()), first(n.size()), second(n.size());
  for (size_t i = 0; i < n.size(); ++i) {  // slopes -1 and -2 through the first points
    first[i] = c.rectangle.front() * n.front() / n[i];
    second[i] = c.trapezoid.front() * n.front() * n.front() / (n[i] * n[i]);
  }
  draw_loglog({{"rectangle (np.fft)", n, c.rectangle, false},
               {"trapezoid", n, c.trapezoid, false},
               {"1/N", n, first, true},
               {"1/N^2", n, second, true}},
              "N (samples per axis)", "|FFT estimate - exact c(k)|", o.out);
  std::cout << "N,rectangle_error,trapezoid_error\n";
  for (size_t i = 0; i < n.size(); ++i) std::cout << c.n[i] << "," << c.rectangle[i] << "," << c.trapezoid[i] << "\n";
  std::cout << "wrote " << o.out << "\n";
}

void decay_figure(const CurveOptions& o) {
  check_directory_of(o.out);
  const AnalysisInput in = load_analysis(o.input);
  const Partition partition = partition_of(in, o.max_regions);
  const int dim = in.exact.input_dim;
  const VecQ k = frequency_of(o.freq, dim, dim == 1 ? "1" : "1,0.37");
  std::vector<double> ts;
  for (double t = 1; t <= o.t_max * (1 + 1e-12); t *= std::pow(2.0, 0.25)) ts.push_back(t);
  const RayDecay decay = ray_decay(partition, k, ts, o.output);
  std::vector<double> two(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) two[i] = decay.magnitude.front() / (ts[i] * ts[i]);
  char fitted[64];
  std::snprintf(fitted, sizeof fitted, "|c(t k)|, fitted t^-%.2f", decay.exponent);
  draw_loglog({{fitted, decay.t, decay.magnitude, false}, {"t^-2", ts, two, true}}, "t", "|c(t k)|", o.out);
  std::string direction;
  for (const Rational& c : k) direction += (direction.empty() ? "" : ",") + c.get_str();
  std::cout << "fitted exponent " << decay.exponent << " along k = (" << direction << "); wrote " << o.out << "\n";
}

struct PatternsFigureOptions {
  AnalysisOptions input;
  std::string out;
  int resolution = 256;
};

void patterns_figure(const PatternsFigureOptions& o) {
  check_directory_of(o.out);
  const AnalysisInput in = load_analysis(o.input, false);
  if (in.domain.dim() != 2) throw InputError("--domain", "figure patterns draws 2 coordinates: give a 2D domain (or a plane --slice)");
  const auto patterns = sampled_patterns(in.net, in.slice ? &*in.slice : nullptr, in.domain, o.resolution);
  draw_sampled_patterns(patterns, o.resolution, in.domain, in.slice ? "s" : "x1", in.slice ? "t" : "x2", o.out);
  const std::set<ActivationPattern> distinct(patterns.begin(), patterns.end());
  std::cout << "wrote " << o.out << " (" << distinct.size() << " distinct activation patterns sampled on the " << o.resolution
            << " x " << o.resolution << " grid: a lower bound on the regions)\n";
}

struct DynamicsOptions {
  std::string dir, out, freq, amplitudes, domain = "0,1";
  bool quiet = false;
};

// The frequencies and amplitudes of the run's preset when the snapshots name one.
void dynamics_figure(const DynamicsOptions& o) {
  check_directory_of(o.out);
  const std::vector<Snapshot> snapshots = read_snapshots(o.dir);
  std::vector<double> k, a;
  if (!o.freq.empty()) {
    for (const VecQ& q : parse_frequencies({o.freq}, 1, "--freq")) k.push_back(to_double(q[0]));
    for (const VecQ& q : parse_frequencies({o.amplitudes.empty() ? std::string() : o.amplitudes}, 1, "--amplitudes"))
      a.push_back(to_double(q[0]));
  } else {
    const Network first = read_network(snapshots.front().path);
    const auto named = first.meta.find("preset");
    if (named == first.meta.end() || named->second.rfind("rahaman-sines", 0) != 0)
      throw InputError(o.dir, "the snapshots name no rahaman-sines preset: give --freq and --amplitudes");
    const TrainConfig config = preset(named->second);
    k = config.task.frequencies;
    a = config.task.amplitudes;
  }
  Progress progress("spectrum over training", static_cast<long>(snapshots.size()), o.quiet);
  const SpectrumDynamics dynamics =
      spectrum_dynamics(snapshots, parse_box(o.domain, "--domain"), k, a, [&](long done, long) { progress.update(done); });
  progress.finish();
  draw_spectrum_dynamics(dynamics, o.out);
  std::cout << "wrote " << o.out << " (" << snapshots.size() << " snapshots, " << k.size() << " frequencies)\n";
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

  auto p = std::make_shared<PatternsFigureOptions>();
  CLI::App* patterns = figure->add_subcommand(
      "patterns", "Activation patterns sampled on a grid, in distinct colours: any network, positional encodings included");
  add_analysis_options(patterns, p->input);
  patterns->add_option("-o,--out", p->out, "Output file: .pdf, .svg or .png")->required();
  patterns->add_option("--resolution", p->resolution, "The R x R grid of cell centres (default 256)")->check(CLI::Range(1, 2048));
  patterns->callback([&run, p] { run = [p] { patterns_figure(*p); }; });

  auto c = std::make_shared<CurveOptions>();
  CLI::App* fft = figure->add_subcommand("fft-error", "FFT estimate's error against N, rectangle and trapezoid rules (log-log)");
  add_analysis_options(fft, c->input);
  fft->add_option("-o,--out", c->out, "Output file: .pdf, .svg or .png")->required();
  fft->add_option("--freq", c->freq, "The frequency k (default 1, or 1,1 in 2D)");
  fft->add_option("--output", c->output, "Which network output (default 0)")->check(CLI::NonNegativeNumber);
  fft->add_option("--max-n", c->max_n, "Largest N (default 65536 in 1D, 1024 in 2D)")->check(CLI::Range(8, 1 << 24));
  fft->callback([&run, c] { run = [c] { fft_error_figure(*c); }; });

  auto d = std::make_shared<CurveOptions>();
  CLI::App* decay = figure->add_subcommand("decay", "|c(t k)| along a ray with its fitted exponent (Rahaman Theorem 1)");
  add_analysis_options(decay, d->input);
  decay->add_option("-o,--out", d->out, "Output file: .pdf, .svg or .png")->required();
  decay->add_option("--freq", d->freq, "The ray's direction k (default 1, or 1,0.37 in 2D)");
  decay->add_option("--output", d->output, "Which network output (default 0)")->check(CLI::NonNegativeNumber);
  decay->add_option("--t-max", d->t_max, "Largest t (default 64)")->check(CLI::Range(2.0, 1e6));
  decay->callback([&run, d] { run = [d] { decay_figure(*d); }; });

  auto y = std::make_shared<DynamicsOptions>();
  CLI::App* dyn = figure->add_subcommand("spectrum-training",
                                         "Rahaman et al. Fig. 1 exactly: 2|c(k_i)|/A_i over training, with the layers' spectral norms");
  dyn->add_option("DIR", y->dir, "Snapshot directory of relutope train --snapshots (1-input networks)")->required();
  dyn->add_option("-o,--out", y->out, "Output file: .pdf, .svg or .png")->required();
  dyn->add_option("--freq", y->freq, "Frequencies k_i (default: the run's rahaman-sines preset)");
  dyn->add_option("--amplitudes", y->amplitudes, "Target amplitudes A_i, one per frequency");
  dyn->add_option("--domain", y->domain, "The interval (default 0,1)");
  dyn->add_flag("--quiet", y->quiet, "No progress line on stderr");
  dyn->callback([&run, y] { run = [y] { dynamics_figure(*y); }; });
}

}  // namespace relutope::cli
