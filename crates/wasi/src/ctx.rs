//! [`WasiCtx`]: what a WASI 0.2 guest sees (arguments, environment,
//! standard streams, pre-opened directories, clocks and random numbers),
//! and [`WasiView`]/[`WasiCtxView`], how host functions reach it and the
//! store's [`ResourceTable`] from the store's data.

use crate::cli::{StdinStream, StdoutStream};
use crate::p1::DirDesc;
use cap_rand::RngCore;
use std::sync::Arc;
use wasmtime::component::ResourceTable;

/// The per-store WASI context for components, made by
/// [`WasiCtxBuilder::build`](crate::WasiCtxBuilder::build).
// The pre-opens and network settings are read by `wasi:filesystem` and
// `wasi:sockets`, which are the next slice of WASI 0.2.
#[allow(dead_code)]
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) stdin: Arc<dyn StdinStream>,
    pub(crate) stdout: Arc<dyn StdoutStream>,
    pub(crate) stderr: Arc<dyn StdoutStream>,
    /// Pre-opened directories with their guest names.
    pub(crate) preopens: Vec<(Arc<DirDesc>, String)>,
    /// Cryptographically secure random numbers (`wasi:random/random`).
    pub(crate) random: Box<dyn RngCore + Send + Sync>,
    /// Fast random numbers (`wasi:random/insecure`).
    pub(crate) insecure_random: Box<dyn RngCore + Send + Sync>,
    /// The seed of `wasi:random/insecure-seed`.
    pub(crate) insecure_random_seed: u128,
    /// Which socket addresses may be bound, connected to, sent to, ...
    /// (none unless `inherit_network` or `socket_addr_check` was called).
    pub(crate) socket_addr_check: crate::sockets::SocketAddrCheck,
    /// Whether `ip-name-lookup` may resolve names.
    pub(crate) allow_ip_name_lookup: bool,
    /// Whether TCP and UDP sockets are allowed (given network access).
    pub(crate) allow_tcp: bool,
    pub(crate) allow_udp: bool,
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl WasiCtx {
    /// A new builder, the same as [`WasiCtxBuilder::new`](crate::WasiCtxBuilder::new).
    pub fn builder() -> crate::WasiCtxBuilder {
        crate::WasiCtxBuilder::new()
    }
}

/// A borrow of the WASI context and the resource table that WASI 0.2 host
/// functions work on.
pub struct WasiCtxView<'a> {
    /// The context.
    pub ctx: &'a mut WasiCtx,
    /// The table of resources (streams, descriptors, pollables, ...).
    pub table: &'a mut ResourceTable,
}

/// Store data that holds a [`WasiCtx`] and a [`ResourceTable`], for
/// [`p2::add_to_linker_sync`](crate::p2::add_to_linker_sync) and
/// [`p2::add_to_linker_async`](crate::p2::add_to_linker_async).
pub trait WasiView: Send {
    /// Borrows the context and the table.
    fn ctx(&mut self) -> WasiCtxView<'_>;
}
