//! The `request` and `response` resources of `wasi:http/types@0.3.0`.

use super::body::{host_body_to_guest, ResultConsumer};
use super::fields::TYPES;
use super::{
    Body, ErrorCode, HostRequestOptions, Method, Request, Response, Scheme, TrailersResult,
};
use crate::{FieldMap, WasiHttpView};
use tokio::sync::oneshot;
use wasmtime::component::{FutureReader, Linker, Resource, ResourceType, StreamReader};
use wasmtime::{AsContextMut, StoreContextMut};

type Fields = Resource<FieldMap>;
type Req = Resource<Request>;
type Resp = Resource<Response>;
type Options = Resource<HostRequestOptions>;
type Contents = Option<StreamReader<u8>>;
type Trailers = FutureReader<TrailersResult>;
type Sent = FutureReader<Result<(), ErrorCode>>;

/// Takes the guest's `fields` for a new message (they become immutable).
fn take_fields<T: WasiHttpView>(
    store: &mut StoreContextMut<'_, T>,
    f: Fields,
) -> wasmtime::Result<FieldMap> {
    let mut fields = store.data_mut().http().table.delete(f)?;
    fields.set_immutable();
    Ok(fields)
}

/// An immutable copy of `fields` for the guest.
fn push_fields<T: WasiHttpView>(
    store: &mut StoreContextMut<'_, T>,
    fields: &FieldMap,
) -> wasmtime::Result<Fields> {
    let mut copy = fields.clone();
    copy.set_immutable();
    Ok(store.data_mut().http().table.push(copy)?)
}

/// A new body from a guest, and the future that tells it how the body's
/// transfer went.
fn guest_body<T: WasiHttpView + 'static>(
    store: &mut StoreContextMut<'_, T>,
    contents: Contents,
    trailers: Trailers,
) -> wasmtime::Result<(Body, Sent)> {
    let (tx, rx) = oneshot::channel();
    let sent = FutureReader::new(&mut *store, async move {
        Ok::<_, wasmtime::Error>(rx.await.unwrap_or(Ok(())))
    })?;
    Ok((
        Body::Guest {
            contents,
            trailers,
            sent: tx,
        },
        sent,
    ))
}

impl Body {
    /// The stream and trailers future a guest reads; `res` is the guest's
    /// word on how reading went.
    fn consume<T: WasiHttpView + 'static>(
        self,
        store: &mut StoreContextMut<'_, T>,
        res: FutureReader<Result<(), ErrorCode>>,
    ) -> wasmtime::Result<(StreamReader<u8>, Trailers)> {
        match self {
            Body::Guest {
                contents,
                trailers,
                sent,
            } => {
                res.pipe(&mut *store, ResultConsumer { tx: Some(sent) })?;
                let contents = match contents {
                    Some(c) => c,
                    None => StreamReader::new(&mut *store, Vec::<u8>::new())?,
                };
                Ok((contents, trailers))
            }
            Body::Host(body) => {
                res.pipe(&mut *store, ResultConsumer { tx: None })?;
                host_body_to_guest(&mut *store, body)
            }
        }
    }

    /// Lets go of a body nobody will read.
    pub(crate) fn close(self, mut store: impl AsContextMut) -> wasmtime::Result<()> {
        if let Body::Guest {
            contents,
            mut trailers,
            ..
        } = self
        {
            if let Some(mut c) = contents {
                c.close(&mut store)?;
            }
            trailers.close(&mut store)?;
        }
        Ok(())
    }
}

/// `m` in its canonical form (a standard method named through `other`
/// becomes that method), or `None` if it is not a valid token.
fn canonical_method(m: Method) -> Option<Method> {
    match m {
        Method::Other(s) => http::Method::from_bytes(s.as_bytes())
            .ok()
            .map(Method::from),
        m => Some(m),
    }
}

/// `s` in its canonical form (`other("http")` is `HTTP`), or `None` if it
/// is not a valid scheme.
fn canonical_scheme(s: Option<Scheme>) -> Option<Option<Scheme>> {
    match s {
        Some(Scheme::Other(s)) => {
            let parsed = http::uri::Scheme::try_from(s.as_str()).ok()?;
            Some(Some(if parsed == http::uri::Scheme::HTTP {
                Scheme::Http
            } else if parsed == http::uri::Scheme::HTTPS {
                Scheme::Https
            } else {
                Scheme::Other(s)
            }))
        }
        s => Some(s),
    }
}

/// Whether `a` is an authority with a host and, if it names a port, a
/// numeric one.
fn valid_authority(a: &Option<String>) -> bool {
    let Some(a) = a else { return true };
    let Ok(parsed) = http::uri::Authority::try_from(a.as_str()) else {
        return false;
    };
    let host_port = a.rsplit('@').next().unwrap_or_default();
    let after_host = host_port.rsplit(']').next().unwrap_or_default();
    !parsed.host().is_empty() && (!after_host.contains(':') || parsed.port_u16().is_some())
}

/// `p` as a path with query (empty is `/`; relative ones are kept as
/// they are), or `None` if it has characters a URI cannot have there.
fn canonical_path(p: Option<String>) -> Option<Option<String>> {
    let Some(p) = p else { return Some(None) };
    if p.is_empty() {
        return Some(Some("/".to_string()));
    }
    if let Ok(parsed) = http::uri::PathAndQuery::try_from(p.as_str()) {
        return Some(Some(parsed.as_str().to_string()));
    }
    if !p.starts_with('/') && http::uri::PathAndQuery::try_from(format!("/{p}")).is_ok() {
        return Some(Some(p));
    }
    None
}

/// Defines `request` and `response` in `linker`.
pub(crate) fn add_to_linker<T: WasiHttpView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    let mut inst = linker.instance(TYPES)?;
    inst.resource(
        "request",
        ResourceType::host::<Request>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            let req = store
                .data_mut()
                .http()
                .table
                .delete(Resource::<Request>::new_own(rep))?;
            req.body.close(&mut store)
        },
    )?;
    inst.func_wrap(
        "[static]request.new",
        |mut store: StoreContextMut<'_, T>,
         (headers, contents, trailers, options): (Fields, Contents, Trailers, Option<Options>)| {
            let headers = take_fields(&mut store, headers)?;
            let options = match options {
                Some(o) => Some(store.data_mut().http().table.delete(o)?.options),
                None => None,
            };
            let (body, sent) = guest_body(&mut store, contents, trailers)?;
            let req = Request {
                method: Method::Get,
                scheme: None,
                authority: None,
                path_with_query: None,
                headers,
                options,
                body,
            };
            Ok(((store.data_mut().http().table.push(req)?, sent),))
        },
    )?;
    inst.func_wrap(
        "[method]request.get-method",
        |mut store: StoreContextMut<'_, T>, (this,): (Req,)| {
            Ok((store.data_mut().http().table.get(&this)?.method.clone(),))
        },
    )?;
    inst.func_wrap(
        "[method]request.set-method",
        |mut store: StoreContextMut<'_, T>, (this, m): (Req, Method)| {
            let Some(m) = canonical_method(m) else {
                return Ok((Err(()),));
            };
            store.data_mut().http().table.get_mut(&this)?.method = m;
            Ok((Ok(()),))
        },
    )?;
    inst.func_wrap(
        "[method]request.get-path-with-query",
        |mut store: StoreContextMut<'_, T>, (this,): (Req,)| {
            let req = store.data_mut().http().table.get(&this)?;
            Ok((req.path_with_query.clone(),))
        },
    )?;
    inst.func_wrap(
        "[method]request.set-path-with-query",
        |mut store: StoreContextMut<'_, T>, (this, p): (Req, Option<String>)| {
            let Some(p) = canonical_path(p) else {
                return Ok((Err(()),));
            };
            store
                .data_mut()
                .http()
                .table
                .get_mut(&this)?
                .path_with_query = p;
            Ok((Ok(()),))
        },
    )?;
    inst.func_wrap(
        "[method]request.get-scheme",
        |mut store: StoreContextMut<'_, T>, (this,): (Req,)| {
            Ok((store.data_mut().http().table.get(&this)?.scheme.clone(),))
        },
    )?;
    inst.func_wrap(
        "[method]request.set-scheme",
        |mut store: StoreContextMut<'_, T>, (this, s): (Req, Option<Scheme>)| {
            let Some(s) = canonical_scheme(s) else {
                return Ok((Err(()),));
            };
            store.data_mut().http().table.get_mut(&this)?.scheme = s;
            Ok((Ok(()),))
        },
    )?;
    inst.func_wrap(
        "[method]request.get-authority",
        |mut store: StoreContextMut<'_, T>, (this,): (Req,)| {
            Ok((store.data_mut().http().table.get(&this)?.authority.clone(),))
        },
    )?;
    inst.func_wrap(
        "[method]request.set-authority",
        |mut store: StoreContextMut<'_, T>, (this, a): (Req, Option<String>)| {
            if !valid_authority(&a) {
                return Ok((Err(()),));
            }
            store.data_mut().http().table.get_mut(&this)?.authority = a;
            Ok((Ok(()),))
        },
    )?;
    inst.func_wrap(
        "[method]request.get-options",
        |mut store: StoreContextMut<'_, T>, (this,): (Req,)| {
            let http = store.data_mut().http();
            let options = http.table.get(&this)?.options;
            Ok((match options {
                Some(options) => Some(http.table.push(HostRequestOptions {
                    options,
                    mutable: false,
                })?),
                None => None,
            },))
        },
    )?;
    inst.func_wrap(
        "[method]request.get-headers",
        |mut store: StoreContextMut<'_, T>, (this,): (Req,)| {
            let headers = store.data_mut().http().table.get(&this)?.headers.clone();
            Ok((push_fields(&mut store, &headers)?,))
        },
    )?;
    inst.func_wrap(
        "[static]request.consume-body",
        |mut store: StoreContextMut<'_, T>, (this, res): (Req, Sent)| {
            let req = store.data_mut().http().table.delete(this)?;
            Ok((req.body.consume(&mut store, res)?,))
        },
    )?;

    inst.resource(
        "response",
        ResourceType::host::<Response>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            let resp = store
                .data_mut()
                .http()
                .table
                .delete(Resource::<Response>::new_own(rep))?;
            resp.body.close(&mut store)
        },
    )?;
    inst.func_wrap(
        "[static]response.new",
        |mut store: StoreContextMut<'_, T>,
         (headers, contents, trailers): (Fields, Contents, Trailers)| {
            let headers = take_fields(&mut store, headers)?;
            let (body, sent) = guest_body(&mut store, contents, trailers)?;
            let resp = Response {
                status: 200,
                headers,
                body,
            };
            Ok(((store.data_mut().http().table.push(resp)?, sent),))
        },
    )?;
    inst.func_wrap(
        "[method]response.get-status-code",
        |mut store: StoreContextMut<'_, T>, (this,): (Resp,)| {
            Ok((store.data_mut().http().table.get(&this)?.status,))
        },
    )?;
    inst.func_wrap(
        "[method]response.set-status-code",
        |mut store: StoreContextMut<'_, T>, (this, status): (Resp, u16)| {
            if !(100..=599).contains(&status) {
                return Ok((Err(()),));
            }
            store.data_mut().http().table.get_mut(&this)?.status = status;
            Ok((Ok(()),))
        },
    )?;
    inst.func_wrap(
        "[method]response.get-headers",
        |mut store: StoreContextMut<'_, T>, (this,): (Resp,)| {
            let headers = store.data_mut().http().table.get(&this)?.headers.clone();
            Ok((push_fields(&mut store, &headers)?,))
        },
    )?;
    inst.func_wrap(
        "[static]response.consume-body",
        |mut store: StoreContextMut<'_, T>, (this, res): (Resp, Sent)| {
            let resp = store.data_mut().http().table.delete(this)?;
            Ok((resp.body.consume(&mut store, res)?,))
        },
    )?;
    Ok(())
}
