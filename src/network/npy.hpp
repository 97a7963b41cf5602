#pragma once
// NumPy .npy arrays and .npz archives (internal).
#include "network/tensor.hpp"
#include "network/zip_reader.hpp"

#include <string>
#include <vector>

namespace relutope::internal {

/// Parses one .npy file's bytes: little-endian float16/32/64 (read), integer and bool types
/// (kept by name), C or Fortran order. Throws InputError(source, fault) on a bad magic, a
/// malformed header, another dtype, or truncated data.
Tensor parse_npy(const std::string& bytes, const std::string& source);

/// The .npy bytes of a float64 array (version 1.0, C order).
std::string npy_bytes(const std::vector<long>& shape, const std::vector<double>& data);

/// The arrays of an .npz archive's members ("<key>.npy"), in the archive's order (numpy.savez
/// keeps the order of the dict it is given). `path` names the archive in errors.
StateDict npz_state_dict(const std::vector<ZipMember>& members, const std::string& path);

/// Writes an .npz archive of the tensors as float64 arrays, in order, to `path` (not atomic:
/// see write_atomically).
void write_npz(const std::string& path, const StateDict& arrays);

}  // namespace relutope::internal
