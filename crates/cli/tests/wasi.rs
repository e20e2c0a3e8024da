//! The `wasmtime` binary running the WASI C programs of
//! `tests/wasi-programs`: output, exit codes, flags and errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn program(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/wasi-programs")
        .join(format!("{name}.wasm"))
        .to_string_lossy()
        .into_owned()
}

fn wasmtime_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmtime"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env("WASI_TEST_VAR", "from-host")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start the wasmtime binary");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn wasmtime(args: &[&str]) -> Output {
    wasmtime_with_stdin(args, b"")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn hello_with_and_without_run() {
    for args in [vec!["run", &*program("hello")], vec![&*program("hello")]] {
        let o = wasmtime(&args.iter().map(|s| &**s).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert_eq!(out(&o), "Hello, world!\n");
    }
}

#[test]
fn arguments_and_argv0() {
    let p = program("args");
    let o = wasmtime(&["run", &p, "x", "--dir", "-y"]);
    assert_eq!(
        out(&o),
        "argc=4\nargv[0]=args.wasm\nargv[1]=x\nargv[2]=--dir\nargv[3]=-y\n"
    );
    let o = wasmtime(&["run", "--argv0", "prog", &p, "a"]);
    assert_eq!(out(&o), "argc=2\nargv[0]=prog\nargv[1]=a\n");
}

#[test]
fn environment_flags() {
    let p = program("env");
    let o = wasmtime(&["run", "--env", "A=1", "--env", "WASI_TEST_VAR", &p]);
    assert_eq!(out(&o), "count=2\nA=1\nWASI_TEST_VAR=from-host\n");
    let o = wasmtime(&["run", &p]);
    assert_eq!(out(&o), "count=0\n");
    let o = wasmtime(&["run", "-S", "inherit-env=y", &p, "WASI_TEST_VAR"]);
    assert!(
        out(&o).contains("\nWASI_TEST_VAR=from-host\n"),
        "{}",
        out(&o)
    );
    assert!(out(&o).ends_with("getenv(WASI_TEST_VAR)=from-host\n"));
}

#[test]
fn exit_codes() {
    let p = program("exit");
    for code in [0, 3, 125] {
        let o = wasmtime(&["run", &p, &code.to_string()]);
        assert_eq!(o.status.code(), Some(code));
        assert_eq!(out(&o), format!("exiting with {code}\n"));
        assert_eq!(err(&o), "");
    }
    let o = wasmtime(&["run", &p, "200"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("invalid exit status"), "{}", err(&o));
}

#[test]
fn stdin_is_passed_through() {
    let o = wasmtime_with_stdin(&["run", &program("stdin")], b"ab c\nd\n");
    assert_eq!(out(&o), "AB C\nD\nlines=2 words=3 bytes=7\n");
}

#[test]
fn dir_mapping_and_copy() {
    let dir = std::env::temp_dir().join(format!("wasi-cli-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("in.bin"), &data).unwrap();
    let mapping = format!("{}::/data", dir.display());
    let o = wasmtime(&[
        "run",
        "--dir",
        &mapping,
        &program("copy"),
        "/data/in.bin",
        "/data/out.bin",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), format!("copied {} bytes\n", data.len()));
    assert_eq!(std::fs::read(dir.join("out.bin")).unwrap(), data);
    // Without --dir the guest cannot see the file.
    let o = wasmtime(&["run", &program("copy"), "/data/in.bin", "/data/out2.bin"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.join("out2.bin").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trap_exits_134_with_backtrace() {
    let dir = std::env::temp_dir().join(format!("wasi-cli-trap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let m = dir.join("trap.wat");
    std::fs::write(
        &m,
        r#"(module (func $inner unreachable) (func (export "_start") call $inner))"#,
    )
    .unwrap();
    let o = wasmtime(&["run", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(134));
    let e = err(&o);
    assert!(e.contains("unreachable"), "{e}");
    assert!(e.contains("$inner") || e.contains("inner"), "{e}");
}

#[test]
fn missing_file_is_one_line() {
    let o = wasmtime(&["run", "/nonexistent/prog.wasm"]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("/nonexistent/prog.wasm"), "{e}");
}

#[test]
fn unknown_imports() {
    let dir = std::env::temp_dir().join(format!("wasi-cli-unk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let m = dir.join("unk.wat");
    std::fs::write(
        &m,
        r#"(module (import "env" "f" (func $f)) (func (export "_start") call $f))"#,
    )
    .unwrap();
    let o = wasmtime(&["run", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("env::f"), "{}", err(&o));
    let o = wasmtime(&["run", "-W", "unknown-imports-trap=y", m.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("unknown import: `env::f`"), "{}", err(&o));
    assert!(err(&o).contains("backtrace"), "{}", err(&o));
}

#[test]
fn preload_links_a_module_by_name() {
    let dir = std::env::temp_dir().join(format!("wasi-cli-pre-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = dir.join("lib.wat");
    std::fs::write(
        &lib,
        r#"(module (func (export "seven") (result i32) i32.const 7))"#,
    )
    .unwrap();
    let main = dir.join("main.wat");
    std::fs::write(
        &main,
        r#"(module (import "lib" "seven" (func $s (result i32)))
             (func (export "get") (result i32) call $s i32.const 1 i32.add))"#,
    )
    .unwrap();
    let pre = format!("lib={}", lib.display());
    let o = wasmtime(&[
        "run",
        "--preload",
        &pre,
        "--invoke",
        "get",
        main.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), "8\n");
}

#[test]
fn wasm_options() {
    let p = program("hello");
    // Proposal names are accepted (whether the engine supports them is
    // the engine's business).
    let o = wasmtime(&[
        "run",
        "-W",
        "bulk-memory=y,multi-value,reference-types=yes",
        &p,
    ]);
    assert_eq!(out(&o), "Hello, world!\n", "{}", err(&o));
    let o = wasmtime(&["run", "-W", "bogus=1", &p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("unknown -W / --wasm option: `bogus`"),
        "{}",
        err(&o)
    );
    let o = wasmtime(&["run", "-W", "simd=maybe", &p]);
    assert_eq!(o.status.code(), Some(2));
    // The limits leave a terminating program alone.
    for opt in ["fuel=1000000", "timeout=60s", "max-memory-size=10000000"] {
        let o = wasmtime(&["run", "-W", opt, &p]);
        assert_eq!(out(&o), "Hello, world!\n", "{opt}: {}", err(&o));
    }
    let o = wasmtime(&["run", "-S", "nope", &p]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn settings_lists_cranelift_flags() {
    let o = wasmtime(&["settings"]);
    assert_eq!(o.status.code(), Some(0));
    let s = out(&o);
    assert!(s.starts_with("Cranelift settings for target '"), "{s}");
    assert!(s.contains("Boolean settings:"), "{s}");
    assert!(s.contains("Settings inferred for the current host:"), "{s}");
    if cfg!(target_arch = "x86_64") {
        assert!(s.contains("has_sse41"), "{s}");
    }
}

#[test]
fn help_for_each_subcommand() {
    for sub in ["run", "wast", "settings"] {
        let o = wasmtime(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{sub}");
        assert!(out(&o).contains("Usage:"), "{sub}: {}", out(&o));
    }
    let o = wasmtime(&["run", "--help"]);
    for flag in [
        "--dir",
        "--env",
        "--invoke",
        "--argv0",
        "--preload",
        "-W",
        "-S",
    ] {
        assert!(out(&o).contains(flag), "{flag}");
    }
    let o = wasmtime(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).starts_with("wasmtime "));
}

/// Writes `wat` to a fresh file in the temp directory.
fn temp_wat(name: &str, wat: &str) -> String {
    let path = std::env::temp_dir().join(format!("wasmtime-cli-{}-{name}.wat", std::process::id()));
    std::fs::write(&path, wat).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn fuel_and_timeout_stop_an_infinite_loop() {
    let p = temp_wat("spin", r#"(module (func (export "_start") (loop br 0)))"#);
    let o = wasmtime(&["run", "-W", "fuel=10000", &p]);
    assert_eq!(o.status.code(), Some(134), "{}", err(&o));
    assert!(err(&o).contains("all fuel consumed"), "{}", err(&o));
    let o = wasmtime(&["run", "-W", "timeout=100ms", &p]);
    assert_eq!(o.status.code(), Some(134), "{}", err(&o));
    assert!(err(&o).contains("interrupt"), "{}", err(&o));
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn max_memory_size_limits_growth() {
    let p = temp_wat(
        "grow",
        r#"(module (memory 1) (func (export "grow") (result i32) (memory.grow (i32.const 2))))"#,
    );
    // 1 page + 2 = 3 pages = 196608 bytes.
    let o = wasmtime(&[
        "run",
        "-W",
        "max-memory-size=131072",
        "--invoke",
        "grow",
        &p,
    ]);
    assert_eq!(out(&o), "-1\n", "{}", err(&o));
    let o = wasmtime(&[
        "run",
        "-W",
        "max-memory-size=196608",
        "--invoke",
        "grow",
        &p,
    ]);
    assert_eq!(out(&o), "1\n", "{}", err(&o));
    std::fs::remove_file(&p).unwrap();
}

/// Runs the echo program under `-S tcplisten` (after `extra` flags) with
/// the socket's descriptor as its argument, and talks to it.
fn echo_through_cli(extra: &[&str], fd: &str) {
    use std::io::Read;
    use std::net::{Shutdown, TcpListener, TcpStream};
    // A free port (a race with other processes is unlikely on loopback).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let flag = format!("tcplisten={addr}");
    let echo = program("echo");
    let mut args = vec!["run"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-S", &flag, &echo, fd]);
    let child = Command::new(env!("CARGO_BIN_EXE_wasmtime"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stream = None;
    for _ in 0..500 {
        match TcpStream::connect(&addr) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
    let mut stream = stream.expect("the CLI never listened");
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let mut writer = stream.try_clone().unwrap();
    let sent = data.clone();
    let sender = std::thread::spawn(move || {
        writer.write_all(&sent).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut echoed = Vec::new();
    stream.read_to_end(&mut echoed).unwrap();
    sender.join().unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert!(echoed == data, "the echo differs ({} bytes)", echoed.len());
    assert!(out(&o).contains("accepted\n"), "{}", out(&o));
    assert!(out(&o).ends_with("echoed 50000 bytes\n"), "{}", out(&o));
}

#[test]
fn tcplisten_preopens_a_listener() {
    echo_through_cli(&[], "3");
    // With a directory, the socket follows it (fd 4) and the directory
    // stays visible to wasi-libc.
    let dir = std::env::temp_dir().to_string_lossy().into_owned();
    echo_through_cli(&["--dir", &dir], "4");
    // An address that cannot be listened on is a one-line error.
    let o = wasmtime(&["run", "-S", "tcplisten=256.0.0.1:1", &program("hello")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("failed to listen"), "{}", err(&o));
}
