//! Several memories in one module (multi-memory).

use wasmtime::*;

#[test]
fn accesses_copies_and_growth_use_the_right_memory() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "m0" (memory $m0 1))
            (memory $m1 (export "m1") 1 2)
            (memory $m2 (export "m2") 2)
            (data (memory $m1) (i32.const 0) "abcd")
            (func (export "load") (param i32 i32) (result i32)
                (block $b2 (block $b1 (block $b0
                    (br_table $b0 $b1 $b2 (local.get 0)))
                    (return (i32.load8_u $m0 (local.get 1))))
                    (return (i32.load8_u $m1 (local.get 1))))
                (i32.load8_u $m2 (local.get 1)))
            (func (export "store2") (param i32 i32) (i32.store8 $m2 (local.get 0) (local.get 1)))
            (func (export "copy_1_to_0") (param i32 i32 i32)
                (memory.copy $m0 $m1 (local.get 0) (local.get 1) (local.get 2)))
            (func (export "fill2") (param i32 i32 i32)
                (memory.fill $m2 (local.get 0) (local.get 1) (local.get 2)))
            (func (export "sizes") (result i32 i32 i32)
                (memory.size $m0) (memory.size $m1) (memory.size $m2))
            (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let m0 = Memory::new(&mut store, MemoryType::new(1, None))?;
    let mut linker = Linker::new(&engine);
    linker.define(&mut store, "host", "m0", m0)?;
    let instance = linker.instantiate(&mut store, &module)?;
    let m1 = instance.get_memory(&mut store, "m1").unwrap();
    let m2 = instance.get_memory(&mut store, "m2").unwrap();
    let load = instance.get_typed_func::<(i32, i32), i32>(&mut store, "load")?;
    let store2 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store2")?;
    let copy = instance.get_typed_func::<(i32, i32, i32), ()>(&mut store, "copy_1_to_0")?;
    let fill = instance.get_typed_func::<(i32, i32, i32), ()>(&mut store, "fill2")?;
    let sizes = instance.get_typed_func::<(), (i32, i32, i32)>(&mut store, "sizes")?;
    let grow1 = instance.get_typed_func::<i32, i32>(&mut store, "grow1")?;

    assert_eq!(&m1.data(&store)[..4], b"abcd");
    assert_eq!(load.call(&mut store, (1, 1))?, i32::from(b'b'));
    assert_eq!(load.call(&mut store, (0, 1))?, 0);
    copy.call(&mut store, (10, 0, 4))?;
    assert_eq!(&m0.data(&store)[10..14], b"abcd");
    assert_eq!(load.call(&mut store, (0, 12))?, i32::from(b'c'));

    store2.call(&mut store, (100_000, 9))?;
    assert_eq!(m2.data(&store)[100_000], 9);
    assert_eq!(load.call(&mut store, (2, 100_000))?, 9);
    // Memory 2 has two pages, memory 1 only one.
    let err = load.call(&mut store, (1, 100_000)).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
    fill.call(&mut store, (5, 0xee, 3))?;
    assert_eq!(&m2.data(&store)[4..9], &[0, 0xee, 0xee, 0xee, 0]);
    assert_eq!(m1.data(&store)[6], 0, "fill touched only memory 2");

    assert_eq!(sizes.call(&mut store, ())?, (1, 1, 2));
    assert_eq!(grow1.call(&mut store, 1)?, 1);
    assert_eq!(grow1.call(&mut store, 1)?, -1);
    assert_eq!(sizes.call(&mut store, ())?, (1, 2, 2));
    Ok(())
}
