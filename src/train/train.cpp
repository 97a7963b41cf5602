#include "relutope/train/train.hpp"

#include "train/random.hpp"
#include "relutope/error.hpp"
#include "train/thread_pool.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace relutope {
namespace {

using internal::Random;
using internal::Stream;
using internal::ThreadPool;
using Loss = TrainConfig::Loss;

// How the trainer uses threads without changing a bit of its results.
//
// Every matrix is features x points, so the points of a batch are columns. A step runs in two
// loops over the threads (ThreadPool::run):
//  1. the batch's columns are cut into blocks, and each block goes forward through every layer,
//     gets its dLoss/d(output) and goes back again, each on its own: a column of a product
//     W * A depends on that column of A alone;
//  2. then the gradient of each layer's weights, delta * input^T, a sum over all the points, is
//     cut by its columns (the layer's inputs) into blocks, each a product over the whole batch,
//     and each block of weights takes its optimizer update as soon as its gradient is there.
// The loss itself, a sum over the batch, is taken between the two, on one thread.
//
// No sum is split between threads, but each block is a smaller matrix product for Eigen, and
// Eigen's kernels compute an entry of a product with different operations depending on where it
// lies: they take columns by 4 (the matrix-matrix kernel) and by 8 (the matrix-vector kernel,
// which Eigen uses when a side is a single row or column), rows by packets, with other code for
// the rest, and a product with fewer than 20 rows + columns + depth is done coefficient-wise. So
// the blocks are cut at multiples of 8 points, or of 8 inputs of the layer for its weights' blocks,
// which also keeps every block's address at the same place modulo 64 bytes, and are at least 32
// wide unless there is only one. Then every entry of every product is computed by the
// same operations, in the same order, on the same values as by one product over the whole
// matrix, which is what the trainer did on one thread; and the depth of each product, on which
// Eigen's cache blocking depends, is the same whatever the blocks. So results do not depend on
// the number of threads: tests/test_train.cpp checks that, and that they equal the whole-matrix
// products bit for bit.
constexpr Eigen::Index block_granule = 8;
constexpr Eigen::Index min_block = 32;

struct Range {
  Eigen::Index begin, size;
};

// [0, n) cut into at most `parts` ranges: each begins at a multiple of block_granule, and none is
// shorter than min_block unless it is the only one.
std::vector<Range> blocks(Eigen::Index n, Eigen::Index parts) {
  const Eigen::Index granules = n / block_granule;
  parts = std::min(parts, granules / (min_block / block_granule));
  if (parts <= 1) return {{0, n}};
  std::vector<Range> result;
  Eigen::Index begin = 0;
  for (Eigen::Index p = 0; p < parts; ++p) {
    const Eigen::Index end = p + 1 == parts ? n : (granules * (p + 1) / parts) * block_granule;
    result.push_back({begin, end - begin});
    begin = end;
  }
  return result;
}

// Activations of one forward pass, kept for the backward pass. Buffers keep their shapes from
// step to step: reallocating them (and Eigen's product buffers being returned to the OS) cost a
// third of a small network's step in page faults.
struct Workspace {
  std::vector<MatD> z;      // pre-activations of every layer but the ReLU ones (see forward())
  std::vector<MatD> a;      // the activation of z, for layers whose activation has a kink
  std::vector<MatD> delta;  // dLoss/dz of every layer
  MatD residual;            // MSE: output - target
  // Buffers for `layers` on n points (the residual too), and dLoss/dz if `backward`.
  void shape(const std::vector<Layer>& layers, Eigen::Index n, bool backward) {
    z.resize(layers.size());
    a.resize(layers.size());
    delta.resize(backward ? layers.size() : 0);
    for (size_t l = 0; l < layers.size(); ++l) {
      const Eigen::Index rows = layers[l].weight.rows();
      if (layers[l].activation.kind != Activation::Kind::relu) z[l].resize(rows, n);
      if (layers[l].activation.has_kink()) a[l].resize(rows, n);
      if (backward) delta[l].resize(rows, n);
    }
    residual.resize(layers.back().weight.rows(), n);
  }
};

// Layer l's output: its activation of z, or z itself under identity.
const MatD& output(const std::vector<Layer>& layers, size_t l, const Workspace& ws) {
  return layers[l].activation.has_kink() ? ws.a[l] : ws.z[l];
}

using Block = Eigen::Block<MatD, Eigen::Dynamic, Eigen::Dynamic, true>;

// Columns [r.begin, r.begin + r.size) of `input` through every layer, rounding as
// relutope::activate does.
void forward(const std::vector<Layer>& layers, const MatD& input, Workspace& ws, Range r) {
  for (size_t l = 0; l < layers.size(); ++l) {
    const Layer& layer = layers[l];
    const auto in = (l ? output(layers, l - 1, ws) : input).middleCols(r.begin, r.size);
    if (layer.activation.kind == Activation::Kind::relu) {
      // z = W in + b and max(z, 0) in one pass over the memory. z itself is not kept: the
      // backward pass needs only where z > 0, which is where max(z, 0) > 0.
      Block a = ws.a[l].middleCols(r.begin, r.size);
      a.noalias() = layer.weight * in;
      a = (a.colwise() + layer.bias).cwiseMax(0.0);
      continue;
    }
    Block z = ws.z[l].middleCols(r.begin, r.size);
    z.noalias() = layer.weight * in;
    z.colwise() += layer.bias;
    if (layer.activation.kind == Activation::Kind::leaky_relu)
      ws.a[l].middleCols(r.begin, r.size) =
          z.unaryExpr([slope = layer.activation.negative_slope](double v) { return v > 0 ? v : v * slope; });
  }
}

// dLoss/dz from dLoss/d(output) in place on columns r of layer l, rounding as
// relutope::backpropagate does: the activation's slope, 1 above zero.
void backpropagate(const std::vector<Layer>& layers, size_t l, Workspace& ws, Range r) {
  Block delta = ws.delta[l].middleCols(r.begin, r.size);
  switch (layers[l].activation.kind) {
    case Activation::Kind::relu:  // z > 0 where max(z, 0) > 0
      delta = (ws.a[l].middleCols(r.begin, r.size).array() > 0.0).select(delta, 0.0);
      return;
    case Activation::Kind::identity: return;
    case Activation::Kind::leaky_relu:
      delta = (ws.z[l].middleCols(r.begin, r.size).array() > 0.0)
                  .select(delta, layers[l].activation.negative_slope * delta.array());
      return;
  }
}

double sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

// The output's residual (MSE) and, if `delta`, dLoss/d(output) into delta, on a block of columns.
void output_delta(const MatD& out, const MatD& target, Loss loss, Workspace& ws, MatD* delta, Range r) {
  const double count = static_cast<double>(out.size());
  if (loss == Loss::mse) {
    Block residual = ws.residual.middleCols(r.begin, r.size);
    residual.noalias() = out.middleCols(r.begin, r.size) - target.middleCols(r.begin, r.size);
    if (delta) delta->middleCols(r.begin, r.size).noalias() = (2.0 / count) * residual;
    return;
  }
  if (delta)
    delta->middleCols(r.begin, r.size) =
        ((out.middleCols(r.begin, r.size).array().unaryExpr(&sigmoid) - target.middleCols(r.begin, r.size).array()) /
         count)
            .matrix();
}

// The mean loss over all entries, from the output (and for MSE the residual output_delta left):
// one sum over the whole batch, on one thread.
double loss_value(const MatD& out, const MatD& target, Loss loss, const Workspace& ws) {
  const double count = static_cast<double>(out.size());
  if (loss == Loss::mse) return ws.residual.squaredNorm() / count;
  // BCEWithLogits, in the stable form max(z,0) - z y + log(1 + e^{-|z|}).
  const auto z = out.array();
  const auto y = target.array();
  return (z.max(0.0) - z * y + (-z.abs()).exp().log1p()).sum() / count;
}

// The loss of `layers` on all of input -> target.
double whole_loss(const std::vector<Layer>& layers, const MatD& input, const MatD& target, Loss loss, Workspace& ws,
                  ThreadPool& pool) {
  const Eigen::Index n = input.cols();
  ws.shape(layers, n, false);
  const std::vector<Range> columns = blocks(n, pool.threads());
  pool.run(static_cast<int>(columns.size()), [&](int i) {
    const Range r = columns[static_cast<size_t>(i)];
    forward(layers, input, ws, r);
    output_delta(output(layers, layers.size() - 1, ws), target, loss, ws, nullptr, r);
  });
  return loss_value(output(layers, layers.size() - 1, ws), target, loss, ws);
}

std::vector<Layer> zeros_like(const std::vector<Layer>& layers) {
  std::vector<Layer> zeros;
  for (const Layer& layer : layers)
    zeros.push_back({MatD::Zero(layer.weight.rows(), layer.weight.cols()), VecD::Zero(layer.bias.size()), layer.activation});
  return zeros;
}

// A block of a layer's parameters: its bias, or some columns of its weight.
struct ParameterBlock {
  size_t layer;
  bool bias;
  Range columns;  // of the weight
  double work;    // multiply-adds of its gradient, to hand the largest out first
};

// Pointer and length of a block in a layer's weight or bias.
template <class L>
auto span(L& layer, const ParameterBlock& b) {
  auto* data = b.bias ? layer.bias.data() : layer.weight.data() + b.columns.begin * layer.weight.rows();
  return std::make_pair(data, b.bias ? layer.bias.size() : b.columns.size * layer.weight.rows());
}

// Adam and SGD as torch.optim 1.13 computes them (its default single-tensor path), in its
// operation order and rounding. Element by element, so blocks of parameters update on their own.
class Optimizer {
public:
  Optimizer(const TrainConfig& config, const std::vector<Layer>& layers)
      : c_(config), m_(zeros_like(layers)), v_(zeros_like(layers)) {}

  // The step's constants; then update() every block of parameters once.
  void begin_step() {
    ++t_;
    const double correction1 = 1.0 - std::pow(c_.beta1, static_cast<double>(t_));
    const double correction2 = 1.0 - std::pow(c_.beta2, static_cast<double>(t_));
    step_size_ = c_.lr / correction1;
    sqrt_correction2_ = std::sqrt(correction2);
  }

  // Updates a block of parameters; whether they are all finite after it.
  bool update(std::vector<Layer>& params, std::vector<Layer>& grad, const ParameterBlock& b) {
    const auto [p, n] = span(params[b.layer], b);
    double* const g = span(grad[b.layer], b).first;
    double* const m = span(m_[b.layer], b).first;
    double* const v = span(v_[b.layer], b).first;
    // A few thousand at a time, so that the passes over them find them in the L1 cache.
    constexpr Eigen::Index chunk = 2048;
    bool finite = true;
    for (Eigen::Index i = 0; i < n; i += chunk) {
      const Eigen::Index size = std::min(chunk, n - i);
      update(p + i, g + i, m + i, v + i, size);
      finite = finite && Eigen::Map<const Eigen::ArrayXd>(p + i, size).allFinite();
    }
    return finite;
  }

private:
  // Where torch's vectorised CPU kernels fuse a multiply and an add (add_ with alpha is
  // vec::fmadd, and addcmul's product and sum are contracted into one FMA), std::fma fuses
  // here; everything else rounds as written, and no multiply is left feeding an add for the
  // compiler to contract. Element by element this equals Debian's torch 1.13.1 on x86-64 bit
  // for bit (two to five steps of Adam and SGD, with and without weight decay and momentum).
  // One pass over the elements, which GCC vectorises: the pointers do not overlap, and
  // src/train.cpp is compiled with -fno-math-errno -fno-rounding-math (see CMakeLists.txt).
  // Vector and scalar sqrt, division and fma round the same: correctly.
  void update(double* __restrict pd, double* __restrict gd, double* __restrict md, double* __restrict vd,
              Eigen::Index n) const {
    const double weight_decay = c_.weight_decay;
    if (weight_decay != 0.0)  // grad.add(param, alpha=weight_decay)
      for (Eigen::Index i = 0; i < n; ++i) gd[i] = std::fma(weight_decay, pd[i], gd[i]);
    if (c_.optimizer == TrainConfig::Optimizer::sgd) {
      const double momentum = c_.momentum, lr = c_.lr;
      if (momentum == 0.0) {
        for (Eigen::Index i = 0; i < n; ++i) pd[i] = std::fma(-lr, gd[i], pd[i]);  // param.add_(d_p, alpha=-lr)
      } else if (t_ == 1) {  // buf = clone(d_p)
        for (Eigen::Index i = 0; i < n; ++i) {
          md[i] = gd[i];
          pd[i] = std::fma(-lr, md[i], pd[i]);
        }
      } else {  // buf.mul_(momentum).add_(d_p): two roundings
        for (Eigen::Index i = 0; i < n; ++i) {
          const double buf = md[i] * momentum;
          md[i] = buf + gd[i];
          pd[i] = std::fma(-lr, md[i], pd[i]);
        }
      }
      return;
    }
    const double beta1 = c_.beta1, beta2 = c_.beta2, eps = c_.eps;
    const double step_size = step_size_, sqrt_correction2 = sqrt_correction2_;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double g = gd[i];
      // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
      const double m = std::fma(1.0 - beta1, g, md[i] * beta1);
      const double v = std::fma((1.0 - beta2) * g, g, vd[i] * beta2);
      md[i] = m;
      vd[i] = v;
      // denom = exp_avg_sq.sqrt() / sqrt(bias_correction2) + eps; param.addcdiv_(exp_avg, denom,
      // value=-step_size), which computes param + (value * exp_avg) / denom.
      const double denom = std::sqrt(v) / sqrt_correction2 + eps;
      pd[i] = pd[i] + ((-step_size) * m) / denom;
    }
  }

  const TrainConfig& c_;
  std::vector<Layer> m_, v_;
  long t_ = 0;
  double step_size_ = 0, sqrt_correction2_ = 0;
};

// Forward and backward passes on `input` -> `target` with the gradient of every parameter in
// `grad`, and, given an optimizer, its update of `layers` block by block as their gradients come.
class Backprop {
public:
  explicit Backprop(ThreadPool& pool) : pool_(pool) {}

  // The loss, with dLoss/dz of every layer in the workspace: the first loop.
  double loss(const std::vector<Layer>& layers, const MatD& input, const MatD& target, Loss loss) {
    const Eigen::Index n = input.cols();
    ws_.shape(layers, n, true);
    const std::vector<Range> columns = blocks(n, pool_.threads());
    const size_t last = layers.size() - 1;
    pool_.run(static_cast<int>(columns.size()), [&](int i) {
      const Range r = columns[static_cast<size_t>(i)];
      forward(layers, input, ws_, r);
      output_delta(output(layers, last, ws_), target, loss, ws_, &ws_.delta[last], r);
      for (size_t l = last;; --l) {
        backpropagate(layers, l, ws_, r);
        if (l == 0) break;
        ws_.delta[l - 1].middleCols(r.begin, r.size).noalias() =
            layers[l].weight.transpose() * ws_.delta[l].middleCols(r.begin, r.size);
      }
    });
    return loss_value(output(layers, last, ws_), target, loss, ws_);
  }

  // The gradient after loss(): the second loop. With an optimizer, also its step (begin_step
  // already called); then whether every updated parameter is finite.
  bool gradient(std::vector<Layer>& layers, const MatD& input, std::vector<Layer>& grad, Optimizer* optimizer) {
    plan(layers, input.cols());
    finite_.assign(blocks_.size(), 1);
    pool_.run(static_cast<int>(blocks_.size()), [&](int i) {
      const ParameterBlock& b = blocks_[static_cast<size_t>(i)];
      const size_t l = b.layer;
      if (b.bias) {
        grad[l].bias = ws_.delta[l].rowwise().sum();
      } else {
        const MatD& in = l ? output(layers, l - 1, ws_) : input;
        grad[l].weight.middleCols(b.columns.begin, b.columns.size).noalias() =
            ws_.delta[l] * in.middleRows(b.columns.begin, b.columns.size).transpose();
      }
      if (optimizer) finite_[static_cast<size_t>(i)] = optimizer->update(layers, grad, b);
    });
    return std::all_of(finite_.begin(), finite_.end(), [](char f) { return f != 0; });
  }

private:
  // The parameter blocks for `layers` and a batch of n points, the largest gradients first.
  void plan(const std::vector<Layer>& layers, Eigen::Index n) {
    if (n == planned_for_) return;
    planned_for_ = n;
    blocks_.clear();
    double total = 0;
    for (const Layer& layer : layers) total += static_cast<double>(layer.weight.size()) * static_cast<double>(n);
    // A few blocks a thread, so that threads finishing early find work.
    const double share = total / (4.0 * pool_.threads());
    for (size_t l = 0; l < layers.size(); ++l) {
      const Eigen::Index rows = layers[l].weight.rows(), cols = layers[l].weight.cols();
      const double work = static_cast<double>(rows * cols) * static_cast<double>(n);
      const auto parts = pool_.threads() == 1 ? 1 : std::max<Eigen::Index>(1, std::lround(work / share));
      for (const Range& r : blocks(cols, parts))
        blocks_.push_back({l, false, r, static_cast<double>(rows * r.size) * static_cast<double>(n)});
      blocks_.push_back({l, true, {0, 0}, static_cast<double>(rows) * static_cast<double>(n)});
    }
    std::stable_sort(blocks_.begin(), blocks_.end(),
                     [](const ParameterBlock& a, const ParameterBlock& b) { return a.work > b.work; });
  }

  ThreadPool& pool_;
  Workspace ws_;
  std::vector<ParameterBlock> blocks_;
  Eigen::Index planned_for_ = -1;
  std::vector<char> finite_;
};

std::string describe(const TrainConfig& c) {
  std::string hidden;
  for (int w : c.hidden) hidden += (hidden.empty() ? "" : "x") + std::to_string(w);
  return std::string(c.optimizer == TrainConfig::Optimizer::adam ? "adam" : "sgd") + " lr " + shortest_decimal(c.lr) +
         ", " + (c.loss == Loss::mse ? "mse" : "bce") + ", batch " +
         (c.batch_size ? std::to_string(c.batch_size) : std::string("full")) + ", hidden " + hidden;
}

}  // namespace

Network initial_network(int input_dim, const Encoding& encoding, const std::vector<int>& widths, std::uint64_t seed) {
  Random random(seed, Stream::init);
  Network net;
  net.input_dim = input_dim;
  net.encoding = encoding;
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(widths[l]));
    Layer layer{MatD(widths[l + 1], widths[l]), VecD(widths[l + 1]), Activation::relu()};
    for (Eigen::Index i = 0; i < layer.weight.rows(); ++i)
      for (Eigen::Index j = 0; j < layer.weight.cols(); ++j) layer.weight(i, j) = random.uniform(-bound, bound);
    for (Eigen::Index i = 0; i < layer.bias.size(); ++i) layer.bias[i] = random.uniform(-bound, bound);
    net.layers.push_back(std::move(layer));
  }
  net.layers.back().activation = Activation::identity();
  return net;
}

LossGradient loss_gradient(const Network& net, const MatD& X, const MatD& Y, Loss loss, int threads) {
  ThreadPool pool(internal::thread_count(threads));
  Backprop backprop(pool);
  LossGradient result;
  result.layers = zeros_like(net.layers);
  const MatD input = encode(net.encoding, X).transpose();
  const MatD target = Y.transpose();
  result.loss = backprop.loss(net.layers, input, target, loss);
  std::vector<Layer> layers = net.layers;  // gradient() takes them to update, but updates nothing here
  backprop.gradient(layers, input, result.layers, nullptr);
  return result;
}

TrainResult train(const TrainConfig& config, const Dataset& data, const TrainObserver& observer,
                  const std::string& source, int threads) {
  check_train_config(config, source);
  const int input_dim = static_cast<int>(data.inputs.cols());
  std::vector<int> widths{config.encoding.features(input_dim)};
  widths.insert(widths.end(), config.hidden.begin(), config.hidden.end());
  widths.push_back(static_cast<int>(data.targets.cols()));

  TrainResult result;
  Network& net = result.net;
  net = initial_network(input_dim, config.encoding, widths, config.seed);
  for (size_t l = 0; l + 1 < net.layers.size(); ++l) net.layers[l].activation = config.activation;
  net.domain = data.domain;

  const MatD input = encode(config.encoding, data.inputs).transpose();  // features x n
  const MatD target = data.targets.transpose();                          // outputs x n
  const Eigen::Index n = input.cols();
  const Eigen::Index batch = config.batch_size > 0 ? std::min<Eigen::Index>(config.batch_size, n) : n;

  ThreadPool pool(internal::thread_count(threads));
  Backprop backprop(pool);
  std::vector<Layer> grad = zeros_like(net.layers);
  Optimizer optimizer(config, net.layers);
  Random shuffle(config.seed, Stream::shuffle);
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Eigen::Index position = n;  // start of the next minibatch in `order`; n: epoch finished
  MatD batch_input, batch_target;

  Workspace full;  // whole-data evaluations keep their own buffers, so the step's keep their shapes
  auto full_loss = [&] {
    return whole_loss(net.layers, input, target, config.loss, full, pool);
  };
  auto diverged = [&](long step, double loss) {
    return InputError(source, "training diverged at step " + std::to_string(step) + " (loss " +
                                  (std::isnan(loss) ? std::string("nan") : shortest_decimal(loss)) + "): lower the lr");
  };
  auto snapshot = [&](long step) {
    if (!observer.on_snapshot) return;
    const double loss = full_loss();
    if (!std::isfinite(loss)) throw diverged(step, loss);
    observer.on_snapshot(step, net, loss);
  };
  const bool snapshots = config.snapshot_every > 0 && observer.on_snapshot;
  if (snapshots) snapshot(0);

  result.batch_loss.reserve(static_cast<size_t>(std::min(config.steps, 1L << 20)));  // grows past that
  for (long step = 1; step <= config.steps; ++step) {
    double loss;
    if (batch == n) {
      loss = backprop.loss(net.layers, input, target, config.loss);
    } else {
      if (position >= n) {  // a new epoch: reshuffle (Fisher-Yates), as DataLoader(shuffle=True)
        for (Eigen::Index i = n - 1; i > 0; --i)
          std::swap(order[static_cast<size_t>(i)], order[shuffle.below(static_cast<std::uint64_t>(i + 1))]);
        position = 0;
      }
      const Eigen::Index size = std::min(batch, n - position);  // the last batch may be short
      batch_input.resize(input.rows(), size);
      batch_target.resize(target.rows(), size);
      for (Eigen::Index j = 0; j < size; ++j) {
        const Eigen::Index k = order[static_cast<size_t>(position + j)];
        batch_input.col(j) = input.col(k);
        batch_target.col(j) = target.col(k);
      }
      position += size;
      loss = backprop.loss(net.layers, batch_input, batch_target, config.loss);
    }
    if (!std::isfinite(loss)) throw diverged(step, loss);
    optimizer.begin_step();
    if (!backprop.gradient(net.layers, batch == n ? input : batch_input, grad, &optimizer)) throw diverged(step, loss);
    result.batch_loss.push_back(loss);
    if (observer.on_step) observer.on_step(step, loss);
    if (snapshots && (step % config.snapshot_every == 0 || step == config.steps)) snapshot(step);
  }
  result.final_loss = full_loss();
  if (!std::isfinite(result.final_loss)) throw diverged(config.steps, result.final_loss);

  net.meta = {{"preset", config.preset},
              {"task", data.description},
              {"seed", std::to_string(config.seed)},
              {"steps", std::to_string(config.steps)},
              {"training", describe(config)},
              {"final_loss", shortest_decimal(result.final_loss)}};
  return result;
}

}  // namespace relutope
