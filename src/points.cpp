#include "relutope/points.hpp"

#include "relutope/error.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

namespace relutope {
namespace {

// The fields of a point line: split at commas if it has any (every comma separates two fields,
// so an empty field stays, to be refused), else at runs of whitespace (np.savetxt's default).
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  if (line.find(',') != std::string::npos) {
    for (size_t start = 0;;) {
      const size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma == std::string::npos ? comma : comma - start));
      if (comma == std::string::npos) return fields;
      start = comma + 1;
    }
  }
  for (size_t start = line.find_first_not_of(" \t\r"); start != std::string::npos;) {
    const size_t end = line.find_first_of(" \t\r", start);
    fields.push_back(line.substr(start, end == std::string::npos ? end : end - start));
    start = end == std::string::npos ? end : line.find_first_not_of(" \t\r", end);
  }
  return fields;
}

// Calls field(text, line number) for every field of every point line of the file, checking
// that each line has `dim` fields (dim = 0: as many as the first line) and that there is a point.
template <class F>
void for_each_field(const std::string& path, int dim, F&& field) {
  if (std::filesystem::is_directory(path)) throw InputError(path, "is a directory, not a points file");
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the file");
  const std::string expected = dim > 0 ? "the network takes " + std::to_string(dim) + " inputs" : "";
  long first_point = 0;  // the line number of the first point
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::vector<std::string> fields = fields_of(line);
    const int columns = static_cast<int>(fields.size());
    if (!first_point) first_point = number;
    if (dim == 0) dim = columns;
    if (columns != dim)
      throw InputError(path, "line " + std::to_string(number) + ": " + std::to_string(columns) + " columns, but " +
                                 (expected.empty() ? "line " + std::to_string(first_point) + " has " + std::to_string(dim)
                                                   : expected));
    for (const std::string& item : fields) field(item, number);
  }
  if (!first_point) throw InputError(path, "no points in the file");
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
  long current = 0;  // the line `point` comes from
  for_each_field(path, dim, [&](const std::string& item, long number) {
    if (number != current && !point.empty()) points.push_back(std::exchange(point, {}));
    current = number;
    point.push_back(parse_rational(item, path + ": line " + std::to_string(number)));
  });
  points.push_back(std::move(point));
  return points;
}

}  // namespace relutope
