/*
 * Wasmtime C API: declarations of the "arrayref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_ARRAYREF_H
#define WASMTIME_ARRAYREF_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_GC

#include <wasmtime/types/arrayref.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_array_ref_pre wasmtime_array_ref_pre_t;

/// Not supported (no GC proposal): NULL.
WASM_API_EXTERN wasmtime_array_ref_pre_t *
wasmtime_array_ref_pre_new(wasmtime_context_t *context,
                           const wasmtime_array_type_t *ty);

/// Frees an array allocator.
WASM_API_EXTERN void
wasmtime_array_ref_pre_delete(wasmtime_array_ref_pre_t *pre);

static inline void wasmtime_arrayref_set_null(wasmtime_arrayref_t *ref) {
  ref->store_id = 0;
}

static inline bool wasmtime_arrayref_is_null(const wasmtime_arrayref_t *ref) {
  return ref->store_id == 0;
}

/// Not supported (no GC proposal): an error.
WASM_API_EXTERN wasmtime_error_t *wasmtime_arrayref_new(
    wasmtime_context_t *context, const wasmtime_array_ref_pre_t *pre,
    const wasmtime_val_t *elem, uint32_t len, wasmtime_arrayref_t *out);

/// Copies the reference into `out` (references live as long as their store here).
WASM_API_EXTERN void
wasmtime_arrayref_clone(const wasmtime_arrayref_t *arrayref,
                        wasmtime_arrayref_t *out);

/// Releases the reference's root: nothing to free here, references live as long as their store.
WASM_API_EXTERN void wasmtime_arrayref_unroot(wasmtime_arrayref_t *ref);

/// Part of the GC proposal, which this runtime does not have: fails cleanly (false, NULL, a null reference or an error).
WASM_API_EXTERN void
wasmtime_arrayref_to_anyref(const wasmtime_arrayref_t *arrayref,
                            wasmtime_anyref_t *out);

/// Part of the GC proposal, which this runtime does not have: fails cleanly (false, NULL, a null reference or an error).
WASM_API_EXTERN void
wasmtime_arrayref_to_eqref(const wasmtime_arrayref_t *arrayref,
                           wasmtime_eqref_t *out);

/// Not supported (no GC proposal): an error.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_arrayref_len(wasmtime_context_t *context,
                      const wasmtime_arrayref_t *arrayref, uint32_t *out);

/// Not supported (no GC proposal): an error.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_arrayref_get(wasmtime_context_t *context,
                      const wasmtime_arrayref_t *arrayref, uint32_t index,
                      wasmtime_val_t *out);

/// Not supported (no GC proposal): an error.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_arrayref_set(wasmtime_context_t *context,
                      const wasmtime_arrayref_t *arrayref, uint32_t index,
                      const wasmtime_val_t *val);

/// Not supported (no GC proposal): NULL.
WASM_API_EXTERN wasmtime_array_type_t *
wasmtime_arrayref_type(wasmtime_context_t *context,
                       const wasmtime_arrayref_t *arrayref);

#ifdef __cplusplus
}
#endif

#endif

#endif
