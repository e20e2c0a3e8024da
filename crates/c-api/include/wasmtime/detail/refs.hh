// Internal: the GC reference classes ExternRef, AnyRef, EqRef, StructRef,
// ArrayRef (with StructRefPre, ArrayRefPre) and ExnRef. Their Val
// conversions and typed-call traits are in val.hh, externref.hh, anyref.hh
// and exnref.hh.

#ifndef WASMTIME_DETAIL_REFS_HH
#define WASMTIME_DETAIL_REFS_HH

#include <wasmtime/detail/store.hh>
#include <wasmtime/detail/val.hh>
#include <wasmtime/tag.hh>
#include <wasmtime/types/val.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_GC

class EqRef;
class StructRef;
class ArrayRef;

/// A rooted `externref`: a host value (`std::any`) wasm can pass around.
class ExternRef {
  WASMTIME_CXX_TOP_GC_REF(ExternRef, wasmtime_externref)

  static void drop_any(void *data) { delete static_cast<std::any *>(data); }

public:
  /// A new externref in `cx` holding `val`. Aborts if the store cannot
  /// allocate it.
  explicit ExternRef(Store::Context cx, std::any val) : raw{} {
    void *data = new std::any(std::move(val));
    if (!wasmtime_externref_new(cx.capi(), data, &ExternRef::drop_any, &raw)) {
      std::fprintf(stderr, "wasmtime::ExternRef: allocation failed\n");
      std::abort();
    }
  }
  /// The host value.
  std::any &data(Store::Context cx) {
    return *static_cast<std::any *>(wasmtime_externref_data(cx.capi(), &raw));
  }
};

/// A rooted `anyref` (an `i31` or a GC object).
class AnyRef {
  WASMTIME_CXX_TOP_GC_REF(AnyRef, wasmtime_anyref)

public:
  /// The `i31ref` of the low 31 bits of `value`.
  static AnyRef i31(Store::Context cx, uint32_t value) {
    wasmtime_anyref_t out;
    wasmtime_anyref_from_i31(cx.capi(), value, &out);
    return AnyRef(out);
  }
  /// Zero-extended value, if this is an `i31`.
  std::optional<uint32_t> u31(Store::Context cx) const {
    uint32_t out = 0;
    if (!wasmtime_anyref_i31_get_u(cx.capi(), &raw, &out))
      return std::nullopt;
    return out;
  }
  /// Sign-extended value, if this is an `i31`.
  std::optional<int32_t> i31(Store::Context cx) const {
    int32_t out = 0;
    if (!wasmtime_anyref_i31_get_s(cx.capi(), &raw, &out))
      return std::nullopt;
    return out;
  }
  /// Is this an `i31`?
  bool is_i31(Store::Context cx) const {
    return wasmtime_anyref_is_i31(cx.capi(), &raw);
  }
  /// Is this an `eqref`?
  bool is_eqref(Store::Context cx) const {
    return wasmtime_anyref_is_eqref(cx.capi(), &raw);
  }
  /// Is this a struct?
  bool is_struct(Store::Context cx) const {
    return wasmtime_anyref_is_struct(cx.capi(), &raw);
  }
  /// Is this an array?
  bool is_array(Store::Context cx) const {
    return wasmtime_anyref_is_array(cx.capi(), &raw);
  }
  /// This reference as an `eqref`, if it is one.
  std::optional<EqRef> as_eqref(Store::Context cx) const;
  /// This reference as a struct reference, if it is one.
  std::optional<StructRef> as_struct(Store::Context cx) const;
  /// This reference as an array reference, if it is one.
  std::optional<ArrayRef> as_array(Store::Context cx) const;
  /// The referenced object's heap type (`none` if it cannot be found).
  HeapType ty(Store::Context cx) const {
    wasmtime_heaptype_t out{};
    if (!wasmtime_anyref_type(cx.capi(), &raw, &out))
      return HeapType::none();
    return HeapType(out);
  }
};

/// A rooted `eqref` (an `i31`, struct or array).
class EqRef {
  WASMTIME_CXX_GC_REF(EqRef, wasmtime_eqref)

public:
  /// The `i31ref` of the low 31 bits of `val`.
  static EqRef from_i31(Store::Context cx, uint32_t val) {
    wasmtime_eqref_t out;
    wasmtime_eqref_from_i31(cx.capi(), val, &out);
    return EqRef(out);
  }
  /// Is this an `i31`?
  bool is_i31(Store::Context cx) const {
    return wasmtime_eqref_is_i31(cx.capi(), &raw);
  }
  /// Zero-extended value, if this is an `i31`.
  std::optional<uint32_t> i31_get_u(Store::Context cx) const {
    uint32_t out = 0;
    if (!wasmtime_eqref_i31_get_u(cx.capi(), &raw, &out))
      return std::nullopt;
    return out;
  }
  /// Sign-extended value, if this is an `i31`.
  std::optional<int32_t> i31_get_s(Store::Context cx) const {
    int32_t out = 0;
    if (!wasmtime_eqref_i31_get_s(cx.capi(), &raw, &out))
      return std::nullopt;
    return out;
  }
  /// Is this a struct?
  bool is_struct(Store::Context cx) const {
    return wasmtime_eqref_is_struct(cx.capi(), &raw);
  }
  /// Is this an array?
  bool is_array(Store::Context cx) const {
    return wasmtime_eqref_is_array(cx.capi(), &raw);
  }
  /// The same reference as an `anyref`.
  AnyRef to_anyref() const {
    wasmtime_anyref_t out;
    wasmtime_eqref_to_anyref(&raw, &out);
    return AnyRef(out);
  }
  /// This reference as a struct reference, if it is one.
  std::optional<StructRef> as_struct(Store::Context cx) const;
  /// This reference as an array reference, if it is one.
  std::optional<ArrayRef> as_array(Store::Context cx) const;
  /// The referenced object's heap type (`none` if it cannot be found).
  HeapType ty(Store::Context cx) const {
    wasmtime_heaptype_t out{};
    if (!wasmtime_eqref_type(cx.capi(), &raw, &out))
      return HeapType::none();
    return HeapType(out);
  }
};

/// A struct type prepared for allocating many structs in one store.
class StructRefPre {
  WASMTIME_CXX_OWNED_HANDLE(StructRefPre, wasmtime_struct_ref_pre)

public:
  /// Prepares `ty` for allocation in `cx`.
  static StructRefPre create(Store::Context cx, const StructType &ty) {
    return StructRefPre(wasmtime_struct_ref_pre_new(cx.capi(), ty.capi()));
  }
};

/// A rooted struct reference.
class StructRef {
  WASMTIME_CXX_GC_REF(StructRef, wasmtime_structref)

public:
  /// A new struct with `fields`, one value per field.
  static Result<StructRef> create(Store::Context cx, const StructRefPre &pre,
                                  const std::vector<Val> &fields) {
    wasmtime_structref_t out;
    if (wasmtime_error_t *error = wasmtime_structref_new(
            cx.capi(), pre.capi(),
            reinterpret_cast<const wasmtime_val_t *>(fields.data()),
            fields.size(), &out))
      return Error(error);
    return StructRef(out);
  }
  /// The field at `index`.
  Result<Val> field(Store::Context cx, size_t index) const;
  /// Writes the field at `index`.
  Result<std::monostate> set_field(Store::Context cx, size_t index,
                                   const Val &value) const {
    if (wasmtime_error_t *error =
            wasmtime_structref_set_field(cx.capi(), &raw, index, value.capi()))
      return Error(error);
    return std::monostate();
  }
  /// The same reference as an `anyref`.
  AnyRef to_anyref() const {
    wasmtime_anyref_t out;
    wasmtime_structref_to_anyref(&raw, &out);
    return AnyRef(out);
  }
  /// The same reference as an `eqref`.
  EqRef to_eqref() const {
    wasmtime_eqref_t out;
    wasmtime_structref_to_eqref(&raw, &out);
    return EqRef(out);
  }
  /// The struct's type.
  StructType ty(Store::Context cx) const {
    return StructType(wasmtime_structref_type(cx.capi(), &raw));
  }
};

/// An array type prepared for allocating many arrays in one store.
class ArrayRefPre {
  WASMTIME_CXX_OWNED_HANDLE(ArrayRefPre, wasmtime_array_ref_pre)

public:
  /// Prepares `ty` for allocation in `cx`.
  static ArrayRefPre create(Store::Context cx, const ArrayType &ty) {
    return ArrayRefPre(wasmtime_array_ref_pre_new(cx.capi(), ty.capi()));
  }
};

/// A rooted array reference.
class ArrayRef {
  WASMTIME_CXX_GC_REF(ArrayRef, wasmtime_arrayref)

public:
  /// A new array of `len` copies of `elem`.
  static Result<ArrayRef> create(Store::Context cx, const ArrayRefPre &pre,
                                 const Val &elem, uint32_t len) {
    wasmtime_arrayref_t out;
    if (wasmtime_error_t *error =
            wasmtime_arrayref_new(cx.capi(), pre.capi(), elem.capi(), len, &out))
      return Error(error);
    return ArrayRef(out);
  }
  /// Number of elements.
  Result<uint32_t> len(Store::Context cx) const {
    uint32_t out = 0;
    if (wasmtime_error_t *error = wasmtime_arrayref_len(cx.capi(), &raw, &out))
      return Error(error);
    return out;
  }
  /// The element at `index`.
  Result<Val> get(Store::Context cx, uint32_t index) const;
  /// Writes the element at `index`.
  Result<std::monostate> set(Store::Context cx, uint32_t index,
                             const Val &value) const {
    if (wasmtime_error_t *error =
            wasmtime_arrayref_set(cx.capi(), &raw, index, value.capi()))
      return Error(error);
    return std::monostate();
  }
  /// The same reference as an `anyref`.
  AnyRef to_anyref() const {
    wasmtime_anyref_t out;
    wasmtime_arrayref_to_anyref(&raw, &out);
    return AnyRef(out);
  }
  /// The same reference as an `eqref`.
  EqRef to_eqref() const {
    wasmtime_eqref_t out;
    wasmtime_arrayref_to_eqref(&raw, &out);
    return EqRef(out);
  }
  /// The array's type.
  ArrayType ty(Store::Context cx) const {
    return ArrayType(wasmtime_arrayref_type(cx.capi(), &raw));
  }
};

/// A rooted `exnref`: an exception object (tag plus payload).
class ExnRef {
  WASMTIME_CXX_TOP_GC_REF(ExnRef, wasmtime_exnref)

public:
  /// A new exception with `tag` and payload `fields`.
  static Result<ExnRef> create(Store::Context cx, const Tag &tag,
                               const std::vector<Val> &fields) {
    static_assert(sizeof(Val) == sizeof(wasmtime_val_t));
    wasmtime_exnref_t out;
    if (wasmtime_error_t *error = wasmtime_exnref_new(
            cx.capi(), &tag.capi(),
            reinterpret_cast<const wasmtime_val_t *>(fields.data()),
            fields.size(), &out))
      return Error(error);
    return ExnRef(out);
  }
  /// The exception's tag.
  Result<Tag> tag(Store::Context cx) const {
    wasmtime_tag_t out;
    if (wasmtime_error_t *error = wasmtime_exnref_tag(cx.capi(), &raw, &out))
      return Error(error);
    return Tag(out);
  }
  /// Number of payload fields.
  size_t field_count(Store::Context cx) const {
    return wasmtime_exnref_field_count(cx.capi(), &raw);
  }
  /// The payload field at `index`.
  Result<Val> field(Store::Context cx, size_t index) const;
  /// The exception's type.
  ExnType ty(Store::Context cx) const {
    return ExnType(wasmtime_exnref_type(cx.capi(), &raw));
  }
};

// Members returning Val, defined once every class a Val can hold exists.

inline Result<Val> StructRef::field(Store::Context cx, size_t index) const {
  wasmtime_val_t out;
  if (wasmtime_error_t *error =
          wasmtime_structref_field(cx.capi(), &raw, index, &out))
    return Error(error);
  return Val(out);
}

inline Result<Val> ArrayRef::get(Store::Context cx, uint32_t index) const {
  wasmtime_val_t out;
  if (wasmtime_error_t *error = wasmtime_arrayref_get(cx.capi(), &raw, index, &out))
    return Error(error);
  return Val(out);
}

inline Result<Val> ExnRef::field(Store::Context cx, size_t index) const {
  wasmtime_val_t out;
  if (wasmtime_error_t *error = wasmtime_exnref_field(cx.capi(), &raw, index, &out))
    return Error(error);
  return Val(out);
}

inline std::optional<EqRef> AnyRef::as_eqref(Store::Context cx) const {
  wasmtime_eqref_t out;
  if (!wasmtime_anyref_as_eqref(cx.capi(), &raw, &out))
    return std::nullopt;
  return EqRef(out);
}

inline std::optional<StructRef> AnyRef::as_struct(Store::Context cx) const {
  wasmtime_structref_t out;
  if (!wasmtime_anyref_as_struct(cx.capi(), &raw, &out))
    return std::nullopt;
  return StructRef(out);
}

inline std::optional<ArrayRef> AnyRef::as_array(Store::Context cx) const {
  wasmtime_arrayref_t out;
  if (!wasmtime_anyref_as_array(cx.capi(), &raw, &out))
    return std::nullopt;
  return ArrayRef(out);
}

inline std::optional<StructRef> EqRef::as_struct(Store::Context cx) const {
  wasmtime_structref_t out;
  if (!wasmtime_eqref_as_struct(cx.capi(), &raw, &out))
    return std::nullopt;
  return StructRef(out);
}

inline std::optional<ArrayRef> EqRef::as_array(Store::Context cx) const {
  wasmtime_arrayref_t out;
  if (!wasmtime_eqref_as_array(cx.capi(), &raw, &out))
    return std::nullopt;
  return ArrayRef(out);
}


#endif // WASMTIME_FEATURE_GC

} // namespace wasmtime

#endif // WASMTIME_DETAIL_REFS_HH
