//! Copy-on-write memory images: data visible after instantiation, writes
//! never leak into the next instance, and every fallback still initialises
//! memory exactly as copying the segments would.

use wasmtime::*;

const PAGE: usize = 65536;

/// A module with 1 MiB + of data in several segments (one overlapping
/// another, one not page aligned) and a passive segment.
fn data_module() -> String {
    let big: String = (0..(1usize << 20))
        .map(|i| format!("\\{:02x}", (i * 7 + 3) as u8))
        .collect();
    format!(
        r#"(module
            (memory (export "mem") 20)
            (data (i32.const 4096) "{big}")
            (data (i32.const 4100) "over")
            (data (i32.const 1200003) "tail")
            (data $p "passive")
            (func (export "init") (memory.init $p (i32.const 0) (i32.const 0) (i32.const 7)))
            (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#
    )
}

fn expected_byte(addr: usize) -> u8 {
    match addr {
        4100..=4103 => b"over"[addr - 4100],
        1200003..=1200006 => b"tail"[addr - 1200003],
        4096..=1052671 => ((addr - 4096) * 7 + 3) as u8,
        _ => 0,
    }
}

fn engines() -> Vec<(&'static str, Engine)> {
    let mut out = Vec::new();
    for (name, pooling, cow, keep_resident) in [
        ("on-demand+cow", false, true, 0),
        ("on-demand copy", false, false, 0),
        ("pooling+cow", true, true, 0),
        ("pooling copy", true, false, 0),
        // Part of the data kept resident (reset by copying the image back),
        // the rest discarded.
        ("pooling+cow keep 512 KiB", true, true, 512 << 10),
        // The whole slot kept resident.
        ("pooling+cow keep all", true, true, 64 << 20),
        ("pooling copy keep all", true, false, 64 << 20),
    ] {
        let mut config = Config::new();
        config.memory_init_cow(cow);
        if pooling {
            let mut pool = PoolingAllocationConfig::default();
            pool.total_core_instances(2)
                .total_memories(2)
                .total_tables(2)
                .max_memory_size(32 << 20)
                .linear_memory_keep_resident(keep_resident);
            config.allocation_strategy(pool);
        }
        out.push((name, Engine::new(&config).unwrap()));
    }
    out
}

/// The file backing the mapping that contains `addr`, from
/// `/proc/self/maps` (empty for anonymous memory).
fn mapping_of(addr: usize) -> String {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let range = parts.next().unwrap();
        let (lo, hi) = range.split_once('-').unwrap();
        let (lo, hi) = (
            usize::from_str_radix(lo, 16).unwrap(),
            usize::from_str_radix(hi, 16).unwrap(),
        );
        if (lo..hi).contains(&addr) {
            return parts.nth(4).unwrap_or("").to_string();
        }
    }
    panic!("{addr:#x} is not mapped");
}

fn check_initial(name: &str, data: &[u8]) {
    assert_eq!(data.len(), 20 * PAGE, "{name}");
    for (addr, b) in data.iter().enumerate() {
        if *b != expected_byte(addr) {
            panic!(
                "{name}: byte {addr:#x} is {b:#x}, expected {:#x}",
                expected_byte(addr)
            );
        }
    }
}

#[test]
fn data_is_visible_and_writes_do_not_leak() -> Result<()> {
    let wat = data_module();
    for (name, engine) in engines() {
        let module = Module::new(&engine, &wat)?;
        for round in 0..3 {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[])?;
            let mem = instance.get_memory(&mut store, "mem").unwrap();
            check_initial(name, mem.data(&store));
            // With CoW the data pages are a private mapping of the image.
            let backing = mapping_of(mem.data_ptr(&store) as usize + 8192);
            assert_eq!(
                backing.contains("wasm-memory-image"),
                name.contains("cow"),
                "{name}: data pages backed by `{backing}`"
            );
            // The zeros before and after the data are few, so the image's
            // mapping covers the whole initial memory (one mapping).
            for addr in [0, 20 * PAGE - 1] {
                let backing = mapping_of(mem.data_ptr(&store) as usize + addr);
                assert_eq!(
                    backing.contains("wasm-memory-image"),
                    name.contains("cow"),
                    "{name}: byte {addr:#x} backed by `{backing}`"
                );
            }
            // Write secrets over data, over zero pages, and into grown pages.
            let store_fn = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store")?;
            for addr in [0, 4096, 4100, 70000, 1200004, 20 * PAGE - 1] {
                store_fn.call(&mut store, (addr as i32, 0xee))?;
            }
            mem.grow(&mut store, 1)?;
            mem.data_mut(&mut store)[20 * PAGE + 5] = 0xee;
            // A second instance of the same module in the same store is
            // untouched by the first one's writes.
            let other = Instance::new(&mut store, &module, &[])?;
            let other_mem = other.get_memory(&mut store, "mem").unwrap();
            check_initial(name, other_mem.data(&store));
            // Passive segments still work.
            let init = other.get_typed_func::<(), ()>(&mut store, "init")?;
            init.call(&mut store, ())?;
            assert_eq!(
                &other_mem.data(&store)[..7],
                b"passive",
                "{name} round {round}"
            );
        }
    }
    Ok(())
}

/// With `linear_memory_keep_resident` a released slot is reset by copying
/// the image back over the modified pages. Dirty many separate pages (more
/// runs than one `PAGEMAP_SCAN` reports, and, for the smaller prefix, more
/// bytes than are kept), read others, and check the next instance of the
/// same module sees exactly the initial contents.
#[test]
fn keep_resident_resets_every_modified_page() -> Result<()> {
    let wat = data_module();
    for keep in [64 << 20, 256 << 10, 4096] {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_core_instances(1)
            .total_memories(1)
            .total_tables(1)
            .max_memory_size(32 << 20)
            .linear_memory_keep_resident(keep);
        let mut config = Config::new();
        config.allocation_strategy(pool);
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, &wat)?;
        for round in 0..3u8 {
            let mut store = Store::new(&engine, ());
            let i = Instance::new(&mut store, &module, &[])?;
            let mem = i.get_memory(&mut store, "mem").unwrap();
            check_initial(&format!("keep {keep} round {round}"), mem.data(&store));
            let data = mem.data_mut(&mut store);
            // Every other 4 KiB page over data and zero pages: 160 runs.
            for page in (0..20 * PAGE / 4096).step_by(2) {
                data[page * 4096 + (page * 13) % 4096] ^= 0x5a ^ round;
            }
            // Whole pages overwritten, including a partly-imaged one.
            data[1048576..1052672 + 100].fill(0xcc);
            mem.grow(&mut store, 2)?;
            mem.data_mut(&mut store)[21 * PAGE + 7] = 0xee;
        }
    }
    Ok(())
}

#[test]
fn slot_switches_between_modules() -> Result<()> {
    slot_switches_between_modules_with(0)?;
    slot_switches_between_modules_with(64 << 20)
}

fn slot_switches_between_modules_with(keep_resident: usize) -> Result<()> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(1)
        .total_memories(1)
        .total_tables(1)
        .max_memory_size(32 << 20)
        .linear_memory_keep_resident(keep_resident);
    let mut config = Config::new();
    config.allocation_strategy(pool);
    let engine = Engine::new(&config)?;
    let with_data = Module::new(&engine, data_module())?;
    let other_data = Module::new(
        &engine,
        r#"(module (memory (export "mem") 1) (data (i32.const 4096) "second"))"#,
    )?;
    let no_data = Module::new(&engine, r#"(module (memory (export "mem") 20))"#)?;
    for round in 0..2 {
        {
            let mut store = Store::new(&engine, ());
            let i = Instance::new(&mut store, &with_data, &[])?;
            let mem = i.get_memory(&mut store, "mem").unwrap();
            check_initial("with_data", mem.data(&store));
            mem.data_mut(&mut store)[8000] = 0xaa;
        }
        {
            let mut store = Store::new(&engine, ());
            let i = Instance::new(&mut store, &no_data, &[])?;
            let mem = i.get_memory(&mut store, "mem").unwrap();
            let data = mem.data(&store);
            assert_eq!(data.len(), 20 * PAGE);
            assert!(data.iter().all(|b| *b == 0), "round {round}: stale image");
            mem.data_mut(&mut store)[100] = 1;
        }
        {
            let mut store = Store::new(&engine, ());
            let i = Instance::new(&mut store, &other_data, &[])?;
            let mem = i.get_memory(&mut store, "mem").unwrap();
            let data = mem.data(&store);
            assert_eq!(data.len(), PAGE);
            assert_eq!(&data[4096..4102], b"second");
            assert_eq!(data.iter().filter(|b| **b != 0).count(), 6, "round {round}");
            // Beyond the one-page memory nothing is accessible.
            let size = mem.data_size(&store);
            assert_eq!(size, PAGE);
        }
    }
    Ok(())
}

#[test]
fn non_constant_and_out_of_bounds_segments_fall_back() -> Result<()> {
    for (name, engine) in engines() {
        let mut store = Store::new(&engine, ());
        let g = Global::new(
            &mut store,
            GlobalType::new(ValType::I32, Mutability::Const),
            Val::I32(300),
        )?;
        let module = Module::new(
            &engine,
            r#"(module (import "" "g" (global i32)) (memory (export "mem") 1)
                (data (i32.const 10) "const")
                (data (global.get 0) "global"))"#,
        )?;
        let i = Instance::new(&mut store, &module, &[g.into()])?;
        let mem = i.get_memory(&mut store, "mem").unwrap();
        assert_eq!(&mem.data(&store)[10..15], b"const", "{name}");
        assert_eq!(&mem.data(&store)[300..306], b"global", "{name}");

        // Out of bounds: instantiation traps, as with copying.
        let oob = Module::new(
            &engine,
            r#"(module (memory 1) (data (i32.const 65534) "abc"))"#,
        )?;
        let err = Instance::new(&mut store, &oob, &[]).unwrap_err();
        assert_eq!(
            err.downcast_ref::<Trap>(),
            Some(&Trap::MemoryOutOfBounds),
            "{name}: {err:#}"
        );
    }
    Ok(())
}

/// A memory much larger than its data keeps anonymous zero pages beyond
/// the image (the image is not extended over megabytes of zeros), and both
/// parts read and reset correctly.
#[test]
fn large_zero_tail_stays_anonymous() -> Result<()> {
    let wat = r#"(module (memory (export "mem") 200)
        (data (i32.const 70000) "data")
        (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#;
    for (name, engine) in engines() {
        let module = Module::new(&engine, wat)?;
        for round in 0..2 {
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[])?;
            let mem = instance.get_memory(&mut store, "mem").unwrap();
            let base = mem.data_ptr(&store) as usize;
            if name.contains("cow") {
                assert!(
                    mapping_of(base + 70000).contains("wasm-memory-image"),
                    "{name}"
                );
            }
            let tail = mapping_of(base + 200 * PAGE - 1);
            assert!(
                !tail.contains("wasm-memory-image"),
                "{name}: tail backed by `{tail}`"
            );
            let data = mem.data(&store);
            assert_eq!(&data[70000..70004], b"data", "{name} round {round}");
            assert_eq!(
                data.iter().filter(|b| **b != 0).count(),
                4,
                "{name} round {round}"
            );
            let store_fn = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store")?;
            for addr in [0, 70001, 199 * PAGE] {
                store_fn.call(&mut store, (addr as i32, 0xee))?;
            }
        }
    }
    Ok(())
}
