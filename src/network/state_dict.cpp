#include "network/state_dict.hpp"

#include "relutope/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace relutope::internal {
namespace {

constexpr const char* parameter_names[] = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};

// The tensors whose keys share a module name (the key before its last '.').
struct Module {
  std::string name;
  std::map<std::string, const Tensor*> params;  // by parameter name: "weight", "bias", ...
  bool numbered = false;  // the name's last component is an index in a Sequential (or ModuleList)
  std::string parent;     // then: the name of that container ("" at the top level)
  long index = 0;

  std::string key(const std::string& param) const { return name.empty() ? param : name + "." + param; }
  const Tensor* param(const std::string& p) const {
    const auto it = params.find(p);
    return it == params.end() ? nullptr : it->second;
  }
  bool is_batchnorm() const { return param("running_mean") || param("running_var") || param("num_batches_tracked"); }
  std::string group() const { return numbered ? "#" + parent : ""; }
};

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

std::string names_of(const std::vector<const Module*>& modules) {
  std::vector<std::string> names;
  for (const Module* m : modules) names.push_back(m->name);
  return joined(names, ",");
}

void check_module(const Module& m, const std::string& path) {
  if (m.is_batchnorm()) {
    const Tensor* mean = m.param("running_mean");
    if (!mean || !m.param("running_var"))
      throw InputError(path, "BatchNorm module '" + m.name + "' lacks " + (mean ? "running_var" : "running_mean") +
                                 " (relutope folds a BatchNorm1d in eval mode, which uses its running statistics)");
    for (const char* p : {"running_mean", "running_var", "weight", "bias"}) {
      const Tensor* t = m.param(p);
      if (t && (t->shape.size() != 1 || mean->shape.size() != 1 || t->shape[0] != mean->shape[0]))
        throw InputError(path, "'" + m.key(p) + "' is not a vector as long as '" + m.key("running_mean") + "' (BatchNorm1d)");
    }
    return;
  }
  const Tensor* weight = m.param("weight");
  const Tensor* bias = m.param("bias");
  if (!weight) throw InputError(path, "'" + m.key("bias") + "' has no weight");
  if (weight->shape.size() == 1)
    throw InputError(path, "'" + m.key("weight") + "' is a vector and '" + m.name +
                               "' has no running statistics: a normalisation layer (LayerNorm, or BatchNorm without "
                               "running statistics), not a Linear or a BatchNorm1d in eval mode");
  if (weight->shape.size() != 2)
    throw InputError(path, "'" + m.key("weight") + "' has " + std::to_string(weight->shape.size()) +
                               " dimensions: not a Linear (out x in); relutope reads Linear and BatchNorm1d modules");
  if (bias && (bias->shape.size() != 1 || bias->shape[0] != weight->shape[0]))
    throw InputError(path, "'" + m.key("bias") + "' is not a vector of " + std::to_string(weight->shape[0]) +
                               " entries, one per row of '" + m.key("weight") + "'");
}

// The modules in the file's order, each checked.
std::vector<Module> modules_of(const StateDict& dict, const std::string& path) {
  std::vector<Module> modules;
  std::map<std::string, size_t> by_name;
  for (const auto& [key, tensor] : dict.tensors) {
    const size_t dot = key.rfind('.');
    const std::string name = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string param = key.substr(dot == std::string::npos ? 0 : dot + 1);
    if (std::find(std::begin(parameter_names), std::end(parameter_names), param) == std::end(parameter_names))
      throw InputError(path, "unexpected key '" + key +
                                 "' (expected Linear modules' '<name>.weight' and '<name>.bias', and BatchNorm1d's "
                                 "running_mean, running_var and num_batches_tracked)");
    if (!tensor.dtype.floating && param != "num_batches_tracked")
      throw InputError(path, "'" + key + "' has dtype " + tensor.dtype.name +
                                 " (relutope reads float16, bfloat16, float32 and float64 weights)");
    const auto bad = std::find_if(tensor.data.begin(), tensor.data.end(), [](double v) { return !std::isfinite(v); });
    if (bad != tensor.data.end())
      throw InputError(path, "'" + key + "' holds " + (std::isnan(*bad) ? "a NaN" : "an infinite value") + " at entry " +
                                 std::to_string(bad - tensor.data.begin()));
    const auto [it, fresh] = by_name.emplace(name, modules.size());
    if (fresh) {
      Module m;
      m.name = name;
      const size_t last = name.rfind('.');
      const std::string tail = name.substr(last == std::string::npos ? 0 : last + 1);
      if (!tail.empty() && tail.find_first_not_of("0123456789") == std::string::npos) {
        if (tail.size() > 9) throw InputError(path, "module index in '" + key + "' is too large");
        m.numbered = true;
        m.parent = last == std::string::npos ? "" : name.substr(0, last);
        m.index = std::stol(tail);
      }
      modules.push_back(std::move(m));
    }
    if (!modules[it->second].params.emplace(param, &tensor).second) throw InputError(path, "'" + key + "' appears twice");
  }
  if (modules.empty()) throw InputError(path, "holds no tensors");
  for (const Module& m : modules) check_module(m, path);
  return modules;
}

// The modules in the order the network applies them; `how` says what decided it.
std::vector<const Module*> ordered(const std::vector<Module>& modules, const StateDict& dict, const ReadOptions& options,
                                   const std::string& path, std::string& how) {
  std::vector<const Module*> order;
  for (const Module& m : modules) order.push_back(&m);
  if (!options.layers.empty()) {
    std::map<std::string, const Module*> by_name;
    for (const Module& m : modules) by_name[m.name] = &m;
    std::vector<const Module*> listed;
    for (const std::string& name : options.layers) {
      const auto it = by_name.find(name);
      if (it == by_name.end())
        throw InputError(path, "--layers names '" + name + "', which is not a module of the file (its modules: " +
                                   names_of(order) + ")");
      if (std::find(listed.begin(), listed.end(), it->second) != listed.end())
        throw InputError(path, "--layers names '" + name + "' twice");
      listed.push_back(it->second);
    }
    for (const Module& m : modules)
      if (std::find(listed.begin(), listed.end(), &m) == listed.end()) {
        std::vector<std::string> keys;
        for (const auto& param : m.params) keys.push_back("'" + m.key(param.first) + "'");
        throw InputError(path, joined(keys, ", ") + " belong to no module that --layers names (add '" + m.name + "')");
      }
    how = "--layers";
    return listed;
  }
  const auto other = std::find_if(modules.begin(), modules.end(), [&](const Module& m) { return m.group() != modules[0].group(); });
  if (other != modules.end())
    throw InputError(path, "'" + modules[0].name + "' and '" + other->name +
                               "' are not numbered in one Sequential, so the file does not show the order of the "
                               "modules nor the activations between them: list the modules in the order the network "
                               "applies them with --layers (in the file's order: " + names_of(order) +
                               "); --activation, relu by default, then sits between modules that are not numbered "
                               "neighbours");
  if (modules[0].numbered) {
    std::stable_sort(order.begin(), order.end(), [](const Module* a, const Module* b) { return a->index < b->index; });
    how = "by index in the numbered Sequential" + (modules[0].parent.empty() ? "" : " '" + modules[0].parent + "'");
    return order;
  }
  if (!dict.in_module_order && modules.size() > 1)
    throw InputError(path, "a safetensors file stores its tensors sorted by name, not in the order of the modules, "
                           "whose names are not numbered: list them in the order the network applies them with "
                           "--layers (modules: " + names_of(order) + ")");
  how = "the file's order (the modules' registration order)";
  return order;
}

// Where two consecutive modules sit: numbered neighbours i, i+1 of one Sequential, further apart
// in one (a gap holds parameter-free modules), or anything else (the file does not show).
enum class Joint { adjacent, gap, unknown };

Joint joint(const Module& a, const Module& b) {
  if (!a.numbered || !b.numbered || a.parent != b.parent || b.index <= a.index) return Joint::unknown;
  return b.index == a.index + 1 ? Joint::adjacent : Joint::gap;
}

Layer linear_layer(const Module& m) {
  const Tensor& w = *m.param("weight");
  Layer layer{Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                  w.data.data(), w.shape[0], w.shape[1]),
              VecD::Zero(w.shape[0]), Activation::identity()};
  if (const Tensor* b = m.param("bias")) layer.bias = Eigen::Map<const VecD>(b->data.data(), b->shape[0]);
  return layer;
}

// Folds BatchNorm1d `bn` (eval mode) into the layer made from `linear`:
//   y = gamma (W x + b - mean) / sqrt(var + eps) + beta = (s W) x + s (b - mean) + beta,
// s = gamma / sqrt(var + eps). In double, with u = 2^-53: s has a relative error below 2.5 u (a
// sum, a square root, a quotient, each correctly rounded), so each folded weight fl(s W) is within
// 3.5 u < 2^-51 relative of the exact one, and each bias within 6 u (|s| (|b| + |mean|) + |beta|)
// of the exact one: the largest of these bounds is returned.
double fold(Layer& layer, const Module& bn, const Module& linear, double eps, const std::string& path) {
  if (!(eps >= 0) || !std::isfinite(eps)) throw InputError(path, "the BatchNorm eps must be finite and >= 0");
  const Tensor& mean = *bn.param("running_mean");
  const Tensor& var = *bn.param("running_var");
  const Tensor* gamma = bn.param("weight");
  const Tensor* beta = bn.param("bias");
  if (mean.shape[0] != layer.weight.rows())
    throw InputError(path, "BatchNorm1d '" + bn.name + "' normalises " + std::to_string(mean.shape[0]) +
                               " features, '" + linear.name + "' gives " + std::to_string(layer.weight.rows()));
  constexpr double u = 0x1p-53;
  double bias_error = 0;
  for (Eigen::Index i = 0; i < layer.weight.rows(); ++i) {
    const size_t k = static_cast<size_t>(i);
    const double denominator = std::sqrt(var.data[k] + eps);
    if (var.data[k] < 0 || !(denominator > 0))
      throw InputError(path, "'" + bn.key("running_var") + "' entry " + std::to_string(i) + " is " +
                                 shortest_decimal(var.data[k]) + ": BatchNorm divides by sqrt(running_var + eps), eps " +
                                 shortest_decimal(eps) + " (--batchnorm-eps)");
    const double s = (gamma ? gamma->data[k] : 1.0) / denominator, shift = beta ? beta->data[k] : 0.0;
    bias_error = std::max(bias_error, 6 * u * (std::abs(s) * (std::abs(layer.bias[i]) + std::abs(mean.data[k])) + std::abs(shift)));
    layer.weight.row(i) *= s;
    layer.bias[i] = s * (layer.bias[i] - mean.data[k]) + shift;
  }
  if (!layer.weight.allFinite() || !layer.bias.allFinite())
    throw InputError(path, "folding BatchNorm1d '" + bn.name + "' into '" + linear.name + "' overflows the doubles");
  return bias_error;
}

// What meta["batchnorm"] says of the folds ("'1' into '0', ...") and the largest bias bound.
std::string batchnorm_note(const std::vector<std::string>& folds, double bias_error, double eps) {
  char bound[32];
  std::snprintf(bound, sizeof bound, "%.1e", 1.1 * bias_error);  // a bound 10% larger, rounded: still a bound
  return joined(folds, ", ") + " folded with eps " + shortest_decimal(eps) +
         " (torch's BatchNorm1d in eval mode): the folded weights are rounded to double, each within a relative "
         "2^-51 (4.4e-16) of gamma W / sqrt(running_var + eps), each bias within " +
         (bias_error == 0 ? std::string("0") : bound) + " of gamma (b - running_mean) / sqrt(running_var + eps) + beta";
}

// The containers whose numbered modules have no gap between their indices: a Sequential of
// Linear modules alone, or a ModuleList whose forward() applies activations; a state_dict cannot
// tell them apart.
std::set<std::string> gapless_containers(const std::vector<Module>& modules) {
  std::map<std::string, std::vector<long>> indices;
  for (const Module& m : modules)
    if (m.numbered) indices[m.parent].push_back(m.index);
  std::set<std::string> gapless;
  for (auto& [parent, list] : indices) {
    std::sort(list.begin(), list.end());
    if (std::adjacent_find(list.begin(), list.end(), [](long a, long b) { return b > a + 1; }) == list.end())
      gapless.insert(parent);
  }
  return gapless;
}

// The activation before the Linear `b`, which sits at joint j after the module before it; adds
// the rule that decided it to `rules`.
Activation activation_between(const Module& b, Joint j, const std::set<std::string>& gapless,
                              const std::vector<Module>& modules, const ReadOptions& options, const std::string& path,
                              std::set<std::string>& rules) {
  const Activation assumed = options.activation.value_or(Activation::relu());
  if (j == Joint::adjacent && gapless.count(b.parent)) {
    if (!options.activation) {
      std::vector<const Module*> siblings;
      for (const Module& m : modules)
        if (m.numbered && m.parent == b.parent) siblings.push_back(&m);
      throw InputError(path, "modules " + names_of(siblings) +
                                 " are numbered without a gap: a Sequential with no activation between its Linear "
                                 "modules and a ModuleList whose forward() applies an activation look the same in a "
                                 "state_dict; say which with --activation identity or --activation relu");
    }
    rules.insert("neighbours numbered without a gap: " + activation_name(assumed) + " (--activation)");
    return assumed;
  }
  if (j == Joint::adjacent) {
    rules.insert("numbered neighbours i, i+1: identity");
    return Activation::identity();
  }
  rules.insert(j == Joint::gap ? "a gap in the numbering: " + activation_name(assumed)
                               : "between modules not numbered in one Sequential: " + activation_name(assumed) +
                                     " (assumed: a state_dict does not record activations; --activation)");
  return assumed;
}

}  // namespace

Network network_from_state_dict(const StateDict& dict, const std::string& path, const ReadOptions& options) {
  const std::vector<Module> modules = modules_of(dict, path);
  std::string how;
  const std::vector<const Module*> order = ordered(modules, dict, options, path, how);
  const std::set<std::string> gapless = gapless_containers(modules);
  const size_t linear_count =
      static_cast<size_t>(std::count_if(order.begin(), order.end(), [](const Module* m) { return !m->is_batchnorm(); }));
  if (options.activation && !options.activations.empty())
    throw InputError("--activations", "give either --activation (where the file shows none) or --activations (after "
                                      "every Linear module), not both");
  if (!options.activations.empty() && options.activations.size() != linear_count)
    throw InputError("--activations", std::to_string(options.activations.size()) + " activations for the " +
                                          std::to_string(linear_count) + " Linear modules of " + path +
                                          " (one after each, the last after the output layer)");
  Network net;
  std::vector<std::string> shown, folds;  // meta["layers"]'s words; the folds made
  std::set<std::string> rules;            // what decided the activations
  double bias_error = 0;
  const Module* previous = nullptr;
  const Module* linear = nullptr;  // the module of the last layer
  for (const Module* m : order) {
    const Joint j = previous ? joint(*previous, *m) : Joint::unknown;
    if (m->is_batchnorm()) {
      if (!previous || previous->is_batchnorm() || j == Joint::gap)
        throw InputError(path, "BatchNorm1d '" + m->name + "' " +
                                   (!previous ? std::string("comes first")
                                              : "follows '" + previous->name + "'" + (j == Joint::gap ? " across an index gap (an activation)" : "")) +
                                   ": relutope folds a BatchNorm1d only into the Linear right before it");
      bias_error = std::max(bias_error, fold(net.layers.back(), *m, *linear, options.batchnorm_eps.value_or(1e-5), path));
      folds.push_back("'" + m->name + "' into '" + linear->name + "'");
      shown.push_back(m->name + "(batchnorm)");
    } else {
      if (previous) {
        Activation& activation = net.layers.back().activation;
        activation = options.activations.empty() ? activation_between(*m, j, gapless, modules, options, path, rules)
                                                 : options.activations[net.layers.size() - 1];
        shown.push_back(activation_name(activation));
      }
      net.layers.push_back(linear_layer(*m));
      shown.push_back(m->name);
      linear = m;
    }
    previous = m;
  }
  if (options.activations.empty()) {
    rules.insert("after the last Linear: none (a state_dict cannot show an activation there; --activations)");
  } else {
    rules = {"the activation after each Linear module as --activations gives it"};
    net.layers.back().activation = options.activations.back();
    if (net.layers.back().activation.has_kink()) shown.push_back(activation_name(net.layers.back().activation));
  }
  net.input_dim = static_cast<int>(net.layers.front().weight.cols());
  net.meta["layers"] = joined(shown, " ");
  net.meta["layer_order"] = how + (rules.empty() ? "" : "; " + joined({rules.begin(), rules.end()}, "; "));
  if (!folds.empty()) net.meta["batchnorm"] = batchnorm_note(folds, bias_error, options.batchnorm_eps.value_or(1e-5));
  check_network(net, path);
  return net;
}

}  // namespace relutope::internal
