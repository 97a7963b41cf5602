#pragma once
// NumPy .npy arrays and .npz archives (internal): float32/float64, 1 or 2 dimensions.
#include "relutope/exact.hpp"

#include <map>
#include <string>
#include <vector>

namespace relutope::internal {

/// A NumPy array converted to doubles, in row-major (C) order whatever its file order.
struct NpyArray {
  std::vector<long> shape;
  std::vector<double> data;
};

/// Parses one .npy file's bytes. Throws InputError(source, fault) on a bad magic, a malformed
/// header, a dtype other than little-endian float32/float64, or truncated data.
NpyArray parse_npy(const std::string& bytes, const std::string& source);

/// The .npy bytes of a float64 array (version 1.0, C order).
std::string npy_bytes(const std::vector<long>& shape, const std::vector<double>& data);

/// Reads every "<name>.npy" member of an .npz archive (stored or deflated).
std::map<std::string, NpyArray> read_npz(const std::string& path);

/// Writes an .npz archive of float64 arrays to `path` (not atomic: see write_atomically).
void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays);

}  // namespace relutope::internal
