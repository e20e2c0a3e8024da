//! Component-model async misuse is a clear error (a trap), never a crash;
//! cancelling a
//! pending call by dropping its future leaves the store usable.

use std::future::Future;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Config, Engine, Store};

/// A component whose async-lifted export `f` runs `body` (a core function
/// body with the builtins below in scope) as its start and whose callback
/// runs `cb`.
fn component(body: &str, cb: &str) -> String {
    format!(
        r#"(component
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core module $m
    (import "" "task.return" (func $ret (param i32)))
    (import "" "task.cancel" (func $task-cancel))
    (import "" "context.get" (func $cget (result i32)))
    (import "" "waitable-set.new" (func $set-new (result i32)))
    (import "" "waitable-set.drop" (func $set-drop (param i32)))
    (import "" "waitable-set.poll" (func $poll (param i32 i32) (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask-drop (param i32)))
    (import "" "backpressure.inc" (func $bp-inc))
    (import "" "backpressure.dec" (func $bp-dec))
    (import "" "yield" (func $yield (result i32)))
    (import "" "stream.new" (func $stream-new (result i64)))
    (func (export "f") (param i32) (result i32) {body})
    (func (export "cb") (param i32 i32 i32) (result i32) {cb})
    (func (export "sync") (result i32) (call $ret (i32.const 1)) (i32.const 0))
    (func (export "sync-context") (result i32) (call $cget)))
  (type $s (stream u8))
  (core func $ret (canon task.return (result u32)))
  (core func $task-cancel (canon task.cancel))
  (core func $cget (canon context.get i32 0))
  (core func $set-new (canon waitable-set.new))
  (core func $set-drop (canon waitable-set.drop))
  (core func $poll (canon waitable-set.poll (memory (core memory $libc "memory"))))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core func $bp-inc (canon backpressure.inc))
  (core func $bp-dec (canon backpressure.dec))
  (core func $yield (canon thread.yield))
  (core func $stream-new (canon stream.new $s))
  (core instance $i (instantiate $m (with "" (instance
    (export "task.return" (func $ret))
    (export "task.cancel" (func $task-cancel))
    (export "context.get" (func $cget))
    (export "waitable-set.new" (func $set-new))
    (export "waitable-set.drop" (func $set-drop))
    (export "waitable-set.poll" (func $poll))
    (export "waitable.join" (func $join))
    (export "subtask.drop" (func $subtask-drop))
    (export "backpressure.inc" (func $bp-inc))
    (export "backpressure.dec" (func $bp-dec))
    (export "yield" (func $yield))
    (export "stream.new" (func $stream-new))))))
  (func (export "f") async (param "x" u32) (result u32)
    (canon lift (core func $i "f") async (callback (core func $i "cb"))))
  (func (export "sync") (result u32) (canon lift (core func $i "sync")))
  (func (export "sync-context") (result u32) (canon lift (core func $i "sync-context")))
)"#
    )
}

/// Calls `f(1)` of a component made of `body` and `cb`.
fn call(body: &str, cb: &str) -> anyhow::Result<u32> {
    let engine = Engine::default();
    let component = Component::new(&engine, component(body, cb))?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &component)?;
    let f = instance.get_typed_func::<(u32,), (u32,)>(&mut store, "f")?;
    Ok(f.call(&mut store, (1,))?.0)
}

fn assert_fails(body: &str, cb: &str, message: &str) {
    let err = call(body, cb).unwrap_err();
    assert!(format!("{err:?}").contains(message), "{message}: {err:?}");
}

const UNREACHABLE: &str = "unreachable";

#[test]
fn builtins_work_in_one_task() {
    // poll of an empty set: `none` (0); yield: not cancelled (0);
    // backpressure up and down; a set created and dropped.
    let body = "(local $s i32)
        (local.set $s (call $set-new))
        (if (call $poll (local.get $s) (i32.const 8)) (then unreachable))
        (if (call $yield) (then unreachable))
        (call $bp-inc) (call $bp-dec)
        (call $set-drop (local.get $s))
        (call $ret (i32.add (local.get 0) (local.get $s)))
        (i32.const 0)";
    assert_eq!(call(body, UNREACHABLE).unwrap(), 2);
}

#[test]
fn task_return_twice_is_an_error() {
    let body = "(call $ret (i32.const 1)) (call $ret (i32.const 2)) (i32.const 0)";
    assert_fails(body, UNREACHABLE, "`task.return` called twice");
}

#[test]
fn exit_without_task_return_is_an_error() {
    assert_fails(
        "(i32.const 0)",
        UNREACHABLE,
        "without calling `task.return`",
    );
}

#[test]
fn invalid_callback_codes_are_errors() {
    assert_fails("(i32.const 7)", UNREACHABLE, "invalid callback code 7");
    // WAIT on a handle that is not a waitable set.
    assert_fails("(i32.const 0x52)", UNREACHABLE, "unknown waitable handle 5");
}

#[test]
fn wrong_handles_are_errors() {
    let body = "(call $join (i32.const 9) (i32.const 0)) (i32.const 0)";
    assert_fails(body, UNREACHABLE, "unknown waitable handle 9");
    let body = "(call $subtask-drop (call $set-new)) (i32.const 0)";
    assert_fails(body, UNREACHABLE, "is not a subtask");
    let body = "(call $set-drop (i32.const 3)) (i32.const 0)";
    assert_fails(body, UNREACHABLE, "unknown waitable handle 3");
}

#[test]
fn backpressure_underflow_and_task_cancel_are_errors() {
    assert_fails(
        "(call $bp-dec) (i32.const 0)",
        UNREACHABLE,
        "`backpressure.dec` below zero",
    );
    assert_fails(
        "(call $task-cancel) (i32.const 0)",
        UNREACHABLE,
        "not cancelled",
    );
}

#[test]
fn a_task_that_waits_for_nothing_is_a_deadlock_error() {
    // WAIT on an empty set: nothing could ever deliver an event.
    let body = "(i32.or (i32.const 2) (i32.shl (call $set-new) (i32.const 4)))";
    assert_fails(body, UNREACHABLE, "deadlock");
}

#[test]
fn stream_builtins_run() {
    // `stream.new` gives two handles after the waitable set made before
    // (readable 2, writable 3).
    let body = "(drop (call $set-new)) \
        (call $ret (i32.wrap_i64 (i64.add (call $stream-new) (i64.const 0)))) (i32.const 0)";
    assert_eq!(call(body, UNREACHABLE).unwrap(), 2);
}

#[test]
fn task_builtins_outside_an_async_task_are_errors() {
    let engine = Engine::default();
    let component = Component::new(&engine, component("(i32.const 0)", UNREACHABLE)).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let sync = instance.get_func(&mut store, "sync").unwrap();
    let mut out = [Val::Bool(false)];
    let err = sync.call(&mut store, &[], &mut out).unwrap_err();
    assert!(
        format!("{err:?}").contains("no async task is running"),
        "{err:?}"
    );
    // A synchronous call has context slots of its own, starting at 0.
    let context = instance.get_func(&mut store, "sync-context").unwrap();
    context.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(0));
}

#[test]
fn component_model_async_can_be_disabled() {
    let mut config = Config::new();
    config.wasm_component_model_async(false);
    let engine = Engine::new(&config).unwrap();
    let err = Component::new(&engine, component("(i32.const 0)", UNREACHABLE)).unwrap_err();
    assert!(format!("{err:?}").contains("async"), "{err:?}");
}

/// `f` waits on a host future that never finishes.
const FOREVER: &str = r#"(component
  (import "never" (func $never async (result u32)))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core func $never (canon lower (func $never) async (memory (core memory $libc "memory"))))
  (core module $m
    (import "" "never" (func $never (param i32) (result i32)))
    (import "" "task.return" (func $ret (param i32)))
    (import "" "waitable-set.new" (func $set-new (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "subtask.cancel" (func $cancel (param i32) (result i32)))
    (import "" "subtask.drop" (func $subtask-drop (param i32)))
    ;; starts `never`, cancels it and returns what `subtask.cancel` said
    (func (export "c") (result i32)
      (local $h i32) (local $r i32)
      (local.set $h (i32.shr_u (call $never (i32.const 16)) (i32.const 4)))
      (local.set $r (call $cancel (local.get $h)))
      (call $subtask-drop (local.get $h))
      (call $ret (local.get $r))
      (i32.const 0))
    (func (export "f") (result i32)
      (local $set i32)
      (local.set $set (call $set-new))
      (call $join (i32.shr_u (call $never (i32.const 16)) (i32.const 4)) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "g") (result i32) (call $ret (i32.const 9)) (i32.const 0))
    (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
  (core func $ret (canon task.return (result u32)))
  (core func $set-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $cancel (canon subtask.cancel))
  (core func $subtask-drop (canon subtask.drop))
  (core instance $i (instantiate $m (with "" (instance
    (export "subtask.cancel" (func $cancel))
    (export "subtask.drop" (func $subtask-drop))
    (export "never" (func $never))
    (export "task.return" (func $ret))
    (export "waitable-set.new" (func $set-new))
    (export "waitable.join" (func $join))))))
  (func (export "f") async (result u32)
    (canon lift (core func $i "f") async (callback (core func $i "cb"))))
  (func (export "c") async (result u32)
    (canon lift (core func $i "c") async (callback (core func $i "cb"))))
  (func (export "g") async (result u32)
    (canon lift (core func $i "g") async (callback (core func $i "cb"))))
)"#;

#[tokio::test]
async fn dropping_a_pending_call_cancels_it() {
    let engine = Engine::default();
    let component = Component::new(&engine, FOREVER).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .root()
        .func_wrap_concurrent("never", |_, (): ()| {
            Box::pin(async { std::future::pending::<anyhow::Result<(u32,)>>().await })
        })
        .unwrap();
    let instance = linker
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let f = instance
        .get_typed_func::<(), (u32,)>(&mut store, "f")
        .unwrap();
    let g = instance
        .get_typed_func::<(), (u32,)>(&mut store, "g")
        .unwrap();
    let timeout = std::time::Duration::from_millis(20);
    let r = tokio::time::timeout(timeout, f.call_async(&mut store, ())).await;
    assert!(r.is_err(), "the call cannot finish");
    // The store is still usable.
    assert_eq!(g.call_async(&mut store, ()).await.unwrap(), (9,));
    assert_eq!(g.call(&mut store, ()).unwrap(), (9,));
    // `subtask.cancel` drops the host future: CANCELLED_BEFORE_RETURNED.
    let c = instance
        .get_typed_func::<(), (u32,)>(&mut store, "c")
        .unwrap();
    assert_eq!(c.call_async(&mut store, ()).await.unwrap(), (4,));
}

/// `inc`/`dec` (synchronous) move the instance's backpressure; `f` is an
/// async export that returns at once.
const BACKPRESSURE: &str = r#"(component
  (core module $m
    (import "" "task.return" (func $ret (param i32)))
    (import "" "backpressure.inc" (func $bp-inc))
    (import "" "backpressure.dec" (func $bp-dec))
    (func (export "inc") (call $bp-inc))
    (func (export "dec") (call $bp-dec))
    (func (export "f") (param i32) (result i32) (call $ret (local.get 0)) (i32.const 0))
    (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
  (core func $ret (canon task.return (result u32)))
  (core func $bp-inc (canon backpressure.inc))
  (core func $bp-dec (canon backpressure.dec))
  (core instance $i (instantiate $m (with "" (instance
    (export "task.return" (func $ret))
    (export "backpressure.inc" (func $bp-inc))
    (export "backpressure.dec" (func $bp-dec))))))
  (func (export "inc") (canon lift (core func $i "inc")))
  (func (export "dec") (canon lift (core func $i "dec")))
  (func (export "f") async (param "x" u32) (result u32)
    (canon lift (core func $i "f") async (callback (core func $i "cb"))))
)"#;

#[tokio::test]
async fn backpressure_delays_new_tasks() {
    let engine = Engine::default();
    let component = Component::new(&engine, BACKPRESSURE).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let inc = instance
        .get_typed_func::<(), ()>(&mut store, "inc")
        .unwrap();
    let dec = instance
        .get_typed_func::<(), ()>(&mut store, "dec")
        .unwrap();
    let f = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "f")
        .unwrap();
    // Synchronously, a task that cannot start is a deadlock.
    inc.call(&mut store, ()).unwrap();
    let err = f.call(&mut store, (1,)).unwrap_err();
    assert!(format!("{err:?}").contains("deadlock"), "{err:?}");
    let r = store
        .run_concurrent(async |acc| {
            let mut call = Box::pin(f.call_concurrent(acc, (3,)));
            for _ in 0..5 {
                let pending = std::future::poll_fn(|cx| {
                    std::task::Poll::Ready(call.as_mut().poll(cx).is_pending())
                })
                .await;
                assert!(pending, "the task must not start under backpressure");
                tokio::task::yield_now().await;
            }
            acc.with(|mut s| dec.call(&mut s, ())).unwrap();
            call.await
        })
        .await
        .unwrap();
    assert_eq!(r.unwrap(), (3,));
}
