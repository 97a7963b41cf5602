#include "relutope/domain.hpp"

#include "relutope/error.hpp"

#include <string>
#include <vector>

namespace relutope {

Rational Box::volume() const {
  Rational v = 1;
  for (size_t i = 0; i < lo.size(); ++i) v *= hi[i] - lo[i];
  return v;
}

Box parse_box(const std::string& text, const std::string& source) {
  const VecQ values = parse_rationals(text, source);
  if (values.empty() || values.size() % 2 != 0)
    throw InputError(source, "expected lo,hi pairs (\"a,b\" or \"a,b,c,d\"), got '" + text + "'");
  Box box;
  for (size_t i = 0; i < values.size(); i += 2) {
    box.lo.push_back(values[i]);
    box.hi.push_back(values[i + 1]);
  }
  check_box(box, source);
  return box;
}

void check_box(const Box& box, const std::string& source) {
  if (box.lo.empty() || box.lo.size() != box.hi.size()) throw InputError(source, "malformed domain");
  for (int i = 0; i < box.dim(); ++i)
    if (!(box.lo[i] < box.hi[i]))
      throw InputError(source, "empty or inverted domain interval [" + box.lo[i].get_str() + ", " +
                                   box.hi[i].get_str() + "] in dimension " + std::to_string(i));
}

std::optional<std::pair<int, int>> face_containing(const Box& box, const VecQ& p, const VecQ& q) {
  for (int axis = 0; axis < box.dim(); ++axis) {
    const size_t a = static_cast<size_t>(axis);
    for (const int side : {-1, 1}) {
      const Rational& bound = side < 0 ? box.lo[a] : box.hi[a];
      if (p[a] == bound && q[a] == bound) return std::make_pair(axis, side);
    }
  }
  return std::nullopt;
}

std::string to_string(const Box& box) {
  std::string out;
  for (int i = 0; i < box.dim(); ++i) {
    if (i) out += ',';
    out += box.lo[i].get_str() + ',' + box.hi[i].get_str();
  }
  return out;
}

}  // namespace relutope
