//! `wasmtime run`: compile, instantiate and call a module's function.

use crate::opts::{CommonOptions, IntoAnyhow};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use std::path::Path;
use std::process::ExitCode;
use wasmtime::{Func, Instance, Linker, Module, Store, Val, ValType};

/// Arguments of `wasmtime run`.
#[derive(Args, Debug)]
pub struct RunCommand {
    #[command(flatten)]
    pub common: CommonOptions,

    /// The exported function to call. Without it, `_start` is called when
    /// the module exports it.
    #[arg(long, value_name = "FUNCTION")]
    pub invoke: Option<String>,

    /// Allow executing precompiled modules (`.cwasm` files from `wasmtime
    /// compile`). Not safe for untrusted input: an artifact is machine code.
    #[arg(long)]
    pub allow_precompiled: bool,

    /// The module (`.wasm` or `.wat`) followed by the arguments of the
    /// called function.
    #[arg(required = true, value_name = "WASM", trailing_var_arg = true)]
    pub module_and_args: Vec<String>,
}

impl RunCommand {
    /// Runs the command. Errors (including traps) are returned; results are
    /// printed one per line.
    pub fn execute(self) -> Result<ExitCode> {
        let (path, args) = match self.module_and_args.split_first() {
            Some((path, args)) => (path, args),
            None => bail!("no module given"),
        };
        let engine = self.common.engine()?;
        let bytes =
            std::fs::read(Path::new(path)).with_context(|| format!("failed to read `{path}`"))?;
        let module = if wasmtime::Engine::detect_precompiled(&bytes).is_some() {
            if !self.allow_precompiled {
                bail!("running a precompiled module requires the `--allow-precompiled` flag");
            }
            // SAFETY: the user vouched for the artifact with
            // `--allow-precompiled`; it is still checked before it is mapped.
            unsafe { Module::deserialize(&engine, &bytes) }
                .anyhow()
                .with_context(|| format!("failed to load precompiled `{path}`"))?
        } else {
            Module::new(&engine, &bytes)
                .anyhow()
                .with_context(|| format!("failed to compile `{path}`"))?
        };

        let mut store = Store::new(&engine, ());
        let linker: Linker<()> = Linker::new(&engine);
        // No host modules are defined yet (no WASI), so every import is
        // unknown; say which one instead of a generic link error.
        if let Some(import) = module.imports().next() {
            bail!(
                "unknown import: `{}::{}` has not been defined (no host functions are provided yet)",
                import.module(),
                import.name()
            );
        }
        let instance = linker
            .instantiate(&mut store, &module)
            .anyhow()
            .with_context(|| format!("failed to instantiate `{path}`"))?;

        let (name, func) = match find_func(&mut store, &instance, self.invoke.as_deref())? {
            Some(found) => found,
            None => {
                if !args.is_empty() {
                    bail!("arguments were given but the module exports no `_start`; use `--invoke NAME` to choose a function");
                }
                eprintln!(
                    "note: `{path}` exports no `_start` function and no `--invoke` was given; it was only instantiated"
                );
                return Ok(ExitCode::SUCCESS);
            }
        };

        let ty = func.ty(&store);
        let params: Vec<ValType> = ty.params().collect();
        let values = parse_args(&name, &params, args)?;
        let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
        func.call(&mut store, &values, &mut results)
            .anyhow()
            .with_context(|| format!("failed to invoke `{name}`"))?;
        for result in &results {
            println!("{}", format_val(result));
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Picks the function to call: `--invoke NAME`, else `_start` (or the
/// legacy default export `""`) when exported.
fn find_func(
    store: &mut Store<()>,
    instance: &Instance,
    invoke: Option<&str>,
) -> Result<Option<(String, Func)>> {
    match invoke {
        Some(name) => {
            let func = instance
                .get_func(&mut *store, name)
                .ok_or_else(|| anyhow!("no func export named `{name}` found"))?;
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
