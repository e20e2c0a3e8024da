/*
 * Wasmtime C API: declarations of the "eqref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_EQREF_H
#define WASMTIME_EQREF_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_GC

#include <wasmtime/types/val.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline void wasmtime_eqref_set_null(wasmtime_eqref_t *ref) {
  ref->store_id = 0;
}

static inline bool wasmtime_eqref_is_null(const wasmtime_eqref_t *ref) {
  return ref->store_id == 0;
}

/// Copies the reference into `out` (references live as long as their store here).
WASM_API_EXTERN void wasmtime_eqref_clone(const wasmtime_eqref_t *eqref,
                                          wasmtime_eqref_t *out);

/// Releases the reference's root: nothing to free here, references live as long as their store.
WASM_API_EXTERN void wasmtime_eqref_unroot(wasmtime_eqref_t *ref);

/// Writes the anyref this eqref is to `out`.
WASM_API_EXTERN void wasmtime_eqref_to_anyref(const wasmtime_eqref_t *eqref,
                                              wasmtime_anyref_t *out);

/// An i31 reference holding the low 31 bits of `i31val`, as an eqref.
WASM_API_EXTERN void wasmtime_eqref_from_i31(wasmtime_context_t *context,
                                             uint32_t i31val,
                                             wasmtime_eqref_t *out);

/// Whether the reference is an i31.
WASM_API_EXTERN bool wasmtime_eqref_is_i31(wasmtime_context_t *context,
                                           const wasmtime_eqref_t *eqref);

/// Writes the zero-extended i31 value to `dst`; false if not an i31.
WASM_API_EXTERN bool wasmtime_eqref_i31_get_u(wasmtime_context_t *context,
                                              const wasmtime_eqref_t *eqref,
                                              uint32_t *dst);

/// Writes the sign-extended i31 value to `dst`; false if not an i31.
WASM_API_EXTERN bool wasmtime_eqref_i31_get_s(wasmtime_context_t *context,
                                              const wasmtime_eqref_t *eqref,
                                              int32_t *dst);

/// Whether the reference is an array.
WASM_API_EXTERN bool wasmtime_eqref_is_array(wasmtime_context_t *context,
                                             const wasmtime_eqref_t *eqref);

/// The reference as an arrayref (a copy owning a root) if it is an array.
WASM_API_EXTERN bool wasmtime_eqref_as_array(wasmtime_context_t *context,
                                             const wasmtime_eqref_t *eqref,
                                             wasmtime_arrayref_t *out);

/// Whether the reference is a struct.
WASM_API_EXTERN bool wasmtime_eqref_is_struct(wasmtime_context_t *context,
                                              const wasmtime_eqref_t *eqref);

/// The reference as a structref (a copy owning a root) if it is a struct.
WASM_API_EXTERN bool wasmtime_eqref_as_struct(wasmtime_context_t *context,
                                              const wasmtime_eqref_t *eqref,
                                              wasmtime_structref_t *out);

/// The most precise heap type of the reference into `out` (see
/// `wasmtime_anyref_type`).
WASM_API_EXTERN bool wasmtime_eqref_type(wasmtime_context_t *context,
                                         const wasmtime_eqref_t *eqref,
                                         wasmtime_heaptype_t *out);

#ifdef __cplusplus
}
#endif

#endif

#endif
