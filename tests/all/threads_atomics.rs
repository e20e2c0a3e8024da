//! The threads proposal: shared memories, atomic operators, and
//! `memory.atomic.wait*` / `notify` blocking real OS threads.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use wasmtime::*;

fn engine() -> Engine {
    let mut config = Config::new();
    config.wasm_threads(true).shared_memory(true);
    Engine::new(&config).unwrap()
}

const COUNTER: &str = r#"(module
    (import "env" "memory" (memory 1 4 shared))
    (func (export "add") (param $n i32)
        (loop $l
            (drop (i32.atomic.rmw.add (i32.const 64) (i32.const 1)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $l (local.get $n))))
    (func (export "add_then_trap") (param $n i32)
        (loop $l
            (drop (i32.atomic.rmw.add (i32.const 64) (i32.const 1)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $l (local.get $n)))
        ;; Misaligned: traps with "unaligned atomic".
        (drop (i32.atomic.load (i32.const 65))))
    (func (export "get") (result i32) (i32.atomic.load (i32.const 64)))
    (func (export "size") (result i32) (memory.size))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "wait32") (param i32 i32 i64) (result i32)
        (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
    (func (export "wait64") (param i32 i64 i64) (result i32)
        (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
    (func (export "notify") (param i32 i32) (result i32)
        (memory.atomic.notify (local.get 0) (local.get 1))))"#;

fn instantiate(engine: &Engine, module: &Module, memory: &SharedMemory) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[memory.clone().into()]).unwrap();
    (store, instance)
}

fn read_u32(memory: &SharedMemory, addr: usize) -> u32 {
    let data = memory.data();
    let bytes: Vec<u8> = data[addr..addr + 4]
        .iter()
        // SAFETY: a racy read of plain bytes; the test only reads after
        // the writers have finished.
        .map(|b| unsafe { *b.get() })
        .collect();
    u32::from_le_bytes(bytes.try_into().unwrap())
}

#[test]
fn four_threads_add_to_one_counter() -> Result<()> {
    let engine = engine();
    let module = Module::new(&engine, COUNTER)?;
    let memory = SharedMemory::new(&engine, MemoryType::shared(1, 4))?;
    const THREADS: u32 = 4;
    let per_thread: u32 = 100_000 + std::process::id() % 7;
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (engine, module, memory, barrier) = (
                engine.clone(),
                module.clone(),
                memory.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || -> Result<()> {
                let (mut store, instance) = instantiate(&engine, &module, &memory);
                let add = instance.get_typed_func::<u32, ()>(&mut store, "add")?;
                barrier.wait();
                add.call(&mut store, per_thread)
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap()?;
    }
    assert_eq!(read_u32(&memory, 64), THREADS * per_thread);
    let (mut store, instance) = instantiate(&engine, &module, &memory);
    let get = instance.get_typed_func::<(), u32>(&mut store, "get")?;
    assert_eq!(get.call(&mut store, ())?, THREADS * per_thread);
    Ok(())
}

#[test]
fn a_trapping_thread_does_not_disturb_the_others() -> Result<()> {
    let engine = engine();
    let module = Module::new(&engine, COUNTER)?;
    let memory = SharedMemory::new(&engine, MemoryType::shared(1, 4))?;
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4u32)
        .map(|t| {
            let (engine, module, memory, barrier) = (
                engine.clone(),
                module.clone(),
                memory.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || -> Result<()> {
                let (mut store, instance) = instantiate(&engine, &module, &memory);
                let name = if t == 0 { "add_then_trap" } else { "add" };
                let f = instance.get_typed_func::<u32, ()>(&mut store, name)?;
                barrier.wait();
                for _ in 0..10 {
                    f.call(&mut store, 5_000)?;
                }
                Ok(())
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let err = results[0].as_ref().unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::HeapMisaligned),
        "{err:?}"
    );
    for r in &results[1..] {
        assert!(r.is_ok(), "{r:?}");
    }
    // The trapping thread added once before trapping.
    assert_eq!(read_u32(&memory, 64), 3 * 10 * 5_000 + 5_000);
    Ok(())
}

#[test]
fn wait_blocks_until_notified_from_another_thread() -> Result<()> {
    let engine = engine();
    let module = Module::new(&engine, COUNTER)?;
    let memory = SharedMemory::new(&engine, MemoryType::shared(1, 4))?;
    let waiter = {
        let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
        std::thread::spawn(move || -> Result<(i32, Duration)> {
            let (mut store, instance) = instantiate(&engine, &module, &memory);
            let wait = instance.get_typed_func::<(i32, i32, i64), i32>(&mut store, "wait32")?;
            let start = Instant::now();
            // No timeout: only a notify ends this.
            let r = wait.call(&mut store, (128, 0, -1))?;
            Ok((r, start.elapsed()))
        })
    };
    // Wake it from wasm in another store; retry until the waiter is parked.
    let (mut store, instance) = instantiate(&engine, &module, &memory);
    let notify = instance.get_typed_func::<(i32, i32), i32>(&mut store, "notify")?;
    std::thread::sleep(Duration::from_millis(50));
    let mut woken = 0;
    while woken == 0 {
        woken = notify.call(&mut store, (128, 10))?;
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(woken, 1);
    let (r, elapsed) = waiter.join().unwrap()?;
    assert_eq!(r, 0, "woken by notify");
    assert!(elapsed >= Duration::from_millis(40), "{elapsed:?}");

    // The host API wakes wasm waiters too.
    let waiter = {
        let (engine, module, memory) = (engine.clone(), module.clone(), memory.clone());
        std::thread::spawn(move || -> Result<i32> {
            let (mut store, instance) = instantiate(&engine, &module, &memory);
            let wait = instance.get_typed_func::<(i32, i64, i64), i32>(&mut store, "wait64")?;
            wait.call(&mut store, (256, 0, -1))
        })
    };
    let mut woken = 0;
    while woken == 0 {
        woken = memory.atomic_notify(256, 1).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(waiter.join().unwrap()?, 0);
    Ok(())
}

#[test]
fn wait_results_and_traps() -> Result<()> {
    let engine = engine();
    let module = Module::new(&engine, COUNTER)?;
    let memory = SharedMemory::new(&engine, MemoryType::shared(1, 4))?;
    let (mut store, instance) = instantiate(&engine, &module, &memory);
    let wait32 = instance.get_typed_func::<(i32, i32, i64), i32>(&mut store, "wait32")?;
    let wait64 = instance.get_typed_func::<(i32, i64, i64), i32>(&mut store, "wait64")?;
    // Value differs: "not-equal" (1) at once.
    assert_eq!(wait32.call(&mut store, (0, 7, -1))?, 1);
    // Times out (2) after roughly the timeout.
    let start = Instant::now();
    assert_eq!(wait64.call(&mut store, (8, 0, 20_000_000))?, 2);
    assert!(start.elapsed() >= Duration::from_millis(20));
    let trap = |r: Result<i32>| r.unwrap_err().downcast::<Trap>().unwrap();
    assert_eq!(
        trap(wait32.call(&mut store, (2, 0, 0))),
        Trap::HeapMisaligned
    );
    assert_eq!(
        trap(wait64.call(&mut store, (4, 0, 0))),
        Trap::HeapMisaligned
    );
    assert_eq!(
        trap(wait32.call(&mut store, (65536, 0, 0))),
        Trap::MemoryOutOfBounds
    );
    // The host API checks the same way.
    assert_eq!(memory.atomic_wait32(1, 0, None), Err(Trap::HeapMisaligned));
    assert_eq!(memory.atomic_notify(65536, 1), Err(Trap::MemoryOutOfBounds));
    assert_eq!(memory.atomic_wait32(4, 1, None), Ok(WaitResult::Mismatch));
    assert_eq!(
        memory.atomic_wait64(8, 0, Some(Duration::from_millis(5))),
        Ok(WaitResult::TimedOut)
    );
    Ok(())
}

#[test]
fn waiting_on_an_unshared_memory_traps() -> Result<()> {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (memory 1)
            (func (export "wait") (param i32) (result i32)
                (memory.atomic.wait32 (local.get 0) (i32.const 0) (i64.const 0)))
            (func (export "notify") (result i32)
                (memory.atomic.notify (i32.const 0) (i32.const 1)))
            (func (export "add") (result i32)
                (i32.atomic.rmw.add (i32.const 8) (i32.const 5))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let wait = instance.get_typed_func::<i32, i32>(&mut store, "wait")?;
    let err = wait.call(&mut store, 0).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::AtomicWaitNonSharedMemory)
    );
    // Alignment is checked first.
    let err = wait.call(&mut store, 1).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::HeapMisaligned));
    let notify = instance.get_typed_func::<(), i32>(&mut store, "notify")?;
    assert_eq!(notify.call(&mut store, ())?, 0);
    // Atomic read-modify-writes work on unshared memories too.
    let add = instance.get_typed_func::<(), i32>(&mut store, "add")?;
    assert_eq!(add.call(&mut store, ())?, 0);
    assert_eq!(add.call(&mut store, ())?, 5);
    Ok(())
}

#[test]
fn growth_is_seen_by_every_store() -> Result<()> {
    let engine = engine();
    // A module that defines (and exports) the shared memory.
    let definer = Module::new(
        &engine,
        r#"(module (memory (export "memory") 1 4 shared)
            (func (export "size") (result i32) (memory.size))
            (func (export "store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1))))"#,
    )?;
    let mut store_a = Store::new(&engine, ());
    let a = Instance::new(&mut store_a, &definer, &[])?;
    assert!(a.get_memory(&mut store_a, "memory").is_none());
    let memory = a.get_shared_memory(&mut store_a, "memory").unwrap();
    assert!(memory.ty().is_shared());
    assert_eq!(memory.ty().maximum(), Some(4));
    let base = memory.data().as_ptr();

    let importer = Module::new(&engine, COUNTER)?;
    let (mut store_b, b) = instantiate(&engine, &importer, &memory);
    let grow = b.get_typed_func::<i32, i32>(&mut store_b, "grow")?;
    assert_eq!(grow.call(&mut store_b, 2)?, 1);
    assert_eq!(grow.call(&mut store_b, 2)?, -1, "past the maximum");
    // The definer's view follows, and the memory did not move.
    let size = a.get_typed_func::<(), i32>(&mut store_a, "size")?;
    assert_eq!(size.call(&mut store_a, ())?, 3);
    assert_eq!(memory.size(), 3);
    assert_eq!(memory.data_size(), 3 << 16);
    assert_eq!(memory.data().as_ptr(), base);
    // The new pages are usable from the definer.
    let store = a.get_typed_func::<(i32, i32), ()>(&mut store_a, "store")?;
    store.call(&mut store_a, (3 * 65536 - 4, 77))?;
    assert_eq!(read_u32(&memory, 3 * 65536 - 4), 77);
    assert_eq!(memory.grow(1)?, 3);
    assert!(memory.grow(1).is_err());
    assert_eq!(size.call(&mut store_a, ())?, 4);
    // The memory outlives the store that defined it.
    drop(store_a);
    assert_eq!(read_u32(&memory, 3 * 65536 - 4), 77);
    Ok(())
}

#[test]
fn shared_memory_configuration_errors() -> Result<()> {
    // Creating shared memories needs `Config::shared_memory`.
    let engine = Engine::default();
    let err = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap_err();
    assert!(err.to_string().contains("Config::shared_memory"), "{err}");
    let module = Module::new(&engine, "(module (memory 1 1 shared))")?;
    let mut store = Store::new(&engine, ());
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(err.to_string().contains("Config::shared_memory"), "{err}");

    let engine = self::engine();
    assert!(SharedMemory::new(&engine, MemoryType::new(1, Some(1))).is_err());
    let mut store = Store::new(&engine, ());
    assert!(Memory::new(&mut store, MemoryType::shared(1, 1)).is_err());
    // Shared memories need a maximum.
    assert!(Module::new(&engine, "(module (memory 1 shared))").is_err());
    // Disabling threads rejects atomics and shared memories at validation.
    let mut config = Config::new();
    config.wasm_threads(false);
    let engine = Engine::new(&config)?;
    let err = Module::new(&engine, COUNTER).unwrap_err();
    assert!(format!("{err:#}").contains("threads"), "{err:#}");
    // Importing a non-shared memory where a shared one is expected fails.
    let engine = self::engine();
    let module = Module::new(&engine, COUNTER)?;
    let mut store = Store::new(&engine, ());
    let plain = Memory::new(&mut store, MemoryType::new(1, Some(4)))?;
    assert!(Instance::new(&mut store, &module, &[plain.into()]).is_err());
    Ok(())
}

#[test]
fn atomic_operators_compute_the_right_values() -> Result<()> {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (memory 1 1 shared)
            (func (export "run") (result i64)
                (i64.atomic.store (i32.const 0) (i64.const 0x1122334455667788))
                (drop (i64.atomic.rmw8.add_u (i32.const 0) (i64.const 0x1ff)))   ;; low byte 0x88+0xff -> 0x87
                (drop (i32.atomic.rmw16.xor_u (i32.const 2) (i32.const 0xffff)))
                (drop (i64.atomic.rmw32.cmpxchg_u (i32.const 4) (i64.const 0x11223344) (i64.const 0xaabbccdd)))
                (i64.atomic.load (i32.const 0)))
            (func (export "narrow") (result i32)
                (i32.atomic.store8 (i32.const 16) (i32.const 0x1fe))
                (i32.atomic.rmw8.sub_u (i32.const 16) (i32.const 0xff)))
            (func (export "fence") (atomic.fence)))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let run = instance.get_typed_func::<(), i64>(&mut store, "run")?;
    let expected: u64 = {
        let mut v: u64 = 0x1122334455667788;
        v = (v & !0xff) | ((v as u8).wrapping_add(0xff) as u64);
        v ^= 0xffff << 16;
        if (v >> 32) == 0x11223344 {
            v = (v & 0xffff_ffff) | (0xaabbccdd << 32);
        }
        v
    };
    assert_eq!(run.call(&mut store, ())? as u64, expected);
    let narrow = instance.get_typed_func::<(), i32>(&mut store, "narrow")?;
    assert_eq!(narrow.call(&mut store, ())?, 0xfe);
    instance
        .get_typed_func::<(), ()>(&mut store, "fence")?
        .call(&mut store, ())?;
    Ok(())
}
