// wasmtime::Linker: instantiates modules by resolving their imports by
// name from definitions (host functions, instances, WASI).

#ifndef WASMTIME_LINKER_HH
#define WASMTIME_LINKER_HH

#include <wasmtime/instance.hh>

namespace wasmtime {

/// Name-based import resolution for one engine.
class Linker {
  WASMTIME_CXX_OWNED_HANDLE(Linker, wasmtime_linker)

  static Result<std::monostate> check(wasmtime_error_t *error) {
    if (error != nullptr)
      return Error(error);
    return std::monostate();
  }

public:
  /// An empty linker for `engine`.
  explicit Linker(Engine &engine) : ptr(wasmtime_linker_new(engine.capi())) {}

  /// Lets later definitions replace earlier ones of the same name.
  void allow_shadowing(bool allow) {
    wasmtime_linker_allow_shadowing(ptr.get(), allow);
  }

  /// Defines `module`::`name` as `item`.
  Result<std::monostate> define(Store::Context cx, std::string_view module,
                                std::string_view name, const Extern &item) {
    wasmtime_extern_t raw;
    detail::cvt_extern(item, raw);
    return check(wasmtime_linker_define(ptr.get(), cx.ptr, module.data(),
                                        module.size(), name.data(), name.size(),
                                        &raw));
  }

#ifdef WASMTIME_FEATURE_WASI
  /// Defines the WASI preview 1 functions (they use the store's
  /// `set_wasi` context).
  Result<std::monostate> define_wasi() {
    return check(wasmtime_linker_define_wasi(ptr.get()));
  }
#endif

  /// Defines every export of `instance` under the module name `name`.
  Result<std::monostate> define_instance(Store::Context cx, std::string_view name,
                                         Instance instance) {
    return check(wasmtime_linker_define_instance(
        ptr.get(), cx.ptr, name.data(), name.size(), &instance.instance));
  }

  /// Instantiates `m` with its imports taken from this linker.
  TrapResult<Instance> instantiate(Store::Context cx, const Module &m) {
    wasmtime_instance_t made;
    wasm_trap_t *trap = nullptr;
    wasmtime_error_t *error =
        wasmtime_linker_instantiate(ptr.get(), cx.ptr, m.capi(), &made, &trap);
    if (error != nullptr)
      return TrapError(Error(error));
    if (trap != nullptr)
      return TrapError(Trap(trap));
    return Instance(made);
  }

  /// Defines `m`'s exports under `name` (commands are instantiated per
  /// call, reactors once).
  Result<std::monostate> module(Store::Context cx, std::string_view name,
                                const Module &m) {
    return check(wasmtime_linker_module(ptr.get(), cx.ptr, name.data(),
                                        name.size(), m.capi()));
  }

  /// The definition of `module`::`name`, if any.
  [[nodiscard]] std::optional<Extern>
  get(Store::Context cx, std::string_view module, std::string_view name) {
    wasmtime_extern_t item;
    if (!wasmtime_linker_get(ptr.get(), cx.ptr, module.data(), module.size(),
                             name.data(), name.size(), &item))
      return std::nullopt;
    return detail::cvt_extern(item);
  }

  /// Defines a host function of type `ty` (see the matching Func
  /// constructor) usable from any store of the engine.
  template <typename F,
            std::enable_if_t<
                std::is_invocable_r_v<Result<std::monostate, Trap>, F, Caller,
                                      Span<const Val>, Span<Val>>,
                bool> = true>
  Result<std::monostate> func_new(std::string_view module, std::string_view name,
                                  const FuncType &ty, F &&f) {
    using Fn = std::decay_t<F>;
    return check(wasmtime_linker_define_func(
        ptr.get(), module.data(), module.size(), name.data(), name.size(),
        ty.ptr.get(), &Func::raw_callback<Fn>, new Fn(std::forward<F>(f)),
        &Func::raw_finalize<Fn>));
  }

  /// Defines a host function typed from `f`'s C++ signature (see
  /// Func::wrap) usable from any store of the engine.
  template <typename F,
            std::enable_if_t<detail::WasmHostFunc<std::decay_t<F>>::Params::valid,
                             bool> = true,
            std::enable_if_t<detail::WasmHostFunc<std::decay_t<F>>::Results::valid,
                             bool> = true>
  Result<std::monostate> func_wrap(std::string_view module, std::string_view name,
                                   F &&f) {
    using Fn = std::decay_t<F>;
    using Host = detail::WasmHostFunc<Fn>;
    FuncType ty =
        FuncType::from_iters(Host::Params::types(), Host::Results::types());
    return check(wasmtime_linker_define_func_unchecked(
        ptr.get(), module.data(), module.size(), name.data(), name.size(),
        ty.ptr.get(), &Func::raw_callback_unchecked<Fn>,
        new Fn(std::forward<F>(f)), &Func::raw_finalize<Fn>));
  }

  /// The default export (the command entry) of module `name`.
  Result<Func> get_default(Store::Context cx, std::string_view name) {
    wasmtime_func_t item;
    if (wasmtime_error_t *error = wasmtime_linker_get_default(
            ptr.get(), cx.ptr, name.data(), name.size(), &item))
      return Error(error);
    return Func(item);
  }

  /// Defines every import of `module` not yet defined as a function that
  /// traps.
  Result<std::monostate> define_unknown_imports_as_traps(const Module &module) {
    return check(wasmtime_linker_define_unknown_imports_as_traps(ptr.get(),
                                                                 module.capi()));
  }

  /// Defines every import of `module` not yet defined as a default value.
  Result<std::monostate>
  define_unknown_imports_as_default_values(Store::Context cx,
                                           const Module &module) {
    return check(wasmtime_linker_define_unknown_imports_as_default_values(
        ptr.get(), cx.ptr, module.capi()));
  }
};

} // namespace wasmtime

#endif // WASMTIME_LINKER_HH
