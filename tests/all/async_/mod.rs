//! Async calls: fibers, async host functions, fuel and epoch yields,
//! cancellation, stack limits on fiber stacks, and a tokio server load.

mod cancel;
mod hooks;
mod stacks;
mod tokio_load;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use wasmtime::*;

/// Wakes a parked thread.
struct ThreadWaker(std::thread::Thread);
impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread; returns its output and how
/// many polls returned `Pending`.
pub(crate) fn run<F: Future>(future: F) -> (F::Output, usize) {
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let mut pending = 0;
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return (v, pending),
            Poll::Pending => {
                pending += 1;
                std::thread::park_timeout(std::time::Duration::from_millis(10));
            }
        }
    }
}

/// A future that is pending `n` times (waking itself) before it is ready.
pub(crate) struct PendingTimes(pub usize);
impl Future for PendingTimes {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

const ADD_WAT: &str = r#"
(module
  (import "host" "slow_add" (func $slow_add (param i32 i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32)
    (call $slow_add (local.get 0) (local.get 1)))
  (func (export "pure") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3))))
"#;

fn add_linker(engine: &Engine, pendings: usize) -> Linker<()> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap_async(
            "host",
            "slow_add",
            move |_caller: Caller<'_, ()>, (a, b): (i32, i32)| {
                Box::new(async move {
                    PendingTimes(pendings).await;
                    a + b
                })
            },
        )
        .unwrap();
    linker
}

#[test]
fn call_async_returns_results() {
    let engine = Engine::default();
    let module = Module::new(&engine, ADD_WAT).unwrap();
    let linker = add_linker(&engine, 0);
    let mut store = Store::new(&engine, ());
    let ((), _) = run(async {
        let instance = linker.instantiate_async(&mut store, &module).await.unwrap();
        let pure = instance
            .get_typed_func::<i32, i32>(&mut store, "pure")
            .unwrap();
        assert_eq!(pure.call_async(&mut store, 14).await.unwrap(), 42);
        let add = instance.get_func(&mut store, "add").unwrap();
        let mut out = [Val::I32(0)];
        add.call_async(&mut store, &[Val::I32(40), Val::I32(2)], &mut out)
            .await
            .unwrap();
        assert_eq!(out[0].unwrap_i32(), 42);
    });
}

#[test]
fn pending_host_futures_suspend_the_wasm_stack() {
    let engine = Engine::default();
    let module = Module::new(&engine, ADD_WAT).unwrap();
    let linker = add_linker(&engine, 5);
    let mut store = Store::new(&engine, ());
    let instance = run(linker.instantiate_async(&mut store, &module))
        .0
        .unwrap();
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    let (result, pending) = run(add.call_async(&mut store, (1, 2)));
    assert_eq!(result.unwrap(), 3);
    assert_eq!(
        pending, 5,
        "each pending poll of the host future is a pending call"
    );
    // The same store, synchronously, for a function without async imports.
    let pure = instance
        .get_typed_func::<i32, i32>(&mut store, "pure")
        .unwrap();
    assert_eq!(pure.call(&mut store, 2).unwrap(), 6);
}

#[test]
fn async_host_functions_fail_in_sync_calls() {
    let engine = Engine::default();
    let module = Module::new(&engine, ADD_WAT).unwrap();
    let linker = add_linker(&engine, 0);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    let err = add.call(&mut store, (1, 2)).unwrap_err();
    assert!(format!("{err:?}").contains("async"), "{err:?}");
}

#[test]
fn dynamic_async_host_functions() {
    let engine = Engine::default();
    let module = Module::new(&engine, ADD_WAT).unwrap();
    let mut linker = Linker::new(&engine);
    let ty = FuncType::new(&engine, [ValType::I32, ValType::I32], [ValType::I32]);
    linker
        .func_new_async("host", "slow_add", ty, |_caller, params, results| {
            Box::new(async move {
                PendingTimes(2).await;
                results[0] = Val::I32(params[0].unwrap_i32() * params[1].unwrap_i32());
                Ok(())
            })
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = run(linker.instantiate_async(&mut store, &module))
        .0
        .unwrap();
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    let (result, pending) = run(add.call_async(&mut store, (6, 7)));
    assert_eq!(result.unwrap(), 42);
    assert_eq!(pending, 2);

    // `Func::wrap_async` and `Func::new_async` directly in a store.
    let f = Func::wrap_async(&mut store, |_caller, (x,): (i64,)| {
        Box::new(async move { x + 1 })
    });
    let typed = f.typed::<i64, i64>(&store).unwrap();
    assert_eq!(run(typed.call_async(&mut store, 41)).0.unwrap(), 42);
    let ty = FuncType::new(&engine, [], [ValType::F64]);
    let g = Func::new_async(&mut store, ty, |_caller, _params, results| {
        Box::new(async move {
            results[0] = Val::F64(2.5f64.to_bits());
            Ok(())
        })
    });
    let mut out = [Val::F64(0)];
    run(g.call_async(&mut store, &[], &mut out)).0.unwrap();
    assert_eq!(out[0].unwrap_f64(), 2.5);
}

const SPIN_WAT: &str = r#"
(module
  (func (export "spin") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1)))
"#;

#[test]
fn fuel_yields_and_then_traps_when_exhausted() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, SPIN_WAT).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(200_000).unwrap();
    store.fuel_async_yield_interval(Some(10_000)).unwrap();
    let instance = run(Instance::new_async(&mut store, &module, &[]))
        .0
        .unwrap();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    // Sync calls are refused once yields are configured.
    let err = spin.call(&mut store, 1).unwrap_err();
    assert!(err.to_string().contains("`*_async`"), "{err}");
    let (result, pending) = run(spin.call_async(&mut store, 10_000));
    assert_eq!(result.unwrap(), 10_000);
    assert!(pending >= 3, "expected several yields, got {pending}");
    // Running out of fuel altogether still traps.
    let (result, _) = run(spin.call_async(&mut store, i32::MAX));
    assert_eq!(
        result.unwrap_err().downcast::<Trap>().unwrap(),
        Trap::OutOfFuel
    );
    assert_eq!(store.get_fuel().unwrap(), 0);
    // Refuelled, the store runs again.
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(run(spin.call_async(&mut store, 1000)).0.unwrap(), 1000);
    assert!(store.fuel_async_yield_interval(Some(0)).is_err());
}

#[test]
#[allow(deprecated)]
fn out_of_fuel_async_yield_from_the_older_api() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, SPIN_WAT).unwrap();
    let mut store = Store::new(&engine, ());
    store.out_of_fuel_async_yield(20, 10_000);
    assert_eq!(store.get_fuel().unwrap(), 200_000);
    let instance = run(Instance::new_async(&mut store, &module, &[]))
        .0
        .unwrap();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    let (result, pending) = run(spin.call_async(&mut store, 10_000));
    assert_eq!(result.unwrap(), 10_000);
    assert!(pending >= 3);
}

#[test]
fn epoch_deadlines_yield() {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, SPIN_WAT).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(1);
    store.epoch_deadline_async_yield_and_update(1);
    let instance = run(Instance::new_async(&mut store, &module, &[]))
        .0
        .unwrap();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    let ticker_engine = engine.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let ticker = std::thread::spawn(move || {
        while !stop2.load(Ordering::Relaxed) {
            ticker_engine.increment_epoch();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
    let (result, pending) = run(spin.call_async(&mut store, 200_000_000));
    stop.store(true, Ordering::Relaxed);
    ticker.join().unwrap();
    assert_eq!(result.unwrap(), 200_000_000);
    assert!(pending >= 1, "expected epoch yields, got {pending}");

    // A callback asking for a custom yield waits for its future.
    let polled = Arc::new(AtomicUsize::new(0));
    let polled2 = polled.clone();
    store.epoch_deadline_callback(move |_| {
        polled2.fetch_add(1, Ordering::Relaxed);
        Ok(UpdateDeadline::YieldCustom(1000, Box::pin(PendingTimes(3))))
    });
    store.set_epoch_deadline(0);
    let (result, pending) = run(spin.call_async(&mut store, 10));
    assert_eq!(result.unwrap(), 10);
    assert_eq!(polled.load(Ordering::Relaxed), 1);
    assert_eq!(pending, 3);
}

#[test]
fn yielding_in_a_sync_call_is_an_error() {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, SPIN_WAT).unwrap();
    let mut store = Store::new(&engine, ());
    store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
    store.set_epoch_deadline(0);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let spin = instance
        .get_typed_func::<i32, i32>(&mut store, "spin")
        .unwrap();
    let err = spin.call(&mut store, 10).unwrap_err();
    assert!(format!("{err:?}").contains("async"), "{err:?}");
}

const RECURSE_WAT: &str = r#"
(module
  (func $r (export "recurse") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1))))))))
"#;

#[test]
fn stack_overflow_on_fiber_stacks_traps() {
    for (stack, max_wasm) in [
        (2 << 20, 512 << 10),
        (64 << 10, 64 << 10),
        (48 << 10, 16 << 10),
    ] {
        let mut config = Config::new();
        config.async_stack_size(stack).max_wasm_stack(max_wasm);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, RECURSE_WAT).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = run(Instance::new_async(&mut store, &module, &[]))
            .0
            .unwrap();
        let f = instance
            .get_typed_func::<i32, i32>(&mut store, "recurse")
            .unwrap();
        let err = run(f.call_async(&mut store, i32::MAX)).0.unwrap_err();
        assert_eq!(
            err.downcast::<Trap>().unwrap(),
            Trap::StackOverflow,
            "stack {stack}"
        );
        // Shallow recursion still works on the same store (and stack).
        assert_eq!(run(f.call_async(&mut store, 100)).0.unwrap(), 100);
    }
    let mut config = Config::new();
    config.async_stack_size(64 << 10).max_wasm_stack(128 << 10);
    let err = Engine::new(&config).unwrap_err();
    assert!(err.to_string().contains("async_stack_size"), "{err}");
}

#[test]
fn traps_in_async_calls_carry_backtraces() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (func $inner unreachable)
             (func (export "outer") call $inner))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = run(Instance::new_async(&mut store, &module, &[]))
        .0
        .unwrap();
    let f = instance
        .get_typed_func::<(), ()>(&mut store, "outer")
        .unwrap();
    let err = run(f.call_async(&mut store, ())).0.unwrap_err();
    let trace = err.downcast_ref::<WasmBacktrace>().expect("backtrace");
    assert_eq!(trace.frames().len(), 2);
    assert_eq!(
        err.downcast::<Trap>().unwrap(),
        Trap::UnreachableCodeReached
    );
}

#[test]
fn a_panicking_host_future_reaches_the_poller() {
    let engine = Engine::default();
    let module = Module::new(&engine, ADD_WAT).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap_async(
            "host",
            "slow_add",
            |_caller: Caller<'_, ()>, (_a, _b): (i32, i32)| {
                Box::new(async move {
                    PendingTimes(1).await;
                    if true {
                        panic!("host future panicked");
                    }
                    0i32
                })
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = run(linker.instantiate_async(&mut store, &module))
        .0
        .unwrap();
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(add.call_async(&mut store, (1, 2)))
    }))
    .unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"host future panicked"));
    // The store is still usable, synchronously too (the fiber's stack
    // limit was not left behind by the panic).
    let pure = instance
        .get_typed_func::<i32, i32>(&mut store, "pure")
        .unwrap();
    assert_eq!(pure.call(&mut store, 4).unwrap(), 12);
    assert_eq!(run(pure.call_async(&mut store, 5)).0.unwrap(), 15);
    let deep = Module::new(&engine, RECURSE_WAT).unwrap();
    let deep = Instance::new(&mut store, &deep, &[]).unwrap();
    let recurse = deep
        .get_typed_func::<i32, i32>(&mut store, "recurse")
        .unwrap();
    assert_eq!(recurse.call(&mut store, 1000).unwrap(), 1000);
    let err = recurse.call(&mut store, i32::MAX).unwrap_err();
    assert_eq!(err.downcast::<Trap>().unwrap(), Trap::StackOverflow);
}

#[test]
fn start_functions_run_on_the_fiber() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "wait" (func $wait))
             (global $g (export "g") (mut i32) (i32.const 0))
             (func $start call $wait (global.set $g (i32.const 7)))
             (start $start))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap_async("host", "wait", |_caller: Caller<'_, ()>, (): ()| {
            Box::new(PendingTimes(4))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let pre = linker.instantiate_pre(&module).unwrap();
    let (instance, pending) = run(pre.instantiate_async(&mut store));
    let instance = instance.unwrap();
    assert_eq!(pending, 4);
    let g = instance.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&mut store).unwrap_i32(), 7);
}

#[test]
fn host_functions_reenter_wasm_asynchronously() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "twice" (func $twice (param i32) (result i32)))
             (func (export "double") (param i32) (result i32)
               (i32.add (local.get 0) (local.get 0)))
             (func (export "quad") (param i32) (result i32)
               (call $twice (local.get 0))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap_async(
            "host",
            "twice",
            |mut caller: Caller<'_, ()>, (x,): (i32,)| {
                Box::new(async move {
                    let double = caller
                        .get_export("double")
                        .and_then(|e| e.into_func())
                        .unwrap()
                        .typed::<i32, i32>(&caller)
                        .unwrap();
                    let once = double.call_async(&mut caller, x).await.unwrap();
                    PendingTimes(1).await;
                    double.call_async(&mut caller, once).await.unwrap()
                })
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = run(linker.instantiate_async(&mut store, &module))
        .0
        .unwrap();
    let quad = instance
        .get_typed_func::<i32, i32>(&mut store, "quad")
        .unwrap();
    let (result, pending) = run(quad.call_async(&mut store, 5));
    assert_eq!(result.unwrap(), 20);
    assert_eq!(pending, 1);
}
