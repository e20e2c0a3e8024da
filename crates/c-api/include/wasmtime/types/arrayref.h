/*
 * Wasmtime C API: declarations of the "types arrayref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_TYPES_ARRAYREF_H
#define WASMTIME_TYPES_ARRAYREF_H

#include <wasm.h>
#include <wasmtime/types/structref.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_array_type wasmtime_array_type_t;

/// A new final array type with element `field` (NULL if the storage type
/// is invalid or names a type of another engine).
WASM_API_EXTERN wasmtime_array_type_t *
wasmtime_array_type_new(const wasm_engine_t *engine,
                        const wasmtime_field_type_t *field);

/// A copy of an array type.
WASM_API_EXTERN wasmtime_array_type_t *
wasmtime_array_type_copy(const wasmtime_array_type_t *ty);

/// Frees an array type.
WASM_API_EXTERN void wasmtime_array_type_delete(wasmtime_array_type_t *ty);

/// The element type into `out`, which the caller owns.
WASM_API_EXTERN void
wasmtime_array_type_element(const wasmtime_array_type_t *ty,
                            wasmtime_field_type_t *out);

#ifdef __cplusplus
}
#endif

#endif
