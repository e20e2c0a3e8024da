//! `wasmtime-fuzz`: runs the fuzz targets on stable Rust.
//!
//! ```text
//! wasmtime-fuzz <target|all> [--iterations N] [--time 60s] [--seed S]
//!               [--threads T] [--max-len BYTES] [--artifacts DIR]
//!               [--start INDEX] [--trace true]
//! wasmtime-fuzz repro <target> <input.bin>
//! wasmtime-fuzz wat <module.wasm>
//! ```
//!
//! Exits with status 1 if any input diverged or panicked.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use wasmtime_fuzz::driver::{self, Options};
use wasmtime_fuzz::{target, Outcome, TARGETS};

fn usage() -> ExitCode {
    let names: Vec<_> = TARGETS.iter().map(|t| t.name).collect();
    eprintln!(
        "usage: wasmtime-fuzz <{}|all> [--iterations N] [--time 60s] [--seed S] \
         [--threads T] [--max-len BYTES] [--artifacts DIR] [--start INDEX] [--trace true]\n       \
         wasmtime-fuzz repro <target> <input.bin>\n       \
         wasmtime-fuzz wat <module.wasm>",
        names.join("|")
    );
    ExitCode::from(2)
}

fn parse_duration(s: &str) -> Option<Duration> {
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num.parse().ok()?;
    match unit {
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        "h" => Some(Duration::from_secs(n * 3600)),
        "ms" => Some(Duration::from_millis(n)),
        _ => None,
    }
}

fn repro(name: &str, path: &str) -> ExitCode {
    let Some(t) = target(name) else {
        return usage();
    };
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    match driver::run_caught(t, &data) {
        Ok(Outcome::Divergence(m)) => {
            eprintln!("divergence: {m}");
            ExitCode::FAILURE
        }
        Ok(outcome) => {
            println!("{outcome:?}");
            ExitCode::SUCCESS
        }
        Err(m) => {
            eprintln!("panic: {m}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(first) = args.first() else {
        return usage();
    };
    if first == "wat" {
        let Some(path) = args.get(1) else {
            return usage();
        };
        return match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|wasm| wasmprinter::print_bytes(wasm).map_err(|e| e.to_string()))
        {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                ExitCode::from(2)
            }
        };
    }
    if first == "repro" {
        return match (args.get(1), args.get(2)) {
            (Some(t), Some(p)) => repro(t, p),
            _ => usage(),
        };
    }
    let mut opts = Options {
        time: None,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(2)),
        artifacts: Some(PathBuf::from("fuzz/artifacts")),
        progress: Some(Duration::from_secs(10)),
        ..Options::default()
    };
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let Some(value) = rest.next() else {
            return usage();
        };
        let ok = match flag.as_str() {
            "--iterations" => value.parse().map(|n| opts.iterations = Some(n)).is_ok(),
            "--time" => parse_duration(value).map(|d| opts.time = Some(d)).is_some(),
            "--seed" => value.parse().map(|s| opts.seed = s).is_ok(),
            "--threads" => value.parse().map(|t| opts.threads = t).is_ok(),
            "--max-len" => value.parse().map(|l| opts.max_len = l).is_ok(),
            "--start" => value.parse().map(|s| opts.start = s).is_ok(),
            "--trace" => value.parse().map(|t| opts.trace = t).is_ok(),
            "--artifacts" => {
                opts.artifacts = Some(PathBuf::from(value));
                true
            }
            _ => false,
        };
        if !ok {
            return usage();
        }
    }
    if opts.iterations.is_none() && opts.time.is_none() {
        opts.time = Some(Duration::from_secs(60));
    }
    let targets: Vec<_> = if first == "all" {
        TARGETS.to_vec()
    } else {
        match target(first) {
            Some(t) => vec![t],
            None => return usage(),
        }
    };
    let mut failed = false;
    for t in targets {
        let report = driver::run(t, &opts);
        println!(
            "{}: {} inputs ({} passed, {} skipped, {} failures) in {:.1}s, {:.0}/s, seed {}",
            t.name,
            report.inputs,
            report.passed,
            report.skipped,
            report.failures.len(),
            report.elapsed.as_secs_f64(),
            report.inputs as f64 / report.elapsed.as_secs_f64(),
            opts.seed
        );
        if t.name == "differential" {
            println!("  {:?}", wasmtime_fuzz::targets::differential::STATS);
        }
        failed |= !report.failures.is_empty();
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
