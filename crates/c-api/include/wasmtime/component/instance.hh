// wasmtime::component::Instance: an instantiated component.
//
// Part of this project's header-only C++17 layer over the component C API;
// the class and its methods are those of Wasmtime 48's C++ API.

#ifndef WASMTIME_COMPONENT_INSTANCE_HH
#define WASMTIME_COMPONENT_INSTANCE_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasmtime/component/component.hh>
#include <wasmtime/component/func.hh>
#include <wasmtime/component/instance.h>
#include <wasmtime/store.hh>

namespace wasmtime {
namespace component {

/// A component instance (a store-bound handle; cheap to copy).
class Instance {
  wasmtime_component_instance_t instance;

public:
  /// Wraps a C instance handle.
  explicit Instance(const wasmtime_component_instance_t &inst)
      : instance(inst) {}

  /// The export `name` of this instance, at the top level (`instance` null)
  /// or inside the exported instance `instance`.
  std::optional<ExportIndex> get_export_index(Store::Context cx,
                                              const ExportIndex *instance,
                                              std::string_view name) const {
    wasmtime_component_export_index_t *index =
        wasmtime_component_instance_get_export_index(
            &this->instance, cx.capi(), instance ? instance->capi() : nullptr,
            name.data(), name.size());
    if (index == nullptr)
      return std::nullopt;
    return ExportIndex(index);
  }

  /// The exported function at `index`, if that export is a function.
  std::optional<Func> get_func(Store::Context cx,
                               const ExportIndex &index) const {
    wasmtime_component_func_t func;
    if (!wasmtime_component_instance_get_func(&instance, cx.capi(),
                                              index.capi(), &func))
      return std::nullopt;
    return Func(func);
  }

  /// The C instance handle.
  const wasmtime_component_instance_t *capi() const { return &instance; }
};

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_INSTANCE_HH
