/* Headers the other C tests do not reach: `wasmtime/extern.h`
 * (wasmtime_extern_type, wasmtime_extern_delete), `wasmtime/sharedmemory.h`
 * (every wasmtime_sharedmemory_* function) and `wasmtime/types/exnref.h`
 * (wasmtime_exn_type_*), plus concrete exception heap types through
 * `wasmtime/types/val.h` and the guest profiler (`wasmtime/profiling.h`). Under ASAN=1 the leak check at exit also shows
 * that wasmtime_extern_delete frees the shared memory handles that export
 * lookups hand out. */
#include "check.h"

static const char *WAT =
    "(module\n"
    "  (import \"env\" \"mem\" (memory 1 4 shared))\n"
    "  (tag $t (export \"t\") (param i32 f64))\n"
    "  (global (export \"g\") (mut i64) (i64.const 7))\n"
    "  (export \"mem\" (memory 0))\n"
    "  (func (export \"load\") (param i32) (result i32)\n"
    "    (i32.atomic.load8_u (local.get 0)))\n"
    "  (func (export \"store\") (param i32 i32)\n"
    "    (i32.atomic.store8 (local.get 0) (local.get 1)))\n"
    "  (func (export \"pages\") (result i32) (memory.size)))\n";

static wasmtime_extern_t export_of(wasmtime_context_t *cx, wasmtime_instance_t *inst,
                                   const char *name) {
  wasmtime_extern_t e;
  CHECK(wasmtime_instance_export_get(cx, inst, name, strlen(name), &e));
  return e;
}

/* Calls `name` with `nargs` arguments; its i32 result, or -1 when
 * `nresults` is 0. */
static int32_t call_i32(wasmtime_context_t *cx, wasmtime_instance_t *inst, const char *name,
                        wasmtime_val_t *args, size_t nargs, size_t nresults) {
  wasmtime_extern_t f = export_of(cx, inst, name);
  CHECK(f.kind == WASMTIME_EXTERN_FUNC);
  wasmtime_val_t result;
  result.kind = WASMTIME_I32;
  result.of.i32 = -1;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_func_call(cx, &f.of.func, args, nargs, &result, nresults,
                              &trap),
           name);
  CHECK(trap == NULL);
  wasmtime_extern_delete(&f); /* a no-op for functions */
  return result.of.i32;
}

static wasmtime_val_t i32_val(int32_t v) {
  wasmtime_val_t val;
  val.kind = WASMTIME_I32;
  val.of.i32 = v;
  return val;
}

/* A memory type; fails the test if it is invalid. */
static wasm_memorytype_t *memtype(uint64_t min, uint64_t max, bool shared) {
  wasm_memorytype_t *ty = NULL;
  check_ok(wasmtime_memorytype_new(min, true, max, false, shared, 16, &ty), "memorytype");
  return ty;
}

static void test_sharedmemory(wasm_engine_t *engine) {
  /* Bad input: an unshared memory type. */
  wasm_memorytype_t *plain = memtype(1, 4, false);
  wasmtime_sharedmemory_t *mem = NULL;
  CHECK(error_contains(wasmtime_sharedmemory_new(engine, plain, &mem),
                       "must have the `shared` flag enabled"));
  wasm_memorytype_delete(plain);

  wasm_memorytype_t *ty = memtype(1, 4, true);
  check_ok(wasmtime_sharedmemory_new(engine, ty, &mem), "sharedmemory_new");
  wasm_memorytype_delete(ty);
  CHECK(mem != NULL);
  CHECK(wasmtime_sharedmemory_size(mem) == 1);
  CHECK(wasmtime_sharedmemory_data_size(mem) == 65536);

  wasm_memorytype_t *got = wasmtime_sharedmemory_type(mem);
  CHECK(wasmtime_memorytype_isshared(got));
  CHECK(!wasmtime_memorytype_is64(got));
  CHECK(wasmtime_memorytype_minimum(got) == 1);
  uint64_t max = 0;
  CHECK(wasmtime_memorytype_maximum(got, &max) && max == 4);
  wasm_memorytype_delete(got);

  /* A clone is another handle to the same bytes. */
  uint8_t *data = wasmtime_sharedmemory_data(mem);
  CHECK(data != NULL && data[0] == 0);
  data[0] = 42;
  data[65535] = 9;
  wasmtime_sharedmemory_t *clone = wasmtime_sharedmemory_clone(mem);
  CHECK(clone != NULL && clone != mem);
  CHECK(wasmtime_sharedmemory_data(clone) == data);
  CHECK(wasmtime_sharedmemory_data(clone)[0] == 42);

  /* Growth through one handle is seen through the other; the bytes do not
   * move. */
  uint64_t prev = 99;
  check_ok(wasmtime_sharedmemory_grow(clone, 2, &prev), "sharedmemory_grow");
  CHECK(prev == 1);
  CHECK(wasmtime_sharedmemory_size(mem) == 3);
  CHECK(wasmtime_sharedmemory_data_size(mem) == 3 * 65536);
  CHECK(wasmtime_sharedmemory_data(mem) == data);
  CHECK(data[65535] == 9 && data[65536] == 0);
  data[3 * 65536 - 1] = 5;

  /* Past the maximum: an error, and the size is unchanged. */
  prev = 99;
  CHECK(error_contains(wasmtime_sharedmemory_grow(mem, 2, &prev), "failed to grow memory"));
  CHECK(prev == 99);
  CHECK(wasmtime_sharedmemory_size(clone) == 3);
  wasmtime_sharedmemory_delete(clone);

  /* The memory imported by a module: wasm sees the host's bytes, the host
   * sees wasm's stores and growth. */
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasm_byte_vec_t wasm;
  wat2wasm(WAT, &wasm);
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module), "module");
  wasm_byte_vec_delete(&wasm);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_extern_t item;
  item.kind = WASMTIME_EXTERN_SHAREDMEMORY;
  item.of.sharedmemory = mem;
  check_ok(wasmtime_linker_define(linker, cx, "env", 3, "mem", 3, &item), "define");
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_linker_instantiate(linker, cx, module, &inst, &trap), "instantiate");
  CHECK(trap == NULL);

  wasmtime_val_t arg = i32_val(0);
  CHECK(call_i32(cx, &inst, "load", &arg, 1, 1) == 42);
  arg = i32_val(3 * 65536 - 1);
  CHECK(call_i32(cx, &inst, "load", &arg, 1, 1) == 5);
  wasmtime_val_t args[2] = {i32_val(100), i32_val(77)};
  call_i32(cx, &inst, "store", args, 2, 0);
  CHECK(data[100] == 77);
  CHECK(call_i32(cx, &inst, "pages", NULL, 0, 1) == 3);
  check_ok(wasmtime_sharedmemory_grow(mem, 1, &prev), "sharedmemory_grow");
  CHECK(prev == 3);
  CHECK(call_i32(cx, &inst, "pages", NULL, 0, 1) == 4);

  /* The export is a shared memory extern owning its own handle (freed by
   * wasmtime_extern_delete), with the memory's type. */
  wasmtime_extern_t exp = export_of(cx, &inst, "mem");
  CHECK(exp.kind == WASMTIME_EXTERN_SHAREDMEMORY);
  CHECK(exp.of.sharedmemory != NULL && exp.of.sharedmemory != mem);
  CHECK(wasmtime_sharedmemory_data(exp.of.sharedmemory) == data);
  CHECK(wasmtime_sharedmemory_size(exp.of.sharedmemory) == 4);
  wasm_externtype_t *ety = wasmtime_extern_type(cx, &exp);
  CHECK(ety != NULL && wasm_externtype_kind(ety) == WASM_EXTERN_MEMORY);
  const wasm_memorytype_t *mty = wasm_externtype_as_memorytype_const(ety);
  CHECK(mty != NULL && wasmtime_memorytype_isshared(mty));
  uint64_t mmax = 0;
  CHECK(wasmtime_memorytype_maximum(mty, &mmax) && mmax == 4);
  wasm_externtype_delete(ety);
  wasmtime_extern_delete(&exp);

  /* wasmtime_extern_type of the other kinds. */
  wasmtime_extern_t g = export_of(cx, &inst, "g");
  ety = wasmtime_extern_type(cx, &g);
  CHECK(ety != NULL && wasm_externtype_kind(ety) == WASM_EXTERN_GLOBAL);
  const wasm_globaltype_t *gty = wasm_externtype_as_globaltype_const(ety);
  CHECK(wasm_globaltype_mutability(gty) == WASM_VAR);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gty)) == WASM_I64);
  wasm_externtype_delete(ety);
  wasmtime_extern_delete(&g);

  wasmtime_extern_t f = export_of(cx, &inst, "load");
  ety = wasmtime_extern_type(cx, &f);
  CHECK(ety != NULL && wasm_externtype_kind(ety) == WASM_EXTERN_FUNC);
  const wasm_functype_t *fty = wasm_externtype_as_functype_const(ety);
  CHECK(wasm_functype_params(fty)->size == 1 && wasm_functype_results(fty)->size == 1);
  CHECK(wasm_valtype_kind(wasm_functype_results(fty)->data[0]) == WASM_I32);
  wasm_externtype_delete(ety);

  /* An extern that is no valid handle has no type. */
  wasmtime_extern_t bad;
  memset(&bad, 0, sizeof bad);
  bad.kind = WASMTIME_EXTERN_SHAREDMEMORY;
  bad.of.sharedmemory = NULL;
  CHECK(wasmtime_extern_type(cx, &bad) == NULL);
  wasmtime_extern_delete(&bad); /* nothing to free */
  bad.kind = 200;
  CHECK(wasmtime_extern_type(cx, &bad) == NULL);

  wasmtime_linker_delete(linker);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  /* The store's instance kept its own handle; the bytes are still ours. */
  CHECK(data[100] == 77 && wasmtime_sharedmemory_size(mem) == 4);
  wasmtime_sharedmemory_delete(mem);
}

static void check_tag_params(const wasm_tagtype_t *tt, wasm_valkind_t a, wasm_valkind_t b) {
  const wasm_functype_t *ft = wasm_tagtype_functype(tt);
  const wasm_valtype_vec_t *params = wasm_functype_params(ft);
  CHECK(params->size == 2);
  CHECK(wasm_valtype_kind(params->data[0]) == a);
  CHECK(wasm_valtype_kind(params->data[1]) == b);
  CHECK(wasm_functype_results(ft)->size == 0);
}

static void test_exn_type(wasm_engine_t *engine, wasm_engine_t *other) {
  wasm_valtype_t *fields[2] = {wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_F64)};
  wasm_valtype_vec_t params;
  wasm_valtype_vec_new(&params, 2, fields);
  wasmtime_exn_type_t *exn = NULL;
  check_ok(wasmtime_exn_type_new(engine, &params, &exn), "exn_type_new");
  wasm_valtype_vec_delete(&params);
  CHECK(exn != NULL);

  /* Its tag type has the fields as parameters and no results. */
  wasm_tagtype_t *tt = wasmtime_exn_type_tag_type(exn);
  check_tag_params(tt, WASM_I32, WASM_F64);

  /* The same signature as a module's tag `(param i32 f64)`. */
  wasm_byte_vec_t wasm;
  wat2wasm("(module (tag (export \"t\") (param i32 f64)))", &wasm);
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module), "module");
  wasm_byte_vec_delete(&wasm);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_instance_new(cx, module, NULL, 0, &inst, &trap), "instance");
  wasmtime_extern_t t = export_of(cx, &inst, "t");
  CHECK(t.kind == WASMTIME_EXTERN_TAG);
  wasm_externtype_t *ety = wasmtime_extern_type(cx, &t);
  CHECK(ety != NULL && wasm_externtype_kind(ety) == WASM_EXTERN_TAG);
  const wasm_tagtype_t *module_tt = wasm_externtype_as_tagtype_const(ety);
  check_tag_params(module_tt, WASM_I32, WASM_F64);
  CHECK(wasm_functype_params(wasm_tagtype_functype(tt))->size ==
        wasm_functype_params(wasm_tagtype_functype(module_tt))->size);
  for (size_t i = 0; i < 2; i++)
    CHECK(wasmtime_wasm_valtype_equal(
        wasm_functype_params(wasm_tagtype_functype(tt))->data[i],
        wasm_functype_params(wasm_tagtype_functype(module_tt))->data[i]));
  wasm_externtype_delete(ety);
  wasmtime_extern_delete(&t);
  wasm_tagtype_delete(tt);

  /* A copy outlives the original. */
  wasmtime_exn_type_t *copy = wasmtime_exn_type_copy(exn);
  CHECK(copy != NULL && copy != exn);
  wasmtime_exn_type_delete(exn);
  tt = wasmtime_exn_type_tag_type(copy);
  check_tag_params(tt, WASM_I32, WASM_F64);
  wasm_tagtype_delete(tt);

  /* A concrete exception heap type survives the round trip through
   * `wasm_valtype_t` with its nullability; clone and delete own the
   * exception type. */
  wasmtime_valtype_t vt;
  memset(&vt, 0, sizeof vt);
  vt.kind = WASMTIME_VALTYPE_KIND_REF;
  vt.reftype.nullable = true;
  vt.reftype.heaptype.kind = WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN;
  vt.reftype.heaptype.of.concrete_exn = copy;
  wasmtime_valtype_t vt2;
  wasmtime_valtype_clone(&vt, &vt2);
  CHECK(vt2.reftype.heaptype.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN);
  CHECK(vt2.reftype.heaptype.of.concrete_exn != NULL &&
        vt2.reftype.heaptype.of.concrete_exn != copy);
  wasmtime_valtype_delete(&vt); /* frees `copy` */
  tt = wasmtime_exn_type_tag_type(vt2.reftype.heaptype.of.concrete_exn);
  check_tag_params(tt, WASM_I32, WASM_F64);
  wasm_tagtype_delete(tt);

  wasm_valtype_t *w = wasmtime_valtype_to_wasm(engine, &vt2);
  CHECK(w != NULL);
  CHECK(wasm_valtype_is_ref(w));
  wasmtime_valtype_t back;
  wasmtime_valtype_new(w, &back);
  CHECK(back.kind == WASMTIME_VALTYPE_KIND_REF && back.reftype.nullable);
  CHECK(back.reftype.heaptype.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN);
  tt = wasmtime_exn_type_tag_type(back.reftype.heaptype.of.concrete_exn);
  check_tag_params(tt, WASM_I32, WASM_F64);
  wasm_tagtype_delete(tt);
  wasmtime_valtype_delete(&back);
  /* The abstract `exnref` is a different (super)type. */
  wasmtime_valtype_t abs;
  memset(&abs, 0, sizeof abs);
  abs.kind = WASMTIME_VALTYPE_KIND_REF;
  abs.reftype.nullable = true;
  abs.reftype.heaptype.kind = WASMTIME_HEAPTYPE_KIND_EXN;
  wasm_valtype_t *w_abs = wasmtime_valtype_to_wasm(NULL, &abs);
  CHECK(w_abs != NULL && !wasmtime_wasm_valtype_equal(w, w_abs));
  wasm_valtype_delete(w_abs);
  wasm_valtype_delete(w);

  /* Non-nullable stays non-nullable; a NULL engine is accepted. */
  vt2.reftype.nullable = false;
  w = wasmtime_valtype_to_wasm(NULL, &vt2);
  CHECK(w != NULL);
  wasmtime_valtype_new(w, &back);
  CHECK(!back.reftype.nullable &&
        back.reftype.heaptype.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN);
  wasmtime_valtype_delete(&back);
  wasm_valtype_delete(w);

  /* Bad input: the exception type of another engine, or none at all. */
  CHECK(wasmtime_valtype_to_wasm(other, &vt2) == NULL);
  wasmtime_valtype_delete(&vt2);
  CHECK(vt2.reftype.heaptype.of.concrete_exn == NULL);
  vt2.reftype.heaptype.kind = WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN;
  CHECK(wasmtime_valtype_to_wasm(engine, &vt2) == NULL);

  /* No fields at all is a valid exception type. */
  wasm_valtype_vec_t none;
  wasm_valtype_vec_new_empty(&none);
  check_ok(wasmtime_exn_type_new(engine, &none, &exn), "exn_type_new");
  tt = wasmtime_exn_type_tag_type(exn);
  CHECK(wasm_functype_params(wasm_tagtype_functype(tt))->size == 0);
  wasm_tagtype_delete(tt);
  wasmtime_exn_type_delete(exn);
  wasmtime_exn_type_delete(NULL);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
}

/* The guest profiler (`wasmtime/profiling.h`): samples taken by a host
 * function that wasm calls name the wasm function on the stack. */
static wasmtime_guestprofiler_t *g_profiler;
static wasmtime_store_t *g_store;
static int g_samples;

static wasm_trap_t *tick(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                         size_t nargs, wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)results, (void)nresults;
  wasmtime_guestprofiler_sample(g_profiler, g_store, 1000);
  g_samples++;
  return NULL;
}

static int contains(const wasm_byte_vec_t *v, const char *needle) {
  return memmem(v->data, v->size, needle, strlen(needle)) != NULL;
}

static void test_guestprofiler(wasm_engine_t *engine, wasm_engine_t *other) {
  wasm_byte_vec_t wasm;
  wat2wasm("(module (import \"\" \"tick\" (func $tick))\n"
           "  (func $busy_worker (export \"run\") (call $tick) (call $tick)))",
           &wasm);
  wasmtime_module_t *module = NULL, *foreign = NULL;
  check_ok(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module), "module");
  check_ok(wasmtime_module_new(other, (uint8_t *)wasm.data, wasm.size, &foreign), "module");
  wasm_byte_vec_delete(&wasm);

  wasm_name_t pname, mname, bad;
  wasm_name_new_from_string(&pname, "profiled-program");
  wasm_name_new_from_string(&mname, "main-module");
  wasm_name_new(&bad, 2, "\xff\xfe");
  wasmtime_guestprofiler_modules_t entry = {&mname, foreign};
  /* Bad input: a module of another engine, a name that is not UTF-8. */
  CHECK(wasmtime_guestprofiler_new(engine, &pname, 1000000, &entry, 1) == NULL);
  entry.mod = module;
  CHECK(wasmtime_guestprofiler_new(engine, &bad, 1000000, &entry, 1) == NULL);
  entry.name = &bad;
  CHECK(wasmtime_guestprofiler_new(engine, &pname, 1000000, &entry, 1) == NULL);
  entry.name = &mname;
  wasmtime_guestprofiler_t *unused = wasmtime_guestprofiler_new(engine, &pname, 1, NULL, 0);
  CHECK(unused != NULL);
  wasmtime_guestprofiler_delete(unused);

  g_profiler = wasmtime_guestprofiler_new(engine, &pname, 1000000, &entry, 1);
  CHECK(g_profiler != NULL);
  g_store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(g_store);
  wasmtime_guestprofiler_sample(g_profiler, g_store, 0); /* no wasm running: empty */
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *ft = wasm_functype_new_0_0();
  check_ok(wasmtime_linker_define_func(linker, "", 0, "tick", 4, ft, tick, NULL, NULL), "define");
  wasm_functype_delete(ft);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_linker_instantiate(linker, cx, module, &inst, &trap), "instantiate");
  CHECK(call_i32(cx, &inst, "run", NULL, 0, 0) == -1); /* no results */
  CHECK(g_samples == 2);

  wasm_byte_vec_t json;
  wasm_byte_vec_new_empty(&json);
  check_ok(wasmtime_guestprofiler_finish(g_profiler, &json), "finish");
  CHECK(json.size > 0 && json.data[0] == '{');
  CHECK(contains(&json, "profiled-program"));
  CHECK(contains(&json, "busy_worker"));
  wasm_byte_vec_delete(&json);

  wasm_name_delete(&pname);
  wasm_name_delete(&mname);
  wasm_name_delete(&bad);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(g_store);
  wasmtime_module_delete(module);
  wasmtime_module_delete(foreign);
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_threads_set(config, true);
  wasmtime_config_shared_memory_set(config, true);
  wasmtime_config_wasm_exceptions_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasm_engine_t *other = wasm_engine_new();
  test_sharedmemory(engine);
  test_exn_type(engine, other);
  test_guestprofiler(engine, other);
  wasm_engine_delete(other);
  wasm_engine_delete(engine);
  printf("headers_extra: ok\n");
  return 0;
}
