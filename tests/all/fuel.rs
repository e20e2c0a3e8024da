//! Fuel: `Config::consume_fuel`, `Store::set_fuel`/`get_fuel`, exact costs,
//! `Trap::OutOfFuel`, and the deprecated fuel API.

use wasmtime::*;

fn fuel_engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).unwrap()
}

/// Fuel consumed by instantiating `wat` (whose start function runs).
fn fuel_of(wat: &str) -> Result<u64> {
    let engine = fuel_engine();
    let module = Module::new(&engine, wat)?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(1_000_000)?;
    Instance::new(&mut store, &module, &[])?;
    Ok(1_000_000 - store.get_fuel()?)
}

#[test]
fn exact_costs() -> Result<()> {
    // Function entry costs 1; `nop`, `drop`, `block`, `loop`, `end` cost 0;
    // every other instruction costs 1.
    let cases: &[(u64, &str)] = &[
        (0, "(module)"),
        (1, "(module (func $f) (start $f))"),
        (2, "(module (func $f i32.const 0 drop) (start $f))"),
        (1, "(module (func $f nop nop nop block end loop end) (start $f))"),
        (0, "(module (func $f i32.const 1 i32.const 2 i32.add drop))"),
        (4, "(module (func $f i32.const 1 i32.const 2 i32.add drop) (start $f))"),
        (3, "(module (func $f call $g) (func $g) (start $f))"),
        (
            5,
            "(module (func $f i32.const 0 call $g i32.const 0 drop) (func $g (param i32)) (start $f))",
        ),
        (
            3,
            "(module (func $f i32.const 0 if call $f end) (start $f))",
        ),
        (
            4,
            "(module (func $f i32.const 1 if i32.const 0 drop end) (start $f))",
        ),
        (
            4,
            "(module (func $f i32.const 0 if call $f else i32.const 0 drop end) (start $f))",
        ),
        (
            3,
            "(module (func $f block i32.const 1 br_if 0 i32.const 0 drop end) (start $f))",
        ),
        (
            4,
            "(module (func $f block i32.const 0 br_if 0 i32.const 0 drop end) (start $f))",
        ),
        (
            4,
            "(module (func $f i32.const 0 call_indirect) (func $g) (table funcref (elem $g)) (start $f))",
        ),
        // 1 (entry) + 2 (set-up) + 10 iterations of 5 instructions.
        (
            53,
            "(module (func $f (local i32)
                i32.const 10 local.set 0
                loop
                  local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0
                end) (start $f))",
        ),
    ];
    for (expected, wat) in cases {
        assert_eq!(fuel_of(wat)?, *expected, "{wat}");
    }
    Ok(())
}

#[test]
fn set_and_get() -> Result<()> {
    let engine = fuel_engine();
    let mut store = Store::new(&engine, ());
    assert_eq!(store.get_fuel()?, 0, "a new store has no fuel");
    store.set_fuel(10_000)?;
    assert_eq!(store.get_fuel()?, 10_000);
    store.set_fuel(1)?;
    assert_eq!(store.get_fuel()?, 1);
    store.set_fuel(u64::MAX)?;
    assert_eq!(store.get_fuel()?, u64::MAX);

    let mut plain = Store::new(&Engine::default(), ());
    assert!(plain.set_fuel(1).is_err());
    assert!(plain.get_fuel().is_err());
    Ok(())
}

#[test]
fn running_out_traps_and_store_stays_usable() -> Result<()> {
    let engine = fuel_engine();
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "spin") loop br 0 end)
            (func (export "add2") (param i32) (result i32) local.get 0 i32.const 2 i32.add))"#,
    )?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(10_000)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    let add2 = instance.get_typed_func::<i32, i32>(&mut store, "add2")?;
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
    assert!(format!("{err:?}").contains("all fuel consumed"));
    assert_eq!(store.get_fuel()?, 0);
    // No fuel: even a tiny function traps.
    let err = add2.call(&mut store, 1).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
    // Refuelled, the store works again; add2 costs 4.
    store.set_fuel(6)?;
    assert_eq!(add2.call(&mut store, 40)?, 42);
    assert_eq!(store.get_fuel()?, 2);
    // The next call overdraws between two checks, and get_fuel clamps at 0.
    assert_eq!(add2.call(&mut store, 1)?, 3);
    assert_eq!(store.get_fuel()?, 0);
    assert!(add2.call(&mut store, 1).is_err());
    Ok(())
}

#[test]
fn infinite_loops_and_recursion_run_out() -> Result<()> {
    let engine = fuel_engine();
    for wat in [
        "(module (func $f loop br 0 end) (start $f))",
        "(module (func $f loop i32.const 1 br_if 0 end) (start $f))",
        "(module (func $f loop i32.const 0 br_table 0 end) (start $f))",
        "(module (func $f0 call $f1 call $f1) (func $f1 call $f2 call $f2)
                 (func $f2 call $f3 call $f3) (func $f3 call $f4 call $f4)
                 (func $f4 call $f5 call $f5) (func $f5 call $f6 call $f6)
                 (func $f6 call $f7 call $f7) (func $f7 call $f8 call $f8)
                 (func $f8 call $f9 call $f9) (func $f9 call $f10 call $f10)
                 (func $f10 call $f11 call $f11) (func $f11 call $f12 call $f12)
                 (func $f12 call $f13 call $f13) (func $f13)
                 (start $f0))",
    ] {
        let module = Module::new(&engine, wat)?;
        let mut store = Store::new(&engine, ());
        store.set_fuel(10_000)?;
        let err = Instance::new(&mut store, &module, &[]).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel), "{wat}");
    }
    Ok(())
}

#[test]
fn host_sees_and_changes_fuel() -> Result<()> {
    const FUEL: u64 = 10_000;
    let engine = fuel_engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "" "" (func))
            (func (export "run") call 0 call $other)
            (func $other))"#,
    )?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(FUEL)?;
    let host = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| {
        // Entering `run` and its `call` cost 2 so far.
        assert_eq!(caller.get_fuel().unwrap(), FUEL - 2);
        caller.set_fuel(1).unwrap();
    });
    let instance = Instance::new(&mut store, &module, &[host.into()])?;
    let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
    Ok(())
}

#[test]
fn fuel_beyond_i64_is_refilled_from_the_reserve() -> Result<()> {
    let engine = fuel_engine();
    let module = Module::new(&engine, "(module (func (export \"f\")))")?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(u64::MAX)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<(), ()>(&mut store, "f")?;
    f.call(&mut store, ())?;
    assert_eq!(store.get_fuel()?, u64::MAX - 1);
    Ok(())
}

#[test]
#[allow(deprecated)]
fn deprecated_api() -> Result<()> {
    let engine = fuel_engine();
    let module = Module::new(
        &engine,
        "(module (func (export \"f\") (result i32) i32.const 1 i32.const 2 i32.add))",
    )?;
    let mut store = Store::new(&engine, ());
    assert_eq!(store.fuel_consumed(), Some(0));
    store.add_fuel(100)?;
    store.out_of_fuel_trap();
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<(), i32>(&mut store, "f")?;
    assert_eq!(f.call(&mut store, ())?, 3);
    assert_eq!(store.fuel_consumed(), Some(4));
    assert_eq!(store.consume_fuel(6)?, 90);
    assert_eq!(store.fuel_consumed(), Some(10));
    assert!(store.consume_fuel(91).is_err(), "more than remains");
    assert_eq!(
        store.get_fuel()?,
        90,
        "a failed consume_fuel consumes nothing"
    );
    store.add_fuel(10)?;
    assert_eq!(store.get_fuel()?, 100);
    assert_eq!(store.fuel_consumed(), Some(10));
    store.set_fuel(5)?;
    assert_eq!(store.fuel_consumed(), Some(10));

    let mut plain = Store::new(&Engine::default(), ());
    assert_eq!(plain.fuel_consumed(), None);
    assert!(plain.consume_fuel(1).is_err());
    Ok(())
}

#[test]
#[should_panic(expected = "fuel is not configured")]
#[allow(deprecated)]
fn add_fuel_panics_without_fuel() {
    let mut store = Store::new(&Engine::default(), ());
    let _ = store.add_fuel(1);
}
