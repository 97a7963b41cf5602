#include "relutope/network/network_io.hpp"

#include "json_input.hpp"
#include "network/npy.hpp"
#include "relutope/atomic_file.hpp"
#include "relutope/error.hpp"
#include "network/safetensors.hpp"
#include "network/state_dict.hpp"
#include "network/torch_pickle.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace relutope {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw InputError(path, "is a directory, not a network file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open the file");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

bool is_zip(const std::string& bytes) { return bytes.rfind("PK\x03\x04", 0) == 0 || bytes.rfind("PK\x05\x06", 0) == 0; }

// ---- JSON ----

const json& field(const json& object, const char* key, const std::string& source) {
  const auto it = object.find(key);
  if (it == object.end()) throw InputError(source, std::string("missing field '") + key + "'");
  return *it;
}

double number(const json& value, const std::string& what, const std::string& source) {
  if (!value.is_number()) throw InputError(source, what + ": expected a number, got " + std::string(value.type_name()));
  return value.get<double>();
}

VecD vector_of(const json& value, const std::string& what, const std::string& source) {
  if (!value.is_array()) throw InputError(source, what + ": expected an array");
  VecD v(static_cast<Eigen::Index>(value.size()));
  for (size_t i = 0; i < value.size(); ++i) v[static_cast<Eigen::Index>(i)] = number(value[i], what, source);
  return v;
}

MatD matrix_of(const json& value, const std::string& what, const std::string& source) {
  if (!value.is_array()) throw InputError(source, what + ": expected an array of rows");
  const Eigen::Index rows = static_cast<Eigen::Index>(value.size());
  const Eigen::Index cols = rows ? static_cast<Eigen::Index>(value[0].is_array() ? value[0].size() : 0) : 0;
  MatD m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    const VecD row = vector_of(value[static_cast<size_t>(i)], what, source);
    if (row.size() != cols)
      throw InputError(source, what + ": row " + std::to_string(i) + " has " + std::to_string(row.size()) +
                                   " entries, row 0 has " + std::to_string(cols));
    m.row(i) = row.transpose();
  }
  return m;
}

// A domain bound: a JSON number means the decimal it was written as (its shortest round-trip
// form), a string is read exactly ("1/3").
Rational bound_of(const json& value, const std::string& source) {
  if (value.is_string()) return parse_rational(value.get<std::string>(), source);
  return parse_rational(shortest_decimal(number(value, "domain", source)), source);
}

// A bound as a JSON number when the number reads back (bound_of) as exactly the bound, else as
// its exact string: "1/3", or the digits of a bound beyond the range of doubles ("1e400").
json bound_json(const Rational& q) { return json::parse(number_json(q)); }

json domain_value(const Box& box) {
  json domain = json::array();
  for (int i = 0; i < box.dim(); ++i) {
    domain.push_back(bound_json(box.lo[i]));
    domain.push_back(bound_json(box.hi[i]));
  }
  return domain;
}

json encoding_value(const Encoding& encoding) {
  if (encoding.type == Encoding::Type::identity) return {{"type", "identity"}};
  return {{"type", "positional"}, {"L", encoding.L}, {"order", order_name(encoding.order)},
          {"include_input", encoding.include_input}};
}

// A misspelt key ("ordr") would silently leave its default in place: another function.
void check_keys(const json& object, std::initializer_list<const char*> allowed, const std::string& where,
                const std::string& source) {
  for (const auto& item : object.items())
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* key) { return item.key() == key; }) == allowed.end())
      throw InputError(source, "unknown key '" + item.key() + "' in " + where);
}

Encoding encoding_of(const json& value, const std::string& source) {
  if (!value.is_object()) throw InputError(source, "encoding must be an object");
  check_keys(value, {"type", "L", "order", "include_input"}, "encoding", source);
  const json& type = field(value, "type", source);
  if (type == "identity") return {};
  if (type != "positional")
    throw InputError(source, "unknown encoding type " + type.dump() + " (expected identity or positional)");
  const json& L = field(value, "L", source);
  if (!L.is_number_integer() || L.get<long>() < 1 || L.get<long>() > 30)
    throw InputError(source, "encoding.L must be an integer in 1..30");
  Encoding encoding{Encoding::Type::positional, L.get<int>()};
  if (value.contains("order")) {
    if (!value["order"].is_string()) throw InputError(source, "encoding.order must be a string");
    encoding.order = parse_order(value["order"].get<std::string>(), source);
  }
  if (value.contains("include_input")) {
    if (!value["include_input"].is_boolean()) throw InputError(source, "encoding.include_input must be true or false");
    encoding.include_input = value["include_input"].get<bool>();
  }
  return encoding;
}

// A layer's "activation" (and "negative_slope" for leaky_relu); absent: ReLU after every layer
// but the last, identity after the last (CONTRACT.md).
Activation activation_of(const json& layer, bool last, const std::string& where, const std::string& source) {
  check_keys(layer, {"weight", "bias", "activation", "negative_slope"}, where, source);
  if (layer.contains("negative_slope") && layer.value("activation", json()) != "leaky_relu")
    throw InputError(source, where + ": negative_slope without \"activation\": \"leaky_relu\"");
  if (!layer.contains("activation")) return last ? Activation::identity() : Activation::relu();
  const json& name = layer["activation"];
  if (name == "relu") return Activation::relu();
  if (name == "identity") return Activation::identity();
  if (name != "leaky_relu")
    throw InputError(source, where + ".activation is " + name.dump() + " (expected \"relu\", \"identity\" or \"leaky_relu\")");
  const double slope = number(field(layer, "negative_slope", source), where + ".negative_slope", source);
  return Activation::leaky_relu(slope);
}

json activation_value(const Activation& activation) {
  switch (activation.kind) {
    case Activation::Kind::relu: return "relu";
    case Activation::Kind::identity: return "identity";
    case Activation::Kind::leaky_relu: return "leaky_relu";
  }
  return nullptr;
}

Network network_from_json(const json& doc, const std::string& source) {
  if (!doc.is_object()) throw InputError(source, "expected a JSON object");
  check_keys(doc, {"format", "version", "input_dim", "encoding", "layers", "domain", "meta"}, "the network", source);
  const json& format = field(doc, "format", source);
  if (format != "relutope.mlp") throw InputError(source, "format is " + format.dump() + ", expected \"relutope.mlp\"");
  const json& version = field(doc, "version", source);
  if (version != 1) throw InputError(source, "unsupported version " + version.dump() + " (this relutope reads version 1)");
  Network net;
  const json& input_dim = field(doc, "input_dim", source);
  // Range-checked as a JSON integer (unsigned ones wrap to negative): get<int> would wrap.
  if (!input_dim.is_number_integer() || input_dim.get<std::int64_t>() < 1 ||
      input_dim.get<std::int64_t>() > std::numeric_limits<int>::max())
    throw InputError(source, "input_dim must be an integer in 1.." + std::to_string(std::numeric_limits<int>::max()));
  net.input_dim = input_dim.get<int>();
  if (doc.contains("encoding")) net.encoding = encoding_of(doc["encoding"], source);
  const json& layers = field(doc, "layers", source);
  if (!layers.is_array()) throw InputError(source, "'layers' must be an array");
  for (size_t l = 0; l < layers.size(); ++l) {
    const std::string where = "layers[" + std::to_string(l) + "]";
    if (!layers[l].is_object()) throw InputError(source, where + ": expected an object");
    if (!layers[l].contains("bias")) throw InputError(source, where + ": missing bias");
    net.layers.push_back({matrix_of(field(layers[l], "weight", source), where + ".weight", source),
                          vector_of(layers[l]["bias"], where + ".bias", source),
                          activation_of(layers[l], l + 1 == layers.size(), where, source)});
  }
  if (doc.contains("domain") && !doc["domain"].is_null()) {
    const json& domain = doc["domain"];
    if (!domain.is_array() || domain.size() % 2 != 0 || domain.empty())
      throw InputError(source, "domain must be an array [lo0, hi0, lo1, hi1, ...]");
    Box box;
    for (size_t i = 0; i < domain.size(); i += 2) {
      box.lo.push_back(bound_of(domain[i], source));
      box.hi.push_back(bound_of(domain[i + 1], source));
    }
    net.domain = box;
  }
  if (doc.contains("meta") && doc["meta"].is_object())
    for (const auto& [key, value] : doc["meta"].items())
      net.meta[key] = value.is_string() ? value.get<std::string>() : value.dump();
  return net;
}

// The items of "a,b,c" (none for ""); an empty item is refused.
std::vector<std::string> comma_list(const std::string& text, const std::string& option) {
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

}  // namespace

Network parse_network_json(const std::string& text, const std::string& source) {
  const json doc = internal::parse_json(text, source);
  try {
    Network net = network_from_json(doc, source);
    check_network(net, source);
    return net;
  } catch (const json::exception& e) {
    throw InputError(source, std::string("unexpected JSON content: ") + e.what());
  }
}

Network read_network(const std::string& path, const ReadOptions& options) {
  const std::string bytes = read_file(path);
  // A state_dict's network, with the encoding the user states for it.
  const auto stated = [&](const internal::StateDict& dict) {
    Network net = internal::network_from_state_dict(dict, path, options);
    if (options.encoding) attach_encoding(net, *options.encoding, path);
    return net;
  };
  if (is_zip(bytes)) {
    const std::vector<internal::ZipMember> members = internal::read_zip(path);
    return stated(internal::is_torch_archive(members) ? internal::torch_state_dict(members, path)
                                                      : internal::npz_state_dict(members, path));
  }
  if (internal::is_safetensors(bytes)) return stated(internal::safetensors_state_dict(bytes, path));
  if (internal::is_pickle(bytes))
    throw InputError(path, "a bare pickle (torch.save's legacy format, or pickle.dump), which relutope does not read: "
                           "save the state_dict again with a torch of version 1.6 or later, e.g. "
                           "torch.save(torch.load(path, weights_only=True), new_path)");
  const size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && bytes[first] == '{') {
    if (options.any())
      throw InputError(path, "--layers, --activation(s), --batchnorm-eps and --encoding are for state_dicts: a relutope "
                             "JSON network states its layers, activations and encoding itself");
    return parse_network_json(bytes, path);
  }
  throw InputError(path, bytes.empty() ? "empty file"
                                       : "not a network file (relutope JSON, or a PyTorch state_dict: .npz, .pt/.pth "
                                         "zip archive, safetensors)");
}

std::string network_json(const Network& net) {
  json doc = {{"format", "relutope.mlp"}, {"version", 1}, {"input_dim", net.input_dim}};
  doc["encoding"] = encoding_value(net.encoding);
  json layers = json::array();
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    json rows = json::array();
    for (Eigen::Index i = 0; i < layer.weight.rows(); ++i)
      rows.push_back(std::vector<double>(layer.weight.row(i).begin(), layer.weight.row(i).end()));
    json entry = {{"weight", rows}, {"bias", std::vector<double>(layer.bias.begin(), layer.bias.end())}};
    // Written always, so that the file says what it is without the default rule.
    entry["activation"] = activation_value(layer.activation);
    if (layer.activation.kind == Activation::Kind::leaky_relu) entry["negative_slope"] = layer.activation.negative_slope;
    layers.push_back(std::move(entry));
  }
  doc["layers"] = layers;
  if (net.domain) doc["domain"] = domain_value(*net.domain);
  doc["meta"] = net.meta;
  return doc.dump() + "\n";
}

std::string number_json(const Rational& q) {
  if (q.get_den() == 1 && q.get_num().fits_slong_p()) return json(q.get_num().get_si()).dump();
  const double d = to_double(q);
  if (std::isfinite(d) && parse_rational(shortest_decimal(d), "") == q) return json(d).dump();
  return json(q.get_str()).dump();
}

std::string domain_json(const Box& box) { return domain_value(box).dump(); }

std::string encoding_json(const Encoding& encoding) { return encoding_value(encoding).dump(); }

NetworkFormat format_for_path(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npz") == 0 ? NetworkFormat::npz : NetworkFormat::json;
}

void check_format(const Encoding& encoding, const std::string& path, NetworkFormat format) {
  // JSON under a name that says torch.save or safetensors would be read back, but mislead torch.
  const std::string suffix = std::filesystem::path(path).extension().string();
  if (suffix == ".pt" || suffix == ".pth" || suffix == ".safetensors")
    throw InputError(path, "relutope writes networks as .json or .npz (torch writes " + suffix + " files)");
  if (format == NetworkFormat::npz && encoding.type != Encoding::Type::identity)
    throw InputError(path, "a PyTorch .npz has no room for the positional encoding: write JSON instead");
}

void write_network(const Network& net, const std::string& path, NetworkFormat format) {
  check_format(net.encoding, path, format);
  if (format == NetworkFormat::json) return write_text_atomically(path, network_json(net));
  // Module indices as a Sequential numbers them: an activation module takes an index, so a
  // ReLU shows as a gap and adjacent indices mean no activation (what the reader assumes).
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Activation& a = net.layers[l].activation;
    const bool last = l + 1 == net.layers.size();
    if (a.kind == Activation::Kind::leaky_relu || (last && a.has_kink()))
      throw InputError(path, "a PyTorch .npz cannot show layer " + std::to_string(l) + "'s activation (" +
                                 activation_name(a) + "): write JSON instead");
  }
  internal::StateDict arrays;
  long index = 0;
  for (const Layer& layer : net.layers) {
    const std::string name = std::to_string(index);
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w = layer.weight;
    arrays.tensors.emplace_back(name + ".weight", internal::Tensor{internal::float64, {static_cast<long>(w.rows()), static_cast<long>(w.cols())},
                                std::vector<double>(w.data(), w.data() + w.size())});
    arrays.tensors.emplace_back(name + ".bias", internal::Tensor{internal::float64, {static_cast<long>(layer.bias.size())},
                                std::vector<double>(layer.bias.begin(), layer.bias.end())});
    index += layer.activation.has_kink() ? 2 : 1;
  }
  write_atomically(path, [&](const std::string& temporary) { internal::write_npz(temporary, arrays); });
}

ReadOptions parse_read_options(const ReadOptionTexts& texts) {
  ReadOptions options;
  options.layers = comma_list(texts.layers, "--layers");
  for (const std::string& name : comma_list(texts.activations, "--activations"))
    options.activations.push_back(parse_activation(name, "--activations"));
  if (!texts.activation.empty()) options.activation = parse_activation(texts.activation, "--activation");
  if (!texts.encoding.empty()) options.encoding = parse_encoding(texts.encoding, "--encoding");
  if (!texts.batchnorm_eps.empty()) {  // the double nearest the decimal, as torch reads eps=1e-3
    const Rational eps = parse_rational(texts.batchnorm_eps, "--batchnorm-eps");
    options.batchnorm_eps = to_double(eps);
    if (eps < 0 || !std::isfinite(*options.batchnorm_eps) || (eps != 0 && *options.batchnorm_eps == 0))
      throw InputError("--batchnorm-eps", "must be 0 or a positive double, not '" + texts.batchnorm_eps + "'");
  }
  return options;
}

}  // namespace relutope
