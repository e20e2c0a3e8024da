/*
 * Wasmtime C API: declarations of the "module" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_MODULE_H
#define WASMTIME_MODULE_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_module wasmtime_module_t;

#ifdef WASMTIME_FEATURE_COMPILER

/// Compiles the `wasm_len` bytes at `wasm` (binary, or text with `wat`).
WASM_API_EXTERN wasmtime_error_t *wasmtime_module_new(wasm_engine_t *engine,
                                                      const uint8_t *wasm,
                                                      size_t wasm_len,
                                                      wasmtime_module_t **ret);

#endif

/// Frees a module handle.
WASM_API_EXTERN void wasmtime_module_delete(wasmtime_module_t *m);

/// Another handle to the same module.
WASM_API_EXTERN wasmtime_module_t *
wasmtime_module_clone(const wasmtime_module_t *m);

/// Writes the module's imports.
WASM_API_EXTERN void wasmtime_module_imports(const wasmtime_module_t *module,
                                             wasm_importtype_vec_t *out);

/// Writes the module's exports.
WASM_API_EXTERN void wasmtime_module_exports(const wasmtime_module_t *module,
                                             wasm_exporttype_vec_t *out);

#ifdef WASMTIME_FEATURE_COMPILER

/// Checks that the `wasm_len` bytes at `wasm` are a valid module.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_validate(wasm_engine_t *engine, const uint8_t *wasm,
                         size_t wasm_len);

/// Writes the module's precompiled form.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_serialize(const wasmtime_module_t *module,
                          wasm_byte_vec_t *ret);

#endif

/// Loads a module from precompiled bytes (trusted, as in Wasmtime).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_deserialize(wasm_engine_t *engine, const uint8_t *bytes,
                            size_t bytes_len, wasmtime_module_t **ret);

/// Loads a module from a precompiled file (trusted, as in Wasmtime).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_module_deserialize_file(wasm_engine_t *engine, const char *path,
                                 wasmtime_module_t **ret);

/// The address range of the module's code image: not exposed by this
/// runtime, so both are NULL.
WASM_API_EXTERN void
wasmtime_module_image_range(const wasmtime_module_t *module, void **start,
                            void **end);

#ifdef __cplusplus
}
#endif

#endif
