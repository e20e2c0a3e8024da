//! The host functions of `wasi:http/types` on [`WasiHttpCtxView`].

use crate::p2::bindings::http::types::{
    self, Duration, ErrorCode, FieldName, FieldValue, HeaderError, Method, Scheme, StatusCode,
};
use crate::p2::body::{BodyContext, HostFutureTrailers, HostIncomingBody, HostOutgoingBody};
use crate::p2::types::{
    HostFutureIncomingResponse, HostIncomingRequest, HostIncomingResponse, HostOutgoingRequest,
    HostOutgoingResponse, HostResponseOutparam,
};
use crate::{FieldError, FieldMap, HttpError, RequestOptions, WasiHttpCtxView};
use wasmtime::component::Resource;
use wasmtime::Result;
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable};

fn header_error(e: FieldError) -> HeaderError {
    match e {
        FieldError::InvalidSyntax | FieldError::SizeExceeded => HeaderError::InvalidSyntax,
        FieldError::Forbidden => HeaderError::Forbidden,
        FieldError::Immutable => HeaderError::Immutable,
    }
}

impl WasiHttpCtxView<'_> {
    /// Pushes an immutable copy of `fields` for a `headers` getter.
    fn push_fields(&mut self, fields: FieldMap) -> Result<Resource<FieldMap>> {
        let mut fields = fields;
        fields.set_immutable();
        Ok(self.table.push(fields)?)
    }

    fn take_fields(&mut self, fields: Resource<FieldMap>) -> Result<FieldMap> {
        let mut fields = self.table.delete(fields)?;
        fields.set_immutable();
        Ok(fields)
    }
}

impl types::Host for WasiHttpCtxView<'_> {
    fn convert_error_code(&mut self, err: HttpError) -> Result<ErrorCode> {
        err.downcast()
    }

    fn http_error_code(&mut self, err: Resource<wasmtime::Error>) -> Result<Option<ErrorCode>> {
        Ok(self.table.get(&err)?.downcast_ref::<ErrorCode>().cloned())
    }
}

impl types::HostFields for WasiHttpCtxView<'_> {
    fn new(&mut self) -> Result<Resource<FieldMap>> {
        Ok(self
            .table
            .push(FieldMap::new_mutable(self.ctx.field_size_limit))?)
    }

    fn from_list(
        &mut self,
        entries: Vec<(FieldName, FieldValue)>,
    ) -> Result<Result<Resource<FieldMap>, HeaderError>> {
        let mut fields = FieldMap::new_mutable(self.ctx.field_size_limit);
        for (name, value) in entries {
            if let Err(e) = fields.append(self.hooks, &name, &value) {
                return Ok(Err(header_error(e)));
            }
        }
        Ok(Ok(self.table.push(fields)?))
    }

    fn get(&mut self, fields: Resource<FieldMap>, name: FieldName) -> Result<Vec<FieldValue>> {
        Ok(self.table.get(&fields)?.get(&name))
    }

    fn has(&mut self, fields: Resource<FieldMap>, name: FieldName) -> Result<bool> {
        Ok(self.table.get(&fields)?.has(&name))
    }

    fn set(
        &mut self,
        fields: Resource<FieldMap>,
        name: FieldName,
        values: Vec<FieldValue>,
    ) -> Result<Result<(), HeaderError>> {
        let f = self.table.get_mut(&fields)?;
        Ok(f.set(self.hooks, &name, &values).map_err(header_error))
    }

    fn delete(
        &mut self,
        fields: Resource<FieldMap>,
        name: FieldName,
    ) -> Result<Result<(), HeaderError>> {
        let f = self.table.get_mut(&fields)?;
        Ok(f.remove(self.hooks, &name).map(drop).map_err(header_error))
    }

    fn append(
        &mut self,
        fields: Resource<FieldMap>,
        name: FieldName,
        value: FieldValue,
    ) -> Result<Result<(), HeaderError>> {
        let f = self.table.get_mut(&fields)?;
        Ok(f.append(self.hooks, &name, &value).map_err(header_error))
    }

    fn entries(&mut self, fields: Resource<FieldMap>) -> Result<Vec<(FieldName, FieldValue)>> {
        Ok(self.table.get(&fields)?.entries())
    }

    fn clone(&mut self, fields: Resource<FieldMap>) -> Result<Resource<FieldMap>> {
        let copy = self.table.get(&fields)?.clone_mutable();
        Ok(self.table.push(copy)?)
    }

    fn drop(&mut self, fields: Resource<FieldMap>) -> Result<()> {
        self.table.delete(fields)?;
        Ok(())
    }
}

impl types::HostIncomingRequest for WasiHttpCtxView<'_> {
    fn method(&mut self, req: Resource<HostIncomingRequest>) -> Result<Method> {
        Ok(self.table.get(&req)?.method.clone().into())
    }

    fn path_with_query(&mut self, req: Resource<HostIncomingRequest>) -> Result<Option<String>> {
        let req = self.table.get(&req)?;
        Ok(req.uri.path_and_query().map(|p| p.as_str().to_string()))
    }

    fn scheme(&mut self, req: Resource<HostIncomingRequest>) -> Result<Option<Scheme>> {
        Ok(Some(self.table.get(&req)?.scheme.clone()))
    }

    fn authority(&mut self, req: Resource<HostIncomingRequest>) -> Result<Option<String>> {
        Ok(Some(self.table.get(&req)?.authority.clone()))
    }

    fn headers(&mut self, req: Resource<HostIncomingRequest>) -> Result<Resource<FieldMap>> {
        let headers = self.table.get(&req)?.headers.clone();
        self.push_fields(headers)
    }

    fn consume(
        &mut self,
        req: Resource<HostIncomingRequest>,
    ) -> Result<Result<Resource<HostIncomingBody>, ()>> {
        match self.table.get_mut(&req)?.body.take() {
            Some(body) => Ok(Ok(self.table.push(body)?)),
            None => Ok(Err(())),
        }
    }

    fn drop(&mut self, req: Resource<HostIncomingRequest>) -> Result<()> {
        self.table.delete(req)?;
        Ok(())
    }
}

impl types::HostOutgoingRequest for WasiHttpCtxView<'_> {
    fn new(&mut self, headers: Resource<FieldMap>) -> Result<Resource<HostOutgoingRequest>> {
        let headers = self.take_fields(headers)?;
        Ok(self.table.push(HostOutgoingRequest {
            method: Method::Get,
            scheme: None,
            authority: None,
            path_with_query: None,
            headers,
            body: None,
        })?)
    }

    fn body(
        &mut self,
        req: Resource<HostOutgoingRequest>,
    ) -> Result<Result<Resource<HostOutgoingBody>, ()>> {
        let chunks = self.hooks.outgoing_body_buffer_chunks();
        let chunk_size = self.hooks.outgoing_body_chunk_size();
        let r = self.table.get_mut(&req)?;
        if r.body.is_some() {
            return Ok(Err(()));
        }
        let Ok(length) = crate::get_content_length(r.headers.map()) else {
            return Ok(Err(()));
        };
        let (host, hyper) = HostOutgoingBody::new(BodyContext::Request, length, chunks, chunk_size);
        r.body = Some(hyper);
        Ok(Ok(self.table.push(host)?))
    }

    fn method(&mut self, req: Resource<HostOutgoingRequest>) -> Result<Method> {
        Ok(self.table.get(&req)?.method.clone())
    }

    fn set_method(
        &mut self,
        req: Resource<HostOutgoingRequest>,
        method: Method,
    ) -> Result<Result<(), ()>> {
        if let Method::Other(s) = &method {
            if http::Method::from_bytes(s.as_bytes()).is_err() {
                return Ok(Err(()));
            }
        }
        self.table.get_mut(&req)?.method = method;
        Ok(Ok(()))
    }

    fn path_with_query(&mut self, req: Resource<HostOutgoingRequest>) -> Result<Option<String>> {
        Ok(self.table.get(&req)?.path_with_query.clone())
    }

    fn set_path_with_query(
        &mut self,
        req: Resource<HostOutgoingRequest>,
        path: Option<String>,
    ) -> Result<Result<(), ()>> {
        if let Some(p) = &path {
            if p.parse::<http::uri::PathAndQuery>().is_err() {
                return Ok(Err(()));
            }
        }
        self.table.get_mut(&req)?.path_with_query = path;
        Ok(Ok(()))
    }

    fn scheme(&mut self, req: Resource<HostOutgoingRequest>) -> Result<Option<Scheme>> {
        Ok(self.table.get(&req)?.scheme.clone())
    }

    fn set_scheme(
        &mut self,
        req: Resource<HostOutgoingRequest>,
        scheme: Option<Scheme>,
    ) -> Result<Result<(), ()>> {
        if let Some(Scheme::Other(s)) = &scheme {
            if s.parse::<http::uri::Scheme>().is_err() {
                return Ok(Err(()));
            }
        }
        self.table.get_mut(&req)?.scheme = scheme;
        Ok(Ok(()))
    }

    fn authority(&mut self, req: Resource<HostOutgoingRequest>) -> Result<Option<String>> {
        Ok(self.table.get(&req)?.authority.clone())
    }

    fn set_authority(
        &mut self,
        req: Resource<HostOutgoingRequest>,
        authority: Option<String>,
    ) -> Result<Result<(), ()>> {
        if let Some(a) = &authority {
            // An authority with user information is not allowed.
            if a.contains('@') || a.parse::<http::uri::Authority>().is_err() {
                return Ok(Err(()));
            }
        }
        self.table.get_mut(&req)?.authority = authority;
        Ok(Ok(()))
    }

    fn headers(&mut self, req: Resource<HostOutgoingRequest>) -> Result<Resource<FieldMap>> {
        let headers = self.table.get(&req)?.headers.clone();
        self.push_fields(headers)
    }

    fn drop(&mut self, req: Resource<HostOutgoingRequest>) -> Result<()> {
        self.table.delete(req)?;
        Ok(())
    }
}

fn to_duration(d: Option<Duration>) -> Option<std::time::Duration> {
    d.map(std::time::Duration::from_nanos)
}

fn from_duration(d: Option<std::time::Duration>) -> Option<Duration> {
    d.map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl types::HostRequestOptions for WasiHttpCtxView<'_> {
    fn new(&mut self) -> Result<Resource<RequestOptions>> {
        Ok(self.table.push(RequestOptions::default())?)
    }

    fn connect_timeout(&mut self, opts: Resource<RequestOptions>) -> Result<Option<Duration>> {
        Ok(from_duration(self.table.get(&opts)?.connect_timeout))
    }

    fn set_connect_timeout(
        &mut self,
        opts: Resource<RequestOptions>,
        d: Option<Duration>,
    ) -> Result<Result<(), ()>> {
        self.table.get_mut(&opts)?.connect_timeout = to_duration(d);
        Ok(Ok(()))
    }

    fn first_byte_timeout(&mut self, opts: Resource<RequestOptions>) -> Result<Option<Duration>> {
        Ok(from_duration(self.table.get(&opts)?.first_byte_timeout))
    }

    fn set_first_byte_timeout(
        &mut self,
        opts: Resource<RequestOptions>,
        d: Option<Duration>,
    ) -> Result<Result<(), ()>> {
        self.table.get_mut(&opts)?.first_byte_timeout = to_duration(d);
        Ok(Ok(()))
    }

    fn between_bytes_timeout(
        &mut self,
        opts: Resource<RequestOptions>,
    ) -> Result<Option<Duration>> {
        Ok(from_duration(self.table.get(&opts)?.between_bytes_timeout))
    }

    fn set_between_bytes_timeout(
        &mut self,
        opts: Resource<RequestOptions>,
        d: Option<Duration>,
    ) -> Result<Result<(), ()>> {
        self.table.get_mut(&opts)?.between_bytes_timeout = to_duration(d);
        Ok(Ok(()))
    }

    fn drop(&mut self, opts: Resource<RequestOptions>) -> Result<()> {
        self.table.delete(opts)?;
        Ok(())
    }
}

impl types::HostResponseOutparam for WasiHttpCtxView<'_> {
    fn set(
        &mut self,
        param: Resource<HostResponseOutparam>,
        response: Result<Resource<HostOutgoingResponse>, ErrorCode>,
    ) -> Result<()> {
        let response = match response {
            Ok(r) => Ok(self.table.delete(r)?.into()),
            Err(code) => Err(code),
        };
        let param = self.table.delete(param)?;
        (param.send)(response);
        Ok(())
    }

    fn drop(&mut self, param: Resource<HostResponseOutparam>) -> Result<()> {
        self.table.delete(param)?;
        Ok(())
    }
}

impl types::HostIncomingResponse for WasiHttpCtxView<'_> {
    fn status(&mut self, resp: Resource<HostIncomingResponse>) -> Result<StatusCode> {
        Ok(self.table.get(&resp)?.status)
    }

    fn headers(&mut self, resp: Resource<HostIncomingResponse>) -> Result<Resource<FieldMap>> {
        let headers = self.table.get(&resp)?.headers.clone();
        self.push_fields(headers)
    }

    fn consume(
        &mut self,
        resp: Resource<HostIncomingResponse>,
    ) -> Result<Result<Resource<HostIncomingBody>, ()>> {
        match self.table.get_mut(&resp)?.body.take() {
            Some(body) => Ok(Ok(self.table.push(body)?)),
            None => Ok(Err(())),
        }
    }

    fn drop(&mut self, resp: Resource<HostIncomingResponse>) -> Result<()> {
        self.table.delete(resp)?;
        Ok(())
    }
}

impl types::HostIncomingBody for WasiHttpCtxView<'_> {
    fn stream(
        &mut self,
        body: Resource<HostIncomingBody>,
    ) -> Result<Result<Resource<DynInputStream>, ()>> {
        match self.table.get_mut(&body)?.take_stream() {
            Some(stream) => {
                let stream: DynInputStream = Box::new(stream);
                Ok(Ok(self.table.push_child(stream, &body)?))
            }
            None => Ok(Err(())),
        }
    }

    fn finish(&mut self, body: Resource<HostIncomingBody>) -> Result<Resource<HostFutureTrailers>> {
        let trailers = self.table.delete(body)?.into_future_trailers();
        Ok(self.table.push(trailers)?)
    }

    fn drop(&mut self, body: Resource<HostIncomingBody>) -> Result<()> {
        self.table.delete(body)?;
        Ok(())
    }
}

impl types::HostFutureTrailers for WasiHttpCtxView<'_> {
    fn subscribe(&mut self, f: Resource<HostFutureTrailers>) -> Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(self.table, f)
    }

    #[allow(clippy::type_complexity)]
    fn get(
        &mut self,
        f: Resource<HostFutureTrailers>,
    ) -> Result<Option<Result<Result<Option<Resource<FieldMap>>, ErrorCode>, ()>>> {
        let Some(result) = self.table.get_mut(&f)?.try_take() else {
            return Ok(None);
        };
        Ok(Some(match result {
            Err(()) => Err(()),
            Ok(Err(code)) => Ok(Err(code)),
            Ok(Ok(None)) => Ok(Ok(None)),
            Ok(Ok(Some(map))) => Ok(Ok(Some(self.table.push(FieldMap::new_immutable(map))?))),
        }))
    }

    fn drop(&mut self, f: Resource<HostFutureTrailers>) -> Result<()> {
        self.table.delete(f)?;
        Ok(())
    }
}

impl types::HostOutgoingResponse for WasiHttpCtxView<'_> {
    fn new(&mut self, headers: Resource<FieldMap>) -> Result<Resource<HostOutgoingResponse>> {
        let headers = self.take_fields(headers)?;
        Ok(self.table.push(HostOutgoingResponse {
            status: http::StatusCode::OK,
            headers,
            body: None,
        })?)
    }

    fn status_code(&mut self, resp: Resource<HostOutgoingResponse>) -> Result<StatusCode> {
        Ok(self.table.get(&resp)?.status.as_u16())
    }

    fn set_status_code(
        &mut self,
        resp: Resource<HostOutgoingResponse>,
        status: StatusCode,
    ) -> Result<Result<(), ()>> {
        match http::StatusCode::from_u16(status) {
            Ok(s) => {
                self.table.get_mut(&resp)?.status = s;
                Ok(Ok(()))
            }
            Err(_) => Ok(Err(())),
        }
    }

    fn headers(&mut self, resp: Resource<HostOutgoingResponse>) -> Result<Resource<FieldMap>> {
        let headers = self.table.get(&resp)?.headers.clone();
        self.push_fields(headers)
    }

    fn body(
        &mut self,
        resp: Resource<HostOutgoingResponse>,
    ) -> Result<Result<Resource<HostOutgoingBody>, ()>> {
        let chunks = self.hooks.outgoing_body_buffer_chunks();
        let chunk_size = self.hooks.outgoing_body_chunk_size();
        let r = self.table.get_mut(&resp)?;
        if r.body.is_some() {
            return Ok(Err(()));
        }
        let Ok(length) = crate::get_content_length(r.headers.map()) else {
            return Ok(Err(()));
        };
        let (host, hyper) =
            HostOutgoingBody::new(BodyContext::Response, length, chunks, chunk_size);
        r.body = Some(hyper);
        Ok(Ok(self.table.push(host)?))
    }

    fn drop(&mut self, resp: Resource<HostOutgoingResponse>) -> Result<()> {
        self.table.delete(resp)?;
        Ok(())
    }
}

impl types::HostOutgoingBody for WasiHttpCtxView<'_> {
    fn write(
        &mut self,
        body: Resource<HostOutgoingBody>,
    ) -> Result<Result<Resource<DynOutputStream>, ()>> {
        match self.table.get_mut(&body)?.take_stream() {
            Some(stream) => {
                let stream: DynOutputStream = Box::new(stream);
                Ok(Ok(self.table.push_child(stream, &body)?))
            }
            None => Ok(Err(())),
        }
    }

    fn finish(
        &mut self,
        body: Resource<HostOutgoingBody>,
        trailers: Option<Resource<FieldMap>>,
    ) -> std::result::Result<(), HttpError> {
        let trailers = match trailers {
            Some(t) => Some(self.take_fields(t).map_err(HttpError::trap)?.into()),
            None => None,
        };
        let body = self.table.delete(body)?;
        body.finish(trailers)?;
        Ok(())
    }

    fn drop(&mut self, body: Resource<HostOutgoingBody>) -> Result<()> {
        self.table.delete(body)?;
        Ok(())
    }
}

impl types::HostFutureIncomingResponse for WasiHttpCtxView<'_> {
    fn subscribe(
        &mut self,
        f: Resource<HostFutureIncomingResponse>,
    ) -> Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(self.table, f)
    }

    #[allow(clippy::type_complexity)]
    fn get(
        &mut self,
        f: Resource<HostFutureIncomingResponse>,
    ) -> Result<Option<Result<Result<Resource<HostIncomingResponse>, ErrorCode>, ()>>> {
        let fut = self.table.get_mut(&f)?;
        if let HostFutureIncomingResponse::Pending(task) = fut {
            match task.try_result() {
                Some(result) => *fut = HostFutureIncomingResponse::Ready(result),
                None => return Ok(None),
            }
        }
        match fut {
            HostFutureIncomingResponse::Pending(_) => return Ok(None),
            HostFutureIncomingResponse::Consumed => return Ok(Some(Err(()))),
            HostFutureIncomingResponse::Ready(_) => {}
        }
        let HostFutureIncomingResponse::Ready(result) =
            std::mem::replace(fut, HostFutureIncomingResponse::Consumed)
        else {
            unreachable!()
        };
        let resp = match result {
            Ok(resp) => resp,
            Err(code) => return Ok(Some(Ok(Err(code)))),
        };
        let (parts, body) = resp.resp.into_parts();
        let response = HostIncomingResponse {
            status: parts.status.as_u16(),
            headers: FieldMap::new_immutable(parts.headers),
            body: Some(HostIncomingBody::new(body, resp.between_bytes_timeout)),
        };
        Ok(Some(Ok(Ok(self.table.push(response)?))))
    }

    fn drop(&mut self, f: Resource<HostFutureIncomingResponse>) -> Result<()> {
        self.table.delete(f)?;
        Ok(())
    }
}
