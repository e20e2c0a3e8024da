/* The compound component value types of `wasmtime/component/types/val.h`:
 * list, record, tuple, variant, enum, option, result and flags types read
 * from the parameters of imported functions, with their clone, equal and
 * delete functions (ASAN=1 checks that clones and deletes pair up). */
#include "check.h"

static const char *WAT =
    "(component\n"
    "  (type $r0 (record (field \"a\" u32) (field \"b\" string)))\n"
    "  (import \"r\" (type $r (eq $r0)))\n"
    "  (type $v0 (variant (case \"x\" u32) (case \"y\")))\n"
    "  (import \"v\" (type $v (eq $v0)))\n"
    "  (type $e0 (enum \"a\" \"b\" \"c\"))\n"
    "  (import \"e\" (type $e (eq $e0)))\n"
    "  (type $fl0 (flags \"p\" \"q\"))\n"
    "  (import \"fl\" (type $fl (eq $fl0)))\n"
    "  (import \"f\" (func (param \"l\" (list u8)) (param \"r\" $r)\n"
    "    (param \"t\" (tuple u32 string)) (param \"v\" $v) (param \"e\" $e)\n"
    "    (param \"fl\" $fl) (param \"o\" (option u32))\n"
    "    (result (result u32 (error string)))))\n"
    "  (import \"g\" (func (param \"l\" (list u16)) (param \"r\" $r)\n"
    "    (param \"t\" (tuple u32)) (param \"v\" $v) (param \"e\" $e)\n"
    "    (param \"fl\" $fl) (param \"o\" (option u64))\n"
    "    (result (result))))\n"
    "  (import \"h\" (func (param \"l\" (list u8)) (param \"o\" (option u32))\n"
    "    (param \"t\" (tuple u32 string)) (result (result u32 (error string))))))\n";

typedef struct {
  wasmtime_component_valtype_t p[7];
  wasmtime_component_valtype_t result;
} sig_t;

/* The parameter and result types of the imported function `name`. */
static void signature(const wasmtime_component_type_t *cty, const wasm_engine_t *engine,
                      const char *name, size_t nparams, sig_t *out) {
  wasmtime_component_item_t item;
  CHECK(wasmtime_component_type_import_get(cty, engine, name, strlen(name), &item));
  CHECK(item.kind == WASMTIME_COMPONENT_ITEM_COMPONENT_FUNC);
  const wasmtime_component_func_type_t *fty = item.of.component_func;
  CHECK(wasmtime_component_func_type_param_count(fty) == nparams);
  for (size_t i = 0; i < nparams; i++) {
    const char *pname;
    size_t plen;
    CHECK(wasmtime_component_func_type_param_nth(fty, i, &pname, &plen, &out->p[i]));
  }
  CHECK(wasmtime_component_func_type_result(fty, &out->result));
  wasmtime_component_item_delete(&item);
}

static void free_signature(sig_t *s, size_t nparams) {
  for (size_t i = 0; i < nparams; i++)
    wasmtime_component_valtype_delete(&s->p[i]);
  wasmtime_component_valtype_delete(&s->result);
}

static int name_is(const char *name, size_t len, const char *want) {
  return len == strlen(want) && memcmp(name, want, len) == 0;
}

/* `t` is of the primitive kind `kind`; frees it. */
static void expect_kind(wasmtime_component_valtype_t *t, wasmtime_component_valtype_kind_t kind) {
  CHECK(t->kind == kind);
  wasmtime_component_valtype_delete(t);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasm_byte_vec_t bin;
  check_ok(wasmtime_wat2wasm(WAT, strlen(WAT), &bin), "wat2wasm");
  wasmtime_component_t *c = NULL;
  check_ok(wasmtime_component_new(engine, (const uint8_t *)bin.data, bin.size, &c),
           "component_new");
  wasm_byte_vec_delete(&bin);
  wasmtime_component_type_t *cty = wasmtime_component_type(c);
  sig_t f, g, h;
  signature(cty, engine, "f", 7, &f);
  signature(cty, engine, "g", 7, &g);
  signature(cty, engine, "h", 3, &h);
  wasmtime_component_valtype_t t;
  const char *name;
  size_t len;

  /* list<u8> */
  CHECK(f.p[0].kind == WASMTIME_COMPONENT_VALTYPE_LIST);
  wasmtime_component_list_type_element(f.p[0].of.list, &t);
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_U8);
  wasmtime_component_list_type_t *list = wasmtime_component_list_type_clone(f.p[0].of.list);
  CHECK(wasmtime_component_list_type_equal(list, f.p[0].of.list));
  CHECK(wasmtime_component_list_type_equal(list, h.p[0].of.list));
  CHECK(!wasmtime_component_list_type_equal(list, g.p[0].of.list));
  wasmtime_component_list_type_delete(list);

  /* record { a: u32, b: string } */
  CHECK(f.p[1].kind == WASMTIME_COMPONENT_VALTYPE_RECORD);
  wasmtime_component_record_type_t *rec = wasmtime_component_record_type_clone(f.p[1].of.record);
  CHECK(wasmtime_component_record_type_field_count(rec) == 2);
  CHECK(wasmtime_component_record_type_field_nth(rec, 0, &name, &len, &t));
  CHECK(name_is(name, len, "a"));
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_U32);
  CHECK(wasmtime_component_record_type_field_nth(rec, 1, &name, &len, &t));
  CHECK(name_is(name, len, "b"));
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_STRING);
  CHECK(!wasmtime_component_record_type_field_nth(rec, 2, &name, &len, &t));
  CHECK(wasmtime_component_record_type_equal(rec, g.p[1].of.record));
  wasmtime_component_record_type_delete(rec);

  /* tuple<u32, string> */
  CHECK(f.p[2].kind == WASMTIME_COMPONENT_VALTYPE_TUPLE);
  wasmtime_component_tuple_type_t *tup = wasmtime_component_tuple_type_clone(f.p[2].of.tuple);
  CHECK(wasmtime_component_tuple_type_types_count(tup) == 2);
  CHECK(wasmtime_component_tuple_type_types_nth(tup, 1, &t));
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_STRING);
  CHECK(!wasmtime_component_tuple_type_types_nth(tup, 2, &t));
  CHECK(wasmtime_component_tuple_type_equal(tup, h.p[2].of.tuple));
  CHECK(!wasmtime_component_tuple_type_equal(tup, g.p[2].of.tuple));
  CHECK(wasmtime_component_tuple_type_types_count(g.p[2].of.tuple) == 1);
  wasmtime_component_tuple_type_delete(tup);

  /* variant { x(u32), y } */
  CHECK(f.p[3].kind == WASMTIME_COMPONENT_VALTYPE_VARIANT);
  wasmtime_component_variant_type_t *var =
      wasmtime_component_variant_type_clone(f.p[3].of.variant);
  CHECK(wasmtime_component_variant_type_case_count(var) == 2);
  bool has_payload = false;
  CHECK(wasmtime_component_variant_type_case_nth(var, 0, &name, &len, &has_payload, &t));
  CHECK(name_is(name, len, "x") && has_payload);
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_U32);
  CHECK(wasmtime_component_variant_type_case_nth(var, 1, &name, &len, &has_payload, &t));
  CHECK(name_is(name, len, "y") && !has_payload);
  CHECK(!wasmtime_component_variant_type_case_nth(var, 2, &name, &len, &has_payload, &t));
  CHECK(wasmtime_component_variant_type_equal(var, g.p[3].of.variant));
  wasmtime_component_variant_type_delete(var);

  /* enum { a, b, c } */
  CHECK(f.p[4].kind == WASMTIME_COMPONENT_VALTYPE_ENUM);
  wasmtime_component_enum_type_t *en = wasmtime_component_enum_type_clone(f.p[4].of.enum_);
  CHECK(wasmtime_component_enum_type_names_count(en) == 3);
  CHECK(wasmtime_component_enum_type_names_nth(en, 2, &name, &len) && name_is(name, len, "c"));
  CHECK(!wasmtime_component_enum_type_names_nth(en, 3, &name, &len));
  CHECK(wasmtime_component_enum_type_equal(en, g.p[4].of.enum_));
  wasmtime_component_enum_type_delete(en);

  /* flags { p, q } */
  CHECK(f.p[5].kind == WASMTIME_COMPONENT_VALTYPE_FLAGS);
  wasmtime_component_flags_type_t *fl = wasmtime_component_flags_type_clone(f.p[5].of.flags);
  CHECK(wasmtime_component_flags_type_names_count(fl) == 2);
  CHECK(wasmtime_component_flags_type_names_nth(fl, 1, &name, &len) && name_is(name, len, "q"));
  CHECK(!wasmtime_component_flags_type_names_nth(fl, 2, &name, &len));
  CHECK(wasmtime_component_flags_type_equal(fl, g.p[5].of.flags));
  wasmtime_component_flags_type_delete(fl);

  /* option<u32> */
  CHECK(f.p[6].kind == WASMTIME_COMPONENT_VALTYPE_OPTION);
  wasmtime_component_option_type_t *opt = wasmtime_component_option_type_clone(f.p[6].of.option);
  wasmtime_component_option_type_ty(opt, &t);
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_U32);
  CHECK(wasmtime_component_option_type_equal(opt, h.p[1].of.option));
  CHECK(!wasmtime_component_option_type_equal(opt, g.p[6].of.option));
  wasmtime_component_option_type_delete(opt);

  /* result<u32, string> and result (no payloads) */
  CHECK(f.result.kind == WASMTIME_COMPONENT_VALTYPE_RESULT);
  wasmtime_component_result_type_t *res = wasmtime_component_result_type_clone(f.result.of.result);
  CHECK(wasmtime_component_result_type_ok(res, &t));
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_U32);
  CHECK(wasmtime_component_result_type_err(res, &t));
  expect_kind(&t, WASMTIME_COMPONENT_VALTYPE_STRING);
  CHECK(wasmtime_component_result_type_equal(res, h.result.of.result));
  CHECK(!wasmtime_component_result_type_equal(res, g.result.of.result));
  CHECK(!wasmtime_component_result_type_ok(g.result.of.result, &t));
  CHECK(!wasmtime_component_result_type_err(g.result.of.result, &t));
  wasmtime_component_result_type_delete(res);

  free_signature(&f, 7);
  free_signature(&g, 7);
  free_signature(&h, 3);
  wasmtime_component_type_delete(cty);
  wasmtime_component_delete(c);
  wasm_engine_delete(engine);
  printf("component_types: ok\n");
  return 0;
}
