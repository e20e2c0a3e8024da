//! `wasi:http@0.3.0` for components, on component-model async: requests
//! and responses whose bodies are a `stream<u8>` plus a `future` of
//! trailers, `wasi:http/client.send` (and the `handler` import of the
//! `middleware` world) over hyper, and [`service`] to call a component's
//! `wasi:http/handler@0.3.0` export from a server.
//!
//! Add the host functions with [`add_to_linker`] next to
//! [`wasmtime_wasi::p3::add_to_linker`] and enable
//! [`Config::wasm_component_model_async`](wasmtime::Config::wasm_component_model_async).
//! The store's data implements [`WasiHttpView`] as for WASI 0.2; fields,
//! requests, responses and request options live in its resource table.
//!
//! The `error-code`, `method` and `scheme` types of 0.3.0 are the same as
//! those of 0.2, so [`ErrorCode`], [`Method`] and [`Scheme`] are shared
//! with [`crate::p2`].

mod body;
mod client;
mod fields;
pub mod service;
mod types;

pub use crate::p2::bindings::http::types::{ErrorCode, Method, Scheme};
use crate::p2::body::HyperIncomingBody;
use crate::{FieldMap, RequestOptions, WasiHttpView};
use tokio::sync::oneshot;
use wasmtime::component::{
    ComponentType, FutureReader, Lift, Linker, Lower, Resource, StreamReader,
};

/// The value of a trailers future: the trailers, if any, or why the body
/// failed.
pub type TrailersResult = Result<Option<Resource<FieldMap>>, ErrorCode>;

/// `wasi:http/types.header-error@0.3.0`.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
#[component(variant)]
pub enum HeaderError {
    /// The name or value is not valid HTTP syntax.
    #[component(name = "invalid-syntax")]
    InvalidSyntax,
    /// The host forbids this header.
    #[component(name = "forbidden")]
    Forbidden,
    /// The fields belong to a message and cannot change.
    #[component(name = "immutable")]
    Immutable,
    /// The fields would grow beyond the host's limit.
    #[component(name = "size-exceeded")]
    SizeExceeded,
    /// Another failure, perhaps described.
    #[component(name = "other")]
    Other(Option<String>),
}

/// `wasi:http/types.request-options-error@0.3.0`.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
#[component(variant)]
pub enum RequestOptionsError {
    /// The host does not support this option.
    #[component(name = "not-supported")]
    NotSupported,
    /// The options belong to a request and cannot change.
    #[component(name = "immutable")]
    Immutable,
    /// Another failure, perhaps described.
    #[component(name = "other")]
    Other(Option<String>),
}

/// The value behind a `request-options` resource.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostRequestOptions {
    /// The timeouts.
    pub options: RequestOptions,
    /// Whether the guest may still change them.
    pub mutable: bool,
}

/// A message body: written by a guest (a stream and a trailers future),
/// or received by the host (a hyper body).
pub enum Body {
    /// A guest's body, as given to `request.new` or `response.new`.
    Guest {
        /// The contents (none: an empty body).
        contents: Option<StreamReader<u8>>,
        /// The trailers future.
        trailers: FutureReader<TrailersResult>,
        /// Where the outcome of the transfer goes: the future that `new`
        /// returned to the guest.
        sent: oneshot::Sender<Result<(), ErrorCode>>,
    },
    /// A body received by the host.
    Host(HyperIncomingBody),
}

/// The value behind a `request` resource.
pub struct Request {
    pub(crate) method: Method,
    pub(crate) scheme: Option<Scheme>,
    pub(crate) authority: Option<String>,
    pub(crate) path_with_query: Option<String>,
    pub(crate) headers: FieldMap,
    pub(crate) options: Option<RequestOptions>,
    pub(crate) body: Body,
}

impl Request {
    /// A request received by the host (for a guest's handler): its URI's
    /// scheme (else `scheme`), authority (else the `host` header) and path.
    pub fn from_http(req: http::Request<HyperIncomingBody>, scheme: Scheme) -> Request {
        let (parts, body) = req.into_parts();
        let scheme = match parts.uri.scheme() {
            Some(s) if *s == http::uri::Scheme::HTTP => Scheme::Http,
            Some(s) if *s == http::uri::Scheme::HTTPS => Scheme::Https,
            Some(s) => Scheme::Other(s.to_string()),
            None => scheme,
        };
        let authority = match parts.uri.authority() {
            Some(a) => Some(a.to_string()),
            None => parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string),
        };
        Request {
            method: parts.method.into(),
            scheme: Some(scheme),
            authority,
            path_with_query: parts.uri.path_and_query().map(|p| p.to_string()),
            headers: FieldMap::new_immutable(parts.headers),
            options: None,
            body: Body::Host(body),
        }
    }
}

/// The value behind a `response` resource.
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: FieldMap,
    pub(crate) body: Body,
}

impl Response {
    /// A response received by the host.
    pub fn from_http(resp: http::Response<HyperIncomingBody>) -> Response {
        let (parts, body) = resp.into_parts();
        Response {
            status: parts.status.as_u16(),
            headers: FieldMap::new_immutable(parts.headers),
            body: Body::Host(body),
        }
    }
}

/// Defines `wasi:http/types@0.3.0`, `wasi:http/client@0.3.0` and the
/// `wasi:http/handler@0.3.0` import (which sends requests as `client`
/// does) in `linker`.
pub fn add_to_linker<T>(linker: &mut Linker<T>) -> wasmtime::Result<()>
where
    T: WasiHttpView + Send + 'static,
{
    fields::add_to_linker(linker)?;
    types::add_to_linker(linker)?;
    client::add_to_linker(linker)?;
    Ok(())
}
