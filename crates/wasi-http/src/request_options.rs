//! Timeouts of an outgoing request (`wasi:http/types.request-options`).

use std::time::Duration;

/// The timeouts a guest set on an outgoing request; `None` is the
/// default of the host.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestOptions {
    /// How long to wait for the connection (and TLS handshake).
    pub connect_timeout: Option<Duration>,
    /// How long to wait for the response head once the request is sent.
    pub first_byte_timeout: Option<Duration>,
    /// How long to wait between two chunks of the response body.
    pub between_bytes_timeout: Option<Duration>,
}
