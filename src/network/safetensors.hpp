#pragma once
// safetensors files (internal): an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the tensors' bytes.
#include "network/tensor.hpp"

#include <string>

namespace relutope::internal {

/// Whether the bytes begin as a safetensors file: a header length below 2^56 (a JSON or text file
/// has a printable 8th byte) followed by '{'.
bool is_safetensors(const std::string& bytes);

/// The tensors of a safetensors file's bytes, in the header's order (which the safetensors
/// library sorts by dtype and name: not the modules' order). Checks the header's size (at most
/// the format's 100 MB), dtypes, shapes and byte ranges (inside the data, each the size its
/// shape needs, together covering the data without overlap or hole, as the format requires).
/// Throws InputError(path, ...).
StateDict safetensors_state_dict(const std::string& bytes, const std::string& path);

}  // namespace relutope::internal
