/*
 * Wasmtime C API: declarations of the "linker" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_LINKER_H
#define WASMTIME_LINKER_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>
#include <wasmtime/extern.h>
#include <wasmtime/func.h>
#include <wasmtime/instance.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_linker wasmtime_linker_t;

/// A new, empty linker.
WASM_API_EXTERN wasmtime_linker_t *wasmtime_linker_new(wasm_engine_t *engine);

/// A copy of a linker.
WASM_API_EXTERN wasmtime_linker_t *
wasmtime_linker_clone(const wasmtime_linker_t *linker);

/// Frees a linker.
WASM_API_EXTERN void wasmtime_linker_delete(wasmtime_linker_t *linker);

/// Whether a later definition may replace an earlier one of the same name.
WASM_API_EXTERN void wasmtime_linker_allow_shadowing(wasmtime_linker_t *linker,
                                                     bool allow_shadowing);

/// Defines every unresolved function import of `module` as a trapping stub.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_define_unknown_imports_as_traps(
    wasmtime_linker_t *linker, const wasmtime_module_t *module);

/// Defines every unresolved import of `module` as a default value.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_define_unknown_imports_as_default_values(
    wasmtime_linker_t *linker, wasmtime_context_t *store,
    const wasmtime_module_t *module);

/// Defines `module::name` as `item`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_define(wasmtime_linker_t *linker, wasmtime_context_t *store,
                       const char *module, size_t module_len, const char *name,
                       size_t name_len, const wasmtime_extern_t *item);

/// Defines `module::name` as a host function of type `ty`.
WASM_API_EXTERN wasmtime_error_t *wasmtime_linker_define_func(
    wasmtime_linker_t *linker, const char *module, size_t module_len,
    const char *name, size_t name_len, const wasm_functype_t *ty,
    wasmtime_func_callback_t cb, void *data, void (*finalizer)(void *));

/// Defines `module::name` as a host function with raw-slot arguments.
WASM_API_EXTERN wasmtime_error_t *wasmtime_linker_define_func_unchecked(
    wasmtime_linker_t *linker, const char *module, size_t module_len,
    const char *name, size_t name_len, const wasm_functype_t *ty,
    wasmtime_func_unchecked_callback_t cb, void *data,
    void (*finalizer)(void *));

#ifdef WASMTIME_FEATURE_WASI

/// Defines the WASI preview 1 functions; they use the store's WASI state
/// (`wasmtime_context_set_wasi`; a store without one gets an empty one).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_define_wasi(wasmtime_linker_t *linker);

#endif

/// Defines every export of `instance` under the module name `name`.
WASM_API_EXTERN wasmtime_error_t *wasmtime_linker_define_instance(
    wasmtime_linker_t *linker, wasmtime_context_t *store, const char *name,
    size_t name_len, const wasmtime_instance_t *instance);

/// Instantiates `module` with the linker's definitions.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_instantiate(const wasmtime_linker_t *linker,
                            wasmtime_context_t *store,
                            const wasmtime_module_t *module,
                            wasmtime_instance_t *instance, wasm_trap_t **trap);

/// Defines the exports of `module` under `name` (commands are instantiated
/// afresh for each call of an export).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_module(wasmtime_linker_t *linker, wasmtime_context_t *store,
                       const char *name, size_t name_len,
                       const wasmtime_module_t *module);

/// The default export (`""` or `_start`) of the module named `name`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_get_default(const wasmtime_linker_t *linker,
                            wasmtime_context_t *store, const char *name,
                            size_t name_len, wasmtime_func_t *func);

/// Looks up `module::name`.
WASM_API_EXTERN bool wasmtime_linker_get(const wasmtime_linker_t *linker,
                                         wasmtime_context_t *store,
                                         const char *module, size_t module_len,
                                         const char *name, size_t name_len,
                                         wasmtime_extern_t *item);

/// Resolves the imports of `module` once, for fast instantiation later.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_linker_instantiate_pre(const wasmtime_linker_t *linker,
                                const wasmtime_module_t *module,
                                wasmtime_instance_pre_t **instance_pre);

#ifdef __cplusplus
}
#endif

#endif
