//! Engine behaviours the fuzz targets found, as minimal tests: the bugs
//! (now fixed), and one deliberate difference from wasmparser's verdict,
//! which the `instantiate` target skips.

use wasmtime::{Config, Engine, Instance, Module, Store};

fn fuel_engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).unwrap()
}

/// Found by `instantiate`: wasmparser, given our engine's features (no
/// GC), rejects a constant expression that reads a defined global, but our
/// engine accepts it. This is deliberate: the WebAssembly 3.0 suite needs
/// it, and Wasmtime 48 accepts it with its default features (GC on). Once
/// the GC proposal lands, `Config::wasm_gc(false)` should reject it as
/// Wasmtime does (issue 18).
#[test]
fn const_expr_reading_a_defined_global_is_accepted_as_in_wasm_3() {
    let engine = Engine::default();
    let wat = r#"(module (global i32 (i32.const 1)) (global (export "g") i32 (global.get 0)))"#;
    let module = Module::new(&engine, wat).expect("3.0 constant expression");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let g = instance.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&mut store).unwrap_i32(), 1);
}

/// Found by `instantiate` (fixed): with fuel metering, code that consumed
/// fuel after a `throw` caught by a `try_table` in the same function
/// crashed the process (SIGSEGV). The `throw_ref` builtin was a SystemV
/// `try_call`, so Cranelift kept values live into the handler (here the
/// store context for the fuel counter) in callee-saved registers, which the
/// runtime does not restore when it resumes a handler.
#[test]
fn fuel_after_a_locally_caught_throw() {
    let engine = fuel_engine();
    let wat = r#"(module
      (tag $t)
      (func (export "run")
        (block $h (try_table (catch_all $h) (throw $t)))
        (loop $l (br $l))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(10_000).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<wasmtime::Trap>(),
        Some(&wasmtime::Trap::OutOfFuel)
    );
}

/// The same module without the infinite loop: a locally caught throw under
/// fuel metering returns normally.
#[test]
fn locally_caught_throw_with_fuel_returns() {
    let engine = fuel_engine();
    let wat = r#"(module
      (tag $t)
      (func (export "run") (result i32)
        (block $h (try_table (catch_all $h) (throw $t)))
        i32.const 7))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(10_000).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 7);
}

/// An uncaught `throw` returns from the `throw_ref` builtin into the
/// thrower, which then traps: every register must survive that return
/// (the throw stub preserves them), with and without signal-based traps.
#[test]
fn uncaught_throw_reaches_the_host() {
    for signals in [true, false] {
        let mut config = Config::new();
        config.consume_fuel(true).signals_based_traps(signals);
        let engine = Engine::new(&config).unwrap();
        let wat = r#"(module
          (tag $t (param i32))
          (func (export "run") (param i32) (result i32)
            (local i32)
            (local.set 1 (i32.add (local.get 0) (i32.const 1)))
            (block $h (result i32)
              (try_table (catch $t $h) (throw $t (local.get 1)))
              unreachable)
            (throw $t)))"#;
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        store.set_fuel(10_000).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        assert!(run.call(&mut store, 41).is_err(), "signals {signals}");
    }
}
