//! `wasmtime run` for components: load (compile or deserialize), link,
//! instantiate, and call the command's `wasi:cli/run` export.

use super::{Outcome, RunCommand};
use crate::opts::IntoAnyhow;
use anyhow::{bail, Context as _, Result};
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

/// Whether `bytes` (binary, text or a precompiled artifact) are a component.
pub(super) fn is_component(bytes: &[u8]) -> bool {
    if Engine::detect_precompiled(bytes) == Some(wasmtime::Precompiled::Component) {
        return true;
    }
    match wat::parse_bytes(bytes) {
        Ok(binary) => wasmparser::Parser::is_component(&binary),
        Err(_) => false,
    }
}

fn load(engine: &Engine, path: &str, bytes: Vec<u8>, allow_precompiled: bool) -> Result<Component> {
    if Engine::detect_precompiled(&bytes).is_some() {
        if !allow_precompiled {
            bail!("running a precompiled component requires the `--allow-precompiled` flag");
        }
        // SAFETY: the user vouched for the artifact with
        // `--allow-precompiled`; it is still checked before it is loaded.
        return unsafe { Component::deserialize(engine, &bytes) }
            .anyhow()
            .with_context(|| format!("failed to load precompiled `{path}`"));
    }
    Component::new(engine, bytes)
        .anyhow()
        .with_context(|| format!("failed to compile `{path}`"))
}

impl RunCommand {
    /// Runs the component at `path`: `--invoke` is not supported yet; by
    /// default the `run` function of its `wasi:cli/run` export is called,
    /// and an `err` result exits with status 1.
    pub(super) async fn run_component(
        &self,
        engine: &Engine,
        path: &str,
        bytes: Vec<u8>,
    ) -> Result<Outcome> {
        let component = load(engine, path, bytes, self.allow_precompiled)?;
        if self.invoke.is_some() {
            bail!("`--invoke` of component functions is not supported yet");
        }
        let mut linker: Linker<()> = Linker::new(engine);
        if self.common.wasm().unknown_imports_trap == Some(true) {
            linker
                .define_unknown_imports_as_traps(&component)
                .anyhow()?;
        }
        let mut store = Store::new(engine, ());
        if let Some(fuel) = self.common.wasm().fuel {
            store.set_fuel(fuel).anyhow()?;
        }
        let instance = linker
            .instantiate(&mut store, &component)
            .anyhow()
            .with_context(|| format!("failed to instantiate {path:?}"))?;
        let run = [
            "wasi:cli/run@0.2.0",
            "wasi:cli/run@0.2.3",
            "wasi:cli/run@0.2.6",
            "wasi:cli/run",
        ]
        .iter()
        .find_map(|name| instance.get_export_index(&mut store, None, name))
        .and_then(|api| instance.get_export_index(&mut store, Some(&api), "run"))
        .and_then(|run| instance.get_func(&mut store, &run));
        let Some(run) = run else {
            bail!("no exported instance named `wasi:cli/run` found");
        };
        let mut results = [Val::Bool(false)];
        run.call_async(&mut store, &[], &mut results)
            .await
            .anyhow()
            .with_context(|| format!("failed to run main component `{path}`"))?;
        match &results[0] {
            Val::Result(Ok(_)) => Ok(Outcome::Success),
            _ => Ok(Outcome::Exit(1)),
        }
    }
}
