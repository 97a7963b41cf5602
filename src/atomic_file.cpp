#include "relutope/atomic_file.hpp"

#include "relutope/error.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace relutope {

namespace {
std::string temporary_of(const std::string& path) { return path + ".tmp" + std::to_string(::getpid()); }
}  // namespace

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  const std::string temporary = temporary_of(path);
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

AtomicStream::AtomicStream(std::string path)
    : path_(std::move(path)), temporary_(temporary_of(path_)), out_(temporary_, std::ios::binary) {
  if (!out_) throw InputError(path_, "cannot create the file");
}

AtomicStream::~AtomicStream() {
  if (!committed_) {
    out_.close();
    std::remove(temporary_.c_str());
  }
}

void AtomicStream::commit() {
  out_.close();
  if (!out_) throw InputError(path_, "cannot write the file");
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0) throw InputError(path_, "cannot write the file (rename failed)");
  committed_ = true;
}

}  // namespace relutope
