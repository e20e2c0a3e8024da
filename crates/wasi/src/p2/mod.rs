//! WASI 0.2 for components, and the in-memory [`pipe`]s that preview 1
//! uses too.
//!
//! Put a [`WasiCtx`](crate::WasiCtx) (from
//! [`WasiCtxBuilder::build`](crate::WasiCtxBuilder::build)) and a
//! [`ResourceTable`] in the store's data, implement
//! [`WasiView`](crate::WasiView) for it, add the host functions with
//! [`add_to_linker_sync`] (stores called without `async`) or
//! [`add_to_linker_async`], and run a command component through
//! [`bindings::sync::Command`] or [`bindings::Command`]:
//!
//! ```no_run
//! use wasmtime::component::{Component, Linker, ResourceTable};
//! use wasmtime::{Engine, Store};
//! use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
//!
//! struct State { ctx: WasiCtx, table: ResourceTable }
//! impl WasiView for State {
//!     fn ctx(&mut self) -> WasiCtxView<'_> {
//!         WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
//!     }
//! }
//!
//! fn main() -> wasmtime::Result<()> {
//!     let engine = Engine::default();
//!     let component = Component::from_file(&engine, "hello.component.wasm")?;
//!     let mut linker = Linker::new(&engine);
//!     wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
//!     let ctx = WasiCtxBuilder::new().inherit_stdio().build();
//!     let mut store = Store::new(&engine, State { ctx, table: ResourceTable::new() });
//!     let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)?;
//!     let _ = command.wasi_cli_run().call_run(&mut store)?;
//!     Ok(())
//! }
//! ```
//!
//! Implemented: every interface of the `wasi:cli/command` world:
//! `wasi:io`, `wasi:cli`, `wasi:clocks`,
//! `wasi:random`, `wasi:filesystem` (see [`filesystem`]) and `wasi:sockets`
//! (denied unless the context allows it:
//! [`WasiCtxBuilder::inherit_network`](crate::WasiCtxBuilder::inherit_network),
//! [`allow_ip_name_lookup`](crate::WasiCtxBuilder::allow_ip_name_lookup)).

pub mod bindings;
pub mod filesystem;
pub(crate) mod host_cli;
pub(crate) mod host_filesystem;
mod host_io;
mod io;
pub mod pipe;
pub(crate) mod runtime;
pub(crate) mod sockets;
pub(crate) mod stdio;

pub use self::io::{
    subscribe, ClosedStream, DynFuture, DynInputStream, DynOutputStream, DynPollable, InputStream,
    MakeFuture, OutputStream, Pollable, StreamError, StreamResult,
};
pub use self::runtime::{in_tokio, with_ambient_tokio_runtime};
pub use self::sockets::{
    IncomingDatagramStream, Network, OutgoingDatagramStream, ResolveAddressStream, TcpSocket,
    UdpSocket,
};
pub use self::stdio::{TerminalInput, TerminalOutput};

use crate::{WasiCtxView, WasiView};
use std::marker::PhantomData;
use wasmtime::component::{HasData, Linker};

/// An error of a WASI operation: a WIT error code of type `T` for the
/// guest, or any other error, which traps.
pub struct TrappableError<T> {
    err: wasmtime::Error,
    _marker: PhantomData<fn() -> T>,
}

impl<T> TrappableError<T> {
    /// An error that traps the guest.
    pub fn trap(err: impl Into<wasmtime::Error>) -> TrappableError<T> {
        TrappableError {
            err: err.into(),
            _marker: PhantomData,
        }
    }

    /// The error code, or the trap.
    pub fn downcast(self) -> wasmtime::Result<T>
    where
        T: std::error::Error + Send + Sync + 'static,
    {
        self.err.downcast::<T>()
    }

    /// The error code, if this is one.
    pub fn downcast_ref(&self) -> Option<&T>
    where
        T: std::error::Error + Send + Sync + 'static,
    {
        self.err.downcast_ref::<T>()
    }
}

impl<T> From<T> for TrappableError<T>
where
    T: std::error::Error + Send + Sync + 'static,
{
    fn from(code: T) -> Self {
        TrappableError::trap(code)
    }
}

impl<T> std::fmt::Debug for TrappableError<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.err.fmt(f)
    }
}

impl<T> std::fmt::Display for TrappableError<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.err.fmt(f)
    }
}

impl<T> std::error::Error for TrappableError<T> {}

/// A `wasi:filesystem` error: an `error-code` or a trap.
pub type FsError = TrappableError<bindings::filesystem::types::ErrorCode>;

/// A `wasi:sockets` error: an `error-code` or a trap.
pub type SocketError = TrappableError<bindings::sockets::network::ErrorCode>;

impl From<wasmtime::component::ResourceTableError> for FsError {
    fn from(error: wasmtime::component::ResourceTableError) -> Self {
        TrappableError::trap(error)
    }
}

impl From<wasmtime::component::ResourceTableError> for SocketError {
    fn from(error: wasmtime::component::ResourceTableError) -> Self {
        TrappableError::trap(error)
    }
}

/// The [`HasData`] of WASI 0.2 host functions: they work on a
/// [`WasiCtxView`] borrowed from the store's data.
struct HasWasi<T>(PhantomData<T>);

impl<T: 'static> HasData for HasWasi<T> {
    type Data<'a> = WasiCtxView<'a>;
}

/// Defines the WASI 0.2 interfaces in `linker`, for stores called without
/// `async` (functions that wait block the thread).
pub fn add_to_linker_sync<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let get: fn(&mut T) -> WasiCtxView<'_> = T::ctx;
    use bindings::sync as s;
    bindings::io::error::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    s::io::poll::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    s::io::streams::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    add_shared::<T>(linker, get)
}

/// Defines the WASI 0.2 interfaces in `linker`, for stores called with
/// `call_async` (functions that wait suspend the guest instead).
pub fn add_to_linker_async<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let get: fn(&mut T) -> WasiCtxView<'_> = T::ctx;
    bindings::io::error::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    bindings::io::poll::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    bindings::io::streams::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    add_shared::<T>(linker, get)
}

/// The interfaces that are the same in both flavours.
fn add_shared<T: WasiView + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> WasiCtxView<'_>,
) -> wasmtime::Result<()> {
    use bindings::{cli, clocks, filesystem, random};
    clocks::monotonic_clock::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    clocks::wall_clock::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    random::random::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    random::insecure::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    random::insecure_seed::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::environment::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::exit::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::stdin::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::stdout::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::stderr::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::terminal_input::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::terminal_output::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::terminal_stdin::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::terminal_stdout::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    cli::terminal_stderr::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    filesystem::types::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    filesystem::preopens::add_to_linker::<T, HasWasi<T>>(linker, get)?;
    sockets::add_to_linker::<T>(linker, get)?;
    Ok(())
}
