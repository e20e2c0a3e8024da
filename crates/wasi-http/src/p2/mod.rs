//! `wasi:http@0.2` for components: [`bindings`] generated from the WIT,
//! the values behind its resources ([`types`], [`body`]), and
//! `add_to_linker` functions for both flavours of stores.

pub mod bindings;
pub mod body;
mod http_impl;
pub mod types;
mod types_impl;

use crate::{WasiHttp, WasiHttpView};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasmtime::component::Linker;

/// How many chunks an outgoing body buffers by default.
pub const DEFAULT_OUTGOING_BODY_BUFFER_CHUNKS: usize = 1;

/// The largest write to an outgoing body's stream by default.
pub const DEFAULT_OUTGOING_BODY_CHUNK_SIZE: usize = 1024 * 1024;

/// Defines `wasi:http` and the WASI 0.2 interfaces in `linker`, for
/// stores called with `async`.
pub fn add_to_linker_async<T>(linker: &mut Linker<T>) -> wasmtime::Result<()>
where
    T: WasiHttpView + wasmtime_wasi::WasiView + 'static,
{
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    add_only_http_to_linker_async(linker)
}

/// Defines only `wasi:http/types` and `wasi:http/outgoing-handler` in
/// `linker`, for stores called with `async`.
pub fn add_only_http_to_linker_async<T>(linker: &mut Linker<T>) -> wasmtime::Result<()>
where
    T: WasiHttpView + 'static,
{
    // No function of `wasi:http` waits, so both flavours share them.
    add_only_http_to_linker_sync(linker)
}

/// Defines `wasi:http` and the WASI 0.2 interfaces in `linker`, for
/// stores called without `async`.
pub fn add_to_linker_sync<T>(linker: &mut Linker<T>) -> wasmtime::Result<()>
where
    T: WasiHttpView + wasmtime_wasi::WasiView + 'static,
{
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    add_only_http_to_linker_sync(linker)
}

/// Defines only `wasi:http/types` and `wasi:http/outgoing-handler` in
/// `linker`, for stores called without `async`.
pub fn add_only_http_to_linker_sync<T>(linker: &mut Linker<T>) -> wasmtime::Result<()>
where
    T: WasiHttpView + 'static,
{
    bindings::http::types::add_to_linker::<T, WasiHttp>(linker, T::http)?;
    bindings::http::outgoing_handler::add_to_linker::<T, WasiHttp>(linker, T::http)?;
    Ok(())
}

/// A task that is aborted when this handle is dropped.
pub struct AbortOnDrop<T>(Option<tokio::task::JoinHandle<T>>);

impl<T> AbortOnDrop<T> {
    /// Lets the task run on after this handle is gone.
    pub fn detach(mut self) {
        self.0 = None;
    }
}

impl<T> AbortOnDrop<T> {
    /// The task's result if it has finished.
    pub(crate) fn try_result(&mut self) -> Option<T> {
        if !self.0.as_ref()?.is_finished() {
            return None;
        }
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match Pin::new(self).poll(&mut cx) {
            Poll::Ready(value) => Some(value),
            Poll::Pending => None,
        }
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.0 {
            handle.abort();
        }
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let handle = self.0.as_mut().expect("polled a detached task");
        match Pin::new(handle).poll(cx) {
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            Poll::Ready(Err(e)) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("task was cancelled: {e}"),
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Spawns `future` on the Tokio runtime that WASI host functions use (the
/// caller's multi-threaded one, or one of `wasmtime-wasi`).
pub(crate) fn spawn<F>(future: F) -> AbortOnDrop<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = wasmtime_wasi::p2::with_ambient_tokio_runtime(|| tokio::spawn(future));
    AbortOnDrop(Some(handle))
}
