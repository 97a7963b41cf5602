// Activation regions in any input dimension: relutope::regions against the independent
// brute-force oracle of polytope_oracle.hpp.
//  - [oracle_nd]: the oracle itself, checked by hand, against the engine where it exists today
//    (d = 1, 2), against the 2D engine on prisms in 3D and 4D, and by sampling.
//  - [nd]: the engine in d = 3 and 4. Today's engine refuses d > 2 (InputError), so these fail
//    until the d-dimensional engine lands.
#include "polytope_oracle.hpp"

#include "relutope/error.hpp"
#include "relutope/engine/partition.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace relutope;
using oracle_nd::CellND;
using oracle_nd::Q;
using oracle_nd::Vec;

namespace {

// ------------------------------------------------------------------ building networks

LayerQ layer(const std::vector<Vec>& rows, const Vec& bias, Activation act = Activation::relu()) {
  LayerQ L{MatQ(static_cast<long>(rows.size()), static_cast<long>(rows.at(0).size())), bias, act};
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) L.weight(static_cast<long>(i), static_cast<long>(j)) = rows[i][j];
  return L;
}

NetworkQ network(int d, std::vector<LayerQ> layers) {
  NetworkQ net;
  net.input_dim = d;
  net.layers = std::move(layers);
  return net;
}

Box cube(int d, const Q& lo, const Q& hi) { return Box{Vec(static_cast<size_t>(d), lo), Vec(static_cast<size_t>(d), hi)}; }

// A dyadic k/4, k uniform in -range..range: small exact numbers keep the oracle fast.
Q dyadic(std::mt19937_64& rng, int range = 8) { return Q(std::uniform_int_distribution<int>(-range, range)(rng)) / 4; }

std::vector<Vec> random_rows(std::mt19937_64& rng, int rows, int cols) {
  std::vector<Vec> W(static_cast<size_t>(rows), Vec(static_cast<size_t>(cols)));
  for (Vec& r : W)
    for (Q& v : r) v = dyadic(rng);
  return W;
}

Vec random_vec(std::mt19937_64& rng, int n) {
  Vec b(static_cast<size_t>(n));
  for (Q& v : b) v = dyadic(rng);
  return b;
}

// d -> widths[0] -> ... -> widths.back() outputs: ReLU hidden layers, identity output.
NetworkQ random_net(std::mt19937_64& rng, int d, const std::vector<int>& widths) {
  std::vector<LayerQ> layers;
  int fan_in = d;
  for (size_t l = 0; l < widths.size(); ++l) {
    layers.push_back(layer(random_rows(rng, widths[l], fan_in), random_vec(rng, widths[l]),
                           l + 1 == widths.size() ? Activation::identity() : Activation::relu()));
    fan_in = widths[l];
  }
  return network(d, std::move(layers));
}

// The degenerate cases, in d inputs on [-1, 1]^d.
std::vector<std::pair<std::string, NetworkQ>> degenerate_nets(int d, std::mt19937_64& rng) {
  const size_t n = static_cast<size_t>(d);
  const Vec ones(n, Q(1)), zero(n, Q(0));
  Vec r = random_vec(rng, d);
  r[0] = 1;  // never a zero row
  Vec twice = r, minus = r;
  for (Q& v : twice) v *= 2;
  for (Q& v : minus) v = -v;
  std::vector<std::pair<std::string, NetworkQ>> nets;
  // Duplicate neurons, in both hidden layers.
  {
    std::vector<Vec> W1 = random_rows(rng, 3, d);
    W1.push_back(W1[0]);
    Vec b1 = random_vec(rng, 3);
    b1.push_back(b1[0]);
    std::vector<Vec> W2 = random_rows(rng, 2, 4);
    W2.push_back(W2[1]);
    Vec b2 = random_vec(rng, 2);
    b2.push_back(b2[1]);
    nets.push_back({"duplicate neurons", network(d, {layer(W1, b1), layer(W2, b2), layer(random_rows(rng, 1, 3), {1}, Activation::identity())})});
  }
  // Zero sets through box corners: sum x = d - 2 holds the corner (1, -1, .., -1) and crosses
  // the interior for d >= 2; sum x = d only touches the corner (1, .., 1); x_0 = x_1 (d >= 2)
  // holds two corners.
  {
    std::vector<Vec> W1{ones, ones};
    Vec b1{Q(2 - d), Q(-d)};
    if (d >= 2) {
      Vec diag = zero;
      diag[0] = 1;
      diag[1] = -1;
      W1.push_back(diag);
      b1.push_back(0);
    }
    const int w = static_cast<int>(W1.size());
    nets.push_back({"zero sets through corners",
                    network(d, {layer(W1, b1), layer(random_rows(rng, 2, w), random_vec(rng, 2)),
                                layer(random_rows(rng, 1, 2), {0}, Activation::identity())})});
  }
  // Parallel neurons: r, 2 r and -r with different offsets, and -r with the same zero set as r.
  nets.push_back({"parallel neurons", network(d, {layer({r, twice, minus, minus}, {Q(1) / 4, Q(-1) / 2, Q(1) / 2, Q(-1) / 4}),
                                                  layer(random_rows(rng, 2, 4), random_vec(rng, 2)),
                                                  layer(random_rows(rng, 1, 2), {0}, Activation::identity())})});
  // Zero rows: always on, always off, identically zero; and a zero row in the second layer.
  {
    std::vector<Vec> W1{zero, zero, zero, r};
    std::vector<Vec> W2 = random_rows(rng, 3, 4);
    W2[1] = Vec(4, Q(0));
    nets.push_back({"zero rows", network(d, {layer(W1, {1, -1, 0, Q(1) / 4}), layer(W2, {Q(1) / 2, 1, -1}),
                                             layer(random_rows(rng, 1, 3), {0}, Activation::identity())})});
  }
  // LeakyReLU hidden layers (one negative slope), and a LeakyReLU output layer whose bits count.
  nets.push_back({"leaky_relu", network(d, {layer(random_rows(rng, 3, d), random_vec(rng, 3), Activation::leaky_relu(0.25)),
                                            layer(random_rows(rng, 2, 3), random_vec(rng, 2), Activation::leaky_relu(-0.5)),
                                            layer(random_rows(rng, 1, 2), random_vec(rng, 1), Activation::leaky_relu(0.125))})});
  // An identity hidden layer between two ReLU layers, with 2 outputs.
  nets.push_back({"identity hidden layer, 2 outputs",
                  network(d, {layer(random_rows(rng, 3, d), random_vec(rng, 3)),
                              layer(random_rows(rng, 2, 3), random_vec(rng, 2), Activation::identity()),
                              layer(random_rows(rng, 3, 2), random_vec(rng, 3)),
                              layer(random_rows(rng, 2, 3), random_vec(rng, 2), Activation::identity())})});
  return nets;
}

// ------------------------------------------------------------------ describing failures

std::string str(const Vec& x) {
  std::string s = "(";
  for (size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + x[i].get_str();
  return s + ")";
}

std::string describe(const NetworkQ& net) {
  std::ostringstream o;
  o << "network, " << net.input_dim << " inputs:\n";
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const LayerQ& L = net.layers[l];
    o << "  layer " << l << " (" << activation_name(L.activation) << "): W = [";
    for (long i = 0; i < L.weight.rows; ++i) {
      o << (i ? "; " : "");
      for (long j = 0; j < L.weight.cols; ++j) o << (j ? ", " : "") << L.weight(i, j).get_str();
    }
    o << "]  b = " << str(L.bias) << "\n";
  }
  return o.str();
}

// ------------------------------------------------------------------ the comparison

// The engine's partition against the oracle's cells: the same count, patterns, vertex sets,
// measures and output maps, and measures summing to the box's volume. Returns "" if all holds,
// else the first fault. `measure_of` is relutope::measure but for the comparison's self-test.
std::string compare(const NetworkQ& net, const Box& box, const Partition& P, const std::vector<CellND>& cells,
                    const std::function<Q(const Region&)>& measure_of = [](const Region& r) { return measure(r); }) {
  const size_t d = static_cast<size_t>(net.input_dim);
  const size_t bits = static_cast<size_t>(oracle_nd::pattern_length(net));
  const long outputs = net.layers.back().weight.rows;
  const Q total = oracle_nd::box_volume(box);
  std::map<std::string, const CellND*> oracle_of;
  Q oracle_sum = 0;
  for (const CellND& c : cells) {
    if (c.pattern.size() != bits) return "ORACLE: pattern " + c.pattern + " of the wrong length";
    if (!oracle_of.emplace(c.pattern, &c).second) return "ORACLE: repeated pattern " + c.pattern;
    oracle_sum += c.volume;
  }
  if (oracle_sum != total) return "ORACLE: volumes sum to " + oracle_sum.get_str() + ", box " + total.get_str();
  if (P.regions.size() != cells.size())
    return "region count: engine " + std::to_string(P.regions.size()) + ", oracle " + std::to_string(cells.size());
  std::set<std::string> seen;
  Q sum = 0;
  for (size_t i = 0; i < P.regions.size(); ++i) {
    const Region& r = P.regions[i];
    const std::string at = "region " + std::to_string(i) + " (pattern " + r.pattern + "): ";
    if (!seen.insert(r.pattern).second) return at + "pattern repeated";
    const auto found = oracle_of.find(r.pattern);
    if (found == oracle_of.end()) return at + "pattern not among the oracle's";
    const CellND& c = *found->second;
    std::set<Vec> engine;
    for (const VecQ& v : r.vertices) {
      if (v.size() != d) return at + "a vertex with " + std::to_string(v.size()) + " coordinates";
      if (!engine.insert(v).second) return at + "vertex " + str(v) + " repeated";
    }
    const std::set<Vec> oracle(c.vertices.begin(), c.vertices.end());
    for (const Vec& v : engine)
      if (!oracle.count(v)) return at + "vertex " + str(v) + " is not a vertex of the oracle's cell";
    for (const Vec& v : oracle)
      if (!engine.count(v)) return at + "misses the oracle's vertex " + str(v);
    const Q m = measure_of(r);
    if (m != c.volume) return at + "measure " + m.get_str() + ", oracle " + c.volume.get_str();
    sum += m;
    if (r.weight.rows != outputs || static_cast<size_t>(r.weight.cols) != d || r.bias.size() != static_cast<size_t>(outputs))
      return at + "output map of the wrong shape";
    for (long o = 0; o < outputs; ++o) {
      for (size_t j = 0; j < d; ++j)
        if (r.weight(o, static_cast<long>(j)) != c.weight[static_cast<size_t>(o)][j])
          return at + "weight(" + std::to_string(o) + ", " + std::to_string(j) + ") = " +
                 r.weight(o, static_cast<long>(j)).get_str() + ", oracle " + c.weight[static_cast<size_t>(o)][j].get_str();
      if (r.bias[static_cast<size_t>(o)] != c.bias[static_cast<size_t>(o)])
        return at + "bias[" + std::to_string(o) + "] = " + r.bias[static_cast<size_t>(o)].get_str() + ", oracle " +
               c.bias[static_cast<size_t>(o)].get_str();
    }
  }
  if (sum != total) return "engine measures sum to " + sum.get_str() + ", box " + total.get_str();
  return "";
}

// The oracle's cells against the engine on one network and box.
void check_against_engine(const std::string& name, const NetworkQ& net, const Box& box) {
  INFO(name << "\n" << describe(net));
  const std::vector<CellND> cells = oracle_nd::enumerate(net, box);
  Partition P;
  try {
    P = regions(net, box);
  } catch (const InputError& e) {  // today's engine for d > 2; the next case still runs
    FAIL_CHECK("the engine refused the network: " << e.what());
    return;
  }
  CHECK(compare(net, box, P, cells) == "");
}

// The oracle's own cells as an engine partition (what a correct engine returns, vertices in
// another order).
Partition partition_of(const std::vector<CellND>& cells, const Box& box) {
  Partition P;
  P.dim = box.dim();
  P.domain = box;
  for (const CellND& c : cells) {
    Region r;
    r.vertices.assign(c.vertices.rbegin(), c.vertices.rend());
    r.pattern = c.pattern;
    r.weight = MatQ(static_cast<long>(c.weight.size()), static_cast<long>(box.dim()));
    for (size_t o = 0; o < c.weight.size(); ++o)
      for (size_t j = 0; j < c.weight[o].size(); ++j) r.weight(static_cast<long>(o), static_cast<long>(j)) = c.weight[o][j];
    r.bias = c.bias;
    P.regions.push_back(std::move(r));
  }
  return P;
}

}  // namespace

// ====================================================================== the oracle itself

TEST_CASE("oracle_nd: hand-computed cells in 1D to 4D", "[regions][oracle_nd]") {
  // z = x_0 + .. + x_{d-1} - 1 on [0, 1]^d, f = relu(z): the corner simplex has volume 1/d!.
  Q factorial = 1;
  for (int d = 1; d <= 4; ++d) {
    factorial *= d;
    INFO("d = " << d);
    const NetworkQ net = network(d, {layer({Vec(static_cast<size_t>(d), Q(1))}, {-1}), layer({{1}}, {0}, Activation::identity())});
    const std::vector<CellND> cells = oracle_nd::enumerate(net, cube(d, 0, 1));
    if (d == 1) {  // the zero set is the box's corner x = 1: one cell
      REQUIRE(cells.size() == 1);
      CHECK(cells[0].pattern == "0");
      CHECK(cells[0].volume == 1);
      continue;
    }
    REQUIRE(cells.size() == 2);
    CHECK(cells[0].pattern == "0");
    CHECK(cells[0].volume == 1 / factorial);
    CHECK(cells[0].vertices.size() == static_cast<size_t>(d + 1));
    CHECK(cells[1].pattern == "1");
    CHECK(cells[1].volume == 1 - 1 / factorial);
    CHECK(cells[0].weight == std::vector<Vec>{Vec(static_cast<size_t>(d), Q(0))});
    CHECK(cells[1].weight == std::vector<Vec>{Vec(static_cast<size_t>(d), Q(1))});
    CHECK(cells[1].bias == Vec{-1});
  }
  // Two planes x = 1/2 and y = 1/3 cut [0, 1]^3 into boxes; leaky slope 1/2 below.
  const NetworkQ net = network(3, {layer({{1, 0, 0}, {0, 1, 0}}, {Q(-1) / 2, Q(-1) / 3}, Activation::leaky_relu(0.5)),
                                   layer({{1, 1}}, {0}, Activation::identity())});
  std::map<std::string, Q> volume;
  std::map<std::string, Vec> gradient;
  for (const CellND& c : oracle_nd::enumerate(net, cube(3, 0, 1))) {
    volume[c.pattern] = c.volume;
    gradient[c.pattern] = c.weight.at(0);
    CHECK(c.vertices.size() == 8);
  }
  CHECK(volume == std::map<std::string, Q>{{"00", Q(1) / 6}, {"01", Q(1) / 3}, {"10", Q(1) / 6}, {"11", Q(1) / 3}});
  CHECK(gradient["01"] == Vec{Q(1) / 2, 1, 0});
}

TEST_CASE("oracle_nd: random 1D and 2D networks equal relutope::regions", "[regions][oracle_nd]") {
  std::mt19937_64 rng(101);
  const std::vector<std::vector<int>> shapes{{4, 1}, {5, 4, 1}, {6, 6, 2}, {3, 3, 3, 1}, {8, 8, 2}, {10, 6, 1}};
  for (int d = 1; d <= 2; ++d)
    for (size_t s = 0; s < shapes.size(); ++s)
      for (int n = 0; n < 4; ++n)
        check_against_engine("random net, d = " + std::to_string(d) + ", shape " + std::to_string(s), random_net(rng, d, shapes[s]),
                             n % 3 == 0 ? cube(d, -1, 1) : n % 3 == 1 ? cube(d, -2, Q(3) / 2) : cube(d, Q(-1) / 3, Q(5) / 4));
}

TEST_CASE("oracle_nd: degenerate 1D and 2D networks equal relutope::regions", "[regions][oracle_nd]") {
  std::mt19937_64 rng(202);
  for (int d = 1; d <= 2; ++d)
    for (int round = 0; round < 2; ++round)
      for (const auto& [name, net] : degenerate_nets(d, rng)) check_against_engine(name + ", d = " + std::to_string(d), net, cube(d, -1, 1));
}

TEST_CASE("oracle_nd: 3D and 4D prisms over 2D networks equal relutope::regions times a box", "[regions][oracle_nd]") {
  // A network that ignores x_2 (and x_3): its cells are the 2D regions times the extra sides.
  std::mt19937_64 rng(303);
  std::vector<NetworkQ> flat{random_net(rng, 2, {5, 4, 1}), random_net(rng, 2, {4, 4, 2})};
  for (auto& [name, net] : degenerate_nets(2, rng)) flat.push_back(net);
  const Box base{{-1, Q(-1) / 2}, {1, Q(3) / 2}};
  for (const NetworkQ& net2 : flat)
    for (int d = 3; d <= 4; ++d) {
      if (d == 4 && net2.layers[0].weight.rows > 4) continue;  // keep 4D quick
      INFO("d = " << d << "\n" << describe(net2));
      NetworkQ net = net2;
      net.input_dim = d;
      LayerQ& first = net.layers[0];
      MatQ W(first.weight.rows, d);
      for (long i = 0; i < W.rows; ++i)
        for (long j = 0; j < 2; ++j) W(i, j) = first.weight(i, j);
      first.weight = W;
      Box box = base;
      const Vec extra_lo{Q(1) / 4, -3}, extra_hi{2, -2};
      for (int j = 2; j < d; ++j) {
        box.lo.push_back(extra_lo[static_cast<size_t>(j - 2)]);
        box.hi.push_back(extra_hi[static_cast<size_t>(j - 2)]);
      }
      Q height = 1;
      for (size_t j = 2; j < static_cast<size_t>(d); ++j) height *= box.hi[j] - box.lo[j];

      const Partition P = regions(net2, base);
      std::vector<CellND> cells = oracle_nd::enumerate(net, box);
      std::map<std::string, const CellND*> by_pattern;
      for (const CellND& c : cells) by_pattern[c.pattern] = &c;
      CHECK(cells.size() == P.regions.size());
      CHECK(by_pattern.size() == cells.size());
      for (const Region& r : P.regions) {
        INFO("pattern " << r.pattern);
        REQUIRE(by_pattern.count(r.pattern));
        const CellND& c = *by_pattern[r.pattern];
        CHECK(c.volume == measure(r) * height);
        std::set<Vec> lifted;  // the polygon's corners times the corners of the extra sides
        for (const VecQ& v : r.vertices)
          for (int corner = 0; corner < 1 << (d - 2); ++corner) {
            Vec p = v;
            for (int j = 2; j < d; ++j) p.push_back((corner >> (j - 2)) & 1 ? box.hi[static_cast<size_t>(j)] : box.lo[static_cast<size_t>(j)]);
            lifted.insert(p);
          }
        CHECK(std::set<Vec>(c.vertices.begin(), c.vertices.end()) == lifted);
        for (long o = 0; o < r.weight.rows; ++o) {
          Vec w(static_cast<size_t>(d), Q(0));
          w[0] = r.weight(o, 0);
          w[1] = r.weight(o, 1);
          CHECK(c.weight[static_cast<size_t>(o)] == w);
          CHECK(c.bias[static_cast<size_t>(o)] == r.bias[static_cast<size_t>(o)]);
        }
      }
    }
}

TEST_CASE("oracle_nd: in 3D and 4D every sampled point lies in exactly the cell of its pattern", "[regions][oracle_nd]") {
  // Points k / 997 of the way across each side (a prime: off the dyadic facets, mostly).
  std::mt19937_64 rng(404);
  std::vector<std::pair<NetworkQ, Box>> cases{{random_net(rng, 3, {5, 4, 1}), cube(3, -1, 1)},
                                              {random_net(rng, 3, {4, 4, 2}), cube(3, -2, 1)},
                                              {random_net(rng, 4, {4, 3, 1}), cube(4, -1, 1)}};
  for (auto& [name, net] : degenerate_nets(3, rng)) cases.push_back({net, cube(3, -1, 1)});
  std::uniform_int_distribution<int> k(1, 996);
  for (const auto& [net, box] : cases) {
    INFO(describe(net));
    const std::vector<CellND> cells = oracle_nd::enumerate(net, box);
    Q sum = 0;
    for (const CellND& c : cells) sum += c.volume;
    CHECK(sum == oracle_nd::box_volume(box));
    int inside = 0;
    for (int n = 0; n < 150; ++n) {
      Vec x;
      for (size_t j = 0; j < box.lo.size(); ++j) x.push_back(box.lo[j] + (box.hi[j] - box.lo[j]) * k(rng) / 997);
      // On a cell's facet: no single cell to expect. (A neuron may still be 0 at x: then it is
      // identically 0 on the cell, and its bit '0'.)
      bool on_facet = false;
      for (const CellND& c : cells)
        for (const oracle_nd::Halfspace& h : c.facets) on_facet = on_facet || h.at(x) == 0;
      if (on_facet) continue;
      ++inside;
      const oracle_nd::PointEvaluation e = oracle_nd::evaluate(net, x);
      INFO("x = " << str(x) << ", pattern " << e.pattern);
      int holding = 0;
      const CellND* cell = nullptr;
      for (const CellND& c : cells)
        if (c.contains(x)) {
          ++holding;
          cell = &c;
        }
      REQUIRE(holding == 1);
      CHECK(cell->pattern == e.pattern);
      for (size_t o = 0; o < e.values.size(); ++o) {
        Q f = cell->bias[o];
        for (size_t j = 0; j < x.size(); ++j) f += cell->weight[o][j] * x[j];
        CHECK(f == e.values[o]);
      }
    }
    CHECK(inside > 100);
  }
}

TEST_CASE("oracle_nd: the nd comparison accepts a correct partition and notices a tampered one", "[regions][oracle_nd]") {
  std::mt19937_64 rng(505);
  const NetworkQ net = random_net(rng, 3, {5, 4, 2});
  const Box box = cube(3, -1, 1);
  const std::vector<CellND> cells = oracle_nd::enumerate(net, box);
  REQUIRE(cells.size() > 4);
  std::map<std::string, Q> volume;
  for (const CellND& c : cells) volume[c.pattern] = c.volume;
  const auto measure_of = [&](const Region& r) { return volume.count(r.pattern) ? volume[r.pattern] : Q(0); };
  const Partition P = partition_of(cells, box);
  REQUIRE(compare(net, box, P, cells, measure_of) == "");
  const auto tampered = [&](const std::function<void(Partition&)>& change) {
    Partition T = P;
    change(T);
    return compare(net, box, T, cells, measure_of);
  };
  CHECK(tampered([](Partition& T) { T.regions[1].bias[1] += Q(1, 1 << 30); }) != "");
  CHECK(tampered([](Partition& T) { T.regions[2].weight(0, 2) -= Q(1, 3); }) != "");
  CHECK(tampered([](Partition& T) { T.regions.pop_back(); }) != "");
  CHECK(tampered([](Partition& T) { T.regions[0].pattern.back() = T.regions[0].pattern.back() == '1' ? '0' : '1'; }) != "");
  CHECK(tampered([](Partition& T) { T.regions[3].vertices.pop_back(); }) != "");
  CHECK(tampered([](Partition& T) { T.regions[3].vertices.push_back(T.regions[3].vertices[0]); }) != "");
  CHECK(tampered([](Partition& T) { T.regions[3].vertices[0][2] += Q(1, 1000); }) != "");
  CHECK(tampered([](Partition& T) {  // a point inside an edge is no vertex
    VecQ mid = T.regions[3].vertices[0];
    for (size_t j = 0; j < mid.size(); ++j) mid[j] = (mid[j] + T.regions[3].vertices[1][j]) / 2;
    T.regions[3].vertices.push_back(mid);
  }) != "");
  // A wrong measure for one region (the sum then is wrong too).
  CHECK(compare(net, box, P, cells, [&](const Region& r) { return r.pattern == cells[0].pattern ? Q(0) : measure_of(r); }) != "");
}

// ====================================================================== the engine in 3D and 4D

TEST_CASE("regions nd: random 3D networks equal the oracle", "[nd]") {
  std::mt19937_64 rng(606);
  const std::vector<std::vector<int>> shapes{{4, 1}, {4, 1}, {4, 1}, {5, 4, 1}, {5, 4, 1}, {5, 4, 1},
                                             {6, 6, 2}, {6, 6, 2}, {6, 6, 2}, {8, 6, 1}, {6, 6, 6, 1}};
  for (size_t s = 0; s < shapes.size(); ++s)
    check_against_engine("random 3D net " + std::to_string(s), random_net(rng, 3, shapes[s]),
                         s % 2 ? cube(3, Q(-3) / 2, 1) : cube(3, -1, 1));
}

TEST_CASE("regions nd: degenerate 3D networks equal the oracle", "[nd]") {
  std::mt19937_64 rng(707);
  for (int round = 0; round < 2; ++round)
    for (const auto& [name, net] : degenerate_nets(3, rng)) check_against_engine(name + ", d = 3", net, cube(3, -1, 1));
}

TEST_CASE("regions nd: tiny 4D networks equal the oracle", "[nd]") {
  std::mt19937_64 rng(808);
  check_against_engine("4D net 4-3-1", random_net(rng, 4, {3, 1}), cube(4, -1, 1));
  check_against_engine("4D net 4-3-2-1", random_net(rng, 4, {3, 2, 1}), Box{{-1, 0, Q(-1) / 2, -2}, {1, 1, Q(3) / 4, 0}});
}
