// Measures on partitions whose answers are known in closed form.
#include "relutope/measures.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <random>
#include <set>

using namespace relutope;

namespace {

Box unit_square() { return {{Rational(0), Rational(0)}, {Rational(1), Rational(1)}}; }

// A 2-input network with one hidden layer: rows (a, b, c) are neurons relu(a x + b y + c),
// summed with unit output weights.
Network one_layer(const std::vector<std::array<double, 3>>& neurons) {
  Network net;
  net.input_dim = 2;
  Layer hidden{MatD(static_cast<Eigen::Index>(neurons.size()), 2), VecD(static_cast<Eigen::Index>(neurons.size())), Activation::relu()};
  for (size_t i = 0; i < neurons.size(); ++i) {
    hidden.weight(static_cast<Eigen::Index>(i), 0) = neurons[i][0];
    hidden.weight(static_cast<Eigen::Index>(i), 1) = neurons[i][1];
    hidden.bias[static_cast<Eigen::Index>(i)] = neurons[i][2];
  }
  net.layers = {hidden, {MatD::Ones(1, static_cast<Eigen::Index>(neurons.size())), VecD::Zero(1), Activation::identity()}};
  return net;
}

}  // namespace

TEST_CASE("the distance to a single neuron's line is |w.x + b| / |w|", "[measures]") {
  const NetworkQ net = to_exact(one_layer({{{1, -1, 0}}}));  // the diagonal x = y
  const Partition p = regions(net, unit_square());
  const BoundaryDistance d = boundary_distance(p, net, {Rational(7, 10), Rational(1, 5)});
  REQUIRE(d.squared);
  CHECK(*d.squared == Rational(1, 8));  // (0.7 - 0.2)^2 / 2
  CHECK(d.distance->lower <= std::sqrt(0.125));
  CHECK(d.distance->upper >= std::sqrt(0.125));
  CHECK(d.neuron_estimate == Approx(0.5 / std::sqrt(2.0)).epsilon(1e-15));
}

TEST_CASE("the domain's own edges are no boundary, the nearest neuron line is", "[measures]") {
  const NetworkQ net = to_exact(one_layer({{{1, 0, -0.3}}, {{1, 0, -0.625}}}));  // x = 0.3, x = 0.625
  const Partition p = regions(net, unit_square());
  REQUIRE(p.regions.size() == 3);
  const BoundaryDistance middle = boundary_distance(p, net, {Rational(1, 2), Rational(1, 2)});
  CHECK(*middle.squared == Rational(1, 64));  // to x = 0.625, though y = 1 is 0.5 away
  // A network with no neuron crossing the domain: one region, no boundary inside the domain.
  const NetworkQ flat = to_exact(one_layer({{{1, 1, 5}}}));
  const Partition q = regions(flat, unit_square());
  CHECK(!boundary_distance(q, flat, {Rational(1, 2), Rational(1, 2)}).squared);
}

TEST_CASE("the Lipschitz constant of 3x + 4y is 5, certified", "[measures]") {
  Network net = one_layer({{{3, 4, 10}}});  // positive on the whole square: f = 3x + 4y + 10
  const NetworkQ exact = to_exact(net);
  const Lipschitz l = lipschitz(regions(exact, unit_square()), exact);
  CHECK(l.exact.lower <= 5.0);
  CHECK(l.exact.upper >= 5.0);
  CHECK(l.exact.certified_digits() >= 14);
  CHECK(l.product_of_norms == Approx(5.0));
}

TEST_CASE("dead neurons and what sampling misses", "[measures]") {
  // Neuron 0 never fires on the square; neuron 1 fires only on the sliver x > 0.99.
  const Network net = one_layer({{{-1, -1, -0.5}}, {{1, 0, -0.99}}});
  const NetworkQ exact = to_exact(net);
  const Partition p = regions(exact, unit_square());
  std::vector<ActivationPattern> patterns;
  for (const Region& r : p.regions) patterns.push_back(r.pattern);
  CHECK(dead_neurons(patterns, hidden_widths(exact)) == std::vector<std::pair<int, int>>{{0, 0}});
  const auto samples = sampled_patterns(net, nullptr, unit_square(), 10);  // centres at x = 0.95 at most
  const SamplingReport report = compare_sampling(p, samples);
  CHECK(report.missed.size() == 1);
  CHECK(*report.smallest_missed == 1 - to_exact(0.99));  // the double 0.99, exactly
  CHECK(report.foreign_patterns == 0);
  CHECK(dead_neurons(samples, hidden_widths(exact)).size() == 2);  // sampling calls both dead
}

TEST_CASE("sampling on a slice finds the patterns of the network at the points o + s u + t v", "[measures]") {
  // The network of (s, t) is sampled; the oracle evaluates the whole network at the explicit
  // points in double, as a user would. Both are doubles near boundaries, so on a random network
  // they agree at every one of the 24^2 cell centres.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uniform(-1, 1);
  const auto random_layer = [&](Eigen::Index out, Eigen::Index in) {
    Layer layer{MatD(out, in), VecD(out), Activation::relu()};
    for (Eigen::Index i = 0; i < out; ++i) {
      for (Eigen::Index j = 0; j < in; ++j) layer.weight(i, j) = uniform(rng);
      layer.bias[i] = uniform(rng) / 2;
    }
    return layer;
  };
  Network net;
  net.input_dim = 5;
  net.layers = {random_layer(8, 5), random_layer(6, 8), random_layer(1, 6)};
  net.layers.back().activation = Activation::identity();
  const Slice slice = parse_slice("0.1,-0.2,0.3,0.05,0:1,0.5,-0.3,0,0.7:0,-1,0.25,0.6,0.1", "--slice");
  const Box domain{{Rational(-1), Rational(-1)}, {Rational(1), Rational(1)}};
  const int R = 24;
  SECTION("an identity network") {}
  SECTION("a positional network, sliced in its encoding space") {
    net.input_dim = 1;  // 2 L d = 4 features with L = 2, d = 1: the slice's first 4 coordinates
    net.encoding = Encoding{Encoding::Type::positional, 2};
    net.layers.front() = random_layer(8, 4);
  }
  const Slice used = net.encoding.type == Encoding::Type::identity
                         ? slice
                         : Slice{VecQ(slice.origin.begin(), slice.origin.begin() + 4), VecQ(slice.u.begin(), slice.u.begin() + 4),
                                 VecQ(slice.v.begin(), slice.v.begin() + 4)};
  const std::vector<ActivationPattern> sampled = sampled_patterns(net, &used, domain, R);
  Network layers_only = net;  // the features are the points themselves
  layers_only.encoding = {};
  layers_only.input_dim = used.dim();
  MatD X(R * R, used.dim());
  for (int i = 0; i < R * R; ++i) {
    const double s = -1 + (2.0 * (i / R) + 1) / R, t = -1 + (2.0 * (i % R) + 1) / R;  // row-major, t fastest
    for (int k = 0; k < used.dim(); ++k) {
      const size_t kk = static_cast<size_t>(k);
      X(i, k) = to_double(used.origin[kk]) + s * to_double(used.u[kk]) + t * to_double(used.v[kk]);
    }
  }
  const std::vector<ActivationPattern> explicit_patterns = evaluate(layers_only, X).patterns;
  REQUIRE(sampled.size() == explicit_patterns.size());
  CHECK(sampled == explicit_patterns);
  CHECK(std::set<ActivationPattern>(sampled.begin(), sampled.end()).size() ==
        std::set<ActivationPattern>(explicit_patterns.begin(), explicit_patterns.end()).size());
  CHECK(std::set<ActivationPattern>(sampled.begin(), sampled.end()).size() > 10);
}
