/*
 * Wasmtime C API: declarations of the "component types component" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_TYPES_COMPONENT_H
#define WASMTIME_COMPONENT_TYPES_COMPONENT_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasm.h>
#include <wasmtime/component/types/func.h>
#include <wasmtime/component/types/instance.h>
#include <wasmtime/component/types/module.h>
#include <wasmtime/component/types/resource.h>
#include <wasmtime/component/types/val.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_component_type_t wasmtime_component_type_t;

WASM_API_EXTERN
wasmtime_component_type_t *
wasmtime_component_type_clone(const wasmtime_component_type_t *ty);

WASM_API_EXTERN
void wasmtime_component_type_delete(wasmtime_component_type_t *ty);

WASM_API_EXTERN
size_t wasmtime_component_type_import_count(const wasmtime_component_type_t *ty,
                                            const wasm_engine_t *engine);

WASM_API_EXTERN
bool wasmtime_component_type_import_get(const wasmtime_component_type_t *ty,
                                        const wasm_engine_t *engine,
                                        const char *name, size_t name_len,
                                        struct wasmtime_component_item_t *ret);

WASM_API_EXTERN
bool wasmtime_component_type_import_nth(
    const wasmtime_component_type_t *ty, const wasm_engine_t *engine,
    size_t nth, const char **name_ret, size_t *name_len_ret,
    struct wasmtime_component_item_t *type_ret);

WASM_API_EXTERN
size_t wasmtime_component_type_export_count(const wasmtime_component_type_t *ty,
                                            const wasm_engine_t *engine);

WASM_API_EXTERN
bool wasmtime_component_type_export_get(const wasmtime_component_type_t *ty,
                                        const wasm_engine_t *engine,
                                        const char *name, size_t name_len,
                                        struct wasmtime_component_item_t *ret);

WASM_API_EXTERN
bool wasmtime_component_type_export_nth(
    const wasmtime_component_type_t *ty, const wasm_engine_t *engine,
    size_t nth, const char **name_ret, size_t *name_len_ret,
    struct wasmtime_component_item_t *type_ret);

#define WASMTIME_COMPONENT_ITEM_COMPONENT 0

#define WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE 1

#define WASMTIME_COMPONENT_ITEM_MODULE 2

#define WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC 3

#define WASMTIME_COMPONENT_ITEM_RESOURCE 4

#define WASMTIME_COMPONENT_ITEM_CORE_FUNC 5

#define WASMTIME_COMPONENT_ITEM_TYPE 6

typedef uint8_t wasmtime_component_item_kind_t;

typedef union wasmtime_component_item_union {

  wasmtime_component_type_t *component;

  wasmtime_component_instance_type_t *component_instance;

  wasmtime_module_type_t *module;

  wasmtime_component_func_type_t *component_func;

  wasmtime_component_resource_type_t *resource;

  wasm_functype_t *core_func;

  wasmtime_component_valtype_t type;
} wasmtime_component_item_union_t;

typedef struct wasmtime_component_item_t {

  wasmtime_component_item_kind_t kind;

  wasmtime_component_item_union_t of;
} wasmtime_component_item_t;

WASM_API_EXTERN
void wasmtime_component_item_clone(const wasmtime_component_item_t *item,
                                   wasmtime_component_item_t *out);

WASM_API_EXTERN
void wasmtime_component_item_delete(wasmtime_component_item_t *ptr);

#ifdef __cplusplus
}
#endif

#endif

#endif
