//! `wasmtime serve`: refusals that need no component, a hand-written
//! `wasi:http/service@0.3.0` component (tests/components/p3-http-service.wat)
//! served over loopback, and, when tests/real-components/http-py/http-py.wasm
//! and http-js/http-js.wasm were built (their build.sh), requests served by
//! those Python and JavaScript proxy components over loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn wasmtime() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wasmtime"));
    c.env("RUST_BACKTRACE", "0");
    c
}

#[test]
fn serve_needs_a_proxy_component() {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let module = dir.join("m.wat");
    std::fs::write(&module, "(module)").unwrap();
    let out = wasmtime()
        .args(["serve", "--addr", "127.0.0.1:0", module.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a component"));
    let component = dir.join("c.wat");
    std::fs::write(&component, "(component)").unwrap();
    let out = wasmtime()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            component.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("wasi:http/incoming-handler"), "{stderr}");
}

fn component() -> Option<PathBuf> {
    built("http-py/http-py.wasm")
}

/// `tests/real-components/NAME`, if its build script has made it.
fn built(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/real-components")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is missing (run its build.sh)", path.display());
        None
    }
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(component: &PathBuf) -> Server {
    let mut child = wasmtime()
        .args(["serve", "-S", "cli", "--addr", "127.0.0.1:0"])
        .arg(component)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix("Serving HTTP on http://") {
                let _ = tx.send(rest.trim_end_matches('/').to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(180))
        .expect("the server did not start within 180 s");
    Server { child, addr }
}

/// Sends a request and returns the status line, headers and the body
/// (chunked encoding decoded).
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n{headers}\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let mut rest = &raw[end + 4..];
    let body = if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        out
    } else {
        rest.to_vec()
    };
    (status, head, body)
}

#[test]
fn serves_a_javascript_proxy_component() {
    // componentize-js (StarlingMonkey), built by http-js/build.sh.
    let Some(component) = built("http-js/http-js.wasm") else {
        return;
    };
    let server = serve(&component);
    let (status, head, body) = request(&server.addr, "GET", "/from-js", "", b"");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/plain"), "{head}");
    assert_eq!(body, b"hello from js at /from-js\n");
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let addr = server.addr.clone();
            std::thread::spawn(move || request(&addr, "GET", &format!("/r{i}"), "", b""))
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let (status, _, body) = t.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(body, format!("hello from js at /r{i}\n").as_bytes());
    }
}

#[test]
fn serves_a_python_proxy_component() {
    let Some(component) = component() else { return };
    let server = serve(&component);
    let addr = server.addr.clone();

    let (status, _, body) = request(&addr, "GET", "/hello?x=1", "", b"");
    assert_eq!(status, 200);
    assert_eq!(body, b"hello from python at /hello?x=1\n");

    let (status, head, body) = request(&addr, "POST", "/echo", "", b"some request body");
    assert_eq!(status, 200);
    assert!(head.contains("x-method: post"), "{head}");
    assert_eq!(body, b"some request body");

    // A body larger than the buffers, streamed while the guest writes it.
    let (status, _, body) = request(&addr, "GET", "/big?n=3000000", "", b"");
    assert_eq!(status, 200);
    assert_eq!(body.len(), 3_000_000);
    assert!(body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));

    // A trap is a 500, and the server keeps serving.
    let (status, _, body) = request(&addr, "GET", "/trap", "", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("500 Internal Server Error"));

    // Concurrent requests.
    let start = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                request(&addr, "POST", "/echo", "", format!("req {i}").as_bytes())
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let (status, _, body) = t.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(body, format!("req {i}").as_bytes());
    }
    assert!(start.elapsed() < Duration::from_secs(60));

    // An outgoing request from the guest to a loopback upstream.
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let up_addr = upstream.local_addr().unwrap();
    let up = std::thread::spawn(move || {
        let (mut s, _) = upstream.accept().unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        s.write_all(b"HTTP/1.1 203 OK\r\ncontent-length: 8\r\n\r\nupstream")
            .unwrap();
        String::from_utf8(buf).unwrap()
    });
    let (status, head, body) = request(
        &addr,
        "GET",
        "/proxy",
        &format!("x-upstream: {up_addr}\r\n"),
        b"",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(head.contains("x-upstream-status: 203"), "{head}");
    assert_eq!(body, b"upstream");
    let seen = up.join().unwrap();
    assert!(seen.starts_with("GET /upstream HTTP/1.1\r\n"), "{seen}");
}

#[test]
fn serves_a_p3_service_component() {
    let component = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/components/p3-http-service.wat");
    let server = serve(&component);
    let addr = server.addr.clone();
    for _ in 0..2 {
        let (status, _, body) = request(&addr, "GET", "/hello", "", b"");
        assert_eq!(status, 203);
        assert_eq!(body, b"hello from a p3 service\n");
    }
    let (status, _, body) = request(&addr, "POST", "/echo", "", b"echo this body");
    assert_eq!(status, 203);
    assert_eq!(body, b"echo this body");
    // A trap is a 500, and the server keeps serving.
    let (status, _, body) = request(&addr, "GET", "/trap", "", b"");
    assert_eq!(status, 500);
    assert!(String::from_utf8_lossy(&body).contains("500 Internal Server Error"));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || request(&addr, "POST", "/x", "", b"ignored"))
        })
        .collect();
    for t in threads {
        let (status, _, body) = t.join().unwrap();
        assert_eq!(status, 203);
        assert_eq!(body, b"hello from a p3 service\n");
    }
}
