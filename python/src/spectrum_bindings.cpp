// Spectra for Python: the certified Fourier coefficients with the FFT estimate beside them, how
// the FFT converges, decay along a ray, and Lemma 1's terms.
#include "analysis.hpp"

#include <complex>

namespace relutope::python {
namespace {

struct SpectrumResult {
  std::vector<VecQ> frequencies;
  std::vector<Coefficient> coefficients;  // frequency-major
  int outputs = 0;
  long precision_bits = 0;
  int fft_n = 0;  // 0: no FFT estimate
  std::vector<std::optional<std::complex<double>>> fft;
};

// The exact partition an analysis walks: the held partition's, or its own enumeration.
const Partition& partition_for(const std::shared_ptr<HeldPartition>& held, const Context& c, std::optional<Partition>& own,
                               const EngineOptions& options) {
  if (held) return held->exact_partition();
  own = regions(c.input.exact, c.input.domain, options);
  return *own;
}

bool same_function(const Network& a, const Network& b) {
  if (a.input_dim != b.input_dim || !(a.encoding == b.encoding) || a.layers.size() != b.layers.size()) return false;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const Layer &x = a.layers[i], &y = b.layers[i];
    if (x.weight.rows() != y.weight.rows() || x.weight.cols() != y.weight.cols() || x.weight != y.weight || x.bias != y.bias ||
        x.activation != y.activation)
      return false;
  }
  return true;
}

bool same_slice(const std::optional<Slice>& a, const std::optional<Slice>& b) {
  return a.has_value() == b.has_value() && (!a || (a->origin == b->origin && a->u == b->u && a->v == b->v));
}

// The analysis of a spectrum: the held partition's when one is given (after checking that it is
// the partition of this network on the domain and slice asked for, where they are given), else
// the request's.
std::shared_ptr<Context> spectrum_context(const Network& net, const AnalysisRequest& request,
                                          const std::shared_ptr<HeldPartition>& held) {
  if (!held) return context_of(net, request, 2);
  const AnalysisInput& in = held->context->input;
  if (!same_function(net, in.net)) throw InputError("partition", "it is the partition of another network");
  if (!request.domain.empty() && !(parse_box(request.domain, "--domain") == in.domain))
    throw InputError("partition", "it was enumerated on the domain " + to_string(in.domain) + ", not " + request.domain);
  if (request.domain.empty() && request.slice.empty() && request.plane_through.empty() && net.domain && !(*net.domain == in.domain))
    throw InputError("partition", "it was enumerated on the domain " + to_string(in.domain) + ", not the network's " +
                                      to_string(*net.domain) + ": give that domain");
  if (!request.slice.empty() || !request.plane_through.empty()) {
    AnalysisRequest slice_only = request;
    if (slice_only.domain.empty()) slice_only.domain = to_string(in.domain);
    if (!same_slice(prepare_analysis(net, "network", slice_only, true, 2).slice, in.slice))
      throw InputError("partition", "it was enumerated on another slice");
  }
  return held->context;
}

SpectrumRoute route_of(const std::string& name) {
  if (name == "edges") return SpectrumRoute::edges;
  if (name == "regions") return SpectrumRoute::regions;
  if (name == "lemma1") return SpectrumRoute::lemma1;
  throw InputError("--route", "unknown route '" + name + "' (edges, regions or lemma1)");
}

const char* route_name(const Coefficient& c) {
  if (c.exact) return "exact";
  switch (c.route) {
    case SpectrumRoute::edges: return "edges";
    case SpectrumRoute::regions: return "regions";
    case SpectrumRoute::lemma1: return "lemma1";
  }
  return "";
}

QuadratureRule rule_of(const std::string& name) {
  if (name == "rectangle") return QuadratureRule::rectangle;
  if (name == "trapezoid") return QuadratureRule::trapezoid;
  throw InputError("--fft-rule", "unknown rule '" + name + "' (rectangle or trapezoid)");
}

SpectrumResult compute_spectrum(const Network& net, const AnalysisRequest& request, const std::vector<std::string>& freqs, int grid,
                                long precision, const std::string& route, int fft_n, const std::string& fft_rule,
                                std::shared_ptr<HeldPartition> held, long max_regions, double time_limit, int threads,
                                py::object progress) {
  const std::shared_ptr<Context> context = spectrum_context(net, request, held);
  const Context& c = *context;
  SpectrumResult result;
  result.frequencies = grid >= 0 ? frequency_grid(c.dim(), grid) : parse_frequencies(freqs, c.dim(), "--freq");
  if (result.frequencies.empty()) throw InputError("--freq", "no frequencies given");
  if (fft_n < 0 || fft_n == 1) throw InputError("--fft", "N must be at least 2");
  SpectrumOptions options;
  options.precision_bits = precision;
  options.route = route_of(route);
  const QuadratureRule rule = rule_of(fft_rule);
  result.precision_bits = precision;
  result.fft_n = fft_n;
  Watch watch(std::move(progress), "spectrum", "frequencies");
  const EngineOptions engine = engine_options(max_regions, time_limit, threads, watch);
  options.progress = [&watch](long done, long total) {
    watch.report(done, total);
    watch.check();
  };
  watch.run([&] {
    std::optional<Partition> own;
    const Partition& partition = partition_for(held, c, own, engine);
    result.coefficients = spectrum(partition, result.frequencies, options);
    result.outputs = output_count(partition);
    if (fft_n > 0)
      result.fft = fft_estimate(c.input.net, c.input.slice ? &*c.input.slice : nullptr, c.input.domain, fft_n, result.frequencies,
                                rule, [&](long done, long total) {
                                  watch.report(done, total);
                                  watch.check();
                                });
  });
  return result;
}

// An (n, outputs) array of one value per coefficient.
template <class T, class F>
py::array_t<T> per_coefficient(const SpectrumResult& s, F value) {
  const auto n = static_cast<py::ssize_t>(s.frequencies.size());
  auto a = new_array<T>({n, s.outputs});
  for (size_t i = 0; i < s.coefficients.size(); ++i) a.mutable_data()[i] = value(i);
  return a;
}

py::object strings(const SpectrumResult& s, std::string Coefficient::*part) {
  py::list rows;
  for (size_t f = 0; f < s.frequencies.size(); ++f) {
    py::list row;
    for (int o = 0; o < s.outputs; ++o) row.append(s.coefficients[f * static_cast<size_t>(s.outputs) + static_cast<size_t>(o)].*part);
    rows.append(row);
  }
  return py::module_::import("numpy").attr("array")(rows, py::arg("dtype") = "object");
}

// Runs work(context, partition) off the GIL on the exact partition of the analysis (held, or
// enumerated with a progress bar), after checking that it has output `out`.
template <class Work>
void on_partition(const std::shared_ptr<Context>& context, const std::shared_ptr<HeldPartition>& held, int out, long max_regions,
                  py::object progress, Work work) {
  Watch watch(std::move(progress), "regions", "cells", "regions");
  const EngineOptions engine = engine_options(max_regions, 0, 0, watch);
  watch.run([&] {
    std::optional<Partition> own;
    const Partition& partition = partition_for(held, *context, own, engine);
    check_output(partition, out);
    work(*context, partition);
  });
}

VecQ one_frequency(const std::string& k, int dim) { return parse_frequencies({k}, dim, "--freq").front(); }


}  // namespace

void bind_spectrum(py::module_& m) {
  py::class_<SpectrumResult>(m, "Spectrum", "Certified Fourier coefficients (relutope.spectrum).")
      .def_property_readonly("frequencies",
                             [](const SpectrumResult& s) {
                               const py::ssize_t n = static_cast<py::ssize_t>(s.frequencies.size());
                               const py::ssize_t d = n ? static_cast<py::ssize_t>(s.frequencies[0].size()) : 0;
                               auto a = new_array<double>({n, d});
                               for (py::ssize_t i = 0; i < n; ++i)
                                 for (py::ssize_t j = 0; j < d; ++j)
                                   a.mutable_at(i, j) = to_double(s.frequencies[static_cast<size_t>(i)][static_cast<size_t>(j)]);
                               return a;
                             })
      .def("exact_frequencies",
           [](const SpectrumResult& s) {
             py::list out;
             for (const VecQ& k : s.frequencies) out.append(fractions(k));
             return out;
           })
      .def_property_readonly("values",
                             [](const SpectrumResult& s) {
                               return per_coefficient<std::complex<double>>(s, [&](size_t i) {
                                 return std::complex<double>(s.coefficients[i].re_double, s.coefficients[i].im_double);
                               });
                             })
      .def_property_readonly("certified_digits",
                             [](const SpectrumResult& s) {
                               return per_coefficient<std::int64_t>(s, [&](size_t i) { return s.coefficients[i].certified_digits; });
                             })
      .def_property_readonly("re", [](const SpectrumResult& s) { return strings(s, &Coefficient::re); })
      .def_property_readonly("im", [](const SpectrumResult& s) { return strings(s, &Coefficient::im); })
      .def_property_readonly("routes",
                             [](const SpectrumResult& s) {
                               py::list rows;
                               for (size_t f = 0; f < s.frequencies.size(); ++f) {
                                 py::list row;
                                 for (int o = 0; o < s.outputs; ++o)
                                   row.append(route_name(s.coefficients[f * static_cast<size_t>(s.outputs) + static_cast<size_t>(o)]));
                                 rows.append(row);
                               }
                               return py::module_::import("numpy").attr("array")(rows, py::arg("dtype") = "object");
                             })
      .def_readonly("precision_bits", &SpectrumResult::precision_bits)
      .def_property_readonly("fft_n", [](const SpectrumResult& s) -> py::object {
        return s.fft_n ? py::object(py::int_(s.fft_n)) : py::object(py::none());
      })
      .def_property_readonly("fft",
                             [](const SpectrumResult& s) -> py::object {
                               if (!s.fft_n) return py::none();
                               const double nan = std::numeric_limits<double>::quiet_NaN();
                               return per_coefficient<std::complex<double>>(
                                   s, [&](size_t i) { return s.fft[i] ? *s.fft[i] : std::complex<double>(nan, nan); });
                             })
      .def_property_readonly("fft_error",
                             [](const SpectrumResult& s) -> py::object {
                               if (!s.fft_n) return py::none();
                               return per_coefficient<double>(s, [&](size_t i) {
                                 const Coefficient& c = s.coefficients[i];
                                 return s.fft[i] ? std::abs(*s.fft[i] - std::complex<double>(c.re_double, c.im_double))
                                                 : std::numeric_limits<double>::quiet_NaN();
                               });
                             })
      .def("__repr__", [](const SpectrumResult& s) {
        return "Spectrum(" + std::to_string(s.frequencies.size()) + " frequencies x " + std::to_string(s.outputs) + " outputs, " +
               std::to_string(s.precision_bits) + " bits" + (s.fft_n ? ", FFT N = " + std::to_string(s.fft_n) : std::string()) + ")";
      });

  m.def("_spectrum", &compute_spectrum);

  m.def("_fft_convergence", [](const Network& net, const AnalysisRequest& request, const std::string& k, int out, int max_n,
                               std::shared_ptr<HeldPartition> held, long max_regions, py::object progress) {
    const std::shared_ptr<Context> context = spectrum_context(net, request, held);
    const VecQ frequency = one_frequency(k, context->dim());
    if (max_n <= 0) max_n = context->dim() == 1 ? 1 << 16 : 1024;
    const Box& box = context->input.domain;
    for (size_t i = 0; i < frequency.size(); ++i)
      if (Rational(frequency[i] * (box.hi[i] - box.lo[i])).get_den() != 1)
        throw InputError("--freq", "k is on no FFT grid (k (hi - lo) must be an integer vector)");
    FftConvergence result;
    on_partition(context, held, out, max_regions, std::move(progress), [&](const Context& c, const Partition& partition) {
      result = fft_convergence(c.input.net, c.input.slice ? &*c.input.slice : nullptr, partition, frequency, out, max_n);
    });
    if (result.n.empty()) throw InputError("--freq", "k is on no FFT grid up to --max-n (k (hi - lo) must be an integer vector)");
    const std::vector<std::int64_t> n(result.n.begin(), result.n.end());
    return make_result("FftConvergence", py::dict(py::arg("n") = py::array_t<std::int64_t>(static_cast<py::ssize_t>(n.size()), n.data()),
                                 py::arg("rectangle") = py::array_t<double>(static_cast<py::ssize_t>(result.rectangle.size()), result.rectangle.data()),
                                 py::arg("trapezoid") = py::array_t<double>(static_cast<py::ssize_t>(result.trapezoid.size()), result.trapezoid.data()),
                                 py::arg("k") = fractions(frequency)));
  });

  m.def("_ray_decay", [](const Network& net, const AnalysisRequest& request, const std::string& k, const std::vector<double>& ts,
                         int out, std::shared_ptr<HeldPartition> held, long max_regions, py::object progress) {
    for (double t : ts)
      if (!(t > 0) || !std::isfinite(t)) throw InputError("t", "every t must be positive and finite");
    if (std::adjacent_find(ts.begin(), ts.end(), std::not_equal_to<>()) == ts.end())
      throw InputError("t", "the fit needs at least two different t");
    const std::shared_ptr<Context> context = spectrum_context(net, request, held);
    const VecQ direction = one_frequency(k, context->dim());
    RayDecay result;
    on_partition(context, held, out, max_regions, std::move(progress), [&](const Context&, const Partition& partition) {
      result = ray_decay(partition, direction, ts, out);
    });
    return make_result("RayDecay", py::dict(py::arg("t") = py::array_t<double>(static_cast<py::ssize_t>(result.t.size()), result.t.data()),
                                 py::arg("magnitude") = py::array_t<double>(static_cast<py::ssize_t>(result.magnitude.size()), result.magnitude.data()),
                                 py::arg("exponent") = result.exponent, py::arg("k") = fractions(direction)));
  });

  m.def("_lemma1_terms", [](std::shared_ptr<HeldPartition> held, const std::string& k, int out, long precision) {
    const VecQ frequency = one_frequency(k, held->context->dim());
    std::vector<std::pair<double, double>> terms;
    {
      py::gil_scoped_release release;
      terms = lemma1_terms(held->exact_partition(), frequency, out, precision);
    }
    auto a = new_array<std::complex<double>>({static_cast<py::ssize_t>(terms.size())});
    for (size_t i = 0; i < terms.size(); ++i) a.mutable_data()[i] = {terms[i].first, terms[i].second};
    return a;
  });

  m.def("_frequency_grid", [](int dim, int K) {
    if (dim < 1 || dim > 2) throw InputError("dim", "frequency grids are 1D or 2D");
    if (K < 0) throw InputError("K", "must be non-negative");
    const std::vector<VecQ> grid = frequency_grid(dim, K);
    auto a = new_array<std::int64_t>({static_cast<py::ssize_t>(grid.size()), dim});
    for (size_t i = 0; i < grid.size(); ++i)
      for (int j = 0; j < dim; ++j) a.mutable_at(static_cast<py::ssize_t>(i), j) = grid[i][static_cast<size_t>(j)].get_num().get_si();
    return a;
  });
}

}  // namespace relutope::python
