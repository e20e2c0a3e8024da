//! In-memory pipes: give a guest a fixed standard input, or capture its
//! output into a buffer (for preview 1 and WASI 0.2 alike).

use crate::cli::{IsTerminal, StdinStream, StdoutStream};
use bytes::{Bytes, BytesMut};
use std::io;
use std::sync::{Arc, Mutex};

/// Standard input read from a byte buffer; clones share the buffer.
#[derive(Debug, Clone)]
pub struct MemoryInputPipe {
    buffer: Arc<Mutex<Bytes>>,
}

impl MemoryInputPipe {
    /// A pipe that yields `bytes` and then end of input.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        MemoryInputPipe {
            buffer: Arc::new(Mutex::new(bytes.into())),
        }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        lock(&self.buffer).is_empty()
    }
}

impl IsTerminal for MemoryInputPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for MemoryInputPipe {
    fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buffer = lock(&self.buffer);
        let n = buf.len().min(buffer.len());
        let chunk = buffer.split_to(n);
        buf[..n].copy_from_slice(&chunk);
        Ok(n)
    }

    fn ready_bytes(&self) -> Option<u64> {
        Some(lock(&self.buffer).len() as u64)
    }
}

/// Output collected into a buffer of at most `capacity` bytes; clones
/// share the buffer, so keep one to read [`contents`](Self::contents)
/// after the guest ran.
#[derive(Debug, Clone)]
pub struct MemoryOutputPipe {
    capacity: usize,
    buffer: Arc<Mutex<BytesMut>>,
}

impl MemoryOutputPipe {
    /// An empty pipe that accepts up to `capacity` bytes; writing more
    /// fails (the guest sees `EIO`).
    pub fn new(capacity: usize) -> Self {
        MemoryOutputPipe {
            capacity,
            buffer: Arc::new(Mutex::new(BytesMut::new())),
        }
    }

    /// Everything written so far.
    pub fn contents(&self) -> Bytes {
        lock(&self.buffer).clone().freeze()
    }

    /// The buffer, if this is the last handle to it.
    pub fn try_into_inner(self) -> Option<BytesMut> {
        Arc::into_inner(self.buffer).map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
    }
}

impl IsTerminal for MemoryOutputPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for MemoryOutputPipe {
    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        let mut buffer = lock(&self.buffer);
        if buf.len() > self.capacity - buffer.len() {
            return Err(io::Error::other(
                "write beyond capacity of MemoryOutputPipe",
            ));
        }
        buffer.extend_from_slice(buf);
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
