// wasmtime::component::Func: a function exported by a component instance.
//
// Part of this project's header-only C++17 layer over the component C API;
// the class and its methods are those of Wasmtime 48's C++ API.

#ifndef WASMTIME_COMPONENT_FUNC_HH
#define WASMTIME_COMPONENT_FUNC_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasmtime/component/func.h>
#include <wasmtime/component/types/func.hh>
#include <wasmtime/component/val.hh>
#include <wasmtime/error.hh>
#include <wasmtime/span.hh>
#include <wasmtime/store.hh>

namespace wasmtime {
namespace component {

/// A component function (a store-bound handle; cheap to copy).
class Func {
  wasmtime_component_func_t func;

public:
  /// Wraps a C function handle.
  explicit Func(const wasmtime_component_func_t &func) : func(func) {}

  /// The C function handle.
  const wasmtime_component_func_t *capi() const { return &func; }

  /// Calls the function with `args`, writing its results into `results`
  /// (which must have room for them).
  Result<std::monostate> call(Store::Context cx, Span<const Val> args,
                              Span<Val> results) const {
    if (wasmtime_error_t *error = wasmtime_component_func_call(
            &func, cx.capi(), Val::to_capi(args.data()), args.size(),
            Val::to_capi(results.data()), results.size()))
      return Error(error);
    return std::monostate();
  }

  /// Runs the function's `post-return` step after a `call` (a no-op for
  /// functions without one).
  Result<std::monostate> post_return(Store::Context cx) const {
    if (wasmtime_error_t *error =
            wasmtime_component_func_post_return(&func, cx.capi()))
      return Error(error);
    return std::monostate();
  }

  /// The function's type.
  FuncType type(Store::Context cx) const {
    return FuncType(wasmtime_component_func_type(&func, cx.capi()));
  }
};

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_FUNC_HH
