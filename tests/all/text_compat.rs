//! Text-format compatibility with Wasmtime 48: component text in the
//! legacy index syntax (`(memory $i "m")`, `(realloc (func $f))`), which
//! Wasmtime 48's parser accepts by default, is accepted too, and the
//! process environment is left untouched.

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

#[test]
fn legacy_component_index_syntax_is_accepted() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
            (core module $m
              (memory (export "m") 1)
              (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 64)
              (func (export "len") (param i32 i32) (result i32) local.get 1))
            (core instance $i (instantiate $m))
            (func (export "len") (param "s" string) (result u32)
              (canon lift (core func $i "len") (memory $i "m") (realloc (func $i "realloc")))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &component)?;
    let len = instance.get_typed_func::<(&str,), (u32,)>(&mut store, "len")?;
    assert_eq!(len.call(&mut store, ("hello",))?, (5,));
    // The new syntax works as well.
    Component::new(
        &engine,
        r#"(component
            (core module $m (memory (export "m") 1)
              (func (export "f") (result i32) i32.const 0))
            (core instance $i (instantiate $m))
            (func (export "f") (result string)
              (canon lift (core func $i "f") (memory (core memory $i "m")))))"#,
    )?;
    assert_eq!(std::env::var_os("WAST_STRICT_COMPONENT_INDICES"), None);
    Ok(())
}
