// wasmtime::Global: a global variable of some store.

#ifndef WASMTIME_GLOBAL_HH
#define WASMTIME_GLOBAL_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/detail/val.hh>
#include <wasmtime/types/global.hh>

namespace wasmtime {

/// A global (a small handle into its store).
class Global {
  friend class Instance;
  wasmtime_global_t global;

public:
  /// Wraps a C global handle.
  Global(wasmtime_global_t global) : global(global) {}

  /// A new host global of type `ty` holding `init`.
  static Result<Global> create(Store::Context cx, const GlobalType &ty,
                               const Val &init) {
    wasmtime_global_t made;
    if (wasmtime_error_t *error =
            wasmtime_global_new(cx.ptr, ty.ptr.get(), &init.val, &made))
      return Error(error);
    return Global(made);
  }
  /// The global's type.
  GlobalType type(Store::Context cx) const {
    return wasmtime_global_type(cx.ptr, &global);
  }
  /// The current value.
  Val get(Store::Context cx) const {
    Val out;
    wasmtime_global_get(cx.ptr, &global, &out.val);
    return out;
  }
  /// Writes `val` (the global must be mutable and `val` of its type).
  Result<std::monostate> set(Store::Context cx, const Val &val) const {
    if (wasmtime_error_t *error = wasmtime_global_set(cx.ptr, &global, &val.val))
      return Error(error);
    return std::monostate();
  }
  /// The C handle.
  const wasmtime_global_t &capi() const { return global; }
};

} // namespace wasmtime

#include <wasmtime/val.hh>

#endif // WASMTIME_GLOBAL_HH
