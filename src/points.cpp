#include "relutope/points.hpp"

#include "relutope/error.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

namespace relutope {
namespace {

// Calls field(text, line number) for every field of every point line of the file, checking
// that each line has `dim` fields (every comma separates two fields) and that there is a point.
template <class F>
void for_each_field(const std::string& path, int dim, F&& field) {
  if (std::filesystem::is_directory(path)) throw InputError(path, "is a directory, not a points file");
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the file");
  bool any = false;
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    int columns = 0;
    for (size_t start = 0; start != std::string::npos; ++columns) {
      const size_t comma = line.find(',', start);
      field(line.substr(start, comma == std::string::npos ? comma : comma - start), number);
      start = comma == std::string::npos ? comma : comma + 1;
    }
    if (columns != dim)
      throw InputError(path, "line " + std::to_string(number) + ": " + std::to_string(columns) +
                                 " columns, but the network takes " + std::to_string(dim) + " inputs");
    any = true;
  }
  if (!any) throw InputError(path, "no points in the file");
}

}  // namespace

MatD read_points(const std::string& path, int dim) {
  std::vector<double> values;
  for_each_field(path, dim, [&](const std::string& item, long number) {
    const char* begin = item.c_str();
    char* end = nullptr;
    const double v = std::strtod(begin, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r') ++end;
    if (end == begin || *end != '\0' || !std::isfinite(v))
      throw InputError(path, "line " + std::to_string(number) + ": '" + item + "' is not a finite number");
    values.push_back(v);
  });
  const Eigen::Index n = static_cast<Eigen::Index>(values.size()) / dim;
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(values.data(), n, dim);
}

std::vector<VecQ> read_exact_points(const std::string& path, int dim) {
  std::vector<VecQ> points;
  VecQ point;
  for_each_field(path, dim, [&](const std::string& item, long number) {
    point.push_back(parse_rational(item, path + ": line " + std::to_string(number)));
    if (static_cast<int>(point.size()) == dim) points.push_back(std::exchange(point, {}));
  });
  return points;
}

}  // namespace relutope
