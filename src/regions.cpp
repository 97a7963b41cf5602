#include "relutope/regions.hpp"

#include "arrangement.hpp"
#include "relutope/error.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>
#include <unordered_map>

namespace relutope {
namespace {

using Int = mpz_class;

// A point in homogeneous integer coordinates (X_1, .., X_d, W) with W > 0: x_i = X_i / W.
// Integers instead of rationals: a sign test is one integer dot product, with no gcd per step.
using HPoint = std::vector<Int>;

// A layer with integer entries over a common denominator: W = weight / denominator, likewise b.
// Its activation, a(z) = z if z > 0 else (below / above) z, is held as the integers (above,
// below) with above > 0: relu (1, 0), leaky_relu with slope p/q (q, p).
struct IntLayer {
  long rows = 0, cols = 0;
  std::vector<Int> weight, bias;
  Int denominator;
  Int above = 1, below = 0;
  const Int& w(long i, long j) const { return weight[static_cast<size_t>(i * cols + j)]; }
};

// The network with every identity activation composed away, exactly (W2 (W1 x + b1) + b2), and an
// identity output layer appended when the last layer has a kink: then every layer but the last
// has a kink, and the last is affine, as the enumeration expects. Patterns are unchanged: only
// neurons with a kink carry bits.
std::vector<LayerQ> piecewise_layers(const NetworkQ& net) {
  std::vector<LayerQ> layers;
  for (const LayerQ& layer : net.layers) {
    if (layers.empty() || layers.back().activation.has_kink()) {
      layers.push_back(layer);
      continue;
    }
    const LayerQ& inner = layers.back();
    LayerQ composed{MatQ(layer.weight.rows, inner.weight.cols), layer.bias, layer.activation};
    for (Eigen::Index i = 0; i < layer.weight.rows; ++i)
      for (Eigen::Index k = 0; k < layer.weight.cols; ++k) {
        const Rational& w = layer.weight(i, k);
        if (sgn(w) == 0) continue;
        for (Eigen::Index j = 0; j < inner.weight.cols; ++j) composed.weight(i, j) += w * inner.weight(k, j);
        composed.bias[static_cast<size_t>(i)] += w * inner.bias[static_cast<size_t>(k)];
      }
    layers.back() = std::move(composed);
  }
  if (layers.back().activation.has_kink()) {
    const Eigen::Index n = layers.back().weight.rows;
    LayerQ output{MatQ(n, n), VecQ(static_cast<size_t>(n)), Activation::identity()};
    for (Eigen::Index i = 0; i < n; ++i) output.weight(i, i) = 1;
    layers.push_back(std::move(output));
  }
  return layers;
}

std::vector<IntLayer> integer_layers(const NetworkQ& net) {
  std::vector<IntLayer> layers;
  for (const LayerQ& q : piecewise_layers(net)) {
    IntLayer layer;
    layer.rows = q.weight.rows;
    layer.cols = q.weight.cols;
    layer.denominator = 1;
    for (const Rational& r : q.weight.data) mpz_lcm(layer.denominator.get_mpz_t(), layer.denominator.get_mpz_t(), r.get_den_mpz_t());
    for (const Rational& r : q.bias) mpz_lcm(layer.denominator.get_mpz_t(), layer.denominator.get_mpz_t(), r.get_den_mpz_t());
    for (const Rational& r : q.weight.data) layer.weight.push_back(r.get_num() * (layer.denominator / r.get_den()));
    for (const Rational& r : q.bias) layer.bias.push_back(r.get_num() * (layer.denominator / r.get_den()));
    const Rational slope = to_exact(q.activation.slope_below());
    layer.above = slope.get_den();
    layer.below = slope.get_num();
    layers.push_back(std::move(layer));
  }
  return layers;
}

// The pre-activations of one layer on a cell, as integer rows (a_j1, .., a_jd, c_j):
// z_j(x) = (a_j . x + c_j) / S with the layer's global scale S > 0, so that at a homogeneous
// point sign(z_j) = sign(row_j . (X, W)).
struct AffineMap {
  long rows = 0, width = 0;
  std::vector<Int> coeff;
  Int* row(long j) { return &coeff[static_cast<size_t>(j * width)]; }
  const Int* row(long j) const { return &coeff[static_cast<size_t>(j * width)]; }
};

int sign_at(const AffineMap& map, long j, const HPoint& p) {
  Int value = 0;
  const Int* r = map.row(j);
  for (size_t k = 0; k < p.size(); ++k) mpz_addmul(value.get_mpz_t(), r[k].get_mpz_t(), p[k].get_mpz_t());
  return sgn(value);
}

Int value_at(const AffineMap& map, long j, const HPoint& p) {
  Int value = 0;
  const Int* r = map.row(j);
  for (size_t k = 0; k < p.size(); ++k) mpz_addmul(value.get_mpz_t(), r[k].get_mpz_t(), p[k].get_mpz_t());
  return value;
}

// Where the line l crosses the edge line e (both integer rows a x + b y + c = 0): their cross
// product, oriented so that W > 0. Building vertices from the two lines, never from earlier
// vertices, keeps their size bounded by the lines' sizes however often a region is split.
HPoint meet(const Int* l, const Int* e) {
  HPoint r{l[1] * e[2] - l[2] * e[1], l[2] * e[0] - l[0] * e[2], l[0] * e[1] - l[1] * e[0]};
  if (r[2] < 0)
    for (Int& c : r) c = -c;
  return r;
}

// The root of the 1D affine row (a, c): the point (-c, a), oriented so that W > 0.
HPoint root(const Int* row) {
  HPoint r{-row[1], row[0]};
  if (r[1] < 0)
    for (Int& c : r) c = -c;
  return r;
}

HPoint homogeneous(const VecQ& x) {
  Int w = 1;
  for (const Rational& c : x) mpz_lcm(w.get_mpz_t(), w.get_mpz_t(), c.get_den_mpz_t());
  HPoint p;
  for (const Rational& c : x) p.push_back(c.get_num() * (w / c.get_den()));
  p.push_back(w);
  return p;
}

VecQ cartesian(const HPoint& p) {
  VecQ x;
  for (size_t k = 0; k + 1 < p.size(); ++k) x.push_back(ratio(p[k], p.back()));
  return x;
}

// A line a x + b y + c = 0 with integer coefficients (a 2D polygon's edge).
using Line = std::array<Int, 3>;

// A cell of the refinement within one parent region: its vertices (a convex polygon counter-
// clockwise, or an interval's two ends), in 2D the line of each edge (edge k runs from vertex k
// to vertex k+1), and its bits for the neurons that cross the parent.
struct Cell {
  std::vector<HPoint> vertices;
  std::vector<Line> edges;
  std::string bits;
};

// Splits a cell by the zero set of `row`, which crosses its interior, given the row's values at
// the vertices: (positive side, negative side).
std::pair<Cell, Cell> split(const Cell& cell, const Int* row, const std::vector<Int>& values, int dim) {
  Cell positive{{}, {}, cell.bits + '1'}, negative{{}, {}, cell.bits + '0'};
  if (dim == 1) {  // vertices {lo, hi}
    const HPoint cut = root(row);
    const bool lo_positive = sgn(values[0]) > 0;
    (lo_positive ? positive : negative).vertices = {cell.vertices[0], cut};
    (lo_positive ? negative : positive).vertices = {cut, cell.vertices[1]};
    return {positive, negative};
  }
  const Line cut{row[0], row[1], row[2]};
  const size_t n = cell.vertices.size();
  for (size_t k = 0; k < n; ++k) {  // Sutherland-Hodgman against both half-planes
    const size_t next = (k + 1) % n;
    const int s = sgn(values[k]), t = sgn(values[next]);
    const Line& edge = cell.edges[k];
    if (s >= 0) {
      positive.vertices.push_back(cell.vertices[k]);
      positive.edges.push_back(t >= 0 || s > 0 ? edge : cut);
    }
    if (s <= 0) {
      negative.vertices.push_back(cell.vertices[k]);
      negative.edges.push_back(t <= 0 || s < 0 ? edge : cut);
    }
    if (s * t < 0) {
      const HPoint point = meet(cut.data(), edge.data());
      (s > 0 ? positive : negative).vertices.push_back(point);
      (s > 0 ? positive : negative).edges.push_back(cut);
      (s > 0 ? negative : positive).vertices.push_back(point);
      (s > 0 ? negative : positive).edges.push_back(edge);
    }
  }
  return {positive, negative};
}

class Enumerator {
public:
  Enumerator(const NetworkQ& net, const RegionOptions& options)
      : layers_(integer_layers(net)), dim_(net.input_dim), options_(options), start_(std::chrono::steady_clock::now()) {
    // z^{l+1} = W_{l+1} a(z^l) + b_{l+1} with a(z) = (above or below) z / above.
    scale_.push_back(layers_.front().denominator);
    for (size_t l = 1; l < layers_.size(); ++l)
      scale_.push_back(scale_.back() * layers_[l - 1].above * layers_[l].denominator);
  }

  std::vector<Region> run(const Box& domain) {
    Cell start;
    if (dim_ == 1) {
      start.vertices = {homogeneous({domain.lo[0]}), homogeneous({domain.hi[0]})};
    } else {
      const Rational &x0 = domain.lo[0], &x1 = domain.hi[0], &y0 = domain.lo[1], &y1 = domain.hi[1];
      start.vertices = {homogeneous({x0, y0}), homogeneous({x1, y0}), homogeneous({x1, y1}), homogeneous({x0, y1})};
      // y = y0, x = x1, y = y1, x = x0 as integer lines (q x - p = 0 for x = p/q).
      start.edges = {Line{0, y0.get_den(), -y0.get_num()}, Line{x1.get_den(), 0, -x1.get_num()},
                     Line{0, y1.get_den(), -y1.get_num()}, Line{x0.get_den(), 0, -x0.get_num()}};
    }
    const IntLayer& first = layers_.front();
    AffineMap map{first.rows, dim_ + 1, {}};
    for (long j = 0; j < first.rows; ++j) {
      for (long k = 0; k < first.cols; ++k) map.coeff.push_back(first.w(j, k));
      map.coeff.push_back(first.bias[static_cast<size_t>(j)]);
    }
    refine(0, start, "", map);
    return std::move(regions_);
  }

private:
  // Refines a region on which layers < l have fixed patterns; `map` is layer l's pre-activations.
  void refine(size_t l, const Cell& region, const std::string& pattern, const AffineMap& map) {
    if (l + 1 == layers_.size()) return emit(region.vertices, pattern, map);
    const std::vector<HPoint>& polygon = region.vertices;
    const long n = map.rows;

    // Neurons that do not cross the region take one bit on all of it; the others split it.
    std::string layer_bits(static_cast<size_t>(n), '0');
    std::vector<long> crossing_neurons;
    for (long j = 0; j < n; ++j) {
      bool positive = false, negative = false;
      for (const HPoint& p : polygon) {
        const int s = sign_at(map, j, p);
        positive |= s > 0;
        negative |= s < 0;
      }
      if (positive && negative) crossing_neurons.push_back(j);
      else layer_bits[static_cast<size_t>(j)] = positive ? '1' : '0';  // zero on the whole region: '0'
    }
    std::vector<Cell> cells{{polygon, region.edges, ""}};
    std::vector<Int> values;
    for (const long j : crossing_neurons) {
      std::vector<Cell> next;
      next.reserve(cells.size() * 2);
      for (Cell& cell : cells) {
        values.resize(cell.vertices.size());
        bool positive = false, negative = false;
        for (size_t k = 0; k < cell.vertices.size(); ++k) {
          values[k] = value_at(map, j, cell.vertices[k]);
          positive |= sgn(values[k]) > 0;
          negative |= sgn(values[k]) < 0;
        }
        if (positive && negative) {
          auto [plus, minus] = split(cell, map.row(j), values, dim_);
          next.push_back(std::move(plus));
          next.push_back(std::move(minus));
        } else {
          cell.bits += positive ? '1' : '0';
          next.push_back(std::move(cell));
        }
      }
      cells = std::move(next);
      check_limits(cells.size());
    }

    const std::vector<AffineMap> next_maps = next_layer_maps(l, map, layer_bits, crossing_neurons, cells);
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string bits = layer_bits;
      for (size_t i = 0; i < crossing_neurons.size(); ++i) bits[static_cast<size_t>(crossing_neurons[i])] = cells[c].bits[i];
      refine(l + 1, cells[c], pattern + bits, next_maps[c]);
      if (l == 0 && options_.progress) options_.progress(1, static_cast<long>(c + 1), static_cast<long>(cells.size()), static_cast<long>(regions_.size()));
    }
  }

  // Layer l+1's pre-activations on every cell. Cells reached by flipping one crossing neuron's
  // bit differ by a rank-one term, so a breadth-first walk over such neighbours costs
  // #outputs x (d+1) per cell instead of #outputs x #inputs x (d+1).
  std::vector<AffineMap> next_layer_maps(size_t l, const AffineMap& map, const std::string& layer_bits,
                                         const std::vector<long>& crossing_neurons, const std::vector<Cell>& cells) {
    const IntLayer& next = layers_[l + 1];
    std::unordered_map<std::string, size_t> by_bits;
    for (size_t c = 0; c < cells.size(); ++c) by_bits.emplace(cells[c].bits, c);
    std::vector<AffineMap> maps(cells.size());
    std::vector<char> done(cells.size(), 0);
    for (size_t start = 0; start < cells.size(); ++start) {
      if (done[start]) continue;
      maps[start] = from_scratch(l, map, layer_bits, crossing_neurons, cells[start].bits);
      done[start] = 1;
      std::vector<size_t> queue{start};
      for (size_t q = 0; q < queue.size(); ++q) {
        const size_t c = queue[q];
        std::string bits = cells[c].bits;
        for (size_t i = 0; i < crossing_neurons.size(); ++i) {
          bits[i] ^= 1;  // '0' <-> '1'
          const auto found = by_bits.find(bits);
          if (found != by_bits.end() && !done[found->second]) {
            AffineMap& target = maps[found->second];
            target = maps[c];
            // Flipping neuron j changes its factor between above and below: a rank-one term.
            const long j = crossing_neurons[i];
            const Int* row = map.row(j);
            const Int step = bits[i] == '1' ? Int(layers_[l].above - layers_[l].below) : Int(layers_[l].below - layers_[l].above);
            for (long k = 0; k < next.rows; ++k) {
              const Int factor = next.w(k, j) * step;
              Int* out = target.row(k);
              for (long m = 0; m < map.width; ++m) mpz_addmul(out[m].get_mpz_t(), factor.get_mpz_t(), row[m].get_mpz_t());
            }
            done[found->second] = 1;
            queue.push_back(found->second);
          }
          bits[i] ^= 1;
        }
      }
    }
    return maps;
  }

  // z^{l+1} S_{l+1} = W'_{l+1} D (z^l S_l) + b'_{l+1} S_l above_l, W' and b' the integer entries,
  // D the diagonal of above_l (bit 1) and below_l (bit 0).
  AffineMap from_scratch(size_t l, const AffineMap& map, std::string layer_bits, const std::vector<long>& crossing_neurons,
                         const std::string& cell_bits) const {
    for (size_t i = 0; i < crossing_neurons.size(); ++i) layer_bits[static_cast<size_t>(crossing_neurons[i])] = cell_bits[i];
    const IntLayer &layer = layers_[l], &next = layers_[l + 1];
    AffineMap out{next.rows, map.width, std::vector<Int>(static_cast<size_t>(next.rows * map.width))};
    const Int bias_scale = scale_[l] * layer.above;
    Int factor;
    for (long k = 0; k < next.rows; ++k) {
      Int* o = out.row(k);
      for (long j = 0; j < map.rows; ++j) {
        const Int& d = layer_bits[static_cast<size_t>(j)] == '1' ? layer.above : layer.below;
        if (sgn(d) == 0) continue;
        factor = next.w(k, j) * d;
        const Int* row = map.row(j);
        for (long m = 0; m < map.width; ++m) mpz_addmul(o[m].get_mpz_t(), factor.get_mpz_t(), row[m].get_mpz_t());
      }
      mpz_addmul(o[map.width - 1].get_mpz_t(), next.bias[static_cast<size_t>(k)].get_mpz_t(), bias_scale.get_mpz_t());
    }
    return out;
  }

  void emit(const std::vector<HPoint>& polygon, const std::string& pattern, const AffineMap& map) {
    Region region;
    for (const HPoint& p : polygon) region.vertices.push_back(cartesian(p));
    region.pattern = pattern;
    const Int& scale = scale_.back();
    region.weight = MatQ(map.rows, dim_);
    for (long i = 0; i < map.rows; ++i) {
      for (int k = 0; k < dim_; ++k) region.weight(i, k) = ratio(map.row(i)[k], scale);
      region.bias.push_back(ratio(map.row(i)[dim_], scale));
    }
    regions_.push_back(std::move(region));
    check_limits(0);
  }

  void check_limits(size_t pending) {
    if (static_cast<long>(regions_.size() + pending) > options_.max_regions)
      throw LimitError("more than " + std::to_string(options_.max_regions) +
                       " activation regions: raise --max-regions or shrink the domain");
    if (options_.time_limit > 0 && ++checks_ % 256 == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() > options_.time_limit)
      throw LimitError("time limit of " + std::to_string(options_.time_limit) + " s reached after " +
                       std::to_string(regions_.size()) + " regions");
  }

  std::vector<IntLayer> layers_;
  std::vector<Int> scale_;  // S_l: layer l's pre-activations are integer rows over S_l
  int dim_;
  const RegionOptions& options_;
  std::chrono::steady_clock::time_point start_;
  long checks_ = 0;
  std::vector<Region> regions_;
};

int find(std::vector<int>& parent, int i) {
  while (parent[static_cast<size_t>(i)] != i) i = parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
  return i;
}

}  // namespace

Partition regions(const NetworkQ& net, const Box& domain, const RegionOptions& options) {
  if (net.encoding.type != Encoding::Type::identity || net.input_dim < 1 || net.input_dim > 2)
    throw InputError("network", "exact regions need a 1- or 2-input piecewise-linear network (use a slice)");
  if (domain.dim() != net.input_dim)
    throw InputError("--domain", "the domain has " + std::to_string(domain.dim()) + " dimensions but the network has " +
                                     std::to_string(net.input_dim) + " inputs");
  check_box(domain, "--domain");

  Partition partition;
  partition.dim = net.input_dim;
  partition.domain = domain;
  partition.regions = Enumerator(net, options).run(domain);
  auto& regions = partition.regions;

  if (partition.dim == 1) {  // intervals in order; neighbours share an end
    std::sort(regions.begin(), regions.end(),
              [](const Region& a, const Region& b) { return a.vertices[0][0] < b.vertices[0][0]; });
    for (size_t i = 0; i + 1 < regions.size(); ++i) partition.adjacent.emplace_back(static_cast<int>(i), static_cast<int>(i + 1));
  } else {
    partition.adjacent = internal::adjacent_polygons(regions);
  }

  std::vector<int> parent(regions.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (const auto& [a, b] : partition.adjacent) {
    const Region &ra = regions[static_cast<size_t>(a)], &rb = regions[static_cast<size_t>(b)];
    if (ra.weight.data == rb.weight.data && ra.bias == rb.bias) parent[static_cast<size_t>(find(parent, a))] = find(parent, b);
  }
  std::vector<int> number(regions.size(), -1);
  for (size_t i = 0; i < regions.size(); ++i) {
    int& id = number[static_cast<size_t>(find(parent, static_cast<int>(i)))];
    if (id < 0) id = partition.piece_count++;
    partition.piece.push_back(id);
  }
  return partition;
}

int output_count(const Partition& partition) {
  return partition.regions.empty() ? 0 : static_cast<int>(partition.regions.front().weight.rows);
}

Rational affine_value(const Region& region, int out, const VecQ& x) {
  Rational value = region.bias[static_cast<size_t>(out)];
  for (size_t i = 0; i < x.size(); ++i) value += region.weight(out, static_cast<Eigen::Index>(i)) * x[i];
  return value;
}

Rational measure(const Region& region) {
  if (region.vertices.front().size() == 1) return region.vertices[1][0] - region.vertices[0][0];
  Rational twice = 0;
  const size_t n = region.vertices.size();
  for (size_t k = 0; k < n; ++k) {
    const VecQ &p = region.vertices[k], &q = region.vertices[(k + 1) % n];
    twice += p[0] * q[1] - q[0] * p[1];
  }
  return twice / 2;
}

namespace {

// The region's closure holds x (x in the domain's dimension), exactly.
bool holds(const Region& region, const VecQ& x) {
  const auto& v = region.vertices;
  if (x.size() == 1) return v[0][0] <= x[0] && x[0] <= v[1][0];
  for (size_t k = 0; k < v.size(); ++k) {
    const VecQ &p = v[k], &q = v[(k + 1) % v.size()];
    if ((q[0] - p[0]) * (x[1] - p[1]) - (q[1] - p[1]) * (x[0] - p[0]) < 0) return false;
  }
  return true;
}

}  // namespace

int locate(const Partition& partition, const VecQ& x) {
  for (size_t i = 0; i < partition.regions.size(); ++i)
    if (holds(partition.regions[i], x)) return static_cast<int>(i);
  return -1;
}

std::vector<int> locate_all(const Partition& partition, const VecQ& x) {
  std::vector<int> found;
  for (size_t i = 0; i < partition.regions.size(); ++i)
    if (holds(partition.regions[i], x)) found.push_back(static_cast<int>(i));
  return found;
}

}  // namespace relutope
