//! Every path an exception takes across frames: indirect and reference
//! calls, tail calls, `catch_ref`/`throw_ref` rethrows to other labels and
//! functions, traps raised inside handlers and under active handlers, host
//! frames in between, and the store reused after an exception escaped to
//! the host. Each scenario also runs with fuel and epoch instrumentation.

use wasmtime::*;

const PATHS: &str = r#"(module
    (import "host" "call_back" (func $host (param i32)))
    (import "host" "trap" (func $host_trap))
    (tag $e (export "e") (param i32))
    (tag $f (param i64))
    (type $thrower (func (param i32)))
    (table $t 2 funcref)
    (elem (table $t) (i32.const 0) func $throw_e $throw_f)
    (elem declare func $throw_e)

    (func $throw_e (type $thrower) (throw $e (local.get 0)))
    (func $throw_f (type $thrower) (throw $f (i64.extend_i32_u (local.get 0))))

    ;; Which clause caught a throw through `call_indirect` of table slot
    ;; `which`: 1 for $e (payload + 10), 2 for $f (payload + 20), 3 for
    ;; anything else.
    (func (export "indirect") (param $which i32) (param $v i32) (result i32)
        (block $other
            (block $on_f (result i64)
                (block $on_e (result i32)
                    (try_table (catch $e $on_e) (catch $f $on_f) (catch_all $other)
                        (call_indirect $t (type $thrower) (local.get $v) (local.get $which)))
                    (return (i32.const -1)))
                (return (i32.add (i32.const 10))))
            (i32.wrap_i64) (i32.const 20) (i32.add) (return))
        (i32.const 3))

    (func (export "via_call_ref") (param $v i32) (result i32)
        (block $on_e (result i32)
            (try_table (catch $e $on_e)
                (call_ref $thrower (local.get $v) (ref.func $throw_e)))
            (return (i32.const -1))))

    ;; A tail call replaces the frame; the handler two frames up catches.
    (func $tail (param i32) (return_call $throw_e (local.get 0)))
    (func $tail_indirect (param i32)
        (return_call_indirect $t (type $thrower) (local.get 0) (i32.const 0)))
    (func (export "tail") (param $v i32) (param $indirect i32) (result i32)
        (block $on_e (result i32)
            (try_table (catch $e $on_e)
                (if (local.get $indirect)
                    (then (call $tail_indirect (local.get $v)))
                    (else (call $tail (local.get $v)))))
            (return (i32.const -1))))

    ;; Caught by reference in one function, rethrown, and caught again in
    ;; its caller by a clause that branches to a different label.
    (func $catch_and_rethrow (param $v i32) (local $x exnref)
        (block $h (result i32 exnref)
            (try_table (catch_ref $e $h) (call $throw_e (local.get $v)))
            (return))
        (local.set $x)
        (drop)
        (throw_ref (local.get $x)))
    (func (export "rethrow") (param $v i32) (result i32)
        (block $second (result i32)
            (block $first (result i64)
                (try_table (catch $f $first) (catch $e $second)
                    (call $catch_and_rethrow (local.get $v)))
                (return (i32.const -1)))
            (drop)
            (return (i32.const 0)))
        (i32.const 1000)
        (i32.add))

    ;; A trap inside a handler, and a trap under an active handler: traps
    ;; are never caught by `catch_all`.
    (func (export "trap_in_handler") (result i32)
        (block $h
            (try_table (catch_all $h) (call $throw_e (i32.const 1)))
            (return (i32.const -1)))
        unreachable)
    (func (export "trap_under_handler") (result i32)
        (block $h
            (try_table (catch_all $h) (call $host_trap))
            (return (i32.const -1)))
        (i32.const 99))

    ;; Wasm -> host -> wasm (throws); the host lets the error through, the
    ;; outer wasm catches it.
    (func (export "throw_e") (param i32) (call $throw_e (local.get 0)))
    (func (export "through_host") (param $v i32) (result i32)
        (block $on_e (result i32)
            (try_table (catch $e $on_e) (call $host (local.get $v)))
            (return (i32.const -1))))
)"#;

fn engine(instrumented: bool) -> Engine {
    let mut config = Config::new();
    config
        .consume_fuel(instrumented)
        .epoch_interruption(instrumented);
    Engine::new(&config).unwrap()
}

fn setup(instrumented: bool) -> Result<(Store<()>, Instance)> {
    let engine = engine(instrumented);
    let module = Module::new(&engine, PATHS)?;
    let mut store = Store::new(&engine, ());
    if instrumented {
        store.set_fuel(u64::MAX)?;
        store.set_epoch_deadline(u64::MAX);
    }
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "trap", || -> Result<()> {
        Err(Trap::UnreachableCodeReached.into())
    })?;
    // Filled in below once the instance exists: calls its `throw_e`.
    let slot: std::sync::Arc<std::sync::Mutex<Option<TypedFunc<i32, ()>>>> = Default::default();
    let slot2 = slot.clone();
    linker.func_wrap(
        "host",
        "call_back",
        move |mut caller: Caller<'_, ()>, v: i32| -> Result<()> {
            let f = (*slot2.lock().unwrap()).expect("set");
            f.call(&mut caller, v)
        },
    )?;
    let instance = linker.instantiate(&mut store, &module)?;
    *slot.lock().unwrap() = Some(instance.get_typed_func(&mut store, "throw_e")?);
    Ok((store, instance))
}

fn both(check: impl Fn(&mut Store<()>, &Instance) -> Result<()>) -> Result<()> {
    for instrumented in [false, true] {
        let (mut store, instance) = setup(instrumented)?;
        check(&mut store, &instance)?;
    }
    Ok(())
}

#[test]
fn through_indirect_and_reference_calls() -> Result<()> {
    both(|store, instance| {
        let indirect = instance.get_typed_func::<(i32, i32), i32>(&mut *store, "indirect")?;
        assert_eq!(indirect.call(&mut *store, (0, 5))?, 15);
        assert_eq!(indirect.call(&mut *store, (1, 5))?, 25);
        // Slot 2 is out of the table: a trap, not an exception.
        let err = indirect.call(&mut *store, (2, 5)).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::TableOutOfBounds));
        let call_ref = instance.get_typed_func::<i32, i32>(&mut *store, "via_call_ref")?;
        assert_eq!(call_ref.call(&mut *store, 8)?, 8);
        Ok(())
    })
}

#[test]
fn through_tail_calls() -> Result<()> {
    both(|store, instance| {
        let tail = instance.get_typed_func::<(i32, i32), i32>(&mut *store, "tail")?;
        assert_eq!(tail.call(&mut *store, (4, 0))?, 4);
        assert_eq!(tail.call(&mut *store, (6, 1))?, 6);
        Ok(())
    })
}

#[test]
fn rethrown_by_reference_to_another_label() -> Result<()> {
    both(|store, instance| {
        let rethrow = instance.get_typed_func::<i32, i32>(&mut *store, "rethrow")?;
        for v in [0, 1, 41] {
            assert_eq!(rethrow.call(&mut *store, v)?, 1000 + v);
        }
        Ok(())
    })
}

#[test]
fn traps_in_and_under_handlers() -> Result<()> {
    both(|store, instance| {
        let in_handler = instance.get_typed_func::<(), i32>(&mut *store, "trap_in_handler")?;
        let err = in_handler.call(&mut *store, ()).unwrap_err();
        assert_eq!(
            err.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        let under = instance.get_typed_func::<(), i32>(&mut *store, "trap_under_handler")?;
        let err = under.call(&mut *store, ()).unwrap_err();
        assert_eq!(
            err.downcast_ref::<Trap>(),
            Some(&Trap::UnreachableCodeReached)
        );
        assert!(!store.has_pending_exception());
        // The store still catches exceptions afterwards.
        let rethrow = instance.get_typed_func::<i32, i32>(&mut *store, "rethrow")?;
        assert_eq!(rethrow.call(&mut *store, 2)?, 1002);
        Ok(())
    })
}

#[test]
fn through_host_frames_and_escaping_to_the_host() -> Result<()> {
    both(|store, instance| {
        let through = instance.get_typed_func::<i32, i32>(&mut *store, "through_host")?;
        assert_eq!(through.call(&mut *store, 12)?, 12);
        let throw = instance.get_typed_func::<i32, ()>(&mut *store, "throw_e")?;
        // Escape to the host many times; the store stays usable and each
        // exception is taken.
        for i in 0..1000 {
            let err = throw.call(&mut *store, i).unwrap_err();
            assert!(err.is::<ThrownException>(), "{err:?}");
            let exn = store.take_pending_exception().expect("pending");
            assert_eq!(exn.field(&mut *store, 0)?.unwrap_i32(), i);
            assert_eq!(through.call(&mut *store, i)?, i);
        }
        Ok(())
    })
}
