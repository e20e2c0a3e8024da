/* The standard wasm.h API: types, vectors, modules, host functions,
 * instances, externs, values, traps and frames. */
#include "check.h"

static const char *WAT =
    "(module\n"
    "  (import \"host\" \"double\" (func $double (param i32) (result i32)))\n"
    "  (memory (export \"mem\") 1 3)\n"
    "  (global (export \"g\") (mut i64) (i64.const 7))\n"
    "  (table (export \"t\") 2 funcref)\n"
    "  (func (export \"quad\") (param i32) (result i32)\n"
    "    local.get 0 call $double call $double)\n"
    "  (func $inner (export \"boom\") unreachable)\n"
    "  (func (export \"outer\") call $inner)\n"
    "  (func (export \"store\") (param i32 i32) local.get 0 local.get 1 i32.store)\n"
    "  (data (i32.const 0) \"hi\"))";

static int calls = 0;

static wasm_trap_t *double_cb(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  calls++;
  CHECK(args->size == 1 && args->data[0].kind == WASM_I32);
  CHECK(results->size == 1);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2;
  return NULL;
}

static int finalized = 0;
static void finalize(void *env) { finalized += *(int *)env; }

static wasm_trap_t *env_cb(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  (void)args;
  (void)results;
  wasm_store_t *store = env;
  wasm_message_t msg;
  wasm_name_new_from_string_nt(&msg, "from the host");
  wasm_trap_t *trap = wasm_trap_new(store, &msg);
  wasm_byte_vec_delete(&msg);
  return trap;
}

static void test_types(void) {
  wasm_valtype_t *i32 = wasm_valtype_new(WASM_I32);
  CHECK(wasm_valtype_kind(i32) == WASM_I32);
  wasm_functype_t *ft = wasm_functype_new_2_1(i32, wasm_valtype_new_i64(), wasm_valtype_new_funcref());
  const wasm_valtype_vec_t *params = wasm_functype_params(ft);
  CHECK(params->size == 2);
  CHECK(wasm_valtype_kind(params->data[1]) == WASM_I64);
  CHECK(wasm_valtype_kind(wasm_functype_results(ft)->data[0]) == WASM_FUNCREF);
  wasm_functype_t *copy = wasm_functype_copy(ft);
  wasm_externtype_t *et = wasm_functype_as_externtype(copy);
  CHECK(wasm_externtype_kind(et) == WASM_EXTERN_FUNC);
  CHECK(wasm_externtype_as_functype(et) == copy);
  CHECK(wasm_externtype_as_memorytype(et) == NULL);
  wasm_functype_delete(copy);
  wasm_functype_delete(ft);

  wasm_limits_t limits = {1, 5};
  wasm_memorytype_t *mt = wasm_memorytype_new(&limits);
  CHECK(wasm_memorytype_limits(mt)->min == 1 && wasm_memorytype_limits(mt)->max == 5);
  wasm_memorytype_delete(mt);
  wasm_limits_t nomax = {2, wasm_limits_max_default};
  wasm_tabletype_t *tt = wasm_tabletype_new(wasm_valtype_new_externref(), &nomax);
  CHECK(wasm_tabletype_limits(tt)->max == wasm_limits_max_default);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_EXTERNREF);
  wasm_tabletype_delete(tt);
  wasm_globaltype_t *gt = wasm_globaltype_new(wasm_valtype_new_f64(), WASM_VAR);
  CHECK(wasm_globaltype_mutability(gt) == WASM_VAR);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_F64);
  wasm_globaltype_delete(gt);

  wasm_byte_vec_t bytes, copied;
  wasm_byte_vec_new(&bytes, 3, "abc");
  wasm_byte_vec_copy(&copied, &bytes);
  CHECK(copied.size == 3 && memcmp(copied.data, "abc", 3) == 0);
  wasm_byte_vec_delete(&bytes);
  wasm_byte_vec_delete(&copied);
  wasm_val_vec_t vals;
  wasm_val_vec_new_uninitialized(&vals, 4);
  CHECK(vals.size == 4);
  wasm_val_vec_delete(&vals);
  CHECK(vals.size == 0);
}

int main(void) {
  test_types();
  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wat2wasm(WAT, &binary);
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t *module = wasm_module_new(store, &binary);
  CHECK(module != NULL);

  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 1);
  const wasm_name_t *mname = wasm_importtype_module(imports.data[0]);
  CHECK(mname->size == 4 && memcmp(mname->data, "host", 4) == 0);
  CHECK(wasm_externtype_kind(wasm_importtype_type(imports.data[0])) == WASM_EXTERN_FUNC);
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 7);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[0])) == WASM_EXTERN_MEMORY);
  wasm_exporttype_vec_delete(&exports);

  /* Serialize and load again. */
  wasm_byte_vec_t artifact;
  wasm_module_serialize(module, &artifact);
  CHECK(artifact.size > 0);
  wasm_module_t *again = wasm_module_deserialize(store, &artifact);
  CHECK(again != NULL);
  wasm_module_delete(again);
  wasm_byte_vec_delete(&artifact);
  /* Garbage is rejected, not trusted. */
  wasm_byte_vec_t junk;
  wasm_byte_vec_new(&junk, 4, "\0asm");
  CHECK(!wasm_module_validate(store, &junk));
  CHECK(wasm_module_new(store, &junk) == NULL);
  wasm_byte_vec_delete(&junk);

  wasm_functype_t *dty = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t *dbl = wasm_func_new(store, dty, double_cb);
  wasm_functype_delete(dty);
  CHECK(wasm_func_param_arity(dbl) == 1 && wasm_func_result_arity(dbl) == 1);

  wasm_extern_t *externs[] = {wasm_func_as_extern(dbl)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(externs);
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &import_vec, &trap);
  CHECK(instance != NULL && trap == NULL);

  wasm_extern_vec_t ex;
  wasm_instance_exports(instance, &ex);
  CHECK(ex.size == 7);
  wasm_memory_t *mem = wasm_extern_as_memory(ex.data[0]);
  wasm_global_t *g = wasm_extern_as_global(ex.data[1]);
  wasm_table_t *t = wasm_extern_as_table(ex.data[2]);
  wasm_func_t *quad = wasm_extern_as_func(ex.data[3]);
  wasm_func_t *boom = wasm_extern_as_func(ex.data[4]);
  wasm_func_t *outer = wasm_extern_as_func(ex.data[5]);
  wasm_func_t *store_fn = wasm_extern_as_func(ex.data[6]);
  CHECK(mem && g && t && quad && boom && outer && store_fn);
  CHECK(wasm_extern_as_func(ex.data[0]) == NULL);
  CHECK(wasm_extern_kind(ex.data[2]) == WASM_EXTERN_TABLE);

  /* Calls through a host import. */
  wasm_val_t args[1] = {WASM_I32_VAL(5)};
  wasm_val_t res[1] = {WASM_INIT_VAL};
  wasm_val_vec_t argv = WASM_ARRAY_VEC(args), resv = WASM_ARRAY_VEC(res);
  CHECK(wasm_func_call(quad, &argv, &resv) == NULL);
  CHECK(res[0].kind == WASM_I32 && res[0].of.i32 == 20);
  CHECK(calls == 2);
  /* A wrong argument count is a trap, not a crash. */
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(quad, &none, &resv);
  CHECK(trap != NULL);
  wasm_trap_delete(trap);

  /* Memory. */
  CHECK(wasm_memory_size(mem) == 1);
  CHECK(wasm_memory_data_size(mem) == 65536);
  CHECK(memcmp(wasm_memory_data(mem), "hi", 2) == 0);
  wasm_val_t sargs[2] = {WASM_I32_VAL(8), WASM_I32_VAL(0x01020304)};
  wasm_val_vec_t sargv = WASM_ARRAY_VEC(sargs), noresults = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(store_fn, &sargv, &noresults) == NULL);
  CHECK(wasm_memory_data(mem)[8] == 4);
  CHECK(wasm_memory_grow(mem, 2));
  CHECK(wasm_memory_size(mem) == 3);
  CHECK(!wasm_memory_grow(mem, 1));
  /* Out of bounds store traps with a message and a frame. */
  wasm_val_t oob[2] = {WASM_I32_VAL(3 * 65536), WASM_I32_VAL(1)};
  wasm_val_vec_t oobv = WASM_ARRAY_VEC(oob);
  trap = wasm_func_call(store_fn, &oobv, &noresults);
  CHECK(trap != NULL);
  wasm_frame_t *origin = wasm_trap_origin(trap);
  CHECK(origin != NULL);
  CHECK(wasm_frame_func_index(origin) == 4);
  wasm_frame_delete(origin);
  CHECK(trap_contains(trap, "out of bounds memory access"));

  /* Globals. */
  wasm_val_t gv;
  wasm_global_get(g, &gv);
  CHECK(gv.kind == WASM_I64 && gv.of.i64 == 7);
  wasm_val_t nv = WASM_I64_VAL(-3);
  wasm_global_set(g, &nv);
  wasm_global_get(g, &gv);
  CHECK(gv.of.i64 == -3);
  wasm_globaltype_t *gty = wasm_global_type(g);
  CHECK(wasm_globaltype_mutability(gty) == WASM_VAR);
  wasm_globaltype_delete(gty);
  wasm_globaltype_t *cgt = wasm_globaltype_new(wasm_valtype_new_f32(), WASM_CONST);
  wasm_val_t fv = WASM_F32_VAL(1.5f);
  wasm_global_t *cg = wasm_global_new(store, cgt, &fv);
  wasm_globaltype_delete(cgt);
  CHECK(cg != NULL);
  wasm_global_get(cg, &gv);
  CHECK(gv.kind == WASM_F32 && gv.of.f32 == 1.5f);
  wasm_global_delete(cg);

  /* Tables. */
  CHECK(wasm_table_size(t) == 2);
  CHECK(wasm_table_get(t, 0) == NULL);
  CHECK(wasm_table_get(t, 5) == NULL);
  CHECK(wasm_table_grow(t, 3, NULL));
  CHECK(wasm_table_size(t) == 5);
  CHECK(!wasm_table_set(t, 9, NULL));

  /* A trap inside nested wasm calls has a backtrace. */
  trap = wasm_func_call(outer, &none, &noresults);
  CHECK(trap != NULL);
  wasm_frame_vec_t frames;
  wasm_trap_trace(trap, &frames);
  CHECK(frames.size == 2);
  CHECK(wasm_frame_func_index(frames.data[0]) == 2);
  CHECK(wasm_frame_func_index(frames.data[1]) == 3);
  const wasm_name_t *fname = wasmtime_frame_func_name(frames.data[0]);
  CHECK(fname != NULL && fname->size == 5 && memcmp(fname->data, "inner", 5) == 0);
  wasm_frame_vec_delete(&frames);
  wasmtime_trap_code_t code;
  CHECK(wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED);
  CHECK(trap_contains(trap, "unreachable"));

  /* A host function with an environment returning a trap. */
  static int token = 5;
  wasm_functype_t *nt = wasm_functype_new_0_0();
  wasm_func_t *thrower = wasm_func_new_with_env(store, nt, env_cb, store, NULL);
  wasm_functype_t *ty = wasm_func_type(thrower);
  CHECK(wasm_functype_params(ty)->size == 0);
  wasm_functype_delete(ty);
  trap = wasm_func_call(thrower, &none, &noresults);
  CHECK(trap != NULL && trap_contains(trap, "from the host"));
  wasm_func_t *with_fin = wasm_func_new_with_env(store, nt, env_cb, &token, finalize);
  wasm_functype_delete(nt);
  wasm_func_delete(with_fin);
  wasm_func_delete(thrower);

  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(instance);
  wasm_func_delete(dbl);
  wasm_module_delete(module);
  wasm_byte_vec_delete(&binary);
  CHECK(finalized == 0);
  wasm_store_delete(store);
  /* The finalizer runs when the store goes away. */
  CHECK(finalized == 5);
  wasm_engine_delete(engine);
  printf("wasm_h: ok\n");
  return 0;
}
