/*
 * Wasmtime C API: declarations of the "component types instance" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_TYPES_INSTANCE_H
#define WASMTIME_COMPONENT_TYPES_INSTANCE_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wasmtime_component_item_t;

typedef struct wasmtime_component_instance_type
    wasmtime_component_instance_type_t;

WASM_API_EXTERN
wasmtime_component_instance_type_t *wasmtime_component_instance_type_clone(
    const wasmtime_component_instance_type_t *ty);

WASM_API_EXTERN
void wasmtime_component_instance_type_delete(
    wasmtime_component_instance_type_t *ty);

WASM_API_EXTERN
size_t wasmtime_component_instance_type_export_count(
    const wasmtime_component_instance_type_t *ty, const wasm_engine_t *engine);

WASM_API_EXTERN
bool wasmtime_component_instance_type_export_get(
    const wasmtime_component_instance_type_t *ty, const wasm_engine_t *engine,
    const char *name, size_t name_len, struct wasmtime_component_item_t *ret);

WASM_API_EXTERN
bool wasmtime_component_instance_type_export_nth(
    const wasmtime_component_instance_type_t *ty, const wasm_engine_t *engine,
    size_t nth, const char **name_ret, size_t *name_len_ret,
    struct wasmtime_component_item_t *type_ret);

#ifdef __cplusplus
}
#endif

#endif

#endif
