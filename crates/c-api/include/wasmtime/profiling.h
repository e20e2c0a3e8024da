/*
 * Wasmtime C API: declarations of the "profiling" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_PROFILING_H
#define WASMTIME_PROFILING_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>
#include <wasmtime/module.h>
#include <wasmtime/store.h>

#ifdef WASMTIME_FEATURE_PROFILING

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_guestprofiler wasmtime_guestprofiler_t;

/// Frees a profiler.
WASM_API_EXTERN void wasmtime_guestprofiler_delete(
     wasmtime_guestprofiler_t *guestprofiler);

typedef struct wasmtime_guestprofiler_modules {
  const wasm_name_t *name;
  const wasmtime_module_t
      *mod;
} wasmtime_guestprofiler_modules_t;

/// A profiler named `module_name` sampling about every `interval_nanos`,
/// attributing frames to `modules`; NULL for a name that is not UTF-8, a
/// NULL entry or a module of another engine.
WASM_API_EXTERN  wasmtime_guestprofiler_t *wasmtime_guestprofiler_new(
    const wasm_engine_t *engine, const wasm_name_t *module_name,
    uint64_t interval_nanos, const wasmtime_guestprofiler_modules_t *modules,
    size_t modules_len);

/// Records the store's current wasm stack, `delta_nanos` of CPU time after
/// the previous sample.
WASM_API_EXTERN void
wasmtime_guestprofiler_sample(wasmtime_guestprofiler_t *guestprofiler,
                              const wasmtime_store_t *store,
                              uint64_t delta_nanos);

/// Ends the profile (freeing the profiler) and writes its JSON (the
/// Firefox Profiler's processed format) to `out`.
WASM_API_EXTERN  wasmtime_error_t *
wasmtime_guestprofiler_finish( wasmtime_guestprofiler_t *guestprofiler,
                               wasm_byte_vec_t *out);

#ifdef __cplusplus
}
#endif

#endif

#endif
