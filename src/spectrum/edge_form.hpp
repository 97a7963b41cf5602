#pragma once
// The Fourier coefficients of the network's function from its kinks (internal): route C, the
// fast route, evaluated in hardware doubles with certified radii (disc.hpp).
//
// Green's second identity with phi = exp(-i q.x), q = 2 pi k != 0, and Delta phi = -|q|^2 phi:
//   -|q|^2 * integral over D of f phi = integral of phi Delta f + closed integral of
//   (f d_n phi - phi d_n f) over the boundary of D.
// f is continuous and affine on each region, so Delta f lives on the region edges: over every
// edge of every region P, with nu = its outward normal times its length, P contributes
// -(W_P . nu) * J_e, where J_e = integral over t in [0, 1] of phi(a + t (b - a)) is the mean of
// phi along the edge; the boundary adds -i (q . nu) * integral of f phi along its pieces. Each
// edge's coefficient is exact (rational) and the same for every k, and an interior edge enters
// once for both of its regions: per frequency, one complex J_e per edge, then a real multiply-
// add per output. In 1D the edges are the breakpoints and J is phi there.
#include "spectrum/disc.hpp"
#include "relutope/engine/partition.hpp"

#include <vector>

namespace relutope::internal {

class EdgeForm {
public:
  explicit EdgeForm(const Partition& partition);

  /// Enclosures of c(k) = (1/vol D) * integral over D of f_out exp(-2 pi i k.x) dx, one per
  /// output. k != 0, with the partition's dimension. Successive calls whose k differ by a small
  /// integer multiple of a unit vector (an integer grid, row by row) update the phases
  /// exp(-2 pi i k.v) by multiplication instead of recomputing them.
  std::vector<DiscD> coefficients(const VecQ& k);

private:
  struct Kink {     // an edge (2D) or a breakpoint (1D, b = -1)
    int a = 0, b = -1;  // vertex ids
    IntervalD dx, dy;        // b - a
  };
  struct BoundaryPiece {  // a piece of the domain's boundary under one region
    int a = 0, b = -1;
    IntervalD dx, dy;         // b - a
    IntervalD nu_x, nu_y;     // the outward normal times the length (1D: the sign)
  };

  void update_phases(const VecQ& k);

  int dim_ = 0, outputs_ = 0;
  Rational volume_;
  std::vector<VecQ> vertices_;
  std::vector<Kink> kinks_;
  std::vector<IntervalD> kink_weight_;        // [kink * outputs + out]: -(sum of W_P . nu), exact rounded
  std::vector<BoundaryPiece> boundary_;
  std::vector<IntervalD> boundary_value_;     // [(piece * outputs + out) * 2 + 0|1]: f at a, f at b - f at a
  std::vector<std::vector<DiscD>> unit_step_;  // [axis][vertex]: exp(-2 pi i v_axis)
  std::vector<DiscD> phase_, anchor_phase_;    // exp(-2 pi i k.v) at k_ and at anchor_
  VecQ k_, anchor_;
};

}  // namespace relutope::internal
