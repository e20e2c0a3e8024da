// wasmtime::component value types: `ValType` (one `wasmtime_component_valtype_t`
// held by value) and the handle classes for its compound kinds (`ListType`,
// `RecordType`, `TupleType`, `VariantType`, `EnumType`, `OptionType`,
// `ResultType`, `FlagsType`, `ResourceType`, `FutureType`, `StreamType`,
// `MapType`).
//
// Part of this project's header-only C++17 layer over the component C API;
// the classes and methods are those of Wasmtime 48's C++ API.

#ifndef WASMTIME_COMPONENT_TYPES_VAL_HH
#define WASMTIME_COMPONENT_TYPES_VAL_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <cassert>
#include <wasmtime/component/types/val.h>
#include <wasmtime/detail/wrappers.hh>

namespace wasmtime {
namespace component {

class ValType;

/// The type of a `list<T>`.
class ListType {
  WASMTIME_CXX_COMPARED_HANDLE(ListType, wasmtime_component_list_type)

public:
  /// The element type `T`.
  ValType element() const;
};

/// The type of a record: named fields in order.
class RecordType {
  WASMTIME_CXX_COMPARED_HANDLE(RecordType, wasmtime_component_record_type)

public:
  /// How many fields the record has.
  size_t field_count() const {
    return wasmtime_component_record_type_field_count(capi());
  }
  /// The name and type of field `nth`, or nothing past the end.
  std::optional<std::pair<std::string_view, ValType>>
  field_nth(size_t nth) const;
};

/// The type of a tuple.
class TupleType {
  WASMTIME_CXX_COMPARED_HANDLE(TupleType, wasmtime_component_tuple_type)

public:
  /// How many elements the tuple has.
  size_t types_count() const {
    return wasmtime_component_tuple_type_types_count(capi());
  }
  /// The type of element `nth`, or nothing past the end.
  std::optional<ValType> types_nth(size_t nth) const;
};

/// The type of a variant: named cases, each maybe with a payload.
class VariantType {
  WASMTIME_CXX_COMPARED_HANDLE(VariantType, wasmtime_component_variant_type)

public:
  /// How many cases the variant has.
  size_t case_count() const {
    return wasmtime_component_variant_type_case_count(capi());
  }
  /// The name and payload type (if any) of case `nth`, or nothing past the
  /// end.
  std::optional<std::pair<std::string_view, std::optional<ValType>>>
  case_nth(size_t nth) const;
};

/// The type of an enum: a list of case names.
class EnumType {
  WASMTIME_CXX_COMPARED_HANDLE(EnumType, wasmtime_component_enum_type)

public:
  /// How many names the enum has.
  size_t names_count() const {
    return wasmtime_component_enum_type_names_count(capi());
  }
  /// Name `nth`, or nothing past the end.
  std::optional<std::string_view> names_nth(size_t nth) const {
    const char *data = nullptr;
    size_t len = 0;
    if (!wasmtime_component_enum_type_names_nth(capi(), nth, &data, &len))
      return std::nullopt;
    return std::string_view(data, len);
  }
};

/// The type of an `option<T>`.
class OptionType {
  WASMTIME_CXX_COMPARED_HANDLE(OptionType, wasmtime_component_option_type)

public:
  /// The payload type `T`.
  ValType ty() const;
};

/// The type of a `result<T, E>` (either side may be absent).
class ResultType {
  WASMTIME_CXX_COMPARED_HANDLE(ResultType, wasmtime_component_result_type)

public:
  /// The success payload type, if there is one.
  std::optional<ValType> ok() const;
  /// The error payload type, if there is one.
  std::optional<ValType> err() const;
};

/// The type of a set of flags.
class FlagsType {
  WASMTIME_CXX_COMPARED_HANDLE(FlagsType, wasmtime_component_flags_type)

public:
  /// How many flags there are.
  size_t names_count() const {
    return wasmtime_component_flags_type_names_count(capi());
  }
  /// Flag name `nth`, or nothing past the end.
  std::optional<std::string_view> names_nth(size_t nth) const {
    const char *data = nullptr;
    size_t len = 0;
    if (!wasmtime_component_flags_type_names_nth(capi(), nth, &data, &len))
      return std::nullopt;
    return std::string_view(data, len);
  }
};

/// A resource type: one defined by a component, or a host one named by a
/// number.
class ResourceType {
  WASMTIME_CXX_COMPARED_HANDLE(ResourceType, wasmtime_component_resource_type)

public:
  /// The host resource type numbered `ty` (equal to every other host type
  /// with the same number).
  explicit ResourceType(uint32_t ty)
      : ptr(wasmtime_component_resource_type_new_host(ty)) {}
};

/// The type of a `future<T>`.
class FutureType {
  WASMTIME_CXX_COMPARED_HANDLE(FutureType, wasmtime_component_future_type)

public:
  /// The payload type, if any.
  std::optional<ValType> ty() const;
};

/// The type of a `stream<T>`.
class StreamType {
  WASMTIME_CXX_COMPARED_HANDLE(StreamType, wasmtime_component_stream_type)

public:
  /// The element type, if any.
  std::optional<ValType> ty() const;
};

/// The type of a `map<K, V>`.
class MapType {
  WASMTIME_CXX_COMPARED_HANDLE(MapType, wasmtime_component_map_type)

public:
  /// The key type.
  ValType key() const;
  /// The value type.
  ValType value() const;
};

/// Any component value type. Holds a `wasmtime_component_valtype_t` by value
/// (same size and layout), so C arrays of them can be viewed as `ValType`s.
class ValType {
  wasmtime_component_valtype_t ty;

  // A value type without payload (the primitive kinds).
  static ValType primitive(wasmtime_component_valtype_kind_t kind) {
    wasmtime_component_valtype_t raw;
    raw.kind = kind;
    return ValType(std::move(raw));
  }
  // Leaves `raw` as a kind that owns nothing.
  static void clear(wasmtime_component_valtype_t &raw) {
    raw.kind = WASMTIME_COMPONENT_VALTYPE_BOOL;
  }
  // Takes ownership of `handle`'s C object into `slot`.
  template <typename Slot, typename Handle>
  void adopt(wasmtime_component_valtype_kind_t kind, Slot &slot,
             Handle &handle) {
    ty.kind = kind;
    slot = handle.capi_release();
  }

public:
  /// Adopts `raw`, leaving it owning nothing.
  explicit ValType(wasmtime_component_valtype_t &&raw) : ty(raw) { clear(raw); }
  /// A deep copy.
  ValType(const ValType &other) {
    wasmtime_component_valtype_clone(&other.ty, &ty);
  }
  /// A deep copy.
  ValType &operator=(const ValType &other) {
    if (this != &other) {
      wasmtime_component_valtype_delete(&ty);
      wasmtime_component_valtype_clone(&other.ty, &ty);
    }
    return *this;
  }
  /// Takes `other`'s type; `other` becomes `bool`.
  ValType(ValType &&other) : ty(other.ty) { clear(other.ty); }
  /// Takes `other`'s type; `other` becomes `bool`.
  ValType &operator=(ValType &&other) {
    if (this != &other) {
      wasmtime_component_valtype_delete(&ty);
      ty = other.ty;
      clear(other.ty);
    }
    return *this;
  }
  ~ValType() { wasmtime_component_valtype_delete(&ty); }

  /// Views a C value type as this class (no ownership change).
  static const ValType *from_capi(const wasmtime_component_valtype_t *capi) {
    static_assert(sizeof(ValType) == sizeof(wasmtime_component_valtype_t));
    return reinterpret_cast<const ValType *>(capi);
  }

  /// Structural equality (per the C API).
  bool operator==(const ValType &other) const {
    return wasmtime_component_valtype_equal(&ty, &other.ty);
  }
  /// The negation of `==`.
  bool operator!=(const ValType &other) const { return !(*this == other); }

  /// `bool`.
  static ValType new_bool() { return primitive(WASMTIME_COMPONENT_VALTYPE_BOOL); }
  /// `s8`.
  static ValType new_s8() { return primitive(WASMTIME_COMPONENT_VALTYPE_S8); }
  /// `s16`.
  static ValType new_s16() { return primitive(WASMTIME_COMPONENT_VALTYPE_S16); }
  /// `s32`.
  static ValType new_s32() { return primitive(WASMTIME_COMPONENT_VALTYPE_S32); }
  /// `s64`.
  static ValType new_s64() { return primitive(WASMTIME_COMPONENT_VALTYPE_S64); }
  /// `u8`.
  static ValType new_u8() { return primitive(WASMTIME_COMPONENT_VALTYPE_U8); }
  /// `u16`.
  static ValType new_u16() { return primitive(WASMTIME_COMPONENT_VALTYPE_U16); }
  /// `u32`.
  static ValType new_u32() { return primitive(WASMTIME_COMPONENT_VALTYPE_U32); }
  /// `u64`.
  static ValType new_u64() { return primitive(WASMTIME_COMPONENT_VALTYPE_U64); }
  /// `f32`.
  static ValType new_f32() { return primitive(WASMTIME_COMPONENT_VALTYPE_F32); }
  /// `f64`.
  static ValType new_f64() { return primitive(WASMTIME_COMPONENT_VALTYPE_F64); }
  /// `char`.
  static ValType new_char() { return primitive(WASMTIME_COMPONENT_VALTYPE_CHAR); }
  /// `string`.
  static ValType new_string() {
    return primitive(WASMTIME_COMPONENT_VALTYPE_STRING);
  }

  /// A list type.
  ValType(ListType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_LIST, ty.of.list, t);
  }
  /// A record type.
  ValType(RecordType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_RECORD, ty.of.record, t);
  }
  /// A tuple type.
  ValType(TupleType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_TUPLE, ty.of.tuple, t);
  }
  /// A variant type.
  ValType(VariantType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_VARIANT, ty.of.variant, t);
  }
  /// An enum type.
  ValType(EnumType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_ENUM, ty.of.enum_, t);
  }
  /// An option type.
  ValType(OptionType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_OPTION, ty.of.option, t);
  }
  /// A result type.
  ValType(ResultType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_RESULT, ty.of.result, t);
  }
  /// A flags type.
  ValType(FlagsType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_FLAGS, ty.of.flags, t);
  }
  /// `own<R>`.
  static ValType new_own(ResourceType r) {
    wasmtime_component_valtype_t raw;
    raw.kind = WASMTIME_COMPONENT_VALTYPE_OWN;
    raw.of.own = r.capi_release();
    return ValType(std::move(raw));
  }
  /// `borrow<R>`.
  static ValType new_borrow(ResourceType r) {
    wasmtime_component_valtype_t raw;
    raw.kind = WASMTIME_COMPONENT_VALTYPE_BORROW;
    raw.of.borrow = r.capi_release();
    return ValType(std::move(raw));
  }
  /// A future type.
  ValType(FutureType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_FUTURE, ty.of.future, t);
  }
  /// A stream type.
  ValType(StreamType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_STREAM, ty.of.stream, t);
  }
  /// A map type.
  ValType(MapType t) {
    adopt(WASMTIME_COMPONENT_VALTYPE_MAP, ty.of.map, t);
  }

  /// Which kind of type this is.
  wasmtime_component_valtype_kind_t kind() const { return ty.kind; }

#define WASMTIME_CXX_VALTYPE_IS(method, KIND)                                  \
  /** Whether this is a KIND type. */                                         \
  bool method() const { return ty.kind == WASMTIME_COMPONENT_VALTYPE_##KIND; }
  WASMTIME_CXX_VALTYPE_IS(is_bool, BOOL)
  WASMTIME_CXX_VALTYPE_IS(is_s8, S8)
  WASMTIME_CXX_VALTYPE_IS(is_s16, S16)
  WASMTIME_CXX_VALTYPE_IS(is_s32, S32)
  WASMTIME_CXX_VALTYPE_IS(is_s64, S64)
  WASMTIME_CXX_VALTYPE_IS(is_u8, U8)
  WASMTIME_CXX_VALTYPE_IS(is_u16, U16)
  WASMTIME_CXX_VALTYPE_IS(is_u32, U32)
  WASMTIME_CXX_VALTYPE_IS(is_u64, U64)
  WASMTIME_CXX_VALTYPE_IS(is_f32, F32)
  WASMTIME_CXX_VALTYPE_IS(is_f64, F64)
  WASMTIME_CXX_VALTYPE_IS(is_char, CHAR)
  WASMTIME_CXX_VALTYPE_IS(is_string, STRING)
  WASMTIME_CXX_VALTYPE_IS(is_list, LIST)
  WASMTIME_CXX_VALTYPE_IS(is_record, RECORD)
  WASMTIME_CXX_VALTYPE_IS(is_tuple, TUPLE)
  WASMTIME_CXX_VALTYPE_IS(is_variant, VARIANT)
  WASMTIME_CXX_VALTYPE_IS(is_enum, ENUM)
  WASMTIME_CXX_VALTYPE_IS(is_option, OPTION)
  WASMTIME_CXX_VALTYPE_IS(is_result, RESULT)
  WASMTIME_CXX_VALTYPE_IS(is_flags, FLAGS)
  WASMTIME_CXX_VALTYPE_IS(is_own, OWN)
  WASMTIME_CXX_VALTYPE_IS(is_borrow, BORROW)
  WASMTIME_CXX_VALTYPE_IS(is_future, FUTURE)
  WASMTIME_CXX_VALTYPE_IS(is_stream, STREAM)
  WASMTIME_CXX_VALTYPE_IS(is_error_context, ERROR_CONTEXT)
  WASMTIME_CXX_VALTYPE_IS(is_map, MAP)
#undef WASMTIME_CXX_VALTYPE_IS

#define WASMTIME_CXX_VALTYPE_AS(Class, method, check, field)                   \
  /** The payload of this type (asserts the kind). */                         \
  const Class &method() const {                                                \
    assert(check());                                                           \
    return *Class::from_capi(&ty.of.field);                                    \
  }
  WASMTIME_CXX_VALTYPE_AS(ListType, list, is_list, list)
  WASMTIME_CXX_VALTYPE_AS(RecordType, record, is_record, record)
  WASMTIME_CXX_VALTYPE_AS(TupleType, tuple, is_tuple, tuple)
  WASMTIME_CXX_VALTYPE_AS(VariantType, variant, is_variant, variant)
  WASMTIME_CXX_VALTYPE_AS(EnumType, enum_, is_enum, enum_)
  WASMTIME_CXX_VALTYPE_AS(OptionType, option, is_option, option)
  WASMTIME_CXX_VALTYPE_AS(ResultType, result, is_result, result)
  WASMTIME_CXX_VALTYPE_AS(FlagsType, flags, is_flags, flags)
  WASMTIME_CXX_VALTYPE_AS(ResourceType, own, is_own, own)
  WASMTIME_CXX_VALTYPE_AS(ResourceType, borrow, is_borrow, borrow)
  WASMTIME_CXX_VALTYPE_AS(FutureType, future, is_future, future)
  WASMTIME_CXX_VALTYPE_AS(StreamType, stream, is_stream, stream)
  WASMTIME_CXX_VALTYPE_AS(MapType, map, is_map, map)
#undef WASMTIME_CXX_VALTYPE_AS

  /// The held C value type.
  const wasmtime_component_valtype_t *capi() const { return &ty; }
  /// The held C value type.
  wasmtime_component_valtype_t *capi() { return &ty; }
};

namespace detail {
// Runs a C getter that fills a `wasmtime_component_valtype_t` and returns
// whether it did, as an optional `ValType`.
template <typename Getter>
std::optional<ValType> maybe_valtype(Getter &&getter) {
  wasmtime_component_valtype_t out;
  if (!getter(&out))
    return std::nullopt;
  return ValType(std::move(out));
}
} // namespace detail

inline ValType ListType::element() const {
  wasmtime_component_valtype_t out;
  wasmtime_component_list_type_element(capi(), &out);
  return ValType(std::move(out));
}

inline std::optional<std::pair<std::string_view, ValType>>
RecordType::field_nth(size_t nth) const {
  const char *data = nullptr;
  size_t len = 0;
  wasmtime_component_valtype_t out;
  if (!wasmtime_component_record_type_field_nth(capi(), nth, &data, &len, &out))
    return std::nullopt;
  return std::make_pair(std::string_view(data, len), ValType(std::move(out)));
}

inline std::optional<ValType> TupleType::types_nth(size_t nth) const {
  return detail::maybe_valtype([&](wasmtime_component_valtype_t *out) {
    return wasmtime_component_tuple_type_types_nth(capi(), nth, out);
  });
}

inline std::optional<std::pair<std::string_view, std::optional<ValType>>>
VariantType::case_nth(size_t nth) const {
  const char *data = nullptr;
  size_t len = 0;
  bool has_payload = false;
  wasmtime_component_valtype_t out;
  if (!wasmtime_component_variant_type_case_nth(capi(), nth, &data, &len,
                                                &has_payload, &out))
    return std::nullopt;
  std::optional<ValType> payload;
  if (has_payload)
    payload.emplace(std::move(out));
  return std::make_pair(std::string_view(data, len), std::move(payload));
}

inline ValType OptionType::ty() const {
  wasmtime_component_valtype_t out;
  wasmtime_component_option_type_ty(capi(), &out);
  return ValType(std::move(out));
}

inline std::optional<ValType> ResultType::ok() const {
  return detail::maybe_valtype([&](wasmtime_component_valtype_t *out) {
    return wasmtime_component_result_type_ok(capi(), out);
  });
}

inline std::optional<ValType> ResultType::err() const {
  return detail::maybe_valtype([&](wasmtime_component_valtype_t *out) {
    return wasmtime_component_result_type_err(capi(), out);
  });
}

inline std::optional<ValType> FutureType::ty() const {
  return detail::maybe_valtype([&](wasmtime_component_valtype_t *out) {
    return wasmtime_component_future_type_ty(capi(), out);
  });
}

inline std::optional<ValType> StreamType::ty() const {
  return detail::maybe_valtype([&](wasmtime_component_valtype_t *out) {
    return wasmtime_component_stream_type_ty(capi(), out);
  });
}

inline ValType MapType::key() const {
  wasmtime_component_valtype_t out;
  wasmtime_component_map_type_key(capi(), &out);
  return ValType(std::move(out));
}

inline ValType MapType::value() const {
  wasmtime_component_valtype_t out;
  wasmtime_component_map_type_value(capi(), &out);
  return ValType(std::move(out));
}

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_TYPES_VAL_HH
