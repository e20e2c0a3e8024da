//! The values behind the `wasi:http/types` resources of requests and
//! responses, and how an embedder makes incoming requests and response
//! outparams for a guest's `incoming-handler`.

use crate::p2::bindings::http::types::{ErrorCode, Method, Scheme};
use crate::p2::body::{HostIncomingBody, HyperIncomingBody, HyperOutgoingBody};
use crate::p2::AbortOnDrop;
use crate::{FieldMap, WasiHttpCtxView};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Body;
use std::time::Duration;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::Pollable;

impl From<http::Method> for Method {
    fn from(method: http::Method) -> Method {
        match method {
            http::Method::GET => Method::Get,
            http::Method::HEAD => Method::Head,
            http::Method::POST => Method::Post,
            http::Method::PUT => Method::Put,
            http::Method::DELETE => Method::Delete,
            http::Method::CONNECT => Method::Connect,
            http::Method::OPTIONS => Method::Options,
            http::Method::TRACE => Method::Trace,
            http::Method::PATCH => Method::Patch,
            other => Method::Other(other.to_string()),
        }
    }
}

impl TryFrom<Method> for http::Method {
    type Error = http::method::InvalidMethod;

    fn try_from(method: Method) -> Result<http::Method, Self::Error> {
        Ok(match method {
            Method::Get => http::Method::GET,
            Method::Head => http::Method::HEAD,
            Method::Post => http::Method::POST,
            Method::Put => http::Method::PUT,
            Method::Delete => http::Method::DELETE,
            Method::Connect => http::Method::CONNECT,
            Method::Options => http::Method::OPTIONS,
            Method::Trace => http::Method::TRACE,
            Method::Patch => http::Method::PATCH,
            Method::Other(s) => http::Method::from_bytes(s.as_bytes())?,
        })
    }
}

/// The value behind an `incoming-request` resource.
pub struct HostIncomingRequest {
    pub(crate) method: http::Method,
    pub(crate) uri: http::Uri,
    pub(crate) headers: FieldMap,
    pub(crate) scheme: Scheme,
    pub(crate) authority: String,
    /// The body, until the guest takes it.
    pub body: Option<HostIncomingBody>,
}

impl WasiHttpCtxView<'_> {
    /// Puts `request`, received over `scheme`, in the table as an
    /// `incoming-request` for the guest.
    pub fn new_incoming_request<B>(
        &mut self,
        scheme: Scheme,
        request: hyper::Request<B>,
    ) -> wasmtime::Result<Resource<HostIncomingRequest>>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<ErrorCode>,
    {
        let (parts, body) = request.into_parts();
        let body = body.map_err(Into::into).boxed_unsync();
        let authority = match parts.uri.authority() {
            Some(authority) => authority.to_string(),
            None => match parts.headers.get(http::header::HOST) {
                Some(host) => host.to_str()?.to_string(),
                None => wasmtime::bail!("request has no authority in its URI nor a host header"),
            },
        };
        let request = HostIncomingRequest {
            method: parts.method,
            uri: parts.uri,
            headers: FieldMap::new_immutable(parts.headers),
            scheme,
            authority,
            body: Some(HostIncomingBody::new(body, None)),
        };
        Ok(self.table.push(request)?)
    }

    /// A `response-outparam` whose response goes to `sender`.
    pub fn new_response_outparam(
        &mut self,
        sender: tokio::sync::oneshot::Sender<Result<hyper::Response<HyperOutgoingBody>, ErrorCode>>,
    ) -> wasmtime::Result<Resource<HostResponseOutparam>> {
        Ok(self.table.push(HostResponseOutparam {
            send: Box::new(move |response| {
                let _ = sender.send(response);
            }),
        })?)
    }
}

/// The response (or error) a guest sets through a `response-outparam`.
pub type OutparamResult = Result<hyper::Response<HyperOutgoingBody>, ErrorCode>;

/// The value behind a `response-outparam` resource.
pub struct HostResponseOutparam {
    /// Delivers the response to the embedder.
    pub send: Box<dyn FnOnce(OutparamResult) + Send + Sync>,
}

/// The value behind an `outgoing-response` resource.
pub struct HostOutgoingResponse {
    /// The status code.
    pub status: http::StatusCode,
    /// The headers.
    pub headers: FieldMap,
    /// The body once the guest asked for it.
    pub body: Option<HyperOutgoingBody>,
}

impl From<HostOutgoingResponse> for hyper::Response<HyperOutgoingBody> {
    fn from(response: HostOutgoingResponse) -> Self {
        let body = response.body.unwrap_or_else(|| {
            http_body_util::Empty::new()
                .map_err(|never| match never {})
                .boxed_unsync()
        });
        let mut out = hyper::Response::new(body);
        *out.status_mut() = response.status;
        *out.headers_mut() = response.headers.into();
        out
    }
}

/// The value behind an `outgoing-request` resource.
pub struct HostOutgoingRequest {
    /// The method.
    pub method: Method,
    /// The scheme (`None`: the hooks' default).
    pub scheme: Option<Scheme>,
    /// The authority (`host[:port]`).
    pub authority: Option<String>,
    /// The path and query.
    pub path_with_query: Option<String>,
    /// The headers.
    pub headers: FieldMap,
    /// The body once the guest asked for it.
    pub body: Option<HyperOutgoingBody>,
}

/// The value behind an `incoming-response` resource.
pub struct HostIncomingResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: FieldMap,
    /// The body, until the guest takes it.
    pub body: Option<HostIncomingBody>,
}

/// A response received for an outgoing request, with how long its body
/// may pause between chunks.
pub struct IncomingResponse {
    /// The response.
    pub resp: hyper::Response<HyperIncomingBody>,
    /// The request's `between-bytes-timeout`.
    pub between_bytes_timeout: Option<Duration>,
}

/// The value behind a `future-incoming-response` resource.
pub enum HostFutureIncomingResponse {
    /// The request is under way.
    Pending(AbortOnDrop<Result<IncomingResponse, ErrorCode>>),
    /// The response or the request's error.
    Ready(Result<IncomingResponse, ErrorCode>),
    /// The guest took the result.
    Consumed,
}

#[async_trait::async_trait]
impl Pollable for HostFutureIncomingResponse {
    async fn ready(&mut self) {
        if let HostFutureIncomingResponse::Pending(task) = self {
            *self = HostFutureIncomingResponse::Ready(task.await);
        }
    }
}
