//! Runs a precompiled module: builds without Cranelift, e.g.
//!
//! ```text
//! wasmtime compile double.wat -o double.cwasm
//! cargo run -p wasmtime --no-default-features --features runtime,signals-based-traps \
//!     --example run_precompiled -- double.cwasm quad 10
//! ```
//!
//! The module may import `host::double (i32) -> i32`.

use wasmtime::{Engine, Linker, Module, Result, Store};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, func, arg] = &args[..] else {
        anyhow::bail!("usage: run_precompiled FILE.cwasm FUNCTION I32_ARG");
    };
    let engine = Engine::default();
    // SAFETY: the artifact comes from `wasmtime compile` (and is checked).
    let module = unsafe { Module::deserialize_file(&engine, path)? };
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "double", |x: i32| x * 2)?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let f = instance.get_typed_func::<i32, i32>(&mut store, func)?;
    println!("{}", f.call(&mut store, arg.parse()?)?);
    Ok(())
}
