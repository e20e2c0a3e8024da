/* Async calls (futures that suspend and resume), exceptions and tags, and
 * the parts this runtime implements partly: and the GC-proposal and
 * creator functions that must exist and fail cleanly. */
#include "check.h"

static int async_calls = 0;

static bool continuation(void *env) {
  int *polls = env;
  return ++*polls >= 3;
}

static void async_cb(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                     wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap_ret,
                     wasmtime_async_continuation_t *cont) {
  (void)env;
  (void)caller;
  (void)trap_ret;
  CHECK(nargs == 1 && nresults == 1);
  async_calls++;
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = args[0].of.i32 + 100;
  static int polls = 0;
  cont->callback = continuation;
  cont->env = &polls;
  cont->finalizer = NULL;
}

/* Fuel yields suspend an async call: it takes many polls, and dropping an
 * unfinished call cancels it and leaves the store usable. */
static void fuel_yields(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_consume_fuel_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  check_ok(wasmtime_context_set_fuel(cx, 1000000), "set_fuel");
  check_ok(wasmtime_context_fuel_async_yield_interval(cx, 1000), "yield_interval");
  wasm_byte_vec_t wasm;
  wat2wasm("(module (func (export \"count\") (param i32) (result i32) (local i32)"
           "  (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
           "    (br_if $l (i32.lt_u (local.get 1) (local.get 0))))"
           "  local.get 1))",
           &wasm);
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module), "module_new");
  wasm_byte_vec_delete(&wasm);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *err = NULL;
  wasmtime_call_future_t *fut = wasmtime_linker_instantiate_async(linker, cx, module, &inst, &trap, &err);
  while (!wasmtime_call_future_poll(fut)) {
  }
  wasmtime_call_future_delete(fut);
  CHECK(trap == NULL && err == NULL);
  wasmtime_extern_t count;
  CHECK(wasmtime_instance_export_get(cx, &inst, "count", 5, &count));

  wasmtime_val_t arg, res;
  arg.kind = WASMTIME_I32;
  arg.of.i32 = 20000;
  fut = wasmtime_func_call_async(cx, &count.of.func, &arg, 1, &res, 1, &trap, &err);
  int polls = 1;
  while (!wasmtime_call_future_poll(fut))
    polls++;
  wasmtime_call_future_delete(fut);
  CHECK(trap == NULL && err == NULL && res.of.i32 == 20000);
  CHECK(polls > 10);

  /* Cancelled after one poll; then the next call works. (With an async
   * yield interval the store only takes async calls.) */
  fut = wasmtime_func_call_async(cx, &count.of.func, &arg, 1, &res, 1, &trap, &err);
  CHECK(!wasmtime_call_future_poll(fut));
  wasmtime_call_future_delete(fut);
  arg.of.i32 = 7;
  fut = wasmtime_func_call_async(cx, &count.of.func, &arg, 1, &res, 1, &trap, &err);
  while (!wasmtime_call_future_poll(fut)) {
  }
  wasmtime_call_future_delete(fut);
  CHECK(trap == NULL && err == NULL && res.of.i32 == 7);

  wasmtime_linker_delete(linker);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *ty = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  check_ok(wasmtime_linker_define_async_func(linker, "host", 4, "f", 1, ty, async_cb, NULL, NULL), "define_async_func");
  wasm_functype_delete(ty);

  wasm_byte_vec_t wasm;
  wat2wasm("(module (import \"host\" \"f\" (func $f (param i32) (result i32)))"
           " (tag $t (export \"t\") (param i32))"
           " (func (export \"g\") (param i32) (result i32) local.get 0 call $f))",
           &wasm);
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module), "module_new");
  wasm_byte_vec_delete(&wasm);

  /* Async instantiation and call: done at the first poll. */
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  wasmtime_error_t *err = NULL;
  wasmtime_call_future_t *fut = wasmtime_linker_instantiate_async(linker, cx, module, &inst, &trap, &err);
  CHECK(wasmtime_call_future_poll(fut));
  wasmtime_call_future_delete(fut);
  CHECK(trap == NULL && err == NULL);
  wasmtime_extern_t g;
  CHECK(wasmtime_instance_export_get(cx, &inst, "g", 1, &g));
  wasmtime_val_t arg, res;
  arg.kind = WASMTIME_I32;
  arg.of.i32 = 5;
  fut = wasmtime_func_call_async(cx, &g.of.func, &arg, 1, &res, 1, &trap, &err);
  /* The host function's continuation is done at its third poll: the wasm
   * call stays suspended until then. */
  int pending = 0;
  while (!wasmtime_call_future_poll(fut))
    pending++;
  wasmtime_call_future_delete(fut);
  CHECK(pending == 2);
  CHECK(trap == NULL && err == NULL && res.of.i32 == 105 && async_calls == 1);

  /* Tags and exceptions. */
  wasmtime_extern_t t;
  CHECK(wasmtime_instance_export_get(cx, &inst, "t", 1, &t));
  CHECK(t.kind == WASMTIME_EXTERN_TAG);
  wasm_tagtype_t *tt = wasmtime_tag_type(cx, &t.of.tag);
  CHECK(wasm_functype_params(wasm_tagtype_functype(tt))->size == 1);
  wasmtime_tag_t tag2;
  check_ok(wasmtime_tag_new(cx, tt, &tag2), "tag_new");
  CHECK(!wasmtime_tag_eq(cx, &t.of.tag, &tag2));
  CHECK(wasmtime_tag_eq(cx, &t.of.tag, &t.of.tag));
  wasm_tagtype_delete(tt);
  wasmtime_val_t field;
  field.kind = WASMTIME_I32;
  field.of.i32 = 9;
  wasmtime_exnref_t exn;
  check_ok(wasmtime_exnref_new(cx, &t.of.tag, &field, 1, &exn), "exnref_new");
  CHECK(wasmtime_exnref_field_count(cx, &exn) == 1);
  wasmtime_val_t got;
  check_ok(wasmtime_exnref_field(cx, &exn, 0, &got), "exnref_field");
  CHECK(got.kind == WASMTIME_I32 && got.of.i32 == 9);
  CHECK(!wasmtime_context_has_exception(cx));
  wasm_trap_t *thrown = wasmtime_context_set_exception(cx, &exn);
  CHECK(thrown != NULL);
  wasm_trap_delete(thrown);
  CHECK(wasmtime_context_has_exception(cx));
  wasmtime_exnref_t taken;
  CHECK(wasmtime_context_take_exception(cx, &taken));
  CHECK(!wasmtime_context_has_exception(cx));
  wasmtime_exnref_unroot(&taken);
  wasmtime_exnref_unroot(&exn);

  /* GC proposal: i31 references and casts (structs and arrays are
     tested by gc_objects.c). */
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_gc_set(config, true);
  wasm_engine_t *gc_engine = wasm_engine_new_with_config(config);
  CHECK(gc_engine != NULL);
  {
    /* i31 references need no GC heap. */
    wasmtime_store_t *gs = wasmtime_store_new(gc_engine, NULL, NULL);
    wasmtime_context_t *gcx = wasmtime_store_context(gs);
    wasmtime_anyref_t a;
    wasmtime_anyref_from_i31(gcx, 0x7fffffffu, &a);
    uint32_t u = 0;
    int32_t v = 0;
    CHECK(wasmtime_anyref_is_i31(gcx, &a) && wasmtime_anyref_is_eqref(gcx, &a));
    CHECK(wasmtime_anyref_i31_get_u(gcx, &a, &u) && u == 0x7fffffffu);
    CHECK(wasmtime_anyref_i31_get_s(gcx, &a, &v) && v == -1);
    wasmtime_eqref_t e;
    CHECK(wasmtime_anyref_as_eqref(gcx, &a, &e));
    CHECK(wasmtime_eqref_i31_get_u(gcx, &e, &u) && u == 0x7fffffffu);
    wasmtime_eqref_from_i31(gcx, 5, &e);
    wasmtime_anyref_t back;
    wasmtime_eqref_to_anyref(&e, &back);
    CHECK(wasmtime_anyref_i31_get_s(gcx, &back, &v) && v == 5);
    wasmtime_anyref_t null_ref;
    wasmtime_anyref_set_null(&null_ref);
    CHECK(!wasmtime_anyref_is_i31(gcx, &null_ref) && !wasmtime_anyref_i31_get_u(gcx, &null_ref, &u));
    wasmtime_store_delete(gs);
  }
  wasm_engine_delete(gc_engine);
  wasmtime_anyref_t any;
  /* Raw 1 is the i31 reference of 0. */
  wasmtime_anyref_from_raw(cx, 1, &any);
  CHECK(!wasmtime_anyref_is_null(&any) && wasmtime_anyref_is_i31(cx, &any));
  CHECK(!wasmtime_anyref_is_struct(cx, &any));
  CHECK(wasmtime_anyref_to_raw(cx, &any) == 1);
  wasmtime_val_t anyval;
  anyval.kind = WASMTIME_ANYREF;
  anyval.of.anyref = any;
  wasmtime_global_t gl;
  wasm_globaltype_t *gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  err = wasmtime_global_new(cx, gt, &anyval, &gl);
  CHECK(err != NULL && error_contains(err, "type"));
  wasm_globaltype_delete(gt);
  wasmtime_field_type_t ft = {false, {WASMTIME_STORAGE_TYPE_KIND_I8, NULL}};
  wasmtime_struct_type_t *st = wasmtime_struct_type_new(engine, &ft, 1);
  CHECK(st != NULL && wasmtime_struct_type_num_fields(st) == 1);
  wasmtime_struct_type_delete(st);
  wasmtime_array_type_t *at = wasmtime_array_type_new(engine, &ft);
  CHECK(at != NULL);
  wasmtime_array_type_delete(at);

  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  fuel_yields();
  printf("stubs: ok\n");
  return 0;
}
