// wasmtime::component::Component (a compiled component) and ExportIndex (a
// resolved export name).
//
// Part of this project's header-only C++17 layer over the component C API;
// the classes and methods are those of Wasmtime 48's C++ API.

#ifndef WASMTIME_COMPONENT_COMPONENT_HH
#define WASMTIME_COMPONENT_COMPONENT_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasmtime/component/component.h>
#include <wasmtime/component/types/component.hh>
#include <wasmtime/engine.hh>
#include <wasmtime/error.hh>
#include <wasmtime/span.hh>
#include <wasmtime/wat.hh>

namespace wasmtime {
namespace component {

/// An export of a component (or of an instance inside it) resolved once by
/// name, for fast lookups in instances of that component.
class ExportIndex {
  WASMTIME_CXX_CLONED_HANDLE(ExportIndex, wasmtime_component_export_index,
                             wasmtime_component_export_index_clone)
};

/// A compiled WebAssembly component, ready to instantiate.
class Component {
  WASMTIME_CXX_CLONED_HANDLE(Component, wasmtime_component,
                             wasmtime_component_clone)

public:
#ifdef WASMTIME_FEATURE_COMPILER
#ifdef WASMTIME_FEATURE_WAT
  /// Compiles a component written in the text format.
  static Result<Component> compile(Engine &engine, std::string_view wat) {
    auto wasm = wat2wasm(wat);
    if (!wasm)
      return wasm.err();
    std::vector<uint8_t> bytes = wasm.ok();
    return compile(engine, Span<uint8_t>(bytes));
  }
#endif // WASMTIME_FEATURE_WAT

  /// Compiles a component from its binary encoding.
  static Result<Component> compile(Engine &engine, Span<uint8_t> wasm) {
    wasmtime_component_t *out = nullptr;
    if (wasmtime_error_t *error = wasmtime_component_new(
            engine.capi(), wasm.data(), wasm.size(), &out))
      return Error(error);
    return Component(out);
  }
#endif // WASMTIME_FEATURE_COMPILER

  /// Loads a component from bytes made by `serialize` (trusted input only).
  static Result<Component> deserialize(Engine &engine, Span<uint8_t> wasm) {
    wasmtime_component_t *out = nullptr;
    if (wasmtime_error_t *error = wasmtime_component_deserialize(
            engine.capi(), wasm.data(), wasm.size(), &out))
      return Error(error);
    return Component(out);
  }

  /// Loads a component from a file written from `serialize`'s bytes
  /// (trusted input only).
  static Result<Component> deserialize_file(Engine &engine,
                                            const std::string &path) {
    wasmtime_component_t *out = nullptr;
    if (wasmtime_error_t *error = wasmtime_component_deserialize_file(
            engine.capi(), path.c_str(), &out))
      return Error(error);
    return Component(out);
  }

#ifdef WASMTIME_FEATURE_COMPILER
  /// The compiled form of this component, for `deserialize`.
  Result<std::vector<uint8_t>> serialize() const {
    wasm_byte_vec_t bytes;
    if (wasmtime_error_t *error = wasmtime_component_serialize(capi(), &bytes))
      return Error(error);
    std::vector<uint8_t> out(bytes.data, bytes.data + bytes.size);
    wasm_byte_vec_delete(&bytes);
    return out;
  }
#endif // WASMTIME_FEATURE_COMPILER

  /// The export `name`, at the top level (`instance` null) or inside the
  /// exported instance `instance`.
  std::optional<ExportIndex> export_index(const ExportIndex *instance,
                                          std::string_view name) const {
    wasmtime_component_export_index_t *index =
        wasmtime_component_get_export_index(
            capi(), instance ? instance->capi() : nullptr, name.data(),
            name.size());
    if (index == nullptr)
      return std::nullopt;
    return ExportIndex(index);
  }

  /// The component's type (its imports and exports).
  ComponentType type() const {
    return ComponentType(wasmtime_component_type(capi()));
  }
};

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_COMPONENT_HH
