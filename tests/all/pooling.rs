//! The pooling instance allocator: slot reuse and isolation, exhaustion,
//! limits, and concurrent use.

use wasmtime::*;

const PAGE: u64 = 65536;

fn pooling_engine(f: impl FnOnce(&mut PoolingAllocationConfig)) -> Engine {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(4)
        .total_memories(4)
        .total_tables(4)
        .max_memory_size(16 << 20)
        .table_elements(100);
    f(&mut pool);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).unwrap()
}

const MEM_MODULE: &str = r#"(module
    (memory (export "mem") 1)
    (table (export "tab") 10 funcref)
    (func $f)
    (elem (i32.const 0) $f)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))
    (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "set_elem") (param i32) (table.set (local.get 0) (ref.func $f)))
    (func (export "elem_is_null") (param i32) (result i32) (ref.is_null (table.get (local.get 0))))
    (func (export "table_grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))"#;

#[test]
fn slots_are_reused_and_reset() -> Result<()> {
    check_slots_are_reused_and_reset(|_| {})
}

/// The same with parts of the slots reset by copying / `memset` instead of
/// `madvise`: a prefix smaller than what the instance touched, and one
/// larger than the whole slot.
#[test]
fn keep_resident_slots_are_reset() -> Result<()> {
    check_slots_are_reused_and_reset(|p| {
        p.linear_memory_keep_resident(2 * PAGE as usize)
            .table_keep_resident(8);
    })?;
    check_slots_are_reused_and_reset(|p| {
        p.linear_memory_keep_resident(64 << 20)
            .table_keep_resident(1 << 20);
    })?;
    // No warm slots allowed: every slot is discarded in full despite the
    // kept-resident size.
    check_slots_are_reused_and_reset(|p| {
        p.linear_memory_keep_resident(64 << 20)
            .max_unused_warm_slots(0);
    })
}

fn check_slots_are_reused_and_reset(f: impl FnOnce(&mut PoolingAllocationConfig)) -> Result<()> {
    let engine = pooling_engine(|p| {
        p.total_core_instances(1).total_memories(1).total_tables(1);
        f(p);
    });
    let module = Module::new(&engine, MEM_MODULE)?;
    let secret_offsets = [0u32, 4096, 65532, PAGE as u32 + 8, 3 * PAGE as u32 + 100];
    for round in 0..3 {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let size = instance.get_typed_func::<(), i32>(&mut store, "size")?;
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
        let store_fn = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store")?;
        let load = instance.get_typed_func::<i32, i32>(&mut store, "load")?;
        let set_elem = instance.get_typed_func::<i32, ()>(&mut store, "set_elem")?;
        let is_null = instance.get_typed_func::<i32, i32>(&mut store, "elem_is_null")?;
        let table_grow = instance.get_typed_func::<i32, i32>(&mut store, "table_grow")?;

        // A fresh instance sees its initial state only.
        assert_eq!(size.call(&mut store, ())?, 1, "round {round}");
        assert_eq!(load.call(&mut store, 0)?, 0);
        assert_eq!(load.call(&mut store, 4096)?, 0);
        assert_eq!(load.call(&mut store, 65532)?, 0);
        let oob = load.call(&mut store, PAGE as i32 + 8).unwrap_err();
        assert_eq!(oob.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
        assert_eq!(is_null.call(&mut store, 0)?, 0, "elem segment applied");
        for i in 1..10 {
            assert_eq!(is_null.call(&mut store, i)?, 1, "round {round} elem {i}");
        }
        let tab = instance.get_table(&mut store, "tab").unwrap();
        assert_eq!(tab.size(&store), 10, "table size reset");

        // Dirty everything: memory (including grown pages) and table.
        assert_eq!(grow.call(&mut store, 3)?, 1);
        for off in secret_offsets {
            store_fn.call(&mut store, (off as i32, 0x5ec2e7 + round))?;
            assert_eq!(load.call(&mut store, off as i32)?, 0x5ec2e7 + round);
        }
        set_elem.call(&mut store, 7)?;
        assert_eq!(table_grow.call(&mut store, 5)?, 10);
        set_elem.call(&mut store, 12)?;

        // The only slots are in use: a second instance cannot be created.
        let err = Instance::new(&mut store, &module, &[]).unwrap_err();
        assert!(format!("{err:#}").contains("limit"), "{err:#}");
    }
    Ok(())
}

#[test]
fn exhaustion_is_an_error_and_slots_return_on_store_drop() -> Result<()> {
    let engine = pooling_engine(|p| {
        p.total_core_instances(3);
    });
    let plain = Module::new(&engine, "(module)")?;
    let mut store = Store::new(&engine, ());
    for _ in 0..3 {
        Instance::new(&mut store, &plain, &[])?;
    }
    let err = Instance::new(&mut store, &plain, &[]).unwrap_err();
    assert!(
        format!("{err:#}").contains("maximum concurrent core instance limit of 3 reached"),
        "{err:#}"
    );
    drop(store);

    // Memory slots run out independently of instance slots.
    let engine = pooling_engine(|p| {
        p.total_core_instances(10).total_memories(2);
    });
    let module2 = Module::new(&engine, "(module (memory 1))")?;
    let mut store = Store::new(&engine, ());
    Instance::new(&mut store, &module2, &[])?;
    Instance::new(&mut store, &module2, &[])?;
    let err = Instance::new(&mut store, &module2, &[]).unwrap_err();
    assert!(
        format!("{err:#}").contains("maximum concurrent memory limit of 2 reached"),
        "{err:#}"
    );
    // A failed instantiation leaks nothing: after the store is dropped all
    // slots are free again.
    drop(store);
    let mut store = Store::new(&engine, ());
    Instance::new(&mut store, &module2, &[])?;
    Instance::new(&mut store, &module2, &[])?;
    Ok(())
}

#[test]
fn memory_grow_respects_max_memory_size() -> Result<()> {
    let engine = pooling_engine(|p| {
        p.max_memory_size(3 * PAGE as usize);
    });
    let module = Module::new(
        &engine,
        r#"(module (memory (export "mem") 1)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    assert_eq!(grow.call(&mut store, 3)?, -1);
    assert_eq!(grow.call(&mut store, 2)?, 1);
    assert_eq!(grow.call(&mut store, 1)?, -1);
    assert_eq!(grow.call(&mut store, 0)?, 3);
    let mem = instance.get_memory(&mut store, "mem").unwrap();
    assert_eq!(mem.data_size(&store), 3 * PAGE as usize);
    assert!(mem.grow(&mut store, 1).is_err());

    let too_big = Module::new(&engine, "(module (memory 4))")?;
    let err = Instance::new(&mut store, &too_big, &[]).unwrap_err();
    assert!(format!("{err:#}").contains("exceeds the limit"), "{err:#}");
    Ok(())
}

#[test]
fn per_module_limits() -> Result<()> {
    let engine = pooling_engine(|p| {
        p.table_elements(5).max_core_instance_size(4096);
    });
    let mut store = Store::new(&engine, ());
    let two_tables = Module::new(&engine, "(module (table 1 funcref) (table 1 funcref))")?;
    let err = Instance::new(&mut store, &two_tables, &[]).unwrap_err();
    assert!(format!("{err:#}").contains("tables count of 2"), "{err:#}");

    let big_table = Module::new(&engine, "(module (table 6 funcref))")?;
    let err = Instance::new(&mut store, &big_table, &[]).unwrap_err();
    assert!(format!("{err:#}").contains("table index 0"), "{err:#}");

    let grow = Module::new(
        &engine,
        r#"(module (table 5 funcref)
            (func (export "grow") (result i32) (table.grow (ref.null func) (i32.const 1))))"#,
    )?;
    let instance = Instance::new(&mut store, &grow, &[])?;
    let f = instance.get_typed_func::<(), i32>(&mut store, "grow")?;
    assert_eq!(f.call(&mut store, ())?, -1);

    // Many functions make a VMContext bigger than 4 KiB.
    let funcs = "(func)".repeat(200);
    let huge = Module::new(&engine, format!("(module {funcs})"))?;
    let err = Instance::new(&mut store, &huge, &[]).unwrap_err();
    assert!(
        format!("{err:#}").contains("exceeds the configured maximum"),
        "{err:#}"
    );

    let mut config = Config::new();
    config.wasm_multi_memory(true);
    config.allocation_strategy(PoolingAllocationConfig::default());
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, "(module (memory 1) (memory 1))")?;
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(
        format!("{err:#}").contains("memories count of 2"),
        "{err:#}"
    );
    Ok(())
}

#[test]
fn default_pooling_config_works() -> Result<()> {
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::pooling());
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module (memory 1) (func (export "f") (result i32)
            (i32.store (i32.const 65532) (i32.const 9)) (i32.load (i32.const 65532))))"#,
    )?;
    for _ in 0..5 {
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &[])?;
        let f = i.get_typed_func::<(), i32>(&mut store, "f")?;
        assert_eq!(f.call(&mut store, ())?, 9);
    }
    Ok(())
}

#[test]
fn many_stores_from_two_threads() -> Result<()> {
    let engine = pooling_engine(|p| {
        p.total_core_instances(3).total_memories(3).total_tables(3);
    });
    let module = Module::new(&engine, MEM_MODULE)?;
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let engine = engine.clone();
            let module = module.clone();
            std::thread::spawn(move || -> Result<()> {
                for i in 0..300 {
                    let mut store = Store::new(&engine, ());
                    let instance = Instance::new(&mut store, &module, &[])?;
                    let load = instance.get_typed_func::<i32, i32>(&mut store, "load")?;
                    let store_fn =
                        instance.get_typed_func::<(i32, i32), ()>(&mut store, "store")?;
                    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
                    assert_eq!(load.call(&mut store, 128)?, 0, "thread {t} iteration {i}");
                    assert_eq!(grow.call(&mut store, 0)?, 1);
                    store_fn.call(&mut store, (128, t * 1000 + i))?;
                    assert_eq!(load.call(&mut store, 128)?, t * 1000 + i);
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap()?;
    }
    Ok(())
}

#[test]
fn linker_instance_pre_with_pooling() -> Result<()> {
    let engine = pooling_engine(|_| {});
    let module = Module::new(
        &engine,
        r#"(module (import "" "f" (func $f (result i32)))
            (func (export "g") (result i32) (i32.add (call $f) (i32.const 1))))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("", "f", || 41)?;
    let pre = linker.instantiate_pre(&module)?;
    for _ in 0..10 {
        let mut store = Store::new(&engine, ());
        let instance = pre.instantiate(&mut store)?;
        let g = instance.get_typed_func::<(), i32>(&mut store, "g")?;
        assert_eq!(g.call(&mut store, ())?, 42);
    }
    Ok(())
}

/// `pagemap_scan` and `memory_protection_keys` take `Enabled`: `No` and
/// `Auto` always work; `Yes` fails where the host lacks the feature (and,
/// for protection keys, also where it has them: slots are not packed with
/// keys yet). Availability agrees with the kernel's `pku` CPU flag.
#[test]
fn host_feature_switches() -> Result<()> {
    let make = |f: &dyn Fn(&mut PoolingAllocationConfig)| {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(2)
            .total_memories(2)
            .total_tables(2)
            .max_memory_size(1 << 20)
            .linear_memory_keep_resident(1 << 16);
        f(&mut pool);
        let mut config = Config::new();
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        Engine::new(&config)
    };
    let run = |engine: &Engine| -> Result<()> {
        let module = Module::new(
            engine,
            r#"(module (memory (export "m") 1) (data (i32.const 0) "hi"))"#,
        )?;
        for _ in 0..3 {
            let mut store = Store::new(engine, ());
            let instance = Instance::new(&mut store, &module, &[])?;
            let memory = instance.get_memory(&mut store, "m").unwrap();
            assert_eq!(&memory.data(&store)[..3], b"hi\0");
            memory.data_mut(&mut store)[100] = 7;
        }
        Ok(())
    };
    for on in [Enabled::No, Enabled::Auto] {
        run(&make(&|p| {
            p.pagemap_scan(on);
        })?)?;
        run(&make(&|p| {
            p.memory_protection_keys(on).max_memory_protection_keys(4);
        })?)?;
    }
    let pagemap = make(&|p| {
        p.pagemap_scan(Enabled::Yes);
    });
    assert_eq!(
        pagemap.is_ok(),
        PoolingAllocationConfig::is_pagemap_scan_available()
    );
    if let Ok(engine) = pagemap {
        run(&engine)?;
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let pku = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .any(|l| l.split_whitespace().any(|f| f == "pku"));
    let available = PoolingAllocationConfig::are_memory_protection_keys_available();
    if !pku {
        assert!(!available);
    }
    let err = make(&|p| {
        p.memory_protection_keys(Enabled::Yes);
    })
    .expect_err("MPK cannot be required");
    let text = format!("{err:?}");
    if available {
        assert!(text.contains("does not pack"), "{text}");
    } else {
        assert!(text.contains("does not support them"), "{text}");
    }
    Ok(())
}

/// `cranelift_regalloc_algorithm`, `table_lazy_init` and
/// `memory_guaranteed_dense_image_size` leave results unchanged; the
/// allocator choice is part of the artifact's settings.
#[test]
fn codegen_and_image_tuning() -> Result<()> {
    const SPARSE: &str = r#"(module
        (memory (export "m") 200)
        (table (export "t") 4 funcref)
        (elem (i32.const 1) $f)
        (func $f (result i32) i32.const 5)
        (type $t (func (result i32)))
        (data (i32.const 0) "a")
        (data (i32.const 0xA00000) "z")
        (func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $t)))"#;
    let check = |config: &Config| -> Result<Vec<u8>> {
        let engine = Engine::new(config)?;
        let module = Module::new(&engine, SPARSE)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let call = instance.get_typed_func::<i32, i32>(&mut store, "call")?;
        assert_eq!(call.call(&mut store, 1)?, 5);
        let memory = instance.get_memory(&mut store, "m").unwrap();
        let data = memory.data(&store);
        assert_eq!((data[0], data[0xA00000], data[1]), (b'a', b'z', 0));
        engine.precompile_module(SPARSE.as_bytes())
    };
    let default = check(&Config::new())?;
    let mut config = Config::new();
    config
        .cranelift_regalloc_algorithm(RegallocAlgorithm::SinglePass)
        .table_lazy_init(false)
        .memory_guaranteed_dense_image_size(0);
    let single_pass = check(&config)?;
    // The allocator is a code generation setting: an artifact made with one
    // is refused by an engine using the other.
    let engine = Engine::default();
    // SAFETY: the bytes come from `precompile_module` above.
    let err = unsafe { Module::deserialize(&engine, &single_pass) }.unwrap_err();
    assert!(format!("{err:?}").contains("regalloc_algorithm"), "{err:?}");
    // SAFETY: as above.
    unsafe { Module::deserialize(&engine, &default) }?;
    Ok(())
}

/// Funcref slots are filled on first use rather than at instantiation, and
/// a pooled slot keeps the previous instance's bytes there: every way of
/// reaching a funcref (exports, table elements, `ref.func` in code and in
/// globals, the start function, `table.init` of a passive segment) must
/// see this instance's functions, with their own types.
#[test]
fn funcrefs_of_a_reused_slot_belong_to_the_new_instance() -> Result<()> {
    let engine = pooling_engine(|p| {
        p.total_core_instances(1).total_memories(1).total_tables(1);
    });
    // The first tenant fills many funcref slots with functions of another
    // type, all exported so that all are filled.
    let mut first = String::from("(module");
    for i in 0..64 {
        first.push_str(&format!(
            "(func (export \"f{i}\") (param i32) (result i32) (i32.add (local.get 0) (i32.const {i})))"
        ));
    }
    first.push(')');
    let first = Module::new(&engine, &first)?;
    let second = Module::new(
        &engine,
        r#"(module
            (type $r (func (result i64)))
            (table $t (export "t") 4 funcref)
            (global $g (mut i64) (i64.const 0))
            (global $via_global funcref (ref.func $from_global))
            (func $unused0 (result i64) (i64.const -1))
            (func $unused1 (result i64) (i64.const -1))
            (func $in_table (result i64) (i64.const 10))
            (func $from_code (result i64) (i64.const 20))
            (func $from_global (result i64) (i64.const 30))
            (func $passive (result i64) (i64.const 40))
            (func $start (global.set $g (i64.const 50)))
            (elem (i32.const 0) $in_table)
            (elem $p func $passive)
            (elem declare func $from_code)
            (start $start)
            (func (export "started") (result i64) (global.get $g))
            (func (export "call") (param i32) (result i64)
                (call_indirect $t (type $r) (local.get 0)))
            (func (export "setup")
                (table.set $t (i32.const 1) (ref.func $from_code))
                (table.set $t (i32.const 2) (global.get $via_global))
                (table.init $t $p (i32.const 3) (i32.const 0) (i32.const 1))))"#,
    )?;
    for _ in 0..3 {
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &first, &[])?;
        let f = instance.get_typed_func::<i32, i32>(&mut store, "f63")?;
        assert_eq!(f.call(&mut store, 1)?, 64);
        drop(store);

        // Twice: the second time the slot already holds this module's
        // funcrefs, which are then not written again.
        for _ in 0..2 {
            check_second(&engine, &second)?;
        }
    }
    Ok(())
}

fn check_second(engine: &Engine, second: &Module) -> Result<()> {
    {
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, second, &[])?;
        let started = instance.get_typed_func::<(), i64>(&mut store, "started")?;
        assert_eq!(started.call(&mut store, ())?, 50);
        instance
            .get_typed_func::<(), ()>(&mut store, "setup")?
            .call(&mut store, ())?;
        let call = instance.get_typed_func::<i32, i64>(&mut store, "call")?;
        for (slot, expected) in [(0, 10), (1, 20), (2, 30), (3, 40)] {
            assert_eq!(call.call(&mut store, slot)?, expected);
        }
        // Funcrefs read by the host carry the right type too.
        let table = instance.get_table(&mut store, "t").unwrap();
        for slot in 0..4 {
            let f = table.get(&mut store, slot).unwrap();
            let f = f.unwrap_func().unwrap();
            let ty = f.ty(&store);
            assert_eq!(ty.params().len(), 0);
            assert!(matches!(ty.results().next(), Some(ValType::I64)));
            assert_eq!(
                f.typed::<(), i64>(&store)?.call(&mut store, ())?,
                10 * (slot as i64 + 1)
            );
        }
    }
    Ok(())
}
