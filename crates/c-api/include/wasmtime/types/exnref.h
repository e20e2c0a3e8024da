/*
 * Wasmtime C API: declarations of the "types exnref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_TYPES_EXNREF_H
#define WASMTIME_TYPES_EXNREF_H

#include <wasm.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_exn_type wasmtime_exn_type_t;

/// The exception type with fields `params`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_exn_type_new(const wasm_engine_t *engine,
                      const wasm_valtype_vec_t *params,
                      wasmtime_exn_type_t **out);

/// Frees an exception type.
WASM_API_EXTERN void wasmtime_exn_type_delete(wasmtime_exn_type_t *ty);

/// A copy of an exception type.
WASM_API_EXTERN wasmtime_exn_type_t *
wasmtime_exn_type_copy(const wasmtime_exn_type_t *ty);

/// The tag type of an exception type.
WASM_API_EXTERN wasm_tagtype_t *
wasmtime_exn_type_tag_type(const wasmtime_exn_type_t *ty);

#ifdef __cplusplus
}
#endif

#endif
