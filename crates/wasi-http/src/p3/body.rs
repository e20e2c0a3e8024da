//! Bodies between guests and hyper: a hyper body read by a guest as a
//! `stream<u8>` and a trailers `future` ([`host_body_to_guest`]), and a
//! guest's stream and trailers future sent by hyper as one body
//! ([`Body::into_hyper`]).

use super::{Body, ErrorCode, TrailersResult};
use crate::p2::body::{HyperIncomingBody, HyperOutgoingBody};
use crate::{FieldMap, WasiHttpView};
use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::PollSender;
use wasmtime::component::{
    Destination, FutureConsumer, FutureProducer, FutureReader, Source, StreamConsumer,
    StreamProducer, StreamReader, StreamResult, VecBuffer,
};
use wasmtime::{AsContextMut, StoreContextMut};

/// Trailers (or a failure) on their way from one side to the other.
type TrailersChannel = oneshot::Receiver<Result<Option<HeaderMap>, ErrorCode>>;

/// How many chunks of a guest's body wait for hyper before the guest's
/// writes wait too.
const BODY_CHUNKS: usize = 4;

/// Fills a guest's reads from a hyper body; its trailers (or failure) go
/// to `trailers` when the body ends.
struct HostBodyProducer {
    body: HyperIncomingBody,
    trailers: Option<oneshot::Sender<Result<Option<HeaderMap>, ErrorCode>>>,
}

impl HostBodyProducer {
    fn end(&mut self, result: Result<Option<HeaderMap>, ErrorCode>) {
        if let Some(tx) = self.trailers.take() {
            let _ = tx.send(result);
        }
    }
}

impl<D: 'static> StreamProducer<D> for HostBodyProducer {
    type Item = u8;
    type Buffer = VecBuffer<u8>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _store: StoreContextMut<'a, D>,
        mut destination: Destination<'a, u8, VecBuffer<u8>>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        if this.trailers.is_none() {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Pending if finish => return Poll::Ready(Ok(StreamResult::Cancelled)),
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.end(Ok(None));
                    return Poll::Ready(Ok(StreamResult::Dropped));
                }
                Poll::Ready(Some(Err(code))) => {
                    this.end(Err(code));
                    return Poll::Ready(Ok(StreamResult::Dropped));
                }
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => {
                        destination.set_buffer(data.to_vec().into());
                        return Poll::Ready(Ok(StreamResult::Completed));
                    }
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            this.end(Ok(Some(trailers)));
                            return Poll::Ready(Ok(StreamResult::Dropped));
                        }
                    }
                },
            }
        }
    }
}

/// The trailers future handed to a guest: resolves once the body stream
/// has ended, with the trailers pushed into the store's table.
struct TrailersProducer {
    rx: TrailersChannel,
}

impl<D: WasiHttpView + 'static> FutureProducer<D> for TrailersProducer {
    type Item = TrailersResult;

    fn poll_produce(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut store: StoreContextMut<D>,
        finish: bool,
    ) -> Poll<wasmtime::Result<Option<TrailersResult>>> {
        let this = self.get_mut();
        let result = match Pin::new(&mut this.rx).poll(cx) {
            Poll::Pending if finish => return Poll::Ready(Ok(None)),
            Poll::Pending => return Poll::Pending,
            // The stream went away before its end: no trailers.
            Poll::Ready(Err(_)) => Ok(None),
            Poll::Ready(Ok(r)) => r,
        };
        let value = match result {
            Ok(Some(map)) => {
                let fields = FieldMap::new_immutable(map);
                Ok(Some(store.data_mut().http().table.push(fields)?))
            }
            Ok(None) => Ok(None),
            Err(code) => Err(code),
        };
        Poll::Ready(Ok(Some(value)))
    }
}

/// A hyper body as the stream and trailers future a guest reads.
pub(crate) fn host_body_to_guest<T: WasiHttpView + 'static>(
    mut store: impl AsContextMut<Data = T>,
    body: HyperIncomingBody,
) -> wasmtime::Result<(StreamReader<u8>, FutureReader<TrailersResult>)> {
    let (tx, rx) = oneshot::channel();
    let producer = HostBodyProducer {
        body,
        trailers: Some(tx),
    };
    let stream = StreamReader::new(&mut store, producer)?;
    let future = FutureReader::new(&mut store, TrailersProducer { rx })?;
    Ok((stream, future))
}

/// Takes a guest's body stream into a channel that [`GuestBody`] reads.
struct GuestStreamConsumer {
    tx: PollSender<Bytes>,
}

impl<D: 'static> StreamConsumer<D> for GuestStreamConsumer {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        match this.tx.poll_reserve(cx) {
            Poll::Pending if finish => Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Pending => Poll::Pending,
            // Nobody reads the body any more.
            Poll::Ready(Err(_)) => Poll::Ready(Ok(StreamResult::Dropped)),
            Poll::Ready(Ok(())) => {
                let mut direct = source.as_direct(store);
                let data = direct.remaining();
                let n = data.len();
                if n == 0 {
                    this.tx.abort_send();
                } else {
                    let chunk = Bytes::copy_from_slice(data);
                    direct.mark_read(n);
                    let _ = this.tx.send_item(chunk);
                }
                Poll::Ready(Ok(StreamResult::Completed))
            }
        }
    }
}

/// Reads a guest's trailers future into a channel, taking the trailers
/// out of the store's table.
struct GuestTrailersConsumer {
    tx: Option<oneshot::Sender<Result<Option<HeaderMap>, ErrorCode>>>,
}

impl<D: WasiHttpView + 'static> FutureConsumer<D> for GuestTrailersConsumer {
    type Item = TrailersResult;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        mut store: StoreContextMut<D>,
        mut source: Source<'_, TrailersResult>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let this = self.get_mut();
        let mut value: Option<TrailersResult> = None;
        source.read(&mut store, &mut value)?;
        let result = match value {
            Some(Ok(Some(fields))) => {
                let map = store.data_mut().http().table.delete(fields)?;
                Ok(Some(HeaderMap::from(map)))
            }
            Some(Ok(None)) | None => Ok(None),
            Some(Err(code)) => Err(code),
        };
        if let Some(tx) = this.tx.take() {
            let _ = tx.send(result);
        }
        Poll::Ready(Ok(()))
    }
}

/// Reads a guest's `future<result<_, error-code>>` into a channel.
pub(crate) struct ResultConsumer {
    pub(crate) tx: Option<oneshot::Sender<Result<(), ErrorCode>>>,
}

impl<D: 'static> FutureConsumer<D> for ResultConsumer {
    type Item = Result<(), ErrorCode>;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        mut store: StoreContextMut<D>,
        mut source: Source<'_, Result<(), ErrorCode>>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let this = self.get_mut();
        let mut value = None;
        source.read(&mut store, &mut value)?;
        if let (Some(tx), Some(v)) = (this.tx.take(), value) {
            let _ = tx.send(v);
        }
        Poll::Ready(Ok(()))
    }
}

/// A guest's body as hyper sends it: the chunks of its stream, then its
/// trailers (or its failure). Once it has ended, the guest's `sent`
/// future learns how.
struct GuestBody {
    data: mpsc::Receiver<Bytes>,
    trailers: Option<TrailersChannel>,
    sent: Option<oneshot::Sender<Result<(), ErrorCode>>>,
}

impl GuestBody {
    fn sent(&mut self, result: Result<(), ErrorCode>) {
        if let Some(tx) = self.sent.take() {
            let _ = tx.send(result);
        }
    }
}

impl hyper::body::Body for GuestBody {
    type Data = Bytes;
    type Error = ErrorCode;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ErrorCode>>> {
        let this = self.get_mut();
        match this.data.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => return Poll::Ready(Some(Ok(Frame::data(chunk)))),
            Poll::Ready(None) => {}
            Poll::Pending => return Poll::Pending,
        }
        let Some(rx) = &mut this.trailers else {
            return Poll::Ready(None);
        };
        let result = match Pin::new(rx).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r,
        };
        this.trailers = None;
        match result {
            Ok(Ok(Some(map))) => {
                this.sent(Ok(()));
                Poll::Ready(Some(Ok(Frame::trailers(map))))
            }
            Ok(Ok(None)) | Err(_) => {
                this.sent(Ok(()));
                Poll::Ready(None)
            }
            Ok(Err(code)) => {
                this.sent(Err(code.clone()));
                Poll::Ready(Some(Err(code)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.trailers.is_none()
    }
}

impl Drop for GuestBody {
    fn drop(&mut self) {
        if self.trailers.is_some() {
            // Dropped before its end: the peer stopped reading.
            self.sent(Err(ErrorCode::ConnectionTerminated));
        }
    }
}

impl Body {
    /// The body as hyper sends it; a guest's stream and trailers are piped
    /// from the store (which must keep running for them to arrive).
    pub(crate) fn into_hyper<T: WasiHttpView + 'static>(
        self,
        mut store: impl AsContextMut<Data = T>,
    ) -> wasmtime::Result<HyperOutgoingBody> {
        match self {
            Body::Host(body) => Ok(body),
            Body::Guest {
                contents,
                trailers,
                sent,
            } => {
                let (tx, rx) = mpsc::channel(BODY_CHUNKS);
                if let Some(contents) = contents {
                    contents.pipe(
                        &mut store,
                        GuestStreamConsumer {
                            tx: PollSender::new(tx),
                        },
                    )?;
                }
                let (ttx, trx) = oneshot::channel();
                trailers.pipe(&mut store, GuestTrailersConsumer { tx: Some(ttx) })?;
                Ok(GuestBody {
                    data: rx,
                    trailers: Some(trx),
                    sent: Some(sent),
                }
                .boxed_unsync())
            }
        }
    }
}

/// A received body whose every frame must arrive within a time limit
/// (`between-bytes-timeout`), read on its own task: a late frame fails the
/// body with `connection-read-timeout`.
struct TimedBody {
    rx: mpsc::Receiver<Result<Frame<Bytes>, ErrorCode>>,
    _reader: crate::p2::AbortOnDrop<()>,
}

impl hyper::body::Body for TimedBody {
    type Data = Bytes;
    type Error = ErrorCode;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ErrorCode>>> {
        self.get_mut().rx.poll_recv(cx)
    }
}

/// `body` with a limit on the time between two of its frames.
pub(crate) fn between_bytes_timeout(
    mut body: HyperIncomingBody,
    limit: std::time::Duration,
) -> HyperIncomingBody {
    let (tx, rx) = mpsc::channel(1);
    let reader = crate::p2::spawn(async move {
        loop {
            let frame = match tokio::time::timeout(limit, body.frame()).await {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(_) => Err(ErrorCode::ConnectionReadTimeout),
            };
            let failed = frame.is_err();
            if tx.send(frame).await.is_err() || failed {
                return;
            }
        }
    });
    TimedBody {
        rx,
        _reader: reader,
    }
    .boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    /// A body that never yields a frame.
    struct Stalled;

    impl hyper::body::Body for Stalled {
        type Data = Bytes;
        type Error = ErrorCode;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, ErrorCode>>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn between_bytes_timeout_fails_a_stalled_body_only() {
        let limit = std::time::Duration::from_millis(20);
        let stalled = between_bytes_timeout(Stalled.boxed_unsync(), limit);
        let err = stalled.collect().await.unwrap_err();
        assert!(matches!(err, ErrorCode::ConnectionReadTimeout), "{err:?}");
        let full = Full::new(Bytes::from_static(b"in time"))
            .map_err(|never| match never {})
            .boxed_unsync();
        let body = between_bytes_timeout(full, limit).collect().await.unwrap();
        assert_eq!(&body.to_bytes()[..], b"in time");
    }
}
