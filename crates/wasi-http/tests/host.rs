//! The host side of `wasi:http/types` and `outgoing-handler`, driven by
//! calling the generated `Host` traits directly (as a guest would).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, StreamError};
use wasmtime_wasi_http::p2::bindings::http::outgoing_handler::Host as _;
use wasmtime_wasi_http::p2::bindings::http::types::{
    ErrorCode, HeaderError, HostFields, HostFutureIncomingResponse, HostFutureTrailers,
    HostIncomingBody, HostIncomingRequest, HostIncomingResponse, HostOutgoingBody,
    HostOutgoingRequest, HostOutgoingResponse, HostRequestOptions, HostResponseOutparam, Method,
    Scheme,
};
use wasmtime_wasi_http::{default_hooks, WasiHttpCtx, WasiHttpCtxView};

struct Host {
    ctx: WasiHttpCtx,
    table: ResourceTable,
}

impl Host {
    fn new() -> Host {
        Host {
            ctx: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        }
    }
    fn view(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
            hooks: default_hooks(),
        }
    }
}

fn own<T: 'static>(r: &Resource<T>) -> Resource<T> {
    Resource::new_own(r.rep())
}

fn borrow<T: 'static>(r: &Resource<T>) -> Resource<T> {
    Resource::new_borrow(r.rep())
}

#[test]
fn fields_through_the_host_trait() {
    let mut h = Host::new();
    let mut v = h.view();
    let ok = HostFields::from_list(&mut v, vec![("x-a".into(), b"1".to_vec())]).unwrap();
    let f = ok.unwrap();
    let forbidden = HostFields::from_list(&mut v, vec![("Host".into(), b"x".to_vec())]).unwrap();
    assert!(matches!(forbidden, Err(HeaderError::Forbidden)));
    let invalid = HostFields::from_list(&mut v, vec![("a b".into(), b"x".to_vec())]).unwrap();
    assert!(matches!(invalid, Err(HeaderError::InvalidSyntax)));
    HostFields::append(&mut v, borrow(&f), "x-a".into(), b"2".to_vec())
        .unwrap()
        .unwrap();
    assert_eq!(
        HostFields::get(&mut v, borrow(&f), "X-A".into()).unwrap(),
        vec![b"1".to_vec(), b"2".to_vec()]
    );
    let r = HostFields::set(
        &mut v,
        borrow(&f),
        "connection".into(),
        vec![b"close".to_vec()],
    );
    assert!(matches!(r.unwrap(), Err(HeaderError::Forbidden)));
    // Headers given to a response become immutable.
    let resp = HostOutgoingResponse::new(&mut v, own(&f)).unwrap();
    let hdrs = HostOutgoingResponse::headers(&mut v, borrow(&resp)).unwrap();
    let r = HostFields::append(&mut v, borrow(&hdrs), "x-b".into(), b"1".to_vec()).unwrap();
    assert!(matches!(r, Err(HeaderError::Immutable)));
    let copy = HostFields::clone(&mut v, borrow(&hdrs)).unwrap();
    HostFields::append(&mut v, borrow(&copy), "x-b".into(), b"1".to_vec())
        .unwrap()
        .unwrap();
}

async fn write_all(v: &mut WasiHttpCtxView<'_>, s: &Resource<DynOutputStream>, mut data: &[u8]) {
    while !data.is_empty() {
        let stream = v.table.get_mut(s).unwrap();
        let n = stream.write_ready().await.unwrap().min(data.len());
        stream.write(Bytes::copy_from_slice(&data[..n])).unwrap();
        data = &data[n..];
    }
    v.table.get_mut(s).unwrap().flush().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_outparam_streams_a_body_with_trailers() {
    let mut h = Host::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut v = h.view();
    let param = v.new_response_outparam(tx).unwrap();
    let f = HostFields::new(&mut v).unwrap();
    let resp = HostOutgoingResponse::new(&mut v, own(&f)).unwrap();
    HostOutgoingResponse::set_status_code(&mut v, borrow(&resp), 201)
        .unwrap()
        .unwrap();
    assert!(
        HostOutgoingResponse::set_status_code(&mut v, borrow(&resp), 1000)
            .unwrap()
            .is_err()
    );
    let body = HostOutgoingResponse::body(&mut v, borrow(&resp))
        .unwrap()
        .unwrap();
    assert!(HostOutgoingResponse::body(&mut v, borrow(&resp))
        .unwrap()
        .is_err());
    HostResponseOutparam::set(&mut v, own(&param), Ok(own(&resp))).unwrap();
    let response = rx.await.unwrap().unwrap();
    assert_eq!(response.status(), 201);
    // The peer reads while the guest writes more than the buffer holds.
    let reader = tokio::spawn(async move { response.into_body().collect().await });
    let stream = HostOutgoingBody::write(&mut v, borrow(&body))
        .unwrap()
        .unwrap();
    let data: Vec<u8> = (0..3 * 1024 * 1024).map(|i| i as u8).collect();
    write_all(&mut v, &stream, &data).await;
    v.table.delete(stream).unwrap();
    let t = HostFields::from_list(&mut v, vec![("x-trailer".into(), b"yes".to_vec())])
        .unwrap()
        .unwrap();
    HostOutgoingBody::finish(&mut v, own(&body), Some(own(&t))).unwrap();
    let collected = tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(collected.trailers().unwrap()["x-trailer"], "yes");
    assert_eq!(collected.to_bytes(), data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_content_length_fails_finish() {
    let mut h = Host::new();
    let mut v = h.view();
    let f = HostFields::from_list(&mut v, vec![("content-length".into(), b"5".to_vec())])
        .unwrap()
        .unwrap();
    let resp = HostOutgoingResponse::new(&mut v, own(&f)).unwrap();
    let body = HostOutgoingResponse::body(&mut v, borrow(&resp))
        .unwrap()
        .unwrap();
    let stream = HostOutgoingBody::write(&mut v, borrow(&body))
        .unwrap()
        .unwrap();
    write_all(&mut v, &stream, b"abc").await;
    let s = v.table.get_mut(&stream).unwrap();
    assert!(matches!(
        s.write(Bytes::from_static(b"xyz")),
        Err(StreamError::LastOperationFailed(_))
    ));
    v.table.delete(stream).unwrap();
    let err = HostOutgoingBody::finish(&mut v, own(&body), None).unwrap_err();
    assert!(matches!(
        err.downcast().unwrap(),
        ErrorCode::HttpResponseBodySize(Some(3))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_request_body_and_trailers() {
    let mut h = Host::new();
    let mut v = h.view();
    let request = hyper::Request::builder()
        .method("POST")
        .uri("http://example.com/a?b=c")
        .header("x-h", "1")
        .body(Full::new(Bytes::from_static(b"hello world")))
        .unwrap();
    let req = v.new_incoming_request(Scheme::Http, request).unwrap();
    assert!(matches!(
        HostIncomingRequest::method(&mut v, borrow(&req)).unwrap(),
        Method::Post
    ));
    assert_eq!(
        HostIncomingRequest::path_with_query(&mut v, borrow(&req))
            .unwrap()
            .as_deref(),
        Some("/a?b=c")
    );
    assert_eq!(
        HostIncomingRequest::authority(&mut v, borrow(&req))
            .unwrap()
            .as_deref(),
        Some("example.com")
    );
    let hdrs = HostIncomingRequest::headers(&mut v, borrow(&req)).unwrap();
    assert_eq!(
        HostFields::get(&mut v, borrow(&hdrs), "x-h".into()).unwrap(),
        vec![b"1".to_vec()]
    );
    let body = HostIncomingRequest::consume(&mut v, borrow(&req))
        .unwrap()
        .unwrap();
    assert!(HostIncomingRequest::consume(&mut v, borrow(&req))
        .unwrap()
        .is_err());
    let stream: Resource<DynInputStream> = HostIncomingBody::stream(&mut v, borrow(&body))
        .unwrap()
        .unwrap();
    let mut got = Vec::new();
    loop {
        let s = v.table.get_mut(&stream).unwrap();
        match s.blocking_read(4).await {
            Ok(bytes) => got.extend_from_slice(&bytes),
            Err(StreamError::Closed) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, b"hello world");
    v.table.delete(stream).unwrap();
    let trailers = HostIncomingBody::finish(&mut v, own(&body)).unwrap();
    let p = HostFutureTrailers::subscribe(&mut v, borrow(&trailers)).unwrap();
    v.table.delete(p).unwrap();
    v.table.get_mut(&trailers).unwrap();
    let mut result = None;
    for _ in 0..100 {
        result = HostFutureTrailers::get(&mut v, borrow(&trailers)).unwrap();
        if result.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(matches!(result, Some(Ok(Ok(None)))));
    assert!(matches!(
        HostFutureTrailers::get(&mut v, borrow(&trailers)).unwrap(),
        Some(Err(()))
    ));
}

/// A one-shot HTTP/1.1 server on loopback: returns its address and the
/// raw request it received.
async fn one_shot_server(
    response: &'static [u8],
) -> (std::net::SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") || !buf.ends_with(b"ping") {
            let n = sock.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        sock.write_all(response).await.unwrap();
        sock.shutdown().await.unwrap();
        buf
    });
    (addr, task)
}

async fn wait_response(
    v: &mut WasiHttpCtxView<'_>,
    fut: &Resource<wasmtime_wasi_http::p2::types::HostFutureIncomingResponse>,
) -> Result<Resource<wasmtime_wasi_http::p2::types::HostIncomingResponse>, ErrorCode> {
    for _ in 0..1000 {
        if let Some(r) = HostFutureIncomingResponse::get(v, borrow(fut)).unwrap() {
            return r.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no response within 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_request_to_a_loopback_server() {
    let (addr, server) =
        one_shot_server(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\nx-r: 7\r\n\r\npong").await;
    let mut h = Host::new();
    let mut v = h.view();
    let f = HostFields::from_list(&mut v, vec![("content-length".into(), b"4".to_vec())])
        .unwrap()
        .unwrap();
    let req = HostOutgoingRequest::new(&mut v, own(&f)).unwrap();
    HostOutgoingRequest::set_method(&mut v, borrow(&req), Method::Post)
        .unwrap()
        .unwrap();
    HostOutgoingRequest::set_scheme(&mut v, borrow(&req), Some(Scheme::Http))
        .unwrap()
        .unwrap();
    HostOutgoingRequest::set_authority(&mut v, borrow(&req), Some(addr.to_string()))
        .unwrap()
        .unwrap();
    HostOutgoingRequest::set_path_with_query(&mut v, borrow(&req), Some("/x?y=1".into()))
        .unwrap()
        .unwrap();
    let body = HostOutgoingRequest::body(&mut v, borrow(&req))
        .unwrap()
        .unwrap();
    let opts = HostRequestOptions::new(&mut v).unwrap();
    HostRequestOptions::set_connect_timeout(&mut v, borrow(&opts), Some(2_000_000_000))
        .unwrap()
        .unwrap();
    let fut = v.handle(own(&req), Some(own(&opts))).unwrap();
    let stream = HostOutgoingBody::write(&mut v, borrow(&body))
        .unwrap()
        .unwrap();
    write_all(&mut v, &stream, b"ping").await;
    v.table.delete(stream).unwrap();
    HostOutgoingBody::finish(&mut v, own(&body), None).unwrap();
    let resp = wait_response(&mut v, &fut).await.unwrap();
    assert_eq!(
        HostIncomingResponse::status(&mut v, borrow(&resp)).unwrap(),
        200
    );
    let hdrs = HostIncomingResponse::headers(&mut v, borrow(&resp)).unwrap();
    assert_eq!(
        HostFields::get(&mut v, borrow(&hdrs), "x-r".into()).unwrap(),
        vec![b"7".to_vec()]
    );
    let body = HostIncomingResponse::consume(&mut v, borrow(&resp))
        .unwrap()
        .unwrap();
    let stream = HostIncomingBody::stream(&mut v, borrow(&body))
        .unwrap()
        .unwrap();
    let s = v.table.get_mut(&stream).unwrap();
    let mut got = Vec::new();
    while let Ok(b) = s.blocking_read(100).await {
        got.extend_from_slice(&b);
    }
    assert_eq!(got, b"pong");
    let raw = String::from_utf8(server.await.unwrap()).unwrap();
    assert!(raw.starts_with("POST /x?y=1 HTTP/1.1\r\n"), "{raw}");
    assert!(
        raw.to_ascii_lowercase().contains(&format!("host: {addr}")),
        "{raw}"
    );
    assert!(raw.ends_with("ping"), "{raw}");
}

fn simple_get(
    v: &mut WasiHttpCtxView<'_>,
    authority: &str,
    scheme: Scheme,
) -> Resource<wasmtime_wasi_http::p2::types::HostOutgoingRequest> {
    let f = HostFields::new(v).unwrap();
    let req = HostOutgoingRequest::new(v, own(&f)).unwrap();
    HostOutgoingRequest::set_scheme(v, borrow(&req), Some(scheme))
        .unwrap()
        .unwrap();
    HostOutgoingRequest::set_authority(v, borrow(&req), Some(authority.into()))
        .unwrap()
        .unwrap();
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_errors_map_to_error_codes() {
    let mut h = Host::new();
    let mut v = h.view();
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let req = simple_get(&mut v, &format!("127.0.0.1:{port}"), Scheme::Http);
    let fut = v.handle(req, None).unwrap();
    assert!(matches!(
        wait_response(&mut v, &fut).await,
        Err(ErrorCode::ConnectionRefused)
    ));

    let req = simple_get(&mut v, "does-not-exist.invalid", Scheme::Http);
    let fut = v.handle(req, None).unwrap();
    assert!(matches!(
        wait_response(&mut v, &fut).await,
        Err(ErrorCode::DnsError(_))
    ));

    // A server that accepts but never answers: the first-byte timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _keep = tokio::spawn(async move {
        let (_s, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let req = simple_get(&mut v, &addr.to_string(), Scheme::Http);
    let opts = HostRequestOptions::new(&mut v).unwrap();
    HostRequestOptions::set_first_byte_timeout(&mut v, borrow(&opts), Some(100_000_000))
        .unwrap()
        .unwrap();
    let fut = v.handle(req, Some(own(&opts))).unwrap();
    assert!(matches!(
        wait_response(&mut v, &fut).await,
        Err(ErrorCode::ConnectionReadTimeout)
    ));

    // An unsupported scheme is refused at once.
    let req = simple_get(&mut v, "example.com", Scheme::Other("ftp".into()));
    let err = v.handle(req, None).err().unwrap();
    assert!(matches!(
        err.downcast().unwrap(),
        ErrorCode::HttpProtocolError
    ));
}
