// Activation regions for Python: the held partition with flat numpy arrays, one region at a
// time (exact values on request), the stream of regions as the engine finds them, and measures.
#include "analysis.hpp"

#include <deque>

namespace relutope::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// One region as Python sees it: its record and the analysis that makes it exact.
struct PyRegion {
  std::shared_ptr<const Context> context;
  RegionRecord record;
  long index = 0;
};

py::array readonly(py::array a) {
  a.attr("flags").attr("writeable") = false;
  return a;
}

py::array_t<bool> pattern_of(const RegionRecord& r) {
  auto a = new_array<bool>({r.pattern_bits});
  for (int j = 0; j < r.pattern_bits; ++j) a.mutable_at(j) = r.bit(j);
  return a;
}

py::array_t<double> vertices_of(const RegionRecord& r) {
  auto a = new_array<double>({r.vertex_count(), r.dim});
  std::copy(r.vertices.begin(), r.vertices.end(), a.mutable_data());
  return a;
}

void put_labels(const std::vector<HyperplaneLabel>& labels, std::int32_t* out) {
  for (const HyperplaneLabel& l : labels) {
    *out++ = l.layer;
    *out++ = l.index;
  }
}

py::array_t<double> map_of(const RegionRecord& r) {
  auto a = new_array<double>({r.outputs, r.dim + 1});
  std::copy(r.map.begin(), r.map.end(), a.mutable_data());
  return a;
}

py::list exact_vertices(const Context& c, const RegionRecord& r) {
  RegionRecord rebuilt;
  const RegionRecord* exact = &r;
  if (r.exact_vertices.empty()) {
    rebuilt = r;
    c.exact().add_exact_vertices(rebuilt);
    exact = &rebuilt;
  }
  py::list vertices;
  for (const VecQ& v : exact->exact_vertices) vertices.append(fractions(v));
  return vertices;
}

py::tuple exact_map(const Context& c, const RegionRecord& r) {
  MatQ weight = r.exact_weight;
  VecQ bias = r.exact_bias;
  if (bias.empty()) c.exact().output_map(r.pattern, weight, bias);
  py::list rows;
  for (Eigen::Index i = 0; i < weight.rows; ++i) {
    py::list row;
    for (Eigen::Index j = 0; j < weight.cols; ++j) row.append(fraction(weight(i, j)));
    rows.append(row);
  }
  py::list b;
  for (const Rational& q : bias) b.append(fraction(q));
  return py::make_tuple(rows, b);
}

Rational exact_measure(const Context& c, const RegionRecord& r) {
  RegionRecord copy = r;
  make_exact(c, copy);
  return measure(region_of(std::move(copy)));
}

// The flat arrays of every region's records, concatenated with offsets (Partition's layout).
py::dict flat_arrays(const HeldPartition& p) {
  const auto& records = p.records;
  const py::ssize_t count = static_cast<py::ssize_t>(records.size()), d = p.context->dim();
  py::ssize_t vertices = 0, facets = 0, incidences = 0;
  for (const RegionRecord& r : records) {
    vertices += r.vertex_count();
    facets += r.facet_count();
    incidences += static_cast<py::ssize_t>(r.facet_vertices.size());
  }
  const int outputs = records.empty() ? static_cast<int>(p.context->input.exact.layers.back().weight.rows) : records[0].outputs;
  auto xy = new_array<double>({vertices, d});
  auto labels = new_array<std::int32_t>({vertices, d, 2});
  auto vertex_offsets = new_array<std::int64_t>({count + 1});
  auto facet_labels = new_array<std::int32_t>({facets, 2});
  auto facet_sides = new_array<std::int8_t>({facets});
  auto facet_offsets = new_array<std::int64_t>({count + 1});
  auto incidence_offsets = new_array<std::int64_t>({facets + 1});
  auto incidence = new_array<std::int64_t>({incidences});
  auto patterns = new_array<bool>({count, p.context->hidden});
  auto maps = new_array<double>({count, outputs, d + 1});
  auto radius = new_array<double>({count});
  double* x = xy.mutable_data();
  std::int32_t* l = labels.mutable_data();
  std::int32_t* fl = facet_labels.mutable_data();
  std::int8_t* fs = facet_sides.mutable_data();
  std::int64_t *vo = vertex_offsets.mutable_data(), *fo = facet_offsets.mutable_data(), *io = incidence_offsets.mutable_data(),
               *in = incidence.mutable_data();
  bool* bits = patterns.mutable_data();
  double* m = maps.mutable_data();
  std::int64_t v = 0, f = 0, i = 0;
  for (py::ssize_t r = 0; r < count; ++r) {
    const RegionRecord& rec = records[static_cast<size_t>(r)];
    vo[r] = v;
    fo[r] = f;
    x = std::copy(rec.vertices.begin(), rec.vertices.end(), x);
    put_labels(rec.vertex_planes, l + 2 * d * v);
    put_labels(rec.facet_planes, fl + 2 * f);
    for (int k = 0; k < rec.facet_count(); ++k) {
      fs[f + k] = rec.facet_sides[static_cast<size_t>(k)];
      io[f + k] = i;
      for (int j = rec.facet_offsets[static_cast<size_t>(k)]; j < rec.facet_offsets[static_cast<size_t>(k) + 1]; ++j)
        in[i++] = v + rec.facet_vertices[static_cast<size_t>(j)];
    }
    for (int j = 0; j < rec.pattern_bits; ++j) *bits++ = rec.bit(j);
    m = std::copy(rec.map.begin(), rec.map.end(), m);
    radius.mutable_data()[r] = rec.map_radius;
    v += rec.vertex_count();
    f += rec.facet_count();
  }
  vo[count] = v;
  fo[count] = f;
  io[facets] = i;
  py::dict out;
  out["vertices"] = readonly(xy);
  out["vertex_labels"] = readonly(labels);
  out["vertex_offsets"] = readonly(vertex_offsets);
  out["facet_labels"] = readonly(facet_labels);
  out["facet_sides"] = readonly(facet_sides);
  out["facet_offsets"] = readonly(facet_offsets);
  out["facet_vertex_offsets"] = readonly(incidence_offsets);
  out["facet_vertices"] = readonly(incidence);
  out["patterns"] = readonly(patterns);
  out["maps"] = readonly(maps);
  out["map_radius"] = readonly(radius);
  return out;
}

// A cached read-only array of the partition, built by `make` the first time it is asked for.
py::object cached(HeldPartition& p, const std::string& name, const std::function<void()>& make) {
  auto found = p.arrays.find(name);
  if (found == p.arrays.end()) {
    make();
    found = p.arrays.find(name);
  }
  return found->second;
}

py::object geometry(HeldPartition& p, const std::string& name) {
  return cached(p, name, [&] {
    p.require_records(name.c_str());
    for (auto item : flat_arrays(p)) p.arrays[item.first.cast<std::string>()] = py::reinterpret_borrow<py::object>(item.second);
  });
}

long checked_index(const HeldPartition& p, long index) {
  p.require_records("region");
  const long count = static_cast<long>(p.records.size());
  if (index < 0) index += count;
  if (index < 0 || index >= count) throw py::index_error("region index " + std::to_string(index) + " out of range");
  return index;
}

VecQ exact_point(const MatD& points, Eigen::Index i) {
  VecQ x;
  for (Eigen::Index j = 0; j < points.cols(); ++j) x.push_back(to_exact(points(i, j)));
  return x;
}

// A sink that keeps the records, with their exact values when asked for.
struct Keep : RegionSink {
  std::vector<RegionRecord>& records;
  bool exact;
  Keep(std::vector<RegionRecord>& r, bool e) : records(r), exact(e) {}
  Demand demand(const RegionRecord&) const override { return {exact, exact}; }
  void add(RegionRecord&& record) override { records.push_back(std::move(record)); }
};

std::shared_ptr<HeldPartition> enumerate(const Network& net, const AnalysisRequest& request, int sample, bool keep, bool exact,
                                         long max_regions, double time_limit, int threads, py::object progress) {
  auto held = std::make_shared<HeldPartition>();
  held->context = context_of(net, request, max_engine_dim);
  held->kept = keep;
  held->exact_records = keep && exact;
  held->resolution = sample;
  if (sample < 0) throw InputError("--sample", "must be positive");
  Watch watch(std::move(progress), "regions", "cells", "regions");
  const EngineOptions options = engine_options(max_regions, time_limit, threads, watch);
  watch.run([&] {
    const Context& c = *held->context;
    std::optional<std::set<ActivationPattern>> sampled;
    if (sample > 0)
      sampled = distinct_sampled_patterns(c.input.net, c.input.slice ? &*c.input.slice : nullptr, c.input.domain, sample,
                                          [&](long done, long total) {
                                            watch.report(done, total);
                                            watch.check();
                                          });
    RegionSummary summary(c.input.exact, c.input.domain, std::move(sampled));
    Keep kept(held->records, held->exact_records);
    TeeSink both({&summary, &kept});
    held->predicates = enumerate_regions(c.input.exact, c.input.domain, keep ? static_cast<RegionSink&>(both) : summary, options);
    held->summary = summary.finish();
  });
  return held;
}

// The regions as the engine finds them, for networks too large to hold: the enumeration runs
// on its own thread and waits when Python falls `capacity` regions behind.
class RegionStream {
public:
  RegionStream(std::shared_ptr<Context> context, bool exact, long max_regions, double time_limit, int threads, py::object progress)
      : context_(std::move(context)), exact_(exact), watch_(std::move(progress), "regions", "cells", "regions"),
        options_(engine_options(max_regions, time_limit, threads, watch_)) {}

  PyRegion next() {
    if (!started_) {
      started_ = true;
      watch_.start([this] {
        Queue sink(*this);
        enumerate_regions(context_->input.exact, context_->input.domain, sink, options_);
      });
    }
    if (!watch_.wait([this] { return !queue_.empty(); })) throw py::stop_iteration();
    RegionRecord record;
    {
      std::lock_guard<std::mutex> lock(watch_.mutex());
      record = std::move(queue_.front());
      queue_.pop_front();
    }
    watch_.condition().notify_all();
    return PyRegion{context_, std::move(record), index_++};
  }

private:
  static constexpr size_t capacity = 4096;
  struct Queue : RegionSink {
    RegionStream& stream;
    explicit Queue(RegionStream& s) : stream(s) {}
    Demand demand(const RegionRecord&) const override { return {stream.exact_, stream.exact_}; }
    void add(RegionRecord&& record) override {
      Watch& watch = stream.watch_;
      {
        std::unique_lock<std::mutex> lock(watch.mutex());
        watch.condition().wait(lock, [&] { return stream.queue_.size() < capacity || watch.stopping(); });
        if (watch.stopping()) throw Interrupted();
        stream.queue_.push_back(std::move(record));
      }
      watch.condition().notify_all();
    }
  };

  std::shared_ptr<Context> context_;
  bool exact_;
  std::deque<RegionRecord> queue_;  // under watch_.mutex()
  long index_ = 0;
  bool started_ = false;
  Watch watch_;  // after what its thread uses: destroyed (the thread joined) first
  EngineOptions options_;
};

py::object lipschitz_object(const Lipschitz& l) {
  return make_result("Lipschitz", py::dict(py::arg("lower") = l.exact.lower, py::arg("upper") = l.exact.upper, py::arg("value") = l.exact.mid(),
                                      py::arg("certified_digits") = l.exact.certified_digits(), py::arg("region") = l.region,
                                      py::arg("product_of_norms") = l.product_of_norms));
}

}  // namespace

void bind_regions(py::module_& m) {
  py::class_<PyRegion>(m, "Region", "One activation region: a convex polytope and the network's affine map on it.")
      .def_readonly("index", &PyRegion::index)
      .def_property_readonly("dim", [](const PyRegion& r) { return r.record.dim; })
      .def_property_readonly("pattern", [](const PyRegion& r) { return pattern_of(r.record); })
      .def_property_readonly("vertices", [](const PyRegion& r) { return vertices_of(r.record); })
      .def_property_readonly("vertex_labels",
                             [](const PyRegion& r) {
                               auto a = new_array<std::int32_t>({r.record.vertex_count(), r.record.dim, 2});
                               put_labels(r.record.vertex_planes, a.mutable_data());
                               return a;
                             })
      .def_property_readonly("facet_labels",
                             [](const PyRegion& r) {
                               auto a = new_array<std::int32_t>({r.record.facet_count(), 2});
                               put_labels(r.record.facet_planes, a.mutable_data());
                               return a;
                             })
      .def_property_readonly("facet_sides",
                             [](const PyRegion& r) {
                               auto a = new_array<std::int8_t>({r.record.facet_count()});
                               std::copy(r.record.facet_sides.begin(), r.record.facet_sides.end(), a.mutable_data());
                               return a;
                             })
      .def_property_readonly("facet_vertices",
                             [](const PyRegion& r) {
                               py::list facets;
                               for (int k = 0; k < r.record.facet_count(); ++k) {
                                 const int* first = r.record.facet_vertices.data() + r.record.facet_offsets[static_cast<size_t>(k)];
                                 const int* last = r.record.facet_vertices.data() + r.record.facet_offsets[static_cast<size_t>(k) + 1];
                                 facets.append(py::array_t<std::int64_t>(last - first, std::vector<std::int64_t>(first, last).data()));
                               }
                               return facets;
                             })
      .def_property_readonly("map", [](const PyRegion& r) { return map_of(r.record); })
      .def_property_readonly("map_radius", [](const PyRegion& r) { return r.record.map_radius; })
      .def("exact_vertices", [](const PyRegion& r) { return exact_vertices(*r.context, r.record); })
      .def("exact_map", [](const PyRegion& r) { return exact_map(*r.context, r.record); })
      .def("exact_measure", [](const PyRegion& r) { return fraction(exact_measure(*r.context, r.record)); })
      .def("__repr__", [](const PyRegion& r) {
        return "Region(index " + std::to_string(r.index) + ", " + std::to_string(r.record.vertex_count()) + " vertices, " +
               std::to_string(r.record.facet_count()) + " facets)";
      });

  auto partition = py::class_<HeldPartition, std::shared_ptr<HeldPartition>>(
      m, "Partition",
      "The partition of a box into a network's activation regions (relutope.regions, whose docstring gives every\n"
      "array's shape and meaning). Flat arrays are built on first access and read-only; partition[r] is a Region.");
  const std::pair<const char*, const char*> arrays[] = {
      {"vertices", "(V, dim) float64: every region's vertices (the exact ones rounded), region r's at vertex_offsets[r]..[r+1]; 2D counter-clockwise"},
      {"vertex_offsets", "(count + 1,) int64: where each region's vertices start in vertices"},
      {"vertex_labels", "(V, dim, 2) int32: the dim hyperplanes (layer, neuron) meeting at each vertex; layer -1: a face of the box (2i lower, 2i+1 upper bound of axis i)"},
      {"facet_labels", "(F, 2) int32: each facet's hyperplane (layer, neuron), as vertex_labels"},
      {"facet_sides", "(F,) int8: +1 where the region lies on the side where the neuron's pre-activation is >= 0 (or inside the box)"},
      {"facet_offsets", "(count + 1,) int64: where each region's facets start in facet_labels"},
      {"facet_vertex_offsets", "(F + 1,) int64: where each facet's vertices start in facet_vertices"},
      {"facet_vertices", "(I,) int64: each facet's vertices, indices into vertices"},
      {"patterns", "(count, hidden_neurons) bool: each region's activation pattern, True where the pre-activation is > 0 inside"},
      {"maps", "(count, outputs, dim + 1) float64: the affine map [W | b] of f on each region, within map_radius of the exact one"},
      {"map_radius", "(count,) float64: a bound on |maps - exact map| entrywise"}};
  for (const auto& [name, doc] : arrays)
    partition.def_property_readonly(name, [name = std::string(name)](HeldPartition& p) { return geometry(p, name); }, doc);
  partition
      .def_property_readonly("dim", [](const HeldPartition& p) { return p.context->dim(); })
      .def_property_readonly("count", [](const HeldPartition& p) { return p.summary.regions; })
      .def_property_readonly("linear_pieces", [](const HeldPartition& p) { return p.summary.pieces.piece_count; })
      .def_property_readonly("outputs", [](const HeldPartition& p) { return p.context->input.exact.layers.back().weight.rows; })
      .def_property_readonly("hidden_neurons", [](const HeldPartition& p) { return p.context->hidden; })
      .def_property_readonly("domain", [](const HeldPartition& p) { return box_tuple(p.context->input.domain); })
      .def_property_readonly("kept", [](const HeldPartition& p) { return p.kept; })
      .def_property_readonly("piece",
                             [](HeldPartition& p) {
                               return cached(p, "piece", [&] {
                                 const auto& piece = p.summary.pieces.piece;
                                 auto a = new_array<std::int64_t>({static_cast<py::ssize_t>(piece.size())});
                                 std::copy(piece.begin(), piece.end(), a.mutable_data());
                                 p.arrays["piece"] = readonly(a);
                               });
                             }, "(count,) int64: each region's linear piece (adjacent regions with the same exact affine map, joined)")
      .def_property_readonly("adjacent",
                             [](HeldPartition& p) {
                               return cached(p, "adjacent", [&] {
                                 const auto& pairs = p.summary.pieces.adjacent;
                                 auto a = new_array<std::int64_t>({static_cast<py::ssize_t>(pairs.size()), 2});
                                 for (size_t i = 0; i < pairs.size(); ++i) {
                                   a.mutable_at(static_cast<py::ssize_t>(i), 0) = pairs[i].first;
                                   a.mutable_at(static_cast<py::ssize_t>(i), 1) = pairs[i].second;
                                 }
                                 p.arrays["adjacent"] = readonly(a);
                               });
                             }, "(A, 2) int64: pairs a < b of regions sharing a facet")
      .def_property_readonly("dead_neurons",
                             [](const HeldPartition& p) {
                               const auto& dead = p.summary.dead_neurons;
                               auto a = new_array<std::int64_t>({static_cast<py::ssize_t>(dead.size()), 2});
                               for (size_t i = 0; i < dead.size(); ++i) {
                                 a.mutable_at(static_cast<py::ssize_t>(i), 0) = dead[i].first;
                                 a.mutable_at(static_cast<py::ssize_t>(i), 1) = dead[i].second;
                               }
                               return a;
                             }, "(k, 2) int64: (hidden layer, neuron) of the ReLU neurons inactive on the whole domain")
      .def_property_readonly("lipschitz", [](const HeldPartition& p) { return lipschitz_object(p.summary.lipschitz); },
                             "Lipschitz: the certified Lipschitz constant (2-norms) against the product of the layers' norms")
      .def_property_readonly("sampled",
                             [](const HeldPartition& p) -> py::object {
                               if (!p.summary.sampling) return py::none();
                               const SamplingReport& s = *p.summary.sampling;
                               auto missed = new_array<std::int64_t>({static_cast<py::ssize_t>(s.missed.size())});
                               std::copy(s.missed.begin(), s.missed.end(), missed.mutable_data());
                               auto optional = [](const std::optional<Rational>& q) { return q ? fraction(*q) : py::object(py::none()); };
                               return make_result("SamplingReport",
                                             py::dict(py::arg("resolution") = p.resolution, py::arg("distinct_patterns") = s.distinct_patterns,
                                                      py::arg("regions_found") = s.regions_found, py::arg("missed") = missed,
                                                      py::arg("foreign_patterns") = s.foreign_patterns,
                                                      py::arg("smallest_missed") = optional(s.smallest_missed),
                                                      py::arg("median_missed") = optional(s.median_missed)));
                             }, "SamplingReport of regions(sample=R), else None")
      .def_property_readonly("predicates",
                             [](const HeldPartition& p) {
                               py::dict d;
                               d["filtered"] = p.predicates.filtered;
                               d["exact"] = p.predicates.exact;
                               return d;
                             }, "How the engine decided its predicates: {'filtered': in floating point with a proof, 'exact': in integers}")
      .def_property_readonly("first_layer",
                             [](const HeldPartition& p) {
                               const LayerQ& first = p.context->input.exact.layers.front();
                               MatD w(first.weight.rows, first.weight.cols);
                               for (Eigen::Index i = 0; i < w.rows(); ++i)
                                 for (Eigen::Index j = 0; j < w.cols(); ++j) w(i, j) = to_double(first.weight(i, j));
                               const VecD b = to_double(first.bias);
                               return py::make_tuple(matrix_array(w), py::array_t<double>(b.size(), b.data()));
                             }, "(W1 (n, dim), b1 (n,)) float64: the first layer in the analysis coordinates (its zero lines)")
      .def_property_readonly("measures",
                             [](HeldPartition& p) {
                               return cached(p, "measures", [&] {
                                 p.require_records("measures");
                                 std::vector<double> values;
                                 {
                                   py::gil_scoped_release release;
                                   for (const Region& region : p.exact_partition().regions) values.push_back(to_double(measure(region)));
                                 }
                                 p.arrays["measures"] = readonly(py::array_t<double>(static_cast<py::ssize_t>(values.size()), values.data()));
                               });
                             }, "(count,) float64: each region's exact length, area or volume, rounded (exact_measure(r) for the Fraction)")
      .def("__len__", [](const HeldPartition& p) { return p.summary.regions; })
      .def("__getitem__",
           [](const HeldPartition& p, long index) {
             const long i = checked_index(p, index);
             return PyRegion{p.context, p.records[static_cast<size_t>(i)], i};
           })
      .def("exact_vertices", [](const HeldPartition& p, long i) { return exact_vertices(*p.context, p.records[static_cast<size_t>(checked_index(p, i))]); },
           py::arg("region"), "Region r's vertices as tuples of Fractions, in the order of vertices.")
      .def("exact_map", [](const HeldPartition& p, long i) { return exact_map(*p.context, p.records[static_cast<size_t>(checked_index(p, i))]); },
           py::arg("region"), "Region r's affine map f(x) = W x + b exactly: (W as rows of Fractions, b as Fractions).")
      .def("exact_measure", [](const HeldPartition& p, long i) {
        return fraction(exact_measure(*p.context, p.records[static_cast<size_t>(checked_index(p, i))]));
      }, py::arg("region"), "Region r's exact length (1D), area (2D) or volume, a Fraction.")
      .def("locate",
           [](HeldPartition& p, const Array& points) {
             const MatD x = matrix_of(points, p.context->dim(), "points");
             auto out = new_array<std::int64_t>({x.rows()});
             {
               py::gil_scoped_release release;
               const Partition& exact = p.exact_partition();
               for (Eigen::Index i = 0; i < x.rows(); ++i) out.mutable_data()[i] = locate(exact, exact_point(x, i));
             }
             return out;
           },
           py::arg("points"),
           "The region holding each point (n, dim): (n,) int64, the lowest index on a boundary, -1 outside the domain "
           "(exact; up to 3D). Raises ValueError for points of another dimension or not finite.")
      .def("boundary_distance",
           [](HeldPartition& p, const Array& points) {
             const MatD x = matrix_of(points, p.context->dim(), "points");
             std::vector<BoundaryDistance> found;
             {
               py::gil_scoped_release release;
               std::vector<VecQ> exact_points;
               for (Eigen::Index i = 0; i < x.rows(); ++i) exact_points.push_back(exact_point(x, i));
               found = boundary_distances(p.exact_partition(), p.context->input.exact, exact_points);
             }
             const py::ssize_t n = x.rows();
             auto region = new_array<std::int64_t>({n});
             auto distance = new_array<double>({n}), lower = new_array<double>({n}), upper = new_array<double>({n}),
                  estimate = new_array<double>({n});
             auto digits = new_array<std::int64_t>({n});
             const double nan = std::numeric_limits<double>::quiet_NaN();
             for (py::ssize_t i = 0; i < n; ++i) {
               const BoundaryDistance& b = found[static_cast<size_t>(i)];
               region.mutable_data()[i] = b.region;
               distance.mutable_data()[i] = b.distance ? b.distance->mid() : nan;
               lower.mutable_data()[i] = b.distance ? b.distance->lower : nan;
               upper.mutable_data()[i] = b.distance ? b.distance->upper : nan;
               digits.mutable_data()[i] = b.distance ? b.distance->certified_digits() : 0;
               estimate.mutable_data()[i] = b.region >= 0 ? b.neuron_estimate : nan;
             }
             return make_result("BoundaryDistances",
                           py::dict(py::arg("region") = region, py::arg("distance") = distance, py::arg("lower") = lower,
                                    py::arg("upper") = upper, py::arg("certified_digits") = digits,
                                    py::arg("neuron_estimate") = estimate));
           },
           py::arg("points"),
           "BoundaryDistances of the points (n, dim): each one's region and the exact distance to where its "
           "activation pattern changes inside the domain, certified, beside Hanin & Rolnick's neuron estimate.")
      .def("validate",
           [](HeldPartition& p) {
             if (p.context->dim() != 2) throw InputError("validate", "the CGAL certificate is for 2D partitions");
             py::gil_scoped_release release;
             validate_partition(p.exact_partition());
           },
           "2D: rebuilds the partition as one CGAL Arrangement_2 (exact kernel), a second certificate of the regions and "
           "their adjacency; raises on a mismatch (a bug, never bad input).")
      .def("__repr__", [](const HeldPartition& p) {
        return "Partition(" + std::to_string(p.summary.regions) + " regions, " + std::to_string(p.summary.pieces.piece_count) +
               " linear pieces, domain " + to_string(p.context->input.domain) + ")";
      });

  py::class_<RegionStream>(m, "RegionStream", "The regions as the engine finds them (relutope.iter_regions).")
      .def("__iter__", [](RegionStream& s) -> RegionStream& { return s; })
      .def("__next__", &RegionStream::next);

  m.def("_regions", &enumerate);
  m.def("_iter_regions", [](const Network& net, const AnalysisRequest& request, bool exact, long max_regions, double time_limit,
                            int threads, py::object progress) {
    return std::make_unique<RegionStream>(context_of(net, request, max_engine_dim), exact, max_regions, time_limit, threads,
                                          std::move(progress));
  });
  m.def("_sampled_patterns", [](const Network& net, const AnalysisRequest& request, int resolution, py::object progress) {
    const AnalysisInput in = prepare_analysis(net, "network", request, false);
    if (resolution < 1) throw InputError("--resolution", "must be positive");
    std::vector<ActivationPattern> patterns;
    Watch watch(std::move(progress), "sampling", "points");
    watch.run([&] {
      patterns = sampled_patterns(in.net, in.slice ? &*in.slice : nullptr, in.domain, resolution, [&](long done, long total) {
        watch.report(done, total);
        watch.check();
      });
    });
    return pattern_array(patterns, in.net.hidden_neurons());
  });
  py::class_<AnalysisRequest>(m, "_AnalysisRequest")
      .def(py::init([](std::string domain, std::string slice, std::string plane_through) {
        return AnalysisRequest{std::move(domain), std::move(slice), std::move(plane_through)};
      }));
}

}  // namespace relutope::python
