// Slice files (--slice @FILE) and the three points of --plane-through FILE.
#include "fuzz.hpp"

#include "relutope/network/slice.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const fuzz::InputFile file(data, size);
  fuzz::accepted([&] { return read_slice(file.path); });
  fuzz::accepted([&] { return plane_through(file.path); });
  return 0;
}
