/*
 * setjmp/longjmp helpers for the trap handling in traphandlers.rs.
 *
 * Rust cannot call setjmp itself (it "returns twice"), so the whole
 * setjmp-call-return sequence lives in C: wasmtime_setjmp sets a jump point,
 * publishes its address through *jmp_buf_out and calls body(payload). If the
 * signal handler later calls wasmtime_longjmp with that address, execution
 * resumes here and wasmtime_setjmp returns 0.
 */

#include <setjmp.h>

int wasmtime_setjmp(void **jmp_buf_out, void (*body)(void *), void *payload) {
  sigjmp_buf buf;
  /* savemask = 0: the signal mask is not changed by our handlers
     (SA_NODEFER), so there is nothing to restore. */
  if (sigsetjmp(buf, 0) != 0) {
    return 0;
  }
  *jmp_buf_out = (void *)&buf;
  body(payload);
  return 1;
}

void wasmtime_longjmp(void *jmp_buf) {
  sigjmp_buf *buf = (sigjmp_buf *)jmp_buf;
  siglongjmp(*buf, 1);
}
