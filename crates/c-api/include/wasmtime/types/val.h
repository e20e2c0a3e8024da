/*
 * Wasmtime C API: declarations of the "types val" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_TYPES_VAL_H
#define WASMTIME_TYPES_VAL_H

#include <wasm.h>
#include <wasmtime/types/arrayref.h>
#include <wasmtime/types/exnref.h>
#include <wasmtime/types/structref.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The `v128` value type.
WASM_API_EXTERN wasm_valtype_t *wasmtime_wasm_valtype_v128(void);

/// Whether two value types are the same type.
WASM_API_EXTERN bool wasmtime_wasm_valtype_equal(const wasm_valtype_t *a,
                                                 const wasm_valtype_t *b);

typedef uint8_t wasmtime_heaptype_kind_t;

#define WASMTIME_HEAPTYPE_KIND_EXTERN 0

#define WASMTIME_HEAPTYPE_KIND_NOEXTERN 1

#define WASMTIME_HEAPTYPE_KIND_FUNC 2

#define WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC 3

#define WASMTIME_HEAPTYPE_KIND_NOFUNC 4

#define WASMTIME_HEAPTYPE_KIND_ANY 5

#define WASMTIME_HEAPTYPE_KIND_NONE 6

#define WASMTIME_HEAPTYPE_KIND_EQ 7

#define WASMTIME_HEAPTYPE_KIND_I31 8

#define WASMTIME_HEAPTYPE_KIND_ARRAY 9

#define WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY 10

#define WASMTIME_HEAPTYPE_KIND_STRUCT 11

#define WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT 12

#define WASMTIME_HEAPTYPE_KIND_EXN 13

#define WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN 14

#define WASMTIME_HEAPTYPE_KIND_NOEXN 15

typedef union wasmtime_heaptype_union {

  wasm_functype_t *concrete_func;

  wasmtime_array_type_t *concrete_array;

  wasmtime_struct_type_t *concrete_struct;

  wasmtime_exn_type_t *concrete_exn;
} wasmtime_heaptype_union_t;

typedef struct wasmtime_heaptype {

  wasmtime_heaptype_kind_t kind;

  wasmtime_heaptype_union_t of;
} wasmtime_heaptype_t;

/// Copies a heap type (deeply).
WASM_API_EXTERN void wasmtime_heaptype_clone(const wasmtime_heaptype_t *ty,
                                             wasmtime_heaptype_t *out);

/// Frees what a heap type owns.
WASM_API_EXTERN void wasmtime_heaptype_delete(wasmtime_heaptype_t *ty);

typedef struct wasmtime_reftype {

  bool nullable;

  wasmtime_heaptype_t heaptype;
} wasmtime_reftype_t;

/// Copies a reference type (deeply).
WASM_API_EXTERN void wasmtime_reftype_clone(const wasmtime_reftype_t *ty,
                                            wasmtime_reftype_t *out);

/// Frees what a reference type owns.
WASM_API_EXTERN void wasmtime_reftype_delete(wasmtime_reftype_t *ty);

typedef uint8_t wasmtime_valtype_kind_t;

#define WASMTIME_VALTYPE_KIND_I32 0

#define WASMTIME_VALTYPE_KIND_I64 1

#define WASMTIME_VALTYPE_KIND_F32 2

#define WASMTIME_VALTYPE_KIND_F64 3

#define WASMTIME_VALTYPE_KIND_V128 4

#define WASMTIME_VALTYPE_KIND_REF 5

typedef struct wasmtime_valtype {

  wasmtime_valtype_kind_t kind;

  wasmtime_reftype_t reftype;
} wasmtime_valtype_t;

/// Describes `ty` as a `wasmtime_valtype_t`.
WASM_API_EXTERN void wasmtime_valtype_new(const wasm_valtype_t *ty,
                                          wasmtime_valtype_t *out);

/// Copies a value type (deeply).
WASM_API_EXTERN void wasmtime_valtype_clone(const wasmtime_valtype_t *ty,
                                            wasmtime_valtype_t *out);

/// Frees what a value type owns.
WASM_API_EXTERN void wasmtime_valtype_delete(wasmtime_valtype_t *ty);

/// The `wasm_valtype_t` of `ty` for `engine`, or NULL if a concrete type
/// is not of `engine` (which may be NULL only for abstract heap types).
WASM_API_EXTERN wasm_valtype_t *
wasmtime_valtype_to_wasm(const wasm_engine_t *engine,
                         const wasmtime_valtype_t *ty);

#ifdef __cplusplus
}
#endif

#endif
