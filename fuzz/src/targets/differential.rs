//! The `differential` target: runs a wasm-smith module in our engine and in
//! wasmi and compares everything observable.
//!
//! Compared: whether instantiation succeeds (and its trap, if the start
//! function traps), the export list, then for every exported function in
//! module order, called once with arguments drawn from the input: its
//! results or trap, followed by every exported global's value, every
//! exported memory's bytes and every exported table's size. When either
//! engine runs out of fuel or stack, the rest of the module is not compared.

use crate::compare::{
    memory_difference, CallOutcome, Divergence, ExportKind, Runner, SetupError, Value,
};
use crate::generators;
use crate::oracle::WasmiRunner;
use crate::ours::OurRunner;
use crate::Outcome;
use arbitrary::Unstructured;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters over every module this process ran (all threads).
#[derive(Debug, Default)]
pub struct Stats {
    /// Modules both engines instantiated.
    pub instantiated: AtomicU64,
    /// Exported function calls compared.
    pub calls: AtomicU64,
    /// Calls that trapped (identically) in both engines.
    pub traps: AtomicU64,
    /// Modules whose comparison stopped early on fuel or stack exhaustion.
    pub stopped: AtomicU64,
    /// Modules wasmi rejected (not compared).
    pub oracle_rejected: AtomicU64,
}

/// The process-wide counters.
pub static STATS: Stats = Stats {
    instantiated: AtomicU64::new(0),
    calls: AtomicU64::new(0),
    traps: AtomicU64::new(0),
    stopped: AtomicU64::new(0),
    oracle_rejected: AtomicU64::new(0),
};

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Fuel given to instantiation and to each call, in both engines.
pub const FUEL: u64 = 100_000;

/// The module the target generates from `data` (for reproducers).
pub fn module(data: &[u8]) -> Option<Vec<u8>> {
    generators::differential_module(&mut Unstructured::new(data)).ok()
}

/// Runs the target on one input.
pub fn run_one(data: &[u8]) -> Outcome {
    let mut u = Unstructured::new(data);
    let Ok(wasm) = generators::differential_module(&mut u) else {
        return Outcome::Skipped;
    };
    match run_module(&wasm, &mut u) {
        Ok(outcome) => outcome,
        Err(d) => Outcome::Divergence(d.to_string()),
    }
}

fn diverge(at: impl Into<String>, what: impl Into<String>) -> Divergence {
    Divergence {
        at: at.into(),
        what: what.into(),
    }
}

/// Compares the two engines on `wasm`, drawing call arguments from `u`.
pub fn run_module(wasm: &[u8], u: &mut Unstructured<'_>) -> Result<Outcome, Divergence> {
    let oracle = WasmiRunner::instantiate(wasm, FUEL);
    if let Err(SetupError::Compile(_)) = oracle {
        // wasmi refused a module (an implementation limit): nothing to compare.
        bump(&STATS.oracle_rejected);
        return Ok(Outcome::Skipped);
    }
    let ours = OurRunner::instantiate(wasm, FUEL);
    let (mut oracle, mut ours) = match (oracle, ours) {
        (Ok(a), Ok(b)) => (a, b),
        (_, Err(SetupError::Compile(e))) => {
            return Err(diverge(
                "compile",
                format!("wasmi accepts, ours rejects: {e}"),
            ))
        }
        (Err(SetupError::Instantiate(a)), Err(SetupError::Instantiate(b))) => {
            if a.stops_comparison() || b.stops_comparison() {
                bump(&STATS.stopped);
                return Ok(Outcome::Pass);
            }
            if a.same_as(&b) {
                return Ok(Outcome::Pass);
            }
            // Both failed; an error without a trap (e.g. a failed data
            // segment bound check reported as a message) counts as agreement
            // when the other side reports the matching trap or error.
            if matches!(
                (&a, &b),
                (CallOutcome::Error(_), _) | (_, CallOutcome::Error(_))
            ) {
                return Ok(Outcome::Pass);
            }
            return Err(diverge("instantiate", format!("wasmi {a:?}, ours {b:?}")));
        }
        (Err(SetupError::Instantiate(a)), Ok(_)) => {
            if a.stops_comparison() {
                return Ok(Outcome::Pass);
            }
            return Err(diverge(
                "instantiate",
                format!("wasmi {a:?}, ours succeeded"),
            ));
        }
        (Ok(_), Err(SetupError::Instantiate(b))) => {
            if b.stops_comparison() {
                return Ok(Outcome::Pass);
            }
            return Err(diverge(
                "instantiate",
                format!("wasmi succeeded, ours {b:?}"),
            ));
        }
        (Err(SetupError::Compile(_)), _) => unreachable!("handled above"),
    };

    bump(&STATS.instantiated);
    // wasmi lists exports by name, ours in module order: compare sorted.
    let mut exports = oracle.exports();
    let mut our_exports = ours.exports();
    exports.sort();
    our_exports.sort();
    if exports != our_exports {
        return Err(diverge(
            "exports",
            format!("wasmi {exports:?}, ours {our_exports:?}"),
        ));
    }
    compare_state(&mut oracle, &mut ours, &exports, "instantiation")?;
    for (name, kind) in &exports {
        if *kind != ExportKind::Func {
            continue;
        }
        let params = oracle.params(name);
        if params != ours.params(name) {
            return Err(diverge(
                format!("call {name:?}"),
                format!(
                    "parameter types differ: wasmi {params:?}, ours {:?}",
                    ours.params(name)
                ),
            ));
        }
        let args: Vec<Value> = params.iter().map(|k| generators::argument(u, *k)).collect();
        let a = oracle.call(name, &args, FUEL);
        let b = ours.call(name, &args, FUEL);
        if a.stops_comparison() || b.stops_comparison() {
            bump(&STATS.stopped);
            return Ok(Outcome::Pass);
        }
        bump(&STATS.calls);
        if matches!(a, CallOutcome::Trap(_)) {
            bump(&STATS.traps);
        }
        if !a.same_as(&b) {
            return Err(diverge(
                format!("call {name:?} with {args:?}"),
                format!("wasmi {a:?}, ours {b:?}"),
            ));
        }
        compare_state(
            &mut oracle,
            &mut ours,
            &exports,
            &format!("after call {name:?}"),
        )?;
    }
    Ok(Outcome::Pass)
}

/// Compares exported globals, memories and table sizes.
fn compare_state(
    oracle: &mut WasmiRunner,
    ours: &mut OurRunner,
    exports: &[(String, ExportKind)],
    at: &str,
) -> Result<(), Divergence> {
    for (name, kind) in exports {
        match kind {
            ExportKind::Global => {
                let (a, b) = (oracle.global(name), ours.global(name));
                if !a.same_as(&b) {
                    return Err(diverge(
                        at,
                        format!("global {name:?}: wasmi {a:?}, ours {b:?}"),
                    ));
                }
            }
            ExportKind::Memory => {
                if let Some(d) = memory_difference(oracle.memory(name), ours.memory(name)) {
                    return Err(diverge(at, format!("memory {name:?}: {d}")));
                }
            }
            ExportKind::Table => {
                let (a, b) = (oracle.table_size(name), ours.table_size(name));
                if a != b {
                    return Err(diverge(
                        at,
                        format!("table {name:?} size: wasmi {a}, ours {b}"),
                    ));
                }
            }
            ExportKind::Func | ExportKind::Other => {}
        }
    }
    Ok(())
}
