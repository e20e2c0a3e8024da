//! Async calls of our `wasmtime` against Wasmtime 48 (crates.io), the same
//! cases on both in one process:
//!
//! * `call_sync`: `TypedFunc::call` of a no-op `(func)` (a baseline: the
//!   difference to `call_async` is the fiber);
//! * `call_async`: `TypedFunc::call_async` of a no-op `(func)`;
//! * `suspend_resume`: `call_async` of a function that calls an async host
//!   function (`Linker::func_wrap_async`) whose future is pending once and
//!   then ready, so the fiber suspends and is resumed once per call;
//! * `instantiate_async`: `Store::new`, `InstancePre::instantiate_async`
//!   and the store's drop, with the pooling allocator, of a module with a
//!   memory, a table, a global and a data segment.
//!
//! Each case is measured as `ROUNDS` interleaved rounds (ours, then the
//! reference, then ours again, ...) of `ITERS` iterations; a round's figure
//! is its time per iteration, and the output is the median round per side
//! and the ratio ours / reference (below 1: ours is faster), then the same
//! for the fastest round of each side (on a loaded machine noise only adds
//! time, so the minimum is the steadier figure).
//!
//! Usage: `api-vs-48 [ITERS [ROUNDS [FILTER [SIDE]]]]`. One line per case,
//! `case ours_ns ref_ns ratio ours_min ref_min min_ratio`, goes to stdout.
//! With SIDE `ours` or `ref` only that side runs (the other's columns are
//! NaN), for `perf record` of one side.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// Polls `future` to completion on this thread (a no-op waker: every
/// pending future here is ready on its next poll).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// A future that is pending on its first poll and ready on the second.
struct PendingOnce(bool);

impl Future for PendingOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

const NOOP_WAT: &str = r#"(module (func (export "noop")))"#;

const SUSPEND_WAT: &str = r#"(module
  (import "host" "wait" (func $wait))
  (func (export "run") call $wait))"#;

const INSTANCE_WAT: &str = r#"(module
  (memory (export "mem") 1)
  (table 10 funcref)
  (global (mut i32) (i32.const 7))
  (data (i32.const 16) "hello, world")
  (func (export "f") (result i32) i32.const 1)
  (elem (i32.const 0) func 0))"#;

/// One side's benchmark cases, written once for both crates (their APIs
/// agree on everything used here).
macro_rules! cases {
    ($name:ident, $w:ident) => {
        mod $name {
            use super::*;
            use $w::{
                Config, Engine, InstanceAllocationStrategy, Linker, Module,
                PoolingAllocationConfig, Store,
            };

            fn engine(pooling: bool) -> Engine {
                let mut config = Config::new();
                #[allow(deprecated)]
                config.async_support(true);
                if pooling {
                    let mut pool = PoolingAllocationConfig::default();
                    pool.total_memories(16)
                        .total_tables(16)
                        .total_stacks(16)
                        .total_core_instances(16)
                        .max_memory_size(1 << 20);
                    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
                }
                Engine::new(&config).unwrap()
            }

            /// Nanoseconds per `call_async` of a no-op, over `iters` calls.
            pub fn call_async() -> impl FnMut(u64) -> f64 {
                let engine = engine(false);
                let module = Module::new(&engine, NOOP_WAT).unwrap();
                let mut store = Store::new(&engine, ());
                let linker = Linker::<()>::new(&engine);
                let instance = block_on(linker.instantiate_async(&mut store, &module)).unwrap();
                let f = instance
                    .get_typed_func::<(), ()>(&mut store, "noop")
                    .unwrap();
                move |iters| {
                    block_on(async {
                        let start = Instant::now();
                        for _ in 0..iters {
                            f.call_async(&mut store, ()).await.unwrap();
                        }
                        start.elapsed().as_nanos() as f64 / iters as f64
                    })
                }
            }

            /// Nanoseconds per synchronous `call` of a no-op (a baseline:
            /// what `call_async` adds is the fiber).
            pub fn call_sync() -> impl FnMut(u64) -> f64 {
                let engine = Engine::new(&Config::new()).unwrap();
                let module = Module::new(&engine, NOOP_WAT).unwrap();
                let mut store = Store::new(&engine, ());
                let linker = Linker::<()>::new(&engine);
                let instance = linker.instantiate(&mut store, &module).unwrap();
                let f = instance
                    .get_typed_func::<(), ()>(&mut store, "noop")
                    .unwrap();
                move |iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        f.call(&mut store, ()).unwrap();
                    }
                    start.elapsed().as_nanos() as f64 / iters as f64
                }
            }

            /// Nanoseconds per `call_async` whose host import suspends the
            /// fiber once.
            pub fn suspend_resume() -> impl FnMut(u64) -> f64 {
                let engine = engine(false);
                let module = Module::new(&engine, SUSPEND_WAT).unwrap();
                let mut store = Store::new(&engine, ());
                let mut linker = Linker::<()>::new(&engine);
                linker
                    .func_wrap_async("host", "wait", |_caller, (): ()| {
                        Box::new(async {
                            PendingOnce(false).await;
                        })
                    })
                    .unwrap();
                let instance = block_on(linker.instantiate_async(&mut store, &module)).unwrap();
                let f = instance
                    .get_typed_func::<(), ()>(&mut store, "run")
                    .unwrap();
                move |iters| {
                    block_on(async {
                        let start = Instant::now();
                        for _ in 0..iters {
                            f.call_async(&mut store, ()).await.unwrap();
                        }
                        start.elapsed().as_nanos() as f64 / iters as f64
                    })
                }
            }

            /// Nanoseconds per store + `instantiate_async` (pooling) + drop.
            pub fn instantiate_async() -> impl FnMut(u64) -> f64 {
                let engine = engine(true);
                let module = Module::new(&engine, INSTANCE_WAT).unwrap();
                let linker = Linker::<()>::new(&engine);
                let pre = linker.instantiate_pre(&module).unwrap();
                move |iters| {
                    block_on(async {
                        let start = Instant::now();
                        for _ in 0..iters {
                            let mut store = Store::new(&engine, ());
                            let instance = pre.instantiate_async(&mut store).await.unwrap();
                            black_box(instance);
                        }
                        start.elapsed().as_nanos() as f64 / iters as f64
                    })
                }
            }
        }
    };
}

cases!(ours, wasmtime);
cases!(reference, wasmtime48);

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Runs both sides of one case in interleaved rounds and prints the
/// medians and their ratio.
fn compare(
    name: &str,
    iters: u64,
    rounds: usize,
    mut ours: impl FnMut(u64) -> f64,
    mut reference: impl FnMut(u64) -> f64,
) {
    let side = std::env::args().nth(4).unwrap_or_default();
    let (run_ours, run_ref) = (side != "ref", side != "ours");
    // Warm-up: caches, lazily built trampolines, the pools' first slots.
    if run_ours {
        ours(iters / 10 + 1);
    }
    if run_ref {
        reference(iters / 10 + 1);
    }
    let (mut o, mut r) = (vec![f64::NAN], vec![f64::NAN]);
    for _ in 0..rounds {
        if run_ours {
            o.push(ours(iters));
        }
        if run_ref {
            r.push(reference(iters));
        }
    }
    if o.len() > 1 {
        o.remove(0);
    }
    if r.len() > 1 {
        r.remove(0);
    }
    let (omin, rmin) = (min(&o), min(&r));
    let (o, r) = (median(o), median(r));
    println!(
        "{name:<18} {o:>10.1} {r:>10.1} {:>7.2} {omin:>10.1} {rmin:>10.1} {:>7.2}",
        o / r,
        omin / rmin
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iters: u64 = args.next().map_or(100_000, |s| s.parse().expect("ITERS"));
    let rounds: usize = args.next().map_or(11, |s| s.parse().expect("ROUNDS"));
    let filter = args.next().unwrap_or_default();
    println!(
        "{:<18} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7}",
        "case", "ours ns", "ref ns", "ratio", "ours min", "ref min", "ratio"
    );
    if "call_sync".contains(&filter) {
        compare(
            "call_sync",
            iters,
            rounds,
            ours::call_sync(),
            reference::call_sync(),
        );
    }
    if "call_async".contains(&filter) {
        compare(
            "call_async",
            iters,
            rounds,
            ours::call_async(),
            reference::call_async(),
        );
    }
    if "suspend_resume".contains(&filter) {
        compare(
            "suspend_resume",
            iters,
            rounds,
            ours::suspend_resume(),
            reference::suspend_resume(),
        );
    }
    if "instantiate_async".contains(&filter) {
        compare(
            "instantiate_async",
            iters / 10 + 1,
            rounds,
            ours::instantiate_async(),
            reference::instantiate_async(),
        );
    }
}
