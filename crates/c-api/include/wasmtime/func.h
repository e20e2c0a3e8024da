/*
 * Wasmtime C API: declarations of the "func" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_FUNC_H
#define WASMTIME_FUNC_H

#include <wasm.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_caller wasmtime_caller_t;

typedef wasm_trap_t *(*wasmtime_func_callback_t)(
    void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
    size_t nargs, wasmtime_val_t *results, size_t nresults);

/// A host function of type `ty` calling `callback` with `env`.
WASM_API_EXTERN void wasmtime_func_new(wasmtime_context_t *store,
                                       const wasm_functype_t *type,
                                       wasmtime_func_callback_t callback,
                                       void *env, void (*finalizer)(void *),
                                       wasmtime_func_t *ret);

typedef wasm_trap_t *(*wasmtime_func_unchecked_callback_t)(
    void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results,
    size_t num_args_and_results);

/// A host function of type `ty` whose callback reads and writes raw slots.
WASM_API_EXTERN void wasmtime_func_new_unchecked(
    wasmtime_context_t *store, const wasm_functype_t *type,
    wasmtime_func_unchecked_callback_t callback, void *env,
    void (*finalizer)(void *), wasmtime_func_t *ret);

/// The function's type.
WASM_API_EXTERN wasm_functype_t *
wasmtime_func_type(const wasmtime_context_t *store,
                   const wasmtime_func_t *func);

/// Calls the function. NULL and no trap: success; NULL and `*trap` set:
/// wasm trapped; otherwise an error (bad arguments, host errors).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_func_call(wasmtime_context_t *store, const wasmtime_func_t *func,
                   const wasmtime_val_t *args, size_t nargs,
                   wasmtime_val_t *results, size_t nresults,
                   wasm_trap_t **trap);

/// Calls the function with raw slots holding the arguments on entry and
/// the results on return.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_func_call_unchecked(wasmtime_context_t *store,
                             const wasmtime_func_t *func,
                             wasmtime_val_raw_t *args_and_results,
                             size_t args_and_results_len, wasm_trap_t **trap);

/// Looks up an export of the calling instance by name.
WASM_API_EXTERN bool wasmtime_caller_export_get(wasmtime_caller_t *caller,
                                                const char *name,
                                                size_t name_len,
                                                wasmtime_extern_t *item);

/// The caller's store context.
WASM_API_EXTERN wasmtime_context_t *
wasmtime_caller_context(wasmtime_caller_t *caller);

/// The function whose raw funcref is `raw` (null: a null funcref).
WASM_API_EXTERN void wasmtime_func_from_raw(wasmtime_context_t *context,
                                            void *raw, wasmtime_func_t *ret);

/// The raw funcref of a function.
WASM_API_EXTERN void *wasmtime_func_to_raw(wasmtime_context_t *context,
                                           const wasmtime_func_t *func);

#ifdef __cplusplus
}
#endif

#endif
