#pragma once
// A PyTorch state_dict read as a network (internal): which tensors belong to which module, the
// order the network applies the modules in, the activation between consecutive modules, and
// BatchNorm1d folded into the Linear before it (CONTRACT.md; README.md has the rules).
#include "relutope/network/network_io.hpp"
#include "network/tensor.hpp"

#include <string>

namespace relutope::internal {

/// The network of a state_dict's tensors: Linear modules ("<name>.weight" #out x #in, optional
/// "<name>.bias" #out, zero if absent) and BatchNorm1d modules in eval mode (running_mean,
/// running_var, optional weight and bias, num_batches_tracked), in the order `options.layers`
/// gives, else by index within one numbered Sequential, else in the file's order (only when the
/// file keeps the modules' order). Between numbered neighbours i, i+1 of one Sequential sits no
/// activation; elsewhere options.activation (relu if unset). meta["layers"] shows the modules
/// and activations, meta["layer_order"] what decided them, meta["batchnorm"] each fold and its
/// rounding bound. Refuses, as InputError(path, ...), what would be a guess: other modules,
/// other dtypes, non-finite values, unknown or missing names in options.layers, a layout whose
/// order or activations the file does not show. Checks the result with check_network.
Network network_from_state_dict(const StateDict& dict, const std::string& path, const ReadOptions& options);

}  // namespace relutope::internal
