// Pattern statistics for Python: Hamming distances, hyperplane cosines, gradient confusion.
#include "bindings.hpp"
#include "watch.hpp"

namespace relutope::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Bits = py::array_t<bool, py::array::c_style | py::array::forcecast>;

std::vector<ActivationPattern> patterns_of(const Bits& bits) {
  if (bits.ndim() != 2) throw InputError("patterns", "expected a bool array (points, hidden neurons)");
  std::vector<ActivationPattern> patterns(static_cast<size_t>(bits.shape(0)));
  auto view = bits.unchecked<2>();
  for (py::ssize_t i = 0; i < bits.shape(0); ++i)
    for (py::ssize_t j = 0; j < bits.shape(1); ++j) patterns[static_cast<size_t>(i)] += view(i, j) ? '1' : '0';
  return patterns;
}

TrainConfig::Loss loss_of(const std::string& name) {
  if (name == "mse") return TrainConfig::Loss::mse;
  if (name == "bce") return TrainConfig::Loss::bce;
  throw InputError("loss", "unknown loss '" + name + "' (mse or bce)");
}

py::array_t<double> doubles(const std::vector<double>& v) { return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data()); }

py::array_t<std::int64_t> pair_array(const std::vector<std::pair<int, int>>& pairs) {
  auto a = new_array<std::int64_t>({static_cast<py::ssize_t>(pairs.size()), 2});
  for (size_t i = 0; i < pairs.size(); ++i) {
    a.mutable_at(static_cast<py::ssize_t>(i), 0) = pairs[i].first;
    a.mutable_at(static_cast<py::ssize_t>(i), 1) = pairs[i].second;
  }
  return a;
}

}  // namespace

void bind_statistics(py::module_& m) {
  m.def("_hamming_distances", [](const Bits& bits, int width, int height) {
    const HammingDistances d = hamming_distances(patterns_of(bits), width, height);
    return make_result("HammingDistances", py::dict(py::arg("local") = d.local, py::arg("overall") = d.global));
  });
  m.def("_hyperplane_cosines", [](const Network& net) {
    py::list layers;
    for (const std::vector<double>& layer : hyperplane_cosines(net)) layers.append(doubles(layer));
    return layers;
  });
  m.def("_gradient_confusion", [](const Network& net, const Array& inputs, const Array& targets, int width, int height,
                                  const std::string& loss, int local, int distant, std::uint64_t seed, py::object progress) {
    const MatD x = matrix_of(inputs, net.input_dim, "inputs"), y = matrix_of(targets, net.output_dim(), "targets");
    if (x.rows() != static_cast<Eigen::Index>(width) * height)
      throw InputError("inputs", std::to_string(x.rows()) + " samples for a " + std::to_string(width) + " x " +
                                     std::to_string(height) + " grid");
    if (local < 0 || distant < 0) throw InputError("local", "the numbers of neighbourhoods and pairs must be non-negative");
    const TrainConfig::Loss kind = loss_of(loss);
    const auto near = local_pairs(width, height, local, seed), far = distant_pairs(width, height, distant, seed);
    std::vector<double> near_cosines, far_cosines;
    Watch watch(std::move(progress), "gradient confusion", "pairs");
    watch.run([&] {
      near_cosines = gradient_cosines(net, x, y, kind, near);
      watch.check();
      far_cosines = gradient_cosines(net, x, y, kind, far);
    });
    return make_result("GradientConfusion", py::dict(py::arg("local") = doubles(near_cosines), py::arg("distant") = doubles(far_cosines),
                                                     py::arg("local_pairs") = pair_array(near), py::arg("distant_pairs") = pair_array(far)));
  });

  m.def("_neuron_distances", [](const Network& net, const Array& points) {
    const MatD x = matrix_of(points, net.input_dim, "points");
    VecD distances;
    {
      py::gil_scoped_release release;
      distances = neuron_distances(net, x);
    }
    return py::array_t<double>(distances.size(), distances.data());
  });
}

}  // namespace relutope::python
