#pragma once
// The network value type: a ReLU MLP with an input encoding, weights as doubles, evaluated in
// doubles. Its exact view (to_exact) is the same map in rationals: every double is a rational.
#include "relutope/domain.hpp"
#include "relutope/exact.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relutope {

/// How raw inputs x in R^d become the first layer's features.
/// identity: x itself. positional (L >= 1): for l = 0..L-1 the block
/// [sin(2^l pi x_0), ..., sin(2^l pi x_{d-1}), cos(2^l pi x_0), ..., cos(2^l pi x_{d-1})],
/// so 2 L d features (Tancik et al.; Lazzari & Liu eq. 1).
struct Encoding {
  enum class Type { identity, positional };
  Type type = Type::identity;
  int L = 0;

  /// Number of features for `input_dim` raw inputs.
  int features(int input_dim) const { return type == Type::identity ? input_dim : 2 * L * input_dim; }
  bool operator==(const Encoding& o) const { return type == o.type && L == o.L; }
};

/// One affine layer y = W x + b. W is #out x #in (PyTorch's order).
struct Layer {
  MatD weight;
  VecD bias;
};

/// A ReLU MLP: ReLU follows every layer but the last.
struct Network {
  int input_dim = 0;
  Encoding encoding;
  std::vector<Layer> layers;
  std::optional<Box> domain;                  // where the network is meant to be analysed
  std::map<std::string, std::string> meta;    // provenance: preset, seed, steps, loss, ...

  int output_dim() const { return layers.empty() ? 0 : static_cast<int>(layers.back().weight.rows()); }
  int hidden_neurons() const;
  long parameter_count() const;
};

/// Checks the network's shapes and weights: at least one layer, consecutive layers chain, biases
/// match, the first layer takes encoding.features(input_dim) inputs, every weight finite.
/// Throws InputError(source, fault) naming the first fault.
void check_network(const Network& net, const std::string& source);

/// Encoded features of the points X (#points x input_dim) -> #points x features.
MatD encode(const Encoding& encoding, const MatD& X);

/// Activation pattern: one character per hidden neuron, layer by layer, '1' where the
/// pre-activation is > 0 and '0' otherwise.
using ActivationPattern = std::string;

struct Evaluation {
  MatD values;                                // #points x #outputs
  std::vector<ActivationPattern> patterns;    // one per point
};

/// Evaluates the network in double precision at the points X (#points x input_dim).
Evaluation evaluate(const Network& net, const MatD& X);

/// The spectral norm of W (its largest singular value), in double: the square root of the
/// largest eigenvalue of the smaller Gram matrix (W^T W or W W^T).
double spectral_norm(const MatD& W);

/// A layer in exact rationals.
struct LayerQ {
  MatQ weight;
  VecQ bias;
};

/// The network's layers as exact rationals (the encoding stays symbolic).
struct NetworkQ {
  int input_dim = 0;
  Encoding encoding;
  std::vector<LayerQ> layers;
};

/// The exact view of the network: every weight is the rational its double denotes.
NetworkQ to_exact(const Network& net);

}  // namespace relutope
