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

/// Deterministic pseudo-random numbers (a 64-bit LCG), so the generated
/// module is the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// Number of functions in the generated module.
const GEN_FUNCS: u32 = 3000;

/// Generates the text of a module with [`GEN_FUNCS`] functions of type
/// `(i32, i32) -> i32` whose bodies rotate through five shapes: integer
/// arithmetic chains, loops with branches, calls (direct and indirect) to
/// earlier functions, memory loads and stores, and f64 arithmetic. It
/// exports `run` (returns 42 without calling anything, for `--invoke`) and
/// every tenth function.
fn generate_module_wat() -> String {
    use std::fmt::Write;
    let mut rng = Lcg(0x5eed);
    let mut w = String::with_capacity(8 << 20);
    w.push_str("(module\n  (type $t (func (param i32 i32) (result i32)))\n");
    w.push_str("  (memory 1)\n  (global $g (mut i32) (i32.const 7))\n");
    w.push_str(&format!("  (table {GEN_FUNCS} funcref)\n"));
    let i32_ops = [
        "i32.add",
        "i32.sub",
        "i32.mul",
        "i32.and",
        "i32.or",
        "i32.xor",
        "i32.shl",
        "i32.shr_u",
        "i32.shr_s",
        "i32.rotl",
    ];
    for f in 0..GEN_FUNCS {
        let kind = if f < 8 { f % 2 } else { f % 5 };
        let _ = writeln!(w, "  (func $f{f} (type $t) (local i32 i32 i64 f64)");
        match kind {
            // integer arithmetic chain
            0 => {
                w.push_str("    local.get 0 local.get 1 i32.add local.set 2\n");
                for _ in 0..(12 + rng.below(20)) {
                    let op = i32_ops[rng.below(i32_ops.len() as u32) as usize];
                    let op2 = i32_ops[rng.below(i32_ops.len() as u32) as usize];
                    let c = rng.below(1000) as i32 - 500;
                    let _ = writeln!(
                        w,
                        "    local.get 2 i32.const {c} {op} local.get {} {op2} local.set 2",
                        rng.below(2)
                    );
                }
                w.push_str("    local.get 2 global.get $g i32.add\n");
            }
            // loops with an if/else and a br_table
            1 => {
                let _ = writeln!(
                    w,
                    "    local.get 0 i32.const {} i32.and local.set 3",
                    rng.below(64) + 1
                );
                let _ = writeln!(
                    w,
                    "    block $exit loop $top\n      local.get 3 i32.eqz br_if $exit\n      \
                     local.get 3 i32.const 1 i32.and\n      if\n        local.get 2 local.get 1 \
                     i32.const {} i32.mul i32.add local.set 2\n      else\n        local.get 2 \
                     i32.const {} i32.xor local.set 2\n      end",
                    rng.below(97),
                    rng.below(1 << 20)
                );
                let _ = writeln!(
                    w,
                    "      block $b2 block $b1 block $b0\n        local.get 3 i32.const 3 i32.and \
                     br_table $b0 $b1 $b2 $b2\n      end local.get 2 i32.const {} i32.add local.set 2 \
                     br $b2\n      end local.get 2 i32.const {} i32.rotl local.set 2\n      end",
                    rng.below(1000),
                    rng.below(31)
                );
                w.push_str(
                    "      local.get 3 i32.const 1 i32.sub local.set 3\n      br $top\n    end end\n",
                );
                w.push_str("    local.get 2\n");
            }
            // direct and indirect calls to earlier functions
            2 => {
                w.push_str("    local.get 0\n");
                for k in 0..(2 + rng.below(3)) {
                    let callee = rng.below(f);
                    let _ = writeln!(w, "    local.get 1 local.get 0 i32.const {k} i32.add");
                    if k == 1 {
                        let _ =
                            writeln!(w, "    i32.const {callee} call_indirect (type $t) i32.add");
                    } else {
                        let _ = writeln!(w, "    call $f{callee} i32.add");
                    }
                }
            }
            // memory loads and stores (addresses masked into the page)
            3 => {
                w.push_str("    local.get 0 i32.const 0xfff0 i32.and local.set 3\n");
                for _ in 0..(6 + rng.below(10)) {
                    let off = rng.below(64) * 8;
                    match rng.below(4) {
                        0 => {
                            let _ = writeln!(
                                w,
                                "    local.get 3 local.get 3 i32.load offset={off} local.get 1 \
                                 i32.add i32.store offset={}",
                                rng.below(64) * 4
                            );
                        }
                        1 => {
                            let _ = writeln!(
                                w,
                                "    local.get 3 i64.load offset={off} local.get 4 i64.add \
                                 local.set 4"
                            );
                        }
                        2 => {
                            let _ = writeln!(
                                w,
                                "    local.get 3 local.get 4 i64.const {} i64.mul i64.store offset={off}",
                                rng.next()
                            );
                        }
                        _ => {
                            let _ = writeln!(
                                w,
                                "    local.get 2 local.get 3 i32.load8_u offset={off} i32.add \
                                 local.set 2"
                            );
                        }
                    }
                }
                w.push_str("    local.get 2 local.get 4 i32.wrap_i64 i32.add\n");
            }
            // f64 arithmetic
            _ => {
                w.push_str("    local.get 0 f64.convert_i32_s local.set 5\n");
                for _ in 0..(6 + rng.below(10)) {
                    let c = rng.below(10_000) as f64 / 7.0 + 1.0;
                    match rng.below(4) {
                        0 => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.const {c} f64.mul local.get 1 \
                                 f64.convert_i32_u f64.add local.set 5"
                            );
                        }
                        1 => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.abs f64.sqrt f64.const {c} f64.div local.set 5"
                            );
                        }
                        2 => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.const {c} local.get 5 f64.const {c} f64.lt \
                                 select local.set 5"
                            );
                        }
                        _ => {
                            let _ = writeln!(
                                w,
                                "    local.get 5 f64.floor f64.const {c} f64.min f64.const -{c} \
                                 f64.max local.set 5"
                            );
                        }
                    }
                }
                w.push_str("    local.get 5 i32.trunc_sat_f64_s\n");
            }
        }
        w.push_str("  )\n");
        if f % 10 == 0 {
            let _ = writeln!(w, "  (export \"f{f}\" (func $f{f}))");
        }
    }
    w.push_str("  (elem (i32.const 0) func");
    for f in 0..GEN_FUNCS {
        let _ = write!(w, " $f{f}");
    }
    w.push_str(")\n  (func (export \"run\") (result i32) i32.const 42)\n)\n");
    w
}

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

mod native {
    use std::hint::black_box;

    #[inline(never)]
    fn fib(n: u32) -> u32 {
        if n < 2 {
            n
        } else {
            fib(n - 1).wrapping_add(fib(n - 2))
        }
    }

    /// `tailcall.wat`: total Collatz steps of 1..=300000.
    pub fn collatz_kernel() -> i64 {
        let mut sum = 0u64;
        for i in 1..=black_box(300_000u64) {
            let (mut n, mut steps) = (i, 0u64);
            while n > 1 {
                n = if n % 2 == 0 {
                    n / 2
                } else {
                    n.wrapping_mul(3).wrapping_add(1)
                };
                steps += 1;
            }
            sum = sum.wrapping_add(steps);
        }
        sum as i64
    }

    /// `fib.wat`: fib(30), ten times.
    pub fn fib_kernel() -> i64 {
        let mut sum = 0u32;
        for _ in 0..10 {
            sum = sum.wrapping_add(fib(black_box(30)));
        }
        sum as i32 as i64
    }

    const SIEVE_N: usize = 10_000_000;

    /// `sieve.wat`: primes below 10M, one byte per number.
    pub fn sieve_kernel(buf: &mut Vec<u8>) -> i64 {
        buf.resize(SIEVE_N, 0);
        let s = black_box(&mut buf[..]);
        s.fill(0);
        s[0] = 1;
        s[1] = 1;
        let mut i = 2;
        while i * i <= SIEVE_N {
            if s[i] == 0 {
                let mut j = i * i;
                while j < SIEVE_N {
                    s[j] = 1;
                    j += i;
                }
            }
            i += 1;
        }
        s.iter().filter(|&&b| b == 0).count() as i64
    }

    const M: usize = 200;

    /// `matmul.wat`: 200x200 f64, naive i-j-k, five times.
    pub fn matmul_kernel(a: &mut Vec<f64>, b: &mut Vec<f64>, c: &mut Vec<f64>) -> i64 {
        a.resize(M * M, 0.0);
        b.resize(M * M, 0.0);
        c.resize(M * M, 0.0);
        for i in 0..M {
            for j in 0..M {
                a[i * M + j] = (((i + 2 * j) % 7) as i32 - 3) as f64;
                b[i * M + j] = (((3 * i + j) % 5) as i32 - 1) as f64;
            }
        }
        for _ in 0..5 {
            let (a, b, c) = (black_box(&a[..]), black_box(&b[..]), black_box(&mut c[..]));
            for i in 0..M {
                for j in 0..M {
                    let mut acc = 0.0;
                    for k in 0..M {
                        acc += a[i * M + k] * b[k * M + j];
                    }
                    c[i * M + j] = acc;
                }
            }
        }
        c.iter()
            .enumerate()
            .map(|(idx, x)| x * (idx & 15) as f64)
            .sum::<f64>() as i64
    }

    const WORDS: usize = 16 << 20 >> 3;

    /// `throw.wat`: 20000 "throws" propagated three calls up as `Err`.
    pub fn throw_kernel() -> i64 {
        #[inline(never)]
        fn throw(i: i64) -> Result<(), i64> {
            Err(black_box(i))
        }
        #[inline(never)]
        fn mid(i: i64) -> Result<(), i64> {
            throw(i)
        }
        #[inline(never)]
        fn top(i: i64) -> Result<(), i64> {
            mid(i)
        }
        let mut sum = 0i64;
        for i in 0..20_000 {
            if let Err(v) = top(i) {
                sum += v;
            }
        }
        sum
    }

    /// `memory.wat`: fill 16 MiB, then 8 x (copy into another 16 MiB with a
    /// twist, sum the copy).
    pub fn memory_kernel(src: &mut Vec<u64>, dst: &mut Vec<u64>) -> i64 {
        src.resize(WORDS, 0);
        dst.resize(WORDS, 0);
        for (i, w) in src.iter_mut().enumerate() {
            *w = ((i * 8) as u64).wrapping_mul(0x9E3779B97F4A7C15);
        }
        let mut sum = 0u64;
        for pass in 0..8u64 {
            let (s, d) = (black_box(&src[..]), black_box(&mut dst[..]));
            for (d, s) in d.iter_mut().zip(s) {
                *d = s.wrapping_add(pass);
            }
            let d = black_box(&dst[..]);
            for w in d {
                sum = sum.wrapping_add(*w);
            }
        }
        sum as i64
    }

    const DOT_N: usize = 8192;
    const DOT_REPS: i32 = 30_000;

    /// The checksum of the dot kernels from one pass (all passes are the
    /// same): for smoke runs, where the unoptimized native loop is too slow.
    pub fn dot_checksum() -> i64 {
        let dot = (0..DOT_N as u32).fold(0i32, |s, i| {
            let a = i.wrapping_mul(7919) as i16;
            let b = (i * 31 + 5) as i16;
            s.wrapping_add(i32::from(a) * i32::from(b))
        });
        dot.wrapping_mul(DOT_REPS) as u32 as i64
    }

    /// `dot_scalar.wat` and `dot_simd.wat`: i16 dot product of 8192
    /// elements, 30000 times, wrapping i32 sum.
    pub fn dot_kernel(a: &mut Vec<i16>, b: &mut Vec<i16>) -> i64 {
        a.resize(DOT_N, 0);
        b.resize(DOT_N, 0);
        for i in 0..DOT_N {
            a[i] = (i as u32).wrapping_mul(7919) as i16;
            b[i] = (i as u32 * 31 + 5) as i16;
        }
        let mut acc = 0i32;
        for _ in 0..DOT_REPS {
            let (a, b) = (black_box(&a[..]), black_box(&b[..]));
            let dot = a.iter().zip(b).fold(0i32, |s, (x, y)| {
                s.wrapping_add(i32::from(*x) * i32::from(*y))
            });
            acc = acc.wrapping_add(dot);
        }
        acc as u32 as i64
    }
}

struct Kernel {
    name: &'static str,
    wat: &'static str,
}

const KERNELS: &[Kernel] = &[
    Kernel {
        name: "fib",
        wat: include_str!("../ci/bench-kernels/fib.wat"),
    },
    Kernel {
        name: "sieve",
        wat: include_str!("../ci/bench-kernels/sieve.wat"),
    },
    Kernel {
        name: "matmul",
        wat: include_str!("../ci/bench-kernels/matmul.wat"),
    },
    Kernel {
        name: "memory",
        wat: include_str!("../ci/bench-kernels/memory.wat"),
    },
    Kernel {
        name: "throw",
        wat: include_str!("../ci/bench-kernels/throw.wat"),
    },
    Kernel {
        name: "tailcall",
        wat: include_str!("../ci/bench-kernels/tailcall.wat"),
    },
    Kernel {
        name: "dot_scalar",
        wat: include_str!("../ci/bench-kernels/dot_scalar.wat"),
    },
    Kernel {
        name: "dot_simd",
        wat: include_str!("../ci/bench-kernels/dot_simd.wat"),
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
    let sections: [fn(&Opts, &mut Vec<Row>); 6] = [
        bench_compile,
        bench_deserialize,
        bench_calls,
        bench_kernels,
        bench_instantiate,
        bench_interruption,
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
