//! Options shared by the subcommands: `-O KEY=VAL` and building a
//! [`wasmtime::Config`] from them.

use anyhow::{bail, Context as _, Result};
use clap::Args;
use wasmtime::{Config, Engine, OptLevel};

/// The `-O opt-level=...` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptLevelArg {
    /// `0`: no optimizations.
    None,
    /// `1` or `2`: optimize for speed.
    Speed,
    /// `s`: optimize for speed and size.
    SpeedAndSize,
}

impl OptLevelArg {
    fn to_wasmtime(self) -> OptLevel {
        match self {
            OptLevelArg::None => OptLevel::None,
            OptLevelArg::Speed => OptLevel::Speed,
            OptLevelArg::SpeedAndSize => OptLevel::SpeedAndSize,
        }
    }
}

/// Settings given with `-O`, each `None` when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptimizeOptions {
    /// `opt-level=0|1|2|s`.
    pub opt_level: Option<OptLevelArg>,
    /// `memory-reservation=N` (bytes).
    pub memory_reservation: Option<u64>,
    /// `memory-guard-size=N` (bytes).
    pub memory_guard_size: Option<u64>,
}

const KNOWN_KEYS: &str = "opt-level, memory-reservation, memory-guard-size";

impl OptimizeOptions {
    /// Parses one `-O` value: comma-separated `KEY=VAL` pairs. Unknown keys
    /// and bad values are errors.
    pub fn parse(s: &str) -> Result<OptimizeOptions> {
        let mut out = OptimizeOptions::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), v.trim()),
                None => bail!("`-O {part}` needs a value, as in `-O {part}=VALUE`"),
            };
            match key {
                "opt-level" => {
                    out.opt_level = Some(match value {
                        "0" => OptLevelArg::None,
                        "1" | "2" => OptLevelArg::Speed,
                        "s" => OptLevelArg::SpeedAndSize,
                        _ => bail!("unknown opt-level `{value}`: expected 0, 1, 2 or s"),
                    })
                }
                "memory-reservation" => {
                    out.memory_reservation =
                        Some(parse_u64(value).with_context(|| format!("bad `{key}` value"))?)
                }
                "memory-guard-size" => {
                    out.memory_guard_size =
                        Some(parse_u64(value).with_context(|| format!("bad `{key}` value"))?)
                }
                _ => bail!("unknown -O option `{key}` (known: {KNOWN_KEYS})"),
            }
        }
        Ok(out)
    }

    /// Combines several `-O` flags; later ones win.
    fn merge(&mut self, other: &OptimizeOptions) {
        if other.opt_level.is_some() {
            self.opt_level = other.opt_level;
        }
        if other.memory_reservation.is_some() {
            self.memory_reservation = other.memory_reservation;
        }
        if other.memory_guard_size.is_some() {
            self.memory_guard_size = other.memory_guard_size;
        }
    }
}

/// Parses a decimal or `0x` hexadecimal byte count.
fn parse_u64(s: &str) -> Result<u64> {
    let s = s.replace('_', "");
    Ok(
        match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16)?,
            None => s.parse()?,
        },
    )
}

fn parse_optimize_arg(s: &str) -> Result<OptimizeOptions, String> {
    OptimizeOptions::parse(s).map_err(|e| format!("{e:#}"))
}

/// Options every subcommand accepts.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonOptions {
    /// Optimization and memory settings, as comma-separated KEY=VAL pairs:
    /// opt-level=0|1|2|s, memory-reservation=BYTES, memory-guard-size=BYTES.
    #[arg(
        short = 'O',
        long = "optimize",
        value_name = "KEY=VAL[,KEY=VAL...]",
        value_parser = parse_optimize_arg
    )]
    optimize_flags: Vec<OptimizeOptions>,

    /// WebAssembly features and limits, as comma-separated KEY[=VAL] pairs:
    /// proposal toggles (simd, relaxed-simd, tail-call, exceptions, memory64,
    /// multi-memory, function-references, threads, extended-const,
    /// custom-page-sizes, wide-arithmetic, gc, bulk-memory, reference-types,
    /// multi-value, all-proposals) take y/n; also fuel=N,
    /// max-memory-size=BYTES, timeout=DURATION, max-wasm-stack=BYTES,
    /// unknown-imports-trap=y|n, nan-canonicalization=y|n.
    #[arg(
        short = 'W',
        long = "wasm",
        value_name = "KEY[=VAL[,KEY[=VAL]...]]",
        value_parser = parse_wasm_arg
    )]
    wasm_flags: Vec<WasmOptions>,

    /// Code generation settings, as comma-separated KEY[=VAL] pairs:
    /// cache=y|n (reuse compiled code from the on-disk cache, default y),
    /// cache-config=PATH (the cache's configuration file),
    /// parallel-compilation=y|n.
    #[arg(
        short = 'C',
        long = "codegen",
        value_name = "KEY[=VAL[,KEY[=VAL]...]]",
        value_parser = parse_codegen_arg
    )]
    codegen_flags: Vec<CodegenOptions>,
}

/// Settings given with `-C`, each `None` when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodegenOptions {
    /// `cache=y|n`.
    pub cache: Option<bool>,
    /// `cache-config=PATH`.
    pub cache_config: Option<String>,
    /// `parallel-compilation=y|n`.
    pub parallel_compilation: Option<bool>,
}

impl CodegenOptions {
    /// Parses one `-C` value.
    pub fn parse(s: &str) -> Result<CodegenOptions> {
        let mut out = CodegenOptions::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            match key {
                "cache" => out.cache = Some(parse_bool(key, value)?),
                "parallel-compilation" => out.parallel_compilation = Some(parse_bool(key, value)?),
                "cache-config" => {
                    out.cache_config = Some(
                        value
                            .filter(|v| !v.is_empty())
                            .ok_or_else(|| {
                                anyhow::anyhow!(
                                    "`-C cache-config` needs a value, as in `-C cache-config=PATH`"
                                )
                            })?
                            .to_string(),
                    )
                }
                _ => bail!(
                    "unknown -C option `{key}` (known: cache, cache-config, parallel-compilation)"
                ),
            }
        }
        Ok(out)
    }

    fn merge(&mut self, other: &CodegenOptions) {
        if other.cache.is_some() {
            self.cache = other.cache;
        }
        if other.cache_config.is_some() {
            self.cache_config.clone_from(&other.cache_config);
        }
        if other.parallel_compilation.is_some() {
            self.parallel_compilation = other.parallel_compilation;
        }
    }

    /// Applies these options to `config`. The compilation cache is on
    /// unless `cache=n`, as in the reference CLI. A configuration file that
    /// cannot be read or parsed is an error (as in the reference); a cache
    /// directory that cannot be created only turns the cache off, and
    /// entries that cannot be read or written are compiled again, so a
    /// broken cache never fails a run.
    pub fn apply(&self, config: &mut Config) -> Result<()> {
        if let Some(on) = self.parallel_compilation {
            config.parallel_compilation(on);
        }
        if self.cache != Some(false) {
            let file = self.cache_config.as_deref().map(std::path::Path::new);
            let cache_config = wasmtime::CacheConfig::from_file(file).anyhow()?;
            if let Ok(cache) = wasmtime::Cache::new(cache_config) {
                config.cache(Some(cache));
            }
        }
        Ok(())
    }
}

fn parse_codegen_arg(s: &str) -> Result<CodegenOptions, String> {
    CodegenOptions::parse(s).map_err(|e| format!("{e:#}"))
}

impl CommonOptions {
    /// All `-O` flags merged (later flags win).
    pub fn optimize(&self) -> OptimizeOptions {
        let mut merged = OptimizeOptions::default();
        for o in &self.optimize_flags {
            merged.merge(o);
        }
        merged
    }

    /// All `-W` flags merged (later flags win).
    pub fn wasm(&self) -> WasmOptions {
        let mut merged = WasmOptions::default();
        for w in &self.wasm_flags {
            merged.merge(w);
        }
        merged
    }

    /// All `-C` flags merged (later flags win).
    pub fn codegen(&self) -> CodegenOptions {
        let mut merged = CodegenOptions::default();
        for c in &self.codegen_flags {
            merged.merge(c);
        }
        merged
    }

    /// The engine configuration these options describe; an error for
    /// options this runtime cannot honour yet.
    pub fn config(&self) -> Result<Config> {
        let optimize = self.optimize();
        let mut config = Config::new();
        self.wasm().apply(&mut config)?;
        self.codegen().apply(&mut config)?;
        if let Some(level) = optimize.opt_level {
            config.cranelift_opt_level(level.to_wasmtime());
        }
        if let Some(bytes) = optimize.memory_reservation {
            config.memory_reservation(bytes);
        }
        if let Some(bytes) = optimize.memory_guard_size {
            config.memory_guard_size(bytes);
        }
        Ok(config)
    }

    /// Creates an engine with these options.
    pub fn engine(&self) -> Result<Engine> {
        Engine::new(&self.config()?)
            .anyhow()
            .context("failed to create the engine")
    }
}

/// The proposal toggles `-W` knows, with the `Config` method each sets.
type Toggle = fn(&mut Config, bool) -> &mut Config;
const PROPOSALS: &[(&str, Toggle)] = &[
    ("simd", Config::wasm_simd),
    ("relaxed-simd", Config::wasm_relaxed_simd),
    ("tail-call", Config::wasm_tail_call),
    ("exceptions", Config::wasm_exceptions),
    ("memory64", Config::wasm_memory64),
    ("multi-memory", Config::wasm_multi_memory),
    ("function-references", Config::wasm_function_references),
    ("threads", Config::wasm_threads),
    ("extended-const", Config::wasm_extended_const),
    ("custom-page-sizes", Config::wasm_custom_page_sizes),
    ("wide-arithmetic", Config::wasm_wide_arithmetic),
    ("gc", Config::wasm_gc),
    ("bulk-memory", Config::wasm_bulk_memory),
    ("reference-types", Config::wasm_reference_types),
    ("multi-value", Config::wasm_multi_value),
];

/// Settings given with `-W`, each `None` when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasmOptions {
    /// Proposal toggles in the order given.
    pub proposals: Vec<(String, bool)>,
    /// `all-proposals=y|n`.
    pub all_proposals: Option<bool>,
    /// `fuel=N`.
    pub fuel: Option<u64>,
    /// `max-memory-size=BYTES`.
    pub max_memory_size: Option<u64>,
    /// `timeout=DURATION`.
    pub timeout: Option<std::time::Duration>,
    /// `max-wasm-stack=BYTES`.
    pub max_wasm_stack: Option<u64>,
    /// `unknown-imports-trap=y|n`.
    pub unknown_imports_trap: Option<bool>,
    /// `nan-canonicalization=y|n`.
    pub nan_canonicalization: Option<bool>,
}

impl WasmOptions {
    /// Parses one `-W` value.
    pub fn parse(s: &str) -> Result<WasmOptions> {
        let mut out = WasmOptions::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            let need = |what: &str| -> Result<&str> {
                value.ok_or_else(|| {
                    anyhow::anyhow!("`-W {key}` needs a value, as in `-W {key}={what}`")
                })
            };
            match key {
                "all-proposals" => out.all_proposals = Some(parse_bool(key, value)?),
                "unknown-imports-trap" => out.unknown_imports_trap = Some(parse_bool(key, value)?),
                "nan-canonicalization" => out.nan_canonicalization = Some(parse_bool(key, value)?),
                "fuel" => {
                    out.fuel = Some(parse_u64(need("N")?).with_context(|| format!("bad `{key}` value"))?)
                }
                "max-memory-size" => {
                    out.max_memory_size =
                        Some(parse_u64(need("BYTES")?).with_context(|| format!("bad `{key}` value"))?)
                }
                "max-wasm-stack" => {
                    out.max_wasm_stack =
                        Some(parse_u64(need("BYTES")?).with_context(|| format!("bad `{key}` value"))?)
                }
                "timeout" => out.timeout = Some(parse_duration(need("DURATION")?)?),
                _ if PROPOSALS.iter().any(|(name, _)| *name == key) => {
                    out.proposals.push((key.to_string(), parse_bool(key, value)?))
                }
                _ => bail!(
                    "unknown -W option `{key}` (known: {}, all-proposals, fuel, max-memory-size, timeout, max-wasm-stack, unknown-imports-trap, nan-canonicalization)",
                    PROPOSALS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            }
        }
        Ok(out)
    }

    fn merge(&mut self, other: &WasmOptions) {
        self.proposals.extend(other.proposals.iter().cloned());
        macro_rules! take {
            ($($f:ident)*) => {$(if other.$f.is_some() { self.$f = other.$f; })*};
        }
        take!(all_proposals fuel max_memory_size timeout max_wasm_stack unknown_imports_trap nan_canonicalization);
    }

    /// Applies these options to `config`; an error for limits this
    /// runtime does not implement yet.
    pub fn apply(&self, config: &mut Config) -> Result<()> {
        if let Some(all) = self.all_proposals {
            for (_, toggle) in PROPOSALS {
                toggle(config, all);
            }
        }
        for (name, on) in &self.proposals {
            let (_, toggle) = PROPOSALS
                .iter()
                .find(|(n, _)| n == name)
                .expect("validated");
            toggle(config, *on);
        }
        if let Some(on) = self.nan_canonicalization {
            config.cranelift_nan_canonicalization(on);
        }
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack(usize::try_from(bytes).context("max-wasm-stack is too large")?);
        }
        // The store side of these (fuel amount, the timer, the limiter) is
        // set up by `run`.
        if self.fuel.is_some() {
            config.consume_fuel(true);
        }
        if self.timeout.is_some() {
            config.epoch_interruption(true);
        }
        Ok(())
    }
}

fn parse_bool(key: &str, value: Option<&str>) -> Result<bool> {
    match value {
        None | Some("y") | Some("yes") | Some("true") => Ok(true),
        Some("n") | Some("no") | Some("false") => Ok(false),
        Some(other) => {
            bail!("invalid value `{other}` for `{key}`: expected y, yes, true, n, no or false")
        }
    }
}

/// Parses a duration as the reference CLI does: a number with a unit
/// (`ns`, `us`, `ms`, `s`, `m`, `h`), or plain seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration> {
    use std::time::Duration;
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .with_context(|| format!("invalid duration `{s}`"))?;
    Ok(match unit {
        "" | "s" => Duration::from_secs(n),
        "ns" => Duration::from_nanos(n),
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => bail!("invalid duration `{s}`: unknown unit `{unit}`"),
    })
}

fn parse_wasm_arg(s: &str) -> Result<WasmOptions, String> {
    WasmOptions::parse(s).map_err(|e| format!("{e:#}"))
}

/// Turns a `wasmtime` result into an `anyhow` one (the identity while
/// `wasmtime::Error` is `anyhow::Error`), so `anyhow::Context` applies.
pub trait IntoAnyhow<T> {
    /// Converts the error type.
    fn anyhow(self) -> Result<T>;
}

impl<T, E> IntoAnyhow<T> for std::result::Result<T, E>
where
    anyhow::Error: From<E>,
{
    fn anyhow(self) -> Result<T> {
        self.map_err(anyhow::Error::from)
    }
}
