#pragma once
// Convex polytopes in any dimension d as the engine clips them (internal): vertices with the
// facets they lie on, facets with the hyperplanes they lie on. Exact by construction: every
// vertex is the meeting point of d labelled hyperplanes, and every sign is a certified predicate.
#include "engine/predicates.hpp"
#include "relutope/engine/enumerate.hpp"

#include <Eigen/Dense>

#include <bitset>
#include <memory>
#include <vector>

namespace relutope::engine {

using Label = HyperplaneLabel;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The most facets one polytope may have (a bound of the incidence sets' width).
constexpr int max_facets = 128;
using FacetSet = std::bitset<max_facets>;

/// Resolves a label to its hyperplane's row (a . x + c, d + 1 entries) on the current region,
/// approximately and, on demand, exactly (rows may be scaled by any positive factor).
class RowSource {
public:
  virtual ~RowSource() = default;
  virtual ApproxVector approximate(Label label) const = 0;
  virtual const Int* exact(Label label) const = 0;
};

/// A vertex: approximate homogeneous coordinates (W > 0) with a radius, the d hyperplanes that
/// meet exactly there (the exact coordinates are their cofactors, computed once when needed),
/// and the polytope's facets through it.
struct Vertex {
  double h[max_engine_dim + 1];
  double radius = 0;
  Label basis[max_engine_dim];
  FacetSet on;
  /// Some neuron that cuts no facet through here vanished here (see RegionRecord's
  /// facet_degenerate): a facet whose vertices all have it may lie on two zero sets.
  bool extra_zero = false;
  std::shared_ptr<const std::vector<Int>> exact;
};

struct Facet {
  Label label;
  signed char side = 1;  // the polytope lies where side * row >= 0
};

struct Polytope {
  std::vector<Vertex> vertices;
  std::vector<Facet> facets;
};

/// Geometry in dimension d over a RowSource: the certified predicates and the clipping.
class Clipper {
public:
  Clipper(int d, const RowSource& rows) : d_(d), rows_(rows) {}

  /// sign of the row of `label` at v: +1, -1 or 0 (on the hyperplane), certified.
  int sign(Label label, Vertex& v) const;

  /// The signs of every neuron of hidden layer `layer` (its rows approximately `rows`, n x (d+1),
  /// within `radius` row by row) at every vertex of p: out(j, v). The filter decides what it can
  /// in one matrix product; the rest goes exact one by one.
  void layer_signs(int layer, const RowMatrix& rows, const Eigen::VectorXd& radius, Polytope& p, Eigen::MatrixXi& out) const;

  /// 1D: the sign of the slope of `label`'s row (+1: its positive side lies to the right).
  int slope_sign(Label label) const;

  /// The exact homogeneous coordinates of v (W > 0).
  const std::vector<Int>& exact(Vertex& v) const;

  /// A vertex where the d hyperplanes `basis` meet (independent).
  Vertex vertex(const Label* basis) const;

  /// Splits p by the hyperplane `label`, which has signs[i] at vertex i, some > 0 and some < 0:
  /// (the part where the row is >= 0, the part where it is <= 0).
  std::pair<Polytope, Polytope> split(const Polytope& p, Label label, const std::vector<int>& signs) const;

  /// The record's geometry of p: vertices (2D counter-clockwise, 1D increasing), their labels,
  /// facets and their vertices, degenerate facets. Returns the order of p's vertices in it.
  std::vector<size_t> describe(Polytope& p, RegionRecord& record) const;

  /// The record's exact vertices, in the order describe returned.
  void add_exact_vertices(Polytope& p, const std::vector<size_t>& order, RegionRecord& record) const;

  int dim() const { return d_; }

private:
  Polytope side(const Polytope& p, Label label, const std::vector<int>& signs, int keep) const;
  int orientation(Vertex& a, Vertex& b, Vertex& c) const;
  int compare_1d(Vertex& a, Vertex& b) const;

  int d_;
  const RowSource& rows_;
};

}  // namespace relutope::engine
