// wasmtime::component::Linker and LinkerInstance: host definitions by name,
// then instantiation of components against them.
//
// Part of this project's header-only C++17 layer over the component C API;
// the classes and methods are those of Wasmtime 48's C++ API.

#ifndef WASMTIME_COMPONENT_LINKER_HH
#define WASMTIME_COMPONENT_LINKER_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <type_traits>
#include <wasmtime/component/instance.hh>
#include <wasmtime/component/linker.h>
#include <wasmtime/component/val.hh>
#include <wasmtime/engine.hh>
#include <wasmtime/module.hh>

namespace wasmtime {
namespace component {

namespace detail {
// Turns a `Result<std::monostate>` into the C API's error convention.
inline wasmtime_error_t *into_c_error(Result<std::monostate> result) {
  if (result)
    return nullptr;
  return result.err().capi_release();
}
// Frees a heap-allocated callable handed to the C API as `void *env`.
template <typename F> void delete_env(void *env) {
  delete static_cast<F *>(env);
}
} // namespace detail

/// One namespace level of a `Linker` (the root, or a nested instance).
/// While one is alive, its parent must not be used.
class LinkerInstance {
  WASMTIME_CXX_OWNED_HANDLE(LinkerInstance, wasmtime_component_linker_instance)

  template <typename F>
  static wasmtime_error_t *
  call_host(void *env, wasmtime_context_t *cx,
            const wasmtime_component_func_type_t *ty,
            wasmtime_component_val_t *args, size_t nargs,
            wasmtime_component_val_t *results, size_t nresults) {
    static_assert(sizeof(Val) == sizeof(wasmtime_component_val_t));
    static_assert(alignof(Val) == alignof(wasmtime_component_val_t));
    auto *owned_ty = const_cast<wasmtime_component_func_type_t *>(ty);
    F &f = *static_cast<F *>(env);
    return detail::into_c_error(
        f(Store::Context(cx), *FuncType::from_capi(&owned_ty),
          Span<Val>(Val::from_capi(args), nargs),
          Span<Val>(Val::from_capi(results), nresults)));
  }

  template <typename F>
  static wasmtime_error_t *destroy_resource(void *env, wasmtime_context_t *cx,
                                            uint32_t rep) {
    F &f = *static_cast<F *>(env);
    return detail::into_c_error(f(Store::Context(cx), rep));
  }

public:
  /// Defines the core module `module` as `name` in this instance.
  Result<std::monostate> add_module(std::string_view name,
                                    const Module &module) {
    if (wasmtime_error_t *error = wasmtime_component_linker_instance_add_module(
            capi(), name.data(), name.size(), module.capi()))
      return Error(error);
    return std::monostate();
  }

  /// Defines a nested instance `name` and returns it; this instance must not
  /// be used until the returned one is destroyed.
  Result<LinkerInstance> add_instance(std::string_view name) {
    wasmtime_component_linker_instance_t *out = nullptr;
    if (wasmtime_error_t *error =
            wasmtime_component_linker_instance_add_instance(
                capi(), name.data(), name.size(), &out))
      return Error(error);
    return LinkerInstance(out);
  }

  /// Defines the host function `name`: `f(cx, type, args, results)` fills
  /// `results` and returns success or an error (which traps the caller).
  template <typename F,
            std::enable_if_t<
                std::is_invocable_r_v<Result<std::monostate>, F, Store::Context,
                                      const FuncType &, Span<Val>, Span<Val>>,
                bool> = true>
  Result<std::monostate> add_func(std::string_view name, F &&f) {
    using Fn = std::remove_reference_t<F>;
    auto *env = new Fn(std::forward<F>(f));
    if (wasmtime_error_t *error = wasmtime_component_linker_instance_add_func(
            capi(), name.data(), name.size(), &LinkerInstance::call_host<Fn>,
            env, &detail::delete_env<Fn>))
      return Error(error);
    return std::monostate();
  }

  /// Defines the host resource type `ty` as `name`; `f(cx, rep)` runs when
  /// an owned handle of it is dropped.
  template <typename F,
            std::enable_if_t<std::is_invocable_r_v<Result<std::monostate>, F,
                                                   Store::Context, uint32_t>,
                             bool> = true>
  Result<std::monostate> add_resource(std::string_view name,
                                      const ResourceType &ty, F &&f) {
    using Fn = std::remove_reference_t<F>;
    auto *env = new Fn(std::forward<F>(f));
    if (wasmtime_error_t *error = wasmtime_component_linker_instance_add_resource(
            capi(), name.data(), name.size(), ty.capi(),
            &LinkerInstance::destroy_resource<Fn>, env, &detail::delete_env<Fn>))
      return Error(error);
    return std::monostate();
  }
};

/// Host definitions for instantiating components.
class Linker {
  WASMTIME_CXX_OWNED_HANDLE(Linker, wasmtime_component_linker)

public:
  /// An empty linker for components of `engine`.
  explicit Linker(Engine &engine)
      : ptr(wasmtime_component_linker_new(engine.capi())) {}

  /// The top-level namespace; this linker must not be used until the
  /// returned instance is destroyed.
  LinkerInstance root() {
    return LinkerInstance(wasmtime_component_linker_root(capi()));
  }

  /// Defines every import of `component` not yet defined as a function that
  /// traps when called.
  Result<std::monostate>
  define_unknown_imports_as_traps(const Component &component) {
    if (wasmtime_error_t *error =
            wasmtime_component_linker_define_unknown_imports_as_traps(
                capi(), component.capi()))
      return Error(error);
    return std::monostate();
  }

  /// Whether a later definition may replace an earlier one of the same name
  /// (off by default).
  void allow_shadowing(bool allow) {
    wasmtime_component_linker_allow_shadowing(capi(), allow);
  }

  /// Instantiates `component` in `cx`.
  Result<Instance> instantiate(Store::Context cx, const Component &component) {
    wasmtime_component_instance_t out;
    if (wasmtime_error_t *error = wasmtime_component_linker_instantiate(
            capi(), cx.capi(), component.capi(), &out))
      return Error(error);
    return Instance(out);
  }

#ifdef WASMTIME_FEATURE_WASI
  /// Defines the WASI 0.2 interfaces (blocking versions), served from the
  /// store's WASI configuration.
  Result<std::monostate> add_wasip2() {
    if (wasmtime_error_t *error = wasmtime_component_linker_add_wasip2(capi()))
      return Error(error);
    return std::monostate();
  }
#endif // WASMTIME_FEATURE_WASI

#ifdef WASMTIME_FEATURE_WASI_HTTP
  /// Defines `wasi:http/types` and `wasi:http/outgoing-handler` (after
  /// `add_wasip2`).
  Result<std::monostate> add_wasi_http() {
    if (wasmtime_error_t *error =
            wasmtime_component_linker_add_wasi_http(capi()))
      return Error(error);
    return std::monostate();
  }
#endif // WASMTIME_FEATURE_WASI_HTTP

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL_ASYNC
#ifdef WASMTIME_FEATURE_WASI
  /// Defines the WASI 0.2 interfaces for async stores.
  Result<std::monostate> add_wasip2_async() {
    if (wasmtime_error_t *error =
            wasmtime_component_linker_add_wasip2_async(capi()))
      return Error(error);
    return std::monostate();
  }
#endif // WASMTIME_FEATURE_WASI

#ifdef WASMTIME_FEATURE_WASI_HTTP
  /// Defines the wasi:http interfaces for async stores.
  Result<std::monostate> add_wasi_http_async() {
    if (wasmtime_error_t *error =
            wasmtime_component_linker_add_wasi_http_async(capi()))
      return Error(error);
    return std::monostate();
  }
#endif // WASMTIME_FEATURE_WASI_HTTP
#endif // WASMTIME_FEATURE_COMPONENT_MODEL_ASYNC
};

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_LINKER_HH
