//! `wasmtime run` and `wasmtime compile` of components: a command's
//! `wasi:cli/run` export decides the exit status, and compiled artifacts
//! run with `--allow-precompiled`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wasmtime-cli-component-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wasmtime(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmtime"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("failed to start the wasmtime binary")
}

fn command(result: i32) -> String {
    format!(
        r#"(component
  (core module $m (func (export "run") (result i32) (i32.const {result})))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $api (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $api)))"#
    )
}

#[test]
fn commands_exit_with_their_result() {
    let d = dir("exit");
    let ok = d.join("ok.wat");
    let fail = d.join("fail.wat");
    std::fs::write(&ok, command(0)).unwrap();
    std::fs::write(&fail, command(1)).unwrap();
    let out = wasmtime(&["run", ok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = wasmtime(&["run", fail.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

#[test]
fn compiled_components_need_allow_precompiled() {
    let d = dir("compile");
    let src = d.join("cmd.wat");
    let cwasm = d.join("cmd.cwasm");
    std::fs::write(&src, command(0)).unwrap();
    let out = wasmtime(&[
        "compile",
        src.to_str().unwrap(),
        "-o",
        cwasm.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let out = wasmtime(&["run", cwasm.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-precompiled"));
    let out = wasmtime(&["run", "--allow-precompiled", cwasm.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn missing_imports_and_exports_are_clear_errors() {
    let d = dir("errors");
    let imports = d.join("imports.wat");
    std::fs::write(
        &imports,
        r#"(component (import "wasi:nope/environment@0.2.0" (instance
             (export "get-arguments" (func (result (list string)))))))"#,
    )
    .unwrap();
    let out = wasmtime(&["run", imports.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("wasi:nope/environment@0.2.0"), "{stderr}");
    let empty = d.join("empty.wat");
    std::fs::write(&empty, "(component)").unwrap();
    let out = wasmtime(&["run", empty.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("wasi:cli/run"));
}

#[test]
fn invoke_takes_and_prints_wave_values() {
    let d = dir("invoke");
    let src = d.join("inv.wat");
    std::fs::write(
        &src,
        r#"(component
  (type $p' (record (field "x" s32) (field "label" string)))
  (export $p "point" (type $p'))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (core module $m
    (import "libc" "memory" (memory 1))
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "echo") (param i32 i32 i32) (result i32)
      (i32.store (i32.const 512) (local.get 0))
      (i32.store (i32.const 516) (local.get 1))
      (i32.store (i32.const 520) (local.get 2))
      (i32.const 512)))
  (core instance $i (instantiate $m (with "libc" (instance $libc))))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
  (func (export "echo") (param "p" $p) (result $p)
    (canon lift (core func $i "echo") (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc")))))"#,
    )
    .unwrap();
    let path = src.to_str().unwrap();
    let out = wasmtime(&["run", "--invoke", "add(40, 2)", path]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n", "{out:?}");
    let out = wasmtime(&[
        "run",
        "--invoke",
        r#"echo({x: -5, label: "hi \"there\""})"#,
        path,
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{x: -5, label: \"hi \\\"there\\\"\"}\n",
        "{out:?}"
    );
    for bad in ["add(1)", "add(1, \"x\")", "nope()", "add(1, 2"] {
        let out = wasmtime(&["run", "--invoke", bad, path]);
        assert!(!out.status.success(), "{bad}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{bad}"
        );
    }
}

/// `map<K, V>` and `list<T, N>` in WAVE: a map is written `{key: value}`,
/// a fixed-length list like a list (its length checked); both need their
/// `-W` flags. (The reference CLI refuses these types in `--invoke`.)
#[test]
fn invoke_passes_maps_and_fixed_length_lists() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/components/map-and-fixed-list.wat"
    );
    let flags = "component-model-map,component-model-fixed-length-lists";
    let out = wasmtime(&["run", "-W", flags, "--invoke", "swap([1, 2])", path]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[2, 1]\n", "{out:?}");
    let out = wasmtime(&[
        "run",
        "-W",
        flags,
        "--invoke",
        r#"echo-map({"a": 1, "b": 2})"#,
        path,
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"a\": 1, \"b\": 2}\n",
        "{out:?}"
    );
    let out = wasmtime(&["run", "-W", flags, "--invoke", "swap([1])", path]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expected a list of 2 values, found 1"),
        "{out:?}"
    );
    let out = wasmtime(&["run", "--invoke", "swap([1, 2])", path]);
    assert!(!out.status.success(), "{out:?}");
}

/// The WASI 0.2 command of `tests/components/p2-hello.wat`.
const P2_HELLO: &str = include_str!("../../../tests/components/p2-hello.wat");

#[test]
fn wasi_p2_commands_print_and_exit() {
    let d = dir("p2");
    let path = d.join("hello.wat");
    std::fs::write(&path, P2_HELLO).unwrap();
    let out = wasmtime(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from p2\n");
    // `wasi:cli/exit` with a code ends the process with it.
    let out = wasmtime(&["run", "--invoke", "exit()", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    // `--invoke` finds a function inside an exported instance by its name
    // alone, as the reference does.
    let out = wasmtime(&["run", "--invoke", "run()", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from p2\nok\n");
    // Without WASI the imports are missing, and the error names one.
    let out = wasmtime(&["run", "-S", "cli=n", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("wasi:"),
        "{out:?}"
    );
    // The network settings are accepted.
    let out = wasmtime(&[
        "run",
        "-S",
        "inherit-network,allow-ip-name-lookup,tcp=n",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// The WASI 0.3 command of `tests/components/p3-hello.wat`.
const P3_HELLO: &str = include_str!("../../../tests/components/p3-hello.wat");

#[test]
fn wasi_p3_commands_run_by_default_and_with_s_p3() {
    let d = dir("p3");
    let path = d.join("hello.wat");
    std::fs::write(&path, P3_HELLO).unwrap();
    let path = path.to_str().unwrap();
    // A `wasi:cli/run@0.3.0` export runs as a WASI 0.3 command by default
    // and with `-S p3`, as in Wasmtime 48.
    for args in [
        &["run", path][..],
        &["run", "-Wcomponent-model-async", "-Sp3", path],
    ] {
        let out = wasmtime(args);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from p3\n");
    }
    let out = wasmtime(&["run", "--invoke", "exit()", path]);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    // Without WASI 0.3 its imports are missing, and the error names one.
    let out = wasmtime(&["run", "-S", "p3=n", path]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("@0.3.0"),
        "{out:?}"
    );
}

/// A trap in a command's `run` is reported as the reference CLI reports it:
/// "failed to run main module", then "failed to invoke `run` function",
/// then the wasm backtrace, whose offsets count from the start of the
/// component binary (the core module starts at byte 10 here, so `inner`'s
/// `unreachable` at module offset 0x25 is at 0x2f).
#[test]
fn trapping_commands_report_like_the_reference() {
    let d = dir("trap");
    let src = d.join("trap.wat");
    std::fs::write(
        &src,
        r#"(component
  (core module $m
    (func $inner (unreachable))
    (func $run (export "run") (result i32) (call $inner) (i32.const 0)))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $api (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $api)))"#,
    )
    .unwrap();
    let out = wasmtime(&["run", src.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(134), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "Error: failed to run main module `{}`",
            src.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("0: failed to invoke `run` function"),
        "{stderr}"
    );
    assert!(stderr.contains("0x2f - m!inner"), "{stderr}");
    assert!(stderr.contains("0x33 - m!run"), "{stderr}");
}
