// wasmtime::AnyRef and its mapping for typed calls: `std::optional<AnyRef>`
// is the nullable `anyref` of Func::wrap and Func::typed.

#ifndef WASMTIME_ANYREF_HH
#define WASMTIME_ANYREF_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/val.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_GC
namespace detail {
/// `anyref`: a nullable AnyRef.
template <> struct WasmType<std::optional<AnyRef>> {
  /// A wasm type.
  static const bool valid = true;
  /// `anyref`.
  static ValType valtype() { return ValType::anyref(); }
  /// Writes the raw reference (0 for null); `ref` keeps its root.
  static void store(Store::Context cx, wasmtime_val_raw_t *slot,
                    const std::optional<AnyRef> &ref) {
    slot->anyref = ref ? ref->borrow_raw(cx) : 0;
  }
  /// Reads a raw reference, rooting it.
  static std::optional<AnyRef> load(Store::Context cx, wasmtime_val_raw_t *slot) {
    if (slot->anyref == 0)
      return std::nullopt;
    wasmtime_anyref_t out;
    wasmtime_anyref_from_raw(cx.capi(), slot->anyref, &out);
    return AnyRef(out);
  }
};
} // namespace detail
#endif // WASMTIME_FEATURE_GC

} // namespace wasmtime

#endif // WASMTIME_ANYREF_HH
