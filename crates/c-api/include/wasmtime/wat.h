/*
 * Wasmtime C API: declarations of the "wat" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_WAT_H
#define WASMTIME_WAT_H

#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef WASMTIME_FEATURE_WAT

/// Converts the `wat_len` bytes of text at `wat` to a binary module.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_wat2wasm(const char *wat, size_t wat_len, wasm_byte_vec_t *ret);

#endif

#ifdef __cplusplus
}
#endif

#endif
