// wasmtime::Instance: an instantiated module inside a store.

#ifndef WASMTIME_INSTANCE_HH
#define WASMTIME_INSTANCE_HH

#include <wasmtime/extern.hh>
#include <wasmtime/module.hh>

namespace wasmtime {

/// An instance (a small handle into its store).
class Instance {
  friend class Linker;
  friend class Caller;
  wasmtime_instance_t instance;

public:
  /// Wraps a C instance handle.
  Instance(wasmtime_instance_t instance) : instance(instance) {}

  /// Instantiates `m` with `imports` given in the order of `m.imports()`.
  static TrapResult<Instance> create(Store::Context cx, const Module &m,
                                     const std::vector<Extern> &imports) {
    std::vector<wasmtime_extern_t> raw(imports.size());
    for (size_t i = 0; i < imports.size(); i++)
      detail::cvt_extern(imports[i], raw[i]);
    wasmtime_instance_t made;
    wasm_trap_t *trap = nullptr;
    wasmtime_error_t *error = wasmtime_instance_new(
        cx.ptr, m.capi(), raw.data(), raw.size(), &made, &trap);
    if (error != nullptr)
      return TrapError(Error(error));
    if (trap != nullptr)
      return TrapError(Trap(trap));
    return Instance(made);
  }

  /// The export called `name`, if any.
  std::optional<Extern> get(Store::Context cx, std::string_view name) {
    wasmtime_extern_t item;
    if (!wasmtime_instance_export_get(cx.ptr, &instance, name.data(),
                                      name.size(), &item))
      return std::nullopt;
    return detail::cvt_extern(item);
  }

  /// The export at position `idx` with its name, if there are that many.
  std::optional<std::pair<std::string_view, Extern>> get(Store::Context cx,
                                                         size_t idx) {
    wasmtime_extern_t item;
    char *name = nullptr;
    size_t len = 0;
    if (!wasmtime_instance_export_nth(cx.ptr, &instance, idx, &name, &len,
                                      &item))
      return std::nullopt;
    return std::pair<std::string_view, Extern>(std::string_view(name, len),
                                               detail::cvt_extern(item));
  }

  /// The C handle.
  const wasmtime_instance_t &capi() const { return instance; }
};

} // namespace wasmtime

#endif // WASMTIME_INSTANCE_HH
