//! Traps: every kind comes back as an `Err` downcasting to `Trap`, with a
//! wasm backtrace, and the store keeps working afterwards.

use wasmtime::*;

const TRAPS: &str = r#"(module $traps
    (memory 1)
    (table $t 2 funcref)
    (type $v (func))
    (func $nop)
    (elem (i32.const 1) $nop)
    (func $unreachable (export "unreachable") unreachable)
    (func (export "div_zero") (result i32) i32.const 1 i32.const 0 i32.div_s)
    (func (export "overflow") (result i32) i32.const 0x80000000 i32.const -1 i32.div_s)
    (func (export "bad_convert") (result i32) f32.const nan i32.trunc_f32_s)
    (func (export "oob_load") (result i32) i32.const 65536 i32.load)
    (func (export "oob_store") i32.const -1 i32.const 0 i32.store)
    (func (export "oob_table") i32.const 5 call_indirect $t (type $v))
    (func (export "null_call") i32.const 0 call_indirect $t (type $v))
    (func (export "bad_sig") (result i32) i32.const 1 call_indirect $t (result i32))
    (func $recurse (export "recurse") (param i64) (result i64)
        local.get 0 i64.const 1 i64.add call $recurse)
    (func $outer (export "nested") call $middle)
    (func $middle call $unreachable)
    (func (export "ok") (result i32) i32.const 42)
)"#;

fn setup(config: &Config) -> Result<(Store<()>, Instance)> {
    let engine = Engine::new(config)?;
    let module = Module::new(&engine, TRAPS)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    Ok((store, instance))
}

fn trap_of(store: &mut Store<()>, instance: &Instance, name: &str) -> Trap {
    let func = instance.get_func(&mut *store, name).unwrap();
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    let params: Vec<Val> = func.ty(&*store).params().map(|_| Val::I64(0)).collect();
    let err = func
        .call(&mut *store, &params, &mut results)
        .expect_err(&format!("`{name}` should trap"));
    *err.downcast_ref::<Trap>()
        .unwrap_or_else(|| panic!("`{name}`: not a trap: {err:?}"))
}

fn check_all_traps(config: &Config) -> Result<()> {
    let (mut store, instance) = setup(config)?;
    let ok = instance.get_typed_func::<(), i32>(&mut store, "ok")?;
    let expected = [
        ("unreachable", Trap::UnreachableCodeReached),
        ("div_zero", Trap::IntegerDivisionByZero),
        ("overflow", Trap::IntegerOverflow),
        ("bad_convert", Trap::BadConversionToInteger),
        ("oob_load", Trap::MemoryOutOfBounds),
        ("oob_store", Trap::MemoryOutOfBounds),
        ("oob_table", Trap::TableOutOfBounds),
        ("null_call", Trap::IndirectCallToNull),
        ("bad_sig", Trap::BadSignature),
        ("recurse", Trap::StackOverflow),
    ];
    // Twice, to check that the store and thread keep working after traps.
    for _ in 0..2 {
        for (name, trap) in expected {
            assert_eq!(trap_of(&mut store, &instance, name), trap, "{name}");
            assert_eq!(ok.call(&mut store, ())?, 42);
        }
    }
    Ok(())
}

#[test]
fn every_trap_kind_with_guard_pages() -> Result<()> {
    check_all_traps(&Config::new())
}

#[test]
fn every_trap_kind_with_explicit_bounds_checks() -> Result<()> {
    let mut config = Config::new();
    config.memory_reservation(0).memory_guard_size(0);
    check_all_traps(&config)
}

#[test]
fn backtrace_names_functions() -> Result<()> {
    let (mut store, instance) = setup(&Config::new())?;
    let nested = instance.get_typed_func::<(), ()>(&mut store, "nested")?;
    let err = nested.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
    let bt = err
        .downcast_ref::<WasmBacktrace>()
        .expect("backtrace attached");
    let names: Vec<_> = bt
        .frames()
        .iter()
        .map(|f| f.func_name().unwrap_or("?"))
        .collect();
    assert_eq!(names, ["unreachable", "middle", "outer"]);
    assert!(bt
        .frames()
        .iter()
        .all(|f| f.module().name() == Some("traps")));
    assert!(bt.frames()[0].module_offset().is_some());
    let text = format!("{err:?}");
    assert!(text.contains("unreachable"), "{text}");
    assert!(text.contains("traps!middle"), "{text}");
    Ok(())
}

#[test]
fn max_wasm_stack_is_honoured() -> Result<()> {
    let depth = |stack: usize| -> Result<i64> {
        let mut config = Config::new();
        config.max_wasm_stack(stack);
        let engine = Engine::new(&config)?;
        let module = Module::new(
            &engine,
            r#"(module (global $d (mut i64) (i64.const 0))
                (func $r (export "r") (global.set $d (i64.add (global.get $d) (i64.const 1))) (call $r))
                (func (export "depth") (result i64) global.get $d))"#,
        )?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let r = instance.get_typed_func::<(), ()>(&mut store, "r")?;
        let err = r.call(&mut store, ()).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
        instance
            .get_typed_func::<(), i64>(&mut store, "depth")?
            .call(&mut store, ())
    };
    let small = depth(64 * 1024)?;
    let large = depth(1024 * 1024)?;
    assert!(small > 100, "{small}");
    assert!(large > small * 8, "{large} vs {small}");
    Ok(())
}

#[derive(Debug)]
struct MyError(u32);
impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "my error {}", self.0)
    }
}
impl std::error::Error for MyError {}

#[test]
fn host_errors_propagate_through_wasm() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "h" "fail" (func $fail (param i32)))
            (func $inner (param i32) local.get 0 call $fail)
            (func (export "run") (param i32) local.get 0 call $inner))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("h", "fail", |x: i32| -> Result<()> {
        if x > 0 {
            Err(MyError(x as u32).into())
        } else {
            Ok(())
        }
    })?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<i32, ()>(&mut store, "run")?;
    for i in 1..5 {
        let err = run.call(&mut store, i).unwrap_err();
        assert_eq!(err.downcast_ref::<MyError>().map(|e| e.0), Some(i as u32));
        assert!(err.downcast_ref::<Trap>().is_none());
        run.call(&mut store, 0)?;
    }
    Ok(())
}

#[test]
fn host_panic_does_not_unwind_through_wasm() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "h" "boom" (func $boom))
            (func (export "run") call $boom)
            (func (export "ok") (result i32) i32.const 1))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("h", "boom", || -> () { panic!("host panic") })?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.call(&mut store, ())));
    let payload = result.expect_err("the panic must reach the host");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"host panic"));
    let ok = instance.get_typed_func::<(), i32>(&mut store, "ok")?;
    assert_eq!(ok.call(&mut store, ())?, 1);
    Ok(())
}

#[test]
fn reentrant_calls_and_nested_traps() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "h" "reenter" (func $reenter (param i32) (result i32)))
            (func (export "run") (param i32) (result i32)
                local.get 0 i32.eqz
                if (result i32) unreachable else local.get 0 i32.const 1 i32.sub call $reenter i32.const 1 i32.add end))"#,
    )?;
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap(
        "h",
        "reenter",
        |mut caller: Caller<'_, ()>, n: i32| -> Result<i32> {
            let run = caller.get_export("run").unwrap().into_func().unwrap();
            let run = run.typed::<i32, i32>(&caller)?;
            match run.call(&mut caller, n) {
                Ok(v) => Ok(v),
                // The innermost call traps; catch it here and keep going.
                Err(e) if e.downcast_ref::<Trap>() == Some(&Trap::UnreachableCodeReached) => {
                    Ok(100)
                }
                Err(e) => Err(e),
            }
        },
    )?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 5)?, 105);
    Ok(())
}

#[test]
fn start_function_trap_fails_instantiation() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (func $s unreachable) (start $s))"#)?;
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
    Ok(())
}

/// Backtraces are capped by `Config::wasm_backtrace_max_frames` (20 by
/// default) and say how many older frames were left out; `None` attaches
/// no backtrace at all.
#[test]
fn backtraces_are_capped() -> Result<()> {
    use std::num::NonZeroUsize;
    const DEEP: &str = r#"(module
        (func $down (export "down") (param i32)
            local.get 0
            if
                local.get 0 i32.const 1 i32.sub call $down
            else
                unreachable
            end)
        (func $forever (export "forever") call $forever))"#;
    let run = |config: &Config, name: &str, arg: Option<i32>| -> Result<anyhow::Error> {
        let engine = Engine::new(config)?;
        let module = Module::new(&engine, DEEP)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let err = match arg {
            Some(n) => instance
                .get_typed_func::<i32, ()>(&mut store, name)?
                .call(&mut store, n)
                .unwrap_err(),
            None => instance
                .get_typed_func::<(), ()>(&mut store, name)?
                .call(&mut store, ())
                .unwrap_err(),
        };
        Ok(err)
    };
    // 100 nested calls: 20 frames recorded, 81 left out.
    let err = run(&Config::new(), "down", Some(100))?;
    let bt = err.downcast_ref::<WasmBacktrace>().expect("backtrace");
    assert_eq!(bt.frames().len(), 20);
    assert_eq!(bt.omitted_frames(), 81);
    let text = format!("{err:?}");
    assert!(text.contains("81 more frames not shown"), "{text}");
    // Below the cap nothing is left out.
    let err = run(&Config::new(), "down", Some(5))?;
    let bt = err.downcast_ref::<WasmBacktrace>().expect("backtrace");
    assert_eq!((bt.frames().len(), bt.omitted_frames()), (6, 0));
    assert!(!format!("{err:?}").contains("not shown"));
    // Stack exhaustion: still a short backtrace.
    let mut config = Config::new();
    config.wasm_backtrace_max_frames(NonZeroUsize::new(3));
    let err = run(&config, "forever", None)?;
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
    let bt = err.downcast_ref::<WasmBacktrace>().expect("backtrace");
    assert_eq!(bt.frames().len(), 3);
    assert!(bt.omitted_frames() > 1000, "{}", bt.omitted_frames());
    // No backtrace at all.
    config.wasm_backtrace_max_frames(None);
    let err = run(&config, "down", Some(100))?;
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
    assert!(err.downcast_ref::<WasmBacktrace>().is_none());
    #[allow(deprecated)]
    config.wasm_backtrace(true);
    let err = run(&config, "down", Some(100))?;
    assert_eq!(
        err.downcast_ref::<WasmBacktrace>().unwrap().frames().len(),
        20
    );
    Ok(())
}

/// Cranelift settings pass through `Config::cranelift_flag_set` and
/// `cranelift_flag_enable` (shared or ISA settings); unknown ones make
/// `Engine::new` fail with their name.
#[test]
fn cranelift_flags() -> Result<()> {
    let mut config = Config::new();
    // SAFETY: these settings change nothing the runtime relies on.
    unsafe {
        config
            .cranelift_flag_set("opt_level", "none")
            .cranelift_flag_enable("enable_verifier")
            .cranelift_flag_enable("has_sse41");
    }
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module (func (export "f") (result i32) i32.const 7))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "f")?
            .call(&mut store, ())?,
        7
    );
    let mut bad = Config::new();
    // SAFETY: the engine is never created.
    unsafe { bad.cranelift_flag_enable("no_such_setting") };
    let err = Engine::new(&bad).expect_err("unknown setting");
    assert!(format!("{err:?}").contains("no_such_setting"), "{err:?}");
    let mut bad = Config::new();
    // SAFETY: as above.
    unsafe { bad.cranelift_flag_set("opt_level", "fastest") };
    assert!(Engine::new(&bad).is_err());
    Ok(())
}
