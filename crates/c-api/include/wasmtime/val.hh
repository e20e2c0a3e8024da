// wasmtime::Val and V128: the reference constructors and accessors of Val
// (which need Func, ExternRef, AnyRef and ExnRef) and the `v128` mapping
// for typed calls.

#ifndef WASMTIME_VAL_HH
#define WASMTIME_VAL_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/detail/val.hh>
#include <wasmtime/func.hh>

namespace wasmtime {

inline Val::Val(std::optional<Func> func) : val{} {
  val.kind = WASMTIME_FUNCREF;
  if (func)
    val.of.funcref = func->func;
  else
    wasmtime_funcref_set_null(&val.of.funcref);
}

inline Val::Val(Func func) : Val(std::optional<Func>(func)) {}

inline std::optional<Func> Val::funcref() const {
  if (val.kind != WASMTIME_FUNCREF)
    wrong_kind();
  if (wasmtime_funcref_is_null(&val.of.funcref))
    return std::nullopt;
  return Func(val.of.funcref);
}

#ifdef WASMTIME_FEATURE_GC
// Each reference constructor takes over the root of its argument, leaving
// the argument null; each accessor roots a new copy.
#define WASMTIME_CXX_VAL_REF(CLASS, KIND, FIELD, PREFIX)                       \
  inline Val::Val(std::optional<CLASS> ref) : val{} {                          \
    val.kind = KIND;                                                           \
    if (ref) {                                                                 \
      val.of.FIELD = *ref->capi();                                             \
      PREFIX##_set_null(ref->capi());                                          \
    } else {                                                                   \
      PREFIX##_set_null(&val.of.FIELD);                                        \
    }                                                                          \
  }                                                                            \
  inline Val::Val(CLASS ref) : Val(std::optional<CLASS>(std::move(ref))) {}   \
  inline std::optional<CLASS> Val::FIELD() const {                             \
    if (val.kind != KIND)                                                      \
      wrong_kind();                                                            \
    if (PREFIX##_is_null(&val.of.FIELD))                                       \
      return std::nullopt;                                                     \
    PREFIX##_t copy;                                                           \
    PREFIX##_clone(&val.of.FIELD, &copy);                                      \
    return CLASS(copy);                                                        \
  }
WASMTIME_CXX_VAL_REF(ExternRef, WASMTIME_EXTERNREF, externref, wasmtime_externref)
WASMTIME_CXX_VAL_REF(AnyRef, WASMTIME_ANYREF, anyref, wasmtime_anyref)
WASMTIME_CXX_VAL_REF(ExnRef, WASMTIME_EXNREF, exnref, wasmtime_exnref)
#undef WASMTIME_CXX_VAL_REF
#endif // WASMTIME_FEATURE_GC

namespace detail {
/// `v128`.
template <> struct WasmType<V128> {
  /// A wasm type.
  static const bool valid = true;
  /// `v128`.
  static ValType valtype() { return ValType::v128(); }
  /// Writes the 16 bytes.
  static void store(Store::Context, wasmtime_val_raw_t *slot, const V128 &v) {
    std::memcpy(slot->v128, v.v128, sizeof(slot->v128));
  }
  /// Reads the 16 bytes.
  static V128 load(Store::Context, wasmtime_val_raw_t *slot) {
    return V128(slot->v128);
  }
};
} // namespace detail

} // namespace wasmtime

#include <wasmtime/anyref.hh>
#include <wasmtime/exnref.hh>
#include <wasmtime/externref.hh>

#endif // WASMTIME_VAL_HH
