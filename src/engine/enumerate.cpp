#include "relutope/engine/enumerate.hpp"

#include "engine/engine_network.hpp"
#include "engine/polytope.hpp"
#include "relutope/error.hpp"

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <unordered_map>

namespace relutope {
namespace engine {
namespace {

constexpr double eta = smallest_subnormal;

// A radius that overflowed may come out as inf * 0 = NaN: it bounds nothing, so it is infinite
// (every predicate on the row then goes exact, and the record's promise holds).
double no_nan(double radius) { return radius >= 0 ? radius : HUGE_VAL; }

// The pre-activation rows of one layer on one region (z_j(x) = a_j . x + c_j), approximately
// with a radius per row, and exactly (over the layer's scale S_l) when first asked for.
struct Frame {
  int layer = 0;
  const Frame* parent = nullptr;
  std::vector<char> parent_bits;  // the parent layer's bits on the region: what makes the rows
  RowMatrix approx;               // rows x (d + 1)
  Eigen::VectorXd radius;         // rows
  // The frame of a neighbouring cell of the same parent this one follows from by flipping the
  // parent layer's neurons `flipped` (their new bits in parent_bits), or none: from scratch.
  const Frame* near = nullptr;
  std::vector<int> flipped;
  mutable std::shared_ptr<const std::vector<Int>> exact;

  // Exact rows as the approximate ones were made: by exact rank-one flips from the neighbour's
  // (each #rows x (d+1) integer products), or from the parent's from scratch.
  const std::vector<Int>& exact_rows(const EngineNetwork& net) const {
    if (exact) return *exact;
    if (!near) {
      exact = std::make_shared<const std::vector<Int>>(net.next_rows(layer - 1, parent->exact_rows(net), parent_bits));
      return *exact;
    }
    std::vector<Int> rows = near->exact_rows(net);
    const std::vector<Int>& below = parent->exact_rows(net);
    for (const int j : flipped) net.flip_rows(layer - 1, below, j, parent_bits[static_cast<size_t>(j)] != 0, rows);
    exact = std::make_shared<const std::vector<Int>>(std::move(rows));
    return *exact;
  }
};

// The box's faces as rows, inside >= 0: face 2i is x_i - lo_i, face 2i+1 is hi_i - x_i.
struct DomainRows {
  int d;
  std::vector<Int> exact;
  std::vector<double> approx, radius;

  explicit DomainRows(const Box& box) : d(box.dim()), exact(box_face_rows(box)) {
    for (int i = 0; i < d; ++i)
      for (int side = 0; side < 2; ++side) {
        const Rational& bound = side == 0 ? box.lo[static_cast<size_t>(i)] : box.hi[static_cast<size_t>(i)];
        const int s = side == 0 ? 1 : -1;
        for (int k = 0; k < d; ++k) approx.push_back(k == i ? s : 0);
        const auto [b, r] = approximate(bound);
        approx.push_back(-s * b);
        radius.push_back(r);
      }
  }
};

// Rows along the current path of the refinement: frames[l] is layer l's frame on the region.
class PathRows : public RowSource {
public:
  PathRows(const EngineNetwork& net, const DomainRows& domain) : net_(net), domain_(domain) {}
  std::vector<const Frame*> frames;

  ApproxVector approximate(Label label) const override {
    const size_t w = static_cast<size_t>(net_.dim + 1), j = static_cast<size_t>(label.index);
    if (label.is_domain_face()) return {&domain_.approx[j * w], domain_.radius[j]};
    const Frame& f = *frames[static_cast<size_t>(label.layer)];
    return {f.approx.row(static_cast<Eigen::Index>(j)).data(), f.radius(static_cast<Eigen::Index>(j))};
  }
  const Int* exact(Label label) const override {
    const size_t w = static_cast<size_t>(net_.dim + 1), j = static_cast<size_t>(label.index);
    if (label.is_domain_face()) return &domain_.exact[j * w];
    return &frames[static_cast<size_t>(label.layer)]->exact_rows(net_)[j * w];
  }

private:
  const EngineNetwork& net_;
  const DomainRows& domain_;
};

// The refinement of one region by one layer: the neurons that cross it (in the order they cut),
// and each cell with its bits for those neurons and for the whole layer.
struct Cut {
  struct Cell {
    Polytope polytope;
    std::string crossing_bits;  // '0' / '1' per crossing neuron
    std::vector<char> bits;     // per neuron of the layer
  };
  std::vector<int> crossing;
  std::vector<Cell> cells;
};

struct Limits {
  const EngineOptions& options;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::atomic<long> regions{0};

  void check(long pending) const {
    if (regions.load(std::memory_order_relaxed) + pending > options.max_regions)
      throw LimitError("more than " + std::to_string(options.max_regions) +
                       " activation regions: raise --max-regions or shrink the domain");
    if (options.time_limit > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > options.time_limit)
      throw LimitError("time limit of " + shortest_decimal(options.time_limit) + " s reached after " +
                       std::to_string(regions.load()) + " regions");
    if (options.should_stop && options.should_stop()) throw Interrupted();
  }
};

// The refinement, layer by layer (DESIGN.md §3): a region on which layers < l have fixed patterns
// is cut by layer l's neurons; each cell gets layer l+1's rows and is refined in turn.
class Refinement {
public:
  Refinement(const EngineNetwork& net, const DomainRows& domain, const RegionSink& sink, const Limits& limits)
      : net_(net), domain_(domain), sink_(sink), limits_(limits) {}

  // The box as a polytope: 2^d corners, 2d facets (facet f is face f).
  Polytope box() const {
    PathRows path(net_, domain_);
    const Clipper clip(net_.dim, path);
    Polytope p;
    for (int f = 0; f < 2 * net_.dim; ++f) p.facets.push_back({Label{-1, f}, 1});
    for (long corner = 0; corner < (1L << net_.dim); ++corner) {
      Label basis[max_engine_dim];
      FacetSet on;
      for (int i = 0; i < net_.dim; ++i) {
        const int face = 2 * i + static_cast<int>((corner >> i) & 1);
        basis[i] = Label{-1, face};
        on.set(static_cast<size_t>(face));
      }
      Vertex v = clip.vertex(basis);
      v.on = on;
      p.vertices.push_back(std::move(v));
    }
    return p;
  }

  // Cuts `region` by layer l's neurons; path.frames.back() holds their rows on the region.
  Cut cut(Polytope region, const PathRows& path, int l) const {
    const Clipper clip(net_.dim, path);
    const long n = net_.layers[static_cast<size_t>(l)].rows;
    std::vector<char> layer_bits(static_cast<size_t>(n), 0);
    Cut out;
    std::vector<int> signs;
    // Signs of `label` at p's vertices; true when it crosses p's interior. A zero at a vertex of
    // a neuron that does not cut is marked: it may lie on a facet's hyperplane (a degeneracy).
    auto classify = [&](Label label, Polytope& p, bool& positive) {
      bool negative = false;
      positive = false;
      signs.clear();
      for (Vertex& v : p.vertices) {
        signs.push_back(clip.sign(label, v));
        positive |= signs.back() > 0;
        negative |= signs.back() < 0;
      }
      if (positive && negative) return true;
      for (size_t i = 0; i < signs.size(); ++i)
        if (signs[i] == 0) p.vertices[i].extra_zero = true;
      return false;
    };
    Eigen::MatrixXi at;
    const Frame& frame = *path.frames.back();
    clip.layer_signs(l, frame.approx, frame.radius, region, at);
    for (long j = 0; j < n; ++j) {
      const Eigen::Index row = static_cast<Eigen::Index>(j);
      const bool positive = (at.row(row).array() > 0).any(), negative = (at.row(row).array() < 0).any();
      if (positive && negative) {
        out.crossing.push_back(static_cast<int>(j));
        continue;
      }
      layer_bits[static_cast<size_t>(j)] = positive;  // zero on the whole region: '0'
      for (size_t i = 0; i < region.vertices.size(); ++i)
        if (at(row, static_cast<Eigen::Index>(i)) == 0) region.vertices[i].extra_zero = true;
    }
    out.cells.push_back({std::move(region), "", {}});
    for (const int j : out.crossing) {
      const Label label{l, j};
      std::vector<Cut::Cell> next;
      next.reserve(out.cells.size() * 2);
      for (Cut::Cell& cell : out.cells) {
        bool positive;
        if (classify(label, cell.polytope, positive)) {
          auto [plus, minus] = clip.split(cell.polytope, label, signs);
          // In 1D the left part first: the cells stay in increasing order.
          const bool plus_first = net_.dim != 1 || clip.slope_sign(label) < 0;
          if (plus_first) next.push_back({std::move(plus), cell.crossing_bits + '1', {}});
          next.push_back({std::move(minus), cell.crossing_bits + '0', {}});
          if (!plus_first) next.push_back({std::move(plus), cell.crossing_bits + '1', {}});
        } else {
          cell.crossing_bits += positive ? '1' : '0';
          next.push_back(std::move(cell));
        }
      }
      out.cells = std::move(next);
      limits_.check(static_cast<long>(out.cells.size()));
    }
    for (Cut::Cell& cell : out.cells) {
      cell.bits = layer_bits;
      for (size_t i = 0; i < out.crossing.size(); ++i)
        cell.bits[static_cast<size_t>(out.crossing[i])] = cell.crossing_bits[i] == '1';
    }
    return out;
  }

  // Layer l+1's frames on every cell. Cells reached by flipping one crossing neuron's bit differ by
  // a rank-one term: a breadth-first walk over such neighbours costs #rows x (d+1) per cell.
  std::vector<Frame> next_frames(const Frame& frame, const Cut& cut) const {
    std::vector<Frame> frames(cut.cells.size());
    std::unordered_map<std::string, size_t> by_bits;
    for (size_t c = 0; c < cut.cells.size(); ++c) by_bits.emplace(cut.cells[c].crossing_bits, c);
    std::vector<char> done(cut.cells.size(), 0);
    for (size_t start = 0; start < cut.cells.size(); ++start) {
      if (done[start]) continue;
      from_scratch(frame, cut.cells[start].bits, frames[start]);
      done[start] = 1;
      std::vector<size_t> queue{start};
      for (size_t q = 0; q < queue.size(); ++q) {
        const size_t c = queue[q];
        std::string bits = cut.cells[c].crossing_bits;
        for (size_t i = 0; i < bits.size(); ++i) {
          bits[i] = bits[i] == '1' ? '0' : '1';
          const auto found = by_bits.find(bits);
          if (found != by_bits.end() && !done[found->second]) {
            flip(frame, cut.crossing[i], bits[i] == '1', frames[c], frames[found->second]);
            frames[found->second].near = &frames[c];
            frames[found->second].flipped = {cut.crossing[i]};
            done[found->second] = 1;
            queue.push_back(found->second);
          }
          bits[i] = bits[i] == '1' ? '0' : '1';
        }
      }
    }
    for (size_t c = 0; c < frames.size(); ++c) {
      frames[c].layer = frame.layer + 1;
      frames[c].parent = &frame;
      frames[c].parent_bits = cut.cells[c].bits;
    }
    return frames;
  }

  // Layer l+1's frame on a cell of `parent` (layer l) with bits `bits`: from `near`, a frame of
  // another cell of the same parent, by one rank-one flip per differing bit, or from scratch.
  Frame frame_for(const Frame& parent, const std::vector<char>& bits, const Frame* near) const {
    Frame out;
    if (!near) {
      from_scratch(parent, bits, out);
    } else {
      out.approx = near->approx;
      out.radius = near->radius;
      out.near = near;
      Frame step;
      for (size_t j = 0; j < bits.size(); ++j)
        if (bits[j] != near->parent_bits[j]) {
          flip(parent, static_cast<int>(j), bits[j], out, step);
          std::swap(out.approx, step.approx);
          std::swap(out.radius, step.radius);
          out.flipped.push_back(static_cast<int>(j));
        }
    }
    out.layer = parent.layer + 1;
    out.parent = &parent;
    out.parent_bits = bits;
    return out;
  }

  // Refines `region`, on which path.frames (layers 0..l) hold the rows, into `out`.
  void refine(Polytope region, PathRows& path, std::vector<RegionRecord>& out) const {
    const Frame& frame = *path.frames.back();
    if (frame.layer == net_.hidden_layers()) return emit(region, path, out);
    Cut pieces = cut(std::move(region), path, frame.layer);
    const std::vector<Frame> frames = next_frames(frame, pieces);
    for (size_t c = 0; c < pieces.cells.size(); ++c) {
      path.frames.push_back(&frames[c]);
      refine(std::move(pieces.cells[c].polytope), path, out);
      path.frames.pop_back();
    }
  }

  void emit(Polytope& region, const PathRows& path, std::vector<RegionRecord>& out) const {
    const Clipper clip(net_.dim, path);
    RegionRecord record;
    const int bits = net_.pattern_bits();
    record.pattern.assign(static_cast<size_t>((bits + 63) / 64), 0);
    record.pattern_bits = bits;
    for (size_t l = 1; l < path.frames.size(); ++l) {
      const std::vector<char>& b = path.frames[l]->parent_bits;
      const size_t offset = static_cast<size_t>(net_.bit_offset[l - 1]);
      for (size_t j = 0; j < b.size(); ++j)
        if (b[j]) record.pattern[(offset + j) / 64] |= std::uint64_t{1} << ((offset + j) % 64);
    }
    const Frame& last = *path.frames.back();
    record.outputs = net_.outputs();
    record.map.assign(last.approx.data(), last.approx.data() + last.approx.size());
    record.map_radius = last.radius.maxCoeff();
    const std::vector<size_t> order = clip.describe(region, record);
    const Demand demand = sink_.demand(record);
    if (demand.exact_vertices) clip.add_exact_vertices(region, order, record);
    if (demand.exact_map) {
      const std::vector<Int>& rows = last.exact_rows(net_);
      const Int& s = net_.scale.back();
      const int w = net_.dim + 1;
      record.exact_weight = MatQ(record.outputs, net_.dim);
      for (int i = 0; i < record.outputs; ++i) {
        for (int k = 0; k < net_.dim; ++k) record.exact_weight(i, k) = ratio(rows[static_cast<size_t>(i * w + k)], s);
        record.exact_bias.push_back(ratio(rows[static_cast<size_t>(i * w + net_.dim)], s));
      }
    }
    out.push_back(std::move(record));
    if (out.size() % 64 == 0) limits_.check(static_cast<long>(out.size()));
  }

private:
  // Layer l+1's rows on a region where layer l has rows `frame` and bits `bits`, from scratch:
  // z' = W diag(a) z + b, a_j = 1 or the slope. Radius of row k (docs/engine.md §2), with alpha_j the
  // error of a~_j, omega and beta the layer's weight and bias errors, rho_j and mu_j the radius
  // and largest entry of row j, gamma = gamma_{n+3} (any order of summation, fused or not):
  //   sum_j |w~_kj| (|a~_j| (rho_j + gamma mu_j) + alpha_j (mu_j + rho_j))
  //   + omega sum_j (|a~_j| + alpha_j)(mu_j + rho_j) + beta + gamma |b~_k| + 2 (n + 1) eta
  void from_scratch(const Frame& frame, const std::vector<char>& bits, Frame& out) const {
    const EngineLayer &layer = net_.layers[static_cast<size_t>(frame.layer)], &next = net_.layers[static_cast<size_t>(frame.layer) + 1];
    const Eigen::Index n = static_cast<Eigen::Index>(layer.rows);
    const double g = gamma(n + 3);
    Eigen::VectorXd a(n), alpha(n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const bool on = bits[static_cast<size_t>(j)];
      a(j) = on ? 1.0 : layer.slope_approx;
      alpha(j) = on ? 0.0 : layer.slope_radius;
    }
    const Eigen::VectorXd mu = frame.approx.cwiseAbs().rowwise().maxCoeff();
    const RowMatrix scaled = a.asDiagonal() * frame.approx;
    out.approx.resize(next.weight_approx.rows(), scaled.cols());
    for (Eigen::Index c = 0; c < scaled.cols(); ++c) out.approx.col(c).noalias() = next.weight_approx * scaled.col(c);
    out.approx.col(net_.dim) += next.bias_approx;
    const Eigen::VectorXd reach = mu + frame.radius;
    const Eigen::VectorXd v = a.cwiseAbs().cwiseProduct(frame.radius + g * mu) + alpha.cwiseProduct(reach);
    const double shared = next.weight_radius * (a.cwiseAbs() + alpha).dot(reach) + next.bias_radius + 2 * static_cast<double>(n + 1) * eta;
    out.radius.noalias() = next.weight_abs * v;
    for (Eigen::Index k = 0; k < out.radius.size(); ++k)
      out.radius(k) = no_nan(inflate(out.radius(k) + shared + g * std::fabs(next.bias_approx(k)), 8 * n + 16));
  }

  // Layer l+1's rows after flipping neuron j's bit (to `on`) from those of `source`: a rank-one
  // term f_k z_j with f_k = w_kj (+-step). Radius of row k: the source's, plus |f~_k| rho_j
  // + (|w~_kj| eps + omega |step~| + omega eps)(mu_j + rho_j) + gamma_3 (max|source_k| + |f~_k| mu_j)
  // + 3 eta.
  void flip(const Frame& frame, int j, bool on, const Frame& source, Frame& out) const {
    const EngineLayer &layer = net_.layers[static_cast<size_t>(frame.layer)], &next = net_.layers[static_cast<size_t>(frame.layer) + 1];
    const double step = on ? layer.step_approx : -layer.step_approx, eps = layer.step_radius, omega = next.weight_radius;
    const auto row = frame.approx.row(j);
    const double rho = frame.radius(j), m = row.cwiseAbs().maxCoeff(), g = gamma(3);
    const Eigen::VectorXd f = next.weight_approx.col(j) * step;
    const Eigen::VectorXd top = source.approx.cwiseAbs().rowwise().maxCoeff();
    out.approx.noalias() = source.approx + f * row;
    out.radius.resize(source.radius.size());
    for (Eigen::Index k = 0; k < f.size(); ++k)
      out.radius(k) = no_nan(inflate(source.radius(k) + std::fabs(f(k)) * rho +
                                  (next.weight_abs(k, j) * eps + omega * std::fabs(step) + omega * eps) * (m + rho) +
                                  g * (top(k) + std::fabs(f(k)) * m) + 3 * eta,
                              24));
  }

  const EngineNetwork& net_;
  const DomainRows& domain_;
  const RegionSink& sink_;
  const Limits& limits_;
};

void check_input(const NetworkQ& net, const Box& domain) {
  if (net.encoding.type != Encoding::Type::identity)
    throw InputError("network", "exact regions need a piecewise-linear network: compose the encoding with a slice first");
  if (net.input_dim < 1 || net.input_dim > max_engine_dim)
    throw InputError("network", "exact regions take 1 to " + std::to_string(max_engine_dim) + " inputs, not " +
                                    std::to_string(net.input_dim) + " (use a slice)");
  if (domain.dim() != net.input_dim)
    throw InputError("--domain", "the domain has " + std::to_string(domain.dim()) + " dimensions but the network has " +
                                     std::to_string(net.input_dim) + " inputs");
  check_box(domain, "--domain");
}

}  // namespace
}  // namespace engine

PredicateCounts enumerate_regions(const NetworkQ& net, const Box& domain, RegionSink& sink, const EngineOptions& options) {
  using namespace engine;
  check_input(net, domain);
  const EngineNetwork en(net);
  const DomainRows rows(domain);
  Limits limits{options};
  const Refinement refinement(en, rows, sink, limits);

  Frame root;
  const EngineLayer& first = en.layers.front();
  root.approx.resize(first.rows, en.dim + 1);
  root.approx << first.weight_approx, first.bias_approx;
  root.radius = Eigen::VectorXd::Constant(first.rows, std::max(first.weight_radius, first.bias_radius));
  root.exact = std::make_shared<const std::vector<Int>>(en.first_rows());

  std::atomic<long> filtered{0}, exact{0};
  auto tally = [&](const DecisionCounts& before) {
    filtered += thread_counts().filtered - before.filtered;
    exact += thread_counts().exact - before.exact;
  };

  // The first layer cuts the box on this thread; the subtrees of its cells are the units of work.
  const DecisionCounts before = thread_counts();
  PathRows path(en, rows);
  path.frames.push_back(&root);
  Cut top;
  if (en.hidden_layers() == 0) {
    top.cells.push_back({refinement.box(), "", {}});
  } else {
    top = refinement.cut(refinement.box(), path, 0);
  }
  tally(before);

  // Units of work: runs of 16 consecutive first-layer cells (neighbours in the cut's order, so
  // each cell's layer-1 rows follow from the previous cell's by a few rank-one flips). The runs
  // do not depend on the thread count, so neither do the doubles: every record is the same.
  const long total = static_cast<long>(top.cells.size());
  // More threads than cores would only make TBB warn: the output is the same for any number.
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int threads = options.threads > 0 ? std::min(options.threads, cores) : cores;
  const long run = 16;
  long next = 0, done = 0;
  // Each run's records, owned here and not by the pipeline's tokens: a pipeline cancelled by an
  // exception (a limit, Ctrl-C) destroys no token in flight, and they would leak.
  std::vector<std::vector<RegionRecord>> results(static_cast<size_t>((total + run - 1) / run));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        static_cast<size_t>(4 * threads),
        tbb::make_filter<void, long>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& control) -> long {
                                       if (next >= total) {
                                         control.stop();
                                         return 0;
                                       }
                                       const long first = next;
                                       next += run;
                                       return first;
                                     }) &
            tbb::make_filter<long, long>(
                tbb::filter_mode::parallel,
                [&](long first) {
                  const DecisionCounts start = thread_counts();
                  std::vector<RegionRecord>& records = results[static_cast<size_t>(first / run)];
                  const long last = std::min(total, first + run);
                  std::vector<Frame> frames;  // kept for the run: each follows from the one before
                  frames.reserve(static_cast<size_t>(last - first));
                  for (long c = first; c < last; ++c) {
                    PathRows subtree(en, rows);
                    subtree.frames.push_back(&root);
                    Cut::Cell& cell = top.cells[static_cast<size_t>(c)];
                    if (en.hidden_layers() > 0) {
                      frames.push_back(refinement.frame_for(root, cell.bits, frames.empty() ? nullptr : &frames.back()));
                      subtree.frames.push_back(&frames.back());
                    }
                    refinement.refine(std::move(cell.polytope), subtree, records);
                  }
                  limits.regions += static_cast<long>(records.size());
                  tally(start);
                  return first;
                }) &
            tbb::make_filter<long, void>(tbb::filter_mode::serial_in_order, [&](long first) {
              std::vector<RegionRecord> records = std::move(results[static_cast<size_t>(first / run)]);
              for (RegionRecord& r : records) sink.add(std::move(r));
              limits.check(0);
              done = std::min(total, first + run);
              if (options.progress) options.progress(done, total, limits.regions.load());
            }));
  });
  return {filtered.load(), exact.load()};
}

}  // namespace relutope
