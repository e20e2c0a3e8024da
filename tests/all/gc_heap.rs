//! The GC heap (slice 2): struct and array objects made and used by wasm,
//! casts against their types, objects in globals and tables, the null
//! collector's out-of-memory error and the limiter's say over the heap.

use wasmtime::*;

fn gc_engine() -> Engine {
    let mut config = Config::new();
    config.wasm_gc(true);
    Engine::new(&config).unwrap()
}

const OBJECTS: &str = r#"
(module
  (type $point (struct (field $x (mut i32)) (field $y i64) (field $tag i8) (field $next (mut (ref null $point)))))
  (type $bytes (array (mut i8)))
  (type $floats (array (mut f64)))
  (global $keep (mut (ref null $point)) (ref.null $point))
  (table $t (export "t") 4 (ref null any))

  (func (export "point_sum") (param i32 i64) (result i64)
    (local $p (ref $point))
    (local.set $p (struct.new $point (local.get 0) (local.get 1) (i32.const 200) (ref.null $point)))
    (struct.set $point $x (local.get $p) (i32.add (struct.get $point $x (local.get $p)) (i32.const 1)))
    (i64.add
      (i64.extend_i32_u (struct.get $point $x (local.get $p)))
      (i64.add (struct.get $point $y (local.get $p))
               (i64.extend_i32_s (struct.get_s $point $tag (local.get $p))))))

  (func (export "tag_u") (result i32)
    (struct.get_u $point $tag (struct.new $point (i32.const 0) (i64.const 0) (i32.const 200) (ref.null $point))))

  (func (export "bytes") (param i32) (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new $bytes (i32.const 7) (local.get 0)))
    (array.set $bytes (local.get $a) (i32.const 0) (i32.const 255))
    (array.fill $bytes (local.get $a) (i32.const 1) (i32.const 3) (i32.const 2))
    ;; 255 (as u8) + 3 + 3 + 7 * (len - 3)
    (i32.add
      (array.get_u $bytes (local.get $a) (i32.const 0))
      (i32.add
        (array.get_s $bytes (local.get $a) (i32.const 1))
        (i32.add (array.get_u $bytes (local.get $a) (i32.const 2))
                 (i32.mul (i32.const 7) (i32.sub (array.len (local.get $a)) (i32.const 3)))))))

  (func (export "oob") (param i32) (result f64)
    (array.get $floats (array.new_default $floats (i32.const 4)) (local.get 0)))

  (func (export "null_field") (result i32)
    (struct.get $point $x (ref.null $point)))

  (func (export "keep") (param i32)
    (global.set $keep (struct.new $point (local.get 0) (i64.const 0) (i32.const 0) (global.get $keep)))
    (table.set $t (i32.const 1) (global.get $keep)))

  (func (export "chain_len") (result i32)
    (local $p (ref null $point)) (local $n i32)
    (local.set $p (ref.cast (ref null $point) (table.get $t (i32.const 1))))
    (block $done
      (loop $l
        (br_if $done (ref.is_null (local.get $p)))
        (local.set $n (i32.add (local.get $n) (struct.get $point $x (local.get $p))))
        (local.set $p (struct.get $point $next (local.get $p)))
        (br $l)))
    (local.get $n))

  (func (export "casts") (result i32)
    (local $a anyref)
    (local.set $a (array.new_fixed $floats 2 (f64.const 1) (f64.const 2)))
    (i32.add
      (i32.add (ref.test (ref $floats) (local.get $a))
               (i32.shl (ref.test (ref $point) (local.get $a)) (i32.const 1)))
      (i32.add (i32.shl (ref.test (ref array) (local.get $a)) (i32.const 2))
               (i32.shl (ref.test (ref struct) (local.get $a)) (i32.const 3)))))

  (func (export "new_array") (param i32) (result i32)
    (array.len (array.new_default $bytes (local.get 0))))
)
"#;

#[test]
fn struct_and_array_operators() -> Result<()> {
    let engine = gc_engine();
    let module = Module::new(&engine, OBJECTS)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let sum = instance.get_typed_func::<(i32, i64), i64>(&mut store, "point_sum")?;
    // x + 1, y, and the i8 field 200 read signed (-56).
    assert_eq!(sum.call(&mut store, (10, 1000))?, 11 + 1000 - 56);
    let tag_u = instance.get_typed_func::<(), i32>(&mut store, "tag_u")?;
    assert_eq!(tag_u.call(&mut store, ())?, 200);
    let bytes = instance.get_typed_func::<i32, i32>(&mut store, "bytes")?;
    assert_eq!(bytes.call(&mut store, 10)?, 255 + 3 + 3 + 7 * 7);
    let casts = instance.get_typed_func::<(), i32>(&mut store, "casts")?;
    assert_eq!(casts.call(&mut store, ())?, 0b0101);
    Ok(())
}

#[test]
fn array_and_null_traps() -> Result<()> {
    let engine = gc_engine();
    let module = Module::new(&engine, OBJECTS)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let oob = instance.get_typed_func::<i32, f64>(&mut store, "oob")?;
    assert_eq!(oob.call(&mut store, 3)?, 0.0);
    let err = oob.call(&mut store, 4).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::ArrayOutOfBounds));
    let err = oob.call(&mut store, -1).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::ArrayOutOfBounds));
    let null = instance.get_typed_func::<(), i32>(&mut store, "null_field")?;
    let err = null.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::NullReference));
    Ok(())
}

#[test]
fn objects_in_globals_and_tables() -> Result<()> {
    let engine = gc_engine();
    let module = Module::new(&engine, OBJECTS)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let keep = instance.get_typed_func::<i32, ()>(&mut store, "keep")?;
    let chain_len = instance.get_typed_func::<(), i32>(&mut store, "chain_len")?;
    for i in 1..=10 {
        keep.call(&mut store, i)?;
    }
    assert_eq!(chain_len.call(&mut store, ())?, 55);
    // The host sees the object as a struct through the table.
    let table = instance.get_table(&mut store, "t").expect("exported");
    match table.get(&mut store, 1) {
        Some(Ref::Any(Some(a))) => {
            assert!(a.is_struct(&store)?);
            assert!(!a.is_array(&store)?);
            assert!(a.is_eqref(&store)?);
            assert!(!a.is_i31(&store)?);
            let ty = a.ty(&store)?;
            let s = ty.as_concrete_struct().expect("a concrete struct type");
            assert_eq!(s.fields().len(), 4);
        }
        other => panic!("expected a struct, got {other:?}"),
    }
    Ok(())
}

#[test]
fn heap_limit_is_gc_heap_out_of_memory() -> Result<()> {
    // The null collector: nothing is freed (see `gc_collect.rs` for the
    // collecting heap).
    let mut config = Config::new();
    config.wasm_gc(true).collector(Collector::Null);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, OBJECTS)?;
    let limits = StoreLimitsBuilder::new().memory_size(1 << 20).build();
    let mut store = Store::new(&engine, limits);
    store.limiter(|l| l);
    let instance = Instance::new(&mut store, &module, &[])?;
    let new_array = instance.get_typed_func::<i32, i32>(&mut store, "new_array")?;
    assert_eq!(new_array.call(&mut store, 1000)?, 1000);
    // 4 MiB does not fit under the limiter's 1 MiB.
    let err = new_array.call(&mut store, 4 << 20).unwrap_err();
    let oom = err
        .downcast_ref::<GcHeapOutOfMemory<()>>()
        .unwrap_or_else(|| panic!("not a GcHeapOutOfMemory: {err:?}"));
    assert!(oom.bytes_needed() >= 4 << 20);
    // Allocating in a loop: the null collector never frees, so the limit
    // is reached and reported the same way; the store stays usable.
    let mut failed = None;
    for _ in 0..100 {
        if let Err(e) = new_array.call(&mut store, 64 << 10) {
            failed = Some(e);
            break;
        }
    }
    let failed = failed.expect("the limit was reached");
    assert!(failed.downcast_ref::<GcHeapOutOfMemory<()>>().is_some());
    store.gc(None);
    assert_eq!(new_array.call(&mut store, 0)?, 0);
    Ok(())
}

#[test]
fn struct_and_array_objects_through_the_api() -> Result<()> {
    let engine = gc_engine();
    let mut store = Store::new(&engine, ());
    let field = |m, t| FieldType::new(m, t);
    let point = StructType::new(
        &engine,
        [
            field(Mutability::Var, StorageType::ValType(ValType::I32)),
            field(Mutability::Const, StorageType::I8),
            field(Mutability::Var, StorageType::ValType(ValType::F64)),
        ],
    )?;
    let pre = StructRefPre::new(&mut store, point.clone());
    let s = StructRef::new(
        &mut store,
        &pre,
        &[Val::I32(7), Val::I32(0x1ff), Val::F64(2.5f64.to_bits())],
    )?;
    assert_eq!(s.field(&mut store, 0)?.unwrap_i32(), 7);
    // Packed fields keep their low bits and read zero-extended.
    assert_eq!(s.field(&mut store, 1)?.unwrap_i32(), 0xff);
    s.set_field(&mut store, 0, Val::I32(8))?;
    assert_eq!(s.field(&mut store, 0)?.unwrap_i32(), 8);
    assert!(
        s.set_field(&mut store, 1, Val::I32(1)).is_err(),
        "immutable field"
    );
    assert!(
        s.set_field(&mut store, 0, Val::I64(1)).is_err(),
        "wrong type"
    );
    assert!(s.field(&mut store, 3).is_err(), "no such field");
    assert!(
        StructRef::new(&mut store, &pre, &[Val::I32(1)]).is_err(),
        "too few fields"
    );
    assert!(StructType::eq(&s.ty(&store)?, &point));

    let bytes = ArrayType::new(&engine, field(Mutability::Var, StorageType::I8));
    let apre = ArrayRefPre::new(&mut store, bytes);
    let a = ArrayRef::new(&mut store, &apre, &Val::I32(3), 5)?;
    assert_eq!(a.len(&store)?, 5);
    a.set(&mut store, 4, Val::I32(-1))?;
    assert_eq!(a.get(&mut store, 4)?.unwrap_i32(), 255);
    assert_eq!(a.get(&mut store, 0)?.unwrap_i32(), 3);
    assert!(a.get(&mut store, 5).is_err(), "out of bounds");
    let fixed = ArrayRef::new_fixed(&mut store, &apre, &[Val::I32(1), Val::I32(2)])?;
    assert_eq!(fixed.len(&store)?, 2);

    // Objects made by the host are the same objects wasm sees.
    let module = Module::new(
        &engine,
        r#"(module
            (type $point (struct (field (mut i32)) (field i8) (field (mut f64))))
            (type $bytes (array (mut i8)))
            (func (export "x") (param (ref $point)) (result i32) (struct.get $point 0 (local.get 0)))
            (func (export "sum") (param (ref $bytes)) (result i32)
              (local $i i32) (local $n i32)
              (block $done (loop $l
                (br_if $done (i32.ge_u (local.get $i) (array.len (local.get 0))))
                (local.set $n (i32.add (local.get $n) (array.get_u $bytes (local.get 0) (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l)))
              (local.get $n)))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let x = instance.get_func(&mut store, "x").unwrap();
    let mut out = [Val::I32(0)];
    x.call(&mut store, &[Val::AnyRef(Some(s.to_anyref()))], &mut out)?;
    assert_eq!(out[0].unwrap_i32(), 8);
    let sum = instance.get_func(&mut store, "sum").unwrap();
    sum.call(&mut store, &[Val::AnyRef(Some(a.to_anyref()))], &mut out)?;
    assert_eq!(out[0].unwrap_i32(), 3 * 4 + 255);
    // A struct is not accepted where the array type is expected.
    let err = sum
        .call(&mut store, &[Val::AnyRef(Some(s.to_anyref()))], &mut out)
        .unwrap_err();
    assert!(format!("{err:#}").contains("type"), "{err:#}");
    let any = s.to_anyref();
    assert!(any.as_struct(&store)?.is_some());
    assert!(any.as_array(&store)?.is_none());
    Ok(())
}

#[test]
fn limiter_refusal_reaches_api_allocations() -> Result<()> {
    let engine = gc_engine();
    let limits = StoreLimitsBuilder::new().memory_size(256 << 10).build();
    let mut store = Store::new(&engine, limits);
    store.limiter(|l| l);
    let big = ArrayType::new(
        &engine,
        FieldType::new(Mutability::Var, StorageType::ValType(ValType::I64)),
    );
    let pre = ArrayRefPre::new(&mut store, big);
    let small = ArrayRef::new(&mut store, &pre, &Val::I64(1), 16)?;
    assert_eq!(small.len(&store)?, 16);
    let err = ArrayRef::new(&mut store, &pre, &Val::I64(1), 1 << 20).unwrap_err();
    let oom = err
        .downcast_ref::<GcHeapOutOfMemory<()>>()
        .unwrap_or_else(|| panic!("not a GcHeapOutOfMemory: {err:?}"));
    assert_eq!(oom.bytes_needed(), 16 + 8 * (1 << 20));
    // Earlier objects are intact.
    assert_eq!(small.get(&mut store, 15)?.unwrap_i64(), 1);
    Ok(())
}

#[test]
fn objects_travel_in_exceptions() -> Result<()> {
    let mut config = Config::new();
    config.wasm_gc(true).wasm_exceptions(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module
            (type $box (struct (field i32)))
            (tag $t (param (ref $box)))
            (func $throw (param i32) (throw $t (struct.new $box (local.get 0))))
            (func (export "catch") (param i32) (result i32)
              (block $h (result (ref $box))
                (try_table (catch $t $h) (call $throw (local.get 0)))
                (unreachable))
              (struct.get $box 0)))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let catch = instance.get_typed_func::<i32, i32>(&mut store, "catch")?;
    assert_eq!(catch.call(&mut store, 41)?, 41);
    assert_eq!(catch.call(&mut store, -3)?, -3);
    Ok(())
}
