//! The CI slice: every target over a fixed set of seeds, a few seconds in
//! all. Longer runs use the `wasmtime-fuzz` binary (`ci/fuzz.sh`).

use std::time::Duration;
use wasmtime_fuzz::driver::{run, Options};
use wasmtime_fuzz::{target, TARGETS};

fn slice(name: &str, iterations: u64) {
    let t = target(name).unwrap();
    for seed in [1, 2] {
        let opts = Options {
            iterations: Some(iterations),
            time: Some(Duration::from_secs(10)),
            seed,
            threads: 1,
            ..Options::default()
        };
        let report = run(t, &opts);
        assert!(
            report.failures.is_empty(),
            "{name} seed {seed}: {:#?}",
            report.failures
        );
        assert!(report.inputs > 0, "{name} seed {seed} ran nothing");
    }
}

#[test]
fn instantiate_slice() {
    slice("instantiate", 500);
}

#[test]
fn differential_slice() {
    slice("differential", 400);
}

#[test]
fn api_ops_slice() {
    slice("api_ops", 60);
}

#[test]
fn component_seeds_run_their_exports() {
    use wasmtime_fuzz::targets::component::{run_component, seed_components};
    // The echo seed's import traps; the others' exports all succeed.
    let calls: Vec<usize> = seed_components()
        .iter()
        .map(|wasm| run_component(wasm).1)
        .collect();
    assert_eq!(calls, [0, 2, 1]);
}

#[test]
fn component_slice() {
    slice("component", 300);
}

#[test]
fn every_target_is_listed() {
    let names: Vec<_> = TARGETS.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        ["instantiate", "differential", "api_ops", "component"]
    );
}
