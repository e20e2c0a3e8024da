/* Assertion helpers shared by the C API tests. */
#ifndef C_API_TEST_CHECK_H
#define C_API_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* Fails the test, printing the error's message, when `err` is not NULL. */
static inline void check_ok(wasmtime_error_t *err, const char *what) {
  if (err != NULL) {
    wasm_name_t msg;
    wasmtime_error_message(err, &msg);
    fprintf(stderr, "%s failed: %.*s\n", what, (int)msg.size, msg.data);
    wasm_byte_vec_delete(&msg);
    wasmtime_error_delete(err);
    exit(1);
  }
}

/* Whether the message of `err` contains `needle` (and frees `err`). */
static inline int error_contains(wasmtime_error_t *err, const char *needle) {
  wasm_name_t msg;
  wasmtime_error_message(err, &msg);
  int found = memmem(msg.data, msg.size, needle, strlen(needle)) != NULL;
  if (!found)
    fprintf(stderr, "error message without '%s': %.*s\n", needle,
            (int)msg.size, msg.data);
  wasm_byte_vec_delete(&msg);
  wasmtime_error_delete(err);
  return found;
}

/* Whether the message of `trap` contains `needle` (and frees `trap`). */
static inline int trap_contains(wasm_trap_t *trap, const char *needle) {
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  int found = memmem(msg.data, msg.size, needle, strlen(needle)) != NULL;
  if (!found)
    fprintf(stderr, "trap message without '%s': %.*s\n", needle,
            (int)msg.size, msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);
  return found;
}

/* Compiles the text module `wat` to binary in `out`. */
static inline void wat2wasm(const char *wat, wasm_byte_vec_t *out) {
  check_ok(wasmtime_wat2wasm(wat, strlen(wat), out), "wat2wasm");
}

#endif
