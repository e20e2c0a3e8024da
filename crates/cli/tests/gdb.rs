//! Native debugging of guests with gdb (`-D debug-info`): gdb, in batch
//! mode, runs `wasmtime run -D debug-info` on the C guests of
//! `tests/debug-programs` (built with `clang --target=wasm32-wasi -g`),
//! stops at a breakpoint on a C source line, shows the values of
//! parameters and locals (in registers, in frame slots and on the shadow
//! stack in linear memory, and through pointers) and, at the guest's trap,
//! shows the wasm frames with their source lines.
//!
//! Needs gdb. Without it the test says so and passes, unless
//! `WASMTIME_TEST_REQUIRE_GDB` is set (CI's `.ci/run` sets it and installs
//! gdb).

use std::path::PathBuf;
use std::process::Command;

fn guest(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/debug-programs")
        .join(format!("{name}.wasm"));
    path.to_str().unwrap().to_string()
}

fn have_gdb() -> bool {
    let found = Command::new("gdb")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("WASMTIME_TEST_REQUIRE_GDB").is_none(),
            "gdb is required (WASMTIME_TEST_REQUIRE_GDB is set) but not found"
        );
        eprintln!("skipped: gdb is not installed (apt-get install gdb)");
    }
    found
}

/// Runs gdb in batch mode with `commands` on `wasmtime ARGS`; returns its
/// standard output.
fn gdb(commands: &[&str], args: &[&str]) -> String {
    let mut cmd = Command::new("gdb");
    cmd.args(["-batch", "-nx"])
        .args(["-ex", "set breakpoint pending on"])
        .args(["-ex", "set pagination off"])
        .args(["-ex", "set style enabled off"]);
    for c in commands {
        cmd.args(["-ex", c]);
    }
    cmd.arg("--args")
        .arg(env!("CARGO_BIN_EXE_wasmtime"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env_remove("WASMTIME_BACKTRACE_DETAILS");
    let out = cmd.output().expect("failed to start gdb");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    format!("{stdout}\n--- gdb stderr ---\n{stderr}")
}

#[test]
fn gdb_breaks_on_a_source_line_and_shows_wasm_frames_at_a_trap() {
    if !have_gdb() {
        return;
    }
    let trap = guest("trap");
    let out = gdb(
        &["break trap.c:11", "run", "bt", "next", "continue", "bt"],
        &["run", "-D", "debug-info", "-C", "cache=n", &trap],
    );
    // The breakpoint on `int divisor = n - 3;` in `compute` is hit...
    let hit = out
        .find("Breakpoint 1, compute")
        .unwrap_or_else(|| panic!("breakpoint not hit:\n{out}"));
    let after = &out[hit..];
    assert!(after.contains("trap.c:11"), "{out}");
    // ... with `main` below it in the backtrace.
    assert!(after.contains("__main_argc_argv"), "{out}");
    // `next` steps to the following source line.
    assert!(
        after.contains("\n12\t"),
        "`next` did not reach line 12:\n{out}"
    );
    // Continuing reaches the division by zero, whose frames name the
    // functions with their source lines.
    let sig = after
        .find("received signal")
        .unwrap_or_else(|| panic!("trap not reached:\n{out}"));
    let at_trap = &after[sig..];
    for expected in ["divide", "trap.c:6", "compute", "trap.c:12", "trap.c:19"] {
        assert!(
            at_trap.contains(expected),
            "missing {expected:?} in:\n{out}"
        );
    }
}

#[test]
fn without_debug_info_gdb_knows_no_guest_source() {
    if !have_gdb() {
        return;
    }
    let trap = guest("trap");
    let out = gdb(
        &["break trap.c:11", "run", "bt"],
        &["run", "-C", "cache=n", &trap],
    );
    assert!(!out.contains("Breakpoint 1, compute"), "{out}");
    assert!(!out.contains("trap.c:6"), "{out}");
}

/// The value gdb printed for `$N = ...` lines, in order.
fn printed(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with('$'))
        .filter_map(|l| l.split_once(" = ").map(|(_, v)| v.trim().to_string()))
        .collect()
}

#[test]
fn gdb_prints_parameters_locals_and_memory_through_pointers() {
    if !have_gdb() {
        return;
    }
    // `locals.c` (-O1): at line 29 of `inspect(p, scale)`, `scale` (3),
    // `weighted` (26) and `result` (47) live in wasm locals (registers of
    // the compiled code), `arr` on the shadow stack, and `p` points at
    // main's `pt` ({7, 5}) on the shadow stack. Then main divides by zero.
    let locals = guest("locals");
    let out = gdb(
        &[
            "break locals.c:29",
            "run",
            "print scale",
            "print weighted",
            "print result",
            "print arr[2]",
            "print arr",
            "print p->x",
            "print p->y",
            "print *p",
            "print p",
            "info locals",
            "continue",
            "bt",
            "print a",
            "print b",
        ],
        &["run", "-D", "debug-info", "-C", "cache=n", &locals],
    );
    let hit = out
        .find("Breakpoint 1, inspect")
        .unwrap_or_else(|| panic!("breakpoint not hit:\n{out}"));
    let after = &out[hit..];
    let at_break = &after[..after.find("received signal").unwrap_or(after.len())];
    let values = printed(at_break);
    assert_eq!(
        values.get(..8).unwrap_or(&values),
        [
            "3",
            "26",
            "47",
            "21",
            "{1, 11, 21, 31}",
            "7",
            "5",
            "{x = 7, y = 5}",
        ],
        "{out}"
    );
    // `p` itself is the host address of `pt` (in linear memory).
    assert!(
        values
            .get(8)
            .is_some_and(|p| p.starts_with("(struct point *) 0x") && !p.ends_with(" 0x0")),
        "{out}"
    );
    for expected in ["arr = {1, 11, 21, 31}", "weighted = 26", "result = 47"] {
        assert!(after.contains(expected), "missing {expected:?} in:\n{out}");
    }
    // At the division by zero the frames have their source lines.
    let sig = after
        .find("received signal")
        .unwrap_or_else(|| panic!("trap not reached:\n{out}"));
    let at_trap = &after[sig..];
    for expected in ["divide", "locals.c:34", "locals.c:42"] {
        assert!(
            at_trap.contains(expected),
            "missing {expected:?} in:\n{out}"
        );
    }
    // ... and the trapping division's operands, at the trap instruction
    // (out of line, reached by a jump): r = 47 * 2 + 26 + 3 + 31.
    assert!(at_trap.contains("divide (a=154, b=0)"), "{out}");
    assert_eq!(printed(at_trap), ["154", "0"], "{out}");
}

#[test]
fn gdb_prints_variables_of_an_unoptimized_guest() {
    if !have_gdb() {
        return;
    }
    // `trap.c` (-O0): every variable lives on the shadow stack, addressed
    // from the frame base. At line 12 of `compute(n)`, n is 3 and
    // `divisor` 0; at the division by zero in `divide(a, b)`, a is 30.
    let trap = guest("trap");
    let out = gdb(
        &[
            "break trap.c:12",
            "run",
            "print n",
            "print divisor",
            "continue",
            "print a",
            "print b",
        ],
        &["run", "-D", "debug-info", "-C", "cache=n", &trap],
    );
    let hit = out
        .find("Breakpoint 1, compute")
        .unwrap_or_else(|| panic!("breakpoint not hit:\n{out}"));
    assert_eq!(printed(&out[hit..]), ["3", "0", "30", "0"], "{out}");
    assert!(out.contains("divide (a=30, b=0)"), "{out}");
}
