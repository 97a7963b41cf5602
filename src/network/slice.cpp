#include "relutope/network/slice.hpp"

#include "relutope/error.hpp"
#include "relutope/points.hpp"

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <iterator>

namespace relutope {
namespace {

// Layer 1 on x = o + s u + t v:  W (o + s u + t v) + b = [W u, W v] (s, t) + (W o + b), exactly.
LayerQ composed_first_layer(const Network& net, const Slice& slice, const std::string& source) {
  const int features = net.encoding.features(net.input_dim);
  if (slice.dim() != features)
    throw InputError(source, "the slice lives in " + std::to_string(slice.dim()) + " dimensions but the network's " +
                                 (net.encoding.type == Encoding::Type::identity ? "input has " : "encoding has ") +
                                 std::to_string(features));
  const Layer& first = net.layers.front();
  LayerQ sliced{MatQ(first.weight.rows(), slice.rank()), to_exact(first.bias), first.activation};
  for (Eigen::Index i = 0; i < first.weight.rows(); ++i)
    for (Eigen::Index k = 0; k < first.weight.cols(); ++k) {
      const Rational w = to_exact(first.weight(i, k));
      const size_t kk = static_cast<size_t>(k);
      sliced.weight(i, 0) += w * slice.u[kk];
      if (slice.rank() == 2) sliced.weight(i, 1) += w * slice.v[kk];
      sliced.bias[static_cast<size_t>(i)] += w * slice.origin[kk];
    }
  return sliced;
}

VecQ difference(const VecQ& a, const VecQ& b) {
  VecQ d;
  for (size_t k = 0; k < a.size(); ++k) d.push_back(a[k] - b[k]);
  return d;
}

// u and v span a plane: u != 0 and v is no multiple of u (u_i v_k != u_k v_i for some k,
// with u_i != 0), decided exactly in O(d).
bool spans_plane(const VecQ& u, const VecQ& v) {
  size_t i = 0;
  while (i < u.size() && u[i] == 0) ++i;
  if (i == u.size()) return false;
  for (size_t k = 0; k < u.size(); ++k)
    if (u[i] * v[k] != u[k] * v[i]) return true;
  return false;
}

// A slice whose directions span a line (u != 0) or a plane: a degenerate one would analyse a
// point or a line as if it were a plane, with regions of zero area.
Slice checked(Slice slice, const std::string& source) {
  const bool zero_u = std::all_of(slice.u.begin(), slice.u.end(), [](const Rational& c) { return c == 0; });
  if (slice.v.empty() ? zero_u : !spans_plane(slice.u, slice.v))
    throw InputError(source, slice.v.empty() ? "the slice's direction u is zero"
                                             : "the slice's directions u and v are parallel or zero: they span no plane");
  return slice;
}

}  // namespace

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
  return checked(std::move(slice), source);
}

Slice read_slice(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw InputError(path, "is a directory, not a slice file");
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the file");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const size_t first = text.find_first_not_of(" \t\r\n"), last = text.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) throw InputError(path, "the file is empty: expected o:u:v, or o, u, v on three lines");
  if (text.find(':') != std::string::npos) return parse_slice(text.substr(first, last - first + 1), path);
  const std::vector<VecQ> lines = read_exact_points(path, 0);
  if (lines.size() != 2 && lines.size() != 3)
    throw InputError(path, "expected o, u, v on three lines (o, u for a line), found " + std::to_string(lines.size()) + " lines");
  return checked({lines[0], lines[1], lines.size() == 3 ? lines[2] : VecQ{}}, path);
}

Slice plane_through(const std::string& path) {
  const std::vector<VecQ> p = read_exact_points(path, 0);
  if (p.size() != 3)
    throw InputError(path, "expected three points p0, p1, p2 (one a line), found " + std::to_string(p.size()));
  Slice slice{p[0], difference(p[1], p[0]), difference(p[2], p[0])};
  if (!spans_plane(slice.u, slice.v)) throw InputError(path, "the three points are collinear or coincide: they span no plane");
  return slice;
}

NetworkQ analysis_network(const Network& net, const Slice* slice, const std::string& source, int max_inputs) {
  NetworkQ exact = to_exact(net);
  if (!slice) {
    if (net.encoding.type != Encoding::Type::identity)
      throw InputError(source, "a positional-encoding network is not piecewise linear in its input: give --slice in its " +
                                   std::to_string(net.encoding.features(net.input_dim)) + "-dimensional encoding space");
    if (net.input_dim > max_inputs)
      throw InputError(source, "the network has " + std::to_string(net.input_dim) + " inputs: give a " +
                                   (max_inputs == 2 ? std::string("1- or 2") : "1- to " + std::to_string(max_inputs)) +
                                   "-dimensional --slice");
    return exact;
  }
  exact.layers.front() = composed_first_layer(net, *slice, source);
  exact.input_dim = slice->rank();
  exact.encoding = {};
  return exact;
}

Evaluation evaluate_in(const Network& net, const Slice* slice, const MatD& coords) {
  if (!slice) return evaluate(net, coords);
  // Rounding the composed layer instead of the points o + s u + t v is a floating baseline all
  // the same (both perturb z by a few ulps), and it never builds the #points x d matrix: a
  // 784-D slice sampled at 256^2 points took 1.2 GB and 24 s that way.
  const LayerQ first = composed_first_layer(net, *slice, "slice");
  Network sliced = net;
  sliced.input_dim = slice->rank();
  sliced.encoding = {};
  sliced.layers.front().weight = to_double(first.weight);
  sliced.layers.front().bias = to_double(first.bias);
  return evaluate(sliced, coords);
}

}  // namespace relutope
