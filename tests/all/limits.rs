//! Resource limits: `ResourceLimiter`, `StoreLimits`, `Store::limiter` and
//! the default per-store counts.

use std::sync::{Arc, Mutex};
use wasmtime::*;

const GROWER: &str = r#"(module
    (memory (export "m") 1)
    (table (export "t") 1 funcref)
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func (export "tgrow") (param i32) (result i32) ref.null func local.get 0 table.grow)
    (func (export "size") (result i32) memory.size)
    (func (export "tsize") (result i32) table.size))"#;

struct Data {
    limits: StoreLimits,
}

fn store_with(engine: &Engine, limits: StoreLimits) -> Store<Data> {
    let mut store = Store::new(engine, Data { limits });
    store.limiter(|d| &mut d.limits);
    store
}

#[test]
fn memory_growth_denied_returns_minus_one_and_store_stays_usable() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, GROWER)?;
    let limits = StoreLimitsBuilder::new()
        .memory_size(3 * 65536)
        .table_elements(5)
        .build();
    let mut store = store_with(&engine, limits);
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    let size = instance.get_typed_func::<(), i32>(&mut store, "size")?;
    let tgrow = instance.get_typed_func::<i32, i32>(&mut store, "tgrow")?;
    let tsize = instance.get_typed_func::<(), i32>(&mut store, "tsize")?;

    assert_eq!(grow.call(&mut store, 2)?, 1);
    assert_eq!(
        grow.call(&mut store, 1)?,
        -1,
        "4 pages exceed the 3-page limit"
    );
    assert_eq!(size.call(&mut store, ())?, 3);
    assert_eq!(
        grow.call(&mut store, 0)?,
        3,
        "growing by zero is always allowed"
    );
    let memory = instance.get_memory(&mut store, "m").unwrap();
    assert!(memory.grow(&mut store, 1).is_err());
    assert_eq!(memory.size(&store), 3);

    assert_eq!(tgrow.call(&mut store, 4)?, 1);
    assert_eq!(tgrow.call(&mut store, 1)?, -1);
    assert_eq!(tsize.call(&mut store, ())?, 5);
    let table = instance.get_table(&mut store, "t").unwrap();
    assert!(table.grow(&mut store, 1, Ref::Func(None)).is_err());

    // The store keeps working after the denials.
    let instance2 = Instance::new(&mut store, &module, &[])?;
    let grow2 = instance2.get_typed_func::<i32, i32>(&mut store, "grow")?;
    assert_eq!(grow2.call(&mut store, 1)?, 1);
    Ok(())
}

#[test]
fn initial_sizes_are_checked_at_instantiation() -> Result<()> {
    let engine = Engine::default();
    let big_memory = Module::new(&engine, "(module (memory 4))")?;
    let big_table = Module::new(&engine, "(module (table 10 funcref))")?;
    let limits = StoreLimitsBuilder::new()
        .memory_size(3 * 65536)
        .table_elements(5)
        .build();
    let mut store = store_with(&engine, limits);
    let err = Instance::new(&mut store, &big_memory, &[]).unwrap_err();
    assert!(err.to_string().contains("exceeds memory limits"), "{err}");
    let err = Instance::new(&mut store, &big_table, &[]).unwrap_err();
    assert!(err.to_string().contains("exceeds table limits"), "{err}");
    assert!(Memory::new(&mut store, MemoryType::new(4, None)).is_err());
    assert!(Memory::new(&mut store, MemoryType::new(3, None)).is_ok());
    Ok(())
}

#[test]
fn counts_are_limited() -> Result<()> {
    let engine = Engine::default();
    let empty = Module::new(&engine, "(module)")?;
    let with_memory = Module::new(&engine, "(module (memory 0))")?;
    let with_table = Module::new(&engine, "(module (table 0 funcref))")?;

    let limits = StoreLimitsBuilder::new().instances(3).build();
    let mut store = store_with(&engine, limits);
    for _ in 0..3 {
        Instance::new(&mut store, &empty, &[])?;
    }
    let err = Instance::new(&mut store, &empty, &[]).unwrap_err();
    assert!(err.to_string().contains("instance count too high"), "{err}");

    let limits = StoreLimitsBuilder::new().memories(2).tables(1).build();
    let mut store = store_with(&engine, limits);
    Instance::new(&mut store, &with_memory, &[])?;
    Memory::new(&mut store, MemoryType::new(0, None))?;
    let err = Instance::new(&mut store, &with_memory, &[]).unwrap_err();
    assert!(err.to_string().contains("memory count too high"), "{err}");
    Instance::new(&mut store, &with_table, &[])?;
    let err = Instance::new(&mut store, &with_table, &[]).unwrap_err();
    assert!(err.to_string().contains("table count too high"), "{err}");
    // Modules without memories or tables still instantiate.
    Instance::new(&mut store, &empty, &[])?;
    Ok(())
}

#[test]
fn default_limit_is_ten_thousand_instances() -> Result<()> {
    assert_eq!(DEFAULT_INSTANCE_LIMIT, 10_000);
    assert_eq!(DEFAULT_MEMORY_LIMIT, 10_000);
    assert_eq!(DEFAULT_TABLE_LIMIT, 10_000);
    let engine = Engine::default();
    let empty = Module::new(&engine, "(module)")?;
    let mut store = Store::new(&engine, ());
    for _ in 0..DEFAULT_INSTANCE_LIMIT {
        Instance::new(&mut store, &empty, &[])?;
    }
    let err = Instance::new(&mut store, &empty, &[]).unwrap_err();
    assert!(err.to_string().contains("instance count too high"), "{err}");
    Ok(())
}

/// A limiter recording every request it sees.
#[derive(Default)]
struct Recorder {
    log: Arc<Mutex<Vec<String>>>,
    deny_above: usize,
    fail_with_error: bool,
}

impl ResourceLimiter for Recorder {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> Result<bool> {
        self.log
            .lock()
            .unwrap()
            .push(format!("memory {current} -> {desired} (max {max:?})"));
        if self.fail_with_error && desired > self.deny_above {
            bail!("limiter says no");
        }
        Ok(desired <= self.deny_above)
    }
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> Result<bool> {
        self.log
            .lock()
            .unwrap()
            .push(format!("table {current} -> {desired} (max {max:?})"));
        Ok(true)
    }
}

#[test]
fn limiter_sees_byte_sizes_and_maximums() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (memory 1 5)
            (table 2 7 funcref)
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
            (func (export "tgrow") (param i32) (result i32) ref.null func local.get 0 table.grow))"#,
    )?;
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut store = Store::new(
        &engine,
        Recorder {
            log: log.clone(),
            deny_above: 3 * 65536,
            fail_with_error: false,
        },
    );
    store.limiter(|r| r as &mut dyn ResourceLimiter);
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    let tgrow = instance.get_typed_func::<i32, i32>(&mut store, "tgrow")?;
    assert_eq!(grow.call(&mut store, 1)?, 1);
    assert_eq!(grow.call(&mut store, 2)?, -1);
    // Past the declared maximum: the limiter is still asked first (as in
    // Wasmtime, so it can turn the failure into a trap), then it fails.
    assert_eq!(grow.call(&mut store, 10)?, -1);
    assert_eq!(tgrow.call(&mut store, 3)?, 2);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "memory 0 -> 65536 (max Some(327680))",
            "table 0 -> 2 (max Some(7))",
            "memory 65536 -> 131072 (max Some(327680))",
            "memory 131072 -> 262144 (max Some(327680))",
            "memory 131072 -> 786432 (max Some(327680))",
            "table 2 -> 5 (max Some(7))",
        ]
    );
    Ok(())
}

#[test]
fn limiter_error_traps_and_store_stays_usable() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, GROWER)?;
    let mut store = Store::new(
        &engine,
        Recorder {
            deny_above: 2 * 65536,
            fail_with_error: true,
            ..Default::default()
        },
    );
    store.limiter(|r| r as &mut dyn ResourceLimiter);
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    let size = instance.get_typed_func::<(), i32>(&mut store, "size")?;
    let err = grow.call(&mut store, 5).unwrap_err();
    assert!(format!("{err:?}").contains("limiter says no"), "{err:?}");
    assert_eq!(size.call(&mut store, ())?, 1);
    assert_eq!(grow.call(&mut store, 1)?, 1);
    Ok(())
}

#[test]
fn trap_on_grow_failure() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, GROWER)?;
    let limits = StoreLimitsBuilder::new()
        .memory_size(2 * 65536)
        .trap_on_grow_failure(true)
        .build();
    let mut store = store_with(&engine, limits);
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    assert_eq!(grow.call(&mut store, 1)?, 1);
    let err = grow.call(&mut store, 1).unwrap_err();
    assert!(format!("{err:?}").contains("forcing trap"), "{err:?}");
    assert_eq!(grow.call(&mut store, 0)?, 2);
    Ok(())
}

#[test]
fn trap_on_grow_failure_past_the_declared_maximum() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (memory 1 2)
            (table 1 2 funcref)
            (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
            (func (export "tgrow") (param i32) (result i32) ref.null func local.get 0 table.grow))"#,
    )?;
    // Without the flag: -1, as the spec says.
    let mut store = store_with(&engine, StoreLimitsBuilder::new().build());
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    let tgrow = instance.get_typed_func::<i32, i32>(&mut store, "tgrow")?;
    assert_eq!(grow.call(&mut store, 5)?, -1);
    assert_eq!(tgrow.call(&mut store, 5)?, -1);
    assert_eq!(grow.call(&mut store, 1)?, 1);

    // With it, and no size limit of its own: growing past the module's
    // own maximum traps, as in Wasmtime.
    let limits = StoreLimitsBuilder::new().trap_on_grow_failure(true).build();
    let mut store = store_with(&engine, limits);
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    let tgrow = instance.get_typed_func::<i32, i32>(&mut store, "tgrow")?;
    let err = grow.call(&mut store, 5).unwrap_err();
    assert!(
        format!("{err:?}").contains("forcing trap when growing memory to 393216 bytes"),
        "{err:?}"
    );
    let err = tgrow.call(&mut store, 5).unwrap_err();
    assert!(
        format!("{err:?}").contains("forcing trap when growing table to 6 elements"),
        "{err:?}"
    );
    // Within the maximum it still grows.
    assert_eq!(grow.call(&mut store, 1)?, 1);
    assert_eq!(tgrow.call(&mut store, 1)?, 1);
    Ok(())
}
