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

    /// The engine configuration these options describe.
    pub fn config(&self) -> Config {
        let optimize = self.optimize();
        let mut config = Config::new();
        if let Some(level) = optimize.opt_level {
            config.cranelift_opt_level(level.to_wasmtime());
        }
        if let Some(bytes) = optimize.memory_reservation {
            config.memory_reservation(bytes);
        }
        if let Some(bytes) = optimize.memory_guard_size {
            config.memory_guard_size(bytes);
        }
        config
    }

    /// Creates an engine with these options.
    pub fn engine(&self) -> Result<Engine> {
        Engine::new(&self.config())
            .anyhow()
            .context("failed to create the engine")
    }
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
