//! Core performance benchmarks of our `wasmtime` crate (run with
//! `cargo bench --bench core`, or `ci/bench.sh`).
//!
//! Every figure is the median of several samples, and every row is paired
//! with a baseline measured in this same process, so the ratios are
//! comparable across machines even when the absolute times are not:
//!
//! * compile: a generated module of ~3000 functions of varied bodies;
//!   baseline: validating the same binary (`Module::validate`).
//! * deserialize: loading that module's precompiled artifact;
//!   baseline: compiling it.
//! * host->wasm: `TypedFunc::call` of a no-op `(func)` (and of an `i32.add`);
//!   baseline: calling an empty `#[inline(never)]` Rust function through
//!   `std::hint::black_box`.
//! * wasm->host: a wasm loop calling an imported no-op host function;
//!   baseline: the same loop calling a no-op wasm function.
//! * kernels (`ci/bench-kernels/*.wat`): baseline: the same kernel written
//!   in Rust and compiled natively.
//! * instantiate: `InstancePre::instantiate` (plus `Store::new` and the
//!   store's drop) of a module with one memory and 1 MiB of data segments,
//!   with copy-on-write images (on-demand and pooling allocators) and from
//!   2 threads; baseline: the on-demand allocator copying the segments
//!   (`Config::memory_init_cow(false)`).
//! * fuel / epochs: the kernels compiled with `Config::consume_fuel` or
//!   `Config::epoch_interruption`; baseline: the same kernel without
//!   instrumentation (samples interleaved, and the fastest sample of each
//!   side compared: on a shared machine noise only adds time, and medians
//!   of a few samples moved these ratios by +-30%).
//! * SIMD speed-up: the `dot_simd` kernel against its scalar twin
//!   `dot_scalar` (same data and checksum), both compiled by us.
//! * streams (`streams.rs`): 16 MiB through a component-model
//!   `stream<u8>` (store, instantiation and the guest's 64 KiB copies),
//!   host to guest and guest to host; baseline: copying the same bytes
//!   between host buffers.
//!
//! * gc (`gc.rs`): an allocation-heavy wasm loop in a 4 MiB GC heap;
//!   baseline: the same loop with the null collector and no limit.
//!
//! Arguments (after `--`): an optional substring filter on row names,
//! `--quick` for fewer samples, and `--emit-module PATH` to only write the
//! generated compile-time module to PATH (used by `ci/bench-compare.sh`).

use std::hint::black_box;
use std::time::{Duration, Instant};
use wasmtime::{
    Config, Engine, Instance, InstanceAllocationStrategy, InstancePre, Linker, Module,
    PoolingAllocationConfig, Store, TypedFunc,
};

// ---------------------------------------------------------------------------
// Measurement helpers

struct Opts {
    filter: Option<String>,
    samples: usize,
}

/// Runs `f` once to warm up, then `samples` times, and returns the median.
fn median_of<F: FnMut()>(samples: usize, mut f: F) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Formats a time given in seconds.
fn fmt_dur(secs: f64) -> String {
    let ns = secs * 1e9;
    if ns < 1e3 {
        format!("{ns:.2} ns")
    } else if ns < 1e6 {
        format!("{:.2} us", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.3} s", ns / 1e9)
    }
}

/// One line of the table; times in seconds (per call for call overheads).
struct Row {
    name: String,
    time: f64,
    baseline_name: &'static str,
    baseline: f64,
}

fn print_header() {
    println!(
        "{:<50} {:>11} {:>11} {:>8}  baseline",
        "benchmark", "median", "baseline", "ratio"
    );
    println!("{}", "-".repeat(120));
}

fn print_row(r: &Row) {
    println!(
        "{:<50} {:>11} {:>11} {:>7.2}x  {}",
        r.name,
        fmt_dur(r.time),
        fmt_dur(r.baseline),
        r.time / r.baseline,
        r.baseline_name
    );
}

// ---------------------------------------------------------------------------
// (a) Compile time of a large generated module

mod gc;
mod generate;
mod streams;
use generate::{generate_module_wat, Lcg, GEN_FUNCS};

fn generate_module() -> Vec<u8> {
    wat::parse_str(generate_module_wat()).expect("generated module must parse")
}

fn bench_compile(opts: &Opts, rows: &mut Vec<Row>) {
    let name = format!("compile {GEN_FUNCS}-func module");
    if !selected(opts, &name) {
        return;
    }
    let bytes = generate_module();
    let engine = Engine::default();
    Module::validate(&engine, &bytes).expect("generated module must validate");
    let samples = opts.samples.clamp(3, 5);
    let baseline = median_of(samples, || {
        Module::validate(&engine, black_box(&bytes)).unwrap();
    });
    let time = median_of(samples, || {
        black_box(Module::from_binary(&engine, black_box(&bytes)).unwrap());
    });
    rows.push(Row {
        name: format!("{name} ({} KiB)", bytes.len() / 1024),
        time: time.as_secs_f64(),
        baseline_name: "Module::validate of the same binary",
        baseline: baseline.as_secs_f64(),
    });
}

/// `Module::deserialize` of the large module's artifact, against compiling
/// it (the baseline), so the ratio is the fraction of compile time a
/// precompiled artifact costs to load.
fn bench_deserialize(opts: &Opts, rows: &mut Vec<Row>) {
    let name = format!("deserialize {GEN_FUNCS}-func module");
    if !selected(opts, &name) {
        return;
    }
    let bytes = generate_module();
    let engine = Engine::default();
    let samples = opts.samples.clamp(3, 5);
    let compile = median_of(samples, || {
        black_box(Module::from_binary(&engine, black_box(&bytes)).unwrap());
    });
    let artifact = engine.precompile_module(&bytes).unwrap();
    let time = median_of(opts.samples, || {
        // SAFETY: the artifact was just produced by `precompile_module`.
        black_box(unsafe { Module::deserialize(&engine, black_box(&artifact)) }.unwrap());
    });
    rows.push(Row {
        name: format!("{name} ({} KiB artifact)", artifact.len() / 1024),
        time: time.as_secs_f64(),
        baseline_name: "Module::from_binary (compile) of the same module",
        baseline: compile.as_secs_f64(),
    });
}

// ---------------------------------------------------------------------------
// (b) host -> wasm call overhead, (c) wasm -> host call overhead

#[inline(never)]
fn empty_rust_fn() {}

#[inline(never)]
fn add_rust_fn(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

const CALLS_MODULE: &str = r#"
(module
  (import "env" "noop" (func $host_noop))
  (func $wasm_noop)
  (func (export "noop"))
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  ;; calls the imported host no-op $n times
  (func (export "call_host") (param $n i32)
    (loop $l
      call $host_noop
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      br_if $l))
  ;; the same loop calling a wasm no-op
  (func (export "call_wasm") (param $n i32)
    (loop $l
      call $wasm_noop
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      br_if $l)))
"#;

fn per_call(d: Duration, n: u32) -> f64 {
    d.as_secs_f64() / n as f64
}

fn bench_calls(opts: &Opts, rows: &mut Vec<Row>) {
    let engine = Engine::default();
    let module = Module::new(&engine, CALLS_MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "noop", || {}).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let samples = opts.samples;
    const N: u32 = 2_000_000;

    let name = "host->wasm TypedFunc::call noop";
    if selected(opts, name) {
        let noop: TypedFunc<(), ()> = instance.get_typed_func(&mut store, "noop").unwrap();
        let baseline = median_of(samples, || {
            let f: fn() = black_box(empty_rust_fn);
            for _ in 0..N {
                black_box(f)();
            }
        });
        let time = median_of(samples, || {
            for _ in 0..N {
                noop.call(&mut store, ()).unwrap();
            }
        });
        rows.push(Row {
            name: format!("{name} (per call)"),
            time: per_call(time, N),
            baseline_name: "empty #[inline(never)] Rust fn via black_box",
            baseline: per_call(baseline, N),
        });
    }

    let name = "host->wasm TypedFunc::call add";
    if selected(opts, name) {
        let add: TypedFunc<(i32, i32), i32> = instance.get_typed_func(&mut store, "add").unwrap();
        let baseline = median_of(samples, || {
            let f: fn(i32, i32) -> i32 = black_box(add_rust_fn);
            for i in 0..N as i32 {
                black_box(black_box(f)(i, 1));
            }
        });
        let time = median_of(samples, || {
            for i in 0..N as i32 {
                black_box(add.call(&mut store, (i, 1)).unwrap());
            }
        });
        rows.push(Row {
            name: format!("{name} (per call)"),
            time: per_call(time, N),
            baseline_name: "#[inline(never)] Rust add via black_box",
            baseline: per_call(baseline, N),
        });
    }

    let name = "wasm->host call noop";
    if selected(opts, name) {
        const M: u32 = 10_000_000;
        let call_host: TypedFunc<i32, ()> =
            instance.get_typed_func(&mut store, "call_host").unwrap();
        let call_wasm: TypedFunc<i32, ()> =
            instance.get_typed_func(&mut store, "call_wasm").unwrap();
        let baseline = median_of(samples, || {
            call_wasm.call(&mut store, M as i32).unwrap();
        });
        let time = median_of(samples, || {
            call_host.call(&mut store, M as i32).unwrap();
        });
        rows.push(Row {
            name: format!("{name} (per call)"),
            time: per_call(time, M),
            baseline_name: "same wasm loop calling a wasm no-op",
            baseline: per_call(baseline, M),
        });
    }
}

// ---------------------------------------------------------------------------
// (d) Compute kernels, against native Rust versions of the same kernels

mod native;

struct Kernel {
    name: &'static str,
    wat: &'static str,
}

const KERNELS: &[Kernel] = &[
    Kernel {
        name: "fib",
        wat: include_str!("../../ci/bench-kernels/fib.wat"),
    },
    Kernel {
        name: "sieve",
        wat: include_str!("../../ci/bench-kernels/sieve.wat"),
    },
    Kernel {
        name: "matmul",
        wat: include_str!("../../ci/bench-kernels/matmul.wat"),
    },
    Kernel {
        name: "memory",
        wat: include_str!("../../ci/bench-kernels/memory.wat"),
    },
    Kernel {
        name: "throw",
        wat: include_str!("../../ci/bench-kernels/throw.wat"),
    },
    Kernel {
        name: "tailcall",
        wat: include_str!("../../ci/bench-kernels/tailcall.wat"),
    },
    Kernel {
        name: "dot_scalar",
        wat: include_str!("../../ci/bench-kernels/dot_scalar.wat"),
    },
    Kernel {
        name: "dot_simd",
        wat: include_str!("../../ci/bench-kernels/dot_simd.wat"),
    },
];

/// Calls the kernel's `run` export, whatever integer type it returns.
enum RunFn {
    I32(TypedFunc<(), i32>),
    I64(TypedFunc<(), i64>),
}

fn bench_kernels(opts: &Opts, rows: &mut Vec<Row>) {
    let engine = Engine::default();
    let samples = opts.samples.clamp(3, 9);
    let mut bytes = Vec::new();
    let (mut fa, mut fb, mut fc) = (Vec::new(), Vec::new(), Vec::new());
    let (mut src, mut dst) = (Vec::new(), Vec::new());
    let (mut da, mut db) = (Vec::new(), Vec::new());
    // Median times of the kernels run, for the SIMD speed-up row.
    let mut times: Vec<(&str, f64)> = Vec::new();
    for k in KERNELS {
        let name = format!("kernel {}", k.name);
        if !selected(opts, &name) {
            continue;
        }
        let module = Module::new(&engine, k.wat).expect("kernel must compile");
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let run = match instance.get_typed_func::<(), i32>(&mut store, "run") {
            Ok(f) => RunFn::I32(f),
            Err(_) => RunFn::I64(instance.get_typed_func(&mut store, "run").unwrap()),
        };
        let mut call = || -> i64 {
            match &run {
                RunFn::I32(f) => f.call(&mut store, ()).unwrap() as i64,
                RunFn::I64(f) => f.call(&mut store, ()).unwrap(),
            }
        };
        let mut native: Box<dyn FnMut() -> i64> = match k.name {
            "fib" => Box::new(native::fib_kernel),
            "sieve" => Box::new(|| native::sieve_kernel(&mut bytes)),
            "matmul" => Box::new(|| native::matmul_kernel(&mut fa, &mut fb, &mut fc)),
            "memory" => Box::new(|| native::memory_kernel(&mut src, &mut dst)),
            "throw" => Box::new(native::throw_kernel),
            "tailcall" => Box::new(native::collatz_kernel),
            "dot_scalar" | "dot_simd" if opts.samples == 1 => Box::new(native::dot_checksum),
            "dot_scalar" | "dot_simd" => Box::new(|| native::dot_kernel(&mut da, &mut db)),
            _ => unreachable!(),
        };
        let expected = native();
        let got = call();
        assert_eq!(
            got, expected,
            "kernel {} checksum differs from native",
            k.name
        );
        let baseline = median_of(samples, || {
            black_box(native());
        });
        let time = median_of(samples, || {
            black_box(call());
        });
        rows.push(Row {
            name: format!("{name} (checksum {got})"),
            time: time.as_secs_f64(),
            baseline_name: "native Rust version of the kernel",
            baseline: baseline.as_secs_f64(),
        });
        times.push((k.name, time.as_secs_f64()));
    }
    let time_of = |n: &str| times.iter().find(|(k, _)| *k == n).map(|(_, t)| *t);
    if let (Some(simd), Some(scalar)) = (time_of("dot_simd"), time_of("dot_scalar")) {
        rows.push(Row {
            name: "SIMD speed-up: kernel dot_simd".to_string(),
            time: simd,
            baseline_name: "kernel dot_scalar (same result, scalar ops)",
            baseline: scalar,
        });
    }
}

// ---------------------------------------------------------------------------
// (e) Cost of fuel and epoch instrumentation on the compute kernels

/// Builds an engine, store and the kernel's `run` for one configuration.
fn kernel_runner(config: &Config, wat: &str, fuel: bool, epochs: bool) -> impl FnMut() -> i64 {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, wat).expect("kernel must compile");
    let mut store = Store::new(&engine, ());
    if fuel {
        store.set_fuel(u64::MAX).unwrap();
    }
    if epochs {
        store.set_epoch_deadline(u64::MAX);
    }
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = match instance.get_typed_func::<(), i32>(&mut store, "run") {
        Ok(f) => RunFn::I32(f),
        Err(_) => RunFn::I64(instance.get_typed_func(&mut store, "run").unwrap()),
    };
    move || match &run {
        RunFn::I32(f) => f.call(&mut store, ()).unwrap() as i64,
        RunFn::I64(f) => f.call(&mut store, ()).unwrap(),
    }
}

fn bench_interruption(opts: &Opts, rows: &mut Vec<Row>) {
    let samples = opts.samples.clamp(3, 9);
    for k in KERNELS {
        for (what, fuel, epochs) in [("fuel", true, false), ("epochs", false, true)] {
            let name = format!("{what} kernel {}", k.name);
            if !selected(opts, &name) {
                continue;
            }
            let mut plain = kernel_runner(&Config::new(), k.wat, false, false);
            let mut config = Config::new();
            config.consume_fuel(fuel).epoch_interruption(epochs);
            let mut instrumented = kernel_runner(&config, k.wat, fuel, epochs);
            let expected = plain();
            assert_eq!(instrumented(), expected, "{name}: checksum differs");
            // Interleave the two so machine noise hits both alike.
            let mut base = Vec::new();
            let mut time = Vec::new();
            for _ in 0..samples {
                base.push(median_of(1, || {
                    black_box(plain());
                }));
                time.push(median_of(1, || {
                    black_box(instrumented());
                }));
            }
            // The fastest of each (see the module docs).
            rows.push(Row {
                name,
                time: time.iter().min().unwrap().as_secs_f64(),
                baseline_name: "same kernel, no instrumentation (fastest samples)",
                baseline: base.iter().min().unwrap().as_secs_f64(),
            });
        }
    }
}
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// (d) Instantiation of a module with 1 MiB of data segments

/// A module with one 17-page memory, 16 data segments of 64 KiB each
/// (1 MiB of pseudo-random bytes) and a function reading a byte.
fn data_module_wat() -> String {
    use std::fmt::Write;
    let mut rng = Lcg(0xda7a);
    let mut w = String::with_capacity(4 << 20);
    w.push_str("(module (memory (export \"mem\") 17)\n");
    for seg in 0..16 {
        let _ = write!(w, "  (data (i32.const {}) \"", seg * 65536);
        for _ in 0..65536 {
            let _ = write!(w, "\\{:02x}", rng.below(256));
        }
        w.push_str("\")\n");
    }
    w.push_str("  (func (export \"peek\") (param i32) (result i32) (i32.load8_u (local.get 0))))");
    w
}

fn instantiate_pre(engine: &Engine, wat: &str) -> InstancePre<()> {
    let module = Module::new(engine, wat).expect("data module compiles");
    Linker::new(engine)
        .instantiate_pre(&module)
        .expect("no imports")
}

/// Time per `Store::new` + instantiate + drop, one thread.
fn time_instantiate(opts: &Opts, pre: &InstancePre<()>, iters: u32) -> f64 {
    let engine = pre.module().engine().clone();
    let d = median_of(opts.samples, || {
        for _ in 0..iters {
            let mut store = Store::new(&engine, ());
            black_box(pre.instantiate(&mut store).expect("instantiates"));
        }
    });
    per_call(d, iters)
}

/// Wall time per instantiation with 2 threads instantiating concurrently.
fn time_instantiate_threads(opts: &Opts, pre: &InstancePre<()>, iters: u32) -> f64 {
    let d = median_of(opts.samples, || {
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    let engine = pre.module().engine();
                    for _ in 0..iters {
                        let mut store = Store::new(engine, ());
                        black_box(pre.instantiate(&mut store).expect("instantiates"));
                    }
                });
            }
        });
    });
    per_call(d, 2 * iters)
}

fn bench_instantiate(opts: &Opts, rows: &mut Vec<Row>) {
    if !selected(opts, "instantiate") {
        return;
    }
    let wat = data_module_wat();
    let engine_with = |pooling: bool, cow: bool| {
        let mut config = Config::new();
        config.memory_init_cow(cow);
        if pooling {
            let mut pool = PoolingAllocationConfig::default();
            pool.total_memories(100)
                .total_core_instances(100)
                .total_tables(100);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        Engine::new(&config).expect("engine")
    };
    let copy = instantiate_pre(&engine_with(false, false), &wat);
    let cow = instantiate_pre(&engine_with(false, true), &wat);
    let pool = instantiate_pre(&engine_with(true, true), &wat);
    let pool_copy = instantiate_pre(&engine_with(true, false), &wat);
    // Every configuration sees the data.
    for pre in [&copy, &cow, &pool, &pool_copy] {
        let mut store = Store::new(pre.module().engine(), ());
        let i = pre.instantiate(&mut store).unwrap();
        let mem = i.get_memory(&mut store, "mem").unwrap();
        let data = mem.data(&store);
        assert_eq!(
            data[..1 << 20],
            copy_data(&copy)[..],
            "data segments differ"
        );
    }
    let iters = if opts.samples > 1 { 200 } else { 3 };
    let base = time_instantiate(opts, &copy, iters);
    let base_name = "on-demand, segments copied (memory_init_cow off)";
    for (name, pre) in [
        ("instantiate 1 MiB data: on-demand + CoW", &cow),
        ("instantiate 1 MiB data: pooling, copied", &pool_copy),
        ("instantiate 1 MiB data: pooling + CoW", &pool),
    ] {
        let iters = if opts.samples > 1 && name.ends_with("CoW") {
            2000
        } else {
            iters
        };
        rows.push(Row {
            name: name.to_string(),
            time: time_instantiate(opts, pre, iters),
            baseline_name: base_name,
            baseline: base,
        });
    }
    let threads_iters = if opts.samples > 1 { 2000 } else { 3 };
    let base2 = time_instantiate_threads(opts, &copy, iters);
    rows.push(Row {
        name: "instantiate 1 MiB data, 2 threads: on-demand + CoW".to_string(),
        time: time_instantiate_threads(opts, &cow, threads_iters),
        baseline_name: "2 threads, on-demand, segments copied",
        baseline: base2,
    });
    rows.push(Row {
        name: "instantiate 1 MiB data, 2 threads: pooling + CoW".to_string(),
        time: time_instantiate_threads(opts, &pool, threads_iters),
        baseline_name: "2 threads, on-demand, segments copied",
        baseline: base2,
    });
}

/// The first MiB of a fresh instance's memory (segments copied).
fn copy_data(pre: &InstancePre<()>) -> Vec<u8> {
    let mut store = Store::new(pre.module().engine(), ());
    let i = pre.instantiate(&mut store).unwrap();
    let mem = i.get_memory(&mut store, "mem").unwrap();
    mem.data(&store)[..1 << 20].to_vec()
}

fn selected(opts: &Opts, name: &str) -> bool {
    opts.filter.as_deref().is_none_or(|f| name.contains(f))
}

fn main() {
    let mut args = std::env::args().skip(1);
    // `cargo bench` passes `--bench`; under `cargo test` the binary runs
    // without it, as a one-sample smoke test (checksums still checked).
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mut opts = Opts {
        filter: None,
        samples: if smoke { 1 } else { 11 },
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--emit-module" => {
                let path = args.next().expect("--emit-module needs a path");
                std::fs::write(&path, generate_module()).expect("failed to write the module");
                return;
            }
            "--quick" => opts.samples = 3,
            // `cargo bench` passes `--bench`; ignore it and other flags.
            s if s.starts_with('-') => {}
            s => opts.filter = Some(s.to_string()),
        }
    }

    let mut rows = Vec::new();
    print_header();
    let sections: [fn(&Opts, &mut Vec<Row>); 8] = [
        bench_compile,
        bench_deserialize,
        bench_calls,
        bench_kernels,
        bench_instantiate,
        bench_interruption,
        streams::bench_streams,
        gc::bench_gc,
    ];
    for section in sections {
        let start = rows.len();
        section(&opts, &mut rows);
        for r in &rows[start..] {
            print_row(r);
        }
    }
    println!("{}", "-".repeat(120));
    println!(
        "ratio = median / baseline (fuel/epochs rows: fastest / fastest), both measured in this process ({} samples each, after a warm-up run)",
        opts.samples
    );
    if smoke {
        println!("smoke run (not `cargo bench`): timings are not meaningful");
        return;
    }
    if let Some(r) = rows
        .iter()
        .find(|r| r.name.starts_with("host->wasm TypedFunc::call noop"))
    {
        let ns = r.time * 1e9;
        println!(
            "target: no-op TypedFunc::call under 20 ns: {ns:.2} ns, {}",
            if ns < 20.0 { "met" } else { "MISSED" }
        );
    }
    if let Some(r) = rows
        .iter()
        .find(|r| r.name == "instantiate 1 MiB data: pooling + CoW")
    {
        let us = r.time * 1e6;
        println!(
            "target: pooling + CoW instantiation of 1 MiB of data under 3 us: {us:.2} us, {}",
            if us < 3.0 { "met" } else { "MISSED" }
        );
    }
    for r in rows.iter().filter(|r| r.name.contains("2 threads")) {
        println!("{}: {:.0} instantiations/s", r.name, 1.0 / r.time);
    }
    for (what, target) in [("fuel", 1.25), ("epochs", 1.05)] {
        let ratios: Vec<f64> = rows
            .iter()
            .filter(|r| r.name.starts_with(&format!("{what} kernel")))
            .map(|r| r.time / r.baseline)
            .collect();
        if let Some(worst) = ratios.iter().cloned().reduce(f64::max) {
            println!(
                "target: {what} overhead on the kernels under {:.0}%: worst {:.1}%, {}",
                (target - 1.0) * 100.0,
                (worst - 1.0) * 100.0,
                if worst < target { "met" } else { "MISSED" }
            );
        }
    }
    if let Some(r) = rows.iter().find(|r| r.name.starts_with("SIMD speed-up")) {
        let speedup = r.baseline / r.time;
        println!(
            "target: SIMD dot product at least 3x faster than scalar: {speedup:.2}x, {}",
            if speedup >= 3.0 { "met" } else { "MISSED" }
        );
    }
    println!("(kernel and compile-time targets against the reference CLI: ci/bench-compare.sh)");
}
