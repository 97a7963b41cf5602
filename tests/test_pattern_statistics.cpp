// Pattern statistics against values computed by hand or by brute force over every pair.
#include "relutope/measures/pattern_statistics.hpp"

#include "relutope/error.hpp"
#include "relutope/train/train.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>

using namespace relutope;

TEST_CASE("Hamming distances of known patterns on a 3 x 3 grid", "[statistics]") {
  // One bit, set on the top row only: of the 36 pairs, 3 x 6 differ; the grid has one 3x3
  // neighbourhood, so local = global = 18/36.
  std::vector<ActivationPattern> patterns = {"1", "1", "1", "0", "0", "0", "0", "0", "0"};
  HammingDistances d = hamming_distances(patterns, 3, 3);
  CHECK(d.local == 0.5);
  CHECK(d.global == 0.5);
  // Two bits, the second set at the centre only: 8 more differing pairs.
  for (size_t i = 0; i < patterns.size(); ++i) patterns[i] += i == 4 ? "1" : "0";
  d = hamming_distances(patterns, 3, 3);
  CHECK(d.local == 26.0 / 36);
}

TEST_CASE("Hamming distances equal a brute force over every pair and every neighbourhood", "[statistics]") {
  std::mt19937 random(7);
  const int width = 6, height = 5;
  std::vector<ActivationPattern> patterns;
  for (int i = 0; i < width * height; ++i) {
    ActivationPattern p;
    for (int b = 0; b < 11; ++b) p += random() % 3 == 0 ? '1' : '0';
    patterns.push_back(p);
  }
  auto distance = [&](int a, int b) {
    int d = 0;
    for (size_t k = 0; k < patterns[0].size(); ++k) d += patterns[static_cast<size_t>(a)][k] != patterns[static_cast<size_t>(b)][k];
    return d;
  };
  double all = 0, pairs = 0;
  for (int a = 0; a < width * height; ++a)
    for (int b = a + 1; b < width * height; ++b, ++pairs) all += distance(a, b);
  double local = 0, local_pairs = 0;
  for (int r = 1; r < height - 1; ++r)
    for (int c = 1; c < width - 1; ++c)
      for (int a = 0; a < 9; ++a)
        for (int b = a + 1; b < 9; ++b, ++local_pairs)
          local += distance((r + a / 3 - 1) * width + c + a % 3 - 1, (r + b / 3 - 1) * width + c + b % 3 - 1);
  const HammingDistances d = hamming_distances(patterns, width, height);
  CHECK(d.global == Approx(all / pairs).epsilon(1e-14));
  CHECK(d.local == Approx(local / local_pairs).epsilon(1e-14));
  CHECK_THROWS_AS(hamming_distances(patterns, 5, 5), InputError);
  CHECK_THROWS_AS(hamming_distances(std::vector<ActivationPattern>(4, "1"), 2, 2), InputError);
}

TEST_CASE("hyperplane cosines of known normals", "[statistics]") {
  Network net;
  net.input_dim = 2;
  MatD w(4, 2);
  w << 1, 0, 0, 2, 3, 3, 0, 0;  // the zero row has no normal
  net.layers.push_back({w, VecD::Zero(4), Activation::relu()});
  net.layers.push_back({MatD::Ones(1, 4), VecD::Zero(1), Activation::identity()});
  const auto cosines = hyperplane_cosines(net);
  REQUIRE(cosines.size() == 1);
  REQUIRE(cosines[0].size() == 3);
  CHECK(cosines[0][0] == 0);
  CHECK(cosines[0][1] == Approx(1 / std::sqrt(2.0)));
  CHECK(cosines[0][2] == Approx(1 / std::sqrt(2.0)));
}

TEST_CASE("gradient cosines of a linear model are those of 2 (f - y) (x, 1)", "[statistics]") {
  // f(x) = w x + b with w = 2, b = -1: the per-sample MSE gradient is 2 (f(x) - y) (x, 1).
  Network net;
  net.input_dim = 1;
  net.layers.push_back({MatD::Constant(1, 1, 2.0), VecD::Constant(1, -1.0), Activation::identity()});
  MatD x(3, 1), y(3, 1);
  x << 0.5, 2, 1;
  y << 1, 0, 1;  // residuals f - y: -1, 3, 0
  const std::vector<double> c = gradient_cosines(net, x, y, TrainConfig::Loss::mse, {{0, 1}, {0, 2}});
  const double expected = -(0.5 * 2 + 1) / (std::sqrt(0.25 + 1) * std::sqrt(4 + 1));  // opposite residual signs
  CHECK(c[0] == Approx(expected).epsilon(1e-14));
  CHECK(std::isnan(c[1]));  // sample 2 is fitted exactly: no direction
  CHECK_THROWS_AS(gradient_cosines(net, x, y, TrainConfig::Loss::mse, {{0, 3}}), InputError);
}

TEST_CASE("pairs for confusion lie in 3x3 neighbourhoods or are distinct, reproducibly", "[statistics]") {
  const auto local = local_pairs(10, 8, 5, 3);
  REQUIRE(local.size() == 5 * 36);
  for (const auto& [a, b] : local) {
    CHECK(std::abs(a % 10 - b % 10) <= 2);
    CHECK(std::abs(a / 10 - b / 10) <= 2);
    CHECK(a != b);
  }
  CHECK(local == local_pairs(10, 8, 5, 3));
  const auto distant = distant_pairs(10, 8, 50, 3);
  REQUIRE(distant.size() == 50);
  for (const auto& [a, b] : distant) CHECK((a != b && a >= 0 && b < 80));
}
