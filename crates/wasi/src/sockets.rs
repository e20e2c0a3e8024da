//! What socket addresses a guest may use: [`SocketAddrUse`] tells a
//! check given to
//! [`WasiCtxBuilder::socket_addr_check`](crate::WasiCtxBuilder::socket_addr_check)
//! what an address is about to be used for.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

/// What a socket address is about to be used for, as given to a socket
/// address check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketAddrUse {
    /// Binding a TCP socket: the address given to `bind`, or the wildcard
    /// address when `connect` or `listen` would bind implicitly.
    TcpBind,
    /// Listening on a TCP socket: its local address.
    TcpListen,
    /// Accepting a client on a TCP socket: the client's address. A
    /// client that is not permitted is dropped before the guest sees it.
    TcpAccept,
    /// Connecting a TCP socket: the remote address.
    TcpConnect,
    /// Binding a UDP socket: the address given to `bind`, or the wildcard
    /// address when sending or connecting would bind implicitly.
    UdpBind,
    /// Sending a datagram (or connecting a UDP socket): the remote
    /// address.
    UdpSend,
    /// Receiving a datagram: its sender. A datagram from an address that
    /// is not permitted is dropped before the guest sees it.
    UdpReceive,
}

/// The future a socket address check returns.
pub(crate) type CheckFuture = Pin<Box<dyn Future<Output = bool> + Send + Sync>>;

/// A check set by `WasiCtxBuilder::socket_addr_check`.
pub(crate) type CheckFn = dyn Fn(SocketAddr, SocketAddrUse) -> CheckFuture + Send + Sync;

/// Which socket addresses a context permits: all of them
/// (`inherit_network`), none (the default), or those an embedder's
/// check accepts.
#[derive(Clone)]
pub(crate) enum SocketAddrCheck {
    Deny,
    Allow,
    Custom(Arc<CheckFn>),
}

impl SocketAddrCheck {
    /// Whether `addr` may be used for `usage`, waiting for the
    /// embedder's check if it is not ready at once.
    pub(crate) fn permits(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
        match self {
            SocketAddrCheck::Deny => false,
            SocketAddrCheck::Allow => true,
            SocketAddrCheck::Custom(check) => crate::p2::runtime::now_or_block(check(addr, usage)),
        }
    }
}

impl std::fmt::Debug for SocketAddrCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SocketAddrCheck::Deny => "Deny",
            SocketAddrCheck::Allow => "Allow",
            SocketAddrCheck::Custom(_) => "Custom",
        })
    }
}
