//! Component-model async, callback-lifted exports called by the host:
//! `task.return`, callback codes (exit, yield, wait), `context.get/set`,
//! sync and async host calls, `call_concurrent` inside `run_concurrent`.

use super::LIBC;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

/// An export `inc(x) -> x + 1` that returns at once, and `twice(x)` that
/// keeps `x` in its context slot, yields, and returns `2x` from its
/// callback.
const IMMEDIATE: &str = r#"(component
  (core module $m
    (import "" "task.return" (func $ret (param i32)))
    (import "" "context.get" (func $cget (result i32)))
    (import "" "context.set" (func $cset (param i32)))
    (func (export "inc") (param i32) (result i32)
      (call $ret (i32.add (local.get 0) (i32.const 1)))
      (i32.const 0))
    (func (export "twice") (param i32) (result i32)
      (call $cset (local.get 0))
      (i32.const 1))
    (func (export "cb") (param i32 i32 i32) (result i32)
      ;; only called after a yield: the event is `none`
      (if (i32.ne (local.get 0) (i32.const 0)) (then unreachable))
      (call $ret (i32.mul (call $cget) (i32.const 2)))
      (i32.const 0)))
  (core func $ret (canon task.return (result u32)))
  (core func $cget (canon context.get i32 0))
  (core func $cset (canon context.set i32 0))
  (core instance $i (instantiate $m (with "" (instance
    (export "task.return" (func $ret))
    (export "context.get" (func $cget))
    (export "context.set" (func $cset))))))
  (func (export "inc") async (param "x" u32) (result u32)
    (canon lift (core func $i "inc") async (callback (core func $i "cb"))))
  (func (export "twice") async (param "x" u32) (result u32)
    (canon lift (core func $i "twice") async (callback (core func $i "cb"))))
)"#;

#[test]
fn async_lifted_exports_return_through_task_return() {
    let engine = Engine::default();
    let component = Component::new(&engine, IMMEDIATE).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let inc = instance.get_func(&mut store, "inc").unwrap();
    let mut out = [Val::Bool(false)];
    inc.call(&mut store, &[Val::U32(41)], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(42));
    let twice = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "twice")
        .unwrap();
    assert_eq!(twice.call(&mut store, (21,)).unwrap(), (42,));
    // Again, and statically typed `inc`.
    assert_eq!(twice.call(&mut store, (5,)).unwrap(), (10,));
    let inc = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "inc")
        .unwrap();
    assert_eq!(inc.call(&mut store, (1,)).unwrap(), (2,));
}

#[tokio::test]
async fn async_lifted_exports_through_call_async() {
    let engine = Engine::default();
    let component = Component::new(&engine, IMMEDIATE).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let twice = instance.get_func(&mut store, "twice").unwrap();
    let mut out = [Val::Bool(false)];
    twice
        .call_async(&mut store, &[Val::U32(8)], &mut out)
        .await
        .unwrap();
    assert_eq!(out[0], Val::U32(16));
    let inc = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "inc")
        .unwrap();
    assert_eq!(inc.call_async(&mut store, (9,)).await.unwrap(), (10,));
}

#[tokio::test]
async fn call_concurrent_inside_run_concurrent() {
    let engine = Engine::default();
    let component = Component::new(&engine, IMMEDIATE).unwrap();
    let mut store = Store::new(&engine, 7u32);
    let instance = Linker::new(&engine)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let twice = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "twice")
        .unwrap();
    let inc = instance.get_func(&mut store, "inc").unwrap();
    let (a, b, data) = store
        .run_concurrent(async |acc| {
            let a = twice.call_concurrent(acc, (4,)).await.unwrap();
            let mut out = [Val::Bool(false)];
            inc.call_concurrent(acc, &[Val::U32(4)], &mut out)
                .await
                .unwrap();
            let data = acc.with(|mut access| {
                *access.data_mut() += 1;
                *access.get()
            });
            (a, out[0].clone(), data)
        })
        .await
        .unwrap();
    assert_eq!(a, (8,));
    assert_eq!(b, Val::U32(5));
    assert_eq!(data, 8);
    assert_eq!(*store.data(), 8);
}

/// `run(x)` calls the imported `slow(x)` with an async lower; if it is
/// still running it waits for the subtask in a waitable set, and returns
/// what `slow` stored (at 1024 + 4x) once it has finished.
fn waiting_component(lower_sync: bool) -> String {
    let lower = if lower_sync { "" } else { "async" };
    format!(
        r#"(component
  (import "slow" (func $slow async (param "x" u32) (result u32)))
  {LIBC}
  (core func $slow (canon lower (func $slow) {lower} (memory (core memory $libc "memory"))))
  (core module $m
    (import "" "slow" (func $slow (param i32 i32) (result i32)))
    (import "" "task.return" (func $ret (param i32)))
    (import "" "context.get" (func $cget (result i32)))
    (import "" "context.set" (func $cset (param i32)))
    (import "" "waitable-set.new" (func $set-new (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask-drop (param i32)))
    (import "libc" "memory" (memory 1))
    (func $slot (param i32) (result i32)
      (i32.add (i32.const 1024) (i32.mul (local.get 0) (i32.const 4))))
    (func (export "run") (param i32) (result i32)
      (local $status i32) (local $set i32)
      (call $cset (local.get 0))
      (local.set $status (call $slow (local.get 0) (call $slot (local.get 0))))
      (if (i32.eq (i32.and (local.get $status) (i32.const 0xf)) (i32.const 2))
        (then
          (call $ret (i32.load (call $slot (local.get 0))))
          (return (i32.const 0))))
      (local.set $set (call $set-new))
      (call $join (i32.shr_u (local.get $status) (i32.const 4)) (local.get $set))
      ;; WAIT on the set
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "cb") (param $event i32) (param $index i32) (param $payload i32) (result i32)
      ;; a subtask event with state RETURNED
      (if (i32.ne (local.get $event) (i32.const 1)) (then unreachable))
      (if (i32.ne (local.get $payload) (i32.const 2)) (then unreachable))
      (call $subtask-drop (local.get $index))
      (call $ret (i32.load (call $slot (call $cget))))
      (i32.const 0)))
  (core func $ret (canon task.return (result u32)))
  (core func $cget (canon context.get i32 0))
  (core func $cset (canon context.set i32 0))
  (core func $set-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "slow" (func $slow))
      (export "task.return" (func $ret))
      (export "context.get" (func $cget))
      (export "context.set" (func $cset))
      (export "waitable-set.new" (func $set-new))
      (export "waitable.join" (func $join))
      (export "subtask.drop" (func $subtask-drop))))))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $i "run") async (callback (core func $i "cb"))))
)"#
    )
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) in_flight: usize,
    pub(crate) max_in_flight: usize,
}

pub(crate) fn slow_linker(engine: &Engine, delay_ms: u64) -> Linker<Counters> {
    let mut linker = Linker::<Counters>::new(engine);
    linker
        .root()
        .func_wrap_concurrent("slow", move |acc, (x,): (u32,)| {
            Box::pin(async move {
                acc.with(|mut a| {
                    let c = a.data_mut();
                    c.in_flight += 1;
                    c.max_in_flight = c.max_in_flight.max(c.in_flight);
                });
                tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
                acc.with(|mut a| a.data_mut().in_flight -= 1);
                Ok((x * 100,))
            })
        })
        .unwrap();
    linker
}

#[tokio::test]
async fn async_lowered_host_calls_become_subtasks() {
    let engine = Engine::default();
    let component = Component::new(&engine, waiting_component(false)).unwrap();
    let mut store = Store::new(&engine, Counters::default());
    let instance = slow_linker(&engine, 5)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let run = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "run")
        .unwrap();
    // Through `call_async`: the loop waits for the host future.
    assert_eq!(run.call_async(&mut store, (3,)).await.unwrap(), (300,));
    // Many calls at once in one store: every host future is in flight
    // together.
    let results = store
        .run_concurrent(async |acc| {
            let calls: Vec<_> = (0..50u32)
                .map(|i| Box::pin(run.call_concurrent(acc, (i,))))
                .collect();
            join_all(calls).await
        })
        .await
        .unwrap();
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.unwrap(), (i as u32 * 100,));
    }
    assert_eq!(store.data().in_flight, 0);
    assert_eq!(store.data().max_in_flight, 50);
}

#[tokio::test]
async fn sync_lowered_concurrent_host_functions_are_awaited() {
    let engine = Engine::default();
    let component = Component::new(&engine, sync_caller()).unwrap();
    let mut store = Store::new(&engine, Counters::default());
    let instance = slow_linker(&engine, 1)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let run = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call_async(&mut store, (7,)).await.unwrap(), (700,));
    // A synchronous call cannot wait for the sleeping future.
    let err = run.call(&mut store, (7,)).unwrap_err();
    assert!(format!("{err:?}").contains("synchronous call"), "{err:?}");
}

/// A synchronously lifted `run` calling the synchronously lowered `slow`.
fn sync_caller() -> &'static str {
    r#"(component
  (import "slow" (func $slow async (param "x" u32) (result u32)))
  (core func $slow (canon lower (func $slow)))
  (core module $m
    (import "" "slow" (func $slow (param i32) (result i32)))
    (func (export "run") (param i32) (result i32) (call $slow (local.get 0))))
  (core instance $i (instantiate $m (with "" (instance (export "slow" (func $slow))))))
  (func (export "run") async (param "x" u32) (result u32) (canon lift (core func $i "run")))
)"#
}

/// Polls all `futures` to completion (in the calling task, so that they
/// stay inside `run_concurrent`'s polls).
pub(crate) async fn join_all<F: std::future::Future + Unpin>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Option<F>> = futures.into_iter().map(Some).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futures.iter_mut().zip(out.iter_mut()) {
            if let Some(fut) = f {
                match std::pin::Pin::new(fut).poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *o = Some(v);
                        *f = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.unwrap()).collect()
}
