// The network along the flower curve (curve_pieces, flower_spectrum) against crossings and
// coefficients computed by hand, and against a fine periodic trapezoid rule of the network's own
// double evaluation along gamma_L (which knows nothing of pieces).
#include "relutope/spectrum/curve_spectrum.hpp"

#include "relutope/error.hpp"
#include "relutope/train/dataset.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <vector>

using namespace relutope;

namespace {

Layer layer(std::vector<std::vector<double>> w, std::vector<double> b, Activation a = Activation::relu()) {
  Layer l;
  l.weight.resize(static_cast<Eigen::Index>(w.size()), static_cast<Eigen::Index>(w[0].size()));
  for (size_t i = 0; i < w.size(); ++i)
    for (size_t j = 0; j < w[0].size(); ++j) l.weight(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = w[i][j];
  l.bias = Eigen::Map<VecD>(b.data(), static_cast<Eigen::Index>(b.size()));
  l.activation = a;
  return l;
}

Network network(std::vector<Layer> layers) {
  Network net;
  net.input_dim = 2;
  net.layers = std::move(layers);
  return net;
}

// relu(x - 1/2): on the unit circle (L = 0) active for cos 2 pi z > 1/2, i.e. z < 1/6 or z > 5/6.
Network half_plane() { return network({layer({{1, 0}}, {-0.5}), layer({{1}}, {0}, Activation::identity())}); }

// Integral over [0, 1] of f(gamma_L(z)) e^{-2 pi i k z}, by the periodic trapezoid rule on n points.
std::complex<double> trapezoid(const Network& net, int petals, long k, int n) {
  MatD points(n, 2);
  for (int j = 0; j < n; ++j) flower_point(petals, static_cast<double>(j) / n, points(j, 0), points(j, 1));
  const MatD values = evaluate(net, points).values;
  std::complex<double> sum = 0;
  for (int j = 0; j < n; ++j) sum += values(j, 0) * std::polar(1.0, -2 * M_PI * static_cast<double>(k) * j / n);
  return sum / static_cast<double>(n);
}

}  // namespace

TEST_CASE("The line x = 1/2 crosses the unit circle at z = 1/6 and 5/6", "[curve]") {
  const auto pieces = curve_pieces(half_plane(), 0);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[0].pattern == "1");
  CHECK(pieces[1].pattern == "0");
  CHECK(pieces[2].pattern == "1");
  // z = 1/6 is t = tan(pi/6) = 1/sqrt 3 in the first chart; z = 5/6 is t = -1/sqrt 3 in the third.
  const CurvePoint a = pieces[0].end, b = pieces[2].start;
  CHECK(a.half == 0);
  CHECK(b.half == 2);
  CHECK((a.lo > 0 && a.lo * a.lo * 3 <= 1 && a.hi * a.hi * 3 >= 1));
  CHECK((b.hi < 0 && b.hi * b.hi * 3 <= 1 && b.lo * b.lo * 3 >= 1));
  CHECK(pieces[1].start.lo == a.lo);
  CHECK(pieces[0].weight(0, 0) == 1);
  CHECK(pieces[0].bias[0] == Rational(-1, 2));
  CHECK(pieces[1].weight(0, 0) == 0);
}

TEST_CASE("The coefficients of relu(cos 2 pi z - 1/2) equal their closed form", "[curve]") {
  // c(k) = 2 * integral over [0, 1/6] of (cos 2 pi z - 1/2) cos 2 pi k z dz, by hand.
  auto exact = [](long k) {
    const long double a = 1.0L / 6, pi = 3.14159265358979323846264338327950288L;
    auto sine_ratio = [&](long m) { return m == 0 ? a : std::sin(2 * pi * m * a) / (2 * pi * m); };  // int_0^a cos 2 pi m z
    return 2 * ((sine_ratio(1 - k) + sine_ratio(1 + k)) / 2 - sine_ratio(k) / 2);
  };
  const std::vector<long> ks = {0, 1, -1, 2, 3, 7, -20, 200};
  const CurveSpectrum s = flower_spectrum(half_plane(), 0, ks, 128);
  CHECK(s.pieces == 3);
  REQUIRE(s.coefficients.size() == ks.size());
  for (size_t i = 0; i < ks.size(); ++i) {
    const Coefficient& c = s.coefficients[i];
    INFO("k = " << ks[i] << ": " << c.re << " + " << c.im << " i");
    CHECK(std::fabs(c.re_double - static_cast<double>(exact(ks[i]))) < 1e-15);
    CHECK(std::fabs(c.im_double) < 1e-30);
    CHECK(c.certified_digits >= 30);
  }
}

TEST_CASE("An affine network has one piece and the coefficients of its closed form", "[curve]") {
  // f = 3/4 x - 1/2 y + 1/8 on gamma_3: f o gamma = 1/8 + R (3/4 cos - 1/2 sin) with
  // R = 1 + sin(6 pi z)/2, whose Fourier series has the terms below (worked out by hand).
  const Network net = network({layer({{0.75, -0.5}}, {0.125}, Activation::identity())});
  const std::vector<long> ks = {0, 1, -1, 4, -2, 2, -4, 5, 3};
  const std::vector<std::complex<double>> expected = {
      {0.125, 0}, {0.375, 0.25}, {0.375, -0.25}, {0.0625, -0.09375}, {-0.0625, 0.09375}, {-0.0625, -0.09375},
      {0.0625, 0.09375}, {0, 0}, {0, 0}};
  const CurveSpectrum s = flower_spectrum(net, 3, ks, 128);
  CHECK(s.pieces == 1);
  CHECK(curve_pieces(net, 3).size() == 1);
  for (size_t i = 0; i < ks.size(); ++i) {
    const Coefficient& c = s.coefficients[i];
    INFO("k = " << ks[i] << ": " << c.re << " + " << c.im << " i");
    CHECK(std::abs(std::complex<double>(c.re_double, c.im_double) - expected[i]) < 1e-30);
  }
}

TEST_CASE("Coinciding crossings and crossings at chart ends are found once", "[curve]") {
  // relu(x - 1/2) and relu(1 - 2x) cross the circle at the same points; relu(y) at z = 0 and 1/2,
  // where charts meet.
  const Network net = network({layer({{1, 0}, {-2, 0}, {0, 1}}, {-0.5, 1, 0}), layer({{1, 1, 1}}, {0}, Activation::identity())});
  const auto pieces = curve_pieces(net, 0);
  REQUIRE(pieces.size() == 4);
  CHECK(pieces[0].pattern == "101");
  CHECK(pieces[1].pattern == "011");
  CHECK(pieces[2].pattern == "010");
  CHECK(pieces[3].pattern == "100");
  CHECK((pieces[2].start.half == 1 && pieces[2].start.lo == 0 && pieces[2].start.hi == 0));
}

TEST_CASE("A two-layer network's coefficients on a flower agree with a fine trapezoid rule", "[curve]") {
  const Network net = network({layer({{1, 0.5}, {-0.75, 1}, {0.25, -1.25}, {1.5, 0.5}}, {-0.25, 0.5, 0.125, -1}),
                               layer({{1, -0.5, 0.75, 1}, {-1, 1, 0.5, -0.25}}, {0.125, -0.25}),
                               layer({{1.25, -0.75}}, {0.0625}, Activation::identity())});
  for (int petals : {0, 3, 4}) {
    const std::vector<long> ks = {0, 1, 3, 5, 20, -7};
    const CurveSpectrum s = flower_spectrum(net, petals, ks, 96);
    CHECK(s.pieces > 2);
    for (size_t i = 0; i < ks.size(); ++i) {
      const Coefficient& c = s.coefficients[i];
      // The trapezoid rule's error at a kink is about |slope jump| h^2: below 1e-9 at h = 2^-17.
      const std::complex<double> t = trapezoid(net, petals, ks[i], 1 << 17);
      INFO("L = " << petals << ", k = " << ks[i] << ": " << c.re << " + " << c.im << " i vs " << t);
      CHECK(std::abs(std::complex<double>(c.re_double, c.im_double) - t) < 1e-9);
      CHECK(c.certified_digits >= 25);
    }
  }
}

TEST_CASE("Bad input to the curve functions is refused by name", "[curve]") {
  Network three = half_plane();
  three.input_dim = 3;
  three.layers[0].weight = MatD::Ones(1, 3);
  CHECK_THROWS_WITH(curve_pieces(three, 0), Catch::Contains("net:"));
  CHECK_THROWS_WITH(curve_pieces(half_plane(), -1), Catch::Contains("petals:"));
  CHECK_THROWS_WITH(flower_spectrum(half_plane(), 2, {1}, 8), Catch::Contains("--precision"));
}
