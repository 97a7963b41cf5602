// One .npy member's bytes (the arrays inside an .npz). A floating array that parses has as many
// values as its shape says, and survives writing and reading back.
#include "fuzz.hpp"

#include "npy.hpp"

#include <algorithm>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  fuzz::refuse_or_accept([&] {
    const internal::Tensor array = internal::parse_npy(fuzz::text(data, size), "fuzz.npy");
    if (!array.dtype.floating) return;  // integer arrays are read for their shape only, then refused by name
    // An array with a zero dimension is empty, however large the others (its product may wrap).
    size_t count = std::count(array.shape.begin(), array.shape.end(), 0L) ? 0 : 1;
    for (long s : array.shape)
      if (count) fuzz::require(!__builtin_mul_overflow(count, static_cast<size_t>(s), &count), "the element count does not wrap");
    fuzz::require(array.data.size() == count, "the array has as many values as its shape says");
    const internal::Tensor back = internal::parse_npy(internal::npy_bytes(array.shape, array.data), "round trip");
    fuzz::require(back.shape == array.shape &&
                      (count == 0 || std::memcmp(back.data.data(), array.data.data(), sizeof(double) * count) == 0),
                  "the array reads back bit for bit");
  });
  return 0;
}
