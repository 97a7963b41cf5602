#pragma once
// Training hyperparameters, the papers' presets, and JSON configuration files.
#include "relutope/train/dataset.hpp"
#include "relutope/network/network.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace relutope {

struct TrainConfig {
  enum class Optimizer { adam, sgd };
  enum class Loss { mse, bce };  // bce: BCEWithLogits, targets in [0,1]

  std::string preset;            // the preset this started from, for provenance ("" if none)
  Task task;
  std::vector<int> hidden;       // widths of the hidden layers
  Encoding encoding;
  Activation activation;         // after every hidden layer (the output layer has none)
  Optimizer optimizer = Optimizer::adam;
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam (PyTorch's defaults)
  double momentum = 0.0;                          // SGD
  double weight_decay = 0.0;                      // L2, added to the gradient as PyTorch does
  Loss loss = Loss::mse;
  int batch_size = 0;            // 0: full batch; else minibatches reshuffled every epoch
  long steps = 1000;             // optimizer steps
  std::uint64_t seed = 0;
  long snapshot_every = 0;       // 0: no snapshots
};

/// The named presets (rahaman-sines, rahaman-sines-increasing, lazzari-random-rgb,
/// lazzari-random-rgb-pe, rahaman-flower, rahaman-flower-classify). Throws InputError("--preset").
TrainConfig preset(const std::string& name);
std::vector<std::string> preset_names();

/// Reads a JSON config: an optional "preset" to start from, then any field overridden (see the
/// README for the keys). Unknown keys are errors, so a typo is never silently ignored; so are
/// values of the wrong JSON type (an integer key must hold a JSON integer that fits its field:
/// no rounding of 1.9, no wrapping of -1). Checks the result with check_train_config(path).
/// Throws InputError(path, fault).
TrainConfig read_train_config(const std::string& path);

/// The same from the JSON text itself; `source` names it in errors.
TrainConfig parse_train_config(const std::string& text, const std::string& source);

/// Checks the values make sense (positive lr and steps, loss fits the targets, ...) and that
/// the task fits its kind (check_task). Throws InputError(source, fault).
void check_train_config(const TrainConfig& config, const std::string& source);

}  // namespace relutope
