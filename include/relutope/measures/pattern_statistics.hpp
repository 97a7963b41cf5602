#pragma once
// How distinct the inputs look to a network during training (Lazzari & Liu Sec. 4): the Hamming
// distance between activation patterns, the cosine similarity of hyperplane normals, and gradient
// confusion (Sankararaman et al. 2020), on the W x H pixel grid of a coordinate MLP.
#include "relutope/network/network.hpp"
#include "relutope/train/train_config.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace relutope {

/// Mean Hamming distance between activation patterns (Lazzari & Liu Fig. 6). `patterns` are
/// those of a W x H pixel grid, pixel (r, c) at index r W + c. local: the mean over the 36 pairs
/// of pixels of every 3x3 neighbourhood (centres 1..W-2 x 1..H-2), all of them; global: the mean
/// over all pairs of pixels, exactly (per bit, c (n - c) of the n (n - 1) / 2 pairs differ).
/// Throws InputError("patterns", ...) unless there are W H patterns of one length and W, H >= 3.
struct HammingDistances {
  double local = 0, global = 0;
};
HammingDistances hamming_distances(const std::vector<ActivationPattern>& patterns, int width, int height);

/// Cosine similarities between the hyperplane normals of each layer (Lazzari & Liu Fig. 7): for
/// layer l, the cosine between rows i < j of its weight (each neuron's normal in the layer's
/// input space), in the order (0,1), (0,2), ..., (1,2), ... A zero row has no normal: its pairs
/// are left out. One vector per layer but the output layer.
std::vector<std::vector<double>> hyperplane_cosines(const Network& net);

/// Pairs of pixels of a W x H grid to measure gradient confusion on (Lazzari & Liu Fig. 5): every
/// pair within `neighbourhoods` 3x3 neighbourhoods whose centres are drawn from `seed` (36 pairs
/// each), or `count` pairs of distinct pixels drawn uniformly. Deterministic for a seed.
std::vector<std::pair<int, int>> local_pairs(int width, int height, int neighbourhoods, std::uint64_t seed);
std::vector<std::pair<int, int>> distant_pairs(int width, int height, int count, std::uint64_t seed);

/// Gradient confusion: for each pair (i, j), the cosine similarity between the gradients of the
/// per-sample losses L(f(x_i), y_i) and L(f(x_j), y_j) with respect to every weight and bias
/// (Sankararaman et al. 2020; Lazzari & Liu Sec. 4, Fig. 5). `inputs` (#samples x input_dim),
/// `targets` (#samples x outputs). A zero gradient (a sample fitted exactly) has no direction:
/// its cosines are NaN. The confusion bound of the pairs is max(0, -min cosine).
std::vector<double> gradient_cosines(const Network& net, const MatD& inputs, const MatD& targets, TrainConfig::Loss loss,
                                     const std::vector<std::pair<int, int>>& pairs);

}  // namespace relutope
