/*
 * Wasmtime C API: declarations of the "structref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_STRUCTREF_H
#define WASMTIME_STRUCTREF_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_GC

#include <wasmtime/types/structref.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_struct_ref_pre wasmtime_struct_ref_pre_t;

/// An allocator of structs of type `ty` in the context's store (NULL if
/// `ty` belongs to another engine).
WASM_API_EXTERN wasmtime_struct_ref_pre_t *
wasmtime_struct_ref_pre_new(wasmtime_context_t *context,
                            const wasmtime_struct_type_t *ty);

/// Frees a struct allocator.
WASM_API_EXTERN void
wasmtime_struct_ref_pre_delete(wasmtime_struct_ref_pre_t *pre);

static inline void wasmtime_structref_set_null(wasmtime_structref_t *ref) {
  ref->store_id = 0;
}

static inline bool wasmtime_structref_is_null(const wasmtime_structref_t *ref) {
  return ref->store_id == 0;
}

/// A new struct with one value per field; `out` owns a root of it (null on
/// error).
WASM_API_EXTERN wasmtime_error_t *wasmtime_structref_new(
    wasmtime_context_t *context, const wasmtime_struct_ref_pre_t *pre,
    const wasmtime_val_t *fields, size_t nfields, wasmtime_structref_t *out);

/// Copies the reference into `out` (references live as long as their store here).
WASM_API_EXTERN void
wasmtime_structref_clone(const wasmtime_structref_t *structref,
                         wasmtime_structref_t *out);

/// Releases the reference's root: nothing to free here, references live as long as their store.
WASM_API_EXTERN void wasmtime_structref_unroot(wasmtime_structref_t *ref);

/// The structref as an anyref (a copy owning a root).
WASM_API_EXTERN void
wasmtime_structref_to_anyref(const wasmtime_structref_t *structref,
                             wasmtime_anyref_t *out);

/// The structref as an eqref (a copy owning a root).
WASM_API_EXTERN void
wasmtime_structref_to_eqref(const wasmtime_structref_t *structref,
                            wasmtime_eqref_t *out);

/// Field `index` of a struct; `out` owns any root the value has.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_structref_field(wasmtime_context_t *context,
                         const wasmtime_structref_t *structref, size_t index,
                         wasmtime_val_t *out);

/// Sets field `index` of a struct (mutable, and `val` of its type).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_structref_set_field(wasmtime_context_t *context,
                             const wasmtime_structref_t *structref,
                             size_t index, const wasmtime_val_t *val);

/// The type of a struct (NULL for null).
WASM_API_EXTERN wasmtime_struct_type_t *
wasmtime_structref_type(wasmtime_context_t *context,
                        const wasmtime_structref_t *structref);

#ifdef __cplusplus
}
#endif

#endif

#endif
