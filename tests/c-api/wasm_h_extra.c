/* The parts of wasm.h that wasm_h.c leaves out: memories and tables made
 * by the host, the conversions between externs and their kinds (and
 * between extern types and theirs), values copied and deleted, import and
 * export types built by hand, copied frames, and the functions this
 * runtime answers with NULL (as Wasmtime has no implementation). */
#include "check.h"

static const char *WAT =
    "(module\n"
    "  (global (export \"g\") (mut i32) (i32.const 3))\n"
    "  (func $boom (export \"boom\") unreachable))";

static void test_host_objects(wasm_store_t *store) {
  /* A memory made by the host. */
  wasm_limits_t limits = {2, 4};
  wasm_memorytype_t *mt = wasm_memorytype_new(&limits);
  wasm_memory_t *mem = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  CHECK(mem != NULL);
  CHECK(wasm_memory_size(mem) == 2);
  wasm_memorytype_t *got = wasm_memory_type(mem);
  CHECK(wasm_memorytype_limits(got)->min == 2 && wasm_memorytype_limits(got)->max == 4);
  wasm_memorytype_delete(got);
  /* A minimum above the maximum is no memory. */
  wasm_limits_t bad = {5, 4};
  mt = wasm_memorytype_new(&bad);
  CHECK(wasm_memory_new(store, mt) == NULL);
  wasm_memorytype_delete(mt);

  /* As an extern and back. */
  wasm_extern_t *ext = wasm_memory_as_extern(mem);
  CHECK(wasm_extern_kind(ext) == WASM_EXTERN_MEMORY);
  CHECK(wasm_extern_as_memory(ext) == mem);
  CHECK(wasm_extern_as_memory_const(wasm_memory_as_extern_const(mem)) == mem);
  CHECK(wasm_extern_as_table_const(ext) == NULL);
  wasm_externtype_t *et = wasm_extern_type(ext);
  CHECK(wasm_externtype_kind(et) == WASM_EXTERN_MEMORY);
  CHECK(wasm_memorytype_limits(wasm_externtype_as_memorytype_const(et))->min == 2);
  wasm_externtype_delete(et);

  /* A table made by the host, filled with null. */
  limits.min = 3;
  limits.max = 10;
  wasm_tabletype_t *tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
  wasm_table_t *table = wasm_table_new(store, tt, NULL);
  wasm_tabletype_delete(tt);
  CHECK(table != NULL);
  CHECK(wasm_table_size(table) == 3);
  CHECK(wasm_table_get(table, 2) == NULL);
  CHECK(wasm_table_grow(table, 2, NULL) && wasm_table_size(table) == 5);
  CHECK(!wasm_table_grow(table, 100, NULL));
  wasm_tabletype_t *tgot = wasm_table_type(table);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(tgot)) == WASM_FUNCREF);
  /* The declared type, as in Wasmtime (not the current size). */
  CHECK(wasm_tabletype_limits(tgot)->min == 3 && wasm_tabletype_limits(tgot)->max == 10);
  wasm_tabletype_delete(tgot);
  ext = wasm_table_as_extern(table);
  CHECK(wasm_extern_kind(ext) == WASM_EXTERN_TABLE);
  CHECK(wasm_extern_as_table_const(wasm_table_as_extern_const(table)) == table);
  CHECK(wasm_extern_as_memory_const(ext) == NULL);
  et = wasm_extern_type(ext);
  CHECK(wasm_externtype_as_tabletype(et) != NULL && wasm_externtype_as_globaltype(et) == NULL);
  CHECK(wasm_tabletype_limits(wasm_externtype_as_tabletype(et))->max == 10);
  wasm_externtype_delete(et);

  wasm_table_delete(table);
  wasm_memory_delete(mem);
}

static void test_instance_externs(wasm_store_t *store) {
  wasm_byte_vec_t binary;
  wat2wasm(WAT, &binary);
  wasm_module_t *module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 2);

  wasm_global_t *g = wasm_extern_as_global(exports.data[0]);
  CHECK(g != NULL);
  CHECK(wasm_extern_as_global_const(exports.data[0]) == g);
  CHECK(wasm_global_as_extern(g) == exports.data[0]);
  CHECK(wasm_global_as_extern_const(g) == exports.data[0]);
  CHECK(wasm_extern_as_func_const(exports.data[0]) == NULL);
  wasm_externtype_t *et = wasm_extern_type(exports.data[0]);
  wasm_globaltype_t *gt = wasm_externtype_as_globaltype(et);
  CHECK(gt != NULL && wasm_globaltype_mutability(gt) == WASM_VAR);
  CHECK(wasm_globaltype_as_externtype(gt) == et);
  CHECK(wasm_globaltype_as_externtype_const(gt) == et);
  wasm_externtype_delete(et);

  wasm_func_t *boom = wasm_extern_as_func(exports.data[1]);
  CHECK(wasm_extern_as_func_const(exports.data[1]) == boom);
  CHECK(wasm_func_as_extern_const(boom) == exports.data[1]);
  et = wasm_extern_type(exports.data[1]);
  CHECK(wasm_externtype_kind(et) == WASM_EXTERN_FUNC);
  CHECK(wasm_functype_as_externtype_const(wasm_externtype_as_functype_const(et)) == et);
  wasm_externtype_delete(et);

  /* A trap's frame, copied: the copy outlives the original and the trap. */
  wasm_val_vec_t none = WASM_EMPTY_VEC, noresults = WASM_EMPTY_VEC;
  trap = wasm_func_call(boom, &none, &noresults);
  CHECK(trap != NULL);
  wasm_frame_t *origin = wasm_trap_origin(trap);
  CHECK(origin != NULL);
  wasm_frame_t *copy = wasm_frame_copy(origin);
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
  CHECK(copy != NULL);
  CHECK(wasm_frame_func_index(copy) == 0);
  CHECK(wasm_frame_func_offset(copy) > 0);
  /* No instance behind a frame here (Wasmtime has none either). */
  CHECK(wasm_frame_instance(copy) == NULL);
  wasm_frame_delete(copy);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

static void test_types(void) {
  /* Tag and table types as extern types and back. */
  wasm_tagtype_t *tag = wasm_tagtype_new(wasm_functype_new_1_0(wasm_valtype_new_i64()));
  wasm_externtype_t *et = wasm_tagtype_as_externtype(tag);
  CHECK(wasm_externtype_kind(et) == WASM_EXTERN_TAG);
  CHECK(wasm_externtype_as_tagtype(et) == tag);
  CHECK(wasm_tagtype_as_externtype_const(tag) == et);
  wasm_functype_t *ft = wasm_functype_new_0_0();
  CHECK(wasm_externtype_as_tagtype(wasm_functype_as_externtype(ft)) == NULL);
  wasm_functype_delete(ft);
  wasm_limits_t limits = {1, 2};
  wasm_tabletype_t *tt = wasm_tabletype_new(wasm_valtype_new_externref(), &limits);
  CHECK(wasm_tabletype_as_externtype_const(tt) == wasm_tabletype_as_externtype(tt));
  CHECK(wasm_externtype_as_tabletype_const(wasm_tabletype_as_externtype(tt)) == tt);
  wasm_memorytype_t *mt = wasm_memorytype_new(&limits);
  CHECK(wasm_externtype_as_memorytype_const(wasm_memorytype_as_externtype_const(mt)) == mt);
  CHECK(wasm_memorytype_as_externtype(mt) != NULL);

  /* Import and export types take their names and types. */
  wasm_name_t module_name, name, ename;
  wasm_name_new_from_string(&module_name, "env");
  wasm_name_new_from_string(&name, "tbl");
  wasm_name_new_from_string(&ename, "mem");
  wasm_importtype_t *it =
      wasm_importtype_new(&module_name, &name, wasm_tabletype_as_externtype(tt));
  /* The import owns the table type now, the export the memory type. */
  CHECK(wasm_importtype_module(it)->size == 3 &&
        memcmp(wasm_importtype_module(it)->data, "env", 3) == 0);
  CHECK(wasm_importtype_name(it)->size == 3 &&
        memcmp(wasm_importtype_name(it)->data, "tbl", 3) == 0);
  CHECK(wasm_externtype_kind(wasm_importtype_type(it)) == WASM_EXTERN_TABLE);
  wasm_exporttype_t *xt = wasm_exporttype_new(&ename, wasm_memorytype_as_externtype(mt));
  CHECK(wasm_exporttype_name(xt)->size == 3);
  CHECK(wasm_memorytype_limits(wasm_externtype_as_memorytype_const(wasm_exporttype_type(xt)))
            ->max == 2);
  wasm_importtype_delete(it);
  wasm_exporttype_delete(xt);
  wasm_tagtype_delete(tag);

  /* Values: copies of numbers and of a null reference. */
  wasm_val_t v = WASM_F64_VAL(2.5), c;
  wasm_val_copy(&c, &v);
  CHECK(c.kind == WASM_F64 && c.of.f64 == 2.5);
  wasm_val_delete(&c);
  wasm_val_t r = WASM_REF_VAL(NULL);
  wasm_val_copy(&c, &r);
  CHECK(c.kind == WASM_EXTERNREF && c.of.ref == NULL);
  wasm_val_delete(&c);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);
  test_host_objects(store);
  test_instance_externs(store);
  test_types();
  /* Foreign objects are not supported (nor in Wasmtime). */
  CHECK(wasm_foreign_new(store) == NULL);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("wasm_h_extra: ok\n");
  return 0;
}
