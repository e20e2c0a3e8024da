//! WASI preview 1 (`wasi_snapshot_preview1`) for our `wasmtime` embedding
//! API, mirroring the preview-1 parts of Wasmtime's `wasmtime-wasi` crate.
//!
//! Configure a context with [`WasiCtxBuilder`], finish it with
//! [`WasiCtxBuilder::build_p1`], and add the imports to a
//! [`wasmtime::Linker`] with [`p1::add_to_linker_sync`] (or, for stores
//! run with `call_async`, [`p1::add_to_linker_async`]):
//!
//! ```no_run
//! use wasmtime::{Engine, Linker, Module, Store};
//! use wasmtime_wasi::p1::{self, WasiP1Ctx};
//! use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
//! use wasmtime_wasi::WasiCtxBuilder;
//!
//! fn main() -> wasmtime::Result<()> {
//!     let engine = Engine::default();
//!     let module = Module::from_file(&engine, "hello.wasm")?;
//!     let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
//!     p1::add_to_linker_sync(&mut linker, |cx| cx)?;
//!     let stdout = MemoryOutputPipe::new(1 << 20);
//!     let wasi = WasiCtxBuilder::new().arg("hello").stdout(stdout.clone()).build_p1();
//!     let mut store = Store::new(&engine, wasi);
//!     let instance = linker.instantiate(&mut store, &module)?;
//!     let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//!     start.call(&mut store, ())?;
//!     println!("guest said: {:?}", stdout.contents());
//!     Ok(())
//! }
//! ```
//!
//! Files are reached only through pre-opened directories, each a `cap-std`
//! [`Dir`](cap_std::fs::Dir): every path the guest gives is resolved by
//! `cap-std` beneath that directory, so `..`, absolute paths and symbolic
//! links cannot lead outside it.

mod builder;
pub mod cli;
mod ctx;
mod errno;
mod mem;
pub mod p1;
pub mod p2;
pub mod p3;
pub mod sockets;

pub use builder::WasiCtxBuilder;
pub use ctx::{WasiCtx, WasiCtxView, WasiView};
pub use wasmtime::component::{ResourceTable, ResourceTableError};

/// Re-exported for implementing [`p2::Pollable`] and the stream traits.
pub use async_trait::async_trait;

/// The preview-1 module under its older name (`wasmtime_wasi::preview1`).
pub mod preview1 {
    pub use crate::p1::{add_to_linker_async, add_to_linker_sync, WasiP1Ctx};
}

bitflags::bitflags! {
    /// What a guest may do with a pre-opened directory itself.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct DirPerms: usize {
        /// List, stat and open entries.
        const READ = 0b1;
        /// Create, remove, rename and link entries, and set times.
        const MUTATE = 0b10;
    }
}

bitflags::bitflags! {
    /// What a guest may do with files opened beneath a pre-opened directory.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct FilePerms: usize {
        /// Read file contents.
        const READ = 0b1;
        /// Write file contents, truncate, set times.
        const WRITE = 0b10;
    }
}

/// A socket to pre-open for the guest with
/// [`WasiCtxBuilder::preopened_socket`] (as in the `wasi-common` crate, which
/// backs the reference CLI's `-S tcplisten`): a listening socket serves
/// `sock_accept`, a connected one `sock_recv`, `sock_send`,
/// `sock_shutdown`, `fd_read` and `fd_write`.
#[derive(Debug)]
pub enum Socket {
    /// A listening TCP socket.
    TcpListener(std::net::TcpListener),
    /// A connected TCP socket.
    TcpStream(std::net::TcpStream),
}

impl From<std::net::TcpListener> for Socket {
    fn from(l: std::net::TcpListener) -> Self {
        Socket::TcpListener(l)
    }
}

impl From<std::net::TcpStream> for Socket {
    fn from(s: std::net::TcpStream) -> Self {
        Socket::TcpStream(s)
    }
}

impl From<cap_std::net::TcpListener> for Socket {
    fn from(l: cap_std::net::TcpListener) -> Self {
        Socket::TcpListener(std::os::fd::OwnedFd::from(l).into())
    }
}

impl From<cap_std::net::TcpStream> for Socket {
    fn from(s: cap_std::net::TcpStream) -> Self {
        Socket::TcpStream(std::os::fd::OwnedFd::from(s).into())
    }
}

/// The error a guest's `proc_exit` call (or its `exit()`) surfaces as: the
/// call unwinds the guest, and this value carries the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl I32Exit {
    /// The status as a process exit code for the host platform.
    pub fn process_exit_code(&self) -> i32 {
        self.0
    }
}

impl std::fmt::Display for I32Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Exited with i32 exit status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}
