// Measures on partitions whose answers are known in closed form.
#include "relutope/measures/measures.hpp"

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

// A 1-input network on [0, 1] with 8 outputs whose slopes are (x, x, ..., x) on [0, 1/2] and
// (y, 0, ..., 0) on [1/2, 1]: o_1 = x relu(t) + (y - x) relu(t - 1/2), o_j = x relu(t) - x relu(t - 1/2).
// Its Lipschitz constant is max(sqrt(8) |x|, |y|). \pre y - x is a double
Network two_slopes(double x, double y) {
  Network net;
  net.input_dim = 1;
  Layer hidden{MatD::Ones(2, 1), VecD(2), Activation::relu()};
  hidden.bias << 0, -0.5;
  Layer out{MatD(8, 2), VecD::Zero(8), Activation::identity()};
  for (Eigen::Index j = 0; j < 8; ++j) out.weight.row(j) << x, -x;
  out.weight(0, 1) = y - x;
  net.layers = {hidden, out};
  return net;
}

// The exact value of [lower, upper] holds sqrt(square), and the enclosure is tight.
void check_norm(const Enclosure& e, const Rational& square) {
  INFO("[" << e.lower << ", " << e.upper << "], " << e.certified_digits() << " digits");
  REQUIRE(std::isfinite(e.upper));
  CHECK(to_exact(e.lower) * to_exact(e.lower) <= square);
  CHECK(to_exact(e.upper) * to_exact(e.upper) >= square);
  CHECK(e.certified_digits() >= 14);
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
  const Lipschitz l = summarize(exact, unit_square()).lipschitz;
  CHECK(l.exact.lower <= 5.0);
  CHECK(l.exact.upper >= 5.0);
  CHECK(l.exact.certified_digits() >= 14);
  CHECK(l.product_of_norms == Approx(5.0));
}

// Regression (lipschitz_subnormal_filter): the regions were filtered by their norms in double,
// where the squares of x = m 2^-560 are subnormal: x^2 = 1001.45 2^-1074 rounded to 1001 2^-1074
// eight times, so the first region looked smaller than the second (y^2 = 8010.75 2^-1074 rounded
// up), was skipped, and the result excluded the true value sqrt(8) x. The final square root of
// a subnormal squared norm was wide too.
TEST_CASE("the Lipschitz constant of subnormal slopes (lipschitz_subnormal_filter)", "[measures]") {
  const double x = std::ldexp(265463328.0, -560), y = std::ldexp(750803847.0, -560);
  const NetworkQ net = to_exact(two_slopes(x, y));
  const RegionSummary::Result summary = summarize(net, Box{{Rational(0)}, {Rational(1)}});
  REQUIRE(summary.regions == 2);
  const Lipschitz l = summary.lipschitz;
  check_norm(l.exact, 8 * to_exact(x) * to_exact(x));
  CHECK(l.region == 0);
}

// Regression (lipschitz_huge_weights): the squares of slopes near 2^548 overflow doubles; the
// result's upper bound was infinite (no digit certified) though the constant is a double.
TEST_CASE("the Lipschitz constant of huge slopes (lipschitz_huge_weights)", "[measures]") {
  const double x = std::ldexp(265463328.0, 520), y = std::ldexp(750803847.0, 520);
  const NetworkQ net = to_exact(two_slopes(x, y));
  const Lipschitz l = summarize(net, Box{{Rational(0)}, {Rational(1)}}).lipschitz;
  check_norm(l.exact, 8 * to_exact(x) * to_exact(x));
  // and where the second region's slope is the larger
  const NetworkQ other = to_exact(two_slopes(y / 8, y));
  const Lipschitz m = summarize(other, Box{{Rational(0)}, {Rational(1)}}).lipschitz;
  check_norm(m.exact, to_exact(y) * to_exact(y));
  CHECK(m.region == 1);
}

// Regression (enclosure_digits_at_a_power_of_ten): the digits of an enclosure came from
// floor(-log10(width / scale)) in double, which rounds to 5 for a width just above 10^-5: mid()
// rounded to 5 digits was then a whole unit from the upper end. Checked here from the definition:
// mid() rounded to d digits, down or up where it is within half a unit, lies less than one unit
// in its d-th digit from both ends.
TEST_CASE("an enclosure's digits hold for mid() rounded to them (enclosure_digits_at_a_power_of_ten)", "[measures]") {
  auto holds = [](const Enclosure& e, int d) {
    if (d == 0) return true;
    const Rational m = to_exact(e.mid());
    Rational unit = 1;  // 10^(floor(log10 |m|) - d + 1), by steps of ten
    while (unit * 10 <= abs(m)) unit *= 10;
    while (unit > abs(m)) unit /= 10;
    for (int i = 1; i < d; ++i) unit /= 10;
    const Rational t = m / unit;
    mpz_class below;
    mpz_fdiv_q(below.get_mpz_t(), t.get_num_mpz_t(), t.get_den_mpz_t());
    for (const mpz_class& n : {below, mpz_class(below + 1)}) {
      const Rational r = Rational(n) * unit;
      if (abs(r - m) * 2 > unit) continue;  // not a rounding to nearest
      if (abs(r - to_exact(e.lower)) >= unit || abs(r - to_exact(e.upper)) >= unit) return false;
    }
    return true;
  };
  const std::vector<Enclosure> cases = {{1 - 1e-5, 1}, {0.999995, 1.000005}, {9.99990, 9.99999}, {0.1, 0.1},
                                        {-2.5, -2.4999999}, {3.0, 3.0000000000000004}, {1e-300, 1.0000001e-300}};
  for (const Enclosure& e : cases) {
    const int d = e.certified_digits();
    INFO("[" << e.lower << ", " << e.upper << "]: " << d << " digits");
    CHECK(holds(e, d));
  }
  CHECK(Enclosure{1 - 1e-5, 1}.certified_digits() == 4);
  CHECK(Enclosure{-1, 1}.certified_digits() == 0);
  CHECK(Enclosure{0, 0}.certified_digits() == 15);
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
  const SamplingReport report =
      *summarize(exact, unit_square(), std::set<ActivationPattern>(samples.begin(), samples.end())).sampling;
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
