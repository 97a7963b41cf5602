// The spectrum along the flower curve for Python (Rahaman et al. Exp. 5): certified coefficients
// of f o gamma_L and the number of pieces.
#include "bindings.hpp"
#include "watch.hpp"

#include <complex>

namespace relutope::python {

void bind_curve(py::module_& m) {
  m.def("_flower_spectrum", [](const Network& net, int petals, const std::vector<long>& frequencies, long precision,
                               py::object progress) {
    CurveSpectrum s;
    Watch watch(std::move(progress), "flower spectrum", "frequencies");
    watch.run([&] {
      s = flower_spectrum(net, petals, frequencies, precision, [&](long done, long total) {
        watch.report(done, total);
        watch.check();
      });
    });
    const auto n = static_cast<py::ssize_t>(frequencies.size());
    const py::ssize_t outputs = n == 0 ? net.output_dim() : static_cast<py::ssize_t>(s.coefficients.size()) / n;
    auto values = new_array<std::complex<double>>({n, outputs});
    auto digits = new_array<std::int64_t>({n, outputs});
    py::list re, im;
    for (py::ssize_t f = 0; f < n; ++f) {
      py::list re_row, im_row;
      for (py::ssize_t o = 0; o < outputs; ++o) {
        const Coefficient& c = s.coefficients[static_cast<size_t>(f * outputs + o)];
        values.mutable_at(f, o) = {c.re_double, c.im_double};
        digits.mutable_at(f, o) = c.certified_digits;
        re_row.append(c.re);
        im_row.append(c.im);
      }
      re.append(re_row);
      im.append(im_row);
    }
    const py::object array = py::module_::import("numpy").attr("array");
    const std::vector<std::int64_t> ks(frequencies.begin(), frequencies.end());
    return make_result("FlowerSpectrum",
                       py::dict(py::arg("petals") = petals, py::arg("frequencies") = py::array_t<std::int64_t>(n, ks.data()),
                                py::arg("values") = values, py::arg("certified_digits") = digits,
                                py::arg("re") = array(re, py::arg("dtype") = "object"),
                                py::arg("im") = array(im, py::arg("dtype") = "object"), py::arg("pieces") = s.pieces,
                                py::arg("precision_bits") = precision));
  });
}

}  // namespace relutope::python
