#pragma once
// Point files: one point a line, coordinates separated by commas or by whitespace (np.savetxt's
// default). A line with a comma is split at every comma, so "1,,2" and "1 2,3" are refused.
#include "relutope/exact.hpp"

#include <string>
#include <vector>

namespace relutope {

/// Reads the points of a file into a #points x dim matrix (dim >= 1). Blank lines and lines
/// starting with '#' are skipped. Throws InputError(path, "line N: ...") for a line with the
/// wrong number of columns or a value that is not a finite number, and for a file with no points.
MatD read_points(const std::string& path, int dim);

/// The same file read exactly: each coordinate is the decimal (or fraction) it is written as.
/// dim = 0 takes as many coordinates as the first point has, and the same on every line.
std::vector<VecQ> read_exact_points(const std::string& path, int dim);

}  // namespace relutope
