//! Async resource limiters and call hooks: they may wait, suspending the
//! wasm that triggered them.

use super::{run, PendingTimes};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wasmtime::*;

/// Allows memories up to `max` bytes, after waiting a little each time.
struct SlowLimiter {
    max: usize,
    asked: usize,
}

#[async_trait::async_trait]
impl ResourceLimiterAsync for SlowLimiter {
    async fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        PendingTimes(2).await;
        self.asked += 1;
        Ok(desired <= self.max)
    }

    async fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        Ok(desired <= 10)
    }

    fn memories(&self) -> usize {
        1
    }
}

const GROW_WAT: &str = r#"
(module
  (memory 1)
  (table 1 funcref)
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32)
    (table.grow (ref.null func) (local.get 0))))
"#;

#[test]
fn async_limiter_decides_on_growth() {
    let engine = Engine::default();
    let module = Module::new(&engine, GROW_WAT).unwrap();
    let mut store = Store::new(
        &engine,
        SlowLimiter {
            max: 3 << 16,
            asked: 0,
        },
    );
    store.limiter_async(|s| s as &mut dyn ResourceLimiterAsync);
    // Instantiation asks about the initial memory too, and needs a fiber.
    assert!(Instance::new(&mut store, &module, &[]).is_err());
    let (instance, pending) = run(Instance::new_async(&mut store, &module, &[]));
    let instance = instance.unwrap();
    assert_eq!(pending, 2);
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .unwrap();
    let (r, pending) = run(grow.call_async(&mut store, 2));
    assert_eq!(r.unwrap(), 1, "grown from 1 to 3 pages");
    assert_eq!(pending, 2);
    assert_eq!(run(grow.call_async(&mut store, 1)).0.unwrap(), -1, "denied");
    assert_eq!(store.data().asked, 3);
    let grow_table = instance
        .get_typed_func::<i32, i32>(&mut store, "grow_table")
        .unwrap();
    assert_eq!(run(grow_table.call_async(&mut store, 9)).0.unwrap(), 1);
    assert_eq!(run(grow_table.call_async(&mut store, 1)).0.unwrap(), -1);
    // The limiter's count of memories applies.
    let err = run(Instance::new_async(&mut store, &module, &[]))
        .0
        .unwrap_err();
    assert!(err.to_string().contains("memory count"), "{err}");
}

/// Counts transitions, waiting once on each.
struct CountingHook(Arc<AtomicUsize>);

#[async_trait::async_trait]
impl CallHookHandler<()> for CountingHook {
    async fn handle_call_event(
        &self,
        _store: StoreContextMut<'_, ()>,
        _ch: CallHook,
    ) -> Result<()> {
        PendingTimes(1).await;
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn async_call_hooks_wait_on_every_transition() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "f" (func $f))
             (func (export "run") call $f))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "f", || {}).unwrap();
    let mut store = Store::new(&engine, ());
    let count = Arc::new(AtomicUsize::new(0));
    store.call_hook_async(CountingHook(count.clone()));
    let instance = run(linker.instantiate_async(&mut store, &module))
        .0
        .unwrap();
    let f = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    assert!(f.call(&mut store, ()).is_err(), "sync calls are refused");
    count.store(0, Ordering::SeqCst);
    let (r, pending) = run(f.call_async(&mut store, ()));
    r.unwrap();
    // CallingWasm, CallingHost, ReturningFromHost, ReturningFromWasm.
    assert_eq!(count.load(Ordering::SeqCst), 4);
    assert_eq!(pending, 4);
}

#[test]
fn host_side_growth_with_an_async_limiter() {
    let engine = Engine::default();
    let mut store = Store::new(
        &engine,
        SlowLimiter {
            max: 2 << 16,
            asked: 0,
        },
    );
    store.limiter_async(|s| s as &mut dyn ResourceLimiterAsync);
    // Synchronous creation cannot wait for the limiter.
    assert!(Memory::new(&mut store, MemoryType::new(1, None)).is_err());
    let (memory, pending) = run(Memory::new_async(&mut store, MemoryType::new(1, None)));
    let memory = memory.unwrap();
    assert_eq!(pending, 2);
    assert_eq!(run(memory.grow_async(&mut store, 1)).0.unwrap(), 1);
    assert!(
        run(memory.grow_async(&mut store, 1)).0.is_err(),
        "denied past 2 pages"
    );
    assert!(
        memory.grow(&mut store, 1).is_err(),
        "sync growth cannot wait"
    );
    assert_eq!(memory.size(&store), 2);

    let ty = TableType::new(RefType::FUNCREF, 1, None);
    let table = run(Table::new_async(&mut store, ty, Ref::Func(None)))
        .0
        .unwrap();
    assert_eq!(
        run(table.grow_async(&mut store, 5, Ref::Func(None)))
            .0
            .unwrap(),
        1
    );
    assert!(run(table.grow_async(&mut store, 5, Ref::Func(None)))
        .0
        .is_err());
    assert_eq!(table.size(&store), 6);
}
