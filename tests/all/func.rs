//! Calling wasm from the host and the host from wasm.

use wasmtime::*;

#[test]
fn typed_call_and_dynamic_call_agree() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func (export "add") (param i32 i64 f32 f64) (result f64)
            local.get 0 f64.convert_i32_s
            local.get 1 f64.convert_i64_s f64.add
            local.get 2 f64.promote_f32 f64.add
            local.get 3 f64.add))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let typed = instance.get_typed_func::<(i32, i64, f32, f64), f64>(&mut store, "add")?;
    assert_eq!(typed.call(&mut store, (1, 2, 3.5, 4.25))?, 10.75);

    let func = instance.get_func(&mut store, "add").unwrap();
    let mut results = [Val::I32(0)];
    func.call(
        &mut store,
        &[
            Val::I32(1),
            Val::I64(2),
            Val::from(3.5f32),
            Val::from(4.25f64),
        ],
        &mut results,
    )?;
    assert_eq!(results[0].unwrap_f64(), 10.75);
    Ok(())
}

#[test]
fn wrong_arguments_are_errors() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_func(&mut store, "f").unwrap();
    let mut out = [Val::I32(0)];
    assert!(f.call(&mut store, &[], &mut out).is_err());
    assert!(f.call(&mut store, &[Val::I64(1)], &mut out).is_err());
    assert!(f.call(&mut store, &[Val::I32(1)], &mut []).is_err());
    assert!(instance
        .get_typed_func::<i64, i32>(&mut store, "f")
        .is_err());
    assert!(instance.get_typed_func::<i32, ()>(&mut store, "f").is_err());
    f.call(&mut store, &[Val::I32(7)], &mut out)?;
    assert_eq!(out[0].unwrap_i32(), 7);
    Ok(())
}

#[test]
fn multi_value_and_host_tuples() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "swap" (func $swap (param i32 i64) (result i64 i32)))
            (func (export "go") (param i32 i64) (result i64 i32)
                local.get 0 local.get 1 call $swap))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "swap", |a: i32, b: i64| (b, a))?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let go = instance.get_typed_func::<(i32, i64), (i64, i32)>(&mut store, "go")?;
    assert_eq!(go.call(&mut store, (5, 9))?, (9, 5));
    Ok(())
}

#[test]
fn many_parameters() -> Result<()> {
    let engine = Engine::default();
    let params = "i32 ".repeat(16);
    let body: String = (0..16)
        .map(|i| format!("local.get {i} "))
        .collect::<String>()
        + &"i32.add ".repeat(15);
    let wat = format!(
        r#"(module (import "h" "sum" (func $sum (param {params}) (result i32)))
            (func (export "direct") (param {params}) (result i32) {body})
            (func (export "via_host") (param {params}) (result i32)
               {gets} call $sum))"#,
        gets = (0..16)
            .map(|i| format!("local.get {i} "))
            .collect::<String>()
    );
    let module = Module::new(&engine, wat)?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap(
        "h",
        "sum",
        |a: i32,
         b: i32,
         c: i32,
         d: i32,
         e: i32,
         f: i32,
         g: i32,
         h: i32,
         i: i32,
         j: i32,
         k: i32,
         l: i32,
         m: i32,
         n: i32,
         o: i32,
         p: i32| { a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p },
    )?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    type P = (
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
        i32,
    );
    let args: P = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    let direct = instance.get_typed_func::<P, i32>(&mut store, "direct")?;
    let via_host = instance.get_typed_func::<P, i32>(&mut store, "via_host")?;
    assert_eq!(direct.call(&mut store, args)?, 136);
    assert_eq!(via_host.call(&mut store, args)?, 136);
    Ok(())
}

#[test]
fn caller_sees_data_and_exports() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "read" (func $read (param i32) (result i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "\2a")
            (func (export "go") (result i32) i32.const 16 call $read))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap(
        "host",
        "read",
        |mut caller: Caller<'_, Vec<i32>>, addr: i32| -> Result<i32> {
            let mem = caller
                .get_export("memory")
                .and_then(Extern::into_memory)
                .ok_or_else(|| anyhow!("no memory"))?;
            let byte = mem.data(&caller)[addr as usize] as i32;
            caller.data_mut().push(byte);
            Ok(byte)
        },
    )?;
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module)?;
    let go = instance.get_typed_func::<(), i32>(&mut store, "go")?;
    assert_eq!(go.call(&mut store, ())?, 42);
    assert_eq!(store.data(), &vec![42]);
    assert_eq!(store.into_data(), vec![42]);
    Ok(())
}

#[test]
fn func_new_dynamic_host_function() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let ty = FuncType::new(&engine, [ValType::I32, ValType::I32], [ValType::I32]);
    let mul = Func::new(&mut store, ty, |_caller, params, results| {
        results[0] = Val::I32(params[0].unwrap_i32() * params[1].unwrap_i32());
        Ok(())
    });
    let module = Module::new(
        &engine,
        r#"(module (import "" "mul" (func $mul (param i32 i32) (result i32)))
            (func (export "sq") (param i32) (result i32) local.get 0 local.get 0 call $mul))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[mul.into()])?;
    let sq = instance.get_typed_func::<i32, i32>(&mut store, "sq")?;
    assert_eq!(sq.call(&mut store, 12)?, 144);
    // Calling the host function directly from the host works too.
    let mut out = [Val::I32(0)];
    mul.call(&mut store, &[Val::I32(6), Val::I32(7)], &mut out)?;
    assert_eq!(out[0].unwrap_i32(), 42);
    // A dynamic host function returning a wrongly typed value is an error.
    let bad_ty = FuncType::new(&engine, [], [ValType::I32]);
    let bad = Func::new(&mut store, bad_ty, |_, _, results| {
        results[0] = Val::I64(1);
        Ok(())
    });
    assert!(bad.call(&mut store, &[], &mut out).is_err());
    Ok(())
}

#[test]
fn funcref_and_externref_round_trip() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (func $f (result i32) i32.const 7)
            (elem declare func $f)
            (func (export "get_f") (result funcref) ref.func $f)
            (func (export "id") (param externref) (result externref) local.get 0)
            (func (export "call") (param funcref) (result i32)
                (table.set $t (i32.const 0) (local.get 0))
                (call_indirect $t (result i32) (i32.const 0)))
            (table $t 1 funcref))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let get_f = instance.get_typed_func::<(), Option<Func>>(&mut store, "get_f")?;
    let f = get_f.call(&mut store, ())?.expect("non-null");
    assert_eq!(f.typed::<(), i32>(&store)?.call(&mut store, ())?, 7);

    let id = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, Option<Rooted<ExternRef>>>(&mut store, "id")?;
    let r = ExternRef::new(&mut store, String::from("hello"))?;
    let back = id.call(&mut store, Some(r))?.expect("non-null");
    let data = back.data(&store)?.expect("data");
    assert_eq!(data.downcast_ref::<String>().unwrap(), "hello");
    assert!(id.call(&mut store, None)?.is_none());

    // A host function can be called through a wasm table.
    let host = Func::wrap(&mut store, || 99i32);
    let call = instance.get_typed_func::<Option<Func>, i32>(&mut store, "call")?;
    assert_eq!(call.call(&mut store, Some(host))?, 99);
    assert_eq!(call.call(&mut store, Some(f))?, 7);
    Ok(())
}

#[test]
fn module_imports_and_exports_are_described() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module $named
            (import "a" "f" (func (param i32)))
            (import "a" "m" (memory 1 2))
            (global (export "g") (mut i64) (i64.const 0))
            (table (export "t") 3 externref)
            (func (export "run")))"#,
    )?;
    assert_eq!(module.name(), Some("named"));
    let imports: Vec<_> = module
        .imports()
        .map(|i| (i.module().to_string(), i.name().to_string()))
        .collect();
    assert_eq!(
        imports,
        [
            ("a".to_string(), "f".to_string()),
            ("a".to_string(), "m".to_string())
        ]
    );
    let mem = module.imports().nth(1).unwrap().ty();
    assert_eq!(mem.unwrap_memory().maximum(), Some(2));
    let exports: Vec<_> = module.exports().map(|e| e.name().to_string()).collect();
    assert_eq!(exports, ["g", "t", "run"]);
    assert_eq!(
        module.get_export("g").unwrap().unwrap_global().mutability(),
        Mutability::Var
    );
    assert!(Module::validate(&engine, &wat::parse_str("(module)")?).is_ok());
    assert!(Module::validate(&engine, b"\0asm\x01\0\0\0\x01").is_err());
    Ok(())
}

#[test]
fn host_function_types_of_another_engine_are_refused() {
    // Type ids are per engine; a host function must not carry another
    // engine's id (wasm's signature checks compare ids). As in Wasmtime,
    // `Func::new` panics.
    let a = Engine::default();
    let b = Engine::default();
    let ty = FuncType::new(&a, [], [ValType::I64]);
    let mut store = Store::new(&b, ());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Func::new(&mut store, ty, |_, _, results| {
            results[0] = Val::I64(0x4141);
            Ok(())
        })
    }));
    assert!(r.is_err());
}

#[test]
fn global_and_table_types_of_another_engine_are_refused() {
    // A concrete reference type names a function type by its per-engine
    // id: a global or table of engine `a`'s type must not be created in a
    // store of engine `b`, where the id may name another signature.
    let a = Engine::default();
    let b = Engine::default();
    let fa = FuncType::new(&a, [], [ValType::I64]);
    let concrete = RefType::new(true, HeapType::ConcreteFunc(fa.clone()));
    let mut store = Store::new(&b, ());

    let global = GlobalType::new(ValType::Ref(concrete.clone()), Mutability::Var);
    let err = Global::new(&mut store, global, Val::FuncRef(None)).unwrap_err();
    assert!(format!("{err:#}").contains("another engine"), "{err:#}");

    let table = TableType::new(concrete.clone(), 1, None);
    let err = Table::new(&mut store, table, Ref::Func(None)).unwrap_err();
    assert!(format!("{err:#}").contains("another engine"), "{err:#}");

    // Nor may a function type of `b` mention a type of `a`.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        FuncType::new(&b, [ValType::Ref(concrete)], [])
    }));
    assert!(r.is_err());

    // The same types built from `b`'s own function type work.
    let fb = FuncType::new(&b, [], [ValType::I64]);
    let concrete = RefType::new(true, HeapType::ConcreteFunc(fb));
    let global = GlobalType::new(ValType::Ref(concrete.clone()), Mutability::Var);
    Global::new(&mut store, global, Val::FuncRef(None)).unwrap();
    Table::new(
        &mut store,
        TableType::new(concrete, 1, None),
        Ref::Func(None),
    )
    .unwrap();
}

/// A host function imported as a module's start function runs with that
/// instance as its caller, so it sees the instance's exports (as Wasmtime
/// does); a host function called from the host afterwards sees none.
#[test]
fn host_start_function_sees_caller_exports() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, (None::<i32>, false));
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "start" (func $start))
            (memory (export "memory") 1)
            (data (i32.const 8) "\2a")
            (start $start))"#,
    )
    .unwrap();
    let start = Func::wrap(&mut store, |mut caller: Caller<'_, (Option<i32>, bool)>| {
        let memory = caller.get_export("memory").and_then(|e| e.into_memory());
        let byte = memory.map(|m| i32::from(m.data(&caller)[8]));
        caller.data_mut().0 = byte;
    });
    Instance::new(&mut store, &module, &[start.into()]).unwrap();
    assert_eq!(store.data().0, Some(42));

    let probe = Func::wrap(&mut store, |mut caller: Caller<'_, (Option<i32>, bool)>| {
        caller.data_mut().1 = caller.get_export("memory").is_some();
    });
    probe.call(&mut store, &[], &mut []).unwrap();
    assert!(!store.data().1);
}
