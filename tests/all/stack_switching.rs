//! The stack-switching proposal through the embedding API: host functions
//! inside continuations, traps and backtraces from continuations, stack
//! overflow, dropping stores with suspended continuations, the `Cont` heap
//! types and `ContType`.

use wasmtime::*;

fn engine() -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_stack_switching(true);
    Engine::new(&config)
}

/// A generator that calls the host for every value it yields.
const GENERATOR: &str = r#"(module
    (import "host" "next" (func $next (param i32) (result i32)))
    (type $f (func))
    (type $k (cont $f))
    (tag $yield (param i32))
    (func $gen
        (local $i i32)
        (loop $l
            (local.set $i (call $next (local.get $i)))
            (if (i32.ge_s (local.get $i) (i32.const 0))
                (then (suspend $yield (local.get $i)) (br $l)))))
    (elem declare func $gen)
    (func (export "sum") (result i32)
        (local $k (ref null $k))
        (local $acc i32)
        (local.set $k (cont.new $k (ref.func $gen)))
        (block $done
            (loop $l
                (block $on (result i32 (ref $k))
                    (resume $k (on $yield $on) (local.get $k))
                    (br $done))
                (local.set $k)
                (local.set $acc (i32.add (local.get $acc)))
                (br $l)))
        (local.get $acc))
)"#;

#[test]
fn host_function_inside_a_continuation() -> Result<()> {
    let engine = engine()?;
    let module = Module::new(&engine, GENERATOR)?;
    let mut store = Store::new(&engine, Vec::<i32>::new());
    let mut linker = Linker::new(&engine);
    // Yields 1, 2, ..., 5, then -1 (stop); records every call.
    linker.func_wrap(
        "host",
        "next",
        |mut caller: Caller<'_, Vec<i32>>, i: i32| -> i32 {
            caller.data_mut().push(i);
            if i >= 5 {
                -1
            } else {
                i + 1
            }
        },
    )?;
    let instance = linker.instantiate(&mut store, &module)?;
    let sum = instance.get_typed_func::<(), i32>(&mut store, "sum")?;
    assert_eq!(sum.call(&mut store, ())?, 15);
    assert_eq!(store.data().as_slice(), &[0, 1, 2, 3, 4, 5]);
    // Again: the store's continuation slots are reused.
    store.data_mut().clear();
    assert_eq!(sum.call(&mut store, ())?, 15);
    Ok(())
}

#[test]
fn host_error_inside_a_continuation() -> Result<()> {
    let engine = engine()?;
    let module = Module::new(&engine, GENERATOR)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "next", |i: i32| -> Result<i32> {
        if i == 3 {
            anyhow::bail!("host says no at {i}")
        }
        Ok(i + 1)
    })?;
    let instance = linker.instantiate(&mut store, &module)?;
    let sum = instance.get_typed_func::<(), i32>(&mut store, "sum")?;
    let err = sum.call(&mut store, ()).unwrap_err();
    assert!(format!("{err:?}").contains("host says no at 3"), "{err:?}");
    Ok(())
}

#[test]
fn suspending_across_a_host_call_is_unhandled() -> Result<()> {
    // The continuation calls the host, which calls back into wasm that
    // suspends: the handler lies beyond host frames, so the tag is
    // unhandled there (and the error travels back out).
    let engine = engine()?;
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "reenter" (func $reenter))
            (type $f (func))
            (type $k (cont $f))
            (tag $t)
            (func (export "inner") (suspend $t))
            (func $body (call $reenter))
            (elem declare func $body)
            (func (export "outer")
                (block $on (result (ref $k))
                    (resume $k (on $t $on) (cont.new $k (ref.func $body)))
                    (return))
                (drop))
        )"#,
    )?;
    let mut store = Store::new(&engine, None::<Func>);
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "reenter", |mut caller: Caller<'_, Option<Func>>| {
        let inner = caller.data().expect("set");
        inner.call(&mut caller, &[], &mut [])
    })?;
    let instance = linker.instantiate(&mut store, &module)?;
    let inner = instance.get_func(&mut store, "inner").unwrap();
    *store.data_mut() = Some(inner);
    let outer = instance.get_typed_func::<(), ()>(&mut store, "outer")?;
    let err = outer.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnhandledTag),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn trap_inside_a_continuation_has_a_backtrace() -> Result<()> {
    let engine = engine()?;
    let module = Module::new(
        &engine,
        r#"(module
            (type $f (func))
            (type $k (cont $f))
            (func $deepest unreachable)
            (func $inside (call $deepest))
            (elem declare func $inside)
            (func $run (export "run") (resume $k (cont.new $k (ref.func $inside))))
        )"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
    let bt = err.downcast_ref::<WasmBacktrace>().expect("a backtrace");
    let names: Vec<_> = bt.frames().iter().map(|f| f.func_name()).collect();
    // The continuation's frames, then the frames that resumed it.
    assert_eq!(names, [Some("deepest"), Some("inside"), Some("run")]);
    // The store is still usable, and so are new continuations.
    assert!(run.call(&mut store, ()).is_err());
    Ok(())
}

#[test]
fn deep_recursion_inside_a_continuation_overflows() -> Result<()> {
    for stack in [64 << 10, 1 << 20] {
        let mut config = Config::new();
        config
            .wasm_stack_switching(true)
            .async_stack_size(stack)
            .max_wasm_stack(stack / 2);
        let engine = Engine::new(&config)?;
        let module = Module::new(
            &engine,
            r#"(module
                (type $f (func (result i64)))
                (type $k (cont $f))
                (func $rec (param i64) (result i64)
                    (i64.add (call $rec (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
                (func $start (result i64) (call $rec (i64.const 0)))
                (elem declare func $start)
                (func (export "run") (result i64)
                    (resume $k (cont.new $k (ref.func $start))))
            )"#,
        )?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let run = instance.get_typed_func::<(), i64>(&mut store, "run")?;
        for _ in 0..3 {
            let err = run.call(&mut store, ()).unwrap_err();
            assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
        }
    }
    Ok(())
}

/// Leaves `n` continuations suspended (each a few frames deep).
const SUSPENDER: &str = r#"(module
    (type $f (func))
    (type $k (cont $f))
    (tag $t)
    (table $keep 0 (ref null $k))
    (func $deep (param i32)
        (if (i32.eqz (local.get 0)) (then (suspend $t) (return)))
        (call $deep (i32.sub (local.get 0) (i32.const 1))))
    (func $body (call $deep (i32.const 10)))
    (elem declare func $body)
    (func (export "leave") (param $n i32)
        (loop $l
            (if (i32.eqz (local.get $n)) (then (return)))
            (block $on (result (ref $k))
                (resume $k (on $t $on) (cont.new $k (ref.func $body)))
                (return))
            (i32.const 1)
            (table.grow $keep)
            (drop)
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $l)))
)"#;

#[test]
fn dropping_a_store_with_suspended_continuations() -> Result<()> {
    let engine = engine()?;
    let module = Module::new(&engine, SUSPENDER)?;
    for _ in 0..20 {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let leave = instance.get_typed_func::<i32, ()>(&mut store, "leave")?;
        leave.call(&mut store, 8)?;
        drop(store);
    }
    Ok(())
}

#[test]
fn pooled_stacks_come_back_from_dropped_stores() -> Result<()> {
    // With 4 pooled stacks, leaving 4 continuations suspended per store
    // works for every store only if dropping the store returns them.
    let mut pool = PoolingAllocationConfig::default();
    pool.total_stacks(4);
    let mut config = Config::new();
    config
        .wasm_stack_switching(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, SUSPENDER)?;
    for _ in 0..10 {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let leave = instance.get_typed_func::<i32, ()>(&mut store, "leave")?;
        leave.call(&mut store, 4)?;
        // A fifth one finds the pool empty: a clean error, no crash.
        let err = leave.call(&mut store, 1).unwrap_err();
        assert!(!format!("{err:?}").is_empty());
    }
    Ok(())
}

#[test]
fn finished_continuations_give_their_stacks_back() -> Result<()> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_stacks(2);
    let mut config = Config::new();
    config
        .wasm_stack_switching(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, GENERATOR)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "next", |i: i32| if i >= 3 { -1 } else { i + 1 })?;
    let instance = linker.instantiate(&mut store, &module)?;
    let sum = instance.get_typed_func::<(), i32>(&mut store, "sum")?;
    // Far more continuations than pooled stacks, one after another.
    for _ in 0..50 {
        assert_eq!(sum.call(&mut store, ())?, 6);
    }
    Ok(())
}

#[test]
fn continuation_types_in_the_api() -> Result<()> {
    let engine = engine()?;
    let module = Module::new(
        &engine,
        r#"(module
            (type $f (func (param i32) (result i64)))
            (type $k (cont $f))
            (global (export "k") (mut (ref null $k)) (ref.null $k))
            (global (export "any") (mut contref) (ref.null cont))
            (func (export "take") (param (ref null $k)) (param nullcontref))
        )"#,
    )?;
    let ty = module.get_export("k").unwrap();
    let ExternType::Global(g) = ty else {
        panic!("a global")
    };
    let ValType::Ref(r) = g.content() else {
        panic!("a reference")
    };
    assert!(r.is_nullable());
    let ct = r.heap_type().unwrap_concrete_cont();
    let ft = ct.func_type().expect("registered");
    assert_eq!(ft.params().collect::<Vec<_>>().len(), 1);
    assert!(matches!(ft.params().next(), Some(ValType::I32)));
    assert!(matches!(ft.results().next(), Some(ValType::I64)));
    assert!(r.heap_type().is_concrete_cont());
    assert!(r.heap_type().is_concrete());
    assert!(HeapType::ConcreteCont(ct.clone()).matches(&HeapType::Cont));
    assert!(!HeapType::Cont.matches(&HeapType::ConcreteCont(ct.clone())));
    assert!(HeapType::NoCont.matches(&HeapType::ConcreteCont(ct.clone())));
    assert!(!HeapType::Cont.matches(&HeapType::Func));
    assert!(ct.matches(ct));
    assert_eq!(r.heap_type().top(), HeapType::Cont);
    assert_eq!(r.heap_type().bottom(), HeapType::NoCont);
    assert!(HeapType::Cont.is_top() && HeapType::NoCont.is_bottom());

    let ExternType::Global(any) = module.get_export("any").unwrap() else {
        panic!("a global")
    };
    assert_eq!(any.content().as_ref().unwrap().heap_type(), &HeapType::Cont);
    assert!(RefType::CONTREF.heap_type().is_cont());
    assert!(RefType::NULLCONTREF.heap_type().is_no_cont());
    assert_eq!(ValType::CONTREF.to_string(), "contref");

    // Null continuation globals read and write through the API.
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let k = instance.get_global(&mut store, "k").unwrap();
    let null = k.get(&mut store);
    assert!(matches!(null, Val::ContRef(None)));
    // As in Wasmtime 48, `Ref` has no continuation variant.
    assert!(null.ref_().is_none());
    k.set(&mut store, Val::ContRef(None))?;
    Ok(())
}

#[test]
fn stack_switching_is_off_by_default() -> Result<()> {
    let engine = Engine::default();
    let err = Module::new(&engine, r#"(module (type $f (func)) (type $k (cont $f)))"#).unwrap_err();
    assert!(format!("{err:?}").contains("stack switching"), "{err:?}");
    Ok(())
}

#[test]
fn async_host_function_inside_a_continuation() -> Result<()> {
    // The host future is pending twice per call: the whole wasm stack,
    // continuation included, is suspended and resumed by the poller.
    let engine = engine()?;
    let module = Module::new(&engine, GENERATOR)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap_async("host", "next", |_caller: Caller<'_, ()>, (i,): (i32,)| {
        Box::new(async move {
            crate::async_::PendingTimes(2).await;
            if i >= 4 {
                -1
            } else {
                i + 1
            }
        })
    })?;
    let (result, pendings) = crate::async_::run(async {
        let instance = linker.instantiate_async(&mut store, &module).await?;
        let sum = instance.get_typed_func::<(), i32>(&mut store, "sum")?;
        sum.call_async(&mut store, ()).await
    });
    assert_eq!(result?, 10);
    // Five calls of the host function, each pending twice.
    assert_eq!(pendings, 10);
    Ok(())
}

/// An externref held only in a local of a suspended continuation survives
/// `Store::gc` (collection waits while continuations are live, since their
/// frames are not walked for roots).
#[test]
fn externref_in_a_suspended_continuation_survives_gc() -> Result<()> {
    use std::sync::Arc;
    let engine = engine()?;
    let module = Module::new(
        &engine,
        r#"(module
            (type $f (func))
            (type $k (cont $f))
            (tag $yield)
            (table $t 1 externref)
            (global $saved (mut (ref null $k)) (ref.null $k))
            (func $body (local $e externref)
                (local.set $e (table.get $t (i32.const 0)))
                (table.set $t (i32.const 0) (ref.null extern))
                (suspend $yield)
                (table.set $t (i32.const 0) (local.get $e)))
            (elem declare func $body)
            (func (export "start")
                (block $h (result (ref $k))
                    (resume $k (on $yield $h) (cont.new $k (ref.func $body)))
                    (return))
                (global.set $saved))
            (func (export "finish")
                (block $h (result (ref $k))
                    (resume $k (on $yield $h) (global.get $saved))
                    (return))
                (drop))
            (export "t" (table $t)))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let table = instance.get_table(&mut store, "t").unwrap();
    let data = Arc::new(7u32);
    let r = ExternRef::new(&mut store, data.clone())?;
    table.set(&mut store, 0, Ref::Extern(Some(r)))?;
    instance
        .get_typed_func::<(), ()>(&mut store, "start")?
        .call(&mut store, ())?;
    store.gc(None);
    assert_eq!(Arc::strong_count(&data), 2, "the host value was dropped");
    instance
        .get_typed_func::<(), ()>(&mut store, "finish")?
        .call(&mut store, ())?;
    let back = table.get(&mut store, 0).unwrap();
    let back = back.unwrap_extern().expect("the externref came back");
    let value = back.data(&store)?.expect("host data");
    assert_eq!(value.downcast_ref::<Arc<u32>>().map(|a| **a), Some(7));
    Ok(())
}

/// A module whose continuations cross the host API.
const CONT_VALUES: &str = r#"(module
    (type $f (func (result i32)))
    (type $k (cont $f))
    (import "host" "pass" (func $pass (param (ref null $k)) (result (ref null $k))))
    (func $body (result i32) (i32.const 42))
    (elem declare func $body)
    (global (export "g") (mut (ref null $k)) (ref.null $k))
    (func (export "make") (result (ref null $k)) (cont.new $k (ref.func $body)))
    (func (export "run") (param (ref null $k)) (result i32) (resume $k (local.get 0)))
    (func (export "through_host") (result i32)
        (resume $k (call $pass (cont.new $k (ref.func $body)))))
)"#;

#[test]
fn continuation_references_cross_the_host_api() -> Result<()> {
    let engine = engine()?;
    let module = Module::new(&engine, CONT_VALUES)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let pass_ty = module
        .imports()
        .next()
        .and_then(|i| i.ty().func().cloned())
        .expect("one function import");
    linker.func_new("host", "pass", pass_ty, |_, params, results| {
        assert!(matches!(params[0], Val::ContRef(Some(_))));
        results[0] = params[0].clone();
        Ok(())
    })?;
    let instance = linker.instantiate(&mut store, &module)?;

    // Wasm -> host -> wasm inside one call.
    let through = instance.get_typed_func::<(), i32>(&mut store, "through_host")?;
    assert_eq!(through.call(&mut store, ())?, 42);

    // A continuation returned to the host and resumed by a later call.
    let make = instance.get_func(&mut store, "make").unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut k = [Val::I32(0)];
    make.call(&mut store, &[], &mut k)?;
    let Val::ContRef(Some(c)) = k[0] else {
        panic!("expected a continuation, got {:?}", k[0]);
    };
    let ty = k[0].ty(&store)?;
    let ValType::Ref(r) = &ty else { panic!("{ty}") };
    assert!(!r.is_nullable() && r.heap_type().is_concrete_cont());
    let mut out = [Val::I32(0)];
    run.call(&mut store, &[Val::ContRef(Some(c))], &mut out)?;
    assert_eq!(out[0].unwrap_i32(), 42);
    // One-shot: the same reference again is stale.
    let err = run
        .call(&mut store, &[Val::ContRef(Some(c))], &mut out)
        .unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::ContinuationAlreadyConsumed)
    );

    // Nulls: a global's default, its type, and a null argument.
    let g = instance.get_global(&mut store, "g").unwrap();
    let null = g.get(&mut store);
    assert!(matches!(null, Val::ContRef(None)));
    assert!(null.matches_ty(&store, g.ty(&store).content())?);
    g.set(&mut store, Val::ContRef(None))?;
    assert!(g.set(&mut store, Val::I32(0)).is_err());
    let err = run
        .call(&mut store, &[Val::ContRef(None)], &mut out)
        .unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::NullReference));

    // A reference is only valid in its own store.
    let mut other = Store::new(&engine, ());
    let instance2 = linker.instantiate(&mut other, &module)?;
    make.call(&mut store, &[], &mut k)?;
    let run2 = instance2.get_func(&mut other, "run").unwrap();
    assert!(run2.call(&mut other, &[k[0].clone()], &mut out).is_err());
    Ok(())
}
