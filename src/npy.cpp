#include "npy.hpp"

#include "relutope/error.hpp"

#include <zip.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>

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
  if (shape.size() > 2) throw InputError(source, "arrays of " + std::to_string(shape.size()) + " dimensions are not supported");
  return shape;
}

}  // namespace

NpyArray parse_npy(const std::string& bytes, const std::string& source) {
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
  const std::string descr = header_field(header, "descr", source);
  const bool fortran = header_field(header, "fortran_order", source) == "True";
  NpyArray array;
  array.shape = parse_shape(header_field(header, "shape", source), source);

  size_t width = 0;
  if (descr == "'<f8'") width = 8;
  else if (descr == "'<f4'") width = 4;
  else throw InputError(source, "unsupported dtype " + descr + " (expected float32 '<f4' or float64 '<f8')");

  size_t count = 1;
  for (long s : array.shape) {  // checked before multiplying, so that the product cannot wrap
    if (s != 0 && count > bytes.size() / static_cast<size_t>(s))
      throw InputError(source, "truncated .npy data (shape larger than the file)");
    count *= static_cast<size_t>(s);
  }
  const size_t begin = offset + header_len;
  if (bytes.size() - begin < count * width)
    throw InputError(source, "truncated .npy data: " + std::to_string(bytes.size() - begin) + " bytes for " +
                                 std::to_string(count) + " values");
  std::vector<double> values(count);
  for (size_t i = 0; i < count; ++i) {
    if (width == 8) std::memcpy(&values[i], bytes.data() + begin + 8 * i, 8);
    else {
      float f;
      std::memcpy(&f, bytes.data() + begin + 4 * i, 4);
      values[i] = f;  // exact: every float is a double
    }
  }
  if (fortran && array.shape.size() == 2) {
    const size_t rows = static_cast<size_t>(array.shape[0]), cols = static_cast<size_t>(array.shape[1]);
    array.data.resize(count);
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) array.data[i * cols + j] = values[j * rows + i];
  } else {
    array.data = std::move(values);
  }
  return array;
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

std::map<std::string, NpyArray> read_npz(const std::string& path) {
  int error = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error),
                                                         &zip_discard);
  if (!archive) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, error);
    const std::string message = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    throw InputError(path, "not a readable .npz (zip) archive: " + message);
  }
  std::map<std::string, NpyArray> arrays;
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0)
      throw InputError(path, "corrupt zip entry " + std::to_string(i));
    std::string name = st.name;
    const std::string source = path + ": " + name;
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0),
                                                            &zip_fclose);
    if (!file) throw InputError(source, std::string("cannot open zip member: ") + zip_strerror(archive.get()));
    // Read in bounded chunks, the buffer growing only as data arrives: the header's size is a
    // claim, and a corrupt one must not make us allocate gigabytes up front. Reading until
    // zip_fread returns 0 also makes libzip check the CRC, which it does at the member's end.
    constexpr size_t chunk = size_t{1} << 20;
    std::string bytes;
    for (;;) {
      const size_t have = bytes.size();
      bytes.resize(have + chunk);
      const zip_int64_t got = zip_fread(file.get(), bytes.data() + have, chunk);
      if (got < 0) throw InputError(source, std::string("corrupt zip member: ") + zip_file_strerror(file.get()));
      bytes.resize(have + static_cast<size_t>(got));
      if (got == 0) break;
      if (bytes.size() > st.size)
        throw InputError(source, "corrupt zip member: more data than the " + std::to_string(st.size) +
                                     " bytes its header gives");
    }
    if (bytes.size() != st.size)
      throw InputError(source, "truncated zip member: " + std::to_string(bytes.size()) + " bytes of the " +
                                   std::to_string(st.size) + " its header gives");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    arrays[name] = parse_npy(bytes, source);
  }
  return arrays;
}

void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) throw InputError(path, "cannot create zip archive");
  std::vector<std::string> buffers;  // libzip reads them at zip_close
  buffers.reserve(arrays.size());
  // Every member dated 1980-01-01 00:00 (local time, as zip stores it), not the time of writing:
  // equal networks give equal files.
  std::tm epoch{};
  epoch.tm_year = 80;
  epoch.tm_mday = 1;
  epoch.tm_isdst = -1;
  const std::time_t mtime = std::mktime(&epoch);
  for (const auto& [name, array] : arrays) {
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
