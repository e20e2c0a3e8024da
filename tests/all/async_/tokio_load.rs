//! Many concurrent async calls on a multi-threaded tokio runtime: calls
//! yield on fuel and epochs and wait on async host functions, and resume
//! on whichever worker thread polls them next.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use wasmtime::*;

const WAT: &str = r#"
(module
  (import "host" "pause" (func $pause (param i32) (result i32)))
  (func (export "work") (param i32) (result i32)
    (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (local.set 2 (i32.add (local.get 2) (local.get 1)))
      (br_if $l (i32.lt_u (local.get 1) (i32.const 20000))))
    (i32.add (call $pause (local.get 0)) (local.get 2))))
"#;

/// The expected result of `work(x)`: `x + 1` from the host, plus the sum
/// 1..=20000 (wrapping).
fn expected(x: i32) -> i32 {
    let sum = (1..=20000i64).sum::<i64>() as i32;
    (x + 1).wrapping_add(sum)
}

#[test]
fn thousands_of_concurrent_calls_on_tokio() {
    let mut config = Config::new();
    config.consume_fuel(true).epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    let mut linker: Linker<usize> = Linker::new(&engine);
    linker
        .func_wrap_async(
            "host",
            "pause",
            |mut caller: Caller<'_, usize>, (x,): (i32,)| {
                Box::new(async move {
                    tokio::task::yield_now().await;
                    *caller.data_mut() += 1;
                    x + 1
                })
            },
        )
        .unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let engine = engine.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                engine.increment_epoch();
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        })
    };
    const TASKS: i32 = 2000;
    let results = runtime.block_on(async {
        let mut handles = Vec::new();
        for i in 0..TASKS {
            let pre = pre.clone();
            let engine = engine.clone();
            handles.push(tokio::spawn(async move {
                let mut store = Store::new(&engine, 0usize);
                store.set_fuel(10_000_000).unwrap();
                store.fuel_async_yield_interval(Some(5_000)).unwrap();
                store.set_epoch_deadline(1);
                store.epoch_deadline_async_yield_and_update(1);
                let instance = pre.instantiate_async(&mut store).await.unwrap();
                let work = instance
                    .get_typed_func::<i32, i32>(&mut store, "work")
                    .unwrap();
                let r = work.call_async(&mut store, i).await.unwrap();
                (i, r, *store.data())
            }));
        }
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    });
    stop.store(true, Ordering::Relaxed);
    ticker.join().unwrap();
    assert_eq!(results.len(), TASKS as usize);
    for (i, r, host_calls) in results {
        assert_eq!(r, expected(i), "task {i}");
        assert_eq!(host_calls, 1);
    }
}
