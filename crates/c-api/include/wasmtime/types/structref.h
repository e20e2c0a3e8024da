/*
 * Wasmtime C API: declarations of the "types structref" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_TYPES_STRUCTREF_H
#define WASMTIME_TYPES_STRUCTREF_H

#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t wasmtime_storage_type_kind_t;

#define WASMTIME_STORAGE_TYPE_KIND_I8 0

#define WASMTIME_STORAGE_TYPE_KIND_I16 1

#define WASMTIME_STORAGE_TYPE_KIND_VALTYPE 2

typedef struct wasmtime_storage_type {

  wasmtime_storage_type_kind_t kind;

  wasm_valtype_t *valtype;
} wasmtime_storage_type_t;

/// Copies a storage type.
WASM_API_EXTERN void
wasmtime_storage_type_clone(const wasmtime_storage_type_t *storage,
                            wasmtime_storage_type_t *out);

/// Frees what a storage type owns.
WASM_API_EXTERN void
wasmtime_storage_type_delete(wasmtime_storage_type_t *storage);

typedef struct wasmtime_field_type {

  bool mutable_;

  wasmtime_storage_type_t storage;
} wasmtime_field_type_t;

/// Copies a field type.
WASM_API_EXTERN void
wasmtime_field_type_clone(const wasmtime_field_type_t *field,
                          wasmtime_field_type_t *out);

/// Frees what a field type owns.
WASM_API_EXTERN void wasmtime_field_type_delete(wasmtime_field_type_t *field);

typedef struct wasmtime_struct_type wasmtime_struct_type_t;

/// A new final struct type with `fields` (NULL if a storage type is
/// invalid or names a type of another engine).
WASM_API_EXTERN wasmtime_struct_type_t *
wasmtime_struct_type_new(const wasm_engine_t *engine,
                         const wasmtime_field_type_t *fields, size_t nfields);

/// A copy of a struct type.
WASM_API_EXTERN wasmtime_struct_type_t *
wasmtime_struct_type_copy(const wasmtime_struct_type_t *ty);

/// Frees a struct type.
WASM_API_EXTERN void wasmtime_struct_type_delete(wasmtime_struct_type_t *ty);

/// The number of fields of a struct type.
WASM_API_EXTERN size_t
wasmtime_struct_type_num_fields(const wasmtime_struct_type_t *ty);

/// Field `index` into `out`, which the caller owns; false, leaving `out`
/// alone, if there is no such field.
WASM_API_EXTERN bool
wasmtime_struct_type_field(const wasmtime_struct_type_t *ty, size_t index,
                           wasmtime_field_type_t *out);

#ifdef __cplusplus
}
#endif

#endif
