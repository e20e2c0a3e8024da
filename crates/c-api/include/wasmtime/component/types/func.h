/*
 * Wasmtime C API: declarations of the "component types func" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_TYPES_FUNC_H
#define WASMTIME_COMPONENT_TYPES_FUNC_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasm.h>
#include <wasmtime/component/types/val.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_component_func_type_t wasmtime_component_func_type_t;

WASM_API_EXTERN
wasmtime_component_func_type_t *
wasmtime_component_func_type_clone(const wasmtime_component_func_type_t *ty);

WASM_API_EXTERN
void wasmtime_component_func_type_delete(wasmtime_component_func_type_t *ty);

WASM_API_EXTERN
bool wasmtime_component_func_type_async(
    const wasmtime_component_func_type_t *ty);

WASM_API_EXTERN
size_t wasmtime_component_func_type_param_count(
    const wasmtime_component_func_type_t *ty);

WASM_API_EXTERN
bool wasmtime_component_func_type_param_nth(
    const wasmtime_component_func_type_t *ty, size_t nth, const char **name_ret,
    size_t *name_len_ret, wasmtime_component_valtype_t *type_ret);

WASM_API_EXTERN
bool wasmtime_component_func_type_result(
    const wasmtime_component_func_type_t *ty,
    wasmtime_component_valtype_t *type_ret);

#ifdef __cplusplus
}
#endif

#endif

#endif
