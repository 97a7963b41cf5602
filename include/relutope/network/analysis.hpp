#pragma once
// Where an analysis runs: a network, an optional slice of its input (or encoding) space, and the
// box of the analysis coordinates, as the command line and the Python module take them.
#include "relutope/network/slice.hpp"

#include <optional>
#include <string>

namespace relutope {

/// The user's texts, exactly as the command line takes them (empty: not given). `domain`:
/// "a,b,c,d" (--domain); `slice`: parse_slice's text, or "@FILE" (--slice); `plane_through`: a
/// points file (--plane-through).
struct AnalysisRequest {
  std::string domain, slice, plane_through;
};

/// The network prepared for analysis in its own coordinates or a slice's.
struct AnalysisInput {
  Network net;
  std::optional<Slice> slice;
  NetworkQ exact;  // the network as a function of the analysis coordinates
  Box domain;      // in the analysis coordinates
};

/// Reads the slice and the domain and composes the slice into the network (analysis_network).
/// The domain defaults to the network's own (none with a slice; [0,1]^2 with plane_through).
/// With exact = false (sampling) any network is accepted, positional encodings included, and
/// `exact` stays empty unless there is a slice. Without a slice the network may have at most
/// `max_inputs` inputs. `net_source` names the network in errors (its file). Throws InputError
/// naming the option or file at fault.
AnalysisInput prepare_analysis(Network net, const std::string& net_source, const AnalysisRequest& request, bool exact = true,
                               int max_inputs = 2);

}  // namespace relutope
