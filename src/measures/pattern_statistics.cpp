#include "relutope/measures/pattern_statistics.hpp"

#include "relutope/error.hpp"
#include "relutope/train/train.hpp"
#include "train/random.hpp"

#include <cmath>
#include <limits>
#include <map>

namespace relutope {
namespace {

long hamming(const ActivationPattern& a, const ActivationPattern& b) {
  long d = 0;
  for (size_t i = 0; i < a.size(); ++i) d += a[i] != b[i];
  return d;
}

void check_grid(int width, int height, const char* source) {
  if (width < 3 || height < 3) throw InputError(source, "the pixel grid must be at least 3 x 3");
}

// The 36 pairs of the 3x3 neighbourhood centred at pixel (r, c).
void neighbourhood_pairs(int width, int r, int c, std::vector<std::pair<int, int>>& pairs) {
  int pixels[9], n = 0;
  for (int dr = -1; dr <= 1; ++dr)
    for (int dc = -1; dc <= 1; ++dc) pixels[n++] = (r + dr) * width + c + dc;
  for (int a = 0; a < 9; ++a)
    for (int b = a + 1; b < 9; ++b) pairs.emplace_back(pixels[a], pixels[b]);
}

// Every weight and bias of the per-sample loss's gradient, in one vector.
std::vector<double> flat_gradient(const Network& net, const MatD& inputs, const MatD& targets, TrainConfig::Loss loss, int i) {
  const LossGradient g = loss_gradient(net, inputs.row(i), targets.row(i), loss);
  std::vector<double> flat;
  for (const Layer& layer : g.layers) {
    flat.insert(flat.end(), layer.weight.data(), layer.weight.data() + layer.weight.size());
    flat.insert(flat.end(), layer.bias.data(), layer.bias.data() + layer.bias.size());
  }
  return flat;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return aa == 0 || bb == 0 ? std::numeric_limits<double>::quiet_NaN() : ab / std::sqrt(aa * bb);
}

}  // namespace

HammingDistances hamming_distances(const std::vector<ActivationPattern>& patterns, int width, int height) {
  check_grid(width, height, "patterns");
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
  if (patterns.size() != n)
    throw InputError("patterns", std::to_string(patterns.size()) + " patterns for a " + std::to_string(width) + " x " +
                                     std::to_string(height) + " grid");
  const size_t bits = patterns.front().size();
  for (const ActivationPattern& p : patterns)
    if (p.size() != bits) throw InputError("patterns", "patterns of different lengths");
  HammingDistances d;
  std::vector<std::pair<int, int>> pairs;
  for (int r = 1; r + 1 < height; ++r)
    for (int c = 1; c + 1 < width; ++c) neighbourhood_pairs(width, r, c, pairs);
  long local = 0;
  for (const auto& [a, b] : pairs) local += hamming(patterns[static_cast<size_t>(a)], patterns[static_cast<size_t>(b)]);
  d.local = static_cast<double>(local) / static_cast<double>(pairs.size());
  double differing = 0;  // pairs that differ, summed over the bits
  for (size_t bit = 0; bit < bits; ++bit) {
    double ones = 0;
    for (const ActivationPattern& p : patterns) ones += p[bit] == '1';
    differing += ones * (static_cast<double>(n) - ones);
  }
  d.global = differing / (static_cast<double>(n) * static_cast<double>(n - 1) / 2);
  return d;
}

std::vector<std::vector<double>> hyperplane_cosines(const Network& net) {
  std::vector<std::vector<double>> cosines;
  for (size_t l = 0; l + 1 < net.layers.size(); ++l) {
    const MatD& w = net.layers[l].weight;
    const VecD norms = w.rowwise().norm();
    std::vector<double> layer;
    for (Eigen::Index i = 0; i < w.rows(); ++i)
      for (Eigen::Index j = i + 1; j < w.rows(); ++j)
        if (norms(i) > 0 && norms(j) > 0) layer.push_back(w.row(i).dot(w.row(j)) / (norms(i) * norms(j)));
    cosines.push_back(std::move(layer));
  }
  return cosines;
}

std::vector<std::pair<int, int>> local_pairs(int width, int height, int neighbourhoods, std::uint64_t seed) {
  check_grid(width, height, "--local");
  internal::Random random(seed, internal::Stream::pairs);
  std::vector<std::pair<int, int>> pairs;
  for (int k = 0; k < neighbourhoods; ++k) {
    const int r = 1 + static_cast<int>(random.below(static_cast<std::uint64_t>(height - 2)));
    const int c = 1 + static_cast<int>(random.below(static_cast<std::uint64_t>(width - 2)));
    neighbourhood_pairs(width, r, c, pairs);
  }
  return pairs;
}

std::vector<std::pair<int, int>> distant_pairs(int width, int height, int count, std::uint64_t seed) {
  check_grid(width, height, "--distant");
  internal::Random random(seed, internal::Stream::pairs);
  const std::uint64_t n = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  std::vector<std::pair<int, int>> pairs;
  while (static_cast<int>(pairs.size()) < count) {
    const auto a = static_cast<int>(random.below(n)), b = static_cast<int>(random.below(n));
    if (a != b) pairs.emplace_back(a, b);
  }
  return pairs;
}

std::vector<double> gradient_cosines(const Network& net, const MatD& inputs, const MatD& targets, TrainConfig::Loss loss,
                                     const std::vector<std::pair<int, int>>& pairs) {
  if (inputs.rows() != targets.rows() || inputs.cols() != net.input_dim || targets.cols() != net.output_dim())
    throw InputError("samples", "inputs must be #samples x " + std::to_string(net.input_dim) + " and targets #samples x " +
                                    std::to_string(net.output_dim()));
  for (const auto& [i, j] : pairs)
    if (i < 0 || j < 0 || i >= inputs.rows() || j >= inputs.rows()) throw InputError("pairs", "a sample index out of range");
  // Each sample's gradient once: pairs share samples (a neighbourhood's nine make 36 pairs).
  std::map<int, std::vector<double>> gradients;
  auto gradient = [&](int i) -> const std::vector<double>& {
    auto found = gradients.find(i);
    if (found == gradients.end()) found = gradients.emplace(i, flat_gradient(net, inputs, targets, loss, i)).first;
    return found->second;
  };
  std::vector<double> cosines;
  for (const auto& [i, j] : pairs) {
    cosines.push_back(cosine(gradient(i), gradient(j)));
    if (gradients.size() > 4096) gradients.clear();  // bounded memory for many distant pairs
  }
  return cosines;
}

}  // namespace relutope
