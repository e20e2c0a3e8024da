//! 64-bit memories and tables (memory64), custom page sizes and wide
//! arithmetic through the API.

use wasmtime::*;

const MEM64: &str = r#"(module
    (memory (export "memory") i64 1 3)
    (table (export "table") i64 2 funcref)
    (data (i64.const 8) "\2a")
    (func (export "load") (param i64) (result i32) local.get 0 i32.load8_u)
    (func (export "load_off") (param i64) (result i32)
        local.get 0 i32.load offset=0x100000000)
    (func (export "store") (param i64 i32) local.get 0 local.get 1 i32.store)
    (func (export "size") (result i64) memory.size)
    (func (export "grow") (param i64) (result i64) local.get 0 memory.grow)
    (func (export "fill") (param i64 i32 i64) local.get 0 local.get 1 local.get 2 memory.fill)
    (func (export "table_size") (result i64) table.size 0)
    (func (export "table_grow") (param i64) (result i64) ref.null func local.get 0 table.grow 0)
    (func (export "table_null") (param i64) (result i32) local.get 0 table.get 0 ref.is_null))"#;

fn trap<T: std::fmt::Debug>(r: Result<T>) -> Trap {
    *r.unwrap_err().downcast_ref::<Trap>().expect("a trap")
}

#[test]
fn memory64_loads_stores_and_growth() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, MEM64)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let ty = memory.ty(&store);
    assert!(ty.is_64());
    assert_eq!((ty.minimum(), ty.maximum()), (1, Some(3)));
    assert_eq!(memory.page_size(&store), 65536);
    assert_eq!(memory.page_size_log2(&store), 16);

    let load = instance.get_typed_func::<u64, u32>(&mut store, "load")?;
    let load_off = instance.get_typed_func::<u64, u32>(&mut store, "load_off")?;
    let stor = instance.get_typed_func::<(u64, u32), ()>(&mut store, "store")?;
    let size = instance.get_typed_func::<(), u64>(&mut store, "size")?;
    let grow = instance.get_typed_func::<u64, u64>(&mut store, "grow")?;
    let fill = instance.get_typed_func::<(u64, u32, u64), ()>(&mut store, "fill")?;

    assert_eq!(load.call(&mut store, 8)?, 42);
    stor.call(&mut store, (65532, 0x0102_0304))?;
    assert_eq!(memory.data(&store)[65532..], [4, 3, 2, 1]);
    assert_eq!(
        trap(stor.call(&mut store, (65533, 0))),
        Trap::MemoryOutOfBounds
    );
    // Indices above 4 GiB and near u64::MAX are out of bounds, not wrapped.
    assert_eq!(
        trap(load.call(&mut store, 1 << 32)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(
        trap(load.call(&mut store, u64::MAX)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(trap(load_off.call(&mut store, 0)), Trap::MemoryOutOfBounds);
    assert_eq!(
        trap(load_off.call(&mut store, u64::MAX - 0x10)),
        Trap::MemoryOutOfBounds
    );

    assert_eq!(size.call(&mut store, ())?, 1);
    assert_eq!(grow.call(&mut store, 1)?, 1);
    assert_eq!(
        grow.call(&mut store, 5)?,
        u64::MAX,
        "-1: beyond the maximum"
    );
    assert_eq!(grow.call(&mut store, 1 << 60)?, u64::MAX);
    assert_eq!(size.call(&mut store, ())?, 2);
    assert_eq!(memory.size(&store), 2);
    fill.call(&mut store, (65536 + 10, 7, 4))?;
    assert_eq!(load.call(&mut store, 65536 + 13)?, 7);
    assert_eq!(load.call(&mut store, 65536 + 14)?, 0);
    assert_eq!(
        trap(fill.call(&mut store, (u64::MAX, 0, 2))),
        Trap::MemoryOutOfBounds
    );
    Ok(())
}

#[test]
fn table64() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, MEM64)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let table = instance.get_table(&mut store, "table").unwrap();
    assert!(table.ty(&store).is_64());
    let size = instance.get_typed_func::<(), u64>(&mut store, "table_size")?;
    let grow = instance.get_typed_func::<u64, u64>(&mut store, "table_grow")?;
    let null = instance.get_typed_func::<u64, u32>(&mut store, "table_null")?;
    assert_eq!(size.call(&mut store, ())?, 2);
    assert_eq!(grow.call(&mut store, 3)?, 2);
    assert_eq!(table.size(&store), 5);
    assert_eq!(null.call(&mut store, 4)?, 1);
    assert_eq!(trap(null.call(&mut store, 5)), Trap::TableOutOfBounds);
    assert_eq!(trap(null.call(&mut store, 1 << 32)), Trap::TableOutOfBounds);
    Ok(())
}

#[test]
fn host_created_64_bit_memory_and_table() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new64(1, Some(2)))?;
    assert!(memory.ty(&store).is_64());
    assert_eq!(memory.grow(&mut store, 1)?, 1);
    assert!(memory.grow(&mut store, 1).is_err());
    let table = Table::new(
        &mut store,
        TableType::new64(RefType::FUNCREF, 3, None),
        Ref::Func(None),
    )?;
    assert!(table.ty(&store).is_64());
    assert_eq!(table.size(&store), 3);

    // A 64-bit memory satisfies only a 64-bit import.
    let module = Module::new(&engine, r#"(module (import "" "m" (memory i64 1)))"#)?;
    Instance::new(&mut store, &module, &[memory.into()])?;
    let module32 = Module::new(&engine, r#"(module (import "" "m" (memory 1)))"#)?;
    assert!(Instance::new(&mut store, &module32, &[memory.into()]).is_err());
    Ok(())
}

#[test]
fn memory_type_builder() -> Result<()> {
    let ty = MemoryTypeBuilder::new()
        .min(5)
        .max(Some(100))
        .memory64(true)
        .page_size_log2(0)
        .build()?;
    assert!(ty.is_64());
    assert_eq!(ty.page_size(), 1);
    assert_eq!(ty.page_size_log2(), 0);
    assert_eq!((ty.minimum(), ty.maximum()), (5, Some(100)));
    assert!(MemoryType::builder().page_size_log2(3).build().is_err());
    assert!(MemoryType::builder().min(2).max(Some(1)).build().is_err());
    assert!(
        MemoryType::builder().min(1 << 20).build().is_err(),
        "over 4 GiB"
    );
    Ok(())
}

#[test]
fn custom_page_sizes_are_checked_byte_by_byte() -> Result<()> {
    let mut config = Config::new();
    config.wasm_custom_page_sizes(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module
            (memory (export "m") 5 (pagesize 1))
            (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
            (func (export "size") (result i32) memory.size))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let memory = instance.get_memory(&mut store, "m").unwrap();
    assert_eq!(memory.page_size(&store), 1);
    assert_eq!(memory.data_size(&store), 5);
    let load = instance.get_typed_func::<u32, u32>(&mut store, "load")?;
    let grow = instance.get_typed_func::<u32, i32>(&mut store, "grow")?;
    let size = instance.get_typed_func::<(), u32>(&mut store, "size")?;
    assert_eq!(load.call(&mut store, 4)?, 0);
    // Byte 5 lies in the same host page, but it is out of bounds.
    assert_eq!(trap(load.call(&mut store, 5)), Trap::MemoryOutOfBounds);
    assert_eq!(grow.call(&mut store, 3)?, 5);
    assert_eq!(size.call(&mut store, ())?, 8);
    assert_eq!(load.call(&mut store, 7)?, 0);
    assert_eq!(trap(load.call(&mut store, 8)), Trap::MemoryOutOfBounds);
    Ok(())
}

/// With memory64 off the 2.0 encoding rules re-read memory limits; a
/// custom page size byte must not throw that reading off (two memories, or
/// an imported memory followed by another import).
#[test]
fn custom_page_sizes_without_memory64() -> Result<()> {
    let mut config = Config::new();
    config.wasm_custom_page_sizes(true).wasm_memory64(false);
    let engine = Engine::new(&config)?;
    Module::new(
        &engine,
        "(module (memory 1 (pagesize 1)) (memory 2 3 (pagesize 65536)))",
    )?;
    let module = Module::new(
        &engine,
        r#"(module
            (import "" "m" (memory 3 (pagesize 1)))
            (import "" "g" (global i32))
            (func (export "size") (result i32) memory.size))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let ty = MemoryTypeBuilder::new().min(3).page_size_log2(0).build()?;
    let memory = Memory::new(&mut store, ty)?;
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(0),
    )?;
    let instance = Instance::new(&mut store, &module, &[memory.into(), g.into()])?;
    let size = instance.get_typed_func::<(), u32>(&mut store, "size")?;
    assert_eq!(size.call(&mut store, ())?, 3);
    Ok(())
}

#[test]
fn wide_arithmetic() -> Result<()> {
    let mut config = Config::new();
    config.wasm_wide_arithmetic(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
                local.get 0 local.get 1 local.get 2 local.get 3 i64.add128)
            (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
                local.get 0 local.get 1 local.get 2 local.get 3 i64.sub128)
            (func (export "mul_s") (param i64 i64) (result i64 i64)
                local.get 0 local.get 1 i64.mul_wide_s)
            (func (export "mul_u") (param i64 i64) (result i64 i64)
                local.get 0 local.get 1 i64.mul_wide_u))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let add = instance.get_typed_func::<(u64, u64, u64, u64), (u64, u64)>(&mut store, "add128")?;
    let sub = instance.get_typed_func::<(u64, u64, u64, u64), (u64, u64)>(&mut store, "sub128")?;
    let mul_s = instance.get_typed_func::<(i64, i64), (u64, u64)>(&mut store, "mul_s")?;
    let mul_u = instance.get_typed_func::<(u64, u64), (u64, u64)>(&mut store, "mul_u")?;
    let split = |v: u128| (v as u64, (v >> 64) as u64);
    let cases: [(u128, u128); 4] = [
        (u128::MAX, 1),
        (1 << 64, (1 << 64) - 1),
        (
            0x1234_5678_9abc_def0_1122_3344_5566_7788,
            0xffff_0000_ffff_0000_ffff_0000_ffff,
        ),
        (0, 3),
    ];
    for (x, y) in cases {
        let (xl, xh) = split(x);
        let (yl, yh) = split(y);
        assert_eq!(
            add.call(&mut store, (xl, xh, yl, yh))?,
            split(x.wrapping_add(y))
        );
        assert_eq!(
            sub.call(&mut store, (xl, xh, yl, yh))?,
            split(x.wrapping_sub(y))
        );
    }
    for (x, y) in [
        (u64::MAX, u64::MAX),
        (3, 1 << 63),
        (0x1_0000_0001, 0xffff_ffff),
    ] {
        let wide = u128::from(x) * u128::from(y);
        assert_eq!(mul_u.call(&mut store, (x, y))?, split(wide));
        let (sx, sy) = (x as i64, y as i64);
        let wide_s = (i128::from(sx) * i128::from(sy)) as u128;
        assert_eq!(mul_s.call(&mut store, (sx, sy))?, split(wide_s));
    }
    Ok(())
}

/// A module using a proposal that is turned off fails validation with a
/// message naming the proposal.
#[test]
fn disabled_proposals_fail_validation_naming_them() {
    type Configure = fn(&mut Config);
    let cases: &[(&str, Configure, &str)] = &[
        ("(module (memory i64 1))", |c| {
            c.wasm_memory64(false);
        }, "memory64"),
        ("(module (memory 1) (memory 1))", |c| {
            c.wasm_multi_memory(false);
        }, "multiple memories"),
        ("(module (global i32 (i32.add (i32.const 1) (i32.const 2))))", |c| {
            c.wasm_extended_const(false);
        }, "constant expression"),
        ("(module (memory 1 (pagesize 1)))", |_| {}, "custom page sizes"),
        (
            "(module (func (param i64 i64) (result i64 i64) local.get 0 local.get 1 i64.mul_wide_u))",
            |_| {},
            "wide arithmetic",
        ),
    ];
    for (wat, configure, needle) in cases {
        let mut config = Config::new();
        configure(&mut config);
        let engine = Engine::new(&config).unwrap();
        let err = Module::new(&engine, wat).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains(needle),
            "{wat}: `{msg}` should mention `{needle}`"
        );
    }
}

/// A 32-bit memory of 1-byte pages holds at most 4 GiB - 2 bytes (as in
/// Wasmtime), so `memory.size` and `memory.grow` never return a size that
/// reads as the failure value -1.
#[test]
fn one_byte_pages_stop_two_bytes_short_of_4gib() -> Result<()> {
    let mut config = Config::new();
    config.wasm_custom_page_sizes(true);
    let engine = Engine::new(&config)?;
    let mut store = Store::new(&engine, ());
    let too_big = Module::new(&engine, "(module (memory 0xffff_ffff (pagesize 1)))")?;
    let err = Instance::new(&mut store, &too_big, &[]).unwrap_err();
    assert!(
        format!("{err:?}")
            .contains("memory minimum size of 4294967295 pages exceeds memory limits"),
        "{err:?}"
    );
    let module = Module::new(
        &engine,
        r#"(module
            (memory (export "m") 0xffff_fffe (pagesize 1))
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    for delta in [1, 2, 100, -1] {
        assert_eq!(grow.call(&mut store, delta)?, -1, "grow by {delta}");
    }
    assert_eq!(grow.call(&mut store, 0)?, -2);
    let memory = instance.get_memory(&mut store, "m").unwrap();
    assert_eq!(memory.size(&store), 0xffff_fffe);
    // Growing to exactly the cap works.
    let module = Module::new(
        &engine,
        r#"(module
            (memory (export "m") 0xffff_fffd (pagesize 1))
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    assert_eq!(grow.call(&mut store, 2)?, -1);
    assert_eq!(grow.call(&mut store, 1)?, -3);
    Ok(())
}

/// A table whose allocation size cannot even be computed is an error
/// naming the overflow, at instantiation and at `table.grow` (which then
/// fails with an error, as in Wasmtime, rather than returning -1).
#[test]
fn tables_too_big_to_allocate() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        "(module (table i64 0x2000_0000_0000_0000 funcref))",
    )?;
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(
        format!("{err:?}").contains("overflow calculating table allocation size"),
        "{err:?}"
    );
    let module = Module::new(
        &engine,
        r#"(module
            (table i64 0 funcref)
            (func (export "grow") (param i64) (result i64)
                (table.grow 0 (ref.null func) (local.get 0))))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i64, i64>(&mut store, "grow")?;
    let err = grow.call(&mut store, 0x2000_0000_0000_0000).unwrap_err();
    assert!(format!("{err:?}").contains("failed to allocate"), "{err:?}");
    // A large but representable request just fails, and the store stays
    // usable.
    assert_eq!(grow.call(&mut store, 1 << 40)?, -1);
    assert_eq!(grow.call(&mut store, 3)?, 0);
    Ok(())
}
