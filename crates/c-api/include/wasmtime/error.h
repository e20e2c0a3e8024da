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

/// A new error with the message `message` (NUL-terminated).
WASM_API_EXTERN wasmtime_error_t *wasmtime_error_new(const char *);

/// Frees an error.
WASM_API_EXTERN void wasmtime_error_delete(wasmtime_error_t *error);

/// Writes the error's message (with its causes) to `message`.
WASM_API_EXTERN void wasmtime_error_message(const wasmtime_error_t *error,
                                            wasm_name_t *message);

/// Whether the error is a WASI `proc_exit`; writes its status if so.
WASM_API_EXTERN bool wasmtime_error_exit_status(const wasmtime_error_t *,
                                                int *status);

/// Writes the wasm frames attached to the error (possibly none) to `out`.
WASM_API_EXTERN void wasmtime_error_wasm_trace(const wasmtime_error_t *,
                                               wasm_frame_vec_t *out);

#ifdef __cplusplus
}
#endif

#endif
