/*
 * Wasmtime C API: declarations of the "anyref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_ANYREF_H
#define WASMTIME_ANYREF_H

#ifdef WASMTIME_FEATURE_GC

#include <wasmtime/types/val.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline void wasmtime_anyref_set_null(wasmtime_anyref_t *ref) {
  ref->store_id = 0;
}

static inline bool wasmtime_anyref_is_null(const wasmtime_anyref_t *ref) {
  return ref->store_id == 0;
}

/// Copies the reference into `out` (references live as long as their store here).
WASM_API_EXTERN void wasmtime_anyref_clone(const wasmtime_anyref_t *anyref,
                                           wasmtime_anyref_t *out);

/// Releases the reference's root: nothing to free here, references live as long as their store.
WASM_API_EXTERN void wasmtime_anyref_unroot(wasmtime_anyref_t *ref);

/// The anyref whose raw value is `raw` (0: null); `out` owns a root of it.
WASM_API_EXTERN void wasmtime_anyref_from_raw(wasmtime_context_t *context,
                                              uint32_t raw,
                                              wasmtime_anyref_t *out);

/// The raw value of an anyref (0 for null).
WASM_API_EXTERN uint32_t wasmtime_anyref_to_raw(wasmtime_context_t *context,
                                                const wasmtime_anyref_t *ref);

/// An i31 reference holding the low 31 bits of `i31val`.
WASM_API_EXTERN void wasmtime_anyref_from_i31(wasmtime_context_t *context,
                                              uint32_t i31val,
                                              wasmtime_anyref_t *out);

/// Whether the reference is an i31.
WASM_API_EXTERN bool wasmtime_anyref_is_i31(wasmtime_context_t *context,
                                            const wasmtime_anyref_t *anyref);

/// Writes the zero-extended i31 value to `dst`; false if not an i31.
WASM_API_EXTERN bool wasmtime_anyref_i31_get_u(wasmtime_context_t *context,
                                               const wasmtime_anyref_t *anyref,
                                               uint32_t *dst);

/// Writes the sign-extended i31 value to `dst`; false if not an i31.
WASM_API_EXTERN bool wasmtime_anyref_i31_get_s(wasmtime_context_t *context,
                                               const wasmtime_anyref_t *anyref,
                                               int32_t *dst);

/// Whether the reference is an eqref (an i31 or a GC object).
WASM_API_EXTERN bool wasmtime_anyref_is_eqref(wasmtime_context_t *context,
                                              const wasmtime_anyref_t *anyref);

/// Writes the reference as an eqref to `out`; false if it is not one.
WASM_API_EXTERN bool wasmtime_anyref_as_eqref(wasmtime_context_t *context,
                                              const wasmtime_anyref_t *anyref,
                                              wasmtime_eqref_t *out);

/// Whether the reference is a struct.
WASM_API_EXTERN bool wasmtime_anyref_is_struct(wasmtime_context_t *context,
                                               const wasmtime_anyref_t *anyref);

/// The reference as a structref (a copy owning a root) if it is a struct.
WASM_API_EXTERN bool wasmtime_anyref_as_struct(wasmtime_context_t *context,
                                               const wasmtime_anyref_t *anyref,
                                               wasmtime_structref_t *out);

/// Whether the reference is an array.
WASM_API_EXTERN bool wasmtime_anyref_is_array(wasmtime_context_t *context,
                                              const wasmtime_anyref_t *anyref);

/// The reference as an arrayref (a copy owning a root) if it is an array.
WASM_API_EXTERN bool wasmtime_anyref_as_array(wasmtime_context_t *context,
                                              const wasmtime_anyref_t *anyref,
                                              wasmtime_arrayref_t *out);

/// The most precise heap type of the reference (i31, a concrete struct or
/// array type, or any) into `out`, which the caller owns; false for null.
WASM_API_EXTERN bool wasmtime_anyref_type(wasmtime_context_t *context,
                                          const wasmtime_anyref_t *anyref,
                                          wasmtime_heaptype_t *out);

#ifdef __cplusplus
}
#endif

#endif

#endif
