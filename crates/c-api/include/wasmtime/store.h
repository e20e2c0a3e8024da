/*
 * Wasmtime C API: declarations of the "store" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_STORE_H
#define WASMTIME_STORE_H

#include <wasi.h>
#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_store wasmtime_store_t;

typedef struct wasmtime_context wasmtime_context_t;

/// A new store in `engine` with the embedder's `data` and its `finalizer`
/// (run when the store is deleted).
WASM_API_EXTERN wasmtime_store_t *wasmtime_store_new(wasm_engine_t *engine,
                                                     void *data,
                                                     void (*finalizer)(void *));

/// The store's context.
WASM_API_EXTERN wasmtime_context_t *
wasmtime_store_context(wasmtime_store_t *store);

/// Installs resource limits; a negative value keeps that limit's default.
WASM_API_EXTERN void wasmtime_store_limiter(wasmtime_store_t *store,
                                            int64_t memory_size,
                                            int64_t table_elements,
                                            int64_t instances, int64_t tables,
                                            int64_t memories);

/// Frees a store and everything in it.
WASM_API_EXTERN void wasmtime_store_delete(wasmtime_store_t *store);

/// The embedder's data pointer.
WASM_API_EXTERN void *
wasmtime_context_get_data(const wasmtime_context_t *context);

/// Replaces the embedder's data pointer (the finalizer stays the original
/// one and receives the new pointer).
WASM_API_EXTERN void wasmtime_context_set_data(wasmtime_context_t *context,
                                               void *data);

/// Collects garbage: GC objects and `externref`s that neither wasm nor a
/// rooted handle reaches are freed (finalizers run).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_gc(wasmtime_context_t *context);

/// Sets the fuel left (fuel must be enabled in the config).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_set_fuel(wasmtime_context_t *store, uint64_t fuel);

/// The fuel left.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_get_fuel(const wasmtime_context_t *context, uint64_t *fuel);

#ifdef WASMTIME_FEATURE_WASI

/// Gives the store its WASI state (consumes `wasi`, also on error).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_context_set_wasi(wasmtime_context_t *context, wasi_config_t *wasi);

#endif

#ifdef WASMTIME_FEATURE_WASI_HTTP

/// Gives the store a fresh wasi:http context (default settings) for components
/// linked with wasmtime_component_linker_add_wasi_http.
WASM_API_EXTERN void
wasmtime_context_set_wasi_http(wasmtime_context_t *context);

#endif

/// Sets the epoch deadline to `ticks` after the current epoch.
WASM_API_EXTERN void
wasmtime_context_set_epoch_deadline(wasmtime_context_t *context,
                                    uint64_t ticks_beyond_current);

typedef uint8_t wasmtime_update_deadline_kind_t;

#define WASMTIME_UPDATE_DEADLINE_CONTINUE 0

#define WASMTIME_UPDATE_DEADLINE_YIELD 1

/// Installs the callback run when wasm reaches the epoch deadline.
WASM_API_EXTERN void wasmtime_store_epoch_deadline_callback(
    wasmtime_store_t *store,
    wasmtime_error_t *(*func)(wasmtime_context_t *context, void *data,
                              uint64_t *epoch_deadline_delta,
                              wasmtime_update_deadline_kind_t *update_kind),
    void *data, void (*finalizer)(void *));

#ifdef __cplusplus
}
#endif

#endif
