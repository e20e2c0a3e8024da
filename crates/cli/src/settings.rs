//! `wasmtime settings`: lists Cranelift's settings for the host target and
//! which of them were inferred from the host CPU.

use anyhow::{anyhow, Result};
use clap::Args;
use cranelift_codegen::settings::{self, SettingKind};
use std::process::ExitCode;

/// Arguments of `wasmtime settings`.
#[derive(Args, Debug)]
pub struct SettingsCommand {}

impl SettingsCommand {
    /// Prints the settings.
    pub fn execute(self) -> Result<ExitCode> {
        let builder = cranelift_native::builder().map_err(|e| anyhow!("{e}"))?;
        let all: Vec<settings::Setting> = builder.iter().collect();
        println!("Cranelift settings for target '{}':", builder.triple());
        for (title, kind) in [
            ("Boolean settings", SettingKind::Bool),
            ("Enum settings", SettingKind::Enum),
            ("Numerical settings", SettingKind::Num),
            ("Presets", SettingKind::Preset),
        ] {
            let items: Vec<&settings::Setting> = all.iter().filter(|s| s.kind == kind).collect();
            if items.is_empty() {
                continue;
            }
            let width = items.iter().map(|s| s.name.len()).max().unwrap_or(0) + 2;
            println!("\n{title}:");
            for s in items {
                let mut desc = s.description.to_string();
                if let Some(values) = s.values {
                    desc.push_str(&format!(" Supported values: {}.", values.join(", ")));
                }
                println!("  {:width$} {desc}", s.name);
            }
        }
        let isa = builder
            .finish(settings::Flags::new(settings::builder()))
            .map_err(|e| anyhow!("{e}"))?;
        println!("\nSettings inferred for the current host:");
        for value in isa.isa_flags() {
            if value.as_bool() == Some(true) {
                println!("  {}", value.name);
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
