//! `wasmtime-wasi-http`: its one job is to give components the host side
//! of `wasi:http@0.2` (the `wasi:http/proxy` world, [`p2`]) and
//! `wasi:http@0.3.0` (the `wasi:http/service` world, [`p3`]): the `types`
//! interface, outgoing requests sent over hyper, and the means for an
//! embedder (such as `wasmtime serve`) to hand incoming requests to a
//! component's handler export.
//!
//! Put a [`WasiHttpCtx`], a [`ResourceTable`](wasmtime::component::ResourceTable)
//! and a [`WasiCtx`](wasmtime_wasi::WasiCtx) in the store's data, implement
//! [`WasiHttpView`] and [`WasiView`](wasmtime_wasi::WasiView) for it, and
//! add the host functions with [`p2::add_to_linker_async`] or
//! [`p2::add_to_linker_sync`]:
//!
//! ```no_run
//! use wasmtime::component::{Linker, ResourceTable};
//! use wasmtime::Engine;
//! use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
//! use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};
//!
//! struct State { wasi: WasiCtx, http: WasiHttpCtx, table: ResourceTable }
//! impl WasiView for State {
//!     fn ctx(&mut self) -> WasiCtxView<'_> {
//!         WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
//!     }
//! }
//! impl WasiHttpView for State {
//!     fn http(&mut self) -> WasiHttpCtxView<'_> {
//!         WasiHttpCtxView {
//!             ctx: &mut self.http,
//!             table: &mut self.table,
//!             hooks: wasmtime_wasi_http::default_hooks(),
//!         }
//!     }
//! }
//!
//! let engine = Engine::default();
//! let mut linker = Linker::<State>::new(&engine);
//! wasmtime_wasi_http::p2::add_to_linker_async(&mut linker).unwrap();
//! ```

#![deny(missing_docs)]

mod ctx;
mod error;
mod fields;
pub mod p2;
pub mod p3;
mod request_options;
mod send;

pub use ctx::*;
pub use error::*;
pub use fields::*;
pub use request_options::*;
pub use send::default_send_request;

use http::header::{self, HeaderName};

/// Headers a guest may not set on requests or responses by default
/// (connection-level headers that the host manages).
pub const DEFAULT_FORBIDDEN_HEADERS: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    HeaderName::from_static("proxy-connection"),
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::HOST,
    HeaderName::from_static("http2-settings"),
];

/// The `content-length` of `headers`, if present; an error when it is
/// not a plain run of decimal digits.
pub(crate) fn get_content_length(headers: &http::HeaderMap) -> wasmtime::Result<Option<u64>> {
    let Some(v) = headers.get(header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    let v = v.to_str()?;
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        wasmtime::bail!("invalid `content-length` header value: {v:?}");
    }
    Ok(Some(v.parse()?))
}
