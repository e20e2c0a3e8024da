//! WASI preview 1 sockets: `WasiCtxBuilder::preopened_socket`, the C echo
//! server of `tests/wasi-programs` talking to a host client, and the errno
//! of each `sock_*` function for wrong descriptors, flags and pointers.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{DirPerms, FilePerms, I32Exit, WasiCtxBuilder};

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/wasi-programs")
        .join(format!("{name}.wasm"))
}

/// Bytes no two positions of which repeat in a short cycle, so a dropped,
/// duplicated or reordered chunk shows.
fn payload(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_right(13) as u8)
        .collect()
}

/// Runs the echo program with a listener pre-opened as `fd` (and `dirs`
/// pre-opened directories before it), while a host thread connects, sends
/// `data`, shuts down its sending side and reads the echo. Returns the
/// guest's stdout, its exit, and what the client read back.
fn run_echo(fd: u32, dirs: usize, data: Vec<u8>) -> (String, Option<i32>, Vec<u8>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let sender = std::thread::spawn(move || {
            writer.write_all(&data).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
        });
        let mut echoed = Vec::new();
        stream.read_to_end(&mut echoed).unwrap();
        sender.join().unwrap();
        echoed
    });

    let engine = Engine::default();
    let module = Module::from_file(&engine, program("echo")).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 16);
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(stdout.clone())
        .arg("echo")
        .arg(fd.to_string());
    let tmp = std::env::temp_dir();
    for i in 0..dirs {
        builder
            .preopened_dir(&tmp, format!("d{i}"), DirPerms::READ, FilePerms::READ)
            .unwrap();
    }
    builder.preopened_socket(fd, listener).unwrap();
    let mut store = Store::new(&engine, builder.build_p1());
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let exit = match start.call(&mut store, ()) {
        Ok(()) => None,
        Err(e) => Some(e.downcast_ref::<I32Exit>().expect("exit, not a trap").0),
    };
    let echoed = client.join().unwrap();
    (
        String::from_utf8_lossy(&stdout.contents()).into_owned(),
        exit,
        echoed,
    )
}

#[test]
fn echo_server_over_a_preopened_listener() {
    // Enough data for many recv/send rounds (the guest's buffer is 4 KiB).
    let mut data = b"Hello".to_vec();
    data.extend(payload(300_000));
    let (stdout, exit, echoed) = run_echo(3, 0, data.clone());
    assert_eq!(exit.unwrap_or(0), 0, "stdout: {stdout}");
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "the echo differs from what was sent");
    let expected = format!(
        "recv on stdout: ENOTSOCK\n\
         send on a closed fd: EBADF\n\
         recv on the listener: ENOTCONN\n\
         accepted\n\
         accept on the connection: EINVAL\n\
         peeked Hello\n\
         shutdown with a bad how: EINVAL\n\
         echoed {} bytes\n",
        data.len()
    );
    assert_eq!(stdout, expected);
}

#[test]
fn socket_after_directories_and_at_a_chosen_fd() {
    // Two directories take fds 3 and 4; the socket is at 7.
    let data = b"hello, socket".to_vec();
    let (stdout, exit, echoed) = run_echo(7, 2, data.clone());
    assert_eq!(exit.unwrap_or(0), 0, "stdout: {stdout}");
    assert_eq!(echoed, data);
    assert!(stdout.ends_with("echoed 13 bytes\n"), "{stdout}");
}

#[test]
fn preopened_socket_rejects_bad_descriptors() {
    let l = || TcpListener::bind("127.0.0.1:0").unwrap();
    let mut b = WasiCtxBuilder::new();
    for fd in [0, 1, 2, 1 << 16, u32::MAX] {
        assert!(b.preopened_socket(fd, l()).is_err(), "fd {fd}");
    }
    b.preopened_socket(5, l()).unwrap();
    assert!(b.preopened_socket(5, l()).is_err());
    b.preopened_socket(6, TcpStream::connect(l().local_addr().unwrap()).unwrap())
        .unwrap();
}

/// Calls `import` with `args` from a module with one page of memory (the
/// bytes at 0..64 are zero, `iovec`s at 200), in a context whose fd 3 is a
/// pre-opened directory, 4 a listener and 5 a connected stream (whose peer
/// has already sent "ping"). Returns the errno.
fn sock_errno(import: &str, params: &str, args: &str) -> i32 {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        format!(
            r#"(module
              (import "wasi_snapshot_preview1" "{import}" (func $f (param {params}) (result i32)))
              (memory (export "memory") 1)
              ;; an iovec {{ buf = 300, len = 16 }} at 200, a bad one {{ 65530, 16 }} at 208
              (data (i32.const 200) "\2c\01\00\00\10\00\00\00\fa\ff\00\00\10\00\00\00")
              (func (export "run") (result i32) {args} call $f))"#
        ),
    )
    .unwrap();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let peer_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(peer_listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = peer_listener.accept().unwrap();
    peer.write_all(b"ping").unwrap();
    let ctx = WasiCtxBuilder::new()
        .preopened_dir(std::env::temp_dir(), "tmp", DirPerms::READ, FilePerms::READ)
        .unwrap()
        .preopened_socket(4, listener)
        .unwrap()
        .preopened_socket(5, stream)
        .unwrap()
        .build_p1();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    f.call(&mut store, ()).unwrap()
}

const ESUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOTCONN: i32 = 53;
const ENOTSOCK: i32 = 57;

#[test]
fn sock_errnos() {
    let accept = |fd: &str, flags: &str, out: &str| {
        sock_errno(
            "sock_accept",
            "i32 i32 i32",
            &format!("i32.const {fd} i32.const {flags} i32.const {out}"),
        )
    };
    // Not a socket: stdio and a directory.
    for fd in ["0", "1", "2", "3"] {
        assert_eq!(accept(fd, "0", "0"), ENOTSOCK, "sock_accept on fd {fd}");
    }
    // Not open at all.
    for fd in ["6", "1000", "-1"] {
        assert_eq!(accept(fd, "0", "0"), EBADF, "sock_accept on fd {fd}");
    }
    // A connected stream is not listening.
    assert_eq!(accept("5", "0", "0"), EINVAL);
    // Bad flags, and a result pointer outside memory (checked before
    // blocking in accept).
    assert_eq!(accept("4", "1", "0"), EINVAL);
    assert_eq!(accept("4", "0", "65534"), EFAULT);
    assert_eq!(accept("4", "0", "-1"), EFAULT);

    let recv = |fd: &str, iovs: &str, n: &str, flags: &str, out: &str, oflags: &str| {
        sock_errno(
            "sock_recv",
            "i32 i32 i32 i32 i32 i32",
            &format!(
                "i32.const {fd} i32.const {iovs} i32.const {n} i32.const {flags} \
                 i32.const {out} i32.const {oflags}"
            ),
        )
    };
    assert_eq!(recv("5", "200", "1", "0", "0", "8"), ESUCCESS);
    // MSG_PEEK and MSG_WAITALL are the only flags.
    assert_eq!(recv("5", "200", "1", "1", "0", "8"), ESUCCESS);
    assert_eq!(recv("5", "200", "1", "4", "0", "8"), EINVAL);
    for fd in ["1", "3"] {
        assert_eq!(recv(fd, "200", "1", "0", "0", "8"), ENOTSOCK, "fd {fd}");
    }
    assert_eq!(recv("4", "200", "1", "0", "0", "8"), ENOTCONN);
    assert_eq!(recv("9", "200", "1", "0", "0", "8"), EBADF);
    // The iovec array, a buffer, or a result outside memory.
    assert_eq!(recv("5", "65532", "1", "0", "0", "8"), EFAULT);
    assert_eq!(recv("5", "200", "100000", "0", "0", "8"), EFAULT);
    assert_eq!(recv("5", "208", "1", "0", "0", "8"), EFAULT);
    assert_eq!(recv("5", "200", "1", "0", "65534", "8"), EFAULT);
    assert_eq!(recv("5", "200", "1", "0", "0", "65535"), EFAULT);

    let send = |fd: &str, iovs: &str, n: &str, flags: &str, out: &str| {
        sock_errno(
            "sock_send",
            "i32 i32 i32 i32 i32",
            &format!(
                "i32.const {fd} i32.const {iovs} i32.const {n} i32.const {flags} i32.const {out}"
            ),
        )
    };
    assert_eq!(send("5", "200", "1", "0", "0"), ESUCCESS);
    assert_eq!(send("5", "200", "1", "1", "0"), EINVAL);
    for fd in ["0", "3"] {
        assert_eq!(send(fd, "200", "1", "0", "0"), ENOTSOCK, "fd {fd}");
    }
    assert_eq!(send("4", "200", "1", "0", "0"), ENOTCONN);
    assert_eq!(send("77", "200", "1", "0", "0"), EBADF);
    assert_eq!(send("5", "208", "1", "0", "0"), EFAULT);
    assert_eq!(send("5", "65532", "1", "0", "0"), EFAULT);
    assert_eq!(send("5", "200", "1", "0", "65533"), EFAULT);

    let shutdown = |fd: &str, how: &str| {
        sock_errno(
            "sock_shutdown",
            "i32 i32",
            &format!("i32.const {fd} i32.const {how}"),
        )
    };
    for how in ["1", "2", "3"] {
        assert_eq!(shutdown("5", how), ESUCCESS, "how {how}");
    }
    for how in ["0", "4", "-1"] {
        assert_eq!(shutdown("5", how), EINVAL, "how {how}");
    }
    assert_eq!(shutdown("2", "3"), ENOTSOCK);
    assert_eq!(shutdown("3", "3"), ENOTSOCK);
    assert_eq!(shutdown("4", "3"), ENOTCONN);
    assert_eq!(shutdown("8", "3"), EBADF);
}

/// A guest that polls, once, an `fd_read` subscription on the listener at
/// fd 3 together with a relative clock of `timeout_ns` (monotonic), and
/// returns the events written: count, then per event (userdata, type,
/// nbytes).
const POLL_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "poll") (param $timeout i64) (result i32)
    ;; subscription 0 at 0: userdata 10, fd_read on fd 3
    (i64.store (i32.const 0) (i64.const 10))
    (i32.store8 (i32.const 8) (i32.const 1))
    (i32.store (i32.const 16) (i32.const 3))
    ;; subscription 1 at 48: userdata 20, clock monotonic, relative timeout
    (i64.store (i32.const 48) (i64.const 20))
    (i32.store8 (i32.const 56) (i32.const 0))
    (i32.store (i32.const 64) (i32.const 1))
    (i64.store (i32.const 72) (local.get $timeout))
    (i64.store (i32.const 80) (i64.const 0))
    (i32.store16 (i32.const 88) (i32.const 0))
    (call $poll (i32.const 0) (i32.const 256) (i32.const 2) (i32.const 512)))
  (func (export "count") (result i32) (i32.load (i32.const 512)))
  (func (export "userdata") (param i32) (result i64)
    (i64.load (i32.add (i32.const 256) (i32.mul (local.get 0) (i32.const 32)))))
  (func (export "nbytes") (param i32) (result i64)
    (i64.load (i32.add (i32.const 272) (i32.mul (local.get 0) (i32.const 32))))))
"#;

#[test]
fn poll_oneoff_waits_for_a_socket_to_be_ready() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let engine = Engine::default();
    let module = Module::new(&engine, POLL_WAT).unwrap();
    let mut builder = WasiCtxBuilder::new();
    builder.preopened_socket(3, listener).unwrap();
    let mut store = Store::new(&engine, builder.build_p1());
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let poll = instance
        .get_typed_func::<i64, i32>(&mut store, "poll")
        .unwrap();
    let count = instance
        .get_typed_func::<(), i32>(&mut store, "count")
        .unwrap();
    let userdata = instance
        .get_typed_func::<i32, i64>(&mut store, "userdata")
        .unwrap();
    let nbytes = instance
        .get_typed_func::<i32, i64>(&mut store, "nbytes")
        .unwrap();

    // Nobody has connected: only the 20 ms clock fires, after its time.
    let started = std::time::Instant::now();
    assert_eq!(poll.call(&mut store, 20_000_000).unwrap(), 0);
    assert!(started.elapsed() >= std::time::Duration::from_millis(20));
    assert_eq!(count.call(&mut store, ()).unwrap(), 1);
    assert_eq!(userdata.call(&mut store, 0).unwrap(), 20);

    // A pending connection makes the listener readable: its event comes
    // back (nbytes 1) long before the 60 s clock.
    let _client = TcpStream::connect(addr).unwrap();
    assert_eq!(poll.call(&mut store, 60_000_000_000).unwrap(), 0);
    assert_eq!(count.call(&mut store, ()).unwrap(), 1);
    assert_eq!(userdata.call(&mut store, 0).unwrap(), 10);
    assert_eq!(nbytes.call(&mut store, 0).unwrap(), 1);
}
