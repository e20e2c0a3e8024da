//! `Linker::instantiate_pre` and `InstancePre`.

use wasmtime::*;

const USER: &str = r#"(module
    (import "host" "add" (func $add (param i32 i32) (result i32)))
    (global $g (mut i32) (i32.const 0))
    (func (export "run") (param i32) (result i32)
        (global.set $g (call $add (global.get $g) (local.get 0)))
        (global.get $g)))"#;

#[test]
fn instantiate_in_many_stores() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, USER)?;
    let mut linker = Linker::<u32>::new(&engine);
    linker.func_wrap(
        "host",
        "add",
        |mut caller: Caller<'_, u32>, a: i32, b: i32| {
            *caller.data_mut() += 1;
            a + b
        },
    )?;
    let pre = linker.instantiate_pre(&module)?;
    assert_eq!(
        pre.module().imports().len(),
        module.imports().len(),
        "module() is the module given"
    );
    let pre2 = pre.clone();
    for (i, pre) in [pre, pre2].iter().enumerate() {
        let mut store = Store::new(&engine, 0u32);
        let instance = pre.instantiate(&mut store)?;
        let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
        assert_eq!(run.call(&mut store, 5 + i as i32)?, 5 + i as i32);
        assert_eq!(run.call(&mut store, 7)?, 12 + i as i32);
        // Each store has its own instance state and host data.
        assert_eq!(*store.data(), 2);
        let second = pre.instantiate(&mut store)?;
        let run2 = second.get_typed_func::<i32, i32>(&mut store, "run")?;
        assert_eq!(run2.call(&mut store, 1)?, 1);
    }
    Ok(())
}

#[test]
fn errors_are_reported_before_instantiation() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, USER)?;
    let linker = Linker::<()>::new(&engine);
    let err = linker.instantiate_pre(&module).unwrap_err();
    assert!(format!("{err:#}").contains("host::add"), "{err:#}");

    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("host", "add", |a: i32| a)?;
    let err = linker.instantiate_pre(&module).unwrap_err();
    assert!(
        format!("{err:#}").contains("incompatible import type"),
        "{err:#}"
    );

    let other = Engine::default();
    let foreign = Module::new(&other, "(module)")?;
    assert!(linker.instantiate_pre(&foreign).is_err());
    Ok(())
}

#[test]
fn store_owned_imports() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    linker.define(&store, "env", "mem", memory)?;
    let module = Module::new(
        &engine,
        r#"(module (import "env" "mem" (memory 1))
            (data (i32.const 8) "hi"))"#,
    )?;
    let pre = linker.instantiate_pre(&module)?;
    pre.instantiate(&mut store)?;
    assert_eq!(&memory.data(&store)[8..10], b"hi");
    // The memory belongs to `store`: another store cannot use it.
    let mut other = Store::new(&engine, ());
    assert!(pre.instantiate(&mut other).is_err());
    Ok(())
}
