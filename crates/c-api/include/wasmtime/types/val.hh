// wasmtime::ValType, HeapType and RefType: value types including the
// reference types of the function-references and GC proposals.

#ifndef WASMTIME_TYPES_VAL_HH
#define WASMTIME_TYPES_VAL_HH

#include <ostream>
#include <wasmtime/detail/valtype.hh>
#include <wasmtime/types/arrayref.hh>
#include <wasmtime/types/exnref.hh>
#include <wasmtime/types/func.hh>
#include <wasmtime/types/structref.hh>

namespace wasmtime {

/// The heap type of a reference: abstract (`func`, `extern`, `any`, ...)
/// or concrete (a particular function, struct, array or exception type).
class HeapType {
  wasmtime_heaptype_t ty;
  HeapType(wasmtime_heaptype_kind_t kind) : ty{} { ty.kind = kind; }

  bool has_payload() const { return is_concrete(); }

public:
  /// Adopts the C form `raw`, leaving it holding nothing to free.
  HeapType(wasmtime_heaptype_t &raw) : ty(raw) {
    raw.kind = WASMTIME_HEAPTYPE_KIND_NONE;
  }
  /// Copies.
  HeapType(const HeapType &other) { wasmtime_heaptype_clone(&other.ty, &ty); }
  /// Copies.
  HeapType &operator=(const HeapType &other) {
    if (this != &other) {
      if (has_payload())
        wasmtime_heaptype_delete(&ty);
      wasmtime_heaptype_clone(&other.ty, &ty);
    }
    return *this;
  }
  /// Moves (`other` becomes `none`).
  HeapType(HeapType &&other) : ty(other.ty) {
    other.ty.kind = WASMTIME_HEAPTYPE_KIND_NONE;
  }
  /// Moves (`other` becomes `none`).
  HeapType &operator=(HeapType &&other) {
    if (this != &other) {
      if (has_payload())
        wasmtime_heaptype_delete(&ty);
      ty = other.ty;
      other.ty.kind = WASMTIME_HEAPTYPE_KIND_NONE;
    }
    return *this;
  }
  ~HeapType() {
    if (has_payload())
      wasmtime_heaptype_delete(&ty);
  }

  /// `extern`.
  static HeapType extern_() { return HeapType(WASMTIME_HEAPTYPE_KIND_EXTERN); }
  /// `noextern`.
  static HeapType noextern() {
    return HeapType(WASMTIME_HEAPTYPE_KIND_NOEXTERN);
  }
  /// `func`.
  static HeapType func() { return HeapType(WASMTIME_HEAPTYPE_KIND_FUNC); }
  /// `nofunc`.
  static HeapType nofunc() { return HeapType(WASMTIME_HEAPTYPE_KIND_NOFUNC); }
  /// `any`.
  static HeapType any() { return HeapType(WASMTIME_HEAPTYPE_KIND_ANY); }
  /// `none`.
  static HeapType none() { return HeapType(WASMTIME_HEAPTYPE_KIND_NONE); }
  /// `eq`.
  static HeapType eq() { return HeapType(WASMTIME_HEAPTYPE_KIND_EQ); }
  /// `i31`.
  static HeapType i31() { return HeapType(WASMTIME_HEAPTYPE_KIND_I31); }
  /// `array`.
  static HeapType array() { return HeapType(WASMTIME_HEAPTYPE_KIND_ARRAY); }
  /// `struct`.
  static HeapType struct_() { return HeapType(WASMTIME_HEAPTYPE_KIND_STRUCT); }
  /// `exn`.
  static HeapType exn() { return HeapType(WASMTIME_HEAPTYPE_KIND_EXN); }
  /// `noexn`.
  static HeapType noexn() { return HeapType(WASMTIME_HEAPTYPE_KIND_NOEXN); }

  /// References to functions of exactly type `func`.
  HeapType(const FuncType &func) : ty{} {
    ty.kind = WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC;
    ty.of.concrete_func = FuncType(func).capi_release();
  }
#ifdef WASMTIME_FEATURE_GC
  /// References to arrays of type `array`.
  HeapType(const ArrayType &array) : ty{} {
    ty.kind = WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY;
    ty.of.concrete_array = ArrayType(array).capi_release();
  }
  /// References to structs of type `strukt`.
  HeapType(const StructType &strukt) : ty{} {
    ty.kind = WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT;
    ty.of.concrete_struct = StructType(strukt).capi_release();
  }
  /// References to exceptions of type `exn`.
  HeapType(const ExnType &exn) : ty{} {
    ty.kind = WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN;
    ty.of.concrete_exn = ExnType(exn).capi_release();
  }
#endif

  /// Is it one of the concrete kinds?
  bool is_concrete() const {
    return ty.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC ||
           ty.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY ||
           ty.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT ||
           ty.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN;
  }
  /// Is it `extern`?
  bool is_extern() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_EXTERN; }
  /// Is it `noextern`?
  bool is_noextern() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_NOEXTERN; }
  /// Is it `func`?
  bool is_func() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_FUNC; }
  /// Is it `nofunc`?
  bool is_nofunc() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_NOFUNC; }
  /// Is it `any`?
  bool is_any() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_ANY; }
  /// Is it `none`?
  bool is_none() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_NONE; }
  /// Is it `eq`?
  bool is_eq() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_EQ; }
  /// Is it `i31`?
  bool is_i31() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_I31; }
  /// Is it `array`?
  bool is_array() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_ARRAY; }
  /// Is it `struct`?
  bool is_struct() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_STRUCT; }
  /// Is it `exn`?
  bool is_exn() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_EXN; }
  /// Is it `noexn`?
  bool is_noexn() const { return ty.kind == WASMTIME_HEAPTYPE_KIND_NOEXN; }

  /// The function type, for a concrete function heap type.
  std::optional<FuncType::Ref> as_concrete_func() const {
    if (ty.kind != WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC)
      return std::nullopt;
    return FuncType::Ref(ty.of.concrete_func);
  }
#ifdef WASMTIME_FEATURE_GC
  /// The array type, for a concrete array heap type (else null).
  const ArrayType *as_concrete_array() const {
    static_assert(sizeof(ArrayType) == sizeof(wasmtime_array_type_t *));
    if (ty.kind != WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY)
      return nullptr;
    return reinterpret_cast<const ArrayType *>(&ty.of.concrete_array);
  }
  /// The struct type, for a concrete struct heap type (else null).
  const StructType *as_concrete_struct() const {
    static_assert(sizeof(StructType) == sizeof(wasmtime_struct_type_t *));
    if (ty.kind != WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT)
      return nullptr;
    return reinterpret_cast<const StructType *>(&ty.of.concrete_struct);
  }
  /// The exception type, for a concrete exception heap type (else null).
  const ExnType *as_concrete_exn() const {
    static_assert(sizeof(ExnType) == sizeof(wasmtime_exn_type_t *));
    if (ty.kind != WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN)
      return nullptr;
    return reinterpret_cast<const ExnType *>(&ty.of.concrete_exn);
  }
#endif

  /// The C form.
  const wasmtime_heaptype_t *capi() const { return &ty; }
};

/// A reference type: a heap type, nullable or not.
class RefType {
  wasmtime_reftype_t ty;

public:
  /// `(ref null? heaptype)`.
  RefType(bool nullable, const HeapType &heaptype) : ty{} {
    ty.nullable = nullable;
    wasmtime_heaptype_clone(heaptype.capi(), &ty.heaptype);
  }
  /// Copies.
  RefType(const RefType &other) { wasmtime_reftype_clone(&other.ty, &ty); }
  /// Copies.
  RefType &operator=(const RefType &other) {
    if (this != &other) {
      wasmtime_reftype_delete(&ty);
      wasmtime_reftype_clone(&other.ty, &ty);
    }
    return *this;
  }
  /// Moves.
  RefType(RefType &&other) : ty(other.ty) {
    other.ty.heaptype.kind = WASMTIME_HEAPTYPE_KIND_NONE;
  }
  /// Moves.
  RefType &operator=(RefType &&other) {
    if (this != &other) {
      wasmtime_reftype_delete(&ty);
      ty = other.ty;
      other.ty.heaptype.kind = WASMTIME_HEAPTYPE_KIND_NONE;
    }
    return *this;
  }
  ~RefType() { wasmtime_reftype_delete(&ty); }

  /// Does the type include null?
  bool nullable() const { return ty.nullable; }
  /// The heap type.
  const HeapType &heaptype() const {
    static_assert(sizeof(HeapType) == sizeof(wasmtime_heaptype_t));
    return *reinterpret_cast<const HeapType *>(&ty.heaptype);
  }

  /// `externref`.
  static RefType externref() { return RefType(true, HeapType::extern_()); }
  /// `nullexternref`.
  static RefType nullexternref() { return RefType(true, HeapType::noextern()); }
  /// `funcref`.
  static RefType funcref() { return RefType(true, HeapType::func()); }
  /// `nullfuncref`.
  static RefType nullfuncref() { return RefType(true, HeapType::nofunc()); }
  /// `anyref`.
  static RefType anyref() { return RefType(true, HeapType::any()); }
  /// `eqref`.
  static RefType eqref() { return RefType(true, HeapType::eq()); }
  /// `i31ref`.
  static RefType i31ref() { return RefType(true, HeapType::i31()); }
  /// `arrayref`.
  static RefType arrayref() { return RefType(true, HeapType::array()); }
  /// `structref`.
  static RefType structref() { return RefType(true, HeapType::struct_()); }
  /// `nullref`.
  static RefType nullref() { return RefType(true, HeapType::none()); }
  /// `exnref`.
  static RefType exnref() { return RefType(true, HeapType::exn()); }
  /// `nullexnref`.
  static RefType nullexnref() { return RefType(true, HeapType::noexn()); }

  /// The C form.
  const wasmtime_reftype_t *capi() const { return &ty; }
};

inline const RefType *ValType::as_ref() const {
  static_assert(sizeof(RefType) == sizeof(wasmtime_reftype_t));
  if (rich.kind != WASMTIME_VALTYPE_KIND_REF)
    return nullptr;
  return reinterpret_cast<const RefType *>(&rich.reftype);
}

inline ValType::ValType(const Engine &engine, const RefType &ref_type)
    : ref(nullptr), rich{} {
  rich.kind = WASMTIME_VALTYPE_KIND_REF;
  wasmtime_reftype_clone(ref_type.capi(), &rich.reftype);
  ptr.reset(wasmtime_valtype_to_wasm(engine.capi(), &rich));
  ref = ptr.get();
}

inline ValType ValType::anyref() {
  wasmtime_valtype_t ty{};
  ty.kind = WASMTIME_VALTYPE_KIND_REF;
  ty.reftype.nullable = true;
  ty.reftype.heaptype.kind = WASMTIME_HEAPTYPE_KIND_ANY;
  return from_rich(ty);
}

inline ValType ValType::exnref() {
  wasmtime_valtype_t ty{};
  ty.kind = WASMTIME_VALTYPE_KIND_REF;
  ty.reftype.nullable = true;
  ty.reftype.heaptype.kind = WASMTIME_HEAPTYPE_KIND_EXN;
  return from_rich(ty);
}

/// Writes a heap type in text-format spelling (`$func` etc. for concrete
/// types).
inline std::ostream &operator<<(std::ostream &os, const HeapType &ty) {
  static const char *const names[] = {
      "extern", "noextern", "func",    "$func",  "nofunc", "any",
      "none",   "eq",       "i31",     "array",  "$array", "struct",
      "$struct", "exn",     "$exn",    "noexn"};
  wasmtime_heaptype_kind_t kind = ty.capi()->kind;
  if (kind < sizeof(names) / sizeof(names[0]))
    return os << names[kind];
  return os << "unknown";
}

/// Writes a reference type as `(ref null? HEAPTYPE)`.
inline std::ostream &operator<<(std::ostream &os, const RefType &ty) {
  os << "(ref ";
  if (ty.nullable())
    os << "null ";
  return os << ty.heaptype() << ")";
}

/// Writes a value type in text-format spelling.
inline std::ostream &operator<<(std::ostream &os, const ValType &ty) {
  switch (ty.wasmtime_capi()->kind) {
  case WASMTIME_VALTYPE_KIND_I32:
    return os << "i32";
  case WASMTIME_VALTYPE_KIND_I64:
    return os << "i64";
  case WASMTIME_VALTYPE_KIND_F32:
    return os << "f32";
  case WASMTIME_VALTYPE_KIND_F64:
    return os << "f64";
  case WASMTIME_VALTYPE_KIND_V128:
    return os << "v128";
  case WASMTIME_VALTYPE_KIND_REF:
    return os << *ty.as_ref();
  default:
    return os << "unknown";
  }
}

} // namespace wasmtime

#endif // WASMTIME_TYPES_VAL_HH
