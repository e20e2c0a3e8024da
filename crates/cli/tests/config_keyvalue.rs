//! `-S config` / `-S config-var` and `-S keyvalue` /
//! `-S keyvalue-in-memory-data` of `wasmtime run` and `wasmtime serve`,
//! with the hand-written components `tests/components/wasi-config.wat` and
//! `tests/components/wasi-keyvalue.wat` called through `--invoke`. Outputs
//! are compared with the reference Wasmtime 48 CLI when it is present
//! (`$WASMTIME_REFERENCE`, else `/work/ref/wasmtime_cli/wasmtime`). Also:
//! `wasi:clocks/timezone` stays unlinked, as in Wasmtime 48.

use std::path::PathBuf;
use std::process::{Command, Output};

fn component(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/components")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("failed to start wasmtime")
}

fn ours(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_wasmtime"), args)
}

fn reference() -> Option<String> {
    let path = std::env::var("WASMTIME_REFERENCE")
        .unwrap_or_else(|_| "/work/ref/wasmtime_cli/wasmtime".to_string());
    if std::path::Path::new(&path).exists() {
        Some(path)
    } else {
        eprintln!("reference wasmtime not found at {path}: comparison skipped");
        None
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `args` with ours, checks that it succeeds with `expected` on
/// stdout, and that the reference prints the same.
fn check_output(args: &[&str], expected: &str) {
    let out = ours(args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    assert_eq!(text(&out.stdout), expected, "{args:?}");
    if let Some(reference) = reference() {
        let theirs = run(&reference, args);
        assert!(theirs.status.success(), "reference {args:?}: {theirs:?}");
        assert_eq!(text(&theirs.stdout), expected, "reference {args:?}");
    }
}

/// Runs `args` with ours, checks that it fails with `status` and a message
/// containing `needle`, and that the reference does the same.
fn check_failure(args: &[&str], status: i32, needle: &str) {
    let out = ours(args);
    assert_eq!(out.status.code(), Some(status), "{args:?}: {out:?}");
    assert!(text(&out.stderr).contains(needle), "{args:?}: {out:?}");
    if let Some(reference) = reference() {
        let theirs = run(&reference, args);
        assert_eq!(theirs.status.code(), Some(status), "reference {args:?}");
        assert!(
            text(&theirs.stderr).contains(needle),
            "reference {args:?}: {theirs:?}"
        );
    }
}

#[test]
fn config_variables_reach_the_guest() {
    let c = component("wasi-config.wat");
    for (invoke, expected) in [
        // Only the first `=` separates the name from the value.
        ("get(\"a\")", "some(\"b=c\")\n"),
        // Without `=`, the value is empty.
        ("get(\"empty\")", "some(\"\")\n"),
        ("get(\"nope\")", "none\n"),
    ] {
        check_output(
            &[
                "run",
                "-S",
                "config",
                "-S",
                "config-var=a=b=c",
                "-S",
                "config-var=empty",
                "--invoke",
                invoke,
                &c,
            ],
            expected,
        );
    }
    // One variable (the reference lists several in no fixed order), given
    // twice: the last value wins.
    check_output(
        &[
            "run",
            "-S",
            "config,config-var=k=1",
            "-S",
            "config-var=k=2",
            "--invoke",
            "get-all()",
            &c,
        ],
        "[(\"k\", \"2\")]\n",
    );
    // Several, sorted by name here.
    let out = ours(&[
        "run",
        "-S",
        "config,config-var=b=2,config-var=a=1",
        "--invoke",
        "get-all()",
        &c,
    ]);
    assert_eq!(text(&out.stdout), "[(\"a\", \"1\"), (\"b\", \"2\")]\n");
}

#[test]
fn config_is_linked_only_when_asked_for() {
    let c = component("wasi-config.wat");
    let needle = "component imports instance `wasi:config/store@0.2.0-rc.1`";
    check_failure(&["run", "--invoke", "get(\"a\")", &c], 1, needle);
    check_failure(
        &[
            "run",
            "-S",
            "config=n,config-var=a=b",
            "--invoke",
            "get(\"a\")",
            &c,
        ],
        1,
        needle,
    );
}

#[test]
fn keyvalue_in_memory_data_reaches_the_guest() {
    let c = component("wasi-keyvalue.wat");
    for (invoke, expected) in [
        ("open(\"x\")", "err(\"no-such-store\")\n"),
        ("open(\"\")", "ok\n"),
        // A function without results prints `()`.
        ("close()", "()\n"),
        ("get(\"a\")", "ok(some([104, 105]))\n"),
        ("get(\"zz\")", "ok(none)\n"),
        ("exists(\"n\")", "ok(true)\n"),
        ("list-keys(some(99))", "ok(([], none))\n"),
        ("increment(\"n\", 5)", "ok(15)\n"),
        ("increment(\"new\", 7)", "ok(7)\n"),
        (
            "increment(\"a\", 1)",
            "err(\"invalid digit found in string\")\n",
        ),
        (
            "increment(\"big\", 1)",
            "err(\"overflow incrementing value\")\n",
        ),
        (
            "get-many([\"a\", \"q\", \"n\"])",
            "ok([some((\"a\", [104, 105])), none, some((\"n\", [49, 48]))])\n",
        ),
        ("set-many([(\"k\", [1])])", "ok\n"),
        ("delete-many([\"a\"])", "ok\n"),
    ] {
        check_output(
            &[
                "run",
                "-S",
                "keyvalue,keyvalue-in-memory-data=a=hi",
                "-S",
                "keyvalue-in-memory-data=n=10",
                "-S",
                "keyvalue-in-memory-data=big=18446744073709551615",
                "--invoke",
                invoke,
                &c,
            ],
            expected,
        );
    }
    // Keys are listed sorted here (the reference lists them in no fixed
    // order); the value of a key without `=` is empty.
    let out = ours(&[
        "run",
        "-S",
        "keyvalue,keyvalue-in-memory-data=b=2,keyvalue-in-memory-data=a",
        "--invoke",
        "list-keys(none)",
        &c,
    ]);
    assert_eq!(text(&out.stdout), "ok(([\"a\", \"b\"], none))\n", "{out:?}");
    let out = ours(&[
        "run",
        "-S",
        "keyvalue,keyvalue-in-memory-data=a",
        "--invoke",
        "get(\"a\")",
        &c,
    ]);
    assert_eq!(text(&out.stdout), "ok(some([]))\n", "{out:?}");
}

#[test]
fn keyvalue_is_linked_only_when_asked_for() {
    let c = component("wasi-keyvalue.wat");
    check_failure(
        &["run", "--invoke", "get(\"a\")", &c],
        1,
        "component imports instance `wasi:keyvalue/store@0.2.0-draft`",
    );
}

#[test]
fn key_value_settings_need_a_value() {
    let c = component("wasi-config.wat");
    for key in ["config-var", "keyvalue-in-memory-data"] {
        check_failure(
            &["run", "-S", key, &c],
            2,
            &format!(
                "failed to parse -S option `{key}`: value must be specified with `key=val` syntax"
            ),
        );
    }
}

#[test]
fn core_modules_refuse_config_and_keyvalue() {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-kv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let module = dir.join("m.wat");
    std::fs::write(&module, "(module (func (export \"_start\")))").unwrap();
    let m = module.to_str().unwrap();
    check_failure(
        &["run", "-S", "config", m],
        1,
        "Cannot enable wasi-config for core wasm modules",
    );
    check_failure(
        &["run", "-S", "keyvalue", m],
        1,
        "Cannot enable wasi-keyvalue for core wasm modules",
    );
    check_failure(
        &["run", "-S", "http", m],
        1,
        "Cannot enable wasi-http for core wasm modules",
    );
    // Disabled, they are no obstacle; variables alone change nothing.
    check_output(&["run", "-S", "config=n,keyvalue=n,config-var=a=b", m], "");
}

#[test]
fn serve_links_config_and_keyvalue_when_asked_for() {
    // Neither component is a proxy: once its imports are satisfied, serve
    // stops at the missing `wasi:http/incoming-handler` export.
    for (file, flag, import) in [
        ("wasi-config.wat", "config", "wasi:config/store@0.2.0-rc.1"),
        (
            "wasi-keyvalue.wat",
            "keyvalue",
            "wasi:keyvalue/store@0.2.0-draft",
        ),
    ] {
        let c = component(file);
        let linked = ours(&["serve", "--addr", "127.0.0.1:0", "-S", flag, &c]);
        assert!(!linked.status.success());
        let stderr = text(&linked.stderr);
        assert!(stderr.contains("wasi:http/incoming-handler"), "{stderr}");
        assert!(!stderr.contains(import), "{stderr}");
        let unlinked = ours(&["serve", "--addr", "127.0.0.1:0", &c]);
        assert!(!unlinked.status.success());
        let stderr = text(&unlinked.stderr);
        assert!(stderr.contains(import), "{stderr}");
    }
}

#[test]
fn wasi_help_lists_the_settings() {
    let out = ours(&["run", "-S", "help"]);
    let help = text(&out.stdout);
    for line in [
        "config[=y|n] -- ",
        "config-var=<name>=<val> -- ",
        "keyvalue[=y|n] -- ",
        "keyvalue-in-memory-data=<name>=<val> -- ",
    ] {
        assert!(help.contains(line), "{line:?} in {help}");
    }
    assert!(!help.contains("wasi-config is not implemented"), "{help}");
}

/// `wasi:clocks/timezone` is `@unstable` in WASI 0.2 and Wasmtime 48 has
/// no implementation of it (nor a flag): a component importing it does not
/// link, here as there.
#[test]
fn clocks_timezone_is_not_provided() {
    let dir = std::env::temp_dir().join(format!("wasmtime-cli-tz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tz.wat");
    std::fs::write(
        &path,
        r#"(component
  (import "wasi:clocks/timezone@0.2.12" (instance
    (type $dt (record (field "seconds" u64) (field "nanoseconds" u32)))
    (export "datetime" (type $d (eq $dt)))
    (export "utc-offset" (func (param "when" $d) (result s32))))))"#,
    )
    .unwrap();
    check_failure(
        &["run", path.to_str().unwrap()],
        1,
        "component imports instance `wasi:clocks/timezone@0.2.12`, but a matching \
         implementation was not found in the linker",
    );
}
