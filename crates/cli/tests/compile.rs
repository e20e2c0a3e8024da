//! `wasmtime compile` and running its `.cwasm` output with
//! `wasmtime run --allow-precompiled`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wasmtime(dir: &PathBuf, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmtime"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("failed to start the wasmtime binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const MODULE: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub call $fib
      i32.add
    end))"#;

#[test]
fn compile_then_run_precompiled() {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-compile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fib.wat"), MODULE).unwrap();

    // Default output: `<stem>.cwasm` in the current directory.
    let o = wasmtime(&dir, &["compile", "fib.wat"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let artifact = std::fs::read(dir.join("fib.cwasm")).unwrap();
    assert_eq!(&artifact[..4], b"\x7fELF");

    // Explicit output.
    let o = wasmtime(&dir, &["compile", "fib.wat", "-o", "out.cwasm"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(dir.join("out.cwasm").exists());

    // Running it needs the flag.
    let o = wasmtime(&dir, &["run", "--invoke", "fib", "out.cwasm", "20"]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("--allow-precompiled"),
        "{}",
        text(&o.stderr)
    );
    let o = wasmtime(
        &dir,
        &[
            "run",
            "--allow-precompiled",
            "--invoke",
            "fib",
            "out.cwasm",
            "20",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let compiled = wasmtime(&dir, &["run", "--invoke", "fib", "fib.wat", "20"]);
    assert_eq!(text(&o.stdout), text(&compiled.stdout));
    assert_eq!(text(&o.stdout), "6765\n");

    // An artifact compiled with other settings is rejected, naming them.
    let o = wasmtime(
        &dir,
        &["compile", "-O", "opt-level=0", "fib.wat", "-o", "o0.cwasm"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = wasmtime(
        &dir,
        &[
            "run",
            "--allow-precompiled",
            "--invoke",
            "fib",
            "o0.cwasm",
            "5",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("opt_level"), "{}", text(&o.stderr));

    // A damaged artifact is an error, not a crash.
    let mut bad = artifact.clone();
    let n = bad.len();
    bad.truncate(n / 2);
    std::fs::write(dir.join("bad.cwasm"), &bad).unwrap();
    let o = wasmtime(
        &dir,
        &[
            "run",
            "--allow-precompiled",
            "--invoke",
            "fib",
            "bad.cwasm",
            "5",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));

    let o = wasmtime(&dir, &["compile", "missing.wat"]);
    assert!(!o.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `compile --target` writes an artifact for that machine, which the host
/// refuses to run, naming both architectures.
#[test]
fn compile_for_another_target() {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-cross-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fib.wat"), MODULE).unwrap();
    // `(triple, ELF e_machine, big-endian)`.
    let targets = [
        ("aarch64-unknown-linux-gnu", 183u16, false),
        ("riscv64gc-unknown-linux-gnu", 243, false),
        ("s390x-unknown-linux-gnu", 22, true),
    ];
    for (triple, machine, big) in targets {
        let out = format!("{triple}.cwasm");
        let o = wasmtime(
            &dir,
            &["compile", "--target", triple, "fib.wat", "-o", &out],
        );
        assert!(o.status.success(), "{triple}: {}", text(&o.stderr));
        let artifact = std::fs::read(dir.join(&out)).unwrap();
        assert_eq!(&artifact[..4], b"\x7fELF");
        assert_eq!(artifact[5], if big { 2 } else { 1 }, "{triple}: byte order");
        let m = [artifact[18], artifact[19]];
        let m = if big {
            u16::from_be_bytes(m)
        } else {
            u16::from_le_bytes(m)
        };
        assert_eq!(m, machine, "{triple}");
        let o = wasmtime(
            &dir,
            &["run", "--allow-precompiled", "--invoke", "fib", &out, "5"],
        );
        assert!(!o.status.success(), "{triple}: ran on the host");
        let arch = triple.split('-').next().unwrap().trim_end_matches("gc");
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("architecture '{arch}'")) && err.contains("'x86_64'"),
            "{triple}: {err}"
        );
    }
    let o = wasmtime(&dir, &["compile", "--target", "bogus-triple", "fib.wat"]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("bogus-triple"),
        "{}",
        text(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
