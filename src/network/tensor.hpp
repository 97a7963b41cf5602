#pragma once
// Tensors as the state_dict readers (npz, torch zip, safetensors) hand them over (internal):
// an element type, a shape and the values widened to double, keyed in the file's order.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relutope::internal {

/// An element type as torch names it. Floating types are read (widening to double is exact);
/// the others are kept by name only, so that a reader can refuse them by name or skip them
/// (BatchNorm's int64 num_batches_tracked).
struct DType {
  const char* name;  // "float32", "int64", ...
  int width;         // bytes per element
  bool floating;     // float16, bfloat16, float32 or float64
};

inline constexpr DType float16{"float16", 2, true}, bfloat16{"bfloat16", 2, true}, float32{"float32", 4, true},
    float64{"float64", 8, true}, int8{"int8", 1, false}, int16{"int16", 2, false}, int32{"int32", 4, false},
    int64{"int64", 8, false}, uint8{"uint8", 1, false}, boolean{"bool", 1, false};

/// A tensor in row-major (C) order. `data` holds the values of a floating tensor (exactly), and
/// is empty for other types, whose values relutope never uses.
struct Tensor {
  DType dtype = float64;
  std::vector<long> shape;
  std::vector<double> data;
};

/// Named tensors in the order the file stores them.
struct StateDict {
  std::vector<std::pair<std::string, Tensor>> tensors;
  /// Whether the file's order is the order the modules were registered in (torch.save and
  /// numpy.savez keep a state_dict's order; safetensors sorts the names).
  bool in_module_order = true;
};

/// The tensor of `shape` whose element (i_0, i_1, ...) is element offset + sum_k i_k strides[k]
/// (counted in elements, little-endian) of `storage`, as torch views a storage. Checks that the
/// shape and strides are non-negative, that every element lies inside the storage, and that the
/// tensor has no more elements than the storage (a broadcast view would let a tiny file ask for
/// any amount of memory). Throws InputError(source, ...).
Tensor tensor_view(std::string_view storage, DType dtype, const std::vector<long>& shape,
                   const std::vector<long>& strides, long offset, const std::string& source);

/// The strides of a row-major tensor of `shape`, in elements.
std::vector<long> row_major_strides(const std::vector<long>& shape);

}  // namespace relutope::internal
