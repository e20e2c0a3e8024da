/*
 * Wasmtime C API: declarations of the "externref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_EXTERNREF_H
#define WASMTIME_EXTERNREF_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_GC

#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline void wasmtime_externref_set_null(wasmtime_externref_t *ref) {
  ref->store_id = 0;
}

static inline bool wasmtime_externref_is_null(const wasmtime_externref_t *ref) {
  return ref->store_id == 0;
}

/// A new `externref` holding `data`, rooted by `out` until it is unrooted.
/// `finalizer` runs when a collection finds the reference unreachable
/// (no rooted handle, no wasm reference), or when the store is freed.
WASM_API_EXTERN bool wasmtime_externref_new(wasmtime_context_t *context,
                                            void *data,
                                            void (*finalizer)(void *),
                                            wasmtime_externref_t *out);

/// The data pointer of an `externref` made by `wasmtime_externref_new`
/// (NULL otherwise).
WASM_API_EXTERN void *wasmtime_externref_data(wasmtime_context_t *context,
                                              const wasmtime_externref_t *data);

/// Copies the reference into `out`, with a root of its own.
WASM_API_EXTERN void wasmtime_externref_clone(const wasmtime_externref_t *ref,
                                              wasmtime_externref_t *out);

/// Releases the reference's root; the handle must not be used afterwards.
WASM_API_EXTERN void wasmtime_externref_unroot(wasmtime_externref_t *ref);

/// The `externref` whose raw value is `raw` (0: null).
WASM_API_EXTERN void wasmtime_externref_from_raw(wasmtime_context_t *context,
                                                 uint32_t raw,
                                                 wasmtime_externref_t *out);

/// The raw value of an `externref` (0 for null).
WASM_API_EXTERN uint32_t wasmtime_externref_to_raw(
    wasmtime_context_t *context, const wasmtime_externref_t *ref);

#ifdef __cplusplus
}
#endif

#endif
#endif
