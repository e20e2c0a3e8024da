//! The host side of `wasi:io`: [`Pollable`] values that a guest waits on
//! through `pollable` resources ([`DynPollable`], made by [`subscribe`]),
//! and [`InputStream`]/[`OutputStream`] behind `input-stream` and
//! `output-stream` resources, with [`StreamError`] as their error.

use bytes::Bytes;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use wasmtime::component::{Resource, ResourceTable};

/// A boxed future that a pollable's readiness is.
pub type DynFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Makes the readiness future of the value behind a pollable.
pub type MakeFuture = for<'a> fn(&'a mut dyn Any) -> DynFuture<'a>;

/// Something a guest can wait for.
#[async_trait::async_trait]
pub trait Pollable: Send + 'static {
    /// Completes when the value is ready (reading or writing would make
    /// progress, a timer expired, ...).
    async fn ready(&mut self);
}

/// The value behind a `pollable` resource: the table entry it watches and
/// how to wait for it.
pub struct DynPollable {
    pub(crate) index: u32,
    pub(crate) make_future: MakeFuture,
    pub(crate) remove_index_on_delete: Option<fn(&mut ResourceTable, u32) -> wasmtime::Result<()>>,
}

/// A `pollable` for `resource` (a child of it in `table`, so it must be
/// dropped first). When `resource` is an owned handle, the entry is
/// deleted together with the pollable.
pub fn subscribe<T: Pollable>(
    table: &mut ResourceTable,
    resource: Resource<T>,
) -> wasmtime::Result<Resource<DynPollable>> {
    fn make_future<T: Pollable>(value: &mut dyn Any) -> DynFuture<'_> {
        value.downcast_mut::<T>().unwrap().ready()
    }
    let pollable = DynPollable {
        index: resource.rep(),
        remove_index_on_delete: if resource.owned() {
            Some(|table, index| {
                table.delete(Resource::<T>::new_own(index))?;
                Ok(())
            })
        } else {
            None
        },
        make_future: make_future::<T>,
    };
    Ok(table.push_child(pollable, &resource)?)
}

/// The result of a stream operation.
pub type StreamResult<T> = Result<T, StreamError>;

/// How a stream operation failed.
#[derive(Debug)]
pub enum StreamError {
    /// The stream is closed: no more data (input) or no more room
    /// (output), now or later.
    Closed,
    /// The last operation failed; the error is given to the guest as a
    /// `wasi:io/error.error` and the stream is closed.
    LastOperationFailed(wasmtime::Error),
    /// A trap: the guest is stopped.
    Trap(wasmtime::Error),
}

impl StreamError {
    /// A trap with message `msg`.
    pub fn trap(msg: &str) -> StreamError {
        StreamError::Trap(wasmtime::format_err!("{msg}"))
    }
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Closed => f.write_str("closed"),
            StreamError::LastOperationFailed(e) => write!(f, "last operation failed: {e}"),
            StreamError::Trap(e) => write!(f, "trap: {e}"),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Closed => None,
            StreamError::LastOperationFailed(e) | StreamError::Trap(e) => e.source(),
        }
    }
}

impl From<wasmtime::component::ResourceTableError> for StreamError {
    fn from(error: wasmtime::component::ResourceTableError) -> Self {
        StreamError::Trap(error.into())
    }
}

/// A source of bytes behind an `input-stream` resource.
#[async_trait::async_trait]
pub trait InputStream: Pollable {
    /// Up to `size` bytes that are available now (possibly none).
    fn read(&mut self, size: usize) -> StreamResult<Bytes>;

    /// Waits until bytes (or the end) are available, then reads.
    async fn blocking_read(&mut self, size: usize) -> StreamResult<Bytes> {
        self.ready().await;
        self.read(size)
    }

    /// Skips up to `nelem` available bytes, returning how many.
    fn skip(&mut self, nelem: usize) -> StreamResult<usize> {
        let bytes = self.read(nelem)?;
        Ok(bytes.len())
    }

    /// Waits, then skips.
    async fn blocking_skip(&mut self, nelem: usize) -> StreamResult<usize> {
        self.ready().await;
        self.skip(nelem)
    }

    /// Called when the stream's resource is dropped.
    async fn cancel(&mut self) {}
}

/// A sink of bytes behind an `output-stream` resource.
#[async_trait::async_trait]
pub trait OutputStream: Pollable {
    /// Writes `bytes`, which must fit in what `check_write` allowed.
    fn write(&mut self, bytes: Bytes) -> StreamResult<()>;

    /// Starts flushing what was written.
    fn flush(&mut self) -> StreamResult<()>;

    /// How many bytes may be written now (0: wait for readiness).
    fn check_write(&mut self) -> StreamResult<usize>;

    /// Writes all of `bytes` and flushes, waiting as needed.
    async fn blocking_write_and_flush(&mut self, mut bytes: Bytes) -> StreamResult<()> {
        loop {
            let permit = self.write_ready().await?;
            let len = bytes.len().min(permit);
            let chunk = bytes.split_to(len);
            self.write(chunk)?;
            if bytes.is_empty() {
                break;
            }
        }
        self.flush()?;
        self.write_ready().await?;
        Ok(())
    }

    /// Writes `nelem` zero bytes.
    fn write_zeroes(&mut self, nelem: usize) -> StreamResult<()> {
        self.write(Bytes::from(vec![0; nelem]))
    }

    /// Writes zeroes and flushes, waiting as needed.
    async fn blocking_write_zeroes_and_flush(&mut self, nelem: usize) -> StreamResult<()> {
        self.blocking_write_and_flush(Bytes::from(vec![0; nelem]))
            .await
    }

    /// Waits until some bytes may be written and returns how many.
    async fn write_ready(&mut self) -> StreamResult<usize> {
        loop {
            self.ready().await;
            let n = self.check_write()?;
            if n > 0 {
                return Ok(n);
            }
        }
    }

    /// Called when the stream's resource is dropped.
    async fn cancel(&mut self) {}
}

#[async_trait::async_trait]
impl Pollable for Box<dyn InputStream> {
    async fn ready(&mut self) {
        (**self).ready().await
    }
}

#[async_trait::async_trait]
impl Pollable for Box<dyn OutputStream> {
    async fn ready(&mut self) {
        (**self).ready().await
    }
}

/// The value behind an `input-stream` resource.
pub type DynInputStream = Box<dyn InputStream>;

/// The value behind an `output-stream` resource.
pub type DynOutputStream = Box<dyn OutputStream>;

/// A stream that is always closed (an input at its end, an output that
/// accepts nothing).
pub struct ClosedStream;

#[async_trait::async_trait]
impl Pollable for ClosedStream {
    async fn ready(&mut self) {}
}

impl InputStream for ClosedStream {
    fn read(&mut self, _size: usize) -> StreamResult<Bytes> {
        Err(StreamError::Closed)
    }
}

impl OutputStream for ClosedStream {
    fn write(&mut self, _bytes: Bytes) -> StreamResult<()> {
        Err(StreamError::Closed)
    }
    fn flush(&mut self) -> StreamResult<()> {
        Err(StreamError::Closed)
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Err(StreamError::Closed)
    }
}
