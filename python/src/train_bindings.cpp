// Training for Python: the Eigen trainer with its presets and configurations, snapshots in
// memory (and on disk when asked), and the spectrum over training.
#include "analysis.hpp"

namespace relutope::python {
namespace {

struct PySnapshot {
  long step = 0;
  double loss = 0;
  Network network;
};

struct TrainRun {
  Network network;
  std::vector<PySnapshot> snapshots;
  std::vector<double> batch_loss;
  double final_loss = 0;
  MatD inputs, targets;
  std::string description;
};

// The configuration: a preset, a JSON file or a JSON text, with the keyword overrides applied
// as the command line applies its options.
TrainConfig config_of(const std::string& preset_name, const std::string& path, const std::string& json, long steps,
                      std::optional<std::uint64_t> seed, const std::string& image, long every, std::string& source) {
  TrainConfig config = !path.empty()   ? read_train_config(path)
                       : !json.empty() ? parse_train_config(json, "config")
                                       : preset(preset_name.empty() ? "lazzari-random-rgb" : preset_name);
  source = !path.empty() ? path : !json.empty() ? "config" : config.preset;
  if (!image.empty()) {
    config.task.kind = Task::Kind::image;
    config.task.image_path = image;
  }
  if (steps > 0) config.steps = steps;
  if (seed) config.seed = *seed;
  if (every > 0) config.snapshot_every = every;
  check_train_config(config, source);
  return config;
}

TrainRun run_training(const std::string& preset_name, const std::string& path, const std::string& json, long steps,
                      std::optional<std::uint64_t> seed, const std::string& image, long every, const std::string& directory,
                      int threads, py::object progress) {
  std::string source;
  const TrainConfig config = config_of(preset_name, path, json, steps, seed, image, every, source);
  if (threads < 0) throw InputError("threads", "must be 0 (every core) or positive");
  TrainRun run;
  Watch watch(std::move(progress), "train " + (config.preset.empty() ? std::string("config") : config.preset), "steps");
  watch.run([&] {
    const Dataset data = make_dataset(config.task, config.seed);
    std::optional<SnapshotWriter> writer;
    if (!directory.empty()) writer.emplace(directory, config.preset, data.inputs, data.targets);
    TrainObserver observer;
    observer.on_step = [&](long step, double) {
      watch.report(step, config.steps);
      watch.check();
    };
    observer.on_snapshot = [&](long step, const Network& net, double loss) {
      run.snapshots.push_back({step, loss, snapshot_network(net, step, loss, config.preset)});
      if (writer) writer->add(step, net, loss);
    };
    TrainResult result = train(config, data, observer, source, threads);
    if (writer) writer->write_losses(result.batch_loss);
    run.network = std::move(result.net);
    run.batch_loss = std::move(result.batch_loss);
    run.final_loss = result.final_loss;
    run.inputs = data.inputs;
    run.targets = data.targets;
    run.description = data.description;
  });
  return run;
}

py::object dynamics_object(const SpectrumDynamics& d) {
  const std::vector<std::int64_t> steps(d.steps.begin(), d.steps.end());
  return make_result("SpectrumDynamics",
                py::dict(py::arg("steps") = py::array_t<std::int64_t>(static_cast<py::ssize_t>(steps.size()), steps.data()),
                         py::arg("frequencies") = py::array_t<double>(static_cast<py::ssize_t>(d.frequencies.size()), d.frequencies.data()),
                         py::arg("amplitude") = matrix_array(d.amplitude), py::arg("spectral_norms") = matrix_array(d.spectral_norms)));
}

}  // namespace

void bind_train(py::module_& m) {
  py::class_<PySnapshot>(m, "Snapshot", "A network during training: its step, its loss on the whole data, the network.")
      .def(py::init([](long step, Network network, double loss) { return PySnapshot{step, loss, std::move(network)}; }),
           py::arg("step"), py::arg("network"), py::arg("loss") = std::numeric_limits<double>::quiet_NaN(),
           "A snapshot of your own (e.g. a PyTorch checkpoint read with Network.from_torch), for spectrum_dynamics.")
      .def_readonly("step", &PySnapshot::step)
      .def_readonly("loss", &PySnapshot::loss)
      .def_readonly("network", &PySnapshot::network)
      .def("__repr__", [](const PySnapshot& s) { return "Snapshot(step " + std::to_string(s.step) + ", loss " + std::to_string(s.loss) + ")"; });

  py::class_<TrainRun>(m, "TrainResult", "A training run (relutope.train).")
      .def_readonly("network", &TrainRun::network)
      .def_readonly("snapshots", &TrainRun::snapshots)
      .def_property_readonly("batch_loss", [](const TrainRun& r) {
        return py::array_t<double>(static_cast<py::ssize_t>(r.batch_loss.size()), r.batch_loss.data());
      })
      .def_readonly("final_loss", &TrainRun::final_loss)
      .def_property_readonly("inputs", [](const TrainRun& r) { return matrix_array(r.inputs); })
      .def_property_readonly("targets", [](const TrainRun& r) { return matrix_array(r.targets); })
      .def_readonly("task", &TrainRun::description)
      .def("__repr__", [](const TrainRun& r) {
        return "TrainResult(" + r.description + ", " + std::to_string(r.batch_loss.size()) + " steps, final loss " +
               std::to_string(r.final_loss) + ")";
      });

  m.def("_train", &run_training);
  m.def("presets", &preset_names, "The names of the built-in presets (the papers' tasks).");

  m.def("_preset_task", [](const std::string& name) {
    const TrainConfig config = preset(name);
    return py::make_tuple(config.task.frequencies, config.task.amplitudes);
  });

  m.def("_read_snapshots", [](const std::string& dir) {
    std::vector<PySnapshot> out;
    for (const Snapshot& s : read_snapshots(dir)) out.push_back({s.step, s.loss, read_network(s.path)});
    return out;
  });

  m.def("_read_training_data", [](const std::string& dir) -> py::object {
    const std::optional<TrainingData> data = read_training_data(dir);
    if (!data) return py::none();
    return py::make_tuple(matrix_array(data->inputs), matrix_array(data->targets));
  });

  m.def("_spectrum_dynamics", [](const std::vector<PySnapshot>& snapshots, const std::vector<double>& frequencies,
                                 const std::vector<double>& amplitudes, const std::string& domain, py::object progress) {
    if (snapshots.empty()) throw InputError("snapshots", "no snapshots given");
    const Box box = parse_box(domain, "--domain");
    std::vector<long> steps;
    std::vector<Network> nets;
    for (const PySnapshot& s : snapshots) {
      steps.push_back(s.step);
      nets.push_back(s.network);
    }
    SpectrumDynamics d;
    Watch watch(std::move(progress), "spectrum over training", "snapshots");
    watch.run([&] {
      d = spectrum_dynamics(steps, nets, box, frequencies, amplitudes, [&](long done, long total) {
        watch.report(done, total);
        watch.check();
      });
    });
    return dynamics_object(d);
  });
}

}  // namespace relutope::python
