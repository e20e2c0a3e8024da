// wasmtime::component::ModuleType: the type of a core module imported or
// exported by a component.
//
// Part of this project's header-only C++17 layer over the component C API;
// the class and its methods are those of Wasmtime 48's C++ API.

#ifndef WASMTIME_COMPONENT_TYPES_MODULE_HH
#define WASMTIME_COMPONENT_TYPES_MODULE_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasmtime/component/types/module.h>
#include <wasmtime/engine.hh>
#include <wasmtime/types/export.hh>
#include <wasmtime/types/extern.hh>
#include <wasmtime/types/import.hh>

namespace wasmtime {
namespace component {

/// The imports and exports of a core module seen in a component's type.
class ModuleType {
  WASMTIME_CXX_CLONED_HANDLE(ModuleType, wasmtime_module_type,
                             wasmtime_module_type_clone)

public:
  /// How many imports the module has.
  size_t import_count(const Engine &engine) const {
    return wasmtime_module_type_import_count(capi(), engine.capi());
  }

  /// Import `nth`, or nothing past the end.
  std::optional<ImportType> import_nth(const Engine &engine, size_t nth) const {
    wasm_importtype_t *import =
        wasmtime_module_type_import_nth(capi(), engine.capi(), nth);
    if (import == nullptr)
      return std::nullopt;
    return ImportType(import);
  }

  /// How many exports the module has.
  size_t export_count(const Engine &engine) const {
    return wasmtime_module_type_export_count(capi(), engine.capi());
  }

  /// Export `nth`, or nothing past the end.
  std::optional<ExportType> export_nth(const Engine &engine, size_t nth) const {
    wasm_exporttype_t *export_ =
        wasmtime_module_type_export_nth(capi(), engine.capi(), nth);
    if (export_ == nullptr)
      return std::nullopt;
    return ExportType(export_);
  }
};

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_TYPES_MODULE_HH
