//! The `instantiate` target: compiles and instantiates arbitrary module
//! bytes (valid wasm-smith modules, mutated ones, and raw bytes behind a
//! wasm header), then calls each export once with a little fuel.
//!
//! Errors are expected; panics are not. Our engine's accept/reject decision
//! is also checked against `wasmparser`'s validator with the engine's
//! feature set: accepting an invalid module is a divergence.

use crate::generators;
use crate::ours::error_outcome;
use crate::Outcome;
use arbitrary::Unstructured;
use std::cell::RefCell;
use wasmtime::{Config, Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, Val};

/// Fuel for instantiation and for each call.
const FUEL: u64 = 10_000;

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

fn engine() -> Engine {
    ENGINE.with(|e| {
        e.borrow_mut()
            .get_or_insert_with(|| {
                let mut config = Config::new();
                config
                    .consume_fuel(true)
                    .parallel_compilation(false)
                    .shared_memory(true);
                Engine::new(&config).expect("engine")
            })
            .clone()
    })
}

/// The module bytes the target derives from `data`.
pub fn module(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(data);
    let mode: u8 = u.arbitrary().ok()?;
    match mode % 4 {
        0 | 1 => {
            let config = generators::instantiate_config(&mut u).ok()?;
            Some(wasm_smith::Module::new(config, &mut u).ok()?.to_bytes())
        }
        2 => {
            let config = generators::instantiate_config(&mut u).ok()?;
            let mut wasm = wasm_smith::Module::new(config, &mut u).ok()?.to_bytes();
            generators::mutate(&mut wasm, &mut u).ok()?;
            Some(wasm)
        }
        _ => {
            let mut wasm = b"\0asm\x01\0\0\0".to_vec();
            wasm.extend_from_slice(u.take_rest());
            Some(wasm)
        }
    }
}

/// Runs the target on one input.
pub fn run_one(data: &[u8]) -> Outcome {
    match module(data) {
        Some(wasm) => run_module(&wasm),
        None => Outcome::Skipped,
    }
}

/// Compiles, validates, instantiates and calls `wasm`.
pub fn run_module(wasm: &[u8]) -> Outcome {
    let engine = engine();
    let compiled = Module::new(&engine, wasm);
    let validation = wasmparser::Validator::new_with_features(engine.wasm_features())
        .validate_all(wasm)
        .map(|_| ());
    let module = match compiled {
        Ok(m) => m,
        Err(_) => return Outcome::Pass,
    };
    if let Err(e) = validation {
        // Deliberate: like Wasmtime 48 with its default features (GC on),
        // our engine accepts 3.0 constant expressions that read defined
        // immutable globals, while wasmparser with our (GC-less) features
        // rejects them (see `tests/regressions.rs`).
        if e.message().contains("global.get of locally defined global") {
            return Outcome::Skipped;
        }
        return Outcome::Divergence(format!(
            "our engine compiled a module wasmparser rejects: {e}"
        ));
    }
    let limits = StoreLimitsBuilder::new()
        .memory_size(64 << 20)
        .table_elements(100_000)
        .build();
    let mut store: Store<StoreLimits> = Store::new(&engine, limits);
    store.limiter(|l| l);
    store.set_fuel(FUEL).expect("fuel is enabled");
    let mut linker = Linker::new(&engine);
    if linker
        .define_unknown_imports_as_default_values(&mut store, &module)
        .is_err()
    {
        return Outcome::Pass;
    }
    let Ok(instance) = linker.instantiate(&mut store, &module) else {
        return Outcome::Pass;
    };
    let funcs: Vec<_> = instance
        .exports(&mut store)
        .filter_map(|e| e.into_extern().into_func())
        .collect();
    for func in funcs {
        let ty = func.ty(&store);
        let args: Option<Vec<Val>> = ty.params().map(|t| Val::default_for_ty(&t)).collect();
        let Some(args) = args else { continue };
        let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
        store.set_fuel(FUEL).expect("fuel is enabled");
        if let Err(e) = func.call(&mut store, &args, &mut results) {
            // Any error is acceptable; translating it exercises the trap path.
            let _ = error_outcome(&e);
        }
    }
    Outcome::Pass
}
