#include "relutope/train/train.hpp"

#include "train/random.hpp"
#include "relutope/error.hpp"

#include <cmath>
#include <numeric>

namespace relutope {
namespace {

using internal::Random;
using internal::Stream;
using Loss = TrainConfig::Loss;

// Activations of one forward pass, kept for the backward pass; features x points throughout,
// so that a minibatch is a block of contiguous columns.
// Buffers keep their shapes from step to step: reallocating them (and Eigen's product buffers
// being returned to the OS) cost a third of a small network's step in page faults.
struct Workspace {
  std::vector<MatD> z;      // pre-activations of every layer
  std::vector<MatD> a;      // the activation of z, for layers whose activation has a kink
  std::vector<MatD> delta;  // dLoss/dz of every layer
  MatD back, residual;
};

// Layer l's output: its activation of z, or z itself under identity.
const MatD& output(const std::vector<Layer>& layers, size_t l, const Workspace& ws) {
  return layers[l].activation.has_kink() ? ws.a[l] : ws.z[l];
}

const MatD& forward(const std::vector<Layer>& layers, const MatD& input, Workspace& ws) {
  ws.z.resize(layers.size());
  ws.a.resize(layers.size());
  const MatD* in = &input;
  for (size_t l = 0; l < layers.size(); ++l) {
    ws.z[l].noalias() = layers[l].weight * *in;
    ws.z[l].colwise() += layers[l].bias;
    if (layers[l].activation.has_kink()) activate(layers[l].activation, ws.z[l], ws.a[l]);
    in = &output(layers, l, ws);
  }
  return *in;
}

double sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

// Mean loss over all entries; writes dLoss/d(output) into delta when it is non-null.
double loss_and_delta(const MatD& out, const MatD& target, Loss loss, MatD* delta, MatD& residual) {
  const double count = static_cast<double>(out.size());
  if (loss == Loss::mse) {
    residual.noalias() = out - target;
    if (delta) delta->noalias() = (2.0 / count) * residual;
    return residual.squaredNorm() / count;
  }
  // BCEWithLogits, in the stable form max(z,0) - z y + log(1 + e^{-|z|}).
  const auto z = out.array();
  const auto y = target.array();
  const double sum = (z.max(0.0) - z * y + (-z.abs()).exp().log1p()).sum();
  if (delta) *delta = ((z.unaryExpr(&sigmoid) - y) / count).matrix();
  return sum / count;
}

double forward_backward(const std::vector<Layer>& layers, const MatD& input, const MatD& target, Loss loss,
                        Workspace& ws, std::vector<Layer>& grad) {
  ws.delta.resize(layers.size());
  const double value = loss_and_delta(forward(layers, input, ws), target, loss, &ws.back, ws.residual);
  for (size_t l = layers.size(); l-- > 0;) {
    // dLoss/dz from dLoss/d(output): the activation's slope, 1 above zero.
    backpropagate(layers[l].activation, ws.z[l], ws.back, ws.delta[l]);
    const MatD& in = l ? output(layers, l - 1, ws) : input;
    grad[l].weight.noalias() = ws.delta[l] * in.transpose();
    grad[l].bias = ws.delta[l].rowwise().sum();
    if (l == 0) break;
    ws.back.noalias() = layers[l].weight.transpose() * ws.delta[l];
  }
  return value;
}

std::vector<Layer> zeros_like(const std::vector<Layer>& layers) {
  std::vector<Layer> zeros;
  for (const Layer& layer : layers)
    zeros.push_back({MatD::Zero(layer.weight.rows(), layer.weight.cols()), VecD::Zero(layer.bias.size()), layer.activation});
  return zeros;
}

// Adam and SGD as torch.optim 1.13 computes them (its default single-tensor path), in its
// operation order and rounding.
class Optimizer {
public:
  Optimizer(const TrainConfig& config, const std::vector<Layer>& layers)
      : c_(config), m_(zeros_like(layers)), v_(zeros_like(layers)) {}

  void step(std::vector<Layer>& params, std::vector<Layer>& grad) {
    ++t_;
    for (size_t l = 0; l < params.size(); ++l) {
      update(params[l].weight, grad[l].weight, m_[l].weight, v_[l].weight);
      update(params[l].bias, grad[l].bias, m_[l].bias, v_[l].bias);
    }
  }

private:
  // Where torch's vectorised CPU kernels fuse a multiply and an add (add_ with alpha is
  // vec::fmadd, and addcmul's product and sum are contracted into one FMA), std::fma fuses
  // here; everything else rounds as written, and no multiply is left feeding an add for the
  // compiler to contract. Element by element this equals Debian's torch 1.13.1 on x86-64 bit
  // for bit (two to five steps of Adam and SGD, with and without weight decay and momentum).
  template <class M>
  void update(M& p, M& g, M& m, M& v) {
    const Eigen::Index n = p.size();
    double* const pd = p.data();
    double* const gd = g.data();
    double* const md = m.data();
    double* const vd = v.data();
    if (c_.weight_decay != 0.0)  // grad.add(param, alpha=weight_decay)
      for (Eigen::Index i = 0; i < n; ++i) gd[i] = std::fma(c_.weight_decay, pd[i], gd[i]);
    if (c_.optimizer == TrainConfig::Optimizer::sgd) {
      const double* d = gd;
      if (c_.momentum != 0.0) {  // buf = clone(d_p), then buf.mul_(momentum).add_(d_p): two roundings
        if (t_ == 1) {
          m = g;
        } else {
          m *= c_.momentum;
          m += g;
        }
        d = md;
      }
      for (Eigen::Index i = 0; i < n; ++i) pd[i] = std::fma(-c_.lr, d[i], pd[i]);  // param.add_(d_p, alpha=-lr)
      return;
    }
    const double beta1 = c_.beta1, beta2 = c_.beta2;
    // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
    for (Eigen::Index i = 0; i < n; ++i) {
      md[i] = std::fma(1.0 - beta1, gd[i], md[i] * beta1);
      vd[i] = std::fma((1.0 - beta2) * gd[i], gd[i], vd[i] * beta2);
    }
    const double correction1 = 1.0 - std::pow(beta1, static_cast<double>(t_));
    const double correction2 = 1.0 - std::pow(beta2, static_cast<double>(t_));
    const double step_size = c_.lr / correction1;
    // denom = exp_avg_sq.sqrt() / sqrt(bias_correction2) + eps; param.addcdiv_(exp_avg, denom,
    // value=-step_size), which computes param + (value * exp_avg) / denom.
    p.array() += ((-step_size) * m.array()) / (v.array().sqrt() / std::sqrt(correction2) + c_.eps);
  }

  const TrainConfig& c_;
  std::vector<Layer> m_, v_;
  long t_ = 0;
};

bool all_finite(const std::vector<Layer>& layers) {
  for (const Layer& layer : layers)
    if (!layer.weight.allFinite() || !layer.bias.allFinite()) return false;
  return true;
}

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

LossGradient loss_gradient(const Network& net, const MatD& X, const MatD& Y, Loss loss) {
  Workspace ws;
  LossGradient result;
  result.layers = zeros_like(net.layers);
  const MatD input = encode(net.encoding, X).transpose();
  const MatD target = Y.transpose();
  result.loss = forward_backward(net.layers, input, target, loss, ws, result.layers);
  return result;
}

TrainResult train(const TrainConfig& config, const Dataset& data, const TrainObserver& observer,
                  const std::string& source) {
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

  Workspace ws;
  std::vector<Layer> grad = zeros_like(net.layers);
  Optimizer optimizer(config, net.layers);
  Random shuffle(config.seed, Stream::shuffle);
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Eigen::Index position = n;  // start of the next minibatch in `order`; n: epoch finished
  MatD batch_input, batch_target;

  Workspace full;  // whole-data evaluations keep their own buffers, so the step's keep their shapes
  auto full_loss = [&] {
    return loss_and_delta(forward(net.layers, input, full), target, config.loss, nullptr, full.residual);
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
      loss = forward_backward(net.layers, input, target, config.loss, ws, grad);
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
      loss = forward_backward(net.layers, batch_input, batch_target, config.loss, ws, grad);
    }
    if (!std::isfinite(loss)) throw diverged(step, loss);
    optimizer.step(net.layers, grad);
    if (!all_finite(net.layers)) throw diverged(step, loss);
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
