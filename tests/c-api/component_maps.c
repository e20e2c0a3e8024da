/* `map<K, V>` component values and types through the C API
 * (WASMTIME_COMPONENT_MAP, wasmtime_component_map_type_*), enabled with
 * wasmtime_config_wasm_component_model_map_set. */
#include "check.h"

static const char *ECHO_MAP =
    "(component\n"
    "  (core module $libc\n"
    "    (memory (export \"memory\") 1)\n"
    "    (global $bump (mut i32) (i32.const 1024))\n"
    "    (func (export \"realloc\") (param i32 i32 i32 i32) (result i32)\n"
    "      (local $p i32)\n"
    "      (local.set $p (global.get $bump))\n"
    "      (global.set $bump (i32.add (global.get $bump) (local.get 3)))\n"
    "      (local.get $p)))\n"
    "  (core instance $libc (instantiate $libc))\n"
    "  (core module $m\n"
    "    (import \"libc\" \"memory\" (memory 1))\n"
    "    (func (export \"echo\") (param i32 i32) (result i32)\n"
    "      (i32.store (i32.const 512) (local.get 0))\n"
    "      (i32.store (i32.const 516) (local.get 1))\n"
    "      (i32.const 512)))\n"
    "  (core instance $i (instantiate $m (with \"libc\" (instance $libc))))\n"
    "  (func (export \"echo\") (param \"m\" (map string u32))\n"
    "    (result (map string u32))\n"
    "    (canon lift (core func $i \"echo\") (memory (core memory $libc "
    "\"memory\"))\n"
    "      (realloc (core func $libc \"realloc\")))))\n";

static int name_is(const wasm_name_t *n, const char *s) {
  return n->size == strlen(s) && memcmp(n->data, s, n->size) == 0;
}

static void entry(wasmtime_component_valmap_entry_t *e, const char *k,
                  uint32_t v) {
  e->key.kind = WASMTIME_COMPONENT_STRING;
  wasm_byte_vec_new(&e->key.of.string, strlen(k), k);
  e->value.kind = WASMTIME_COMPONENT_U32;
  e->value.of.u32 = v;
}

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  wasm_byte_vec_t bin;
  wat2wasm(ECHO_MAP, &bin);

  /* Without the feature the component does not compile. */
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_component_model_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_component_t *c = NULL;
  wasmtime_error_t *err = wasmtime_component_new(
      engine, (const uint8_t *)bin.data, bin.size, &c);
  CHECK(err != NULL && c == NULL);
  wasmtime_error_delete(err);
  wasm_engine_delete(engine);

  config = wasm_config_new();
  wasmtime_config_wasm_component_model_set(config, true);
  wasmtime_config_wasm_component_model_map_set(config, true);
  engine = wasm_engine_new_with_config(config);
  check_ok(wasmtime_component_new(engine, (const uint8_t *)bin.data, bin.size,
                                  &c),
           "wasmtime_component_new");
  wasm_byte_vec_delete(&bin);

  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *cx = wasmtime_store_context(store);
  wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
  wasmtime_component_instance_t inst;
  check_ok(wasmtime_component_linker_instantiate(linker, cx, c, &inst),
           "instantiate");
  wasmtime_component_export_index_t *idx =
      wasmtime_component_instance_get_export_index(&inst, cx, NULL, "echo", 4);
  CHECK(idx != NULL);
  wasmtime_component_func_t echo;
  CHECK(wasmtime_component_instance_get_func(&inst, cx, idx, &echo));
  wasmtime_component_export_index_delete(idx);

  /* The parameter's type is map<string, u32>. */
  wasmtime_component_func_type_t *fty = wasmtime_component_func_type(&echo, cx);
  const char *pname;
  size_t plen;
  wasmtime_component_valtype_t pty;
  CHECK(wasmtime_component_func_type_param_nth(fty, 0, &pname, &plen, &pty));
  CHECK(pty.kind == WASMTIME_COMPONENT_VALTYPE_MAP);
  wasmtime_component_valtype_t kty, vty;
  wasmtime_component_map_type_key(pty.of.map, &kty);
  wasmtime_component_map_type_value(pty.of.map, &vty);
  CHECK(kty.kind == WASMTIME_COMPONENT_VALTYPE_STRING);
  CHECK(vty.kind == WASMTIME_COMPONENT_VALTYPE_U32);
  wasmtime_component_map_type_t *copy =
      wasmtime_component_map_type_clone(pty.of.map);
  CHECK(wasmtime_component_map_type_equal(copy, pty.of.map));
  wasmtime_component_map_type_delete(copy);
  wasmtime_component_valtype_delete(&kty);
  wasmtime_component_valtype_delete(&vty);
  wasmtime_component_valtype_delete(&pty);
  wasmtime_component_func_type_delete(fty);

  /* A map goes in and comes back with its entries in order. */
  wasmtime_component_val_t arg, res;
  arg.kind = WASMTIME_COMPONENT_MAP;
  wasmtime_component_valmap_new_uninit(&arg.of.map, 2);
  entry(&arg.of.map.data[0], "one", 1);
  entry(&arg.of.map.data[1], "two", 2);
  res.kind = WASMTIME_COMPONENT_BOOL;
  res.of.boolean = false;
  check_ok(wasmtime_component_func_call(&echo, cx, &arg, 1, &res, 1), "echo");
  CHECK(res.kind == WASMTIME_COMPONENT_MAP && res.of.map.size == 2);
  CHECK(name_is(&res.of.map.data[0].key.of.string, "one"));
  CHECK(res.of.map.data[0].value.of.u32 == 1);
  CHECK(name_is(&res.of.map.data[1].key.of.string, "two"));
  CHECK(res.of.map.data[1].value.kind == WASMTIME_COMPONENT_U32 &&
        res.of.map.data[1].value.of.u32 == 2);
  wasmtime_component_val_delete(&res);
  wasmtime_component_val_delete(&arg);

  wasmtime_component_linker_delete(linker);
  wasmtime_store_delete(store);
  wasmtime_component_delete(c);
  wasm_engine_delete(engine);
  printf("component_maps: ok\n");
  return 0;
}
