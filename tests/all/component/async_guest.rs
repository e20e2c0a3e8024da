//! Component-model async between two components of one composition, and
//! stackful async lifts (`async` without `callback`).

use super::async_lift::slow_linker;
use super::LIBC;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

/// `callee` lifts `f(x) = 3x` with a callback (it returns, then yields
/// once before exiting); `caller` lowers it synchronously (`sync`) and
/// asynchronously (`async`, which expects the status `RETURNED`).
const COMPOSED: &str = r#"(component
  (component $callee
    (core module $m
      (import "" "task.return" (func $ret (param i32)))
      (func (export "f") (param i32) (result i32)
        (call $ret (i32.mul (local.get 0) (i32.const 3)))
        (i32.const 1))
      (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0)))
    (core func $ret (canon task.return (result u32)))
    (core instance $i (instantiate $m (with "" (instance (export "task.return" (func $ret))))))
    (func (export "f") async (param "x" u32) (result u32)
      (canon lift (core func $i "f") async (callback (core func $i "cb")))))
  (instance $callee (instantiate $callee))
  (component $caller
    (import "f" (func $f async (param "x" u32) (result u32)))
    (core module $libc (memory (export "memory") 1))
    (core instance $libc (instantiate $libc))
    (core func $f-sync (canon lower (func $f)))
    (core func $f-async (canon lower (func $f) async (memory (core memory $libc "memory"))))
    (core module $m
      (import "" "f-sync" (func $fs (param i32) (result i32)))
      (import "" "f-async" (func $fa (param i32 i32) (result i32)))
      (import "libc" "memory" (memory 1))
      (func (export "sync") (param i32) (result i32) (call $fs (local.get 0)))
      (func (export "async") (param i32) (result i32)
        (if (i32.ne (call $fa (local.get 0) (i32.const 64)) (i32.const 2)) (then unreachable))
        (i32.load (i32.const 64))))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance (export "f-sync" (func $f-sync)) (export "f-async" (func $f-async))))))
    (func (export "sync") async (param "x" u32) (result u32) (canon lift (core func $i "sync")))
    (func (export "async") (param "x" u32) (result u32) (canon lift (core func $i "async"))))
  (instance $caller (instantiate $caller (with "f" (func $callee "f"))))
  (export "sync" (func $caller "sync"))
  (export "async" (func $caller "async"))
)"#;

#[test]
fn guest_to_guest_calls_of_async_lifted_functions() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMPOSED).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    for name in ["sync", "async"] {
        let f = instance
            .get_typed_func::<(u32,), (u32,)>(&mut store, name)
            .unwrap();
        assert_eq!(f.call(&mut store, (5,)).unwrap(), (15,), "{name}");
        assert_eq!(f.call(&mut store, (7,)).unwrap(), (21,), "{name}");
    }
}

/// A stackful `run(x)`: calls `slow` with an async lower and, while it
/// runs, blocks in `waitable-set.wait`.
fn stackful() -> String {
    format!(
        r#"(component
  (import "slow" (func $slow async (param "x" u32) (result u32)))
  {LIBC}
  (core func $slow (canon lower (func $slow) async (memory (core memory $libc "memory"))))
  (core module $m
    (import "" "slow" (func $slow (param i32 i32) (result i32)))
    (import "" "task.return" (func $ret (param i32)))
    (import "" "waitable-set.new" (func $set-new (result i32)))
    (import "" "waitable-set.wait" (func $wait (param i32 i32) (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask-drop (param i32)))
    (import "libc" "memory" (memory 1))
    (func (export "run") (param i32)
      (local $st i32) (local $set i32)
      (local.set $st (call $slow (local.get 0) (i32.const 2000)))
      (if (i32.ne (i32.and (local.get $st) (i32.const 0xf)) (i32.const 2))
        (then
          (local.set $set (call $set-new))
          (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
          (if (i32.ne (call $wait (local.get $set) (i32.const 3000)) (i32.const 1))
            (then unreachable))
          (if (i32.ne (i32.load (i32.const 3004)) (i32.const 2)) (then unreachable))
          (call $subtask-drop (i32.load (i32.const 3000)))))
      (call $ret (i32.load (i32.const 2000)))))
  (core func $ret (canon task.return (result u32)))
  (core func $set-new (canon waitable-set.new))
  (core func $wait (canon waitable-set.wait (memory (core memory $libc "memory"))))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "slow" (func $slow))
      (export "task.return" (func $ret))
      (export "waitable-set.new" (func $set-new))
      (export "waitable-set.wait" (func $wait))
      (export "waitable.join" (func $join))
      (export "subtask.drop" (func $subtask-drop))))))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $i "run") async))
)"#
    )
}

#[tokio::test]
async fn stackful_async_lifts_wait_on_their_fiber() {
    let mut config = Config::new();
    config.wasm_component_model_async_stackful(true);
    let engine = Engine::new(&config).unwrap();
    let component = Component::new(&engine, stackful()).unwrap();
    let mut store = Store::new(&engine, Default::default());
    let instance = slow_linker(&engine, 2)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let run = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call_async(&mut store, (4,)).await.unwrap(), (400,));
    // Without a fiber the wait is an error.
    let err = run.call(&mut store, (4,)).unwrap_err();
    assert!(format!("{err:?}").contains("synchronous call"), "{err:?}");
}

#[test]
fn stackful_lifts_need_their_feature() {
    let engine = Engine::default();
    assert!(Component::new(&engine, stackful()).is_err());
}
