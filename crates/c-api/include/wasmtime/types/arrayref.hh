// GC-proposal type class ArrayType.

#ifndef WASMTIME_TYPES_ARRAYREF_HH
#define WASMTIME_TYPES_ARRAYREF_HH

#include <wasmtime/types/structref.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_GC
/// An array type, registered with an engine.
class ArrayType {
  WASMTIME_CXX_CLONED_HANDLE(ArrayType, wasmtime_array_type,
                             wasmtime_array_type_copy)

public:
  /// An array whose elements are `field`.
  ArrayType(const Engine &engine, const FieldType &field)
      : ptr(wasmtime_array_type_new(engine.capi(), field.capi())) {}
  /// The element type.
  /// (A null handle, from an invalid field type, reports an immutable
  /// `i8`.)
  FieldType element_type() const {
    wasmtime_field_type_t out{};
    if (ptr)
      wasmtime_array_type_element(ptr.get(), &out);
    return FieldType(out);
  }
};
#endif // WASMTIME_FEATURE_GC

} // namespace wasmtime

#endif // WASMTIME_TYPES_ARRAYREF_HH
