#pragma once
// The options every analysis command shares: a network, its domain, an optional slice.
#include "relutope/error.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/network/analysis.hpp"
#include "read_options.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace relutope::cli {

struct AnalysisOptions {
  std::string net, domain, slice, plane_through;
  ReadFlags read;
};

inline void add_analysis_options(CLI::App* cmd, AnalysisOptions& o) {
  cmd->add_option("NET", o.net, "Network file (.json, or a PyTorch state_dict: .npz, .pt/.pth, .safetensors)")->required();
  add_read_options(cmd, o.read);
  cmd->add_option("--domain", o.domain,
                  "Box a,b (1D), a,b,c,d (2D), a,b,c,d,e,f (3D) and so on, exact decimals or fractions; default: the network file's "
                  "domain (required with --slice: the box of (s, t); 0,1,0,1 with --plane-through)");
  CLI::Option* slice = cmd->add_option(
      "--slice", o.slice,
      "Analyse the plane o + s u + t v (or the line o + s u) of the input space, or of the encoding space of a "
      "positional network: o1,..:u1,..[:v1,..], or @FILE holding that text or o, u, v on three lines (numbers "
      "separated by commas or whitespace)");
  cmd->add_option("--plane-through", o.plane_through,
                  "Analyse the plane p0 + s (p1 - p0) + t (p2 - p0) through three points, read from FILE one a line "
                  "(numbers separated by commas or whitespace)")
      ->excludes(slice);
}

/// The network file read and prepared for analysis (prepare_analysis).
inline AnalysisInput load_analysis(const AnalysisOptions& o, bool exact = true, int max_inputs = 2) {
  return prepare_analysis(read_network(o.net, parse_read_options(o.read)), o.net, {o.domain, o.slice, o.plane_through}, exact,
                          max_inputs);
}

}  // namespace relutope::cli
