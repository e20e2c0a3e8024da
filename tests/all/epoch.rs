//! Epoch interruption (`Config::epoch_interruption`) and the interrupt
//! handle API (`Config::interruptable`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::*;

const LOOPS: &str = r#"(module
    (func (export "spin") loop br 0 end)
    (func (export "recurse") call 1)
    (func (export "answer") (result i32) i32.const 42)
    (func (export "count") (param i32) (result i32)
        loop
            local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0
        end
        local.get 0))"#;

fn epoch_engine() -> Engine {
    let mut config = Config::new();
    config.epoch_interruption(true);
    Engine::new(&config).unwrap()
}

fn is_interrupt(err: &anyhow::Error) -> bool {
    err.downcast_ref::<Trap>() == Some(&Trap::Interrupt)
        && format!("{err:?}").contains("wasm trap: interrupt")
}

#[test]
fn deadline_zero_traps_at_function_entry() -> Result<()> {
    let engine = epoch_engine();
    let module = Module::new(&engine, LOOPS)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?;
    // A new store's deadline is the current epoch: wasm traps at once.
    assert!(is_interrupt(&answer.call(&mut store, ()).unwrap_err()));
    store.set_epoch_deadline(1);
    assert_eq!(answer.call(&mut store, ())?, 42);
    engine.increment_epoch();
    assert!(is_interrupt(&answer.call(&mut store, ()).unwrap_err()));
    store.set_epoch_deadline(1);
    assert_eq!(
        answer.call(&mut store, ())?,
        42,
        "usable again after the trap"
    );
    Ok(())
}

#[test]
fn another_thread_stops_an_infinite_loop() -> Result<()> {
    let engine = epoch_engine();
    let module = Module::new(&engine, LOOPS)?;
    for export in ["spin", "recurse"] {
        let mut store = Store::new(&engine, ());
        store.set_epoch_deadline(1);
        let instance = Instance::new(&mut store, &module, &[])?;
        let f = instance.get_typed_func::<(), ()>(&mut store, export)?;
        let e = engine.clone();
        let ticker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            e.increment_epoch();
        });
        let err = f.call(&mut store, ()).unwrap_err();
        ticker.join().unwrap();
        if export == "spin" {
            assert!(is_interrupt(&err), "{err:?}");
        } else {
            // Deep recursion may hit the stack limit before the epoch ticks.
            let trap = err.downcast_ref::<Trap>();
            assert!(
                trap == Some(&Trap::Interrupt) || trap == Some(&Trap::StackOverflow),
                "{err:?}"
            );
        }
        store.set_epoch_deadline(1);
        let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?;
        assert_eq!(answer.call(&mut store, ())?, 42);
    }
    Ok(())
}

#[test]
fn callback_extends_the_deadline_then_traps() -> Result<()> {
    let engine = epoch_engine();
    let module = Module::new(&engine, LOOPS)?;
    let mut store = Store::new(&engine, 0usize);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        *ctx.data_mut() += 1;
        if *ctx.data() < 3 {
            Ok(UpdateDeadline::Continue(1))
        } else {
            bail!("enough after {} deadlines", ctx.data())
        }
    });
    let instance = Instance::new(&mut store, &module, &[])?;
    let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    let e = engine.clone();
    let stop = Arc::new(AtomicUsize::new(0));
    let s = stop.clone();
    let ticker = std::thread::spawn(move || {
        while s.load(Ordering::Relaxed) == 0 {
            std::thread::sleep(Duration::from_millis(5));
            e.increment_epoch();
        }
    });
    let err = spin.call(&mut store, ()).unwrap_err();
    stop.store(1, Ordering::Relaxed);
    ticker.join().unwrap();
    assert!(
        format!("{err:?}").contains("enough after 3 deadlines"),
        "{err:?}"
    );
    assert_eq!(*store.data(), 3);

    // Back to trapping.
    store.epoch_deadline_trap();
    store.set_epoch_deadline(0);
    let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?;
    assert!(is_interrupt(&answer.call(&mut store, ()).unwrap_err()));
    Ok(())
}

#[test]
fn loops_run_normally_before_the_deadline() -> Result<()> {
    let engine = epoch_engine();
    let module = Module::new(&engine, LOOPS)?;
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(1000);
    let instance = Instance::new(&mut store, &module, &[])?;
    let count = instance.get_typed_func::<i32, i32>(&mut store, "count")?;
    assert_eq!(count.call(&mut store, 1_000_000)?, 0);
    Ok(())
}

#[test]
fn interrupt_handle_stops_an_infinite_loop() -> Result<()> {
    // The example of the `Store::interrupt_handle` documentation.
    let engine = Engine::new(Config::new().interruptable(true))?;
    let mut store = Store::new(&engine, ());
    let interrupt_handle = store.interrupt_handle()?;

    let module = Module::new(
        &engine,
        r#"
        (func (export "run") (loop br 0))
    "#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;

    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(1));
        interrupt_handle.interrupt();
    });

    let trap = run.call(&mut store, ()).unwrap_err();
    assert!(trap.to_string().contains("wasm trap: interrupt"));
    assert_eq!(trap.downcast_ref::<Trap>(), Some(&Trap::Interrupt));
    Ok(())
}

#[test]
fn interrupts_are_consumed_and_per_store() -> Result<()> {
    let engine = Engine::new(Config::new().interruptable(true))?;
    let module = Module::new(&engine, LOOPS)?;
    let mut store = Store::new(&engine, ());
    let mut other = Store::new(&engine, ());
    let handle = store.interrupt_handle()?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let other_instance = Instance::new(&mut other, &module, &[])?;
    let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?;
    let other_answer = other_instance.get_typed_func::<(), i32>(&mut other, "answer")?;
    assert_eq!(answer.call(&mut store, ())?, 42);
    // An interrupt sent while nothing runs stops the next call only.
    handle.interrupt();
    assert_eq!(
        other_answer.call(&mut other, ())?,
        42,
        "other stores unaffected"
    );
    assert!(is_interrupt(&answer.call(&mut store, ()).unwrap_err()));
    assert_eq!(answer.call(&mut store, ())?, 42);

    // Not enabled: an error, not a panic.
    let plain = Store::new(&Engine::default(), ());
    assert!(plain.interrupt_handle().is_err());
    // Both mechanisms at once are rejected.
    let mut config = Config::new();
    config.interruptable(true).epoch_interruption(true);
    assert!(Engine::new(&config).is_err());
    Ok(())
}

#[test]
fn epochs_and_fuel_together() -> Result<()> {
    let mut config = Config::new();
    config.epoch_interruption(true).consume_fuel(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, LOOPS)?;
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(1);
    store.set_fuel(1000)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
    store.set_fuel(u64::MAX)?;
    engine.increment_epoch();
    let err = spin.call(&mut store, ()).unwrap_err();
    assert!(is_interrupt(&err));
    Ok(())
}

/// A loop keeping many floats and integers live across its header, where
/// the epoch check's slow path calls into the runtime.
const LIVE_VALUES: &str = r#"(module
    (func (export "run") (param $n i32) (result f64)
        (local $a f64) (local $b f64) (local $c f64) (local $d f64)
        (local $e f64) (local $f f64) (local $g f64) (local $h f64)
        (local $x i64) (local $y i64) (local $z i64) (local $w i64)
        (local.set $a (f64.const 1.5)) (local.set $b (f64.const 2.25))
        (local.set $c (f64.const -3.125)) (local.set $d (f64.const 0.5))
        (local.set $e (f64.const 7)) (local.set $f (f64.const -0.75))
        (local.set $g (f64.const 11)) (local.set $h (f64.const 0.125))
        (local.set $x (i64.const 3)) (local.set $y (i64.const 5))
        (local.set $z (i64.const 7)) (local.set $w (i64.const 11))
        (loop $l
            (local.set $a (f64.add (f64.mul (local.get $a) (f64.const 0.999)) (local.get $b)))
            (local.set $b (f64.sub (f64.mul (local.get $b) (f64.const 0.5)) (local.get $c)))
            (local.set $c (f64.add (f64.mul (local.get $c) (f64.const 0.25)) (local.get $d)))
            (local.set $d (f64.sub (f64.mul (local.get $d) (f64.const 0.75)) (local.get $e)))
            (local.set $e (f64.add (f64.mul (local.get $e) (f64.const 0.125)) (local.get $f)))
            (local.set $f (f64.sub (f64.mul (local.get $f) (f64.const 0.5)) (local.get $g)))
            (local.set $g (f64.add (f64.mul (local.get $g) (f64.const 0.375)) (local.get $h)))
            (local.set $h (f64.sub (f64.mul (local.get $h) (f64.const 0.625)) (local.get $a)))
            (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 3)) (local.get $y)))
            (local.set $y (i64.xor (i64.rotl (local.get $y) (i64.const 7)) (local.get $z)))
            (local.set $z (i64.add (i64.mul (local.get $z) (i64.const 5)) (local.get $w)))
            (local.set $w (i64.xor (i64.rotl (local.get $w) (i64.const 13)) (local.get $x)))
            (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (f64.add
            (f64.add
                (f64.add (f64.add (local.get $a) (local.get $b)) (f64.add (local.get $c) (local.get $d)))
                (f64.add (f64.add (local.get $e) (local.get $f)) (f64.add (local.get $g) (local.get $h))))
            (f64.convert_i64_s (i64.xor (i64.xor (local.get $x) (local.get $y))
                                        (i64.xor (local.get $z) (local.get $w)))))))"#;

/// Float work meant to clobber the caller-saved registers.
fn clobber_registers(seed: usize) -> String {
    let v: Vec<f64> = (0..64).map(|i| (i as f64 + seed as f64).sin()).collect();
    let s: f64 = v.iter().map(|x| x * x + x.sqrt().abs()).sum();
    format!("{s:.3}")
}

#[test]
fn deadline_callback_on_every_iteration_keeps_live_values() -> Result<()> {
    const N: i32 = 500;
    let plain = {
        let engine = Engine::default();
        let module = Module::new(&engine, LIVE_VALUES)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let run = instance.get_typed_func::<i32, f64>(&mut store, "run")?;
        run.call(&mut store, N)?
    };
    let engine = epoch_engine();
    let module = Module::new(&engine, LIVE_VALUES)?;
    let mut store = Store::new(&engine, 0usize);
    store.set_epoch_deadline(0);
    // Each deadline moves the epoch on and sets the deadline to it, so
    // every check (entry and each loop iteration) takes the slow path.
    store.epoch_deadline_callback(|mut ctx| {
        *ctx.data_mut() += 1;
        std::hint::black_box(clobber_registers(*ctx.data()));
        ctx.engine().increment_epoch();
        Ok(UpdateDeadline::Continue(0))
    });
    let instance = Instance::new(&mut store, &module, &[])?;
    let run = instance.get_typed_func::<i32, f64>(&mut store, "run")?;
    let calls_before = *store.data();
    let r = run.call(&mut store, N)?;
    assert_eq!(r.to_bits(), plain.to_bits(), "{r} vs {plain}");
    assert_eq!(*store.data() - calls_before, N as usize + 1);
    Ok(())
}

#[test]
fn deadline_lowered_by_a_host_call_is_seen_after_it() -> Result<()> {
    let engine = epoch_engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "lower" (func $lower (param i32)))
            ;; The call comes before the function's first loop.
            (func (export "before") (param $n i32) (result i32)
                (call $lower (i32.const 0))
                (loop $l
                    (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                local.get $n)
            ;; The call is inside a loop; it lowers the deadline on its
            ;; 10th iteration.
            (func (export "inside") (param $n i32) (result i32)
                (loop $l
                    (call $lower (local.get $n))
                    (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                local.get $n))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "lower", |mut caller: Caller<'_, ()>, n: i32| {
        if n == 0 || n == 990 {
            caller.set_epoch_deadline(0);
        }
    })?;
    for export in ["before", "inside"] {
        let mut store = Store::new(&engine, ());
        store.set_epoch_deadline(1_000_000);
        let instance = linker.instantiate(&mut store, &module)?;
        let run = instance.get_typed_func::<i32, i32>(&mut store, export)?;
        let err = run.call(&mut store, 1000).unwrap_err();
        assert!(is_interrupt(&err), "{export}: {err:?}");
    }
    Ok(())
}
