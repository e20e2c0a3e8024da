//! Linear memories: host access, growth limits, guard pages and explicit
//! bounds checks.

use wasmtime::*;

const MEM: &str = r#"(module
    (memory (export "memory") 1 4)
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func (export "size") (result i32) memory.size)
    (func (export "load") (param i32) (result i32) local.get 0 i32.load)
    (func (export "load_off") (param i32) (result i32) local.get 0 i32.load offset=0xfffffff0)
    (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store))"#;

fn check(config: &Config) -> Result<()> {
    let engine = Engine::new(config)?;
    let module = Module::new(&engine, MEM)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    let size = instance.get_typed_func::<(), i32>(&mut store, "size")?;
    let load = instance.get_typed_func::<i32, i32>(&mut store, "load")?;
    let load_off = instance.get_typed_func::<i32, i32>(&mut store, "load_off")?;
    let stor = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store")?;
    let memory = instance.get_memory(&mut store, "memory").unwrap();

    stor.call(&mut store, (65532, 0x1234_5678))?;
    assert_eq!(load.call(&mut store, 65532)?, 0x1234_5678);
    assert_eq!(&memory.data(&store)[65532..], &0x1234_5678i32.to_le_bytes());
    let trap = |r: Result<i32>| *r.unwrap_err().downcast_ref::<Trap>().unwrap();
    assert_eq!(trap(load.call(&mut store, 65533)), Trap::MemoryOutOfBounds);
    assert_eq!(trap(load.call(&mut store, -1)), Trap::MemoryOutOfBounds);
    assert_eq!(
        trap(load_off.call(&mut store, 0x20)),
        Trap::MemoryOutOfBounds
    );

    assert_eq!(grow.call(&mut store, 1)?, 1);
    assert_eq!(size.call(&mut store, ())?, 2);
    assert_eq!(load.call(&mut store, 65533)?, 0x0012_3456);
    assert_eq!(grow.call(&mut store, 3)?, -1, "maximum is 4 pages");
    assert_eq!(grow.call(&mut store, 2)?, 2);
    assert_eq!(memory.size(&store), 4);
    assert_eq!(memory.data_size(&store), 4 * 65536);
    assert!(memory.grow(&mut store, 1).is_err());
    assert_eq!(
        trap(load.call(&mut store, 4 * 65536 - 3)),
        Trap::MemoryOutOfBounds
    );

    memory.write(&mut store, 100, b"abc").unwrap();
    let mut buf = [0u8; 3];
    memory.read(&store, 100, &mut buf).unwrap();
    assert_eq!(&buf, b"abc");
    assert!(memory.read(&store, 4 * 65536 - 1, &mut buf).is_err());
    assert!(memory.write(&mut store, usize::MAX, b"x").is_err());
    Ok(())
}

#[test]
fn guard_page_memory() -> Result<()> {
    check(&Config::new())
}

#[test]
fn explicit_bounds_checks_without_reservation() -> Result<()> {
    let mut config = Config::new();
    config.memory_reservation(0).memory_guard_size(0);
    check(&config)
}

#[test]
fn small_reservation_moves_memory_on_growth() -> Result<()> {
    let mut config = Config::new();
    config
        .memory_reservation(1 << 16)
        .memory_guard_size(1 << 16);
    check(&config)
}

/// `Config::memory_reservation_for_growth`: a memory that moves to grow
/// reserves that much beyond its new size, so growth within it stays in
/// place, and the contents survive every move.
#[test]
fn growth_reservation_after_a_move() -> Result<()> {
    let mut config = Config::new();
    config
        .memory_reservation(1 << 16)
        .memory_guard_size(1 << 16)
        .memory_reservation_for_growth(1 << 20);
    let engine = Engine::new(&config)?;
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    memory.data_mut(&mut store)[5] = 9;
    let start = memory.data_ptr(&store);
    // Past the 64 KiB reservation: moves, reserving 1 MiB more.
    memory.grow(&mut store, 1)?;
    let moved = memory.data_ptr(&store);
    assert_ne!(moved, start);
    // 2 + 10 pages = 768 KiB <= 128 KiB + 1 MiB: stays.
    memory.grow(&mut store, 10)?;
    assert_eq!(memory.data_ptr(&store), moved);
    // Past that reservation: moves again.
    memory.grow(&mut store, 20)?;
    assert_ne!(memory.data_ptr(&store), moved);
    assert_eq!(memory.data(&store)[5], 9);
    assert_eq!(memory.size(&store), 32);
    Ok(())
}

/// The permissions of the mapping holding `addr`, from `/proc/self/maps`.
fn protection_at(addr: usize) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        let range = parts.next()?;
        let perms = parts.next()?;
        let (start, end) = range.split_once('-')?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        (start <= addr && addr < end).then(|| perms.to_string())
    })
}

/// `Config::guard_before_linear_memory` (on by default): the page before a
/// memory's base is inaccessible, for on-demand and pooled memories, also
/// after the memory moved to grow.
#[test]
fn guard_before_linear_memory() -> Result<()> {
    let check = |config: &Config| -> Result<()> {
        let engine = Engine::new(config)?;
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, r#"(module (memory (export "m") 1))"#)?;
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "m").unwrap();
        let before = memory.data_ptr(&store) as usize - 1;
        assert_eq!(protection_at(before).as_deref(), Some("---p"));
        memory.grow(&mut store, 2)?;
        let before = memory.data_ptr(&store) as usize - 1;
        assert_eq!(protection_at(before).as_deref(), Some("---p"));
        assert_eq!(memory.data(&store).len(), 3 << 16);
        Ok(())
    };
    check(&Config::new())?;
    let mut moving = Config::new();
    moving
        .memory_reservation(1 << 16)
        .memory_guard_size(1 << 16);
    check(&moving)?;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_memories(2)
        .total_core_instances(2)
        .total_tables(2)
        .max_memory_size(1 << 20);
    let mut pooled = Config::new();
    pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    check(&pooled)?;
    // Off: still works (what lies before the base is then unspecified).
    let mut off = Config::new();
    off.guard_before_linear_memory(false);
    let engine = Engine::new(&off)?;
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    memory.data_mut(&mut store)[0] = 1;
    Ok(())
}

#[test]
fn host_memory_shared_with_wasm() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(3)))?;
    assert_eq!(memory.ty(&store).minimum(), 1);
    memory.data_mut(&mut store)[8] = 77;
    let module = Module::new(
        &engine,
        r#"(module (import "" "m" (memory 1))
            (func (export "get") (param i32) (result i32) local.get 0 i32.load8_u)
            (func (export "grow") (result i32) i32.const 1 memory.grow))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[memory.into()])?;
    let get = instance.get_typed_func::<i32, i32>(&mut store, "get")?;
    let grow = instance.get_typed_func::<(), i32>(&mut store, "grow")?;
    assert_eq!(get.call(&mut store, 8)?, 77);
    assert_eq!(grow.call(&mut store, ())?, 1);
    assert_eq!(memory.size(&store), 2);
    assert_eq!(grow.call(&mut store, ())?, 2);
    assert_eq!(grow.call(&mut store, ())?, -1);
    assert!(!memory.data_ptr(&store).is_null());
    Ok(())
}

#[test]
fn explicit_bounds_checks_without_signal_based_memory_traps() -> Result<()> {
    let mut config = Config::new();
    config.signals_based_traps(false);
    check(&config)
}
