//! The host ends of the byte streams WASI 0.3 hands out: a
//! [`ReadProducer`] fills a guest's reads of a `stream<u8>` from a host
//! source (standard input, a file), and a [`WriteConsumer`] takes a
//! guest's writes to a `stream<u8>` into a host sink (standard output, a
//! file). Both report how the transfer ended on a `oneshot` channel, which
//! the interfaces turn into the `future<result<_, error-code>>` that
//! accompanies each stream.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wasmtime::component::{
    Destination, Source, StreamConsumer, StreamProducer, StreamResult, VecBuffer,
};
use wasmtime::StoreContextMut;

/// The largest single read from a host source.
const MAX_CHUNK: usize = 64 * 1024;

/// A host source of bytes, read with (possibly blocking) system calls.
pub(crate) trait ByteSource: Send + 'static {
    /// Reads at most `max` bytes (at least one, unless at the end); an
    /// empty result is the end of the source.
    fn read_chunk(&mut self, max: usize) -> io::Result<Vec<u8>>;
}

/// A host sink of bytes.
pub(crate) trait ByteSink: Send + 'static {
    /// Writes all of `data`.
    fn write_all(&mut self, data: &[u8]) -> io::Result<()>;
}

/// The result channel of a stream: sent once, with `Ok` if nothing was
/// sent before the end is dropped.
pub(crate) struct Outcome<E> {
    tx: Option<oneshot::Sender<Result<(), E>>>,
}

impl<E> Outcome<E> {
    /// A new channel and its receiving end.
    pub(crate) fn new() -> (Self, oneshot::Receiver<Result<(), E>>) {
        let (tx, rx) = oneshot::channel();
        (Outcome { tx: Some(tx) }, rx)
    }

    pub(crate) fn send(&mut self, result: Result<(), E>) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(result);
        }
    }
}

impl<E> Drop for Outcome<E> {
    fn drop(&mut self) {
        self.send(Ok(()));
    }
}

/// Waits for a stream's outcome: `Ok(())` if the sending side went away
/// without a word (the stream was dropped early).
pub(crate) async fn outcome<E>(rx: oneshot::Receiver<Result<(), E>>) -> Result<(), E> {
    rx.await.unwrap_or(Ok(()))
}

/// Fills a guest's reads from a [`ByteSource`]. A blocking source (such as
/// standard input) is read on tokio's blocking threads, so the store's
/// event loop keeps running while it waits; others are read inline.
pub(crate) struct ReadProducer<S, E> {
    source: Option<S>,
    pending: Option<JoinHandle<(S, io::Result<Vec<u8>>)>>,
    blocking: bool,
    outcome: Outcome<E>,
    error: fn(&io::Error) -> E,
    done: bool,
}

impl<S: ByteSource, E> ReadProducer<S, E> {
    /// A producer reading `source`; `error` maps read errors to the
    /// interface's `error-code`.
    pub(crate) fn new(
        source: S,
        blocking: bool,
        outcome: Outcome<E>,
        error: fn(&io::Error) -> E,
    ) -> Self {
        ReadProducer {
            source: Some(source),
            pending: None,
            blocking,
            outcome,
            error,
            done: false,
        }
    }
}

impl<S: ByteSource + Unpin, E: Send + Unpin + 'static, D: 'static> StreamProducer<D>
    for ReadProducer<S, E>
{
    type Item = u8;
    type Buffer = VecBuffer<u8>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        mut destination: Destination<'a, u8, VecBuffer<u8>>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let max = destination
            .remaining(store)
            .unwrap_or(MAX_CHUNK)
            .min(MAX_CHUNK);
        if max == 0 && this.pending.is_none() {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        let result = loop {
            if let Some(handle) = &mut this.pending {
                match Pin::new(handle).poll(cx) {
                    Poll::Pending if finish => return Poll::Ready(Ok(StreamResult::Cancelled)),
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok((source, result))) => {
                        this.pending = None;
                        this.source = Some(source);
                        break result;
                    }
                    Poll::Ready(Err(e)) => {
                        this.pending = None;
                        break Err(io::Error::other(e));
                    }
                }
            }
            let Some(mut source) = this.source.take() else {
                break Err(io::Error::other("stream source lost"));
            };
            let max = max.max(1);
            if this.blocking && tokio::runtime::Handle::try_current().is_ok() {
                this.pending = Some(tokio::task::spawn_blocking(move || {
                    let r = source.read_chunk(max);
                    (source, r)
                }));
                continue;
            }
            let r = source.read_chunk(max);
            this.source = Some(source);
            break r;
        };
        match result {
            Ok(bytes) if bytes.is_empty() => {
                this.done = true;
                this.outcome.send(Ok(()));
                Poll::Ready(Ok(StreamResult::Dropped))
            }
            Ok(bytes) => {
                destination.set_buffer(bytes.into());
                Poll::Ready(Ok(StreamResult::Completed))
            }
            Err(e) => {
                this.done = true;
                this.outcome.send(Err((this.error)(&e)));
                Poll::Ready(Ok(StreamResult::Dropped))
            }
        }
    }
}

/// Takes a guest's writes into a [`ByteSink`].
pub(crate) struct WriteConsumer<K, E> {
    sink: K,
    outcome: Outcome<E>,
    error: fn(&io::Error) -> E,
    done: bool,
}

impl<K: ByteSink, E> WriteConsumer<K, E> {
    /// A consumer writing to `sink`; `error` maps write errors to the
    /// interface's `error-code`.
    pub(crate) fn new(sink: K, outcome: Outcome<E>, error: fn(&io::Error) -> E) -> Self {
        WriteConsumer {
            sink,
            outcome,
            error,
            done: false,
        }
    }
}

impl<K: ByteSink + Unpin, E: Send + Unpin + 'static, D: 'static> StreamConsumer<D>
    for WriteConsumer<K, E>
{
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, u8>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let mut direct = source.as_direct(store);
        let data = direct.remaining();
        let n = data.len();
        match this.sink.write_all(data) {
            Ok(()) => {
                direct.mark_read(n);
                Poll::Ready(Ok(StreamResult::Completed))
            }
            Err(e) => {
                this.done = true;
                this.outcome.send(Err((this.error)(&e)));
                Poll::Ready(Ok(StreamResult::Dropped))
            }
        }
    }
}
