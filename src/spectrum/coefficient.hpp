#pragma once
// A ball's certified decimal digits as a Coefficient (internal): shared by the spectra of
// spectrum.cpp and curve_spectrum.cpp.
#include "relutope/spectrum/spectrum.hpp"

#include <acb.h>

namespace relutope::internal {

/// The coefficient c(k) of output `out` enclosed by `value`, its decimal strings to the place
/// the ball certifies (spectrum.hpp's Coefficient), at most the digits `prec` bits hold.
/// Sets k, out, re, im, the doubles and certified_digits (not bits or route).
Coefficient to_coefficient(const VecQ& k, int out, const acb_t value, slong prec);

}  // namespace relutope::internal
