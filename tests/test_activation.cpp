// Per-layer activations (relu, identity, leaky_relu) through every stage: evaluation, exact
// regions, the mean, training gradients. The right values come from elsewhere: closed forms by
// hand, and the region oracle (tests/region_oracle.hpp) run on an equivalent ReLU-only network
// built here, never from relutope's own output.
#include "helpers.hpp"
#include "region_oracle.hpp"
#include "spectrum_cases.hpp"

#include "relutope/error.hpp"
#include "relutope/measures/measures.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/spectrum/spectrum.hpp"
#include "relutope/train/train.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace spectrum_cases;
using relutope::test::TempDir;

namespace {

Layer dense(std::vector<std::vector<double>> rows, std::vector<double> bias, Activation activation) {
  Layer L{MatD(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.at(0).size())),
          VecD(static_cast<Eigen::Index>(bias.size())), activation};
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) L.weight(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  for (size_t i = 0; i < bias.size(); ++i) L.bias[static_cast<Eigen::Index>(i)] = bias[i];
  return L;
}

// The issue's f(x) = relu(x) - 1, as nn.Sequential(Linear(1,3), ReLU(), Linear(3,1), Linear(1,3),
// ReLU(), Linear(3,1)) can hold it: no activation between the 2nd and 3rd Linear.
Network relu_minus_one() {
  Network net;
  net.input_dim = 1;
  net.layers = {dense({{1}, {-1}, {0}}, {0, 0, 0}, Activation::relu()),
                dense({{1, 0, 0}}, {0}, Activation::identity()),
                dense({{1}, {0}, {0}}, {0, 0, 0}, Activation::relu()),
                dense({{1, 0, 0}}, {-1}, Activation::identity())};
  return net;
}

// A ReLU-only network (ReLU after every layer but the last, none after it) equal to `net` as a
// function, whose activation regions are those of `net`: identity layers composed into the next
// layer, a leaky_relu layer with slope a written as relu(z) - a relu(-z) with the neurons z and
// -z (they switch on one hyperplane, so the regions stay the same), a kink after the output
// layer followed by an identity output layer. Built in rationals, independently of src/.
NetworkQ relu_equivalent(const NetworkQ& net) {
  NetworkQ out;
  out.input_dim = net.input_dim;
  // x = E y: the current layer's input x in terms of the ReLU network's activations y.
  MatQ E(net.input_dim, net.input_dim);
  for (Eigen::Index i = 0; i < E.rows; ++i) E(i, i) = 1;
  VecQ shift(static_cast<size_t>(net.input_dim));  // x = E y + shift (identity layers add biases)
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const LayerQ& layer = net.layers[l];
    const Eigen::Index n = layer.weight.rows;
    MatQ W(n, E.cols);
    VecQ b = layer.bias;
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index k = 0; k < layer.weight.cols; ++k) {
        for (Eigen::Index j = 0; j < E.cols; ++j) W(i, j) += layer.weight(i, k) * E(k, j);
        b[static_cast<size_t>(i)] += layer.weight(i, k) * shift[static_cast<size_t>(k)];
      }
    if (!layer.activation.has_kink()) {
      E = W;
      shift = b;
      continue;
    }
    const Rational a = to_exact(layer.activation.slope_below());
    const bool leaky = a != 0;
    LayerQ relu{MatQ(leaky ? 2 * n : n, W.cols), VecQ(static_cast<size_t>(leaky ? 2 * n : n)), Activation::relu()};
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < W.cols; ++j) {
        relu.weight(i, j) = W(i, j);
        if (leaky) relu.weight(n + i, j) = -W(i, j);
      }
      relu.bias[static_cast<size_t>(i)] = b[static_cast<size_t>(i)];
      if (leaky) relu.bias[static_cast<size_t>(n + i)] = -b[static_cast<size_t>(i)];
    }
    out.layers.push_back(std::move(relu));
    E = MatQ(n, leaky ? 2 * n : n);
    for (Eigen::Index i = 0; i < n; ++i) {
      E(i, i) = 1;
      if (leaky) E(i, n + i) = -a;
    }
    shift = VecQ(static_cast<size_t>(n));
  }
  out.layers.push_back({E, shift, Activation::identity()});
  return out;
}

// (measure, output map) of every region, sorted: what the two enumerations must agree on.
using Signature = std::vector<std::pair<Rational, std::vector<Rational>>>;

Signature signature(const Partition& P) {
  Signature s;
  for (const Region& r : P.regions) {
    std::vector<Rational> map = r.weight.data;
    map.insert(map.end(), r.bias.begin(), r.bias.end());
    s.emplace_back(measure(r), map);
  }
  std::sort(s.begin(), s.end());
  return s;
}

Signature signature(const std::vector<oracle::Cell>& cells) {
  Signature s;
  for (const oracle::Cell& c : cells) {
    std::vector<Rational> map = c.out.A;
    map.insert(map.end(), c.out.c.begin(), c.out.c.end());
    s.emplace_back(c.measure, map);
  }
  std::sort(s.begin(), s.end());
  return s;
}

Network with_activations(Network net, const std::vector<Activation>& activations) {
  for (size_t l = 0; l < net.layers.size(); ++l) net.layers[l].activation = activations[l];
  return net;
}

}  // namespace

TEST_CASE("regression: two Linear modules with no activation between them are composed, not given a ReLU",
          "[activation]") {
  const Network net = relu_minus_one();
  check_network(net, "test");
  const MatD x = (MatD(3, 1) << 0, -0.5, 1.5).finished();
  const Evaluation e = evaluate(net, x);
  CHECK(e.values(0, 0) == -1);  // relu(0) - 1
  CHECK(e.values(1, 0) == -1);
  CHECK(e.values(2, 0) == 0.5);
  CHECK(e.patterns[0] == "000000");  // z = 0 -> bit 0, as torch
  const Box D = box({-1}, {2});
  const Partition P = regions(to_exact(net), D);
  CHECK(P.regions.size() == 2);  // [-1, 0] and [0, 2]
  const auto mean = spectrum(P, {{Rational(0)}});
  REQUIRE(mean.size() == 1);
  CHECK(mean[0].mean == "-1/3");  // (1/3) (int_0^2 x dx - 3)
}

TEST_CASE("leaky_relu networks: regions and maps equal the oracle's on the equivalent ReLU network", "[activation]") {
  const std::vector<double> slopes = {0.01, -0.5, 0.25, 3};
  for (int dim : {1, 2})
    for (unsigned seed = 0; seed < 6; ++seed) {
      const double slope = slopes[seed % slopes.size()];
      const Network net = with_activations(random_net(dim, {5, 4}, 2, 40 + seed),
                                           {Activation::leaky_relu(slope), Activation::leaky_relu(slope), Activation::identity()});
      const Box D = dim == 1 ? box({-2}, {2}) : box({-2, -1}, {1, 2});
      const Partition P = regions(to_exact(net), D);
      const auto cells = oracle::enumerate(relu_equivalent(to_exact(net)), D.lo, D.hi);
      INFO("dim " << dim << " seed " << seed << " slope " << slope);
      CHECK(P.regions.size() == cells.size());
      CHECK(signature(P) == signature(cells));
    }
}

TEST_CASE("identity layers and an activation after the output layer: regions equal the oracle's", "[activation]") {
  const std::vector<std::vector<Activation>> mixes = {
      {Activation::identity(), Activation::relu(), Activation::identity(), Activation::identity()},
      {Activation::relu(), Activation::identity(), Activation::leaky_relu(0.125), Activation::relu()},
      {Activation::identity(), Activation::identity(), Activation::identity(), Activation::identity()},
      {Activation::leaky_relu(-1), Activation::relu(), Activation::relu(), Activation::leaky_relu(0.5)}};
  for (int dim : {1, 2})
    for (size_t m = 0; m < mixes.size(); ++m) {
      const Network net = with_activations(random_net(dim, {4, 5, 3}, 2, 70 + static_cast<unsigned>(m)), mixes[m]);
      const Box D = dim == 1 ? box({-3}, {3}) : box({-2, -2}, {2, 2});
      const Partition P = regions(to_exact(net), D);
      const auto cells = oracle::enumerate(relu_equivalent(to_exact(net)), D.lo, D.hi);
      INFO("dim " << dim << " mix " << m);
      CHECK(P.regions.size() == cells.size());
      CHECK(signature(P) == signature(cells));
      int bits = 0;  // the pattern's length: the neurons whose activation has a kink
      for (const Layer& L : net.layers) bits += L.activation.has_kink() ? static_cast<int>(L.weight.rows()) : 0;
      CHECK(static_cast<int>(P.regions.front().pattern.size()) == bits);
      CHECK(net.hidden_neurons() == bits);
    }
}

TEST_CASE("double evaluation agrees with the exact evaluation for every activation", "[activation]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> U(-2, 2);
  const Network net = with_activations(random_net(2, {6, 6, 4}, 3, 99),
                                       {Activation::leaky_relu(0.01), Activation::identity(), Activation::relu(),
                                        Activation::leaky_relu(0.2)});
  const NetworkQ exact = to_exact(net);
  MatD X(200, 2);
  for (Eigen::Index i = 0; i < X.rows(); ++i) X(i, 0) = U(rng), X(i, 1) = U(rng);
  const Evaluation e = evaluate(net, X);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const ExactEvaluation q = evaluate(exact, {to_exact(X(i, 0)), to_exact(X(i, 1))});
    CHECK(e.patterns[static_cast<size_t>(i)] == q.pattern);
    for (Eigen::Index j = 0; j < 3; ++j) CHECK(std::fabs(e.values(i, j) - to_double(q.values[static_cast<size_t>(j)])) <= 1e-13);
  }
}

TEST_CASE("training gradients honour each layer's activation (central differences)", "[activation][train]") {
  const Network net = with_activations(random_net(2, {5, 4}, 1, 5),
                                       {Activation::leaky_relu(0.1), Activation::identity(), Activation::identity()});
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> U(-1, 1);
  MatD X(16, 2), Y(16, 1);
  for (Eigen::Index i = 0; i < 16; ++i) X(i, 0) = U(rng), X(i, 1) = U(rng), Y(i, 0) = U(rng);
  const LossGradient g = loss_gradient(net, X, Y, TrainConfig::Loss::mse);
  for (size_t l = 0; l < net.layers.size(); ++l)
    for (Eigen::Index i = 0; i < net.layers[l].weight.rows(); ++i)
      for (Eigen::Index j = 0; j < net.layers[l].weight.cols(); ++j) {
        const double h = 1e-6;
        Network plus = net, minus = net;
        plus.layers[l].weight(i, j) += h;
        minus.layers[l].weight(i, j) -= h;
        const double numeric = (loss_gradient(plus, X, Y, TrainConfig::Loss::mse).loss -
                                loss_gradient(minus, X, Y, TrainConfig::Loss::mse).loss) / (2 * h);
        CHECK(g.layers[l].weight(i, j) == Approx(numeric).margin(1e-7));
      }
}

TEST_CASE("activations survive the JSON round trip and are refused where an npz cannot show them", "[activation][io]") {
  Network net = with_activations(random_net(2, {3, 3}, 1, 11),
                                 {Activation::leaky_relu(0.01), Activation::identity(), Activation::identity()});
  const Network back = parse_network_json(network_json(net), "round trip");
  for (size_t l = 0; l < net.layers.size(); ++l) CHECK(back.layers[l].activation == net.layers[l].activation);
  TempDir dir;
  CHECK_THROWS_AS(write_network(net, (dir.path / "n.npz").string(), NetworkFormat::npz), InputError);
  CHECK(!std::filesystem::exists(dir.path / "n.npz"));
  // identity between Linear modules: adjacent indices in the npz, read back as identity
  net.layers[0].activation = Activation::relu();
  write_network(net, (dir.path / "n.npz").string(), NetworkFormat::npz);
  const Network npz = read_network((dir.path / "n.npz").string());
  for (size_t l = 0; l < net.layers.size(); ++l) CHECK(npz.layers[l].activation == net.layers[l].activation);
  CHECK(parse_activation("leaky_relu:0.01", "test") == Activation::leaky_relu(0.01));
  CHECK_THROWS_AS(parse_activation("gelu", "test"), InputError);
  CHECK_THROWS_AS(parse_activation("leaky_relu:nan", "test"), InputError);
}

TEST_CASE("regression: a misspelt key in a JSON network is refused, not left at its default", "[activation][io]") {
  const std::string head = R"({"format": "relutope.mlp", "version": 1, "input_dim": 1, )";
  const std::string layers = R"("layers": [{"weight": [[1]], "bias": [0]}, {"weight": [[1]], "bias": [0]}])";
  CHECK_NOTHROW(parse_network_json(head + layers + "}", "ok.json"));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {head + R"("layers": [{"weight": [[1]], "bias": [0], "actvation": "identity"}, {"weight": [[1]], "bias": [0]}]})",
       "unknown key 'actvation' in layers[0]"},
      {head + R"("encoding": {"type": "positional", "L": 1, "ordr": "per-input"}, )" +
           R"("layers": [{"weight": [[1, 1]], "bias": [0]}, {"weight": [[1]], "bias": [0]}]})",
       "unknown key 'ordr' in encoding"},
      {head + R"("layers": [{"weight": [[1]], "bias": [0], "negative_slope": 0.1}, {"weight": [[1]], "bias": [0]}]})",
       "negative_slope without"},
      {head + layers + R"(, "domian": [0, 1]})", "unknown key 'domian'"},
      {head + R"("layers": [{"weight": [[1]], "bias": [0], "activation": "gelu"}, {"weight": [[1]], "bias": [0]}]})",
       "activation"}};
  for (const auto& [text, fault] : bad) {
    INFO(text);
    try {
      parse_network_json(text, "bad.json");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find(fault) != std::string::npos);
      CHECK(std::string(e.what()).rfind("bad.json: ", 0) == 0);
    }
  }
}

TEST_CASE("regression: the product of spectral norms bounds the Lipschitz constant of LeakyReLU networks too",
          "[activation][measures]") {
  // Rahaman Eq. 7 with each activation's own constant, max(1, |slope|): with slope 3 the bare
  // product of the weights' norms is below the certified maximum over the regions.
  for (unsigned seed = 0; seed < 5; ++seed) {
    const Network net = with_activations(random_net(2, {6, 6}, 1, 300 + seed),
                                         {Activation::leaky_relu(3), Activation::leaky_relu(-2), Activation::identity()});
    const NetworkQ exact = to_exact(net);
    const Lipschitz lip = summarize(exact, box({-1, -1}, {1, 1})).lipschitz;
    INFO("seed " << seed << ": certified " << lip.exact.lower << ", product " << lip.product_of_norms);
    CHECK(lip.exact.lower <= lip.product_of_norms * (1 + 1e-12));
  }
}

TEST_CASE("every saving habit's fixture: regions and maps equal the oracle's on the equivalent ReLU network",
          "[activation][io]") {
  // The networks of data/fixtures (torch.save, safetensors, npz; adjacent Linear modules,
  // bias=False, float16, bfloat16, named layouts, BatchNorm folded, LeakyReLU, ...), as read.
  int checked = 0;
  for (const auto& row : relutope::test::manifest()) {
    const Network net = read_network(relutope::test::fixture(row.network), relutope::test::read_options_of(row.options));
    if (net.encoding.type != Encoding::Type::identity || net.input_dim > 2) continue;
    INFO(row.network);
    const Box D = net.input_dim == 1 ? box({-3}, {3}) : box({-2, -2}, {2, 2});
    const Partition P = regions(to_exact(net), D);
    const auto cells = oracle::enumerate(relu_equivalent(to_exact(net)), D.lo, D.hi);
    CHECK(P.regions.size() == cells.size());
    CHECK(signature(P) == signature(cells));
    ++checked;
  }
  CHECK(checked >= 35);
}
