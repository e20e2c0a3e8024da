// wasmtime::Store and Store::Context, completed with the members that
// need Caller, Trap and ExnRef.

#ifndef WASMTIME_STORE_HH
#define WASMTIME_STORE_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/detail/store.hh>
#include <wasmtime/func.hh>
#include <wasmtime/trap.hh>

namespace wasmtime {

inline Store::Context::Context(Caller &caller)
    : Context(wasmtime_caller_context(caller.ptr)) {}

inline Store::Context::Context(Caller *caller) : Context(*caller) {}

#ifdef WASMTIME_FEATURE_GC
inline Trap Store::Context::throw_exception(ExnRef exn) {
  return Trap(wasmtime_context_set_exception(ptr, exn.capi()));
}

inline std::optional<ExnRef> Store::Context::take_exception() {
  wasmtime_exnref_t exn;
  if (!wasmtime_context_take_exception(ptr, &exn))
    return std::nullopt;
  return ExnRef(exn);
}

inline bool Store::Context::has_exception() {
  return wasmtime_context_has_exception(ptr);
}
#endif

} // namespace wasmtime

#endif // WASMTIME_STORE_HH
