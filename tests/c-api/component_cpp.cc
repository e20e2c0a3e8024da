// Tests of the component-model C++ API (<wasmtime/component.hh>) over our
// libwasmtime, by topic. Built by ci/c-api.sh with g++ -std=c++17 -Wall
// -Wextra -Werror (and under AddressSanitizer with ASAN=1).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <wasmtime.hh>
#include <wasmtime/component.hh>

using namespace wasmtime::component;
using wasmtime::Engine;
using wasmtime::Error;
using wasmtime::Result;
using wasmtime::Span;
using wasmtime::Store;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                   #cond);                                                     \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

static int topics = 0;

// Empty argument and result lists (valid under C++17's Span and std::span).
static Span<const Val> no_args() {
  return Span<const Val>(static_cast<const Val *>(nullptr), 0);
}
static Span<Val> no_results() { return Span<Val>(static_cast<Val *>(nullptr), 0); }
#define TOPIC(name) std::printf("component_cpp: %s\n", name), topics++

// A component with a host import, a string echo, a record/list/option/
// variant round trip, flags and an enum, a trap and an exported instance.
static const char *COMPONENT = R"((component
  (import "host" (instance $host
    (export "double" (func (param "x" s32) (result s32)))))
  (alias export $host "double" (func $double))
  (core module $libc
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $next))
      (global.set $next (i32.add (global.get $next) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (core func $double (canon lower (func $double)))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "host" "double" (func $double (param i32) (result i32)))
    (func (export "call-host") (param i32) (result i32)
      (call $double (local.get 0)))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
    (func (export "id-u64") (param i64) (result i64) local.get 0)
    (func (export "fail") unreachable))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance (export "double" (func $double))))))
  (type $point (record (field "x" s32) (field "y" s32)))
  (type $shape (variant (case "none") (case "circle" u32)))
  (type $perm (flags "read" "write" "exec"))
  (type $color (enum "red" "green"))
  (func (export "call-host") (param "x" s32) (result s32)
    (canon lift (core func $i "call-host")))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc"))))
  (func (export "id-u64") (param "v" u64) (result u64)
    (canon lift (core func $i "id-u64")))
  (func $fail (canon lift (core func $i "fail")))
  (export "fail" (func $fail))
  (instance $nested (export "fail" (func $fail)))
  (export "nested" (instance $nested))
))";

static Component compile(Engine &engine) {
  auto c = Component::compile(engine, COMPONENT);
  if (!c) {
    std::fprintf(stderr, "compile: %s\n", c.err().message().c_str());
    std::exit(1);
  }
  return c.ok();
}

static void values() {
  TOPIC("values: scalars, strings, compound values, copies and moves");
  Val b(true), u8(uint8_t(200)), s8(int8_t(-3)), u16(uint16_t(60000)),
      s16(int16_t(-300)), u32(uint32_t(4000000000u)), s32(int32_t(-7)),
      u64(uint64_t(1) << 40), s64(-(int64_t(1) << 40)), f32(1.5f), f64(2.25);
  CHECK(b.is_bool() && b.get_bool());
  CHECK(u8.is_u8() && u8.get_u8() == 200);
  CHECK(s8.is_s8() && s8.get_s8() == -3);
  CHECK(u16.is_u16() && u16.get_u16() == 60000);
  CHECK(s16.is_s16() && s16.get_s16() == -300);
  CHECK(u32.is_u32() && u32.get_u32() == 4000000000u);
  CHECK(s32.is_s32() && s32.get_s32() == -7 && !s32.is_u32());
  CHECK(u64.is_u64() && u64.get_u64() == (uint64_t(1) << 40));
  CHECK(s64.is_s64() && s64.get_s64() == -(int64_t(1) << 40));
  CHECK(f32.is_f32() && f32.get_f32() == 1.5f);
  CHECK(f64.is_f64() && f64.get_f64() == 2.25);
  Val c = Val::char_(0x1F600);
  CHECK(c.is_char() && c.get_char() == 0x1F600);
  Val s = Val::string("héllo");
  CHECK(s.is_string() && s.get_string() == "héllo");
  Val e = Val::enum_("green");
  CHECK(e.is_enum() && e.get_enum() == "green");

  Val list = List({Val(uint32_t(1)), Val(uint32_t(2)), Val(uint32_t(3))});
  CHECK(list.is_list() && list.get_list().size() == 3);
  uint32_t sum = 0;
  for (const Val &v : list.get_list())
    sum += v.get_u32();
  CHECK(sum == 6);
  Val empty = List(std::vector<Val>{});
  CHECK(empty.get_list().size() == 0 &&
        empty.get_list().begin() == empty.get_list().end());

  Val rec = Record({{"x", Val(int32_t(3))}, {"y", Val::string("four")}});
  CHECK(rec.is_record() && rec.get_record().size() == 2);
  auto field = rec.get_record().begin();
  CHECK(field->name() == "x" && field->value().get_s32() == 3);
  ++field;
  CHECK(field->name() == "y" && field->value().get_string() == "four");

  Val tup = Tuple({Val(true), Val::string("t")});
  CHECK(tup.is_tuple() && tup.get_tuple().size() == 2);
  CHECK(tup.get_tuple().begin()[1].get_string() == "t");

  Val var = Variant("circle", Val(uint32_t(9)));
  CHECK(var.is_variant() && var.get_variant().discriminant() == "circle");
  CHECK(var.get_variant().value()->get_u32() == 9);
  Val var_none = Variant("none", std::nullopt);
  CHECK(var_none.get_variant().value() == nullptr);

  Val some = WitOption(Val::string("x"));
  Val none = WitOption(std::nullopt);
  CHECK(some.is_option() && some.get_option().value()->get_string() == "x");
  CHECK(none.get_option().value() == nullptr);

  Val ok = WitResult::ok(Val(uint8_t(1)));
  Val err = WitResult::err(std::nullopt);
  CHECK(ok.is_result() && ok.get_result().is_ok() &&
        ok.get_result().payload()->get_u8() == 1);
  CHECK(!err.get_result().is_ok() && err.get_result().payload() == nullptr);

  Val flags = Flags({Flag("read"), Flag("exec")});
  CHECK(flags.is_flags() && flags.get_flags().size() == 2);
  CHECK(flags.get_flags().begin()->name() == "read");

  // Copies are deep; moves leave the source as a plain bool.
  Val rec_copy = rec;
  CHECK(rec_copy.get_record().begin()->value().get_s32() == 3);
  Val moved = std::move(rec);
  CHECK(moved.is_record() && rec.is_bool());
  rec = rec_copy;
  CHECK(rec.get_record().size() == 2);
  Val nested = List({list, tup, some});
  Val nested_copy = nested;
  CHECK(nested_copy.get_list().begin()[2].get_option().value()->get_string() ==
        "x");
  Record r2 = Record({{"k", Val(false)}});
  Record r3 = r2;
  CHECK(r3.size() == 1 && r3.begin()->name() == "k");
}

static void types(Engine &engine, const Component &component) {
  TOPIC("types: component, instance, function and value types");
  ComponentType ty = component.type();
  CHECK(ty.import_count(engine) == 1);
  CHECK(ty.export_count(engine) == 5);
  auto host = ty.import_get(engine, "host");
  CHECK(host && host->is_component_instance());
  const ComponentInstanceType &host_ty = host->component_instance();
  CHECK(host_ty.export_count(engine) == 1);
  auto dbl = host_ty.export_get(engine, "double");
  CHECK(dbl && dbl->is_component_func());
  const FuncType &dbl_ty = dbl->component_func();
  CHECK(dbl_ty.param_count() == 1 && !dbl_ty.async());
  auto p0 = dbl_ty.param_nth(0);
  CHECK(p0 && p0->first == "x" && p0->second.is_s32());
  CHECK(!dbl_ty.param_nth(1));
  CHECK(dbl_ty.result() && dbl_ty.result()->is_s32());
  CHECK(*dbl_ty.result() == ValType::new_s32());
  CHECK(*dbl_ty.result() != ValType::new_u32());
  CHECK(!ty.import_get(engine, "missing"));

  bool saw_nested = false;
  for (size_t i = 0; i < ty.export_count(engine); i++) {
    auto item = ty.export_nth(engine, i);
    CHECK(item);
    if (item->first == "nested") {
      saw_nested = true;
      CHECK(item->second.is_component_instance());
      ComponentItem copy = item->second;
      CHECK(copy.component_instance().export_count(engine) == 1);
    } else {
      CHECK(item->second.is_component_func());
    }
  }
  CHECK(saw_nested && !ty.export_nth(engine, 5));
  auto echo = ty.export_get(engine, "echo");
  CHECK(echo && echo->component_func().result()->is_string());

  ValType prim = ValType::new_string();
  ValType prim_copy = prim;
  CHECK(prim_copy == prim && prim.kind() == WASMTIME_COMPONENT_VALTYPE_STRING);
  ValType moved = std::move(prim_copy);
  CHECK(moved.is_string() && prim_copy.is_bool());
  ValType own = ValType::new_own(ResourceType(7));
  ValType borrow = ValType::new_borrow(ResourceType(7));
  CHECK(own.is_own() && borrow.is_borrow());
  CHECK(own.own() == borrow.borrow());
  CHECK(own.own() != ResourceType(8));
}

static void calls(Engine &engine, const Component &component) {
  TOPIC("linker, instances and calls");
  Store store(engine);
  Linker linker(engine);
  int host_calls = 0;
  {
    LinkerInstance root = linker.root();
    LinkerInstance host = root.add_instance("host").unwrap();
    host.add_func("double",
                  [&host_calls](Store::Context, const FuncType &ty,
                                Span<Val> args,
                                Span<Val> results) -> Result<std::monostate> {
                    host_calls++;
                    CHECK(ty.param_count() == 1);
                    CHECK(args.size() == 1 && results.size() == 1);
                    if (args[0].get_s32() < 0)
                      return Error("negative input refused");
                    results[0] = Val(args[0].get_s32() * 2);
                    return std::monostate();
                  })
        .unwrap();
  }
  Instance instance = linker.instantiate(store, component).unwrap();

  auto idx = component.export_index(nullptr, "call-host");
  CHECK(idx);
  auto idx2 = instance.get_export_index(store, nullptr, "call-host");
  CHECK(idx2);
  Func f = *instance.get_func(store, *idx);
  CHECK(f.type(store).param_count() == 1);
  Val arg(int32_t(21));
  Val result(false);
  f.call(store, Span<const Val>(&arg, 1), Span<Val>(&result, 1)).unwrap();
  f.post_return(store).unwrap();
  CHECK(result.get_s32() == 42 && host_calls == 1);

  // A host error comes back as an error of the call.
  Val neg(int32_t(-1));
  auto failed = f.call(store, Span<const Val>(&neg, 1), Span<Val>(&result, 1));
  CHECK(!failed);
  CHECK(failed.err().message().find("negative input refused") !=
        std::string::npos);

  // Strings through linear memory.
  Func echo = *instance.get_func(store, *component.export_index(nullptr, "echo"));
  std::vector<Val> args = {Val::string("round trip")};
  std::vector<Val> results = {Val(false)};
  echo.call(store, args, results).unwrap();
  echo.post_return(store).unwrap();
  CHECK(results[0].get_string() == "round trip");

  Func id = *instance.get_func(store, *component.export_index(nullptr, "id-u64"));
  Val big(uint64_t(0xfedcba9876543210ull));
  id.call(store, Span<const Val>(&big, 1), Span<Val>(&result, 1)).unwrap();
  id.post_return(store).unwrap();
  CHECK(result.get_u64() == 0xfedcba9876543210ull);

  // A wrongly typed argument is an error, not a crash.
  Val wrong = Val::string("not a u64");
  CHECK(!id.call(store, Span<const Val>(&wrong, 1), Span<Val>(&result, 1)));

  // A trap in a function exported through a nested instance.
  auto nested = component.export_index(nullptr, "nested");
  CHECK(nested);
  auto nested_fail = instance.get_export_index(store, &*nested, "fail");
  CHECK(nested_fail);
  Func fail = *instance.get_func(store, *nested_fail);
  auto trapped = fail.call(store, no_args(), no_results());
  CHECK(!trapped);
  CHECK(!instance.get_export_index(store, nullptr, "no-such-export"));
  CHECK(!instance.get_func(store, *nested));
}

static void linking(Engine &engine, const Component &component) {
  TOPIC("linker: missing imports, traps for unknown imports, shadowing");
  Store store(engine);
  Linker linker(engine);
  CHECK(!linker.instantiate(store, component));
  linker.define_unknown_imports_as_traps(component).unwrap();
  Instance instance = linker.instantiate(store, component).unwrap();
  Func f = *instance.get_func(store, *component.export_index(nullptr, "call-host"));
  Val arg(int32_t(1)), result(false);
  CHECK(!f.call(store, Span<const Val>(&arg, 1), Span<Val>(&result, 1)));

  Linker shadowing(engine);
  auto noop = [](Store::Context, const FuncType &, Span<Val>,
                 Span<Val>) -> Result<std::monostate> {
    return std::monostate();
  };
  {
    LinkerInstance root = shadowing.root();
    root.add_func("f", noop).unwrap();
    CHECK(!root.add_func("f", noop));
  }
  shadowing.allow_shadowing(true);
  {
    LinkerInstance root = shadowing.root();
    root.add_func("f", noop).unwrap();
  }
}

static const char *RESOURCES = R"((component
  (import "r" (type $r (sub resource)))
  (import "make" (func $make (param "rep" u32) (result (own $r))))
  (core func $make (canon lower (func $make)))
  (core func $drop (canon resource.drop $r))
  (core module $m
    (import "host" "make" (func $make (param i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (func (export "make") (param i32) (result i32)
      (call $make (local.get 0)))
    (func (export "make-and-drop") (param i32)
      (call $drop (call $make (local.get 0))))
    (func (export "consume") (param i32)
      (call $drop (local.get 0))))
  (core instance $i (instantiate $m
    (with "host" (instance (export "make" (func $make))
                           (export "drop" (func $drop))))))
  (func (export "make") (param "rep" u32) (result (own $r))
    (canon lift (core func $i "make")))
  (func (export "make-and-drop") (param "rep" u32)
    (canon lift (core func $i "make-and-drop")))
  (func (export "consume") (param "r" (own $r))
    (canon lift (core func $i "consume")))
))";

static void resources(Engine &engine) {
  TOPIC("resources: host types, handles and destructors");
  ResourceHost h(true, 11, 3);
  CHECK(h.owned() && h.rep() == 11 && h.type() == 3);
  ResourceHost h2 = h;
  CHECK(h2.rep() == 11);
  CHECK(ResourceType(3) == ResourceType(3) && ResourceType(3) != ResourceType(4));

  Component component = Component::compile(engine, RESOURCES).unwrap();
  Store store(engine);
  Linker linker(engine);
  uint32_t dropped = 0;
  {
    LinkerInstance root = linker.root();
    root.add_resource("r", ResourceType(3),
                      [&dropped](Store::Context, uint32_t rep)
                          -> Result<std::monostate> {
                        dropped = rep;
                        return std::monostate();
                      })
        .unwrap();
    root.add_func("make",
                  [](Store::Context cx, const FuncType &, Span<Val> args,
                     Span<Val> results) -> Result<std::monostate> {
                    ResourceHost made(true, args[0].get_u32(), 3);
                    auto any = made.to_any(cx);
                    if (!any)
                      return any.err();
                    results[0] = Val(any.ok());
                    return std::monostate();
                  })
        .unwrap();
  }
  Instance instance = linker.instantiate(store, component).unwrap();
  Func make = *instance.get_func(store, *component.export_index(nullptr, "make"));
  Val arg(uint32_t(77)), result(false);
  make.call(store, Span<const Val>(&arg, 1), Span<Val>(&result, 1)).unwrap();
  make.post_return(store).unwrap();
  CHECK(result.is_resource());
  const ResourceAny &any = result.get_resource();
  CHECK(any.owned() && any.type() == ResourceType(3));
  ResourceHost back = any.to_host(store).unwrap();
  CHECK(back.rep() == 77 && back.type() == 3);
  // The owned resource moved into `back`: the first handle is used up.
  CHECK(!any.drop(store));
  CHECK(!any.to_host(store));
  ResourceAny again = back.to_any(store).unwrap();
  ResourceAny alias = again; // a clone names the same resource
  again.drop(store).unwrap();
  CHECK(dropped == 77);
  dropped = 0;
  CHECK(!alias.drop(store));
  CHECK(dropped == 0);

  Func make_and_drop =
      *instance.get_func(store, *component.export_index(nullptr, "make-and-drop"));
  Val arg2(uint32_t(78));
  make_and_drop.call(store, Span<const Val>(&arg2, 1), no_results()).unwrap();
  make_and_drop.post_return(store).unwrap();
  CHECK(dropped == 78);

  // An owned handle passed for an `own` parameter moves into the callee.
  Func consume =
      *instance.get_func(store, *component.export_index(nullptr, "consume"));
  Val handle = ResourceHost(true, 79, 3).to_any(store).unwrap();
  ResourceAny kept = handle.get_resource();
  consume.call(store, Span<const Val>(&handle, 1), no_results())
      .unwrap();
  CHECK(dropped == 79);
  dropped = 0;
  CHECK(!kept.drop(store));
  CHECK(!consume.call(store, Span<const Val>(&handle, 1), no_results()));
  CHECK(dropped == 0);
}

static void serialization(Engine &engine, const Component &component) {
  TOPIC("serialize, deserialize, clones");
  std::vector<uint8_t> bytes = component.serialize().unwrap();
  CHECK(bytes.size() > 100);
  Component back = Component::deserialize(engine, bytes).unwrap();
  CHECK(back.export_index(nullptr, "echo"));
  Component copy = back;
  CHECK(copy.type().export_count(engine) == 5);
  std::vector<uint8_t> junk = {0, 'a', 's', 'm', 1, 2, 3};
  CHECK(!Component::deserialize(engine, junk));
  CHECK(!Component::compile(engine, "(component (func (export \"x\")))"));
  CHECK(!Component::deserialize_file(engine, "/nonexistent/component.cwasm"));
  ExportIndex idx = *back.export_index(nullptr, "echo");
  ExportIndex idx_copy = idx;
  CHECK(idx_copy.capi() != idx.capi());
}

static void wasi_http(Engine &engine) {
  TOPIC("WASI 0.2 and wasi:http in a component linker");
  Linker linker(engine);
  linker.add_wasip2().unwrap();
  linker.add_wasi_http().unwrap();
  CHECK(!linker.add_wasi_http()); // already defined
  linker.allow_shadowing(true);
  linker.add_wasi_http().unwrap();
  // A component importing a wasi:http resource type and a WASI function
  // links against these definitions (older 0.2 patch versions match too).
  Component component = Component::compile(engine, R"((component
    (import "wasi:http/types@0.2.0" (instance
      (export "fields" (type (sub resource)))))
    (import "wasi:clocks/monotonic-clock@0.2.0" (instance
      (export "now" (func (result u64)))))
  ))").unwrap();
  Store store(engine);
  wasmtime_context_set_wasi_http(store.context().capi());
  linker.instantiate(store, component).unwrap();
  // Without wasi:http the import is missing.
  Linker plain(engine);
  plain.add_wasip2().unwrap();
  CHECK(!plain.instantiate(store, component));
}

int main() {
  Engine engine;
  Component component = compile(engine);
  values();
  types(engine, component);
  calls(engine, component);
  linking(engine, component);
  resources(engine);
  serialization(engine, component);
  wasi_http(engine);
  std::printf("component_cpp: %d topics passed\n", topics);
  return 0;
}
