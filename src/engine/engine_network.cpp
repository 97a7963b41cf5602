#include "engine/engine_network.hpp"

#include <cmath>

namespace relutope::engine {
namespace {

// The network with every identity activation composed away, exactly (W2 (W1 x + b1) + b2), and an
// identity output layer appended when the last layer has a kink: then every layer but the last
// has a kink, and the last is affine. Patterns are unchanged: only neurons with a kink carry bits.
std::vector<LayerQ> piecewise_layers(const NetworkQ& net) {
  std::vector<LayerQ> layers;
  for (const LayerQ& layer : net.layers) {
    if (layers.empty() || layers.back().activation.has_kink()) {
      layers.push_back(layer);
      continue;
    }
    const LayerQ& inner = layers.back();
    LayerQ composed{MatQ(layer.weight.rows, inner.weight.cols), layer.bias, layer.activation};
    for (Eigen::Index i = 0; i < layer.weight.rows; ++i)
      for (Eigen::Index k = 0; k < layer.weight.cols; ++k) {
        const Rational& w = layer.weight(i, k);
        if (sgn(w) == 0) continue;
        for (Eigen::Index j = 0; j < inner.weight.cols; ++j) composed.weight(i, j) += w * inner.weight(k, j);
        composed.bias[static_cast<size_t>(i)] += w * inner.bias[static_cast<size_t>(k)];
      }
    layers.back() = std::move(composed);
  }
  if (layers.back().activation.has_kink()) {
    const Eigen::Index n = layers.back().weight.rows;
    LayerQ output{MatQ(n, n), VecQ(static_cast<size_t>(n)), Activation::identity()};
    for (Eigen::Index i = 0; i < n; ++i) output.weight(i, i) = 1;
    layers.push_back(std::move(output));
  }
  return layers;
}

}  // namespace

std::pair<double, double> approximate(const Rational& q) {
  const double d = q.get_d();
  if (!std::isfinite(d)) return {0.0, HUGE_VAL};
  Rational error = q - Rational(d);
  if (sgn(error) == 0) return {d, 0.0};
  error = abs(error);
  double bound = error.get_d();
  while (Rational(bound) < error) bound = std::nextafter(bound, HUGE_VAL);
  return {d, bound};
}

namespace {

EngineLayer engine_layer(const LayerQ& q) {
  EngineLayer layer;
  layer.rows = q.weight.rows;
  layer.cols = q.weight.cols;
  for (const Rational& r : q.weight.data) mpz_lcm(layer.denominator.get_mpz_t(), layer.denominator.get_mpz_t(), r.get_den_mpz_t());
  for (const Rational& r : q.bias) mpz_lcm(layer.denominator.get_mpz_t(), layer.denominator.get_mpz_t(), r.get_den_mpz_t());
  layer.weight_approx.resize(layer.rows, layer.cols);
  layer.bias_approx.resize(layer.rows);
  for (long i = 0; i < layer.rows; ++i) {
    for (long j = 0; j < layer.cols; ++j) {
      const Rational& r = q.weight(i, j);
      layer.weight.push_back(r.get_num() * (layer.denominator / r.get_den()));
      const auto [d, e] = approximate(r);
      layer.weight_approx(i, j) = d;
      layer.weight_radius = std::max(layer.weight_radius, e);
    }
    const Rational& r = q.bias[static_cast<size_t>(i)];
    layer.bias.push_back(r.get_num() * (layer.denominator / r.get_den()));
    const auto [d, e] = approximate(r);
    layer.bias_approx(i) = d;
    layer.bias_radius = std::max(layer.bias_radius, e);
  }
  layer.weight_abs = layer.weight_approx.cwiseAbs();
  const Rational slope = to_exact(q.activation.slope_below());
  layer.above = slope.get_den();
  layer.below = slope.get_num();
  std::tie(layer.slope_approx, layer.slope_radius) = approximate(slope);
  std::tie(layer.step_approx, layer.step_radius) = approximate(1 - slope);
  return layer;
}

}  // namespace

EngineNetwork::EngineNetwork(const NetworkQ& net) : dim(net.input_dim) {
  for (const LayerQ& q : piecewise_layers(net)) layers.push_back(engine_layer(q));
  // z^{l+1} = W_{l+1} a(z^l) + b_{l+1} with a(z) = (above or below) z / above.
  scale.push_back(layers.front().denominator);
  for (size_t l = 1; l < layers.size(); ++l) scale.push_back(scale.back() * layers[l - 1].above * layers[l].denominator);
  bit_offset.push_back(0);
  for (int l = 0; l < hidden_layers(); ++l) bit_offset.push_back(bit_offset.back() + static_cast<int>(layers[static_cast<size_t>(l)].rows));
}

std::vector<Int> EngineNetwork::first_rows() const {
  const EngineLayer& first = layers.front();
  std::vector<Int> rows;
  for (long j = 0; j < first.rows; ++j) {
    for (long k = 0; k < first.cols; ++k) rows.push_back(first.w(j, k));
    rows.push_back(first.bias[static_cast<size_t>(j)]);
  }
  return rows;
}

// z^{l+1} S_{l+1} = W'_{l+1} D (z^l S_l) + b'_{l+1} S_l above_l, W' and b' the integer entries,
// D the diagonal of above_l (bit 1) and below_l (bit 0).
std::vector<Int> EngineNetwork::next_rows(int l, const std::vector<Int>& rows, const std::vector<char>& bits) const {
  const EngineLayer &layer = layers[static_cast<size_t>(l)], &next = layers[static_cast<size_t>(l) + 1];
  const long width = dim + 1;
  std::vector<Int> out(static_cast<size_t>(next.rows * width));
  const Int bias_scale = scale[static_cast<size_t>(l)] * layer.above;
  Int factor;
  for (long k = 0; k < next.rows; ++k) {
    Int* o = &out[static_cast<size_t>(k * width)];
    for (long j = 0; j < layer.rows; ++j) {
      const Int& d = bits[static_cast<size_t>(j)] ? layer.above : layer.below;
      if (sgn(d) == 0 || sgn(next.w(k, j)) == 0) continue;
      factor = next.w(k, j) * d;
      const Int* row = &rows[static_cast<size_t>(j * width)];
      for (long m = 0; m < width; ++m) mpz_addmul(o[m].get_mpz_t(), factor.get_mpz_t(), row[m].get_mpz_t());
    }
    mpz_addmul(o[width - 1].get_mpz_t(), next.bias[static_cast<size_t>(k)].get_mpz_t(), bias_scale.get_mpz_t());
  }
  return out;
}

void EngineNetwork::flip_rows(int l, const std::vector<Int>& rows, int j, bool on, std::vector<Int>& next) const {
  const EngineLayer &layer = layers[static_cast<size_t>(l)], &after = layers[static_cast<size_t>(l) + 1];
  const long width = dim + 1;
  const Int step = on ? Int(layer.above - layer.below) : Int(layer.below - layer.above);
  const Int* row = &rows[static_cast<size_t>(j) * static_cast<size_t>(width)];
  Int factor;
  for (long k = 0; k < after.rows; ++k) {
    if (sgn(after.w(k, j)) == 0) continue;
    factor = after.w(k, j) * step;
    Int* out = &next[static_cast<size_t>(k * width)];
    for (long m = 0; m < width; ++m) mpz_addmul(out[m].get_mpz_t(), factor.get_mpz_t(), row[m].get_mpz_t());
  }
}

void EngineNetwork::exact_output_map(const std::vector<std::uint64_t>& pattern, MatQ& weight, VecQ& bias) const {
  std::vector<Int> rows = first_rows();
  for (int l = 0; l < hidden_layers(); ++l) {
    std::vector<char> bits(static_cast<size_t>(layers[static_cast<size_t>(l)].rows));
    for (size_t j = 0; j < bits.size(); ++j) {
      const size_t i = static_cast<size_t>(bit_offset[static_cast<size_t>(l)]) + j;
      bits[j] = static_cast<char>((pattern[i / 64] >> (i % 64)) & 1U);
    }
    rows = next_rows(l, rows, bits);
  }
  const Int& s = scale.back();
  weight = MatQ(outputs(), dim);
  bias.clear();
  for (long i = 0; i < outputs(); ++i) {
    for (int k = 0; k < dim; ++k) weight(i, k) = ratio(rows[static_cast<size_t>(i * (dim + 1) + k)], s);
    bias.push_back(ratio(rows[static_cast<size_t>(i * (dim + 1) + dim)], s));
  }
}

std::vector<Int> box_face_rows(const Box& box) {
  const int d = box.dim();
  std::vector<Int> rows;
  for (int i = 0; i < d; ++i)
    for (int side = 0; side < 2; ++side) {
      const Rational& bound = side == 0 ? box.lo[static_cast<size_t>(i)] : box.hi[static_cast<size_t>(i)];
      const int s = side == 0 ? 1 : -1;
      for (int k = 0; k < d; ++k) rows.push_back(k == i ? Int(s * bound.get_den()) : Int(0));
      rows.push_back(-s * bound.get_num());
    }
  return rows;
}

}  // namespace relutope::engine
