//! The option groups of the `wasmtime` binary (`-O`, `-W`, `-C`, `-D`,
//! `-S`, `-R`): `help` listings, the effect of each key, and clear errors
//! for the reference CLI's keys this runtime does not support.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn wasmtime(args: &[&str]) -> Output {
    wasmtime_with_stdin(args, None)
}

fn wasmtime_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmtime"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start the wasmtime binary");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// `wasmtime run FLAGS... --invoke FUNC FILE`.
fn invoke(flags: &[&str], func: &str, file: &str) -> Output {
    let mut args = vec!["run"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--invoke", func, file]);
    wasmtime(&args)
}

fn temp_file(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-options-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path.to_str().unwrap().to_string()
}

fn program(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/wasi-programs")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

#[track_caller]
fn assert_fails_with(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.status.code(), Some(code), "stderr: {}", stderr(o));
    assert!(
        stderr(o).contains(needle),
        "expected {needle:?} in: {}",
        stderr(o)
    );
}

/// Grows memory 0 by a page and table 0 by five elements.
const GROW: &str = r#"(module (memory 1) (table 1 funcref)
  (func (export "mg") (result i32) (memory.grow (i32.const 1)))
  (func (export "tg") (result i32) (table.grow (ref.null func) (i32.const 5))))"#;

const LOOP: &str = r#"(module (func (export "_start") (loop (br 0))))"#;

const COUNT: &str = r#"(module (func (export "_start") (local i32)
  (loop (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (br_if 0 (i32.lt_u (local.get 0) (i32.const 100))))))"#;

// ---- help -------------------------------------------------------------

/// The keys `-X help` lists as supported, and those it lists as refused.
fn listed_keys(help: &str) -> (Vec<String>, Vec<String>) {
    let mut supported = Vec::new();
    let mut refused = Vec::new();
    let mut in_refused = false;
    for line in help.lines() {
        if line.starts_with("Not supported") {
            in_refused = true;
            continue;
        }
        if in_refused {
            if line.trim().is_empty() {
                in_refused = false;
                continue;
            }
            refused.extend(
                line.split(',')
                    .map(|k| k.trim().to_string())
                    .filter(|k| !k.is_empty()),
            );
        } else if let Some(rest) = line.trim_start().strip_prefix('-') {
            let name = rest[1..].trim_start().split(' ').next().unwrap_or("");
            let key = name.split(['[', '=']).next().unwrap_or("");
            if !key.is_empty() {
                supported.push(key.to_string());
            }
        }
    }
    (supported, refused)
}

#[test]
fn help_lists_each_group() {
    for (cmd, flag, title, keys) in [
        (
            "run",
            "-O",
            "optimize",
            &[
                "opt-level",
                "pooling-allocator",
                "memory-init-cow",
                "signals-based-traps",
            ][..],
        ),
        (
            "run",
            "-W",
            "wasm",
            &[
                "epoch-interruption",
                "max-instances",
                "unknown-imports-default",
                "timeout",
            ],
        ),
        (
            "compile",
            "-C",
            "codegen",
            &["cache", "cranelift-debug-verifier", "compiler"],
        ),
        (
            "wast",
            "-W",
            "wasm",
            &["max-tables", "trap-on-grow-failure", "simd"],
        ),
        (
            "run",
            "-S",
            "wasi",
            &["cli", "inherit-env", "tcplisten", "inherit-stdin"],
        ),
        ("run", "-D", "debug", &["debug-info", "max-backtrace"]),
        ("run", "-R", "record", &[]),
    ] {
        // No module is needed: `help` prints and exits while parsing.
        let o = wasmtime(&[cmd, flag, "help"]);
        assert_ok(&o);
        let text = stdout(&o);
        assert!(
            text.starts_with(&format!("Available {title} options:\n\n")),
            "{text}"
        );
        assert!(text.contains(&format!("pass `{flag} help-long`")), "{text}");
        let (supported, _) = listed_keys(&text);
        for key in keys {
            assert!(
                supported.iter().any(|k| k == key),
                "{flag} help lacks {key}: {text}"
            );
        }
        // Each listed line has the reference's `-X KEY... -- TEXT` shape.
        for line in text
            .lines()
            .filter(|l| l.starts_with(&format!("  {flag} ")))
        {
            assert!(line.contains(" -- "), "{line}");
        }

        let o = wasmtime(&[cmd, flag, "help-long"]);
        assert_ok(&o);
        let long = stdout(&o);
        for key in keys {
            assert!(long.contains(&format!("  {flag} {key}")), "{long}");
        }
        assert!(long.len() > text.len() / 2, "{long}");
    }
}

#[test]
fn help_shows_value_syntax() {
    let text = stdout(&wasmtime(&["run", "-W", "help"]));
    for want in ["fuel=N", "epoch-interruption[=y|n]", "timeout=N|Ns|Nms|.."] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let text = stdout(&wasmtime(&["run", "-O", "help"]));
    assert!(text.contains("opt-level=0|1|2|s"), "{text}");
}

/// Every key the reference CLI lists under `-X help` is either accepted or
/// refused by name here, never unknown. Skipped when the reference
/// `wasmtime` is not installed.
#[test]
fn every_reference_key_is_accounted_for() {
    let reference = match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cargo/bin/wasmtime"),
        None => return,
    };
    if !reference.exists() {
        eprintln!("reference wasmtime not installed; skipped");
        return;
    }
    for flag in ["-O", "-W", "-C", "-D", "-S", "-R"] {
        let theirs = Command::new(&reference)
            .args(["run", flag, "help"])
            .output()
            .unwrap();
        assert!(theirs.status.success());
        let (their_keys, _) = listed_keys(&String::from_utf8_lossy(&theirs.stdout));
        assert!(
            !their_keys.is_empty(),
            "could not read the reference's {flag} help"
        );
        let ours = stdout(&wasmtime(&["run", flag, "help"]));
        let (supported, refused) = listed_keys(&ours);
        for key in &their_keys {
            assert!(
                supported.contains(key) || refused.contains(key),
                "reference key `{flag} {key}` is neither supported nor refused here"
            );
        }
        // Refusals are errors naming the key.
        for key in refused.iter().take(3) {
            let key = key.replace("<KEY>", "x");
            let o = wasmtime(&["run", flag, &key, "missing.wasm"]);
            assert_fails_with(&o, 2, &format!("`{key}` is not supported by this runtime"));
        }
    }
}

#[test]
fn unsupported_and_unknown_keys_are_errors() {
    let m = temp_file("count.wat", COUNT);
    for (flag, key, reason) in [
        ("-S", "threads", "wasi-threads"),
        ("-S", "nn", "wasi-nn"),
        ("-W", "component-model-threading", "component-model"),
        ("-C", "native-unwind-info", "unwind"),
        ("-D", "guest-debug", "guest debugging"),
        ("-R", "path=trace", "recording"),
    ] {
        let o = wasmtime(&["run", flag, key, &m]);
        let name = key.split('=').next().unwrap();
        assert_fails_with(&o, 2, &format!("{flag} option `{name}` is not supported"));
        assert!(stderr(&o).contains(reason), "{}", stderr(&o));
    }
    let o = wasmtime(&["run", "-C", "compiler=v8", &m]);
    assert_fails_with(&o, 2, "unknown compiler `v8`");
    let o = wasmtime(&["run", "-W", "bogus-key", &m]);
    assert_fails_with(&o, 2, "unknown -W / --wasm option: `bogus-key`");
    let o = wasmtime(&["run", "-O", "help,opt-level=2", &m]);
    assert_fails_with(&o, 2, "`help`");
    let o = wasmtime(&["run", "-W", "max-instances=lots", &m]);
    assert_fails_with(&o, 2, "max-instances=lots");
    // Accepted spellings run.
    for (flag, key) in [
        ("-C", "compiler=cranelift,cranelift-debug-verifier"),
        ("-C", "compiler=winch"),
        ("-C", "cranelift-opt_level=none,cranelift-has_sse41"),
        ("-S", "preview2=n"),
        ("-S", "p3"),
        ("-W", "unknown-exports-allow"),
        (
            "-O",
            "static-memory-maximum-size=0x100000,dynamic-memory-guard-size=0x10000",
        ),
    ] {
        assert_ok(&wasmtime(&["run", flag, key, &m]));
    }
}

// ---- -W -----------------------------------------------------------------

#[test]
fn max_instances_limits_instantiation() {
    let lib = temp_file("lib.wat", r#"(module (func (export "f")))"#);
    let main = temp_file(
        "main.wat",
        r#"(module (import "lib" "f" (func)) (func (export "_start") (call 0)))"#,
    );
    let preload = format!("lib={lib}");
    assert_ok(&wasmtime(&["run", "--preload", &preload, &main]));
    assert_ok(&wasmtime(&[
        "run",
        "-W",
        "max-instances=2",
        "--preload",
        &preload,
        &main,
    ]));
    let o = wasmtime(&["run", "-W", "max-instances=1", "--preload", &preload, &main]);
    assert_fails_with(&o, 1, "instance count too high");
    let o = wasmtime(&["run", "-W", "max-instances=0", &lib]);
    assert_fails_with(&o, 1, "instance count too high");
}

#[test]
fn max_memories_and_tables_limit_instantiation() {
    let m = temp_file("grow1.wat", GROW);
    assert_ok(&invoke(&["-W", "max-memories=1,max-tables=1"], "mg", &m));
    let o = wasmtime(&["run", "-W", "max-memories=0", "--invoke", "mg", &m]);
    assert_fails_with(&o, 1, "memory count too high");
    let o = wasmtime(&["run", "-W", "max-tables=0", "--invoke", "mg", &m]);
    assert_fails_with(&o, 1, "table count too high");
}

#[test]
fn max_table_elements_and_trap_on_grow_failure() {
    let m = temp_file("grow2.wat", GROW);
    let o = wasmtime(&["run", "--invoke", "tg", &m]);
    assert_ok(&o);
    assert_eq!(stdout(&o), "1\n");
    let o = wasmtime(&["run", "-W", "max-table-elements=3", "--invoke", "tg", &m]);
    assert_ok(&o);
    assert_eq!(stdout(&o), "-1\n");
    let o = invoke(
        &["-W", "max-table-elements=3,trap-on-grow-failure"],
        "tg",
        &m,
    );
    assert_fails_with(&o, 1, "forcing trap when growing table to 6 elements");

    let o = wasmtime(&["run", "-W", "max-memory-size=65536", "--invoke", "mg", &m]);
    assert_ok(&o);
    assert_eq!(stdout(&o), "-1\n");
    let o = invoke(
        &[
            "-W",
            "max-memory-size=65536",
            "-W",
            "trap-on-grow-failure=y",
        ],
        "mg",
        &m,
    );
    assert_fails_with(&o, 1, "forcing trap when growing memory to 131072 bytes");
    // A later flag turns it off again.
    let o = invoke(
        &[
            "-W",
            "max-memory-size=65536,trap-on-grow-failure",
            "-W",
            "trap-on-grow-failure=n",
        ],
        "mg",
        &m,
    );
    assert_ok(&o);
    assert_eq!(stdout(&o), "-1\n");
}

#[test]
fn unknown_imports_default_and_trap() {
    let m = temp_file(
        "unknown.wat",
        r#"(module
  (import "env" "f" (func $f (param i32) (result i32 i64 f32 f64)))
  (import "env" "m" (memory 1 2))
  (import "env" "t" (table 3 funcref))
  (import "env" "g" (global (mut i64)))
  (import "env" "r" (global externref))
  (func (export "call") (result i32 i64 f32 f64) (call $f (i32.const 7)))
  (func (export "sizes") (result i32 i32 i64 i32)
    (memory.size) (table.size) (global.get 0) (ref.is_null (global.get 1))))"#,
    );
    let o = wasmtime(&["run", "--invoke", "call", &m]);
    assert_fails_with(&o, 1, "env");

    let o = invoke(&["-W", "unknown-imports-default"], "call", &m);
    assert_ok(&o);
    assert_eq!(stdout(&o), "0\n0\n0\n0\n");
    let o = invoke(&["-W", "unknown-imports-default"], "sizes", &m);
    assert_ok(&o);
    assert_eq!(stdout(&o), "1\n3\n0\n1\n");

    // Traps are defined first and win for functions.
    let o = invoke(
        &["-W", "unknown-imports-trap,unknown-imports-default"],
        "call",
        &m,
    );
    assert_fails_with(&o, 1, "unknown import: `env::f` has not been defined");
    // Imports WASI provides keep their real definition.
    let o = wasmtime(&[
        "run",
        "-W",
        "unknown-imports-default",
        &program("hello.wasm"),
    ]);
    assert_ok(&o);
    assert_eq!(stdout(&o), "Hello, world!\n");
}

#[test]
fn epoch_interruption_and_timeout() {
    let count = temp_file("count1.wat", COUNT);
    assert_ok(&wasmtime(&["run", &count]));
    // As in the reference: the deadline is the current epoch, so the first
    // check interrupts.
    let o = wasmtime(&["run", "-W", "epoch-interruption", &count]);
    assert_fails_with(&o, 134, "wasm trap: interrupt");
    assert_ok(&wasmtime(&["run", "-W", "epoch-interruption=n", &count]));

    let forever = temp_file("loop.wat", LOOP);
    let start = std::time::Instant::now();
    let o = wasmtime(&["run", "-W", "epoch-interruption,timeout=200ms", &forever]);
    assert_fails_with(&o, 134, "wasm trap: interrupt");
    assert!(start.elapsed() >= std::time::Duration::from_millis(200));
}

#[test]
fn fuel_and_max_wasm_stack() {
    let count = temp_file("count2.wat", COUNT);
    assert_ok(&wasmtime(&["run", "-W", "fuel=100_000", &count]));
    let o = wasmtime(&["run", "-W", "fuel=50", &count]);
    assert_fails_with(&o, 134, "fuel");
    let rec = temp_file(
        "rec.wat",
        r#"(module (func $r (export "_start") (call $r)))"#,
    );
    let o = wasmtime(&["run", "-W", "max-wasm-stack=65536", &rec]);
    assert_fails_with(&o, 134, "call stack exhausted");
}

#[test]
fn proposal_toggles() {
    let m = temp_file(
        "simd.wat",
        r#"(module (func (export "_start") (drop (v128.const i64x2 0 0))))"#,
    );
    assert_ok(&wasmtime(&["run", &m]));
    let o = wasmtime(&["run", "-W", "simd=n,relaxed-simd=n", &m]);
    assert_fails_with(&o, 1, "SIMD");
    // `all-proposals=n` turns it off, an explicit key turns it back on.
    assert!(!wasmtime(&["run", "-W", "all-proposals=n", &m])
        .status
        .success());
    assert_ok(&wasmtime(&["run", "-W", "all-proposals=n,simd", &m]));
}

// ---- -O -----------------------------------------------------------------

#[test]
fn pooling_allocator() {
    let hello = program("hello.wasm");
    let o = wasmtime(&["run", "-O", "pooling-allocator", &hello]);
    assert_ok(&o);
    assert_eq!(stdout(&o), "Hello, world!\n");

    let m = temp_file("grow3.wat", GROW);
    let o = invoke(
        &["-O", "pooling-allocator,pooling-total-core-instances=0"],
        "mg",
        &m,
    );
    assert_fails_with(&o, 1, "limit of 0");
    // The pooling keys do nothing without the pooling allocator, as in the
    // reference CLI.
    assert_ok(&invoke(&["-O", "pooling-total-core-instances=0"], "mg", &m));
    let o = invoke(
        &[
            "-O",
            "pooling-allocator,pooling-max-memory-size=65536,pooling-table-elements=3",
        ],
        "mg",
        &m,
    );
    assert_ok(&o);
    assert_eq!(stdout(&o), "-1\n");
    let o = invoke(
        &["-O", "pooling-allocator,pooling-table-elements=3"],
        "tg",
        &m,
    );
    assert_ok(&o);
    assert_eq!(stdout(&o), "-1\n");
    let two = temp_file(
        "two.wat",
        r#"(module (memory 1) (memory 1) (func (export "_start")))"#,
    );
    assert!(!wasmtime(&["run", "-O", "pooling-allocator", &two])
        .status
        .success());
    assert_ok(&wasmtime(&[
        "run",
        "-O",
        "pooling-allocator,pooling-max-memories-per-module=2,pooling-memory-keep-resident=65536",
        &two,
    ]));
}

#[test]
fn memory_layout_options() {
    let m = temp_file("grow4.wat", GROW);
    let o = invoke(
        &["-O", "memory-reservation=0x10000,memory-may-move=n"],
        "mg",
        &m,
    );
    assert_ok(&o);
    assert_eq!(stdout(&o), "-1\n");
    let o = invoke(
        &["-O", "memory-reservation=0x10000,memory-may-move=y"],
        "mg",
        &m,
    );
    assert_ok(&o);
    assert_eq!(stdout(&o), "1\n");

    let oob = temp_file(
        "oob.wat",
        r#"(module (memory 1) (func (export "_start") (drop (i32.load (i32.const 70000)))))"#,
    );
    for flags in [
        "signals-based-traps=n",
        "signals-based-traps=y",
        "memory-guard-size=0",
    ] {
        let o = wasmtime(&["run", "-O", flags, &oob]);
        assert_fails_with(&o, 134, "out of bounds memory access");
    }
    // Data segments are in place with or without copy-on-write images.
    for flags in ["memory-init-cow=n", "memory-init-cow=y"] {
        let o = wasmtime(&["run", "-O", flags, &program("hello.wasm")]);
        assert_ok(&o);
        assert_eq!(stdout(&o), "Hello, world!\n");
    }
}

// ---- -S -----------------------------------------------------------------

#[test]
fn wasi_stdio_and_cli_switches() {
    let hello = program("hello.wasm");
    let o = wasmtime(&["run", "-S", "inherit-stdout=n", &hello]);
    assert_ok(&o);
    assert_eq!(stdout(&o), "");
    let o = wasmtime(&[
        "run",
        "-S",
        "inherit-stdout=n",
        "-S",
        "inherit-stdout",
        &hello,
    ]);
    assert_eq!(stdout(&o), "Hello, world!\n");

    let stdin = program("stdin.wasm");
    let o = wasmtime_with_stdin(&["run", &stdin], Some(b"ab c\n"));
    assert_ok(&o);
    assert_eq!(stdout(&o), "AB C\nlines=1 words=2 bytes=5\n");
    let o = wasmtime_with_stdin(&["run", "-S", "inherit-stdin=n", &stdin], Some(b"ab c\n"));
    assert_ok(&o);
    assert_eq!(stdout(&o), "lines=0 words=0 bytes=0\n");

    for off in ["cli=n", "common=n"] {
        let o = wasmtime(&["run", "-S", off, &hello]);
        assert_fails_with(&o, 1, "wasi_snapshot_preview1");
    }
}

// ---- --help -------------------------------------------------------------

/// Each subcommand's `--help` names the groups it takes and how to list
/// their keys, and no group it does not take.
#[test]
fn subcommand_help_points_to_group_help() {
    for (sub, groups, absent) in [
        ("run", &["-O", "-W", "-C", "-D", "-S", "-R"][..], &[][..]),
        ("compile", &["-O", "-W", "-C", "-D"], &["-S", "-R"]),
        ("wast", &["-O", "-W", "-C", "-D"], &["-S", "-R"]),
        ("settings", &[], &["-O", "-W", "-C", "-D", "-S", "-R"]),
    ] {
        let o = wasmtime(&[sub, "--help"]);
        assert_ok(&o);
        let text = stdout(&o);
        assert!(text.contains(&format!("Usage: wasmtime {sub}")), "{text}");
        for g in groups {
            assert!(
                text.contains(&format!("  {g}, --")),
                "{sub} --help lacks {g}: {text}"
            );
            assert!(
                text.contains(&format!("`{g} help`")),
                "{sub} --help: {text}"
            );
            // And the pointer is true for this subcommand.
            let o = wasmtime(&[sub, g, "help"]);
            assert_ok(&o);
            assert!(stdout(&o).starts_with("Available "), "{sub} {g} help");
        }
        for g in absent {
            assert!(
                !text.contains(&format!("  {g}, --")),
                "{sub} --help has {g}: {text}"
            );
        }
    }
    let o = wasmtime(&["compile", "--help"]);
    assert!(stdout(&o).contains("-o, --output"), "{}", stdout(&o));
}

/// `-D max-backtrace=N` caps the frames a trap prints.
#[test]
fn max_backtrace_caps_the_trap_report() {
    let deep = temp_file(
        "deep.wat",
        r#"(module (func $f (export "f") (param i32)
             (if (local.get 0) (then (call $f (i32.sub (local.get 0) (i32.const 1)))) (else unreachable))))"#,
    );
    let o = wasmtime(&["run", "--invoke", "f", &deep, "50"]);
    let text = stderr(&o);
    assert!(text.contains("  19: "), "{text}");
    assert!(!text.contains("  20: "), "{text}");
    assert!(text.contains("31 more frames not shown"), "{text}");
    let o = wasmtime(&["run", "-D", "max-backtrace=3", "--invoke", "f", &deep, "50"]);
    let text = stderr(&o);
    assert!(
        text.contains("   2: ") && !text.contains("   3: "),
        "{text}"
    );
    assert!(text.contains("48 more frames not shown"), "{text}");
    let o = wasmtime(&["run", "-D", "debug-info", "--invoke", "f", &deep, "0"]);
    assert!(stderr(&o).contains("unreachable"), "{}", stderr(&o));
}

/// `-C cranelift-KEY[=VAL]` passes settings to Cranelift; an unknown one
/// fails when the engine is created, naming it.
#[test]
fn raw_cranelift_settings() {
    let fib = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fib.wat")
        .to_str()
        .unwrap()
        .to_string();
    let o = wasmtime(&[
        "run",
        "-C",
        "cranelift-opt_level=speed_and_size",
        "--invoke",
        "fib",
        &fib,
        "20",
    ]);
    assert_ok(&o);
    assert_eq!(stdout(&o).trim(), "6765");
    let o = wasmtime(&[
        "run",
        "-C",
        "cranelift-no_such_thing=1",
        "--invoke",
        "fib",
        &fib,
        "20",
    ]);
    assert_fails_with(&o, 1, "no_such_thing");
    let o = wasmtime(&[
        "run",
        "-C",
        "cranelift-opt_level=fastest",
        "--invoke",
        "fib",
        &fib,
        "20",
    ]);
    assert_fails_with(&o, 1, "opt_level");
}

/// The `-O` keys for the register allocator, lazy tables, dense images and
/// the pool's host-feature switches.
#[test]
fn allocator_and_codegen_tuning_keys() {
    let m = temp_file("count.wat", COUNT);
    for key in [
        "regalloc-algorithm=single-pass",
        "regalloc-algorithm=backtracking",
        "table-lazy-init=n",
        "memory-guaranteed-dense-image-size=0",
        "memory-reservation=65536,memory-reservation-for-growth=1048576",
        "dynamic-memory-reserved-for-growth=0",
        "guard-before-linear-memory=n",
        "pooling-allocator,guard-before-linear-memory",
        "pooling-allocator,pooling-pagemap-scan=n",
        "pooling-allocator,pooling-pagemap-scan=auto",
        "pooling-allocator,pooling-max-unused-warm-slots=3,pooling-decommit-batch-size=8",
        "pooling-allocator,pooling-memory-protection-keys=auto,pooling-max-memory-protection-keys=4",
    ] {
        assert_ok(&wasmtime(&["run", "-O", key, &m]));
    }
    let o = wasmtime(&["run", "-O", "regalloc-algorithm=linear-scan", &m]);
    assert_fails_with(&o, 2, "unknown register allocator");
    // Required protection keys: refused either way on this runtime.
    let o = wasmtime(&[
        "run",
        "-O",
        "pooling-allocator,pooling-memory-protection-keys=y",
        &m,
    ]);
    assert_fails_with(&o, 1, "memory protection keys");
}

#[test]
fn stack_switching_runs_with_w_stack_switching() {
    let m = temp_file(
        "gen.wat",
        r#"(module
            (type $f (func))
            (type $k (cont $f))
            (tag $yield (param i32))
            (func $gen (suspend $yield (i32.const 20)) (suspend $yield (i32.const 22)))
            (elem declare func $gen)
            (func (export "sum") (result i32)
                (local $k (ref null $k)) (local $acc i32)
                (local.set $k (cont.new $k (ref.func $gen)))
                (block $done
                    (loop $l
                        (block $on (result i32 (ref $k))
                            (resume $k (on $yield $on) (local.get $k))
                            (br $done))
                        (local.set $k)
                        (local.set $acc (i32.add (local.get $acc)))
                        (br $l)))
                (local.get $acc)))"#,
    );
    let o = wasmtime(&["run", "-W", "stack-switching=y", "--invoke", "sum", &m]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(stdout(&o).trim(), "42");
    // Off by default, as in Wasmtime 48: the module does not validate.
    let o = wasmtime(&["run", "--invoke", "sum", &m]);
    assert_ne!(o.status.code(), Some(0));
}

#[test]
fn gc_is_on_by_default_and_w_gc_n_turns_it_off() {
    let file = temp_file(
        "gc-default.wat",
        r#"(module
  (type $s (struct (field i32)))
  (func (export "f") (result i32)
    (struct.get $s 0 (struct.new $s (i32.const 7)))))"#,
    );
    let o = invoke(&[], "f", &file);
    assert_ok(&o);
    assert_eq!(stdout(&o).trim(), "7");
    let o = invoke(&["-W", "gc=n"], "f", &file);
    assert_fails_with(&o, 1, "not supported without the gc feature");
}

#[test]
fn pooling_total_gc_heaps_bounds_gc_heaps() {
    let file = temp_file(
        "gc-pooled.wat",
        r#"(module
  (type $s (struct (field i32)))
  (func (export "f") (result i32)
    (struct.get $s 0 (struct.new $s (i32.const 7)))))"#,
    );
    let o = invoke(
        &["-O", "pooling-allocator=y,pooling-total-gc-heaps=1"],
        "f",
        &file,
    );
    assert_ok(&o);
    assert_eq!(stdout(&o).trim(), "7");
    let o = invoke(
        &["-O", "pooling-allocator=y,pooling-total-gc-heaps=0"],
        "f",
        &file,
    );
    assert_fails_with(&o, 1, "maximum concurrent limit of 0 for GC heaps reached");
}
