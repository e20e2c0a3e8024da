//! WASI preview 1 as async host functions: `p1::add_to_linker_async` with
//! `instantiate_async` and `call_async`, a guest sleep that leaves the
//! thread to other tasks, `sched_yield` as one pending poll, and the error
//! from a synchronous call.

use super::wasi::program;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use wasmtime::{Engine, Instance, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

/// A store's data with the WASI context in a field, as embedders write it.
struct Host {
    wasi: WasiP1Ctx,
}

/// A linker with the async WASI functions, through the `preview1` name.
fn async_linker(engine: &Engine) -> Linker<Host> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::preview1::add_to_linker_async(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    linker
}

/// A store whose guest output goes to the returned pipe.
fn store_with_stdout(engine: &Engine) -> (Store<Host>, MemoryOutputPipe) {
    let stdout = MemoryOutputPipe::new(1 << 20);
    let wasi = WasiCtxBuilder::new().stdout(stdout.clone()).build_p1();
    (Store::new(engine, Host { wasi }), stdout)
}

/// Instantiates the C program `name` and runs its `_start`, both async.
/// Returns the exit (`None` for a normal return) and the guest's stdout.
async fn run_program(name: &str) -> (wasmtime::Result<Option<i32>>, String) {
    let engine = Engine::default();
    let module = Module::from_file(&engine, program(name)).unwrap();
    let linker = async_linker(&engine);
    let (mut store, stdout) = store_with_stdout(&engine);
    let instance = linker.instantiate_async(&mut store, &module).await.unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let exit = match start.call_async(&mut store, ()).await {
        Ok(()) => Ok(None),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(Some(exit.0)),
            None => Err(e),
        },
    };
    (
        exit,
        String::from_utf8_lossy(&stdout.contents()).into_owned(),
    )
}

fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// Spawns a task that counts its turns on the current runtime, once a
/// millisecond while it gets the thread.
fn spawn_ticker() -> (Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = ticks.clone();
    let task = tokio::spawn(async move {
        loop {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    (ticks, task)
}

#[tokio::test]
async fn hello_prints_and_exits_zero() {
    let (exit, stdout) = run_program("hello").await;
    assert_eq!(exit.unwrap(), None);
    assert_eq!(stdout, "Hello, world!\n");

    let (exit, stdout) = run_program("exit").await;
    assert_eq!(exit.unwrap(), Some(0), "no argument: exit(0)");
    assert_eq!(stdout, "exiting with 0\n");
}

#[test]
fn clocks_program_sleeps_without_blocking_the_runtime() {
    current_thread_runtime().block_on(async {
        let (ticks, ticker) = spawn_ticker();
        let started = Instant::now();
        let (exit, stdout) = run_program("clocks").await;
        let elapsed = started.elapsed();
        ticker.abort();
        assert_eq!(exit.unwrap(), None);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 8, "{stdout}");
        for line in lines {
            assert!(line.ends_with(": yes"), "{line}");
        }
        // The program sleeps 20 ms with `nanosleep` (one clock
        // subscription of `poll_oneoff`).
        assert!(elapsed >= Duration::from_millis(20), "{elapsed:?}");
        assert!(ticks.load(Ordering::SeqCst) > 0);
    });
}

/// `sleep(ns)` polls one relative monotonic clock subscription (userdata
/// 0x1234) and returns the errno; the event lands at 64, the count at 128.
/// `yield` calls `sched_yield`.
const SLEEP_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield"
    (func $sched_yield (result i32)))
  (memory (export "memory") 1)
  (func (export "sleep") (param $ns i64) (result i32)
    (i64.store (i32.const 0) (i64.const 0x1234))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (local.get $ns))
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))
    (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
  (func (export "yield") (result i32)
    (call $sched_yield)))
"#;

/// Checks the event and count that `sleep` left in memory.
fn check_clock_event(instance: &Instance, store: &mut Store<Host>) {
    let memory = instance.get_memory(&mut *store, "memory").unwrap();
    let data = memory.data(&*store);
    let u64_at = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
    assert_eq!(u64_at(64), 0x1234, "userdata");
    assert_eq!(u16::from_le_bytes([data[72], data[73]]), 0, "errno");
    assert_eq!(data[74], 0, "type: clock");
    assert_eq!(u32::from_le_bytes(data[128..132].try_into().unwrap()), 1);
}

#[test]
fn guest_sleep_lets_other_tasks_run() {
    current_thread_runtime().block_on(async {
        let engine = Engine::default();
        let module = Module::new(&engine, SLEEP_WAT).unwrap();
        let linker = async_linker(&engine);
        let (mut store, _) = store_with_stdout(&engine);
        let instance = linker.instantiate_async(&mut store, &module).await.unwrap();
        let sleep = instance
            .get_typed_func::<i64, i32>(&mut store, "sleep")
            .unwrap();

        let (ticks, ticker) = spawn_ticker();
        let before = ticks.load(Ordering::SeqCst);
        let started = Instant::now();
        let errno = sleep.call_async(&mut store, 20_000_000).await.unwrap();
        let elapsed = started.elapsed();
        let during = ticks.load(Ordering::SeqCst) - before;
        ticker.abort();

        assert_eq!(errno, 0);
        check_clock_event(&instance, &mut store);
        assert!(elapsed >= Duration::from_millis(20), "{elapsed:?}");
        // Nothing in the call awaits but the sleep: had it blocked the
        // thread, the ticker could not have run during the call.
        assert!(during > 0, "the ticker did not run while the guest slept");
    });
}

/// Polls `future` with a waker that does nothing; returns its output and
/// how many polls returned `Pending`.
fn poll_to_end<F: Future>(future: F) -> (F::Output, usize) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    let mut pending = 0;
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return (v, pending),
            Poll::Pending => pending += 1,
        }
    }
}

#[test]
fn yield_and_sleep_outside_tokio() {
    let engine = Engine::default();
    let module = Module::new(&engine, SLEEP_WAT).unwrap();
    let linker = async_linker(&engine);
    let (mut store, _) = store_with_stdout(&engine);
    let instance = poll_to_end(linker.instantiate_async(&mut store, &module))
        .0
        .unwrap();

    let sched_yield = instance
        .get_typed_func::<(), i32>(&mut store, "yield")
        .unwrap();
    let (errno, pending) = poll_to_end(sched_yield.call_async(&mut store, ()));
    assert_eq!(errno.unwrap(), 0);
    assert_eq!(pending, 1, "sched_yield gives the executor one turn");

    // Without a tokio runtime the sleep blocks the thread, still for the
    // whole time asked.
    let sleep = instance
        .get_typed_func::<i64, i32>(&mut store, "sleep")
        .unwrap();
    let started = Instant::now();
    let (errno, pending) = poll_to_end(sleep.call_async(&mut store, 20_000_000));
    assert_eq!(errno.unwrap(), 0);
    assert_eq!(pending, 0);
    assert!(started.elapsed() >= Duration::from_millis(20));
    check_clock_event(&instance, &mut store);

    // A bad pointer gives the same errno as the sync linker (EFAULT, 21).
    let bad = Module::new(
        &engine,
        r#"(module
          (import "wasi_snapshot_preview1" "poll_oneoff"
            (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "run") (result i32)
            (call $poll_oneoff (i32.const 65500) (i32.const 0) (i32.const 1) (i32.const 128))))"#,
    )
    .unwrap();
    let instance = poll_to_end(linker.instantiate_async(&mut store, &bad))
        .0
        .unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(poll_to_end(run.call_async(&mut store, ())).0.unwrap(), 21);
}

#[test]
fn sync_call_of_async_import_is_an_error() {
    let engine = Engine::default();
    let module = Module::from_file(&engine, program("hello")).unwrap();
    let linker = async_linker(&engine);
    let (mut store, stdout) = store_with_stdout(&engine);
    // Instantiation runs no WASI function, so it may be synchronous.
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    assert!(err.downcast_ref::<I32Exit>().is_none(), "{err:?}");
    assert!(format!("{err:?}").contains("async"), "{err:?}");
    assert!(stdout.contents().is_empty());
}
