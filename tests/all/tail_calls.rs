//! Tail calls (`return_call`, `return_call_indirect`):
//! unbounded tail recursion runs in constant stack.

use wasmtime::*;

/// A stack far too small for 10 million ordinary frames.
const SMALL_STACK: usize = 64 * 1024;
const DEPTH: i64 = 10_000_000;

const TAIL: &str = r#"(module
    (import "host" "twice" (func $twice (param i64) (result i64)))
    (type $t (func (param i64 i64) (result i64)))
    (table 2 funcref)
    (elem (i32.const 0) $even_i $odd_i)
    ;; sum(n, acc) = acc + n + (n-1) + ... + 1, by direct tail recursion
    (func $sum (export "sum") (param i64 i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
            (then (local.get 1))
            (else (return_call $sum
                (i64.sub (local.get 0) (i64.const 1))
                (i64.add (local.get 1) (local.get 0))))))
    ;; ordinary recursion, for contrast
    (func $sum_rec (export "sum_rec") (param i64 i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
            (then (local.get 1))
            (else (call $sum_rec
                (i64.sub (local.get 0) (i64.const 1))
                (i64.add (local.get 1) (local.get 0))))))
    ;; mutual recursion: is_even(n) with a counter of steps in the second param
    (func $even (export "even") (param i64 i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
            (then (i64.const 1))
            (else (return_call $odd (i64.sub (local.get 0) (i64.const 1)) (local.get 1)))))
    (func $odd (param i64 i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
            (then (i64.const 0))
            (else (return_call $even (i64.sub (local.get 0) (i64.const 1)) (local.get 1)))))
    ;; the same through the table
    (func $even_i (export "even_i") (param i64 i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
            (then (i64.const 1))
            (else (return_call_indirect (type $t)
                (i64.sub (local.get 0) (i64.const 1)) (local.get 1) (i32.const 1)))))
    (func $odd_i (param i64 i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0))
            (then (i64.const 0))
            (else (return_call_indirect (type $t)
                (i64.sub (local.get 0) (i64.const 1)) (local.get 1) (i32.const 0)))))
    ;; a tail call into a host function
    (func (export "to_host") (param i64) (result i64)
        (return_call $twice (local.get 0))))"#;

fn setup() -> Result<(Store<()>, Instance)> {
    let mut config = Config::new();
    config.max_wasm_stack(SMALL_STACK);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, TAIL)?;
    let mut store = Store::new(&engine, ());
    let twice = Func::wrap(&mut store, |x: i64| x * 2);
    let instance = Instance::new(&mut store, &module, &[twice.into()])?;
    Ok((store, instance))
}

#[test]
fn deep_tail_recursion_runs_in_constant_stack() -> Result<()> {
    let (mut store, instance) = setup()?;
    let sum = instance.get_typed_func::<(i64, i64), i64>(&mut store, "sum")?;
    let expected = (1..=DEPTH).sum::<i64>();
    assert_eq!(sum.call(&mut store, (DEPTH, 0))?, expected);

    // The same recursion without tail calls overflows this small stack.
    let sum_rec = instance.get_typed_func::<(i64, i64), i64>(&mut store, "sum_rec")?;
    let err = sum_rec.call(&mut store, (DEPTH, 0)).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
    Ok(())
}

#[test]
fn mutual_tail_recursion() -> Result<()> {
    let (mut store, instance) = setup()?;
    let even = instance.get_typed_func::<(i64, i64), i64>(&mut store, "even")?;
    assert_eq!(even.call(&mut store, (DEPTH, 0))?, 1);
    assert_eq!(even.call(&mut store, (DEPTH + 1, 0))?, 0);
    Ok(())
}

#[test]
fn return_call_indirect_in_constant_stack() -> Result<()> {
    let (mut store, instance) = setup()?;
    let even_i = instance.get_typed_func::<(i64, i64), i64>(&mut store, "even_i")?;
    assert_eq!(even_i.call(&mut store, (DEPTH, 0))?, 1);
    assert_eq!(even_i.call(&mut store, (DEPTH - 1, 0))?, 0);
    Ok(())
}

#[test]
fn tail_call_into_host_function() -> Result<()> {
    let (mut store, instance) = setup()?;
    let to_host = instance.get_typed_func::<i64, i64>(&mut store, "to_host")?;
    assert_eq!(to_host.call(&mut store, 21)?, 42);
    Ok(())
}

#[test]
fn return_call_indirect_checks_the_signature() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (type $v (func))
            (table 1 funcref)
            (elem (i32.const 0) $f)
            (func $f (param i32))
            (func (export "bad") (return_call_indirect (type $v) (i32.const 0)))
            (func (export "null") (return_call_indirect (type $v) (i32.const 1))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let bad = instance.get_typed_func::<(), ()>(&mut store, "bad")?;
    let err = bad.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::BadSignature));
    let null = instance.get_typed_func::<(), ()>(&mut store, "null")?;
    let err = null.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::TableOutOfBounds));
    Ok(())
}

#[test]
fn disabled_tail_calls_fail_validation() {
    let mut config = Config::new();
    config.wasm_tail_call(false);
    let engine = Engine::new(&config).unwrap();
    let err = Module::new(&engine, "(module (func $f (return_call $f)))").unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("tail calls"), "{msg}");
}
