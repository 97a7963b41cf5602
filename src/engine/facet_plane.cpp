#include "engine/facet_plane.hpp"

#include <algorithm>
#include <stdexcept>

namespace relutope::engine {
namespace {

// A normal of the plane through points in 3D: the cross product of the first pair of
// differences from points[0] that are not parallel.
VecQ normal_3d(const std::vector<VecQ>& points) {
  const VecQ& p = points[0];
  for (size_t a = 1; a < points.size(); ++a)
    for (size_t b = a + 1; b < points.size(); ++b) {
      const VecQ &q = points[a], &r = points[b];
      const Rational u0 = q[0] - p[0], u1 = q[1] - p[1], u2 = q[2] - p[2];
      const Rational v0 = r[0] - p[0], v1 = r[1] - p[1], v2 = r[2] - p[2];
      VecQ normal{u1 * v2 - u2 * v1, u2 * v0 - u0 * v2, u0 * v1 - u1 * v0};
      if (sgn(normal[0]) || sgn(normal[1]) || sgn(normal[2])) return normal;
    }
  throw std::logic_error("facet_plane: a facet's vertices span no plane");
}

}  // namespace

Row facet_plane(const std::vector<VecQ>& points, int d) {
  VecQ normal(static_cast<size_t>(d));
  const VecQ& p = points[0];
  if (d == 1) {
    normal[0] = 1;
  } else if (d == 2) {
    const VecQ& q = points[1];
    normal = {q[1] - p[1], p[0] - q[0]};
  } else {
    normal = normal_3d(points);
  }
  Rational c = 0;
  for (int k = 0; k < d; ++k) c -= normal[static_cast<size_t>(k)] * p[static_cast<size_t>(k)];
  normal.push_back(c);
  mpz_class den = 1, g = 0;
  for (const Rational& x : normal) mpz_lcm(den.get_mpz_t(), den.get_mpz_t(), x.get_den_mpz_t());
  Row row;
  for (const Rational& x : normal) {
    row.push_back(x.get_num() * (den / x.get_den()));
    mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), row.back().get_mpz_t());
  }
  const auto first = std::find_if(row.begin(), row.end(), [](const mpz_class& x) { return sgn(x) != 0; });
  if (sgn(*first) < 0) g = -g;
  for (mpz_class& x : row) x /= g;
  return row;
}

Rational value(const Row& row, const VecQ& x) {
  Rational v = row.back();
  for (size_t k = 0; k < x.size(); ++k) v += row[k] * x[k];
  return v;
}

}  // namespace relutope::engine
