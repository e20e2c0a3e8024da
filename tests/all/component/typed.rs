//! The statically typed API: `TypedFunc`, `LinkerInstance::func_wrap`,
//! Rust types for component types (and the derives and `flags!` for
//! records, variants, enums and flags), and type checks that fail with
//! errors at `get_typed_func` and at instantiation.

use super::LIBC;
use std::fmt::Debug;
use wasmtime::component::{
    flags, Component, ComponentNamedList, ComponentType, Lift, Linker, Lower, TypedFunc,
};
use wasmtime::{Engine, Result, Store, StoreContextMut};

#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq)]
#[component(record)]
struct Point {
    x: u32,
    #[component(name = "y-coord")]
    y: i64,
    label: String,
}

#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq)]
#[component(variant)]
enum Shape {
    #[component(name = "none")]
    Nothing,
    #[component(name = "circle")]
    Circle(f64),
    #[component(name = "poly")]
    Poly(Vec<Point>),
}

#[derive(ComponentType, Lift, Lower, Clone, Copy, Debug, PartialEq)]
#[component(enum)]
#[repr(u8)]
enum Color {
    #[component(name = "red")]
    Red,
    #[component(name = "green")]
    Green,
    #[component(name = "blue")]
    Blue,
}

flags! {
    Perms {
        #[component(name = "read")]
        const READ;
        #[component(name = "write")]
        const WRITE;
        #[component(name = "exec")]
        const EXEC;
    }
}

/// A generic record, whose derived impls need `T`'s.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq)]
#[component(record)]
struct Pair<T> {
    first: T,
    second: T,
}

/// Each Rust type gives the component type it naturally stands for.
#[test]
fn rust_types_know_their_component_types() {
    use wasmtime::component::__internal::InterfaceType as I;
    let names = |n: &[&str]| n.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let point = I::Record(vec![
        ("x".into(), I::U32),
        ("y-coord".into(), I::S64),
        ("label".into(), I::String),
    ]);
    assert_eq!(Point::ty(), point);
    assert_eq!(
        Shape::ty(),
        I::Variant(vec![
            ("none".into(), None),
            ("circle".into(), Some(I::Float64)),
            ("poly".into(), Some(I::List(Box::new(point)))),
        ])
    );
    assert_eq!(Color::ty(), I::Enum(names(&["red", "green", "blue"])));
    assert_eq!(Perms::ty(), I::Flags(names(&["read", "write", "exec"])));
    assert_eq!(
        <Result<(), Option<&str>>>::ty(),
        I::Result {
            ok: None,
            err: Some(Box::new(I::Option(Box::new(I::String)))),
        }
    );
    assert_eq!(
        <(u8, Vec<char>)>::ty(),
        I::Tuple(vec![I::U8, I::List(Box::new(I::Char))])
    );
    assert_eq!(
        <Pair<bool>>::ty(),
        I::Record(vec![("first".into(), I::Bool), ("second".into(), I::Bool)])
    );
}

const POINT: &str = r#"(record (field "x" u32) (field "y-coord" s64) (field "label" string))"#;
const SHAPE: &str = r#"(variant (case "none") (case "circle" f64) (case "poly" (list $point)))"#;

/// A component exporting `run(v: T) -> T`, which calls the import
/// `echo(v: T) -> T`. `defs` declares types (as imports, so that records
/// and the like are named); `flat` is T's flattened core types, and
/// results of more than one core value come back through memory (a
/// return pointer).
fn echo_component(engine: &Engine, defs: &str, ty: &str, flat: &[&str]) -> Component {
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
             {defs}
             (import "echo" (func $echo (param "v" {ty}) (result {ty})))
             {LIBC}
             (core func $echo (canon lower (func $echo) (memory (core memory $libc "memory"))
               (realloc (core func $libc "realloc"))))
             (core module $m
               (import "host" "echo" (func $echo {import_sig}))
               (func (export "run") (param {params}) {result} {body}))
             (core instance $i (instantiate $m
               (with "host" (instance (export "echo" (func $echo))))))
             (func (export "run") (param "v" {ty}) (result {ty})
               (canon lift (core func $i "run") (memory (core memory $libc "memory"))
                 (realloc (core func $libc "realloc")))))"#
    );
    Component::new(engine, &wat).unwrap_or_else(|e| panic!("{e:?}\n{wat}"))
}

/// Type definitions naming `def` as `$t`.
fn named(def: &str) -> String {
    format!(r#"(type $t' {def}) (import "t" (type $t (eq $t')))"#)
}

fn point_defs() -> String {
    format!(r#"(type $point' {POINT}) (import "point" (type $point (eq $point')))"#)
}

fn shape_defs() -> String {
    format!(
        r#"{} (type $shape' {SHAPE}) (import "shape" (type $shape (eq $shape')))"#,
        point_defs()
    )
}

/// Each value goes from the host to the guest (a typed call), back to the
/// host (a typed host function), and back again, through core values or
/// linear memory.
fn round_trip<T>(defs: &str, ty: &str, flat: &[&str], values: &[T])
where
    T: ComponentType + Lift + Lower + Clone + PartialEq + Debug + 'static,
{
    let engine = Engine::default();
    let component = echo_component(&engine, defs, ty, flat);
    let mut linker: Linker<Vec<T>> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("echo", |mut store, (v,): (T,)| {
            store.data_mut().push(v.clone());
            Ok((v,))
        })
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run: TypedFunc<(T,), (T,)> = instance.get_typed_func(&mut store, "run").unwrap();
    for v in values {
        let (out,) = run
            .call(&mut store, (v.clone(),))
            .unwrap_or_else(|e| panic!("{ty}: {v:?}: {e:?}"));
        assert_eq!(&out, v, "{ty}");
        assert_eq!(store.data().last(), Some(v), "{ty}: the host saw the value");
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn primitives() {
    round_trip("", "u32", &["i32"], &[0u32, 7, u32::MAX]);
    round_trip("", "s8", &["i32"], &[i8::MIN, -1, i8::MAX]);
    round_trip("", "u16", &["i32"], &[0u16, u16::MAX]);
    round_trip("", "s64", &["i64"], &[i64::MIN, 0, i64::MAX]);
    round_trip("", "u64", &["i64"], &[u64::MAX]);
    round_trip("", "f32", &["f32"], &[1.5f32, -0.0, f32::INFINITY]);
    round_trip("", "f64", &["f64"], &[1e300f64, -2.5]);
    round_trip("", "bool", &["i32"], &[true, false]);
    round_trip("", "char", &["i32"], &['a', 'ß', '\u{10ffff}']);
}

#[test]
fn strings_and_lists() {
    round_trip(
        "",
        "string",
        &["i32", "i32"],
        &[s(""), s("hello"), s("wasm ✓")],
    );
    round_trip(
        "",
        "(list u8)",
        &["i32", "i32"],
        &[vec![], vec![0u8, 1, 255]],
    );
    round_trip(
        "",
        "(list f64)",
        &["i32", "i32"],
        &[vec![1.0f64, -2.0, 1e-300]],
    );
    round_trip(
        "",
        "(list string)",
        &["i32", "i32"],
        &[vec![s("a"), s(""), s("bc")]],
    );
    round_trip(
        "",
        "(list (tuple char bool s64))",
        &["i32", "i32"],
        &[vec![('ß', true, i64::MIN), ('\u{10ffff}', false, 7)]],
    );
}

#[test]
fn options_results_and_tuples() {
    round_trip(
        "",
        "(option (list string))",
        &["i32", "i32", "i32"],
        &[None, Some(vec![s("a"), s("bc")]), Some(vec![])],
    );
    round_trip(
        "",
        "(option (option u32))",
        &["i32", "i32", "i32"],
        &[None, Some(None), Some(Some(42u32))],
    );
    round_trip(
        "",
        "(result (tuple s8 f64) (error string))",
        &["i32", "i32", "i64"],
        &[Ok((-128i8, 1e300f64)), Err(s("failed"))],
    );
    round_trip(
        "",
        "(result (error string))",
        &["i32", "i32", "i32"],
        &[Ok(()), Err(s("no"))],
    );
    round_trip("", "(result)", &["i32"], &[Ok::<(), ()>(()), Err(())]);
    round_trip(
        "",
        "(tuple u8 string)",
        &["i32", "i32", "i32"],
        &[(1u8, s("one")), (255, s(""))],
    );
    // `Box<T>` stands for `T`.
    round_trip("", "u32", &["i32"], &[Box::new(5u32)]);
}

#[test]
fn derived_records_variants_enums_and_flags() {
    let p = |x, y, label: &str| Point {
        x,
        y,
        label: label.to_string(),
    };
    round_trip(
        &point_defs(),
        "$point",
        &["i32", "i64", "i32", "i32"],
        &[p(1, -2, "one"), p(u32::MAX, i64::MIN, "")],
    );
    round_trip(
        &shape_defs(),
        "$shape",
        &["i32", "i64", "i32"],
        &[
            Shape::Nothing,
            Shape::Circle(2.5),
            Shape::Poly(vec![p(0, 0, "origin"), p(3, 4, "far")]),
            Shape::Poly(vec![]),
        ],
    );
    round_trip(
        &shape_defs(),
        "(list $shape)",
        &["i32", "i32"],
        &[vec![
            Shape::Circle(-1.0),
            Shape::Nothing,
            Shape::Poly(vec![p(1, 1, "x")]),
        ]],
    );
    round_trip(
        &named(r#"(enum "red" "green" "blue")"#),
        "$t",
        &["i32"],
        &[Color::Red, Color::Blue],
    );
    round_trip(
        &named(r#"(flags "read" "write" "exec")"#),
        "$t",
        &["i32"],
        &[Perms::empty(), Perms::READ | Perms::EXEC, Perms::all()],
    );
    // In memory (one byte each).
    round_trip(
        &named(r#"(flags "read" "write" "exec")"#),
        "(list $t)",
        &["i32", "i32"],
        &[vec![Perms::WRITE, Perms::all(), Perms::empty()]],
    );
    round_trip(
        &named(r#"(record (field "first" u16) (field "second" u16))"#),
        "$t",
        &["i32", "i32"],
        &[Pair {
            first: 1u16,
            second: 65535,
        }],
    );
}

flags! {
    /// As many flags as the component model allows: one whole word.
    Many {
        const F0; const F1; const F2; const F3; const F4; const F5; const F6; const F7;
        const F8; const F9; const F10; const F11; const F12; const F13; const F14; const F15;
        const F16; const F17; const F18; const F19; const F20; const F21; const F22; const F23;
        const F24; const F25; const F26; const F27; const F28; const F29; const F30; const F31;
    }
}

flags! {
    /// Flags stored in two bytes.
    Twelve {
        const A0; const A1; const A2; const A3; const A4; const A5;
        const A6; const A7; const A8; const A9; const A10; const A11;
    }
}

#[test]
fn flags_of_every_size() {
    let names: String = (0..32).map(|i| format!(r#""F{i}" "#)).collect();
    let defs = named(&format!("(flags {names})"));
    let values = [Many::empty(), Many::F0 | Many::F17 | Many::F31, Many::all()];
    round_trip(&defs, "$t", &["i32"], &values);
    round_trip(&defs, "(list $t)", &["i32", "i32"], &[values.to_vec()]);

    let names: String = (0..12).map(|i| format!(r#""A{i}" "#)).collect();
    let defs = named(&format!("(flags {names})"));
    let values = [Twelve::A0 | Twelve::A11, Twelve::all(), Twelve::A8];
    round_trip(&defs, "$t", &["i32"], &values);
    round_trip(&defs, "(list $t)", &["i32", "i32"], &[values.to_vec()]);

    let all = Many::all();
    assert_eq!(all.as_array(), [u32::MAX]);
    assert_eq!(Twelve::all().as_array(), [0xfff]);
    assert_eq!(!Twelve::empty(), Twelve::all());
    assert!(all.contains(Many::F31));
    assert!((!Many::F31).intersects(Many::F30));
    assert!(!(!Many::F31).contains(Many::F31));
    assert_eq!(format!("{:?}", Many::F1 | Many::F31), "Many(F1 | F31)");
    assert_eq!(format!("{:?}", Perms::empty()), "Perms()");
    let mut p = Perms::READ;
    p |= Perms::WRITE;
    p ^= Perms::READ;
    assert_eq!(p, Perms::WRITE);
    p &= Perms::READ;
    assert!(p.is_empty());
}

/// The example of the typed API: records, options, lists, variants and
/// results as parameters and result, through a typed host function.
#[test]
fn records_and_variants_through_a_host_function() -> Result<()> {
    let engine = Engine::default();
    let wat = format!(
        r#"(component
             {}
             (import "g" (func $g (param "p" $point) (param "tags" (option (list string)))
               (result (result $shape (error string)))))
             {LIBC}
             (core func $g (canon lower (func $g) (memory (core memory $libc "memory"))
               (realloc (core func $libc "realloc"))))
             (core module $m
               (import "host" "g" (func $g (param i32 i64 i32 i32 i32 i32 i32 i32)))
               (func (export "f") (param i32 i64 i32 i32 i32 i32 i32) (result i32)
                 (call $g (local.get 0) (local.get 1) (local.get 2) (local.get 3)
                   (local.get 4) (local.get 5) (local.get 6) (i32.const 256))
                 (i32.const 256)))
             (core instance $i (instantiate $m
               (with "host" (instance (export "g" (func $g))))))
             (func (export "f") (param "p" $point) (param "tags" (option (list string)))
               (result (result $shape (error string)))
               (canon lift (core func $i "f") (memory (core memory $libc "memory"))
                 (realloc (core func $libc "realloc")))))"#,
        shape_defs()
    );
    let component = Component::new(&engine, &wat)?;
    let mut linker: Linker<u32> = Linker::new(&engine);
    linker.root().func_wrap(
        "g",
        |mut store: StoreContextMut<'_, u32>,
         (p, tags): (Point, Option<Vec<String>>)|
         -> Result<(Result<Shape, String>,)> {
            *store.data_mut() += 1;
            Ok((match tags {
                None => Ok(Shape::Circle(f64::from(p.x))),
                Some(tags) if tags.is_empty() => Err(format!("no tags for {}", p.label)),
                Some(tags) => Ok(Shape::Poly(
                    tags.into_iter()
                        .map(|label| Point { label, ..p.clone() })
                        .collect(),
                )),
            },))
        },
    )?;
    let mut store = Store::new(&engine, 0);
    let instance = linker.instantiate(&mut store, &component)?;
    #[allow(clippy::type_complexity)]
    let f: TypedFunc<(Point, Option<Vec<String>>), (Result<Shape, String>,)> =
        instance.get_typed_func(&mut store, "f")?;
    let p = Point {
        x: 3,
        y: -4,
        label: "p".into(),
    };
    let (r,) = f.call(&mut store, (p.clone(), None))?;
    assert_eq!(r, Ok(Shape::Circle(3.0)));
    let (r,) = f.call(&mut store, (p.clone(), Some(vec![])))?;
    assert_eq!(r, Err("no tags for p".to_string()));
    let (r,) = f.call(&mut store, (p.clone(), Some(vec![s("a"), s("b")])))?;
    let with = |label: &str| Point {
        label: label.into(),
        ..p.clone()
    };
    assert_eq!(r, Ok(Shape::Poly(vec![with("a"), with("b")])));
    assert_eq!(*store.data(), 3);
    #[allow(deprecated)]
    f.post_return(&mut store)?;

    // The same function, dynamically typed underneath.
    let func = f.func();
    assert_eq!(
        func.ty(&store).param_names().collect::<Vec<_>>(),
        ["p", "tags"]
    );
    Ok(())
}

/// Parameters that flatten to more than 16 core values (18 here) go
/// through memory, in both directions; so does a string result.
#[test]
fn many_parameters_go_through_memory() -> Result<()> {
    type Params = (
        u8,
        String,
        u64,
        f32,
        String,
        String,
        String,
        String,
        String,
        String,
        bool,
    );
    let engine = Engine::default();
    let params = r#"(param "a" u8) (param "b" string) (param "c" u64) (param "d" f32)
        (param "e" string) (param "f" string) (param "g" string) (param "h" string)
        (param "i" string) (param "j" string) (param "k" bool)"#;
    let wat = format!(
        r#"(component
             (import "join" (func $join {params} (result string)))
             {LIBC}
             (core func $join (canon lower (func $join) (memory (core memory $libc "memory"))
               (realloc (core func $libc "realloc"))))
             (core module $m
               (import "host" "join" (func $join (param i32 i32)))
               (func (export "run") (param i32) (result i32)
                 (call $join (local.get 0) (i32.const 256))
                 (i32.const 256)))
             (core instance $i (instantiate $m
               (with "host" (instance (export "join" (func $join))))))
             (func (export "run") {params} (result string)
               (canon lift (core func $i "run") (memory (core memory $libc "memory"))
                 (realloc (core func $libc "realloc")))))"#
    );
    let component = Component::new(&engine, &wat)?;
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("join", |_, (a, b, c, d, e, f, g, h, i, j, k): Params| {
            Ok((format!("{a} {b} {c} {d} {e}{f}{g}{h}{i}{j} {k}"),))
        })?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component)?;
    let run = instance.get_typed_func::<Params, (String,)>(&mut store, "run")?;
    let (out,) = run.call(
        &mut store,
        (
            7,
            s("bee"),
            u64::MAX,
            0.5,
            s("e"),
            s("f"),
            s("g"),
            s("h"),
            s("i"),
            s("j"),
            true,
        ),
    )?;
    assert_eq!(out, format!("7 bee {} 0.5 efghij true", u64::MAX));
    Ok(())
}

/// `&str` and `&[T]` can be passed (but not received).
#[test]
fn borrowed_parameters() -> Result<()> {
    let engine = Engine::default();
    let component = echo_component(&engine, "", "(list string)", &["i32", "i32"]);
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("echo", |_, (v,): (Vec<String>,)| Ok((v,)))?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component)?;
    let run = instance.get_typed_func::<(&[&str],), (Vec<String>,)>(&mut store, "run")?;
    let (out,) = run.call(&mut store, (&["x", "yz"][..],))?;
    assert_eq!(out, ["x", "yz"]);
    Ok(())
}

const ADD: &str = r#"(component
    (core module $m
      (func (export "add") (param i32 i32) (result i32)
        (i32.add (local.get 0) (local.get 1)))
      (func (export "nothing")))
    (core instance $i (instantiate $m))
    (func (export "add") (param "a" u32) (param "b" u32) (result u32)
      (canon lift (core func $i "add")))
    (func (export "nothing") (canon lift (core func $i "nothing"))))"#;

#[test]
fn typed_exports_and_their_type_checks() -> Result<()> {
    let engine = Engine::default();
    let component = Component::new(&engine, ADD)?;
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component)?;

    let add = instance.get_typed_func::<(u32, u32), (u32,)>(&mut store, "add")?;
    assert_eq!(add.call(&mut store, (40, 2))?, (42,));
    let nothing = instance.get_typed_func::<(), ()>(&mut store, "nothing")?;
    nothing.call(&mut store, ())?;
    // Through `Func::typed`, and by export index.
    let index = instance.get_export_index(&mut store, None, "add").unwrap();
    let func = instance.get_func(&mut store, &index).unwrap();
    let add = func.typed::<(u32, u32), (u32,)>(&store)?;
    assert_eq!(add.call(&mut store, (1, 2))?, (3,));

    let mismatch = |err: wasmtime::Error, expected: &str| {
        let message = err.to_string();
        assert!(
            message.contains(expected),
            "{message}\nexpected: {expected}"
        );
    };
    mismatch(
        instance
            .get_typed_func::<(u32,), (u32,)>(&mut store, "add")
            .unwrap_err(),
        "expected 1 parameter, found 2",
    );
    mismatch(
        instance
            .get_typed_func::<(u32, i32), (u32,)>(&mut store, "add")
            .unwrap_err(),
        "type mismatch: expected s32, found u32 (in parameter `b`)",
    );
    mismatch(
        instance
            .get_typed_func::<(u32, u32), ()>(&mut store, "add")
            .unwrap_err(),
        "expected 0 results, found 1",
    );
    mismatch(
        instance
            .get_typed_func::<(u32, u32), (String,)>(&mut store, "add")
            .unwrap_err(),
        "expected string, found u32 (in the result)",
    );
    mismatch(
        instance
            .get_typed_func::<(), (u32,)>(&mut store, "nothing")
            .unwrap_err(),
        "expected 1 result, found 0",
    );
    mismatch(
        instance
            .get_typed_func::<(), ()>(&mut store, "missing")
            .unwrap_err(),
        "failed to find function export",
    );
    Ok(())
}

#[test]
fn compound_type_mismatches_say_what_differs() {
    let engine = Engine::default();
    let check = |defs: &str,
                 ty: &str,
                 flat: &[&str],
                 expect: &dyn Fn(&mut Store<()>, &wasmtime::component::Instance) -> String,
                 expected: &str| {
        let component = echo_component(&engine, defs, ty, flat);
        let mut linker: Linker<()> = Linker::new(&engine);
        linker.define_unknown_imports_as_traps(&component).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let message = expect(&mut store, &instance);
        assert!(
            message.contains(expected),
            "{message}\nexpected: {expected}"
        );
    };
    fn get<P: ComponentNamedList + Lower, R: ComponentNamedList + Lift>(
        store: &mut Store<()>,
        instance: &wasmtime::component::Instance,
    ) -> String {
        instance
            .get_typed_func::<P, R>(store, "run")
            .unwrap_err()
            .to_string()
    }
    // A record field of another name.
    check(
        &named(r#"(record (field "x" u32) (field "y" s64) (field "label" string))"#),
        "$t",
        &["i32", "i64", "i32", "i32"],
        &get::<(Point,), (Point,)>,
        "type mismatch: expected record with fields `x`, `y-coord`, `label`, \
         found record { x: u32, y: s64, label: string } (in parameter `v`)",
    );
    // A record field of another type, deep inside.
    check(
        &named(r#"(record (field "x" u32) (field "y-coord" u64) (field "label" string))"#),
        "(list (option $t))",
        &["i32", "i32"],
        &get::<(Vec<Option<Point>>,), (Vec<Option<Point>>,)>,
        "type mismatch: expected s64, found u64 (in record field `y-coord`, \
         in option payload, in list element, in parameter `v`)",
    );
    // Variant cases.
    check(
        &format!(
            r#"{} (type $t' (variant (case "none") (case "circle" f32) (case "poly" (list $point))))
               (import "t" (type $t (eq $t')))"#,
            point_defs()
        ),
        "$t",
        &["i32", "i32", "i32"],
        &get::<(Shape,), (Shape,)>,
        "type mismatch: expected f64, found f32 (in variant case `circle`, in parameter `v`)",
    );
    check(
        &named(r#"(variant (case "none") (case "circle" f64))"#),
        "$t",
        &["i32", "f64"],
        &get::<(Shape,), (Shape,)>,
        "expected variant with cases `none`, `circle`, `poly`, found variant { none, circle(f64) }",
    );
    // Enums and flags.
    check(
        &named(r#"(enum "red" "blue" "green")"#),
        "$t",
        &["i32"],
        &get::<(Color,), (Color,)>,
        "expected enum with cases `red`, `green`, `blue`, found enum { red, blue, green }",
    );
    check(
        &named(r#"(flags "read" "write")"#),
        "$t",
        &["i32"],
        &get::<(Perms,), (Perms,)>,
        "expected flags `read`, `write`, `exec`, found flags { read, write }",
    );
    // Results and their missing payloads.
    check(
        "",
        "(result u32 (error string))",
        &["i32", "i32", "i32"],
        &get::<(Result<(), String>,), (Result<(), String>,)>,
        "type mismatch: expected tuple of 0 element(s), found u32 (in result's `ok` payload",
    );
    check(
        "",
        "(result (error string))",
        &["i32", "i32", "i32"],
        &get::<(Result<u32, String>,), (Result<u32, String>,)>,
        "expected a payload, found none (in result's `ok` payload",
    );
    check(
        "",
        "(tuple u8 u8)",
        &["i32", "i32"],
        &get::<((u8, u8, u8),), ((u8, u8, u8),)>,
        "expected tuple of 3 element(s), found tuple<u8, u8>",
    );
}

const DOUBLE: &str = r#"(component
    (import "double" (func $double (param "x" u32) (result u32)))
    (import "test:demo/math" (instance $math
      (export "mul" (func (param "a" s32) (param "b" s32) (result s32)))))
    (alias export $math "mul" (func $mul))
    (core func $d (canon lower (func $double)))
    (core func $m (canon lower (func $mul)))
    (core module $m
      (import "host" "double" (func $double (param i32) (result i32)))
      (import "host" "mul" (func $mul (param i32 i32) (result i32)))
      (func (export "run") (param i32) (result i32)
        (call $mul (call $double (local.get 0)) (i32.const -1))))
    (core instance $h (export "double" (func $d)) (export "mul" (func $m)))
    (core instance $i (instantiate $m (with "host" (instance $h))))
    (func (export "run") (param "x" u32) (result s32) (canon lift (core func $i "run"))))"#;

#[derive(Debug)]
struct TooBig(u32);

impl std::fmt::Display for TooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is too big", self.0)
    }
}

impl std::error::Error for TooBig {}

#[test]
fn typed_host_functions_and_their_errors() -> Result<()> {
    let engine = Engine::default();
    let component = Component::new(&engine, DOUBLE)?;
    let mut linker: Linker<Vec<u32>> = Linker::new(&engine);
    linker.root().func_wrap(
        "double",
        |mut store: StoreContextMut<'_, Vec<u32>>, (x,): (u32,)| {
            store.data_mut().push(x);
            if x > 100 {
                return Err(TooBig(x).into());
            }
            Ok((x * 2,))
        },
    )?;
    linker
        .instance("test:demo/math")?
        .func_wrap("mul", |_, (a, b): (i32, i32)| Ok((a * b,)))?;
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &component)?;
    let run = instance.get_typed_func::<(u32,), (i32,)>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, (21,))?, (-42,));
    // An error from the host function traps the guest, and comes back from
    // the call.
    let err = run.call(&mut store, (101,)).unwrap_err();
    assert!(
        err.downcast_ref::<TooBig>().is_some(),
        "the host's error is kept: {err:?}"
    );
    assert!(format!("{err:?}").contains("101 is too big"), "{err:?}");
    assert_eq!(store.data(), &[21, 101]);
    // The instance can still be called.
    assert_eq!(run.call(&mut store, (1,))?, (-2,));
    Ok(())
}

#[test]
fn import_type_mismatches_are_errors_at_instantiation() {
    let engine = Engine::default();
    let component = Component::new(&engine, DOUBLE).unwrap();
    let instantiate = |linker: &Linker<()>| {
        let mut store = Store::new(&engine, ());
        linker
            .instantiate(&mut store, &component)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };

    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("double", |_, (x,): (u64,)| Ok((x,)))
        .unwrap();
    linker
        .instance("test:demo/math")
        .unwrap()
        .func_wrap("mul", |_, (a, b): (i32, i32)| Ok((a * b,)))
        .unwrap();
    let err = instantiate(&linker).unwrap_err();
    assert!(
        err.contains("import `double` has the wrong type: type mismatch: expected u64, found u32 (in parameter `x`)"),
        "{err}"
    );
    // `instantiate_pre` checks too.
    assert!(linker.instantiate_pre(&component).is_err());

    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("double", |_, (x,): (u32,)| Ok((x,)))
        .unwrap();
    linker
        .instance("test:demo/math")
        .unwrap()
        .func_wrap("mul", |_, (a,): (i32,)| Ok((a,)))
        .unwrap();
    let err = instantiate(&linker).unwrap_err();
    assert!(
        err.contains("import `test:demo/math#mul` has the wrong type: type mismatch: expected 1 parameter, found 2"),
        "{err}"
    );

    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("double", |_, (x,): (u32,)| Ok((x,)))
        .unwrap();
    linker
        .instance("test:demo/math")
        .unwrap()
        .func_wrap("mul", |_, (a, b): (i32, i32)| Ok(((a * b) as u32,)))
        .unwrap();
    let err = instantiate(&linker).unwrap_err();
    assert!(
        err.contains("expected u32, found s32 (in the result)"),
        "{err}"
    );

    // Dynamically typed functions are not checked; typed ones of the right
    // types are fine beside them.
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("double", |_, (x,): (u32,)| Ok((x,)))
        .unwrap();
    linker
        .instance("test:demo/math")
        .unwrap()
        .func_new("mul", |_, _, _, _| Ok(()))
        .unwrap();
    instantiate(&linker).unwrap();
}

/// Invalid values from the guest are errors for typed calls too.
#[test]
fn invalid_values_from_the_guest_are_errors() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        format!(
            r#"(component
             (type $c' (enum "red" "green" "blue"))
             (export $c "c" (type $c'))
             {LIBC}
             (core module $m
               (import "libc" "memory" (memory 1))
               (data (i32.const 0) "\ff\fe")
               (func (export "bad-enum") (result i32) (i32.const 3))
               (func (export "bad-char") (result i32) (i32.const 0xd800))
               (func (export "bad-utf8") (result i32)
                 (i32.store (i32.const 512) (i32.const 0))
                 (i32.store (i32.const 516) (i32.const 2))
                 (i32.const 512))
               (func (export "bad-list") (result i32)
                 (i32.store (i32.const 512) (i32.const 65000))
                 (i32.store (i32.const 516) (i32.const 1000))
                 (i32.const 512))
               (func (export "unaligned") (result i32) (i32.const 513)))
             (core instance $i (instantiate $m (with "libc" (instance $libc))))
             (func (export "bad-enum") (result $c) (canon lift (core func $i "bad-enum")))
             (func (export "bad-char") (result char) (canon lift (core func $i "bad-char")))
             (func (export "bad-utf8") (result string)
               (canon lift (core func $i "bad-utf8") (memory (core memory $libc "memory"))))
             (func (export "bad-list") (result (list u32))
               (canon lift (core func $i "bad-list") (memory (core memory $libc "memory"))))
             (func (export "unaligned") (result string)
               (canon lift (core func $i "unaligned") (memory (core memory $libc "memory")))))"#
        ),
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    fn call<R: ComponentType + Lift + 'static>(
        store: &mut Store<()>,
        instance: &wasmtime::component::Instance,
        name: &str,
    ) -> String {
        let f = instance
            .get_typed_func::<(), (R,)>(&mut *store, name)
            .unwrap();
        match f.call(store, ()) {
            Ok(_) => panic!("{name}: no error"),
            Err(e) => e.to_string(),
        }
    }
    for (message, expected) in [
        (
            call::<Color>(&mut store, &instance, "bad-enum"),
            "discriminant",
        ),
        (call::<char>(&mut store, &instance, "bad-char"), "char"),
        (call::<String>(&mut store, &instance, "bad-utf8"), "utf-8"),
        (
            call::<Vec<u32>>(&mut store, &instance, "bad-list"),
            "out of bounds",
        ),
        (
            call::<String>(&mut store, &instance, "unaligned"),
            "aligned",
        ),
    ] {
        assert!(
            message.contains(expected),
            "{message}\nexpected: {expected}"
        );
    }
}

#[tokio::test]
async fn call_async() -> Result<()> {
    let engine = Engine::default();
    let component = echo_component(
        &engine,
        &point_defs(),
        "$point",
        &["i32", "i64", "i32", "i32"],
    );
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.root().func_wrap("echo", |_, (p,): (Point,)| {
        Ok((Point {
            label: p.label.to_uppercase(),
            ..p
        },))
    })?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component)?;
    let run = instance.get_typed_func::<(Point,), (Point,)>(&mut store, "run")?;
    let p = Point {
        x: 1,
        y: 2,
        label: "async".into(),
    };
    let (out,) = run.call_async(&mut store, (p.clone(),)).await?;
    assert_eq!(
        out,
        Point {
            label: "ASYNC".into(),
            ..p
        }
    );
    Ok(())
}
