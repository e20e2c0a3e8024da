/*
 * Wasmtime C API: declarations of the "extern" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_EXTERN_H
#define WASMTIME_EXTERN_H

#include <wasmtime/module.h>
#include <wasmtime/sharedmemory.h>
#include <wasmtime/store.h>
#include <wasmtime/tag.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_func {

  uint64_t store_id;

  void *__private;
} wasmtime_func_t;

typedef struct wasmtime_table {
  struct {

    uint64_t store_id;

    uint32_t __private1;
  };

  uint32_t __private2;
} wasmtime_table_t;

typedef struct wasmtime_memory {
  struct {

    uint64_t store_id;

    uint32_t __private1;
  };

  uint32_t __private2;
} wasmtime_memory_t;

typedef struct wasmtime_global {

  uint64_t store_id;

  uint32_t __private1;

  uint32_t __private2;

  uint32_t __private3;
} wasmtime_global_t;

typedef uint8_t wasmtime_extern_kind_t;

#define WASMTIME_EXTERN_FUNC 0

#define WASMTIME_EXTERN_GLOBAL 1

#define WASMTIME_EXTERN_TABLE 2

#define WASMTIME_EXTERN_MEMORY 3

#define WASMTIME_EXTERN_SHAREDMEMORY 4

#define WASMTIME_EXTERN_TAG 5

typedef union wasmtime_extern_union {

  wasmtime_func_t func;

  wasmtime_global_t global;

  wasmtime_table_t table;

  wasmtime_memory_t memory;

  struct wasmtime_sharedmemory *sharedmemory;

  wasmtime_tag_t tag;
} wasmtime_extern_union_t;

typedef struct wasmtime_extern {

  wasmtime_extern_kind_t kind;

  wasmtime_extern_union_t of;
} wasmtime_extern_t;

/// Frees what an extern owns (a shared memory handle).
WASM_API_EXTERN void wasmtime_extern_delete(wasmtime_extern_t *val);

/// The type of an extern, or NULL if the handle is not valid.
WASM_API_EXTERN wasm_externtype_t *
wasmtime_extern_type(wasmtime_context_t *context, const wasmtime_extern_t *val);

#ifdef __cplusplus
}
#endif

#endif
