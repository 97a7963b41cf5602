#include "relutope/engine/partition.hpp"

#include "engine/facet_plane.hpp"
#include "relutope/engine/piece_join.hpp"

#include <algorithm>
#include <stdexcept>

namespace relutope {
namespace {

// Exact affine dimension of a set of points.
int affine_dimension(const std::vector<const VecQ*>& points) {
  if (points.empty()) return -1;
  std::vector<VecQ> rows;
  for (size_t i = 1; i < points.size(); ++i) {
    VecQ r;
    for (size_t k = 0; k < points[i]->size(); ++k) r.push_back((*points[i])[k] - (*points[0])[k]);
    rows.push_back(std::move(r));
  }
  int rank = 0;
  const size_t n = points[0]->size();
  for (size_t col = 0; col < n && rank < static_cast<int>(rows.size()); ++col) {
    size_t pivot = static_cast<size_t>(rank);
    while (pivot < rows.size() && sgn(rows[pivot][col]) == 0) ++pivot;
    if (pivot == rows.size()) continue;
    std::swap(rows[pivot], rows[static_cast<size_t>(rank)]);
    for (size_t i = static_cast<size_t>(rank) + 1; i < rows.size(); ++i) {
      const Rational f = rows[i][col] / rows[static_cast<size_t>(rank)][col];
      for (size_t k = col; k < n; ++k) rows[i][k] -= f * rows[static_cast<size_t>(rank)][k];
    }
    ++rank;
  }
  return rank;
}

// The simplices of a triangulation of the face with vertex set `face` (sorted indices) and
// affine dimension k, pulled from its first vertex: cones over the triangulated faces of
// dimension k-1 that miss it. The faces of a face are its intersections with the facets.
void triangulate(const Region& region, const std::vector<int>& face, int k, std::vector<int>& prefix,
                 std::vector<std::vector<int>>& out) {
  if (k == 0) {
    prefix.push_back(face[0]);
    out.push_back(prefix);
    prefix.pop_back();
    return;
  }
  const int apex = face[0];
  std::vector<std::vector<int>> faces;
  for (const Region::Facet& facet : region.facets) {
    std::vector<int> sub;
    std::set_intersection(face.begin(), face.end(), facet.vertices.begin(), facet.vertices.end(), std::back_inserter(sub));
    if (std::binary_search(sub.begin(), sub.end(), apex) || std::find(faces.begin(), faces.end(), sub) != faces.end()) continue;
    std::vector<const VecQ*> points;
    for (int v : sub) points.push_back(&region.vertices[static_cast<size_t>(v)]);
    if (affine_dimension(points) == k - 1) faces.push_back(std::move(sub));
  }
  prefix.push_back(apex);
  for (const std::vector<int>& sub : faces) triangulate(region, sub, k - 1, prefix, out);
  prefix.pop_back();
}

Rational volume(const Region& region) {
  const size_t d = region.vertices.front().size();
  // Facets with sorted vertex lists, as triangulate intersects them.
  Region sorted = region;
  for (Region::Facet& f : sorted.facets) std::sort(f.vertices.begin(), f.vertices.end());
  std::vector<int> all(region.vertices.size()), prefix;
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  std::vector<std::vector<int>> simplices;
  triangulate(sorted, all, static_cast<int>(d), prefix, simplices);
  Rational total = 0, factorial = 1;
  for (size_t i = 2; i <= d; ++i) factorial *= static_cast<long>(i);
  for (const std::vector<int>& s : simplices) {
    // |det(v_i - v_0)| by Gaussian elimination in rationals.
    std::vector<VecQ> m;
    for (size_t i = 1; i < s.size(); ++i) {
      VecQ r;
      for (size_t k = 0; k < d; ++k) r.push_back(region.vertices[static_cast<size_t>(s[i])][k] - region.vertices[static_cast<size_t>(s[0])][k]);
      m.push_back(std::move(r));
    }
    Rational det = 1;
    for (size_t col = 0; col < d; ++col) {
      size_t pivot = col;
      while (pivot < d && sgn(m[pivot][col]) == 0) ++pivot;
      if (pivot == d) throw std::logic_error("volume: a flat simplex in a triangulation");
      if (pivot != col) std::swap(m[pivot], m[col]);
      det *= m[col][col];
      for (size_t i = col + 1; i < d; ++i) {
        const Rational f = m[i][col] / m[col][col];
        for (size_t k = col; k < d; ++k) m[i][k] -= f * m[col][k];
      }
    }
    total += abs(det);
  }
  return total / factorial;
}

// The region's closure holds x (x in the domain's dimension), exactly.
bool holds(const Region& region, const VecQ& x) {
  const auto& v = region.vertices;
  if (x.size() == 1) return v[0][0] <= x[0] && x[0] <= v[1][0];
  if (x.size() == 2) {
    for (size_t k = 0; k < v.size(); ++k) {
      const VecQ &p = v[k], &q = v[(k + 1) % v.size()];
      if ((q[0] - p[0]) * (x[1] - p[1]) - (q[1] - p[1]) * (x[0] - p[0]) < 0) return false;
    }
    return true;
  }
  if (x.size() > 3) throw std::invalid_argument("locating points needs at most 3 inputs");
  for (const Region::Facet& facet : region.facets) {
    std::vector<VecQ> points;
    for (int i : facet.vertices) points.push_back(v[static_cast<size_t>(i)]);
    const engine::Row row = engine::facet_plane(points, 3);
    int inside = 0;
    for (const VecQ& p : v)
      if ((inside = sgn(engine::value(row, p))) != 0) break;
    if (sgn(engine::value(row, x)) * inside < 0) return false;
  }
  return true;
}

}  // namespace

struct PartitionBuilder::Impl {
  PieceJoin join;
  Partition partition;
};

PartitionBuilder::PartitionBuilder(const NetworkQ& net, const Box& domain) : impl_(std::make_unique<Impl>(Impl{PieceJoin(net), {}})) {
  impl_->partition.dim = net.input_dim;
  impl_->partition.domain = domain;
}

PartitionBuilder::~PartitionBuilder() = default;

void PartitionBuilder::add(RegionRecord&& record) {
  impl_->join.add(record);
  impl_->partition.regions.push_back(region_of(std::move(record)));
}

Partition PartitionBuilder::finish() {
  PieceJoin::Result result = impl_->join.finish();
  Partition& p = impl_->partition;
  p.adjacent = std::move(result.adjacent);
  p.piece = std::move(result.piece);
  p.piece_count = result.piece_count;
  return std::move(p);
}

Partition regions(const NetworkQ& net, const Box& domain, const RegionOptions& options) {
  PartitionBuilder builder(net, domain);
  enumerate_regions(net, domain, builder, options);
  return builder.finish();
}

Region region_of(RegionRecord&& record) {
  Region region;
  region.vertices = std::move(record.exact_vertices);
  for (int b = 0; b < record.pattern_bits; ++b) region.pattern += record.bit(b) ? '1' : '0';
  region.weight = std::move(record.exact_weight);
  region.bias = std::move(record.exact_bias);
  for (int f = 0; f < record.facet_count(); ++f) {
    const size_t i = static_cast<size_t>(f);
    region.facets.push_back({record.facet_planes[i], record.facet_sides[i],
                             std::vector<int>(record.facet_vertices.begin() + record.facet_offsets[i],
                                              record.facet_vertices.begin() + record.facet_offsets[i + 1])});
  }
  return region;
}

int output_count(const Partition& partition) {
  return partition.regions.empty() ? 0 : static_cast<int>(partition.regions.front().weight.rows);
}

Rational affine_value(const Region& region, int out, const VecQ& x) {
  Rational value = region.bias[static_cast<size_t>(out)];
  for (size_t i = 0; i < x.size(); ++i) value += region.weight(out, static_cast<Eigen::Index>(i)) * x[i];
  return value;
}

Rational measure(const Region& region) {
  const size_t d = region.vertices.front().size();
  if (d == 1) return region.vertices[1][0] - region.vertices[0][0];
  if (d > 2) return volume(region);
  Rational twice = 0;
  const size_t n = region.vertices.size();
  for (size_t k = 0; k < n; ++k) {
    const VecQ &p = region.vertices[k], &q = region.vertices[(k + 1) % n];
    twice += p[0] * q[1] - q[0] * p[1];
  }
  return twice / 2;
}

int locate(const Partition& partition, const VecQ& x) {
  for (size_t i = 0; i < partition.regions.size(); ++i)
    if (holds(partition.regions[i], x)) return static_cast<int>(i);
  return -1;
}

std::vector<int> locate_all(const Partition& partition, const VecQ& x) {
  std::vector<int> found;
  for (size_t i = 0; i < partition.regions.size(); ++i)
    if (holds(partition.regions[i], x)) found.push_back(static_cast<int>(i));
  return found;
}

}  // namespace relutope
