//! Host-created tables and globals, and their use from wasm.

use wasmtime::*;

#[test]
fn tables_from_the_host() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let table = Table::new(
        &mut store,
        TableType::new(RefType::FUNCREF, 2, Some(10)),
        Ref::Func(None),
    )?;
    let seven = Func::wrap(&mut store, || 7i32);
    table.set(&mut store, 1, seven.into())?;
    assert!(table.set(&mut store, 2, Ref::Func(None)).is_err());
    assert!(table.get(&mut store, 0).unwrap().is_null());
    let module = Module::new(
        &engine,
        r#"(module (import "" "t" (table 2 funcref)) (type $r (func (result i32)))
            (func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $r))
            (func (export "grow") (result i32) ref.null func i32.const 3 table.grow 0))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[table.into()])?;
    let call = instance.get_typed_func::<i32, i32>(&mut store, "call")?;
    let grow = instance.get_typed_func::<(), i32>(&mut store, "grow")?;
    assert_eq!(call.call(&mut store, 1)?, 7);
    let err = call.call(&mut store, 0).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::IndirectCallToNull));
    assert_eq!(grow.call(&mut store, ())?, 2);
    assert_eq!(table.size(&store), 5);
    assert_eq!(table.grow(&mut store, 5, Ref::Func(None))?, 5);
    assert!(table.grow(&mut store, 1, Ref::Func(None)).is_err());
    assert_eq!(grow.call(&mut store, ())?, -1);
    let ext = Table::new(
        &mut store,
        TableType::new(RefType::EXTERNREF, 1, None),
        Ref::Extern(None),
    )?;
    assert!(
        ext.set(&mut store, 0, seven.into()).is_err(),
        "element type is checked"
    );
    Ok(())
}

#[test]
fn globals_from_the_host() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I64, Mutability::Var),
        Val::I64(5),
    )?;
    let c = Global::new(
        &mut store,
        GlobalType::new(ValType::F32, Mutability::Const),
        1.5f32.into(),
    )?;
    assert!(Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I64(1)
    )
    .is_err());
    assert!(c.set(&mut store, 2.0f32.into()).is_err());
    assert!(g.set(&mut store, Val::I32(1)).is_err());
    let module = Module::new(
        &engine,
        r#"(module (import "" "g" (global $g (mut i64))) (import "" "c" (global $c f32))
            (func (export "bump") (result i64)
                (global.set $g (i64.add (global.get $g) (i64.trunc_f32_s (global.get $c))))
                global.get $g))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[g.into(), c.into()])?;
    let bump = instance.get_typed_func::<(), i64>(&mut store, "bump")?;
    assert_eq!(bump.call(&mut store, ())?, 6);
    g.set(&mut store, Val::I64(100))?;
    assert_eq!(bump.call(&mut store, ())?, 101);
    assert_eq!(g.get(&mut store).unwrap_i64(), 101);
    assert_eq!(c.ty(&store).content(), &ValType::F32);
    Ok(())
}
