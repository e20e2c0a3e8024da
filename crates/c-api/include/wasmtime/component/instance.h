/*
 * Wasmtime C API: declarations of the "component instance" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_INSTANCE_H
#define WASMTIME_COMPONENT_INSTANCE_H

#include <wasmtime/component/component.h>
#include <wasmtime/component/func.h>
#include <wasmtime/conf.h>
#include <wasmtime/store.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_component_instance {

  uint64_t store_id;

  uint32_t __private;
} wasmtime_component_instance_t;

WASM_API_EXTERN wasmtime_component_export_index_t *
wasmtime_component_instance_get_export_index(
    const wasmtime_component_instance_t *instance, wasmtime_context_t *context,
    const wasmtime_component_export_index_t *instance_export_index,
    const char *name, size_t name_len);

WASM_API_EXTERN bool wasmtime_component_instance_get_func(
    const wasmtime_component_instance_t *instance, wasmtime_context_t *context,
    const wasmtime_component_export_index_t *export_index,
    wasmtime_component_func_t *func_out);

#ifdef __cplusplus
}
#endif

#endif

#endif
