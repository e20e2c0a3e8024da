//! `wasi:http/client@0.3.0` (and the `wasi:http/handler@0.3.0` import):
//! a guest's request goes out through
//! [`default_send_request`](crate::default_send_request) while the store
//! keeps feeding its body; the response's body is read by the guest as it
//! arrives.

use super::{ErrorCode, Request, Response, Scheme};
use crate::p2::body::HyperOutgoingBody;
use crate::{RequestOptions, WasiHttpView};
use wasmtime::component::{Linker, Resource};
use wasmtime::{AsContextMut, StoreContextMut};

/// The hyper request for a guest's `request` (its body piped from the
/// store) and its options.
fn outgoing<T: WasiHttpView + 'static>(
    mut store: StoreContextMut<'_, T>,
    req: Request,
) -> wasmtime::Result<Result<(http::Request<HyperOutgoingBody>, RequestOptions), ErrorCode>> {
    let http = store.data_mut().http();
    let scheme = match &req.scheme {
        None => match http.hooks.default_scheme() {
            Some(s) => s,
            None => return Ok(Err(ErrorCode::HttpProtocolError)),
        },
        Some(Scheme::Http) => http::uri::Scheme::HTTP,
        Some(Scheme::Https) => http::uri::Scheme::HTTPS,
        Some(Scheme::Other(s)) => match s.parse() {
            Ok(s) => s,
            Err(_) => return Ok(Err(ErrorCode::HttpRequestUriInvalid)),
        },
    };
    if !http.hooks.is_supported_scheme(&scheme) {
        return Ok(Err(ErrorCode::HttpProtocolError));
    }
    let authority = req.authority.clone().unwrap_or_default();
    if authority.is_empty() {
        return Ok(Err(ErrorCode::HttpRequestUriInvalid));
    }
    let uri = http::Uri::builder()
        .scheme(scheme)
        .authority(authority.as_str())
        .path_and_query(req.path_with_query.as_deref().unwrap_or("/"))
        .build();
    let Ok(uri) = uri else {
        return Ok(Err(ErrorCode::HttpRequestUriInvalid));
    };
    let Ok(method) = http::Method::try_from(req.method.clone()) else {
        return Ok(Err(ErrorCode::HttpRequestMethodInvalid));
    };
    let mut headers: http::HeaderMap = req.headers.into();
    if http.hooks.set_host_header() {
        let Ok(host) = http::HeaderValue::from_str(&authority) else {
            return Ok(Err(ErrorCode::HttpRequestUriInvalid));
        };
        headers.insert(http::header::HOST, host);
    }
    let options = req.options.unwrap_or_default();
    let body = req.body.into_hyper(&mut store)?;
    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    Ok(Ok((request, options)))
}

/// Sends `this`, waiting for the response head.
async fn send<T: WasiHttpView + 'static>(
    acc: &wasmtime::component::Accessor<T>,
    this: Resource<Request>,
) -> wasmtime::Result<Result<Resource<Response>, ErrorCode>> {
    let prepared = acc.with(|mut a| -> wasmtime::Result<_> {
        let mut store = a.as_context_mut();
        let req = store.data_mut().http().table.delete(this)?;
        outgoing(store, req)
    })?;
    let (request, options) = match prepared {
        Ok(p) => p,
        Err(code) => return Ok(Err(code)),
    };
    // The body is fed by the store while this future waits, so the
    // request runs on its own task (on the runtime WASI uses, also when
    // the embedder has none), aborted if the guest goes away.
    let response = match crate::p2::spawn(crate::default_send_request(request, options)).await {
        Ok(r) => r,
        Err(code) => return Ok(Err(code)),
    };
    let mut resp = response.resp;
    if let Some(limit) = response.between_bytes_timeout {
        resp = resp.map(|body| super::body::between_bytes_timeout(body, limit));
    }
    let resp = Response::from_http(resp);
    let res = acc.with(|mut a| a.data_mut().http().table.push(resp))?;
    Ok(Ok(res))
}

/// Defines `wasi:http/client@0.3.0` and `wasi:http/handler@0.3.0`.
pub(crate) fn add_to_linker<T: WasiHttpView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    for (iface, func) in [
        ("wasi:http/client@0.3.0", "send"),
        ("wasi:http/handler@0.3.0", "handle"),
    ] {
        linker.instance(iface)?.func_wrap_concurrent(
            func,
            |acc, (this,): (Resource<Request>,)| {
                Box::pin(async move { Ok((send(acc, this).await?,)) })
            },
        )?;
    }
    Ok(())
}
