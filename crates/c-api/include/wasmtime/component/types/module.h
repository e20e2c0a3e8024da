/*
 * Wasmtime C API: declarations of the "component types module" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_TYPES_MODULE_H
#define WASMTIME_COMPONENT_TYPES_MODULE_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_module_type wasmtime_module_type_t;

WASM_API_EXTERN
wasmtime_module_type_t *
wasmtime_module_type_clone(const wasmtime_module_type_t *ty);

WASM_API_EXTERN
void wasmtime_module_type_delete(wasmtime_module_type_t *ty);

WASM_API_EXTERN
size_t wasmtime_module_type_import_count(const wasmtime_module_type_t *ty,
                                         const wasm_engine_t *engine);

WASM_API_EXTERN
wasm_importtype_t *
wasmtime_module_type_import_nth(const wasmtime_module_type_t *ty,
                                const wasm_engine_t *engine, size_t nth);

WASM_API_EXTERN
size_t wasmtime_module_type_export_count(const wasmtime_module_type_t *ty,
                                         const wasm_engine_t *engine);

WASM_API_EXTERN
wasm_exporttype_t *
wasmtime_module_type_export_nth(const wasmtime_module_type_t *ty,
                                const wasm_engine_t *engine, size_t nth);

#ifdef __cplusplus
}
#endif

#endif

#endif
