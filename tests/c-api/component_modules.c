/* Core modules as component imports through the C API:
 * wasmtime_component_linker_instance_add_module, the module types of a
 * component's imports (wasmtime_module_type_*), and the errors for a
 * module that does not match the declared module type. */
#include "check.h"

/* A component importing a core module that exports a global `g` and
 * imports a function `host::f`, which the component gives it; the
 * component's `get` returns the global. */
static const char *IMPORTER =
    "(component\n"
    "  (import \"m\" (core module $m\n"
    "    (import \"host\" \"f\" (func (result i32)))\n"
    "    (export \"g\" (global (mut i32)))))\n"
    "  (core module $host (func (export \"f\") (result i32) i32.const 5))\n"
    "  (core instance $host (instantiate $host))\n"
    "  (core instance $i (instantiate $m (with \"host\" (instance $host))))\n"
    "  (core module $get\n"
    "    (import \"\" \"g\" (global $g (mut i32)))\n"
    "    (func (export \"get\") (result i32) global.get $g))\n"
    "  (core instance $get (instantiate $get\n"
    "    (with \"\" (instance (export \"g\" (global $i \"g\"))))))\n"
    "  (func (export \"get\") (result u32) (canon lift (core func $get "
    "\"get\"))))\n";

/* The module the host provides: it calls the import in its start function
 * and keeps the result plus 37 in `g`. */
static const char *PROVIDED =
    "(module\n"
    "  (import \"host\" \"f\" (func $f (result i32)))\n"
    "  (global (export \"g\") (mut i32) (i32.const 0))\n"
    "  (func $start (global.set 0 (i32.add (call $f) (i32.const 37))))\n"
    "  (start $start))\n";

static wasmtime_module_t *module_of(wasm_engine_t *engine, const char *wat) {
  wasm_byte_vec_t bin;
  wat2wasm(wat, &bin);
  wasmtime_module_t *m = NULL;
  check_ok(wasmtime_module_new(engine, (const uint8_t *)bin.data, bin.size, &m),
           "wasmtime_module_new");
  wasm_byte_vec_delete(&bin);
  return m;
}

static int name_is(const wasm_name_t *n, const char *s) {
  return n->size == strlen(s) && memcmp(n->data, s, n->size) == 0;
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_component_model_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);

  wasm_byte_vec_t bin;
  wat2wasm(IMPORTER, &bin);
  wasmtime_component_t *c = NULL;
  check_ok(wasmtime_component_new(engine, (const uint8_t *)bin.data, bin.size,
                                  &c),
           "wasmtime_component_new");
  wasm_byte_vec_delete(&bin);

  /* The import's type is a module type with one import and one export. */
  wasmtime_component_type_t *cty = wasmtime_component_type(c);
  wasmtime_component_item_t item;
  CHECK(wasmtime_component_type_import_get(cty, engine, "m", 1, &item));
  CHECK(item.kind == WASMTIME_COMPONENT_ITEM_MODULE);
  const wasmtime_module_type_t *mty = item.of.module;
  CHECK(wasmtime_module_type_import_count(mty, engine) == 1);
  CHECK(wasmtime_module_type_export_count(mty, engine) == 1);
  wasm_importtype_t *imp = wasmtime_module_type_import_nth(mty, engine, 0);
  CHECK(imp != NULL);
  CHECK(name_is(wasm_importtype_module(imp), "host"));
  CHECK(name_is(wasm_importtype_name(imp), "f"));
  CHECK(wasm_externtype_kind(wasm_importtype_type(imp)) == WASM_EXTERN_FUNC);
  wasm_importtype_delete(imp);
  CHECK(wasmtime_module_type_import_nth(mty, engine, 1) == NULL);
  wasm_exporttype_t *exp = wasmtime_module_type_export_nth(mty, engine, 0);
  CHECK(exp != NULL);
  CHECK(name_is(wasm_exporttype_name(exp), "g"));
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exp)) == WASM_EXTERN_GLOBAL);
  wasm_exporttype_delete(exp);
  wasmtime_module_type_t *mty2 = wasmtime_module_type_clone(mty);
  CHECK(wasmtime_module_type_export_count(mty2, engine) == 1);
  wasmtime_module_type_delete(mty2);
  wasmtime_component_item_t copy;
  wasmtime_component_item_clone(&item, &copy);
  CHECK(copy.kind == WASMTIME_COMPONENT_ITEM_MODULE);
  wasmtime_component_item_delete(&copy);
  wasmtime_component_item_delete(&item);
  wasmtime_component_type_delete(cty);

  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_component_instance_t inst;

  /* A module without the declared export `g` is refused by name. */
  wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
  wasmtime_component_linker_instance_t *root =
      wasmtime_component_linker_root(linker);
  wasmtime_module_t *wrong = module_of(engine, "(module)");
  check_ok(wasmtime_component_linker_instance_add_module(root, "m", 1, wrong),
           "add_module");
  wasmtime_component_linker_instance_delete(root);
  CHECK(error_contains(
      wasmtime_component_linker_instantiate(linker, cx, c, &inst),
      "module export `g` not defined"));
  wasmtime_component_linker_delete(linker);
  wasmtime_module_delete(wrong);

  /* So is a module importing what the component does not provide. */
  linker = wasmtime_component_linker_new(engine);
  root = wasmtime_component_linker_root(linker);
  wrong = module_of(engine, "(module (import \"host\" \"h\" (func))"
                            " (global (export \"g\") (mut i32) (i32.const 0)))");
  check_ok(wasmtime_component_linker_instance_add_module(root, "m", 1, wrong),
           "add_module");
  wasmtime_component_linker_instance_delete(root);
  CHECK(error_contains(
      wasmtime_component_linker_instantiate(linker, cx, c, &inst),
      "module import `host::h` not defined"));
  wasmtime_component_linker_delete(linker);
  wasmtime_module_delete(wrong);

  /* The matching module is instantiated inside the component. */
  linker = wasmtime_component_linker_new(engine);
  root = wasmtime_component_linker_root(linker);
  wasmtime_module_t *m = module_of(engine, PROVIDED);
  check_ok(wasmtime_component_linker_instance_add_module(root, "m", 1, m),
           "add_module");
  wasmtime_module_delete(m);
  wasmtime_component_linker_instance_delete(root);
  check_ok(wasmtime_component_linker_instantiate(linker, cx, c, &inst),
           "instantiate");
  wasmtime_component_export_index_t *idx =
      wasmtime_component_instance_get_export_index(&inst, cx, NULL, "get", 3);
  CHECK(idx != NULL);
  wasmtime_component_func_t get;
  CHECK(wasmtime_component_instance_get_func(&inst, cx, idx, &get));
  wasmtime_component_export_index_delete(idx);
  wasmtime_component_val_t res;
  res.kind = WASMTIME_COMPONENT_BOOL;
  res.of.boolean = false;
  check_ok(wasmtime_component_func_call(&get, cx, NULL, 0, &res, 1), "get");
  CHECK(res.kind == WASMTIME_COMPONENT_U32 && res.of.u32 == 42);
  wasmtime_component_linker_delete(linker);

  wasmtime_store_delete(store);
  wasmtime_component_delete(c);
  wasm_engine_delete(engine);
  printf("component_modules: ok\n");
  return 0;
}
