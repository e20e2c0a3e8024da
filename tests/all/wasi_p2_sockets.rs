//! WASI 0.2 `wasi:sockets`: the generated host traits called directly on a
//! `WasiCtxView`, over loopback only. The scenarios are written once as
//! `async fn`s over a [`Wait`]er: with [`SyncWait`] they never suspend and
//! run without any runtime (as synchronous host functions do), with
//! [`AsyncWait`] they run under `#[tokio::test]`. Every wait is bounded by
//! a timer in the same `poll` call.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock::Host as _;
use wasmtime_wasi::p2::bindings::sockets::instance_network::Host as _;
use wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::{
    Host as _, HostResolveAddressStream as Resolve,
};
use wasmtime_wasi::p2::bindings::sockets::network::{
    ErrorCode, HostNetwork, IpAddress, IpAddressFamily, IpSocketAddress, Network,
};
use wasmtime_wasi::p2::bindings::sockets::tcp::{HostTcpSocket as Tcp, ShutdownType};
use wasmtime_wasi::p2::bindings::sockets::tcp_create_socket::Host as _;
use wasmtime_wasi::p2::bindings::sockets::udp::{
    HostIncomingDatagramStream as Incoming, HostOutgoingDatagramStream as Outgoing,
    HostUdpSocket as Udp, OutgoingDatagram,
};
use wasmtime_wasi::p2::bindings::sockets::udp_create_socket::Host as _;
use wasmtime_wasi::p2::bindings::sync::io::poll::{Host as _, HostPollable as SyncPollable};
use wasmtime_wasi::p2::bindings::sync::io::streams::{
    HostInputStream as Input, HostOutputStream as Output,
};
use wasmtime_wasi::p2::{DynPollable, SocketError, StreamError, TcpSocket};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView};

/// How long any single wait may take before the test fails.
const LIMIT: Duration = Duration::from_secs(10);

struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl Host {
    fn new(configure: impl FnOnce(&mut WasiCtxBuilder)) -> Host {
        let mut builder = WasiCtxBuilder::new();
        configure(&mut builder);
        Host {
            ctx: builder.build(),
            table: ResourceTable::new(),
        }
    }

    fn view(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

fn borrow<T: 'static>(r: &Resource<T>) -> Resource<T> {
    Resource::new_borrow(r.rep())
}

/// The error code of a failed socket call.
fn code<T: std::fmt::Debug>(result: Result<T, SocketError>) -> ErrorCode {
    match result {
        Ok(v) => panic!("expected an error code, got Ok({v:?})"),
        Err(e) => e.downcast().expect("expected an error code, got a trap"),
    }
}

/// A guest address (the conversions come with `wasmtime_wasi`).
fn guest(addr: SocketAddr) -> IpSocketAddress {
    addr.into()
}

fn from_wasi(addr: IpSocketAddress) -> SocketAddr {
    addr.into()
}

fn loopback(port: u16) -> IpSocketAddress {
    guest(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port))
}

/// Waits for a pollable (deleting it), failing the test after [`LIMIT`].
trait Wait {
    async fn wait(&mut self, v: &mut WasiCtxView<'_>, p: Resource<DynPollable>);
}

/// Waits with the synchronous `poll` (blocking the thread).
struct SyncWait;

impl Wait for SyncWait {
    async fn wait(&mut self, v: &mut WasiCtxView<'_>, p: Resource<DynPollable>) {
        let timer = v.subscribe_duration(LIMIT.as_nanos() as u64).unwrap();
        let ready = v.poll(vec![borrow(&p), borrow(&timer)]).unwrap();
        SyncPollable::drop(v, timer).unwrap();
        SyncPollable::drop(v, p).unwrap();
        assert!(ready.contains(&0), "not ready within {LIMIT:?}");
    }
}

/// Waits with the asynchronous `poll` (suspending the task).
struct AsyncWait;

impl Wait for AsyncWait {
    async fn wait(&mut self, v: &mut WasiCtxView<'_>, p: Resource<DynPollable>) {
        use wasmtime_wasi::p2::bindings::io::poll::{Host, HostPollable};
        let timer = v.subscribe_duration(LIMIT.as_nanos() as u64).unwrap();
        let ready = Host::poll(v, vec![borrow(&p), borrow(&timer)])
            .await
            .unwrap();
        HostPollable::drop(v, timer).unwrap();
        HostPollable::drop(v, p).unwrap();
        assert!(ready.contains(&0), "not ready within {LIMIT:?}");
    }
}

/// Runs a scenario with [`SyncWait`], which never suspends: no runtime is
/// needed (nor may one be used) to drive it.
fn run_sync<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = std::task::Waker::noop();
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(waker))
    {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("a synchronous scenario suspended"),
    }
}

fn network(v: &mut WasiCtxView<'_>) -> Resource<Network> {
    v.instance_network().unwrap()
}

/// A bound TCP socket listening on 127.0.0.1 (an ephemeral port), and its
/// address.
fn tcp_listener(
    v: &mut WasiCtxView<'_>,
    net: &Resource<Network>,
) -> (Resource<TcpSocket>, SocketAddr) {
    let listener = v.create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    Tcp::start_bind(v, borrow(&listener), borrow(net), loopback(0)).unwrap();
    Tcp::finish_bind(v, borrow(&listener)).unwrap();
    Tcp::start_listen(v, borrow(&listener)).unwrap();
    Tcp::finish_listen(v, borrow(&listener)).unwrap();
    assert!(Tcp::is_listening(v, borrow(&listener)).unwrap());
    let addr = from_wasi(Tcp::local_address(v, borrow(&listener)).unwrap());
    assert_eq!(addr.ip(), IpAddr::from(Ipv4Addr::LOCALHOST));
    assert_ne!(addr.port(), 0);
    (listener, addr)
}

/// Reads from `input` until `len` bytes came, waiting as needed.
async fn read_exactly(
    w: &mut impl Wait,
    v: &mut WasiCtxView<'_>,
    input: &Resource<wasmtime_wasi::p2::DynInputStream>,
    len: usize,
) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < len {
        let chunk = Input::read(v, borrow(input), (len - got.len()) as u64).unwrap();
        if chunk.is_empty() {
            let p = Input::subscribe(v, borrow(input)).unwrap();
            w.wait(v, p).await;
        }
        got.extend(chunk);
    }
    got
}

/// Writes all of `data` to `output` within check-write's permits.
async fn write_all(
    w: &mut impl Wait,
    v: &mut WasiCtxView<'_>,
    output: &Resource<wasmtime_wasi::p2::DynOutputStream>,
    mut data: &[u8],
) {
    while !data.is_empty() {
        let permit = Output::check_write(v, borrow(output)).unwrap() as usize;
        if permit == 0 {
            let p = Output::subscribe(v, borrow(output)).unwrap();
            w.wait(v, p).await;
            continue;
        }
        let n = permit.min(data.len());
        Output::write(v, borrow(output), data[..n].to_vec()).unwrap();
        data = &data[n..];
    }
    Output::flush(v, borrow(output)).unwrap();
    // Wait until everything was handed to the OS.
    let p = Output::subscribe(v, borrow(output)).unwrap();
    w.wait(v, p).await;
}

/// A client connects to a listener; the server echoes what the client
/// writes; the client's send shutdown ends the server's input.
async fn tcp_echo(mut w: impl Wait) {
    let mut host = Host::new(|b| {
        b.inherit_network();
    });
    let v = &mut host.view();
    let net = network(v);
    let (listener, addr) = tcp_listener(v, &net);

    // Nothing to accept yet.
    assert_eq!(
        code(Tcp::accept(v, borrow(&listener))),
        ErrorCode::WouldBlock
    );

    let client = v.create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    Tcp::start_connect(v, borrow(&client), borrow(&net), guest(addr)).unwrap();
    // A second connect while the first is in progress conflicts.
    assert_eq!(
        code(Tcp::start_connect(
            v,
            borrow(&client),
            borrow(&net),
            guest(addr)
        )),
        ErrorCode::ConcurrencyConflict
    );
    let p = Tcp::subscribe(v, borrow(&client)).unwrap();
    w.wait(v, p).await;
    let (cin, cout) = Tcp::finish_connect(v, borrow(&client)).unwrap();
    assert_eq!(
        from_wasi(Tcp::remote_address(v, borrow(&client)).unwrap()),
        addr
    );

    let p = Tcp::subscribe(v, borrow(&listener)).unwrap();
    w.wait(v, p).await;
    let (server, sin, sout) = Tcp::accept(v, borrow(&listener)).unwrap();
    assert_eq!(
        from_wasi(Tcp::remote_address(v, borrow(&server)).unwrap()),
        from_wasi(Tcp::local_address(v, borrow(&client)).unwrap())
    );
    assert!(!Tcp::is_listening(v, borrow(&server)).unwrap());

    // More than one permit's worth, so the writes may have to wait.
    let message: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    write_all(&mut w, v, &cout, b"hello over wasi:sockets").await;
    let got = read_exactly(&mut w, v, &sin, 23).await;
    assert_eq!(got, b"hello over wasi:sockets");
    write_all(&mut w, v, &sout, &got).await;
    let echoed = read_exactly(&mut w, v, &cin, 23).await;
    assert_eq!(echoed, b"hello over wasi:sockets");

    write_all(&mut w, v, &cout, &message).await;
    let got = read_exactly(&mut w, v, &sin, message.len()).await;
    assert!(got == message, "large message corrupted");

    // The client stops sending: the server reads the end of the stream,
    // and the client can no longer write.
    Tcp::shutdown(v, borrow(&client), ShutdownType::Send).unwrap();
    assert!(matches!(
        Output::check_write(v, borrow(&cout)),
        Err(StreamError::Closed)
    ));
    let p = Input::subscribe(v, borrow(&sin)).unwrap();
    w.wait(v, p).await;
    assert!(matches!(
        Input::read(v, borrow(&sin), 10),
        Err(StreamError::Closed)
    ));

    // Streams are children of their socket: the socket goes last.
    assert!(Tcp::drop(v, borrow_own(&server)).is_err());
    Input::drop(v, sin).unwrap();
    Output::drop(v, sout).unwrap();
    Input::drop(v, cin).unwrap();
    Output::drop(v, cout).unwrap();
    Tcp::drop(v, server).unwrap();
    Tcp::drop(v, client).unwrap();
    Tcp::drop(v, listener).unwrap();
    HostNetwork::drop(v, net).unwrap();
    assert!(v.table.is_empty());
}

/// An owned handle to the same entry, for a drop that must fail.
fn borrow_own<T: 'static>(r: &Resource<T>) -> Resource<T> {
    Resource::new_own(r.rep())
}

/// Two UDP sockets on loopback exchange datagrams, one unconnected and
/// one connected to the other.
async fn udp_exchange(mut w: impl Wait) {
    let mut host = Host::new(|b| {
        b.inherit_network();
    });
    let v = &mut host.view();
    let net = network(v);
    let mut bound = Vec::new();
    for _ in 0..2 {
        let s = v.create_udp_socket(IpAddressFamily::Ipv4).unwrap();
        Udp::start_bind(v, borrow(&s), borrow(&net), loopback(0)).unwrap();
        Udp::finish_bind(v, borrow(&s)).unwrap();
        let addr = from_wasi(Udp::local_address(v, borrow(&s)).unwrap());
        assert_ne!(addr.port(), 0);
        bound.push((s, addr));
    }
    let (b, b_addr) = bound.pop().unwrap();
    let (a, a_addr) = bound.pop().unwrap();
    let (a_in, a_out) = Udp::stream(v, borrow(&a), None).unwrap();
    let (b_in, b_out) = Udp::stream(v, borrow(&b), Some(guest(a_addr))).unwrap();
    assert_eq!(
        from_wasi(Udp::remote_address(v, borrow(&b)).unwrap()),
        a_addr
    );
    assert_eq!(
        code(Udp::remote_address(v, borrow(&a))),
        ErrorCode::InvalidState
    );
    // Streams exist: asking for new ones traps.
    assert!(Udp::stream(v, borrow(&a), None)
        .unwrap_err()
        .downcast()
        .is_err());

    // b (connected) sends to its peer without naming it.
    assert!(Outgoing::check_send(v, borrow(&b_out)).unwrap() >= 1);
    let sent = Outgoing::send(
        v,
        borrow(&b_out),
        vec![OutgoingDatagram {
            data: b"ping".to_vec(),
            remote_address: None,
        }],
    )
    .unwrap();
    assert_eq!(sent, 1);
    // A connected socket sends only to its peer.
    assert!(Outgoing::check_send(v, borrow(&b_out)).unwrap() >= 1);
    let elsewhere = guest(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 9));
    let wrong = Outgoing::send(
        v,
        borrow(&b_out),
        vec![OutgoingDatagram {
            data: b"x".to_vec(),
            remote_address: Some(elsewhere),
        }],
    );
    assert_eq!(code(wrong), ErrorCode::InvalidArgument);

    let p = Incoming::subscribe(v, borrow(&a_in)).unwrap();
    w.wait(v, p).await;
    let got = Incoming::receive(v, borrow(&a_in), 10).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, b"ping");
    assert_eq!(from_wasi(got[0].remote_address), b_addr);

    // a (unconnected) answers to the address it got; without an address
    // it cannot send.
    assert!(Outgoing::check_send(v, borrow(&a_out)).unwrap() >= 2);
    let nowhere = Outgoing::send(
        v,
        borrow(&a_out),
        vec![OutgoingDatagram {
            data: b"?".to_vec(),
            remote_address: None,
        }],
    );
    assert_eq!(code(nowhere), ErrorCode::InvalidArgument);
    assert!(Outgoing::check_send(v, borrow(&a_out)).unwrap() >= 2);
    let sent = Outgoing::send(
        v,
        borrow(&a_out),
        vec![
            OutgoingDatagram {
                data: b"pong".to_vec(),
                remote_address: Some(guest(b_addr)),
            },
            OutgoingDatagram {
                data: b"pong 2".to_vec(),
                remote_address: Some(guest(b_addr)),
            },
        ],
    )
    .unwrap();
    assert_eq!(sent, 2);
    let mut got = Vec::new();
    while got.len() < 2 {
        let p = Incoming::subscribe(v, borrow(&b_in)).unwrap();
        w.wait(v, p).await;
        got.extend(Incoming::receive(v, borrow(&b_in), 10).unwrap());
    }
    assert_eq!(got[0].data, b"pong");
    assert_eq!(got[1].data, b"pong 2");
    assert_eq!(from_wasi(got[1].remote_address), a_addr);
    // Nothing more.
    assert!(Incoming::receive(v, borrow(&b_in), 10).unwrap().is_empty());

    Incoming::drop(v, a_in).unwrap();
    Outgoing::drop(v, a_out).unwrap();
    Incoming::drop(v, b_in).unwrap();
    Outgoing::drop(v, b_out).unwrap();
    // With the streams gone, `stream` may be called again: disconnect b.
    let (b_in, b_out) = Udp::stream(v, borrow(&b), None).unwrap();
    assert_eq!(
        code(Udp::remote_address(v, borrow(&b))),
        ErrorCode::InvalidState
    );
    Incoming::drop(v, b_in).unwrap();
    Outgoing::drop(v, b_out).unwrap();
    Udp::drop(v, a).unwrap();
    Udp::drop(v, b).unwrap();
    HostNetwork::drop(v, net).unwrap();
    assert!(v.table.is_empty());
}

/// Resolves `name`, waiting for the resolver; the addresses or the error.
async fn resolve(
    w: &mut impl Wait,
    v: &mut WasiCtxView<'_>,
    net: &Resource<Network>,
    name: &str,
) -> Result<Vec<IpAddr>, ErrorCode> {
    let stream = v
        .resolve_addresses(borrow(net), name.to_string())
        .map_err(|e| e.downcast().unwrap())?;
    let mut addrs = Vec::new();
    loop {
        match Resolve::resolve_next_address(v, borrow(&stream)) {
            Ok(Some(IpAddress::Ipv4((a, b, c, d)))) => addrs.push(Ipv4Addr::new(a, b, c, d).into()),
            Ok(Some(IpAddress::Ipv6((a, b, c, d, e, f, g, h)))) => {
                addrs.push(std::net::Ipv6Addr::new(a, b, c, d, e, f, g, h).into())
            }
            Ok(None) => break,
            Err(e) => match e.downcast().unwrap() {
                ErrorCode::WouldBlock => {
                    let p = Resolve::subscribe(v, borrow(&stream)).unwrap();
                    w.wait(v, p).await;
                }
                code => {
                    Resolve::drop(v, stream).unwrap();
                    return Err(code);
                }
            },
        }
    }
    Resolve::drop(v, stream).unwrap();
    Ok(addrs)
}

async fn name_lookup(mut w: impl Wait) {
    let mut host = Host::new(|b| {
        b.allow_ip_name_lookup(true);
    });
    let v = &mut host.view();
    let net = network(v);
    let addrs = resolve(&mut w, v, &net, "localhost").await.unwrap();
    assert!(
        addrs.iter().any(|a| a.is_loopback()),
        "localhost resolved to {addrs:?}"
    );
    // Addresses are returned as they are, without a resolver.
    let addrs = resolve(&mut w, v, &net, "192.0.2.7").await.unwrap();
    assert_eq!(addrs, [IpAddr::from(Ipv4Addr::new(192, 0, 2, 7))]);
    let addrs = resolve(&mut w, v, &net, "[::1]").await.unwrap();
    assert_eq!(addrs, [IpAddr::from(std::net::Ipv6Addr::LOCALHOST)]);
    // Not names at all.
    for bad in ["", "a b", "host:80", "x/y"] {
        assert_eq!(
            resolve(&mut w, v, &net, bad).await,
            Err(ErrorCode::InvalidArgument),
            "{bad:?}"
        );
    }
    HostNetwork::drop(v, net).unwrap();
    assert!(v.table.is_empty());
}

#[test]
fn tcp_echo_sync() {
    run_sync(tcp_echo(SyncWait));
}

#[tokio::test]
async fn tcp_echo_async() {
    tcp_echo(AsyncWait).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_echo_async_multi_thread() {
    tcp_echo(AsyncWait).await;
}

#[test]
fn udp_exchange_sync() {
    run_sync(udp_exchange(SyncWait));
}

#[tokio::test]
async fn udp_exchange_async() {
    udp_exchange(AsyncWait).await;
}

#[test]
fn name_lookup_sync() {
    run_sync(name_lookup(SyncWait));
}

#[tokio::test]
async fn name_lookup_async() {
    name_lookup(AsyncWait).await;
}

#[test]
fn network_denied_by_default() {
    let mut host = Host::new(|_| {});
    let v = &mut host.view();
    let net = network(v);
    // As in Wasmtime, sockets can be created; using an address is denied.
    let tcp = v.create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    assert_eq!(
        code(Tcp::start_bind(v, borrow(&tcp), borrow(&net), loopback(0))),
        ErrorCode::AccessDenied
    );
    assert_eq!(
        code(Tcp::start_connect(
            v,
            borrow(&tcp),
            borrow(&net),
            loopback(80)
        )),
        ErrorCode::AccessDenied
    );
    // Nothing happened: listening still needs a bind.
    assert_eq!(
        code(Tcp::start_listen(v, borrow(&tcp))),
        ErrorCode::InvalidState
    );
    let udp = v.create_udp_socket(IpAddressFamily::Ipv4).unwrap();
    assert_eq!(
        code(Udp::start_bind(v, borrow(&udp), borrow(&net), loopback(0))),
        ErrorCode::AccessDenied
    );
    // Name lookups are off by default too.
    assert_eq!(
        code(v.resolve_addresses(borrow(&net), "localhost".into())),
        ErrorCode::PermanentResolverFailure
    );
}

#[test]
fn tcp_and_udp_can_be_disallowed() {
    let mut host = Host::new(|b| {
        b.inherit_network().allow_tcp(false);
    });
    let v = &mut host.view();
    assert_eq!(
        code(v.create_tcp_socket(IpAddressFamily::Ipv4)),
        ErrorCode::AccessDenied
    );
    assert!(v.create_udp_socket(IpAddressFamily::Ipv4).is_ok());

    let mut host = Host::new(|b| {
        b.inherit_network().allow_udp(false);
    });
    let v = &mut host.view();
    assert_eq!(
        code(v.create_udp_socket(IpAddressFamily::Ipv6)),
        ErrorCode::AccessDenied
    );
    assert!(v.create_tcp_socket(IpAddressFamily::Ipv6).is_ok());
}

#[test]
fn socket_addr_check_decides() {
    let uses = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = uses.clone();
    let mut host = Host::new(move |b| {
        b.socket_addr_check(move |addr, usage| {
            seen.lock().unwrap().push((addr, usage));
            // Binding on loopback only; connecting nowhere.
            let ok = usage == SocketAddrUse::TcpBind && addr.ip().is_loopback();
            Box::pin(async move { ok })
        });
    });
    let v = &mut host.view();
    let net = network(v);
    let tcp = v.create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    let any = guest(SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0));
    assert_eq!(
        code(Tcp::start_bind(v, borrow(&tcp), borrow(&net), any)),
        ErrorCode::AccessDenied
    );
    Tcp::start_bind(v, borrow(&tcp), borrow(&net), loopback(0)).unwrap();
    Tcp::finish_bind(v, borrow(&tcp)).unwrap();
    assert_eq!(
        code(Tcp::start_connect(
            v,
            borrow(&tcp),
            borrow(&net),
            loopback(80)
        )),
        ErrorCode::AccessDenied
    );
    assert_eq!(
        code(Tcp::start_listen(v, borrow(&tcp))),
        ErrorCode::AccessDenied
    );
    let uses: Vec<SocketAddrUse> = uses.lock().unwrap().iter().map(|(_, u)| *u).collect();
    assert_eq!(
        uses,
        [
            SocketAddrUse::TcpBind,
            SocketAddrUse::TcpBind,
            SocketAddrUse::TcpConnect,
            SocketAddrUse::TcpListen
        ]
    );
}

#[test]
fn tcp_invalid_states_and_arguments() {
    let mut host = Host::new(|b| {
        b.inherit_network();
    });
    let v = &mut host.view();
    let net = network(v);
    let s = v.create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    assert_eq!(
        Tcp::address_family(v, borrow(&s)).unwrap(),
        IpAddressFamily::Ipv4
    );
    // Nothing started.
    assert_eq!(
        code(Tcp::finish_bind(v, borrow(&s))),
        ErrorCode::NotInProgress
    );
    assert_eq!(
        code(Tcp::finish_connect(v, borrow(&s))),
        ErrorCode::NotInProgress
    );
    assert_eq!(
        code(Tcp::finish_listen(v, borrow(&s))),
        ErrorCode::NotInProgress
    );
    // Not bound, listening or connected.
    assert_eq!(
        code(Tcp::start_listen(v, borrow(&s))),
        ErrorCode::InvalidState
    );
    assert_eq!(
        code(Tcp::local_address(v, borrow(&s))),
        ErrorCode::InvalidState
    );
    assert_eq!(
        code(Tcp::remote_address(v, borrow(&s))),
        ErrorCode::InvalidState
    );
    assert_eq!(code(Tcp::accept(v, borrow(&s))), ErrorCode::InvalidState);
    assert_eq!(
        code(Tcp::shutdown(v, borrow(&s), ShutdownType::Both)),
        ErrorCode::InvalidState
    );
    // Bad addresses: port 0 to connect to, the wrong family, multicast.
    assert_eq!(
        code(Tcp::start_connect(v, borrow(&s), borrow(&net), loopback(0))),
        ErrorCode::InvalidArgument
    );
    let v6 = guest("[::1]:80".parse().unwrap());
    assert_eq!(
        code(Tcp::start_connect(v, borrow(&s), borrow(&net), v6)),
        ErrorCode::InvalidArgument
    );
    let multicast = guest("224.0.0.1:0".parse().unwrap());
    assert_eq!(
        code(Tcp::start_bind(v, borrow(&s), borrow(&net), multicast)),
        ErrorCode::InvalidArgument
    );
    // Bind; a second bind (started or finished) is refused.
    Tcp::start_bind(v, borrow(&s), borrow(&net), loopback(0)).unwrap();
    assert_eq!(
        code(Tcp::start_bind(v, borrow(&s), borrow(&net), loopback(0))),
        ErrorCode::ConcurrencyConflict
    );
    Tcp::finish_bind(v, borrow(&s)).unwrap();
    assert_eq!(
        code(Tcp::finish_bind(v, borrow(&s))),
        ErrorCode::NotInProgress
    );
    assert_eq!(
        code(Tcp::start_bind(v, borrow(&s), borrow(&net), loopback(0))),
        ErrorCode::InvalidState
    );
    // Options of an unconnected socket.
    assert_eq!(
        code(Tcp::set_listen_backlog_size(v, borrow(&s), 0)),
        ErrorCode::InvalidArgument
    );
    Tcp::set_listen_backlog_size(v, borrow(&s), 5).unwrap();
    Tcp::set_keep_alive_enabled(v, borrow(&s), true).unwrap();
    assert!(Tcp::keep_alive_enabled(v, borrow(&s)).unwrap());
    Tcp::set_keep_alive_enabled(v, borrow(&s), false).unwrap();
    assert!(!Tcp::keep_alive_enabled(v, borrow(&s)).unwrap());
    assert_eq!(
        code(Tcp::set_keep_alive_idle_time(v, borrow(&s), 0)),
        ErrorCode::InvalidArgument
    );
    Tcp::set_keep_alive_idle_time(v, borrow(&s), 7_000_000_000).unwrap();
    assert_eq!(
        Tcp::keep_alive_idle_time(v, borrow(&s)).unwrap(),
        7_000_000_000
    );
    Tcp::set_keep_alive_interval(v, borrow(&s), 3_000_000_000).unwrap();
    assert_eq!(
        Tcp::keep_alive_interval(v, borrow(&s)).unwrap(),
        3_000_000_000
    );
    assert_eq!(
        code(Tcp::set_keep_alive_count(v, borrow(&s), 0)),
        ErrorCode::InvalidArgument
    );
    Tcp::set_keep_alive_count(v, borrow(&s), 4).unwrap();
    assert_eq!(Tcp::keep_alive_count(v, borrow(&s)).unwrap(), 4);
    assert_eq!(
        code(Tcp::set_hop_limit(v, borrow(&s), 0)),
        ErrorCode::InvalidArgument
    );
    Tcp::set_hop_limit(v, borrow(&s), 42).unwrap();
    assert_eq!(Tcp::hop_limit(v, borrow(&s)).unwrap(), 42);
    assert_eq!(
        code(Tcp::set_receive_buffer_size(v, borrow(&s), 0)),
        ErrorCode::InvalidArgument
    );
    Tcp::set_receive_buffer_size(v, borrow(&s), 16384).unwrap();
    assert!(Tcp::receive_buffer_size(v, borrow(&s)).unwrap() >= 4096);
    Tcp::set_send_buffer_size(v, borrow(&s), 16384).unwrap();
    assert!(Tcp::send_buffer_size(v, borrow(&s)).unwrap() >= 4096);

    // Listen; then connecting or listening again is invalid.
    Tcp::start_listen(v, borrow(&s)).unwrap();
    assert_eq!(
        code(Tcp::start_listen(v, borrow(&s))),
        ErrorCode::ConcurrencyConflict
    );
    Tcp::finish_listen(v, borrow(&s)).unwrap();
    assert_eq!(
        code(Tcp::start_listen(v, borrow(&s))),
        ErrorCode::InvalidState
    );
    assert_eq!(
        code(Tcp::start_connect(
            v,
            borrow(&s),
            borrow(&net),
            loopback(80)
        )),
        ErrorCode::InvalidState
    );
    // A listener's backlog can still change (on Linux).
    Tcp::set_listen_backlog_size(v, borrow(&s), 10).unwrap();
}

#[test]
fn tcp_connection_refused() {
    let mut host = Host::new(|b| {
        b.inherit_network();
    });
    let v = &mut host.view();
    let net = network(v);
    // A port that was bound but is not listening.
    let placeholder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = placeholder.local_addr().unwrap().port();
    drop(placeholder);
    let s = v.create_tcp_socket(IpAddressFamily::Ipv4).unwrap();
    Tcp::start_connect(v, borrow(&s), borrow(&net), loopback(port)).unwrap();
    run_sync(async {
        let p = Tcp::subscribe(v, borrow(&s)).unwrap();
        SyncWait.wait(v, p).await;
    });
    assert_eq!(
        code(Tcp::finish_connect(v, borrow(&s))),
        ErrorCode::ConnectionRefused
    );
    // The socket is closed for good.
    assert_eq!(
        code(Tcp::remote_address(v, borrow(&s))),
        ErrorCode::ConnectionRefused
    );
    assert_eq!(
        code(Tcp::finish_connect(v, borrow(&s))),
        ErrorCode::NotInProgress
    );
}

#[test]
fn udp_invalid_states_and_options() {
    let mut host = Host::new(|b| {
        b.inherit_network();
    });
    let v = &mut host.view();
    let net = network(v);
    let s = v.create_udp_socket(IpAddressFamily::Ipv6).unwrap();
    assert_eq!(
        Udp::address_family(v, borrow(&s)).unwrap(),
        IpAddressFamily::Ipv6
    );
    assert_eq!(
        code(Udp::stream(v, borrow(&s), None)),
        ErrorCode::InvalidState
    );
    assert_eq!(
        code(Udp::local_address(v, borrow(&s))),
        ErrorCode::InvalidState
    );
    assert_eq!(
        code(Udp::finish_bind(v, borrow(&s))),
        ErrorCode::NotInProgress
    );
    // IPv4 (and IPv4-mapped) addresses do not fit an IPv6 socket.
    assert_eq!(
        code(Udp::start_bind(v, borrow(&s), borrow(&net), loopback(0))),
        ErrorCode::InvalidArgument
    );
    let mapped = guest("[::ffff:127.0.0.1]:0".parse().unwrap());
    assert_eq!(
        code(Udp::start_bind(v, borrow(&s), borrow(&net), mapped)),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(Udp::set_unicast_hop_limit(v, borrow(&s), 0)),
        ErrorCode::InvalidArgument
    );
    Udp::set_unicast_hop_limit(v, borrow(&s), 9).unwrap();
    assert_eq!(Udp::unicast_hop_limit(v, borrow(&s)).unwrap(), 9);
    Udp::set_receive_buffer_size(v, borrow(&s), 8192).unwrap();
    assert!(Udp::receive_buffer_size(v, borrow(&s)).unwrap() >= 2048);
    assert_eq!(
        code(Udp::set_send_buffer_size(v, borrow(&s), 0)),
        ErrorCode::InvalidArgument
    );
    Udp::drop(v, s).unwrap();
}
