#include "network/tensor.hpp"

#include "relutope/error.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace relutope::internal {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the readers copy little-endian file bytes into numbers");

template <class T>
T load(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// IEEE binary16: sign, 5 exponent bits (bias 15), 10 fraction bits. Every value is a double.
double from_float16(std::uint16_t h) {
  const int exponent = (h >> 10) & 0x1f, fraction = h & 0x3ff;
  const double magnitude = exponent == 0    ? std::ldexp(fraction, -24)
                           : exponent == 31 ? (fraction ? std::numeric_limits<double>::quiet_NaN()
                                                        : std::numeric_limits<double>::infinity())
                                            : std::ldexp(fraction + 1024, exponent - 25);
  return h & 0x8000 ? -magnitude : magnitude;
}

// bfloat16 is the upper half of a float32.
double from_bfloat16(std::uint16_t h) {
  const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
  return load<float>(reinterpret_cast<const char*>(&bits));
}

double element(const DType& dtype, const char* p) {
  const std::string_view name = dtype.name;
  if (name == float64.name) return load<double>(p);
  if (name == float32.name) return load<float>(p);
  if (name == float16.name) return from_float16(load<std::uint16_t>(p));
  return from_bfloat16(load<std::uint16_t>(p));
}

}  // namespace

std::vector<long> row_major_strides(const std::vector<long>& shape) {
  // Saturated: a shape whose product overflows is refused by tensor_view (more elements than any
  // storage), before a stride is used.
  std::vector<long> strides(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;)
    if (__builtin_mul_overflow(strides[k], shape[k], &strides[k - 1])) strides[k - 1] = std::numeric_limits<long>::max();
  return strides;
}

Tensor tensor_view(std::string_view storage, DType dtype, const std::vector<long>& shape,
                   const std::vector<long>& strides, long offset, const std::string& source) {
  if (strides.size() != shape.size())
    throw InputError(source, std::to_string(strides.size()) + " strides for " + std::to_string(shape.size()) + " dimensions");
  const long capacity = static_cast<long>(storage.size() / static_cast<size_t>(dtype.width));
  if (offset < 0 || offset > capacity)
    throw InputError(source, "storage offset " + std::to_string(offset) + " outside its storage of " +
                                 std::to_string(capacity) + " elements");
  long count = 1, last = offset;  // element count; the largest element index the view reaches
  for (size_t k = 0; k < shape.size(); ++k)
    if (shape[k] < 0 || strides[k] < 0) throw InputError(source, "negative size or stride");
  for (size_t k = 0; k < shape.size() && count > 0; ++k) {
    if (shape[k] == 0) count = 0;
    else if (shape[k] > capacity / count) count = capacity + 1;  // more elements than the storage: refused below
    else count *= shape[k];
  }
  if (count > capacity - offset && count > 0)
    throw InputError(source, "the tensor needs more elements than the " + std::to_string(capacity - offset) +
                                 " its data holds (truncated data, or a broadcast view)");
  for (size_t k = 0; k < shape.size() && count > 0; ++k) {
    if (shape[k] > 1 && strides[k] > (capacity - 1 - last) / (shape[k] - 1))
      throw InputError(source, "the tensor's strides reach beyond its storage of " + std::to_string(capacity) + " elements");
    last += (shape[k] - 1) * strides[k];
  }
  Tensor tensor{dtype, shape, {}};
  if (!dtype.floating || count == 0) return tensor;
  tensor.data.resize(static_cast<size_t>(count));
  std::vector<long> index(shape.size(), 0);  // row-major odometer
  long position = offset;
  for (double& value : tensor.data) {
    value = element(dtype, storage.data() + position * dtype.width);
    for (size_t k = shape.size(); k-- > 0;) {  // steps only within the reach checked above
      if (++index[k] < shape[k]) {
        position += strides[k];
        break;
      }
      position -= strides[k] * (shape[k] - 1);
      index[k] = 0;
    }
  }
  return tensor;
}

}  // namespace relutope::internal
