//! Compiles a module ahead of time with a compile-only build (no runtime),
//! e.g.
//!
//! ```text
//! cargo run -p wasmtime --no-default-features --features cranelift,wat,signals-based-traps \
//!     --example precompile -- double.wat double.cwasm
//! ```
//!
//! The artifact runs with the `run_precompiled` example, built without
//! Cranelift (the two builds must agree on `signals-based-traps`, which
//! changes the generated code).

use wasmtime::{Config, Engine, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = &args[..] else {
        anyhow::bail!("usage: precompile FILE.wat|FILE.wasm OUT.cwasm");
    };
    let engine = Engine::new(&Config::new())?;
    let bytes = std::fs::read(input)?;
    let artifact = engine.precompile_module(&bytes)?;
    assert_eq!(
        Engine::detect_precompiled(&artifact),
        Some(wasmtime::Precompiled::Module)
    );
    std::fs::write(output, artifact)?;
    Ok(())
}
