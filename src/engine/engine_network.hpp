#pragma once
// The network as the engine reads it (internal): identity activations composed away, every layer
// held twice — exact integers over a common denominator, and doubles with error radii.
#include "relutope/network/network.hpp"

#include <Eigen/Dense>
#include <gmpxx.h>

#include <cstdint>
#include <vector>

namespace relutope::engine {

using Int = mpz_class;

/// One layer z' = W a(z) + b. Exact: W = weight / denominator (likewise b), and the activation
/// a(z) = z if z > 0 else (below / above) z as the integers above > 0 and below.
/// Approximate: the doubles nearest below-or-equal, with bounds on their errors.
struct EngineLayer {
  long rows = 0, cols = 0;
  std::vector<Int> weight, bias;
  Int denominator = 1, above = 1, below = 0;

  Eigen::MatrixXd weight_approx, weight_abs;      // rows x cols, and its absolute values
  Eigen::VectorXd bias_approx;                    // rows
  double weight_radius = 0, bias_radius = 0;       // max |exact - approximate| over the entries
  double slope_approx = 0, slope_radius = 0;       // below / above
  double step_approx = 1, step_radius = 0;         // 1 - below / above: a flip's factor

  const Int& w(long i, long j) const { return weight[static_cast<size_t>(i * cols + j)]; }
};

/// Layers 0 .. hidden_layers() - 1 have a kink (their neurons carry pattern bits); the last is
/// affine. Layer l's pre-activations are integer rows over the scale S_l > 0.
struct EngineNetwork {
  int dim = 0;
  std::vector<EngineLayer> layers;
  std::vector<Int> scale;       // S_l
  std::vector<int> bit_offset;  // first pattern bit of hidden layer l; back(): the bit count

  explicit EngineNetwork(const NetworkQ& net);
  int hidden_layers() const { return static_cast<int>(layers.size()) - 1; }
  int pattern_bits() const { return bit_offset.back(); }
  int outputs() const { return static_cast<int>(layers.back().rows); }

  /// Layer l+1's exact pre-activation rows (rows x (dim+1), over S_{l+1}) on a region where layer
  /// l's rows are `rows` and its bits `bits` (1: the neuron is active).
  std::vector<Int> next_rows(int l, const std::vector<Int>& rows, const std::vector<char>& bits) const;

  /// Flips neuron j of layer l in `next` (layer l+1's exact rows on a region): adds
  /// +-w_kj (above - below) times row j of `rows` (layer l's) to each row k.
  void flip_rows(int l, const std::vector<Int>& rows, int j, bool on, std::vector<Int>& next) const;

  /// The exact affine map of the network's output on the region with this activation pattern.
  void exact_output_map(const std::vector<std::uint64_t>& pattern, MatQ& weight, VecQ& bias) const;

  /// Layer 0's exact rows.
  std::vector<Int> first_rows() const;
};

/// A double near q (GMP's, truncated) and an upper bound on its distance from q (infinite when
/// q is beyond the doubles).
std::pair<double, double> approximate(const Rational& q);

/// The box's faces as integer rows, inside >= 0: face 2i is x_i - lo_i, face 2i+1 is hi_i - x_i
/// (each scaled by its bound's denominator), (dim + 1) entries each.
std::vector<Int> box_face_rows(const Box& box);

}  // namespace relutope::engine
