#include "network/safetensors.hpp"

#include "json_input.hpp"
#include "relutope/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>

namespace relutope::internal {
namespace {

using nlohmann::ordered_json;

constexpr std::uint64_t max_header = 100'000'000;  // the safetensors library's limit

std::uint64_t header_length(const std::string& bytes) {
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), sizeof n);  // little-endian, as tensor.cpp asserts
  return n;
}

DType dtype_of(const ordered_json& name, const std::string& source) {
  static const std::pair<const char*, DType> types[] = {{"F64", float64}, {"F32", float32}, {"F16", float16},
                                                        {"BF16", bfloat16}, {"I64", int64}, {"I32", int32},
                                                        {"I16", int16},   {"I8", int8},     {"U8", uint8},
                                                        {"BOOL", boolean}};
  if (name.is_string())
    for (const auto& [text, dtype] : types)
      if (name == text) return dtype;
  throw InputError(source, "unsupported dtype " + name.dump() + " (relutope reads F16, BF16, F32 and F64)");
}

// A JSON array of non-negative integers (each below 2^62, so that sums of two cannot wrap).
std::vector<long> integers(const ordered_json& value, const std::string& what, const std::string& source) {
  if (!value.is_array()) throw InputError(source, what + " must be an array of integers");
  std::vector<long> out;
  for (const auto& item : value) {
    if (!item.is_number_unsigned() || item.get<std::uint64_t>() >= (std::uint64_t{1} << 62))
      throw InputError(source, what + " must hold non-negative integers below 2^62, not " + item.dump());
    out.push_back(item.get<long>());
  }
  return out;
}

}  // namespace

bool is_safetensors(const std::string& bytes) {
  return bytes.size() >= 9 && bytes[7] == '\0' && bytes[8] == '{';
}

StateDict safetensors_state_dict(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 8) throw InputError(path, "truncated safetensors file: no header length");
  const std::uint64_t length = header_length(bytes);
  if (length > max_header)
    throw InputError(path, "safetensors header of " + std::to_string(length) + " bytes exceeds the format's 100 MB limit");
  if (length > bytes.size() - 8)
    throw InputError(path, "truncated safetensors file: the header claims " + std::to_string(length) + " bytes, " +
                               std::to_string(bytes.size() - 8) + " follow");
  std::set<std::string> names;
  std::string duplicate;
  ordered_json header;
  try {
    header = ordered_json::parse(bytes.substr(8, length), [&](int depth, ordered_json::parse_event_t event, ordered_json& parsed) {
      if (depth > max_json_depth)
        throw InputError(path, "malformed safetensors header: nested more than " + std::to_string(max_json_depth) +
                                   " levels deep");
      if (depth == 1 && event == ordered_json::parse_event_t::key && !names.insert(parsed.get<std::string>()).second)
        duplicate = parsed.get<std::string>();
      return true;
    });
  } catch (const ordered_json::exception& e) {
    throw InputError(path, std::string("malformed safetensors header: ") + e.what());
  }
  if (!header.is_object()) throw InputError(path, "the safetensors header is not a JSON object");
  if (!duplicate.empty()) throw InputError(path, "the safetensors header names '" + duplicate + "' twice");

  const std::string_view data = std::string_view(bytes).substr(8 + length);
  StateDict dict;
  dict.in_module_order = false;
  std::vector<std::pair<long, long>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;  // free-form strings
    const std::string source = path + ": " + name;
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
      throw InputError(source, "expected {\"dtype\", \"shape\", \"data_offsets\"}");
    const DType dtype = dtype_of(entry["dtype"], source);
    const std::vector<long> shape = integers(entry["shape"], "shape", source);
    const std::vector<long> offsets = integers(entry["data_offsets"], "data_offsets", source);
    if (offsets.size() != 2 || offsets[0] > offsets[1] || static_cast<size_t>(offsets[1]) > data.size())
      throw InputError(source, "data_offsets " + entry["data_offsets"].dump() + " outside the " +
                                   std::to_string(data.size()) + " data bytes (a truncated file?)");
    const std::string_view storage = data.substr(static_cast<size_t>(offsets[0]), static_cast<size_t>(offsets[1] - offsets[0]));
    Tensor tensor = tensor_view(storage, dtype, shape, row_major_strides(shape), 0, source);
    // The range must also be no longer than the shape needs. tensor_view has bounded the product
    // by the range's size unless a dimension is 0 (then the others are unbounded).
    const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
    long count = empty ? 0 : 1;
    for (long s : shape) count = empty ? 0 : count * s;
    if (count * dtype.width != offsets[1] - offsets[0])
      throw InputError(source, "data_offsets give " + std::to_string(offsets[1] - offsets[0]) + " bytes for " +
                                   std::to_string(count) + " " + dtype.name + " values");
    ranges.emplace_back(offsets[0], offsets[1]);
    dict.tensors.emplace_back(name, std::move(tensor));
  }
  // The format forbids overlaps and holes: the ranges tile the data exactly.
  std::sort(ranges.begin(), ranges.end());
  long end = 0;
  for (const auto& [begin, stop] : ranges) {
    if (begin != end)
      throw InputError(path, begin < end ? "two tensors' data_offsets overlap at byte " + std::to_string(begin)
                                         : "bytes " + std::to_string(end) + " to " + std::to_string(begin) +
                                               " belong to no tensor");
    end = stop;
  }
  if (static_cast<size_t>(end) != data.size())
    throw InputError(path, "bytes " + std::to_string(end) + " to " + std::to_string(data.size()) + " belong to no tensor");
  return dict;
}

}  // namespace relutope::internal
