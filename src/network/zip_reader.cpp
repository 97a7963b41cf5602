#include "network/zip_reader.hpp"

#include "relutope/error.hpp"

#include <zip.h>

#include <memory>

namespace relutope::internal {

std::vector<ZipMember> read_zip(const std::string& path) {
  int error = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error),
                                                         &zip_discard);
  if (!archive) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, error);
    const std::string message = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    throw InputError(path, "not a readable zip archive: " + message);
  }
  std::vector<ZipMember> members;
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0)
      throw InputError(path, "corrupt zip entry " + std::to_string(i));
    ZipMember member{st.name, ""};
    const std::string source = path + ": " + member.name;
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0),
                                                            &zip_fclose);
    if (!file) throw InputError(source, std::string("cannot open zip member: ") + zip_strerror(archive.get()));
    // Read in bounded chunks, the buffer growing only as data arrives: the header's size is a
    // claim, and a corrupt one must not make us allocate gigabytes up front. Reading until
    // zip_fread returns 0 also makes libzip check the CRC, which it does at the member's end.
    constexpr size_t chunk = size_t{1} << 20;
    std::string& bytes = member.bytes;
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
    members.push_back(std::move(member));
  }
  return members;
}

}  // namespace relutope::internal
