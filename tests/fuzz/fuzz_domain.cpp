// --domain text (parse_box). A box that parses prints back to the same box.
#include "fuzz.hpp"

#include "relutope/domain.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const auto box = fuzz::accepted([&] { return parse_box(fuzz::text(data, size), "--domain"); });
  if (box) fuzz::require(parse_box(to_string(*box), "round trip") == *box, "the box prints back to itself");
  return 0;
}
