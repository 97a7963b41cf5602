#include "train_command.hpp"

#include "checks.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "relutope/measures/dynamics.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/train/train.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

namespace relutope::cli {
namespace {

struct TrainOptions {
  std::string preset, config, image, out, snapshots, json;
  long steps = 0, every = 0;
  int threads = 0;  // 0: one a hardware thread
  std::uint64_t seed = 0;
  bool seed_given = false, quiet = false;
};

// What errors about the configuration name: the config file, else the preset.
std::string source_of(const TrainOptions& o, const TrainConfig& config) {
  return o.config.empty() ? config.preset : o.config;
}

TrainConfig config_of(const TrainOptions& o) {
  TrainConfig config = o.config.empty() ? preset(o.preset.empty() ? "lazzari-random-rgb" : o.preset)
                                        : read_train_config(o.config);
  if (!o.image.empty()) {
    config.task.kind = Task::Kind::image;
    config.task.image_path = o.image;
  }
  if (o.steps > 0) config.steps = o.steps;
  if (o.seed_given) config.seed = o.seed;
  if (o.every > 0) config.snapshot_every = o.every;
  if (o.snapshots.empty()) config.snapshot_every = 0;
  check_train_config(config, source_of(o, config));
  return config;
}

void train_command(const TrainOptions& o) {
  const TrainConfig config = config_of(o);
  const std::string out = o.out.empty() ? (config.preset.empty() ? "network" : config.preset) + ".json" : o.out;
  check_directory_of(out);
  check_format(config.encoding, out, format_for_path(out));
  if (!o.json.empty() && o.json != "-") check_directory_of(o.json);
  const Dataset data = make_dataset(config.task, config.seed);
  std::ostream& text = human(o.json);

  std::optional<SnapshotWriter> snapshots;
  if (!o.snapshots.empty()) snapshots.emplace(o.snapshots, config.preset, data.inputs, data.targets);

  Progress progress("train " + (config.preset.empty() ? std::string("config") : config.preset), config.steps, o.quiet);
  TrainObserver observer;
  observer.on_step = [&](long step, double loss) {
    char detail[48];
    std::snprintf(detail, sizeof detail, "loss %.4g", loss);
    progress.update(step, detail);
  };
  if (snapshots)
    observer.on_snapshot = [&](long step, const Network& net, double loss) { snapshots->add(step, net, loss); };

  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const TrainResult result = train(config, data, observer, source_of(o, config), threads);
  const double seconds = progress.seconds();
  progress.finish();
  write_network(result.net, out, format_for_path(out));
  if (snapshots) snapshots->write_losses(result.batch_loss);

  const double rate = config.steps / seconds;
  write_json({{"network", out},
              {"preset", config.preset},
              {"task", data.description},
              {"seed", config.seed},
              {"steps", config.steps},
              {"seconds", seconds},
              {"steps_per_second", rate},
              {"threads", threads},
              {"first_loss", result.batch_loss.front()},
              {"final_loss", result.final_loss},
              {"parameters", result.net.parameter_count()}},
             o.json);
  text << "trained " << (config.preset.empty() ? "config" : config.preset) << " on " << data.description << "\n"
       << "  " << result.net.parameter_count() << " parameters, " << config.steps << " steps in " << seconds
       << " s (" << rate << " steps/s, " << threads << (threads == 1 ? " thread" : " threads") << "), seed "
       << config.seed << "\n"
       << "  loss " << result.batch_loss.front() << " (first batch) -> " << result.final_loss << " (all data)\n"
       << "  wrote " << out << (o.snapshots.empty() ? "" : " and snapshots in " + o.snapshots) << "\n";
}

}  // namespace

void add_train_command(CLI::App& app, std::function<void()>& run) {
  auto o = std::make_shared<TrainOptions>();
  std::string presets;
  for (const auto& name : preset_names()) presets += (presets.empty() ? "" : ", ") + name;
  CLI::App* cmd = app.add_subcommand("train", "Train a ReLU MLP (Eigen, float64, deterministic for a seed)");
  auto* preset_opt = cmd->add_option("--preset", o->preset, "Paper preset: " + presets + " (default lazzari-random-rgb)");
  auto* config_opt = cmd->add_option("--config", o->config, "JSON config setting any hyperparameter (see README)");
  preset_opt->excludes(config_opt);
  cmd->add_option("--image", o->image, "Train on this PNG image (pixel coordinates in [0,1]^2 -> RGB) instead");
  cmd->add_option("--steps", o->steps, "Optimizer steps (default: the preset's)")->check(positive);
  cmd->add_option("--seed", o->seed, "Seed for initialisation, data and shuffling (default 0)")
      ->check([](const std::string& text) {  // CLI11 alone wraps -1 around and saturates 10^20
        std::uint64_t seed;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
        return error == std::errc() && end == text.data() + text.size()
                   ? std::string()
                   : "must be an integer in 0..18446744073709551615, got '" + text + "'";
      })
      ->each([o](const std::string&) { o->seed_given = true; });
  cmd->add_option("--out", o->out, "Where to write the trained network (.json, or .npz); default PRESET.json");
  auto* snapshots_opt =
      cmd->add_option("--snapshots", o->snapshots, "Directory for step_*.json snapshots, snapshots.csv and losses.csv");
  cmd->add_option("--every", o->every, "Snapshot every K steps (default: the preset's)")
      ->check(positive)
      ->needs(snapshots_opt);
  cmd->add_option("--threads", o->threads,
                  "Threads computing the gradients (default: all cores); the trained network is the same "
                  "to the bit for any number")
      ->check(positive);
  cmd->add_option("--json", o->json, "Write a JSON summary to FILE ('-': stdout)");
  cmd->add_flag("--quiet", o->quiet, "No progress line on stderr");
  cmd->callback([&run, o] { run = [o] { train_command(*o); }; });
}

}  // namespace relutope::cli
