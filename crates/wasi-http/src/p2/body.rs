//! Bodies of requests and responses: incoming ones are read from a hyper
//! body by a background task into a bounded channel, which the guest's
//! `input-stream` drains; outgoing ones are a bounded channel that the
//! guest's `output-stream` fills and hyper drains. Either way the guest
//! and the peer wait for each other (backpressure), with at most a few
//! chunks in between.

use crate::p2::bindings::http::types::ErrorCode;
use crate::p2::AbortOnDrop;
use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError, StreamResult};

/// A body received by the host (of an incoming request or response).
pub type HyperIncomingBody = UnsyncBoxBody<Bytes, ErrorCode>;

/// A body the guest produces (of an outgoing request or response).
pub type HyperOutgoingBody = UnsyncBoxBody<Bytes, ErrorCode>;

/// How many chunks an incoming body reads ahead of the guest.
const INCOMING_BUFFER_CHUNKS: usize = 2;

type TrailersResult = Result<Option<HeaderMap>, ErrorCode>;

/// The value behind an `incoming-body` resource.
pub struct HostIncomingBody {
    data: Option<mpsc::Receiver<Result<Bytes, ErrorCode>>>,
    trailers: oneshot::Receiver<TrailersResult>,
    worker: AbortOnDrop<()>,
}

impl HostIncomingBody {
    /// Starts reading `body`; with `between_bytes_timeout`, a chunk that
    /// takes longer fails the body with `connection-read-timeout`.
    pub fn new(body: HyperIncomingBody, between_bytes_timeout: Option<Duration>) -> Self {
        let (data_tx, data_rx) = mpsc::channel(INCOMING_BUFFER_CHUNKS);
        let (trailers_tx, trailers_rx) = oneshot::channel();
        let worker = crate::p2::spawn(read_body(body, between_bytes_timeout, data_tx, trailers_tx));
        HostIncomingBody {
            data: Some(data_rx),
            trailers: trailers_rx,
            worker,
        }
    }

    /// The body's contents as an `input-stream` (once).
    pub(crate) fn take_stream(&mut self) -> Option<IncomingStream> {
        self.data.take().map(|rx| IncomingStream {
            rx,
            buf: Bytes::new(),
            end: None,
        })
    }

    /// The trailers that follow the contents.
    pub(crate) fn into_future_trailers(self) -> HostFutureTrailers {
        HostFutureTrailers::Waiting(self.trailers, self.worker)
    }
}

async fn read_body(
    mut body: HyperIncomingBody,
    between_bytes_timeout: Option<Duration>,
    data: mpsc::Sender<Result<Bytes, ErrorCode>>,
    trailers: oneshot::Sender<TrailersResult>,
) {
    let mut data = Some(data);
    loop {
        let frame = match between_bytes_timeout {
            Some(t) => match tokio::time::timeout(t, body.frame()).await {
                Ok(frame) => frame,
                Err(_) => Some(Err(ErrorCode::ConnectionReadTimeout)),
            },
            None => body.frame().await,
        };
        match frame {
            None => {
                drop(data);
                let _ = trailers.send(Ok(None));
                return;
            }
            Some(Err(e)) => {
                if let Some(d) = &data {
                    let _ = d.send(Err(e.clone())).await;
                }
                drop(data);
                let _ = trailers.send(Err(e));
                return;
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(bytes) => {
                    // The guest may have dropped the stream; the rest of
                    // the contents is then skipped to reach the trailers.
                    if let Some(d) = &data {
                        if d.send(Ok(bytes)).await.is_err() {
                            data = None;
                        }
                    }
                }
                Err(frame) => {
                    if let Ok(t) = frame.into_trailers() {
                        drop(data);
                        let _ = trailers.send(Ok(Some(t)));
                        return;
                    }
                }
            },
        }
    }
}

/// The `input-stream` of an incoming body.
pub(crate) struct IncomingStream {
    rx: mpsc::Receiver<Result<Bytes, ErrorCode>>,
    buf: Bytes,
    /// Set once the channel ended: `None` inside for the end of the
    /// contents, the error otherwise (reported once, then closed).
    end: Option<Option<ErrorCode>>,
}

impl IncomingStream {
    fn take(&mut self, size: usize) -> Bytes {
        let n = size.min(self.buf.len());
        self.buf.split_to(n)
    }

    fn ended(&mut self) -> StreamResult<Bytes> {
        match self.end.as_mut().and_then(Option::take) {
            Some(code) => Err(StreamError::LastOperationFailed(code.into())),
            None => Err(StreamError::Closed),
        }
    }
}

#[async_trait::async_trait]
impl Pollable for IncomingStream {
    async fn ready(&mut self) {
        if !self.buf.is_empty() || self.end.is_some() {
            return;
        }
        match self.rx.recv().await {
            Some(Ok(bytes)) => self.buf = bytes,
            Some(Err(code)) => self.end = Some(Some(code)),
            None => self.end = Some(None),
        }
    }
}

impl InputStream for IncomingStream {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if !self.buf.is_empty() {
            return Ok(self.take(size));
        }
        if self.end.is_some() {
            return self.ended();
        }
        match self.rx.try_recv() {
            Ok(Ok(bytes)) => {
                self.buf = bytes;
                Ok(self.take(size))
            }
            Ok(Err(code)) => {
                self.end = Some(Some(code));
                self.ended()
            }
            Err(mpsc::error::TryRecvError::Empty) => Ok(Bytes::new()),
            Err(mpsc::error::TryRecvError::Disconnected) => {
                self.end = Some(None);
                self.ended()
            }
        }
    }
}

/// The value behind a `future-trailers` resource.
pub enum HostFutureTrailers {
    /// The body is still being read.
    Waiting(oneshot::Receiver<TrailersResult>, AbortOnDrop<()>),
    /// The trailers (or the body's error) are known.
    Done(TrailersResult),
    /// `get` returned them already.
    Consumed,
}

impl HostFutureTrailers {
    /// The trailers if they are known (`Some(Err(()))` after they were
    /// taken once).
    pub(crate) fn try_take(&mut self) -> Option<Result<TrailersResult, ()>> {
        if let HostFutureTrailers::Waiting(rx, _) = self {
            match rx.try_recv() {
                Ok(result) => *self = HostFutureTrailers::Done(result),
                Err(oneshot::error::TryRecvError::Empty) => return None,
                Err(oneshot::error::TryRecvError::Closed) => {
                    *self = HostFutureTrailers::Done(Err(ErrorCode::ConnectionTerminated))
                }
            }
        }
        match std::mem::replace(self, HostFutureTrailers::Consumed) {
            HostFutureTrailers::Done(result) => Some(Ok(result)),
            _ => Some(Err(())),
        }
    }
}

#[async_trait::async_trait]
impl Pollable for HostFutureTrailers {
    async fn ready(&mut self) {
        if let HostFutureTrailers::Waiting(rx, _) = self {
            let result = rx.await.unwrap_or(Err(ErrorCode::ConnectionTerminated));
            *self = HostFutureTrailers::Done(result);
        }
    }
}

/// Whether an outgoing body belongs to a request or a response (for the
/// `error-code` of a wrong size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyContext {
    /// The body of an outgoing request.
    Request,
    /// The body of an outgoing response.
    Response,
}

impl BodyContext {
    fn size_error(self, written: u64) -> ErrorCode {
        match self {
            BodyContext::Request => ErrorCode::HttpRequestBodySize(Some(written)),
            BodyContext::Response => ErrorCode::HttpResponseBodySize(Some(written)),
        }
    }
}

enum Finish {
    Trailers(Option<HeaderMap>),
    Abort(ErrorCode),
}

/// The value behind an `outgoing-body` resource.
pub struct HostOutgoingBody {
    data: Option<mpsc::Sender<Bytes>>,
    finish: oneshot::Sender<Finish>,
    written: Arc<AtomicU64>,
    content_length: Option<u64>,
    context: BodyContext,
    chunk_size: usize,
}

impl HostOutgoingBody {
    /// A body and the hyper body that yields what the guest writes to it.
    /// `content_length`, when known, is checked against what is written.
    pub fn new(
        context: BodyContext,
        content_length: Option<u64>,
        buffer_chunks: usize,
        chunk_size: usize,
    ) -> (HostOutgoingBody, HyperOutgoingBody) {
        let (data_tx, data_rx) = mpsc::channel(buffer_chunks.max(1));
        let (finish_tx, finish_rx) = oneshot::channel();
        let body = HostOutgoingBody {
            data: Some(data_tx),
            finish: finish_tx,
            written: Arc::new(AtomicU64::new(0)),
            content_length,
            context,
            chunk_size: chunk_size.max(1),
        };
        let hyper = BodyReceiver {
            data: data_rx,
            finish: Some(finish_rx),
        };
        (body, hyper.boxed_unsync())
    }

    /// The `output-stream` for the contents (once).
    pub(crate) fn take_stream(&mut self) -> Option<OutgoingStream> {
        let tx = self.data.take()?;
        Some(OutgoingStream {
            tx,
            pending: BytesMut::new(),
            chunk_size: self.chunk_size,
            written: self.written.clone(),
            content_length: self.content_length,
            context: self.context,
        })
    }

    /// Ends the body with `trailers`; a size that differs from the
    /// `content-length` is an error (and the peer sees the body fail).
    pub(crate) fn finish(self, trailers: Option<HeaderMap>) -> Result<(), ErrorCode> {
        let written = self.written.load(Ordering::Relaxed);
        if let Some(expected) = self.content_length {
            if written != expected {
                let code = self.context.size_error(written);
                let _ = self.finish.send(Finish::Abort(code.clone()));
                return Err(code);
            }
        }
        let _ = self.finish.send(Finish::Trailers(trailers));
        Ok(())
    }
}

struct BodyReceiver {
    data: mpsc::Receiver<Bytes>,
    finish: Option<oneshot::Receiver<Finish>>,
}

impl Body for BodyReceiver {
    type Data = Bytes;
    type Error = ErrorCode;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ErrorCode>>> {
        match self.data.poll_recv(cx) {
            Poll::Ready(Some(bytes)) => return Poll::Ready(Some(Ok(Frame::data(bytes)))),
            Poll::Ready(None) => {}
            Poll::Pending => return Poll::Pending,
        }
        let Some(finish) = self.finish.as_mut() else {
            return Poll::Ready(None);
        };
        let result = match Pin::new(finish).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        self.finish = None;
        Poll::Ready(match result {
            Ok(Finish::Trailers(Some(t))) => Some(Ok(Frame::trailers(t))),
            Ok(Finish::Trailers(None)) => None,
            Ok(Finish::Abort(code)) => Some(Err(code)),
            Err(_) => Some(Err(crate::internal_error(
                "outgoing body dropped without `finish`",
            ))),
        })
    }
}

use std::future::Future;

/// The `output-stream` of an outgoing body. A write goes to the channel
/// when it has room; otherwise (a guest may split one `check-write`
/// permit over several writes) into `pending`, at most one chunk, which
/// is sent when room appears.
pub(crate) struct OutgoingStream {
    tx: mpsc::Sender<Bytes>,
    pending: BytesMut,
    chunk_size: usize,
    written: Arc<AtomicU64>,
    content_length: Option<u64>,
    context: BodyContext,
}

impl OutgoingStream {
    /// Moves `pending` to the channel if it has room; whether nothing is
    /// left pending.
    fn try_send_pending(&mut self) -> StreamResult<bool> {
        if self.pending.is_empty() {
            return Ok(true);
        }
        match self.tx.try_reserve() {
            Ok(permit) => {
                permit.send(self.pending.split().freeze());
                Ok(true)
            }
            Err(mpsc::error::TrySendError::Full(())) => Ok(false),
            Err(mpsc::error::TrySendError::Closed(())) => Err(StreamError::Closed),
        }
    }
}

impl Drop for OutgoingStream {
    fn drop(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let bytes = self.pending.split().freeze();
        if let Err(mpsc::error::TrySendError::Full(bytes)) = self.tx.try_send(bytes) {
            // The body ends only once every sender is gone, so this
            // still comes before the end.
            let tx = self.tx.clone();
            crate::p2::spawn(async move {
                let _ = tx.send(bytes).await;
            })
            .detach();
        }
    }
}

#[async_trait::async_trait]
impl Pollable for OutgoingStream {
    async fn ready(&mut self) {
        if let Ok(permit) = self.tx.reserve().await {
            if !self.pending.is_empty() {
                permit.send(self.pending.split().freeze());
            }
            // Otherwise the permit is given back at once, to be taken by
            // `write`.
        }
    }
}

impl OutputStream for OutgoingStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let written = self.written.load(Ordering::Relaxed) + bytes.len() as u64;
        if let Some(expected) = self.content_length {
            if written > expected {
                let code = self.context.size_error(written);
                return Err(StreamError::LastOperationFailed(code.into()));
            }
        }
        if !self.try_send_pending()? {
            if self.pending.len() + bytes.len() > self.chunk_size {
                return Err(StreamError::trap("write beyond what check-write allowed"));
            }
            self.pending.extend_from_slice(&bytes);
        } else {
            match self.tx.try_send(bytes) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(bytes)) => {
                    if bytes.len() > self.chunk_size {
                        return Err(StreamError::trap("write beyond what check-write allowed"));
                    }
                    self.pending.extend_from_slice(&bytes);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return Err(StreamError::Closed),
            }
        }
        self.written.store(written, Ordering::Relaxed);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.try_send_pending()?;
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        if self.tx.is_closed() {
            return Err(StreamError::Closed);
        }
        if !self.try_send_pending()? {
            return Ok(0);
        }
        Ok(if self.tx.capacity() > 0 {
            self.chunk_size
        } else {
            0
        })
    }
}
