//! `wasi:sockets/udp` and `udp-create-socket`: [`UdpSocket`] and its
//! datagram streams.

use super::{family_accepts, is_remote, unspecified, SocketResult};
use crate::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily, IpSocketAddress, Network};
use crate::p2::bindings::sockets::udp::{self, IncomingDatagram, OutgoingDatagram};
use crate::p2::bindings::sockets::udp_create_socket;
use crate::p2::io::{DynPollable, Pollable};
use crate::p2::runtime::{now_or_block, with_ambient_tokio_runtime};
use crate::p2::SocketError;
use crate::sockets::{SocketAddrCheck, SocketAddrUse};
use crate::WasiCtxView;
use rustix::io::Errno;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use wasmtime::component::Resource;

/// The largest datagram a guest may send (the limit of the UDP length
/// field; the network's is usually lower).
const MAX_DATAGRAM_SIZE: usize = u16::MAX as usize;

/// The most datagrams one `receive` returns and one `check-send` permits.
const MAX_DATAGRAMS: usize = 16;

/// The value behind a `udp-socket` resource.
pub struct UdpSocket {
    pub(crate) socket: Arc<tokio::net::UdpSocket>,
    pub(crate) family: IpAddressFamily,
    /// The context's address permissions.
    pub(crate) check: SocketAddrCheck,
    /// `start-bind` was called and `finish-bind` not yet.
    bind_in_progress: bool,
    /// Once bound, a socket stays bound: remembered to save system calls.
    bound: bool,
    /// The address `stream` connected the socket to.
    pub(crate) remote: Option<SocketAddr>,
}

impl UdpSocket {
    pub(crate) fn new(family: IpAddressFamily, check: SocketAddrCheck) -> SocketResult<UdpSocket> {
        let fd = super::new_socket(family, rustix::net::SocketType::DGRAM)?;
        let socket = with_ambient_tokio_runtime(|| {
            tokio::net::UdpSocket::from_std(std::net::UdpSocket::from(fd))
        })?;
        // A new socket can be written to at once, and guests count on
        // that; Tokio learns it only when its reactor sees the socket's
        // first event, so wait for that.
        now_or_block(socket.writable())?;
        Ok(UdpSocket {
            socket: Arc::new(socket),
            family,
            check,
            bind_in_progress: false,
            bound: false,
            remote: None,
        })
    }

    pub(crate) fn is_bound(&mut self) -> bool {
        if !self.bound {
            self.bound = self
                .socket
                .local_addr()
                .is_ok_and(|addr| addr != unspecified(self.family));
        }
        self.bound
    }

    pub(crate) fn bind(&mut self, addr: SocketAddr) -> Result<(), ErrorCode> {
        if self.is_bound() {
            return Err(ErrorCode::InvalidState);
        }
        if !family_accepts(self.family, addr.ip()) {
            return Err(ErrorCode::InvalidArgument);
        }
        if !self.check.permits(addr, SocketAddrUse::UdpBind) {
            return Err(ErrorCode::AccessDenied);
        }
        super::bind(&*self.socket, addr, false)
    }

    pub(crate) fn connect(&mut self, addr: SocketAddr) -> Result<(), ErrorCode> {
        if !family_accepts(self.family, addr.ip()) || !is_remote(addr) {
            return Err(ErrorCode::InvalidArgument);
        }
        // Connecting only sets the default peer: allowed when sending to
        // or receiving from it is.
        if !self.check.permits(addr, SocketAddrUse::UdpSend)
            && !self.check.permits(addr, SocketAddrUse::UdpReceive)
        {
            return Err(ErrorCode::AccessDenied);
        }
        let result = match rustix::net::connect(&*self.socket, &addr) {
            // Linux does not move a connected socket to the route of a new
            // peer; dissolve the association and connect again.
            #[cfg(target_os = "linux")]
            Err(Errno::INVAL) => {
                let _ = rustix::net::connect_unspec(&*self.socket);
                rustix::net::connect(&*self.socket, &addr)
            }
            Err(Errno::AFNOSUPPORT) => Err(Errno::INVAL),
            result => result,
        };
        self.update_remote();
        Ok(result?)
    }

    pub(crate) fn disconnect(&mut self) -> Result<(), ErrorCode> {
        // Linux may give up the local port of a socket bound to the
        // wildcard address when disconnecting it; it still counts as bound.
        self.bound = true;
        let result = rustix::net::connect_unspec(&*self.socket);
        self.update_remote();
        Ok(result?)
    }

    fn update_remote(&mut self) {
        self.remote = self
            .socket
            .peer_addr()
            .ok()
            .filter(|addr| *addr != unspecified(self.family));
    }
}

/// The value behind an `incoming-datagram-stream` resource.
pub struct IncomingDatagramStream {
    socket: Arc<tokio::net::UdpSocket>,
    /// The peer the socket was connected to: datagrams from elsewhere are
    /// dropped (the OS may have queued some before the connect).
    remote: Option<SocketAddr>,
    check: SocketAddrCheck,
}

/// The value behind an `outgoing-datagram-stream` resource.
pub struct OutgoingDatagramStream {
    socket: Arc<tokio::net::UdpSocket>,
    family: IpAddressFamily,
    remote: Option<SocketAddr>,
    check: SocketAddrCheck,
    /// How many datagrams the last `check-send` allowed.
    permit: usize,
    /// The last send found the socket's buffer full: wait for room.
    blocked: bool,
}

impl IncomingDatagramStream {
    /// Takes the next datagram that is already there, dropping those
    /// that are not permitted or not from the connected peer.
    fn try_receive(&mut self) -> io::Result<(Vec<u8>, SocketAddr)> {
        loop {
            let mut buf = vec![0; MAX_DATAGRAM_SIZE];
            let (len, addr) = self.socket.try_recv_from(&mut buf)?;
            if self.remote.is_some_and(|remote| remote != addr)
                || !self.check.permits(addr, SocketAddrUse::UdpReceive)
            {
                continue;
            }
            buf.truncate(len);
            return Ok((buf, addr));
        }
    }
}

impl OutgoingDatagramStream {
    /// Where `datagram` goes, after the checks of `send`.
    fn destination(&self, datagram: &OutgoingDatagram) -> Result<SocketAddr, ErrorCode> {
        if datagram.data.len() > MAX_DATAGRAM_SIZE {
            return Err(ErrorCode::DatagramTooLarge);
        }
        let addr = match datagram.remote_address {
            Some(addr) => {
                let addr = SocketAddr::from(addr);
                if !is_remote(addr) || !family_accepts(self.family, addr.ip()) {
                    return Err(ErrorCode::InvalidArgument);
                }
                // A connected socket sends only to its peer.
                if self.remote.is_some_and(|remote| remote != addr) {
                    return Err(ErrorCode::InvalidArgument);
                }
                addr
            }
            None => self.remote.ok_or(ErrorCode::InvalidArgument)?,
        };
        if !self.check.permits(addr, SocketAddrUse::UdpSend) {
            return Err(ErrorCode::AccessDenied);
        }
        Ok(addr)
    }

    fn try_send(&self, data: &[u8], addr: SocketAddr) -> io::Result<usize> {
        if self.remote == Some(addr) {
            self.socket.try_send(data)
        } else {
            self.socket.try_send_to(data, addr)
        }
    }

    fn poll_writable(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.blocked {
            std::task::ready!(self.socket.poll_send_ready(cx)).ok();
            self.blocked = false;
        }
        Poll::Ready(())
    }
}

impl udp_create_socket::Host for WasiCtxView<'_> {
    fn create_udp_socket(
        &mut self,
        address_family: IpAddressFamily,
    ) -> SocketResult<Resource<UdpSocket>> {
        if !self.ctx.allow_udp {
            return Err(ErrorCode::AccessDenied.into());
        }
        let socket = UdpSocket::new(address_family, self.ctx.socket_addr_check.clone())?;
        Ok(self.table.push(socket)?)
    }
}

impl udp::Host for WasiCtxView<'_> {}

impl udp::HostUdpSocket for WasiCtxView<'_> {
    fn start_bind(
        &mut self,
        this: Resource<UdpSocket>,
        network: Resource<Network>,
        local_address: IpSocketAddress,
    ) -> SocketResult<()> {
        self.table.get(&network)?;
        let socket = self.table.get_mut(&this)?;
        if socket.bind_in_progress {
            return Err(ErrorCode::ConcurrencyConflict.into());
        }
        socket.bind(local_address.into())?;
        socket.bind_in_progress = true;
        Ok(())
    }

    fn finish_bind(&mut self, this: Resource<UdpSocket>) -> SocketResult<()> {
        let socket = self.table.get_mut(&this)?;
        if !socket.bind_in_progress {
            return Err(ErrorCode::NotInProgress.into());
        }
        socket.bind_in_progress = false;
        Ok(())
    }

    fn stream(
        &mut self,
        this: Resource<UdpSocket>,
        remote_address: Option<IpSocketAddress>,
    ) -> SocketResult<(
        Resource<IncomingDatagramStream>,
        Resource<OutgoingDatagramStream>,
    )> {
        let streams_alive = self
            .table
            .iter_children(&this)?
            .any(|c| c.is::<IncomingDatagramStream>() || c.is::<OutgoingDatagramStream>());
        if streams_alive {
            return Err(SocketError::trap(wasmtime::format_err!(
                "the streams of this UDP socket have not been dropped yet"
            )));
        }
        let socket = self.table.get_mut(&this)?;
        // WASI 0.2 wants an explicit bind first.
        if !socket.is_bound() {
            return Err(ErrorCode::InvalidState.into());
        }
        match remote_address {
            Some(addr) => socket.connect(addr.into())?,
            None if socket.remote.is_some() => socket.disconnect()?,
            None => {}
        }
        let incoming = IncomingDatagramStream {
            socket: socket.socket.clone(),
            remote: socket.remote,
            check: socket.check.clone(),
        };
        let outgoing = OutgoingDatagramStream {
            socket: socket.socket.clone(),
            family: socket.family,
            remote: socket.remote,
            check: socket.check.clone(),
            permit: 0,
            blocked: false,
        };
        let incoming = self.table.push_child(incoming, &this)?;
        let outgoing = self.table.push_child(outgoing, &this)?;
        Ok((incoming, outgoing))
    }

    fn local_address(&mut self, this: Resource<UdpSocket>) -> SocketResult<IpSocketAddress> {
        let socket = self.table.get_mut(&this)?;
        if !socket.is_bound() {
            return Err(ErrorCode::InvalidState.into());
        }
        Ok(socket.socket.local_addr()?.into())
    }

    fn remote_address(&mut self, this: Resource<UdpSocket>) -> SocketResult<IpSocketAddress> {
        let socket = self.table.get(&this)?;
        Ok(socket.remote.ok_or(ErrorCode::InvalidState)?.into())
    }

    fn address_family(&mut self, this: Resource<UdpSocket>) -> wasmtime::Result<IpAddressFamily> {
        Ok(self.table.get(&this)?.family)
    }

    fn unicast_hop_limit(&mut self, this: Resource<UdpSocket>) -> SocketResult<u8> {
        let socket = self.table.get(&this)?;
        Ok(super::hop_limit(&*socket.socket, socket.family)?)
    }

    fn set_unicast_hop_limit(&mut self, this: Resource<UdpSocket>, value: u8) -> SocketResult<()> {
        let socket = self.table.get(&this)?;
        Ok(super::set_hop_limit(&*socket.socket, socket.family, value)?)
    }

    fn receive_buffer_size(&mut self, this: Resource<UdpSocket>) -> SocketResult<u64> {
        Ok(super::receive_buffer_size(&*self.table.get(&this)?.socket)?)
    }

    fn set_receive_buffer_size(
        &mut self,
        this: Resource<UdpSocket>,
        value: u64,
    ) -> SocketResult<()> {
        Ok(super::set_receive_buffer_size(
            &*self.table.get(&this)?.socket,
            value,
        )?)
    }

    fn send_buffer_size(&mut self, this: Resource<UdpSocket>) -> SocketResult<u64> {
        Ok(super::send_buffer_size(&*self.table.get(&this)?.socket)?)
    }

    fn set_send_buffer_size(&mut self, this: Resource<UdpSocket>, value: u64) -> SocketResult<()> {
        Ok(super::set_send_buffer_size(
            &*self.table.get(&this)?.socket,
            value,
        )?)
    }

    fn subscribe(&mut self, this: Resource<UdpSocket>) -> wasmtime::Result<Resource<DynPollable>> {
        crate::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<UdpSocket>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

impl udp::HostIncomingDatagramStream for WasiCtxView<'_> {
    fn receive(
        &mut self,
        this: Resource<IncomingDatagramStream>,
        max_results: u64,
    ) -> SocketResult<Vec<IncomingDatagram>> {
        let stream = self.table.get_mut(&this)?;
        let max = usize::try_from(max_results)
            .unwrap_or(usize::MAX)
            .min(MAX_DATAGRAMS);
        let mut datagrams = Vec::new();
        while datagrams.len() < max {
            match stream.try_receive() {
                Ok((data, addr)) => datagrams.push(IncomingDatagram {
                    data,
                    remote_address: addr.into(),
                }),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // What was received is returned; the error comes again.
                Err(_) if !datagrams.is_empty() => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(datagrams)
    }

    fn subscribe(
        &mut self,
        this: Resource<IncomingDatagramStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        crate::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<IncomingDatagramStream>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

impl udp::HostOutgoingDatagramStream for WasiCtxView<'_> {
    fn check_send(&mut self, this: Resource<OutgoingDatagramStream>) -> SocketResult<u64> {
        let stream = self.table.get_mut(&this)?;
        let ready = stream
            .poll_writable(&mut Context::from_waker(std::task::Waker::noop()))
            .is_ready();
        stream.permit = if ready { MAX_DATAGRAMS } else { 0 };
        Ok(stream.permit as u64)
    }

    fn send(
        &mut self,
        this: Resource<OutgoingDatagramStream>,
        datagrams: Vec<OutgoingDatagram>,
    ) -> SocketResult<u64> {
        let stream = self.table.get_mut(&this)?;
        if datagrams.is_empty() {
            return Ok(0);
        }
        if datagrams.len() > stream.permit {
            return Err(SocketError::trap(wasmtime::format_err!(
                "send of {} datagrams exceeds the permit of check-send ({})",
                datagrams.len(),
                stream.permit
            )));
        }
        // Each send needs a check-send of its own.
        stream.permit = 0;
        let mut sent = 0;
        for datagram in &datagrams {
            let result = stream
                .destination(datagram)
                .and_then(|addr| Ok(stream.try_send(&datagram.data, addr)?));
            match result {
                Ok(_) => sent += 1,
                Err(ErrorCode::WouldBlock) => {
                    stream.blocked = true;
                    break;
                }
                // Once a datagram was sent, the count is the answer.
                Err(_) if sent > 0 => break,
                Err(code) => return Err(code.into()),
            }
        }
        Ok(sent)
    }

    fn subscribe(
        &mut self,
        this: Resource<OutgoingDatagramStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        crate::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<OutgoingDatagramStream>) -> wasmtime::Result<()> {
        // Sends are handed to the OS at once: nothing to wait for.
        self.table.delete(this)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Pollable for UdpSocket {
    async fn ready(&mut self) {
        // No operation on the socket itself waits.
    }
}

#[async_trait::async_trait]
impl Pollable for IncomingDatagramStream {
    async fn ready(&mut self) {
        let _ = std::future::poll_fn(|cx| self.socket.poll_recv_ready(cx)).await;
    }
}

#[async_trait::async_trait]
impl Pollable for OutgoingDatagramStream {
    async fn ready(&mut self) {
        std::future::poll_fn(|cx| self.poll_writable(cx)).await
    }
}
