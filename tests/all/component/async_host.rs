//! Async host functions of components (`func_wrap_async`,
//! `func_new_async`) and async instantiation and calls.

use crate::async_::{run, PendingTimes};
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

const WAT: &str = r#"(component
  (import "slow-double" (func $d (param "x" u32) (result u32)))
  (import "slow-neg" (func $n (param "x" s64) (result s64)))
  (core func $d (canon lower (func $d)))
  (core func $n (canon lower (func $n)))
  (core module $m
    (import "host" "d" (func $d (param i32) (result i32)))
    (import "host" "n" (func $n (param i64) (result i64)))
    (func (export "quad") (param i32) (result i32) (call $d (call $d (local.get 0))))
    (func (export "neg") (param i64) (result i64) (call $n (local.get 0))))
  (core instance $i (instantiate $m (with "host" (instance (export "d" (func $d)) (export "n" (func $n))))))
  (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $i "quad")))
  (func (export "neg") (param "x" s64) (result s64) (canon lift (core func $i "neg"))))"#;

#[test]
fn async_host_functions_suspend_the_guest() {
    let engine = Engine::default();
    let component = Component::new(&engine, WAT).unwrap();
    let mut linker: Linker<u32> = Linker::new(&engine);
    linker
        .root()
        .func_wrap_async("slow-double", |mut store, (x,): (u32,)| {
            Box::new(async move {
                PendingTimes(2).await;
                *store.data_mut() += 1;
                Ok((x * 2,))
            })
        })
        .unwrap();
    linker
        .root()
        .func_new_async("slow-neg", |_store, _ty, params, results| {
            Box::new(async move {
                PendingTimes(1).await;
                let Val::S64(x) = params[0] else {
                    unreachable!()
                };
                results[0] = Val::S64(-x);
                Ok(())
            })
        })
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = run(linker.instantiate_async(&mut store, &component))
        .0
        .unwrap();
    let quad = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "quad")
        .unwrap();
    let (result, pending) = run(quad.call_async(&mut store, (5,)));
    assert_eq!(result.unwrap(), (20,));
    assert_eq!(pending, 4);
    assert_eq!(*store.data(), 2);
    let neg = instance.get_func(&mut store, "neg").unwrap();
    let mut out = [Val::S64(0)];
    let (result, pending) = run(neg.call_async(&mut store, &[Val::S64(7)], &mut out));
    result.unwrap();
    assert_eq!((out[0].clone(), pending), (Val::S64(-7), 1));
    // Called synchronously, an async import fails instead of blocking.
    let err = quad.call(&mut store, (1,)).unwrap_err();
    assert!(format!("{err:?}").contains("async"), "{err:?}");
    // An InstancePre instantiates asynchronously too.
    let pre = linker.instantiate_pre(&component).unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = run(pre.instantiate_async(&mut store)).0.unwrap();
    let quad = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "quad")
        .unwrap();
    assert_eq!(run(quad.call_async(&mut store, (1,))).0.unwrap(), (4,));
}
