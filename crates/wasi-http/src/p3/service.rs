//! Calling a `wasi:http/service@0.3.0` component's handler from a server:
//! [`Service`] finds the `wasi:http/handler@0.3.0` export, and
//! [`Service::handle`] turns a hyper request into the guest's hyper
//! response. The response head comes back as soon as the guest returns
//! it; its body is fed by the store's event loop, so the caller keeps
//! that loop running (inside `run_concurrent`) until [`TaskExit::block`]
//! says the guest's task has ended.
//!
//! ```no_run
//! # use wasmtime::component::{Component, Linker};
//! # use wasmtime::Store;
//! # use wasmtime_wasi_http::p3::service::Service;
//! # async fn serve<T: wasmtime_wasi_http::WasiHttpView + 'static>(
//! #     mut store: Store<T>, linker: &Linker<T>, component: &Component,
//! #     req: http::Request<wasmtime_wasi_http::p2::body::HyperIncomingBody>,
//! # ) -> wasmtime::Result<()> {
//! let instance = linker.instantiate_async(&mut store, component).await?;
//! let service = Service::new(&mut store, &instance)?;
//! store
//!     .run_concurrent(async |acc| -> wasmtime::Result<()> {
//!         let (response, exit) = service.handle(acc, req).await?;
//!         // ... hand `response` to hyper ...
//!         # drop(response);
//!         exit.block(acc).await
//!     })
//!     .await??;
//! # Ok(()) }
//! ```

use super::{ErrorCode, Request, Response, Scheme};
use crate::p2::body::{HyperIncomingBody, HyperOutgoingBody};
use crate::WasiHttpView;
use wasmtime::component::{Accessor, Component, Instance, Resource, TaskExit, TypedFunc};
use wasmtime::AsContextMut;

/// The interface a service exports.
pub const HANDLER_INTERFACE: &str = "wasi:http/handler@0.3.0";

type HandleFunc = TypedFunc<(Resource<Request>,), (Result<Resource<Response>, ErrorCode>,)>;

/// Whether `component` exports `wasi:http/handler@0.3.0` (a
/// `wasi:http/service` rather than a 0.2 proxy).
pub fn is_service(component: &Component) -> bool {
    component
        .get_export_index(None, HANDLER_INTERFACE)
        .and_then(|i| component.get_export_index(Some(&i), "handle"))
        .is_some()
}

/// A service component's `handle` export.
#[derive(Clone)]
pub struct Service {
    handle: HandleFunc,
}

impl Service {
    /// Finds `handle` in an instantiated service.
    pub fn new(mut store: impl AsContextMut, instance: &Instance) -> wasmtime::Result<Service> {
        let store = &mut store.as_context_mut();
        let iface = instance
            .get_export_index(&mut *store, None, HANDLER_INTERFACE)
            .ok_or_else(|| wasmtime::format_err!("no exported instance `{HANDLER_INTERFACE}`"))?;
        let handle = instance
            .get_export_index(&mut *store, Some(&iface), "handle")
            .ok_or_else(|| {
                wasmtime::format_err!("no function `handle` in `{HANDLER_INTERFACE}`")
            })?;
        let func = instance
            .get_func(&mut *store, &handle)
            .ok_or_else(|| wasmtime::format_err!("`handle` is not a function"))?;
        Ok(Service {
            handle: func.typed(&*store)?,
        })
    }

    /// Calls the guest's `handle` with `req` (inside `run_concurrent`):
    /// the guest's response (or error code) once it returned one, and its
    /// task, which may still be writing the body.
    pub async fn handle<T: WasiHttpView + 'static>(
        &self,
        acc: &Accessor<T>,
        req: http::Request<HyperIncomingBody>,
    ) -> wasmtime::Result<(
        Result<http::Response<HyperOutgoingBody>, ErrorCode>,
        TaskExit,
    )> {
        let req = Request::from_http(req, Scheme::Http);
        let req = acc.with(|mut a| a.data_mut().http().table.push(req))?;
        let ((result,), exit) = self.handle.call_concurrent_returned(acc, (req,)).await?;
        let resp = match result {
            Ok(resp) => resp,
            Err(code) => return Ok((Err(code), exit)),
        };
        let resp = acc.with(|mut a| -> wasmtime::Result<_> {
            let mut store = a.as_context_mut();
            let resp = store.data_mut().http().table.delete(resp)?;
            let body = resp.body.into_hyper(&mut store)?;
            let mut out = http::Response::new(body);
            *out.status_mut() = http::StatusCode::from_u16(resp.status)?;
            *out.headers_mut() = resp.headers.into();
            Ok(out)
        })?;
        Ok((Ok(resp), exit))
    }
}
