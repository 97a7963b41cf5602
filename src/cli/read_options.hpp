#pragma once
// The options of every command that reads a network: what a state_dict cannot say itself.
#include "relutope/network/network_io.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace relutope::cli {

using ReadFlags = ReadOptionTexts;

inline void add_read_options(CLI::App* cmd, ReadFlags& flags) {
  cmd->add_option("--layers", flags.layers,
                  "State dicts: the modules' names (Linear, BatchNorm1d) in the order the network applies them "
                  "(name1,name2,...); default: numbered names in numeric order, others in the file's order "
                  "(relutope info shows it)");
  cmd->add_option("--activation", flags.activation,
                  "State dicts: the activation where the file shows none (a gap in a Sequential's numbering, "
                  "between modules not numbered in one Sequential): relu (default), identity or leaky_relu:SLOPE "
                  "(as given to torch.nn.LeakyReLU)");
  cmd->add_option("--activations", flags.activations,
                  "State dicts: the activation after each Linear module, in order, the last after the output layer "
                  "(relu,identity,relu,identity for Sequential(Linear, ReLU, Linear, Identity, Linear, ReLU, Linear)); "
                  "for what the file cannot show: an nn.Identity in a gap, an activation after the output layer");
  cmd->add_option("--encoding", flags.encoding,
                  "State dicts: the input encoding the network was trained with, identity (default) or "
                  "positional:L=N[:order=nerf|per-input|sines-first][:include_input] (a state_dict cannot hold one)");
  cmd->add_option("--batchnorm-eps", flags.batchnorm_eps,
                  "State dicts: the eps of their BatchNorm1d modules (default 1e-5, torch's; a state_dict does not "
                  "hold it)");
}

}  // namespace relutope::cli
