//! Exceptions created and thrown by the host: `ExnType`, `ExnRefPre`,
//! `ExnRef::new`, `Store::throw` / `Caller::throw`, and reading a caught or
//! escaped exception's tag and fields.

use wasmtime::*;

fn engine() -> Engine {
    let mut config = Config::new();
    config.wasm_exceptions(true);
    Engine::new(&config).unwrap()
}

/// Calls the imported host function `h.throw` with its argument inside a
/// `try_table` catching `$e`; returns the payload combined, or -1 if
/// nothing was thrown. `run_uncaught` calls it without a handler.
const CATCHER: &str = r#"(module
    (import "h" "e" (tag $e (param i32 i64)))
    (import "h" "throw" (func $throw (param i32)))
    (func (export "run") (param i32) (result i64)
        (local $a i32) (local $b i64)
        (block $h (result i32 i64)
            (try_table (catch $e $h) (call $throw (local.get 0)))
            (return (i64.const -1)))
        (local.set $b) (local.set $a)
        (i64.add (i64.mul (i64.extend_i32_u (local.get $a)) (i64.const 1000)) (local.get $b)))
    (func (export "run_ref") (param i32) (result exnref)
        (block $h (result exnref)
            (try_table (catch_all_ref $h) (call $throw (local.get 0)))
            (return (ref.null exn))))
    (func (export "run_uncaught") (param i32) (call $throw (local.get 0))))"#;

/// Sets up a store with the host tag `e: (i32, i64)` and a host function
/// that throws `(n, n * 3)` when its argument `n` is non-zero.
fn setup() -> Result<(Store<()>, Tag, Instance)> {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let tag_ty = TagType::new(FuncType::new(&engine, [ValType::I32, ValType::I64], []));
    let tag = Tag::new(&mut store, &tag_ty)?;
    let pre = ExnRefPre::new(&mut store, ExnType::from_tag_type(&tag_ty)?);
    let throw = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>, n: i32| -> Result<()> {
            if n == 0 {
                return Ok(());
            }
            let fields = [Val::I32(n), Val::I64(i64::from(n) * 3)];
            let exn = ExnRef::new(&mut caller, &pre, &tag, &fields)?;
            caller.throw(exn)?;
            unreachable!("throw always returns Err")
        },
    );
    let module = Module::new(&engine, CATCHER)?;
    let instance = Instance::new(&mut store, &module, &[tag.into(), throw.into()])?;
    Ok((store, tag, instance))
}

#[test]
fn host_throws_and_wasm_catches_the_payload() -> Result<()> {
    let (mut store, _tag, instance) = setup()?;
    let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
    for n in [1, 5, 123] {
        let expected = i64::from(n) * 1000 + i64::from(n) * 3;
        assert_eq!(run.call(&mut store, n)?, expected);
        assert!(!store.has_pending_exception());
    }
    assert_eq!(run.call(&mut store, 0)?, -1);
    Ok(())
}

#[test]
fn caught_by_reference_keeps_tag_and_fields() -> Result<()> {
    let (mut store, tag, instance) = setup()?;
    let run_ref = instance.get_func(&mut store, "run_ref").unwrap();
    let mut results = [Val::I32(0)];
    run_ref.call(&mut store, &[Val::I32(9)], &mut results)?;
    let Val::ExnRef(Some(exn)) = &results[0] else {
        panic!("expected an exception, got {:?}", results[0]);
    };
    assert!(Tag::eq(&exn.tag(&store)?, &tag, &store));
    assert_eq!(exn.field(&mut store, 0)?.unwrap_i32(), 9);
    assert_eq!(exn.field(&mut store, 1)?.unwrap_i64(), 27);
    assert!(exn.field(&mut store, 2).is_err());
    let ty = exn.ty(&store)?;
    assert_eq!(ty.fields().len(), 2);
    assert!(ty.field(1).unwrap().element_type().unpack().is_num());
    Ok(())
}

#[test]
fn host_throw_without_handler_reaches_the_caller() -> Result<()> {
    let (mut store, tag, instance) = setup()?;
    let run_uncaught = instance.get_typed_func::<i32, ()>(&mut store, "run_uncaught")?;
    let err = run_uncaught.call(&mut store, 4).unwrap_err();
    assert!(err.is::<ThrownException>(), "{err:?}");
    assert!(store.has_pending_exception());
    let exn = store.take_pending_exception().unwrap();
    assert!(!store.has_pending_exception());
    assert!(Tag::eq(&exn.tag(&store)?, &tag, &store));
    assert_eq!(exn.field(&mut store, 0)?.unwrap_i32(), 4);
    assert_eq!(exn.field(&mut store, 1)?.unwrap_i64(), 12);
    // The store keeps working afterwards.
    let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 2)?, 2006);
    Ok(())
}

#[test]
fn store_throw_outside_wasm_and_host_function_called_directly() -> Result<()> {
    let (mut store, tag, _instance) = setup()?;
    let ty = ExnType::new(store.engine(), [ValType::I32, ValType::I64])?;
    let pre = ExnRefPre::new(&mut store, ty);
    let exn = ExnRef::new(&mut store, &pre, &tag, &[Val::I32(1), Val::I64(2)])?;
    let err = store.throw::<()>(exn).unwrap_err();
    assert!(err.is::<ThrownException>());
    let exn = store.take_pending_exception().unwrap();
    assert_eq!(exn.field(&mut store, 1)?.unwrap_i64(), 2);

    // A host function that throws, called from the host with no wasm in
    // between.
    let tag2 = tag;
    let thrower = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>| -> Result<()> {
            let ty = ExnType::new(caller.engine(), [ValType::I32, ValType::I64])?;
            let pre = ExnRefPre::new(&mut caller, ty);
            let exn = ExnRef::new(&mut caller, &pre, &tag2, &[Val::I32(11), Val::I64(22)])?;
            caller.throw(exn)
        },
    );
    let err = thrower.call(&mut store, &[], &mut []).unwrap_err();
    assert!(err.is::<ThrownException>(), "{err:?}");
    let exn = store.take_pending_exception().unwrap();
    assert_eq!(exn.field(&mut store, 0)?.unwrap_i32(), 11);
    Ok(())
}

#[test]
fn bad_host_exceptions_are_errors() -> Result<()> {
    let (mut store, tag, _instance) = setup()?;
    let engine = store.engine().clone();
    let pre = ExnRefPre::new(
        &mut store,
        ExnType::new(&engine, [ValType::I32, ValType::I64])?,
    );
    // Wrong payload types, too few and too many fields.
    for fields in [
        vec![Val::I64(1), Val::I64(2)],
        vec![Val::I32(1), Val::F64(2.0f64.to_bits())],
        vec![Val::I32(1)],
        vec![Val::I32(1), Val::I64(2), Val::I32(3)],
        vec![Val::FuncRef(None), Val::I64(2)],
    ] {
        assert!(ExnRef::new(&mut store, &pre, &tag, &fields).is_err());
    }
    // An allocator whose type is not the tag's.
    let other = ExnRefPre::new(&mut store, ExnType::new(&engine, [ValType::I32])?);
    assert!(ExnRef::new(&mut store, &other, &tag, &[Val::I32(1)]).is_err());
    // An allocator or tag of another store.
    let mut store2 = Store::new(&engine, ());
    assert!(ExnRef::new(&mut store2, &pre, &tag, &[Val::I32(1), Val::I64(2)]).is_err());
    let pre2 = ExnRefPre::new(
        &mut store2,
        ExnType::new(&engine, [ValType::I32, ValType::I64])?,
    );
    assert!(ExnRef::new(&mut store2, &pre2, &tag, &[Val::I32(1), Val::I64(2)]).is_err());
    // A tag type with results has no exception type.
    let with_results = TagType::new(FuncType::new(&engine, [], [ValType::I32]));
    assert!(ExnType::from_tag_type(&with_results).is_err());
    assert!(!store.has_pending_exception());
    Ok(())
}

#[test]
fn host_function_called_by_the_host_inside_a_wasm_call() -> Result<()> {
    // wasm `run` (with a handler) -> host `outer` -> `Func::call` of host
    // `inner`, which throws: the exception must come back to `outer` as an
    // error (not jump into the wasm handler over `outer`'s frames); `outer`
    // then propagates it and the wasm handler catches it.
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let tag_ty = TagType::new(FuncType::new(&engine, [ValType::I32, ValType::I64], []));
    let tag = Tag::new(&mut store, &tag_ty)?;
    let pre = ExnRefPre::new(&mut store, ExnType::from_tag_type(&tag_ty)?);
    let inner = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>, n: i32| -> Result<()> {
            let exn = ExnRef::new(&mut caller, &pre, &tag, &[Val::I32(n), Val::I64(5)])?;
            caller.throw(exn)
        },
    );
    let outer = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>, n: i32| -> Result<()> {
            let r = inner.call(&mut caller, &[Val::I32(n + 1)], &mut []);
            let err = r.unwrap_err();
            assert!(err.is::<ThrownException>(), "{err:?}");
            assert!(caller.has_pending_exception());
            Err(err)
        },
    );
    let module = Module::new(&engine, CATCHER)?;
    let instance = Instance::new(&mut store, &module, &[tag.into(), outer.into()])?;
    let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 6)?, 7 * 1000 + 5);
    assert!(!store.has_pending_exception());
    Ok(())
}

#[test]
fn host_throw_from_a_nested_host_call_returns_to_its_caller() -> Result<()> {
    // As above, but `outer` handles the error itself and returns normally:
    // the wasm handler must not run, and `outer`'s code after the call
    // must. A trap afterwards still unwinds to the right place.
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
    use std::sync::Arc;
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let tag_ty = TagType::new(FuncType::new(&engine, [ValType::I32, ValType::I64], []));
    let tag = Tag::new(&mut store, &tag_ty)?;
    let pre = ExnRefPre::new(&mut store, ExnType::from_tag_type(&tag_ty)?);
    let inner = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>, n: i32| -> Result<()> {
            let exn = ExnRef::new(&mut caller, &pre, &tag, &[Val::I32(n), Val::I64(5)])?;
            caller.throw(exn)
        },
    );
    let returned = Arc::new(AtomicU32::new(0));
    let dropped = Arc::new(AtomicU32::new(0));
    struct Guard(Arc<AtomicU32>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let (r, d) = (returned.clone(), dropped.clone());
    let outer = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>, n: i32| -> Result<()> {
            let _guard = Guard(d.clone());
            let err = inner
                .call(&mut caller, &[Val::I32(n + 1)], &mut [])
                .unwrap_err();
            assert!(err.is::<ThrownException>(), "{err:?}");
            let exn = caller.take_pending_exception().expect("pending");
            assert_eq!(exn.field(&mut caller, 0)?.unwrap_i32(), n + 1);
            r.fetch_add(1, SeqCst);
            Ok(())
        },
    );
    let module = Module::new(&engine, CATCHER)?;
    let instance = Instance::new(&mut store, &module, &[tag.into(), outer.into()])?;
    let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
    for i in 1..=3 {
        // No exception reached the wasm handler: `run` returns -1.
        assert_eq!(run.call(&mut store, 6)?, -1);
        assert_eq!(returned.load(SeqCst), i);
        assert_eq!(dropped.load(SeqCst), i);
        assert!(!store.has_pending_exception());
    }
    let module = Module::new(&engine, "(module (func (export \"t\") unreachable))")?;
    let t = Instance::new(&mut store, &module, &[])?;
    let t = t.get_typed_func::<(), ()>(&mut store, "t")?;
    let err = t.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
    Ok(())
}

#[test]
fn exception_types_of_another_engine_are_refused() -> Result<()> {
    // Type ids are per engine: `(f64)` in one engine and `(i64)` in another
    // may get the same id. An allocator built from another engine's type
    // must not let an `f64` payload pass for the tag's `i64` (with reference
    // payloads that would hand wasm a forged pointer).
    let a = engine();
    let b = engine();
    let foreign = ExnType::new(&a, [ValType::F64])?;
    let mut store = Store::new(&b, ());
    let tag_ty = TagType::new(FuncType::new(&b, [ValType::I64], []));
    let tag = Tag::new(&mut store, &tag_ty)?;
    let pre = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ExnRefPre::new(&mut store, foreign)
    }));
    // Wasmtime panics here; should an allocator exist, it must not build
    // an exception.
    if let Ok(pre) = pre {
        assert!(ExnRef::new(&mut store, &pre, &tag, &[Val::F64(1.5f64.to_bits())]).is_err());
    }
    Ok(())
}

#[test]
fn store_throw_returns_a_wasmtime_result() -> Result<()> {
    // As in Wasmtime, `throw` returns `wasmtime::Result`, so a host function
    // can return it directly.
    let (mut store, tag, _instance) = setup()?;
    let ty = ExnType::new(store.engine(), [ValType::I32, ValType::I64])?;
    let pre = ExnRefPre::new(&mut store, ty);
    let thrower = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>| -> Result<()> {
            let exn = ExnRef::new(&mut caller, &pre, &tag, &[Val::I32(3), Val::I64(4)])?;
            caller.as_context_mut().throw(exn)
        },
    );
    let err = thrower.call(&mut store, &[], &mut []).unwrap_err();
    assert!(err.is::<ThrownException>(), "{err:?}");
    let exn = store.take_pending_exception().unwrap();
    let r: Result<()> = store.throw(exn);
    assert!(r.unwrap_err().is::<ThrownException>());
    assert!(store.has_pending_exception());
    // An exception of another store is an error, not a pending exception.
    let exn = store.take_pending_exception().unwrap();
    let mut other = Store::new(store.engine(), ());
    let err = other.throw::<()>(exn).unwrap_err();
    assert!(!err.is::<ThrownException>(), "{err:?}");
    assert!(!other.has_pending_exception());
    Ok(())
}

#[test]
fn tag_types_of_another_engine_are_refused() -> Result<()> {
    let a = engine();
    let b = engine();
    let foreign = TagType::new(FuncType::new(&a, [ValType::F64], []));
    let mut store = Store::new(&b, ());
    assert!(Tag::new(&mut store, &foreign).is_err());
    Ok(())
}
