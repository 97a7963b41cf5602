// spectrum --freq lists (parse_frequencies) for 1, 2 and 3 dimensions: the input is split at
// newlines into the command line's items.
#include "fuzz.hpp"

#include "relutope/spectrum/spectrum.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  std::vector<std::string> items(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') items.emplace_back();
    else items.back() += static_cast<char>(data[i]);
  }
  for (int dim = 1; dim <= 3; ++dim) fuzz::accepted([&] { return parse_frequencies(items, dim, "--freq"); });
  return 0;
}
