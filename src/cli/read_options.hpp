#pragma once
// The options of every command that reads a network: what a state_dict cannot say itself.
#include "relutope/network/network_io.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <string>

namespace relutope::cli {

struct ReadFlags {
  std::string layers, activation, activations, batchnorm_eps, encoding;
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

// The items of "a,b,c" (none for ""); an empty item is refused.
inline std::vector<std::string> comma_list(const std::string& text, const std::string& option) {
  std::vector<std::string> items;
  for (size_t start = 0; !text.empty();) {
    const size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string::npos ? comma : comma - start));
    if (items.back().empty()) throw InputError(option, "empty item in '" + text + "'");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

inline ReadOptions read_options(const ReadFlags& flags) {
  ReadOptions options;
  options.layers = comma_list(flags.layers, "--layers");
  for (const std::string& name : comma_list(flags.activations, "--activations"))
    options.activations.push_back(parse_activation(name, "--activations"));
  if (!flags.activation.empty()) options.activation = parse_activation(flags.activation, "--activation");
  if (!flags.encoding.empty()) options.encoding = parse_encoding(flags.encoding, "--encoding");
  if (!flags.batchnorm_eps.empty()) {  // the double nearest the decimal, as torch reads eps=1e-3
    const Rational eps = parse_rational(flags.batchnorm_eps, "--batchnorm-eps");
    options.batchnorm_eps = to_double(eps);
    if (eps < 0 || !std::isfinite(*options.batchnorm_eps) || (eps != 0 && *options.batchnorm_eps == 0))
      throw InputError("--batchnorm-eps", "must be 0 or a positive double, not '" + flags.batchnorm_eps + "'");
  }
  return options;
}

}  // namespace relutope::cli
