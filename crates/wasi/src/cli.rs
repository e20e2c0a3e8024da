//! Standard streams: the traits a guest's stdin/stdout/stderr are built
//! from, and the host process's own streams.

use std::io::{self, Read, Write};

/// Whether a stream is a terminal (reported to the guest as a character
/// device).
pub trait IsTerminal {
    /// True when the stream is a terminal.
    fn is_terminal(&self) -> bool;
}

/// A source for a guest's standard input.
pub trait StdinStream: IsTerminal + Send + Sync {
    /// Reads up to `buf.len()` bytes; `Ok(0)` is end of input.
    fn read(&self, buf: &mut [u8]) -> io::Result<usize>;

    /// Bytes that can be read without blocking, if known (used by
    /// `poll_oneoff`); `None` means "may block".
    fn ready_bytes(&self) -> Option<u64> {
        Some(0)
    }

    /// The host file descriptor to poll, when the stream is one.
    #[doc(hidden)]
    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        None
    }
}

/// A sink for a guest's standard output or error.
pub trait StdoutStream: IsTerminal + Send + Sync {
    /// Writes all of `buf`.
    fn write_all(&self, buf: &[u8]) -> io::Result<()>;
}

/// The host process's standard input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdin;

/// The host process's standard output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

/// The host process's standard error.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

/// The host process's standard input.
pub fn stdin() -> Stdin {
    Stdin
}

/// The host process's standard output.
pub fn stdout() -> Stdout {
    Stdout
}

/// The host process's standard error.
pub fn stderr() -> Stderr {
    Stderr
}

impl IsTerminal for Stdin {
    fn is_terminal(&self) -> bool {
        std::io::IsTerminal::is_terminal(&io::stdin())
    }
}

impl StdinStream for Stdin {
    fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        io::stdin().lock().read(buf)
    }

    fn ready_bytes(&self) -> Option<u64> {
        None
    }

    fn host_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        Some(rustix::stdio::stdin())
    }
}

impl IsTerminal for Stdout {
    fn is_terminal(&self) -> bool {
        std::io::IsTerminal::is_terminal(&io::stdout())
    }
}

impl StdoutStream for Stdout {
    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(buf)?;
        out.flush()
    }
}

impl IsTerminal for Stderr {
    fn is_terminal(&self) -> bool {
        std::io::IsTerminal::is_terminal(&io::stderr())
    }
}

impl StdoutStream for Stderr {
    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        io::stderr().lock().write_all(buf)
    }
}

/// Standard input that is closed: every read is end of input.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClosedInput;

impl IsTerminal for ClosedInput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for ClosedInput {
    fn read(&self, _buf: &mut [u8]) -> io::Result<usize> {
        Ok(0)
    }
}

/// Output that discards everything written to it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sink;

impl IsTerminal for Sink {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Sink {
    fn write_all(&self, _buf: &[u8]) -> io::Result<()> {
        Ok(())
    }
}
