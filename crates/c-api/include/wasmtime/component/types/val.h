/*
 * Wasmtime C API: declarations of the "component types val" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_TYPES_VAL_H
#define WASMTIME_COMPONENT_TYPES_VAL_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <stdint.h>
#include <wasmtime/component/types/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wasmtime_component_valtype_t;

typedef struct wasmtime_component_list_type wasmtime_component_list_type_t;

WASM_API_EXTERN wasmtime_component_list_type_t *
wasmtime_component_list_type_clone(const wasmtime_component_list_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_list_type_equal(const wasmtime_component_list_type_t *a,
                                   const wasmtime_component_list_type_t *b);

WASM_API_EXTERN void
wasmtime_component_list_type_delete(wasmtime_component_list_type_t *ptr);

WASM_API_EXTERN void wasmtime_component_list_type_element(
    const wasmtime_component_list_type_t *ty,
    struct wasmtime_component_valtype_t *type_ret);

typedef struct wasmtime_component_record_type wasmtime_component_record_type_t;

WASM_API_EXTERN wasmtime_component_record_type_t *
wasmtime_component_record_type_clone(
    const wasmtime_component_record_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_record_type_equal(const wasmtime_component_record_type_t *a,
                                     const wasmtime_component_record_type_t *b);

WASM_API_EXTERN void
wasmtime_component_record_type_delete(wasmtime_component_record_type_t *ptr);

WASM_API_EXTERN size_t wasmtime_component_record_type_field_count(
    const wasmtime_component_record_type_t *ty);

WASM_API_EXTERN bool wasmtime_component_record_type_field_nth(
    const wasmtime_component_record_type_t *ty, size_t nth,
    const char **name_ret, size_t *name_len_ret,
    struct wasmtime_component_valtype_t *type_ret);

typedef struct wasmtime_component_tuple_type wasmtime_component_tuple_type_t;

WASM_API_EXTERN wasmtime_component_tuple_type_t *
wasmtime_component_tuple_type_clone(const wasmtime_component_tuple_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_tuple_type_equal(const wasmtime_component_tuple_type_t *a,
                                    const wasmtime_component_tuple_type_t *b);

WASM_API_EXTERN void
wasmtime_component_tuple_type_delete(wasmtime_component_tuple_type_t *ptr);

WASM_API_EXTERN size_t wasmtime_component_tuple_type_types_count(
    const wasmtime_component_tuple_type_t *ty);

WASM_API_EXTERN bool wasmtime_component_tuple_type_types_nth(
    const wasmtime_component_tuple_type_t *ty, size_t nth,
    struct wasmtime_component_valtype_t *type_ret);

typedef struct wasmtime_component_variant_type
    wasmtime_component_variant_type_t;

WASM_API_EXTERN wasmtime_component_variant_type_t *
wasmtime_component_variant_type_clone(
    const wasmtime_component_variant_type_t *ty);

WASM_API_EXTERN bool wasmtime_component_variant_type_equal(
    const wasmtime_component_variant_type_t *a,
    const wasmtime_component_variant_type_t *b);

WASM_API_EXTERN void
wasmtime_component_variant_type_delete(wasmtime_component_variant_type_t *ptr);

WASM_API_EXTERN size_t wasmtime_component_variant_type_case_count(
    const wasmtime_component_variant_type_t *ty);

WASM_API_EXTERN bool wasmtime_component_variant_type_case_nth(
    const wasmtime_component_variant_type_t *ty, size_t nth,
    const char **name_ret, size_t *name_len_ret, bool *has_payload_ret,
    struct wasmtime_component_valtype_t *payload_ret);

typedef struct wasmtime_component_enum_type wasmtime_component_enum_type_t;

WASM_API_EXTERN wasmtime_component_enum_type_t *
wasmtime_component_enum_type_clone(const wasmtime_component_enum_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_enum_type_equal(const wasmtime_component_enum_type_t *a,
                                   const wasmtime_component_enum_type_t *b);

WASM_API_EXTERN void
wasmtime_component_enum_type_delete(wasmtime_component_enum_type_t *ptr);

WASM_API_EXTERN size_t wasmtime_component_enum_type_names_count(
    const wasmtime_component_enum_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_enum_type_names_nth(const wasmtime_component_enum_type_t *ty,
                                       size_t nth, const char **name_ret,
                                       size_t *name_len_ret);

typedef struct wasmtime_component_option_type wasmtime_component_option_type_t;

WASM_API_EXTERN wasmtime_component_option_type_t *
wasmtime_component_option_type_clone(
    const wasmtime_component_option_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_option_type_equal(const wasmtime_component_option_type_t *a,
                                     const wasmtime_component_option_type_t *b);

WASM_API_EXTERN void
wasmtime_component_option_type_delete(wasmtime_component_option_type_t *ptr);

WASM_API_EXTERN void wasmtime_component_option_type_ty(
    const wasmtime_component_option_type_t *ty,
    struct wasmtime_component_valtype_t *type_ret);

typedef struct wasmtime_component_result_type wasmtime_component_result_type_t;

WASM_API_EXTERN wasmtime_component_result_type_t *
wasmtime_component_result_type_clone(
    const wasmtime_component_result_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_result_type_equal(const wasmtime_component_result_type_t *a,
                                     const wasmtime_component_result_type_t *b);

WASM_API_EXTERN void
wasmtime_component_result_type_delete(wasmtime_component_result_type_t *ptr);

WASM_API_EXTERN bool wasmtime_component_result_type_ok(
    const wasmtime_component_result_type_t *ty,
    struct wasmtime_component_valtype_t *type_ret);

WASM_API_EXTERN bool wasmtime_component_result_type_err(
    const wasmtime_component_result_type_t *ty,
    struct wasmtime_component_valtype_t *type_ret);

typedef struct wasmtime_component_flags_type wasmtime_component_flags_type_t;

WASM_API_EXTERN wasmtime_component_flags_type_t *
wasmtime_component_flags_type_clone(const wasmtime_component_flags_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_flags_type_equal(const wasmtime_component_flags_type_t *a,
                                    const wasmtime_component_flags_type_t *b);

WASM_API_EXTERN void
wasmtime_component_flags_type_delete(wasmtime_component_flags_type_t *ptr);

WASM_API_EXTERN size_t wasmtime_component_flags_type_names_count(
    const wasmtime_component_flags_type_t *ty);

WASM_API_EXTERN bool wasmtime_component_flags_type_names_nth(
    const wasmtime_component_flags_type_t *ty, size_t nth,
    const char **name_ret, size_t *name_len_ret);

typedef struct wasmtime_component_future_type wasmtime_component_future_type_t;

WASM_API_EXTERN wasmtime_component_future_type_t *
wasmtime_component_future_type_clone(
    const wasmtime_component_future_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_future_type_equal(const wasmtime_component_future_type_t *a,
                                     const wasmtime_component_future_type_t *b);

WASM_API_EXTERN void
wasmtime_component_future_type_delete(wasmtime_component_future_type_t *ptr);

WASM_API_EXTERN bool wasmtime_component_future_type_ty(
    const wasmtime_component_future_type_t *ty,
    struct wasmtime_component_valtype_t *type_ret);

typedef struct wasmtime_component_stream_type wasmtime_component_stream_type_t;

WASM_API_EXTERN wasmtime_component_stream_type_t *
wasmtime_component_stream_type_clone(
    const wasmtime_component_stream_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_stream_type_equal(const wasmtime_component_stream_type_t *a,
                                     const wasmtime_component_stream_type_t *b);

WASM_API_EXTERN void
wasmtime_component_stream_type_delete(wasmtime_component_stream_type_t *ptr);

WASM_API_EXTERN bool wasmtime_component_stream_type_ty(
    const wasmtime_component_stream_type_t *ty,
    struct wasmtime_component_valtype_t *type_ret);

typedef struct wasmtime_component_map_type wasmtime_component_map_type_t;

WASM_API_EXTERN wasmtime_component_map_type_t *
wasmtime_component_map_type_clone(const wasmtime_component_map_type_t *ty);

WASM_API_EXTERN bool
wasmtime_component_map_type_equal(const wasmtime_component_map_type_t *a,
                                  const wasmtime_component_map_type_t *b);

WASM_API_EXTERN void
wasmtime_component_map_type_delete(wasmtime_component_map_type_t *ptr);

WASM_API_EXTERN void
wasmtime_component_map_type_key(const wasmtime_component_map_type_t *ty,
                                struct wasmtime_component_valtype_t *type_ret);

WASM_API_EXTERN void wasmtime_component_map_type_value(
    const wasmtime_component_map_type_t *ty,
    struct wasmtime_component_valtype_t *type_ret);

#define WASMTIME_COMPONENT_VALTYPE_BOOL 0

#define WASMTIME_COMPONENT_VALTYPE_S8 1

#define WASMTIME_COMPONENT_VALTYPE_S16 2

#define WASMTIME_COMPONENT_VALTYPE_S32 3

#define WASMTIME_COMPONENT_VALTYPE_S64 4

#define WASMTIME_COMPONENT_VALTYPE_U8 5

#define WASMTIME_COMPONENT_VALTYPE_U16 6

#define WASMTIME_COMPONENT_VALTYPE_U32 7

#define WASMTIME_COMPONENT_VALTYPE_U64 8

#define WASMTIME_COMPONENT_VALTYPE_F32 9

#define WASMTIME_COMPONENT_VALTYPE_F64 10

#define WASMTIME_COMPONENT_VALTYPE_CHAR 11

#define WASMTIME_COMPONENT_VALTYPE_STRING 12

#define WASMTIME_COMPONENT_VALTYPE_LIST 13

#define WASMTIME_COMPONENT_VALTYPE_RECORD 14

#define WASMTIME_COMPONENT_VALTYPE_TUPLE 15

#define WASMTIME_COMPONENT_VALTYPE_VARIANT 16

#define WASMTIME_COMPONENT_VALTYPE_ENUM 17

#define WASMTIME_COMPONENT_VALTYPE_OPTION 18

#define WASMTIME_COMPONENT_VALTYPE_RESULT 19

#define WASMTIME_COMPONENT_VALTYPE_FLAGS 20

#define WASMTIME_COMPONENT_VALTYPE_OWN 21

#define WASMTIME_COMPONENT_VALTYPE_BORROW 22

#define WASMTIME_COMPONENT_VALTYPE_FUTURE 23

#define WASMTIME_COMPONENT_VALTYPE_STREAM 24

#define WASMTIME_COMPONENT_VALTYPE_ERROR_CONTEXT 25

#define WASMTIME_COMPONENT_VALTYPE_MAP 26

typedef uint8_t wasmtime_component_valtype_kind_t;

typedef union wasmtime_component_valtype_union {

  wasmtime_component_list_type_t *list;

  wasmtime_component_record_type_t *record;

  wasmtime_component_tuple_type_t *tuple;

  wasmtime_component_variant_type_t *variant;

  wasmtime_component_enum_type_t *enum_;

  wasmtime_component_option_type_t *option;

  wasmtime_component_result_type_t *result;

  wasmtime_component_flags_type_t *flags;

  wasmtime_component_resource_type_t *own;

  wasmtime_component_resource_type_t *borrow;

  wasmtime_component_future_type_t *future;

  wasmtime_component_stream_type_t *stream;

  wasmtime_component_map_type_t *map;
} wasmtime_component_valtype_union_t;

typedef struct wasmtime_component_valtype_t {

  wasmtime_component_valtype_kind_t kind;

  wasmtime_component_valtype_union_t of;
} wasmtime_component_valtype_t;

WASM_API_EXTERN void
wasmtime_component_valtype_clone(const wasmtime_component_valtype_t *ty,
                                 wasmtime_component_valtype_t *out);

WASM_API_EXTERN bool
wasmtime_component_valtype_equal(const wasmtime_component_valtype_t *a,
                                 const wasmtime_component_valtype_t *b);

WASM_API_EXTERN void
wasmtime_component_valtype_delete(wasmtime_component_valtype_t *ptr);

#ifdef __cplusplus
}
#endif

#endif

#endif
