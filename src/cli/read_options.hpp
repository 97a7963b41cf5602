#pragma once
// The options of every command that reads a network: what a state_dict cannot say itself.
#include "relutope/network_io.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace relutope::cli {

struct ReadFlags {
  std::string layers, activation;
};

inline void add_read_options(CLI::App* cmd, ReadFlags& flags) {
  cmd->add_option("--layers", flags.layers,
                  "State dicts: the Linear modules' names in the order the network applies them "
                  "(name1,name2,...); default: numbered names in numeric order, others in the file's order");
  cmd->add_option("--activation", flags.activation,
                  "State dicts: the activation a gap in the module numbering stands for: relu (default), "
                  "identity or leaky_relu:SLOPE (as given to torch.nn.LeakyReLU)");
}

inline ReadOptions read_options(const ReadFlags& flags) {
  ReadOptions options;
  for (size_t start = 0; !flags.layers.empty();) {
    const size_t comma = flags.layers.find(',', start);
    options.layers.push_back(flags.layers.substr(start, comma == std::string::npos ? comma : comma - start));
    if (options.layers.back().empty()) throw InputError("--layers", "empty name in '" + flags.layers + "'");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!flags.activation.empty()) options.activation = parse_activation(flags.activation, "--activation");
  return options;
}

}  // namespace relutope::cli
