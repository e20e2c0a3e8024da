//! `wasi:sockets/types.tcp-socket` (WASI 0.3) on the WASI 0.2
//! [`TcpSocket`]: `connect` waits as an async task, `listen` streams the
//! accepted sockets, `send` and `receive` move the connection's bytes as
//! `stream<u8>`s (each may be called once).

use super::{from_p2, ErrorCode};
use crate::p2::bindings::sockets::network::{IpAddressFamily, IpSocketAddress};
use crate::p2::bindings::sockets::tcp::HostTcpSocket as P2;
use crate::p2::sockets::tcp_stream::Conn;
use crate::p2::{SocketError, TcpSocket};
use crate::p3::streams::{outcome, Outcome};
use crate::WasiView;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use wasmtime::component::{
    Destination, FutureReader, LinkerInstance, Resource, ResourceType, Source, StreamConsumer,
    StreamProducer, StreamReader, StreamResult, VecBuffer,
};
use wasmtime::StoreContextMut;

type ResultFuture = FutureReader<Result<(), ErrorCode>>;
type Res = Resource<TcpSocket>;

/// Largest single read from a connection.
const MAX_READ: usize = 64 * 1024;

/// Streams the clients a listening socket accepts, as new sockets.
struct Accepted {
    listener: u32,
}

impl<D: WasiView + 'static> StreamProducer<D> for Accepted {
    type Item = Res;
    type Buffer = VecBuffer<Res>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut store: StoreContextMut<'a, D>,
        mut destination: Destination<'a, Res, VecBuffer<Res>>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let view = store.data_mut().ctx();
        let listener = Resource::<TcpSocket>::new_borrow(self.listener);
        loop {
            let Ok(socket) = view.table.get_mut(&listener) else {
                return Poll::Ready(Ok(StreamResult::Dropped));
            };
            if socket.poll_accept_ready(cx).is_pending() {
                return match finish {
                    true => Poll::Ready(Ok(StreamResult::Cancelled)),
                    false => Poll::Pending,
                };
            }
            match socket.accept() {
                Ok(client) => {
                    let client = view.table.push(client)?;
                    destination.set_buffer(vec![client].into());
                    return Poll::Ready(Ok(StreamResult::Completed));
                }
                // The listener is gone (or failed for good).
                Err(crate::p2::bindings::sockets::network::ErrorCode::InvalidState) => {
                    return Poll::Ready(Ok(StreamResult::Dropped))
                }
                // A client that failed before it was accepted.
                Err(_) => continue,
            }
        }
    }
}

/// Fills a guest's reads from the connection.
struct Receiver {
    conn: Arc<Conn>,
    outcome: Outcome<ErrorCode>,
    done: bool,
}

impl<D: 'static> StreamProducer<D> for Receiver {
    type Item = u8;
    type Buffer = VecBuffer<u8>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        mut destination: Destination<'a, u8, VecBuffer<u8>>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let max = destination
            .remaining(store)
            .unwrap_or(MAX_READ)
            .clamp(1, MAX_READ);
        loop {
            match this.conn.stream.poll_read_ready(cx) {
                Poll::Pending if finish => return Poll::Ready(Ok(StreamResult::Cancelled)),
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Ok(this.fail(&e))),
                Poll::Ready(Ok(())) => {}
            }
            let mut buf = vec![0; max];
            match this.conn.stream.try_read(&mut buf) {
                Ok(0) => {
                    this.done = true;
                    this.outcome.send(Ok(()));
                    return Poll::Ready(Ok(StreamResult::Dropped));
                }
                Ok(n) => {
                    buf.truncate(n);
                    destination.set_buffer(buf.into());
                    return Poll::Ready(Ok(StreamResult::Completed));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Ok(this.fail(&e))),
            }
        }
    }
}

impl Receiver {
    fn fail(&mut self, err: &io::Error) -> StreamResult {
        self.done = true;
        self.outcome.send(Err(ErrorCode::from(err)));
        StreamResult::Dropped
    }
}

/// Sends a guest's writes over the connection; when the guest drops its
/// end, the sending side is shut down.
struct Sender {
    conn: Arc<Conn>,
    outcome: Outcome<ErrorCode>,
    done: bool,
}

impl<D: 'static> StreamConsumer<D> for Sender {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let mut direct = source.as_direct(store);
        if direct.remaining().is_empty() {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        loop {
            match this.conn.stream.poll_write_ready(cx) {
                Poll::Pending if finish => return Poll::Ready(Ok(StreamResult::Cancelled)),
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Ok(this.fail(&e))),
                Poll::Ready(Ok(())) => {}
            }
            match this.conn.stream.try_write(direct.remaining()) {
                Ok(n) => {
                    direct.mark_read(n);
                    return Poll::Ready(Ok(StreamResult::Completed));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Ok(this.fail(&e))),
            }
        }
    }
}

impl Sender {
    fn fail(&mut self, err: &io::Error) -> StreamResult {
        self.done = true;
        self.outcome.send(Err(ErrorCode::from(err)));
        StreamResult::Dropped
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        if !self.done {
            self.conn.shutdown(false, true);
        }
    }
}

/// A future already holding `value`.
fn ready<T: WasiView + 'static>(
    store: &mut StoreContextMut<'_, T>,
    value: Result<(), ErrorCode>,
) -> wasmtime::Result<ResultFuture> {
    FutureReader::new(store, std::future::ready(Ok::<_, wasmtime::Error>(value)))
}

/// The connection of `socket` for `receive` (or `send`), marking that side
/// taken.
fn take_conn<T: WasiView>(
    store: &mut StoreContextMut<'_, T>,
    socket: &Res,
    receive: bool,
) -> wasmtime::Result<Result<Arc<Conn>, ErrorCode>> {
    let socket = store.data_mut().ctx().table.get_mut(socket)?;
    let taken = match receive {
        true => &mut socket.p3_receiving,
        false => &mut socket.p3_sending,
    };
    if *taken {
        return Ok(Err(ErrorCode::InvalidState));
    }
    let conn = match socket.conn() {
        Ok(conn) => conn.clone(),
        Err(code) => return Ok(Err(code.into())),
    };
    let taken = match receive {
        true => &mut socket.p3_receiving,
        false => &mut socket.p3_sending,
    };
    *taken = true;
    Ok(Ok(conn))
}

/// Defines the `tcp-socket` resource and its functions.
pub(super) fn add_to_linker<T: WasiView + 'static>(
    inst: &mut LinkerInstance<'_, T>,
) -> wasmtime::Result<()> {
    inst.resource(
        "tcp-socket",
        ResourceType::host::<TcpSocket>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            store.data_mut().ctx().table.delete(Res::new_own(rep))?;
            Ok(())
        },
    )?;
    inst.func_wrap(
        "[static]tcp-socket.create",
        |mut store: StoreContextMut<'_, T>, (family,): (IpAddressFamily,)| {
            let view = store.data_mut().ctx();
            if !view.ctx.allow_tcp {
                return Ok((Err(ErrorCode::AccessDenied),));
            }
            let check = view.ctx.socket_addr_check.clone();
            let r = match from_p2(TcpSocket::new(family, check))? {
                Ok(socket) => Ok(view.table.push(socket)?),
                Err(code) => Err(code),
            };
            Ok((r,))
        },
    )?;
    inst.func_wrap(
        "[method]tcp-socket.bind",
        |mut store: StoreContextMut<'_, T>, (this, addr): (Res, IpSocketAddress)| {
            let socket = store.data_mut().ctx().table.get_mut(&this)?;
            Ok((socket.bind(addr.into()).map_err(ErrorCode::from),))
        },
    )?;
    inst.func_wrap_concurrent(
        "[method]tcp-socket.connect",
        |acc, (this, addr): (Res, IpSocketAddress)| {
            Box::pin(async move {
                let started = acc.with(|mut a| -> wasmtime::Result<_> {
                    let socket = a.data_mut().ctx().table.get_mut(&this)?;
                    Ok(socket.start_connect(addr.into()))
                })?;
                if let Err(code) = started {
                    return Ok((Err(ErrorCode::from(code)),));
                }
                std::future::poll_fn(|cx| {
                    acc.with(|mut a| match a.data_mut().ctx().table.get_mut(&this) {
                        Ok(socket) => socket.poll_connect(cx).map(|()| Ok(())),
                        Err(e) => Poll::Ready(Err(e)),
                    })
                })
                .await?;
                let r = acc.with(|mut a| -> wasmtime::Result<_> {
                    let socket = a.data_mut().ctx().table.get_mut(&this)?;
                    Ok(socket.conn().map(|_| ()).map_err(ErrorCode::from))
                })?;
                Ok((r,))
            })
        },
    )?;
    inst.func_wrap(
        "[method]tcp-socket.listen",
        |mut store: StoreContextMut<'_, T>, (this,): (Res,)| {
            let socket = store.data_mut().ctx().table.get_mut(&this)?;
            if !socket.is_bound() {
                // WASI 0.3 binds an unbound socket to any port.
                let any = crate::p2::sockets::unspecified(socket.family);
                if let Err(code) = socket.bind(any) {
                    return Ok((Err(ErrorCode::from(code)),));
                }
            }
            if let Err(code) = socket.listen() {
                return Ok((Err(ErrorCode::from(code)),));
            }
            let stream = StreamReader::new(
                &mut store,
                Accepted {
                    listener: this.rep(),
                },
            )?;
            Ok((Ok(stream),))
        },
    )?;
    inst.func_wrap(
        "[method]tcp-socket.send",
        |mut store: StoreContextMut<'_, T>, (this, data): (Res, StreamReader<u8>)| {
            let future = match take_conn(&mut store, &this, false)? {
                Ok(conn) => {
                    let (tx, rx) = Outcome::new();
                    let sender = Sender {
                        conn,
                        outcome: tx,
                        done: false,
                    };
                    data.pipe(&mut store, sender)?;
                    FutureReader::new(&mut store, async move {
                        Ok::<_, wasmtime::Error>(outcome(rx).await)
                    })?
                }
                Err(code) => {
                    let mut data = data;
                    data.close(&mut store)?;
                    ready(&mut store, Err(code))?
                }
            };
            Ok((future,))
        },
    )?;
    inst.func_wrap(
        "[method]tcp-socket.receive",
        |mut store: StoreContextMut<'_, T>, (this,): (Res,)| {
            let pair = match take_conn(&mut store, &this, true)? {
                Ok(conn) => {
                    let (tx, rx) = Outcome::new();
                    let receiver = Receiver {
                        conn,
                        outcome: tx,
                        done: false,
                    };
                    let stream = StreamReader::new(&mut store, receiver)?;
                    let future = FutureReader::new(&mut store, async move {
                        Ok::<_, wasmtime::Error>(outcome(rx).await)
                    })?;
                    (stream, future)
                }
                Err(code) => {
                    let stream = StreamReader::new(&mut store, Vec::<u8>::new())?;
                    (stream, ready(&mut store, Err(code))?)
                }
            };
            Ok((pair,))
        },
    )?;
    add_properties(inst)
}

/// Defines a `[method]tcp-socket.NAME` answered by the WASI 0.2 method
/// `$p2` with the arguments given (and the error code converted).
macro_rules! property {
    ($inst:ident, $name:literal, $p2:ident $(, $arg:ident: $ty:ty)*) => {
        $inst.func_wrap(
            concat!("[method]tcp-socket.", $name),
            |mut store: StoreContextMut<'_, T>, (this, $($arg,)*): (Res, $($ty,)*)| {
                let mut view = store.data_mut().ctx();
                let r: Result<_, SocketError> = P2::$p2(&mut view, this $(, $arg)*);
                Ok((from_p2(r)?,))
            },
        )?;
    };
}

/// The getters and setters, as in WASI 0.2.
fn add_properties<T: WasiView + 'static>(inst: &mut LinkerInstance<'_, T>) -> wasmtime::Result<()> {
    property!(inst, "get-local-address", local_address);
    property!(inst, "get-remote-address", remote_address);
    inst.func_wrap(
        "[method]tcp-socket.get-is-listening",
        |mut store: StoreContextMut<'_, T>, (this,): (Res,)| {
            Ok((P2::is_listening(&mut store.data_mut().ctx(), this)?,))
        },
    )?;
    inst.func_wrap(
        "[method]tcp-socket.get-address-family",
        |mut store: StoreContextMut<'_, T>, (this,): (Res,)| {
            Ok((P2::address_family(&mut store.data_mut().ctx(), this)?,))
        },
    )?;
    property!(inst, "set-listen-backlog-size", set_listen_backlog_size, v: u64);
    property!(inst, "get-keep-alive-enabled", keep_alive_enabled);
    property!(inst, "set-keep-alive-enabled", set_keep_alive_enabled, v: bool);
    property!(inst, "get-keep-alive-idle-time", keep_alive_idle_time);
    property!(inst, "set-keep-alive-idle-time", set_keep_alive_idle_time, v: u64);
    property!(inst, "get-keep-alive-interval", keep_alive_interval);
    property!(inst, "set-keep-alive-interval", set_keep_alive_interval, v: u64);
    property!(inst, "get-keep-alive-count", keep_alive_count);
    property!(inst, "set-keep-alive-count", set_keep_alive_count, v: u32);
    property!(inst, "get-hop-limit", hop_limit);
    property!(inst, "set-hop-limit", set_hop_limit, v: u8);
    property!(inst, "get-receive-buffer-size", receive_buffer_size);
    property!(inst, "set-receive-buffer-size", set_receive_buffer_size, v: u64);
    property!(inst, "get-send-buffer-size", send_buffer_size);
    property!(inst, "set-send-buffer-size", set_send_buffer_size, v: u64);
    Ok(())
}
