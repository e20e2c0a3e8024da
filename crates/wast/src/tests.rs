//! Unit tests of the runner on small scripts.

use super::*;
use wasmtime::Engine;

fn run(script: &str) -> WastReport {
    let engine = Engine::default();
    let mut cx = WastContext::new(Store::new(&engine, ()));
    cx.register_spectest().expect("spectest");
    cx.run_buffer("test.wast", script).expect("script parses")
}

#[test]
fn passing_directives_are_counted() {
    let r = run(r#"
        (module $M
          (func (export "f") (param i32) (result i32) local.get 0)
          (func (export "nan") (result f64) f64.const nan)
          (func (export "v") (result i32) i32.const 1 i32.const 0 i32.div_u)
          (global (export "g") i64 (i64.const 7)))
        (assert_return (invoke "f" (i32.const 5)) (i32.const 5))
        (assert_return (invoke $M "nan") (f64.const nan:canonical))
        (assert_return (get "g") (i64.const 7))
        (assert_trap (invoke "v") "integer divide by zero")
        (assert_invalid (module (func (result i32))) "type mismatch")
        (assert_malformed (module quote "(func (i32.bogus))") "unknown operator")
        (assert_unlinkable (module (import "spectest" "nothing" (func))) "unknown import")
        (register "m" $M)
        (module (import "m" "f" (func (param i32) (result i32))))
    "#);
    assert_eq!(r.failed, Vec::<String>::new());
    assert_eq!(r.passed, 10);
}

#[test]
fn named_instances_are_importable_without_register() {
    let r = run(r#"
        (module $env (func (export "f") (result i32) i32.const 7))
        (module (import "env" "f" (func $f (result i32)))
          (func (export "g") (result i32) call $f))
        (assert_return (invoke "g") (i32.const 7))
        (module definition $D (func (export "h") (result i32) i32.const 9))
        (module instance $inst $D)
        (module (import "inst" "h" (func $h (result i32)))
          (func (export "k") (result i32) call $h))
        (assert_return (invoke "k") (i32.const 9))
    "#);
    assert_eq!(r.failed, Vec::<String>::new());
    assert_eq!(r.passed, 7);
    // An unnamed module defines nothing.
    let r = run(r#"
        (module (func (export "f")))
        (assert_unlinkable (module (import "" "f" (func))) "unknown import")
    "#);
    assert_eq!(r.failed, Vec::<String>::new());
}

#[test]
fn instantiation_failures_match_by_message_as_in_wasmtime() {
    // A data segment out of bounds traps during instantiation; Wasmtime's
    // scripts expect it as `assert_unlinkable` with the trap's message.
    let r = run(r#"
        (assert_unlinkable
          (module (memory 1) (data (i32.const 0x1_0000) "x"))
          "out of bounds memory access")
        (assert_unlinkable
          (module (memory 1) (data (i32.const 0x1_0000) "x"))
          "unknown import")
    "#);
    assert_eq!(r.passed, 1, "{:?}", r.failed);
    assert_eq!(r.failed.len(), 1);
    assert!(
        r.failed[0].contains("instantiation trapped"),
        "{:?}",
        r.failed
    );
    // And an instantiation error that is not a trap (a memory too big to
    // exist) satisfies `assert_trap` when its message matches.
    let r = run(r#"
        (assert_trap
          (module (memory i64 0x1_0000_0000_0000))
          "exceeds memory limits")
        (assert_trap
          (module (memory i64 0x1_0000_0000_0000))
          "out of bounds memory access")
    "#);
    assert_eq!(r.passed, 1, "{:?}", r.failed);
    assert_eq!(r.failed.len(), 1);
    assert!(r.failed[0].contains("not a trap"), "{:?}", r.failed);
}

#[test]
fn failures_carry_locations_and_do_not_stop_the_script() {
    let r = run("(module (func (export \"f\") (result i32) i32.const 1))\n\
                 (assert_return (invoke \"f\") (i32.const 2))\n\
                 (assert_trap (invoke \"f\") \"unreachable\")\n\
                 (assert_invalid (module (func)) \"type mismatch\")\n\
                 (assert_return (invoke \"f\") (i32.const 1))");
    assert_eq!(r.passed, 2);
    assert_eq!(r.failed.len(), 3, "{:?}", r.failed);
    assert!(
        r.failed[0].starts_with("test.wast:2:2: "),
        "{}",
        r.failed[0]
    );
    assert!(
        r.failed[1].starts_with("test.wast:3:2: "),
        "{}",
        r.failed[1]
    );
}

#[test]
fn message_mismatch_still_passes() {
    let r = run(r#"
        (module (func (export "u") unreachable))
        (assert_trap (invoke "u") "a different wording")
    "#);
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(r.passed, 2);
    assert_eq!(r.message_mismatches.len(), 1);
    assert!(r.message_mismatches[0].contains("a different wording"));
}

#[test]
fn failed_module_poisons_later_invokes() {
    let r = run(r#"
        (module (func (export "f")))
        (module (func (export "g") (result i32)))
        (invoke "f")
    "#);
    assert_eq!(r.passed, 1);
    assert_eq!(r.failed.len(), 2, "{:?}", r.failed);
    assert!(r.failed[1].contains("failed earlier"), "{}", r.failed[1]);
}

#[test]
fn assert_exception_needs_an_uncaught_exception() {
    let r = run(r#"
        (module (tag $e) (func (export "f")) (func (export "t") (throw $e)))
        (assert_exception (invoke "f"))
        (assert_exception (invoke "t"))
        (assert_trap (invoke "t") "unreachable")
    "#);
    assert_eq!(r.passed, 2, "{:?}", r.failed);
    assert_eq!(r.failed.len(), 2, "{:?}", r.failed);
    assert!(
        r.failed[0].contains("expected an exception"),
        "{}",
        r.failed[0]
    );
    assert!(r.failed[1].contains("not a trap"), "{}", r.failed[1]);
}

#[test]
fn unparsable_script_is_an_error() {
    let engine = Engine::default();
    let mut cx = WastContext::new(Store::new(&engine, ()));
    assert!(cx.run_buffer("x.wast", "(assert_return (invoke").is_err());
}

#[test]
fn externrefs_compare_by_value() {
    let r = run(r#"
        (module (func (export "id") (param externref) (result externref) local.get 0))
        (assert_return (invoke "id" (ref.extern 3)) (ref.extern 3))
        (assert_return (invoke "id" (ref.extern 3)) (ref.extern))
        (assert_return (invoke "id" (ref.null extern)) (ref.null extern))
        (assert_return (invoke "id" (ref.extern 3)) (ref.extern 4))
    "#);
    assert_eq!(r.passed, 4);
    assert_eq!(r.failed.len(), 1, "{:?}", r.failed);
}

#[test]
fn nan_patterns() {
    use values::*;
    assert!(is_canonical_nan32(0x7fc0_0000));
    assert!(is_canonical_nan32(0xffc0_0000));
    assert!(!is_canonical_nan32(0x7fa0_0000));
    assert!(is_arithmetic_nan32(0x7fe0_0000));
    assert!(!is_arithmetic_nan32(0x7f80_0001));
    assert!(is_canonical_nan64(0xfff8_0000_0000_0000));
    assert!(is_arithmetic_nan64(0x7ffc_0000_0000_0000));
    assert!(!is_arithmetic_nan64(0x7ff0_0000_0000_0001));
}

#[test]
fn assert_suspension_expects_an_unhandled_tag() {
    let mut config = wasmtime::Config::new();
    config.wasm_stack_switching(true);
    let engine = Engine::new(&config).expect("engine");
    let mut cx = WastContext::new(Store::new(&engine, ()));
    let r = cx
        .run_buffer(
            "test.wast",
            r#"
            (module
              (type $f (func))
              (type $k (cont $f))
              (tag $t)
              (func $s (suspend $t))
              (elem declare func $s)
              (func (export "unhandled") (resume $k (cont.new $k (ref.func $s))))
              (func (export "fine")))
            (assert_suspension (invoke "unhandled") "unhandled")
            (assert_suspension (invoke "fine") "unhandled")
            "#,
        )
        .expect("script parses");
    assert_eq!(r.passed, 2, "{:?}", r.failed);
    assert_eq!(r.failed.len(), 1);
    assert!(
        r.failed[0].contains("expected suspension"),
        "{}",
        r.failed[0]
    );
}
