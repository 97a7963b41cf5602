// A training run's snapshot index (DIR/snapshots.csv, read by figure spectrum-training).
#include "fuzz.hpp"

#include "relutope/measures/dynamics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const fuzz::InputFile file(data, size, "snapshots.csv");
  fuzz::accepted([&] { return read_snapshots(file.dir()); });
  return 0;
}
