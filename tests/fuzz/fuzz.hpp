// Shared by the libFuzzer harnesses: every reader must either succeed or throw InputError. Any
// other exception escapes the harness, which libFuzzer reports as a crash, as it does a sanitizer
// report, a leak, a timeout or a broken property of what a reader accepted.
#pragma once

#include "relutope/error.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace relutope::fuzz {

inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// What f returns, or nothing where it throws InputError (bad input is expected; anything else
// escapes to libFuzzer as a fault). Checks of what was accepted run outside, so that an
// InputError there (a network written that does not read back) is a fault too.
template <class F>
auto accepted(F&& f) -> std::optional<decltype(f())> {
  try {
    return f();
  } catch (const InputError&) {
    return std::nullopt;
  }
}

// A property of what a reader accepted; a violation is a fault, reported as a crash.
inline void require(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}

// The input written to a file named `name` in a directory of this process (so that parallel
// fuzzing jobs do not collide), for the readers that take a path as the command line gives it:
// the network reader chooses the format by content, as it does for the command line.
class InputFile {
public:
  InputFile(const std::uint8_t* data, std::size_t size, const std::string& name = "input")
      : path((directory().path / name).string()) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  // Removed after each input: rewriting a file in place makes ext4 flush it to disk on close.
  ~InputFile() { std::filesystem::remove(path); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  std::string dir() const { return directory().path.string(); }
  const std::string path;

private:
  struct Directory {  // made once, removed at exit
    std::filesystem::path path = std::filesystem::temp_directory_path() / ("relutope-fuzz-" + std::to_string(::getpid()));
    Directory() { std::filesystem::create_directories(path); }
    ~Directory() { std::filesystem::remove_all(path); }
  };
  static const Directory& directory() {
    static const Directory made;
    return made;
  }
};

}  // namespace relutope::fuzz
