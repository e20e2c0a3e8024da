//! Components: translation, instantiation with host imports, and calls
//! that lift and lower every kind of value through the canonical ABI.

mod abi_values;
mod artifacts;
mod async_guest;
mod async_host;
mod async_lift;
mod async_misuse;
mod async_stream_composition;
mod async_streams;
mod bindgen;
mod bindgen_async;
mod bindgen_streams;
mod component_type;
mod exports;
mod maps;
mod modules;
mod nested;
mod real;
mod resource_ownership;
mod resources;
mod typed;
mod wast_scripts;

use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

/// A core module with one memory and a bump `realloc` (from 1024 on).
pub(crate) const LIBC: &str = r#"
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p
        (i32.and
          (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
"#;

#[test]
fn exports_of_primitive_functions() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (core module $m
               (func (export "add") (param i32 i32) (result i32)
                 (i32.add (local.get 0) (local.get 1)))
               (func (export "neg") (param f64) (result f64) (f64.neg (local.get 0))))
             (core instance $i (instantiate $m))
             (func (export "add") (param "a" u32) (param "b" u32) (result u32)
               (canon lift (core func $i "add")))
             (func (export "neg") (param "x" f64) (result f64)
               (canon lift (core func $i "neg"))))"#,
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let add = instance.get_func(&mut store, "add").unwrap();
    let mut out = [Val::Bool(false)];
    add.call(&mut store, &[Val::U32(40), Val::U32(2)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::U32(42));
    let neg = instance.get_func(&mut store, "neg").unwrap();
    neg.call(&mut store, &[Val::Float64(1.5)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::Float64(-1.5));
    // Wrong arguments are errors, not crashes.
    assert!(add.call(&mut store, &[Val::U32(1)], &mut out).is_err());
    assert!(add
        .call(&mut store, &[Val::S32(1), Val::U32(2)], &mut out)
        .is_err());
    assert!(add
        .call(&mut store, &[Val::U32(1), Val::U32(2)], &mut [])
        .is_err());
    assert!(instance.get_func(&mut store, "missing").is_none());
}

#[test]
fn strings_cross_with_realloc_and_post_return() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        format!(
            r#"(component
             {LIBC}
             (core module $m
               (import "libc" "memory" (memory 1))
               (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
               (global $posts (export "posts") (mut i32) (i32.const 0))
               (data (i32.const 0) "hello, ")
               (func (export "greet") (param $ptr i32) (param $len i32) (result i32)
                 (local $out i32)
                 (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                   (i32.add (local.get $len) (i32.const 7))))
                 (memory.copy (local.get $out) (i32.const 0) (i32.const 7))
                 (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
                 (i32.store (i32.const 512) (local.get $out))
                 (i32.store (i32.const 516) (i32.add (local.get $len) (i32.const 7)))
                 (i32.const 512))
               (func (export "post") (param i32)
                 (global.set $posts (i32.add (global.get $posts) (i32.const 1))))
               (func (export "bad") (result i32)
                 (i32.store (i32.const 512) (i32.const 0))
                 (i32.store (i32.const 516) (i32.const 100000))
                 (i32.const 512)))
             (core instance $i (instantiate $m (with "libc" (instance $libc))))
             (func (export "greet") (param "name" string) (result string)
               (canon lift (core func $i "greet") (memory (core memory $libc "memory"))
                 (realloc (core func $libc "realloc")) (post-return (core func $i "post"))))
             (func (export "bad") (result string)
               (canon lift (core func $i "bad") (memory (core memory $libc "memory")))))"#
        ),
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let greet = instance.get_func(&mut store, "greet").unwrap();
    let mut out = [Val::Bool(false)];
    greet
        .call(&mut store, &[Val::String("wasm ✓".into())], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::String("hello, wasm ✓".into()));
    greet
        .call(&mut store, &[Val::String(String::new())], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::String("hello, ".into()));
    // A string pointing outside memory is an error.
    let bad = instance.get_func(&mut store, "bad").unwrap();
    let err = bad.call(&mut store, &[], &mut out).unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");
}

#[test]
fn host_imports_are_lowered() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
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
                 (call $mul (call $double (i32.add (local.get 0) (i32.const 1))) (i32.const -1))))
             (core instance $h (export "double" (func $d)) (export "mul" (func $m)))
             (core instance $i (instantiate $m (with "host" (instance $h))))
             (func (export "run") (param "x" u32) (result s32) (canon lift (core func $i "run"))))"#,
    )
    .unwrap();
    let mut linker: Linker<u32> = Linker::new(&engine);
    // Missing imports are reported at instantiation.
    let mut store = Store::new(&engine, 0);
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    assert!(err.to_string().contains("double"), "{err}");
    linker
        .root()
        .func_new("double", |mut store, _ty, params, results| {
            *store.data_mut() += 1;
            let Val::U32(x) = params[0] else {
                unreachable!()
            };
            results[0] = Val::U32(x * 2);
            Ok(())
        })
        .unwrap();
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    assert!(err.to_string().contains("test:demo/math"), "{err}");
    linker
        .instance("test:demo/math")
        .unwrap()
        .func_new("mul", |_store, _ty, params, results| {
            let (Val::S32(a), Val::S32(b)) = (&params[0], &params[1]) else {
                unreachable!()
            };
            results[0] = Val::S32(a * b);
            Ok(())
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::Bool(false)];
    run.call(&mut store, &[Val::U32(20)], &mut out).unwrap();
    assert_eq!(out[0], Val::S32(-42));
    assert_eq!(*store.data(), 1);

    // A host function returning the wrong type is an error for the guest.
    let mut linker: Linker<u32> = Linker::new(&engine);
    linker
        .root()
        .func_new("double", |_, _, _, results| {
            results[0] = Val::String("not a u32".into());
            Ok(())
        })
        .unwrap();
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let err = run.call(&mut store, &[Val::U32(1)], &mut out).unwrap_err();
    assert!(format!("{err:?}").contains("type mismatch"), "{err:?}");
}

#[test]
fn exported_instances_are_found_by_index() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (core module $m (func (export "f") (result i32) (i32.const 7)))
             (core instance $i (instantiate $m))
             (func $f (result u8) (canon lift (core func $i "f")))
             (instance $api (export "seven" (func $f)))
             (export "test:demo/api" (instance $api)))"#,
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let api = instance
        .get_export_index(&mut store, None, "test:demo/api")
        .unwrap();
    let seven = instance
        .get_export_index(&mut store, Some(&api), "seven")
        .unwrap();
    let f = instance.get_func(&mut store, &seven).unwrap();
    let mut out = [Val::Bool(false)];
    f.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::U8(7));
    assert!(instance.get_func(&mut store, "test:demo/api").is_none());
}

#[test]
fn malformed_and_unsupported_components_are_errors() {
    let engine = Engine::default();
    assert!(Component::new(&engine, b"\0asm\x0d\0\x01\0garbage").is_err());
    let err = Component::new(&engine, "(module)").unwrap_err();
    assert!(err.to_string().contains("core module"), "{err}");
    let err = Component::new(
        &engine,
        r#"(component (component $c) (export "c" (component $c)))"#,
    )
    .unwrap_err();
    assert!(format!("{err:?}").contains("not supported yet"), "{err:?}");
    // A type error inside an embedded module.
    let err = Component::new(
        &engine,
        "(component (core module (func (result i32) (i64.const 0))))",
    )
    .unwrap_err();
    assert!(format!("{err:?}").contains("type mismatch"), "{err:?}");
}

#[test]
fn function_types_describe_parameters_and_results() {
    use wasmtime::component::types::Type;
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        format!(
            r#"(component
             (type $r' (record (field "a" u8) (field "b" (list string))))
             (export $r "r" (type $r'))
             {LIBC}
             (core module $m
               (func (export "f") (param i32 i32 i32 i32 i64) (result i32) (i32.const 0)))
             (core instance $i (instantiate $m))
             (func (export "f") (param "x" $r) (param "y" (option u64))
               (result (result s8 (error string)))
               (canon lift (core func $i "f") (memory (core memory $libc "memory"))
                 (realloc (core func $libc "realloc")))))"#
        ),
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let ty = instance.get_func(&mut store, "f").unwrap().ty(&store);
    let params: Vec<_> = ty.params().collect();
    assert_eq!(params.len(), 2);
    assert_eq!(params[0].0, "x");
    let Type::Record(r) = &params[0].1 else {
        panic!("{:?}", params[0].1)
    };
    let fields: Vec<_> = r.fields().map(|f| (f.name.to_string(), f.ty)).collect();
    assert_eq!(fields[0], ("a".to_string(), Type::U8));
    let Type::List(l) = &fields[1].1 else {
        panic!()
    };
    assert_eq!(l.ty(), Type::String);
    let Type::Option(o) = &params[1].1 else {
        panic!()
    };
    assert_eq!(o.ty(), Type::U64);
    let results: Vec<_> = ty.results().collect();
    let Type::Result(r) = &results[0] else {
        panic!()
    };
    assert_eq!((r.ok(), r.err()), (Some(Type::S8), Some(Type::String)));
}

#[test]
fn reentering_an_instance_traps() {
    use std::sync::{Arc, Mutex};
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (import "callback" (func $cb))
             (core func $cb (canon lower (func $cb)))
             (core module $m
               (import "host" "cb" (func $cb))
               (func (export "outer") (call $cb))
               (func (export "inner")))
             (core instance $i (instantiate $m (with "host" (instance (export "cb" (func $cb))))))
             (func (export "outer") (canon lift (core func $i "outer")))
             (func (export "inner") (canon lift (core func $i "inner"))))"#,
    )
    .unwrap();
    let inner: Arc<Mutex<Option<wasmtime::component::Func>>> = Arc::default();
    let slot = inner.clone();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_new("callback", move |mut store, _, _, _| {
            let f = slot.lock().unwrap().unwrap();
            f.call(&mut store, &[], &mut [])
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func(&mut store, "inner").unwrap();
    *inner.lock().unwrap() = Some(f);
    // Calling `inner` directly is fine; from inside `outer` it re-enters.
    f.call(&mut store, &[], &mut []).unwrap();
    let outer = instance.get_func(&mut store, "outer").unwrap();
    let err = outer.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(
        err.downcast_ref::<wasmtime::Trap>(),
        Some(&wasmtime::Trap::CannotEnterComponent),
        "{err:?}"
    );
    // The instance can be entered again afterwards.
    f.call(&mut store, &[], &mut []).unwrap();
}

#[test]
fn components_need_the_component_model_enabled() {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(false);
    let engine = Engine::new(&config).unwrap();
    let err = Component::new(&engine, "(component)").unwrap_err();
    assert!(
        err.to_string().contains("component model is disabled"),
        "{err}"
    );
    // On by default.
    Component::new(&Engine::default(), "(component)").unwrap();
}
