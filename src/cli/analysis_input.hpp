#pragma once
// The options every analysis command shares: a network, its domain, an optional slice.
#include "relutope/error.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/network/slice.hpp"
#include "read_options.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace relutope::cli {

struct AnalysisOptions {
  std::string net, domain, slice, plane_through;
  ReadFlags read;
};

/// The network, read and prepared for exact analysis in its 1 or 2 coordinates.
struct AnalysisInput {
  Network net;
  std::optional<Slice> slice;
  NetworkQ exact;  // the network as a function of the analysis coordinates
  Box domain;      // in the analysis coordinates
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

/// With exact = false (for sampling) any network is accepted, positional encodings included,
/// and `exact` stays empty unless there is a slice. Without a slice the network may have at
/// most `max_inputs` inputs.
inline AnalysisInput load_analysis(const AnalysisOptions& o, bool exact = true, int max_inputs = 2) {
  AnalysisInput in;
  in.net = read_network(o.net, read_options(o.read));
  // Faults of a slice read from a file name the file.
  const bool slice_file = o.slice.size() > 1 && o.slice[0] == '@';
  const std::string source = !o.plane_through.empty() ? o.plane_through : slice_file ? o.slice.substr(1) : "--slice";
  if (!o.plane_through.empty()) in.slice = plane_through(source);
  else if (slice_file) in.slice = read_slice(source);
  else if (!o.slice.empty()) in.slice = parse_slice(o.slice, source);
  if (exact || in.slice)  // a slice is checked against the network either way
    in.exact = analysis_network(in.net, in.slice ? &*in.slice : nullptr, in.slice ? source : o.net, max_inputs);
  if (!o.domain.empty()) in.domain = parse_box(o.domain, "--domain");
  else if (!o.plane_through.empty()) in.domain = Box{{0, 0}, {1, 1}};
  else if (in.slice) throw InputError("--slice", "a slice needs --domain, the box of its coordinates (s, t)");
  else if (in.net.domain) in.domain = *in.net.domain;
  else throw InputError(o.net, "the network file has no domain: give --domain");
  const int dims = in.slice ? in.slice->rank() : in.net.input_dim;
  if (in.domain.dim() != dims)
    throw InputError("--domain", "the domain has " + std::to_string(in.domain.dim()) + " dimensions, the analysis " +
                                     std::to_string(dims));
  return in;
}

}  // namespace relutope::cli
