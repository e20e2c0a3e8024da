/*
 * Wasmtime C API: declarations of the "component val" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_COMPONENT_VAL_H
#define WASMTIME_COMPONENT_VAL_H

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <stdint.h>
#include <wasm.h>
#include <wasmtime/component/types/resource.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_component_resource_any
    wasmtime_component_resource_any_t;

WASM_API_EXTERN
wasmtime_component_resource_type_t *wasmtime_component_resource_any_type(
    const wasmtime_component_resource_any_t *resource);

WASM_API_EXTERN
wasmtime_component_resource_any_t *wasmtime_component_resource_any_clone(
    const wasmtime_component_resource_any_t *resource);

WASM_API_EXTERN
bool wasmtime_component_resource_any_owned(
    const wasmtime_component_resource_any_t *resource);

WASM_API_EXTERN
wasmtime_error_t *wasmtime_component_resource_any_drop(
    wasmtime_context_t *ctx, const wasmtime_component_resource_any_t *resource);

WASM_API_EXTERN
void wasmtime_component_resource_any_delete(
    wasmtime_component_resource_any_t *resource);

typedef struct wasmtime_component_resource_host
    wasmtime_component_resource_host_t;

WASM_API_EXTERN
wasmtime_component_resource_host_t *
wasmtime_component_resource_host_new(bool owned, uint32_t rep, uint32_t ty);

WASM_API_EXTERN
wasmtime_component_resource_host_t *wasmtime_component_resource_host_clone(
    const wasmtime_component_resource_host_t *resource);

WASM_API_EXTERN
uint32_t wasmtime_component_resource_host_rep(
    const wasmtime_component_resource_host_t *resource);

WASM_API_EXTERN
uint32_t wasmtime_component_resource_host_type(
    const wasmtime_component_resource_host_t *resource);

WASM_API_EXTERN
bool wasmtime_component_resource_host_owned(
    const wasmtime_component_resource_host_t *resource);

WASM_API_EXTERN
void wasmtime_component_resource_host_delete(
    wasmtime_component_resource_host_t *resource);

WASM_API_EXTERN
wasmtime_error_t *wasmtime_component_resource_any_to_host(
    wasmtime_context_t *ctx, const wasmtime_component_resource_any_t *resource,
    wasmtime_component_resource_host_t **ret);

WASM_API_EXTERN
wasmtime_error_t *wasmtime_component_resource_host_to_any(
    wasmtime_context_t *ctx, const wasmtime_component_resource_host_t *resource,
    wasmtime_component_resource_any_t **ret);

typedef uint8_t wasmtime_component_valkind_t;

#define WASMTIME_COMPONENT_BOOL 0

#define WASMTIME_COMPONENT_S8 1

#define WASMTIME_COMPONENT_U8 2

#define WASMTIME_COMPONENT_S16 3

#define WASMTIME_COMPONENT_U16 4

#define WASMTIME_COMPONENT_S32 5

#define WASMTIME_COMPONENT_U32 6

#define WASMTIME_COMPONENT_S64 7

#define WASMTIME_COMPONENT_U64 8

#define WASMTIME_COMPONENT_F32 9

#define WASMTIME_COMPONENT_F64 10

#define WASMTIME_COMPONENT_CHAR 11

#define WASMTIME_COMPONENT_STRING 12

#define WASMTIME_COMPONENT_LIST 13

#define WASMTIME_COMPONENT_RECORD 14

#define WASMTIME_COMPONENT_TUPLE 15

#define WASMTIME_COMPONENT_VARIANT 16

#define WASMTIME_COMPONENT_ENUM 17

#define WASMTIME_COMPONENT_OPTION 18

#define WASMTIME_COMPONENT_RESULT 19

#define WASMTIME_COMPONENT_FLAGS 20

#define WASMTIME_COMPONENT_RESOURCE 21

#define WASMTIME_COMPONENT_MAP 22

struct wasmtime_component_val;
struct wasmtime_component_valrecord_entry;
struct wasmtime_component_valmap_entry;

#define DECLARE_VEC(name, type)                                                \
                                                  \
  typedef struct name {                                                        \
                                                       \
    size_t size;                                                               \
                                                 \
    type *data;                                                                \
  } name##_t;                                                                  \
                                                                               \
                               \
  WASM_API_EXTERN void name##_new(name##_t *out, size_t size,                  \
                                  const type *ptr);                            \
                                              \
  WASM_API_EXTERN void name##_new_empty(name##_t *out);                        \
                                 \
  WASM_API_EXTERN void name##_new_uninit(name##_t *out, size_t size);          \
                                            \
  WASM_API_EXTERN void name##_copy(name##_t *dst, const name##_t *src);        \
                                                  \
  WASM_API_EXTERN void name##_delete(name##_t *value);

DECLARE_VEC(wasmtime_component_vallist, struct wasmtime_component_val)
DECLARE_VEC(wasmtime_component_valrecord,
            struct wasmtime_component_valrecord_entry)
DECLARE_VEC(wasmtime_component_valtuple, struct wasmtime_component_val)
DECLARE_VEC(wasmtime_component_valflags, wasm_name_t)
DECLARE_VEC(wasmtime_component_valmap, struct wasmtime_component_valmap_entry)

#undef DECLARE_VEC

typedef struct {

  wasm_name_t discriminant;

  struct wasmtime_component_val *val;
} wasmtime_component_valvariant_t;

typedef struct {

  bool is_ok;

  struct wasmtime_component_val *val;
} wasmtime_component_valresult_t;

typedef union {

  bool boolean;

  int8_t s8;

  uint8_t u8;

  int16_t s16;

  uint16_t u16;

  int32_t s32;

  uint32_t u32;

  int64_t s64;

  uint64_t u64;

  float32_t f32;

  float64_t f64;

  uint32_t character;

  wasm_name_t string;

  wasmtime_component_vallist_t list;

  wasmtime_component_valrecord_t record;

  wasmtime_component_valtuple_t tuple;

  wasmtime_component_valvariant_t variant;

  wasm_name_t enumeration;

  struct wasmtime_component_val *option;

  wasmtime_component_valresult_t result;

  wasmtime_component_valflags_t flags;

  wasmtime_component_valmap_t map;

  wasmtime_component_resource_any_t *resource;
} wasmtime_component_valunion_t;

typedef struct wasmtime_component_val {

  wasmtime_component_valkind_t kind;

  wasmtime_component_valunion_t of;
} wasmtime_component_val_t;

typedef struct wasmtime_component_valrecord_entry {

  wasm_name_t name;

  wasmtime_component_val_t val;
} wasmtime_component_valrecord_entry_t;

typedef struct wasmtime_component_valmap_entry {

  wasmtime_component_val_t key;

  wasmtime_component_val_t value;
} wasmtime_component_valmap_entry_t;

WASM_API_EXTERN wasmtime_component_val_t *
wasmtime_component_val_new(wasmtime_component_val_t *val);

WASM_API_EXTERN void wasmtime_component_val_free(wasmtime_component_val_t *ptr);

WASM_API_EXTERN void
wasmtime_component_val_clone(const wasmtime_component_val_t *src,
                             wasmtime_component_val_t *dst);

WASM_API_EXTERN void
wasmtime_component_val_delete(wasmtime_component_val_t *value);

#ifdef __cplusplus
}
#endif

#endif

#endif
