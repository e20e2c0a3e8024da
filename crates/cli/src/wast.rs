//! `wasmtime wast`: run `.wast` test scripts.

use crate::opts::{CommonOptions, IntoAnyhow};
use anyhow::{anyhow, Context as _, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmtime::{Engine, Store};
use wasmtime_wast::WastContext;

/// Arguments of `wasmtime wast`.
#[derive(Args, Debug)]
pub struct WastCommand {
    #[command(flatten)]
    pub common: CommonOptions,

    /// Also list directives whose error message differs from the expected one.
    #[arg(long)]
    pub show_mismatches: bool,

    /// The scripts to run.
    #[arg(required = true, value_name = "SCRIPT")]
    pub scripts: Vec<PathBuf>,
}

/// Stack size of the thread that runs scripts: parsing and running deeply
/// nested scripts recurses a lot.
const STACK_SIZE: usize = 64 << 20;

impl WastCommand {
    /// Runs every script in a fresh store, printing one summary line per
    /// script (and its failures). Fails with exit code 1 if any failed.
    pub fn execute(self) -> Result<ExitCode> {
        let handle = std::thread::Builder::new()
            .name("wast".to_string())
            .stack_size(STACK_SIZE)
            .spawn(move || self.run_all())?;
        handle
            .join()
            .map_err(|_| anyhow!("the wast runner panicked"))?
    }

    fn run_all(&self) -> Result<ExitCode> {
        // Scripts may declare shared memories whatever the flags say, as
        // with Wasmtime's `wast` command.
        let mut config = self.common.config()?;
        config.shared_memory(true);
        let engine = Engine::new(&config)
            .anyhow()
            .context("failed to create the engine")?;
        let mut any_failed = false;
        for path in &self.scripts {
            let mut cx = WastContext::new(Store::new(&engine, ()));
            cx.register_spectest()?;
            match cx.run_file(path) {
                Ok(report) => {
                    println!("{}: {report}", path.display());
                    for failure in &report.failed {
                        println!("  FAIL {failure}");
                    }
                    if self.show_mismatches {
                        for m in &report.message_mismatches {
                            println!("  message mismatch {m}");
                        }
                    }
                    any_failed |= !report.failed.is_empty();
                }
                Err(err) => {
                    println!("{}: error: {err:#}", path.display());
                    any_failed = true;
                }
            }
        }
        Ok(if any_failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }
}
