/*
 * Wasmtime C API: declarations of the "error" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_ERROR_H
#define WASMTIME_ERROR_H

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_error wasmtime_error_t;

WASM_API_EXTERN wasmtime_error_t *wasmtime_error_new(const char *);

WASM_API_EXTERN void wasmtime_error_delete(wasmtime_error_t *error);

WASM_API_EXTERN void wasmtime_error_message(const wasmtime_error_t *error,
                                            wasm_name_t *message);

WASM_API_EXTERN bool wasmtime_error_exit_status(const wasmtime_error_t *,
                                                int *status);

WASM_API_EXTERN void wasmtime_error_wasm_trace(const wasmtime_error_t *,
                                               wasm_frame_vec_t *out);

#ifdef __cplusplus
}
#endif

#endif
