// Exact activation regions (relutope::regions and friends) against the independent oracle of
// region_oracle.hpp, and the invariants of DESIGN §3, on random, trained and degenerate networks.
#include "helpers.hpp"
#include "region_oracle.hpp"

#include "relutope/train/dataset.hpp"
#include "relutope/error.hpp"
#include "relutope/engine/partition.hpp"
#include "relutope/network/slice.hpp"
#include "relutope/train/train.hpp"
#include "relutope/train/train_config.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace relutope;
using oracle::Q;

namespace {

// ------------------------------------------------------------------ building networks

// The exact value of a double, by GMP itself (mpq_set_d is exact), not by relutope::to_exact.
NetworkQ oracle_exact(const Network& net) {
  NetworkQ q;
  q.input_dim = net.input_dim;
  q.encoding = net.encoding;
  for (const Layer& L : net.layers) {
    LayerQ lq;
    lq.weight = MatQ(L.weight.rows(), L.weight.cols());
    for (Eigen::Index i = 0; i < L.weight.rows(); ++i)
      for (Eigen::Index j = 0; j < L.weight.cols(); ++j) lq.weight(i, j) = Q(L.weight(i, j));
    for (Eigen::Index i = 0; i < L.bias.size(); ++i) lq.bias.push_back(Q(L.bias[i]));
    lq.activation = L.activation;
    q.layers.push_back(std::move(lq));
  }
  return q;
}

Layer layer(const std::vector<std::vector<double>>& rows, const std::vector<double>& bias) {
  Layer L{MatD(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.at(0).size())),
          VecD(static_cast<Eigen::Index>(bias.size())), Activation::relu()};
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j)
      L.weight(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  for (size_t i = 0; i < bias.size(); ++i) L.bias[static_cast<Eigen::Index>(i)] = bias[i];
  return L;
}

Network make_net(int input_dim, std::vector<Layer> layers) {
  Network net;
  net.input_dim = input_dim;
  net.layers = std::move(layers);
  net.layers.back().activation = Activation::identity();
  return net;
}

Box box(std::vector<Q> lo, std::vector<Q> hi) { return Box{std::move(lo), std::move(hi)}; }
Box unit_square() { return box({0, 0}, {1, 1}); }

std::string num(double d) {
  char s[40];
  std::snprintf(s, sizeof s, "%.17g", d);
  return s;
}

// The network's weights, readable and exact (%.17g reads back to the same double).
std::string describe(const Network& net) {
  std::ostringstream o;
  o << "network, " << net.input_dim << " inputs:\n";
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    o << "  layer " << l << ": W = [";
    for (Eigen::Index i = 0; i < L.weight.rows(); ++i) {
      o << (i ? "; " : "");
      for (Eigen::Index j = 0; j < L.weight.cols(); ++j) o << (j ? ", " : "") << num(L.weight(i, j));
    }
    o << "]  b = [";
    for (Eigen::Index i = 0; i < L.bias.size(); ++i) o << (i ? ", " : "") << num(L.bias[i]);
    o << "]\n";
  }
  return o.str();
}

std::string describe(const Box& b) {
  std::string s = "domain";
  for (int i = 0; i < b.dim(); ++i) s += " [" + b.lo[static_cast<size_t>(i)].get_str() + ", " + b.hi[static_cast<size_t>(i)].get_str() + "]";
  return s;
}

// Random weights from one of several distributions.
struct Weights {
  int kind;  // 0 ints -2..2, 1 U(-1,1), 2 N(0,1), 3 k/8, 4 mixed with zeros, 5 {-1,0,1}, 6 PyTorch-like
  double draw(std::mt19937_64& rng, int fan_in) const {
    std::uniform_real_distribution<double> u(-1, 1);
    std::normal_distribution<double> n(0, 1);
    switch (kind) {
      case 0: return static_cast<double>(std::uniform_int_distribution<int>(-2, 2)(rng));
      case 1: return u(rng);
      case 2: return n(rng);
      case 3: return std::uniform_int_distribution<int>(-8, 8)(rng) / 8.0;
      case 4: {
        const int k = std::uniform_int_distribution<int>(0, 4)(rng);
        return k == 4 ? 0.0 : Weights{k}.draw(rng, fan_in);
      }
      case 5: return static_cast<double>(std::uniform_int_distribution<int>(-1, 1)(rng));
      default: return u(rng) / std::sqrt(static_cast<double>(fan_in));
    }
  }
};

Network random_net(std::mt19937_64& rng, int input_dim, const std::vector<int>& hidden, int outputs, Weights w) {
  Network net;
  net.input_dim = input_dim;
  int fan_in = input_dim;
  std::vector<int> widths = hidden;
  widths.push_back(outputs);
  for (int width : widths) {
    Layer L{MatD(width, fan_in), VecD(width), Activation::relu()};
    for (int i = 0; i < width; ++i) {
      for (int j = 0; j < fan_in; ++j) L.weight(i, j) = w.draw(rng, fan_in);
      L.bias[i] = w.draw(rng, fan_in);
    }
    net.layers.push_back(L);
    fan_in = width;
  }
  net.layers.back().activation = Activation::identity();
  return net;
}

// ------------------------------------------------------------------ geometry on library regions

Q domain_measure(const Box& b) {
  Q m = 1;
  for (int i = 0; i < b.dim(); ++i) m *= b.hi[static_cast<size_t>(i)] - b.lo[static_cast<size_t>(i)];
  return m;
}

bool in_domain(const Box& b, const VecQ& x) {
  for (int i = 0; i < b.dim(); ++i)
    if (x[static_cast<size_t>(i)] < b.lo[static_cast<size_t>(i)] || x[static_cast<size_t>(i)] > b.hi[static_cast<size_t>(i)]) return false;
  return true;
}

oracle::Poly poly_of(const Region& r) {
  oracle::Poly p;
  for (const VecQ& v : r.vertices) p.push_back({v.at(0), v.at(1)});
  return p;
}

// Whether x is in the closure of the region (checked by the oracle's own predicates).
bool in_closure(const Region& r, int dim, const VecQ& x) {
  if (dim == 1) return r.vertices[0][0] <= x[0] && x[0] <= r.vertices[1][0];
  return oracle::side(poly_of(r), {x[0], x[1]}) >= 0;
}

Q eval_map(const Region& r, int output, const VecQ& x) {
  Q v = r.bias[static_cast<size_t>(output)];
  for (size_t j = 0; j < x.size(); ++j) v += r.weight(output, static_cast<Eigen::Index>(j)) * x[j];
  return v;
}

bool same_map(const Region& a, const Region& b) {
  return a.weight.rows == b.weight.rows && a.weight.cols == b.weight.cols && a.weight.data == b.weight.data &&
         a.bias == b.bias;
}

std::string str(const VecQ& x) {
  std::string s = "(";
  for (size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + x[i].get_str();
  return s + ")";
}

// ------------------------------------------------------------------ the comparison

// Compares the library's partition with the oracle's cells and checks DESIGN §3's invariants.
// Returns "" if all holds, else a description of the first fault.
std::string check_partition(const Partition& P, const std::vector<oracle::Cell>& cells, const NetworkQ& net,
                            const Box& domain) {
  const int dim = net.input_dim;
  const int outputs = static_cast<int>(net.layers.back().weight.rows);
  const size_t hidden = static_cast<size_t>(oracle::hidden_count(net));
  if (P.dim != dim) return "partition.dim is " + std::to_string(P.dim);
  if (!(P.domain == domain)) return "partition.domain differs from the domain given";
  std::map<std::string, int> oracle_of;
  for (size_t i = 0; i < cells.size(); ++i)
    if (!oracle_of.emplace(cells[i].pattern, static_cast<int>(i)).second) return "ORACLE: repeated pattern";
  if (P.regions.size() != cells.size())
    return "region count: library " + std::to_string(P.regions.size()) + ", oracle " + std::to_string(cells.size());

  std::vector<int> to_oracle(P.regions.size());
  std::set<std::string> seen;
  Q total = 0;
  for (size_t i = 0; i < P.regions.size(); ++i) {
    const Region& r = P.regions[i];
    const std::string at = "region " + std::to_string(i) + " (pattern " + r.pattern + "): ";
    if (r.pattern.size() != hidden) return at + "pattern length " + std::to_string(r.pattern.size());
    if (!seen.insert(r.pattern).second) return at + "pattern repeated";
    const auto found = oracle_of.find(r.pattern);
    if (found == oracle_of.end()) return at + "pattern not among the oracle's";
    to_oracle[i] = found->second;
    const oracle::Cell& c = cells[static_cast<size_t>(found->second)];
    // vertices
    for (const VecQ& v : r.vertices)
      if (static_cast<int>(v.size()) != dim) return at + "a vertex has " + std::to_string(v.size()) + " coordinates";
    if (dim == 1) {
      if (r.vertices.size() != 2) return at + std::to_string(r.vertices.size()) + " vertices in 1D";
      if (!(r.vertices[0][0] < r.vertices[1][0])) return at + "1D vertices not {lo, hi}";
      if (r.vertices[0][0] != c.lo || r.vertices[1][0] != c.hi)
        return at + "interval [" + r.vertices[0][0].get_str() + ", " + r.vertices[1][0].get_str() + "], oracle [" +
               c.lo.get_str() + ", " + c.hi.get_str() + "]";
    } else {
      const oracle::Poly p = poly_of(r);
      if (p.size() < 3) return at + "fewer than 3 vertices";
      for (size_t k = 0; k < p.size(); ++k)
        if (oracle::cross(p[(k + p.size() - 1) % p.size()], p[k], p[(k + 1) % p.size()]) <= 0)
          return at + "vertices not strictly convex counter-clockwise at vertex " + std::to_string(k);
      std::vector<oracle::Pt> a = p, b = c.poly;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (a != b) {
        std::string s = at + "vertices differ from the oracle's; library:";
        for (const auto& v : r.vertices) s += " " + str(v);
        s += "; oracle:";
        for (const auto& v : c.vertices()) s += " " + str(v);
        return s;
      }
    }
    // measure
    const Q m = measure(r);
    if (m != c.measure) return at + "measure " + m.get_str() + ", oracle " + c.measure.get_str();
    if (m <= 0) return at + "non-positive measure";
    total += m;
    // affine map
    if (r.weight.rows != outputs || r.weight.cols != dim || static_cast<int>(r.bias.size()) != outputs)
      return at + "affine map of the wrong shape";
    for (int o = 0; o < outputs; ++o) {
      for (int j = 0; j < dim; ++j)
        if (r.weight(o, j) != c.out.a(o, j))
          return at + "weight(" + std::to_string(o) + "," + std::to_string(j) + ") = " + r.weight(o, j).get_str() +
                 ", oracle " + c.out.a(o, j).get_str();
      if (r.bias[static_cast<size_t>(o)] != c.out.c[static_cast<size_t>(o)])
        return at + "bias[" + std::to_string(o) + "] = " + r.bias[static_cast<size_t>(o)].get_str() + ", oracle " +
               c.out.c[static_cast<size_t>(o)].get_str();
    }
  }
  if (total != domain_measure(domain))
    return "measures sum to " + total.get_str() + ", the domain's is " + domain_measure(domain).get_str();

  // adjacency: exactly the oracle's
  const auto oracle_adj = oracle::adjacency(cells, dim);
  std::set<std::pair<int, int>> lib_adj;
  for (const auto& [a, b] : P.adjacent) {
    if (!(0 <= a && a < b && b < static_cast<int>(P.regions.size())))
      return "adjacent pair (" + std::to_string(a) + ", " + std::to_string(b) + ") not a < b in range";
    if (!lib_adj.insert({a, b}).second) return "adjacent pair listed twice";
  }
  std::set<std::pair<int, int>> mapped;
  for (const auto& [a, b] : lib_adj)
    mapped.insert(std::minmax(to_oracle[static_cast<size_t>(a)], to_oracle[static_cast<size_t>(b)]));
  if (mapped != oracle_adj) {
    for (const auto& [a, b] : lib_adj)
      if (!oracle_adj.count(std::minmax(to_oracle[static_cast<size_t>(a)], to_oracle[static_cast<size_t>(b)])))
        return "library says regions " + P.regions[static_cast<size_t>(a)].pattern + " and " +
               P.regions[static_cast<size_t>(b)].pattern + " are adjacent, the oracle does not";
    return "library misses " + std::to_string(oracle_adj.size() - mapped.size()) + " of the oracle's " +
           std::to_string(oracle_adj.size()) + " adjacent pairs";
  }

  // f agrees exactly on both sides of every shared boundary
  for (const auto& [a, b] : lib_adj) {
    const Region& ra = P.regions[static_cast<size_t>(a)];
    const Region& rb = P.regions[static_cast<size_t>(b)];
    std::set<std::vector<Q>> points;
    for (const VecQ& v : ra.vertices)
      if (in_closure(rb, dim, v)) points.insert(v);
    for (const VecQ& v : rb.vertices)
      if (in_closure(ra, dim, v)) points.insert(v);
    if (points.size() < (dim == 2 ? 2u : 1u))
      return "adjacent regions " + std::to_string(a) + ", " + std::to_string(b) + " share " +
             std::to_string(points.size()) + " boundary vertices";
    for (const VecQ& x : points)
      for (int o = 0; o < outputs; ++o)
        if (eval_map(ra, o, x) != eval_map(rb, o, x))
          return "f jumps across the boundary of regions " + ra.pattern + " and " + rb.pattern + " at " + str(x);
  }

  // linear pieces
  if (P.piece.size() != P.regions.size()) return "piece has the wrong size";
  std::set<int> used;
  for (int p : P.piece) {
    if (p < 0 || p >= P.piece_count) return "piece label out of range";
    used.insert(p);
  }
  if (static_cast<int>(used.size()) != P.piece_count) return "piece labels not all used";
  const std::vector<int> opiece = oracle::pieces(cells, oracle_adj);
  for (size_t i = 0; i < P.regions.size(); ++i)
    for (size_t j = i + 1; j < P.regions.size(); ++j) {
      const bool lib = P.piece[i] == P.piece[j];
      if (lib && !same_map(P.regions[i], P.regions[j]))
        return "regions " + std::to_string(i) + ", " + std::to_string(j) + " share a piece but not a map";
      if (lib != (opiece[static_cast<size_t>(to_oracle[i])] == opiece[static_cast<size_t>(to_oracle[j])]))
        return "regions " + P.regions[i].pattern + ", " + P.regions[j].pattern +
               (lib ? " share a piece, the oracle's pieces differ" : " are in different pieces, the oracle joins them");
    }
  for (const auto& [a, b] : lib_adj)
    if (same_map(P.regions[static_cast<size_t>(a)], P.regions[static_cast<size_t>(b)]) &&
        P.piece[static_cast<size_t>(a)] != P.piece[static_cast<size_t>(b)])
      return "adjacent regions with equal maps in different pieces";
  return "";
}

// The two 1D oracles must agree with each other.
std::string check_oracles_agree(const std::vector<oracle::Cell>& a, const std::vector<oracle::Cell>& b) {
  if (a.size() != b.size()) return "ORACLES disagree on the count";
  std::map<std::string, const oracle::Cell*> by;
  for (const auto& c : a) by[c.pattern] = &c;
  for (const auto& c : b) {
    const auto it = by.find(c.pattern);
    if (it == by.end()) return "ORACLES disagree on pattern " + c.pattern;
    if (it->second->lo != c.lo || it->second->hi != c.hi || !(it->second->out == c.out))
      return "ORACLES disagree on region " + c.pattern;
  }
  return "";
}

struct SampleStats {
  long rounding = 0;  // sampled patterns that differ from the exact pattern at the same point
  long boundary = 0;  // samples exactly on a region boundary
};

// Patterns sampled in doubles at an R^dim grid of cell centres must be enumerated. A double
// pattern that differs from the exact pattern at the same (exact) point is a rounding artefact
// of the sampling, not of the enumeration; those are counted and not checked.
std::string check_sampling(const Network& net, const NetworkQ& exact, const Partition& P,
                           const std::vector<oracle::Cell>& cells, const Box& domain, int R, SampleStats* stats) {
  const int dim = net.input_dim;
  const long n = dim == 1 ? R : static_cast<long>(R) * R;
  MatD X(n, dim);
  for (long k = 0; k < n; ++k) {
    const long idx[2] = {k % R, k / R};
    for (int i = 0; i < dim; ++i) {
      const double lo = domain.lo[static_cast<size_t>(i)].get_d(), hi = domain.hi[static_cast<size_t>(i)].get_d();
      X(k, i) = lo + (static_cast<double>(idx[i]) + 0.5) * (hi - lo) / R;
    }
  }
  const Evaluation e = evaluate(net, X);
  std::set<std::string> enumerated;
  for (const Region& r : P.regions) enumerated.insert(r.pattern);
  std::map<std::string, const oracle::Cell*> by_pattern;
  for (const auto& c : cells) by_pattern[c.pattern] = &c;
  for (long k = 0; k < n; ++k) {
    VecQ x;
    for (int i = 0; i < dim; ++i) x.push_back(Q(X(k, i)));
    const std::string exact_pattern = oracle::evaluate(exact, x).second;
    // an oracle self-check: the point lies in the closure of the cell of its exact pattern, or,
    // if no cell has that pattern, on a boundary (inside no cell)
    const auto in_cell = [&](const oracle::Cell& c, bool strict) {
      if (dim == 1) return strict ? (c.lo < x[0] && x[0] < c.hi) : (c.lo <= x[0] && x[0] <= c.hi);
      return oracle::side(c.poly, {x[0], x[1]}) >= (strict ? 1 : 0);
    };
    const auto own = by_pattern.find(exact_pattern);
    bool interior = false;
    if (own != by_pattern.end()) {
      if (!in_cell(*own->second, false)) return "ORACLE: " + str(x) + " of pattern " + exact_pattern + " outside its cell";
      interior = in_cell(*own->second, true);
    } else {
      for (const auto& c : cells)
        if (in_cell(c, true)) return "ORACLE: cell " + c.pattern + " contains " + str(x) + " of pattern " + exact_pattern;
    }
    const std::string& sampled = e.patterns[static_cast<size_t>(k)];
    if (sampled != exact_pattern) {
      ++stats->rounding;
      continue;
    }
    // A point on a boundary may have a pattern no region has (on the line of both x - y and
    // y - x, both bits are '0'): only samples inside a region must find their pattern.
    if (!interior) {
      ++stats->boundary;
      continue;
    }
    if (!enumerated.count(sampled)) return "sampled pattern " + sampled + " at " + str(x) + " not enumerated";
  }
  return "";
}

// locate(x) is the lowest index of a region whose closure holds x, -1 outside the domain.
std::string check_locate(const Partition& P, const Box& domain, std::mt19937_64& rng, int random_points) {
  const int dim = P.dim;
  std::vector<VecQ> points;
  std::uniform_int_distribution<int> k(0, 1000);
  for (int n = 0; n < random_points; ++n) {
    VecQ x;
    for (int i = 0; i < dim; ++i) {
      const Q& lo = domain.lo[static_cast<size_t>(i)];
      const Q& hi = domain.hi[static_cast<size_t>(i)];
      x.push_back(lo + (hi - lo) * Q(k(rng), 1000));  // includes the domain's boundary sometimes
    }
    points.push_back(x);
  }
  // boundary points: vertices and edge midpoints of a few regions
  for (size_t r = 0; r < P.regions.size(); r += 1 + P.regions.size() / 6) {
    const auto& v = P.regions[r].vertices;
    for (size_t i = 0; i < v.size(); ++i) {
      points.push_back(v[i]);
      VecQ mid;
      for (int c = 0; c < dim; ++c) mid.push_back((v[i][static_cast<size_t>(c)] + v[(i + 1) % v.size()][static_cast<size_t>(c)]) / 2);
      points.push_back(mid);
    }
  }
  // outside
  VecQ out = domain.lo;
  out[0] -= Q(1, 1000);
  points.push_back(out);
  out = domain.hi;
  out.back() += 1;
  points.push_back(out);
  if (dim == 2) points.push_back({(domain.lo[0] + domain.hi[0]) / 2, domain.hi[1] + Q(1, 7)});
  for (const VecQ& x : points) {
    int expected = -1;
    for (size_t r = 0; r < P.regions.size() && expected < 0; ++r)
      if (in_closure(P.regions[r], dim, x)) expected = static_cast<int>(r);
    if ((expected >= 0) != in_domain(domain, x))
      return "the regions' closures do not cover the domain exactly at " + str(x);
    int got = -2;
    try {
      got = locate(P, x);
    } catch (const std::exception& e) {
      return "locate" + str(x) + " threw: " + e.what();
    }
    if (got != expected)
      return "locate" + str(x) + " = " + std::to_string(got) + ", expected " + std::to_string(expected);
  }
  return "";
}

struct Verified {
  std::string fault;   // "" if all checks hold
  size_t regions = 0;
  SampleStats samples;
};

// Everything about one network on one domain.
Verified verify(const Network& net, const Box& domain, std::mt19937_64& rng, int sample_resolution = 12,
                int locate_points = 8) {
  Verified v;
  const NetworkQ exact = oracle_exact(net);
  std::vector<oracle::Cell> cells;
  try {
    cells = oracle::enumerate(exact, domain.lo, domain.hi);
    if (net.input_dim == 1) {
      v.fault = check_oracles_agree(cells, oracle::enumerate_1d_brute(exact, domain.lo[0], domain.hi[0]));
      if (!v.fault.empty()) return v;
    }
  } catch (const std::exception& e) {
    v.fault = std::string("ORACLE threw: ") + e.what();
    return v;
  }
  v.regions = cells.size();
  Partition P;
  try {
    P = regions(to_exact(net), domain);
  } catch (const std::exception& e) {
    v.fault = std::string("regions threw: ") + e.what();
    return v;
  }
  v.fault = check_partition(P, cells, exact, domain);
  if (v.fault.empty()) v.fault = check_sampling(net, exact, P, cells, domain, sample_resolution, &v.samples);
  if (v.fault.empty()) v.fault = check_locate(P, domain, rng, locate_points);
  return v;
}

// Runs verify and reports the first few faulty networks with their weights.
struct Runner {
  int failures = 0;
  size_t total_regions = 0, max_regions = 0;
  long rounding = 0, boundary = 0;
  void run(const Network& net, const Box& domain, std::mt19937_64& rng, const std::string& label = "",
           int sample_resolution = 12) {
    if (failures >= 3) return;  // enough to see the fault
    const Verified v = verify(net, domain, rng, sample_resolution);
    total_regions += v.regions;
    max_regions = std::max(max_regions, v.regions);
    rounding += v.samples.rounding;
    boundary += v.samples.boundary;
    if (!v.fault.empty()) {
      ++failures;
      INFO(label << "\n" << describe(net) << describe(domain));
      CHECK(v.fault == "");
    }
  }
};

const std::vector<Box>& domains_2d() {
  static const std::vector<Box> d{unit_square(), box({-1, -1}, {1, 1}), box({-2, Q(1, 7)}, {Q(1, 3), 3}),
                                  box({-1, 0}, {1, 1}), box({Q(-1, 2), Q(-3, 4)}, {Q(5, 4), Q(1, 4)})};
  return d;
}

const std::vector<Box>& domains_1d() {
  static const std::vector<Box> d{box({0}, {1}), box({-1}, {1}), box({-2}, {3}), box({Q(1, 3)}, {Q(22, 7)})};
  return d;
}

// Composes a slice into the first layer by hand: the network of the slice coordinates.
NetworkQ compose_by_hand(const NetworkQ& net, const Slice& s) {
  NetworkQ out = net;
  out.encoding = Encoding{};
  out.input_dim = s.rank();
  const LayerQ& L = net.layers[0];
  LayerQ first;
  first.weight = MatQ(L.weight.rows, s.rank());
  first.bias = L.bias;
  for (long i = 0; i < L.weight.rows; ++i)
    for (long k = 0; k < L.weight.cols; ++k) {
      first.bias[static_cast<size_t>(i)] += L.weight(i, k) * s.origin[static_cast<size_t>(k)];
      first.weight(i, 0) += L.weight(i, k) * s.u[static_cast<size_t>(k)];
      if (s.rank() == 2) first.weight(i, 1) += L.weight(i, k) * s.v[static_cast<size_t>(k)];
    }
  out.layers[0] = first;
  return out;
}

}  // namespace

// ====================================================================== the oracle itself

TEST_CASE("regions: the oracle reproduces a partition computed by hand", "[regions]") {
  // z1 = x - y, z2 = y - 1/2 on the unit square; f = relu(z1) + 2 relu(z2) - 1.
  const Network net = make_net(2, {layer({{1, -1}, {0, 1}}, {0, -0.5}), layer({{1, 2}}, {-1})});
  const auto cells = oracle::enumerate(oracle_exact(net), {0, 0}, {1, 1});
  std::map<std::string, Q> area;
  for (const auto& c : cells) area[c.pattern] = c.measure;
  CHECK(area == std::map<std::string, Q>{{"00", Q(1, 8)}, {"01", Q(3, 8)}, {"10", Q(3, 8)}, {"11", Q(1, 8)}});
  for (const auto& c : cells)
    if (c.pattern == "11") {  // f = x - y + 2 y - 1 - 1 = x + y - 2
      CHECK(c.out.a(0, 0) == 1);
      CHECK(c.out.a(0, 1) == 1);
      CHECK(c.out.c[0] == -2);
    }
  CHECK(oracle::adjacency(cells, 2).size() == 4);

  // 1D: relu(x) - relu(x - 1) on [-1, 2]: three pieces; both oracles agree.
  const Network n1 = make_net(1, {layer({{1}, {1}}, {0, -1}), layer({{1, -1}}, {0})});
  const auto a = oracle::enumerate(oracle_exact(n1), {-1}, {2});
  const auto b = oracle::enumerate_1d_brute(oracle_exact(n1), -1, 2);
  CHECK(a.size() == 3);
  CHECK(check_oracles_agree(a, b) == "");
}

TEST_CASE("regions: the two 1D oracles agree on random networks", "[regions]") {
  std::mt19937_64 rng(11);
  for (int n = 0; n < 60; ++n) {
    const int depth = 1 + n % 4;
    std::vector<int> hidden(static_cast<size_t>(depth));
    for (int& w : hidden) w = std::uniform_int_distribution<int>(1, 8)(rng);
    const Network net = random_net(rng, 1, hidden, 1 + n % 2, Weights{n % 7});
    const Box& d = domains_1d()[static_cast<size_t>(n) % domains_1d().size()];
    const NetworkQ q = oracle_exact(net);
    INFO(describe(net));
    CHECK(check_oracles_agree(oracle::enumerate(q, d.lo, d.hi), oracle::enumerate_1d_brute(q, d.lo[0], d.hi[0])) == "");
  }
}

// ====================================================================== random networks

TEST_CASE("regions: random 2D networks match the oracle", "[regions]") {
  std::mt19937_64 rng(2024);
  Runner runner;
  for (int n = 0; n < 140; ++n) {
    const int depth = 1 + n % 4;
    std::vector<int> hidden(static_cast<size_t>(depth));
    const int max_width = depth >= 3 ? 6 : 8;
    for (int& w : hidden) w = std::uniform_int_distribution<int>(1, max_width)(rng);
    const Weights w{n % 7};
    const Network net = random_net(rng, 2, hidden, 1 + n % 3, w);
    runner.run(net, domains_2d()[static_cast<size_t>(n / 7) % domains_2d().size()], rng,
               "random 2D network " + std::to_string(n) + ", weights kind " + std::to_string(w.kind));
  }
  INFO("regions in all: " << runner.total_regions << ", most: " << runner.max_regions
                          << ", sampling rounding artefacts: " << runner.rounding
                          << ", samples on boundaries: " << runner.boundary);
  CHECK(runner.failures == 0);
  CHECK(runner.max_regions > 40);  // the sweep is not trivially small
}

TEST_CASE("regions: larger random 2D networks match the oracle", "[regions]") {
  std::mt19937_64 rng(31);
  Runner runner;
  for (int n = 0; n < 8; ++n) {
    const int depth = 2 + n % 2;
    std::vector<int> hidden(static_cast<size_t>(depth));
    for (int& w : hidden) w = std::uniform_int_distribution<int>(8, depth == 2 ? 14 : 10)(rng);
    const Weights w{n % 2 ? 6 : 1};
    runner.run(random_net(rng, 2, hidden, 2, w), n % 2 ? box({-4, -4}, {4, 4}) : box({-3, Q(-1, 3)}, {5, Q(5, 2)}), rng,
               "larger random 2D network " + std::to_string(n), 32);
  }
  INFO("regions in all: " << runner.total_regions << ", most: " << runner.max_regions);
  CHECK(runner.failures == 0);
  CHECK(runner.max_regions > 150);
}

TEST_CASE("regions: random 1D networks match both oracles", "[regions]") {
  std::mt19937_64 rng(77);
  Runner runner;
  for (int n = 0; n < 160; ++n) {
    const int depth = 1 + n % 4;
    std::vector<int> hidden(static_cast<size_t>(depth));
    for (int& w : hidden) w = std::uniform_int_distribution<int>(1, n % 5 == 4 ? 24 : 8)(rng);
    const Weights w{n % 7};
    const Network net = random_net(rng, 1, hidden, 1 + n % 3, w);
    runner.run(net, domains_1d()[static_cast<size_t>(n / 7) % domains_1d().size()], rng,
               "random 1D network " + std::to_string(n) + ", weights kind " + std::to_string(w.kind));
  }
  INFO("regions in all: " << runner.total_regions << ", most: " << runner.max_regions);
  CHECK(runner.failures == 0);
}

// ====================================================================== trained networks

TEST_CASE("regions: initial and briefly trained networks match the oracle", "[regions]") {
  std::mt19937_64 rng(5);
  Runner runner;
  SECTION("lazzari-random-rgb shrunk to {8, 8}, 50 steps") {
    TrainConfig c = preset("lazzari-random-rgb");
    c.hidden = {8, 8};
    c.steps = 50;
    c.snapshot_every = 0;
    const Dataset data = make_dataset(c.task, c.seed);
    const Network net = train(c, data).net;
    REQUIRE(net.input_dim == 2);
    runner.run(net, data.domain, rng, "trained lazzari {8,8}", 64);
    const Network start = initial_network(2, Encoding{}, {2, 8, 8, 3}, c.seed);
    runner.run(start, data.domain, rng, "initial lazzari {8,8}");
  }
  SECTION("lazzari-random-rgb shrunk to {24, 24}, 50 steps, seed 2, sampled at 64 x 64") {
    TrainConfig c = preset("lazzari-random-rgb");
    c.hidden = {24, 24};
    c.steps = 50;
    c.seed = 2;
    c.snapshot_every = 0;
    const Dataset data = make_dataset(c.task, c.seed);
    runner.run(train(c, data).net, data.domain, rng, "trained lazzari {24,24}", 64);
  }
  SECTION("lazzari-random-rgb shrunk to {12, 12, 12}, 50 steps, seed 3") {
    TrainConfig c = preset("lazzari-random-rgb");
    c.hidden = {12, 12, 12};
    c.steps = 50;
    c.seed = 3;
    c.snapshot_every = 0;
    const Dataset data = make_dataset(c.task, c.seed);
    runner.run(train(c, data).net, data.domain, rng, "trained lazzari {12,12,12}");
  }
  SECTION("rahaman-sines shrunk to {16, 16, 16}, 50 steps (1D)") {
    TrainConfig c = preset("rahaman-sines");
    c.hidden = {16, 16, 16};
    c.steps = 50;
    c.snapshot_every = 0;
    const Dataset data = make_dataset(c.task, c.seed);
    const Network net = train(c, data).net;
    REQUIRE(net.input_dim == 1);
    runner.run(net, data.domain, rng, "trained rahaman-sines {16,16,16}");
    runner.run(initial_network(1, Encoding{}, {1, 32, 32, 1}, 9), box({-1}, {2}), rng, "initial 1D {32,32}");
  }
  INFO("regions in all: " << runner.total_regions);
  CHECK(runner.failures == 0);
  CHECK(runner.total_regions > 3);
}

// ====================================================================== degenerate networks

TEST_CASE("regions: zero weight rows", "[regions]") {
  std::mt19937_64 rng(1);
  // z = 0 (no cut, '0'), z = 1 ('1'), z = -1 ('0'), z = x - y (the one cut).
  const Network net =
      make_net(2, {layer({{0, 0}, {0, 0}, {0, 0}, {1, -1}}, {0, 1, -1, 0}), layer({{1, 1, 1, 1}, {0, 0, 0, 0}}, {0, 0})});
  const Verified v = verify(net, unit_square(), rng);
  CHECK(v.fault == "");
  CHECK(v.regions == 2);
  const Partition P = regions(to_exact(net), unit_square());
  std::set<std::string> patterns;
  for (const auto& r : P.regions) patterns.insert(r.pattern);
  CHECK(patterns == std::set<std::string>{"0101", "0100"});
  // zero rows in a deeper layer too, and a zero output layer (every region one piece)
  const Network deep = make_net(2, {layer({{1, 0}, {0, 1}}, {-0.5, -0.5}), layer({{0, 0}, {1, 1}, {0, 0}}, {0, -0.5, 0.25}),
                                    layer({{0, 0, 0}}, {0})});
  const Verified d = verify(deep, unit_square(), rng);
  CHECK(d.fault == "");
  const Partition Pd = regions(to_exact(deep), unit_square());
  CHECK(Pd.piece_count == 1);
}

TEST_CASE("regions: duplicate and parallel neurons", "[regions]") {
  std::mt19937_64 rng(2);
  SECTION("duplicates") {
    const Network net = make_net(2, {layer({{1, 2}, {1, 2}, {1, -1}}, {-1, -1, 0.25}), layer({{1, -1, 1}}, {0})});
    const Verified v = verify(net, unit_square(), rng);
    CHECK(v.fault == "");
    CHECK(v.regions == 4);
  }
  SECTION("parallel: scaled, opposite, shifted") {
    // x + y = 1 three times (scaled and negated), x + y = 1/2 and x + y = 3/2 shifted.
    const Network net = make_net(2, {layer({{1, 1}, {2, 2}, {-1, -1}, {1, 1}, {-3, -3}}, {-1, -2, 1, -0.5, 4.5}),
                                     layer({{1, 1, 1, 1, 1}, {1, -2, 0.5, 1, 0}}, {0, -0.25})});
    const Verified v = verify(net, unit_square(), rng);
    CHECK(v.fault == "");
    CHECK(v.regions >= 4);
  }
  SECTION("1D duplicates and opposite neurons") {
    const Network net = make_net(1, {layer({{1}, {1}, {-1}, {2}}, {-0.5, -0.5, 0.5, -1}), layer({{1, 1, 1, 1}}, {0})});
    const Verified v = verify(net, box({0}, {1}), rng);
    CHECK(v.fault == "");
    CHECK(v.regions == 2);
  }
}

TEST_CASE("regions: cuts through the domain's vertices and along its edges", "[regions]") {
  std::mt19937_64 rng(3);
  // The two diagonals through the corners; x = 0, y = 1 and x = 1 along edges; x + y touching
  // the corner (0,0) only; x + y - 2 touching (1,1) only.
  const Network net = make_net(2, {layer({{1, -1}, {1, 1}, {1, 0}, {0, 1}, {1, 0}, {-1, 0}, {1, 1}, {1, 1}},
                                         {0, -1, 0, -1, -1, 0, 0, -2}),
                                   layer({{1, 1, 1, 1, 1, 1, 1, 1}, {1, -1, 0, 0, 0, 0, 0, 0}}, {-1.5, 0})});
  const Verified v = verify(net, unit_square(), rng);
  CHECK(v.fault == "");
  const Partition P = regions(to_exact(net), unit_square());
  // Four triangles from the diagonals; the second layer adds cuts through the centre and corners.
  CHECK(P.regions.size() >= 4);
  for (const auto& r : P.regions) {
    CHECK(r.pattern[2] == '1');  // z = x > 0 inside
    CHECK(r.pattern[3] == '0');  // z = y - 1 < 0 inside
    CHECK(r.pattern[4] == '0');  // z = x - 1
    CHECK(r.pattern[5] == '0');  // z = -x
    CHECK(r.pattern[6] == '1');  // z = x + y
    CHECK(r.pattern[7] == '0');  // z = x + y - 2
  }
  // Second-layer cuts through first-layer vertices: relu(x - y) - relu(y - x) = x - y on
  // [-1,1]^2 crosses exactly through the corners and the centre; and a cut on a domain edge.
  const Network through = make_net(2, {layer({{1, -1}, {-1, 1}, {0, 1}}, {0, 0, 1}),
                                       layer({{1, -1, 0}, {0, 0, 1}, {1, 1, -1}}, {0, 0, 0}), layer({{1, 2, 3}}, {0})});
  const Verified t = verify(through, box({-1, -1}, {1, 1}), rng);
  CHECK(t.fault == "");
  // 1D: breakpoints exactly at the domain's ends, and at a second-layer root on a first-layer one.
  const Network n1 = make_net(1, {layer({{1}, {1}, {-1}}, {0, -1, 0.5}), layer({{1, 1, -1}, {2, 0, 0}}, {-0.5, -0})});
  const Verified o = verify(n1, box({0}, {1}), rng);
  CHECK(o.fault == "");
}

TEST_CASE("regions: a neuron identically zero on a whole region", "[regions]") {
  std::mt19937_64 rng(4);
  // h1 = relu(x - 1/2); layer 2: z = h1 (zero on x < 1/2), z = -h1 (never > 0), z = 2 h1.
  // Layer 3: z = layer-2 output with zero bias: zero wherever layer 2 is.
  const Network net = make_net(2, {layer({{1, 0}}, {-0.5}), layer({{1}, {-1}, {2}}, {0, 0, 0}),
                                   layer({{1, 1, 1}, {0, 1, 0}}, {0, 0}), layer({{1, 1}}, {0})});
  const Verified v = verify(net, unit_square(), rng);
  CHECK(v.fault == "");
  const Partition P = regions(to_exact(net), unit_square());
  std::set<std::string> patterns;
  for (const auto& r : P.regions) patterns.insert(r.pattern);
  CHECK(patterns == std::set<std::string>{"0" "000" "00", "1" "101" "10"});
  // the region x < 1/2 is one region with zero map
  for (const auto& r : P.regions)
    if (r.pattern[0] == '0') CHECK(measure(r) == Q(1, 2));
  // 1D: the same, and a third layer that is zero on both sides of a breakpoint
  const Network n1 = make_net(1, {layer({{1}, {-1}}, {-0.5, 0.25}), layer({{1, 0}, {-1, 0}, {2, -1}}, {0, 0, 0}),
                                  layer({{1, 1, 0}}, {0}), layer({{1}}, {0})});
  const Verified o = verify(n1, box({0}, {1}), rng);
  CHECK(o.fault == "");
  CHECK(o.regions == 3);
  // a second-layer neuron that is negative on x < 1/2 and cuts the rest
  const Network cut = make_net(2, {layer({{1, 0}, {0, 1}}, {-0.5, 0}), layer({{2, -1}}, {0}), layer({{1}}, {0})});
  CHECK(verify(cut, unit_square(), rng).fault == "");
}

TEST_CASE("regions: a dead layer", "[regions]") {
  std::mt19937_64 rng(5);
  // Layer 1 is negative on the whole unit square; layer 2 then sees constants: bits from the
  // biases' signs ('0' for a zero bias); the network is constant.
  const Network net = make_net(2, {layer({{1, 1}, {-1, 0}}, {-5, -3}), layer({{3, -2}, {1, 1}, {7, 7}}, {1, 0, -1}),
                                   layer({{1, 2, 3}, {0, 1, 0}}, {0.5, -0.5}), layer({{1, 1}}, {0})});
  const Verified v = verify(net, unit_square(), rng);
  CHECK(v.fault == "");
  const Partition P = regions(to_exact(net), unit_square());
  REQUIRE(P.regions.size() == 1);
  CHECK(P.regions[0].pattern == "00" "100" "10");
  CHECK(P.regions[0].weight(0, 0) == 0);
  CHECK(P.regions[0].weight(0, 1) == 0);
  CHECK(P.regions[0].bias[0] == Q(3, 2));
  CHECK(P.adjacent.empty());
  CHECK(P.piece_count == 1);
  CHECK(measure(P.regions[0]) == 1);
  // 1D
  const Network n1 = make_net(1, {layer({{1}, {-2}}, {-3, -3}), layer({{1, 1}}, {0}), layer({{1}}, {0})});
  const Verified o = verify(n1, box({-1}, {1}), rng);
  CHECK(o.fault == "");
  CHECK(o.regions == 1);
}

TEST_CASE("regions: small-integer networks full of coincidences", "[regions]") {
  // Weights in {-1, 0, 1} on [-1,1]^2: cuts through corners, along edges, duplicates, zeros.
  std::mt19937_64 rng(6);
  Runner runner;
  for (int n = 0; n < 60; ++n) {
    const int depth = 1 + n % 3;
    std::vector<int> hidden(static_cast<size_t>(depth));
    for (int& w : hidden) w = std::uniform_int_distribution<int>(2, 6)(rng);
    const Network net = random_net(rng, 1 + n % 2, hidden, 1, Weights{n % 4 == 0 ? 0 : 5});
    runner.run(net, net.input_dim == 2 ? box({-1, -1}, {1, 1}) : box({-1}, {1}), rng,
               "small-integer network " + std::to_string(n));
  }
  CHECK(runner.failures == 0);
}

TEST_CASE("regions: deep narrow networks with large rationals", "[regions]") {
  std::mt19937_64 rng(8);
  Runner runner;
  size_t bits = 0;
  for (int n = 0; n < 8; ++n) {
    const int dim = 1 + n % 2;
    // depth 8, width 3; biases positive so the network stays alive to the end
    Network net = random_net(rng, dim, std::vector<int>(8, 3), 1, Weights{2});
    for (size_t l = 0; l + 1 < net.layers.size(); ++l)
      for (Eigen::Index i = 0; i < net.layers[l].bias.size(); ++i)
        net.layers[l].bias[i] = std::abs(net.layers[l].bias[i]) * 0.3;
    const Box d = dim == 2 ? box({-1, -1}, {1, 1}) : box({-1}, {1});
    runner.run(net, d, rng, "deep narrow network " + std::to_string(n));
    for (const auto& c : oracle::enumerate(oracle_exact(net), d.lo, d.hi))
      for (const Q& q : c.out.c) bits = std::max(bits, mpz_sizeinbase(q.get_den_mpz_t(), 2));
  }
  INFO("largest output-bias denominator: " << bits << " bits; regions in all " << runner.total_regions);
  CHECK(runner.failures == 0);
  CHECK(bits > 300);  // the rationals did grow
}

TEST_CASE("regions: extreme magnitudes and cuts one ulp apart", "[regions]") {
  std::mt19937_64 rng(15);
  const double up = std::nextafter(0.5, 1.0), down = std::nextafter(0.5, 0.0);
  const double tiny = std::numeric_limits<double>::denorm_min();
  SECTION("1D breakpoints one ulp apart") {
    const Network net = make_net(1, {layer({{1}, {1}, {1}, {-1}}, {-0.5, -up, -down, up}), layer({{1, -2, 3, 1}}, {0})});
    const Verified v = verify(net, box({0}, {1}), rng);
    CHECK(v.fault == "");
    CHECK(v.regions == 4);
  }
  SECTION("2D cuts one ulp apart and a thin wedge") {
    const Network net = make_net(2, {layer({{1, 0}, {1, 0}, {1, -1}, {1, -(1 + std::ldexp(1.0, -52))}}, {-0.5, -up, 0, 0}),
                                     layer({{1, 1, 1, -1}}, {-down})});
    const Verified v = verify(net, box({0, 0}, {1, 1}), rng);
    CHECK(v.fault == "");
    CHECK(v.regions >= 5);
  }
  SECTION("huge, tiny and subnormal weights") {
    const Network net =
        make_net(2, {layer({{1e-300, 0}, {1e300, 1e300}, {tiny, 0}, {0, -3 * tiny}}, {-0.5e-300, -1e300, -tiny, 2 * tiny}),
                     layer({{1e300, 1e-300, 1, 1}, {1, -1, 1e-300, 0}}, {-1e-300, 1e-30}), layer({{1, -1}}, {0})});
    const Verified v = verify(net, box({0, 0}, {2, 2}), rng);
    CHECK(v.fault == "");
    CHECK(v.regions >= 4);
  }
  SECTION("random networks with weights scaled by 2^-60..2^60") {
    Runner runner;
    for (int n = 0; n < 30; ++n) {
      Network net = random_net(rng, 1 + n % 2, {4, 4}, 1, Weights{1});
      for (Layer& L : net.layers) {
        for (Eigen::Index i = 0; i < L.weight.rows(); ++i) {
          const double scale = std::ldexp(1.0, std::uniform_int_distribution<int>(-60, 60)(rng));
          L.weight.row(i) *= scale;  // a row's scale moves no cut of its own neuron
          L.bias[i] *= scale;
        }
      }
      runner.run(net, n % 2 ? box({-1, -1}, {1, 1}) : box({-1}, {1}), rng, "scaled network " + std::to_string(n));
    }
    CHECK(runner.failures == 0);
  }
}

// ====================================================================== the checker itself

TEST_CASE("regions: the comparison notices a tampered partition", "[regions]") {
  std::mt19937_64 rng(14);
  for (const int dim : {2, 1}) {
    const Network net = random_net(rng, dim, {6, 6}, 2, Weights{1});
    const Box d = dim == 2 ? box({-1, -1}, {1, 1}) : box({-1}, {1});
    const NetworkQ q = oracle_exact(net);
    const auto cells = oracle::enumerate(q, d.lo, d.hi);
    const Partition P = regions(to_exact(net), d);
    INFO(describe(net));
    REQUIRE(check_partition(P, cells, q, d) == "");
    REQUIRE(P.regions.size() > 4);
    REQUIRE(P.piece_count > 1);
    const auto tampered = [&](const std::function<void(Partition&)>& change) {
      Partition T = P;
      change(T);
      return check_partition(T, cells, q, d);
    };
    CHECK(tampered([](Partition& T) { T.regions[1].bias[1] += Q(1, 1 << 30); }) != "");
    CHECK(tampered([](Partition& T) { T.regions[2].weight(0, 0) -= Q(1, 3); }) != "");
    CHECK(tampered([](Partition& T) { T.regions.pop_back(); }) != "");
    CHECK(tampered([](Partition& T) { T.regions[0].pattern.back() = T.regions[0].pattern.back() == '1' ? '0' : '1'; }) != "");
    CHECK(tampered([](Partition& T) { std::reverse(T.regions[3].vertices.begin(), T.regions[3].vertices.end()); }) != "");
    CHECK(tampered([](Partition& T) { T.regions[3].vertices[0][0] += Q(1, 1000); }) != "");
    CHECK(tampered([](Partition& T) { T.adjacent.pop_back(); }) != "");
    CHECK(tampered([](Partition& T) { T.adjacent.push_back(T.adjacent.front()); }) != "");
    CHECK(tampered([](Partition& T) {
      for (int& p : T.piece) p = 0;
      T.piece_count = 1;
    }) != "");
    CHECK(tampered([](Partition& T) { T.domain.hi[0] += 1; }) != "");
    if (dim == 2)  // a pair that shares only a vertex or nothing is not adjacent
      CHECK(tampered([&](Partition& T) {
        std::set<std::pair<int, int>> adj(T.adjacent.begin(), T.adjacent.end());
        for (int a = 0; a < static_cast<int>(T.regions.size()); ++a)
          for (int b = a + 1; b < static_cast<int>(T.regions.size()); ++b)
            if (!adj.count({a, b})) {
              T.adjacent.push_back({a, b});
              return;
            }
      }) != "");
  }
}

// ====================================================================== locate

TEST_CASE("regions: locate on boundaries, vertices and outside", "[regions]") {
  // Four triangles meeting at the centre: the centre lies in every closure, so it is region 0.
  const Network net = make_net(2, {layer({{1, -1}, {1, 1}}, {0, -1}), layer({{1, 2}}, {0})});
  const Partition P = regions(to_exact(net), unit_square());
  REQUIRE(P.regions.size() == 4);
  CHECK(locate(P, {Q(1, 2), Q(1, 2)}) == 0);
  CHECK(locate(P, {0, 0}) >= 0);
  CHECK(locate(P, {1, Q(1, 2)}) >= 0);
  CHECK(locate(P, {Q(11, 10), Q(1, 2)}) == -1);
  CHECK(locate(P, {Q(1, 2), Q(-1, 1000000)}) == -1);
  std::mt19937_64 rng(9);
  CHECK(check_locate(P, unit_square(), rng, 200) == "");
  // 1D: the breakpoint belongs to the lower index
  const Network n1 = make_net(1, {layer({{1}}, {-0.25}), layer({{1}}, {0})});
  const Partition P1 = regions(to_exact(n1), box({0}, {1}));
  REQUIRE(P1.regions.size() == 2);
  CHECK(locate(P1, {Q(1, 4)}) == 0);
  CHECK(locate(P1, {Q(1, 8)}) == (P1.regions[0].vertices[0][0] == 0 ? 0 : 1));
  CHECK(locate(P1, {Q(3, 4)}) == (P1.regions[0].vertices[0][0] == 0 ? 1 : 0));
  CHECK(locate(P1, {Q(-1, 3)}) == -1);
  CHECK(locate(P1, {Q(4, 3)}) == -1);
  CHECK(locate(P1, {1}) >= 0);
  CHECK(check_locate(P1, box({0}, {1}), rng, 100) == "");
}

TEST_CASE("regions: locate_all finds every region whose closure holds the point", "[regions]") {
  // Neurons x - y and x + y - 1 cut the square into four triangles meeting at the centre; the
  // patterns of a point's closure follow from the signs: a zero z allows both bits.
  const Network net = make_net(2, {layer({{1, -1}, {1, 1}}, {0, -1}), layer({{1, 2}}, {0})});
  const Partition P = regions(to_exact(net), unit_square());
  REQUIRE(P.regions.size() == 4);
  const auto patterns = [&](const VecQ& x) {
    std::set<std::string> found;
    for (int i : locate_all(P, x)) found.insert(P.regions[static_cast<size_t>(i)].pattern);
    return found;
  };
  CHECK(patterns({Q(1, 2), Q(1, 2)}) == std::set<std::string>{"00", "01", "10", "11"});  // z = (0, 0)
  CHECK(patterns({Q(1, 4), Q(1, 4)}) == std::set<std::string>{"00", "10"});              // z = (0, -1/2)
  CHECK(patterns({Q(3, 4), Q(1, 2)}) == std::set<std::string>{"11"});                    // z = (1/4, 1/4)
  CHECK(patterns({1, Q(1, 2)}) == std::set<std::string>{"11"});  // on the domain's edge: one region
  CHECK(locate_all(P, {Q(11, 10), Q(1, 2)}).empty());
  const std::vector<int> all = locate_all(P, {Q(1, 2), Q(1, 2)});
  CHECK(std::is_sorted(all.begin(), all.end()));
  CHECK(all.front() == locate(P, {Q(1, 2), Q(1, 2)}));
  // 1D: the breakpoint x = 1/4 closes both intervals, the ends of the domain one each
  const Partition P1 = regions(to_exact(make_net(1, {layer({{1}}, {-0.25}), layer({{1}}, {0})})), box({0}, {1}));
  CHECK(locate_all(P1, {Q(1, 4)}).size() == 2);
  CHECK(locate_all(P1, {0}).size() == 1);
  CHECK(locate_all(P1, {1}).size() == 1);
  CHECK(locate_all(P1, {2}).empty());
}

// ====================================================================== slices

TEST_CASE("regions: parse_slice reads exact planes and lines", "[regions]") {
  const Slice s = parse_slice("0.1,1/3,-0.5:1,0,2:0,-1,1/7", "--slice");
  CHECK(s.dim() == 3);
  CHECK(s.rank() == 2);
  CHECK(s.origin == VecQ{Q(1, 10), Q(1, 3), Q(-1, 2)});
  CHECK(s.u == VecQ{1, 0, 2});
  CHECK(s.v == VecQ{0, -1, Q(1, 7)});
  const Slice line = parse_slice("1,2:3,4", "--slice");
  CHECK(line.rank() == 1);
  CHECK(line.dim() == 2);
  CHECK(line.v.empty());
  for (const char* bad : {"", "1,2", "1,2:3", "1,2:3,4:5", "a,b:c,d", "1,2:3,4:5,6:7,8", "1,,2:3,4,5"}) {
    INFO("slice text '" << bad << "'");
    CHECK_THROWS_AS(parse_slice(bad, "--slice"), InputError);
  }
}

TEST_CASE("regions: read_slice reads o:u:v or o, u, v on lines, from a file", "[regions]") {
  test::TempDir dir;
  const auto slice_in = [&](const std::string& text) {
    const std::string path = dir / "slice.txt";
    std::ofstream(path) << text;
    return read_slice(path);
  };
  const VecQ o{Q(1, 10), Q(1, 3), Q(-1, 2)}, u{1, 0, 2}, v{0, -1, Q(1, 7)};
  for (const std::string text : {"0.1,1/3,-0.5:1,0,2:0,-1,1/7\n", "0.1,1/3,-0.5\n1,0,2\n0,-1,1/7\n",
                                 "# o, u, v\n0.1 1/3 -0.5\n1 0 2\n\n0 -1 1/7"}) {
    INFO("'" << text << "'");
    const Slice s = slice_in(text);
    CHECK(s.origin == o);
    CHECK(s.u == u);
    CHECK(s.v == v);
  }
  CHECK(slice_in("1,2\n3,4\n").rank() == 1);  // o, u: a line, as o:u is
  const std::string path = dir / "slice.txt";
  for (const std::string bad : {"", " \n\n", "1,2,3\n", "1,2\n3,4\n5,6\n7,8\n", "1,2\n3,4,5\n6,7\n", "1,2:3",
                                "1,2:3,4:5", "1,2\n3,x\n5,6\n"}) {
    INFO("'" << bad << "'");
    std::ofstream(path) << bad;
    CHECK_THAT(test::input_error_of([&] { read_slice(path); }), Catch::StartsWith(path + ": "));
  }
  CHECK_THAT(test::input_error_of([&] { read_slice(dir / "missing.txt"); }), Catch::StartsWith(dir / "missing.txt: "));
}

TEST_CASE("regions: plane_through is p0 + s (p1 - p0) + t (p2 - p0), and refuses no plane", "[regions]") {
  test::TempDir dir;
  const std::string path = dir / "points.txt";
  std::ofstream(path) << "1 2 3\n1.5 2 3\n1 2 1/3\n";
  const Slice s = plane_through(path);
  CHECK(s.origin == VecQ{1, 2, 3});
  CHECK(s.u == VecQ{Q(1, 2), 0, 0});
  CHECK(s.v == VecQ{0, 0, Q(-8, 3)});
  for (const std::string bad : {"", "1,2\n3,4\n", "1,2\n3,4\n5,6\n7,8\n", "1,2,3\n4,5,6\n7,8\n",
                                "0,0,0\n1,1,1\n-2,-2,-2\n",   // collinear
                                "1,2,3\n1,2,3\n4,5,6\n",      // p1 = p0
                                "1,2,3\n4,5,6\n1,2,3\n",      // p2 = p0
                                "0.1,0.2\n0.3,0.4\n0.5,0.6\n",  // collinear in exact decimals (not in double)
                                "1\n2\n3\n"}) {                 // in 1D three points are always collinear
    INFO("'" << bad << "'");
    std::ofstream(path) << bad;
    CHECK_THAT(test::input_error_of([&] { plane_through(path); }), Catch::StartsWith(path + ": "));
  }
}

TEST_CASE("regions: analysis_network composes a slice exactly", "[regions]") {
  std::mt19937_64 rng(10);
  auto random_point = [&](int n) {
    VecQ x;
    for (int i = 0; i < n; ++i) x.push_back(Q(std::uniform_int_distribution<int>(-300, 300)(rng), 97));
    return x;
  };
  auto check_slice = [&](const Network& net, const Slice& s) {
    const NetworkQ q = analysis_network(net, &s, "--slice");
    REQUIRE(q.input_dim == s.rank());
    REQUIRE(q.encoding.type == Encoding::Type::identity);
    const NetworkQ full = oracle_exact(net);  // applied to the features directly
    const NetworkQ hand = compose_by_hand(full, s);
    for (int n = 0; n < 20; ++n) {
      const VecQ st = random_point(s.rank());
      VecQ x = s.origin;
      for (size_t k = 0; k < x.size(); ++k) x[k] += st[0] * s.u[k] + (s.rank() == 2 ? st[1] * s.v[k] : Q(0));
      const auto a = oracle::evaluate(q, st);
      const auto b = oracle::evaluate(full, x);
      INFO("at " << str(st));
      CHECK(a.first == b.first);
      CHECK(a.second == b.second);
    }
    // the sliced network's regions are the oracle's on the network composed by hand
    const Box d = s.rank() == 2 ? box({-1, -1}, {1, 1}) : box({-1}, {1});
    const Partition P = regions(q, d);
    CHECK(check_partition(P, oracle::enumerate(hand, d.lo, d.hi), hand, d) == "");
  };
  SECTION("a plane through a 3-input network") {
    const Network net = random_net(rng, 3, {5, 4}, 2, Weights{1});
    check_slice(net, parse_slice("0.1,1/3,-0.5:1,0,2:0,-1,1/7", "--slice"));
  }
  SECTION("a line through a 5-input network") {
    const Network net = random_net(rng, 5, {6, 6}, 1, Weights{2});
    check_slice(net, parse_slice("0,0,0,0,0:1,-1,1/3,0.5,2", "--slice"));
  }
  SECTION("a plane through a 2-input network") {
    const Network net = random_net(rng, 2, {6, 3}, 1, Weights{1});
    check_slice(net, parse_slice("1/2,1/2:1/2,0:0,1/3", "--slice"));
  }
  SECTION("a plane in the encoding space of a positional network") {
    Network net = random_net(rng, 8, {6, 5}, 3, Weights{1});  // 8 features = 2 L d, L = 2, d = 2
    net.input_dim = 2;
    net.encoding = Encoding{Encoding::Type::positional, 2};
    check_slice(net, parse_slice("0,1,0,1,0,1,0,1:1,0,0,0,1,0,0,0:0,1/2,0,0,0,0,-1,0", "--slice"));
  }
  SECTION("without a slice, the network itself") {
    const Network net = random_net(rng, 2, {4, 4}, 2, Weights{2});
    const NetworkQ q = analysis_network(net, nullptr, "net.json");
    CHECK(q.input_dim == 2);
    const NetworkQ e = oracle_exact(net);
    for (int n = 0; n < 10; ++n) {
      const VecQ x = random_point(2);
      CHECK(oracle::evaluate(q, x) == oracle::evaluate(e, x));
    }
  }
}

// ====================================================================== bad input and limits

TEST_CASE("regions: bad input and limits", "[regions]") {
  std::mt19937_64 rng(12);
  SECTION("a 3-input network on a 2D domain; 9 inputs; the spectrum's 2 at most") {
    const Network net3 = random_net(rng, 3, {4}, 1, Weights{1});
    CHECK_THROWS_AS(regions(to_exact(net3), unit_square()), InputError);
    CHECK_THROWS_AS(analysis_network(net3, nullptr, "net.json"), InputError);
    CHECK_NOTHROW(analysis_network(net3, nullptr, "net.json", max_engine_dim));
    const Network net9 = random_net(rng, 9, {4}, 1, Weights{1});
    CHECK_THROWS_AS(regions(to_exact(net9), box(std::vector<Q>(9, Q(0)), std::vector<Q>(9, Q(1)))), InputError);
  }
  SECTION("a domain of the wrong dimension") {
    const Network net2 = random_net(rng, 2, {4}, 1, Weights{1});
    CHECK_THROWS_AS(regions(to_exact(net2), box({0}, {1})), InputError);
  }
  SECTION("a positional network") {
    Network pe = random_net(rng, 4, {4}, 1, Weights{1});
    pe.input_dim = 1;
    pe.encoding = Encoding{Encoding::Type::positional, 2};
    CHECK_THROWS_AS(regions(to_exact(pe), box({0}, {1})), InputError);
    CHECK_THROWS_AS(analysis_network(pe, nullptr, "net.json"), InputError);
    const Slice wrong = parse_slice("0:1", "--slice");  // d = 1, but the encoding space has 4
    CHECK_THROWS_AS(analysis_network(pe, &wrong, "--slice"), InputError);
  }
  SECTION("a slice of the wrong dimension") {
    const Network net3 = random_net(rng, 3, {4}, 1, Weights{1});
    const Slice two = parse_slice("0,0:1,0:0,1", "--slice");
    const Slice four = parse_slice("0,0,0,0:1,0,0,0:0,1,0,0", "--slice");
    CHECK_THROWS_AS(analysis_network(net3, &two, "--slice"), InputError);
    CHECK_THROWS_AS(analysis_network(net3, &four, "--slice"), InputError);
  }
  SECTION("max_regions") {
    const Network net = random_net(rng, 2, {8, 8}, 1, Weights{1});
    const size_t n = oracle::enumerate(oracle_exact(net), {0, 0}, {1, 1}).size();
    REQUIRE(n > 3);
    RegionOptions tight;
    tight.max_regions = static_cast<long>(n) - 1;
    CHECK_THROWS_AS(regions(to_exact(net), unit_square(), tight), LimitError);
    tight.max_regions = 1;
    CHECK_THROWS_AS(regions(to_exact(net), unit_square(), tight), LimitError);
    RegionOptions enough;
    enough.max_regions = static_cast<long>(n);
    long calls = 0;
    bool sane = true;
    enough.progress = [&](long done, long total, long count) {
      ++calls;
      sane = sane && 0 < done && done <= total && 0 <= count && count <= static_cast<long>(n);
    };
    CHECK(regions(to_exact(net), unit_square(), enough).regions.size() == n);
    INFO("progress called " << calls << " times");
    CHECK(sane);
  }
}

TEST_CASE("regions: an empty or inverted domain is refused", "[regions]") {
  std::mt19937_64 rng(13);
  const Network net = random_net(rng, 2, {4}, 1, Weights{1});
  CHECK_THROWS_AS(regions(to_exact(net), box({0, 1}, {1, 1})), InputError);
  CHECK_THROWS_AS(regions(to_exact(net), box({1, 0}, {0, 1})), InputError);
}
