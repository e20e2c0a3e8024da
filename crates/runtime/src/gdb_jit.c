/*
 * The two symbols of GDB's JIT interface ("JIT Compilation Interface" in
 * the GDB manual). GDB sets a breakpoint in __jit_debug_register_code and,
 * when it is hit, reads the list in __jit_debug_descriptor. They live in C
 * so that the function is a real, never-inlined call; both are weak so that
 * another JIT in the same process may define them instead (all JITs then
 * share one list). The list itself is managed by gdb_jit.rs.
 */

#include <stdint.h>

struct jit_descriptor {
  uint32_t version;
  uint32_t action_flag;
  void *relevant_entry;
  void *first_entry;
};

__attribute__((weak, noinline)) void __jit_debug_register_code(void) {
  /* Keeps the call from being optimised away. */
  __asm__ volatile("" ::: "memory");
}

__attribute__((weak)) struct jit_descriptor __jit_debug_descriptor = {1, 0, 0, 0};

/* The descriptor in use (ours, or another JIT's if it overrode ours). */
struct jit_descriptor *wasmtime_ours_jit_debug_descriptor(void) {
  return &__jit_debug_descriptor;
}

void wasmtime_ours_jit_debug_register_code(void) {
  __jit_debug_register_code();
}
