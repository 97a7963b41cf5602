// The network value type: evaluation against hand-computed networks, encodings, shape checks.
#include "relutope/error.hpp"
#include "relutope/network.hpp"

#include <Eigen/SVD>
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace relutope;

namespace {

// f(x, y) = relu(x - y) + 2 relu(y - 0.5) - 1, and a second output relu(x - y) - relu(y - 0.5).
Network two_neurons() {
  Network net;
  net.input_dim = 2;
  Layer hidden{MatD(2, 2), VecD(2), Activation::relu()};
  hidden.weight << 1, -1, 0, 1;
  hidden.bias << 0, -0.5;
  Layer out{MatD(2, 2), VecD(2), Activation::identity()};
  out.weight << 1, 2, 1, -1;
  out.bias << -1, 0;
  net.layers = {hidden, out};
  return net;
}

}  // namespace

TEST_CASE("evaluation matches a hand-computed network", "[network]") {
  const Network net = two_neurons();
  MatD X(3, 2);
  X << 0.75, 0.25,   // x - y = 0.5 > 0, y - 0.5 < 0
      0.25, 0.75,    // x - y < 0, y - 0.5 = 0.25
      0.5, 0.5;      // both pre-activations exactly 0: inactive
  const Evaluation e = evaluate(net, X);
  CHECK(e.values(0, 0) == -0.5);
  CHECK(e.values(0, 1) == 0.5);
  CHECK(e.values(1, 0) == -0.5);
  CHECK(e.values(1, 1) == -0.25);
  CHECK(e.values(2, 0) == -1.0);
  CHECK(e.patterns == std::vector<ActivationPattern>{"10", "01", "00"});
}

TEST_CASE("positional encoding orders sin then cos per frequency", "[network]") {
  const Encoding pe{Encoding::Type::positional, 2};
  MatD X(1, 2);
  X << 0.25, 0.5;
  const MatD f = encode(pe, X);
  REQUIRE(f.cols() == 8);
  const double expected[8] = {std::sin(M_PI / 4), std::sin(M_PI / 2), std::cos(M_PI / 4), std::cos(M_PI / 2),
                              std::sin(M_PI / 2), std::sin(M_PI), std::cos(M_PI / 2), std::cos(M_PI)};
  for (int i = 0; i < 8; ++i) CHECK(f(0, i) == Approx(expected[i]).margin(1e-15));
  CHECK(pe.features(3) == 12);
}

TEST_CASE("shape and value faults are reported with the source", "[network]") {
  Network net = two_neurons();
  CHECK_NOTHROW(check_network(net, "n.json"));
  SECTION("chain mismatch") {
    net.layers[1].weight = MatD::Zero(2, 3);
    CHECK_THROWS_WITH(check_network(net, "n.json"), Catch::Contains("n.json") && Catch::Contains("layer 1"));
  }
  SECTION("bias length") {
    net.layers[0].bias = VecD::Zero(3);
    CHECK_THROWS_AS(check_network(net, "n.json"), InputError);
  }
  SECTION("NaN weight") {
    net.layers[0].weight(0, 1) = std::nan("");
    CHECK_THROWS_WITH(check_network(net, "n.json"), Catch::Contains("NaN"));
  }
  SECTION("infinite bias") {
    net.layers[1].bias[0] = INFINITY;
    CHECK_THROWS_AS(check_network(net, "n.json"), InputError);
  }
  SECTION("no layers") {
    net.layers.clear();
    CHECK_THROWS_AS(check_network(net, "n.json"), InputError);
  }
  SECTION("input dimension against the encoding") {
    net.encoding = {Encoding::Type::positional, 1};  // 4 features, the first layer takes 2
    CHECK_THROWS_AS(check_network(net, "n.json"), InputError);
  }
  SECTION("domain dimension") {
    net.domain = Box{{Rational(0)}, {Rational(1)}};
    CHECK_THROWS_AS(check_network(net, "n.json"), InputError);
  }
}

TEST_CASE("the exact view holds each weight's rational value", "[network]") {
  const NetworkQ q = to_exact(two_neurons());
  REQUIRE(q.layers.size() == 2);
  CHECK(q.layers[0].weight(0, 1) == Rational(-1));
  CHECK(q.layers[0].bias[1] == Rational(-1, 2));
  CHECK(q.layers[1].weight(1, 1) == Rational(-1));
}

TEST_CASE("spectral_norm is the largest singular value (against Jacobi SVD and a closed form)", "[network]") {
  // [[3, 0], [4, 5]]: W^T W = [[25, 20], [20, 25]], eigenvalues 45 and 5
  MatD W(2, 2);
  W << 3, 0, 4, 5;
  CHECK(spectral_norm(W) == Approx(std::sqrt(45.0)).epsilon(1e-15));
  CHECK(spectral_norm(MatD(0, 3)) == 0);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{1, 5}, {5, 1}, {7, 3}, {3, 7}, {64, 64}, {128, 2}}) {
    MatD A(rows, cols);
    for (Eigen::Index i = 0; i < A.size(); ++i) A.data()[i] = normal(rng);
    const double svd = Eigen::JacobiSVD<MatD>(A).singularValues()(0);
    CHECK(spectral_norm(A) == Approx(svd).epsilon(1e-13));
  }
}
