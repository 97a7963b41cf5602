#pragma once
// Restricting a network to a line or plane of its input (or encoding) space, exactly.
#include "relutope/network/network.hpp"

#include <string>

namespace relutope {

/// The affine map (s, t) -> o + s u + t v into R^d (the plane), or s -> o + s u (a line: v empty).
struct Slice {
  VecQ origin, u, v;
  int dim() const { return static_cast<int>(origin.size()); }   // d, the space sliced
  int rank() const { return v.empty() ? 1 : 2; }                // the slice's own dimension
};

/// Reads "o1,..,od:u1,..,ud:v1,..,vd" (a plane) or "o1,..,od:u1,..,ud" (a line); numbers exact.
/// Throws InputError(source, ...) on a malformed text or vectors of different lengths.
Slice parse_slice(const std::string& text, const std::string& source);

/// Reads a slice from a file: parse_slice's text, or o, u (and v) on two (three) lines with the
/// numbers separated by commas or whitespace, as in a points file. Numbers exact. Throws
/// InputError(path, ...) for a missing or empty file, a malformed text, a wrong number of lines
/// or vectors of different lengths.
Slice read_slice(const std::string& path);

/// The plane through the three points p0, p1, p2 of a points file (one a line, any dimension):
/// x = p0 + s (p1 - p0) + t (p2 - p0), exactly. Throws InputError(path, ...) for anything but
/// three points of one length, and for points that are collinear or coincide (no plane).
Slice plane_through(const std::string& path);

/// The network as a function of its analysis coordinates, with identity encoding: without a
/// slice, the network itself (which must have identity encoding and at most `max_inputs` inputs:
/// 2 for the spectrum and figures, more for regions); with one, the slice composed into the first
/// layer. A positional-encoding network is sliced in its encoding space (the slice's d is then
/// 2 L input_dim). Throws InputError(source, ...) for a slice of the wrong dimension, a positional
/// network without a slice, or more than `max_inputs` inputs without a slice.
NetworkQ analysis_network(const Network& net, const Slice* slice, const std::string& source, int max_inputs = 2);

/// Evaluates the network in double at points given in the analysis coordinates (#points x 1 or
/// 2): the network itself without a slice; with one, the network of (s, t) whose first layer is
/// the slice composed into layer 1 exactly, then rounded to the nearest doubles (in the encoding
/// space of a positional network). A floating baseline for sampling and FFT estimates: each
/// point costs 1 or 2 products per first-layer neuron, not d. Throws InputError("slice", ...)
/// for a slice of the wrong dimension.
Evaluation evaluate_in(const Network& net, const Slice* slice, const MatD& coords);

}  // namespace relutope
