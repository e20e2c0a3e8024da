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
