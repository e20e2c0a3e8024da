//! `wasi:http@0.3.0`: the hand-written service component
//! `tests/components/p3-http-service.wat` handles requests through
//! `p3::service::Service` (its response head returned before it writes
//! the body, which then streams through the store's event loop), a
//! request's body is read by the guest and echoed, and a request that
//! makes it trap is an error.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi_http::p2::body::HyperIncomingBody;
use wasmtime_wasi_http::p3::service::{is_service, Service};
use wasmtime_wasi_http::p3::ErrorCode;
use wasmtime_wasi_http::{default_hooks, WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

const SERVICE: &str = include_str!("../../../tests/components/p3-http-service.wat");

struct State {
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: default_hooks(),
        }
    }
}

fn request(path: &str) -> http::Request<HyperIncomingBody> {
    http::Request::builder()
        .uri(format!("http://localhost{path}"))
        .body(Empty::new().map_err(|never| match never {}).boxed_unsync())
        .unwrap()
}

fn request_with_body(path: &str, body: &'static [u8]) -> http::Request<HyperIncomingBody> {
    http::Request::builder()
        .method("POST")
        .uri(format!("http://localhost{path}"))
        .body(
            Full::new(Bytes::from_static(body))
                .map_err(|never| match never {})
                .boxed_unsync(),
        )
        .unwrap()
}

/// Serves `req` with `service`: the status and the whole body.
async fn serve(
    store: &mut Store<State>,
    service: &Service,
    req: http::Request<HyperIncomingBody>,
) -> (http::StatusCode, Bytes, Option<http::HeaderMap>) {
    store
        .run_concurrent(async |acc| -> wasmtime::Result<_> {
            let (response, exit) = service.handle(acc, req).await?;
            let response = response.expect("the guest's response");
            let status = response.status();
            let collected = response
                .into_body()
                .collect()
                .await
                .map_err(|e| wasmtime::format_err!("{e:?}"))?;
            exit.block(acc).await?;
            let trailers = collected.trailers().cloned();
            Ok((status, collected.to_bytes(), trailers))
        })
        .await
        .unwrap()
        .unwrap()
}

async fn setup() -> (Store<State>, Service) {
    let engine = Engine::default();
    let component = Component::new(&engine, SERVICE).unwrap();
    assert!(is_service(&component));
    let mut linker = Linker::new(&engine);
    wasmtime_wasi_http::p3::add_to_linker(&mut linker).unwrap();
    let mut store = Store::new(
        &engine,
        State {
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        },
    );
    let instance = linker
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let service = Service::new(&mut store, &instance).unwrap();
    (store, service)
}

#[tokio::test]
async fn service_streams_its_body_after_returning_the_head() {
    let (mut store, service) = setup().await;
    for _ in 0..2 {
        let (status, body, trailers) = serve(&mut store, &service, request("/hello")).await;
        assert_eq!(status, 203);
        assert_eq!(&body[..], b"hello from a p3 service\n");
        assert!(trailers.is_none());
    }
}

#[tokio::test]
async fn service_reads_the_request_body() {
    let (mut store, service) = setup().await;
    let req = request_with_body("/echo", b"ping pong, a request body");
    let (status, body, _) = serve(&mut store, &service, req).await;
    assert_eq!(status, 203);
    assert_eq!(&body[..], b"ping pong, a request body");
    let (status, body, _) = serve(&mut store, &service, request("/echo")).await;
    assert_eq!(status, 203);
    assert!(body.is_empty());
}

#[tokio::test]
async fn a_trapping_handler_is_an_error() {
    let (mut store, service) = setup().await;
    let err = store
        .run_concurrent(async |acc| -> wasmtime::Result<()> {
            let (response, _exit) = service.handle(acc, request("/trap")).await?;
            let _: Result<_, ErrorCode> = response;
            Ok(())
        })
        .await
        .and_then(|r| r)
        .unwrap_err();
    assert!(format!("{err:?}").contains("unreachable"), "{err:?}");
}

#[test]
fn a_proxy_component_is_not_a_service() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
            (core module $m (func (export "f")))
            (core instance $i (instantiate $m))
            (func $f (canon lift (core func $i "f")))
            (instance $h (export "handle" (func $f)))
            (export "wasi:http/incoming-handler@0.2.12" (instance $h)))"#,
    )
    .unwrap();
    assert!(!is_service(&component));
}
