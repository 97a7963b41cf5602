// Option texts: --encoding (parse_encoding) and --activation (parse_activation). What parses
// reads back from the text the library writes for it.
#include "fuzz.hpp"

#include "relutope/network/network.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const std::string text = fuzz::text(data, size);
  if (const auto encoding = fuzz::accepted([&] { return parse_encoding(text, "--encoding"); }))
    fuzz::require(parse_encoding(encoding_spec(*encoding), "round trip") == *encoding, "the encoding reads back");
  if (const auto activation = fuzz::accepted([&] { return parse_activation(text, "--activation"); }))
    fuzz::require(parse_activation(activation_name(*activation), "round trip") == *activation, "the activation reads back");
  return 0;
}
