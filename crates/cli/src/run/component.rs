//! `wasmtime run` for components: load (compile or deserialize), link,
//! instantiate, and call the command's `wasi:cli/run` export.

use super::wave::{from_wave, to_wave, wave_type};
use super::{HasLimits, Outcome, RunCommand};
use crate::input::Input;
use crate::opts::IntoAnyhow;
use anyhow::{bail, Context as _, Result};
use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store, StoreLimits};
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};
use wasmtime_wasi_keyvalue::{WasiKeyValue, WasiKeyValueCtx, WasiKeyValueCtxBuilder};

/// Whether `bytes` (binary, text or a precompiled artifact) are a component.
pub(crate) fn is_component(bytes: &[u8]) -> bool {
    if Engine::detect_precompiled(bytes) == Some(wasmtime::Precompiled::Component) {
        return true;
    }
    match wat::parse_bytes(bytes) {
        Ok(binary) => wasmparser::Parser::is_component(&binary),
        Err(_) => false,
    }
}

pub(crate) fn load(
    engine: &Engine,
    path: &str,
    bytes: Input,
    allow_precompiled: bool,
) -> Result<Component> {
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
    Component::new(engine, &*bytes)
        .anyhow()
        .with_context(|| format!("failed to compile `{path}`"))
}

/// The data of the store a component runs in.
pub(crate) struct ComponentHost {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) hooks: HttpHooks,
    /// The `-S config-var` variables (read when `-S config` linked
    /// `wasi:config`).
    pub(crate) config: WasiConfigVariables,
    /// The `-S keyvalue-in-memory-data` entries (used when `-S keyvalue`
    /// linked `wasi:keyvalue`).
    pub(crate) keyvalue: WasiKeyValueCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: StoreLimits,
}

/// The `wasi:config` variables and the `wasi:keyvalue` context of the
/// `-S config-var` and `-S keyvalue-in-memory-data` settings.
pub(crate) fn config_and_keyvalue(
    opts: &crate::run::WasiOptions,
) -> (WasiConfigVariables, WasiKeyValueCtx) {
    let vars = opts
        .config_var
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();
    let keyvalue = WasiKeyValueCtxBuilder::new()
        .in_memory_data(
            opts.keyvalue_in_memory_data
                .iter()
                .map(|p| (p.key.clone(), p.value.clone())),
        )
        .build();
    (vars, keyvalue)
}

/// Links `wasi:config` (`-S config`) and `wasi:keyvalue` (`-S keyvalue`)
/// when asked for.
pub(crate) fn link_config_and_keyvalue(
    linker: &mut Linker<ComponentHost>,
    opts: &crate::run::WasiOptions,
) -> Result<()> {
    if opts.config == Some(true) {
        wasmtime_wasi_config::add_to_linker(linker, |h| WasiConfig::new(&h.config))?;
    }
    if opts.keyvalue == Some(true) {
        wasmtime_wasi_keyvalue::add_to_linker(linker, |h| {
            WasiKeyValue::new(&h.keyvalue, &mut h.table)
        })?;
    }
    Ok(())
}

/// The `-S http-*` settings of outgoing bodies.
#[derive(Clone, Copy, Default)]
pub(crate) struct HttpHooks {
    buffer_chunks: Option<usize>,
    chunk_size: Option<usize>,
}

impl WasiHttpHooks for HttpHooks {
    fn outgoing_body_buffer_chunks(&mut self) -> usize {
        self.buffer_chunks
            .unwrap_or(wasmtime_wasi_http::p2::DEFAULT_OUTGOING_BODY_BUFFER_CHUNKS)
    }
    fn outgoing_body_chunk_size(&mut self) -> usize {
        self.chunk_size
            .unwrap_or(wasmtime_wasi_http::p2::DEFAULT_OUTGOING_BODY_CHUNK_SIZE)
    }
}

/// The `wasi:http` context and hooks that the `-S http-*` settings ask for.
pub(crate) fn http_setup(opts: &crate::run::WasiOptions) -> (WasiHttpCtx, HttpHooks) {
    let mut ctx = WasiHttpCtx::new();
    if let Some(limit) = opts.max_http_fields_size {
        ctx.set_field_size_limit(limit);
    }
    let hooks = HttpHooks {
        buffer_chunks: opts.http_outgoing_body_buffer_chunks,
        chunk_size: opts.http_outgoing_body_chunk_size,
    };
    (ctx, hooks)
}

impl WasiHttpView for ComponentHost {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl WasiView for ComponentHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl HasLimits for ComponentHost {
    fn limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}

impl RunCommand {
    /// Runs the component at `path` with WASI 0.2: calls the function
    /// `--invoke` names (WAVE syntax, result printed in WAVE), or by
    /// default the `run` function of its `wasi:cli/run` export, where an
    /// `err` result exits with status 1 and `wasi:cli/exit` with its code.
    pub(super) async fn run_component(
        &self,
        engine: &Engine,
        path: &str,
        bytes: Input,
        args: &[String],
    ) -> Result<Outcome> {
        let component = load(engine, path, bytes, self.allow_precompiled)?;
        let mut linker: Linker<ComponentHost> = Linker::new(engine);
        let opts = self.wasi_options();
        if opts.cli.or(opts.common) != Some(false) {
            wasmtime_wasi::p2::add_to_linker_async(&mut linker).anyhow()?;
            if opts.p3 != Some(false) {
                wasmtime_wasi::p3::add_to_linker(&mut linker)
                    .anyhow()
                    .context("failed to link `wasi:cli@0.3.x`")?;
            }
        }
        if opts.http == Some(true) {
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).anyhow()?;
            if opts.p3 != Some(false) {
                wasmtime_wasi_http::p3::add_to_linker(&mut linker)
                    .anyhow()
                    .context("failed to link `wasi:http@0.3.x`")?;
            }
        }
        link_config_and_keyvalue(&mut linker, &opts)?;
        let (http, hooks) = http_setup(&opts);
        let (config, keyvalue) = config_and_keyvalue(&opts);
        if self.common.wasm().unknown_imports_trap == Some(true) {
            linker
                .define_unknown_imports_as_traps(&component)
                .anyhow()?;
        }
        let host = ComponentHost {
            wasi: self.wasi_builder(path, args)?.build(),
            http,
            hooks,
            config,
            keyvalue,
            table: ResourceTable::new(),
            limits: StoreLimits::default(),
        };
        let mut store = Store::new(engine, host);
        self.apply_store_options(&mut store)?;
        let result = async {
            let instance = linker
                .instantiate_async(&mut store, &component)
                .await
                .anyhow()
                .with_context(|| format!("failed to instantiate {path:?}"))?;
            if let Some(invoke) = &self.invoke {
                return invoke_export(&mut store, &instance, invoke).await;
            }
            // As the reference does: a component exporting
            // `wasi:cli/run@0.3.0` runs as a WASI 0.3 command (its `run`
            // a task of the store's event loop), any other as 0.2.
            let p3 = match opts.p3 != Some(false) {
                true => wasmtime_wasi::p3::bindings::Command::new(&mut store, &instance).ok(),
                false => None,
            };
            let result = match p3 {
                Some(command) => store
                    .run_concurrent(async |store| command.wasi_cli_run().call_run(store).await)
                    .await
                    .and_then(|r| r),
                None => {
                    let command = Command::new(&mut store, &instance).anyhow()?;
                    command.wasi_cli_run().call_run(&mut store).await
                }
            };
            // As in the reference CLI, a trap or error from `run` is
            // reported as "failed to invoke `run` function".
            let result = result.anyhow().context("failed to invoke `run` function")?;
            Ok(match result {
                Ok(()) => Outcome::Success,
                Err(()) => Outcome::Exit(1),
            })
        }
        .await;
        match result {
            Ok(outcome) => Ok(outcome),
            Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => Ok(Outcome::Exit(exit.0)),
                // The reference CLI says "module" for components too.
                None => Err(e.context(format!("failed to run main module `{path}`"))),
            },
        }
    }
}

/// Calls the export named by the WAVE call `invoke` (`name(args)`, where
/// `name` is a root export or `instance#function`) and prints its result
/// in WAVE.
async fn invoke_export(
    store: &mut Store<ComponentHost>,
    instance: &wasmtime::component::Instance,
    invoke: &str,
) -> Result<Outcome> {
    let component_exports = exported_instances(store, instance);
    let call = wasm_wave::untyped::UntypedFuncCall::parse(invoke)
        .map_err(|e| anyhow::anyhow!("failed to parse invocation `{invoke}`: {e}"))?;
    let name = call.name();
    let func = match name.split_once('#') {
        Some((iface, f)) => instance
            .get_export_index(&mut *store, None, iface)
            .and_then(|i| instance.get_export_index(&mut *store, Some(&i), f))
            .and_then(|i| instance.get_func(&mut *store, &i)),
        None => instance
            .get_func(&mut *store, name)
            .or_else(|| find_in_exported_instances(store, &component_exports, name)),
    };
    let Some(func) = func else {
        bail!("failed to find function export `{name}`");
    };
    let ty = func.ty(&*store);
    let param_types: Vec<_> = ty.params().map(|(_, t)| t).collect();
    let wave_types = param_types
        .iter()
        .map(wave_type)
        .collect::<Result<Vec<_>>>()?;
    let values = call
        .to_wasm_params::<wasm_wave::value::Value>(wave_types.iter())
        .map_err(|e| anyhow::anyhow!("failed to parse arguments of `{name}`: {e}"))?;
    let params = values
        .iter()
        .zip(&param_types)
        .map(|(v, t)| from_wave(v, t))
        .collect::<Result<Vec<_>>>()?;
    let result_types: Vec<_> = ty.results().collect();
    let mut results: Vec<Val> = result_types.iter().map(|_| Val::Bool(false)).collect();
    func.call_async(&mut *store, &params, &mut results)
        .await
        .anyhow()
        .with_context(|| format!("failed to invoke `{name}`"))?;
    // As the reference (wasm-wave's results display): no result is `()`.
    if results.is_empty() {
        println!("()");
    }
    for (r, t) in results.iter().zip(&result_types) {
        let wave = to_wave(r, t)?;
        println!(
            "{}",
            wasm_wave::to_string(&wave).map_err(|e| anyhow::anyhow!("{e}"))?
        );
    }
    Ok(Outcome::Success)
}

/// The indices of the instance's exported instances (for `--invoke` of a
/// function inside one, as the reference finds `run` in `wasi:cli/run`).
fn exported_instances(
    store: &mut Store<ComponentHost>,
    instance: &wasmtime::component::Instance,
) -> Vec<(
    wasmtime::component::Instance,
    wasmtime::component::ComponentExportIndex,
)> {
    let pre = instance.instance_pre(&*store);
    let component = pre.component();
    let names = component.exported_instance_names();
    names
        .iter()
        .filter_map(|n| instance.get_export_index(&mut *store, None, n))
        .map(|i| (*instance, i))
        .collect()
}

/// The function `name` in exactly one of `instances`.
fn find_in_exported_instances(
    store: &mut Store<ComponentHost>,
    instances: &[(
        wasmtime::component::Instance,
        wasmtime::component::ComponentExportIndex,
    )],
    name: &str,
) -> Option<wasmtime::component::Func> {
    let mut found = instances.iter().filter_map(|(inst, idx)| {
        let f = inst.get_export_index(&mut *store, Some(idx), name)?;
        inst.get_func(&mut *store, &f)
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}
