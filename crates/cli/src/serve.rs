//! `wasmtime serve`: an HTTP server that hands each request to a new
//! instance of a `wasi:http/proxy` component (WASI 0.2) or of a
//! `wasi:http/service` component (`wasi:http@0.3.0`, told apart by its
//! `wasi:http/handler@0.3.0` export).
//!
//! The component is compiled once and pre-linked (an
//! [`InstancePre`](wasmtime::component::InstancePre) behind the generated
//! `ProxyPre`); every request gets its own store and instance, whose
//! `wasi:http/incoming-handler.handle` is called with the request and a
//! `response-outparam`. The response is streamed back while the guest is
//! still writing its body. A request whose guest traps or never sets a
//! response gets a 500 page, as with the reference CLI, and the server
//! keeps serving. Ctrl-c (or a connection to `--shutdown-addr`) stops
//! accepting connections and waits for the open ones.

use crate::input::Input;
use crate::opts::{CommonOptions, IntoAnyhow};
use crate::run::component::{self, config_and_keyvalue, http_setup, ComponentHost};
use crate::run::WasiOptions;
use anyhow::{bail, Context as _, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmtime::component::{InstancePre, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p3::{service, ErrorCode};
use wasmtime_wasi_http::WasiHttpView;

/// Serves requests from a wasi-http proxy component.
#[derive(Parser, Debug)]
pub struct ServeCommand {
    #[command(flatten)]
    common: CommonOptions,

    /// WASI settings, as comma-separated KEY[=VAL] pairs; `-S help` lists
    /// them.
    #[arg(short = 'S', long = "wasi", value_name = "KEY[=VAL[,..]]", value_parser = WasiOptions::clap_parse)]
    wasi: Vec<WasiOptions>,

    /// Allow executing precompiled components (`.cwasm` files from
    /// `wasmtime compile`). Not safe for untrusted input.
    #[arg(long)]
    allow_precompiled: bool,

    /// Grants access to a host directory, as HOST_DIR[::GUEST_DIR].
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]")]
    dirs: Vec<String>,

    /// Sets an environment variable for the guest (NAME=VAL), or passes
    /// the host's value of NAME.
    #[arg(long = "env", value_name = "NAME[=VAL]")]
    envs: Vec<String>,

    /// Socket address for the web server to bind to.
    #[arg(long, value_name = "SOCKADDR", default_value = "0.0.0.0:8080")]
    addr: SocketAddr,

    /// Socket address where, when connected to, will initiate a graceful
    /// shutdown (graceful shutdown is also supported on ctrl-c).
    #[arg(long, value_name = "SOCKADDR")]
    shutdown_addr: Option<SocketAddr>,

    /// Accepted for compatibility: guest output is not prefixed here.
    #[arg(long)]
    no_logging_prefix: bool,

    /// Replace or add a request header before forwarding it to the
    /// component, as `name: value` (may be repeated).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,

    /// The WebAssembly component to run.
    #[arg(value_name = "WASM")]
    component: String,
}

/// The pre-linked component, by the world it serves.
enum Pre {
    /// `wasi:http/proxy@0.2`.
    P2(ProxyPre<ComponentHost>),
    /// `wasi:http/service@0.3.0`.
    P3(InstancePre<ComponentHost>),
}

/// What every request needs: the pre-linked component and the settings
/// of a new store.
struct Server {
    engine: Engine,
    pre: Pre,
    wasi: WasiOptions,
    dirs: Vec<String>,
    envs: Vec<(String, String)>,
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
    next_id: AtomicU64,
    fuel: Option<u64>,
}

const ERROR_HTML: &str = "\
<!doctype html>
<html>
<head>
    <title>500 Internal Server Error</title>
</head>
<body>
    <center>
        <h1>500 Internal Server Error</h1>
        <hr>
        wasmtime
    </center>
</body>
</html>";

fn parse_header(header: &str) -> Result<(http::HeaderName, http::HeaderValue)> {
    let (name, value) = header
        .split_once(':')
        .with_context(|| format!("header `{header}` is missing `:`"))?;
    let name = http::HeaderName::from_bytes(name.trim().as_bytes())
        .with_context(|| format!("invalid header name in header `{header}`"))?;
    let value = http::HeaderValue::from_str(value.trim())
        .with_context(|| format!("invalid header value in header `{header}`"))?;
    Ok((name, value))
}

impl ServeCommand {
    fn wasi_options(&self) -> WasiOptions {
        let mut merged = WasiOptions::default();
        for w in &self.wasi {
            merged.merge(w);
        }
        merged
    }

    /// Runs the server until ctrl-c.
    pub fn execute(self) -> Result<ExitCode> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(self.serve())?;
        Ok(ExitCode::SUCCESS)
    }

    fn server(&self) -> Result<Server> {
        let config = self
            .common
            .config_with_defaults(pooling_fits_address_space(), serve_keep_resident())?;
        let engine = Engine::new(&config)
            .anyhow()
            .context("failed to create the engine")?;
        let bytes = Input::open(&self.component)?;
        if !component::is_component(&bytes) {
            bail!(
                "`{}` is not a component; `serve` needs a wasi:http/proxy component",
                self.component
            );
        }
        let component = component::load(&engine, &self.component, bytes, self.allow_precompiled)?;
        let wasi = self.wasi_options();
        let mut linker: Linker<ComponentHost> = Linker::new(&engine);
        wasmtime_wasi_http::p2::add_to_linker_async(&mut linker).anyhow()?;
        let p3 = wasi.p3 != Some(false) && service::is_service(&component);
        if p3 {
            wasmtime_wasi::p3::add_to_linker(&mut linker).anyhow()?;
            wasmtime_wasi_http::p3::add_to_linker(&mut linker).anyhow()?;
        }
        component::link_config_and_keyvalue(&mut linker, &wasi)?;
        if self.common.wasm().unknown_imports_trap == Some(true) {
            linker
                .define_unknown_imports_as_traps(&component)
                .anyhow()?;
        }
        let pre = linker.instantiate_pre(&component).anyhow()?;
        let pre = if p3 {
            Pre::P3(pre)
        } else {
            Pre::P2(ProxyPre::new(pre).anyhow().context(
                "the component exports neither `wasi:http/incoming-handler` nor \
                 `wasi:http/handler@0.3.0`",
            )?)
        };
        let mut envs = Vec::new();
        for env in &self.envs {
            match env.split_once('=') {
                Some((k, v)) => envs.push((k.to_string(), v.to_string())),
                None => {
                    if let Ok(v) = std::env::var(env) {
                        envs.push((env.clone(), v));
                    }
                }
            }
        }
        let mut headers = Vec::new();
        for h in &self.headers {
            if let Some(path) = h.strip_prefix('@') {
                let contents = std::fs::read_to_string(path)
                    .with_context(|| format!("failed to read header file `{path}`"))?;
                for line in contents.lines().filter(|l| !l.trim().is_empty()) {
                    headers.push(parse_header(line)?);
                }
            } else {
                headers.push(parse_header(h)?);
            }
        }
        Ok(Server {
            engine,
            pre,
            wasi,
            dirs: self.dirs.clone(),
            envs,
            headers,
            next_id: AtomicU64::new(0),
            fuel: self.common.wasm().fuel,
        })
    }

    async fn serve(self) -> Result<()> {
        let server = Arc::new(self.server()?);

        let shutdown = Arc::new(tokio::sync::Notify::new());
        tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    shutdown.notify_one();
                }
            }
        });
        if let Some(addr) = self.shutdown_addr {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            eprintln!(
                "Listening for shutdown on tcp://{}/",
                listener.local_addr()?
            );
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let _ = listener.accept().await;
                shutdown.notify_one();
            });
        }

        let socket = match self.addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket
            .bind(self.addr)
            .with_context(|| format!("failed to bind to {}", self.addr))?;
        let listener = socket.listen(100)?;
        eprintln!("Serving HTTP on http://{}/", listener.local_addr()?);

        let mut connections = tokio::task::JoinSet::new();
        loop {
            let stream = tokio::select! {
                _ = shutdown.notified() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        eprintln!("error: {e:?}");
                        continue;
                    }
                },
            };
            let _ = stream.set_nodelay(true);
            let server = server.clone();
            connections.spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let server = server.clone();
                    async move { Ok::<_, Infallible>(server.respond(req).await) }
                });
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    eprintln!("error: {e:?}");
                }
            });
            // Forget connections that have ended.
            while connections.try_join_next().is_some() {}
        }
        drop(listener);
        if connections.is_empty() {
            return Ok(());
        }
        eprintln!("Waiting for child tasks to exit, ctrl-c again to quit sooner...");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { while connections.join_next().await.is_some() {} } => {}
        }
        Ok(())
    }
}

impl Server {
    /// The response to `req`: the guest's, or a 500 page when it failed.
    async fn respond(self: Arc<Self>, req: Request<Incoming>) -> Response<HyperOutgoingBody> {
        match self.handle(req).await {
            Ok(response) => response,
            Err(e) => {
                eprintln!("error: {e:?}");
                let mut response = Response::new(
                    Full::new(Bytes::from_static(ERROR_HTML.as_bytes()))
                        .map_err(|never| match never {})
                        .boxed_unsync(),
                );
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/html; charset=UTF-8"),
                );
                response
            }
        }
    }

    fn store(&self) -> Result<Store<ComponentHost>> {
        let mut b = WasiCtxBuilder::new();
        if self.wasi.cli.or(self.wasi.common) != Some(false) {
            if self.wasi.inherit_stdout != Some(false) {
                b.inherit_stdout();
            }
            if self.wasi.inherit_stderr != Some(false) {
                b.inherit_stderr();
            }
        }
        if self.wasi.inherit_env == Some(true) {
            b.inherit_env();
        }
        for (k, v) in &self.envs {
            b.env(k, v);
        }
        for dir in &self.dirs {
            let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
            b.preopened_dir(
                host,
                guest,
                wasmtime_wasi::DirPerms::all(),
                wasmtime_wasi::FilePerms::all(),
            )?;
        }
        if self.wasi.inherit_network == Some(true) {
            b.inherit_network();
        }
        if let Some(on) = self.wasi.allow_ip_name_lookup {
            b.allow_ip_name_lookup(on);
        }
        let (http, hooks) = http_setup(&self.wasi);
        // Each request starts from the configured data, as in the reference.
        let (config, keyvalue) = config_and_keyvalue(&self.wasi);
        let host = ComponentHost {
            wasi: b.build(),
            http,
            hooks,
            config,
            keyvalue,
            table: ResourceTable::new(),
            limits: StoreLimits::default(),
        };
        let mut store = Store::new(&self.engine, host);
        if let Some(fuel) = self.fuel {
            store.set_fuel(fuel).anyhow()?;
        }
        Ok(store)
    }

    async fn handle(&self, mut req: Request<Incoming>) -> Result<Response<HyperOutgoingBody>> {
        let _id = self.next_id.fetch_add(1, Ordering::Relaxed);
        for (name, _) in &self.headers {
            req.headers_mut().remove(name);
        }
        for (name, value) in &self.headers {
            req.headers_mut().append(name, value.clone());
        }
        let pre = match &self.pre {
            Pre::P2(pre) => pre.clone(),
            Pre::P3(pre) => return self.handle_p3(pre.clone(), req).await,
        };
        let mut store = self.store()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let request = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .anyhow()?;
        let outparam = store.data_mut().http().new_response_outparam(tx).anyhow()?;
        // The guest runs on its own task: it may still be writing the body
        // after it set the response, which is streamed meanwhile.
        let task = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await.anyhow()?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, request, outparam)
                .await
                .anyhow()
        });
        match rx.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(anyhow::anyhow!("guest responded with error code {code:?}")),
            Err(_) => {
                let e = match task.await {
                    Ok(Ok(())) => {
                        anyhow::anyhow!("guest never invoked `response-outparam::set` method")
                    }
                    Ok(Err(e)) => e,
                    Err(e) => e.into(),
                };
                Err(e)
            }
        }
    }
}

impl Server {
    /// A request for a `wasi:http/service` component: the guest's task
    /// runs on its own Tokio task, whose store keeps feeding the response
    /// body after the head has been returned.
    async fn handle_p3(
        &self,
        pre: InstancePre<ComponentHost>,
        req: Request<Incoming>,
    ) -> Result<Response<HyperOutgoingBody>> {
        let mut store = self.store()?;
        let req = req.map(|body| body.map_err(ErrorCode::from).boxed_unsync());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let instance = pre.instantiate_async(&mut store).await.anyhow()?;
            let service = service::Service::new(&mut store, &instance).anyhow()?;
            store
                .run_concurrent(async |acc| -> wasmtime::Result<()> {
                    let (response, exit) = service.handle(acc, req).await?;
                    let _ = tx.send(response);
                    exit.block(acc).await
                })
                .await
                .and_then(|r| r)
                .anyhow()
        });
        match rx.await {
            Ok(Ok(response)) => {
                // A failure while the body is still being written can
                // only be logged now.
                tokio::spawn(async move {
                    match task.await {
                        Ok(Err(e)) => eprintln!("error: {e:?}"),
                        Err(e) => eprintln!("error: {e:?}"),
                        Ok(Ok(())) => {}
                    }
                });
                Ok(response)
            }
            Ok(Err(code)) => Err(anyhow::anyhow!("guest responded with error code {code:?}")),
            Err(_) => Err(match task.await {
                Ok(Ok(())) => anyhow::anyhow!("guest never returned a response"),
                Ok(Err(e)) => e,
                Err(e) => e.into(),
            }),
        }
    }
}

/// How many bytes at the start of each pooled linear memory `serve` keeps
/// resident between requests unless `-O pooling-memory-keep-resident`
/// says otherwise: 4 MiB where the kernel has `PAGEMAP_SCAN`, none
/// elsewhere (Wasmtime 48 keeps none).
///
/// A request's instance writes to few pages of its memory. With nothing
/// kept resident, every slot is reset with `madvise(MADV_DONTNEED)` and
/// the next request faults each page it touches back in (for an image,
/// a copy-on-write fault with a TLB shootdown): most of the time per
/// request of interpreters compiled to wasm. Kept resident, only the
/// pages the request wrote are found (`PAGEMAP_SCAN`) and restored in
/// place. Memory stays bounded: at most this much per warm slot
/// (`-O pooling-max-unused-warm-slots`).
fn serve_keep_resident() -> Option<usize> {
    wasmtime::PoolingAllocationConfig::is_pagemap_scan_available().then_some(4 << 20)
}

/// Whether the pooling allocator's default reservation fits in this
/// machine's address space, so that `serve` can use it unless told
/// otherwise: its 1,000 memory slots of several GiB each need about 42 bits
/// of address space, more than some aarch64 and riscv64 kernels give a
/// process. Reserving one static 64-bit memory of that size is the test.
fn pooling_fits_address_space() -> Option<bool> {
    const BITS: u32 = 42;
    let mut config = Config::new();
    config.wasm_memory64(true).memory_reservation(1 << BITS);
    let engine = Engine::new(&config).ok()?;
    let mut store = Store::new(&engine, ());
    let ty = wasmtime::MemoryType::new64(0, Some(1 << (BITS - 16)));
    wasmtime::Memory::new(&mut store, ty)
        .is_ok()
        .then_some(true)
}
