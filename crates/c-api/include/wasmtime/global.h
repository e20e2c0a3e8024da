/*
 * Wasmtime C API: declarations of the "global" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_GLOBAL_H
#define WASMTIME_GLOBAL_H

#include <wasm.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A global of type `ty` with initial value `val`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_global_new(wasmtime_context_t *store, const wasm_globaltype_t *type,
                    const wasmtime_val_t *val, wasmtime_global_t *ret);

/// The global's type.
WASM_API_EXTERN wasm_globaltype_t *
wasmtime_global_type(const wasmtime_context_t *store,
                     const wasmtime_global_t *global);

/// Reads the global.
WASM_API_EXTERN void wasmtime_global_get(wasmtime_context_t *store,
                                         const wasmtime_global_t *global,
                                         wasmtime_val_t *out);

/// Writes the global.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_global_set(wasmtime_context_t *store, const wasmtime_global_t *global,
                    const wasmtime_val_t *val);

#ifdef __cplusplus
}
#endif

#endif
