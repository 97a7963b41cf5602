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
/// identity: x itself. positional (L >= 1): sin and cos of 2^l pi x_i for l = 0..L-1, i = 0..d-1,
/// so 2 L d features (Tancik et al.; Lazzari & Liu eq. 1), preceded by x itself with
/// include_input (NeRF), in one of the orders implementations use (Order below). A network
/// trained with one order is another function under another: the order is part of the network.
struct Encoding {
  enum class Type { identity, positional };
  enum class Order {
    nerf,         // per level: sin of every input, then cos of every input (NeRF's code)
    per_input,    // per level, per input: sin then cos (Lazzari & Liu's code)
    sines_first,  // every sine (level-major, then input), then every cosine likewise (Tancik et al.)
  };
  Type type = Type::identity;
  int L = 0;
  Order order = Order::nerf;
  bool include_input = false;

  /// Number of features for `input_dim` raw inputs.
  int features(int input_dim) const {
    return type == Type::identity ? input_dim : 2 * L * input_dim + (include_input ? input_dim : 0);
  }
  /// The column of sin (or cos) of 2^level pi x_input among the features of `input_dim` inputs.
  int column(int level, int input, bool cosine, int input_dim) const;
  bool operator==(const Encoding& o) const {
    return type == o.type && L == o.L && order == o.order && include_input == o.include_input;
  }
};

/// "identity" or "positional:L=8[:order=nerf|per-input|sines-first][:include_input]"
/// (CONTRACT.md). Throws InputError(source, ...) otherwise.
Encoding parse_encoding(const std::string& text, const std::string& source);

/// The text parse_encoding reads back.
std::string encoding_spec(const Encoding& encoding);

/// The name of an order as files write it: "nerf", "per-input", "sines-first".
std::string order_name(Encoding::Order order);

/// The order named so. Throws InputError(source, ...) for another name.
Encoding::Order parse_order(const std::string& name, const std::string& source);

/// The elementwise map applied to a layer's pre-activations z. Every kind is piecewise linear:
/// relu max(z, 0); identity z (no activation module between two Linear layers); leaky_relu
/// z if z > 0 else negative_slope z (PyTorch's LeakyReLU). The slope is a double, as torch holds
/// it, so it is an exact binary rational like every weight.
struct Activation {
  enum class Kind { relu, identity, leaky_relu };
  Kind kind = Kind::relu;
  double negative_slope = 0;  // leaky_relu only

  static Activation relu() { return {}; }
  static Activation identity() { return {Kind::identity, 0}; }
  static Activation leaky_relu(double slope) { return {Kind::leaky_relu, slope}; }

  /// Whether it has a kink at z = 0, so that its neurons carry activation-pattern bits.
  bool has_kink() const { return kind != Kind::identity; }
  /// The slope where z <= 0: 0 (relu), 1 (identity) or negative_slope.
  double slope_below() const { return kind == Kind::relu ? 0 : kind == Kind::identity ? 1 : negative_slope; }
  bool operator==(const Activation& o) const { return kind == o.kind && negative_slope == o.negative_slope; }
  bool operator!=(const Activation& o) const { return !(*this == o); }
};

/// "relu", "identity" or "leaky_relu:SLOPE" (the slope read as the double nearest the decimal,
/// as torch reads negative_slope=0.01). Throws InputError(source, ...) otherwise.
Activation parse_activation(const std::string& text, const std::string& source);

/// The text parse_activation reads back: "relu", "identity", "leaky_relu:0.01".
std::string activation_name(const Activation& activation);

/// One affine layer y = W x + b, followed by its activation. W is #out x #in (PyTorch's order).
struct Layer {
  MatD weight;
  VecD bias;
  Activation activation;  // an MLP's output layer has Activation::identity()
};

/// A piecewise-linear MLP: each layer's activation is explicit (ReLU between the layers and
/// identity after the last, unless a file says otherwise).
struct Network {
  int input_dim = 0;
  Encoding encoding;
  std::vector<Layer> layers;
  std::optional<Box> domain;                  // where the network is meant to be analysed
  std::map<std::string, std::string> meta;    // provenance: preset, seed, steps, loss, ...

  int output_dim() const { return layers.empty() ? 0 : static_cast<int>(layers.back().weight.rows()); }
  /// Neurons whose activation has a kink: the length of an activation pattern.
  int hidden_neurons() const;
  long parameter_count() const;
};

/// Checks the network's shapes and weights: at least one layer, consecutive layers chain, biases
/// match, the first layer takes encoding.features(input_dim) inputs, every weight finite.
/// Throws InputError(source, fault) naming the first fault.
void check_network(const Network& net, const std::string& source);

/// Gives the network the encoding it was trained with (a state_dict cannot hold one): the raw
/// input dimension follows from the first layer's features (encoding.features(d) of them).
/// Throws InputError(source, ...) if they do not divide evenly or the domain no longer fits.
void attach_encoding(Network& net, const Encoding& encoding, const std::string& source);

/// Encoded features of the points X (#points x input_dim) -> #points x features.
MatD encode(const Encoding& encoding, const MatD& X);

/// Activation pattern: one character per neuron whose activation has a kink (identity layers
/// have none), layer by layer, '1' where the pre-activation is > 0 and '0' otherwise.
using ActivationPattern = std::string;

struct Evaluation {
  MatD values;                                // #points x #outputs
  std::vector<ActivationPattern> patterns;    // one per point
};

/// out = the activation of z elementwise, as torch computes it in double: max(z, 0) for relu,
/// z > 0 ? z : z * slope for leaky_relu (one rounding), z for identity.
void activate(const Activation& activation, const MatD& z, MatD& out);

/// delta = dLoss/dz from back = dLoss/d(activation(z)): back where z > 0, else slope_below() *
/// back (0 for relu: the subgradient torch takes at z = 0).
void backpropagate(const Activation& activation, const MatD& z, const MatD& back, MatD& delta);

/// Evaluates the network in double precision at the points X (#points x input_dim).
Evaluation evaluate(const Network& net, const MatD& X);

/// The spectral norm of W (its largest singular value), in double: the square root of the
/// largest eigenvalue of the smaller Gram matrix (W^T W or W W^T).
double spectral_norm(const MatD& W);

/// A layer in exact rationals; the activation's slope is exact too (a double is a rational).
struct LayerQ {
  MatQ weight;
  VecQ bias;
  Activation activation;
};

/// The network's layers as exact rationals (the encoding stays symbolic).
struct NetworkQ {
  int input_dim = 0;
  Encoding encoding;
  std::vector<LayerQ> layers;
};

/// The exact view of the network: every weight is the rational its double denotes.
NetworkQ to_exact(const Network& net);

/// The network's outputs and activation pattern at one point x (input_dim, exact) of a
/// network with identity encoding, in exact rational arithmetic: the reference that the double
/// evaluation approximates (bit 1 iff z > 0 exactly).
struct ExactEvaluation {
  VecQ values;
  ActivationPattern pattern;
};
ExactEvaluation evaluate(const NetworkQ& net, const VecQ& x);

}  // namespace relutope
