//! `wasi:io/error`, `wasi:io/poll` and `wasi:io/streams` for
//! [`WasiCtxView`], in the async flavour and (waiting on a Tokio runtime)
//! the sync one.

use super::bindings::io::{error, poll, streams};
use super::bindings::sync::io::{poll as sync_poll, streams as sync_streams};
use super::io::{DynFuture, DynInputStream, DynOutputStream, DynPollable, MakeFuture, StreamError};
use super::runtime::in_tokio;
use crate::WasiCtxView;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasmtime::component::{Resource, ResourceTable};
use wasmtime::Result;

type StreamResult<T> = std::result::Result<T, StreamError>;

impl error::Host for WasiCtxView<'_> {}

impl error::HostError for WasiCtxView<'_> {
    fn to_debug_string(&mut self, err: Resource<wasmtime::Error>) -> Result<String> {
        Ok(format!("{:?}", self.table.get(&err)?))
    }

    fn drop(&mut self, err: Resource<wasmtime::Error>) -> Result<()> {
        self.table.delete(err)?;
        Ok(())
    }
}

/// Waits for the first of `pollables` to be ready; the indices of all
/// that are.
async fn poll_list(
    table: &mut ResourceTable,
    pollables: Vec<Resource<DynPollable>>,
) -> Result<Vec<u32>> {
    if pollables.is_empty() {
        wasmtime::bail!("empty poll list");
    }
    let mut by_entry: BTreeMap<u32, (MakeFuture, Vec<u32>)> = BTreeMap::new();
    for (i, p) in pollables.iter().enumerate() {
        let pollable = table.get(p)?;
        by_entry
            .entry(pollable.index)
            .or_insert((pollable.make_future, Vec::new()))
            .1
            .push(u32::try_from(i)?);
    }
    let mut futures: Vec<(DynFuture<'_>, Vec<u32>)> = Vec::new();
    for (entry, (make_future, indices)) in table.iter_entries(by_entry) {
        futures.push((make_future(entry?), indices));
    }
    struct PollList<'a>(Vec<(DynFuture<'a>, Vec<u32>)>);
    impl Future for PollList<'_> {
        type Output = Vec<u32>;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<u32>> {
            let mut ready = Vec::new();
            for (future, indices) in self.0.iter_mut() {
                if future.as_mut().poll(cx).is_ready() {
                    ready.extend_from_slice(indices);
                }
            }
            if ready.is_empty() {
                Poll::Pending
            } else {
                Poll::Ready(ready)
            }
        }
    }
    Ok(PollList(futures).await)
}

async fn block(table: &mut ResourceTable, pollable: &Resource<DynPollable>) -> Result<()> {
    let p = table.get(pollable)?;
    let (make_future, index) = (p.make_future, p.index);
    make_future(table.get_any_mut(index)?).await;
    Ok(())
}

fn ready(table: &mut ResourceTable, pollable: &Resource<DynPollable>) -> Result<bool> {
    let p = table.get(pollable)?;
    let (make_future, index) = (p.make_future, p.index);
    let mut future = make_future(table.get_any_mut(index)?);
    let waker = std::task::Waker::noop();
    Ok(future
        .as_mut()
        .poll(&mut Context::from_waker(waker))
        .is_ready())
}

fn drop_pollable(table: &mut ResourceTable, pollable: Resource<DynPollable>) -> Result<()> {
    let p = table.delete(pollable)?;
    if let Some(remove) = p.remove_index_on_delete {
        remove(table, p.index)?;
    }
    Ok(())
}

impl poll::Host for WasiCtxView<'_> {
    async fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> Result<Vec<u32>> {
        poll_list(self.table, pollables).await
    }
}

impl poll::HostPollable for WasiCtxView<'_> {
    async fn block(&mut self, pollable: Resource<DynPollable>) -> Result<()> {
        block(self.table, &pollable).await
    }
    fn ready(&mut self, pollable: Resource<DynPollable>) -> Result<bool> {
        ready(self.table, &pollable)
    }
    fn drop(&mut self, pollable: Resource<DynPollable>) -> Result<()> {
        drop_pollable(self.table, pollable)
    }
}

impl sync_poll::Host for WasiCtxView<'_> {
    fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> Result<Vec<u32>> {
        in_tokio(poll_list(self.table, pollables))
    }
}

impl sync_poll::HostPollable for WasiCtxView<'_> {
    fn block(&mut self, pollable: Resource<DynPollable>) -> Result<()> {
        in_tokio(block(self.table, &pollable))
    }
    fn ready(&mut self, pollable: Resource<DynPollable>) -> Result<bool> {
        ready(self.table, &pollable)
    }
    fn drop(&mut self, pollable: Resource<DynPollable>) -> Result<()> {
        drop_pollable(self.table, pollable)
    }
}

/// The stream operations both flavours share, on the table.
mod ops {
    use super::*;
    use bytes::Bytes;

    pub fn len(len: u64) -> usize {
        usize::try_from(len).unwrap_or(usize::MAX)
    }

    pub fn read(
        t: &mut ResourceTable,
        s: &Resource<DynInputStream>,
        n: u64,
    ) -> StreamResult<Vec<u8>> {
        Ok(t.get_mut(s)?.read(len(n))?.into())
    }

    pub async fn blocking_read(
        t: &mut ResourceTable,
        s: &Resource<DynInputStream>,
        n: u64,
    ) -> StreamResult<Vec<u8>> {
        Ok(t.get_mut(s)?.blocking_read(len(n)).await?.into())
    }

    pub fn skip(t: &mut ResourceTable, s: &Resource<DynInputStream>, n: u64) -> StreamResult<u64> {
        Ok(t.get_mut(s)?.skip(len(n))? as u64)
    }

    pub async fn blocking_skip(
        t: &mut ResourceTable,
        s: &Resource<DynInputStream>,
        n: u64,
    ) -> StreamResult<u64> {
        Ok(t.get_mut(s)?.blocking_skip(len(n)).await? as u64)
    }

    pub fn check_write(t: &mut ResourceTable, s: &Resource<DynOutputStream>) -> StreamResult<u64> {
        Ok(t.get_mut(s)?.check_write()? as u64)
    }

    pub fn write(
        t: &mut ResourceTable,
        s: &Resource<DynOutputStream>,
        bytes: Vec<u8>,
    ) -> StreamResult<()> {
        t.get_mut(s)?.write(Bytes::from(bytes))
    }

    pub async fn blocking_write_and_flush(
        t: &mut ResourceTable,
        s: &Resource<DynOutputStream>,
        bytes: Vec<u8>,
    ) -> StreamResult<()> {
        if bytes.len() > 4096 {
            return Err(StreamError::trap(
                "buffer too large for blocking-write-and-flush (expected at most 4096)",
            ));
        }
        t.get_mut(s)?
            .blocking_write_and_flush(Bytes::from(bytes))
            .await
    }

    pub async fn blocking_write_zeroes_and_flush(
        t: &mut ResourceTable,
        s: &Resource<DynOutputStream>,
        n: u64,
    ) -> StreamResult<()> {
        if n > 4096 {
            return Err(StreamError::trap(
                "too many zeroes for blocking-write-zeroes-and-flush (expected at most 4096)",
            ));
        }
        t.get_mut(s)?.blocking_write_zeroes_and_flush(len(n)).await
    }

    pub fn flush(t: &mut ResourceTable, s: &Resource<DynOutputStream>) -> StreamResult<()> {
        t.get_mut(s)?.flush()
    }

    pub async fn blocking_flush(
        t: &mut ResourceTable,
        s: &Resource<DynOutputStream>,
    ) -> StreamResult<()> {
        let stream = t.get_mut(s)?;
        stream.flush()?;
        stream.write_ready().await?;
        Ok(())
    }

    pub fn write_zeroes(
        t: &mut ResourceTable,
        s: &Resource<DynOutputStream>,
        n: u64,
    ) -> StreamResult<()> {
        t.get_mut(s)?.write_zeroes(len(n))
    }

    pub fn splice(
        t: &mut ResourceTable,
        dst: &Resource<DynOutputStream>,
        src: &Resource<DynInputStream>,
        n: u64,
    ) -> StreamResult<u64> {
        let permit = t.get_mut(dst)?.check_write()?;
        let n = len(n).min(permit);
        if n == 0 {
            return Ok(0);
        }
        let bytes = t.get_mut(src)?.read(n)?;
        let count = bytes.len() as u64;
        t.get_mut(dst)?.write(bytes)?;
        Ok(count)
    }

    pub async fn blocking_splice(
        t: &mut ResourceTable,
        dst: &Resource<DynOutputStream>,
        src: &Resource<DynInputStream>,
        n: u64,
    ) -> StreamResult<u64> {
        let permit = t.get_mut(dst)?.write_ready().await?;
        let n = len(n).min(permit);
        let bytes = t.get_mut(src)?.blocking_read(n).await?;
        let count = bytes.len() as u64;
        t.get_mut(dst)?.write(bytes)?;
        Ok(count)
    }

    pub fn convert(
        t: &mut ResourceTable,
        err: StreamError,
    ) -> Result<Option<Resource<wasmtime::Error>>> {
        match err {
            StreamError::Closed => Ok(None),
            StreamError::LastOperationFailed(e) => Ok(Some(t.push(e)?)),
            StreamError::Trap(e) => Err(e),
        }
    }
}

impl streams::Host for WasiCtxView<'_> {
    fn convert_stream_error(&mut self, err: StreamError) -> Result<streams::StreamError> {
        Ok(match ops::convert(self.table, err)? {
            None => streams::StreamError::Closed,
            Some(e) => streams::StreamError::LastOperationFailed(e),
        })
    }
}

impl sync_streams::Host for WasiCtxView<'_> {
    fn convert_stream_error(&mut self, err: StreamError) -> Result<sync_streams::StreamError> {
        Ok(match ops::convert(self.table, err)? {
            None => sync_streams::StreamError::Closed,
            Some(e) => sync_streams::StreamError::LastOperationFailed(e),
        })
    }
}

/// Implements the input-stream and output-stream traits of one flavour;
/// `$wait` turns a future into what the flavour's blocking functions
/// return.
macro_rules! stream_impls {
    ($m:ident, [$($async:tt)?], $wait:ident) => {
        impl $m::HostInputStream for WasiCtxView<'_> {
            fn read(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<Vec<u8>> {
                ops::read(self.table, &s, n)
            }
            $($async)? fn blocking_read(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<Vec<u8>> {
                $wait!(ops::blocking_read(self.table, &s, n))
            }
            fn skip(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<u64> {
                ops::skip(self.table, &s, n)
            }
            $($async)? fn blocking_skip(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<u64> {
                $wait!(ops::blocking_skip(self.table, &s, n))
            }
            fn subscribe(&mut self, s: Resource<DynInputStream>) -> Result<Resource<DynPollable>> {
                super::subscribe(self.table, s)
            }
            $($async)? fn drop(&mut self, s: Resource<DynInputStream>) -> Result<()> {
                let mut stream = self.table.delete(s)?;
                $wait!(async move { stream.cancel().await; Ok(()) })
            }
        }

        impl $m::HostOutputStream for WasiCtxView<'_> {
            fn check_write(&mut self, s: Resource<DynOutputStream>) -> StreamResult<u64> {
                ops::check_write(self.table, &s)
            }
            fn write(&mut self, s: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
                ops::write(self.table, &s, bytes)
            }
            $($async)? fn blocking_write_and_flush(&mut self, s: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
                $wait!(ops::blocking_write_and_flush(self.table, &s, bytes))
            }
            fn flush(&mut self, s: Resource<DynOutputStream>) -> StreamResult<()> {
                ops::flush(self.table, &s)
            }
            $($async)? fn blocking_flush(&mut self, s: Resource<DynOutputStream>) -> StreamResult<()> {
                $wait!(ops::blocking_flush(self.table, &s))
            }
            fn subscribe(&mut self, s: Resource<DynOutputStream>) -> Result<Resource<DynPollable>> {
                super::subscribe(self.table, s)
            }
            fn write_zeroes(&mut self, s: Resource<DynOutputStream>, n: u64) -> StreamResult<()> {
                ops::write_zeroes(self.table, &s, n)
            }
            $($async)? fn blocking_write_zeroes_and_flush(&mut self, s: Resource<DynOutputStream>, n: u64) -> StreamResult<()> {
                $wait!(ops::blocking_write_zeroes_and_flush(self.table, &s, n))
            }
            fn splice(&mut self, dst: Resource<DynOutputStream>, src: Resource<DynInputStream>, n: u64) -> StreamResult<u64> {
                ops::splice(self.table, &dst, &src, n)
            }
            $($async)? fn blocking_splice(&mut self, dst: Resource<DynOutputStream>, src: Resource<DynInputStream>, n: u64) -> StreamResult<u64> {
                $wait!(ops::blocking_splice(self.table, &dst, &src, n))
            }
            $($async)? fn drop(&mut self, s: Resource<DynOutputStream>) -> Result<()> {
                let mut stream = self.table.delete(s)?;
                $wait!(async move { stream.cancel().await; Ok(()) })
            }
        }
    };
}

/// The async flavour awaits the future.
macro_rules! await_it {
    ($e:expr) => {
        $e.await
    };
}

/// The sync flavour waits on a Tokio runtime.
macro_rules! block_it {
    ($e:expr) => {
        in_tokio($e)
    };
}

stream_impls!(streams, [async], await_it);
stream_impls!(sync_streams, [], block_it);
