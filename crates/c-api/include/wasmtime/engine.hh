// wasmtime::Engine: compiles modules and owns the global settings; cheap
// to copy (shared, reference-counted by the C API).

#ifndef WASMTIME_ENGINE_HH
#define WASMTIME_ENGINE_HH

#include <wasmtime/config.hh>

namespace wasmtime {

/// A compilation environment shared by modules and stores.
class Engine {
  WASMTIME_CXX_CLONED_HANDLE(Engine, wasm_engine, wasmtime_engine_clone)

public:
  /// An engine with the default settings.
  Engine() : ptr(wasm_engine_new()) {}
  /// An engine with the settings of `config` (consumed).
  explicit Engine(Config config)
      : ptr(wasm_engine_new_with_config(config.capi_release())) {}

  /// Advances the epoch counter that epoch interruption compares against.
  void increment_epoch() const { wasmtime_engine_increment_epoch(ptr.get()); }
  /// True if wasm runs on the Pulley interpreter (never here).
  bool is_pulley() const { return wasmtime_engine_is_pulley(ptr.get()); }
};

} // namespace wasmtime

#endif // WASMTIME_ENGINE_HH
