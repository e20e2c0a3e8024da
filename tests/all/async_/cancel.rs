//! Dropping the future of an unfinished async call cancels it safely.

use super::run;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use wasmtime::*;

const WAT: &str = r#"
(module
  (import "host" "wait_forever" (func $wait))
  (func (export "spin") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "stuck") (call $wait)))
"#;

/// Polls `future` `n` times, expecting it to stay pending.
fn poll_pending<F: Future>(future: std::pin::Pin<&mut F>, n: usize) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = future;
    for _ in 0..n {
        assert!(future.as_mut().poll(&mut cx).is_pending());
    }
}

fn setup() -> (Store<()>, Instance, Arc<AtomicUsize>) {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut linker = Linker::new(&engine);
    let counter = dropped.clone();
    linker
        .func_wrap_async(
            "host",
            "wait_forever",
            move |_caller: Caller<'_, ()>, (): ()| {
                /// Counts its drops: the host future is dropped on cancellation.
                struct Guard(Arc<AtomicUsize>);
                impl Drop for Guard {
                    fn drop(&mut self) {
                        self.0.fetch_add(1, Ordering::SeqCst);
                    }
                }
                let guard = Guard(counter.clone());
                Box::new(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                })
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(u64::MAX).unwrap();
    store.fuel_async_yield_interval(Some(1000)).unwrap();
    let instance = run(linker.instantiate_async(&mut store, &module))
        .0
        .unwrap();
    (store, instance, dropped)
}

#[test]
fn dropping_a_call_yielding_on_fuel() {
    let (mut store, instance, _) = setup();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    {
        let future = pin!(spin.call_async(&mut store, i32::MAX));
        poll_pending(future, 5);
    }
    // The store is usable afterwards, on a fresh fiber.
    assert_eq!(run(spin.call_async(&mut store, 5000)).0.unwrap(), 5000);
}

#[test]
fn dropping_a_call_waiting_for_a_host_future() {
    let (mut store, instance, dropped) = setup();
    let stuck = instance
        .get_typed_func::<(), ()>(&mut store, "stuck")
        .unwrap();
    for round in 1..=3 {
        {
            let future = pin!(stuck.call_async(&mut store, ()));
            poll_pending(future, 2);
        }
        assert_eq!(dropped.load(Ordering::SeqCst), round);
    }
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    assert_eq!(run(spin.call_async(&mut store, 10)).0.unwrap(), 10);
}

#[test]
fn dropping_a_call_before_its_first_poll() {
    let (mut store, instance, _) = setup();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    drop(spin.call_async(&mut store, 10));
    assert_eq!(run(spin.call_async(&mut store, 10)).0.unwrap(), 10);
}

#[test]
fn a_pending_call_completes_when_polled_again() {
    let (mut store, instance, _) = setup();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    let mut future = pin!(spin.call_async(&mut store, 100_000));
    let mut cx = Context::from_waker(Waker::noop());
    let mut pending = 0;
    let result = loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(r) => break r,
            Poll::Pending => pending += 1,
        }
    };
    assert_eq!(result.unwrap(), 100_000);
    assert!(pending > 10);
}
