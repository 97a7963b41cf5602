#pragma once
// The Eigen trainer: float64, PyTorch's initialisation and optimizers, seeded and bit-for-bit
// deterministic for a given seed on a given build, whatever the number of threads.
#include "relutope/train/dataset.hpp"
#include "relutope/network/network.hpp"
#include "relutope/train/train_config.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace relutope {

/// A network with PyTorch's default nn.Linear initialisation: weight and bias both
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a = sqrt(5)), drawn from `seed`.
/// `widths` = {features, hidden..., outputs}.
Network initial_network(int input_dim, const Encoding& encoding, const std::vector<int>& widths,
                        std::uint64_t seed);

/// The mean loss over the points and its gradient with respect to every weight and bias.
struct LossGradient {
  double loss = 0.0;
  std::vector<Layer> layers;  // same shapes as the network's
};

/// Loss of `net` on inputs X (#points x input_dim) against targets Y (#points x outputs), and
/// its gradient by backpropagation. MSE is the mean over all #points x #outputs entries (as
/// torch.nn.MSELoss); BCE likewise (torch.nn.BCEWithLogitsLoss). On `threads` threads (0: one a
/// hardware thread), with the same result to the bit for any number of them (see train()).
LossGradient loss_gradient(const Network& net, const MatD& X, const MatD& Y, TrainConfig::Loss loss,
                           int threads = 1);

/// Called as training goes: after every step with the minibatch loss, and at snapshot steps
/// (step 0, every snapshot_every, the last) with the network and its loss on the whole data.
struct TrainObserver {
  std::function<void(long step, double batch_loss)> on_step;
  std::function<void(long step, const Network& net, double loss)> on_snapshot;
};

struct TrainResult {
  Network net;                     // carries the task's domain and provenance in meta
  std::vector<double> batch_loss;  // loss of each step's minibatch, step 1..steps
  double final_loss = 0.0;         // on the whole data
};

/// Trains a network from initial_network(config.seed) on `data` with the config's optimizer.
/// `source` names the configuration (its file, or the preset) in errors: InputError(source, ...)
/// for a config that check_train_config refuses, and "training diverged at step N (loss x)" at
/// the first step whose loss, or whose updated weights, are not finite, before any snapshot of
/// such a network reaches the observer.
///
/// `threads`: how many threads compute the gradients (0: one a hardware thread; the observer is
/// called on the caller's). The result is the same to the bit for any number of them: the points
/// of a batch are cut into blocks that go forward and back on their own, and the gradient of each
/// layer's weights into blocks of its columns, each summed over the whole batch; no sum is split,
/// and each entry of each product is computed by the same operations in the same order (see
/// src/train.cpp). Small problems (a few hundred points) gain little from a second thread.
TrainResult train(const TrainConfig& config, const Dataset& data, const TrainObserver& observer = {},
                  const std::string& source = "config", int threads = 0);

}  // namespace relutope
