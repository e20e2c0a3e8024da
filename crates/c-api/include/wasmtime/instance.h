/*
 * Wasmtime C API: declarations of the "instance" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_INSTANCE_H
#define WASMTIME_INSTANCE_H

#include <wasm.h>
#include <wasmtime/extern.h>
#include <wasmtime/module.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_instance {

  uint64_t store_id;

  size_t __private;
} wasmtime_instance_t;

/// Instantiates `module` with the `nimports` externs at `imports`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_instance_new(wasmtime_context_t *store,
                      const wasmtime_module_t *module,
                      const wasmtime_extern_t *imports, size_t nimports,
                      wasmtime_instance_t *instance, wasm_trap_t **trap);

/// Looks up an export by name.
WASM_API_EXTERN bool wasmtime_instance_export_get(
    wasmtime_context_t *store, const wasmtime_instance_t *instance,
    const char *name, size_t name_len, wasmtime_extern_t *item);

/// The `index`-th export and its name (which lives as long as the store).
WASM_API_EXTERN bool wasmtime_instance_export_nth(
    wasmtime_context_t *store, const wasmtime_instance_t *instance,
    size_t index, char **name, size_t *name_len, wasmtime_extern_t *item);

typedef struct wasmtime_instance_pre wasmtime_instance_pre_t;

/// Frees a pre-instantiated module.
WASM_API_EXTERN void
wasmtime_instance_pre_delete(wasmtime_instance_pre_t *instance_pre);

/// Instantiates in `cx`.
WASM_API_EXTERN wasmtime_error_t *wasmtime_instance_pre_instantiate(
    const wasmtime_instance_pre_t *instance_pre, wasmtime_context_t *store,
    wasmtime_instance_t *instance, wasm_trap_t **trap_ptr);

/// The module being instantiated (a new handle).
WASM_API_EXTERN wasmtime_module_t *
wasmtime_instance_pre_module(const wasmtime_instance_pre_t *instance_pre);

#ifdef __cplusplus
}
#endif

#endif
