//! The GC proposal's type system and heap-free operators (slice 1):
//! struct and array types in the API, iso-recursive canonicalization
//! across modules, declared subtyping (imports, `call_indirect`, casts),
//! `i31` references, `ref.test`/`ref.cast`/`br_on_cast*` and the
//! conversions between the extern and internal hierarchies.

use wasmtime::*;

fn gc_engine() -> Engine {
    let mut config = Config::new();
    config.wasm_gc(true);
    Engine::new(&config).unwrap()
}

#[test]
fn struct_and_array_types() -> Result<()> {
    let engine = gc_engine();
    let i32_field = FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32));
    let i8_field = FieldType::new(Mutability::Const, StorageType::I8);
    let base = StructType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        [i32_field.clone()],
    )?;
    let derived = StructType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&base),
        [i32_field.clone(), i8_field.clone()],
    )?;
    assert_eq!(derived.fields().len(), 2);
    assert!(derived.field(1).unwrap().element_type().is_i8());
    assert_eq!(derived.field(0).unwrap().mutability(), Mutability::Var);
    assert!(derived.finality().is_final());
    assert!(base.finality().is_non_final());
    assert!(StructType::eq(&derived.supertype().unwrap(), &base));
    assert!(derived.matches(&base));
    assert!(!base.matches(&derived));
    // A final supertype is refused, and so is a mismatching field list.
    assert!(
        StructType::with_finality_and_supertype(&engine, Finality::Final, Some(&derived), [])
            .is_err()
    );
    assert!(StructType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&base),
        [i8_field.clone()]
    )
    .is_err());
    // Structurally equal types in their own groups are one type.
    let again = StructType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        [i32_field.clone()],
    )?;
    assert!(StructType::eq(&again, &base));

    let arr = ArrayType::new(&engine, i8_field.clone());
    assert!(arr.element_type().is_i8());
    assert_eq!(arr.mutability(), Mutability::Const);
    assert!(ArrayType::eq(&arr, &ArrayType::new(&engine, i8_field)));
    assert!(!ArrayType::eq(&arr, &ArrayType::new(&engine, i32_field)));
    Ok(())
}

#[test]
fn abstract_heap_type_hierarchy() -> Result<()> {
    let engine = gc_engine();
    let s = StructType::new(&engine, [])?;
    let a = ArrayType::new(
        &engine,
        FieldType::new(Mutability::Var, StorageType::ValType(ValType::I64)),
    );
    let f = FuncType::new(&engine, [], []);
    use HeapType::*;
    let yes = [
        (I31, Eq),
        (I31, Any),
        (Eq, Any),
        (Struct, Eq),
        (Array, Any),
        (ConcreteStruct(s.clone()), Struct),
        (ConcreteStruct(s.clone()), Any),
        (ConcreteArray(a.clone()), Array),
        (None, ConcreteStruct(s.clone())),
        (None, I31),
        (NoFunc, ConcreteFunc(f.clone())),
        (ConcreteFunc(f.clone()), Func),
        (NoExtern, Extern),
        (NoExn, Exn),
    ];
    for (sub, sup) in &yes {
        assert!(sub.matches(sup), "{sub} should match {sup}");
    }
    let no = [
        (Any, Eq),
        (Eq, I31),
        (Struct, Array),
        (ConcreteStruct(s.clone()), Array),
        (ConcreteArray(a.clone()), ConcreteStruct(s.clone())),
        (Extern, Any),
        (Any, Extern),
        (None, Func),
        (NoFunc, Any),
        (Func, ConcreteFunc(f.clone())),
        (I31, Func),
    ];
    for (sub, sup) in &no {
        assert!(!sub.matches(sup), "{sub} should not match {sup}");
    }
    assert!(Any.is_top() && None.is_bottom());
    assert_eq!(I31.top(), Any);
    assert_eq!(ConcreteStruct(s).bottom(), None);
    assert!(RefType::ANYREF.matches(&RefType::ANYREF));
    assert!(RefType::new(false, I31).matches(&RefType::EQREF));
    assert!(!RefType::EQREF.matches(&RefType::new(false, Eq)));
    assert!(ValType::NULLREF.matches(&ValType::ANYREF));
    assert_eq!(ValType::I31REF.to_string(), "i31ref");
    Ok(())
}

/// Two modules declaring the same recursion group share its types: a
/// function of one satisfies the other's import, and their `FuncType`s are
/// equal; a group that differs in one position does not.
#[test]
fn rec_groups_are_canonical_across_modules() -> Result<()> {
    let engine = gc_engine();
    let group = r#"(rec
        (type $a (func (param (ref null $b))))
        (type $b (func (param (ref null $a)) (result i32))))"#;
    let exporter = Module::new(
        &engine,
        format!(
            r#"(module {group}
                (func (export "f") (type $b) (i32.const 7)))"#
        ),
    )?;
    let importer = Module::new(
        &engine,
        format!(
            r#"(module {group}
                (import "m" "f" (func $f (type $b)))
                (func (export "g") (result i32) (call $f (ref.null $a))))"#
        ),
    )?;
    let mut store = Store::new(&engine, ());
    let m = Instance::new(&mut store, &exporter, &[])?;
    let f = m.get_func(&mut store, "f").unwrap();
    let i = Instance::new(&mut store, &importer, &[f.into()])?;
    let g = i.get_typed_func::<(), i32>(&mut store, "g")?;
    assert_eq!(g.call(&mut store, ())?, 7);
    let imported = importer.imports().next().unwrap().ty();
    assert!(FuncType::eq(imported.unwrap_func(), &f.ty(&store)));

    // The same types in another group shape are different types.
    let other = Module::new(
        &engine,
        r#"(module
            (rec (type $b (func (param (ref null $a)) (result i32)))
                 (type $a (func (param (ref null $b)))))
            (import "m" "f" (func (type $b))))"#,
    )?;
    let err = Instance::new(&mut store, &other, &[f.into()]).unwrap_err();
    assert!(format!("{err:#}").contains("incompatible"), "{err:#}");
    Ok(())
}

/// `call_indirect` and function imports accept a declared subtype of the
/// expected function type, and reject unrelated types.
#[test]
fn function_subtyping() -> Result<()> {
    let engine = gc_engine();
    let module = Module::new(
        &engine,
        r#"(module
            (type $base (sub (func (result i32))))
            (type $derived (sub final $base (func (result i32))))
            (type $other (func (result i32)))
            (func $d (type $derived) (i32.const 42))
            (func $o (type $other) (i32.const 1))
            (table funcref (elem $d $o))
            (func (export "call") (param i32) (result i32)
                (call_indirect (type $base) (local.get 0)))
            (func (export "test") (param i32) (result i32)
                (ref.test (ref $base) (table.get (local.get 0))))
            (func (export "cast") (param i32) (result i32)
                (call_ref $base (ref.cast (ref $base) (table.get (local.get 0)))))
            (func (export "derived") (result (ref $derived)) (ref.func $d))
            (elem declare func $d))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let call = instance.get_typed_func::<i32, i32>(&mut store, "call")?;
    assert_eq!(call.call(&mut store, 0)?, 42);
    let err = call.call(&mut store, 1).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::BadSignature));
    let test = instance.get_typed_func::<i32, i32>(&mut store, "test")?;
    assert_eq!(test.call(&mut store, 0)?, 1);
    assert_eq!(test.call(&mut store, 1)?, 0);
    let cast = instance.get_typed_func::<i32, i32>(&mut store, "cast")?;
    assert_eq!(cast.call(&mut store, 0)?, 42);
    let err = cast.call(&mut store, 1).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::CastFailure));

    // The API agrees: the derived type matches the base type.
    let derived = instance.get_func(&mut store, "derived").unwrap();
    let derived_ty = derived.ty(&store).result(0).unwrap();
    let ValType::Ref(r) = derived_ty else {
        panic!("expected a reference result")
    };
    let d = r.heap_type().unwrap_concrete_func();
    assert!(d.matches(d));

    // An import of the base type accepts a function of the derived type.
    let importer = Module::new(
        &engine,
        r#"(module
            (type $base (sub (func (result i32))))
            (import "" "f" (func (type $base))))"#,
    )?;
    let mut results = [Val::FuncRef(None)];
    derived.call(&mut store, &[], &mut results)?;
    let d_func = *results[0].unwrap_func().unwrap();
    Instance::new(&mut store, &importer, &[d_func.into()])?;
    Ok(())
}

#[test]
fn i31_values() -> Result<()> {
    let engine = gc_engine();
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "make") (param i32) (result i31ref) (ref.i31 (local.get 0)))
            (func (export "get_s") (param i31ref) (result i32) (i31.get_s (local.get 0)))
            (func (export "get_u") (param i31ref) (result i32) (i31.get_u (local.get 0)))
            (func (export "eq") (param eqref eqref) (result i32)
                (ref.eq (local.get 0) (local.get 1)))
            (global (export "g") (mut anyref) (ref.i31 (i32.const -2))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let make = instance.get_func(&mut store, "make").unwrap();
    let mut out = [Val::AnyRef(None)];
    make.call(&mut store, &[Val::I32(-5)], &mut out)?;
    let r = out[0].unwrap_anyref().unwrap().clone();
    assert!(r.is_i31(&store)?);
    assert_eq!(r.unwrap_i31(&store)?.get_i32(), -5);
    assert_eq!(r.unwrap_i31(&store)?.get_u32(), 0x7fff_fffb);
    assert_eq!(r.ty(&store)?, HeapType::I31);
    assert!(out[0].matches_ty(&store, &ValType::I31REF)?);
    assert!(!out[0].matches_ty(&store, &ValType::STRUCTREF)?);

    let get_s = instance.get_func(&mut store, "get_s").unwrap();
    let get_u = instance.get_func(&mut store, "get_u").unwrap();
    let big = AnyRef::from_i31(&mut store, I31::wrapping_u32(0x4000_0001));
    let mut res = [Val::I32(0)];
    get_s.call(&mut store, &[big.clone().into()], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), -0x3fff_ffff);
    get_u.call(&mut store, &[big.clone().into()], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), 0x4000_0001);
    // i31.get of null traps.
    let err = get_s
        .call(&mut store, &[Val::AnyRef(None)], &mut res)
        .unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::NullReference));

    let eq = instance
        .get_typed_func::<(Option<Rooted<AnyRef>>, Option<Rooted<AnyRef>>), i32>(&mut store, "eq");
    // `eqref` parameters are not `anyref` in the typed API; use Func.
    assert!(eq.is_err());
    let eq = instance.get_func(&mut store, "eq").unwrap();
    let same = AnyRef::from_i31(&mut store, I31::wrapping_u32(0x4000_0001));
    eq.call(&mut store, &[big.clone().into(), same.into()], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), 1);
    let other = AnyRef::from_i31(&mut store, I31::wrapping_u32(1));
    eq.call(&mut store, &[big.into(), other.into()], &mut res)?;
    assert_eq!(res[0].unwrap_i32(), 0);

    let g = instance.get_global(&mut store, "g").unwrap();
    let v = g.get(&mut store);
    assert_eq!(v.unwrap_anyref().unwrap().unwrap_i31(&store)?.get_i32(), -2);
    assert_eq!(I31::new_i32(1 << 30), Option::None);
    assert_eq!(I31::new_i32(-(1 << 30)).unwrap().get_i32(), -(1 << 30));
    assert_eq!(I31::new_u32(1 << 31), Option::None);
    Ok(())
}

/// Host values cross into the internal hierarchy and back unchanged, and
/// casts see them as `any` only.
#[test]
fn extern_any_conversions_and_casts() -> Result<()> {
    let engine = gc_engine();
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "internalize") (param externref) (result anyref)
                (any.convert_extern (local.get 0)))
            (func (export "externalize") (param anyref) (result externref)
                (extern.convert_any (local.get 0)))
            (func (export "kind") (param anyref) (result i32)
                (block $is_i31 (result (ref i31))
                    (br_on_cast $is_i31 anyref (ref i31) (local.get 0))
                    (drop)
                    (block $not_null (result (ref any))
                        (br_on_cast_fail $not_null anyref (ref null none) (local.get 0))
                        (drop)
                        (return (i32.const 2)))
                    (drop)
                    (return (i32.const 0)))
                (drop)
                (i32.const 1))
            (func (export "tests") (param anyref) (result i32)
                (i32.add
                    (i32.add
                        (ref.test anyref (local.get 0))
                        (i32.shl (ref.test (ref any) (local.get 0)) (i32.const 1)))
                    (i32.add
                        (i32.shl (ref.test eqref (local.get 0)) (i32.const 2))
                        (i32.shl (ref.test structref (local.get 0)) (i32.const 3)))))
            (func (export "cast_struct") (param anyref)
                (drop (ref.cast structref (local.get 0)))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let internalize = instance.get_func(&mut store, "internalize").unwrap();
    let externalize = instance.get_func(&mut store, "externalize").unwrap();
    let host = ExternRef::new(&mut store, 1234u32)?;
    let mut any = [Val::AnyRef(None)];
    internalize.call(&mut store, &[host.into()], &mut any)?;
    let any_ref = any[0].unwrap_anyref().unwrap().clone();
    assert!(!any_ref.is_i31(&store)?);
    assert!(!any_ref.is_eqref(&store)?);
    assert_eq!(any_ref.ty(&store)?, HeapType::Any);
    let mut ext = [Val::ExternRef(None)];
    externalize.call(&mut store, &[any[0].clone()], &mut ext)?;
    let back = ext[0].unwrap_externref().unwrap().clone();
    let data = back.data(&store)?.unwrap();
    assert_eq!(data.downcast_ref::<u32>(), Some(&1234));
    // An i31 externalized has no host data, and converts back intact.
    let i = AnyRef::from_i31(&mut store, I31::wrapping_u32(9));
    externalize.call(&mut store, &[i.into()], &mut ext)?;
    let e = ext[0].unwrap_externref().unwrap().clone();
    assert!(e.data(&store)?.is_none());
    let round = AnyRef::convert_extern(&mut store, e)?;
    assert_eq!(round.unwrap_i31(&store)?.get_u32(), 9);

    let kind = instance.get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "kind");
    let kind = match kind {
        Ok(k) => k,
        Err(e) => panic!("typed anyref function: {e:#}"),
    };
    let i = AnyRef::from_i31(&mut store, I31::wrapping_u32(3));
    assert_eq!(kind.call(&mut store, Some(i.clone()))?, 1);
    assert_eq!(kind.call(&mut store, Some(any_ref.clone()))?, 0);
    // null is not `(ref i31)` but is `(ref null none)`.
    assert_eq!(kind.call(&mut store, Option::None)?, 2);

    let tests = instance.get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "tests")?;
    assert_eq!(tests.call(&mut store, Some(i))?, 0b0111);
    assert_eq!(tests.call(&mut store, Some(any_ref.clone()))?, 0b0011);
    // null passes every nullable test and fails `(ref any)`.
    assert_eq!(tests.call(&mut store, Option::None)?, 0b1101);

    let cast = instance.get_typed_func::<Option<Rooted<AnyRef>>, ()>(&mut store, "cast_struct")?;
    cast.call(&mut store, Option::None)?;
    let err = cast.call(&mut store, Some(any_ref)).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::CastFailure));
    Ok(())
}

#[test]
fn gc_stays_rejected_when_off_and_collector_is_accepted() -> Result<()> {
    let mut config = Config::new();
    config.wasm_gc(false);
    let engine = Engine::new(&config)?;
    assert!(Module::new(&engine, "(module (global anyref (ref.null any)))").is_err());
    for c in [
        Collector::Auto,
        Collector::Null,
        Collector::DeferredReferenceCounting,
        Collector::Copying,
    ] {
        let mut config = Config::new();
        config.wasm_gc(true).collector(c);
        Engine::new(&config)?;
    }
    // Struct and array operators compile now that the GC heap exists.
    let engine = gc_engine();
    Module::new(
        &engine,
        "(module (type $s (struct)) (func (result (ref $s)) (struct.new $s)))",
    )?;
    Ok(())
}

/// A precompiled module keeps its recursion groups and declared
/// supertypes: after `deserialize` its types are the same engine types as
/// the original's and `call_indirect` still accepts a subtype.
#[test]
fn serialized_modules_keep_their_types() -> Result<()> {
    let engine = gc_engine();
    let wat = r#"(module
        (rec (type $base (sub (func (result i32))))
             (type $derived (sub $base (func (result i32)))))
        (func $d (type $derived) (i32.const 5))
        (table funcref (elem $d))
        (func (export "f") (type $derived) (i32.const 6))
        (func (export "call") (result i32)
            (call_indirect (type $base) (i32.const 0))))"#;
    let original = Module::new(&engine, wat)?;
    let bytes = original.serialize()?;
    // SAFETY: the bytes were just produced by this engine.
    let loaded = unsafe { Module::deserialize(&engine, &bytes)? };
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &original, &[])?;
    let b = Instance::new(&mut store, &loaded, &[])?;
    let call = b.get_typed_func::<(), i32>(&mut store, "call")?;
    assert_eq!(call.call(&mut store, ())?, 5);
    let fa = a.get_func(&mut store, "f").unwrap().ty(&store);
    let fb = b.get_func(&mut store, "f").unwrap().ty(&store);
    assert!(FuncType::eq(&fa, &fb));
    Ok(())
}

/// `anyref` values in host-made globals and tables and through host
/// functions.
#[test]
fn anyref_in_globals_tables_and_host_functions() -> Result<()> {
    let engine = gc_engine();
    let mut store = Store::new(&engine, ());
    let seven = AnyRef::from_i31(&mut store, I31::wrapping_i32(7));
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::ANYREF, Mutability::Var),
        seven.clone().into(),
    )?;
    let t = Table::new(
        &mut store,
        TableType::new(RefType::I31REF, 2, None),
        Ref::Any(None),
    )?;
    t.set(&mut store, 1, seven.into())?;
    let double = Func::wrap(
        &mut store,
        |x: Option<Rooted<AnyRef>>| -> Result<Option<Rooted<AnyRef>>> {
            let _ = x;
            Ok(None)
        },
    );
    let module = Module::new(
        &engine,
        r#"(module
            (import "" "g" (global $g (mut anyref)))
            (import "" "t" (table $t 2 i31ref))
            (import "" "f" (func $f (param anyref) (result anyref)))
            (func (export "sum") (result i32)
                (i32.add
                    (i31.get_s (ref.cast i31ref (global.get $g)))
                    (i31.get_s (table.get $t (i32.const 1)))))
            (func (export "host_null") (result i32)
                (ref.is_null (call $f (global.get $g)))))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[g.into(), t.into(), double.into()])?;
    let sum = instance.get_typed_func::<(), i32>(&mut store, "sum")?;
    assert_eq!(sum.call(&mut store, ())?, 14);
    let host_null = instance.get_typed_func::<(), i32>(&mut store, "host_null")?;
    assert_eq!(host_null.call(&mut store, ())?, 1);
    // A value of the wrong hierarchy is refused, not stored.
    let e = ExternRef::new(&mut store, 1u32)?;
    assert!(t.set(&mut store, 0, e.into()).is_err());
    assert!(t.get(&mut store, 0).unwrap().is_null());
    Ok(())
}

/// The GC proposal is on by default, as in Wasmtime 47 and later, and can
/// be turned off.
#[test]
fn gc_is_on_by_default() {
    let wat = "(module (type $s (struct (field i32))) (func (result (ref $s)) (struct.new $s (i32.const 1))))";
    assert!(wasmtime::Module::new(&wasmtime::Engine::default(), wat).is_ok());
    let mut config = wasmtime::Config::new();
    config.wasm_gc(false);
    let engine = wasmtime::Engine::new(&config).unwrap();
    assert!(wasmtime::Module::new(&engine, wat).is_err());
}
