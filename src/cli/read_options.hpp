#pragma once
// The options of every command that reads a network: what a state_dict cannot say itself.
#include "relutope/network_io.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <string>

namespace relutope::cli {

struct ReadFlags {
  std::string layers, activation, batchnorm_eps;
};

inline void add_read_options(CLI::App* cmd, ReadFlags& flags) {
  cmd->add_option("--layers", flags.layers,
                  "State dicts: the modules' names (Linear, BatchNorm1d) in the order the network applies them "
                  "(name1,name2,...); default: numbered names in numeric order, others in the file's order "
                  "(relutope info shows it)");
  cmd->add_option("--activation", flags.activation,
                  "State dicts: the activation where the file shows none (a gap in a Sequential's numbering, "
                  "between modules not numbered in one Sequential): relu (default), identity or leaky_relu:SLOPE "
                  "(as given to torch.nn.LeakyReLU)");
  cmd->add_option("--batchnorm-eps", flags.batchnorm_eps,
                  "State dicts: the eps of their BatchNorm1d modules (default 1e-5, torch's; a state_dict does not "
                  "hold it)");
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
  if (!flags.batchnorm_eps.empty()) {  // the double nearest the decimal, as torch reads eps=1e-3
    options.batchnorm_eps = to_double(parse_rational(flags.batchnorm_eps, "--batchnorm-eps"));
    if (!(options.batchnorm_eps >= 0) || !std::isfinite(options.batchnorm_eps))
      throw InputError("--batchnorm-eps", "must be a finite number >= 0, not '" + flags.batchnorm_eps + "'");
  }
  return options;
}

}  // namespace relutope::cli
