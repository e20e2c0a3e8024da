//! `wasi:sockets@0.3.0`: `types` (the `tcp-socket` and `udp-socket`
//! resources) and `ip-name-lookup`, on the store's
//! [`WasiCtx`](crate::WasiCtx).
//!
//! The sockets are those of WASI 0.2 ([`TcpSocket`], [`UdpSocket`], in the
//! same [`ResourceTable`](wasmtime::component::ResourceTable)), with the
//! same permissions: nothing is allowed unless the context says so
//! ([`WasiCtxBuilder::inherit_network`](crate::WasiCtxBuilder::inherit_network),
//! [`socket_addr_check`](crate::WasiCtxBuilder::socket_addr_check),
//! [`allow_ip_name_lookup`](crate::WasiCtxBuilder::allow_ip_name_lookup)).
//! WASI 0.3's shapes: `connect`, UDP `send`/`receive` and name lookups are
//! `async` functions that suspend only the calling task; a TCP connection's
//! bytes are a `stream<u8>` each way and `listen` returns a stream of
//! accepted sockets. Addresses have the same shape as in WASI 0.2, so its
//! types serve for both.

mod tcp;
mod udp;

use crate::p2::bindings::sockets::network::{self as p2, IpAddress};
use crate::p2::sockets::lookup::{parse_name, Name};
use crate::p2::SocketError;
pub use crate::p2::{TcpSocket, UdpSocket};
use crate::WasiView;
use std::net::ToSocketAddrs;
use wasmtime::component::{ComponentType, Lift, Linker, Lower};

/// `wasi:sockets/types.error-code`.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
#[component(variant)]
pub enum ErrorCode {
    /// Not permitted by the host.
    #[component(name = "access-denied")]
    AccessDenied,
    /// Not supported on this host.
    #[component(name = "not-supported")]
    NotSupported,
    /// An argument was invalid.
    #[component(name = "invalid-argument")]
    InvalidArgument,
    /// Out of memory.
    #[component(name = "out-of-memory")]
    OutOfMemory,
    /// Timed out.
    #[component(name = "timeout")]
    Timeout,
    /// Not allowed in the socket's current state.
    #[component(name = "invalid-state")]
    InvalidState,
    /// The local address cannot be bound.
    #[component(name = "address-not-bindable")]
    AddressNotBindable,
    /// The local address is in use.
    #[component(name = "address-in-use")]
    AddressInUse,
    /// The remote address cannot be reached.
    #[component(name = "remote-unreachable")]
    RemoteUnreachable,
    /// The connection was refused.
    #[component(name = "connection-refused")]
    ConnectionRefused,
    /// The connection broke.
    #[component(name = "connection-broken")]
    ConnectionBroken,
    /// The connection was reset.
    #[component(name = "connection-reset")]
    ConnectionReset,
    /// The connection was aborted.
    #[component(name = "connection-aborted")]
    ConnectionAborted,
    /// The datagram is too large.
    #[component(name = "datagram-too-large")]
    DatagramTooLarge,
    /// Any other error, perhaps described.
    #[component(name = "other")]
    Other(Option<String>),
}

impl From<p2::ErrorCode> for ErrorCode {
    fn from(code: p2::ErrorCode) -> ErrorCode {
        use p2::ErrorCode as P;
        match code {
            P::AccessDenied => ErrorCode::AccessDenied,
            P::NotSupported => ErrorCode::NotSupported,
            P::InvalidArgument => ErrorCode::InvalidArgument,
            P::OutOfMemory => ErrorCode::OutOfMemory,
            P::Timeout => ErrorCode::Timeout,
            P::InvalidState | P::NotInProgress | P::ConcurrencyConflict => ErrorCode::InvalidState,
            P::AddressNotBindable => ErrorCode::AddressNotBindable,
            P::AddressInUse => ErrorCode::AddressInUse,
            P::RemoteUnreachable => ErrorCode::RemoteUnreachable,
            P::ConnectionRefused => ErrorCode::ConnectionRefused,
            P::ConnectionReset => ErrorCode::ConnectionReset,
            P::ConnectionAborted => ErrorCode::ConnectionAborted,
            P::DatagramTooLarge => ErrorCode::DatagramTooLarge,
            other => ErrorCode::Other(Some(format!("{other:?}"))),
        }
    }
}

impl From<&std::io::Error> for ErrorCode {
    fn from(err: &std::io::Error) -> ErrorCode {
        p2::ErrorCode::from(err).into()
    }
}

/// A WASI 0.2 socket result as a 0.3 one: the error code, or the trap.
pub(crate) fn from_p2<T>(r: Result<T, SocketError>) -> wasmtime::Result<Result<T, ErrorCode>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => Ok(Err(e.downcast()?.into())),
    }
}

/// `wasi:sockets/ip-name-lookup.error-code`.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
#[component(variant)]
pub enum LookupErrorCode {
    /// Name lookups are not permitted.
    #[component(name = "access-denied")]
    AccessDenied,
    /// The name is not a valid host name.
    #[component(name = "invalid-argument")]
    InvalidArgument,
    /// The name does not resolve.
    #[component(name = "name-unresolvable")]
    NameUnresolvable,
    /// The resolver failed for now.
    #[component(name = "temporary-resolver-failure")]
    TemporaryResolverFailure,
    /// The resolver failed for good.
    #[component(name = "permanent-resolver-failure")]
    PermanentResolverFailure,
    /// Any other error, perhaps described.
    #[component(name = "other")]
    Other(Option<String>),
}

/// Resolves `name` on a blocking thread.
async fn resolve(name: String) -> Result<Vec<IpAddress>, LookupErrorCode> {
    let domain = match parse_name(&name) {
        Ok(Name::Ip(ip)) => return Ok(vec![ip.into()]),
        Ok(Name::Domain(domain)) => domain,
        Err(_) => return Err(LookupErrorCode::InvalidArgument),
    };
    let task = crate::p2::runtime::io_handle().spawn_blocking(move || {
        (domain.as_str(), 0)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|a| a.ip().to_canonical()).collect::<Vec<_>>())
    });
    match task.await {
        Ok(Ok(ips)) => Ok(ips.into_iter().map(IpAddress::from).collect()),
        Ok(Err(_)) => Err(LookupErrorCode::NameUnresolvable),
        Err(_) => Err(LookupErrorCode::Other(Some(
            "the resolver task failed".into(),
        ))),
    }
}

/// Defines `wasi:sockets@0.3.0` in `linker`.
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut types = linker.instance("wasi:sockets/types@0.3.0")?;
    tcp::add_to_linker(&mut types)?;
    udp::add_to_linker(&mut types)?;
    linker
        .instance("wasi:sockets/ip-name-lookup@0.3.0")?
        .func_wrap_concurrent("resolve-addresses", |acc, (name,): (String,)| {
            Box::pin(async move {
                let allowed = acc.with(|mut a| a.data_mut().ctx().ctx.allow_ip_name_lookup);
                if !allowed {
                    return Ok((Err(LookupErrorCode::AccessDenied),));
                }
                Ok((resolve(name).await,))
            })
        })?;
    Ok(())
}
