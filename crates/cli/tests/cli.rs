//! End-to-end tests of the `wasmtime` binary: results, exit codes and the
//! `wast` subcommand.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wasmtime(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmtime"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("failed to start the wasmtime binary")
}

/// Writes `contents` to a file unique to this test process.
fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

const MODULE: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "swap") (param f32 f64) (result f64 f32) local.get 1 local.get 0)
  (func (export "wide") (param i64) (result i64) local.get 0 i64.const 1 i64.sub)
  (func (export "div") (param i32) (result i32) i32.const 1 local.get 0 i32.div_s))"#;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn invoke_prints_results() {
    let m = temp_file("results.wat", MODULE);
    let m = m.to_str().unwrap();

    let o = wasmtime(&["run", "--invoke", "add", m, "3", "-5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "-2\n");

    let o = wasmtime(&["run", "--invoke", "swap", m, "1.5", "-2.25"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "-2.25\n1.5\n");

    let o = wasmtime(&["--invoke", "wide", m, "-9223372036854775807"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "-9223372036854775808\n");
}

#[test]
fn errors_exit_with_1_and_traps_with_134() {
    let m = temp_file("errors.wat", MODULE);
    let m = m.to_str().unwrap();

    let o = wasmtime(&["run", "--invoke", "add", m, "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("wrong number of arguments"),
        "{}",
        stderr(&o)
    );

    let o = wasmtime(&["run", "--invoke", "nope", m]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));

    let o = wasmtime(&["run", "--invoke", "div", m, "0"]);
    let expected = if cfg!(unix) { 134 } else { 3 };
    assert_eq!(o.status.code(), Some(expected), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("integer divide by zero"),
        "{}",
        stderr(&o)
    );

    let imports = temp_file("imports.wat", r#"(module (import "env" "foo" (func)))"#);
    let o = wasmtime(&["run", imports.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("env::foo"), "{}", stderr(&o));
}

#[test]
fn start_is_called_by_default() {
    let m = temp_file(
        "start.wat",
        r#"(module (func (export "_start") (result i32) i32.const 9))"#,
    );
    let o = wasmtime(&["run", m.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "9\n");
}

#[test]
fn wast_subcommand() {
    let good = temp_file(
        "good.wast",
        r#"(module (func (export "f") (result i32) i32.const 1))
           (assert_return (invoke "f") (i32.const 1))
           (assert_trap (module (func unreachable) (start 0)) "unreachable")"#,
    );
    let o = wasmtime(&["wast", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("3 passed, 0 failed"), "{}", stdout(&o));

    let bad = temp_file(
        "bad.wast",
        r#"(module (func (export "f") (result i32) i32.const 1))
           (assert_return (invoke "f") (i32.const 2))"#,
    );
    let o = wasmtime(&["wast", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("1 passed, 1 failed"), "{}", stdout(&o));
}

/// As with Wasmtime's `wast`, scripts may declare shared memories whatever
/// `-W shared-memory` says, and a named module is importable by its name.
#[test]
fn wast_allows_shared_memories_and_named_imports() {
    let script = temp_file(
        "shared.wast",
        r#"(module $env (memory (export "m") 1 1 shared)
             (func (export "add") (result i32) i32.const 0 i32.const 5 i32.atomic.rmw.add))
           (module (import "env" "m" (memory 1 1 shared))
             (func (export "load") (result i32) i32.const 0 i32.atomic.load))
           (assert_return (invoke $env "add") (i32.const 0))
           (assert_return (invoke "load") (i32.const 5))"#,
    );
    for flags in [&[][..], &["-W", "threads=y"], &["-W", "shared-memory=n"]] {
        let mut args = vec!["wast"];
        args.extend_from_slice(flags);
        args.push(script.to_str().unwrap());
        let o = wasmtime(&args);
        assert!(
            o.status.success(),
            "{flags:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(stdout(&o).contains("4 passed, 0 failed"), "{}", stdout(&o));
    }
}

#[test]
fn version() {
    let o = wasmtime(&["--version"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("wasmtime "), "{}", stdout(&o));
}
