// One .npy member's bytes (the arrays inside an .npz). A floating array that parses has as many
// values as its shape says, and survives writing and reading back.
#include "fuzz.hpp"

#include "network/npy.hpp"

#include <algorithm>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const auto array = fuzz::accepted([&] { return internal::parse_npy(fuzz::text(data, size), "fuzz.npy"); });
  if (!array || !array->dtype.floating) return 0;  // integer arrays are read for their shape only, then refused by name
  // No elements if a dimension is 0 (the others may then be anything, as numpy allows).
  const bool empty = std::find(array->shape.begin(), array->shape.end(), 0) != array->shape.end();
  size_t count = empty ? 0 : 1;
  for (long s : array->shape)
    fuzz::require(empty || !__builtin_mul_overflow(count, static_cast<size_t>(s), &count), "the element count does not wrap");
  fuzz::require(array->data.size() == count, "the array has as many values as its shape says");
  const internal::Tensor back = internal::parse_npy(internal::npy_bytes(array->shape, array->data), "round trip");
  fuzz::require(back.shape == array->shape &&
                    (count == 0 || std::memcmp(back.data.data(), array->data.data(), sizeof(double) * count) == 0),
                "the array reads back bit for bit");
  return 0;
}
