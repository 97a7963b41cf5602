#include "arrangement.hpp"

// Epeck's exact number type is then mpq_class, so relutope's rationals convert without copies.
#define CGAL_USE_GMPXX 1
#include <CGAL/Arr_extended_dcel.h>
#include <CGAL/Arr_point_location_result.h>
#include <CGAL/Arr_segment_traits_2.h>
#include <CGAL/Arrangement_2.h>
#include <CGAL/Arr_batched_point_location.h>
#include <CGAL/Exact_predicates_exact_constructions_kernel.h>

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

}  // namespace

std::vector<std::pair<int, int>> adjacent_polygons(const std::vector<Region>& regions) {
  // Each interior edge belongs to two regions, possibly split differently on each side (a
  // vertex of one neighbour can lie inside the other's edge); the arrangement merges overlaps.
  std::set<std::pair<std::pair<Rational, Rational>, std::pair<Rational, Rational>>> seen;
  std::vector<Segment> segments;
  for (const Region& region : regions)
    for (size_t k = 0; k < region.vertices.size(); ++k) {
      const VecQ &p = region.vertices[k], &q = region.vertices[(k + 1) % region.vertices.size()];
      auto key = std::minmax(std::make_pair(p[0], p[1]), std::make_pair(q[0], q[1]));
      if (seen.insert({key.first, key.second}).second) segments.emplace_back(point(p), point(q));
    }
  Arrangement arrangement;
  CGAL::insert(arrangement, segments.begin(), segments.end());
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
