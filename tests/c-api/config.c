/* The setters of `wasmtime/config.h`: each proposal switch decides whether
 * a module using the proposal compiles, `max_wasm_stack` bounds recursion,
 * a fixed memory reservation bounds growth, and the remaining settings are
 * accepted by an engine that still runs code. */
#include "check.h"

typedef void (*setter_t)(wasm_config_t *, bool);

/* Whether `wat` compiles on an engine whose `set` is `on` (plus `extra`). */
static bool compiles(setter_t set, bool on, void (*extra)(wasm_config_t *), const char *wat) {
  wasm_config_t *config = wasm_config_new();
  if (extra)
    extra(config);
  set(config, on);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasm_byte_vec_t wasm;
  wat2wasm(wat, &wasm);
  wasmtime_module_t *module = NULL;
  wasmtime_error_t *err =
      wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module);
  wasm_byte_vec_delete(&wasm);
  bool ok = err == NULL;
  if (err)
    wasmtime_error_delete(err);
  else
    wasmtime_module_delete(module);
  wasm_engine_delete(engine);
  return ok;
}

static void no_relaxed_simd(wasm_config_t *c) { wasmtime_config_wasm_relaxed_simd_set(c, false); }

static const struct {
  const char *name;
  setter_t set;
  void (*extra)(wasm_config_t *);
  const char *wat;
} PROPOSALS[] = {
    {"simd", wasmtime_config_wasm_simd_set, no_relaxed_simd,
     "(module (func (result v128) (v128.const i32x4 1 2 3 4)))"},
    {"relaxed_simd", wasmtime_config_wasm_relaxed_simd_set, NULL,
     "(module (func (param v128) (result v128)"
     " (i32x4.relaxed_trunc_f32x4_s (local.get 0))))"},
    {"memory64", wasmtime_config_wasm_memory64_set, NULL, "(module (memory i64 1))"},
    {"multi_memory", wasmtime_config_wasm_multi_memory_set, NULL,
     "(module (memory 1) (memory 1))"},
    {"tail_call", wasmtime_config_wasm_tail_call_set, NULL,
     "(module (func $f (return_call $f)))"},
    {"wide_arithmetic", wasmtime_config_wasm_wide_arithmetic_set, NULL,
     "(module (func (param i64 i64 i64 i64) (result i64 i64)"
     " (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))"},
    {"custom_page_sizes", wasmtime_config_wasm_custom_page_sizes_set, NULL,
     "(module (memory 1 (pagesize 1)))"},
    {"multi_value", wasmtime_config_wasm_multi_value_set, NULL,
     "(module (func (result i32 i32) (i32.const 1) (i32.const 2)))"},
};

static wasm_trap_t *run(wasm_engine_t *engine, const char *wat, const char *name,
                        wasmtime_val_t *result) {
  wasm_byte_vec_t wasm;
  wat2wasm(wat, &wasm);
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module), "module");
  wasm_byte_vec_delete(&wasm);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_instance_new(cx, module, NULL, 0, &inst, &trap), "instance");
  CHECK(trap == NULL);
  wasmtime_extern_t f;
  CHECK(wasmtime_instance_export_get(cx, &inst, name, strlen(name), &f));
  check_ok(wasmtime_func_call(cx, &f.of.func, NULL, 0, result, 1, &trap), name);
  wasmtime_store_delete(store);
  wasmtime_module_delete(module);
  return trap;
}

/* Recursion 4000 calls deep: fits the default stack, not 64 KiB. */
static const char *RECURSE =
    "(module\n"
    "  (func $r (param i32) (result i32)\n"
    "    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))\n"
    "      (else (i32.add (call $r (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))\n"
    "  (func (export \"f\") (result i32) (call $r (i32.const 4000))))";

static void max_wasm_stack(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_val_t result;
  CHECK(run(engine, RECURSE, "f", &result) == NULL);
  CHECK(result.of.i32 == 4000);
  wasm_engine_delete(engine);

  wasm_config_t *config = wasm_config_new();
  wasmtime_config_max_wasm_stack_set(config, 64 * 1024);
  engine = wasm_engine_new_with_config(config);
  wasm_trap_t *trap = run(engine, RECURSE, "f", &result);
  CHECK(trap != NULL);
  wasmtime_trap_code_t code = 255;
  CHECK(wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_STACK_OVERFLOW);
  wasm_trap_delete(trap);
  wasm_engine_delete(engine);
}

static const char *GROW =
    "(module (memory 1)\n"
    "  (func (export \"grow\") (result i32) (memory.grow (i32.const 100))))";

/* With a fixed 1 MiB reservation that may not move, growth to 101 pages
 * fails; with the defaults it succeeds. */
static void memory_reservation(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_memory_reservation_set(config, 1 << 20);
  wasmtime_config_memory_may_move_set(config, false);
  wasmtime_config_memory_guard_size_set(config, 0);
  wasmtime_config_memory_reservation_for_growth_set(config, 0);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasmtime_val_t result;
  CHECK(run(engine, GROW, "grow", &result) == NULL);
  CHECK(result.kind == WASMTIME_I32 && result.of.i32 == -1);
  wasm_engine_delete(engine);

  engine = wasm_engine_new();
  CHECK(run(engine, GROW, "grow", &result) == NULL);
  CHECK(result.of.i32 == 1);
  wasm_engine_delete(engine);
}

/* Settings without an observable effect here: an engine with all of them
 * set still compiles and runs code. */
static void accepted(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_debug_info_set(config, false);
  wasmtime_config_parallel_compilation_set(config, false);
  wasmtime_config_cranelift_debug_verifier_set(config, true);
  wasmtime_config_cranelift_nan_canonicalization_set(config, true);
  wasmtime_config_native_unwind_info_set(config, true);
  wasmtime_config_macos_use_mach_ports_set(config, false);
  wasmtime_config_signals_based_traps_set(config, true);
  wasmtime_config_memory_init_cow_set(config, false);
  wasmtime_config_gc_support_set(config, true);
  wasmtime_config_wasm_reference_types_set(config, true);
  wasmtime_config_wasm_function_references_set(config, true);
  wasmtime_config_wasm_bulk_memory_set(config, true);
  wasmtime_config_wasm_branch_hinting_set(config, true);
  wasmtime_config_wasm_relaxed_simd_deterministic_set(config, true);
  wasmtime_config_wasm_stack_switching_set(config, false);
  wasmtime_config_wasm_component_model_async_set(config, false);
  wasmtime_config_wasm_component_model_async_stackful_set(config, false);
  wasmtime_config_wasm_component_model_more_async_builtins_set(config, false);
  wasmtime_config_concurrency_support_set(config, false);
  wasmtime_pooling_allocation_config_t *pool = wasmtime_pooling_allocation_config_new();
  CHECK(pool != NULL);
  wasmtime_pooling_allocation_config_delete(pool);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasmtime_val_t result;
  CHECK(run(engine, GROW, "grow", &result) == NULL);
  CHECK(result.of.i32 == 1);
  wasm_engine_delete(engine);
}

int main(void) {
  for (size_t i = 0; i < sizeof PROPOSALS / sizeof PROPOSALS[0]; i++) {
    bool on = compiles(PROPOSALS[i].set, true, PROPOSALS[i].extra, PROPOSALS[i].wat);
    bool off = compiles(PROPOSALS[i].set, false, PROPOSALS[i].extra, PROPOSALS[i].wat);
    if (!on || off) {
      fprintf(stderr, "proposal %s: compiles when on: %d, when off: %d\n", PROPOSALS[i].name,
              on, off);
      return 1;
    }
  }
  max_wasm_stack();
  memory_reservation();
  accepted();
  printf("config: ok\n");
  return 0;
}
