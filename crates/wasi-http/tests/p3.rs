//! `wasi:http@0.3.0`: the hand-written service component
//! `tests/components/p3-http-service.wat` handles requests through
//! `p3::service::Service` (its response head returned before it writes
//! the body, which then streams through the store's event loop), a
//! request's body is read by the guest and echoed, and a request that
//! makes it trap is an error. Also the `TypedFunc::call_concurrent_returned`
//! and `TaskExit` behaviour `Service` is built on.

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

/// `early(x)` returns `x + 1` at once and then yields once before it
/// exits; `late-trap(x)` returns `x + 1` and traps in its callback.
const RETURN_THEN_RUN: &str = r#"(component
  (core module $m
    (import "" "task.return" (func $ret (param i32)))
    (global $trap (mut i32) (i32.const 0))
    (func (export "early") (param i32) (result i32)
      (global.set $trap (i32.const 0))
      (call $ret (i32.add (local.get 0) (i32.const 1)))
      ;; YIELD
      (i32.const 1))
    (func (export "late-trap") (param i32) (result i32)
      (global.set $trap (i32.const 1))
      (call $ret (i32.add (local.get 0) (i32.const 1)))
      (i32.const 1))
    (func (export "cb") (param i32 i32 i32) (result i32)
      (if (global.get $trap) (then unreachable))
      ;; EXIT
      (i32.const 0)))
  (core func $ret (canon task.return (result u32)))
  (core instance $i (instantiate $m (with "" (instance
    (export "task.return" (func $ret))))))
  (func (export "early") async (param "x" u32) (result u32)
    (canon lift (core func $i "early") async (callback (core func $i "cb"))))
  (func (export "late-trap") async (param "x" u32) (result u32)
    (canon lift (core func $i "late-trap") async (callback (core func $i "cb"))))
)"#;

#[tokio::test]
async fn call_concurrent_returned_completes_at_task_return() {
    // What `Service` relies on: the result at `task.return`, the task's
    // end (or its later trap) from `TaskExit::block`.
    let engine = Engine::default();
    let component = Component::new(&engine, RETURN_THEN_RUN).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let early = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "early")
        .unwrap();
    let late_trap = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "late-trap")
        .unwrap();
    let (a, b) = store
        .run_concurrent(async |acc| -> wasmtime::Result<_> {
            let ((v,), exit) = early.call_concurrent_returned(acc, (1,)).await?;
            exit.block(acc).await?;
            let ((w,), exit) = late_trap.call_concurrent_returned(acc, (10,)).await?;
            let err = exit.block(acc).await.unwrap_err();
            assert!(format!("{err:?}").contains("unreachable"), "{err:?}");
            Ok((v, w))
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a, b), (2, 11));
}
