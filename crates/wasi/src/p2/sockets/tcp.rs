//! `wasi:sockets/tcp` and `tcp-create-socket`: [`TcpSocket`], a state
//! machine from unbound through bound to listening or connected.

use super::tcp_stream::{Conn, TcpReader, TcpWriter};
use super::{family_accepts, is_remote, is_unicast, unspecified, SocketResult};
use crate::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily, IpSocketAddress, Network};
use crate::p2::bindings::sockets::tcp::{self, ShutdownType};
use crate::p2::bindings::sockets::tcp_create_socket;
use crate::p2::io::{DynInputStream, DynOutputStream, DynPollable, Pollable};
use crate::p2::runtime::with_ambient_tokio_runtime;
use crate::sockets::{SocketAddrCheck, SocketAddrUse};
use crate::WasiCtxView;
use rustix::fd::{AsFd, BorrowedFd};
use rustix::io::Errno;
use rustix::net::sockopt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime::component::Resource;

/// The listen backlog until the guest sets one (as Rust's standard
/// library uses).
const DEFAULT_BACKLOG: u32 = 128;

/// A pending `connect`.
type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<tokio::net::TcpStream>> + Send>>;

/// The value behind a `tcp-socket` resource.
pub struct TcpSocket {
    state: State,
    pub(crate) family: IpAddressFamily,
    /// The `start-*` whose `finish-*` has not been called yet.
    in_progress: Option<Operation>,
    /// The backlog for `listen`.
    backlog: u32,
    /// Once bound, a socket stays bound: remembered to save system calls.
    bound: bool,
    /// The context's address permissions.
    pub(crate) check: SocketAddrCheck,
    /// WASI 0.3: `receive` and `send` were called (each may be, once).
    pub(crate) p3_receiving: bool,
    pub(crate) p3_sending: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Bind,
    Connect,
    Listen,
}

pub(crate) enum State {
    /// Created, perhaps bound.
    Default(tokio::net::TcpSocket),
    /// `start-connect` was called; the connection is being set up.
    Connecting(ConnectFuture),
    /// Listening; `accepted` holds a client (or error) found while the
    /// guest waited, for the next `accept`.
    Listening {
        listener: tokio::net::TcpListener,
        accepted: Option<io::Result<(tokio::net::TcpStream, SocketAddr)>>,
    },
    /// Connected (by `connect` or `accept`); the streams share `Conn`.
    Connected(Arc<Conn>),
    /// Connecting failed: every later operation fails the same way.
    Closed(ErrorCode),
}

impl TcpSocket {
    pub(crate) fn new(family: IpAddressFamily, check: SocketAddrCheck) -> SocketResult<TcpSocket> {
        let socket = match family {
            IpAddressFamily::Ipv4 => tokio::net::TcpSocket::new_v4()?,
            IpAddressFamily::Ipv6 => {
                let socket = tokio::net::TcpSocket::new_v6()?;
                // WASI: IPv6 sockets are IPv6-only.
                sockopt::set_ipv6_v6only(&socket, true)?;
                socket
            }
        };
        Ok(TcpSocket {
            state: State::Default(socket),
            family,
            in_progress: None,
            backlog: DEFAULT_BACKLOG,
            bound: false,
            check,
            p3_receiving: false,
            p3_sending: false,
        })
    }

    pub(crate) fn permit(&self, addr: SocketAddr, usage: SocketAddrUse) -> Result<(), ErrorCode> {
        match self.check.permits(addr, usage) {
            true => Ok(()),
            false => Err(ErrorCode::AccessDenied),
        }
    }

    pub(crate) fn is_bound(&mut self) -> bool {
        if !self.bound {
            self.bound = match &self.state {
                State::Default(socket) => socket
                    .local_addr()
                    .is_ok_and(|addr| addr != unspecified(self.family)),
                _ => true,
            };
        }
        self.bound
    }

    /// The descriptor, for socket options.
    fn fd(&self) -> Result<BorrowedFd<'_>, ErrorCode> {
        match &self.state {
            State::Default(socket) => Ok(socket.as_fd()),
            State::Listening { listener, .. } => Ok(listener.as_fd()),
            State::Connected(conn) => Ok(conn.stream.as_fd()),
            State::Connecting(_) => Err(ErrorCode::InvalidState),
            State::Closed(code) => Err(*code),
        }
    }

    pub(crate) fn bind(&mut self, addr: SocketAddr) -> Result<(), ErrorCode> {
        if self.is_bound() {
            return Err(ErrorCode::InvalidState);
        }
        let State::Default(socket) = &self.state else {
            return Err(ErrorCode::InvalidState);
        };
        if !is_unicast(addr.ip()) || !family_accepts(self.family, addr.ip()) {
            return Err(ErrorCode::InvalidArgument);
        }
        self.permit(addr, SocketAddrUse::TcpBind)?;
        super::bind(socket, addr, true)
    }

    pub(crate) fn start_connect(&mut self, addr: SocketAddr) -> Result<(), ErrorCode> {
        if !matches!(self.state, State::Default(_)) {
            return Err(ErrorCode::InvalidState);
        }
        if !is_unicast(addr.ip()) || !is_remote(addr) || !family_accepts(self.family, addr.ip()) {
            return Err(ErrorCode::InvalidArgument);
        }
        // The OS binds an unbound socket as it connects; we check that
        // (with the wildcard address) without binding ourselves.
        if !self.is_bound() {
            self.permit(unspecified(self.family), SocketAddrUse::TcpBind)?;
        }
        self.permit(addr, SocketAddrUse::TcpConnect)?;
        let State::Default(socket) =
            std::mem::replace(&mut self.state, State::Closed(ErrorCode::Unknown))
        else {
            unreachable!()
        };
        // The first poll makes the system call and registers the socket.
        self.state = State::Connecting(Box::pin(socket.connect(addr)));
        let _ = self.poll_connect(&mut Context::from_waker(std::task::Waker::noop()));
        Ok(())
    }

    /// Drives a pending connect; ready once it has succeeded or failed.
    pub(crate) fn poll_connect(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let State::Connecting(future) = &mut self.state else {
            return Poll::Ready(());
        };
        let result = match with_ambient_tokio_runtime(|| future.as_mut().poll(cx)) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        self.state = match result {
            Ok(stream) => State::Connected(Conn::new(stream)),
            Err(e) => State::Closed(ErrorCode::from(&e)),
        };
        Poll::Ready(())
    }

    pub(crate) fn listen(&mut self) -> Result<(), ErrorCode> {
        // WASI 0.2 wants an explicit bind first.
        if !self.is_bound() {
            return Err(ErrorCode::InvalidState);
        }
        let State::Default(socket) = &self.state else {
            return Err(ErrorCode::InvalidState);
        };
        self.permit(socket.local_addr()?, SocketAddrUse::TcpListen)?;
        let State::Default(socket) =
            std::mem::replace(&mut self.state, State::Closed(ErrorCode::Unknown))
        else {
            unreachable!()
        };
        let backlog = self.backlog;
        match with_ambient_tokio_runtime(|| socket.listen(backlog)) {
            Ok(listener) => {
                self.state = State::Listening {
                    listener,
                    accepted: None,
                };
                Ok(())
            }
            Err(e) => {
                // `listen` consumed the socket; it cannot be used again.
                let code = ErrorCode::from(&e);
                self.state = State::Closed(code);
                Err(code)
            }
        }
    }

    /// Polls for a client to accept, keeping it for [`Self::accept`].
    pub(crate) fn poll_accept_ready(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let State::Listening { listener, accepted } = &mut self.state else {
            return Poll::Ready(());
        };
        if accepted.is_none() {
            match with_ambient_tokio_runtime(|| listener.poll_accept(cx)) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => *accepted = Some(result),
            }
        }
        Poll::Ready(())
    }

    /// The next client the embedder's check permits, without waiting.
    pub(crate) fn accept(&mut self) -> Result<TcpSocket, ErrorCode> {
        loop {
            if !matches!(self.state, State::Listening { .. }) {
                return Err(ErrorCode::InvalidState);
            }
            if self
                .poll_accept_ready(&mut Context::from_waker(std::task::Waker::noop()))
                .is_pending()
            {
                return Err(ErrorCode::WouldBlock);
            }
            let State::Listening { accepted, .. } = &mut self.state else {
                unreachable!()
            };
            let (stream, addr) = accepted.take().unwrap().map_err(accept_error)?;
            if !self.check.permits(addr, SocketAddrUse::TcpAccept) {
                // Reset the connection rather than close it gracefully.
                let _ = sockopt::set_socket_linger(&stream, Some(Duration::ZERO));
                continue;
            }
            return Ok(TcpSocket {
                state: State::Connected(Conn::new(stream)),
                family: self.family,
                in_progress: None,
                backlog: DEFAULT_BACKLOG,
                bound: true,
                check: self.check.clone(),
                p3_receiving: false,
                p3_sending: false,
            });
        }
    }

    /// The connection, for a finished connect or an accepted socket.
    pub(crate) fn conn(&self) -> Result<&Arc<Conn>, ErrorCode> {
        match &self.state {
            State::Connected(conn) => Ok(conn),
            State::Closed(code) => Err(*code),
            _ => Err(ErrorCode::InvalidState),
        }
    }

    pub(crate) fn local_address(&mut self) -> Result<SocketAddr, ErrorCode> {
        if !self.is_bound() {
            return Err(ErrorCode::InvalidState);
        }
        Ok(match &self.state {
            State::Default(socket) => socket.local_addr()?,
            State::Listening { listener, .. } => listener.local_addr()?,
            State::Connected(conn) => conn.stream.local_addr()?,
            State::Connecting(_) => return Err(ErrorCode::InvalidState),
            State::Closed(code) => return Err(*code),
        })
    }

    fn set_listen_backlog_size(&mut self, value: u64) -> Result<(), ErrorCode> {
        if value == 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        // Operating systems clamp the backlog too.
        let value = u32::try_from(value)
            .unwrap_or(u32::MAX)
            .min(i32::MAX as u32);
        match &self.state {
            State::Default(_) => {}
            // Not every system can change the backlog of a listener.
            State::Listening { listener, .. } => {
                rustix::net::listen(listener, value as i32).map_err(|_| ErrorCode::NotSupported)?
            }
            State::Closed(code) => return Err(*code),
            _ => return Err(ErrorCode::InvalidState),
        }
        self.backlog = value;
        Ok(())
    }

    /// The streams of a newly connected socket, as table entries that are
    /// children of `socket`.
    fn push_streams(
        table: &mut wasmtime::component::ResourceTable,
        socket: &Resource<TcpSocket>,
    ) -> SocketResult<(Resource<DynInputStream>, Resource<DynOutputStream>)> {
        let conn = table.get(socket)?.conn()?.clone();
        let input: DynInputStream = Box::new(TcpReader::new(conn.clone()));
        let output: DynOutputStream = Box::new(TcpWriter::new(conn));
        let input = table.push_child(input, socket)?;
        let output = table.push_child(output, socket)?;
        Ok((input, output))
    }
}

/// Error codes of `accept`: Linux reports errors of the pending
/// connection (a reset, an unreachable network, ...) from `accept`
/// itself; those mean the connection was aborted.
fn accept_error(err: io::Error) -> ErrorCode {
    #[cfg(target_os = "linux")]
    if let Some(
        Errno::CONNRESET
        | Errno::NETRESET
        | Errno::HOSTUNREACH
        | Errno::HOSTDOWN
        | Errno::NETDOWN
        | Errno::NETUNREACH
        | Errno::PROTO
        | Errno::NOPROTOOPT
        | Errno::NONET
        | Errno::OPNOTSUPP,
    ) = Errno::from_io_error(&err)
    {
        return ErrorCode::ConnectionAborted;
    }
    ErrorCode::from(&err)
}

/// A keep-alive time in nanoseconds for the OS: at least a second (so
/// it is not rounded to 0) and at most what Linux accepts.
fn keep_alive_time(nanos: u64) -> Result<Duration, ErrorCode> {
    if nanos == 0 {
        return Err(ErrorCode::InvalidArgument);
    }
    let max = Duration::from_secs(i16::MAX as u64);
    Ok(Duration::from_nanos(nanos).clamp(Duration::from_secs(1), max))
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl tcp_create_socket::Host for WasiCtxView<'_> {
    fn create_tcp_socket(
        &mut self,
        address_family: IpAddressFamily,
    ) -> SocketResult<Resource<TcpSocket>> {
        if !self.ctx.allow_tcp {
            return Err(ErrorCode::AccessDenied.into());
        }
        let socket = TcpSocket::new(address_family, self.ctx.socket_addr_check.clone())?;
        Ok(self.table.push(socket)?)
    }
}

impl tcp::Host for WasiCtxView<'_> {}

impl tcp::HostTcpSocket for WasiCtxView<'_> {
    fn start_bind(
        &mut self,
        this: Resource<TcpSocket>,
        network: Resource<Network>,
        local_address: IpSocketAddress,
    ) -> SocketResult<()> {
        self.table.get(&network)?;
        let socket = self.table.get_mut(&this)?;
        if socket.in_progress.is_some() {
            return Err(ErrorCode::ConcurrencyConflict.into());
        }
        socket.bind(local_address.into())?;
        socket.in_progress = Some(Operation::Bind);
        Ok(())
    }

    fn finish_bind(&mut self, this: Resource<TcpSocket>) -> SocketResult<()> {
        finish(self.table.get_mut(&this)?, Operation::Bind)
    }

    fn start_connect(
        &mut self,
        this: Resource<TcpSocket>,
        network: Resource<Network>,
        remote_address: IpSocketAddress,
    ) -> SocketResult<()> {
        self.table.get(&network)?;
        let socket = self.table.get_mut(&this)?;
        if socket.in_progress.is_some() {
            return Err(ErrorCode::ConcurrencyConflict.into());
        }
        socket.start_connect(remote_address.into())?;
        socket.in_progress = Some(Operation::Connect);
        Ok(())
    }

    fn finish_connect(
        &mut self,
        this: Resource<TcpSocket>,
    ) -> SocketResult<(Resource<DynInputStream>, Resource<DynOutputStream>)> {
        let socket = self.table.get_mut(&this)?;
        if socket.in_progress != Some(Operation::Connect) {
            return Err(ErrorCode::NotInProgress.into());
        }
        let mut cx = Context::from_waker(std::task::Waker::noop());
        if socket.poll_connect(&mut cx).is_pending() {
            return Err(ErrorCode::WouldBlock.into());
        }
        socket.in_progress = None;
        socket.conn()?;
        TcpSocket::push_streams(self.table, &this)
    }

    fn start_listen(&mut self, this: Resource<TcpSocket>) -> SocketResult<()> {
        let socket = self.table.get_mut(&this)?;
        if socket.in_progress.is_some() {
            return Err(ErrorCode::ConcurrencyConflict.into());
        }
        socket.listen()?;
        socket.in_progress = Some(Operation::Listen);
        Ok(())
    }

    fn finish_listen(&mut self, this: Resource<TcpSocket>) -> SocketResult<()> {
        finish(self.table.get_mut(&this)?, Operation::Listen)
    }

    fn accept(
        &mut self,
        this: Resource<TcpSocket>,
    ) -> SocketResult<(
        Resource<TcpSocket>,
        Resource<DynInputStream>,
        Resource<DynOutputStream>,
    )> {
        let client = self.table.get_mut(&this)?.accept()?;
        let client = self.table.push(client)?;
        let (input, output) = TcpSocket::push_streams(self.table, &client)?;
        Ok((client, input, output))
    }

    fn local_address(&mut self, this: Resource<TcpSocket>) -> SocketResult<IpSocketAddress> {
        Ok(self.table.get_mut(&this)?.local_address()?.into())
    }

    fn remote_address(&mut self, this: Resource<TcpSocket>) -> SocketResult<IpSocketAddress> {
        let socket = self.table.get(&this)?;
        Ok(socket.conn()?.stream.peer_addr()?.into())
    }

    fn is_listening(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<bool> {
        let socket = self.table.get(&this)?;
        Ok(matches!(socket.state, State::Listening { .. }))
    }

    fn address_family(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<IpAddressFamily> {
        Ok(self.table.get(&this)?.family)
    }

    fn set_listen_backlog_size(
        &mut self,
        this: Resource<TcpSocket>,
        value: u64,
    ) -> SocketResult<()> {
        Ok(self.table.get_mut(&this)?.set_listen_backlog_size(value)?)
    }

    fn keep_alive_enabled(&mut self, this: Resource<TcpSocket>) -> SocketResult<bool> {
        let fd = self.table.get(&this)?.fd()?;
        Ok(sockopt::socket_keepalive(fd)?)
    }

    fn set_keep_alive_enabled(
        &mut self,
        this: Resource<TcpSocket>,
        value: bool,
    ) -> SocketResult<()> {
        let fd = self.table.get(&this)?.fd()?;
        Ok(sockopt::set_socket_keepalive(fd, value)?)
    }

    fn keep_alive_idle_time(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        let fd = self.table.get(&this)?.fd()?;
        Ok(nanos(sockopt::tcp_keepidle(fd)?))
    }

    fn set_keep_alive_idle_time(
        &mut self,
        this: Resource<TcpSocket>,
        value: u64,
    ) -> SocketResult<()> {
        let value = keep_alive_time(value)?;
        let fd = self.table.get(&this)?.fd()?;
        Ok(sockopt::set_tcp_keepidle(fd, value)?)
    }

    fn keep_alive_interval(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        let fd = self.table.get(&this)?.fd()?;
        Ok(nanos(sockopt::tcp_keepintvl(fd)?))
    }

    fn set_keep_alive_interval(
        &mut self,
        this: Resource<TcpSocket>,
        value: u64,
    ) -> SocketResult<()> {
        let value = keep_alive_time(value)?;
        let fd = self.table.get(&this)?.fd()?;
        Ok(sockopt::set_tcp_keepintvl(fd, value)?)
    }

    fn keep_alive_count(&mut self, this: Resource<TcpSocket>) -> SocketResult<u32> {
        let fd = self.table.get(&this)?.fd()?;
        Ok(sockopt::tcp_keepcnt(fd)?)
    }

    fn set_keep_alive_count(&mut self, this: Resource<TcpSocket>, value: u32) -> SocketResult<()> {
        if value == 0 {
            return Err(ErrorCode::InvalidArgument.into());
        }
        // At most what Linux accepts.
        let value = value.min(i8::MAX as u32);
        let fd = self.table.get(&this)?.fd()?;
        Ok(sockopt::set_tcp_keepcnt(fd, value)?)
    }

    fn hop_limit(&mut self, this: Resource<TcpSocket>) -> SocketResult<u8> {
        let socket = self.table.get(&this)?;
        Ok(super::hop_limit(socket.fd()?, socket.family)?)
    }

    fn set_hop_limit(&mut self, this: Resource<TcpSocket>, value: u8) -> SocketResult<()> {
        let socket = self.table.get(&this)?;
        Ok(super::set_hop_limit(socket.fd()?, socket.family, value)?)
    }

    fn receive_buffer_size(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        Ok(super::receive_buffer_size(self.table.get(&this)?.fd()?)?)
    }

    fn set_receive_buffer_size(
        &mut self,
        this: Resource<TcpSocket>,
        value: u64,
    ) -> SocketResult<()> {
        Ok(super::set_receive_buffer_size(
            self.table.get(&this)?.fd()?,
            value,
        )?)
    }

    fn send_buffer_size(&mut self, this: Resource<TcpSocket>) -> SocketResult<u64> {
        Ok(super::send_buffer_size(self.table.get(&this)?.fd()?)?)
    }

    fn set_send_buffer_size(&mut self, this: Resource<TcpSocket>, value: u64) -> SocketResult<()> {
        Ok(super::set_send_buffer_size(
            self.table.get(&this)?.fd()?,
            value,
        )?)
    }

    fn subscribe(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<Resource<DynPollable>> {
        crate::p2::subscribe(self.table, this)
    }

    fn shutdown(
        &mut self,
        this: Resource<TcpSocket>,
        shutdown_type: ShutdownType,
    ) -> SocketResult<()> {
        let conn = self.table.get(&this)?.conn()?;
        let (receive, send) = match shutdown_type {
            ShutdownType::Receive => (true, false),
            ShutdownType::Send => (false, true),
            ShutdownType::Both => (true, true),
        };
        conn.shutdown(receive, send);
        Ok(())
    }

    fn drop(&mut self, this: Resource<TcpSocket>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

/// `finish-bind` and `finish-listen`: the operation must have been
/// started.
fn finish(socket: &mut TcpSocket, operation: Operation) -> SocketResult<()> {
    if socket.in_progress != Some(operation) {
        return Err(ErrorCode::NotInProgress.into());
    }
    socket.in_progress = None;
    Ok(())
}

#[async_trait::async_trait]
impl Pollable for TcpSocket {
    async fn ready(&mut self) {
        match self.state {
            State::Connecting(_) => std::future::poll_fn(|cx| self.poll_connect(cx)).await,
            State::Listening { .. } => std::future::poll_fn(|cx| self.poll_accept_ready(cx)).await,
            _ => {}
        }
    }
}
