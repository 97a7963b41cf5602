// Networks: read from files, built from arrays or a state_dict's tensors, evaluated, saved.
#include "bindings.hpp"

#include "network/state_dict.hpp"

namespace relutope::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

MatD weight_of(const Array& a, size_t index) {
  if (a.ndim() != 2)
    throw InputError("weights", "layer " + std::to_string(index) + ": the weight must be a matrix (out x in), got " +
                                    std::to_string(a.ndim()) + " dimensions");
  MatD w(a.shape(0), a.shape(1));
  auto view = a.unchecked<2>();
  for (py::ssize_t i = 0; i < a.shape(0); ++i)
    for (py::ssize_t j = 0; j < a.shape(1); ++j) w(i, j) = view(i, j);
  return w;
}

VecD vector_of(const Array& a, const std::string& source, size_t index) {
  if (a.ndim() != 1)
    throw InputError(source, "layer " + std::to_string(index) + ": the bias must be a vector, got " + std::to_string(a.ndim()) +
                                 " dimensions");
  VecD v(a.shape(0));
  for (py::ssize_t i = 0; i < a.shape(0); ++i) v(i) = a.at(i);
  return v;
}

// Finishes a network built in memory: the encoding it was trained with and the domain, checked.
void finish(Network& net, const std::string& encoding, const std::string& domain, const std::string& source) {
  net.input_dim = static_cast<int>(net.layers.front().weight.cols());
  if (!encoding.empty()) attach_encoding(net, parse_encoding(encoding, "--encoding"), "--encoding");
  if (!domain.empty()) net.domain = parse_box(domain, "--domain");
  check_network(net, source);
}

Network from_arrays(const std::vector<Array>& weights, const std::vector<std::optional<Array>>& biases,
                    const std::vector<std::string>& activations, const std::string& encoding, const std::string& domain,
                    const std::string& source) {
  if (weights.empty()) throw InputError(source, "the network has no layers");
  if (!biases.empty() && biases.size() != weights.size())
    throw InputError("biases", std::to_string(biases.size()) + " biases for " + std::to_string(weights.size()) + " layers");
  if (!activations.empty() && activations.size() != weights.size())
    throw InputError("activations",
                     std::to_string(activations.size()) + " activations for " + std::to_string(weights.size()) + " layers");
  Network net;
  for (size_t i = 0; i < weights.size(); ++i) {
    Layer layer;
    layer.weight = weight_of(weights[i], i);
    layer.bias = !biases.empty() && biases[i] ? vector_of(*biases[i], "biases", i) : VecD::Zero(layer.weight.rows());
    layer.activation = !activations.empty()            ? parse_activation(activations[i], "activations")
                       : i + 1 < weights.size() ? Activation::relu()
                                                       : Activation::identity();
    net.layers.push_back(std::move(layer));
  }
  net.meta["source"] = source;
  finish(net, encoding, domain, source);
  return net;
}

// A state_dict's tensors, each (name, dtype name as torch prints it, shape, values widened to
// float64 or None for a non-floating tensor), read by the same rules as a file's.
using TensorItem = std::tuple<std::string, std::string, std::vector<long>, std::optional<Array>>;

Network from_state_dict(const std::vector<TensorItem>& items, const ReadOptionTexts& texts, const std::string& domain) {
  using namespace internal;
  static const DType types[] = {float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, boolean};
  StateDict dict;
  for (const auto& [name, dtype, shape, values] : items) {
    Tensor tensor;
    const DType* type = std::find_if(std::begin(types), std::end(types), [&](const DType& t) { return dtype == t.name; });
    if (type == std::end(types)) throw InputError("state_dict", name + ": unsupported dtype " + dtype);
    tensor.dtype = *type;
    tensor.shape = shape;
    if (values) tensor.data.assign(values->data(), values->data() + values->size());
    dict.tensors.emplace_back(name, std::move(tensor));
  }
  Network net = network_from_state_dict(dict, "state_dict", parse_read_options(texts));
  if (!domain.empty()) {
    net.domain = parse_box(domain, "--domain");
    check_network(net, "state_dict");
  }
  return net;
}

std::string architecture(const Network& net) {
  std::string text = std::to_string(net.input_dim);
  for (const Layer& layer : net.layers) text += " -> " + std::to_string(layer.weight.rows());
  return text;
}

}  // namespace

void bind_network(py::module_& m) {
  py::class_<Layer>(m, "Layer", "One affine layer y = W x + b and its activation.")
      .def_property_readonly("weight", [](const Layer& l) { return matrix_array(l.weight); }, "(out, in) float64")
      .def_property_readonly("bias", [](const Layer& l) { return py::array_t<double>(l.bias.size(), l.bias.data()); },
                             "(out,) float64")
      .def_property_readonly("activation", [](const Layer& l) { return activation_name(l.activation); },
                             "'relu', 'identity' or 'leaky_relu:SLOPE'")
      .def_property_readonly("spectral_norm", [](const Layer& l) { return spectral_norm(l.weight); },
                             "The largest singular value of the weight, in float64 (Rahaman et al. Eq. 7's factors)")
      .def("__repr__", [](const Layer& l) {
        return "Layer(" + std::to_string(l.weight.cols()) + " -> " + std::to_string(l.weight.rows()) + ", " +
               activation_name(l.activation) + ")";
      });

  py::class_<Network>(m, "Network",
                      "A piecewise-linear MLP: affine layers, each followed by its activation (ReLU, LeakyReLU or identity),\n"
                      "after an optional positional encoding of the inputs. Weights are float64, exactly as read.\n\n"
                      "Build one with relutope.load(path), Network.from_torch(module or state_dict) or Network.from_arrays.\n"
                      "net(x): outputs (n, output_dim) at the points x (n, input_dim), in float64 as torch computes them;\n"
                      "net.patterns(x): activation patterns (n, hidden_neurons) bool, True where the pre-activation is > 0;\n"
                      "net.save(path): native JSON (.json) or PyTorch-style .npz, written whole or not at all.")
      .def_readonly("input_dim", &Network::input_dim)
      .def_property_readonly("output_dim", &Network::output_dim)
      .def_property_readonly("hidden_neurons", &Network::hidden_neurons)
      .def_property_readonly("parameter_count", &Network::parameter_count)
      .def_property_readonly("encoding", [](const Network& n) { return encoding_spec(n.encoding); })
      .def_property_readonly("domain", [](const Network& n) -> py::object {
        return n.domain ? py::object(box_tuple(*n.domain)) : py::object(py::none());
      })
      .def_readonly("meta", &Network::meta)
      .def_readonly("layers", &Network::layers)
      .def("__call__", [](const Network& n, const Array& x) {
        const MatD X = matrix_of(x, n.input_dim, "x");
        Evaluation e;
        {
          py::gil_scoped_release release;
          e = evaluate(n, X);
        }
        return matrix_array(e.values);
      })
      .def("patterns", [](const Network& n, const Array& x) {
        const MatD X = matrix_of(x, n.input_dim, "x");
        Evaluation e;
        {
          py::gil_scoped_release release;
          e = evaluate(n, X);
        }
        return pattern_array(e.patterns, n.hidden_neurons());
      })
      .def("_save", [](const Network& n, const std::string& path) { write_network(n, path, format_for_path(path)); })
      .def("_with_domain", [](const Network& n, const std::string& domain) {
        Network copy = n;
        copy.domain = parse_box(domain, "--domain");
        check_network(copy, "--domain");
        return copy;
      })
      .def("__repr__", [](const Network& n) {
        std::string text = "Network(" + architecture(n) + ", encoding " + encoding_spec(n.encoding) + ", " +
                           std::to_string(n.parameter_count()) + " parameters";
        if (n.domain) text += ", domain " + to_string(*n.domain);
        return text + ")";
      })
      .def(py::pickle([](const Network& n) { return network_json(n); },
                      [](const std::string& json) { return parse_network_json(json, "pickle"); }))
      .def_static("_from_arrays", &from_arrays)
      .def_static("_from_state_dict", &from_state_dict);

  py::class_<ReadOptionTexts>(m, "_ReadOptions")
      .def(py::init([](std::string layers, std::string activation, std::string activations, std::string batchnorm_eps,
                       std::string encoding) {
        return ReadOptionTexts{std::move(layers), std::move(activation), std::move(activations), std::move(batchnorm_eps),
                               std::move(encoding)};
      }));

  m.def("_load", [](const std::string& path, const ReadOptionTexts& texts) { return read_network(path, parse_read_options(texts)); });
}

}  // namespace relutope::python
