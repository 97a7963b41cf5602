#include "relutope/points.hpp"

#include "relutope/error.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace relutope {

MatD read_points(const std::string& path, int dim) {
  if (std::filesystem::is_directory(path)) throw InputError(path, "is a directory, not a points file");
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the file");
  std::vector<double> values;
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    int columns = 0;
    for (size_t start = 0; start != std::string::npos;) {  // every comma separates two fields
      const size_t comma = line.find(',', start);
      const std::string item = line.substr(start, comma == std::string::npos ? comma : comma - start);
      start = comma == std::string::npos ? comma : comma + 1;
      const char* begin = item.c_str();
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(begin, &end);
      while (*end == ' ' || *end == '\t' || *end == '\r') ++end;
      if (end == begin || *end != '\0' || !std::isfinite(v))
        throw InputError(path, "line " + std::to_string(number) + ": '" + item + "' is not a finite number");
      values.push_back(v);
      ++columns;
    }
    if (columns != dim)
      throw InputError(path, "line " + std::to_string(number) + ": " + std::to_string(columns) +
                                 " columns, but the network takes " + std::to_string(dim) + " inputs");
  }
  if (values.empty()) throw InputError(path, "no points in the file");
  const Eigen::Index n = static_cast<Eigen::Index>(values.size()) / dim;
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(values.data(), n, dim);
}

}  // namespace relutope
