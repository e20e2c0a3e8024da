//! The `gc` group: an allocation-heavy wasm loop (short-lived structs and
//! arrays, a few kept in a global list) in a GC heap limited to 4 MiB,
//! collected by the default collector; baseline: the same loop with
//! `Collector::Null` and no limit (allocation only, the heap grows to hold
//! everything), so the ratio is the cost of collecting.

use super::{median_of, selected, Opts, Row};
use std::hint::black_box;
use wasmtime::{Collector, Config, Engine, Instance, Module, Store, StoreLimitsBuilder};

const KERNEL: &str = r#"
(module
  (type $node (struct (field $v i64) (field $next (ref null $node))))
  (type $bytes (array (mut i8)))
  (global $keep (mut (ref null $node)) (ref.null $node))
  (func $mk (param $v i64) (param $next (ref null $node)) (result (ref $node))
    (drop (array.new_default $bytes (i32.const 48)))
    (struct.new $node (local.get $v) (local.get $next)))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $chain (ref null $node)) (local $s i64)
    (loop $l
      ;; a chain of four, dropped at the next round
      (local.set $chain (call $mk (i64.const 1)
        (call $mk (i64.const 2) (call $mk (i64.const 3) (call $mk (i64.const 4) (ref.null $node))))))
      (local.set $s (i64.add (local.get $s) (struct.get $node $v (local.get $chain))))
      (if (i32.eqz (i32.and (local.get $i) (i32.const 1023)))
        (then (global.set $keep (call $mk (i64.const 0) (global.get $keep)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
)
"#;

const ROUNDS: i32 = 200_000;

fn time_of(collector: Collector, limit: Option<usize>, samples: usize) -> f64 {
    let mut config = Config::new();
    config.wasm_gc(true).collector(collector);
    let engine = Engine::new(&config).expect("engine");
    let module = Module::new(&engine, KERNEL).expect("the gc kernel compiles");
    median_of(samples, || {
        let limits = StoreLimitsBuilder::new()
            .memory_size(limit.unwrap_or(usize::MAX))
            .build();
        let mut store = Store::new(&engine, limits);
        store.limiter(|l| l);
        let instance = Instance::new(&mut store, &module, &[]).expect("instantiate");
        let run = instance
            .get_typed_func::<i32, i64>(&mut store, "run")
            .expect("run");
        let s = run
            .call(&mut store, black_box(ROUNDS))
            .expect("the loop runs");
        assert_eq!(s, i64::from(ROUNDS));
    })
    .as_secs_f64()
}

/// The `gc` group (see the module documentation).
pub fn bench_gc(opts: &Opts, rows: &mut Vec<Row>) {
    let name = "gc churn (200k rounds of 4 structs + 4 arrays, 4 MiB heap)";
    if !selected(opts, name) {
        return;
    }
    let samples = opts.samples.clamp(1, 7);
    let baseline = time_of(Collector::Null, None, samples);
    let time = time_of(Collector::Auto, Some(4 << 20), samples);
    rows.push(Row {
        name: name.to_string(),
        time,
        baseline_name: "the same loop with Collector::Null and no heap limit",
        baseline,
    });
}
