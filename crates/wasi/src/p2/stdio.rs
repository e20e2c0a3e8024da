//! The guest's standard streams as WASI 0.2 streams, over the
//! [`StdinStream`]/[`StdoutStream`] a [`WasiCtxBuilder`](crate::WasiCtxBuilder)
//! was given, and the terminal resources.

use super::io::{InputStream, OutputStream, Pollable, StreamError, StreamResult};
use crate::cli::{StdinStream, StdoutStream};
use bytes::Bytes;
use rustix::event::{PollFd, PollFlags};
use std::sync::Arc;

/// The value behind a `terminal-input` resource.
pub struct TerminalInput;

/// The value behind a `terminal-output` resource.
pub struct TerminalOutput;

/// The guest's standard input.
pub(crate) struct StdinReader(pub Arc<dyn StdinStream>);

/// Whether `fd` has input (or an end or error) within `timeout_ms`.
fn readable(fd: std::os::fd::BorrowedFd<'_>, timeout_ms: i32) -> bool {
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let timeout = (timeout_ms >= 0).then(|| rustix::time::Timespec {
        tv_sec: 0,
        tv_nsec: i64::from(timeout_ms) * 1_000_000,
    });
    matches!(rustix::event::poll(&mut fds, timeout.as_ref()), Ok(n) if n > 0)
}

#[async_trait::async_trait]
impl Pollable for StdinReader {
    async fn ready(&mut self) {
        // A host descriptor is waited for on a blocking thread, so that
        // the executor keeps running; other sources are always ready.
        if self.0.host_fd().is_some() {
            let stream = self.0.clone();
            let _ = tokio::task::spawn_blocking(move || {
                if let Some(fd) = stream.host_fd() {
                    readable(fd, -1);
                }
            })
            .await;
        }
    }
}

impl InputStream for StdinReader {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if let Some(fd) = self.0.host_fd() {
            if !readable(fd, 0) {
                return Ok(Bytes::new());
            }
        }
        let mut buf = vec![0; size.min(64 * 1024)];
        match self.0.read(&mut buf) {
            Ok(0) if size > 0 => Err(StreamError::Closed),
            Ok(n) => {
                buf.truncate(n);
                Ok(Bytes::from(buf))
            }
            Err(e) => Err(StreamError::LastOperationFailed(e.into())),
        }
    }
}

/// The guest's standard output or error.
pub(crate) struct StdoutWriter(pub Arc<dyn StdoutStream>);

#[async_trait::async_trait]
impl Pollable for StdoutWriter {
    async fn ready(&mut self) {}
}

impl OutputStream for StdoutWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.0
            .write_all(&bytes)
            .map_err(|e| StreamError::LastOperationFailed(e.into()))
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(1024 * 1024)
    }
}
