#pragma once
// Point files: one point a line, coordinates separated by commas.
#include "relutope/exact.hpp"

#include <string>
#include <vector>

namespace relutope {

/// Reads the points of a CSV file into a #points x dim matrix. Blank lines and lines starting
/// with '#' are skipped. Throws InputError(path, "line N: ...") for a line with the wrong number
/// of columns or a value that is not a finite number, and for a file with no points.
MatD read_points(const std::string& path, int dim);

/// The same file read exactly: each coordinate is the decimal (or fraction) it is written as.
std::vector<VecQ> read_exact_points(const std::string& path, int dim);

}  // namespace relutope
