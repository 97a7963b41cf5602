#pragma once
// What the binding files share: the conversions between relutope's values and Python's, and
// each file's part of the module.
#include "relutope/relutope.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace relutope::python {

namespace py = pybind11;

void bind_network(py::module_& m);
void bind_regions(py::module_& m);
void bind_spectrum(py::module_& m);
void bind_statistics(py::module_& m);
void bind_train(py::module_& m);
void bind_perturbation(py::module_& m);
void bind_curve(py::module_& m);

/// The rational as a fractions.Fraction.
py::object fraction(const Rational& q);
/// The vector as a tuple of Fractions.
py::tuple fractions(const VecQ& v);
/// The box as (lo0, hi0, lo1, hi1, ...), Fractions.
py::tuple box_tuple(const Box& box);

/// A new C-ordered numpy array of this shape.
template <class T>
py::array_t<T> new_array(std::vector<py::ssize_t> shape) {
  return py::array_t<T>(std::move(shape));
}

/// An #rows x #cols array of doubles read from Eigen's column-major matrix.
py::array_t<double> matrix_array(const MatD& m);

/// Rows of a float64 array as an Eigen matrix: (n, cols) or, for cols == 1, also (n,); a single
/// point (cols,) is one row. Throws InputError(source, ...) for another shape or a value that is
/// not finite.
MatD matrix_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& a, Eigen::Index cols,
               const std::string& source);

/// An instance of the result class `name` of relutope._results (a dataclass) from keywords.
py::object make_result(const char* name, const py::dict& fields);

/// Patterns as a bool array #patterns x #bits ('1' -> true).
py::array_t<bool> pattern_array(const std::vector<ActivationPattern>& patterns, int bits);

}  // namespace relutope::python
