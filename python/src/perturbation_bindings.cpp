// Rahaman et al. Exp. 2 for Python: the robustness of a 1-input network's Fourier components to
// random perturbations of its parameters.
#include "bindings.hpp"
#include "watch.hpp"

namespace relutope::python {

void bind_perturbation(py::module_& m) {
  m.def("_perturbation_robustness", [](const Network& net, const std::vector<double>& deltas, const std::vector<double>& frequencies,
                                       int samples, std::uint64_t seed, py::object directions, const std::string& domain,
                                       py::object progress) {
    const Box box = parse_box(domain, "--domain");
    const bool drawn = directions.is_none();
    MatD given;  // the caller's directions, read with the GIL held
    if (!drawn)
      given = matrix_of(directions.cast<py::array_t<double, py::array::c_style | py::array::forcecast>>(), net.parameter_count(),
                        "directions");
    PerturbationRobustness r;
    Watch watch(std::move(progress), "perturbation robustness", "networks");
    watch.run([&] {
      const auto report = [&](long done, long total) {
        watch.report(done, total);
        watch.check();
      };
      r = drawn ? perturbation_robustness(net, box, deltas, frequencies, samples, seed, report)
                               : perturbation_robustness(net, box, deltas, frequencies, given, report);
    });
    auto vector = [](const std::vector<double>& v) { return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data()); };
    return make_result("PerturbationRobustness",
                       py::dict(py::arg("deltas") = vector(r.deltas), py::arg("frequencies") = vector(r.frequencies),
                                py::arg("robustness") = matrix_array(r.robustness), py::arg("spread") = matrix_array(r.spread),
                                py::arg("reference") = vector(r.reference), py::arg("certified_digits") = r.certified_digits));
  });
}

}  // namespace relutope::python
