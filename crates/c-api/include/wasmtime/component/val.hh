// wasmtime::component values: `Val` (one `wasmtime_component_val_t` held by
// value) and its compound payloads (`List`, `Record`, `Tuple`, `Variant`,
// `WitOption`, `WitResult`, `Flags`, `Map`), plus the resource handles
// `ResourceAny` and `ResourceHost`.
//
// Part of this project's header-only C++17 layer over the component C API;
// the classes and methods are those of Wasmtime 48's C++ API. Every class
// here has exactly the size and layout of the C value it holds, so arrays of
// C values (host function arguments, list elements) are viewed in place.

#ifndef WASMTIME_COMPONENT_VAL_HH
#define WASMTIME_COMPONENT_VAL_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <cassert>
#include <new>
#include <wasmtime/component/types/val.hh>
#include <wasmtime/component/val.h>
#include <wasmtime/error.hh>
#include <wasmtime/store.hh>

namespace wasmtime {
namespace component {

class Val;

namespace detail {
// Views a C value as a `Val` (same layout).
inline const Val *val_view(const wasmtime_component_val_t *raw) {
  return reinterpret_cast<const Val *>(raw);
}
// A heap copy of `*src` (or null), as the C API's option/variant/result
// payload pointers hold.
inline wasmtime_component_val_t *boxed_clone(const wasmtime_component_val_t *src) {
  if (src == nullptr)
    return nullptr;
  wasmtime_component_val_t copy;
  wasmtime_component_val_clone(src, &copy);
  return wasmtime_component_val_new(&copy);
}
} // namespace detail

// The members shared by every value class: it holds one C value `raw` of
// type `RawType`, owns what that value owns, and defines three private
// statics/members the macro uses:
//   `static void take(Raw &from, Raw &to)`: moves, leaving `from` owning
//   nothing; `void duplicate(const Raw &src)`: deep-copies into `raw`
//   (whose old contents are already released); `void release()`: frees.
#define WASMTIME_CXX_COMPONENT_VALUE(Class, RawType)                           \
public:                                                                        \
  /** The C value this class holds. */                                         \
  using Raw = RawType;                                                         \
                                                                               \
private:                                                                       \
  Raw raw;                                                                     \
                                                                               \
public:                                                                        \
  /** Adopts `capi`'s contents, leaving it owning nothing. */                  \
  explicit Class(Raw &&capi) { Class::take(capi, raw); }                       \
  /** Views a C value as this class (no ownership change). */                  \
  static const Class *from_capi(const Raw *capi) {                             \
    static_assert(sizeof(Class) == sizeof(Raw));                               \
    return reinterpret_cast<const Class *>(capi);                              \
  }                                                                            \
  /** Views a C value as this class (no ownership change). */                  \
  static Class *from_capi(Raw *capi) {                                         \
    return reinterpret_cast<Class *>(capi);                                    \
  }                                                                            \
  /** Views this class as its C value (no ownership change). */                \
  static const Raw *to_capi(const Class *value) {                              \
    return reinterpret_cast<const Raw *>(value);                               \
  }                                                                            \
  /** Views this class as its C value (no ownership change). */                \
  static Raw *to_capi(Class *value) { return reinterpret_cast<Raw *>(value); } \
  /** A deep copy. */                                                          \
  Class(const Class &other) { duplicate(other.raw); }                          \
  /** A deep copy. */                                                          \
  Class &operator=(const Class &other) {                                       \
    if (this != &other) {                                                      \
      release();                                                               \
      duplicate(other.raw);                                                    \
    }                                                                          \
    return *this;                                                              \
  }                                                                            \
  /** Takes `other`'s contents. */                                             \
  Class(Class &&other) { Class::take(other.raw, raw); }                        \
  /** Takes `other`'s contents. */                                             \
  Class &operator=(Class &&other) {                                            \
    if (this != &other) {                                                      \
      release();                                                               \
      Class::take(other.raw, raw);                                             \
    }                                                                          \
    return *this;                                                              \
  }                                                                            \
  ~Class() { release(); }                                                      \
  /** The held C value. */                                                     \
  const Raw *capi() const { return &raw; }                                     \
                                                                               \
private:

// The take/duplicate/release trio of a C vector type `prefix##_t`.
#define WASMTIME_CXX_COMPONENT_VEC_OPS(prefix)                                 \
  static void take(Raw &from, Raw &to) {                                       \
    to = from;                                                                 \
    from.size = 0;                                                             \
    from.data = nullptr;                                                       \
  }                                                                            \
  void duplicate(const Raw &src) { prefix##_copy(&raw, &src); }                \
  void release() { prefix##_delete(&raw); }

class Record;
class Map;

/// One field of a `Record`, seen while iterating over it.
class RecordField {
  friend class Record;
  wasmtime_component_valrecord_entry_t entry;
  RecordField() = delete;
  ~RecordField() = delete;

public:
  /// The field's name.
  std::string_view name() const {
    return std::string_view(entry.name.data, entry.name.size);
  }
  /// The field's value.
  const Val &value() const { return *detail::val_view(&entry.val); }
};

/// A record value: named fields in order.
class Record {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(Record, wasmtime_component_valrecord_t)
  WASMTIME_CXX_COMPONENT_VEC_OPS(wasmtime_component_valrecord)

public:
  /// A record with these fields (names copied, values moved in).
  Record(std::vector<std::pair<std::string_view, Val>> entries);
  /// How many fields.
  size_t size() const { return raw.size; }
  /// The first field.
  const RecordField *begin() const {
    return reinterpret_cast<const RecordField *>(raw.data);
  }
  /// One past the last field.
  const RecordField *end() const { return begin() + raw.size; }
};

/// A list value.
class List {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(List, wasmtime_component_vallist_t)
  WASMTIME_CXX_COMPONENT_VEC_OPS(wasmtime_component_vallist)

public:
  /// A list of these values (moved in).
  List(std::vector<Val> entries);
  /// How many elements.
  size_t size() const { return raw.size; }
  /// The first element.
  const Val *begin() const { return detail::val_view(raw.data); }
  /// One past the last element.
  const Val *end() const { return detail::val_view(raw.data + raw.size); }
};

/// A tuple value.
class Tuple {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(Tuple, wasmtime_component_valtuple_t)
  WASMTIME_CXX_COMPONENT_VEC_OPS(wasmtime_component_valtuple)

public:
  /// A tuple of these values (moved in).
  Tuple(std::vector<Val> entries);
  /// How many elements.
  size_t size() const { return raw.size; }
  /// The first element.
  const Val *begin() const { return detail::val_view(raw.data); }
  /// One past the last element.
  const Val *end() const { return detail::val_view(raw.data + raw.size); }
};

/// A variant value: a case name and maybe a payload.
class Variant {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(Variant, wasmtime_component_valvariant_t)

  static void take(Raw &from, Raw &to) {
    to = from;
    from.discriminant.size = 0;
    from.discriminant.data = nullptr;
    from.val = nullptr;
  }
  void duplicate(const Raw &src) {
    wasm_name_copy(&raw.discriminant, &src.discriminant);
    raw.val = detail::boxed_clone(src.val);
  }
  void release() {
    wasm_name_delete(&raw.discriminant);
    wasmtime_component_val_free(raw.val);
  }

public:
  /// The case `discriminant` with payload `x` (if any; moved in).
  Variant(std::string_view discriminant, std::optional<Val> x);
  /// The case name.
  std::string_view discriminant() const {
    return std::string_view(raw.discriminant.data, raw.discriminant.size);
  }
  /// The payload, or null if the case has none.
  const Val *value() const { return detail::val_view(raw.val); }
};

/// An `option<T>` value.
class WitOption {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(WitOption, wasmtime_component_val_t *)

  static void take(Raw &from, Raw &to) {
    to = from;
    from = nullptr;
  }
  void duplicate(const Raw &src) { raw = detail::boxed_clone(src); }
  void release() { wasmtime_component_val_free(raw); }

public:
  /// `some(*val)` (moved in) or `none`.
  explicit WitOption(std::optional<Val> val);
  /// The value of `some`, or null for `none`.
  const Val *value() const { return detail::val_view(raw); }
};

/// A `result<T, E>` value.
class WitResult {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(WitResult, wasmtime_component_valresult_t)

  static void take(Raw &from, Raw &to) {
    to = from;
    from.val = nullptr;
  }
  void duplicate(const Raw &src) {
    raw.is_ok = src.is_ok;
    raw.val = detail::boxed_clone(src.val);
  }
  void release() { wasmtime_component_val_free(raw.val); }
  static WitResult make(bool is_ok, std::optional<Val> val);

public:
  /// `ok`, with the payload `val` if any (moved in).
  static WitResult ok(std::optional<Val> val);
  /// `err`, with the payload `val` if any (moved in).
  static WitResult err(std::optional<Val> val);
  /// Whether this is `ok`.
  bool is_ok() const { return raw.is_ok; }
  /// The payload, or null if there is none.
  const Val *payload() const { return detail::val_view(raw.val); }
};

/// The name of one flag that is set in a `Flags` value.
class Flag {
  friend class Flags;
  WASMTIME_CXX_COMPONENT_VALUE(Flag, wasm_name_t)

  static void take(Raw &from, Raw &to) {
    to = from;
    from.size = 0;
    from.data = nullptr;
  }
  void duplicate(const Raw &src) { wasm_name_copy(&raw, &src); }
  void release() { wasm_name_delete(&raw); }

public:
  /// The flag named `name`.
  Flag(std::string_view name) { wasm_name_new(&raw, name.size(), name.data()); }
  /// The flag's name.
  std::string_view name() const { return std::string_view(raw.data, raw.size); }
};

/// A flags value: the names of the flags that are set.
class Flags {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(Flags, wasmtime_component_valflags_t)
  WASMTIME_CXX_COMPONENT_VEC_OPS(wasmtime_component_valflags)

public:
  /// The set of `flags` (moved in).
  Flags(std::vector<Flag> flags) {
    wasmtime_component_valflags_new_uninit(&raw, flags.size());
    for (size_t i = 0; i < flags.size(); i++)
      Flag::take(flags[i].raw, raw.data[i]);
  }
  /// How many flags are set.
  size_t size() const { return raw.size; }
  /// The first flag.
  const Flag *begin() const { return Flag::from_capi(raw.data); }
  /// One past the last flag.
  const Flag *end() const { return begin() + raw.size; }
};

/// One key/value pair of a `Map`, seen while iterating over it.
class MapEntry {
  friend class Map;
  wasmtime_component_valmap_entry_t entry;
  MapEntry() = delete;
  ~MapEntry() = delete;

public:
  /// The key.
  const Val &key() const { return *detail::val_view(&entry.key); }
  /// The value.
  const Val &value() const { return *detail::val_view(&entry.value); }
};

/// A `map<K, V>` value.
class Map {
  friend class Val;
  WASMTIME_CXX_COMPONENT_VALUE(Map, wasmtime_component_valmap_t)
  WASMTIME_CXX_COMPONENT_VEC_OPS(wasmtime_component_valmap)

public:
  /// A map of these pairs (moved in).
  Map(std::vector<std::pair<Val, Val>> entries);
  /// How many entries.
  size_t size() const { return raw.size; }
  /// The first entry.
  const MapEntry *begin() const {
    return reinterpret_cast<const MapEntry *>(raw.data);
  }
  /// One past the last entry.
  const MapEntry *end() const { return begin() + raw.size; }
};

class ResourceHost;

/// A resource handle of any type (guest- or host-defined), owned or
/// borrowed, as a component passes it.
class ResourceAny {
  WASMTIME_CXX_CLONED_HANDLE(ResourceAny, wasmtime_component_resource_any,
                             wasmtime_component_resource_any_clone)

public:
  /// Whether this is an owned handle (else borrowed).
  bool owned() const { return wasmtime_component_resource_any_owned(capi()); }
  /// The resource's type.
  ResourceType type() const {
    return ResourceType(wasmtime_component_resource_any_type(capi()));
  }
  /// Drops the resource in `cx` (running its destructor if owned).
  Result<std::monostate> drop(Store::Context cx) const {
    if (wasmtime_error_t *error =
            wasmtime_component_resource_any_drop(cx.capi(), capi()))
      return Error(error);
    return std::monostate();
  }
  /// The host resource this handle refers to (an error for guest resources).
  Result<ResourceHost> to_host(Store::Context cx) const;
};

/// A handle to a host-defined resource: a type number and a representation
/// chosen by the embedder.
class ResourceHost {
  WASMTIME_CXX_CLONED_HANDLE(ResourceHost, wasmtime_component_resource_host,
                             wasmtime_component_resource_host_clone)

public:
  /// A handle with representation `rep` of host type `ty`.
  ResourceHost(bool owned, uint32_t rep, uint32_t ty)
      : ptr(wasmtime_component_resource_host_new(owned, rep, ty)) {}
  /// Whether this is an owned handle.
  bool owned() const { return wasmtime_component_resource_host_owned(capi()); }
  /// The representation.
  uint32_t rep() const { return wasmtime_component_resource_host_rep(capi()); }
  /// The host type number.
  uint32_t type() const { return wasmtime_component_resource_host_type(capi()); }
  /// This handle as a `ResourceAny` in `cx`.
  Result<ResourceAny> to_any(Store::Context cx) const {
    wasmtime_component_resource_any_t *out = nullptr;
    if (wasmtime_error_t *error =
            wasmtime_component_resource_host_to_any(cx.capi(), capi(), &out))
      return Error(error);
    return ResourceAny(out);
  }
};

inline Result<ResourceHost> ResourceAny::to_host(Store::Context cx) const {
  wasmtime_component_resource_host_t *out = nullptr;
  if (wasmtime_error_t *error =
          wasmtime_component_resource_any_to_host(cx.capi(), capi(), &out))
    return Error(error);
  return ResourceHost(out);
}

/// Any component value.
class Val {
  friend class Variant;
  friend class WitOption;
  friend class WitResult;
  WASMTIME_CXX_COMPONENT_VALUE(Val, wasmtime_component_val_t)

  static void take(Raw &from, Raw &to) {
    to = from;
    from.kind = WASMTIME_COMPONENT_BOOL;
    from.of.boolean = false;
  }
  void duplicate(const Raw &src) { wasmtime_component_val_clone(&src, &raw); }
  void release() { wasmtime_component_val_delete(&raw); }

  // A value of a kind whose payload is a C byte vector (string, enum).
  static Val bytes(wasmtime_component_valkind_t kind, std::string_view text) {
    wasmtime_component_val_t v;
    v.kind = kind;
    wasm_byte_vec_new(&v.of.string, text.size(), text.data());
    return Val(std::move(v));
  }
  // Moves a compound payload's C value into this value's union slot.
  template <typename Payload, typename Slot>
  void adopt(wasmtime_component_valkind_t kind, Payload &payload, Slot &slot) {
    raw.kind = kind;
    Payload::take(payload.raw, slot);
  }

public:
#define WASMTIME_CXX_VAL_SCALAR(CType, KIND, field, is, get)                   \
  /** A value of this scalar kind. */                                          \
  Val(CType v) {                                                               \
    raw.kind = WASMTIME_COMPONENT_##KIND;                                      \
    raw.of.field = v;                                                          \
  }                                                                            \
  /** Whether this value is of this kind. */                                   \
  bool is() const { return raw.kind == WASMTIME_COMPONENT_##KIND; }            \
  /** The payload (asserts the kind). */                                       \
  CType get() const {                                                          \
    assert(is());                                                              \
    return raw.of.field;                                                       \
  }
  WASMTIME_CXX_VAL_SCALAR(bool, BOOL, boolean, is_bool, get_bool)
  WASMTIME_CXX_VAL_SCALAR(uint8_t, U8, u8, is_u8, get_u8)
  WASMTIME_CXX_VAL_SCALAR(int8_t, S8, s8, is_s8, get_s8)
  WASMTIME_CXX_VAL_SCALAR(uint16_t, U16, u16, is_u16, get_u16)
  WASMTIME_CXX_VAL_SCALAR(int16_t, S16, s16, is_s16, get_s16)
  WASMTIME_CXX_VAL_SCALAR(uint32_t, U32, u32, is_u32, get_u32)
  WASMTIME_CXX_VAL_SCALAR(int32_t, S32, s32, is_s32, get_s32)
  WASMTIME_CXX_VAL_SCALAR(uint64_t, U64, u64, is_u64, get_u64)
  WASMTIME_CXX_VAL_SCALAR(int64_t, S64, s64, is_s64, get_s64)
  WASMTIME_CXX_VAL_SCALAR(float, F32, f32, is_f32, get_f32)
  WASMTIME_CXX_VAL_SCALAR(double, F64, f64, is_f64, get_f64)
#undef WASMTIME_CXX_VAL_SCALAR

  /// A `char` (a Unicode scalar value).
  static Val char_(uint32_t v) {
    wasmtime_component_val_t c;
    c.kind = WASMTIME_COMPONENT_CHAR;
    c.of.character = v;
    return Val(std::move(c));
  }
  /// A `string` (a copy of `v`, UTF-8).
  static Val string(std::string_view v) {
    return bytes(WASMTIME_COMPONENT_STRING, v);
  }
  /// An enum value, the case named `discriminant`.
  static Val enum_(std::string_view discriminant) {
    return bytes(WASMTIME_COMPONENT_ENUM, discriminant);
  }
  /// A list value.
  Val(List v) { adopt(WASMTIME_COMPONENT_LIST, v, raw.of.list); }
  /// A record value.
  Val(Record r) { adopt(WASMTIME_COMPONENT_RECORD, r, raw.of.record); }
  /// A tuple value.
  Val(Tuple v) { adopt(WASMTIME_COMPONENT_TUPLE, v, raw.of.tuple); }
  /// A variant value.
  Val(Variant v) { adopt(WASMTIME_COMPONENT_VARIANT, v, raw.of.variant); }
  /// An option value.
  Val(WitOption v) { adopt(WASMTIME_COMPONENT_OPTION, v, raw.of.option); }
  /// A result value.
  Val(WitResult r) { adopt(WASMTIME_COMPONENT_RESULT, r, raw.of.result); }
  /// A flags value.
  Val(Flags f) { adopt(WASMTIME_COMPONENT_FLAGS, f, raw.of.flags); }
  /// A map value.
  Val(Map m) { adopt(WASMTIME_COMPONENT_MAP, m, raw.of.map); }
  /// A resource handle (moved in).
  Val(ResourceAny r) {
    raw.kind = WASMTIME_COMPONENT_RESOURCE;
    raw.of.resource = r.capi_release();
  }

  /// Whether this value is a `char`.
  bool is_char() const { return raw.kind == WASMTIME_COMPONENT_CHAR; }
  /// The `char` (asserts the kind).
  uint32_t get_char() const {
    assert(is_char());
    return raw.of.character;
  }
  /// Whether this value is a `string`.
  bool is_string() const { return raw.kind == WASMTIME_COMPONENT_STRING; }
  /// The string's UTF-8 bytes (asserts the kind).
  std::string_view get_string() const {
    assert(is_string());
    return std::string_view(raw.of.string.data, raw.of.string.size);
  }
  /// Whether this value is an enum.
  bool is_enum() const { return raw.kind == WASMTIME_COMPONENT_ENUM; }
  /// The enum case's name (asserts the kind).
  std::string_view get_enum() const {
    assert(is_enum());
    return std::string_view(raw.of.enumeration.data, raw.of.enumeration.size);
  }

#define WASMTIME_CXX_VAL_COMPOUND(Class, KIND, field, is, get)                 \
  /** Whether this value is of this kind. */                                   \
  bool is() const { return raw.kind == WASMTIME_COMPONENT_##KIND; }            \
  /** The payload, in place (asserts the kind). */                             \
  const Class &get() const {                                                   \
    assert(is());                                                              \
    return *Class::from_capi(&raw.of.field);                                   \
  }
  WASMTIME_CXX_VAL_COMPOUND(List, LIST, list, is_list, get_list)
  WASMTIME_CXX_VAL_COMPOUND(Record, RECORD, record, is_record, get_record)
  WASMTIME_CXX_VAL_COMPOUND(Tuple, TUPLE, tuple, is_tuple, get_tuple)
  WASMTIME_CXX_VAL_COMPOUND(Variant, VARIANT, variant, is_variant, get_variant)
  WASMTIME_CXX_VAL_COMPOUND(WitOption, OPTION, option, is_option, get_option)
  WASMTIME_CXX_VAL_COMPOUND(WitResult, RESULT, result, is_result, get_result)
  WASMTIME_CXX_VAL_COMPOUND(Flags, FLAGS, flags, is_flags, get_flags)
  WASMTIME_CXX_VAL_COMPOUND(ResourceAny, RESOURCE, resource, is_resource,
                            get_resource)
  WASMTIME_CXX_VAL_COMPOUND(Map, MAP, map, is_map, get_map)
#undef WASMTIME_CXX_VAL_COMPOUND
};

#undef WASMTIME_CXX_COMPONENT_VEC_OPS
#undef WASMTIME_CXX_COMPONENT_VALUE

inline Record::Record(std::vector<std::pair<std::string_view, Val>> entries) {
  wasmtime_component_valrecord_new_uninit(&raw, entries.size());
  for (size_t i = 0; i < entries.size(); i++) {
    auto &[name, value] = entries[i];
    wasm_name_new(&raw.data[i].name, name.size(), name.data());
    new (&raw.data[i].val) Val(std::move(value));
  }
}

inline List::List(std::vector<Val> entries) {
  wasmtime_component_vallist_new_uninit(&raw, entries.size());
  for (size_t i = 0; i < entries.size(); i++)
    new (&raw.data[i]) Val(std::move(entries[i]));
}

inline Tuple::Tuple(std::vector<Val> entries) {
  wasmtime_component_valtuple_new_uninit(&raw, entries.size());
  for (size_t i = 0; i < entries.size(); i++)
    new (&raw.data[i]) Val(std::move(entries[i]));
}

inline Map::Map(std::vector<std::pair<Val, Val>> entries) {
  wasmtime_component_valmap_new_uninit(&raw, entries.size());
  for (size_t i = 0; i < entries.size(); i++) {
    new (&raw.data[i].key) Val(std::move(entries[i].first));
    new (&raw.data[i].value) Val(std::move(entries[i].second));
  }
}

inline Variant::Variant(std::string_view discriminant, std::optional<Val> x) {
  wasm_name_new(&raw.discriminant, discriminant.size(), discriminant.data());
  raw.val = x ? wasmtime_component_val_new(&x->raw) : nullptr;
}

inline WitOption::WitOption(std::optional<Val> val) {
  raw = val ? wasmtime_component_val_new(&val->raw) : nullptr;
}

inline WitResult WitResult::make(bool is_ok, std::optional<Val> val) {
  wasmtime_component_valresult_t r;
  r.is_ok = is_ok;
  r.val = val ? wasmtime_component_val_new(&val->raw) : nullptr;
  return WitResult(std::move(r));
}

inline WitResult WitResult::ok(std::optional<Val> val) {
  return make(true, std::move(val));
}

inline WitResult WitResult::err(std::optional<Val> val) {
  return make(false, std::move(val));
}

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_VAL_HH
