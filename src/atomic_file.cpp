#include "relutope/atomic_file.hpp"

#include "relutope/error.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace relutope {

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  try {
    write(temporary);
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw InputError(path, "cannot write the file (rename failed)");
  }
}

void write_text_atomically(const std::string& path, const std::string& text) {
  write_atomically(path, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw InputError(path, "cannot write the file");
  });
}

}  // namespace relutope
