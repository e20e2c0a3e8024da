//! Core performance benchmarks of our `wasmtime` crate (run with
//! `cargo bench --bench core`, or `ci/bench.sh`).
//!
//! Every figure is the median of several samples, and every row is paired
//! with a baseline measured in this same process, so the ratios are
//! comparable across machines even when the absolute times are not:
//!
//! * compile: a generated module of ~3000 functions of varied bodies;
//!   baseline: validating the same binary (`Module::validate`).
//! * host->wasm: `TypedFunc::call` of a no-op `(func)` (and of an `i32.add`);
//!   baseline: calling an empty `#[inline(never)]` Rust function through
//!   `std::hint::black_box`.
//! * wasm->host: a wasm loop calling an imported no-op host function;
//!   baseline: the same loop calling a no-op wasm function.
//! * kernels (`ci/bench-kernels/*.wat`): baseline: the same kernel written
//!   in Rust and compiled natively.
//! * SIMD speed-up: the `dot_simd` kernel against its scalar twin
//!   `dot_scalar` (same data and checksum), both compiled by us.
//!
//! Arguments (after `--`): an optional substring filter on row names,
//! `--quick` for fewer samples, and `--emit-module PATH` to only write the
//! generated compile-time module to PATH (used by `ci/bench-compare.sh`).

use std::hint::black_box;
use std::time::{Duration, Instant};
use wasmtime::{Engine, Instance, Linker, Module, Store, TypedFunc};

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
    let sections: [fn(&Opts, &mut Vec<Row>); 3] = [bench_compile, bench_calls, bench_kernels];
    for section in sections {
        let start = rows.len();
        section(&opts, &mut rows);
        for r in &rows[start..] {
            print_row(r);
        }
    }
    println!("{}", "-".repeat(120));
    println!(
        "ratio = median / baseline, both measured in this process ({} samples each, after a warm-up run)",
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
    if let Some(r) = rows.iter().find(|r| r.name.starts_with("SIMD speed-up")) {
        let speedup = r.baseline / r.time;
        println!(
            "target: SIMD dot product at least 3x faster than scalar: {speedup:.2}x, {}",
            if speedup >= 3.0 { "met" } else { "MISSED" }
        );
    }
    println!("(kernel and compile-time targets against the reference CLI: ci/bench-compare.sh)");
}
