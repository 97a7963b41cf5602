// The network value type: evaluation against hand-computed networks, encodings, shape checks.
#include "relutope/error.hpp"
#include "relutope/network/network.hpp"

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

TEST_CASE("regression: the three positional-encoding orders and include_input, written out by hand", "[network]") {
  const double a = 0.3, b = -0.7;
  MatD X(1, 2);
  X << a, b;
  const double s1a = std::sin(M_PI * a), s1b = std::sin(M_PI * b), c1a = std::cos(M_PI * a), c1b = std::cos(M_PI * b);
  const double s2a = std::sin(2 * M_PI * a), s2b = std::sin(2 * M_PI * b), c2a = std::cos(2 * M_PI * a),
               c2b = std::cos(2 * M_PI * b);
  struct Case {
    Encoding::Order order;
    bool include_input;
    std::vector<double> features;
  };
  const std::vector<Case> cases = {
      {Encoding::Order::nerf, false, {s1a, s1b, c1a, c1b, s2a, s2b, c2a, c2b}},
      {Encoding::Order::per_input, false, {s1a, c1a, s1b, c1b, s2a, c2a, s2b, c2b}},   // Lazzari & Liu's code
      {Encoding::Order::sines_first, false, {s1a, s1b, s2a, s2b, c1a, c1b, c2a, c2b}}, // Tancik et al.
      {Encoding::Order::nerf, true, {a, b, s1a, s1b, c1a, c1b, s2a, s2b, c2a, c2b}},
      {Encoding::Order::per_input, true, {a, b, s1a, c1a, s1b, c1b, s2a, c2a, s2b, c2b}}};
  for (const Case& c : cases) {
    Encoding pe{Encoding::Type::positional, 2, c.order, c.include_input};
    const MatD f = encode(pe, X);
    INFO(encoding_spec(pe));
    REQUIRE(f.cols() == static_cast<Eigen::Index>(c.features.size()));
    CHECK(pe.features(2) == static_cast<int>(c.features.size()));
    for (size_t i = 0; i < c.features.size(); ++i) CHECK(f(0, static_cast<Eigen::Index>(i)) == Approx(c.features[i]).margin(1e-15));
    CHECK(parse_encoding(encoding_spec(pe), "test") == pe);
  }
}

TEST_CASE("encoding specs: parsed as CONTRACT.md writes them, refused otherwise", "[network]") {
  CHECK(parse_encoding("identity", "t") == Encoding{});
  CHECK(parse_encoding("positional:L=8", "t") == Encoding{Encoding::Type::positional, 8});
  CHECK(parse_encoding("positional:L=8:order=per-input:include_input", "t") ==
        Encoding{Encoding::Type::positional, 8, Encoding::Order::per_input, true});
  CHECK(parse_encoding("positional:include_input:order=sines-first:L=3", "t") ==
        Encoding{Encoding::Type::positional, 3, Encoding::Order::sines_first, true});
  for (const char* bad : {"positional", "positional:L=0", "positional:L=31", "positional:L=x", "positional:L=8:order=nope",
                          "positional:L=8:foo", "fourier:L=8", "", "positional:L=-1"})
    CHECK_THROWS_AS(parse_encoding(bad, "t"), InputError);
}

TEST_CASE("attach_encoding: the input dimension follows from the first layer's features", "[network]") {
  Network net = two_neurons();
  net.layers.front().weight = MatD::Ones(2, 10);  // 10 features = 2 inputs x (2 L + 1) with L = 2
  net.input_dim = 10;
  attach_encoding(net, parse_encoding("positional:L=2:include_input", "t"), "t");
  CHECK(net.input_dim == 2);
  CHECK_THROWS_AS(attach_encoding(net, parse_encoding("positional:L=3", "t"), "t"), InputError);  // 10 % 6 != 0
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

TEST_CASE("regression: a positional encoding whose feature count overflows an int is refused", "[network]") {
  // 2 L d with L = 2, d = 2^30 + 1 is 2^32 + 4, which wrapped (signed overflow, undefined) to 4:
  // a network whose first layer takes 4 inputs loaded as a 1073741825-input network. UBSan
  // reported it in fuzz_network (d = 10^8, L = 30).
  Network net;
  net.input_dim = 1073741825;
  net.encoding = {Encoding::Type::positional, 2};
  net.layers = {Layer{MatD::Ones(1, 4), VecD::Zero(1), Activation::identity()}};
  CHECK_THROWS_WITH(check_network(net, "n.json"),
                    "n.json: input dimension 1073741825 is too large for a positional encoding with L = 2");
}
