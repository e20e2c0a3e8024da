//! Where async calls' stacks come from: the pooling allocator's stack pool
//! (`total_stacks`) and the embedder's `StackCreator`.

use super::{run, PendingTimes};
use std::future::Future;
use std::ops::Range;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Waker};
use wasmtime::*;

const WAT: &str = r#"
(module
  (import "host" "wait" (func $wait))
  (func (export "run") (param i32) (result i32)
    call $wait
    (i32.add (local.get 0) (i32.const 1))))
"#;

fn linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap_async("host", "wait", |_caller: Caller<'_, ()>, (): ()| {
            Box::new(PendingTimes(1))
        })
        .unwrap();
    linker
}

#[test]
fn pooled_stacks_are_limited_and_reused() {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_stacks(2)
        .total_memories(10)
        .total_tables(10)
        .total_core_instances(10);
    let mut config = Config::new();
    config
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .async_stack_size(256 << 10)
        .max_wasm_stack(128 << 10)
        .async_stack_zeroing(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    let pre = linker(&engine).instantiate_pre(&module).unwrap();
    let mut stores: Vec<Store<()>> = (0..3).map(|_| Store::new(&engine, ())).collect();
    let mut funcs = Vec::new();
    for store in stores.iter_mut() {
        let instance = run(pre.instantiate_async(&mut *store)).0.unwrap();
        funcs.push(
            instance
                .get_typed_func::<i32, i32>(&mut *store, "run")
                .unwrap(),
        );
    }
    let mut cx = Context::from_waker(Waker::noop());
    let (a, rest) = stores.split_at_mut(1);
    let (b, c) = rest.split_at_mut(1);
    // Two calls suspended at once hold both stacks; a third cannot start.
    let mut fa = pin!(funcs[0].call_async(&mut a[0], 1));
    let mut fb = pin!(funcs[1].call_async(&mut b[0], 2));
    assert!(fa.as_mut().poll(&mut cx).is_pending());
    assert!(fb.as_mut().poll(&mut cx).is_pending());
    let err = run(funcs[2].call_async(&mut c[0], 3)).0.unwrap_err();
    assert!(err.to_string().contains("concurrent fiber limit"), "{err}");
    // Finishing one gives its stack back.
    assert_eq!(run(fa).0.unwrap(), 2);
    assert_eq!(run(funcs[2].call_async(&mut c[0], 3)).0.unwrap(), 4);
    assert_eq!(run(fb).0.unwrap(), 3);
}

/// Stacks from the embedder: heap memory without a guard page.
struct HeapStacks(Arc<AtomicUsize>);

struct HeapStack {
    memory: Vec<u128>,
}

// SAFETY: the stack is a heap allocation owned by the value, 16-byte
// aligned (`u128` elements) and used by nothing else.
unsafe impl StackMemory for HeapStack {
    fn top(&self) -> *mut u8 {
        self.range().end as *mut u8
    }
    fn range(&self) -> Range<usize> {
        let start = self.memory.as_ptr() as usize;
        start..start + self.memory.len() * 16
    }
    fn guard_range(&self) -> Range<*mut u8> {
        std::ptr::null_mut()..std::ptr::null_mut()
    }
}

// SAFETY: every stack returned is a `HeapStack` (see above).
unsafe impl StackCreator for HeapStacks {
    fn new_stack(&self, size: usize, _zeroed: bool) -> Result<Box<dyn StackMemory>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(HeapStack {
            memory: vec![0u128; size / 16],
        }))
    }
}

#[test]
fn host_provided_stacks_are_used() {
    let created = Arc::new(AtomicUsize::new(0));
    let mut config = Config::new();
    config
        .async_stack_size(512 << 10)
        .max_wasm_stack(256 << 10)
        .with_host_stack(Arc::new(HeapStacks(created.clone())));
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    let pre = linker(&engine).instantiate_pre(&module).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = run(pre.instantiate_async(&mut store)).0.unwrap();
    let f = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    for i in 0..3 {
        assert_eq!(run(f.call_async(&mut store, i)).0.unwrap(), i + 1);
    }
    assert_eq!(created.load(Ordering::SeqCst), 4, "one stack per call");
}
