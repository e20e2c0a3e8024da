//! `wasmtime run`: compile a module, give it WASI preview 1, and run its
//! `_start` (or the function named by `--invoke`).

pub(crate) mod component;
mod profile;
mod wave;

use crate::flags::{option_group, KeyValuePair};
use crate::input::Input;
use crate::opts::{CommonOptions, IntoAnyhow};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use std::path::Path;
use std::process::ExitCode;
use wasmtime::{
    Engine, Extern, Func, Instance, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, Val,
    ValType,
};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::{DirPerms, FilePerms, WasiCtxBuilder};

/// Arguments of `wasmtime run`.
#[derive(Args, Debug)]
pub struct RunCommand {
    #[command(flatten)]
    pub common: CommonOptions,

    /// WASI settings, as comma-separated KEY[=VAL] pairs; `-S help` lists
    /// them.
    #[arg(short = 'S', long = "wasi", value_name = "KEY[=VAL[,..]]", value_parser = WasiOptions::clap_parse)]
    pub wasi: Vec<WasiOptions>,

    /// Execution recording settings, as comma-separated KEY[=VAL] pairs;
    /// `-R help` lists them (none is supported).
    #[arg(short = 'R', long = "record", value_name = "KEY[=VAL[,..]]", value_parser = RecordOptions::clap_parse)]
    pub record: Vec<RecordOptions>,

    /// Grants access to a host directory, as HOST_DIR[::GUEST_DIR].
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]")]
    pub dirs: Vec<String>,

    /// Sets an environment variable for the guest (NAME=VAL), or passes the
    /// host's value of NAME.
    #[arg(long = "env", value_name = "NAME[=VAL]")]
    pub envs: Vec<String>,

    /// The exported function to call. Without it, `_start` is called when
    /// the module exports it.
    #[arg(long, value_name = "FUNCTION")]
    pub invoke: Option<String>,

    /// The program name the guest sees as argv[0] (default: the file name).
    #[arg(long, value_name = "NAME")]
    pub argv0: Option<String>,

    /// Instantiates another module first and links it under NAME.
    #[arg(long = "preload", value_name = "NAME=MODULE_PATH")]
    pub preloads: Vec<String>,

    /// Allow executing precompiled modules (`.cwasm` files from `wasmtime
    /// compile`). Not safe for untrusted input: an artifact is machine code.
    #[arg(long)]
    pub allow_precompiled: bool,

    /// Profiles the guest: `perfmap` or `jitdump` for perf, or
    /// `guest[,PATH[,INTERVAL]]` for a Firefox Profiler profile of the
    /// wasm stack (core modules only).
    #[arg(long, value_name = "STRATEGY", value_parser = profile::Profile::parse)]
    pub profile: Option<profile::Profile>,

    /// The module (`.wasm` or `.wat`) followed by its arguments.
    #[arg(required = true, value_name = "WASM", trailing_var_arg = true)]
    pub module_and_args: Vec<String>,
}

option_group! {
    /// `-S` settings, each `None` when not given.
    pub struct WasiOptions {
        flag: 'S', long: "wasi", title: "wasi",
        /// Provide WASI: preview 1 (`wasi_snapshot_preview1`) to modules,
        /// WASI 0.2 to components (default: yes).
        "cli" => cli: Option<bool>,
        /// Deprecated alias for `cli`.
        "common" => common: Option<bool>,
        /// Accepted for compatibility: the reference chooses between two
        /// implementations of WASI preview 1 with it; this runtime has
        /// one, which behaves the same either way.
        "preview2" => preview2: Option<bool>,
        /// Grant access to a TCP socket listening on this address, as a
        /// pre-opened descriptor after the directories (`sock_accept`).
        "tcplisten" => tcplisten: Vec<String>,
        /// Give the guest all the host's environment variables.
        "inherit-env" => inherit_env: Option<bool>,
        /// Let a component create sockets (`wasi:sockets`; default: no).
        "inherit-network" => inherit_network: Option<bool>,
        /// Let a component resolve host names (default: no).
        "allow-ip-name-lookup" => allow_ip_name_lookup: Option<bool>,
        /// Allow TCP sockets, given network access (default: yes).
        "tcp" => tcp: Option<bool>,
        /// Allow UDP sockets, given network access (default: yes).
        "udp" => udp: Option<bool>,
        /// Provide WASI 0.3 (`wasi:*@0.3.0`) to components too, and run a
        /// component exporting `wasi:cli/run@0.3.0` through it (default:
        /// yes).
        "p3" => p3: Option<bool>,
        /// Give components `wasi:http` (`types` and `outgoing-handler`;
        /// default: no for `run`, always for `serve`).
        "http" => http: Option<bool>,
        /// Number of distinct writes to an outgoing body's stream that are
        /// buffered (default: 1).
        "http-outgoing-body-buffer-chunks" => http_outgoing_body_buffer_chunks: Option<usize>,
        /// Largest write to an outgoing body's stream (default: 1 MiB).
        "http-outgoing-body-chunk-size" => http_outgoing_body_chunk_size: Option<usize>,
        /// Largest total size, in bytes, of the names and values of a
        /// wasi-http `fields` resource (default: 128 KiB).
        "max-http-fields-size" => max_http_fields_size: Option<usize>,
        /// Give components `wasi:config/store` (default: no), with the
        /// variables of `config-var`.
        "config" => config: Option<bool>,
        /// A `wasi:config` variable, as NAME=VALUE (repeatable).
        "config-var" => config_var: Vec<KeyValuePair>,
        /// Give components `wasi:keyvalue` (`store`, `atomics`, `batch`;
        /// default: no), whose in-memory store (identifier "") starts with
        /// the entries of `keyvalue-in-memory-data`.
        "keyvalue" => keyvalue: Option<bool>,
        /// An entry of the in-memory `wasi:keyvalue` store, as KEY=VALUE
        /// (repeatable).
        "keyvalue-in-memory-data" => keyvalue_in_memory_data: Vec<KeyValuePair>,
        /// Give the guest the host's stdin (default: yes); otherwise stdin
        /// is empty.
        "inherit-stdin" => inherit_stdin: Option<bool>,
        /// Give the guest the host's stdout (default: yes); otherwise its
        /// output is discarded.
        "inherit-stdout" => inherit_stdout: Option<bool>,
        /// Give the guest the host's stderr (default: yes); otherwise its
        /// output is discarded.
        "inherit-stderr" => inherit_stderr: Option<bool>,
    }
    unsupported {
        "cli-exit-with-code", "network-error-code"
            => "unstable WASI 0.2 features are not implemented",
        "max-resources", "hostcall-fuel", "max-component-handles", "max-random-size", "cwd"
            => "this WASI 0.2 limit is not implemented yet",
        "nn", "nn-graph" => "wasi-nn is not implemented",
        "threads" => "wasi-threads is not implemented",
        "tls" => "wasi-tls is not implemented",
        "listenfd" => "inheriting systemd listen sockets is not implemented (use tcplisten)",
        "preview0" => "the `wasi_unstable` (preview 0) imports are not implemented",
    }
}

option_group! {
    /// `-R` settings (execution recording). None is supported: the group
    /// exists so that the reference's keys get a clear error.
    pub struct RecordOptions {
        flag: 'R', long: "record", title: "record",
    }
    unsupported {
        "path", "validation-metadata", "event-window-size"
            => "recording executions for replay is not implemented",
    }
}

/// How `run` ended when it did not fail.
pub enum Outcome {
    /// Normal completion.
    Success,
    /// The guest called `proc_exit` with this status.
    Exit(i32),
}

impl RunCommand {
    pub(crate) fn wasi_options(&self) -> WasiOptions {
        let mut merged = WasiOptions::default();
        for w in &self.wasi {
            merged.merge(w);
        }
        merged
    }

    /// The WASI context builder for `-S`, `--env`, `--dir` and the
    /// arguments: finished with `build_p1` for modules and `build` for
    /// components.
    fn wasi_builder(&self, path: &str, args: &[String]) -> Result<WasiCtxBuilder> {
        let opts = self.wasi_options();
        let mut b = WasiCtxBuilder::new();
        if opts.inherit_stdin != Some(false) {
            b.inherit_stdin();
        }
        if opts.inherit_stdout != Some(false) {
            b.inherit_stdout();
        }
        if opts.inherit_stderr != Some(false) {
            b.inherit_stderr();
        }
        let argv0 = match &self.argv0 {
            Some(a) => a.clone(),
            None => Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string()),
        };
        b.arg(argv0);
        b.args(args);
        if opts.inherit_env == Some(true) {
            b.inherit_env();
        }
        for env in &self.envs {
            match env.split_once('=') {
                Some((k, v)) => {
                    b.env(k, v);
                }
                None => {
                    if let Ok(v) = std::env::var(env) {
                        b.env(env, v);
                    }
                }
            }
        }
        for dir in &self.dirs {
            let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
            b.preopened_dir(host, guest, DirPerms::all(), FilePerms::all())?;
        }
        // Sockets follow the directories (fds 3.. hold the directories), so
        // wasi-libc still finds every directory.
        for (i, addr) in opts.tcplisten.iter().enumerate() {
            let listener = std::net::TcpListener::bind(addr)
                .with_context(|| format!("failed to listen on `{addr}`"))?;
            b.preopened_socket((3 + self.dirs.len() + i) as u32, listener)?;
        }
        if opts.inherit_network == Some(true) {
            b.inherit_network();
        }
        if let Some(on) = opts.allow_ip_name_lookup {
            b.allow_ip_name_lookup(on);
        }
        if let Some(on) = opts.tcp {
            b.allow_tcp(on);
        }
        if let Some(on) = opts.udp {
            b.allow_udp(on);
        }
        Ok(b)
    }

    /// Runs the command. Errors (including traps) are returned; results of
    /// an `--invoke`d function are printed one per line.
    ///
    /// As in the reference CLI, the guest runs as an async call on a tokio
    /// runtime, with WASI's functions defined as async host functions (a
    /// guest's sleep waits on a timer instead of blocking the thread).
    pub fn execute(self) -> Result<ExitCode> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()?;
        let outcome = runtime.block_on(self.run());
        // A read of stdin on a blocking thread (WASI 0.3's stdin stream)
        // may still wait for input nobody wants: do not wait for it.
        runtime.shutdown_background();
        match outcome? {
            Outcome::Success => Ok(ExitCode::SUCCESS),
            Outcome::Exit(code) => Ok(ExitCode::from(code as u8)),
        }
    }

    /// Applies the store side of `-W`: fuel, the timeout, the epoch
    /// deadline and the resource limits (the engine side was applied by
    /// `CommonOptions::config`).
    fn apply_store_options<T: HasLimits>(&self, store: &mut Store<T>) -> Result<()> {
        let wasm = self.common.wasm();
        if let Some(fuel) = wasm.fuel {
            store.set_fuel(fuel)?;
        }
        if let Some(timeout) = wasm.timeout {
            // One epoch tick, after `timeout`, interrupts the guest.
            store.set_epoch_deadline(1);
            let engine = store.engine().clone();
            std::thread::spawn(move || {
                std::thread::sleep(timeout);
                engine.increment_epoch();
            });
        }
        let mut limits = StoreLimitsBuilder::new();
        if let Some(bytes) = wasm.max_memory_size {
            limits = limits.memory_size(bytes);
        }
        if let Some(n) = wasm.max_table_elements {
            limits = limits.table_elements(n);
        }
        if let Some(n) = wasm.max_instances {
            limits = limits.instances(n);
        }
        if let Some(n) = wasm.max_tables {
            limits = limits.tables(n);
        }
        if let Some(n) = wasm.max_memories {
            limits = limits.memories(n);
        }
        if let Some(on) = wasm.trap_on_grow_failure {
            limits = limits.trap_on_grow_failure(on);
        }
        *store.data_mut().limits() = limits.build();
        store.limiter(|host| host.limits());
        Ok(())
    }

    async fn run(&self) -> Result<Outcome> {
        let (path, args) = match self.module_and_args.split_first() {
            Some((path, args)) => (path, args),
            None => bail!("no module given"),
        };
        let mut config = self.common.config()?;
        if let Some(profile) = &self.profile {
            if matches!(profile, profile::Profile::Guest { .. })
                && self.common.wasm().timeout.is_some()
            {
                bail!("`--profile=guest` and `-W timeout` both use epochs and cannot be combined");
            }
            profile.apply(&mut config);
        }
        let engine = Engine::new(&config)
            .anyhow()
            .context("failed to create the engine")?;
        let bytes = Input::open(path)?;
        if component::is_component(&bytes) {
            if matches!(self.profile, Some(profile::Profile::Guest { .. })) {
                bail!("`--profile=guest` is not supported for components yet");
            }
            let args = if self.invoke.is_some() { &[] } else { args };
            return self.run_component(&engine, path, bytes, args).await;
        }
        let module = module_from_bytes(&engine, path, bytes, self.allow_precompiled)?;
        let wasi = self
            .wasi_builder(path, if self.invoke.is_some() { &[] } else { args })?
            .build_p1();
        let mut store = Store::new(
            &engine,
            Host {
                wasi,
                limits: StoreLimits::default(),
            },
        );
        self.apply_store_options(&mut store)?;
        let sampling = match &self.profile {
            Some(profile::Profile::Guest {
                path: out,
                interval,
            }) => Some(profile::GuestSampling::start(
                &mut store, &module, path, out, *interval,
            )?),
            _ => None,
        };
        let mut linker: Linker<Host> = Linker::new(&engine);
        let wasi = self.wasi_options();
        // The component-only interfaces, refused with the reference's texts.
        for (on, name) in [
            (wasi.config, "wasi-config"),
            (wasi.keyvalue, "wasi-keyvalue"),
            (wasi.http, "wasi-http"),
        ] {
            if on == Some(true) {
                bail!("Cannot enable {name} for core wasm modules");
            }
        }
        if wasi.cli.or(wasi.common) != Some(false) {
            p1::add_to_linker_async(&mut linker, |host| &mut host.wasi)?;
        }
        for preload in &self.preloads {
            let (name, file) = preload
                .split_once('=')
                .ok_or_else(|| anyhow!("`--preload` expects NAME=MODULE_PATH, got `{preload}`"))?;
            let m = load_module(&engine, file, self.allow_precompiled)?;
            let instance = linker
                .instantiate_async(&mut store, &m)
                .await
                .with_context(|| format!("failed to instantiate `{file}`"))?;
            linker.instance(&mut store, name, instance)?;
        }
        // As in the reference CLI, only the main module's unknown imports
        // are defined (traps first, so they win when both are asked for).
        let wasm = self.common.wasm();
        if wasm.unknown_imports_trap == Some(true) {
            linker.define_unknown_imports_as_traps(&module)?;
        }
        if wasm.unknown_imports_default == Some(true) {
            linker
                .define_unknown_imports_as_default_values(&mut store, &module)
                .anyhow()?;
        }
        let result = async {
            let instance = linker
                .instantiate_async(&mut store, &module)
                .await
                .anyhow()
                .with_context(|| format!("failed to instantiate {path:?}"))?;
            let (name, func) = match find_func(&mut store, &instance, self.invoke.as_deref())? {
                Some(found) => found,
                None => {
                    if !args.is_empty() {
                        bail!("arguments were given but the module exports no `_start`; use `--invoke NAME` to choose a function");
                    }
                    return Ok(());
                }
            };
            let ty = func.ty(&store);
            let params: Vec<ValType> = ty.params().collect();
            let values = if self.invoke.is_some() {
                parse_args(&name, &params, args)?
            } else {
                Vec::new()
            };
            let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
            func.call_async(&mut store, &values, &mut results)
                .await
                .anyhow()
                .with_context(|| format!("failed to invoke `{name}`"))?;
            for result in &results {
                println!("{}", format_val(result));
            }
            Ok(())
        }
        .await;
        if let Some(sampling) = sampling {
            sampling.finish()?;
        }
        match result {
            Ok(()) => Ok(Outcome::Success),
            Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => Ok(Outcome::Exit(exit.0)),
                None => {
                    let e = self.write_coredump(&mut store, path, e);
                    Err(e.context(format!("failed to run main module `{path}`")))
                }
            },
        }
    }

    /// With `-D coredump=FILE`, writes the core dump attached to `error`
    /// (if any) to FILE and says so in the error.
    fn write_coredump<T: 'static>(
        &self,
        store: &mut Store<T>,
        path: &str,
        error: anyhow::Error,
    ) -> anyhow::Error {
        let Some(file) = self.common.debug().coredump else {
            return error;
        };
        let Some(dump) = error.downcast_ref::<wasmtime::WasmCoreDump>() else {
            return error;
        };
        let bytes = dump.serialize(&mut *store, path);
        match std::fs::write(&file, bytes) {
            Ok(()) => error.context(format!("core dumped at {file}")),
            Err(io) => error.context(format!("failed to write core dump to {file}: {io}")),
        }
    }
}

/// The data of the store `run` uses.
struct Host {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

/// Store data with resource limits for `-W max-*`.
pub(crate) trait HasLimits: 'static {
    /// The limits.
    fn limits(&mut self) -> &mut StoreLimits;
}

impl HasLimits for Host {
    fn limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}

/// Reads and compiles `.wasm` or `.wat`; a missing or unreadable file is
/// one clear error.
fn load_module(engine: &wasmtime::Engine, path: &str, allow_precompiled: bool) -> Result<Module> {
    let bytes = Input::open(path)?;
    module_from_bytes(engine, path, bytes, allow_precompiled)
}

/// As [`load_module`], for the file's contents.
fn module_from_bytes(
    engine: &wasmtime::Engine,
    path: &str,
    bytes: Input,
    allow_precompiled: bool,
) -> Result<Module> {
    if wasmtime::Engine::detect_precompiled(&bytes).is_some() {
        if !allow_precompiled {
            bail!("running a precompiled module requires the `--allow-precompiled` flag");
        }
        // SAFETY: the user vouched for the artifact with
        // `--allow-precompiled`; it is still checked before it is mapped.
        return unsafe { Module::deserialize(engine, &bytes) }
            .anyhow()
            .with_context(|| format!("failed to load precompiled `{path}`"));
    }
    Module::new(engine, &*bytes)
        .anyhow()
        .with_context(|| format!("failed to compile `{path}`"))
}

/// Picks the function to call: `--invoke NAME`, else `_start` (or the
/// legacy default export `""`) when exported.
fn find_func(
    store: &mut Store<Host>,
    instance: &Instance,
    invoke: Option<&str>,
) -> Result<Option<(String, Func)>> {
    match invoke {
        Some(name) => {
            let func = match instance.get_export(&mut *store, name) {
                Some(Extern::Func(f)) => f,
                _ => bail!("no func export named `{name}` found"),
            };
            Ok(Some((name.to_string(), func)))
        }
        None => {
            for name in ["_start", ""] {
                if let Some(func) = instance.get_func(&mut *store, name) {
                    return Ok(Some((name.to_string(), func)));
                }
            }
            Ok(None)
        }
    }
}

/// Converts the command-line arguments to the function's parameter types.
pub fn parse_args(name: &str, params: &[ValType], args: &[String]) -> Result<Vec<Val>> {
    if params.len() != args.len() {
        bail!(
            "wrong number of arguments for `{name}`: it takes {}, {} given",
            params.len(),
            args.len()
        );
    }
    params
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (ty, arg))| {
            parse_arg(ty, arg).with_context(|| format!("argument {} (`{arg}`) of `{name}`", i + 1))
        })
        .collect()
}

/// Converts one command-line argument to a value of type `ty`.
pub fn parse_arg(ty: &ValType, arg: &str) -> Result<Val> {
    Ok(match ty {
        ValType::I32 => Val::I32(
            arg.parse::<i32>()
                .map_err(|e| anyhow!("not a valid i32: {e}"))?,
        ),
        ValType::I64 => Val::I64(
            arg.parse::<i64>()
                .map_err(|e| anyhow!("not a valid i64: {e}"))?,
        ),
        ValType::F32 => Val::F32(
            arg.parse::<f32>()
                .map_err(|e| anyhow!("not a valid f32: {e}"))?
                .to_bits(),
        ),
        ValType::F64 => Val::F64(
            arg.parse::<f64>()
                .map_err(|e| anyhow!("not a valid f64: {e}"))?
                .to_bits(),
        ),
        other => bail!("parameters of type {other:?} cannot be passed on the command line"),
    })
}

/// How `wasmtime run` prints a result.
pub fn format_val(val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(v) => format!("{:#034x}", v.as_u128()),
        Val::FuncRef(None) | Val::ExternRef(None) => "ref.null".to_string(),
        Val::FuncRef(Some(_)) => "ref.func".to_string(),
        Val::ExternRef(Some(_)) => "ref.extern".to_string(),
        #[allow(unreachable_patterns)]
        _ => "ref".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parses_numbers() {
        let params = [ValType::I32, ValType::I64, ValType::F32, ValType::F64];
        let vals = parse_args("f", &params, &s(&["-7", "9000000000", "1.5", "-2.25"])).unwrap();
        assert!(matches!(vals[0], Val::I32(-7)));
        assert!(matches!(vals[1], Val::I64(9_000_000_000)));
        assert!(matches!(vals[2], Val::F32(b) if b == 1.5f32.to_bits()));
        assert!(matches!(vals[3], Val::F64(b) if b == (-2.25f64).to_bits()));
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(parse_args("f", &[ValType::I32], &s(&["x"])).is_err());
        assert!(parse_args("f", &[ValType::I32], &s(&["4294967296"])).is_err());
        assert!(parse_args("f", &[ValType::I32], &s(&[])).is_err());
        assert!(parse_args("f", &[], &s(&["1"])).is_err());
        assert!(parse_args("f", &[ValType::EXTERNREF], &s(&["1"])).is_err());
        let err = parse_args("f", &[ValType::I32, ValType::I32], &s(&["1"])).unwrap_err();
        assert!(
            err.to_string().contains("wrong number of arguments"),
            "{err}"
        );
    }

    #[test]
    fn formats_results() {
        assert_eq!(format_val(&Val::I32(-1)), "-1");
        assert_eq!(format_val(&Val::I64(i64::MIN)), "-9223372036854775808");
        assert_eq!(format_val(&Val::F32(0.5f32.to_bits())), "0.5");
        assert_eq!(format_val(&Val::F64(3f64.to_bits())), "3");
        assert_eq!(format_val(&Val::FuncRef(None)), "ref.null");
        assert_eq!(format_val(&Val::ExternRef(None)), "ref.null");
    }
}
