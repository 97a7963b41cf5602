#pragma once
// Divided differences of exp at the two nodes of an edge, in Arb (internal): the kernel of
// routes A and B (spectrum.cpp), declared here for white-box tests.
#include "spectrum/ball.hpp"

namespace relutope::internal {

/// E1 = E[0, d], E00 = E[0, 0, d], E11 = E[0, d, d] (DESIGN §5) at the nodes {0, d} of one edge
/// (d = -i q.e), given exp_d = e^d, each a ball at `prec` bits that contains the exact value.
struct EdgeKernel {
  Ball e1, e00, e11;
};
EdgeKernel edge_kernel(const Ball& d, const Ball& exp_d, slong prec);

}  // namespace relutope::internal
