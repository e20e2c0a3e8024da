//! Compiling a module with the engine's compiler (feature `cranelift`):
//! translation, function compilation (in parallel with the
//! `parallel-compilation` feature) and code layout. Needs no runtime: the
//! result is either mapped into a `Module` (feature `runtime`) or written to
//! an artifact by `Engine::precompile_module`.

use crate::Engine;
use anyhow::Result;
use wasmtime_environ::{
    CodeBuilder, CompiledFunction, DefinedFuncIndex, FunctionBodyData, Module as EnvModule,
    VMOffsets,
};

/// A translated module and its laid-out, unmapped code.
pub(crate) struct Compiled {
    pub(crate) module: EnvModule,
    pub(crate) code: CodeBuilder,
}

/// Translates and compiles `binary`: each defined function's body, then its
/// array entry, in order (body of defined function `i` at append index `2i`). Functions compile in
/// parallel with the `parallel-compilation` feature.
pub(crate) fn compile(engine: &Engine, binary: &[u8]) -> Result<Compiled> {
    let tunables = &engine.config().tunables;
    let translation =
        wasmtime_environ::translate_module_with(engine.config().features, tunables, binary)?;
    let module = translation.module;
    let offsets = VMOffsets::new(&module);
    let compiler = engine.compiler();
    let bodies: Vec<(DefinedFuncIndex, FunctionBodyData<'_>)> =
        translation.function_bodies.into_iter().collect();

    let compile_one = |(index, body): (DefinedFuncIndex, FunctionBodyData<'_>)| -> Result<(CompiledFunction, CompiledFunction)> {
        let func = compiler.compile_function(&module, &offsets, tunables, index, body)?;
        let entry = compiler.compile_array_to_wasm_trampoline(&module, tunables, index)?;
        Ok((func, entry))
    };
    #[cfg(feature = "parallel-compilation")]
    let compiled: Vec<_> = if engine.config().parallel_compilation && !is_small_module(&bodies) {
        use rayon::prelude::*;
        bodies
            .into_par_iter()
            .map(compile_one)
            .collect::<Result<_>>()?
    } else {
        bodies.into_iter().map(compile_one).collect::<Result<_>>()?
    };
    #[cfg(not(feature = "parallel-compilation"))]
    let compiled: Vec<_> = bodies.into_iter().map(compile_one).collect::<Result<_>>()?;

    let mut code = CodeBuilder::new();
    for (body, entry) in &compiled {
        code.append(body);
        code.append(entry);
    }
    Ok(Compiled { module, code })
}

/// Modules whose function bodies total fewer bytes than this are compiled
/// on the calling thread: for them, starting the thread pool and handing
/// out work costs more than the parallelism saves.
#[cfg(feature = "parallel-compilation")]
const SERIAL_COMPILE_MAX_BYTES: usize = 64 * 1024;

/// Whether a module is small enough to compile serially (see
/// [`SERIAL_COMPILE_MAX_BYTES`]).
#[cfg(feature = "parallel-compilation")]
fn is_small_module(bodies: &[(DefinedFuncIndex, FunctionBodyData<'_>)]) -> bool {
    bodies.len() < 2
        || bodies
            .iter()
            .map(|(_, b)| b.body.as_bytes().len())
            .sum::<usize>()
            < SERIAL_COMPILE_MAX_BYTES
}
