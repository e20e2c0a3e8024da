//! `wasi:sockets/ip-name-lookup`: names resolved by the host's resolver
//! on a blocking task, delivered through [`ResolveAddressStream`].

use super::SocketResult;
use crate::p2::bindings::sockets::ip_name_lookup;
use crate::p2::bindings::sockets::network::{ErrorCode, IpAddress, Network};
use crate::p2::io::{DynPollable, Pollable};
use crate::p2::runtime::io_handle;
use crate::WasiCtxView;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::pin::Pin;
use std::task::{Context, Poll};
use wasmtime::component::Resource;

/// The value behind a `resolve-address-stream` resource.
pub struct ResolveAddressStream {
    state: Lookup,
}

enum Lookup {
    /// The resolver is still working.
    Pending(tokio::task::JoinHandle<Result<Vec<IpAddr>, ErrorCode>>),
    /// The addresses not yet returned, or why there are none.
    Done(Result<std::vec::IntoIter<IpAddr>, ErrorCode>),
}

impl ResolveAddressStream {
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Lookup::Pending(task) = &mut self.state {
            let result = match std::task::ready!(Pin::new(task).poll(cx)) {
                Ok(result) => result,
                // The resolver task panicked or its runtime shut down.
                Err(_) => Err(ErrorCode::Unknown),
            };
            self.state = Lookup::Done(result.map(Vec::into_iter));
        }
        Poll::Ready(())
    }
}

/// What the guest asked for: an IP address (returned as it is) or a
/// domain name to resolve, in ASCII. Anything else is an invalid
/// argument.
pub(crate) enum Name {
    Ip(IpAddr),
    Domain(String),
}

pub(crate) fn parse_name(name: &str) -> Result<Name, ErrorCode> {
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Ok(Name::Ip(ip.into()));
    }
    let unbracketed = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    if let Ok(ip) = unbracketed.parse::<Ipv6Addr>() {
        return Ok(Name::Ip(ip.into()));
    }
    // A host name as URLs allow it: not empty, and none of the characters
    // that end or delimit a host. Names beyond ASCII would need IDNA
    // (punycode) conversion, which this implementation does not do.
    let forbidden = |c: char| {
        !c.is_ascii()
            || c.is_ascii_control()
            || c.is_ascii_whitespace()
            || "#%/:<>?@[\\]^|".contains(c)
    };
    if name.is_empty() || name.contains(forbidden) {
        return Err(ErrorCode::InvalidArgument);
    }
    Ok(Name::Domain(name.to_ascii_lowercase()))
}

impl ip_name_lookup::Host for WasiCtxView<'_> {
    fn resolve_addresses(
        &mut self,
        network: Resource<Network>,
        name: String,
    ) -> SocketResult<Resource<ResolveAddressStream>> {
        self.table.get(&network)?;
        // As Wasmtime: a context without name lookups reports a resolver
        // that cannot work.
        if !self.ctx.allow_ip_name_lookup {
            return Err(ErrorCode::PermanentResolverFailure.into());
        }
        let state = match parse_name(&name)? {
            Name::Ip(ip) => Lookup::Done(Ok(vec![ip].into_iter())),
            Name::Domain(domain) => Lookup::Pending(io_handle().spawn_blocking(move || {
                match (domain.as_str(), 0).to_socket_addrs() {
                    Ok(addrs) => Ok(addrs.map(|a| a.ip().to_canonical()).collect()),
                    Err(_) => Err(ErrorCode::NameUnresolvable),
                }
            })),
        };
        Ok(self.table.push(ResolveAddressStream { state })?)
    }
}

impl ip_name_lookup::HostResolveAddressStream for WasiCtxView<'_> {
    fn resolve_next_address(
        &mut self,
        this: Resource<ResolveAddressStream>,
    ) -> SocketResult<Option<IpAddress>> {
        let stream = self.table.get_mut(&this)?;
        if stream
            .poll_done(&mut Context::from_waker(std::task::Waker::noop()))
            .is_pending()
        {
            return Err(ErrorCode::WouldBlock.into());
        }
        match &mut stream.state {
            Lookup::Done(Ok(addrs)) => Ok(addrs.next().map(IpAddress::from)),
            Lookup::Done(Err(code)) => Err((*code).into()),
            Lookup::Pending(_) => unreachable!("poll_done finished the lookup"),
        }
    }

    fn subscribe(
        &mut self,
        this: Resource<ResolveAddressStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        crate::p2::subscribe(self.table, this)
    }

    fn drop(&mut self, this: Resource<ResolveAddressStream>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Pollable for ResolveAddressStream {
    async fn ready(&mut self) {
        std::future::poll_fn(|cx| self.poll_done(cx)).await
    }
}
