/*
 * Wasmtime C API: declarations of the "component types resource" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_TYPES_RESOURCE_H
#define WASMTIME_COMPONENT_TYPES_RESOURCE_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_component_resource_type
    wasmtime_component_resource_type_t;

WASM_API_EXTERN
wasmtime_component_resource_type_t *
wasmtime_component_resource_type_new_host(uint32_t ty);

WASM_API_EXTERN
wasmtime_component_resource_type_t *wasmtime_component_resource_type_clone(
    const wasmtime_component_resource_type_t *ty);

WASM_API_EXTERN
bool wasmtime_component_resource_type_equal(
    const wasmtime_component_resource_type_t *a,
    const wasmtime_component_resource_type_t *b);

WASM_API_EXTERN
void wasmtime_component_resource_type_delete(
    wasmtime_component_resource_type_t *resource);

#ifdef __cplusplus
}
#endif

#endif

#endif
