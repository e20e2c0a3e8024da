/* The GC proposal through the C API: struct and array types, structs and
 * arrays made by C and by wasm, casts between anyref, eqref, structref and
 * arrayref, and the roots their handles own (observed through the
 * finalizer of an externref stored in a field). */
#include "check.h"

static const char *WAT =
    "(module\n"
    "  (type $s (struct (field (mut i32)) (field (mut externref))))\n"
    "  (type $a (array (mut i32)))\n"
    "  (global $g (export \"g\") (mut anyref) (ref.null any))\n"
    "  (func (export \"make\") (param i32 externref) (result anyref)\n"
    "    (struct.new $s (local.get 0) (local.get 1)))\n"
    "  (func (export \"get\") (param anyref) (result i32)\n"
    "    (struct.get $s 0 (ref.cast (ref $s) (local.get 0))))\n"
    "  (func (export \"sum\") (param (ref null $a)) (result i32)\n"
    "    (local $i i32) (local $n i32)\n"
    "    (block $done (loop $next\n"
    "      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get 0))))\n"
    "      (local.set $n (i32.add (local.get $n)\n"
    "        (array.get $a (local.get 0) (local.get $i))))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br $next)))\n"
    "    (local.get $n))\n"
    "  (func (export \"i31\") (param i32) (result anyref) (ref.i31 (local.get 0)))\n"
    "  (func (export \"keep\") (param anyref) (global.set $g (local.get 0)))\n"
    "  (func (export \"forget\") (global.set $g (ref.null any))))\n";

static int finalized[8];

static void finalize(void *p) { finalized[(size_t)p]++; }

static void gc(wasmtime_context_t *cx) { check_ok(wasmtime_context_gc(cx), "gc"); }

static wasm_valtype_t *valtype_of(wasm_valkind_t kind) { return wasm_valtype_new(kind); }

static wasmtime_field_type_t field(bool mut, wasmtime_storage_type_kind_t kind,
                                   wasm_valtype_t *valtype) {
  wasmtime_field_type_t f;
  f.mutable_ = mut;
  f.storage.kind = kind;
  /* Garbage for packed kinds: the library must not read it. */
  f.storage.valtype = valtype ? valtype : (wasm_valtype_t *)(uintptr_t)0x1234;
  return f;
}

static void call(wasmtime_context_t *cx, wasmtime_instance_t *inst, const char *name,
                 wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results,
                 size_t nresults) {
  wasmtime_extern_t f;
  CHECK(wasmtime_instance_export_get(cx, inst, name, strlen(name), &f));
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_func_call(cx, &f.of.func, args, nargs, results, nresults, &trap), name);
  CHECK(trap == NULL);
}

static wasmtime_val_t i32_val(int32_t v) {
  wasmtime_val_t val;
  val.kind = WASMTIME_I32;
  val.of.i32 = v;
  return val;
}

/* Field 0 of a struct as an i32. */
static int32_t field0(wasmtime_context_t *cx, const wasmtime_structref_t *s) {
  wasmtime_val_t v;
  check_ok(wasmtime_structref_field(cx, s, 0, &v), "field 0");
  CHECK(v.kind == WASMTIME_I32);
  return v.of.i32;
}

static void types(wasm_engine_t *engine) {
  wasmtime_field_type_t fields[3] = {
      field(true, WASMTIME_STORAGE_TYPE_KIND_I8, NULL),
      field(false, WASMTIME_STORAGE_TYPE_KIND_I16, NULL),
      field(true, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, valtype_of(WASM_I64)),
  };
  wasmtime_struct_type_t *st = wasmtime_struct_type_new(engine, fields, 3);
  CHECK(st != NULL);
  wasmtime_field_type_delete(&fields[2]);
  CHECK(wasmtime_struct_type_num_fields(st) == 3);
  wasmtime_field_type_t f;
  CHECK(wasmtime_struct_type_field(st, 0, &f));
  CHECK(f.mutable_ && f.storage.kind == WASMTIME_STORAGE_TYPE_KIND_I8);
  wasmtime_field_type_delete(&f);
  CHECK(wasmtime_struct_type_field(st, 1, &f));
  CHECK(!f.mutable_ && f.storage.kind == WASMTIME_STORAGE_TYPE_KIND_I16);
  wasmtime_field_type_delete(&f);
  CHECK(wasmtime_struct_type_field(st, 2, &f));
  CHECK(f.mutable_ && f.storage.kind == WASMTIME_STORAGE_TYPE_KIND_VALTYPE);
  CHECK(wasm_valtype_kind(f.storage.valtype) == WASM_I64);
  wasmtime_field_type_t g;
  wasmtime_field_type_clone(&f, &g);
  wasmtime_field_type_delete(&f);
  CHECK(wasm_valtype_kind(g.storage.valtype) == WASM_I64);
  wasmtime_storage_type_t s2;
  wasmtime_storage_type_clone(&g.storage, &s2);
  wasmtime_field_type_delete(&g);
  CHECK(wasm_valtype_kind(s2.valtype) == WASM_I64);
  wasmtime_storage_type_delete(&s2);
  CHECK(!wasmtime_struct_type_field(st, 3, &f));
  wasmtime_struct_type_t *st2 = wasmtime_struct_type_copy(st);
  CHECK(wasmtime_struct_type_num_fields(st2) == 3);
  wasmtime_struct_type_delete(st2);
  wasmtime_struct_type_delete(st);

  /* A value storage kind without its value type, or an unknown kind. */
  wasmtime_field_type_t bad = field(true, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, NULL);
  bad.storage.valtype = NULL;
  CHECK(wasmtime_struct_type_new(engine, &bad, 1) == NULL);
  CHECK(wasmtime_array_type_new(engine, &bad) == NULL);
  bad.storage.kind = 7;
  CHECK(wasmtime_array_type_new(engine, &bad) == NULL);

  wasmtime_field_type_t e = field(false, WASMTIME_STORAGE_TYPE_KIND_I16, NULL);
  wasmtime_array_type_t *at = wasmtime_array_type_new(engine, &e);
  CHECK(at != NULL);
  wasmtime_array_type_t *at2 = wasmtime_array_type_copy(at);
  wasmtime_array_type_delete(at);
  wasmtime_array_type_element(at2, &f);
  CHECK(!f.mutable_ && f.storage.kind == WASMTIME_STORAGE_TYPE_KIND_I16);
  wasmtime_field_type_delete(&f);
  wasmtime_array_type_delete(at2);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  types(engine);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);

  /* The module's struct type, built from C: (struct (mut i32) (mut externref)). */
  wasmtime_field_type_t sf[2] = {
      field(true, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, valtype_of(WASM_I32)),
      field(true, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, valtype_of(WASM_EXTERNREF)),
  };
  wasmtime_struct_type_t *st = wasmtime_struct_type_new(engine, sf, 2);
  CHECK(st != NULL);
  wasmtime_field_type_delete(&sf[0]);
  wasmtime_field_type_delete(&sf[1]);
  wasmtime_struct_ref_pre_t *spre = wasmtime_struct_ref_pre_new(cx, st);
  CHECK(spre != NULL);

  /* A struct made by C keeps its externref field alive while rooted. */
  wasmtime_val_t args[2];
  args[0] = i32_val(7);
  args[1].kind = WASMTIME_EXTERNREF;
  CHECK(wasmtime_externref_new(cx, (void *)1, finalize, &args[1].of.externref));
  wasmtime_structref_t s;
  check_ok(wasmtime_structref_new(cx, spre, args, 2, &s), "structref_new");
  wasmtime_val_unroot(&args[1]);
  gc(cx);
  CHECK(finalized[1] == 0);
  CHECK(field0(cx, &s) == 7);
  check_ok(wasmtime_structref_set_field(cx, &s, 0, &args[0]), "set_field");
  wasmtime_val_t v = i32_val(9);
  check_ok(wasmtime_structref_set_field(cx, &s, 0, &v), "set_field");
  CHECK(field0(cx, &s) == 9);
  /* Reading the externref field gives a root of its own. */
  check_ok(wasmtime_structref_field(cx, &s, 1, &v), "field 1");
  CHECK(v.kind == WASMTIME_EXTERNREF);
  CHECK(wasmtime_externref_data(cx, &v.of.externref) == (void *)1);
  wasmtime_val_unroot(&v);

  /* Errors: bad index, wrong type, wrong count, null handle. */
  CHECK(error_contains(wasmtime_structref_field(cx, &s, 2, &v), "no field 2"));
  v.kind = WASMTIME_I64;
  v.of.i64 = 1;
  wasmtime_error_t *err = wasmtime_structref_set_field(cx, &s, 0, &v);
  CHECK(err != NULL);
  wasmtime_error_delete(err);
  wasmtime_structref_t bad;
  CHECK(error_contains(wasmtime_structref_new(cx, spre, args, 1, &bad), "expected 2 field values"));
  CHECK(wasmtime_structref_is_null(&bad));
  wasmtime_structref_t null;
  wasmtime_structref_set_null(&null);
  CHECK(error_contains(wasmtime_structref_field(cx, &null, 0, &v), "non-null structref required"));
  CHECK(wasmtime_structref_type(cx, &null) == NULL);

  /* Casts: each copy owns a root; the struct lives until the last goes. */
  wasmtime_anyref_t any;
  wasmtime_structref_to_anyref(&s, &any);
  wasmtime_eqref_t eq;
  CHECK(wasmtime_anyref_as_eqref(cx, &any, &eq));
  CHECK(wasmtime_anyref_is_struct(cx, &any) && !wasmtime_anyref_is_array(cx, &any));
  CHECK(!wasmtime_anyref_is_i31(cx, &any) && wasmtime_eqref_is_struct(cx, &eq));
  wasmtime_structref_unroot(&s);
  gc(cx);
  CHECK(finalized[1] == 0);
  wasmtime_structref_t s2;
  CHECK(wasmtime_eqref_as_struct(cx, &eq, &s2));
  wasmtime_arrayref_t not_array;
  CHECK(!wasmtime_eqref_as_array(cx, &eq, &not_array));
  CHECK(field0(cx, &s2) == 9);
  wasmtime_heaptype_t ht;
  CHECK(wasmtime_anyref_type(cx, &any, &ht));
  CHECK(ht.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT);
  CHECK(wasmtime_struct_type_num_fields(ht.of.concrete_struct) == 2);
  wasmtime_heaptype_t ht2;
  wasmtime_heaptype_clone(&ht, &ht2);
  wasmtime_heaptype_delete(&ht);
  CHECK(wasmtime_struct_type_num_fields(ht2.of.concrete_struct) == 2);
  wasmtime_heaptype_delete(&ht2);
  wasmtime_struct_type_t *sty = wasmtime_structref_type(cx, &s2);
  CHECK(sty && wasmtime_struct_type_num_fields(sty) == 2);
  wasmtime_struct_type_delete(sty);
  wasmtime_anyref_unroot(&any);
  wasmtime_eqref_unroot(&eq);
  gc(cx);
  CHECK(finalized[1] == 0);
  wasmtime_structref_unroot(&s2);
  gc(cx);
  CHECK(finalized[1] == 1);

  /* Wasm: a struct made by wasm comes back rooted; one made by C has the
   * module's (canonically equal) type. */
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_byte_vec_t wasm;
  wat2wasm(WAT, &wasm);
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module), "module");
  wasm_byte_vec_delete(&wasm);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_linker_instantiate(linker, cx, module, &inst, &trap), "instantiate");
  CHECK(trap == NULL);

  args[0] = i32_val(21);
  args[1].kind = WASMTIME_EXTERNREF;
  CHECK(wasmtime_externref_new(cx, (void *)2, finalize, &args[1].of.externref));
  wasmtime_val_t res;
  call(cx, &inst, "make", args, 2, &res, 1);
  wasmtime_val_unroot(&args[1]);
  CHECK(res.kind == WASMTIME_ANYREF && !wasmtime_anyref_is_null(&res.of.anyref));
  gc(cx);
  CHECK(finalized[2] == 0);
  CHECK(wasmtime_anyref_as_struct(cx, &res.of.anyref, &s));
  CHECK(field0(cx, &s) == 21);
  wasmtime_structref_unroot(&s);
  /* A global keeps it alive after the caller lets go. */
  call(cx, &inst, "keep", &res, 1, NULL, 0);
  wasmtime_val_unroot(&res);
  gc(cx);
  CHECK(finalized[2] == 0);
  call(cx, &inst, "forget", NULL, 0, NULL, 0);
  gc(cx);
  CHECK(finalized[2] == 1);

  args[0] = i32_val(33);
  args[1].kind = WASMTIME_EXTERNREF;
  wasmtime_externref_set_null(&args[1].of.externref);
  check_ok(wasmtime_structref_new(cx, spre, args, 2, &s), "structref_new");
  v.kind = WASMTIME_ANYREF;
  wasmtime_structref_to_anyref(&s, &v.of.anyref);
  call(cx, &inst, "get", &v, 1, &res, 1);
  CHECK(res.kind == WASMTIME_I32 && res.of.i32 == 33);
  /* Raw forms round-trip. */
  uint32_t raw = wasmtime_anyref_to_raw(cx, &v.of.anyref);
  CHECK(raw != 0);
  wasmtime_anyref_t back;
  wasmtime_anyref_from_raw(cx, raw, &back);
  CHECK(wasmtime_anyref_is_struct(cx, &back));
  wasmtime_anyref_unroot(&back);
  wasmtime_anyref_from_raw(cx, 0, &back);
  CHECK(wasmtime_anyref_is_null(&back));
  /* An unchecked call passes the raw anyref. */
  wasmtime_extern_t getf;
  CHECK(wasmtime_instance_export_get(cx, &inst, "get", 3, &getf));
  wasmtime_val_raw_t slot;
  slot.anyref = raw;
  check_ok(wasmtime_func_call_unchecked(cx, &getf.of.func, &slot, 1, &trap), "unchecked get");
  CHECK(trap == NULL && slot.i32 == 33);
  wasmtime_val_unroot(&v);
  wasmtime_structref_unroot(&s);

  /* i31 references from wasm and from C. */
  v = i32_val(-5);
  call(cx, &inst, "i31", &v, 1, &res, 1);
  int32_t si;
  uint32_t ui;
  CHECK(wasmtime_anyref_i31_get_s(cx, &res.of.anyref, &si) && si == -5);
  CHECK(wasmtime_anyref_i31_get_u(cx, &res.of.anyref, &ui) && ui == 0x7ffffffbu);
  CHECK(wasmtime_anyref_is_eqref(cx, &res.of.anyref));
  CHECK(!wasmtime_anyref_as_struct(cx, &res.of.anyref, &s));
  CHECK(wasmtime_anyref_type(cx, &res.of.anyref, &ht) && ht.kind == WASMTIME_HEAPTYPE_KIND_I31);
  wasmtime_val_unroot(&res);

  /* Arrays. */
  wasmtime_field_type_t af = field(true, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, valtype_of(WASM_I32));
  wasmtime_array_type_t *at = wasmtime_array_type_new(engine, &af);
  wasmtime_field_type_delete(&af);
  wasmtime_array_ref_pre_t *apre = wasmtime_array_ref_pre_new(cx, at);
  CHECK(apre != NULL);
  wasmtime_arrayref_t arr;
  v = i32_val(4);
  check_ok(wasmtime_arrayref_new(cx, apre, &v, 5, &arr), "arrayref_new");
  uint32_t len = 0;
  check_ok(wasmtime_arrayref_len(cx, &arr, &len), "len");
  CHECK(len == 5);
  v = i32_val(10);
  check_ok(wasmtime_arrayref_set(cx, &arr, 2, &v), "set");
  check_ok(wasmtime_arrayref_get(cx, &arr, 2, &res), "get");
  CHECK(res.kind == WASMTIME_I32 && res.of.i32 == 10);
  CHECK(error_contains(wasmtime_arrayref_get(cx, &arr, 5, &res), "out of bounds"));
  CHECK(error_contains(wasmtime_arrayref_set(cx, &arr, 9, &v), "out of bounds"));
  gc(cx);
  wasmtime_val_t av;
  av.kind = WASMTIME_ANYREF;
  wasmtime_arrayref_to_anyref(&arr, &av.of.anyref);
  call(cx, &inst, "sum", &av, 1, &res, 1);
  CHECK(res.of.i32 == 4 * 4 + 10);
  CHECK(wasmtime_anyref_is_array(cx, &av.of.anyref));
  wasmtime_array_type_t *aty = wasmtime_arrayref_type(cx, &arr);
  CHECK(aty != NULL);
  wasmtime_field_type_t ef;
  wasmtime_array_type_element(aty, &ef);
  CHECK(ef.mutable_ && wasm_valtype_kind(ef.storage.valtype) == WASM_I32);
  wasmtime_field_type_delete(&ef);
  wasmtime_array_type_delete(aty);
  wasmtime_val_unroot(&av);
  wasmtime_arrayref_unroot(&arr);
  wasmtime_arrayref_t nul;
  wasmtime_arrayref_set_null(&nul);
  CHECK(error_contains(wasmtime_arrayref_len(cx, &nul, &len), "non-null arrayref required"));

  /* An array of externrefs keeps its elements alive while rooted. */
  wasmtime_field_type_t xf =
      field(false, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, valtype_of(WASM_EXTERNREF));
  wasmtime_array_type_t *xt = wasmtime_array_type_new(engine, &xf);
  wasmtime_field_type_delete(&xf);
  wasmtime_array_ref_pre_t *xpre = wasmtime_array_ref_pre_new(cx, xt);
  v.kind = WASMTIME_EXTERNREF;
  CHECK(wasmtime_externref_new(cx, (void *)3, finalize, &v.of.externref));
  check_ok(wasmtime_arrayref_new(cx, xpre, &v, 3, &arr), "externref array");
  wasmtime_val_unroot(&v);
  CHECK(error_contains(wasmtime_arrayref_set(cx, &arr, 0, &v), "immutable"));
  wasmtime_arrayref_t arr2;
  wasmtime_arrayref_clone(&arr, &arr2);
  wasmtime_arrayref_unroot(&arr);
  gc(cx);
  CHECK(finalized[3] == 0);
  check_ok(wasmtime_arrayref_get(cx, &arr2, 1, &res), "get");
  CHECK(wasmtime_externref_data(cx, &res.of.externref) == (void *)3);
  wasmtime_val_unroot(&res);
  wasmtime_arrayref_unroot(&arr2);
  gc(cx);
  CHECK(finalized[3] == 1);

  /* Types of another engine are refused. */
  wasm_engine_t *other = wasm_engine_new();
  wasmtime_struct_type_t *ost = wasmtime_struct_type_new(other, NULL, 0);
  CHECK(ost != NULL);
  CHECK(wasmtime_struct_ref_pre_new(cx, ost) == NULL);
  wasmtime_struct_type_delete(ost);
  wasm_engine_delete(other);

  wasmtime_array_ref_pre_delete(xpre);
  wasmtime_array_type_delete(xt);
  wasmtime_array_ref_pre_delete(apre);
  wasmtime_array_type_delete(at);
  wasmtime_struct_ref_pre_delete(spre);
  wasmtime_struct_type_delete(st);
  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("gc_objects: ok\n");
  return 0;
}
