#include "network/npy.hpp"

#include "relutope/error.hpp"

#include <zip.h>

#include <algorithm>
#include <ctime>

namespace relutope::internal {
namespace {

// The header is a Python dict literal; numpy writes the three keys in a fixed style: a quoted
// string, True/False, or a tuple. Scanned by hand: std::regex recursed once per character and
// overflowed the stack on a long header.
std::string header_field(const std::string& header, const std::string& key, const std::string& source) {
  const std::string quoted = "'" + key + "'";
  const char* space = " \t\n\v\f\r";
  for (size_t at = header.find(quoted); at != std::string::npos; at = header.find(quoted, at + 1)) {
    size_t begin = header.find_first_not_of(space, at + quoted.size());
    if (begin == std::string::npos || header[begin] != ':') continue;
    begin = header.find_first_not_of(space, begin + 1);
    if (begin == std::string::npos) break;
    size_t end = std::string::npos;  // the value's last character
    if (header[begin] == '\'') end = header.find('\'', begin + 1);
    else if (header[begin] == '(') end = header.find(')', begin + 1);
    else if (header.compare(begin, 4, "True") == 0) end = begin + 3;
    else if (header.compare(begin, 5, "False") == 0) end = begin + 4;
    if (end != std::string::npos) return header.substr(begin, end - begin + 1);
  }
  throw InputError(source, "npy header lacks '" + key + "'");
}

std::vector<long> parse_shape(const std::string& tuple, const std::string& source) {
  std::vector<long> shape;
  const char* digits = "0123456789";
  for (size_t begin = tuple.find_first_of(digits); begin != std::string::npos;) {
    const size_t end = std::min(tuple.find_first_not_of(digits, begin), tuple.size());
    if (end - begin > 15) throw InputError(source, "array dimension " + tuple.substr(begin, end - begin) + " is too large");
    shape.push_back(std::stol(tuple.substr(begin, end - begin)));
    begin = tuple.find_first_of(digits, end);
  }
  if (shape.size() > 32) throw InputError(source, "arrays of " + std::to_string(shape.size()) + " dimensions are not supported");
  return shape;
}

DType dtype_of(const std::string& descr, const std::string& source) {
  static const std::pair<const char*, DType> types[] = {
      {"'<f8'", float64}, {"'<f4'", float32}, {"'<f2'", float16}, {"'<i8'", int64}, {"'<i4'", int32},
      {"'<i2'", int16},   {"'|i1'", int8},    {"'|u1'", uint8},   {"'|b1'", boolean}};
  for (const auto& [text, dtype] : types)
    if (descr == text) return dtype;
  throw InputError(source, "unsupported dtype " + descr + " (relutope reads little-endian '<f2', '<f4' and '<f8' arrays)");
}

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw InputError(source, "not a .npy array (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw InputError(source, "truncated .npy header");
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw InputError(source, "unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) throw InputError(source, "truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  const DType dtype = dtype_of(header_field(header, "descr", source), source);
  const std::vector<long> shape = parse_shape(header_field(header, "shape", source), source);
  std::vector<long> strides = row_major_strides(shape);
  if (header_field(header, "fortran_order", source) == "True") {  // the first index varies fastest
    std::vector<long> reversed(shape.rbegin(), shape.rend());
    strides = row_major_strides(reversed);
    std::reverse(strides.begin(), strides.end());
  }
  const std::string_view data = std::string_view(bytes).substr(offset + header_len);
  return tensor_view(data, dtype, shape, strides, 0, source);
}

std::string npy_bytes(const std::vector<long>& shape, const std::vector<double>& data) {
  std::string dims;
  for (long s : shape) dims += std::to_string(s) + ",";
  if (shape.size() > 1) dims.pop_back();
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad so that the data starts on a 64-byte boundary, ending with a newline, as numpy does.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(double));
  return bytes;
}

StateDict npz_state_dict(const std::vector<ZipMember>& members, const std::string& path) {
  StateDict arrays;
  for (const ZipMember& member : members) {
    std::string key = member.name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    arrays.tensors.emplace_back(key, parse_npy(member.bytes, path + ": " + member.name));
  }
  return arrays;
}

void write_npz(const std::string& path, const StateDict& arrays) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) throw InputError(path, "cannot create zip archive");
  std::vector<std::string> buffers;  // libzip reads them at zip_close
  buffers.reserve(arrays.tensors.size());
  // Every member dated 1980-01-01 00:00 (local time, as zip stores it), not the time of writing:
  // equal networks give equal files.
  std::tm epoch{};
  epoch.tm_year = 80;
  epoch.tm_mday = 1;
  epoch.tm_isdst = -1;
  const std::time_t mtime = std::mktime(&epoch);
  for (const auto& [name, array] : arrays.tensors) {
    buffers.push_back(npy_bytes(array.shape, array.data));
    zip_source_t* source = zip_source_buffer(archive, buffers.back().data(), buffers.back().size(), 0);
    const zip_int64_t index = source ? zip_file_add(archive, (name + ".npy").c_str(), source, ZIP_FL_OVERWRITE) : -1;
    if (index < 0) zip_source_free(source);  // once added, the archive owns it
    if (index < 0 || zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index), mtime, 0) < 0) {
      zip_discard(archive);
      throw InputError(path, "cannot add " + name + " to the archive");
    }
  }
  if (zip_close(archive) != 0) {
    const std::string message = zip_strerror(archive);
    zip_discard(archive);
    throw InputError(path, "cannot write archive: " + message);
  }
}

}  // namespace relutope::internal
