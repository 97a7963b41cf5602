// Points files (eval --points in double, regions --points exactly), read for 1, 2 and 3 inputs.
// Where both readers accept the file they read the same points (the exact value rounded to
// nearest is strtod's double, outside the subnormals).
#include "fuzz.hpp"

#include "relutope/points.hpp"

#include <cmath>
#include <limits>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const fuzz::InputFile file(data, size);
  for (int dim = 1; dim <= 3; ++dim) {
    const auto points = fuzz::accepted([&] { return read_points(file.path, dim); });
    const auto exact = fuzz::accepted([&] { return read_exact_points(file.path, dim); });
    if (!points || !exact) continue;
    fuzz::require(points->rows() == static_cast<Eigen::Index>(exact->size()), "both readers read as many points");
    for (Eigen::Index i = 0; i < points->rows(); ++i)
      for (int j = 0; j < dim; ++j)
        fuzz::require(std::abs((*points)(i, j)) < std::numeric_limits<double>::min() ||
                          (*points)(i, j) == to_double((*exact)[static_cast<size_t>(i)][static_cast<size_t>(j)]),
                      "both readers read the same points");
  }
  return 0;
}
