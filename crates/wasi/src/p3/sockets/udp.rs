//! `wasi:sockets/types.udp-socket` (WASI 0.3) on the WASI 0.2
//! [`UdpSocket`]: `send` and `receive` are async functions that wait for
//! the socket as a task of the store's event loop.

use super::{from_p2, ErrorCode};
use crate::p2::bindings::sockets::network::{IpAddressFamily, IpSocketAddress};
use crate::p2::bindings::sockets::udp::HostUdpSocket as P2;
use crate::p2::sockets::{family_accepts, is_remote, unspecified};
use crate::p2::{SocketError, UdpSocket};
use crate::sockets::SocketAddrUse;
use crate::WasiView;
use std::io;
use std::net::SocketAddr;
use wasmtime::component::{LinkerInstance, Resource, ResourceType};
use wasmtime::StoreContextMut;

type Res = Resource<UdpSocket>;

/// The largest datagram (the IPv4 payload limit).
const MAX_DATAGRAM: usize = 65_507;

/// Where a datagram goes and from which socket, after the checks of
/// `send`; binds an unbound socket to any port first, as sending would.
fn prepare_send(
    socket: &mut UdpSocket,
    len: usize,
    remote: Option<IpSocketAddress>,
) -> Result<(std::sync::Arc<tokio::net::UdpSocket>, SocketAddr, bool), ErrorCode> {
    if len > MAX_DATAGRAM {
        return Err(ErrorCode::DatagramTooLarge);
    }
    let (addr, connected) = match remote {
        Some(addr) => {
            let addr = SocketAddr::from(addr);
            if !is_remote(addr) || !family_accepts(socket.family, addr.ip()) {
                return Err(ErrorCode::InvalidArgument);
            }
            if socket.remote.is_some_and(|r| r != addr) {
                return Err(ErrorCode::InvalidArgument);
            }
            (addr, socket.remote == Some(addr))
        }
        None => (socket.remote.ok_or(ErrorCode::InvalidArgument)?, true),
    };
    if !socket.check.permits(addr, SocketAddrUse::UdpSend) {
        return Err(ErrorCode::AccessDenied);
    }
    if !socket.is_bound() {
        socket.bind(unspecified(socket.family))?;
    }
    Ok((socket.socket.clone(), addr, connected))
}

/// Defines the `udp-socket` resource and its functions.
pub(super) fn add_to_linker<T: WasiView + 'static>(
    inst: &mut LinkerInstance<'_, T>,
) -> wasmtime::Result<()> {
    inst.resource(
        "udp-socket",
        ResourceType::host::<UdpSocket>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            store.data_mut().ctx().table.delete(Res::new_own(rep))?;
            Ok(())
        },
    )?;
    inst.func_wrap(
        "[static]udp-socket.create",
        |mut store: StoreContextMut<'_, T>, (family,): (IpAddressFamily,)| {
            let view = store.data_mut().ctx();
            if !view.ctx.allow_udp {
                return Ok((Err(ErrorCode::AccessDenied),));
            }
            let check = view.ctx.socket_addr_check.clone();
            let r = match from_p2(UdpSocket::new(family, check))? {
                Ok(socket) => Ok(view.table.push(socket)?),
                Err(code) => Err(code),
            };
            Ok((r,))
        },
    )?;
    inst.func_wrap(
        "[method]udp-socket.bind",
        |mut store: StoreContextMut<'_, T>, (this, addr): (Res, IpSocketAddress)| {
            let socket = store.data_mut().ctx().table.get_mut(&this)?;
            Ok((socket.bind(addr.into()).map_err(ErrorCode::from),))
        },
    )?;
    inst.func_wrap(
        "[method]udp-socket.connect",
        |mut store: StoreContextMut<'_, T>, (this, addr): (Res, IpSocketAddress)| {
            let socket = store.data_mut().ctx().table.get_mut(&this)?;
            let bound = match socket.is_bound() {
                true => Ok(()),
                false => socket.bind(unspecified(socket.family)),
            };
            let r = bound.and_then(|()| socket.connect(addr.into()));
            Ok((r.map_err(ErrorCode::from),))
        },
    )?;
    inst.func_wrap(
        "[method]udp-socket.disconnect",
        |mut store: StoreContextMut<'_, T>, (this,): (Res,)| {
            let socket = store.data_mut().ctx().table.get_mut(&this)?;
            if socket.remote.is_none() {
                return Ok((Err(ErrorCode::InvalidState),));
            }
            Ok((socket.disconnect().map_err(ErrorCode::from),))
        },
    )?;
    inst.func_wrap_concurrent(
        "[method]udp-socket.send",
        |acc, (this, data, remote): (Res, Vec<u8>, Option<IpSocketAddress>)| {
            Box::pin(async move {
                let prepared = acc.with(|mut a| -> wasmtime::Result<_> {
                    let socket = a.data_mut().ctx().table.get_mut(&this)?;
                    Ok(prepare_send(socket, data.len(), remote))
                })?;
                let (socket, addr, connected) = match prepared {
                    Ok(p) => p,
                    Err(code) => return Ok((Err(code),)),
                };
                let result = loop {
                    let r = match connected {
                        true => socket.try_send(&data),
                        false => socket.try_send_to(&data, addr),
                    };
                    match r {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if let Err(e) = socket.writable().await {
                                break Err(e);
                            }
                        }
                        r => break r,
                    }
                };
                Ok((result.map(|_| ()).map_err(|e| ErrorCode::from(&e)),))
            })
        },
    )?;
    inst.func_wrap_concurrent("[method]udp-socket.receive", |acc, (this,): (Res,)| {
        Box::pin(async move {
            let state = acc.with(|mut a| -> wasmtime::Result<_> {
                let socket = a.data_mut().ctx().table.get_mut(&this)?;
                Ok(match socket.is_bound() {
                    true => Ok((socket.socket.clone(), socket.remote, socket.check.clone())),
                    false => Err(ErrorCode::InvalidState),
                })
            })?;
            let (socket, remote, check) = match state {
                Ok(s) => s,
                Err(code) => return Ok((Err(code),)),
            };
            loop {
                let mut buf = vec![0; MAX_DATAGRAM];
                match socket.try_recv_from(&mut buf) {
                    Ok((n, addr)) => {
                        if remote.is_some_and(|r| r != addr)
                            || !check.permits(addr, SocketAddrUse::UdpReceive)
                        {
                            continue;
                        }
                        buf.truncate(n);
                        return Ok((Ok((buf, IpSocketAddress::from(addr))),));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if let Err(e) = socket.readable().await {
                            return Ok((Err(ErrorCode::from(&e)),));
                        }
                    }
                    Err(e) => return Ok((Err(ErrorCode::from(&e)),)),
                }
            }
        })
    })?;
    add_properties(inst)
}

/// Defines a `[method]udp-socket.NAME` answered by the WASI 0.2 method
/// `$p2`.
macro_rules! property {
    ($inst:ident, $name:literal, $p2:ident $(, $arg:ident: $ty:ty)*) => {
        $inst.func_wrap(
            concat!("[method]udp-socket.", $name),
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
        "[method]udp-socket.get-address-family",
        |mut store: StoreContextMut<'_, T>, (this,): (Res,)| {
            Ok((P2::address_family(&mut store.data_mut().ctx(), this)?,))
        },
    )?;
    property!(inst, "get-unicast-hop-limit", unicast_hop_limit);
    property!(inst, "set-unicast-hop-limit", set_unicast_hop_limit, v: u8);
    property!(inst, "get-receive-buffer-size", receive_buffer_size);
    property!(inst, "set-receive-buffer-size", set_receive_buffer_size, v: u64);
    property!(inst, "get-send-buffer-size", send_buffer_size);
    property!(inst, "set-send-buffer-size", set_send_buffer_size, v: u64);
    Ok(())
}
