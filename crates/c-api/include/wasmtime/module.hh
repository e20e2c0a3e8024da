// wasmtime::Module: a compiled (or deserialized) wasm module; cheap to
// copy (shared).

#ifndef WASMTIME_MODULE_HH
#define WASMTIME_MODULE_HH

#include <wasmtime/engine.hh>
#include <wasmtime/span.hh>
#include <wasmtime/types/export.hh>
#include <wasmtime/types/import.hh>
#include <wasmtime/wat.hh>

namespace wasmtime {

/// A compiled module, ready to instantiate in stores of its engine.
class Module {
  WASMTIME_CXX_CLONED_HANDLE(Module, wasmtime_module, wasmtime_module_clone)

  static Result<Module> adopt(wasmtime_error_t *error, wasmtime_module_t *made) {
    if (error != nullptr)
      return Error(error);
    return Module(made);
  }

public:
#ifdef WASMTIME_FEATURE_COMPILER
#ifdef WASMTIME_FEATURE_WAT
  /// Compiles a module written in the text format.
  static Result<Module> compile(Engine &engine, std::string_view wat) {
    Result<std::vector<uint8_t>> wasm = wat2wasm(wat);
    if (!wasm)
      return wasm.err();
    std::vector<uint8_t> bytes = wasm.ok();
    return compile(engine, bytes);
  }
#endif
  /// Compiles a binary module.
  static Result<Module> compile(Engine &engine, Span<uint8_t> wasm) {
    wasmtime_module_t *made = nullptr;
    wasmtime_error_t *error =
        wasmtime_module_new(engine.capi(), wasm.data(), wasm.size(), &made);
    return adopt(error, made);
  }
  /// Checks that `wasm` is a valid module for `engine`, without compiling.
  static Result<std::monostate> validate(Engine &engine, Span<uint8_t> wasm) {
    if (wasmtime_error_t *error =
            wasmtime_module_validate(engine.capi(), wasm.data(), wasm.size()))
      return Error(error);
    return std::monostate();
  }
#endif // WASMTIME_FEATURE_COMPILER

  /// Loads a module from `Module::serialize` output. Only pass bytes you
  /// trust: they are mapped as executable code.
  static Result<Module> deserialize(Engine &engine, Span<uint8_t> wasm) {
    wasmtime_module_t *made = nullptr;
    wasmtime_error_t *error = wasmtime_module_deserialize(
        engine.capi(), wasm.data(), wasm.size(), &made);
    return adopt(error, made);
  }
  /// Loads a serialized module from the file at `path` (trusted, as above).
  static Result<Module> deserialize_file(Engine &engine, const std::string &path) {
    wasmtime_module_t *made = nullptr;
    wasmtime_error_t *error =
        wasmtime_module_deserialize_file(engine.capi(), path.c_str(), &made);
    return adopt(error, made);
  }

  /// The module's imports, in order.
  ImportType::List imports() const {
    ImportType::List list;
    wasmtime_module_imports(ptr.get(), &list.list);
    return list;
  }
  /// The module's exports, in order.
  ExportType::List exports() const {
    ExportType::List list;
    wasmtime_module_exports(ptr.get(), &list.list);
    return list;
  }

#ifdef WASMTIME_FEATURE_COMPILER
  /// The compiled artifact, loadable with `deserialize`.
  Result<std::vector<uint8_t>> serialize() const {
    wasm_byte_vec_t bytes;
    if (wasmtime_error_t *error = wasmtime_module_serialize(ptr.get(), &bytes))
      return Error(error);
    const uint8_t *first = reinterpret_cast<const uint8_t *>(bytes.data);
    std::vector<uint8_t> out(first, first + bytes.size);
    wasm_byte_vec_delete(&bytes);
    return out;
  }
#endif
};

} // namespace wasmtime

#endif // WASMTIME_MODULE_HH
