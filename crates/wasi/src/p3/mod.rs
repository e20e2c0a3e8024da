//! WASI 0.3 (`wasi:*@0.3.0`) for components, on component-model async:
//! standard streams, file contents and directory listings are `stream`s
//! with a `future` of their outcome, and waiting functions (`wait-for`,
//! `wait-until`) suspend only the calling guest task.
//!
//! The interfaces run on the same [`WasiCtx`](crate::WasiCtx) and
//! [`ResourceTable`](wasmtime::component::ResourceTable) as WASI 0.2
//! (through [`WasiView`]), with the same sandboxing: files only beneath the
//! pre-opened directories. Add them with [`add_to_linker`] (next to
//! [`p2::add_to_linker_async`](crate::p2::add_to_linker_async), whose
//! interfaces WASI 0.3 programs import too), enable
//! [`Config::wasm_component_model_async`](wasmtime::Config::wasm_component_model_async),
//! and run a command through [`bindings::Command`].
//!
//! Implemented: every interface of `wasi:cli`, `wasi:clocks` (but the
//! unstable `timezone`), `wasi:random`, `wasi:filesystem` and
//! `wasi:sockets`.

pub mod bindings;
pub mod cli;
pub mod clocks;
pub mod filesystem;
pub mod random;
pub mod sockets;
mod streams;

use crate::WasiView;
use bindings::LinkOptions;
use wasmtime::component::Linker;

/// Defines the WASI 0.3 interfaces in `linker`.
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    add_to_linker_with_options(linker, &LinkOptions::default())
}

/// As [`add_to_linker`], with options.
pub fn add_to_linker_with_options<T: WasiView + 'static>(
    linker: &mut Linker<T>,
    _options: &LinkOptions,
) -> wasmtime::Result<()> {
    cli::add_to_linker(linker)?;
    clocks::add_to_linker(linker)?;
    filesystem::add_to_linker(linker)?;
    random::add_to_linker(linker)?;
    sockets::add_to_linker(linker)?;
    Ok(())
}
