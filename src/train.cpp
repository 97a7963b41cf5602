#include "relutope/train.hpp"

#include "random.hpp"
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
  std::vector<MatD> a;      // ReLU(z) of the hidden layers
  std::vector<MatD> delta;  // dLoss/dz of every layer
  MatD back, residual;
};

const MatD& forward(const std::vector<Layer>& layers, const MatD& input, Workspace& ws) {
  ws.z.resize(layers.size());
  ws.a.resize(layers.size());
  const MatD* in = &input;
  for (size_t l = 0; l < layers.size(); ++l) {
    ws.z[l].noalias() = layers[l].weight * *in;
    ws.z[l].colwise() += layers[l].bias;
    if (l + 1 < layers.size()) {
      ws.a[l] = ws.z[l].cwiseMax(0.0);
      in = &ws.a[l];
    }
  }
  return ws.z.back();
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
  const double value = loss_and_delta(forward(layers, input, ws), target, loss, &ws.delta.back(), ws.residual);
  for (size_t l = layers.size(); l-- > 0;) {
    const MatD& in = l ? ws.a[l - 1] : input;
    grad[l].weight.noalias() = ws.delta[l] * in.transpose();
    grad[l].bias = ws.delta[l].rowwise().sum();
    if (l == 0) break;
    ws.back.noalias() = layers[l].weight.transpose() * ws.delta[l];
    ws.delta[l - 1] = (ws.z[l - 1].array() > 0.0).select(ws.back, 0.0);
  }
  return value;
}

std::vector<Layer> zeros_like(const std::vector<Layer>& layers) {
  std::vector<Layer> zeros;
  for (const Layer& layer : layers)
    zeros.push_back({MatD::Zero(layer.weight.rows(), layer.weight.cols()), VecD::Zero(layer.bias.size())});
  return zeros;
}

// Adam and SGD exactly as torch.optim implements them (single-tensor, non-fused path).
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
  template <class M>
  void update(M& p, M& g, M& m, M& v) {
    if (c_.weight_decay != 0.0) g += c_.weight_decay * p;
    if (c_.optimizer == TrainConfig::Optimizer::sgd) {
      if (c_.momentum != 0.0) {
        m = t_ == 1 ? g : (c_.momentum * m + g).eval();
        p -= c_.lr * m;
      } else {
        p -= c_.lr * g;
      }
      return;
    }
    const double correction1 = 1.0 - std::pow(c_.beta1, static_cast<double>(t_));
    const double correction2 = 1.0 - std::pow(c_.beta2, static_cast<double>(t_));
    m = c_.beta1 * m + (1.0 - c_.beta1) * g;
    v.array() = c_.beta2 * v.array() + (1.0 - c_.beta2) * g.array().square();
    const double step_size = c_.lr / correction1;
    p.array() -= step_size * m.array() / (v.array().sqrt() / std::sqrt(correction2) + c_.eps);
  }

  const TrainConfig& c_;
  std::vector<Layer> m_, v_;
  long t_ = 0;
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
    Layer layer{MatD(widths[l + 1], widths[l]), VecD(widths[l + 1])};
    for (Eigen::Index i = 0; i < layer.weight.rows(); ++i)
      for (Eigen::Index j = 0; j < layer.weight.cols(); ++j) layer.weight(i, j) = random.uniform(-bound, bound);
    for (Eigen::Index i = 0; i < layer.bias.size(); ++i) layer.bias[i] = random.uniform(-bound, bound);
    net.layers.push_back(std::move(layer));
  }
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

TrainResult train(const TrainConfig& config, const Dataset& data, const TrainObserver& observer) {
  check_train_config(config, "config");
  const int input_dim = static_cast<int>(data.inputs.cols());
  std::vector<int> widths{config.encoding.features(input_dim)};
  widths.insert(widths.end(), config.hidden.begin(), config.hidden.end());
  widths.push_back(static_cast<int>(data.targets.cols()));

  TrainResult result;
  Network& net = result.net;
  net = initial_network(input_dim, config.encoding, widths, config.seed);
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
  auto snapshot = [&](long step) {
    if (observer.on_snapshot) observer.on_snapshot(step, net, full_loss());
  };
  const bool snapshots = config.snapshot_every > 0 && observer.on_snapshot;
  if (snapshots) snapshot(0);

  result.batch_loss.reserve(static_cast<size_t>(config.steps));
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
    optimizer.step(net.layers, grad);
    result.batch_loss.push_back(loss);
    if (observer.on_step) observer.on_step(step, loss);
    if (snapshots && (step % config.snapshot_every == 0 || step == config.steps)) snapshot(step);
  }
  result.final_loss = full_loss();
  if (!std::isfinite(result.final_loss))
    throw InputError("config", "training diverged (loss is " + shortest_decimal(result.final_loss) + "): lower the lr");

  net.meta = {{"preset", config.preset},
              {"task", data.description},
              {"seed", std::to_string(config.seed)},
              {"steps", std::to_string(config.steps)},
              {"training", describe(config)},
              {"final_loss", shortest_decimal(result.final_loss)}};
  return result;
}

}  // namespace relutope
