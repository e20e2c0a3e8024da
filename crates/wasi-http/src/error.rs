//! [`HttpError`]: a `wasi:http/types.error-code` for the guest, or a trap.

use crate::p2::bindings::http::types::ErrorCode;
use std::fmt;

/// The result of a `wasi:http` operation that may fail with an
/// `error-code`.
pub type HttpResult<T> = Result<T, HttpError>;

/// An error of a `wasi:http` operation: an [`ErrorCode`] given to the
/// guest, or any other error, which traps.
pub struct HttpError {
    err: wasmtime::Error,
}

impl HttpError {
    /// An error that traps the guest.
    pub fn trap(err: impl Into<wasmtime::Error>) -> HttpError {
        HttpError { err: err.into() }
    }

    /// The error code, or the trap.
    pub fn downcast(self) -> wasmtime::Result<ErrorCode> {
        self.err.downcast::<ErrorCode>()
    }

    /// The error code, if this is one.
    pub fn downcast_ref(&self) -> Option<&ErrorCode> {
        self.err.downcast_ref::<ErrorCode>()
    }
}

impl From<ErrorCode> for HttpError {
    fn from(code: ErrorCode) -> Self {
        HttpError { err: code.into() }
    }
}

impl From<wasmtime::component::ResourceTableError> for HttpError {
    fn from(error: wasmtime::component::ResourceTableError) -> Self {
        HttpError::trap(error)
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.err.fmt(f)
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.err.fmt(f)
    }
}

impl std::error::Error for HttpError {}

/// An `internal-error` with `msg`.
pub fn internal_error(msg: impl Into<String>) -> ErrorCode {
    ErrorCode::InternalError(Some(msg.into()))
}

/// The `error-code` of a hyper error: the one inside it when a body
/// failed with one, otherwise a protocol error (or a timeout,
/// cancellation or premature close by the peer).
pub fn hyper_error_code(err: &hyper::Error) -> ErrorCode {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(code) = e.downcast_ref::<ErrorCode>() {
            return code.clone();
        }
        source = e.source();
    }
    if err.is_timeout() {
        ErrorCode::HttpResponseTimeout
    } else if err.is_incomplete_message() {
        ErrorCode::HttpResponseIncomplete
    } else if err.is_closed() || err.is_canceled() {
        ErrorCode::ConnectionTerminated
    } else {
        ErrorCode::HttpProtocolError
    }
}

impl From<hyper::Error> for ErrorCode {
    fn from(err: hyper::Error) -> ErrorCode {
        hyper_error_code(&err)
    }
}

impl From<std::convert::Infallible> for ErrorCode {
    fn from(never: std::convert::Infallible) -> ErrorCode {
        match never {}
    }
}
