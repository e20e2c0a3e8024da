//! Constructs of real toolchains' components, hand-written small: nested
//! components and their instantiation (wit-component wraps every exported
//! interface in one), outer aliases, resources crossing nested components,
//! and the shim/fixup table pattern of lowered imports.

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

/// wit-component's export shim: the outer component lifts a core function
/// and passes it to a nested component, which exports it (with a type
/// ascription) and whose instance the outer component exports.
#[test]
fn nested_component_reexports_a_lifted_function() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (core module $m
               (func (export "f") (param i32) (result i32)
                 (i32.add (local.get 0) (i32.const 1))))
             (core instance $i (instantiate $m))
             (type $ft (func (param "x" u32) (result u32)))
             (func $f (type $ft) (canon lift (core func $i "f")))
             (component $shim
               (type $ft (func (param "x" u32) (result u32)))
               (import "import-func-f" (func $f (type $ft)))
               (export "f" (func $f) (func (type $ft))))
             (instance $shim (instantiate $shim (with "import-func-f" (func $f))))
             (export "test:demo/api" (instance $shim)))"#,
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let (item, api) = instance
        .get_export(&mut store, None, "test:demo/api")
        .unwrap();
    assert!(matches!(item, ComponentItem::ComponentInstance(_)));
    let f = instance
        .get_export_index(&mut store, Some(&api), "f")
        .unwrap();
    let f = instance.get_func(&mut store, &f).unwrap();
    let mut out = [Val::Bool(false)];
    f.call(&mut store, &[Val::U32(41)], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(42));
}

/// Each instantiation of a nested component has its own core instances.
#[test]
fn nested_component_instantiated_twice_has_separate_state() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (component $counter
               (core module $m
                 (global $n (mut i32) (i32.const 0))
                 (func (export "next") (result i32)
                   (global.set $n (i32.add (global.get $n) (i32.const 1)))
                   (global.get $n)))
               (core instance $i (instantiate $m))
               (func (export "next") (result u32) (canon lift (core func $i "next"))))
             (instance $a (instantiate $counter))
             (instance $b (instantiate $counter))
             (export "a" (func $a "next"))
             (export "b" (func $b "next")))"#,
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let a = instance.get_func(&mut store, "a").unwrap();
    let b = instance.get_func(&mut store, "b").unwrap();
    let mut out = [Val::Bool(false)];
    let mut next = |f: &wasmtime::component::Func| {
        f.call(&mut store, &[], &mut out).unwrap();
        out[0].clone()
    };
    assert_eq!(next(&a), Val::U32(1));
    assert_eq!(next(&a), Val::U32(2));
    assert_eq!(next(&b), Val::U32(1));
}

/// A nested component that aliases an outer core module, imports an
/// instance (bound to the root's import), and lowers its function with
/// `memory`/`realloc` of its own core instance.
#[test]
fn nested_component_lowers_an_imported_instance_via_outer_module() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component $root
             (type $greet (func (param "n" string) (result string)))
             (import "host" (instance $host (export "greet" (func (type $greet)))))
             (core module $libc
               (memory (export "memory") 1)
               (global $bump (mut i32) (i32.const 1024))
               (func (export "realloc") (param i32 i32 i32 i32) (result i32)
                 (local $p i32)
                 (local.set $p (global.get $bump))
                 (global.set $bump (i32.add (global.get $bump) (local.get 3)))
                 (local.get $p)))
             (component $inner
               (type $greet (func (param "n" string) (result string)))
               (import "h" (instance $h (export "greet" (func (type $greet)))))
               (alias outer $root $libc (core module $libc))
               (core instance $libc (instantiate $libc))
               (alias core export $libc "memory" (core memory $mem))
               (alias core export $libc "realloc" (core func $realloc))
               (core func $greet (canon lower (func $h "greet") (memory $mem) (realloc $realloc)))
               (core module $m
                 (import "h" "greet" (func $g (param i32 i32 i32)))
                 (func (export "run") (param i32 i32) (result i32)
                   (call $g (local.get 0) (local.get 1) (i32.const 16))
                   (i32.const 16)))
               (core instance $hi (export "greet" (func $greet)))
               (core instance $mi (instantiate $m (with "h" (instance $hi))))
               (func (export "run") (type $greet)
                 (canon lift (core func $mi "run") (memory $mem) (realloc $realloc))))
             (instance $i (instantiate $inner (with "h" (instance $host))))
             (export "run" (func $i "run")))"#,
    )
    .unwrap();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .instance("host")
        .unwrap()
        .func_new("greet", |_store, _ty, params, results| {
            let Val::String(n) = &params[0] else {
                unreachable!()
            };
            results[0] = Val::String(format!("hello {n}"));
            Ok(())
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::Bool(false)];
    run.call(&mut store, &[Val::String("nest".into())], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::String("hello nest".into()));
}

/// A resource defined by a nested component, aliased out of its instance
/// and exported by the root, is one type: the exported function's result
/// has it.
#[test]
fn resource_defined_in_nested_component_is_exported() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (component $inner
               (type $thing' (resource (rep i32)))
               (export $thing "thing" (type $thing'))
               (core func $new (canon resource.new $thing'))
               (core module $m
                 (import "" "new" (func $new (param i32) (result i32)))
                 (func (export "make") (param i32) (result i32)
                   (call $new (i32.mul (local.get 0) (i32.const 10))))
                 ;; A borrow of a resource the component defines arrives as
                 ;; its representation.
                 (func (export "get") (param i32) (result i32) (local.get 0)))
               (core instance $mi (instantiate $m
                 (with "" (instance (export "new" (func $new))))))
               (func (export "make") (param "v" u32) (result (own $thing))
                 (canon lift (core func $mi "make")))
               (func (export "get") (param "t" (borrow $thing)) (result u32)
                 (canon lift (core func $mi "get"))))
             (instance $i (instantiate $inner))
             (alias export $i "thing" (type $thing))
             (export $thing-e "thing" (type $thing))
             (export "make" (func $i "make") (func (param "v" u32) (result (own $thing-e))))
             (export "get" (func $i "get") (func (param "t" (borrow $thing-e)) (result u32))))"#,
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let thing = instance.get_resource(&mut store, "thing").unwrap();
    let make = instance.get_func(&mut store, "make").unwrap();
    let get = instance.get_func(&mut store, "get").unwrap();
    let mut out = [Val::Bool(false)];
    make.call(&mut store, &[Val::U32(4)], &mut out).unwrap();
    let Val::Resource(handle) = out[0].clone() else {
        panic!("not a resource: {:?}", out[0])
    };
    assert_eq!(handle.ty(), thing);
    assert!(handle.owned());
    get.call(&mut store, &[Val::Resource(handle)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::U32(40));
}

/// wit-component's shim/fixup pattern: imports are called through a table
/// the shim module exports; a fixup module fills it with the lowered
/// functions (passed in a core instance built from exports, table
/// included) after the main module is instantiated.
#[test]
fn lowered_import_through_shim_table() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (import "double" (func $double (param "x" u32) (result u32)))
             (core module $shim
               (type $t (func (param i32) (result i32)))
               (table (export "$imports") 1 1 funcref)
               (func (export "0") (type $t)
                 (call_indirect (type $t) (local.get 0) (i32.const 0))))
             (core module $fixup
               (type $t (func (param i32) (result i32)))
               (import "" "0" (func $f (type $t)))
               (import "" "$imports" (table 1 1 funcref))
               (elem (i32.const 0) func $f))
             (core module $main
               (import "host" "double" (func $d (param i32) (result i32)))
               (func (export "run") (param i32) (result i32)
                 (i32.add (call $d (local.get 0)) (i32.const 1))))
             (core instance $shim (instantiate $shim))
             (core instance $main (instantiate $main
               (with "host" (instance (export "double" (func $shim "0"))))))
             (core func $lowered (canon lower (func $double)))
             (alias core export $shim "$imports" (core table $tbl))
             (core instance (instantiate $fixup
               (with "" (instance (export "0" (func $lowered)) (export "$imports" (table $tbl))))))
             (func (export "run") (param "x" u32) (result u32)
               (canon lift (core func $main "run"))))"#,
    )
    .unwrap();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("double", |_store, (x,): (u32,)| Ok((x * 2,)))
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::Bool(false)];
    run.call(&mut store, &[Val::U32(20)], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(41));
}

/// Nested components that are never instantiated are fine; unsupported
/// constructs stay errors naming themselves.
#[test]
fn nested_component_definitions_and_unsupported_constructs() {
    let engine = Engine::default();
    Component::new(&engine, "(component (component (core module)))").unwrap();
    let err = Component::new(
        &engine,
        r#"(component (component $c) (export "c" (component $c)))"#,
    )
    .unwrap_err();
    assert!(format!("{err:?}").contains("not supported yet"), "{err:?}");
}

/// Two nested components wired together: one lowers a function the other
/// lifts (a fused adapter in Wasmtime), passing a string from one linear
/// memory to the other.
#[test]
fn lowering_a_function_lifted_by_a_sibling_component() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        format!(
            r#"(component
             (component $callee
               {LIBC}
               (core module $m
                 (import "libc" "memory" (memory 1))
                 ;; The length of the string, plus 100.
                 (func (export "len") (param i32 i32) (result i32)
                   (i32.add (local.get 1) (i32.const 100))))
               (core instance $mi (instantiate $m (with "libc" (instance $libc))))
               (func (export "len") (param "s" string) (result u32)
                 (canon lift (core func $mi "len")
                   (memory (core memory $libc "memory")) (realloc (core func $libc "realloc")))))
             (component $caller
               (import "len" (func $len (param "s" string) (result u32)))
               {LIBC}
               (core func $len (canon lower (func $len) (memory (core memory $libc "memory"))))
               (core module $m
                 (import "" "len" (func $len (param i32 i32) (result i32)))
                 (import "libc" "memory" (memory 1))
                 (data (i32.const 8) "hello")
                 (func (export "run") (result i32)
                   (call $len (i32.const 8) (i32.const 5))))
               (core instance $mi (instantiate $m
                 (with "" (instance (export "len" (func $len))))
                 (with "libc" (instance $libc))))
               (func (export "run") (result u32) (canon lift (core func $mi "run"))))
             (instance $a (instantiate $callee))
             (instance $b (instantiate $caller (with "len" (func $a "len"))))
             (export "run" (func $b "run")))"#,
            LIBC = super::LIBC
        ),
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::Bool(false)];
    run.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(105));
}
