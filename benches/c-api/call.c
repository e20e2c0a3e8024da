/* Host-to-wasm calls through the C API: the time of one call of a small
 * exported function, with wasmtime_func_call (typed values, checked) and
 * wasmtime_func_call_unchecked (raw values), for a no-op and for a 2-in /
 * 1-out addition. Uses only wasmtime.h, so the same binary runs against
 * any libwasmtime with Wasmtime 48's ABI (benches/scripts/c-api-call.sh
 * runs it against ours and against Wasmtime 48's own library).
 *
 * Prints one line per case: "NAME NS_PER_CALL" (the best of ROUNDS rounds
 * of ITERS calls each). Arguments: [ITERS] [ROUNDS]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasmtime.h>

static void check(wasmtime_error_t *err, wasm_trap_t *trap, const char *what) {
  if (err == NULL && trap == NULL)
    return;
  wasm_name_t msg;
  if (err != NULL)
    wasmtime_error_message(err, &msg);
  else
    wasm_trap_message(trap, &msg);
  fprintf(stderr, "%s: %.*s\n", what, (int)msg.size, msg.data);
  exit(1);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 1000000;
  int rounds = argc > 2 ? atoi(argv[2]) : 5;
  const char *wat = "(module\n"
                    "  (func (export \"nop\"))\n"
                    "  (func (export \"add\") (param i32 i32) (result i32)\n"
                    "    local.get 0 local.get 1 i32.add))";
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasm_byte_vec_t wasm;
  check(wasmtime_wat2wasm(wat, strlen(wat), &wasm), NULL, "wat2wasm");
  wasmtime_module_t *module = NULL;
  check(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module),
        NULL, "module");
  wasm_byte_vec_delete(&wasm);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  check(wasmtime_instance_new(cx, module, NULL, 0, &instance, &trap), trap,
        "instantiate");
  wasmtime_extern_t nop, add;
  if (!wasmtime_instance_export_get(cx, &instance, "nop", 3, &nop) ||
      !wasmtime_instance_export_get(cx, &instance, "add", 3, &add)) {
    fprintf(stderr, "missing export\n");
    return 1;
  }

  const char *names[4] = {"call_nop", "call_add", "unchecked_nop",
                          "unchecked_add"};
  double best[4] = {1e300, 1e300, 1e300, 1e300};
  int32_t checksum = 0;
  for (int r = 0; r < rounds; r++) {
    for (int c = 0; c < 4; c++) {
      double start = now_ns();
      for (long i = 0; i < iters; i++) {
        switch (c) {
        case 0:
          check(wasmtime_func_call(cx, &nop.of.func, NULL, 0, NULL, 0, &trap),
                trap, "call nop");
          break;
        case 1: {
          wasmtime_val_t args[2], result;
          args[0].kind = WASMTIME_I32;
          args[0].of.i32 = (int32_t)i;
          args[1].kind = WASMTIME_I32;
          args[1].of.i32 = 1;
          check(wasmtime_func_call(cx, &add.of.func, args, 2, &result, 1,
                                   &trap),
                trap, "call add");
          checksum += result.of.i32;
          break;
        }
        case 2:
          check(wasmtime_func_call_unchecked(cx, &nop.of.func, NULL, 0, &trap),
                trap, "unchecked nop");
          break;
        case 3: {
          wasmtime_val_raw_t raw[2];
          raw[0].i32 = (int32_t)i;
          raw[1].i32 = 1;
          check(wasmtime_func_call_unchecked(cx, &add.of.func, raw, 2, &trap),
                trap, "unchecked add");
          checksum += raw[0].i32;
          break;
        }
        }
      }
      double per_call = (now_ns() - start) / (double)iters;
      if (per_call < best[c])
        best[c] = per_call;
    }
  }
  for (int c = 0; c < 4; c++)
    printf("%s %.2f\n", names[c], best[c]);
  fprintf(stderr, "checksum %d\n", checksum);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
