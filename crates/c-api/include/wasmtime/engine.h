/*
 * Wasmtime C API: declarations of the "engine" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_ENGINE_H
#define WASMTIME_ENGINE_H

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Another handle to the same engine.
WASM_API_EXTERN wasm_engine_t *
wasmtime_engine_clone(const wasm_engine_t *engine);

/// Advances the engine's epoch by one.
WASM_API_EXTERN void
wasmtime_engine_increment_epoch(const wasm_engine_t *engine);

/// Whether the engine runs Pulley bytecode: never here (native code only).
WASM_API_EXTERN bool wasmtime_engine_is_pulley(const wasm_engine_t *engine);

#ifdef __cplusplus
}
#endif

#endif
