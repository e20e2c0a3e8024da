// Tests of the C++ API (<wasmtime.hh>) over our libwasmtime, by topic.
// Built by ci/c-api.sh with g++ -std=c++17 -Wall -Wextra -Werror (and
// under AddressSanitizer with ASAN=1). Argument: tests/wasi-programs.

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <wasmtime.hh>

using namespace wasmtime;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                   #cond);                                                     \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

static int checks_run = 0;
#define TOPIC(name) std::printf("cpp_api: %s\n", name), checks_run++

static void config_engine_module() {
  TOPIC("config, engine, module types");
  Config config;
  config.wasm_simd(true);
  config.cranelift_opt_level(OptLevel::Speed);
  Engine engine(std::move(config));
  CHECK(!engine.is_pulley());
  Engine copy = engine;
  Module module = Module::compile(copy, R"((module
      (import "host" "f" (func (param i32) (result i32)))
      (memory (export "mem") 1 3)
      (global (export "g") (mut i64) (i64.const 7))
      (table (export "t") 2 funcref)
      (func (export "run") (param i32 i32) (result i32)
        local.get 0 local.get 1 i32.add))
    )")
                      .unwrap();
  auto imports = module.imports();
  CHECK(imports.size() == 1);
  const ImportType::Ref &imp = *imports.begin();
  CHECK(imp.module() == "host" && imp.name() == "f");
  auto imp_ty = ExternType::from_import(imp);
  CHECK(std::holds_alternative<FuncType::Ref>(imp_ty));
  FuncType::Ref fty = std::get<FuncType::Ref>(imp_ty);
  CHECK(fty.params().size() == 1 && *fty.params().begin() == ValType::i32());

  auto exports = module.exports();
  CHECK(exports.size() == 4);
  std::vector<std::string> names;
  for (const ExportType::Ref &e : exports)
    names.emplace_back(e.name());
  CHECK(names[0] == "mem" && names[3] == "run");
  auto mem_ty = std::get<MemoryType::Ref>(ExternType::from_export(*exports.begin()));
  CHECK(mem_ty.min() == 1 && mem_ty.max() == 3u && !mem_ty.is_64());
  auto table_ty = std::get<TableType::Ref>(ExternType::from_export(exports.begin()[2]));
  CHECK(table_ty.min() == 2 && !table_ty.max());
  CHECK(table_ty.element() == ValType::funcref());

  // Serialize + deserialize round trip.
  std::vector<uint8_t> bytes = module.serialize().unwrap();
  Module again = Module::deserialize(engine, bytes).unwrap();
  CHECK(again.exports().size() == 4);

  // Bad input is an error, not a crash.
  auto bad = Module::compile(engine, "(module (func (result i32)))");
  CHECK(!bad);
  CHECK(bad.err().message().find("type mismatch") != std::string::npos);
  std::vector<uint8_t> junk = {1, 2, 3};
  CHECK(!Module::validate(engine, junk));
  CHECK(!Module::deserialize(engine, junk));
  CHECK(!wat2wasm("(module"));
}

static void types() {
  TOPIC("value, function, memory, table and global types");
  ValType i32 = ValType::i32();
  CHECK(i32.is_i32() && !i32.is_i64() && i32.as_ref() == nullptr);
  ValType ext = ValType::externref();
  CHECK(ext.as_ref() != nullptr && ext.as_ref()->nullable());
  CHECK(ext.as_ref()->heaptype().is_extern());
  CHECK(ValType::anyref().as_ref()->heaptype().is_any());
  CHECK(ValType::v128().is_v128());
  std::ostringstream text;
  text << ValType::funcref() << " " << ValType::f64();
  CHECK(text.str() == "(ref null func) f64");

  FuncType ft({ValType::i32(), ValType::f32()}, {ValType::i64()});
  CHECK(ft->params().size() == 2 && ft->results().size() == 1);
  CHECK(*ft->results().begin() == ValType::i64());
  FuncType copy = ft;
  CHECK(copy->params().begin()[1] == ValType::f32());

  MemoryType mt(1, 5);
  CHECK(mt->min() == 1 && mt->max() == 5u && mt->page_size() == 65536);
  MemoryType m64 = MemoryType::New64(2);
  CHECK(m64->is_64() && !m64->max());
  auto built = MemoryType::Builder().min(3).max(2).build();
  CHECK(!built);
  GlobalType gt(ValType::i32(), true);
  CHECK(gt->is_mutable() && gt->content() == ValType::i32());
  TableType tt(ValType::externref(), 1, 4);
  CHECK(tt->min() == 1 && tt->max() == 4u);
}

static int64_t triple(int64_t v) { return 3 * v; }

static void linker_definitions() {
  TOPIC("linker definitions, shadowing, unknown imports");
  Engine engine;
  Store store(engine);
  Linker linker(engine);
  // A plain function (not a lambda) wraps too.
  CHECK(linker.func_wrap("host", "triple", triple));
  // A dynamically typed host function made in the store.
  FuncType ty({ValType::i32()}, {ValType::i32()});
  Func inc(store, ty,
           [](Caller caller, Span<const Val> args,
              Span<Val> results) -> Result<std::monostate, Trap> {
             Store::Context cx = caller.context();
             (void)cx;
             results[0] = Val(args[0].i32() + 1);
             return std::monostate();
           });
  CHECK(linker.define(store, "host", "inc", inc));
  CHECK(!linker.define(store, "host", "inc", inc));
  linker.allow_shadowing(true);
  CHECK(linker.define(store, "host", "inc", inc));
  auto found = linker.get(store, "host", "inc");
  CHECK(found && std::holds_alternative<Func>(*found));
  CHECK(!linker.get(store, "host", "nope"));

  Module lib = Module::compile(engine, R"((module
      (import "host" "triple" (func $t (param i64) (result i64)))
      (import "host" "inc" (func $i (param i32) (result i32)))
      (func (export "nine") (result i64) i64.const 3 call $t)
      (func (export "two") (result i32) i32.const 1 call $i))
    )")
                   .unwrap();
  Instance lib_instance = linker.instantiate(store, lib).unwrap();
  CHECK(linker.define_instance(store, "lib", lib_instance));
  Module user = Module::compile(engine, R"((module
      (import "lib" "nine" (func $n (result i64)))
      (import "lib" "two" (func $t (result i32)))
      (import "missing" "f" (func $m))
      (func (export "sum") (result i64) call $n call $t i64.extend_i32_u i64.add)
      (func (export "boom") call $m))
    )")
                    .unwrap();
  CHECK(!linker.instantiate(store, user));
  CHECK(linker.define_unknown_imports_as_traps(user));
  Instance used = linker.instantiate(store, user).unwrap();
  Func sum = std::get<Func>(*used.get(store, "sum"));
  CHECK((sum.typed<std::monostate, int64_t>(store).unwrap().call(store, {}).unwrap() == 11));
  CHECK(!std::get<Func>(*used.get(store, "boom")).call(store, {}));
}

static void calls_and_host_functions() {
  TOPIC("linker, typed and untyped calls, host functions");
  Engine engine;
  Store store(engine);
  Linker linker(engine);
  int calls = 0;
  CHECK(linker.func_wrap("host", "double", [&calls](int32_t x) {
    calls++;
    return x * 2;
  }));
  // A host function that reads the caller's memory and may trap.
  CHECK(linker.func_wrap("host", "peek",
                         [](Caller caller, int32_t addr) -> Result<int32_t, Trap> {
                           auto mem = caller.get_export("mem");
                           if (!mem || !std::holds_alternative<Memory>(*mem))
                             return Trap("no memory");
                           Span<uint8_t> data = std::get<Memory>(*mem).data(caller);
                           if (addr < 0 || size_t(addr) >= data.size())
                             return Trap("peek out of bounds");
                           return int32_t(data[addr]);
                         }));
  FuncType add_ty({ValType::i64(), ValType::i64()}, {ValType::i64()});
  CHECK(linker.func_new("host", "add", add_ty,
                        [](Caller, Span<const Val> args, Span<Val> results)
                            -> Result<std::monostate, Trap> {
                          results[0] = Val(args[0].i64() + args[1].i64());
                          return std::monostate();
                        }));
  Module module = Module::compile(engine, R"((module
      (import "host" "double" (func $double (param i32) (result i32)))
      (import "host" "peek" (func $peek (param i32) (result i32)))
      (import "host" "add" (func $add (param i64 i64) (result i64)))
      (memory (export "mem") 1)
      (data (i32.const 5) "\2a")
      (func (export "quad") (param i32) (result i32)
        local.get 0 call $double call $double)
      (func (export "peek") (param i32) (result i32) local.get 0 call $peek)
      (func (export "sum") (param i64 i64) (result i64)
        local.get 0 local.get 1 call $add)
      (func (export "pair") (result i32 f64) i32.const 3 f64.const 1.5)
      (func (export "div") (param i32 i32) (result i32)
        local.get 0 local.get 1 i32.div_s))
    )")
                      .unwrap();
  Instance instance = linker.instantiate(store, module).unwrap();

  Func quad = std::get<Func>(*instance.get(store, "quad"));
  auto typed = quad.typed<int32_t, int32_t>(store).unwrap();
  CHECK(typed.call(store, 5).unwrap() == 20);
  CHECK(calls == 2);
  CHECK((!quad.typed<int64_t, int32_t>(store)));

  std::vector<Val> results = quad.call(store, {Val(int32_t(7))}).unwrap();
  CHECK(results.size() == 1 && results[0].kind() == ValKind::I32);
  CHECK(results[0].i32() == 28);

  Func peek = std::get<Func>(*instance.get(store, "peek"));
  CHECK((peek.typed<int32_t, int32_t>(store).unwrap().call(store, 5).unwrap() == 42));
  auto oob = peek.call(store, {Val(int32_t(1 << 20))});
  CHECK(!oob);
  CHECK(oob.err().message().find("peek out of bounds") != std::string::npos);

  Func sum = std::get<Func>(*instance.get(store, "sum"));
  auto sum_typed = sum.typed<std::tuple<int64_t, int64_t>, int64_t>(store).unwrap();
  CHECK(sum_typed.call(store, {40, 2}).unwrap() == 42);

  Func pair = std::get<Func>(*instance.get(store, "pair"));
  auto both = pair.typed<std::monostate, std::tuple<int32_t, double>>(store)
                  .unwrap()
                  .call(store, std::monostate())
                  .unwrap();
  CHECK(std::get<0>(both) == 3 && std::get<1>(both) == 1.5);

  // Traps carry a code, a message and a backtrace.
  Func div = std::get<Func>(*instance.get(store, "div"));
  auto trapped = div.typed<std::tuple<int32_t, int32_t>, int32_t>(store)
                     .unwrap()
                     .call(store, {1, 0});
  CHECK(!trapped);
  const Trap &trap = std::get<Trap>(trapped.err_ref().data);
  CHECK(trap.code() == WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO);
  CHECK(trap.message().find("divide by zero") != std::string::npos);
  Trace trace = trap.trace();
  CHECK(trace.size() == 1 && trace.begin()->func_index() == 7);

  // Calling with the wrong number of arguments is an error, not a crash.
  auto wrong = div.call(store, {Val(int32_t(1))});
  CHECK(!wrong && std::holds_alternative<Error>(wrong.err_ref().data));

  // Func::wrap in a store, called through Func::call.
  Func negate = Func::wrap(store, [](int64_t v) { return -v; });
  CHECK(negate.type(store)->params().size() == 1);
  CHECK(negate.call(store, {Val(int64_t(9))}).unwrap()[0].i64() == -9);

  // Exports by index.
  auto first = instance.get(store, size_t(0));
  CHECK(first && first->first == "mem" && std::holds_alternative<Memory>(first->second));
  CHECK(!instance.get(store, size_t(99)));
  CHECK(!instance.get(store, "missing"));
}

static void memory_global_table() {
  TOPIC("memories, globals, tables");
  Engine engine;
  Store store(engine);
  Memory mem = Memory::create(store, MemoryType(1, 4)).unwrap();
  CHECK(mem.size(store) == 1 && mem.data(store).size() == 65536);
  mem.data(store)[100] = 9;
  CHECK(mem.grow(store, 2).unwrap() == 1);
  CHECK(mem.size(store) == 3 && mem.data(store)[100] == 9);
  CHECK(!mem.grow(store, 5));
  CHECK(mem.type(store)->min() == 1 && mem.type(store)->max() == 4u);

  Global g = Global::create(store, GlobalType(ValType::f32(), true), Val(1.5f)).unwrap();
  CHECK(g.get(store).f32() == 1.5f);
  CHECK(g.set(store, Val(2.5f)));
  CHECK(g.get(store).f32() == 2.5f);
  CHECK(!g.set(store, Val(int32_t(1))));
  Global c = Global::create(store, GlobalType(ValType::i32(), false), Val(int32_t(3))).unwrap();
  CHECK(!c.set(store, Val(int32_t(4))));

  Table t = Table::create(store, TableType(ValType::funcref(), 2), Val(std::optional<Func>())).unwrap();
  CHECK(t.size(store) == 2);
  Func f = Func::wrap(store, []() {});
  CHECK(t.set(store, 1, Val(f)));
  std::optional<Val> got = t.get(store, 1);
  CHECK(got && got->kind() == ValKind::FuncRef && got->funcref());
  CHECK(!t.get(store, 0)->funcref());
  CHECK(!t.get(store, 5));
  CHECK(t.grow(store, 3, Val(std::optional<Func>())).unwrap() == 2);
  CHECK(t.size(store) == 5);
  CHECK(!t.set(store, 9, Val(f)));
}

static void externrefs() {
  TOPIC("externref values through wasm");
  Engine engine;
  Store store(engine);
  Module module = Module::compile(engine, R"((module
      (func (export "id") (param externref) (result externref) local.get 0))
    )")
                      .unwrap();
  Instance instance = Instance::create(store, module, {}).unwrap();
  Func id = std::get<Func>(*instance.get(store, "id"));
  ExternRef ref(store, std::string("payload"));
  auto out = id.call(store, {Val(ref)}).unwrap();
  std::optional<ExternRef> back = out[0].externref();
  CHECK(back);
  CHECK(std::any_cast<std::string>(back->data(store)) == "payload");
  auto typed = id.typed<std::optional<ExternRef>, std::optional<ExternRef>>(store).unwrap();
  std::optional<ExternRef> none = typed.call(store, std::nullopt).unwrap();
  CHECK(!none);
  std::optional<ExternRef> some = typed.call(store, ref).unwrap();
  CHECK(some && std::any_cast<std::string>(some->data(store)) == "payload");

  // A null anyref in a Val; i31 values once the C API has the GC heap
  // (until then AnyRef::i31 gives a null reference).
  Val null_any{std::optional<AnyRef>()};
  CHECK(null_any.kind() == ValKind::AnyRef && !null_any.anyref());
  AnyRef i31 = AnyRef::i31(store, 0x7fffffff);
  if (i31.is_i31(store))
    CHECK(i31.i31(store) == -1 && i31.u31(store) == 0x7fffffffu);
  else
    CHECK(!i31.u31(store) && !i31.i31(store));
}

static void exceptions() {
  TOPIC("exceptions: tags, ExnRef, host throws into wasm");
  Engine engine;
  Store store(engine);
  FuncType payload({ValType::i32()}, {});
  Tag tag = Tag::create(store, TagType(payload)).unwrap();
  CHECK(tag.eq(store, tag));
  CHECK(tag.type(store)->functype()->params().size() == 1);
  ExnRef exn = ExnRef::create(store, tag, {Val(int32_t(77))}).unwrap();
  CHECK(exn.field_count(store) == 1);
  CHECK(exn.field(store, 0).unwrap().i32() == 77);
  CHECK(!exn.field(store, 5));
  CHECK(exn.tag(store).unwrap().eq(store, tag));

  // A host function throws; wasm catches the payload.
  Func thrower(store, FuncType({}, {}),
               [&tag](Caller caller, Span<const Val>,
                      Span<Val>) -> Result<std::monostate, Trap> {
                 Store::Context cx(caller);
                 ExnRef e = ExnRef::create(cx, tag, {Val(int32_t(5))}).unwrap();
                 return cx.throw_exception(e);
               });
  Module module = Module::compile(engine, R"((module
      (import "" "tag" (tag $t (param i32)))
      (import "" "throw" (func $throw))
      (func (export "catch") (result i32)
        (block $h (result i32)
          (try_table (catch $t $h) call $throw)
          i32.const -1)))
    )")
                      .unwrap();
  Instance instance = Instance::create(store, module, {tag, thrower}).unwrap();
  Func catcher = std::get<Func>(*instance.get(store, "catch"));
  CHECK(catcher.call(store, {}).unwrap()[0].i32() == 5);
  CHECK(!store.context().has_exception());

  // Uncaught (the host function called directly), the exception waits in
  // the store.
  CHECK(!thrower.call(store, {}));
  CHECK(store.context().has_exception());
  std::optional<ExnRef> pending = store.context().take_exception();
  CHECK(pending && pending->field(store, 0).unwrap().i32() == 5);
  CHECK(!store.context().has_exception());
}

static void fuel_epochs_data() {
  TOPIC("fuel, epochs, store data, limits");
  Config config;
  config.consume_fuel(true);
  config.epoch_interruption(true);
  Engine engine(std::move(config));
  Store store(engine);
  Store::Context cx = store.context();
  cx.set_data(42);
  CHECK(std::any_cast<int>(cx.get_data()) == 42);
  CHECK(cx.set_fuel(10000));
  CHECK(cx.get_fuel().unwrap() == 10000);
  cx.set_epoch_deadline(1);
  Module module = Module::compile(engine, R"((module
      (func (export "spin") (loop br 0)))
    )")
                      .unwrap();
  Instance instance = Instance::create(store, module, {}).unwrap();
  Func spin = std::get<Func>(*instance.get(store, "spin"));
  auto out_of_fuel = spin.call(store, {});
  CHECK(!out_of_fuel);
  CHECK(std::get<Trap>(out_of_fuel.err_ref().data).code() ==
        WASMTIME_TRAP_CODE_OUT_OF_FUEL);
  CHECK(cx.get_fuel().unwrap() == 0);

  // With fuel to spare the epoch deadline stops the loop; the callback
  // counts how often it ran and then lets the trap happen.
  CHECK(cx.set_fuel(UINT64_MAX / 2));
  int callbacks = 0;
  store.epoch_deadline_callback(
      [&callbacks](Store::Context, uint64_t &delta) -> Result<DeadlineKind> {
        callbacks++;
        if (callbacks < 3) {
          delta = 1;
          return DeadlineKind::Continue;
        }
        return Error("stop spinning");
      });
  engine.increment_epoch();
  std::thread ticker([&engine] {
    for (int i = 0; i < 50; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      engine.increment_epoch();
    }
  });
  auto stopped = spin.call(store, {});
  ticker.join();
  CHECK(!stopped && callbacks == 3);
  CHECK(stopped.err().message().find("stop spinning") != std::string::npos);

  store.limiter(65536, -1, -1, -1, -1);
  Module big = Module::compile(engine, "(module (memory 2))").unwrap();
  CHECK(!Instance::create(store, big, {}));
}

static void wasi(const std::string &programs) {
  TOPIC("WASI: a C program's exit status and stdout");
  Engine engine;
  Linker linker(engine);
  CHECK(linker.define_wasi());
  Store store(engine);
  WasiConfig wasi;
  wasi.argv({"exit", "7"});
  std::string out_path = "/tmp/wasmtime-cpp-api-stdout.txt";
  CHECK(wasi.stdout_file(out_path));
  CHECK(!wasi.stdin_file("/nonexistent/file"));
  CHECK(store.context().set_wasi(std::move(wasi)));
  std::FILE *f = std::fopen((programs + "/hello.wasm").c_str(), "rb");
  CHECK(f != nullptr);
  std::vector<uint8_t> bytes;
  int ch;
  while ((ch = std::fgetc(f)) != EOF)
    bytes.push_back(uint8_t(ch));
  std::fclose(f);
  Module module = Module::compile(engine, bytes).unwrap();
  CHECK(linker.module(store, "", module));
  Func start = linker.get_default(store, "").unwrap();
  auto ran = start.call(store, {});
  CHECK(ran || std::get<Error>(ran.err_ref().data).i32_exit() == 0);
  std::FILE *out = std::fopen(out_path.c_str(), "r");
  CHECK(out != nullptr);
  char line[64] = {0};
  CHECK(std::fgets(line, sizeof line, out) != nullptr);
  std::fclose(out);
  std::remove(out_path.c_str());
  CHECK(std::string(line) == "Hello, world!\n");
}

int main(int argc, char **argv) {
  std::string programs = argc > 1 ? argv[1] : "tests/wasi-programs";
  config_engine_module();
  types();
  calls_and_host_functions();
  linker_definitions();
  memory_global_table();
  externrefs();
  exceptions();
  fuel_epochs_data();
  wasi(programs);
  std::printf("cpp_api: %d topics passed\n", checks_run);
  return 0;
}
