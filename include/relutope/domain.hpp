#pragma once
// The input domain: an axis-aligned box with exact rational bounds.
#include "relutope/exact.hpp"

#include <optional>
#include <string>
#include <utility>

namespace relutope {

/// The box [lo_0, hi_0] x ... x [lo_{d-1}, hi_{d-1}]. Bounds are exact: "0.1" means 1/10.
struct Box {
  VecQ lo, hi;

  int dim() const { return static_cast<int>(lo.size()); }
  Rational volume() const;  // exact: the product of the side lengths
  bool operator==(const Box& other) const { return lo == other.lo && hi == other.hi; }
};

/// Reads "a,b" (1D) or "a,b,c,d" (the box [a,b] x [c,d]), and so on for more dimensions.
/// Throws InputError(source, ...) on a malformed list, an odd count, or an empty or inverted
/// interval (lo >= hi).
Box parse_box(const std::string& text, const std::string& source);

/// Checks lo < hi in every dimension; throws InputError(source, ...) otherwise.
void check_box(const Box& box, const std::string& source);

/// The face of the box that contains the segment from p to q (a point when p == q): its axis
/// and side (-1: the lower bound, +1: the upper), or nothing when the segment is not on a face.
std::optional<std::pair<int, int>> face_containing(const Box& box, const VecQ& p, const VecQ& q);

/// "a,b,c,d" with every bound in its exact shortest form ("1/3", "0.5", "2").
std::string to_string(const Box& box);

}  // namespace relutope
