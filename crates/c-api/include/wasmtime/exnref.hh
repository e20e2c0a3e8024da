// wasmtime::ExnRef and its mapping for typed calls: `std::optional<ExnRef>`
// is the nullable `exnref` of Func::wrap and Func::typed.

#ifndef WASMTIME_EXNREF_HH
#define WASMTIME_EXNREF_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/val.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_GC
namespace detail {
/// `exnref`: a nullable ExnRef.
template <> struct WasmType<std::optional<ExnRef>> {
  /// A wasm type.
  static const bool valid = true;
  /// `exnref`.
  static ValType valtype() { return ValType::exnref(); }
  /// Writes the raw reference (0 for null); `ref` keeps its root.
  static void store(Store::Context cx, wasmtime_val_raw_t *slot,
                    const std::optional<ExnRef> &ref) {
    slot->exnref = ref ? ref->borrow_raw(cx) : 0;
  }
  /// Reads a raw reference, rooting it.
  static std::optional<ExnRef> load(Store::Context cx, wasmtime_val_raw_t *slot) {
    if (slot->exnref == 0)
      return std::nullopt;
    wasmtime_exnref_t out;
    wasmtime_exnref_from_raw(cx.capi(), slot->exnref, &out);
    return ExnRef(out);
  }
};
} // namespace detail
#endif // WASMTIME_FEATURE_GC

} // namespace wasmtime

#endif // WASMTIME_EXNREF_HH
