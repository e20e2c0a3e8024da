//! Core modules as component items: `LinkerInstance::module` for module
//! imports (at the root and inside instances), the declared module type
//! checked against the linker's module, instantiating imported modules
//! inside the component, and module exports (`Instance::get_module`,
//! `get_export`, `types::ComponentItem::Module`).

use wasmtime::component::types::ComponentItem as TypeItem;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Module, Store};

/// A component importing a module that exports a global and imports a
/// function the component provides; `get` returns the global.
const IMPORTER: &str = r#"(component
  (import "m" (core module $m
    (import "host" "f" (func (result i32)))
    (export "g" (global (mut i32)))))
  (core module $host (func (export "f") (result i32) i32.const 5))
  (core instance $host (instantiate $host))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (core module $get
    (import "" "g" (global $g (mut i32)))
    (func (export "get") (result i32) global.get $g))
  (core instance $get (instantiate $get (with "" (instance (export "g" (global $i "g"))))))
  (func (export "get") (result u32) (canon lift (core func $get "get")))
)"#;

/// The module the host gives: its start function stores `f() + 37`.
const PROVIDED: &str = r#"(module
  (import "host" "f" (func $f (result i32)))
  (global (export "g") (mut i32) (i32.const 0))
  (func $start (global.set 0 (i32.add (call $f) (i32.const 37))))
  (start $start))"#;

fn get(engine: &Engine, linker: &Linker<()>, component: &Component) -> anyhow::Result<u32> {
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, component)?;
    let f = instance.get_typed_func::<(), (u32,)>(&mut store, "get")?;
    Ok(f.call(&mut store, ())?.0)
}

#[test]
fn imported_module_is_instantiated_inside_the_component() {
    let engine = Engine::default();
    let component = Component::new(&engine, IMPORTER).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .root()
        .module("m", &Module::new(&engine, PROVIDED).unwrap())
        .unwrap();
    assert_eq!(get(&engine, &linker, &component).unwrap(), 42);

    // The import's type is the declared module type.
    let ty = component.component_type();
    let TypeItem::Module(m) = ty.get_import(&engine, "m").unwrap().ty else {
        panic!("not a module import");
    };
    let imports: Vec<_> = m.imports(&engine).map(|((a, b), _)| (a, b)).collect();
    assert_eq!(imports, [("host", "f")]);
    let exports: Vec<_> = m
        .exports(&engine)
        .map(|(n, t)| (n, t.global().is_some()))
        .collect();
    assert_eq!(exports, [("g", true)]);
}

#[test]
fn module_not_matching_the_declared_type_is_refused() {
    let engine = Engine::default();
    let component = Component::new(&engine, IMPORTER).unwrap();
    let cases = [
        ("(module)", "module export `g` not defined"),
        (
            r#"(module (global (export "g") i32 (i32.const 1)))"#,
            "module export `g` has the wrong type",
        ),
        (
            r#"(module (func (export "g")))"#,
            "expected global found func",
        ),
        (
            r#"(module (import "host" "h" (func)) (global (export "g") (mut i32) (i32.const 0)))"#,
            "module import `host::h` not defined",
        ),
        (
            r#"(module (import "host" "f" (func (param i32))) (global (export "g") (mut i32) (i32.const 0)))"#,
            "module import `host::f` has the wrong type",
        ),
    ];
    for (wat, expected) in cases {
        let mut linker = Linker::new(&engine);
        linker
            .root()
            .module("m", &Module::new(&engine, wat).unwrap())
            .unwrap();
        let err = get(&engine, &linker, &component).unwrap_err();
        assert!(format!("{err:?}").contains(expected), "{wat}: {err:?}");
    }
    // A missing module, or a function where a module is expected.
    let linker = Linker::new(&engine);
    let err = get(&engine, &linker, &component).unwrap_err();
    assert!(err.to_string().contains("module `m`"), "{err:?}");
    let mut linker = Linker::new(&engine);
    linker.root().func_wrap("m", |_, (): ()| Ok(())).unwrap();
    let err = get(&engine, &linker, &component).unwrap_err();
    assert!(err.to_string().contains("core module"), "{err:?}");
}

#[test]
fn modules_exported_and_reexported() {
    let engine = Engine::default();
    // The provider exports an embedded module and re-exports the module
    // of an imported instance.
    let provider = Component::new(
        &engine,
        r#"(component
             (import "src" (instance $src (export "m" (core module (export "g" (global i32))))))
             (core module $own (global (export "g") i32 (i32.const 1)))
             (export "own" (core module $own))
             (export "again" (core module $src "m")))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    let src = Module::new(
        &engine,
        r#"(module (global (export "g") i32 (i32.const 2)))"#,
    )
    .unwrap();
    linker.instance("src").unwrap().module("m", &src).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &provider).unwrap();
    let own = instance.get_module(&mut store, "own").unwrap();
    assert_eq!(own.exports().map(|e| e.name()).collect::<Vec<_>>(), ["g"]);
    let again = instance.get_module(&mut store, "again").unwrap();
    assert_eq!(again.exports().len(), 1);
    assert!(instance.get_module(&mut store, "nope").is_none());
    assert!(instance.get_func(&mut store, "own").is_none());
    let (item, _) = instance.get_export(&mut store, None, "own").unwrap();
    assert!(matches!(item, TypeItem::Module(_)));
    let (item, _) = provider.get_export(None, "again").unwrap();
    assert!(matches!(item, TypeItem::Module(_)));
    let ty = provider.component_type();
    let TypeItem::Module(m) = ty.get_export(&engine, "own").unwrap().ty else {
        panic!("not a module export");
    };
    assert_eq!(m.exports(&engine).len(), 1);
    assert_eq!(m.imports(&engine).len(), 0);

    // A second component instantiates both through an imported instance.
    let consumer = Component::new(
        &engine,
        r#"(component
             (core type $t (module (export "g" (global i32))))
             (import "p" (instance $p
               (export "own" (core module (type $t)))
               (export "again" (core module (type $t)))))
             (core instance $a (instantiate (module $p "own")))
             (core instance $b (instantiate (module $p "again")))
             (core module $sum
               (import "a" "g" (global $a i32))
               (import "b" "g" (global $b i32))
               (func (export "get") (result i32) (i32.add (global.get $a) (global.get $b))))
             (core instance $sum (instantiate $sum (with "a" (instance $a)) (with "b" (instance $b))))
             (func (export "get") (result u32) (canon lift (core func $sum "get"))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    let mut p = linker.instance("p").unwrap();
    p.module("own", &own).unwrap();
    p.module("again", &again).unwrap();
    assert_eq!(get(&engine, &linker, &consumer).unwrap(), 3);
}

/// Re-exporting a whole imported instance passes its modules on: the
/// exported instance has the module, reachable through `get_export` and
/// `get_module` with the instance's index.
#[test]
fn imported_instance_reexported() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (import "src" (instance $src (export "m" (core module (export "g" (global i32))))))
             (export "again" (instance $src)))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    let src = Module::new(
        &engine,
        r#"(module (global (export "g") i32 (i32.const 2)))"#,
    )
    .unwrap();
    linker.instance("src").unwrap().module("m", &src).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let (item, again) = instance.get_export(&mut store, None, "again").unwrap();
    assert!(matches!(item, TypeItem::ComponentInstance(_)));
    let (item, m) = instance.get_export(&mut store, Some(&again), "m").unwrap();
    assert!(matches!(item, TypeItem::Module(_)));
    let module = instance.get_module(&mut store, &m).unwrap();
    assert_eq!(
        module.exports().map(|e| e.name()).collect::<Vec<_>>(),
        ["g"]
    );
    assert!(instance
        .get_export(&mut store, Some(&again), "nope")
        .is_none());
}

/// `define_unknown_imports_as_traps` cannot make up a core module: an
/// undefined module import (at the root or in an instance) is an error
/// with Wasmtime's text, a defined one is kept.
#[test]
fn unknown_module_imports_are_not_stubbed() {
    let engine = Engine::default();
    let root = Component::new(
        &engine,
        r#"(component
             (import "f" (func))
             (import "m" (core module)))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    let err = linker.define_unknown_imports_as_traps(&root).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unable to define core module imports as traps"
    );
    let module = Module::new(&engine, "(module)").unwrap();
    linker.root().module("m", &module).unwrap();
    linker.define_unknown_imports_as_traps(&root).unwrap();
    let mut store = Store::new(&engine, ());
    linker.instantiate(&mut store, &root).unwrap();

    let nested = Component::new(
        &engine,
        r#"(component (import "i" (instance (export "m" (core module)))))"#,
    )
    .unwrap();
    let mut linker = Linker::<()>::new(&engine);
    let err = linker.define_unknown_imports_as_traps(&nested).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unable to define core module imports as traps"
    );
}

/// A module inside an instance nested in an imported instance: the
/// component instantiates it, and re-exporting the import passes the
/// nested instance on (`get_export` through two instance indices).
#[test]
fn modules_of_nested_imported_instances() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (import "src" (instance $src
               (export "inner" (instance (export "m" (core module (export "g" (global i32))))))))
             (alias export $src "inner" (instance $inner))
             (core instance $m (instantiate (module $inner "m")))
             (core module $get
               (import "" "g" (global $g i32))
               (func (export "get") (result i32) global.get $g))
             (core instance $get (instantiate $get (with "" (instance (export "g" (global $m "g"))))))
             (func (export "get") (result u32) (canon lift (core func $get "get")))
             (export "again" (instance $src)))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    let src = Module::new(
        &engine,
        r#"(module (global (export "g") i32 (i32.const 9)))"#,
    )
    .unwrap();
    let mut outer = linker.instance("src").unwrap();
    outer.instance("inner").unwrap().module("m", &src).unwrap();
    assert_eq!(get(&engine, &linker, &component).unwrap(), 9);

    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let (_, again) = instance.get_export(&mut store, None, "again").unwrap();
    let (item, inner) = instance
        .get_export(&mut store, Some(&again), "inner")
        .unwrap();
    assert!(matches!(item, TypeItem::ComponentInstance(_)));
    let (_, m) = instance.get_export(&mut store, Some(&inner), "m").unwrap();
    assert!(instance.get_module(&mut store, &m).is_some());

    // Without the nested module the import is not satisfied.
    let mut linker = Linker::<()>::new(&engine);
    linker.instance("src").unwrap().instance("inner").unwrap();
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    assert!(
        format!("{err:?}").contains("module `m` is missing"),
        "{err:?}"
    );
}
