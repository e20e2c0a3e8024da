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

/// Fuel a call of export `run` of `wat` costs (with function references
/// on), and its `i64` result.
fn fuel_of_run(wat: &str) -> Result<(u64, i64)> {
    let mut config = Config::new();
    config.consume_fuel(true).wasm_function_references(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, wat)?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(1_000_000)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let run = instance.get_typed_func::<(), i64>(&mut store, "run")?;
    let result = run.call(&mut store, ())?;
    Ok((1_000_000 - store.get_fuel()?, result))
}

#[test]
fn fuel_travels_through_every_kind_of_call() -> Result<()> {
    // Wasm-to-wasm calls pass the fuel counter in registers (see
    // `wasm_signature` in crates/cranelift); each case counts by hand:
    // entry 1 per function, 1 per operator except `nop`, `drop`, `block`,
    // `loop`, `else`, `end`, `unreachable`, `return`.
    let cases: &[(&str, u64, i64, &str)] = &[
        (
            // run: 1 + 2; $h: 1 + 3; $g: 1 + 3.
            "tail calls, direct and indirect",
            11,
            5,
            r#"(module
                (type $t (func (param i64) (result i64)))
                (table funcref (elem $g))
                (func $g (param i64) (result i64) local.get 0 i64.const 0 i64.add)
                (func $h (param i64) (result i64) local.get 0 i32.const 0 return_call_indirect (type $t))
                (func (export "run") (result i64) i64.const 5 return_call $h))"#,
        ),
        (
            // run: 1 + 2 (`ref.func`, `call_ref`); $g: 1 + 1.
            "call_ref",
            5,
            7,
            r#"(module
                (type $t (func (result i64)))
                (func $g (type $t) i64.const 7)
                (elem declare func $g)
                (func (export "run") (result i64) ref.func $g call_ref $t))"#,
        ),
        (
            // $many: 1 + 10 (results beyond the return registers); run: 1 +
            // 1 (call) + 9 adds.
            "ten results",
            22,
            55,
            r#"(module
                (func $many (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
                  i64.const 1 i64.const 2 i64.const 3 i64.const 4 i64.const 5
                  i64.const 6 i64.const 7 i64.const 8 i64.const 9 i64.const 10)
                (func (export "run") (result i64)
                  call $many
                  i64.add i64.add i64.add i64.add i64.add
                  i64.add i64.add i64.add i64.add))"#,
        ),
        (
            // run: 1 + `try_table` 1 + call 1, then const 1 in the
            // handler's continuation; $thrower: 1 + throw 1.
            "an exception thrown in the callee, caught here",
            6,
            42,
            r#"(module
                (tag $e)
                (func $thrower throw $e)
                (func (export "run") (result i64)
                  (block $h
                    (try_table (catch $e $h) call $thrower))
                  i64.const 42))"#,
        ),
        (
            // run: 1 + const 1 + call 1; $rec on 1..=9: 1 + 3 (condition)
            // + `if` 1 + 6 (`then`, with the call); on 10: 1 + 3 + 1 +
            // 1 (`else`).
            "recursion",
            3 + 9 * 11 + 6,
            10,
            r#"(module
                (func $rec (param i64) (result i64)
                  (if (result i64) (i64.lt_u (local.get 0) (i64.const 10))
                    (then (i64.add (i64.const 1) (call $rec (i64.add (local.get 0) (i64.const 1)))))
                    (else (i64.const 1))))
                (func (export "run") (result i64) i64.const 1 call $rec))"#,
        ),
    ];
    for (what, fuel, result, wat) in cases {
        assert_eq!(fuel_of_run(wat)?, (*fuel, *result), "{what}");
    }
    Ok(())
}

#[test]
fn fuel_is_exact_across_instances_and_host_reentry() -> Result<()> {
    let engine = fuel_engine();
    let mut store = Store::new(&engine, ());
    store.set_fuel(1_000)?;
    // `leaf` costs 1 + 1 wherever it is called from.
    let callee = Module::new(
        &engine,
        r#"(module (func (export "leaf") (result i64) i64.const 3))"#,
    )?;
    let callee = Instance::new(&mut store, &callee, &[])?;
    let leaf = callee.get_typed_func::<(), i64>(&mut store, "leaf")?;
    // The host function calls `leaf` back in wasm and checks the counter
    // on both sides of that call.
    let host = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>| -> Result<i64> {
            // `run`: entry and its first `call` (to `leaf` in the other
            // instance, 2 more), then the `call` to us.
            assert_eq!(caller.get_fuel()?, 1_000 - 2 - 2 - 1);
            let v = leaf.call(&mut caller, ())?;
            assert_eq!(caller.get_fuel()?, 1_000 - 2 - 2 - 1 - 2);
            Ok(v * 10)
        },
    );
    let leaf_func = callee.get_func(&mut store, "leaf").unwrap();
    let caller = Module::new(
        &engine,
        r#"(module
            (import "" "leaf" (func $leaf (result i64)))
            (import "" "host" (func $host (result i64)))
            (func (export "run") (result i64)
              call $leaf call $host i64.add))"#,
    )?;
    let caller = Instance::new(&mut store, &caller, &[leaf_func.into(), host.into()])?;
    let run = caller.get_typed_func::<(), i64>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, ())?, 33);
    // run 1 + 3 operators; leaf 2 from wasm and 2 from the host.
    assert_eq!(store.get_fuel()?, 1_000 - 4 - 2 - 2);
    Ok(())
}

#[test]
fn fuel_used_before_a_hardware_trap_is_accounted() -> Result<()> {
    // `work` loops 1000 times (5 per iteration), then divides by zero. The
    // counter travels in registers between wasm functions, but every
    // function entry and loop header writes it back to the store, so after
    // the trap the store has all but the last round of the loop (up to 8
    // iterations when unrolled) and the code after it.
    let engine = fuel_engine();
    let module = Module::new(
        &engine,
        r#"(module
            (func $work (param $n i32) (result i32)
              (loop $l
                (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
              (i32.div_u (i32.const 1) (local.get $n)))
            (func (export "run") (result i32) (call $work (i32.const 1000))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(1_000_000)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::IntegerDivisionByZero)
    );
    let used = 1_000_000 - store.get_fuel()?;
    // run: 1 + 2; work: 1 + 5000 + 3 (through the `div_u`).
    assert!(used <= 3 + 1 + 5000 + 3, "{used}");
    assert!(used >= 3 + 1 + 5000 - 8 * 5, "{used}");
    // The store stays usable.
    store.set_fuel(10)?;
    assert_eq!(store.get_fuel()?, 10);
    Ok(())
}
