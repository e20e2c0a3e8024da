//! The `wasmtime` command line: runs WebAssembly modules with WASI
//! preview 1 (`wasmtime run`, or just `wasmtime FILE`), `.wast` test
//! scripts (`wasmtime wast`), and lists Cranelift's settings
//! (`wasmtime settings`).

mod compile;
mod flags;
mod input;
mod opts;
mod run;
mod serve;
mod settings;
mod wast;

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;

/// Command-line interface of `wasmtime`.
#[derive(Parser, Debug)]
#[command(
    name = "wasmtime",
    version,
    about = "Runs WebAssembly modules (with WASI preview 1) and .wast scripts",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
enum Command {
    /// Compiles, instantiates and runs a WebAssembly module.
    Run(run::RunCommand),
    /// Compiles a WebAssembly module ahead of time to a `.cwasm` file.
    Compile(compile::CompileCommand),
    /// Runs `.wast` test scripts.
    Wast(wast::WastCommand),
    /// Serves requests from a wasi-http proxy component.
    Serve(serve::ServeCommand),
    /// Prints Cranelift's settings for the host and those inferred from its CPU.
    Settings(settings::SettingsCommand),
}

/// Names that may follow `wasmtime` directly; anything else is treated as
/// the start of an implicit `run` (so `wasmtime foo.wat` works as in the
/// reference CLI).
const KNOWN_FIRST_ARGS: &[&str] = &[
    "run",
    "wast",
    "settings",
    "compile",
    "serve",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// Inserts `run` when the first argument is not a subcommand or a global
/// flag, mirroring the reference CLI's `wasmtime foo.wasm` shorthand.
fn with_implicit_run(args: Vec<OsString>) -> Vec<OsString> {
    match args.get(1).and_then(|a| a.to_str()) {
        Some(first) if !KNOWN_FIRST_ARGS.contains(&first) => {
            let mut out = Vec::with_capacity(args.len() + 1);
            let mut iter = args.into_iter();
            out.extend(iter.next());
            out.push(OsString::from("run"));
            out.extend(iter);
            out
        }
        Some(_) => args,
        // A non-UTF-8 first argument can only be a file name.
        None if args.len() > 1 => {
            let mut out = args;
            out.insert(1, OsString::from("run"));
            out
        }
        None => args,
    }
}

fn main() -> ExitCode {
    let args = with_implicit_run(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // Prints help/version to stdout (exit 0) or usage errors to
            // stderr (exit 2).
            err.exit();
        }
    };
    let result = match cli.command {
        Command::Run(cmd) => cmd.execute(),
        Command::Compile(cmd) => cmd.execute(),
        Command::Wast(cmd) => cmd.execute(),
        Command::Settings(cmd) => cmd.execute(),
        Command::Serve(cmd) => cmd.execute(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if err.downcast_ref::<wasmtime::Trap>().is_some() {
                // A trap: the message with its wasm backtrace.
                eprintln!("Error: {err:?}");
                // Like the reference CLI: a trap exits as if by SIGABRT on
                // Unix (128 + 6), and with 3 elsewhere.
                if cfg!(unix) {
                    ExitCode::from(134)
                } else {
                    ExitCode::from(3)
                }
            } else {
                // Anything else (unreadable file, link error, ...) on one line.
                eprintln!("Error: {err:#}");
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let args = args.iter().map(OsString::from).collect();
        Cli::try_parse_from(with_implicit_run(args))
    }

    fn run_cmd(args: &[&str]) -> run::RunCommand {
        match parse(args).expect("parses").command {
            Command::Run(r) => r,
            other => panic!("expected run, got {other:?}"),
        }
    }

    #[test]
    fn run_with_invoke_and_args() {
        let r = run_cmd(&["wasmtime", "run", "--invoke", "add", "foo.wat", "1", "-2"]);
        assert_eq!(r.invoke.as_deref(), Some("add"));
        assert_eq!(r.module_and_args[0], "foo.wat");
        assert_eq!(
            &r.module_and_args[1..],
            &["1".to_string(), "-2".to_string()]
        );
    }

    #[test]
    fn args_after_module_are_not_options() {
        let r = run_cmd(&["wasmtime", "run", "foo.wasm", "--invoke", "x"]);
        assert_eq!(r.invoke, None);
        assert_eq!(r.module_and_args, vec!["foo.wasm", "--invoke", "x"]);
        let r = run_cmd(&["wasmtime", "run", "--invoke=f", "foo.wasm", "-3", "-x"]);
        assert_eq!(r.invoke.as_deref(), Some("f"));
        assert_eq!(r.module_and_args, vec!["foo.wasm", "-3", "-x"]);
        let r = run_cmd(&["wasmtime", "run", "foo.wasm", "-O", "opt-level=0"]);
        assert_eq!(r.common.optimize().opt_level, None);
        assert_eq!(r.module_and_args, vec!["foo.wasm", "-O", "opt-level=0"]);
    }

    #[test]
    fn implicit_run() {
        let r = run_cmd(&["wasmtime", "foo.wat", "7"]);
        assert_eq!(r.module_and_args, vec!["foo.wat", "7"]);
        let r = run_cmd(&["wasmtime", "--invoke", "f", "foo.wat"]);
        assert_eq!(r.invoke.as_deref(), Some("f"));
    }

    #[test]
    fn run_requires_module() {
        assert!(parse(&["wasmtime", "run"]).is_err());
    }

    #[test]
    fn compiler_choice() {
        let r = run_cmd(&["wasmtime", "run", "-C", "compiler=winch", "foo.wat"]);
        assert_eq!(
            r.common.codegen().compiler,
            Some(opts::CompilerArg(wasmtime::Strategy::Winch))
        );
        let r = run_cmd(&["wasmtime", "run", "-Ccompiler=cranelift", "foo.wat"]);
        assert_eq!(
            r.common.codegen().compiler,
            Some(opts::CompilerArg(wasmtime::Strategy::Cranelift))
        );
    }

    #[test]
    fn opt_level() {
        let r = run_cmd(&["wasmtime", "run", "-O", "opt-level=0", "foo.wat"]);
        assert_eq!(r.common.optimize().opt_level, Some(opts::OptLevelArg::None));
        let r = run_cmd(&["wasmtime", "run", "-O", "opt-level=s", "foo.wat"]);
        assert_eq!(
            r.common.optimize().opt_level,
            Some(opts::OptLevelArg::SpeedAndSize)
        );
        let r = run_cmd(&["wasmtime", "run", "-Oopt-level=2", "foo.wat"]);
        assert_eq!(
            r.common.optimize().opt_level,
            Some(opts::OptLevelArg::Speed)
        );
        let r = run_cmd(&["wasmtime", "run", "foo.wat"]);
        assert_eq!(r.common.optimize().opt_level, None);
    }

    #[test]
    fn bad_optimize_options_are_rejected() {
        let err = parse(&["wasmtime", "run", "-O", "bogus=1", "foo.wat"]).unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        assert!(parse(&["wasmtime", "run", "-O", "opt-level=9", "foo.wat"]).is_err());
        assert!(parse(&["wasmtime", "run", "-O", "opt-level", "foo.wat"]).is_err());
    }

    #[test]
    fn memory_options() {
        let r = run_cmd(&[
            "wasmtime",
            "run",
            "-O",
            "memory-reservation=65536,memory-guard-size=0x10000",
            "foo.wat",
        ]);
        assert_eq!(r.common.optimize().memory_reservation, Some(65536));
        assert_eq!(r.common.optimize().memory_guard_size, Some(0x10000));
    }

    #[test]
    fn wast_files() {
        match parse(&["wasmtime", "wast", "a.wast", "b.wast"])
            .unwrap()
            .command
        {
            Command::Wast(w) => assert_eq!(w.scripts.len(), 2),
            other => panic!("expected wast, got {other:?}"),
        }
        assert!(parse(&["wasmtime", "wast"]).is_err());
    }

    #[test]
    fn version_flag() {
        let err = parse(&["wasmtime", "--version"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayVersion);
    }
}
