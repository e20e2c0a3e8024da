//! Debugging through the CLI: source lines in trap backtraces
//! (`WASMTIME_BACKTRACE_DETAILS=1`) and `-D coredump=FILE`, with the C guest
//! of `tests/debug-programs` (built with `-g`).

use std::path::PathBuf;
use std::process::{Command, Output};

fn guest(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/debug-programs")
        .join(format!("{name}.wasm"));
    path.to_str().unwrap().to_string()
}

fn wasmtime(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasmtime"));
    cmd.args(args)
        .env("RUST_BACKTRACE", "0")
        .env_remove("WASMTIME_BACKTRACE_DETAILS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("failed to start the wasmtime binary")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn trap_prints_source_lines_with_backtrace_details() {
    let trap = guest("trap");
    let o = wasmtime(
        &["run", "-C", "cache=n", &trap],
        &[("WASMTIME_BACKTRACE_DETAILS", "1")],
    );
    assert_eq!(o.status.code(), Some(134));
    let err = stderr(&o);
    // The same frames as Wasmtime 48 prints for this guest (the error
    // report indents continuation lines its own way: compare words).
    let words = err.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "0: 0x225 - divide at ./src/trap.c:6:22 ",
        "1: 0x331 - compute at ./src/trap.c:12:12 ",
        "2: 0x2b6 - __main_argc_argv at ./src/trap.c:19:12 ",
        "wasm trap: integer divide by zero",
    ] {
        assert!(words.contains(expected), "missing {expected:?} in:\n{err}");
    }

    // Without the variable: names only, and a hint.
    let o = wasmtime(&["run", "-C", "cache=n", &trap], &[]);
    let err = stderr(&o);
    assert!(err.contains("0x225 - <unknown>!divide\n"), "{err}");
    assert!(
        err.contains("note: using the `WASMTIME_BACKTRACE_DETAILS=1` environment variable"),
        "{err}"
    );
}

#[test]
fn coredump_flag_writes_a_parsable_core_dump() {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-coredump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("trap.coredump");
    let _ = std::fs::remove_file(&file);
    let flag = format!("coredump={}", file.display());
    let o = wasmtime(&["run", "-C", "cache=n", "-D", &flag, &guest("trap")], &[]);
    assert_eq!(o.status.code(), Some(134));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("core dumped at {}", file.display())),
        "{err}"
    );

    let bytes = std::fs::read(&file).unwrap();
    let mut customs = Vec::new();
    let mut first_frame_func = None;
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::CustomSection(s) = payload.unwrap() {
            customs.push(s.name().to_string());
            if s.name() == "core" {
                let mut r = wasmparser::BinaryReader::new(s.data(), 0);
                assert_eq!(r.read_u8().unwrap(), 0);
                assert!(r.read_string().unwrap().ends_with("trap.wasm"));
            }
            if s.name() == "corestack" {
                let mut r = wasmparser::BinaryReader::new(s.data(), 0);
                assert_eq!(r.read_u8().unwrap(), 0);
                assert_eq!(r.read_string().unwrap(), "main");
                assert!(r.read_var_u32().unwrap() >= 3);
                assert_eq!(r.read_u8().unwrap(), 0);
                let _instance = r.read_var_u32().unwrap();
                first_frame_func = Some(r.read_var_u32().unwrap());
            }
        }
    }
    assert_eq!(
        customs,
        ["core", "coremodules", "coreinstances", "corestack"]
    );
    // The trapping frame is `divide`: look its index up in the guest's
    // name section.
    let guest_bytes = std::fs::read(guest("trap")).unwrap();
    let mut divide = None;
    for payload in wasmparser::Parser::new(0).parse_all(&guest_bytes) {
        if let wasmparser::Payload::CustomSection(s) = payload.unwrap() {
            if let wasmparser::KnownCustom::Name(names) = s.as_known() {
                for name in names {
                    if let wasmparser::Name::Function(map) = name.unwrap() {
                        for naming in map {
                            let naming = naming.unwrap();
                            if naming.name == "divide" {
                                divide = Some(naming.index);
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(first_frame_func, divide);
    assert!(divide.is_some());
}

const LOOP: &str = r#"(module
  (func $spin (export "_start")
    (local i32)
    (local.set 0 (i32.const 200000000))
    (loop
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (local.get 0)))))"#;

#[test]
fn profile_flag_writes_perf_map_and_guest_profile() {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wat = dir.join("spin.wat");
    std::fs::write(&wat, LOOP).unwrap();
    let wat = wat.to_str().unwrap();

    let out = dir.join("guest.json");
    let flag = format!("--profile=guest,{},1ms", out.display());
    let o = wasmtime(&["run", "-C", "cache=n", &flag, wat], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json = std::fs::read_to_string(&out).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["meta"].is_object());
    assert!(json.contains("\"spin\""), "{json}");

    // perfmap: the child's map file names the function.
    let o = wasmtime(&["run", "-C", "cache=n", "--profile=perfmap", wat], &[]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = wasmtime(&["run", "--profile=vtune", wat], &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("VTune"), "{}", stderr(&o));
}
