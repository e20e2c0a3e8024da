//! The fast tier (`Strategy::Winch`, `-C compiler=winch`): the same
//! translation through Cranelift without optimisations and with the
//! single-pass register allocator. The whole spec suite also runs under it
//! (`WAST_COMPILER=winch`, in `ci/test.sh`).

use wasmtime::{Config, Engine, Instance, Module, Store, Strategy, Trap};

const PROGRAM: &str = r#"
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $spin (export "spin") (loop $l (br $l)))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.div_u (i32.const 1) (local.get 0)))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
"#;

fn fast_engine(fuel: bool) -> Engine {
    let mut config = Config::new();
    config.strategy(Strategy::Winch).consume_fuel(fuel);
    Engine::new(&config).unwrap()
}

#[test]
fn fast_tier_computes_what_the_optimizing_tier_computes() -> wasmtime::Result<()> {
    for engine in [fast_engine(false), Engine::default()] {
        let module = Module::new(&engine, PROGRAM)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let fib = instance.get_typed_func::<i32, i32>(&mut store, "fib")?;
        assert_eq!(fib.call(&mut store, 20)?, 6765);
    }
    Ok(())
}

#[test]
fn fast_tier_traps_with_backtraces_and_fuel() -> wasmtime::Result<()> {
    let engine = fast_engine(true);
    let module = Module::new(&engine, PROGRAM)?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(100_000)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let deep = instance.get_typed_func::<i32, i32>(&mut store, "deep")?;
    let err = deep.call(&mut store, 5).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::IntegerDivisionByZero)
    );
    let trace = err
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .expect("a backtrace");
    assert_eq!(trace.frames().len(), 6);
    assert_eq!(trace.frames()[0].func_name(), Some("deep"));
    let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
    Ok(())
}

#[test]
fn fast_tier_artifacts_are_refused_by_the_optimizing_tier() -> wasmtime::Result<()> {
    let bytes = fast_engine(false).precompile_module(PROGRAM.as_bytes())?;
    // SAFETY: the bytes come from `precompile_module` above.
    let err = unsafe { Module::deserialize(&Engine::default(), &bytes) }.unwrap_err();
    assert!(
        format!("{err:?}").contains("different compiler setting"),
        "{err:?}"
    );
    // SAFETY: as above.
    unsafe { Module::deserialize(&fast_engine(false), &bytes) }?;
    Ok(())
}
