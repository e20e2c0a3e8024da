//! Fuzzing for this workspace's `wasmtime` crate: finds inputs on which our
//! engine panics, or disagrees with the `wasmi` interpreter or with a model
//! of the embedding API.
//!
//! Four targets live in [`targets`], each a function from input bytes to
//! an [`Outcome`]: `instantiate` (arbitrary and mutated modules must compile
//! or fail cleanly), `differential` (wasm-smith modules run in both engines
//! with the same fuel, comparing results, traps, memories and globals),
//! `api_ops` (Store/Memory/Table/Global operation sequences against a
//! model) and `component` (mutated components must compile, instantiate
//! and run their exports or fail cleanly). The `wasmtime-fuzz` binary drives them from a seeded RNG on
//! stable Rust; see `docs/fuzzing.md`.

pub mod compare;
pub mod driver;
pub mod generators;
pub mod oracle;
pub mod ours;
pub mod targets;

/// The result of running a target on one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The input ran and everything checked agreed.
    Pass,
    /// The input could not be used (too short to generate from, or a module
    /// the oracle refuses); nothing was checked.
    Skipped,
    /// Something disagreed; the message says what.
    Divergence(String),
}

/// Turns a target's input into the module it runs, if it builds one.
pub type ModuleFn = fn(&[u8]) -> Option<Vec<u8>>;

/// A named fuzz target.
#[derive(Clone, Copy)]
pub struct Target {
    /// The name used on the driver's command line.
    pub name: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]) -> Outcome,
    /// The module an input turns into, for targets that build one (written
    /// next to the input as a reproducer).
    pub module: Option<ModuleFn>,
}

/// Every target, in the order `ci/fuzz.sh` runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "instantiate",
        run: targets::instantiate::run_one,
        module: Some(targets::instantiate::module),
    },
    Target {
        name: "differential",
        run: targets::differential::run_one,
        module: Some(targets::differential::module),
    },
    Target {
        name: "api_ops",
        run: targets::api_ops::run_one,
        module: None,
    },
    Target {
        name: "component",
        run: targets::component::run_one,
        module: Some(targets::component::module),
    },
];

/// Looks a target up by name.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}
