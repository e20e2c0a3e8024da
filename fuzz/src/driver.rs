//! The stable-Rust driver: feeds a target inputs from a seeded RNG on a few
//! threads, catches panics, counts outcomes and writes reproducers.

use crate::{Outcome, Target};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long and how to run a target.
#[derive(Clone, Debug)]
pub struct Options {
    /// Stop after this many inputs (if set).
    pub iterations: Option<u64>,
    /// Stop after this much time (if set).
    pub time: Option<Duration>,
    /// The RNG seed; input `i` is a function of `(seed, i)` alone.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Inputs are between `max_len / 8` and `max_len` bytes long.
    pub max_len: usize,
    /// Where reproducers go (`None`: not written).
    pub artifacts: Option<PathBuf>,
    /// Print progress every this often (`None`: quiet).
    pub progress: Option<Duration>,
    /// Print each input's index before running it (to find the input that
    /// crashed the process: a segfault cannot be caught).
    pub trace: bool,
    /// Index of the first input.
    pub start: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            iterations: None,
            time: Some(Duration::from_secs(60)),
            seed: 0,
            threads: 1,
            max_len: 4096,
            artifacts: None,
            progress: None,
            trace: false,
            start: 0,
        }
    }
}

/// One failing input.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The input's index under the run's seed.
    pub index: u64,
    /// `"divergence"` or `"panic"`, with the message.
    pub message: String,
    /// Where the input was written, if it was.
    pub path: Option<PathBuf>,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Inputs run.
    pub inputs: u64,
    /// Inputs that checked out.
    pub passed: u64,
    /// Inputs that could not be used.
    pub skipped: u64,
    /// Divergences and panics.
    pub failures: Vec<Failure>,
    /// Wall time.
    pub elapsed: Duration,
}

/// The bytes of input `index` under `seed`.
pub fn input(seed: u64, index: u64, max_len: usize) -> Vec<u8> {
    let mix = seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17);
    let mut rng = StdRng::seed_from_u64(mix);
    let len = rng.random_range(max_len / 8..=max_len.max(1));
    let mut data = vec![0u8; len];
    rng.fill(&mut data[..]);
    data
}

/// Runs one input, turning a panic into a divergence-like outcome.
pub fn run_caught(target: Target, data: &[u8]) -> Result<Outcome, String> {
    catch_unwind(AssertUnwindSafe(|| (target.run)(data))).map_err(|payload| {
        if let Some(s) = payload.downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "non-string panic payload".to_string()
        }
    })
}

fn write_reproducer(target: Target, opts: &Options, index: u64, data: &[u8]) -> Option<PathBuf> {
    let dir = opts.artifacts.as_ref()?;
    std::fs::create_dir_all(dir).ok()?;
    let stem = format!("{}-seed{}-{}", target.name, opts.seed, index);
    let path = dir.join(format!("{stem}.bin"));
    std::fs::write(&path, data).ok()?;
    if let Some(module) = target.module.and_then(|m| m(data)) {
        std::fs::write(dir.join(format!("{stem}.wasm")), module).ok()?;
    }
    Some(path)
}

/// Runs `target` under `opts` and reports.
pub fn run(target: Target, opts: &Options) -> Report {
    let start = Instant::now();
    let next = AtomicU64::new(0);
    let passed = AtomicU64::new(0);
    let skipped = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let failures = Mutex::new(Vec::new());
    let out_of_time = || opts.time.is_some_and(|t| start.elapsed() >= t);
    std::thread::scope(|scope| {
        for _ in 0..opts.threads.max(1) {
            std::thread::Builder::new()
                .stack_size(32 << 20)
                .spawn_scoped(scope, || loop {
                    if done.load(Ordering::Relaxed) || out_of_time() {
                        break;
                    }
                    let count = next.fetch_add(1, Ordering::Relaxed);
                    if opts.iterations.is_some_and(|n| count >= n) {
                        break;
                    }
                    let index = opts.start + count;
                    if opts.trace {
                        eprintln!("[{}] running input {index}", target.name);
                    }
                    let data = input(opts.seed, index, opts.max_len);
                    let message = match run_caught(target, &data) {
                        Ok(Outcome::Pass) => {
                            passed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        Ok(Outcome::Skipped) => {
                            skipped.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        Ok(Outcome::Divergence(m)) => format!("divergence: {m}"),
                        Err(m) => format!("panic: {m}"),
                    };
                    let path = write_reproducer(target, opts, index, &data);
                    eprintln!(
                        "[{}] input {index} (seed {}): {message}{}",
                        target.name,
                        opts.seed,
                        path.as_ref()
                            .map(|p| format!("\n    reproducer: {}", p.display()))
                            .unwrap_or_default()
                    );
                    failures.lock().unwrap().push(Failure {
                        index,
                        message,
                        path,
                    });
                })
                .expect("spawn worker");
        }
        if let Some(every) = opts.progress {
            let mut last = Instant::now();
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let count = next.load(Ordering::Relaxed);
                let finished = out_of_time() || opts.iterations.is_some_and(|n| count >= n);
                if last.elapsed() >= every || finished {
                    last = Instant::now();
                    let secs = start.elapsed().as_secs_f64();
                    eprintln!(
                        "[{}] {count} inputs in {secs:.0}s ({:.0}/s), {} failures",
                        target.name,
                        count as f64 / secs,
                        failures.lock().unwrap().len()
                    );
                }
                if finished {
                    done.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    let passed = passed.into_inner();
    let skipped = skipped.into_inner();
    let failures = failures.into_inner().unwrap();
    Report {
        inputs: passed + skipped + failures.len() as u64,
        passed,
        skipped,
        failures,
        elapsed: start.elapsed(),
    }
}
