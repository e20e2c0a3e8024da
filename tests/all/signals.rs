//! `Config::signals_based_traps(false)`: every trap is raised explicitly
//! (no guard pages, no faulting instruction), with the same trap codes and
//! backtraces as with signal handlers. (`WAST_SIGNALS=0` runs the spec
//! suite this way and checks that no signal handler gets installed.)

use wasmtime::*;

const TRAPS: &str = r#"(module $signals
    (import "host" "fail" (func $fail))
    (memory 1)
    (table $t 2 funcref)
    (type $v (func))
    (func $unreachable (export "unreachable") unreachable)
    (func (export "div_zero") (result i32) i32.const 1 i32.const 0 i32.div_u)
    (func (export "rem_zero") (result i64) i64.const 1 i64.const 0 i64.rem_s)
    (func (export "overflow") (result i64)
        i64.const 0x8000000000000000 i64.const -1 i64.div_s)
    (func (export "rem_min") (result i32) i32.const 0x80000000 i32.const -1 i32.rem_s)
    (func (export "bad_convert") (result i32) f64.const nan i32.trunc_f64_u)
    (func (export "oob_load") (result i32) i32.const 65533 i32.load)
    (func (export "oob_store") i32.const -1 i32.const 0 i32.store8 offset=1)
    (func (export "oob_table") i32.const 5 call_indirect $t (type $v))
    (func (export "null_call") i32.const 0 call_indirect $t (type $v))
    (func $recurse (export "recurse") (param i64) (result i64)
        local.get 0 i64.const 1 i64.add call $recurse)
    (func (export "host_error") call $fail)
    (func (export "nested") call $middle)
    (func $middle nop call $unreachable)
    (func (export "trunc") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
    (func (export "trunc_f32_u64") (param f32) (result i64) local.get 0 i64.trunc_f32_u)
)"#;

fn setup(signals: bool) -> Result<(Store<()>, Instance)> {
    let mut config = Config::new();
    config.signals_based_traps(signals);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, TRAPS)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "fail", || -> Result<()> {
        anyhow::bail!("host failure")
    })?;
    let instance = linker.instantiate(&mut store, &module)?;
    Ok((store, instance))
}

fn call(store: &mut Store<()>, instance: &Instance, name: &str, args: &[Val]) -> Result<Vec<Val>> {
    let func = instance.get_func(&mut *store, name).unwrap();
    let mut results = vec![Val::I32(0); func.ty(&*store).results().len()];
    func.call(&mut *store, args, &mut results)?;
    Ok(results)
}

#[test]
fn every_trap_kind_without_signals() -> Result<()> {
    let (mut store, instance) = setup(false)?;
    let expected = [
        ("unreachable", Trap::UnreachableCodeReached),
        ("div_zero", Trap::IntegerDivisionByZero),
        ("rem_zero", Trap::IntegerDivisionByZero),
        ("overflow", Trap::IntegerOverflow),
        ("bad_convert", Trap::BadConversionToInteger),
        ("oob_load", Trap::MemoryOutOfBounds),
        ("oob_store", Trap::MemoryOutOfBounds),
        ("oob_table", Trap::TableOutOfBounds),
        ("null_call", Trap::IndirectCallToNull),
        ("recurse", Trap::StackOverflow),
    ];
    // Twice: the store and the thread keep working after each trap.
    for _ in 0..2 {
        for (name, trap) in expected {
            let args = if name == "recurse" {
                vec![Val::I64(0)]
            } else {
                vec![]
            };
            let err = call(&mut store, &instance, name, &args).expect_err(name);
            assert_eq!(err.downcast_ref::<Trap>(), Some(&trap), "{name}: {err:?}");
        }
        let err = call(&mut store, &instance, "host_error", &[]).unwrap_err();
        assert!(format!("{err:?}").contains("host failure"), "{err:?}");
        // `INT_MIN % -1` is 0, not a trap.
        assert_eq!(
            call(&mut store, &instance, "rem_min", &[])?[0].unwrap_i32(),
            0
        );
    }
    Ok(())
}

#[test]
fn backtraces_match_the_signal_based_ones() -> Result<()> {
    let mut traces = Vec::new();
    for signals in [true, false] {
        let (mut store, instance) = setup(signals)?;
        for name in ["nested", "oob_load", "div_zero", "bad_convert"] {
            let err = call(&mut store, &instance, name, &[]).unwrap_err();
            let bt = err.downcast_ref::<WasmBacktrace>().expect("backtrace");
            let frames: Vec<_> = bt
                .frames()
                .iter()
                .map(|f| (f.func_index(), f.module_offset()))
                .collect();
            assert!(frames[0].1.is_some(), "{name}: {frames:?}");
            traces.push((name, frames));
        }
    }
    let (with, without) = traces.split_at(traces.len() / 2);
    assert_eq!(with, without);
    assert_eq!(with[0].1.len(), 3, "nested: {:?}", with[0].1);
    Ok(())
}

#[test]
fn conversion_bounds_match_the_signal_based_ones() -> Result<()> {
    let (mut on, on_inst) = setup(true)?;
    let (mut off, off_inst) = setup(false)?;
    let f64_inputs = [
        -2147483648.9,
        -2147483649.0,
        2147483647.9,
        2147483648.0,
        -0.9,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        1e300,
    ];
    for x in f64_inputs {
        let a = call(&mut on, &on_inst, "trunc", &[Val::F64(x.to_bits())]);
        let b = call(&mut off, &off_inst, "trunc", &[Val::F64(x.to_bits())]);
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a[0].unwrap_i32(), b[0].unwrap_i32(), "{x}"),
            (Err(a), Err(b)) => {
                assert_eq!(a.downcast_ref::<Trap>(), b.downcast_ref::<Trap>(), "{x}")
            }
            (a, b) => panic!("{x}: {a:?} vs {b:?}"),
        }
    }
    let f32_inputs = [
        -0.99f32,
        -1.0,
        18446742974197923840.0,
        18446744073709551616.0,
        0.5,
    ];
    for x in f32_inputs {
        let args = [Val::F32(x.to_bits())];
        let a = call(&mut on, &on_inst, "trunc_f32_u64", &args);
        let b = call(&mut off, &off_inst, "trunc_f32_u64", &args);
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a[0].unwrap_i64(), b[0].unwrap_i64(), "{x}"),
            (Err(a), Err(b)) => {
                assert_eq!(a.downcast_ref::<Trap>(), b.downcast_ref::<Trap>(), "{x}")
            }
            (a, b) => panic!("{x}: {a:?} vs {b:?}"),
        }
    }
    Ok(())
}
