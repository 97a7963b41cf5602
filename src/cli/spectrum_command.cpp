#include "spectrum_command.hpp"

#include "checks.hpp"
#include "analysis_input.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "relutope/spectrum/fft.hpp"
#include "relutope/spectrum/spectrum.hpp"

#include <chrono>
#include <cmath>
#include <memory>

namespace relutope::cli {
namespace {

struct SpectrumCommandOptions {
  AnalysisOptions input;
  std::vector<std::string> freq;
  int grid = -1, fft = 0;
  long precision = -1;  // -1: not given (128 bits)
  std::string route, json;  // empty: edges, or regions when --precision is given
  long max_regions = 1'000'000;
};

nlohmann::json k_json(const VecQ& k) {
  nlohmann::json out = nlohmann::json::array();
  for (const Rational& c : k) out.push_back(nlohmann::json::parse(number_json(c)));
  return out;
}

void spectrum_command(const SpectrumCommandOptions& o) {
  check_directory_of(o.json);
  const AnalysisInput in = load_analysis(o.input);
  const int dim = in.exact.input_dim;
  const std::vector<VecQ> listed = o.freq.empty() ? std::vector<VecQ>{} : parse_frequencies(o.freq, dim, "--freq");
  constexpr long most = 4'000'000;
  long count = static_cast<long>(listed.size());
  if (o.grid >= 0) {
    long grid = 1;  // (2K + 1)^dim, counted before the grid is built; it stops before it could overflow
    for (int i = 0; i < dim && grid <= most; ++i) grid *= 2L * o.grid + 1;
    count += grid;
  }
  if (count == 0) throw InputError("--freq", "give --freq k1,k2 ... or --grid K");
  if (count > most) throw LimitError("--grid: more than 4,000,000 frequencies ((2K + 1)^d): use a smaller K");
  std::vector<VecQ> frequencies = o.grid >= 0 ? frequency_grid(dim, o.grid) : std::vector<VecQ>{};
  frequencies.insert(frequencies.end(), listed.begin(), listed.end());

  const auto start = std::chrono::steady_clock::now();
  RegionOptions region_options;
  region_options.max_regions = o.max_regions;
  const Partition partition = regions(in.exact, in.domain, region_options);
  // Asking for a precision without a route asks for Arb's digits: route A.
  const std::string route = !o.route.empty() ? o.route : o.precision != -1 ? "regions" : "edges";
  SpectrumOptions options;
  options.precision_bits = o.precision != -1 ? o.precision : 128;
  options.route = route == "edges" ? SpectrumRoute::edges : route == "lemma1" ? SpectrumRoute::lemma1 : SpectrumRoute::regions;
  const long bits = options.route == SpectrumRoute::edges ? 53 : options.precision_bits;  // route C works in doubles

  Progress progress("spectrum", static_cast<long>(frequencies.size()), false);
  options.progress = [&progress](long done, long) { progress.update(done); };
  const std::vector<Coefficient> coefficients = spectrum(partition, frequencies, options);
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json list = nlohmann::json::array();
  int fewest_digits = 1 << 30;
  long recomputed = 0;  // route C's coefficients that route A recomputed in Arb
  for (const Coefficient& c : coefficients) {
    if (!c.exact && c.route != options.route) ++recomputed;
    list.push_back({{"k", k_json(c.k)}, {"out", c.out}, {"re", c.re}, {"im", c.im}, {"abs", c.abs},
                    {"certified_digits", c.certified_digits}, {"exact", c.exact}});
    if (c.exact) list.back()["mean"] = c.mean;
    fewest_digits = std::min(fewest_digits, c.certified_digits);
  }
  nlohmann::json doc = {{"domain", nlohmann::json::parse(domain_json(in.domain))}, {"precision_bits", bits}, {"route", route},
                        {"regions", partition.regions.size()}, {"seconds", seconds}, {"coefficients", list}};
  if (options.route == SpectrumRoute::edges) doc["recomputed"] = {{"coefficients", recomputed}, {"precision_bits", options.precision_bits}};
  if (o.fft > 0) {
    const auto estimates = fft_estimate(in.net, in.slice ? &*in.slice : nullptr, in.domain, o.fft, frequencies);
    nlohmann::json fft = nlohmann::json::array();
    double max_error = 0;
    for (size_t i = 0; i < coefficients.size(); ++i) {
      if (!estimates[i]) {
        fft.push_back(nullptr);
        continue;
      }
      const double error = std::abs(*estimates[i] - std::complex<double>(coefficients[i].re_double, coefficients[i].im_double));
      max_error = std::max(max_error, error);
      fft.push_back({{"re", estimates[i]->real()}, {"im", estimates[i]->imag()}, {"abs_error", error}});
    }
    doc["fft"] = {{"n", o.fft}, {"coefficients", fft}, {"max_abs_error", max_error}};
  }
  write_json(doc, o.json);
  if (o.json == "-") return;
  std::cout << coefficients.size() << " coefficients from " << partition.regions.size() << " exact regions in " << seconds
            << " s at " << bits << " bits; at least " << fewest_digits << " digits certified\n";
  if (recomputed > 0)
    std::cout << "  " << recomputed << " of them (frequencies below 1/diam D with fewer than 6 digits in doubles) recomputed by route A at "
              << options.precision_bits << " bits\n";
  if (coefficients.size() <= 24)
    for (const Coefficient& c : coefficients) {
      std::cout << "  k = " << k_json(c.k).dump() << " out " << c.out << ": " << c.re << " + " << c.im << " i  ("
                << c.certified_digits << " digits)\n";
    }
  if (doc.contains("fft"))
    std::cout << "  FFT on the " << o.fft << (dim == 2 ? "^2" : "") << " grid: max |error| " << doc["fft"]["max_abs_error"] << "\n";
}

}  // namespace

void add_spectrum_command(CLI::App& app, std::function<void()>& run) {
  auto o = std::make_shared<SpectrumCommandOptions>();
  CLI::App* cmd = app.add_subcommand("spectrum", "Exact Fourier coefficients of the network on its domain, certified");
  add_analysis_options(cmd, o->input);
  cmd->add_option("--freq", o->freq, "Frequencies (cycles per unit length): k1[,k2] vectors separated by spaces, exact");
  cmd->add_option("--grid", o->grid, "All integer frequencies in [-K, K]^d")->check(CLI::Range(0, 4096));
  cmd->add_option("--precision", o->precision,
                  "Arb's working precision in bits, 32..4096 (default 128): routes regions and lemma1, route edges' "
                  "recomputations; given without --route, it selects route regions");
  cmd->add_option("--route", o->route,
                  "edges (C, the default: one term per kinked edge, in doubles with certified radii; low frequencies with "
                  "fewer than 6 digits are recomputed by route A), regions (A: region by region) or lemma1 (B: Lemma 1 + "
                  "boundary term), both in Arb")
      ->check(CLI::IsMember({"regions", "lemma1", "edges"}));
  cmd->add_option("--fft", o->fft, "Also estimate by FFT on the N^d sample grid (rectangle rule) and report the error")
      ->check(CLI::Range(2, 1 << 24));
  cmd->add_option("--json", o->json, "Write the coefficients as JSON to FILE ('-': stdout only)");
  cmd->add_option("--max-regions", o->max_regions, "Stop with exit 3 beyond this many regions (default 1000000)")
      ->check(positive);
  cmd->callback([&run, o] { run = [o] { spectrum_command(*o); }; });
}

}  // namespace relutope::cli
