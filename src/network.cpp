#include "relutope/network.hpp"

#include "relutope/error.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>

namespace relutope {

int Network::hidden_neurons() const {
  int n = 0;
  for (size_t l = 0; l + 1 < layers.size(); ++l) n += static_cast<int>(layers[l].weight.rows());
  return n;
}

long Network::parameter_count() const {
  long n = 0;
  for (const Layer& layer : layers) n += static_cast<long>(layer.weight.size() + layer.bias.size());
  return n;
}

void check_network(const Network& net, const std::string& source) {
  if (net.input_dim < 1) throw InputError(source, "input dimension must be at least 1");
  if (net.encoding.type == Encoding::Type::positional && net.encoding.L < 1)
    throw InputError(source, "positional encoding needs L >= 1");
  if (net.encoding.type == Encoding::Type::positional && net.input_dim > std::numeric_limits<int>::max() / 2 / net.encoding.L)
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
    expected_in = layer.weight.rows();
  }
  if (net.domain) {
    if (net.domain->dim() != net.input_dim)
      throw InputError(source, "domain has " + std::to_string(net.domain->dim()) +
                                   " dimensions but the network has " + std::to_string(net.input_dim) + " inputs");
    check_box(*net.domain, source);
  }
}

MatD encode(const Encoding& encoding, const MatD& X) {
  if (encoding.type == Encoding::Type::identity) return X;
  const Eigen::Index d = X.cols();
  MatD features(X.rows(), 2 * encoding.L * d);
  for (int l = 0; l < encoding.L; ++l) {
    const double scale = std::ldexp(M_PI, l);  // 2^l pi, exactly as torch computes (2**l) * pi
    for (Eigen::Index i = 0; i < d; ++i) {
      const auto angle = (scale * X.col(i).array()).eval();
      features.col(2 * l * d + i) = angle.sin();
      features.col(2 * l * d + d + i) = angle.cos();
    }
  }
  return features;
}

Evaluation evaluate(const Network& net, const MatD& X) {
  Evaluation result;
  const Eigen::Index n = X.rows();
  MatD activation = encode(net.encoding, X).transpose();  // features x points
  std::vector<ActivationPattern> patterns(static_cast<size_t>(n));
  for (auto& p : patterns) p.reserve(static_cast<size_t>(net.hidden_neurons()));
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    MatD z = layer.weight * activation;
    z.colwise() += layer.bias;
    if (l + 1 < net.layers.size()) {
      for (Eigen::Index p = 0; p < n; ++p)
        for (Eigen::Index j = 0; j < z.rows(); ++j) patterns[static_cast<size_t>(p)] += z(j, p) > 0 ? '1' : '0';
      activation = z.cwiseMax(0.0);
    } else {
      result.values = z.transpose();
    }
  }
  result.patterns = std::move(patterns);
  return result;
}

NetworkQ to_exact(const Network& net) {
  NetworkQ exact;
  exact.input_dim = net.input_dim;
  exact.encoding = net.encoding;
  for (const Layer& layer : net.layers) exact.layers.push_back({to_exact(layer.weight), to_exact(layer.bias)});
  return exact;
}

double spectral_norm(const MatD& W) {
  if (W.size() == 0) return 0;
  // a symmetric eigenvalue problem of the smaller side: far cheaper than an SVD at width 512
  const MatD gram = W.rows() < W.cols() ? MatD(W * W.transpose()) : MatD(W.transpose() * W);
  const Eigen::SelfAdjointEigenSolver<MatD> eigen(gram, Eigen::EigenvaluesOnly);
  return std::sqrt(std::max(0.0, eigen.eigenvalues().maxCoeff()));
}

}  // namespace relutope
