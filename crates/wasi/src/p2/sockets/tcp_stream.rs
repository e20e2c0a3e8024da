//! The `input-stream` and `output-stream` of a connected TCP socket.
//!
//! Both sides share a [`Conn`] with the socket itself, which is how
//! `shutdown` reaches them. Writes never block: what the OS does not take
//! at once is kept (at most one permit's worth) and handed over as the
//! socket becomes writable, whenever the guest checks, flushes or waits
//! on the stream, and before the stream is dropped.

use crate::p2::io::{InputStream, OutputStream, Pollable, StreamError, StreamResult};
use bytes::{Buf, Bytes, BytesMut};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

/// The most bytes one `read` returns and one `check-write` permits.
const MAX_CHUNK: usize = 64 * 1024;

/// A connected TCP stream and the state its two directions share.
pub(crate) struct Conn {
    pub(crate) stream: tokio::net::TcpStream,
    write: Mutex<WriteSide>,
    /// Set by `shutdown(receive)`: reads see the end of the stream.
    read_shut: AtomicBool,
}

#[derive(Default)]
struct WriteSide {
    /// Bytes the guest wrote that the OS has not taken yet.
    pending: BytesMut,
    /// How many more bytes the last `check-write` allowed.
    permit: usize,
    /// `shutdown(send)` was asked for while bytes were pending: shut the
    /// direction down once they are sent.
    shutdown_requested: bool,
    /// No more writes: after a shutdown, an error, or the peer closing.
    closed: bool,
    /// The error that closed the stream, until the guest is told.
    error: Option<io::Error>,
}

impl Conn {
    pub(crate) fn new(stream: tokio::net::TcpStream) -> Arc<Conn> {
        Arc::new(Conn {
            stream,
            write: Mutex::new(WriteSide::default()),
            read_shut: AtomicBool::new(false),
        })
    }

    fn write_side(&self) -> MutexGuard<'_, WriteSide> {
        self.write.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Shuts down one or both directions, as `tcp-socket.shutdown`. A
    /// send shutdown waits for pending bytes to be sent.
    pub(crate) fn shutdown(&self, receive: bool, send: bool) {
        if receive {
            self.read_shut.store(true, Ordering::SeqCst);
            let _ = rustix::net::shutdown(&self.stream, rustix::net::Shutdown::Read);
        }
        if send {
            let mut w = self.write_side();
            if !w.closed {
                w.shutdown_requested = true;
                self.send_pending(&mut w);
            }
        }
    }

    /// Hands pending bytes to the OS as far as it takes them now, and
    /// carries out a requested shutdown once none are left.
    fn send_pending(&self, w: &mut WriteSide) {
        while !w.closed && !w.pending.is_empty() {
            match self.stream.try_write(&w.pending) {
                Ok(n) => w.pending.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => self.fail(w, e),
            }
        }
        if !w.closed && w.shutdown_requested {
            w.closed = true;
            let _ = rustix::net::shutdown(&self.stream, rustix::net::Shutdown::Write);
        }
    }

    /// Closes the write side after `err`. A broken pipe (the peer or a
    /// shutdown closed the connection) just closes the stream.
    fn fail(&self, w: &mut WriteSide, err: io::Error) {
        w.closed = true;
        w.pending.clear();
        if err.kind() != io::ErrorKind::BrokenPipe {
            w.error = Some(err);
        }
    }

    /// The error that closed the write side (reported once), or `Closed`.
    fn closed_error(w: &mut WriteSide) -> StreamError {
        match w.error.take() {
            Some(e) => StreamError::LastOperationFailed(e.into()),
            None => StreamError::Closed,
        }
    }

    /// Polls until no bytes are pending (or the write side is closed).
    fn poll_flushed(&self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let mut w = self.write_side();
            self.send_pending(&mut w);
            if w.closed || w.pending.is_empty() {
                return Poll::Ready(());
            }
            match self.stream.poll_write_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => {
                    self.fail(&mut w, e);
                    return Poll::Ready(());
                }
            }
        }
    }
}

/// The `input-stream` of a connected TCP socket.
pub(crate) struct TcpReader {
    conn: Arc<Conn>,
    /// The end of the stream or an error was seen.
    closed: bool,
}

impl TcpReader {
    pub(crate) fn new(conn: Arc<Conn>) -> TcpReader {
        TcpReader {
            conn,
            closed: false,
        }
    }

    fn is_closed(&self) -> bool {
        self.closed || self.conn.read_shut.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Pollable for TcpReader {
    async fn ready(&mut self) {
        if self.is_closed() {
            return;
        }
        let _ = std::future::poll_fn(|cx| self.conn.stream.poll_read_ready(cx)).await;
    }
}

impl InputStream for TcpReader {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if self.is_closed() {
            return Err(StreamError::Closed);
        }
        if size == 0 {
            return Ok(Bytes::new());
        }
        let mut buf = vec![0; size.min(MAX_CHUNK)];
        match self.conn.stream.try_read(&mut buf) {
            Ok(0) => {
                self.closed = true;
                Err(StreamError::Closed)
            }
            Ok(n) => {
                buf.truncate(n);
                Ok(buf.into())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Bytes::new()),
            Err(e) => {
                self.closed = true;
                Err(StreamError::LastOperationFailed(e.into()))
            }
        }
    }
}

impl Drop for TcpReader {
    fn drop(&mut self) {
        // Dropping the input stream ends the receiving direction.
        let _ = rustix::net::shutdown(&self.conn.stream, rustix::net::Shutdown::Read);
    }
}

/// The `output-stream` of a connected TCP socket.
pub(crate) struct TcpWriter {
    conn: Arc<Conn>,
}

impl TcpWriter {
    pub(crate) fn new(conn: Arc<Conn>) -> TcpWriter {
        TcpWriter { conn }
    }
}

#[async_trait::async_trait]
impl Pollable for TcpWriter {
    async fn ready(&mut self) {
        std::future::poll_fn(|cx| self.conn.poll_flushed(cx)).await
    }
}

#[async_trait::async_trait]
impl OutputStream for TcpWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let conn = &*self.conn;
        let mut w = conn.write_side();
        if w.closed || w.shutdown_requested {
            return Err(Conn::closed_error(&mut w));
        }
        if bytes.len() > w.permit {
            return Err(StreamError::trap("write exceeds the permit of check-write"));
        }
        w.permit -= bytes.len();
        w.pending.extend_from_slice(&bytes);
        conn.send_pending(&mut w);
        if w.closed {
            return Err(Conn::closed_error(&mut w));
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        // Pending bytes go out as soon as the socket takes them; waiting
        // for that is what `blocking-flush` and the pollable do.
        let conn = &*self.conn;
        let mut w = conn.write_side();
        conn.send_pending(&mut w);
        if w.closed {
            return Err(Conn::closed_error(&mut w));
        }
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        let conn = &*self.conn;
        let mut w = conn.write_side();
        conn.send_pending(&mut w);
        if w.closed || w.shutdown_requested {
            return Err(Conn::closed_error(&mut w));
        }
        w.permit = if w.pending.is_empty() { MAX_CHUNK } else { 0 };
        Ok(w.permit)
    }

    async fn cancel(&mut self) {
        // Send what the guest already wrote before the stream goes away.
        self.ready().await
    }
}

impl Drop for TcpWriter {
    fn drop(&mut self) {
        // Dropping the output stream ends the sending direction.
        let mut w = self.conn.write_side();
        if !w.closed {
            w.closed = true;
            let _ = rustix::net::shutdown(&self.conn.stream, rustix::net::Shutdown::Write);
        }
    }
}
