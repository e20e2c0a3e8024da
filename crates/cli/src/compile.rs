//! `wasmtime compile`: compiles a module ahead of time to a `.cwasm`
//! artifact that `wasmtime run --allow-precompiled` (or
//! `Module::deserialize`) loads without compiling.

use crate::opts::{CommonOptions, IntoAnyhow};
use anyhow::{Context as _, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmtime::Engine;

/// Arguments of `wasmtime compile`.
#[derive(Args, Debug)]
pub struct CompileCommand {
    #[command(flatten)]
    pub common: CommonOptions,

    /// The target triple; default is the host triple. No CPU features are
    /// detected for a given target (Cranelift's defaults for it are used).
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,

    /// The path of the output compiled module; defaults to `<MODULE>.cwasm`
    /// in the current directory.
    #[arg(short = 'o', long, value_name = "OUTPUT")]
    pub output: Option<PathBuf>,

    /// The path of the WebAssembly (`.wasm` or `.wat`) to compile.
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
}

impl CompileCommand {
    /// Compiles the module and writes the artifact.
    pub fn execute(self) -> Result<ExitCode> {
        let mut config = self.common.config()?;
        if let Some(target) = &self.target {
            config.target(target).anyhow()?;
        }
        let engine = Engine::new(&config)
            .anyhow()
            .context("failed to create the engine")?;
        let bytes = std::fs::read(&self.module)
            .with_context(|| format!("failed to read `{}`", self.module.display()))?;
        let binary = wat::parse_bytes(&bytes)
            .with_context(|| format!("failed to parse `{}`", self.module.display()))?;
        let artifact = if wasmparser::Parser::is_component(&binary) {
            engine.precompile_component(&binary)
        } else {
            engine.precompile_module(&binary)
        }
        .anyhow()
        .with_context(|| format!("failed to compile `{}`", self.module.display()))?;
        let output = match self.output {
            Some(o) => o,
            None => {
                let stem = self
                    .module
                    .file_stem()
                    .context("the module path has no file name")?;
                PathBuf::from(stem).with_extension("cwasm")
            }
        };
        std::fs::write(&output, artifact)
            .with_context(|| format!("failed to write `{}`", output.display()))?;
        Ok(ExitCode::SUCCESS)
    }
}
