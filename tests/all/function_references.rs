//! Typed function references: `call_ref`, `return_call_ref`,
//! `ref.as_non_null`, `br_on_null`, `br_on_non_null`, `(ref $t)` in the API.

use wasmtime::*;

const MODULE: &str = r#"(module
    (type $t (func (param i32) (result i32)))
    (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
    (elem declare func $inc)
    (global $g (export "g") (ref null $t) (ref.func $inc))
    (table $tab (export "tab") 2 (ref null $t))
    (func (export "get_inc") (result (ref $t)) (ref.func $inc))
    (func (export "call") (param (ref null $t) i32) (result i32)
        (call_ref $t (local.get 1) (local.get 0)))
    (func (export "non_null") (param (ref null $t)) (result (ref $t))
        (ref.as_non_null (local.get 0)))
    (func (export "on_null") (param (ref null $t)) (result i32)
        (block $null
            (br_on_null $null (local.get 0))
            (drop)
            (return (i32.const 1)))
        (i32.const 0))
    (func (export "on_non_null") (param (ref null $t)) (result i32)
        (local $f (ref $t))
        (block $nn (result (ref $t))
            (br_on_non_null $nn (local.get 0))
            (return (i32.const -1)))
        (local.set $f)
        (call_ref $t (i32.const 41) (local.get $f)))
    (func $count (export "count") (param i64 i64) (result i64)
        (local $self (ref $t2))
        (local.set $self (ref.func $count))
        (if (result i64) (i64.eqz (local.get 0))
            (then (local.get 1))
            (else (return_call_ref $t2
                (i64.sub (local.get 0) (i64.const 1))
                (i64.add (local.get 1) (i64.const 1))
                (local.get $self)))))
    (type $t2 (func (param i64 i64) (result i64)))
    (elem declare func $count))"#;

fn trap<T: std::fmt::Debug>(r: Result<T>) -> Trap {
    *r.unwrap_err().downcast_ref::<Trap>().expect("a trap")
}

#[test]
fn typed_references_through_wasm_and_the_api() -> Result<()> {
    let mut config = Config::new();
    config.max_wasm_stack(64 * 1024);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, MODULE)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;

    let get_inc = instance.get_func(&mut store, "get_inc").unwrap();
    let ty = get_inc.ty(&store);
    let result = ty.result(0).unwrap();
    let r = result.as_ref().unwrap();
    assert!(!r.is_nullable());
    let concrete = r.heap_type().as_concrete_func().expect("a concrete type");
    assert_eq!(concrete.params().collect::<Vec<_>>(), [ValType::I32]);
    assert_eq!(concrete.results().collect::<Vec<_>>(), [ValType::I32]);
    assert!(r.matches(&RefType::FUNCREF));
    assert!(!RefType::FUNCREF.matches(r));

    let mut out = [Val::null_func_ref()];
    get_inc.call(&mut store, &[], &mut out)?;
    let inc = out[0].unwrap_func().copied().unwrap();

    let call = instance.get_func(&mut store, "call").unwrap();
    let mut res = [Val::I32(0)];
    call.call(
        &mut store,
        &[Val::FuncRef(Some(inc)), Val::I32(9)],
        &mut res,
    )?;
    assert_eq!(res[0].unwrap_i32(), 10);
    let err = call
        .call(&mut store, &[Val::FuncRef(None), Val::I32(9)], &mut res)
        .unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::NullReference));
    // A function of another type does not match `(ref null $t)`.
    let other = Func::wrap(&mut store, || {});
    assert!(call
        .call(
            &mut store,
            &[Val::FuncRef(Some(other)), Val::I32(9)],
            &mut res
        )
        .is_err());

    let non_null = instance.get_func(&mut store, "non_null").unwrap();
    let mut out = [Val::null_func_ref()];
    assert_eq!(
        trap(non_null.call(&mut store, &[Val::FuncRef(None)], &mut out)),
        Trap::NullReference
    );
    non_null.call(&mut store, &[Val::FuncRef(Some(inc))], &mut out)?;
    assert!(out[0].unwrap_func().is_some());

    let on_null = instance.get_func(&mut store, "on_null").unwrap();
    on_null.call(&mut store, &[Val::FuncRef(None)], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), 0);
    on_null.call(&mut store, &[Val::FuncRef(Some(inc))], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), 1);
    let on_non_null = instance.get_func(&mut store, "on_non_null").unwrap();
    on_non_null.call(&mut store, &[Val::FuncRef(None)], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), -1);
    on_non_null.call(&mut store, &[Val::FuncRef(Some(inc))], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), 42);

    // Typed globals and tables check values against the concrete type.
    let g = instance.get_global(&mut store, "g").unwrap();
    let gty = g.ty(&store);
    assert!(gty
        .content()
        .as_ref()
        .unwrap()
        .heap_type()
        .as_concrete_func()
        .is_some());
    let tab = instance.get_table(&mut store, "tab").unwrap();
    tab.set(&mut store, 0, Ref::Func(Some(inc)))?;
    assert!(tab.set(&mut store, 1, Ref::Func(Some(other))).is_err());

    // return_call_ref: 1 million iterations on a 64 KiB stack.
    let count = instance.get_typed_func::<(i64, i64), i64>(&mut store, "count")?;
    assert_eq!(count.call(&mut store, (1_000_000, 3))?, 1_000_003);
    Ok(())
}

#[test]
fn typed_imports_are_checked_structurally_across_modules() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let exporter = Module::new(
        &engine,
        r#"(module
            (type $a (func (param i32)))
            (type $b (func (param (ref $a))))
            (func $f (type $b))
            (elem declare func $f)
            (global (export "g") (ref null $b) (ref.func $f)))"#,
    )?;
    let exporter = Instance::new(&mut store, &exporter, &[])?;
    let g = exporter.get_global(&mut store, "g").unwrap();
    // Same structure, different type indices: matches.
    let same = Module::new(
        &engine,
        r#"(module
            (type $x (func (param i64)))
            (type $a (func (param i32)))
            (type $b (func (param (ref $a))))
            (import "" "g" (global (ref null $b))))"#,
    )?;
    Instance::new(&mut store, &same, &[g.into()])?;
    // A supertype is fine for an immutable global...
    let sup = Module::new(&engine, r#"(module (import "" "g" (global funcref)))"#)?;
    Instance::new(&mut store, &sup, &[g.into()])?;
    // ...a different concrete type is not.
    let different = Module::new(
        &engine,
        r#"(module
            (type $a (func (param i64)))
            (type $b (func (param (ref $a))))
            (import "" "g" (global (ref null $b))))"#,
    )?;
    assert!(Instance::new(&mut store, &different, &[g.into()]).is_err());
    Ok(())
}

#[test]
fn disabled_function_references_fail_validation() {
    let mut config = Config::new();
    config.wasm_gc(false).wasm_function_references(false);
    let engine = Engine::new(&config).unwrap();
    let err =
        Module::new(&engine, "(module (type $t (func)) (func (param (ref $t))))").unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("function references"), "{msg}");
}
