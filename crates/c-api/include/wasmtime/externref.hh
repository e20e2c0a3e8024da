// wasmtime::ExternRef and its mapping for typed calls: `std::optional<ExternRef>`
// is the nullable `externref` of Func::wrap and Func::typed.

#ifndef WASMTIME_EXTERNREF_HH
#define WASMTIME_EXTERNREF_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/val.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_GC
namespace detail {
/// `externref`: a nullable ExternRef.
template <> struct WasmType<std::optional<ExternRef>> {
  /// A wasm type.
  static const bool valid = true;
  /// `externref`.
  static ValType valtype() { return ValType::externref(); }
  /// Writes the raw reference (0 for null); `ref` keeps its root.
  static void store(Store::Context cx, wasmtime_val_raw_t *slot,
                    const std::optional<ExternRef> &ref) {
    slot->externref = ref ? ref->borrow_raw(cx) : 0;
  }
  /// Reads a raw reference, rooting it.
  static std::optional<ExternRef> load(Store::Context cx, wasmtime_val_raw_t *slot) {
    if (slot->externref == 0)
      return std::nullopt;
    wasmtime_externref_t out;
    wasmtime_externref_from_raw(cx.capi(), slot->externref, &out);
    return ExternRef(out);
  }
};
} // namespace detail
#endif // WASMTIME_FEATURE_GC

} // namespace wasmtime

#endif // WASMTIME_EXTERNREF_HH
