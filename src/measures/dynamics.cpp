#include "relutope/measures/dynamics.hpp"

#include "relutope/atomic_file.hpp"
#include "relutope/error.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/engine/partition.hpp"
#include "relutope/spectrum/spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace relutope {

SnapshotWriter::SnapshotWriter(std::string dir, std::string preset, const MatD& inputs, const MatD& targets)
    : dir_(std::move(dir)), preset_(std::move(preset)) {
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) throw InputError(dir_, "cannot create the snapshot directory: " + error.message());
  write_training_data(dir_, {inputs, targets});
}

void write_training_data(const std::string& dir, const TrainingData& data) {
  std::ostringstream csv;
  std::string separator;
  for (Eigen::Index j = 0; j < data.inputs.cols(); ++j, separator = ",") csv << separator << "x" << j;
  for (Eigen::Index j = 0; j < data.targets.cols(); ++j, separator = ",") csv << separator << "y" << j;
  csv << "\n";
  for (Eigen::Index i = 0; i < data.inputs.rows(); ++i) {
    separator.clear();
    for (Eigen::Index j = 0; j < data.inputs.cols(); ++j, separator = ",") csv << separator << shortest_decimal(data.inputs(i, j));
    for (Eigen::Index j = 0; j < data.targets.cols(); ++j, separator = ",") csv << separator << shortest_decimal(data.targets(i, j));
    csv << "\n";
  }
  write_text_atomically((std::filesystem::path(dir) / "data.csv").string(), csv.str());
}

namespace {

// The comma-separated fields of a line.
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, ',');) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

std::optional<TrainingData> read_training_data(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "data.csv").string();
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    throw InputError(path, "cannot open the training data");
  }
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = fields(line);
  long d = 0, m = 0;  // the header is x0..x<d-1>, then y0..y<m-1>
  while (d < static_cast<long>(header.size()) && header[static_cast<size_t>(d)] == "x" + std::to_string(d)) ++d;
  while (d + m < static_cast<long>(header.size()) && header[static_cast<size_t>(d + m)] == "y" + std::to_string(m)) ++m;
  if (d == 0 || m == 0 || d + m != static_cast<long>(header.size()))
    throw InputError(path, "line 1: expected the header x0,..,y0,.. (inputs, then targets)");
  std::vector<double> values;
  long samples = 0;
  for (long number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::vector<std::string> row = fields(line);
    if (static_cast<long>(row.size()) != d + m)
      throw InputError(path, "line " + std::to_string(number) + ": expected " + std::to_string(d + m) + " numbers");
    for (const std::string& field : row) {
      char* end = nullptr;
      const double value = std::strtod(field.c_str(), &end);
      if (field.empty() || end != field.c_str() + field.size() || !std::isfinite(value))
        throw InputError(path, "line " + std::to_string(number) + ": '" + field + "' is not a finite number");
      values.push_back(value);
    }
    ++samples;
  }
  if (samples == 0) throw InputError(path, "no samples");
  TrainingData data{MatD(samples, d), MatD(samples, m)};
  for (long i = 0; i < samples; ++i)
    for (long j = 0; j < d + m; ++j) {
      const double value = values[static_cast<size_t>(i * (d + m) + j)];
      if (j < d) data.inputs(i, j) = value;
      else data.targets(i, j - d) = value;
    }
  return data;
}

Network snapshot_network(const Network& net, long step, double loss, const std::string& preset) {
  Network snapshot = net;
  snapshot.meta = {{"step", std::to_string(step)}, {"loss", shortest_decimal(loss)}, {"preset", preset}};
  return snapshot;
}

void SnapshotWriter::add(long step, const Network& net, double loss) {
  const Network snapshot = snapshot_network(net, step, loss, preset_);
  char name[32];
  std::snprintf(name, sizeof name, "step_%09ld.json", step);
  write_network(snapshot, (std::filesystem::path(dir_) / name).string(), NetworkFormat::json);
  index_ += std::to_string(step) + "," + shortest_decimal(loss) + "," + name + "\n";
  write_text_atomically((std::filesystem::path(dir_) / "snapshots.csv").string(), index_);
}

void SnapshotWriter::write_losses(const std::vector<double>& batch_loss) const {
  std::ostringstream losses;
  losses << "step,batch_loss\n";
  for (size_t i = 0; i < batch_loss.size(); ++i) losses << i + 1 << "," << shortest_decimal(batch_loss[i]) << "\n";
  write_text_atomically((std::filesystem::path(dir_) / "losses.csv").string(), losses.str());
}

std::vector<Snapshot> read_snapshots(const std::string& dir) {
  const std::string index = (std::filesystem::path(dir) / "snapshots.csv").string();
  std::ifstream in(index);
  if (!in) throw InputError(index, "cannot open the snapshot index (made by relutope train --snapshots DIR)");
  std::vector<Snapshot> snapshots;
  std::string line;
  std::getline(in, line);  // header
  for (long number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const size_t a = line.find(','), b = line.find(',', a == std::string::npos ? a : a + 1);
    if (a == std::string::npos || b == std::string::npos)
      throw InputError(index, "line " + std::to_string(number) + ": expected step,loss,file");
    const std::string step = line.substr(0, a), loss = line.substr(a + 1, b - a - 1);
    Snapshot snapshot{0, 0, (std::filesystem::path(dir) / line.substr(b + 1)).string()};
    size_t step_end = 0, loss_end = 0;  // stol and stod read a prefix ("12abc" is 12): whole fields only
    try {
      snapshot.step = std::stol(step, &step_end);
      snapshot.loss = std::stod(loss, &loss_end);
    } catch (const std::exception&) {  // no number: the ends stay 0
    }
    if (step_end == 0 || step_end != step.size() || loss_end == 0 || loss_end != loss.size())
      throw InputError(index, "line " + std::to_string(number) + ": expected step,loss,file");
    snapshots.push_back(snapshot);
  }
  if (snapshots.empty()) throw InputError(index, "no snapshots listed");
  std::sort(snapshots.begin(), snapshots.end(), [](const Snapshot& x, const Snapshot& y) { return x.step < y.step; });
  return snapshots;
}

namespace {

// The dynamics of `count` networks, the i-th given with its step and its name in errors by
// `snapshot(i)`, read one at a time.
struct Numbered {
  long step;
  Network net;
  std::string source;
};
SpectrumDynamics dynamics_of(size_t count, const std::function<Numbered(size_t)>& snapshot, const Box& domain,
                             const std::vector<double>& frequencies, const std::vector<double>& amplitudes,
                             const std::function<void(long, long)>& progress) {
  if (frequencies.empty() || frequencies.size() != amplitudes.size())
    throw InputError("--amplitudes", "give one amplitude per frequency");
  if (domain.dim() != 1) throw InputError("--domain", "the spectrum over training is for 1-input networks");
  for (double k : frequencies)
    if (!std::isfinite(k)) throw InputError("--freq", "frequencies must be finite");
  for (double a : amplitudes)
    if (!std::isfinite(a) || a == 0) throw InputError("--amplitudes", "amplitudes must be finite and non-zero");
  std::vector<VecQ> ks;
  for (double k : frequencies) ks.push_back({to_exact(k)});
  SpectrumDynamics d;
  d.frequencies = frequencies;
  d.amplitude.resize(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(frequencies.size()));
  for (size_t s = 0; s < count; ++s) {
    const Numbered numbered = snapshot(s);
    const Network& net = numbered.net;
    if (net.input_dim != 1 || net.encoding.type != Encoding::Type::identity)
      throw InputError(numbered.source, "the spectrum over training needs 1-input networks without an encoding");
    const Partition partition = regions(to_exact(net), domain);
    const auto values = spectrum(partition, ks);
    const size_t outputs = values.size() / ks.size();
    for (size_t i = 0; i < ks.size(); ++i)
      d.amplitude(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i)) = 2 * values[i * outputs].abs / amplitudes[i];
    if (d.spectral_norms.cols() == 0) d.spectral_norms.resize(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(net.layers.size()));
    for (size_t l = 0; l < net.layers.size() && static_cast<Eigen::Index>(l) < d.spectral_norms.cols(); ++l)
      d.spectral_norms(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(l)) = spectral_norm(net.layers[l].weight);
    d.steps.push_back(numbered.step);
    if (progress) progress(static_cast<long>(s + 1), static_cast<long>(count));
  }
  return d;
}

}  // namespace

SpectrumDynamics spectrum_dynamics(const std::vector<Snapshot>& snapshots, const Box& domain,
                                   const std::vector<double>& frequencies, const std::vector<double>& amplitudes,
                                   const std::function<void(long, long)>& progress) {
  return dynamics_of(
      snapshots.size(), [&](size_t i) { return Numbered{snapshots[i].step, read_network(snapshots[i].path), snapshots[i].path}; },
      domain, frequencies, amplitudes, progress);
}

SpectrumDynamics spectrum_dynamics(const std::vector<long>& steps, const std::vector<Network>& nets, const Box& domain,
                                   const std::vector<double>& frequencies, const std::vector<double>& amplitudes,
                                   const std::function<void(long, long)>& progress) {
  if (steps.size() != nets.size()) throw InputError("snapshots", "one step per network");
  return dynamics_of(
      nets.size(), [&](size_t i) { return Numbered{steps[i], nets[i], "snapshot at step " + std::to_string(steps[i])}; },
      domain, frequencies, amplitudes, progress);
}

}  // namespace relutope
