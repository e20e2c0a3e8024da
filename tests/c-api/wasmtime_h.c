/* The wasmtime.h API: config, store data, linker, host functions with a
 * caller, checked and unchecked calls, errors and trap codes, memories,
 * globals, tables, externref, fuel, epochs, serialization, instance_pre. */
#include "check.h"
#include <stddef.h>

static const char *WAT =
    "(module\n"
    "  (import \"env\" \"add\" (func $add (param i32 i32) (result i32)))\n"
    "  (import \"env\" \"peek\" (func $peek (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (global (export \"counter\") (mut i32) (i32.const 0))\n"
    "  (table (export \"refs\") 4 externref)\n"
    "  (func (export \"sum3\") (param i32 i32 i32) (result i32)\n"
    "    local.get 0 local.get 1 call $add local.get 2 call $add)\n"
    "  (func (export \"peek\") (result i32) call $peek)\n"
    "  (func (export \"div\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)\n"
    "  (func (export \"spin\") (loop br 0))\n"
    "  (func (export \"id\") (param externref) (result externref) local.get 0)\n"
    "  (func (export \"f64\") (param f64) (result f64 i64) local.get 0 f64.const 2 f64.mul i64.const -1)\n"
    "  (data (i32.const 16) \"\\2a\"))";

struct host_state {
  int add_calls;
  int finalized;
};

static wasm_trap_t *add_cb(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                           size_t nargs, wasmtime_val_t *results, size_t nresults) {
  struct host_state *st = env;
  st->add_calls++;
  CHECK(nargs == 2 && nresults == 1);
  CHECK(args[0].kind == WASMTIME_I32);
  wasmtime_context_t *cx = wasmtime_caller_context(caller);
  CHECK(*(int *)wasmtime_context_get_data(cx) == 1234);
  if (args[0].of.i32 < 0)
    return wasmtime_trap_new("negative!", 9);
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = args[0].of.i32 + args[1].of.i32;
  return NULL;
}

static wasm_trap_t *peek_cb(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *slots, size_t n) {
  (void)env;
  CHECK(n == 1);
  wasmtime_extern_t mem;
  CHECK(wasmtime_caller_export_get(caller, "memory", 6, &mem));
  CHECK(mem.kind == WASMTIME_EXTERN_MEMORY);
  CHECK(!wasmtime_caller_export_get(caller, "nope", 4, &mem));
  wasmtime_context_t *cx = wasmtime_caller_context(caller);
  wasmtime_extern_t m2;
  CHECK(wasmtime_caller_export_get(caller, "memory", 6, &m2));
  slots[0].i32 = wasmtime_memory_data(cx, &m2.of.memory)[16];
  return NULL;
}

static void finalize_state(void *p) { ((struct host_state *)p)->finalized++; }

static int store_data = 1234;

static wasmtime_error_t *epoch_cb(wasmtime_context_t *cx, void *data, uint64_t *delta,
                                  wasmtime_update_deadline_kind_t *kind) {
  (void)cx;
  (void)kind;
  int *ticks = data;
  if (++*ticks >= 3)
    return wasmtime_error_new("enough epochs");
  /* A zero delta makes the deadline due again at the next check. */
  *delta = 0;
  return NULL;
}

static void call(wasmtime_context_t *cx, wasmtime_instance_t *inst, const char *name,
                 wasmtime_val_t *args, size_t nargs, wasmtime_val_t *res, size_t nres,
                 wasmtime_error_t **err, wasm_trap_t **trap) {
  wasmtime_extern_t f;
  CHECK(wasmtime_instance_export_get(cx, inst, name, strlen(name), &f));
  CHECK(f.kind == WASMTIME_EXTERN_FUNC);
  *trap = NULL;
  *err = wasmtime_func_call(cx, &f.of.func, args, nargs, res, nres, trap);
}

int main(void) {
  CHECK(sizeof(wasmtime_val_t) == 32);
  CHECK(sizeof(wasmtime_extern_t) == 32);
  CHECK(sizeof(wasmtime_val_raw_t) == 16);
  /* The same numbers are asserted on the Rust side (val.rs, extern.rs). */
  CHECK(offsetof(wasmtime_val_t, of) == 8 && sizeof(wasmtime_valunion_t) == 24);
  CHECK(sizeof(wasmtime_table_t) == 24 && offsetof(wasmtime_table_t, __private2) == 16);
  CHECK(sizeof(wasmtime_global_t) == 24 && offsetof(wasmtime_global_t, __private3) == 16);
  CHECK(sizeof(wasmtime_func_t) == 16 && sizeof(wasmtime_instance_t) == 16);
  CHECK(sizeof(wasm_val_t) == 16 && offsetof(wasm_val_t, of) == 8);
  CHECK(offsetof(wasmtime_extern_t, of) == 8);
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_consume_fuel_set(config, true);
  wasmtime_config_epoch_interruption_set(config, true);
  wasmtime_config_cranelift_opt_level_set(config, WASMTIME_OPT_LEVEL_SPEED);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);

  /* Errors from the compiler carry messages. */
  wasmtime_module_t *module = NULL;
  wasmtime_error_t *err = wasmtime_module_new(engine, (const uint8_t *)"\0asm\x02", 5, &module);
  CHECK(err != NULL && module == NULL);
  wasmtime_error_delete(err);
  err = wasmtime_module_validate(engine, (const uint8_t *)"(module", 7);
  CHECK(err != NULL);
  wasmtime_error_delete(err);
  wasm_byte_vec_t bad;
  err = wasmtime_wat2wasm("(module (func (result i32)))x", 29, &bad);
  CHECK(err != NULL);
  wasmtime_error_delete(err);

  wasm_byte_vec_t wasm;
  wat2wasm(WAT, &wasm);
  check_ok(wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module), "module_new");
  wasm_byte_vec_delete(&wasm);

  wasmtime_store_t *store = wasmtime_store_new(engine, &store_data, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  CHECK(wasmtime_context_get_data(cx) == &store_data);
  check_ok(wasmtime_context_set_fuel(cx, 1000000), "set_fuel");
  uint64_t fuel = 0;
  check_ok(wasmtime_context_get_fuel(cx, &fuel), "get_fuel");
  CHECK(fuel == 1000000);
  wasmtime_context_set_epoch_deadline(cx, 1);

  struct host_state st = {0, 0};
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *add_ty = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  check_ok(wasmtime_linker_define_func(linker, "env", 3, "add", 3, add_ty, add_cb, &st, finalize_state), "define add");
  /* Defining the same name twice is an error unless shadowing is allowed. */
  err = wasmtime_linker_define_func(linker, "env", 3, "add", 3, add_ty, add_cb, &st, NULL);
  CHECK(err != NULL);
  wasmtime_error_delete(err);
  wasm_functype_delete(add_ty);
  wasm_functype_t *peek_ty = wasm_functype_new_0_1(wasm_valtype_new_i32());
  check_ok(wasmtime_linker_define_func_unchecked(linker, "env", 3, "peek", 4, peek_ty, peek_cb, NULL, NULL), "define peek");
  wasm_functype_delete(peek_ty);

  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_linker_instantiate(linker, cx, module, &inst, &trap), "instantiate");
  CHECK(trap == NULL);

  /* Export iteration. */
  char *name;
  size_t name_len;
  wasmtime_extern_t item;
  CHECK(wasmtime_instance_export_nth(cx, &inst, 0, &name, &name_len, &item));
  CHECK(name_len == 6 && memcmp(name, "memory", 6) == 0 && item.kind == WASMTIME_EXTERN_MEMORY);
  CHECK(!wasmtime_instance_export_nth(cx, &inst, 99, &name, &name_len, &item));
  wasmtime_memory_t memory = item.of.memory;

  /* Checked calls through host functions. */
  wasmtime_val_t args[3], res[2];
  args[0].kind = args[1].kind = args[2].kind = WASMTIME_I32;
  args[0].of.i32 = 1; args[1].of.i32 = 2; args[2].of.i32 = 3;
  call(cx, &inst, "sum3", args, 3, res, 1, &err, &trap);
  CHECK(err == NULL && trap == NULL);
  CHECK(res[0].kind == WASMTIME_I32 && res[0].of.i32 == 6 && st.add_calls == 2);
  /* A host trap comes back as a trap or error with its message. */
  args[0].of.i32 = -1;
  call(cx, &inst, "sum3", args, 3, res, 1, &err, &trap);
  CHECK(err != NULL || trap != NULL);
  if (err) CHECK(error_contains(err, "negative!"));
  if (trap) CHECK(trap_contains(trap, "negative!"));
  /* Wrong argument types are errors. */
  args[0].kind = WASMTIME_I64;
  call(cx, &inst, "sum3", args, 3, res, 1, &err, &trap);
  CHECK(err != NULL && trap == NULL);
  wasmtime_error_delete(err);

  /* A wasm trap has a code. */
  args[0].kind = WASMTIME_I32;
  args[0].of.i32 = 1; args[1].of.i32 = 0;
  call(cx, &inst, "div", args, 2, res, 1, &err, &trap);
  CHECK(err == NULL && trap != NULL);
  wasmtime_trap_code_t code;
  CHECK(wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO);
  CHECK(trap_contains(trap, "integer divide by zero"));

  /* Every code of the header's enum makes a trap that reports it back. */
  for (int c = WASMTIME_TRAP_CODE_STACK_OVERFLOW; c <= WASMTIME_TRAP_CODE_UNCAUGHT_EXCEPTION; c++) {
    wasm_trap_t *made = wasmtime_trap_new_code((wasmtime_trap_code_t)c);
    wasmtime_trap_code_t back;
    CHECK(wasmtime_trap_code(made, &back) && back == c);
    wasm_trap_delete(made);
  }
  CHECK(trap_contains(wasmtime_trap_new_code(WASMTIME_TRAP_CODE_CAST_FAILURE), "cast failure"));

  /* Unchecked host function reading memory through the caller. */
  call(cx, &inst, "peek", NULL, 0, res, 1, &err, &trap);
  CHECK(err == NULL && trap == NULL && res[0].of.i32 == 42);

  /* Unchecked call with raw slots, multi-value. */
  wasmtime_extern_t f64fn;
  CHECK(wasmtime_instance_export_get(cx, &inst, "f64", 3, &f64fn));
  wasmtime_val_raw_t raw[2];
  raw[0].f64 = 1.25;
  check_ok(wasmtime_func_call_unchecked(cx, &f64fn.of.func, raw, 2, &trap), "call_unchecked");
  CHECK(raw[0].f64 == 2.5 && raw[1].i64 == -1);
  /* Too few slots is an error; a trap in an unchecked call is a trap. */
  trap = NULL;
  err = wasmtime_func_call_unchecked(cx, &f64fn.of.func, raw, 1, &trap);
  CHECK(err != NULL && trap == NULL);
  CHECK(error_contains(err, "raw slots"));
  wasmtime_extern_t divfn;
  CHECK(wasmtime_instance_export_get(cx, &inst, "div", 3, &divfn));
  raw[0].i32 = 7; raw[1].i32 = 0;
  trap = NULL;
  CHECK(wasmtime_func_call_unchecked(cx, &divfn.of.func, raw, 2, &trap) == NULL && trap != NULL);
  CHECK(trap_contains(trap, "integer divide by zero"));
  raw[0].i32 = 7; raw[1].i32 = 2;
  trap = NULL;
  check_ok(wasmtime_func_call_unchecked(cx, &divfn.of.func, raw, 2, &trap), "unchecked div");
  CHECK(trap == NULL && raw[0].i32 == 3);
  /* Slots 16-byte aligned go to the function in place; slots aligned to
   * 8 bytes only (all C promises) through a copy: same results. */
  _Alignas(16) unsigned char slot_bytes[4 * sizeof(wasmtime_val_raw_t)];
  for (size_t off = 0; off <= 8; off += 8) {
    wasmtime_val_raw_t *slots = (wasmtime_val_raw_t *)(slot_bytes + off);
    slots[0].i32 = 9; slots[1].i32 = 2;
    check_ok(wasmtime_func_call_unchecked(cx, &divfn.of.func, slots, 2, &trap), "div slots");
    CHECK(trap == NULL && slots[0].i32 == 4);
    slots[0].i32 = 1; slots[1].i32 = 0;
    CHECK(wasmtime_func_call_unchecked(cx, &divfn.of.func, slots, 2, &trap) == NULL && trap != NULL);
    CHECK(trap_contains(trap, "integer divide by zero"));
    trap = NULL;
    slots[0].f64 = -2.0;
    check_ok(wasmtime_func_call_unchecked(cx, &f64fn.of.func, slots, 2, &trap), "f64 slots");
    CHECK(slots[0].f64 == -4.0 && slots[1].i64 == -1);
    CHECK(error_contains(wasmtime_func_call_unchecked(cx, &f64fn.of.func, slots, 1, &trap), "raw slots"));
  }
  /* A null funcref cannot be called. */
  wasmtime_func_t nullf;
  nullf.store_id = 0;
  CHECK(error_contains(wasmtime_func_call_unchecked(cx, &nullf, raw, 2, &trap), "null funcref"));
  wasm_functype_t *fty = wasmtime_func_type(cx, &f64fn.of.func);
  CHECK(wasm_functype_params(fty)->size == 1 && wasm_functype_results(fty)->size == 2);
  wasm_functype_delete(fty);
  void *rawf = wasmtime_func_to_raw(cx, &f64fn.of.func);
  CHECK(rawf != NULL);
  wasmtime_func_t back;
  wasmtime_func_from_raw(cx, rawf, &back);
  CHECK(back.store_id == f64fn.of.func.store_id);

  /* Memory API. */
  CHECK(wasmtime_memory_size(cx, &memory) == 1);
  CHECK(wasmtime_memory_data_size(cx, &memory) == 65536);
  uint64_t prev = 0;
  check_ok(wasmtime_memory_grow(cx, &memory, 2, &prev), "memory_grow");
  CHECK(prev == 1 && wasmtime_memory_size(cx, &memory) == 3);
  CHECK(wasmtime_memory_page_size(cx, &memory) == 65536);
  wasm_memorytype_t *mty = wasmtime_memory_type(cx, &memory);
  CHECK(wasmtime_memorytype_minimum(mty) == 3 || wasmtime_memorytype_minimum(mty) == 1);
  CHECK(!wasmtime_memorytype_is64(mty));
  wasm_memorytype_delete(mty);
  wasm_memorytype_t *m64 = NULL;
  check_ok(wasmtime_memorytype_new(1, true, 4, true, false, 16, &m64), "memorytype_new");
  CHECK(wasmtime_memorytype_is64(m64));
  uint64_t mx;
  CHECK(wasmtime_memorytype_maximum(m64, &mx) && mx == 4);
  wasmtime_memory_t newmem;
  check_ok(wasmtime_memory_new(cx, m64, &newmem), "memory_new");
  CHECK(wasmtime_memory_size(cx, &newmem) == 1);
  wasm_memorytype_delete(m64);

  /* Globals. */
  wasmtime_extern_t gext;
  CHECK(wasmtime_instance_export_get(cx, &inst, "counter", 7, &gext));
  wasmtime_val_t gv;
  gv.kind = WASMTIME_I32;
  gv.of.i32 = 99;
  check_ok(wasmtime_global_set(cx, &gext.of.global, &gv), "global_set");
  wasmtime_global_get(cx, &gext.of.global, &gv);
  CHECK(gv.kind == WASMTIME_I32 && gv.of.i32 == 99);
  gv.kind = WASMTIME_F32;
  err = wasmtime_global_set(cx, &gext.of.global, &gv);
  CHECK(err != NULL);
  wasmtime_error_delete(err);

  /* externref through wasm and a table. */
  static int payload = 77;
  wasmtime_val_t ref;
  ref.kind = WASMTIME_EXTERNREF;
  CHECK(wasmtime_externref_new(cx, &payload, NULL, &ref.of.externref));
  CHECK(wasmtime_externref_data(cx, &ref.of.externref) == &payload);
  call(cx, &inst, "id", &ref, 1, res, 1, &err, &trap);
  CHECK(err == NULL && trap == NULL && res[0].kind == WASMTIME_EXTERNREF);
  CHECK(wasmtime_externref_data(cx, &res[0].of.externref) == &payload);
  wasmtime_val_unroot(&res[0]); /* results are the caller's to unroot */
  uint32_t rawref = wasmtime_externref_to_raw(cx, &ref.of.externref);
  CHECK(rawref != 0);
  wasmtime_extern_t text;
  CHECK(wasmtime_instance_export_get(cx, &inst, "refs", 4, &text));
  check_ok(wasmtime_table_set(cx, &text.of.table, 2, &ref), "table_set");
  wasmtime_val_t got;
  CHECK(wasmtime_table_get(cx, &text.of.table, 2, &got));
  CHECK(got.kind == WASMTIME_EXTERNREF && wasmtime_externref_data(cx, &got.of.externref) == &payload);
  wasmtime_val_unroot(&got);
  CHECK(!wasmtime_table_get(cx, &text.of.table, 40, &got));
  CHECK(wasmtime_table_size(cx, &text.of.table) == 4);
  check_ok(wasmtime_table_grow(cx, &text.of.table, 2, &ref, &prev), "table_grow");
  CHECK(prev == 4 && wasmtime_table_size(cx, &text.of.table) == 6);
  wasmtime_val_unroot(&ref);

  /* Epoch interruption with a callback that gives up after 3 deadlines. */
  int ticks = 0;
  wasmtime_store_epoch_deadline_callback(store, epoch_cb, &ticks, NULL);
  wasmtime_engine_increment_epoch(engine);
  wasmtime_engine_increment_epoch(engine);
  call(cx, &inst, "spin", NULL, 0, NULL, 0, &err, &trap);
  /* The loop keeps going until the callback fails; epochs must advance. */
  CHECK(err != NULL || trap != NULL);
  if (err) CHECK(error_contains(err, "enough epochs"));
  if (trap) CHECK(trap_contains(trap, "enough epochs"));
  CHECK(ticks == 3);

  /* Fuel runs out in a loop. */
  wasmtime_context_set_epoch_deadline(cx, 1000000);
  check_ok(wasmtime_context_set_fuel(cx, 10000), "set_fuel");
  call(cx, &inst, "spin", NULL, 0, NULL, 0, &err, &trap);
  CHECK(err == NULL && trap != NULL);
  CHECK(wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_OUT_OF_FUEL);
  wasm_trap_delete(trap);

  /* Serialization round trip and instance_pre. */
  wasm_byte_vec_t artifact;
  check_ok(wasmtime_module_serialize(module, &artifact), "serialize");
  wasmtime_module_t *loaded = NULL;
  check_ok(wasmtime_module_deserialize(engine, (const uint8_t *)artifact.data, artifact.size, &loaded), "deserialize");
  artifact.data[artifact.size / 2] ^= 0xff;
  wasmtime_module_t *broken = NULL;
  err = wasmtime_module_deserialize(engine, (const uint8_t *)artifact.data, 16, &broken);
  CHECK(err != NULL && broken == NULL);
  wasmtime_error_delete(err);
  wasm_byte_vec_delete(&artifact);
  wasmtime_instance_pre_t *pre = NULL;
  check_ok(wasmtime_linker_instantiate_pre(linker, loaded, &pre), "instantiate_pre");
  wasmtime_instance_t inst2;
  check_ok(wasmtime_context_set_fuel(cx, 1000000), "set_fuel");
  check_ok(wasmtime_instance_pre_instantiate(pre, cx, &inst2, &trap), "pre_instantiate");
  wasmtime_module_t *pm = wasmtime_instance_pre_module(pre);
  wasm_exporttype_vec_t exps;
  wasmtime_module_exports(pm, &exps);
  CHECK(exps.size == 9);
  wasm_exporttype_vec_delete(&exps);
  wasmtime_module_delete(pm);
  wasmtime_instance_pre_delete(pre);
  args[0].of.i32 = 10; args[1].of.i32 = 20; args[2].of.i32 = 30;
  call(cx, &inst2, "sum3", args, 3, res, 1, &err, &trap);
  CHECK(err == NULL && trap == NULL && res[0].of.i32 == 60);

  /* Linker lookups and defining an instance. */
  check_ok(wasmtime_linker_define_instance(linker, cx, "first", 5, &inst), "define_instance");
  wasmtime_extern_t found;
  CHECK(wasmtime_linker_get(linker, cx, "first", 5, "div", 3, &found));
  CHECK(found.kind == WASMTIME_EXTERN_FUNC);
  CHECK(!wasmtime_linker_get(linker, cx, "first", 5, "missing", 7, &found));

  /* Missing imports are errors, not crashes. */
  wasmtime_linker_t *empty = wasmtime_linker_new(engine);
  err = wasmtime_linker_instantiate(empty, cx, module, &inst2, &trap);
  CHECK(err != NULL && error_contains(err, "add"));
  wasmtime_linker_delete(empty);
  wasmtime_instance_t direct;
  err = wasmtime_instance_new(cx, module, NULL, 0, &direct, &trap);
  CHECK(err != NULL);
  wasmtime_error_delete(err);

  /* i31 references need no GC heap; struct functions fail cleanly. */
  wasmtime_anyref_t any;
  wasmtime_anyref_from_i31(cx, 5, &any);
  CHECK(!wasmtime_anyref_is_null(&any));
  CHECK(wasmtime_anyref_is_i31(cx, &any));
  CHECK(!wasmtime_anyref_is_struct(cx, &any));
  wasmtime_profiling_strategy_t none = WASMTIME_PROFILING_STRATEGY_NONE;
  (void)none;

  wasmtime_module_delete(loaded);
  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  /* The host function's finalizer ran once its linker and store were gone. */
  CHECK(st.finalized == 1);
  wasm_engine_delete(engine);
  printf("wasmtime_h: ok\n");
  return 0;
}
