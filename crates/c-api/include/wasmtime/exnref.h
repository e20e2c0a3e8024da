/*
 * Wasmtime C API: declarations of the "exnref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_EXNREF_H
#define WASMTIME_EXNREF_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_GC

#include <wasmtime/types/exnref.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A new exception of `tag` with `fields`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_exnref_new(wasmtime_context_t *store, const wasmtime_tag_t *tag,
                    const wasmtime_val_t *fields, size_t nfields,
                    wasmtime_exnref_t *exn_ret);

static inline void wasmtime_exnref_set_null(wasmtime_exnref_t *ref) {
  ref->store_id = 0;
}

static inline bool wasmtime_exnref_is_null(const wasmtime_exnref_t *ref) {
  return ref->store_id == 0;
}

/// Copies the reference into `out` (references live as long as their store here).
WASM_API_EXTERN void wasmtime_exnref_clone(const wasmtime_exnref_t *ref,
                                           wasmtime_exnref_t *out);

/// Releases the reference's root: nothing to free here, references live as long as their store.
WASM_API_EXTERN void wasmtime_exnref_unroot(wasmtime_exnref_t *ref);

/// Exceptions have no raw form here: a null reference.
WASM_API_EXTERN void wasmtime_exnref_from_raw(wasmtime_context_t *context,
                                              uint32_t raw,
                                              wasmtime_exnref_t *out);

/// Exceptions have no raw form here: 0.
WASM_API_EXTERN uint32_t wasmtime_exnref_to_raw(wasmtime_context_t *context,
                                                const wasmtime_exnref_t *ref);

/// The tag of an exception.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_exnref_tag(wasmtime_context_t *store, const wasmtime_exnref_t *exn,
                    wasmtime_tag_t *tag_ret);

/// The number of fields of an exception (0 for a bad reference).
WASM_API_EXTERN size_t wasmtime_exnref_field_count(
    wasmtime_context_t *store, const wasmtime_exnref_t *exn);

/// Field `index` of an exception.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_exnref_field(wasmtime_context_t *store, const wasmtime_exnref_t *exn,
                      size_t index, wasmtime_val_t *val_ret);

/// Sets the store's pending exception and returns the trap to return from
/// a host function so that wasm sees the throw.
WASM_API_EXTERN wasm_trap_t *
wasmtime_context_set_exception(wasmtime_context_t *store,
                               const wasmtime_exnref_t *exn);

/// Takes the store's pending exception, if any.
WASM_API_EXTERN bool
wasmtime_context_take_exception(wasmtime_context_t *store,
                                wasmtime_exnref_t *exn_ret);

/// Whether the store has a pending exception.
WASM_API_EXTERN bool wasmtime_context_has_exception(wasmtime_context_t *store);

/// The type of an exception, or NULL.
WASM_API_EXTERN wasmtime_exn_type_t *
wasmtime_exnref_type(wasmtime_context_t *context,
                     const wasmtime_exnref_t *exnref);

#ifdef __cplusplus
}
#endif

#endif
#endif
