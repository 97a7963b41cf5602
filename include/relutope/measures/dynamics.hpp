#pragma once
// A training run's snapshots (relutope train --snapshots DIR): writing and reading them, and
// analyses over them.
#include "relutope/domain.hpp"
#include "relutope/exact.hpp"
#include "relutope/network/network.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace relutope {

/// One snapshot: the step, the loss on the whole data, the network file.
struct Snapshot {
  long step = 0;
  double loss = 0;
  std::string path;
};

/// The network of a snapshot: `net` with its step, loss and the run's preset in meta.
Network snapshot_network(const Network& net, long step, double loss, const std::string& preset);

/// Writes a training run's snapshots into a directory: the training data data.csv (first, so that
/// the directory alone can be analysed), step_<step>.json (the network, with its step, loss and
/// preset in meta), the index snapshots.csv ("step,loss,file", rewritten whole after every
/// snapshot, so that an interrupted run leaves a directory read_snapshots accepts) and, at the
/// end, losses.csv ("step,batch_loss").
class SnapshotWriter {
public:
  /// Creates `dir` and writes data.csv: the training `inputs` (#samples x input_dim) and
  /// `targets` (#samples x outputs), as write_training_data. Throws InputError naming the
  /// directory or file when it cannot.
  SnapshotWriter(std::string dir, std::string preset, const MatD& inputs, const MatD& targets);
  /// Writes the network at `step` (with its `loss` on the whole data) and rewrites the index.
  void add(long step, const Network& net, double loss);
  /// Writes losses.csv: the loss of every step's batch, steps from 1.
  void write_losses(const std::vector<double>& batch_loss) const;

private:
  std::string dir_, preset_, index_ = "step,loss,file\n";
};

/// A run's training data: inputs #samples x input_dim, targets #samples x outputs.
struct TrainingData {
  MatD inputs, targets;
};

/// Writes DIR/data.csv atomically: the header "x0,..,x<d-1>,y0,..,y<m-1>", then one sample a
/// line, every double in its shortest decimal that reads back to the same bits.
void write_training_data(const std::string& dir, const TrainingData& data);

/// Reads DIR/data.csv; none when the directory has no data.csv (written before relutope kept
/// the data beside the snapshots). Throws InputError naming the file when it is malformed.
std::optional<TrainingData> read_training_data(const std::string& dir);

/// Reads DIR/snapshots.csv ("step,loss,file", files relative to DIR), in step order.
/// Throws InputError naming the file when it is missing or malformed.
std::vector<Snapshot> read_snapshots(const std::string& dir);

/// Rahaman et al. Fig. 1, computed exactly: for every snapshot of a 1-input network, the
/// normalised amplitudes 2 |c(k_i)| / A_i of output 0 on `domain` (1 when the network carries
/// the target's A_i sin(2 pi k_i z + phi_i) exactly; the paper clips its colour bar at 1), from
/// the exact regions and the certified spectrum, and each layer's spectral norm (in double).
struct SpectrumDynamics {
  std::vector<long> steps;
  std::vector<double> frequencies;
  MatD amplitude;        // #snapshots x #frequencies
  MatD spectral_norms;   // #snapshots x #layers
};
SpectrumDynamics spectrum_dynamics(const std::vector<Snapshot>& snapshots, const Box& domain,
                                   const std::vector<double>& frequencies, const std::vector<double>& amplitudes,
                                   const std::function<void(long done, long total)>& progress = {});

/// The same over networks held in memory (a run's snapshots in Python), net i at steps[i].
SpectrumDynamics spectrum_dynamics(const std::vector<long>& steps, const std::vector<Network>& nets, const Box& domain,
                                   const std::vector<double>& frequencies, const std::vector<double>& amplitudes,
                                   const std::function<void(long done, long total)>& progress = {});

}  // namespace relutope
