//! `wasi:sockets` for [`WasiCtxView`]: the `network` capability, TCP
//! ([`tcp`]), UDP ([`udp`]) and name lookup ([`lookup`]).
//!
//! Sockets are Tokio sockets registered with the runtime that
//! [`io_handle`](super::runtime::io_handle) picks, so their readiness is
//! tracked whether or not a host function runs on a Tokio runtime. All
//! functions are non-blocking, as WASI 0.2 wants: operations that wait
//! are started by one call (`start-connect`, `accept` after readiness,
//! ...) and a guest waits for them through a `pollable`.
//!
//! Nothing is allowed by default: binding, connecting, listening and
//! sending need [`WasiCtxBuilder::inherit_network`](crate::WasiCtxBuilder::inherit_network)
//! or a [`socket_addr_check`](crate::WasiCtxBuilder::socket_addr_check)
//! that accepts the address; TCP and UDP sockets can be disallowed
//! altogether, and name lookups need
//! [`allow_ip_name_lookup`](crate::WasiCtxBuilder::allow_ip_name_lookup).

pub(crate) mod lookup;
pub(crate) mod tcp;
pub(crate) mod tcp_stream;
pub(crate) mod udp;

pub use self::lookup::ResolveAddressStream;
pub use self::tcp::TcpSocket;
pub use self::udp::{IncomingDatagramStream, OutgoingDatagramStream, UdpSocket};

use super::bindings::sockets::network::{
    self, ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress,
    Ipv6SocketAddress,
};
use super::bindings::sockets::{
    instance_network, ip_name_lookup, tcp as tcp_bindings, tcp_create_socket, udp as udp_bindings,
    udp_create_socket,
};
use super::SocketError;
use crate::{WasiCtxView, WasiView};
use rustix::fd::AsFd;
use rustix::io::Errno;
use rustix::net::sockopt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use wasmtime::component::{Linker, Resource};

/// The value behind a `network` resource: the capability to use the
/// other `wasi:sockets` functions. What a guest may actually do is
/// decided by the [`WasiCtx`](crate::WasiCtx), not by this value.
#[derive(Debug)]
pub struct Network {
    _private: (),
}

/// Adds the `wasi:sockets` interfaces (the same in both flavours).
pub(super) fn add_to_linker<T: WasiView + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> WasiCtxView<'_>,
) -> wasmtime::Result<()> {
    type D<T> = super::HasWasi<T>;
    network::add_to_linker::<T, D<T>>(linker, get)?;
    instance_network::add_to_linker::<T, D<T>>(linker, get)?;
    tcp_bindings::add_to_linker::<T, D<T>>(linker, get)?;
    tcp_create_socket::add_to_linker::<T, D<T>>(linker, get)?;
    udp_bindings::add_to_linker::<T, D<T>>(linker, get)?;
    udp_create_socket::add_to_linker::<T, D<T>>(linker, get)?;
    ip_name_lookup::add_to_linker::<T, D<T>>(linker, get)?;
    Ok(())
}

impl network::Host for WasiCtxView<'_> {
    fn convert_error_code(&mut self, err: SocketError) -> wasmtime::Result<ErrorCode> {
        err.downcast()
    }
}

impl network::HostNetwork for WasiCtxView<'_> {
    fn drop(&mut self, network: Resource<Network>) -> wasmtime::Result<()> {
        self.table.delete(network)?;
        Ok(())
    }
}

impl instance_network::Host for WasiCtxView<'_> {
    fn instance_network(&mut self) -> wasmtime::Result<Resource<Network>> {
        Ok(self.table.push(Network { _private: () })?)
    }
}

/// The result of a socket operation.
pub(crate) type SocketResult<T> = Result<T, SocketError>;

// Error codes from the host's errors.

/// How `errno` values map to error codes (the first match wins).
const ERRNO_CODES: &[(Errno, ErrorCode)] = &[
    (Errno::WOULDBLOCK, ErrorCode::WouldBlock),
    (Errno::AGAIN, ErrorCode::WouldBlock),
    (Errno::INTR, ErrorCode::WouldBlock),
    (Errno::PERM, ErrorCode::AccessDenied),
    (Errno::ACCESS, ErrorCode::AccessDenied),
    (Errno::ADDRINUSE, ErrorCode::AddressInUse),
    (Errno::ADDRNOTAVAIL, ErrorCode::AddressNotBindable),
    (Errno::ALREADY, ErrorCode::ConcurrencyConflict),
    (Errno::TIMEDOUT, ErrorCode::Timeout),
    (Errno::CONNREFUSED, ErrorCode::ConnectionRefused),
    (Errno::CONNRESET, ErrorCode::ConnectionReset),
    (Errno::CONNABORTED, ErrorCode::ConnectionAborted),
    (Errno::INVAL, ErrorCode::InvalidArgument),
    (Errno::HOSTUNREACH, ErrorCode::RemoteUnreachable),
    (Errno::HOSTDOWN, ErrorCode::RemoteUnreachable),
    (Errno::NETDOWN, ErrorCode::RemoteUnreachable),
    (Errno::NETUNREACH, ErrorCode::RemoteUnreachable),
    #[cfg(target_os = "linux")]
    (Errno::NONET, ErrorCode::RemoteUnreachable),
    (Errno::ISCONN, ErrorCode::InvalidState),
    (Errno::NOTCONN, ErrorCode::InvalidState),
    (Errno::DESTADDRREQ, ErrorCode::InvalidState),
    (Errno::NFILE, ErrorCode::NewSocketLimit),
    (Errno::MFILE, ErrorCode::NewSocketLimit),
    (Errno::MSGSIZE, ErrorCode::DatagramTooLarge),
    (Errno::NOMEM, ErrorCode::OutOfMemory),
    (Errno::NOBUFS, ErrorCode::OutOfMemory),
    (Errno::OPNOTSUPP, ErrorCode::NotSupported),
    (Errno::NOPROTOOPT, ErrorCode::NotSupported),
    (Errno::PFNOSUPPORT, ErrorCode::NotSupported),
    (Errno::PROTONOSUPPORT, ErrorCode::NotSupported),
    (Errno::PROTOTYPE, ErrorCode::NotSupported),
    (Errno::SOCKTNOSUPPORT, ErrorCode::NotSupported),
    (Errno::AFNOSUPPORT, ErrorCode::NotSupported),
];

impl From<Errno> for ErrorCode {
    fn from(errno: Errno) -> ErrorCode {
        ERRNO_CODES
            .iter()
            .find(|(e, _)| *e == errno)
            .map_or(ErrorCode::Unknown, |(_, code)| *code)
    }
}

impl From<&io::Error> for ErrorCode {
    fn from(err: &io::Error) -> ErrorCode {
        if let Some(errno) = Errno::from_io_error(err) {
            return errno.into();
        }
        use io::ErrorKind as K;
        match err.kind() {
            K::WouldBlock | K::Interrupted => ErrorCode::WouldBlock,
            K::PermissionDenied => ErrorCode::AccessDenied,
            K::AddrInUse => ErrorCode::AddressInUse,
            K::AddrNotAvailable => ErrorCode::AddressNotBindable,
            K::ConnectionRefused => ErrorCode::ConnectionRefused,
            K::ConnectionReset => ErrorCode::ConnectionReset,
            K::ConnectionAborted => ErrorCode::ConnectionAborted,
            K::InvalidInput => ErrorCode::InvalidArgument,
            K::NotConnected => ErrorCode::InvalidState,
            K::OutOfMemory => ErrorCode::OutOfMemory,
            K::TimedOut => ErrorCode::Timeout,
            K::Unsupported => ErrorCode::NotSupported,
            K::HostUnreachable | K::NetworkUnreachable | K::NetworkDown => {
                ErrorCode::RemoteUnreachable
            }
            _ => ErrorCode::Unknown,
        }
    }
}

impl From<io::Error> for ErrorCode {
    fn from(err: io::Error) -> ErrorCode {
        ErrorCode::from(&err)
    }
}

impl From<io::Error> for SocketError {
    fn from(err: io::Error) -> SocketError {
        ErrorCode::from(&err).into()
    }
}

impl From<Errno> for SocketError {
    fn from(errno: Errno) -> SocketError {
        ErrorCode::from(errno).into()
    }
}

// Addresses.

impl From<IpAddr> for IpAddress {
    fn from(ip: IpAddr) -> IpAddress {
        match ip {
            IpAddr::V4(ip) => {
                let [a, b, c, d] = ip.octets();
                IpAddress::Ipv4((a, b, c, d))
            }
            IpAddr::V6(ip) => {
                let [a, b, c, d, e, f, g, h] = ip.segments();
                IpAddress::Ipv6((a, b, c, d, e, f, g, h))
            }
        }
    }
}

impl From<IpSocketAddress> for SocketAddr {
    fn from(addr: IpSocketAddress) -> SocketAddr {
        match addr {
            IpSocketAddress::Ipv4(Ipv4SocketAddress {
                port,
                address: (a, b, c, d),
            }) => SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(a, b, c, d), port)),
            IpSocketAddress::Ipv6(Ipv6SocketAddress {
                port,
                flow_info,
                address: (a, b, c, d, e, f, g, h),
                scope_id,
            }) => SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::new(a, b, c, d, e, f, g, h),
                port,
                flow_info,
                scope_id,
            )),
        }
    }
}

impl From<SocketAddr> for IpSocketAddress {
    fn from(addr: SocketAddr) -> IpSocketAddress {
        match (addr, IpAddress::from(addr.ip())) {
            (SocketAddr::V4(v4), IpAddress::Ipv4(address)) => {
                IpSocketAddress::Ipv4(Ipv4SocketAddress {
                    port: v4.port(),
                    address,
                })
            }
            (SocketAddr::V6(v6), IpAddress::Ipv6(address)) => {
                IpSocketAddress::Ipv6(Ipv6SocketAddress {
                    port: v6.port(),
                    flow_info: v6.flowinfo(),
                    address,
                    scope_id: v6.scope_id(),
                })
            }
            _ => unreachable!("address and its IP differ in family"),
        }
    }
}

/// The wildcard address of `family` with port 0 (an unbound socket's
/// local address).
pub(crate) fn unspecified(family: IpAddressFamily) -> SocketAddr {
    match family {
        IpAddressFamily::Ipv4 => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddressFamily::Ipv6 => (Ipv6Addr::UNSPECIFIED, 0).into(),
    }
}

/// Whether `ip` may be used on a socket of `family`. IPv6 sockets are
/// IPv6-only, so IPv4-mapped addresses are refused, and so are the
/// deprecated IPv4-compatible ones (`::a.b.c.d`).
pub(crate) fn family_accepts(family: IpAddressFamily, ip: IpAddr) -> bool {
    match (family, ip) {
        (IpAddressFamily::Ipv4, IpAddr::V4(_)) => true,
        (IpAddressFamily::Ipv6, IpAddr::V6(ip)) => {
            let s = ip.segments();
            let ipv4_compatible = s[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback();
            ip.to_ipv4_mapped().is_none() && !ipv4_compatible
        }
        _ => false,
    }
}

/// Whether `addr` can be connected or sent to: a specified address and a
/// port other than 0.
pub(crate) fn is_remote(addr: SocketAddr) -> bool {
    !addr.ip().to_canonical().is_unspecified() && addr.port() != 0
}

/// Whether `ip` names one host (not multicast or broadcast).
pub(crate) fn is_unicast(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(ip) => !ip.is_multicast() && !ip.is_broadcast(),
        IpAddr::V6(ip) => !ip.is_multicast(),
    }
}

/// Makes a non-blocking socket of `family` and `kind`; IPv6 sockets are
/// IPv6-only, as WASI requires.
pub(crate) fn new_socket(
    family: IpAddressFamily,
    kind: rustix::net::SocketType,
) -> Result<rustix::fd::OwnedFd, ErrorCode> {
    let domain = match family {
        IpAddressFamily::Ipv4 => rustix::net::AddressFamily::INET,
        IpAddressFamily::Ipv6 => rustix::net::AddressFamily::INET6,
    };
    let flags = rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC;
    let fd = rustix::net::socket_with(domain, kind, flags, None)?;
    if family == IpAddressFamily::Ipv6 {
        sockopt::set_ipv6_v6only(&fd, true)?;
    }
    Ok(fd)
}

/// Binds `fd` to `addr`, with `SO_REUSEADDR` for TCP as WASI requires
/// (a recently closed socket in `TIME_WAIT` must not block the bind).
pub(crate) fn bind(fd: impl AsFd, addr: SocketAddr, reuse_addr: bool) -> Result<(), ErrorCode> {
    if reuse_addr {
        let _ = sockopt::set_socket_reuseaddr(&fd, true);
    }
    rustix::net::bind(&fd, &addr).map_err(|errno| match errno {
        // Our own checks rule out a family mismatch; any left is the
        // guest's argument.
        Errno::AFNOSUPPORT => ErrorCode::InvalidArgument,
        e => e.into(),
    })
}

// Socket options shared by TCP and UDP.

/// The unicast hop limit (TTL) of `fd`.
pub(crate) fn hop_limit(fd: impl AsFd, family: IpAddressFamily) -> Result<u8, ErrorCode> {
    match family {
        IpAddressFamily::Ipv4 => {
            u8::try_from(sockopt::ip_ttl(fd)?).map_err(|_| ErrorCode::NotSupported)
        }
        IpAddressFamily::Ipv6 => Ok(sockopt::ipv6_unicast_hops(fd)?),
    }
}

/// Sets the unicast hop limit; 0 is an invalid argument.
pub(crate) fn set_hop_limit(
    fd: impl AsFd,
    family: IpAddressFamily,
    value: u8,
) -> Result<(), ErrorCode> {
    if value == 0 {
        return Err(ErrorCode::InvalidArgument);
    }
    match family {
        IpAddressFamily::Ipv4 => sockopt::set_ip_ttl(fd, value.into())?,
        IpAddressFamily::Ipv6 => sockopt::set_ipv6_unicast_hops(fd, Some(value))?,
    }
    Ok(())
}

/// A buffer size as the guest set it: Linux reports twice the size set
/// (it adds room for bookkeeping), so halve what it says.
fn reported_buffer_size(size: usize) -> u64 {
    let size = if cfg!(target_os = "linux") {
        size / 2
    } else {
        size
    };
    u64::try_from(size).unwrap_or(u64::MAX)
}

/// A requested buffer size for the OS: not 0 (an invalid argument) and
/// at most `i32::MAX`. The OS treats it as a hint and may clamp it.
fn requested_buffer_size(value: u64) -> Result<usize, ErrorCode> {
    if value == 0 {
        return Err(ErrorCode::InvalidArgument);
    }
    Ok(usize::try_from(value.min(i32::MAX as u64)).unwrap_or(i32::MAX as usize))
}

/// `SO_RCVBUF`.
pub(crate) fn receive_buffer_size(fd: impl AsFd) -> Result<u64, ErrorCode> {
    Ok(reported_buffer_size(sockopt::socket_recv_buffer_size(fd)?))
}

/// Sets `SO_RCVBUF` (a hint: `ENOBUFS` for a too large value is not an
/// error, as on most systems).
pub(crate) fn set_receive_buffer_size(fd: impl AsFd, value: u64) -> Result<(), ErrorCode> {
    match sockopt::set_socket_recv_buffer_size(fd, requested_buffer_size(value)?) {
        Ok(()) | Err(Errno::NOBUFS) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `SO_SNDBUF`.
pub(crate) fn send_buffer_size(fd: impl AsFd) -> Result<u64, ErrorCode> {
    Ok(reported_buffer_size(sockopt::socket_send_buffer_size(fd)?))
}

/// Sets `SO_SNDBUF` (a hint, as [`set_receive_buffer_size`]).
pub(crate) fn set_send_buffer_size(fd: impl AsFd, value: u64) -> Result<(), ErrorCode> {
    match sockopt::set_socket_send_buffer_size(fd, requested_buffer_size(value)?) {
        Ok(()) | Err(Errno::NOBUFS) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
