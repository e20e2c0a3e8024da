/* The component model C API (the wasmtime/component headers): compiling,
 * serializing, linking host functions and resources, calling exports with
 * every kind of value, inspecting types, WASI 0.2, and clean errors for
 * bad input. Run from the repository root (reads tests/components). */
#include "check.h"

#include <stdint.h>
#include <unistd.h>

/* Compiles the component in `wat`. */
static wasmtime_component_t *compile(wasm_engine_t *engine, const char *wat) {
  wasm_byte_vec_t bin;
  check_ok(wasmtime_wat2wasm(wat, strlen(wat), &bin), "wat2wasm");
  wasmtime_component_t *c = NULL;
  check_ok(wasmtime_component_new(engine, (const uint8_t *)bin.data, bin.size,
                                  &c),
           "wasmtime_component_new");
  wasm_byte_vec_delete(&bin);
  CHECK(c != NULL);
  return c;
}

/* Looks up the root export `name` of `instance` as a function. */
static wasmtime_component_func_t get_func(wasmtime_context_t *cx,
                                          wasmtime_component_instance_t *inst,
                                          const char *name) {
  wasmtime_component_export_index_t *idx =
      wasmtime_component_instance_get_export_index(inst, cx, NULL, name,
                                                   strlen(name));
  CHECK(idx != NULL);
  wasmtime_component_func_t f;
  CHECK(wasmtime_component_instance_get_func(inst, cx, idx, &f));
  wasmtime_component_export_index_delete(idx);
  return f;
}

static int name_is(const wasm_name_t *n, const char *s) {
  return n->size == strlen(s) && memcmp(n->data, s, n->size) == 0;
}

static void set_name(wasm_name_t *n, const char *s) {
  wasm_byte_vec_new(n, strlen(s), s);
}

/* ---------------------------------------------------------------- */
/* A component with plain functions, strings, options and a host import. */

static const char *BASIC =
    "(component\n"
    "  (import \"host-double\" (func $hd (param \"x\" s32) (result s32)))\n"
    "  (core module $libc\n"
    "    (memory (export \"memory\") 1)\n"
    "    (global $next (mut i32) (i32.const 1024))\n"
    "    (func (export \"realloc\") (param i32 i32 i32 i32) (result i32)\n"
    "      (local $p i32)\n"
    "      (local.set $p (global.get $next))\n"
    "      (global.set $next (i32.add (global.get $next) (local.get 3)))\n"
    "      (local.get $p)))\n"
    "  (core instance $libc (instantiate $libc))\n"
    "  (core func $hd (canon lower (func $hd)))\n"
    "  (core module $m\n"
    "    (import \"libc\" \"memory\" (memory 1))\n"
    "    (import \"host\" \"double\" (func $double (param i32) (result i32)))\n"
    "    (func (export \"add\") (param i32 i32) (result i32)\n"
    "      (i32.add (local.get 0) (local.get 1)))\n"
    "    (func (export \"echo\") (param i32 i32) (result i32)\n"
    "      (i32.store (i32.const 16) (local.get 0))\n"
    "      (i32.store (i32.const 20) (local.get 1))\n"
    "      (i32.const 16))\n"
    "    (func (export \"opt\") (param i32 i32) (result i32)\n"
    "      (i32.store8 (i32.const 32) (local.get 0))\n"
    "      (i32.store (i32.const 36) (i32.add (local.get 1) (i32.const 1)))\n"
    "      (i32.const 32))\n"
    "    (func (export \"call-host\") (param i32) (result i32)\n"
    "      (call $double (local.get 0)))\n"
    "    (func (export \"fail\") unreachable))\n"
    "  (core instance $i (instantiate $m\n"
    "    (with \"libc\" (instance $libc))\n"
    "    (with \"host\" (instance (export \"double\" (func $hd))))))\n"
    "  (func (export \"add\") (param \"a\" u32) (param \"b\" u32) (result u32)\n"
    "    (canon lift (core func $i \"add\")))\n"
    "  (func (export \"echo\") (param \"s\" string) (result string)\n"
    "    (canon lift (core func $i \"echo\") (memory (core memory $libc \"memory\"))\n"
    "      (realloc (core func $libc \"realloc\"))))\n"
    "  (func (export \"opt\") (param \"x\" (option u32)) (result (option u32))\n"
    "    (canon lift (core func $i \"opt\") (memory (core memory $libc \"memory\"))))\n"
    "  (func (export \"call-host\") (param \"x\" s32) (result s32)\n"
    "    (canon lift (core func $i \"call-host\")))\n"
    "  (func (export \"fail\") (canon lift (core func $i \"fail\"))))\n";

static int host_calls = 0;
static int finalized = 0;

static wasmtime_error_t *host_double(void *env, wasmtime_context_t *cx,
                                     const wasmtime_component_func_type_t *ty,
                                     wasmtime_component_val_t *args,
                                     size_t nargs,
                                     wasmtime_component_val_t *results,
                                     size_t nresults) {
  (void)cx;
  CHECK(*(int *)env == 7);
  CHECK(wasmtime_component_func_type_param_count(ty) == 1);
  CHECK(nargs == 1 && nresults == 1);
  CHECK(args[0].kind == WASMTIME_COMPONENT_S32);
  host_calls++;
  if (args[0].of.s32 < 0)
    return wasmtime_error_new("negative input refused by the host");
  results[0].kind = WASMTIME_COMPONENT_S32;
  results[0].of.s32 = args[0].of.s32 * 2;
  return NULL;
}

static void finalize(void *env) {
  CHECK(*(int *)env == 7);
  finalized++;
}

static void test_types(wasmtime_context_t *cx, wasmtime_component_func_t *f) {
  wasmtime_component_func_type_t *ty = wasmtime_component_func_type(f, cx);
  CHECK(!wasmtime_component_func_type_async(ty));
  CHECK(wasmtime_component_func_type_param_count(ty) == 1);
  const char *name;
  size_t len;
  wasmtime_component_valtype_t t;
  CHECK(wasmtime_component_func_type_param_nth(ty, 0, &name, &len, &t));
  CHECK(len == 1 && name[0] == 'x');
  CHECK(t.kind == WASMTIME_COMPONENT_VALTYPE_OPTION);
  wasmtime_component_valtype_t inner;
  wasmtime_component_option_type_ty(t.of.option, &inner);
  CHECK(inner.kind == WASMTIME_COMPONENT_VALTYPE_U32);
  wasmtime_component_valtype_t copy;
  wasmtime_component_valtype_clone(&t, &copy);
  CHECK(wasmtime_component_valtype_equal(&t, &copy));
  CHECK(!wasmtime_component_valtype_equal(&t, &inner));
  wasmtime_component_valtype_delete(&copy);
  wasmtime_component_valtype_delete(&inner);
  wasmtime_component_valtype_delete(&t);
  CHECK(!wasmtime_component_func_type_param_nth(ty, 1, &name, &len, &t));
  wasmtime_component_valtype_t r;
  CHECK(wasmtime_component_func_type_result(ty, &r));
  CHECK(r.kind == WASMTIME_COMPONENT_VALTYPE_OPTION);
  wasmtime_component_valtype_delete(&r);
  wasmtime_component_func_type_t *ty2 = wasmtime_component_func_type_clone(ty);
  wasmtime_component_func_type_delete(ty);
  CHECK(wasmtime_component_func_type_param_count(ty2) == 1);
  wasmtime_component_func_type_delete(ty2);
}

static void test_basic(wasm_engine_t *engine) {
  wasmtime_component_t *c = compile(engine, BASIC);

  /* A serialized component loads again. */
  wasm_byte_vec_t bytes;
  check_ok(wasmtime_component_serialize(c, &bytes), "serialize");
  wasmtime_component_t *c2 = NULL;
  check_ok(wasmtime_component_deserialize(engine, (const uint8_t *)bytes.data,
                                          bytes.size, &c2),
           "deserialize");
  wasm_byte_vec_delete(&bytes);
  wasmtime_component_delete(c);
  c = c2;

  /* The component's type: one function import, five function exports. */
  wasmtime_component_type_t *cty = wasmtime_component_type(c);
  CHECK(wasmtime_component_type_import_count(cty, engine) == 1);
  CHECK(wasmtime_component_type_export_count(cty, engine) == 5);
  const char *iname;
  size_t ilen;
  wasmtime_component_item_t item;
  CHECK(wasmtime_component_type_import_nth(cty, engine, 0, &iname, &ilen,
                                           &item));
  CHECK(ilen == 11 && memcmp(iname, "host-double", 11) == 0);
  CHECK(item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC);
  CHECK(wasmtime_component_func_type_param_count(item.of.component_func) == 1);
  wasmtime_component_item_t item2;
  wasmtime_component_item_clone(&item, &item2);
  wasmtime_component_item_delete(&item);
  CHECK(item2.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC);
  wasmtime_component_item_delete(&item2);
  CHECK(wasmtime_component_type_export_get(cty, engine, "echo", 4, &item));
  CHECK(item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC);
  wasmtime_component_item_delete(&item);
  CHECK(!wasmtime_component_type_export_get(cty, engine, "nope", 4, &item));
  CHECK(!wasmtime_component_type_export_nth(cty, engine, 5, &iname, &ilen,
                                            &item));
  wasmtime_component_type_t *cty2 = wasmtime_component_type_clone(cty);
  wasmtime_component_type_delete(cty);
  wasmtime_component_type_delete(cty2);

  wasmtime_component_export_index_t *idx =
      wasmtime_component_get_export_index(c, NULL, "add", 3);
  CHECK(idx != NULL);
  wasmtime_component_export_index_t *idx2 =
      wasmtime_component_export_index_clone(idx);
  CHECK(wasmtime_component_get_export_index(c, NULL, "nope", 4) == NULL);

  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);

  /* Instantiating without the import fails cleanly. */
  wasmtime_component_instance_t inst;
  CHECK(error_contains(
      wasmtime_component_linker_instantiate(linker, cx, c, &inst),
      "host-double"));

  static int env = 7;
  wasmtime_component_linker_instance_t *root =
      wasmtime_component_linker_root(linker);
  check_ok(wasmtime_component_linker_instance_add_func(
               root, "host-double", 11, host_double, &env, finalize),
           "add_func");
  wasmtime_component_linker_instance_delete(root);
  check_ok(wasmtime_component_linker_instantiate(linker, cx, c, &inst),
           "instantiate");

  /* add: u32 + u32, through an index taken from the component. */
  wasmtime_component_func_t add;
  CHECK(wasmtime_component_instance_get_func(&inst, cx, idx2, &add));
  wasmtime_component_val_t args[2], res[1];
  args[0].kind = WASMTIME_COMPONENT_U32;
  args[0].of.u32 = 40;
  args[1].kind = WASMTIME_COMPONENT_U32;
  args[1].of.u32 = 2;
  res[0].kind = WASMTIME_COMPONENT_BOOL;
  res[0].of.boolean = false;
  check_ok(wasmtime_component_func_call(&add, cx, args, 2, res, 1), "add");
  CHECK(res[0].kind == WASMTIME_COMPONENT_U32 && res[0].of.u32 == 42);
  check_ok(wasmtime_component_func_post_return(&add, cx), "post_return");

  /* A wrong argument kind is an error, not a crash. */
  args[0].kind = WASMTIME_COMPONENT_S64;
  args[0].of.s64 = 1;
  wasmtime_error_t *err = wasmtime_component_func_call(&add, cx, args, 2, res, 1);
  CHECK(err != NULL);
  wasmtime_error_delete(err);
  /* So are an unknown kind and an invalid char. */
  args[0].kind = 200;
  err = wasmtime_component_func_call(&add, cx, args, 2, res, 1);
  CHECK(error_contains(err, "unknown component value kind"));
  args[0].kind = WASMTIME_COMPONENT_CHAR;
  args[0].of.character = 0xD800;
  err = wasmtime_component_func_call(&add, cx, args, 2, res, 1);
  CHECK(error_contains(err, "not a valid char"));
  wasmtime_component_val_delete(&res[0]);

  /* echo: strings go through the guest's memory and realloc. */
  wasmtime_component_func_t echo = get_func(cx, &inst, "echo");
  wasmtime_component_val_t s;
  s.kind = WASMTIME_COMPONENT_STRING;
  set_name(&s.of.string, "hello, component");
  res[0].kind = WASMTIME_COMPONENT_BOOL;
  check_ok(wasmtime_component_func_call(&echo, cx, &s, 1, res, 1), "echo");
  CHECK(res[0].kind == WASMTIME_COMPONENT_STRING);
  CHECK(name_is(&res[0].of.string, "hello, component"));
  wasmtime_component_val_delete(&res[0]);
  wasmtime_component_val_delete(&s);
  /* A string that is not UTF-8 is refused. */
  s.kind = WASMTIME_COMPONENT_STRING;
  wasm_byte_vec_new(&s.of.string, 2, "\xff\xfe");
  err = wasmtime_component_func_call(&echo, cx, &s, 1, res, 1);
  CHECK(error_contains(err, "UTF-8"));
  wasmtime_component_val_delete(&s);

  /* opt: option<u32> in and out, payloads on the heap. */
  wasmtime_component_func_t opt = get_func(cx, &inst, "opt");
  test_types(cx, &opt);
  wasmtime_component_val_t payload;
  payload.kind = WASMTIME_COMPONENT_U32;
  payload.of.u32 = 9;
  wasmtime_component_val_t o;
  o.kind = WASMTIME_COMPONENT_OPTION;
  o.of.option = wasmtime_component_val_new(&payload);
  check_ok(wasmtime_component_func_call(&opt, cx, &o, 1, res, 1), "opt");
  CHECK(res[0].kind == WASMTIME_COMPONENT_OPTION && res[0].of.option != NULL);
  CHECK(res[0].of.option->kind == WASMTIME_COMPONENT_U32);
  CHECK(res[0].of.option->of.u32 == 10);
  wasmtime_component_val_t copy;
  wasmtime_component_val_clone(&res[0], &copy);
  wasmtime_component_val_delete(&res[0]);
  CHECK(copy.of.option->of.u32 == 10);
  wasmtime_component_val_delete(&copy);
  wasmtime_component_val_delete(&o);
  o.kind = WASMTIME_COMPONENT_OPTION;
  o.of.option = NULL;
  check_ok(wasmtime_component_func_call(&opt, cx, &o, 1, res, 1), "opt none");
  CHECK(res[0].kind == WASMTIME_COMPONENT_OPTION && res[0].of.option == NULL);
  wasmtime_component_val_delete(&res[0]);

  /* call-host: the host function runs, and its error traps the guest. */
  wasmtime_component_func_t ch = get_func(cx, &inst, "call-host");
  wasmtime_component_val_t x;
  x.kind = WASMTIME_COMPONENT_S32;
  x.of.s32 = 21;
  check_ok(wasmtime_component_func_call(&ch, cx, &x, 1, res, 1), "call-host");
  CHECK(res[0].kind == WASMTIME_COMPONENT_S32 && res[0].of.s32 == 42);
  CHECK(host_calls == 1);
  x.of.s32 = -1;
  err = wasmtime_component_func_call(&ch, cx, &x, 1, res, 1);
  CHECK(error_contains(err, "negative input refused by the host"));

  /* fail: a trap comes back as an error with a trap code. */
  wasmtime_component_func_t fail = get_func(cx, &inst, "fail");
  err = wasmtime_component_func_call(&fail, cx, NULL, 0, NULL, 0);
  CHECK(err != NULL);
  wasmtime_error_delete(err);

  wasmtime_component_export_index_delete(idx);
  wasmtime_component_export_index_delete(idx2);
  wasmtime_component_linker_delete(linker);
  wasmtime_store_delete(store);
  /* The store held the function too; now the data is finalized. */
  CHECK(finalized == 1);
  wasmtime_component_delete(c);
}

/* ---------------------------------------------------------------- */
/* Host resources: a handle made by the host goes through the guest and
 * comes back; dropping it runs the host destructor. */

static const char *RESOURCES =
    "(component\n"
    "  (import \"r\" (type $r (sub resource)))\n"
    "  (import \"make-r\" (func $make (param \"rep\" u32) (result (own $r))))\n"
    "  (core func $make (canon lower (func $make)))\n"
    "  (core module $m\n"
    "    (import \"host\" \"make\" (func $make (param i32) (result i32)))\n"
    "    (func (export \"make\") (param i32) (result i32)\n"
    "      (call $make (local.get 0))))\n"
    "  (core instance $i (instantiate $m\n"
    "    (with \"host\" (instance (export \"make\" (func $make))))))\n"
    "  (func (export \"make\") (param \"rep\" u32) (result (own $r))\n"
    "    (canon lift (core func $i \"make\"))))\n";

static uint32_t dropped_rep = 0;

static wasmtime_error_t *make_r(void *env, wasmtime_context_t *cx,
                                const wasmtime_component_func_type_t *ty,
                                wasmtime_component_val_t *args, size_t nargs,
                                wasmtime_component_val_t *results,
                                size_t nresults) {
  (void)env;
  (void)ty;
  CHECK(nargs == 1 && nresults == 1);
  wasmtime_component_resource_host_t *h =
      wasmtime_component_resource_host_new(true, args[0].of.u32, 5);
  wasmtime_component_resource_any_t *any = NULL;
  wasmtime_error_t *err = wasmtime_component_resource_host_to_any(cx, h, &any);
  wasmtime_component_resource_host_delete(h);
  if (err)
    return err;
  results[0].kind = WASMTIME_COMPONENT_RESOURCE;
  results[0].of.resource = any;
  return NULL;
}

static wasmtime_error_t *drop_r(void *env, wasmtime_context_t *cx,
                                uint32_t rep) {
  (void)env;
  (void)cx;
  dropped_rep = rep;
  return NULL;
}

static void test_resources(wasm_engine_t *engine) {
  wasmtime_component_t *c = compile(engine, RESOURCES);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
  wasmtime_component_linker_instance_t *root =
      wasmtime_component_linker_root(linker);
  wasmtime_component_resource_type_t *rt =
      wasmtime_component_resource_type_new_host(5);
  check_ok(wasmtime_component_linker_instance_add_resource(root, "r", 1, rt,
                                                           drop_r, NULL, NULL),
           "add_resource");
  check_ok(wasmtime_component_linker_instance_add_func(root, "make-r", 6,
                                                       make_r, NULL, NULL),
           "add_func");
  wasmtime_component_linker_instance_delete(root);
  wasmtime_component_instance_t inst;
  check_ok(wasmtime_component_linker_instantiate(linker, cx, c, &inst),
           "instantiate");

  wasmtime_component_func_t make = get_func(cx, &inst, "make");
  wasmtime_component_val_t arg, res;
  arg.kind = WASMTIME_COMPONENT_U32;
  arg.of.u32 = 42;
  res.kind = WASMTIME_COMPONENT_BOOL;
  check_ok(wasmtime_component_func_call(&make, cx, &arg, 1, &res, 1), "make");
  CHECK(res.kind == WASMTIME_COMPONENT_RESOURCE);
  wasmtime_component_resource_any_t *any = res.of.resource;
  CHECK(wasmtime_component_resource_any_owned(any));
  wasmtime_component_resource_type_t *ty =
      wasmtime_component_resource_any_type(any);
  CHECK(wasmtime_component_resource_type_equal(ty, rt));
  wasmtime_component_resource_type_t *other =
      wasmtime_component_resource_type_new_host(6);
  CHECK(!wasmtime_component_resource_type_equal(ty, other));
  wasmtime_component_resource_type_delete(other);
  wasmtime_component_resource_type_delete(ty);

  wasmtime_component_resource_host_t *h = NULL;
  check_ok(wasmtime_component_resource_any_to_host(cx, any, &h), "to_host");
  CHECK(wasmtime_component_resource_host_rep(h) == 42);
  CHECK(wasmtime_component_resource_host_type(h) == 5);
  CHECK(wasmtime_component_resource_host_owned(h));
  /* The owned handle moved out of the store into `h`: dropping `any` now
   * is an error and runs no destructor. */
  wasmtime_error_t *err = wasmtime_component_resource_any_drop(cx, any);
  CHECK(err != NULL);
  wasmtime_error_delete(err);
  CHECK(dropped_rep == 0);
  /* Back into the store. A host handle is a plain value (as in Wasmtime):
   * converting it again gives another handle, dropped on its own. */
  wasmtime_component_resource_any_t *back = NULL;
  check_ok(wasmtime_component_resource_host_to_any(cx, h, &back), "to_any");
  wasmtime_component_resource_any_t *again = NULL;
  check_ok(wasmtime_component_resource_host_to_any(cx, h, &again),
           "to_any again");
  CHECK(again != NULL && again != back);
  CHECK(wasmtime_component_resource_any_owned(again));
  check_ok(wasmtime_component_resource_any_drop(cx, again), "drop again");
  CHECK(dropped_rep == 42);
  dropped_rep = 0;
  err = wasmtime_component_resource_any_drop(cx, again);
  CHECK(err != NULL);
  wasmtime_error_delete(err);
  CHECK(dropped_rep == 0);
  wasmtime_component_resource_any_delete(again);
  CHECK(wasmtime_component_resource_host_owned(h));
  wasmtime_component_resource_host_delete(h);

  wasmtime_component_resource_any_t *copy =
      wasmtime_component_resource_any_clone(back);
  check_ok(wasmtime_component_resource_any_drop(cx, back), "drop");
  CHECK(dropped_rep == 42);
  /* A copy of a dropped handle is stale: no second destructor call. */
  dropped_rep = 0;
  err = wasmtime_component_resource_any_drop(cx, copy);
  CHECK(err != NULL);
  wasmtime_error_delete(err);
  CHECK(dropped_rep == 0);
  wasmtime_component_resource_any_delete(copy);
  wasmtime_component_resource_any_delete(back);
  wasmtime_component_val_delete(&res);

  wasmtime_component_resource_type_delete(rt);
  wasmtime_component_linker_delete(linker);
  wasmtime_store_delete(store);
  wasmtime_component_delete(c);
}

/* ---------------------------------------------------------------- */
/* Compound values built in C: lists, records, tuples, variants, enums,
 * results and flags, deep-copied and freed. */

static void test_values(void) {
  wasmtime_component_val_t items[2];
  items[0].kind = WASMTIME_COMPONENT_STRING;
  set_name(&items[0].of.string, "a");
  items[1].kind = WASMTIME_COMPONENT_U8;
  items[1].of.u8 = 3;

  wasmtime_component_valrecord_entry_t fields[2];
  set_name(&fields[0].name, "tag");
  fields[0].val.kind = WASMTIME_COMPONENT_ENUM;
  set_name(&fields[0].val.of.enumeration, "red");
  set_name(&fields[1].name, "parts");
  fields[1].val.kind = WASMTIME_COMPONENT_TUPLE;
  wasmtime_component_valtuple_new(&fields[1].val.of.tuple, 2, items);

  wasmtime_component_val_t rec;
  rec.kind = WASMTIME_COMPONENT_RECORD;
  wasmtime_component_valrecord_new(&rec.of.record, 2, fields);

  wasmtime_component_val_t var;
  var.kind = WASMTIME_COMPONENT_VARIANT;
  set_name(&var.of.variant.discriminant, "some");
  var.of.variant.val = wasmtime_component_val_new(&rec);
  CHECK(rec.kind == WASMTIME_COMPONENT_BOOL); /* moved out */

  wasm_name_t flags[2];
  set_name(&flags[0], "x");
  set_name(&flags[1], "y");
  wasmtime_component_val_t fl;
  fl.kind = WASMTIME_COMPONENT_FLAGS;
  wasmtime_component_valflags_new(&fl.of.flags, 2, flags);

  wasmtime_component_val_t res;
  res.kind = WASMTIME_COMPONENT_RESULT;
  res.of.result.is_ok = false;
  res.of.result.val = wasmtime_component_val_new(&fl);

  wasmtime_component_val_t list_items[2];
  list_items[0] = var;
  list_items[1] = res;
  wasmtime_component_val_t list;
  list.kind = WASMTIME_COMPONENT_LIST;
  wasmtime_component_vallist_new(&list.of.list, 2, list_items);

  wasmtime_component_val_t copy;
  wasmtime_component_val_clone(&list, &copy);
  wasmtime_component_val_delete(&list);
  CHECK(copy.kind == WASMTIME_COMPONENT_LIST && copy.of.list.size == 2);
  wasmtime_component_val_t *v0 = &copy.of.list.data[0];
  CHECK(v0->kind == WASMTIME_COMPONENT_VARIANT);
  CHECK(name_is(&v0->of.variant.discriminant, "some"));
  wasmtime_component_val_t *r = v0->of.variant.val;
  CHECK(r->kind == WASMTIME_COMPONENT_RECORD && r->of.record.size == 2);
  CHECK(name_is(&r->of.record.data[1].name, "parts"));
  CHECK(r->of.record.data[1].val.of.tuple.data[1].of.u8 == 3);
  wasmtime_component_val_t *v1 = &copy.of.list.data[1];
  CHECK(v1->kind == WASMTIME_COMPONENT_RESULT && !v1->of.result.is_ok);
  CHECK(v1->of.result.val->of.flags.size == 2);
  CHECK(name_is(&v1->of.result.val->of.flags.data[1], "y"));

  wasmtime_component_vallist_t l2;
  wasmtime_component_vallist_copy(&l2, &copy.of.list);
  CHECK(l2.size == 2);
  wasmtime_component_vallist_delete(&l2);
  wasmtime_component_val_t *boxed = wasmtime_component_val_new(&copy);
  wasmtime_component_val_free(boxed);
}

/* ---------------------------------------------------------------- */
/* WASI 0.2: a command component writes to stdout and exits. */

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(n + 1);
  CHECK(fread(buf, 1, n, f) == (size_t)n);
  buf[n] = 0;
  fclose(f);
  return buf;
}

static void test_wasip2(wasm_engine_t *engine) {
  char *wat = read_file("tests/components/p2-hello.wat");
  wasmtime_component_t *c = compile(engine, wat);
  free(wat);
  /* The exported instance's type lists `run`. */
  wasmtime_component_type_t *cty = wasmtime_component_type(c);
  wasmtime_component_item_t item;
  CHECK(wasmtime_component_type_export_get(cty, engine, "wasi:cli/run@0.2.12",
                                           19, &item));
  CHECK(item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_INSTANCE);
  CHECK(wasmtime_component_instance_type_export_count(
            item.of.component_instance, engine) == 1);
  wasmtime_component_item_t run_item;
  CHECK(wasmtime_component_instance_type_export_get(
      item.of.component_instance, engine, "run", 3, &run_item));
  CHECK(run_item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC);
  wasmtime_component_valtype_t rt;
  CHECK(wasmtime_component_func_type_result(run_item.of.component_func, &rt));
  CHECK(rt.kind == WASMTIME_COMPONENT_VALTYPE_RESULT);
  wasmtime_component_valtype_delete(&rt);
  wasmtime_component_item_delete(&run_item);
  wasmtime_component_item_delete(&item);
  CHECK(wasmtime_component_type_import_count(cty, engine) == 6);
  wasmtime_component_type_delete(cty);

  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  char out_path[] = "/tmp/wasmtime-c-api-p2-XXXXXX";
  int fd = mkstemp(out_path);
  CHECK(fd >= 0);
  wasi_config_t *wasi = wasi_config_new();
  CHECK(wasi_config_set_stdout_file(wasi, out_path));
  check_ok(wasmtime_context_set_wasi(cx, wasi), "set_wasi");
  wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
  check_ok(wasmtime_component_linker_add_wasip2(linker), "add_wasip2");
  wasmtime_component_instance_t inst;
  check_ok(wasmtime_component_linker_instantiate(linker, cx, c, &inst),
           "instantiate");

  const char *iface = "wasi:cli/run@0.2.12";
  wasmtime_component_export_index_t *run_iface =
      wasmtime_component_instance_get_export_index(&inst, cx, NULL, iface,
                                                   strlen(iface));
  CHECK(run_iface != NULL);
  wasmtime_component_export_index_t *run_idx =
      wasmtime_component_instance_get_export_index(&inst, cx, run_iface, "run",
                                                   3);
  CHECK(run_idx != NULL);
  wasmtime_component_func_t run;
  CHECK(wasmtime_component_instance_get_func(&inst, cx, run_idx, &run));
  wasmtime_component_val_t res;
  res.kind = WASMTIME_COMPONENT_BOOL;
  check_ok(wasmtime_component_func_call(&run, cx, NULL, 0, &res, 1), "run");
  CHECK(res.kind == WASMTIME_COMPONENT_RESULT && res.of.result.is_ok);
  wasmtime_component_val_delete(&res);

  char buf[64] = {0};
  FILE *f = fdopen(fd, "rb");
  CHECK(fread(buf, 1, sizeof(buf) - 1, f) == 14);
  CHECK(strcmp(buf, "hello from p2\n") == 0);
  fclose(f);
  unlink(out_path);

  /* exit(3) through wasi:cli/exit comes back as an exit status. */
  wasmtime_component_func_t ex = get_func(cx, &inst, "exit");
  wasmtime_error_t *err = wasmtime_component_func_call(&ex, cx, NULL, 0, &res, 1);
  CHECK(err != NULL);
  int status = 0;
  CHECK(wasmtime_error_exit_status(err, &status) && status == 3);
  wasmtime_error_delete(err);

  wasmtime_component_export_index_delete(run_idx);
  wasmtime_component_export_index_delete(run_iface);
  wasmtime_component_linker_delete(linker);
  wasmtime_store_delete(store);
  wasmtime_component_delete(c);
}

static void test_bad_input(wasm_engine_t *engine) {
  wasmtime_component_t *c = NULL;
  const uint8_t junk[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 0xff};
  wasmtime_error_t *err = wasmtime_component_new(engine, junk, sizeof junk, &c);
  CHECK(err != NULL && c == NULL);
  wasmtime_error_delete(err);
  err = wasmtime_component_deserialize(engine, junk, sizeof junk, &c);
  CHECK(err != NULL && c == NULL);
  wasmtime_error_delete(err);
  /* A core module is not a component. */
  wasm_byte_vec_t bin;
  check_ok(wasmtime_wat2wasm("(module)", 8, &bin), "wat2wasm");
  err = wasmtime_component_new(engine, (const uint8_t *)bin.data, bin.size, &c);
  CHECK(err != NULL && c == NULL);
  wasmtime_error_delete(err);
  wasm_byte_vec_delete(&bin);
}

/* ---------------------------------------------------------------- */
/* Async: instantiation and calls are futures; an async host function's
 * continuation keeps the call pending until it reports completion. */

static int cont_polls = 0;

static bool cont_poll(void *env) {
  (void)env;
  return ++cont_polls >= 3;
}

static void host_double_async(void *env, wasmtime_context_t *cx,
                              const wasmtime_component_func_type_t *ty,
                              wasmtime_component_val_t *args, size_t nargs,
                              wasmtime_component_val_t *results,
                              size_t nresults, wasmtime_error_t **error_ret,
                              wasmtime_async_continuation_t *cont) {
  (void)env;
  (void)cx;
  (void)ty;
  CHECK(nargs == 1 && nresults == 1);
  if (args[0].of.s32 < 0) {
    *error_ret = wasmtime_error_new("async host refused");
    return;
  }
  results[0].kind = WASMTIME_COMPONENT_S32;
  results[0].of.s32 = args[0].of.s32 * 2;
  cont->callback = cont_poll;
  cont->env = NULL;
  cont->finalizer = NULL;
}

static void test_async(void) {
  wasm_config_t *config = wasm_config_new();
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_component_t *c = compile(engine, BASIC);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
  wasmtime_component_linker_instance_t *root =
      wasmtime_component_linker_root(linker);
  check_ok(wasmtime_component_linker_instance_add_func_async(
               root, "host-double", 11, host_double_async, NULL, NULL),
           "add_func_async");
  wasmtime_component_linker_instance_delete(root);
  check_ok(wasmtime_component_linker_add_wasip2_async(linker),
           "add_wasip2_async");

  wasmtime_component_instance_t inst;
  wasmtime_error_t *err = NULL;
  wasmtime_call_future_t *fut = wasmtime_component_linker_instantiate_async(
      linker, cx, c, &inst, &err);
  while (!wasmtime_call_future_poll(fut)) {
  }
  wasmtime_call_future_delete(fut);
  check_ok(err, "instantiate_async");

  wasmtime_component_func_t ch = get_func(cx, &inst, "call-host");
  wasmtime_component_val_t x, res;
  x.kind = WASMTIME_COMPONENT_S32;
  x.of.s32 = 5;
  res.kind = WASMTIME_COMPONENT_BOOL;
  fut = wasmtime_component_func_call_async(&ch, cx, &x, 1, &res, 1, &err);
  int pending = 0;
  while (!wasmtime_call_future_poll(fut))
    pending++;
  wasmtime_call_future_delete(fut);
  check_ok(err, "call_async");
  CHECK(pending == 2 && cont_polls == 3);
  CHECK(res.kind == WASMTIME_COMPONENT_S32 && res.of.s32 == 10);

  x.of.s32 = -5;
  fut = wasmtime_component_func_call_async(&ch, cx, &x, 1, &res, 1, &err);
  while (!wasmtime_call_future_poll(fut)) {
  }
  wasmtime_call_future_delete(fut);
  CHECK(err != NULL && error_contains(err, "async host refused"));

  /* A synchronous call on an async store is an error. */
  err = wasmtime_component_func_call(&ch, cx, &x, 1, &res, 1);
  CHECK(err != NULL);
  wasmtime_error_delete(err);

  wasmtime_component_linker_delete(linker);
  wasmtime_store_delete(store);
  wasmtime_component_delete(c);
  wasm_engine_delete(engine);
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_component_model_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  test_values();
  test_basic(engine);
  test_resources(engine);
  test_wasip2(engine);
  test_bad_input(engine);
  wasm_engine_delete(engine);
  test_async();
  printf("component: ok\n");
  return 0;
}
