//! The per-store state of `wasi:http` and how host functions reach it.

use crate::DEFAULT_FORBIDDEN_HEADERS;
use http::uri::Scheme;
use http::HeaderName;
use wasmtime::component::{HasData, ResourceTable};

/// The [`HasData`] of the `wasi:http` host functions: a
/// [`WasiHttpCtxView`] borrowed from the store's data.
pub struct WasiHttp;

impl HasData for WasiHttp {
    type Data<'a> = WasiHttpCtxView<'a>;
}

/// Store data that gives access to `wasi:http` state.
pub trait WasiHttpView: Send {
    /// The context, resource table and hooks of `wasi:http`.
    fn http(&mut self) -> WasiHttpCtxView<'_>;
}

/// What the `wasi:http` host functions work on, borrowed from the store's
/// data.
pub struct WasiHttpCtxView<'a> {
    /// Embedder policy (forbidden headers, schemes, ...).
    pub hooks: &'a mut dyn WasiHttpHooks,
    /// The resource table holding requests, responses, bodies, fields.
    pub table: &'a mut ResourceTable,
    /// The `wasi:http` context.
    pub ctx: &'a mut WasiHttpCtx,
}

const DEFAULT_FIELD_SIZE_LIMIT: usize = 128 * 1024;

/// Settings of `wasi:http` for one store.
#[derive(Debug, Clone)]
pub struct WasiHttpCtx {
    pub(crate) field_size_limit: usize,
}

impl WasiHttpCtx {
    /// A context with the default limits (128 KiB of header names and
    /// values per `fields`).
    pub fn new() -> Self {
        WasiHttpCtx {
            field_size_limit: DEFAULT_FIELD_SIZE_LIMIT,
        }
    }

    /// Sets the largest total size of the names and values of one
    /// `fields` value that a guest may build.
    pub fn set_field_size_limit(&mut self, limit: usize) {
        self.field_size_limit = limit;
    }
}

impl Default for WasiHttpCtx {
    fn default() -> Self {
        Self::new()
    }
}

/// Embedder policy for `wasi:http`; every method has a default.
pub trait WasiHttpHooks: Send {
    /// Whether the guest may not set header `name` (default:
    /// [`DEFAULT_FORBIDDEN_HEADERS`]).
    fn is_forbidden_header(&mut self, name: &HeaderName) -> bool {
        DEFAULT_FORBIDDEN_HEADERS.contains(name)
    }

    /// Whether outgoing requests may use `scheme` (default: `http` and
    /// `https`).
    fn is_supported_scheme(&mut self, scheme: &Scheme) -> bool {
        *scheme == Scheme::HTTP || *scheme == Scheme::HTTPS
    }

    /// Whether outgoing requests get a `host` header from their authority
    /// (default: yes).
    fn set_host_header(&mut self) -> bool {
        true
    }

    /// The scheme of outgoing requests that name none (default: `https`).
    fn default_scheme(&mut self) -> Option<Scheme> {
        Some(Scheme::HTTPS)
    }

    /// How many chunks an outgoing body buffers before its stream stops
    /// accepting writes.
    fn outgoing_body_buffer_chunks(&mut self) -> usize {
        crate::p2::DEFAULT_OUTGOING_BODY_BUFFER_CHUNKS
    }

    /// The largest chunk an outgoing body's stream accepts per write.
    fn outgoing_body_chunk_size(&mut self) -> usize {
        crate::p2::DEFAULT_OUTGOING_BODY_CHUNK_SIZE
    }
}

/// The hooks with every default.
pub fn default_hooks() -> &'static mut dyn WasiHttpHooks {
    // A zero-sized value leaked costs nothing and lives forever.
    Box::leak(Box::new(DefaultHooks))
}

struct DefaultHooks;

impl WasiHttpHooks for DefaultHooks {}
