//! `Linker`: definitions, instances, shadowing and import errors.

use wasmtime::*;

#[test]
fn link_instances_by_name() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let provider = Module::new(
        &engine,
        r#"(module (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
            (global (export "g") (mut i32) (i32.const 5))
            (memory (export "mem") 1))"#,
    )?;
    linker.module(&mut store, "provider", &provider)?;
    let user = Module::new(
        &engine,
        r#"(module (import "provider" "double" (func $d (param i32) (result i32)))
            (import "provider" "g" (global $g (mut i32)))
            (import "provider" "mem" (memory 1))
            (func (export "run") (result i32)
                (global.set $g (call $d (global.get $g)))
                (i32.store (i32.const 0) (global.get $g))
                (i32.load (i32.const 0))))"#,
    )?;
    let instance = linker.instantiate(&mut store, &user)?;
    let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, ())?, 10);
    assert_eq!(run.call(&mut store, ())?, 20);
    let g = linker
        .get(&mut store, "provider", "g")
        .unwrap()
        .into_global()
        .unwrap();
    assert_eq!(g.get(&mut store).unwrap_i32(), 20);
    let mem = linker
        .get(&mut store, "provider", "mem")
        .unwrap()
        .into_memory()
        .unwrap();
    assert_eq!(&mem.data(&store)[..4], &20i32.to_le_bytes());
    assert!(linker.get(&mut store, "provider", "nope").is_none());
    Ok(())
}

#[test]
fn shadowing_is_an_error_unless_allowed() -> Result<()> {
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("m", "f", || 1i32)?;
    assert!(linker.func_wrap("m", "f", || 2i32).is_err());
    linker.allow_shadowing(true);
    linker.func_wrap("m", "f", || 3i32)?;
    let module = Module::new(
        &engine,
        r#"(module (import "m" "f" (func $f (result i32))) (func (export "run") (result i32) call $f))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "run")?
            .call(&mut store, ())?,
        3
    );
    Ok(())
}

#[test]
fn import_errors_name_the_import_and_both_types() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "f" (func (param i32))) (import "env" "m" (memory 2)))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let err = linker
        .instantiate(&mut store, &module)
        .unwrap_err()
        .to_string();
    assert!(err.contains("env::f"), "{err}");

    linker.func_wrap("env", "f", |_: i64| {})?;
    let big = Memory::new(&mut store, MemoryType::new(2, None))?;
    linker.define(&store, "env", "m", big)?;
    let err = linker
        .instantiate(&mut store, &module)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("env::f") && err.contains("i32") && err.contains("i64"),
        "{err}"
    );

    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "f", |_: i32| {})?;
    let small = Memory::new(&mut store, MemoryType::new(1, None))?;
    linker.define(&store, "env", "m", small)?;
    let err = linker
        .instantiate(&mut store, &module)
        .unwrap_err()
        .to_string();
    assert!(err.contains("env::m") && err.contains("memory"), "{err}");

    // Wrong number of imports through `Instance::new`.
    assert!(Instance::new(&mut store, &module, &[]).is_err());
    Ok(())
}

#[test]
fn objects_from_another_store_are_rejected() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (import "" "f" (func)))"#)?;
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let f = Func::wrap(&mut a, || {});
    assert!(Instance::new(&mut b, &module, &[f.into()]).is_err());
    Instance::new(&mut a, &module, &[f.into()])?;
    Ok(())
}

const UNKNOWN_IMPORTS: &str = r#"
(module
  (import "host" "known" (func $known (result i32)))
  (import "host" "f" (func $f (param i32) (result i32 i64 f32 funcref)))
  (import "host" "g" (global $g i64))
  (import "host" "mem" (memory 2))
  (import "host" "tab" (table 3 externref))
  (func (export "known") (result i32) (call $known))
  (func (export "call_f") (result i32)
    (call $f (i32.const 7))
    (drop) (drop) (drop))
  (func (export "g") (result i64) (global.get $g))
  (func (export "mem_size") (result i32) (memory.size))
  (func (export "tab_size") (result i32) (table.size)))
"#;

#[test]
fn unknown_imports_as_traps_define_only_missing_functions() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, UNKNOWN_IMPORTS)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "known", || 5)?;
    linker.define_unknown_imports_as_traps(&module)?;
    // The known function is kept; the global, memory and table are still
    // missing, so instantiation names one of them.
    assert!(linker.get(&mut store, "host", "f").is_some());
    assert!(linker.get(&mut store, "host", "g").is_none());
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(format!("{err:#}").contains("host::"), "{err:#}");
    linker.define_unknown_imports_as_default_values(&mut store, &module)?;
    let instance = linker.instantiate(&mut store, &module)?;
    let known = instance.get_typed_func::<(), i32>(&mut store, "known")?;
    assert_eq!(known.call(&mut store, ())?, 5);
    let call_f = instance.get_typed_func::<(), i32>(&mut store, "call_f")?;
    let err = call_f.call(&mut store, ()).unwrap_err();
    assert!(format!("{err:#}").contains("unknown import"), "{err:#}");
    Ok(())
}

#[test]
fn unknown_imports_as_default_values() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, UNKNOWN_IMPORTS)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "known", || 5)?;
    linker.define_unknown_imports_as_default_values(&mut store, &module)?;
    let instance = linker.instantiate(&mut store, &module)?;
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "known")?
            .call(&mut store, ())?,
        5
    );
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "call_f")?
            .call(&mut store, ())?,
        0
    );
    assert_eq!(
        instance
            .get_typed_func::<(), i64>(&mut store, "g")?
            .call(&mut store, ())?,
        0
    );
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "mem_size")?
            .call(&mut store, ())?,
        2
    );
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "tab_size")?
            .call(&mut store, ())?,
        3
    );

    // A non-nullable reference result has no default value.
    let module = Module::new(
        &engine,
        r#"(module (type $t (func)) (import "m" "f" (func (result (ref $t)))))"#,
    )?;
    let err = linker
        .define_unknown_imports_as_default_values(&mut store, &module)
        .unwrap_err();
    assert!(format!("{err:#}").contains("no default value"), "{err:#}");
    Ok(())
}

/// `get_default` finds `""`, then `_start`, else a no-op; `alias`,
/// `alias_module` and `get_by_import` resolve like the original names.
#[test]
fn default_exports_and_aliases() -> Result<()> {
    let mut store = Store::<Vec<&'static str>>::default();
    let engine = store.engine().clone();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "start", |mut c: Caller<'_, Vec<&'static str>>| {
        c.data_mut().push("start")
    })?;
    linker.func_wrap("host", "empty", |mut c: Caller<'_, Vec<&'static str>>| {
        c.data_mut().push("empty")
    })?;
    linker.alias("host", "start", "cmd", "_start")?;
    linker
        .get_default(&mut store, "cmd")?
        .call(&mut store, &[], &mut [])?;
    assert_eq!(store.data(), &["start"]);
    // `""` wins over `_start`.
    linker.alias("host", "empty", "cmd", "")?;
    linker
        .get_default(&mut store, "cmd")?
        .call(&mut store, &[], &mut [])?;
    assert_eq!(store.data(), &["start", "empty"]);
    // Nothing defined: a function that does nothing.
    let noop = linker.get_default(&mut store, "nothing")?;
    assert!(noop.ty(&store).params().len() == 0 && noop.ty(&store).results().len() == 0);
    noop.call(&mut store, &[], &mut [])?;
    assert_eq!(store.data().len(), 2);
    // A default export that is not a function is an error.
    let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    linker.define(&store, "mem", "", memory)?;
    let err = linker.get_default(&mut store, "mem").unwrap_err();
    assert!(err.to_string().contains("not a function"), "{err}");
    // Aliases of a whole module, and lookups by import.
    linker.alias_module("host", "env")?;
    let module = Module::new(&engine, r#"(module (import "env" "start" (func)))"#)?;
    let import = module.imports().next().unwrap();
    assert!(linker.get_by_import(&mut store, &import).is_some());
    linker.instantiate(&mut store, &module)?;
    assert!(linker.alias("host", "missing", "x", "y").is_err());
    // Aliasing onto an existing name is refused unless shadowing is on.
    assert!(linker.alias("host", "start", "env", "empty").is_err());
    Ok(())
}
