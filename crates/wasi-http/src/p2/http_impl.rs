//! `wasi:http/outgoing-handler` on [`WasiHttpCtxView`]: requests are sent
//! by [`default_send_request`](crate::default_send_request) on a
//! background task.

use crate::p2::bindings::http::outgoing_handler;
use crate::p2::bindings::http::types::{ErrorCode, Scheme};
use crate::p2::types::{HostFutureIncomingResponse, HostOutgoingRequest};
use crate::{HttpResult, RequestOptions, WasiHttpCtxView};
use http_body_util::BodyExt;
use wasmtime::component::Resource;

impl outgoing_handler::Host for WasiHttpCtxView<'_> {
    fn handle(
        &mut self,
        request: Resource<HostOutgoingRequest>,
        options: Option<Resource<RequestOptions>>,
    ) -> HttpResult<Resource<HostFutureIncomingResponse>> {
        let options = match options {
            Some(o) => self.table.delete(o)?,
            None => RequestOptions::default(),
        };
        let req = self.table.delete(request)?;
        let method: http::Method = req
            .method
            .try_into()
            .map_err(|_| ErrorCode::HttpRequestMethodInvalid)?;
        let scheme = match req.scheme {
            None => self
                .hooks
                .default_scheme()
                .ok_or(ErrorCode::HttpProtocolError)?,
            Some(Scheme::Http) => http::uri::Scheme::HTTP,
            Some(Scheme::Https) => http::uri::Scheme::HTTPS,
            Some(Scheme::Other(s)) => s.parse().map_err(|_| ErrorCode::HttpRequestUriInvalid)?,
        };
        if !self.hooks.is_supported_scheme(&scheme) {
            return Err(ErrorCode::HttpProtocolError.into());
        }
        let authority = req.authority.unwrap_or_default();
        if authority.is_empty() {
            return Err(ErrorCode::HttpRequestUriInvalid.into());
        }
        let uri = http::Uri::builder()
            .scheme(scheme)
            .authority(authority.as_str())
            .path_and_query(req.path_with_query.as_deref().unwrap_or("/"))
            .build()
            .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
        let mut headers: http::HeaderMap = req.headers.into();
        if self.hooks.set_host_header() {
            let host = http::HeaderValue::from_str(&authority)
                .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
            headers.insert(http::header::HOST, host);
        }
        let body = req.body.unwrap_or_else(|| {
            http_body_util::Empty::new()
                .map_err(|never| match never {})
                .boxed_unsync()
        });
        let mut request = http::Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        let task = crate::p2::spawn(crate::default_send_request(request, options));
        Ok(self.table.push(HostFutureIncomingResponse::Pending(task))?)
    }
}
