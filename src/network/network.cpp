#include "relutope/network/network.hpp"

#include "relutope/error.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>

namespace relutope {

Activation parse_activation(const std::string& text, const std::string& source) {
  if (text == "relu") return Activation::relu();
  if (text == "identity") return Activation::identity();
  const std::string prefix = "leaky_relu:";
  if (text.rfind(prefix, 0) == 0) {
    const double slope = to_double(parse_rational(text.substr(prefix.size()), source));
    if (!std::isfinite(slope)) throw InputError(source, "the LeakyReLU slope must be finite");
    return Activation::leaky_relu(slope);
  }
  throw InputError(source, "unknown activation '" + text + "' (expected relu, identity or leaky_relu:SLOPE)");
}

std::string activation_name(const Activation& activation) {
  switch (activation.kind) {
    case Activation::Kind::relu: return "relu";
    case Activation::Kind::identity: return "identity";
    case Activation::Kind::leaky_relu: return "leaky_relu:" + shortest_decimal(activation.negative_slope);
  }
  return "";
}

int Encoding::column(int level, int input, bool cosine, int input_dim) const {
  const int raw = include_input ? input_dim : 0, c = cosine ? 1 : 0;
  switch (order) {
    case Order::nerf: return raw + 2 * level * input_dim + c * input_dim + input;
    case Order::per_input: return raw + 2 * (level * input_dim + input) + c;
    case Order::sines_first: return raw + c * L * input_dim + level * input_dim + input;
  }
  return -1;
}

std::string order_name(Encoding::Order order) {
  switch (order) {
    case Encoding::Order::nerf: return "nerf";
    case Encoding::Order::per_input: return "per-input";
    case Encoding::Order::sines_first: return "sines-first";
  }
  return "";
}

Encoding::Order parse_order(const std::string& name, const std::string& source) {
  for (const auto order : {Encoding::Order::nerf, Encoding::Order::per_input, Encoding::Order::sines_first})
    if (name == order_name(order)) return order;
  throw InputError(source, "unknown encoding order '" + name + "' (expected nerf, per-input or sines-first)");
}

Encoding parse_encoding(const std::string& text, const std::string& source) {
  if (text == "identity") return {};
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? colon : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const std::string expected = "expected identity or positional:L=N[:order=nerf|per-input|sines-first][:include_input]";
  if (parts[0] != "positional") throw InputError(source, "unknown encoding '" + text + "' (" + expected + ")");
  Encoding encoding{Encoding::Type::positional, 0};
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.rfind("L=", 0) == 0) {
      const std::string digits = part.substr(2);
      if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos)
        throw InputError(source, "encoding L must be an integer in 1..30, got '" + digits + "'");
      encoding.L = std::stoi(digits);
    } else if (part.rfind("order=", 0) == 0) {
      encoding.order = parse_order(part.substr(6), source);
    } else if (part == "include_input") {
      encoding.include_input = true;
    } else {
      throw InputError(source, "unknown encoding part '" + part + "' (" + expected + ")");
    }
  }
  if (encoding.L < 1 || encoding.L > 30) throw InputError(source, "encoding L must be an integer in 1..30");
  return encoding;
}

std::string encoding_spec(const Encoding& encoding) {
  if (encoding.type == Encoding::Type::identity) return "identity";
  return "positional:L=" + std::to_string(encoding.L) + ":order=" + order_name(encoding.order) +
         (encoding.include_input ? ":include_input" : "");
}

int Network::hidden_neurons() const {
  int n = 0;
  for (const Layer& layer : layers)
    if (layer.activation.has_kink()) n += static_cast<int>(layer.weight.rows());
  return n;
}

long Network::parameter_count() const {
  long n = 0;
  for (const Layer& layer : layers) n += static_cast<long>(layer.weight.size() + layer.bias.size());
  return n;
}

void check_network(const Network& net, const std::string& source) {
  if (net.input_dim < 1) throw InputError(source, "input dimension must be at least 1");
  if (net.encoding.type == Encoding::Type::positional && (net.encoding.L < 1 || net.encoding.L > 30))
    throw InputError(source, "positional encoding needs L in 1..30");
  if (net.encoding.type == Encoding::Type::positional &&
      net.input_dim > std::numeric_limits<int>::max() / net.encoding.features(1))
    throw InputError(source, "input dimension " + std::to_string(net.input_dim) +
                                 " is too large for a positional encoding with L = " + std::to_string(net.encoding.L));
  if (net.layers.empty()) throw InputError(source, "the network has no layers");
  Eigen::Index expected_in = net.encoding.features(net.input_dim);
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    const std::string where = "layer " + std::to_string(l) + ": ";
    if (layer.weight.rows() == 0 || layer.weight.cols() == 0)
      throw InputError(source, where + "empty weight matrix");
    if (layer.weight.cols() != expected_in)
      throw InputError(source, where + "weight takes " + std::to_string(layer.weight.cols()) +
                                   " inputs but receives " + std::to_string(expected_in));
    if (layer.bias.size() != layer.weight.rows())
      throw InputError(source, where + "bias has " + std::to_string(layer.bias.size()) +
                                   " entries but weight has " + std::to_string(layer.weight.rows()) + " rows");
    if (!layer.weight.allFinite()) throw InputError(source, where + "weight has a NaN or infinite entry");
    if (!layer.bias.allFinite()) throw InputError(source, where + "bias has a NaN or infinite entry");
    if (!std::isfinite(layer.activation.negative_slope))
      throw InputError(source, where + "the LeakyReLU slope is NaN or infinite");
    expected_in = layer.weight.rows();
  }
  if (net.domain) {
    if (net.domain->dim() != net.input_dim)
      throw InputError(source, "domain has " + std::to_string(net.domain->dim()) +
                                   " dimensions but the network has " + std::to_string(net.input_dim) + " inputs");
    check_box(*net.domain, source);
  }
}

void attach_encoding(Network& net, const Encoding& encoding, const std::string& source) {
  const long features = net.layers.empty() ? 0 : static_cast<long>(net.layers.front().weight.cols());
  const long per_input = encoding.features(1);
  if (features % per_input != 0)
    throw InputError(source, "the first layer takes " + std::to_string(features) + " features, not a multiple of the " +
                                 std::to_string(per_input) + " this encoding makes of each input");
  net.encoding = encoding;
  net.input_dim = static_cast<int>(features / per_input);
  check_network(net, source);
}

MatD encode(const Encoding& encoding, const MatD& X) {
  if (encoding.type == Encoding::Type::identity) return X;
  const int d = static_cast<int>(X.cols());
  MatD features(X.rows(), encoding.features(d));
  if (encoding.include_input) features.leftCols(d) = X;
  for (int l = 0; l < encoding.L; ++l) {
    const double scale = std::ldexp(M_PI, l);  // 2^l pi, exactly as torch computes (2**l) * pi
    for (int i = 0; i < d; ++i) {
      const auto angle = (scale * X.col(i).array()).eval();
      features.col(encoding.column(l, i, false, d)) = angle.sin();
      features.col(encoding.column(l, i, true, d)) = angle.cos();
    }
  }
  return features;
}

void activate(const Activation& activation, const MatD& z, MatD& out) {
  switch (activation.kind) {
    case Activation::Kind::relu: out = z.cwiseMax(0.0); return;
    case Activation::Kind::identity: out = z; return;
    case Activation::Kind::leaky_relu:
      out = z.unaryExpr([slope = activation.negative_slope](double v) { return v > 0 ? v : v * slope; });
      return;
  }
}

void backpropagate(const Activation& activation, const MatD& z, const MatD& back, MatD& delta) {
  switch (activation.kind) {
    case Activation::Kind::relu: delta = (z.array() > 0.0).select(back, 0.0); return;
    case Activation::Kind::identity: delta = back; return;
    case Activation::Kind::leaky_relu:
      delta = (z.array() > 0.0).select(back, activation.negative_slope * back.array());
      return;
  }
}

Evaluation evaluate(const Network& net, const MatD& X) {
  Evaluation result;
  const Eigen::Index n = X.rows();
  MatD activation = encode(net.encoding, X).transpose();  // features x points
  std::vector<ActivationPattern> patterns(static_cast<size_t>(n));
  for (auto& p : patterns) p.reserve(static_cast<size_t>(net.hidden_neurons()));
  for (const Layer& layer : net.layers) {
    MatD z = layer.weight * activation;
    z.colwise() += layer.bias;
    if (layer.activation.has_kink())
      for (Eigen::Index p = 0; p < n; ++p)
        for (Eigen::Index j = 0; j < z.rows(); ++j) patterns[static_cast<size_t>(p)] += z(j, p) > 0 ? '1' : '0';
    activate(layer.activation, z, activation);
  }
  result.values = activation.transpose();
  result.patterns = std::move(patterns);
  return result;
}

NetworkQ to_exact(const Network& net) {
  NetworkQ exact;
  exact.input_dim = net.input_dim;
  exact.encoding = net.encoding;
  for (const Layer& layer : net.layers)
    exact.layers.push_back({to_exact(layer.weight), to_exact(layer.bias), layer.activation});
  return exact;
}

ExactEvaluation evaluate(const NetworkQ& net, const VecQ& x) {
  ExactEvaluation result;
  VecQ h = x;
  for (const LayerQ& layer : net.layers) {
    VecQ z = layer.bias;
    for (Eigen::Index i = 0; i < layer.weight.rows; ++i)
      for (Eigen::Index k = 0; k < layer.weight.cols; ++k) z[static_cast<size_t>(i)] += layer.weight(i, k) * h[static_cast<size_t>(k)];
    if (layer.activation.has_kink()) {
      const Rational below = to_exact(layer.activation.slope_below());
      for (Rational& v : z) {
        result.pattern += sgn(v) > 0 ? '1' : '0';
        if (sgn(v) <= 0) v *= below;
      }
    }
    h = std::move(z);
  }
  result.values = std::move(h);
  return result;
}

double spectral_norm(const MatD& W) {
  if (W.size() == 0) return 0;
  // a symmetric eigenvalue problem of the smaller side: far cheaper than an SVD at width 512
  const MatD gram = W.rows() < W.cols() ? MatD(W * W.transpose()) : MatD(W.transpose() * W);
  const Eigen::SelfAdjointEigenSolver<MatD> eigen(gram, Eigen::EigenvaluesOnly);
  return std::sqrt(std::max(0.0, eigen.eigenvalues().maxCoeff()));
}

}  // namespace relutope
