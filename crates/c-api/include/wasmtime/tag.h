/*
 * Wasmtime C API: declarations of the "tag" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_TAG_H
#define WASMTIME_TAG_H

#include <wasm.h>
#include <wasmtime/error.h>
#include <wasmtime/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmtime_tag {
  struct {

    uint64_t store_id;

    uint32_t __private1;
  };

  uint32_t __private2;
} wasmtime_tag_t;

#define WASMTIME_EXTERN_TAG 5

/// A new tag of type `tt`.
WASM_API_EXTERN wasmtime_error_t *wasmtime_tag_new(wasmtime_context_t *store,
                                                   const wasm_tagtype_t *tt,
                                                   wasmtime_tag_t *ret);

/// The type of a tag.
WASM_API_EXTERN wasm_tagtype_t *
wasmtime_tag_type(const wasmtime_context_t *store, const wasmtime_tag_t *tag);

/// Whether two tags are the same tag.
WASM_API_EXTERN bool wasmtime_tag_eq(const wasmtime_context_t *store,
                                     const wasmtime_tag_t *a,
                                     const wasmtime_tag_t *b);

#ifdef __cplusplus
}
#endif

#endif
