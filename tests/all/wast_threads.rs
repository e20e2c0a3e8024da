//! The spec runner's `thread` / `wait` directives (the passing case is
//! `tests/wast-scripts/threads-wait-notify.wast`, run by `tests/wast.rs`):
//! failures inside a thread reach the report, and misuse is reported, not
//! a panic.

use wasmtime::*;
use wasmtime_wast::WastContext;

fn context() -> WastContext<()> {
    let mut config = Config::new();
    config.shared_memory(true);
    let engine = Engine::new(&config).unwrap();
    let mut cx = WastContext::new(Store::new(&engine, ()));
    cx.register_spectest().unwrap();
    cx
}

#[test]
fn failures_inside_a_thread_are_reported() -> Result<()> {
    let script = r#"
(module $Mem (memory (export "m") 1 1 shared))
(thread $T (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "m") 1 1 shared)
    (func (export "store") (param i32) (i32.atomic.store (i32.const 4) (local.get 0)))
    (func (export "load") (result i32) (i32.atomic.load (i32.const 4))))
  (invoke "store" (i32.const 99))
  (assert_return (invoke "load") (i32.const 98)))
(wait $T)
(module (memory (import "M" "m") 1 1 shared)
  (func (export "load") (result i32) (i32.atomic.load (i32.const 4))))
"#;
    // The last module imports "M", registered below before it runs.
    let script = script.replace("(wait $T)\n", "(wait $T)\n(register \"M\" $Mem)\n");
    let mut cx = context();
    let report = cx.run_buffer("t.wast", &script)?;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    // The failing directive is the thread's assert_return (line 10).
    assert!(report.failed[0].starts_with("t.wast:10:"), "{report:?}");
    // What the thread stored is visible to the main script's store.
    let report2 = cx.run_buffer("u.wast", "(assert_return (invoke \"load\") (i32.const 99))")?;
    assert!(report2.failed.is_empty(), "{report2:?}");
    Ok(())
}

#[test]
fn thread_misuse_is_reported() -> Result<()> {
    let mut cx = context();
    // Waiting for an unknown thread; sharing an instance whose exports are
    // not shared memories; a thread never waited for still has its failures
    // reported.
    let script = r#"
(module $F (func (export "f")))
(wait $nope)
(thread $A (shared (module $F)))
(thread $B (assert_return (invoke "missing")))
"#;
    let report = cx.run_buffer("m.wast", script)?;
    assert_eq!(report.failed.len(), 3, "{report:?}");
    assert!(report.failed[0].contains("no running thread"), "{report:?}");
    assert!(report.failed[1].contains("cannot be shared"), "{report:?}");
    Ok(())
}
