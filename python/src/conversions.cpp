#include "bindings.hpp"

namespace relutope::python {

namespace {

py::int_ integer(const mpz_class& z) {
  if (z.fits_slong_p()) return py::int_(z.get_si());
  return py::reinterpret_steal<py::int_>(PyLong_FromString(z.get_str(16).c_str(), nullptr, 16));
}

}  // namespace

py::object fraction(const Rational& q) {
  return py::module_::import("fractions").attr("Fraction")(integer(q.get_num()), integer(q.get_den()));
}

py::tuple fractions(const VecQ& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = fraction(v[i]);
  return t;
}

py::tuple box_tuple(const Box& box) {
  py::tuple t(2 * box.lo.size());
  for (size_t i = 0; i < box.lo.size(); ++i) {
    t[2 * i] = fraction(box.lo[i]);
    t[2 * i + 1] = fraction(box.hi[i]);
  }
  return t;
}

py::array_t<double> matrix_array(const MatD& m) {
  auto a = new_array<double>({m.rows(), m.cols()});
  auto view = a.mutable_unchecked<2>();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) view(i, j) = m(i, j);
  return a;
}

MatD matrix_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& a, Eigen::Index cols,
               const std::string& source) {
  const auto shape = [&] {
    std::string text = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) text += (i ? ", " : "") + std::to_string(a.shape(i));
    return text + (a.ndim() == 1 ? ",)" : ")");
  };
  Eigen::Index rows = 0;
  if (a.ndim() == 2 && a.shape(1) == cols) rows = a.shape(0);
  else if (a.ndim() == 1 && cols == 1) rows = a.shape(0);
  else if (a.ndim() == 1 && a.shape(0) == cols) rows = 1;
  else
    throw InputError(source, "expected points of shape (n, " + std::to_string(cols) + "), got shape " + shape());
  MatD m(rows, cols);
  const double* data = a.data();
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = data[i * cols + j];
  if (!m.allFinite()) throw InputError(source, "holds a NaN or infinite value");
  return m;
}

py::object make_result(const char* name, const py::dict& fields) {
  return py::module_::import("relutope._results").attr(name)(**fields);
}

py::array_t<bool> pattern_array(const std::vector<ActivationPattern>& patterns, int bits) {
  auto a = new_array<bool>({static_cast<py::ssize_t>(patterns.size()), bits});
  auto view = a.mutable_unchecked<2>();
  for (size_t i = 0; i < patterns.size(); ++i)
    for (int j = 0; j < bits; ++j) view(static_cast<py::ssize_t>(i), j) = patterns[i][static_cast<size_t>(j)] == '1';
  return a;
}

}  // namespace relutope::python
