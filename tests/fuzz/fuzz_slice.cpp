// --slice text (parse_slice).
#include "fuzz.hpp"

#include "relutope/network/slice.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  fuzz::accepted([&] { return parse_slice(fuzz::text(data, size), "--slice"); });
  return 0;
}
