#include "engine/arrangement.hpp"

// Epeck's exact number type is then mpq_class, so relutope's rationals convert without copies.
#define CGAL_USE_GMPXX 1
#include <CGAL/Arr_extended_dcel.h>
#include <CGAL/Arr_point_location_result.h>
#include <CGAL/Arr_segment_traits_2.h>
#include <CGAL/Arrangement_2.h>
#include <CGAL/Arr_batched_point_location.h>
#include <CGAL/Exact_predicates_exact_constructions_kernel.h>

#include <array>
#include <map>
#include <set>
#include <stdexcept>

namespace relutope::internal {
namespace {

using Kernel = CGAL::Epeck;
using Traits = CGAL::Arr_segment_traits_2<Kernel>;
using Dcel = CGAL::Arr_face_extended_dcel<Traits, int>;  // a face knows its region
using Arrangement = CGAL::Arrangement_2<Traits, Dcel>;
using Point = Traits::Point_2;
using Segment = Traits::X_monotone_curve_2;

Point point(const VecQ& v) { return Point(Kernel::FT(v[0]), Kernel::FT(v[1])); }

// The line through p and q as a canonical integer triple (a, b, c), a x + b y + c = 0: coprime,
// first non-zero coefficient positive, so that edges on one line share one key.
std::array<mpz_class, 3> line_through(const VecQ& p, const VecQ& q) {
  const Rational a = p[1] - q[1], b = q[0] - p[0], c = p[0] * q[1] - q[0] * p[1];
  mpz_class scale = 1;
  for (const Rational* r : {&a, &b, &c}) mpz_lcm(scale.get_mpz_t(), scale.get_mpz_t(), r->get_den_mpz_t());
  std::array<mpz_class, 3> line;
  mpz_class g = 0;
  for (int k = 0; k < 3; ++k) {
    const Rational& r = k == 0 ? a : k == 1 ? b : c;
    line[static_cast<size_t>(k)] = r.get_num() * (scale / r.get_den());
    mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), line[static_cast<size_t>(k)].get_mpz_t());
  }
  const int sign = line[0] != 0 ? sgn(line[0]) : sgn(line[1]);
  for (mpz_class& v : line) v = v / g * sign;
  return line;
}

// Every region's edges, cut at every vertex that lies on them, without repeats: the segments
// are then interior-disjoint, and the arrangement needs no intersection computations (an edge
// shared by two regions may be split differently on each side).
std::vector<Segment> elementary_segments(const std::vector<Region>& regions) {
  struct Piece {
    Rational from, to;  // the parameter along the line: x, or y for a vertical line
    VecQ p, q;
  };
  std::map<std::array<mpz_class, 3>, std::vector<Piece>> by_line;
  for (const Region& region : regions)
    for (size_t k = 0; k < region.vertices.size(); ++k) {
      const VecQ &p = region.vertices[k], &q = region.vertices[(k + 1) % region.vertices.size()];
      const auto line = line_through(p, q);
      const int axis = line[1] != 0 ? 0 : 1;
      Piece piece{p[static_cast<size_t>(axis)], q[static_cast<size_t>(axis)], p, q};
      if (piece.to < piece.from) {
        std::swap(piece.from, piece.to);
        std::swap(piece.p, piece.q);
      }
      by_line[line].push_back(std::move(piece));
    }
  std::vector<Segment> segments;
  for (auto& [line, pieces] : by_line) {
    std::map<Rational, const VecQ*> cuts;  // every endpoint on this line, in order
    for (const Piece& piece : pieces) {
      cuts.emplace(piece.from, &piece.p);
      cuts.emplace(piece.to, &piece.q);
    }
    std::map<Rational, int> coverage;  // +1 where a piece starts, -1 where it ends
    for (const Piece& piece : pieces) {
      ++coverage[piece.from];
      --coverage[piece.to];
    }
    int covered = 0;
    auto change = coverage.begin();
    for (auto cut = cuts.begin(); std::next(cut) != cuts.end(); ++cut) {
      while (change != coverage.end() && change->first <= cut->first) covered += (change++)->second;
      if (covered > 0) segments.emplace_back(point(*cut->second), point(*std::next(cut)->second));
    }
  }
  return segments;
}

}  // namespace

std::vector<std::pair<int, int>> adjacent_polygons(const std::vector<Region>& regions) {
  const std::vector<Segment> segments = elementary_segments(regions);
  Arrangement arrangement;
  CGAL::insert_non_intersecting_curves(arrangement, segments.begin(), segments.end());
  if (arrangement.number_of_faces() != regions.size() + 1)
    throw std::logic_error("the arrangement has " + std::to_string(arrangement.number_of_faces() - 1) +
                           " bounded faces for " + std::to_string(regions.size()) + " regions");

  // A point strictly inside each region (the centroid of three of its corners) locates its face.
  std::vector<Point> inner;
  for (const Region& region : regions) {
    const auto& v = region.vertices;
    inner.push_back(Point(Kernel::FT((v[0][0] + v[1][0] + v[2][0]) / 3), Kernel::FT((v[0][1] + v[1][1] + v[2][1]) / 3)));
  }
  for (auto f = arrangement.faces_begin(); f != arrangement.faces_end(); ++f) f->set_data(-1);
  using Result = CGAL::Arr_point_location_result<Arrangement>;
  std::vector<std::pair<Point, Result::Type>> located;
  CGAL::locate(arrangement, inner.begin(), inner.end(), std::back_inserter(located));
  std::map<Point, int> index;  // the points are distinct: they lie in distinct open regions
  for (size_t i = 0; i < inner.size(); ++i) index.emplace(inner[i], static_cast<int>(i));
  for (const auto& [p, where] : located) {
    const auto* face = boost::get<Arrangement::Face_const_handle>(&where);
    if (!face || (*face)->is_unbounded() || (*face)->data() != -1)
      throw std::logic_error("a region's inner point is not inside its own face");
    arrangement.non_const_handle(*face)->set_data(index.at(p));
  }

  std::set<std::pair<int, int>> pairs;
  for (auto e = arrangement.edges_begin(); e != arrangement.edges_end(); ++e) {
    const int a = e->face()->data(), b = e->twin()->face()->data();
    if (!e->face()->is_unbounded() && !e->twin()->face()->is_unbounded() && a != b)
      pairs.insert(std::minmax(a, b));
  }
  return {pairs.begin(), pairs.end()};
}

}  // namespace relutope::internal

namespace relutope {

void validate_partition(const Partition& partition) {
  if (partition.dim != 2) throw std::invalid_argument("validate_partition: a 2D partition expected");
  if (internal::adjacent_polygons(partition.regions) != partition.adjacent)
    throw std::logic_error("the arrangement's adjacency differs from the facet join's");
}

}  // namespace relutope
