/*
 * Which optional parts of the API this build of the library provides (one WASMTIME_FEATURE_* macro per part).
 *
 * Parts not listed are not part of this library yet (for example the
 * component model C API).
 */

#ifndef WASMTIME_CONF_H
#define WASMTIME_CONF_H

#define WASMTIME_FEATURE_WAT
#define WASMTIME_FEATURE_CACHE
#define WASMTIME_FEATURE_PARALLEL_COMPILATION
#define WASMTIME_FEATURE_WASI
#define WASMTIME_FEATURE_THREADS
#define WASMTIME_FEATURE_GC
#define WASMTIME_FEATURE_ASYNC
#define WASMTIME_FEATURE_COMPONENT_MODEL
#define WASMTIME_FEATURE_COMPONENT_MODEL_ASYNC
#define WASMTIME_FEATURE_CRANELIFT
#define WASMTIME_FEATURE_POOLING_ALLOCATOR
#define WASMTIME_FEATURE_PROFILING

#if defined(WASMTIME_FEATURE_CRANELIFT) || defined(WASMTIME_FEATURE_WINCH)
#define WASMTIME_FEATURE_COMPILER
#endif

#endif
