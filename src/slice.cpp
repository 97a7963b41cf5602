#include "relutope/slice.hpp"

#include "relutope/error.hpp"

#include <sstream>

namespace relutope {
Slice parse_slice(const std::string& text, const std::string& source) {
  std::vector<std::string> parts;  // every colon separates two parts: "o:u:" has an empty third
  for (size_t start = 0;;) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? colon : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 2 && parts.size() != 3)
    throw InputError(source, "expected o1,..,od:u1,..,ud[:v1,..,vd], got '" + text + "'");
  Slice slice{parse_rationals(parts[0], source), parse_rationals(parts[1], source),
              parts.size() == 3 ? parse_rationals(parts[2], source) : VecQ{}};
  if (slice.origin.empty() || slice.u.size() != slice.origin.size() ||
      (!slice.v.empty() && slice.v.size() != slice.origin.size()))
    throw InputError(source, "the slice's vectors must all have the same length");
  return slice;
}

NetworkQ analysis_network(const Network& net, const Slice* slice, const std::string& source) {
  NetworkQ exact = to_exact(net);
  const int features = net.encoding.features(net.input_dim);
  if (!slice) {
    if (net.encoding.type != Encoding::Type::identity)
      throw InputError(source, "a positional-encoding network is not piecewise linear in its input: give --slice in its " +
                                   std::to_string(features) + "-dimensional encoding space");
    if (net.input_dim > 2)
      throw InputError(source, "the network has " + std::to_string(net.input_dim) +
                                   " inputs: give a 1- or 2-dimensional --slice");
    return exact;
  }
  if (slice->dim() != features)
    throw InputError(source, "the slice lives in " + std::to_string(slice->dim()) + " dimensions but the network's " +
                                 (net.encoding.type == Encoding::Type::identity ? "input has " : "encoding has ") +
                                 std::to_string(features));
  // Layer 1 on x = o + s u + t v:  W (o + s u + t v) + b = [W u, W v] (s, t) + (W o + b).
  LayerQ& first = exact.layers.front();
  LayerQ sliced{MatQ(first.weight.rows, slice->rank()), first.bias, first.activation};
  for (Eigen::Index i = 0; i < first.weight.rows; ++i)
    for (Eigen::Index k = 0; k < first.weight.cols; ++k) {
      const Rational& w = first.weight(i, k);
      sliced.weight(i, 0) += w * slice->u[static_cast<size_t>(k)];
      if (slice->rank() == 2) sliced.weight(i, 1) += w * slice->v[static_cast<size_t>(k)];
      sliced.bias[static_cast<size_t>(i)] += w * slice->origin[static_cast<size_t>(k)];
    }
  first = std::move(sliced);
  exact.input_dim = slice->rank();
  exact.encoding = {};
  return exact;
}

Evaluation evaluate_in(const Network& net, const Slice* slice, const MatD& coords) {
  if (!slice) return evaluate(net, coords);
  MatD X(coords.rows(), slice->dim());
  for (Eigen::Index i = 0; i < coords.rows(); ++i)
    for (int k = 0; k < slice->dim(); ++k) {
      const size_t kk = static_cast<size_t>(k);
      X(i, k) = to_double(slice->origin[kk]) + coords(i, 0) * to_double(slice->u[kk]) +
                (slice->rank() == 2 ? coords(i, 1) * to_double(slice->v[kk]) : 0.0);
    }
  if (net.encoding.type == Encoding::Type::identity) return evaluate(net, X);
  // A positional network is sliced in its encoding space: the points are features already.
  Network layers_only = net;
  layers_only.encoding = {};
  layers_only.input_dim = slice->dim();
  return evaluate(layers_only, X);
}

}  // namespace relutope
