#pragma once
// Reading and writing network files (CONTRACT.md): native JSON, and PyTorch state_dicts as .npz,
// torch.save zip archives (.pt/.pth) and safetensors.
#include "relutope/network/network.hpp"

#include <optional>
#include <string>
#include <vector>

namespace relutope {

enum class NetworkFormat { json, npz };

/// What a state_dict cannot say about itself (CONTRACT.md). Native JSON files need none of it
/// and refuse `layers` and `activation`.
struct ReadOptions {
  /// The modules' names (Linear and BatchNorm1d, e.g. "fc1,bn1,fc2,out") in the order the
  /// network applies them: overrides the order the file shows. Every module must be named once.
  std::vector<std::string> layers;
  /// The parameter-free activation where the file shows none: in a gap of a Sequential's
  /// numbering, between modules that are not numbered neighbours, and between the neighbours of
  /// a container numbered without any gap. Unset: relu, except in that last case (a Sequential
  /// of Linear modules alone and a ModuleList applying activations in forward() look the same),
  /// which is refused.
  std::optional<Activation> activation;
  /// The activation after each Linear module, in order, the last one after the output layer:
  /// states what no state_dict shows (an nn.Identity in a gap, a ReLU after the output layer).
  /// Empty: the rules above, and no activation after the output layer.
  std::vector<Activation> activations;
  /// BatchNorm1d's eps (unset: 1e-5, torch's default; a state_dict does not hold it).
  std::optional<double> batchnorm_eps;
  /// The input encoding the network was trained with (a state_dict cannot hold one): see
  /// attach_encoding. Unset: identity.
  std::optional<Encoding> encoding;
  /// Whether any option is set: a native JSON network states all of this itself.
  bool any() const { return !layers.empty() || activation || !activations.empty() || batchnorm_eps || encoding; }
};

/// ReadOptions as the command line's options write them (empty: not given): `layers`
/// "fc1,bn1,out", `activation` "leaky_relu:0.01", `activations` "relu,identity,relu", `encoding`
/// "positional:L=8", `batchnorm_eps` "1e-3" (the double nearest the decimal, as torch reads it).
struct ReadOptionTexts {
  std::string layers, activation, activations, batchnorm_eps, encoding;
};

/// Parses the texts. Throws InputError("--layers", ...) and so on, naming the option at fault.
ReadOptions parse_read_options(const ReadOptionTexts& texts);

/// Reads a network, choosing the format by the file's content, not its name: a zip archive with
/// a "<dir>/data.pkl" member is a torch.save file (read without executing anything from it),
/// another zip archive an .npz, an 8-byte length and a JSON header a safetensors file, text
/// starting with '{' native JSON. A state_dict's modules are read by the rules of CONTRACT.md and
/// README.md (Network files); its meta says how ("layers", "layer_order", "batchnorm").
/// Checks the network with check_network. Throws InputError(path, fault).
Network read_network(const std::string& path, const ReadOptions& options = {});

/// Parses a native relutope JSON document; `source` names it in errors.
Network parse_network_json(const std::string& text, const std::string& source);

/// The native JSON document of the network. Doubles are written in their shortest round-trip
/// form, so reading it back gives every weight bit for bit.
std::string network_json(const Network& net);

/// The JSON text of an exact number: a JSON number when it reads back as exactly q (its
/// shortest decimal), else the exact string ("1/3", or all the digits beyond doubles).
std::string number_json(const Rational& q);

/// The JSON text of a domain as network files write it, [lo0, hi0, lo1, hi1, ...]: each bound a
/// JSON number when that number reads back as exactly the bound, else its exact string ("1/3",
/// or all the digits of a bound beyond the range of doubles).
std::string domain_json(const Box& box);

/// The JSON text of an encoding as network files write it: {"type": "identity"} or
/// {"type": "positional", "L": L, "order": ..., "include_input": ...}.
std::string encoding_json(const Encoding& encoding);

/// Checks that a network with this encoding fits the format (an .npz has no room for a
/// positional encoding) and that the name does not promise torch's formats (.pt, .pth,
/// .safetensors), which relutope reads but does not write. Throws InputError(path, ...) otherwise.
void check_format(const Encoding& encoding, const std::string& path, NetworkFormat format);

/// Writes the network atomically (a temporary file renamed into place): either the whole file
/// appears or nothing. npz writes float64 arrays "<2i>.weight"/"<2i>.bias" as a Sequential of
/// Linear and ReLU would; it has no room for the encoding, domain and meta, so a network with
/// a positional encoding is refused (InputError) rather than silently changed.
void write_network(const Network& net, const std::string& path, NetworkFormat format);

/// The format a file name asks for: ".npz" -> npz, anything else -> json.
NetworkFormat format_for_path(const std::string& path);

}  // namespace relutope
