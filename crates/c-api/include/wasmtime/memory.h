/*
 * Wasmtime C API: declarations of the "memory" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_MEMORY_H
#define WASMTIME_MEMORY_H

#include <wasm.h>
#include <wasmtime/error.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A memory type with every property; NULL in `*ret` and an error if the
/// combination is invalid.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_memorytype_new(uint64_t min, bool max_present, uint64_t max,
                        bool is_64, bool shared, uint8_t page_size_log2,
                        wasm_memorytype_t **ret);

/// The minimum size in pages.
WASM_API_EXTERN uint64_t
wasmtime_memorytype_minimum(const wasm_memorytype_t *ty);

/// Whether there is a maximum; writes it if so.
WASM_API_EXTERN bool wasmtime_memorytype_maximum(const wasm_memorytype_t *ty,
                                                 uint64_t *max);

/// Whether the memory is 64-bit.
WASM_API_EXTERN bool wasmtime_memorytype_is64(const wasm_memorytype_t *ty);

/// Whether the memory is shared.
WASM_API_EXTERN bool wasmtime_memorytype_isshared(const wasm_memorytype_t *ty);

/// The page size in bytes.
WASM_API_EXTERN uint64_t
wasmtime_memorytype_page_size(const wasm_memorytype_t *ty);

/// The base-2 logarithm of the page size.
WASM_API_EXTERN uint8_t
wasmtime_memorytype_page_size_log2(const wasm_memorytype_t *ty);

/// A memory of type `ty`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_memory_new(wasmtime_context_t *store, const wasm_memorytype_t *ty,
                    wasmtime_memory_t *ret);

/// The memory's type.
WASM_API_EXTERN wasm_memorytype_t *
wasmtime_memory_type(const wasmtime_context_t *store,
                     const wasmtime_memory_t *memory);

/// The memory's bytes (valid until it grows).
WASM_API_EXTERN uint8_t *wasmtime_memory_data(wasmtime_context_t *store,
                                              const wasmtime_memory_t *memory);

/// The memory's size in bytes.
WASM_API_EXTERN size_t wasmtime_memory_data_size(
    const wasmtime_context_t *store, const wasmtime_memory_t *memory);

/// The memory's size in pages.
WASM_API_EXTERN uint64_t wasmtime_memory_size(const wasmtime_context_t *store,
                                              const wasmtime_memory_t *memory);

/// Grows the memory by `delta` pages; writes the old size in pages.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_memory_grow(wasmtime_context_t *store, const wasmtime_memory_t *memory,
                     uint64_t delta, uint64_t *prev_size);

/// The page size in bytes.
WASM_API_EXTERN uint64_t wasmtime_memory_page_size(
    wasmtime_context_t *store, const wasmtime_memory_t *memory);

/// The base-2 logarithm of the page size.
WASM_API_EXTERN uint8_t wasmtime_memory_page_size_log2(
    wasmtime_context_t *store, const wasmtime_memory_t *memory);

#ifdef __cplusplus
}
#endif

#endif
