//! Round trips of every kind of value: the host calls an export with a
//! value, the guest passes it (as core values) to an imported host
//! function that returns it, and the guest returns that. Each value is
//! lowered and lifted twice, through core values and linear memory.

use super::LIBC;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

/// A component exporting `run(v: T) -> T`, which calls the import
/// `echo(v: T) -> T`. `flat` is T's flattened core types; results of more
/// than one core value come back through memory (a return pointer).
pub(super) fn echo_component(engine: &Engine, ty: &str, flat: &[&str]) -> Component {
    let params = flat.join(" ");
    let locals: String = (0..flat.len())
        .map(|i| format!("(local.get {i}) "))
        .collect();
    let (import_sig, body, result) = if flat.len() == 1 {
        (
            format!("(param {params}) (result {})", flat[0]),
            format!("(call $echo {locals})"),
            format!("(result {})", flat[0]),
        )
    } else {
        (
            format!("(param {params} i32)"),
            format!("(call $echo {locals} (i32.const 256)) (i32.const 256)"),
            "(result i32)".to_string(),
        )
    };
    let wat = format!(
        r#"(component
             (type $t' {ty})
             (import "t" (type $t (eq $t')))
             (import "echo" (func $echo (param "v" $t) (result $t)))
             {LIBC}
             (core func $echo (canon lower (func $echo) (memory (core memory $libc "memory"))
               (realloc (core func $libc "realloc"))))
             (core module $m
               (import "host" "echo" (func $echo {import_sig}))
               (func (export "run") (param {params}) {result} {body}))
             (core instance $i (instantiate $m
               (with "host" (instance (export "echo" (func $echo))))))
             (func (export "run") (param "v" $t) (result $t)
               (canon lift (core func $i "run") (memory (core memory $libc "memory"))
                 (realloc (core func $libc "realloc")))))"#
    );
    Component::new(engine, &wat).unwrap_or_else(|e| panic!("{e:?}\n{wat}"))
}

fn round_trip(ty: &str, flat: &[&str], values: &[Val]) {
    let engine = Engine::default();
    let component = echo_component(&engine, ty, flat);
    let mut linker: Linker<Vec<Val>> = Linker::new(&engine);
    linker
        .root()
        .func_new("echo", |mut store, _ty, params, results| {
            store.data_mut().push(params[0].clone());
            results[0] = params[0].clone();
            Ok(())
        })
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    for v in values {
        let mut out = [Val::Bool(false)];
        run.call(&mut store, std::slice::from_ref(v), &mut out)
            .unwrap_or_else(|e| panic!("{ty}: {v:?}: {e:?}"));
        assert_eq!(&out[0], v, "{ty}");
        assert_eq!(store.data().last(), Some(v), "{ty}: the host saw the value");
    }
}

fn s(x: &str) -> Val {
    Val::String(x.to_string())
}

#[test]
fn records_with_strings_and_lists() {
    round_trip(
        r#"(record (field "a" u8) (field "b" string) (field "c" (list u16)))"#,
        &["i32", "i32", "i32", "i32", "i32"],
        &[
            Val::Record(vec![
                ("a".into(), Val::U8(255)),
                ("b".into(), s("héllo")),
                ("c".into(), Val::List(vec![Val::U16(1), Val::U16(65535)])),
            ]),
            Val::Record(vec![
                ("a".into(), Val::U8(0)),
                ("b".into(), s("")),
                ("c".into(), Val::List(vec![])),
            ]),
        ],
    );
}

#[test]
fn variants_with_joined_payloads() {
    round_trip(
        r#"(variant (case "none") (case "num" u64) (case "text" string) (case "f" f32))"#,
        &["i32", "i64", "i32"],
        &[
            Val::Variant("none".into(), None),
            Val::Variant("num".into(), Some(Box::new(Val::U64(u64::MAX)))),
            Val::Variant("text".into(), Some(Box::new(s("variant")))),
            Val::Variant("f".into(), Some(Box::new(Val::Float32(-2.5)))),
        ],
    );
}

#[test]
fn options_results_and_tuples() {
    round_trip(
        "(option (list string))",
        &["i32", "i32", "i32"],
        &[
            Val::Option(None),
            Val::Option(Some(Box::new(Val::List(vec![s("a"), s("bc"), s("")])))),
        ],
    );
    round_trip(
        "(result (tuple s8 f64) (error string))",
        &["i32", "i32", "i64"],
        &[
            Val::Result(Ok(Some(Box::new(Val::Tuple(vec![
                Val::S8(-128),
                Val::Float64(1e300),
            ]))))),
            Val::Result(Err(Some(Box::new(s("failed"))))),
        ],
    );
    round_trip(
        "(list (tuple char bool s64))",
        &["i32", "i32"],
        &[Val::List(vec![
            Val::Tuple(vec![Val::Char('ß'), Val::Bool(true), Val::S64(i64::MIN)]),
            Val::Tuple(vec![Val::Char('\u{10ffff}'), Val::Bool(false), Val::S64(7)]),
        ])],
    );
}

#[test]
fn enums_and_flags() {
    round_trip(
        r#"(enum "x" "y" "z")"#,
        &["i32"],
        &[Val::Enum("x".into()), Val::Enum("z".into())],
    );
    round_trip(
        r#"(flags "a" "b" "c")"#,
        &["i32"],
        &[Val::Flags(vec![]), Val::Flags(vec!["a".into(), "c".into()])],
    );
}

#[test]
fn many_parameters_go_through_memory() {
    // 17 flat values: passed to the export through a realloc'd tuple.
    let engine = Engine::default();
    let params: String = (0..17).map(|i| format!("(param \"p{i}\" u32) ")).collect();
    let core_params = "(param i32)";
    let wat = format!(
        r#"(component
             {LIBC}
             (core module $m
               (import "libc" "memory" (memory 1))
               (func (export "sum") {core_params} (result i32)
                 (local $i i32) (local $acc i32)
                 (loop $l
                   (local.set $acc (i32.add (local.get $acc)
                     (i32.load (i32.add (local.get 0) (i32.mul (local.get $i) (i32.const 4))))))
                   (local.set $i (i32.add (local.get $i) (i32.const 1)))
                   (br_if $l (i32.lt_u (local.get $i) (i32.const 17))))
                 (local.get $acc)))
             (core instance $i (instantiate $m (with "libc" (instance $libc))))
             (func (export "sum") {params} (result u32)
               (canon lift (core func $i "sum") (memory (core memory $libc "memory"))
                 (realloc (core func $libc "realloc")))))"#
    );
    let component = Component::new(&engine, &wat).unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let sum = instance.get_func(&mut store, "sum").unwrap();
    let args: Vec<Val> = (1..=17).map(Val::U32).collect();
    let mut out = [Val::Bool(false)];
    sum.call(&mut store, &args, &mut out).unwrap();
    assert_eq!(out[0], Val::U32((1..=17).sum()));
}

#[test]
fn invalid_values_from_the_guest_are_errors() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        format!(
            r#"(component
             (type $e' (enum "a" "b"))
             (export $e "e" (type $e'))
             {LIBC}
             (core module $m
               (import "libc" "memory" (memory 1))
               (data (i32.const 0) "\ff\fe")
               (func (export "bad-enum") (result i32) (i32.const 5))
               (func (export "bad-char") (result i32) (i32.const 0xd800))
               (func (export "bad-utf8") (result i32)
                 (i32.store (i32.const 512) (i32.const 0))
                 (i32.store (i32.const 516) (i32.const 2))
                 (i32.const 512))
               (func (export "unaligned") (result i32) (i32.const 513))
               (func (export "huge-ptr") (result i32) (i32.const -8)))
             (core instance $i (instantiate $m (with "libc" (instance $libc))))
             (func (export "bad-enum") (result $e) (canon lift (core func $i "bad-enum")))
             (func (export "bad-char") (result char) (canon lift (core func $i "bad-char")))
             (func (export "bad-utf8") (result string)
               (canon lift (core func $i "bad-utf8") (memory (core memory $libc "memory"))))
             (func (export "unaligned") (result string)
               (canon lift (core func $i "unaligned") (memory (core memory $libc "memory"))))
             (func (export "huge-ptr") (result string)
               (canon lift (core func $i "huge-ptr") (memory (core memory $libc "memory")))))"#
        ),
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    for (name, message) in [
        ("bad-enum", "discriminant"),
        ("bad-char", "char"),
        ("bad-utf8", "utf-8"),
        ("unaligned", "aligned"),
        ("huge-ptr", "out of bounds"),
    ] {
        let f = instance.get_func(&mut store, name).unwrap();
        let mut out = [Val::Bool(false)];
        let err = f.call(&mut store, &[], &mut out).unwrap_err();
        assert!(err.to_string().contains(message), "{name}: {err}");
    }
}
