// Training configuration files (train --config).
#include "fuzz.hpp"

#include "relutope/train/train_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const fuzz::InputFile file(data, size);
  fuzz::accepted([&] { return read_train_config(file.path); });
  return 0;
}
