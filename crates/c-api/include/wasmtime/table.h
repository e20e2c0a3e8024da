/*
 * Wasmtime C API: declarations of the "table" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_TABLE_H
#define WASMTIME_TABLE_H

#include <wasm.h>
#include <wasmtime/error.h>
#include <wasmtime/extern.h>
#include <wasmtime/store.h>
#include <wasmtime/val.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A table of type `ty` filled with `init`.
WASM_API_EXTERN wasmtime_error_t *wasmtime_table_new(wasmtime_context_t *store,
                                                     const wasm_tabletype_t *ty,
                                                     const wasmtime_val_t *init,
                                                     wasmtime_table_t *table);

/// The table's type.
WASM_API_EXTERN wasm_tabletype_t *
wasmtime_table_type(const wasmtime_context_t *store,
                    const wasmtime_table_t *table);

/// Reads the element at `index`; false when out of bounds.
WASM_API_EXTERN bool wasmtime_table_get(wasmtime_context_t *store,
                                        const wasmtime_table_t *table,
                                        uint64_t index, wasmtime_val_t *val);

/// Writes the element at `index`.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_table_set(wasmtime_context_t *store, const wasmtime_table_t *table,
                   uint64_t index, const wasmtime_val_t *value);

/// The number of elements.
WASM_API_EXTERN uint64_t wasmtime_table_size(const wasmtime_context_t *store,
                                             const wasmtime_table_t *table);

/// Grows the table by `delta` elements set to `init`; writes the old size.
WASM_API_EXTERN wasmtime_error_t *
wasmtime_table_grow(wasmtime_context_t *store, const wasmtime_table_t *table,
                    uint64_t delta, const wasmtime_val_t *init,
                    uint64_t *prev_size);

#ifdef __cplusplus
}
#endif

#endif
