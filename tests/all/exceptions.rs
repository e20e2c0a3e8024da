//! Exception handling: `tag`, `throw`, `throw_ref`, `try_table`, `exnref`,
//! unwinding natively across wasm frames and instances, and exceptions
//! escaping to the host.

use wasmtime::*;

fn engine() -> Engine {
    let mut config = Config::new();
    config.wasm_exceptions(true);
    Engine::new(&config).unwrap()
}

/// A module whose `run` throws `$e` with a payload from a nested call and
/// catches it `depth` frames up.
const THROWER: &str = r#"(module
    (tag $e (export "e") (param i32 i64))
    (func $thrower (param i32)
        (if (i32.eqz (local.get 0))
            (then (throw $e (i32.const 7) (i64.const 42))))
        (call $thrower (i32.sub (local.get 0) (i32.const 1))))
    (func (export "catch") (param i32) (result i32 i64)
        (block $h (result i32 i64)
            (try_table (catch $e $h)
                (call $thrower (local.get 0)))
            (i32.const -1) (i64.const -1)))
    (func (export "catch_all") (param i32) (result i32)
        (block $h
            (try_table (catch_all $h)
                (call $thrower (local.get 0)))
            (return (i32.const 0)))
        (i32.const 1))
    (func (export "rethrow") (param i32) (result i64)
        (block $h (result exnref)
            (try_table (catch_all_ref $h)
                (call $thrower (local.get 0)))
            (return (i64.const 0)))
        (throw_ref))
    (func (export "uncaught") (param i32) (call $thrower (local.get 0)))
    (func (export "null") (throw_ref (ref.null exn))))"#;

#[test]
fn throw_and_catch_across_frames() -> Result<()> {
    let engine = engine();
    let module = Module::new(&engine, THROWER)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let catch = instance.get_typed_func::<i32, (i32, i64)>(&mut store, "catch")?;
    for depth in [0, 1, 5, 100] {
        assert_eq!(catch.call(&mut store, depth)?, (7, 42));
    }
    let catch_all = instance.get_typed_func::<i32, i32>(&mut store, "catch_all")?;
    assert_eq!(catch_all.call(&mut store, 3)?, 1);
    // Many throws in one store reuse exception objects.
    for i in 0..10_000 {
        assert_eq!(catch.call(&mut store, i % 4)?, (7, 42));
    }
    Ok(())
}

#[test]
fn uncaught_exceptions_reach_the_host() -> Result<()> {
    let engine = engine();
    let module = Module::new(&engine, THROWER)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let uncaught = instance.get_typed_func::<i32, ()>(&mut store, "uncaught")?;
    let err = uncaught.call(&mut store, 3).unwrap_err();
    assert!(err.downcast_ref::<ThrownException>().is_some(), "{err:?}");
    assert!(store.has_pending_exception());
    let exn = store.take_pending_exception().unwrap();
    assert!(!store.has_pending_exception());
    let tag = instance.get_tag(&mut store, "e").unwrap();
    assert!(Tag::eq(&exn.tag(&store)?, &tag, &store));
    let fields = exn.fields(&mut store)?;
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].unwrap_i32(), 7);
    assert_eq!(fields[1].unwrap_i64(), 42);

    // `throw_ref` of a caught exception rethrows the same object.
    let rethrow = instance.get_typed_func::<i32, i64>(&mut store, "rethrow")?;
    let err = rethrow.call(&mut store, 2).unwrap_err();
    assert!(err.downcast_ref::<ThrownException>().is_some());
    let exn = store.take_pending_exception().unwrap();
    assert_eq!(exn.field(&mut store, 1)?.unwrap_i64(), 42);

    // throw_ref of null traps.
    let null = instance.get_typed_func::<(), ()>(&mut store, "null")?;
    let err = null.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::NullReference));
    // The store still works after all that.
    let catch = instance.get_typed_func::<i32, (i32, i64)>(&mut store, "catch")?;
    assert_eq!(catch.call(&mut store, 2)?, (7, 42));
    Ok(())
}

#[test]
fn exceptions_cross_instances_and_match_tags_by_identity() -> Result<()> {
    let engine = engine();
    let a = Module::new(&engine, THROWER)?;
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &a, &[])?;
    let tag = a.get_tag(&mut store, "e").unwrap();
    let uncaught = a.get_func(&mut store, "uncaught").unwrap();
    assert_eq!(tag.ty(&store).ty().params().len(), 2);
    // Instance B imports A's tag and thrower; a same-typed tag of its own
    // must not catch A's exceptions.
    let b = Module::new(
        &engine,
        r#"(module
            (import "a" "e" (tag $e (param i32 i64)))
            (import "a" "uncaught" (func $throw (param i32)))
            (tag $other (param i32 i64))
            (func (export "run") (param i32) (result i32)
                (block $mine (result i32 i64)
                    (block $other_h (result i32 i64)
                        (try_table (catch $other $other_h) (catch $e $mine)
                            (call $throw (local.get 0)))
                        (return (i32.const 0)))
                    (return (i32.const -1)))
                (drop) (i32.add (i32.const 100))))"#,
    )?;
    let b = Instance::new(&mut store, &b, &[tag.into(), uncaught.into()])?;
    let run = b.get_typed_func::<i32, i32>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 4)?, 107);

    // A host tag of the same type is a different tag.
    let host_tag = Tag::new(
        &mut store,
        &TagType::new(FuncType::new(&engine, [ValType::I32, ValType::I64], [])),
    )?;
    assert!(!Tag::eq(&host_tag, &tag, &store));
    let c = Module::new(
        &engine,
        r#"(module
            (import "a" "e" (tag $e (param i32 i64)))
            (import "a" "uncaught" (func $throw (param i32)))
            (func (export "run") (result i32)
                (block $h (result i32 i64)
                    (try_table (catch $e $h) (call $throw (i32.const 1)))
                    (return (i32.const 0)))
                (drop) (drop) (i32.const 1)))"#,
    )?;
    let c = Instance::new(&mut store, &c, &[host_tag.into(), uncaught.into()])?;
    let run = c.get_typed_func::<(), i32>(&mut store, "run")?;
    assert!(run
        .call(&mut store, ())
        .unwrap_err()
        .is::<ThrownException>());
    store.take_pending_exception().unwrap();
    // Tag types must match on import.
    let d = Module::new(&engine, r#"(module (import "a" "e" (tag (param i32))))"#)?;
    assert!(Instance::new(&mut store, &d, &[tag.into()]).is_err());
    Ok(())
}

#[test]
fn exceptions_and_traps_in_one_store() -> Result<()> {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (tag $e)
            (func $trap (unreachable))
            (func (export "trap_inside_try") (result i32)
                (block $h
                    (try_table (catch_all $h) (call $trap))
                    (return (i32.const 0)))
                (i32.const 1)))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<(), i32>(&mut store, "trap_inside_try")?;
    // Traps are not exceptions: catch_all does not catch them.
    let err = f.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
    assert!(!store.has_pending_exception());
    Ok(())
}

#[test]
fn exceptions_are_rejected_when_disabled() -> Result<()> {
    let mut config = Config::new();
    config.wasm_exceptions(false);
    let engine = Engine::new(&config)?;
    let err = Module::new(&engine, THROWER).unwrap_err();
    assert!(format!("{err:#}").contains("exception"), "{err:#}");
    Ok(())
}

#[test]
fn exceptions_propagate_through_host_functions() -> Result<()> {
    let engine = engine();
    let module = Module::new(&engine, THROWER)?;
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &module, &[])?;
    let tag = a.get_tag(&mut store, "e").unwrap();
    let uncaught = a.get_typed_func::<i32, ()>(&mut store, "uncaught")?;
    // A host function that calls wasm which throws, and returns the error.
    let host = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>, n: i32| -> Result<()> {
            let r = uncaught.call(&mut caller, n);
            assert!(r.as_ref().unwrap_err().is::<ThrownException>());
            r
        },
    );
    let outer = Module::new(
        &engine,
        r#"(module
            (import "a" "e" (tag $e (param i32 i64)))
            (import "h" "call" (func $host (param i32)))
            (func (export "run") (param i32) (result i64)
                (local $a i32) (local $b i64)
                (block $h (result i32 i64)
                    (try_table (catch $e $h) (call $host (local.get 0)))
                    (return (i64.const -1)))
                (local.set $b) (local.set $a)
                (i64.add (i64.extend_i32_u (local.get $a)) (local.get $b)))
            (func (export "run_uncaught") (param i32) (call $host (local.get 0))))"#,
    )?;
    let b = Instance::new(&mut store, &outer, &[tag.into(), host.into()])?;
    let run = b.get_typed_func::<i32, i64>(&mut store, "run")?;
    // The exception thrown under the host function is caught by the wasm
    // that called the host function.
    assert_eq!(run.call(&mut store, 2)?, 49);
    assert!(!store.has_pending_exception());
    let run_uncaught = b.get_typed_func::<i32, ()>(&mut store, "run_uncaught")?;
    let err = run_uncaught.call(&mut store, 1).unwrap_err();
    assert!(err.is::<ThrownException>(), "{err:?}");
    let exn = store.take_pending_exception().unwrap();
    assert_eq!(exn.field(&mut store, 0)?.unwrap_i32(), 7);
    assert_eq!(run.call(&mut store, 0)?, 49);
    Ok(())
}

/// `HeapType::ConcreteExn`, as in Wasmtime 48: a subtype of `exn` and a
/// supertype of `noexn`; two concrete exception types match when their
/// payloads do.
#[test]
fn concrete_exception_heap_types() -> Result<()> {
    let engine = Engine::default();
    let a = ExnType::new(&engine, [ValType::I32])?;
    let b = ExnType::new(&engine, [ValType::I64])?;
    let ha: HeapType = a.clone().into();
    assert!(ha.is_concrete_exn() && ha.is_concrete() && !ha.is_abstract());
    assert!(ha.as_concrete_exn().unwrap().matches(&a));
    assert!(ha.matches(&HeapType::Exn));
    assert!(!HeapType::Exn.matches(&ha));
    assert!(HeapType::NoExn.matches(&ha));
    assert!(ha.matches(&HeapType::ConcreteExn(a.clone())));
    assert!(!ha.matches(&HeapType::ConcreteExn(b)));
    assert!(!ha.matches(&HeapType::Any) && !ha.matches(&HeapType::Func));
    assert_eq!(ha.top(), HeapType::Exn);
    assert_eq!(ha.bottom(), HeapType::NoExn);
    // Nullability still counts.
    let nullable = RefType::new(true, ha.clone());
    let non_null = RefType::new(false, ha.clone());
    assert!(non_null.matches(&nullable));
    assert!(!nullable.matches(&non_null));
    // Another engine's exception type is another type.
    let other = ExnType::new(&Engine::default(), [ValType::I32])?;
    assert!(!ha.matches(&HeapType::ConcreteExn(other)));
    Ok(())
}
