// relutope._relutope: the C++ library as Python sees it. The public names, their docstrings and
// the conversions of Python's exact numbers live in relutope/__init__.py.
#include "bindings.hpp"

PYBIND11_MODULE(_relutope, m) {
  namespace py = pybind11;
  using namespace relutope;
  m.doc() = "relutope's compiled core; use the package relutope.";
  // Bad input is a ValueError with the command line's one-line message, a limit a LimitError,
  // a stop asked for (Ctrl-C) a KeyboardInterrupt.
  static py::exception<LimitError> limit_error(m, "LimitError", PyExc_RuntimeError);
  limit_error.attr("__doc__") = "A limit was reached: max_regions, time_limit, or a problem too large for memory.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const LimitError& e) {
      limit_error(e.what());
    } catch (const Interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const std::bad_alloc&) {
      PyErr_SetString(PyExc_MemoryError, "out of memory: bound the work (max_regions, a smaller domain or grid)");
    }
  });
  python::bind_network(m);
  python::bind_regions(m);
  python::bind_spectrum(m);
  python::bind_statistics(m);
  python::bind_train(m);
  python::bind_perturbation(m);
  python::bind_curve(m);
}
