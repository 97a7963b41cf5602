// Perturbation robustness (Rahaman et al. Exp. 2) against Fourier integrals of piecewise-linear
// functions worked out by hand.
#include "relutope/measures/perturbation.hpp"

#include "relutope/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <random>

using namespace relutope;

namespace {

// f(x) = a relu(w x + b) + c: one hidden ReLU; theta = (w, b, a, c) in PyTorch's order.
Network one_relu(double w, double b, double a, double c) {
  Network net;
  net.input_dim = 1;
  net.layers.push_back({MatD::Constant(1, 1, w), VecD::Constant(1, b), Activation::relu()});
  net.layers.push_back({MatD::Constant(1, 1, a), VecD::Constant(1, c), Activation::identity()});
  return net;
}

// |integral over [x0, 1] of (s x - 1) exp(-2 pi i k x) dx| (k != 0), by the antiderivative
// (s x - 1) e^{-iqx} i/q + s e^{-iqx}/q^2, q = 2 pi k: relu(s x - 1) on [0, 1], kink x0 = 1/s.
double ramp_coefficient(double s, double k) {
  const double q = 2 * M_PI * k, x0 = 1 / s;
  const std::complex<double> i(0, 1);
  auto antiderivative = [&](double x) { return std::exp(-i * q * x) * ((s * x - 1) * i / q + s / (q * q)); };
  return std::abs(antiderivative(1) - antiderivative(x0));
}

Network random_network(unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> weight(-1, 1);
  Network net;
  net.input_dim = 1;
  int in = 1;
  for (int out : {8, 8, 1}) {
    Layer layer{MatD(out, in), VecD(out), out == 1 ? Activation::identity() : Activation::relu()};
    for (Eigen::Index i = 0; i < layer.weight.size(); ++i) layer.weight.data()[i] = 3 * weight(random);
    for (Eigen::Index i = 0; i < layer.bias.size(); ++i) layer.bias(i) = weight(random);
    net.layers.push_back(layer);
    in = out;
  }
  return net;
}

const Box unit_interval{{Rational(0)}, {Rational(1)}};

}  // namespace

TEST_CASE("parameters are PyTorch's order and perturbed adds delta times the direction", "[perturbation]") {
  Network net = one_relu(2, -1, 1, 0);
  net.layers[0].weight = MatD{{1, 2}, {3, 4}};  // 2 inputs only here, for the row-major order
  net.layers[0].bias = VecD{{5, 6}};
  net.layers[1].weight = MatD{{7, 8}};
  net.layers[1].bias = VecD{{9}};
  CHECK(parameters(net) == VecD{{1, 2, 3, 4, 5, 6, 7, 8, 9}});
  const Network moved = perturbed(net, VecD::LinSpaced(9, 1, 9), 0.5);
  CHECK(parameters(moved) == 1.5 * VecD::LinSpaced(9, 1, 9));
  CHECK_THROWS_AS(perturbed(net, VecD::Zero(8), 1), InputError);
}

TEST_CASE("the kink moved by a perturbation of w against the closed-form integral", "[perturbation]") {
  // theta* = (w, b, a, c) = (2, -1, 1, 0): f = relu(2x - 1). Along theta_hat = (1, 0, 0, 0)
  // (given unnormalised: scaled to unit norm), f = relu((2 + delta) x - 1).
  const Network net = one_relu(2, -1, 1, 0);
  const std::vector<double> deltas{0, 0.25, 1.5}, ks{1, 2, 2.5, 7};
  const PerturbationRobustness r = perturbation_robustness(net, unit_interval, deltas, ks, MatD{{3, 0, 0, 0}});
  REQUIRE(r.robustness.rows() == 3);
  REQUIRE(r.robustness.cols() == 4);
  CHECK(r.certified_digits >= 8);
  for (size_t i = 0; i < ks.size(); ++i) {
    CHECK(r.reference[i] == Approx(ramp_coefficient(2, ks[i])).epsilon(1e-10));
    for (size_t j = 0; j < deltas.size(); ++j) {
      const double expected = ramp_coefficient(2 + deltas[j], ks[i]) / ramp_coefficient(2, ks[i]);
      CHECK(r.robustness(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) == Approx(expected).epsilon(1e-9));
      CHECK(r.spread(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) == 0);
    }
  }
}

TEST_CASE("the mean and spread over directions scaling the output weight", "[perturbation]") {
  // Along (0, 0, +-1, 0), f = (1 +- delta) relu(2x - 1): the ratios are 1 + delta and
  // |1 - delta| at every frequency, so their mean is 1 (delta <= 1) and their spread delta.
  const Network net = one_relu(2, -1, 1, 0);
  const PerturbationRobustness r =
      perturbation_robustness(net, unit_interval, {0.5, 3}, {1, 3}, MatD{{0, 0, 1, 0}, {0, 0, -1, 0}});
  for (Eigen::Index i = 0; i < 2; ++i) {
    CHECK(r.robustness(0, i) == Approx(1).epsilon(1e-9));
    CHECK(r.spread(0, i) == Approx(0.5).epsilon(1e-9));
    CHECK(r.robustness(1, i) == Approx((4 + 2) / 2.0).epsilon(1e-9));
    CHECK(r.spread(1, i) == Approx(1).epsilon(1e-9));
  }
}

TEST_CASE("delta = 0 gives exactly 1", "[perturbation]") {
  const Network net = random_network(3);
  const MatD directions = random_directions(net, 3, 11);
  long calls = 0, last_total = 0;
  const PerturbationRobustness r =
      perturbation_robustness(net, unit_interval, {0, 0.05}, {1, 2, 3}, directions, [&](long done, long total) {
        CHECK(done == ++calls);
        last_total = total;
      });
  CHECK(calls == 1 + 3);  // the network itself, then delta 0.05 in the three directions
  CHECK(last_total == 4);
  for (Eigen::Index i = 0; i < 3; ++i) {
    CHECK(r.robustness(0, i) == 1.0);
    CHECK(r.spread(0, i) == 0.0);
    CHECK(r.robustness(1, i) > 0);
  }
  // Drawn one at a time from the seed, the directions are random_directions' rows (normalised
  // once more there: equal to rounding).
  const PerturbationRobustness drawn = perturbation_robustness(net, unit_interval, {0, 0.05}, {1, 2, 3}, 3, 11);
  CHECK((drawn.robustness - r.robustness).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((drawn.spread - r.spread).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("random directions have unit norm, are reproducible and isotropic", "[perturbation]") {
  const Network net = one_relu(2, -1, 1, 0);
  const MatD directions = random_directions(net, 4000, 5);
  REQUIRE(directions.cols() == 4);
  for (Eigen::Index s = 0; s < directions.rows(); ++s) CHECK(directions.row(s).norm() == Approx(1).epsilon(1e-15));
  CHECK(directions == random_directions(net, 4000, 5));
  CHECK(directions.row(0) != random_directions(net, 1, 6).row(0));
  // Uniform on the sphere S^3: E[u_p] = 0 and E[u_p^2] = 1/4 for every coordinate p (the
  // tolerances are 5 standard errors of the 4000-sample means).
  const VecD mean = directions.colwise().mean(), square = directions.array().square().colwise().mean();
  for (Eigen::Index p = 0; p < 4; ++p) {
    CHECK(std::abs(mean(p)) < 5 * 0.5 / std::sqrt(4000.0));
    CHECK(std::abs(square(p) - 0.25) < 5 * 0.2 / std::sqrt(4000.0));
  }
}

TEST_CASE("perturbation robustness refuses bad input", "[perturbation]") {
  const Network net = one_relu(2, -1, 1, 0);
  const MatD direction{{1, 0, 0, 0}};
  CHECK_THROWS_AS(perturbation_robustness(net, unit_interval, {}, {1}, direction), InputError);
  CHECK_THROWS_AS(perturbation_robustness(net, unit_interval, {1}, {}, direction), InputError);
  CHECK_THROWS_AS(perturbation_robustness(net, unit_interval, {-0.1}, {1}, direction), InputError);
  CHECK_THROWS_AS(perturbation_robustness(net, unit_interval, {0.1}, {1}, MatD::Zero(1, 4)), InputError);
  CHECK_THROWS_AS(perturbation_robustness(net, unit_interval, {0.1}, {1}, MatD::Zero(0, 4)), InputError);
  CHECK_THROWS_AS(perturbation_robustness(net, unit_interval, {0.1}, {1}, MatD::Ones(1, 5)), InputError);
  CHECK_THROWS_AS(random_directions(net, 0, 1), InputError);
  CHECK_THROWS_AS(perturbation_robustness(net, unit_interval, {0.1}, {1}, 0, 1), InputError);
  Network two = net;
  two.input_dim = 2;
  two.layers[0].weight = MatD{{1, 1}};
  CHECK_THROWS_AS(perturbation_robustness(two, unit_interval, {0.1}, {1}, MatD::Ones(1, 5)), InputError);
}
