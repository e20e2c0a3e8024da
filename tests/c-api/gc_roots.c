/* Roots of `externref`s made through the C API: a reference stays alive
 * while a clone of its handle is rooted or wasm holds it, and the next
 * collection after that runs its finalizer. */
#include "check.h"

static const char *WAT =
    "(module\n"
    "  (import \"host\" \"make\" (func $make (result externref)))\n"
    "  (import \"host\" \"see\" (func $see (param externref)))\n"
    "  (global $g (export \"g\") (mut externref) (ref.null extern))\n"
    "  (func (export \"take\") (param externref))\n"
    "  (func (export \"keep\") (param externref) (global.set $g (local.get 0)))\n"
    "  (func (export \"forget\") (global.set $g (ref.null extern)))\n"
    "  (func (export \"make\") (result externref) (call $make))\n"
    "  (func (export \"see\") (param externref) (call $see (local.get 0))))\n";

static int finalized[8];

static void finalize(void *p) { finalized[(size_t)p]++; }

static void gc(wasmtime_context_t *cx) { check_ok(wasmtime_context_gc(cx), "gc"); }

static void call(wasmtime_context_t *cx, wasmtime_instance_t *inst,
                 const char *name, wasmtime_val_t *args, size_t nargs,
                 wasmtime_val_t *results, size_t nresults) {
  wasmtime_extern_t f;
  CHECK(wasmtime_instance_export_get(cx, inst, name, strlen(name), &f));
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_func_call(cx, &f.of.func, args, nargs, results, nresults, &trap), name);
  CHECK(trap == NULL);
}

/* A host function whose externref result belongs to the runtime once
 * written. */
static wasm_trap_t *make_cb(void *env, wasmtime_caller_t *caller,
                            const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)env;
  (void)args;
  CHECK(nargs == 0 && nresults == 1);
  results[0].kind = WASMTIME_EXTERNREF;
  CHECK(wasmtime_externref_new(wasmtime_caller_context(caller), (void *)5,
                               finalize, &results[0].of.externref));
  return NULL;
}

/* A host function that keeps a clone of its parameter (the parameter
 * itself is released by the runtime when the callback returns). */
static wasmtime_externref_t kept;

static wasm_trap_t *see_cb(void *env, wasmtime_caller_t *caller,
                           const wasmtime_val_t *args, size_t nargs,
                           wasmtime_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)results;
  CHECK(nargs == 1 && nresults == 0 && args[0].kind == WASMTIME_EXTERNREF);
  wasmtime_externref_clone(&args[0].of.externref, &kept);
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);

  /* A clone keeps the reference alive after the original is unrooted;
   * unrooting twice, or unrooting a handle set to null, does nothing. */
  wasmtime_externref_t a, a2;
  CHECK(wasmtime_externref_new(cx, (void *)1, finalize, &a));
  wasmtime_externref_clone(&a, &a2);
  wasmtime_externref_unroot(&a);
  wasmtime_externref_unroot(&a);
  gc(cx);
  CHECK(finalized[1] == 0);
  CHECK(wasmtime_externref_data(cx, &a2) == (void *)1);
  wasmtime_externref_t moved = a2;
  wasmtime_externref_set_null(&a2);
  wasmtime_externref_unroot(&a2);
  gc(cx);
  CHECK(finalized[1] == 0);
  wasmtime_externref_unroot(&moved);
  gc(cx);
  CHECK(finalized[1] == 1);

  /* Through values: wasmtime_val_clone roots a copy. */
  wasmtime_val_t v, v2;
  v.kind = WASMTIME_EXTERNREF;
  CHECK(wasmtime_externref_new(cx, (void *)2, finalize, &v.of.externref));
  wasmtime_val_clone(&v, &v2);
  wasmtime_val_unroot(&v);
  gc(cx);
  CHECK(finalized[2] == 0);
  wasmtime_val_unroot(&v2);
  gc(cx);
  CHECK(finalized[2] == 1);

  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *ty = wasm_functype_new_0_1(wasm_valtype_new(WASM_EXTERNREF));
  check_ok(wasmtime_linker_define_func(linker, "host", 4, "make", 4, ty, make_cb, NULL, NULL),
           "define make");
  wasm_functype_delete(ty);
  ty = wasm_functype_new_1_0(wasm_valtype_new(WASM_EXTERNREF));
  check_ok(wasmtime_linker_define_func(linker, "host", 4, "see", 3, ty, see_cb, NULL, NULL),
           "define see");
  wasm_functype_delete(ty);
  wasm_byte_vec_t wasm;
  check_ok(wasmtime_wat2wasm(WAT, strlen(WAT), &wasm), "wat2wasm");
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module), "module");
  wasm_byte_vec_delete(&wasm);
  wasmtime_instance_t inst;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_linker_instantiate(linker, cx, module, &inst, &trap), "instantiate");
  CHECK(trap == NULL);

  /* An argument the caller unroots after the call is collected. */
  v.kind = WASMTIME_EXTERNREF;
  CHECK(wasmtime_externref_new(cx, (void *)3, finalize, &v.of.externref));
  call(cx, &inst, "take", &v, 1, NULL, 0);
  wasmtime_val_unroot(&v);
  gc(cx);
  CHECK(finalized[3] == 1);

  /* A global of the instance keeps it alive until wasm lets go. */
  CHECK(wasmtime_externref_new(cx, (void *)4, finalize, &v.of.externref));
  call(cx, &inst, "keep", &v, 1, NULL, 0);
  wasmtime_val_unroot(&v);
  gc(cx);
  CHECK(finalized[4] == 0);
  call(cx, &inst, "forget", NULL, 0, NULL, 0);
  gc(cx);
  CHECK(finalized[4] == 1);

  /* A global read gives the caller a root of its own. */
  CHECK(wasmtime_externref_new(cx, (void *)6, finalize, &v.of.externref));
  call(cx, &inst, "keep", &v, 1, NULL, 0);
  wasmtime_val_unroot(&v);
  wasmtime_extern_t g;
  CHECK(wasmtime_instance_export_get(cx, &inst, "g", 1, &g));
  wasmtime_global_get(cx, &g.of.global, &v);
  call(cx, &inst, "forget", NULL, 0, NULL, 0);
  gc(cx);
  CHECK(finalized[6] == 0);
  CHECK(wasmtime_externref_data(cx, &v.of.externref) == (void *)6);
  wasmtime_val_unroot(&v);
  gc(cx);
  CHECK(finalized[6] == 1);

  /* A host function's result: the runtime released the callback's root,
   * and the caller of wasm gets a root of its own. */
  wasmtime_val_t res;
  call(cx, &inst, "make", NULL, 0, &res, 1);
  CHECK(res.kind == WASMTIME_EXTERNREF);
  gc(cx);
  CHECK(finalized[5] == 0);
  CHECK(wasmtime_externref_data(cx, &res.of.externref) == (void *)5);
  wasmtime_val_unroot(&res);
  gc(cx);
  CHECK(finalized[5] == 1);

  /* A clone of a host function's parameter outlives the call. */
  CHECK(wasmtime_externref_new(cx, (void *)7, finalize, &v.of.externref));
  call(cx, &inst, "see", &v, 1, NULL, 0);
  wasmtime_val_unroot(&v);
  gc(cx);
  CHECK(finalized[7] == 0);
  CHECK(wasmtime_externref_data(cx, &kept) == (void *)7);
  wasmtime_externref_unroot(&kept);
  gc(cx);
  CHECK(finalized[7] == 1);

  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("gc_roots: ok\n");
  return 0;
}
