#include "relutope/network/analysis.hpp"

#include "relutope/error.hpp"

namespace relutope {

AnalysisInput prepare_analysis(Network net, const std::string& net_source, const AnalysisRequest& r, bool exact,
                               int max_inputs) {
  AnalysisInput in;
  in.net = std::move(net);
  // Faults of a slice read from a file name the file.
  const bool slice_file = r.slice.size() > 1 && r.slice[0] == '@';
  const std::string source = !r.plane_through.empty() ? r.plane_through : slice_file ? r.slice.substr(1) : "--slice";
  if (!r.plane_through.empty()) in.slice = plane_through(source);
  else if (slice_file) in.slice = read_slice(source);
  else if (!r.slice.empty()) in.slice = parse_slice(r.slice, source);
  if (exact || in.slice)  // a slice is checked against the network either way
    in.exact = analysis_network(in.net, in.slice ? &*in.slice : nullptr, in.slice ? source : net_source, max_inputs);
  if (!r.domain.empty()) in.domain = parse_box(r.domain, "--domain");
  else if (!r.plane_through.empty()) in.domain = Box{{0, 0}, {1, 1}};
  else if (in.slice) throw InputError("--slice", "a slice needs --domain, the box of its coordinates (s, t)");
  else if (in.net.domain) in.domain = *in.net.domain;
  else throw InputError(net_source, "the network file has no domain: give --domain");
  const int dims = in.slice ? in.slice->rank() : in.net.input_dim;
  if (in.domain.dim() != dims)
    throw InputError("--domain", "the domain has " + std::to_string(in.domain.dim()) + " dimensions, the analysis " +
                                     std::to_string(dims));
  return in;
}

}  // namespace relutope
