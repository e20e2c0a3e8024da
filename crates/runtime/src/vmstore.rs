//! The interface through which builtins reach the embedding store: resource
//! limits, fuel refills, epoch deadlines and pending errors.

use std::ptr::NonNull;

/// What the runtime needs from the store that owns an instance. The
/// embedding layer implements it and stores a pointer to it in the
/// store's `VMStoreContext` (field `store`).
pub trait VMStore {
    /// Asks whether a linear memory may grow from `current` to `desired`
    /// bytes (`maximum` is its declared maximum, if any). `Ok(false)` makes
    /// the growth fail; an error is raised as a trap.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> anyhow::Result<bool>;

    /// Reports that a growth the limiter allowed failed anyway; an error
    /// is raised as a trap.
    fn memory_grow_failed(&mut self, error: anyhow::Error) -> anyhow::Result<()>;

    /// As [`VMStore::memory_growing`], for tables (sizes in elements).
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> anyhow::Result<bool>;

    /// As [`VMStore::memory_grow_failed`], for tables.
    fn table_grow_failed(&mut self, error: anyhow::Error) -> anyhow::Result<()>;

    /// Compiled code found its fuel exhausted: refill from a reserve, or
    /// return the error to raise (normally `Trap::OutOfFuel`).
    fn out_of_fuel(&mut self) -> anyhow::Result<()>;

    /// Compiled code found the epoch deadline reached: set a new deadline,
    /// or return the error to raise (normally `Trap::Interrupt`).
    fn new_epoch(&mut self) -> anyhow::Result<()>;

    /// Whether engine type `actual` is `expected` or a declared subtype of
    /// it (the engine's type registry).
    fn is_subtype(&self, actual: u32, expected: u32) -> bool;

    /// Asks whether the GC heap may grow from `current` to `desired`
    /// bytes (`maximum`: its reservation). `Ok(false)` makes the
    /// allocation fail with [`VMStore::gc_out_of_memory`].
    fn gc_heap_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: usize,
    ) -> anyhow::Result<bool> {
        self.memory_growing(current, desired, Some(maximum))
    }

    /// The error an allocation of `bytes` fails with when the GC heap
    /// cannot grow to hold it.
    fn gc_out_of_memory(&mut self, bytes: u64) -> anyhow::Error {
        anyhow::anyhow!("GC heap out of memory: no capacity for allocation of {bytes} bytes")
    }

    /// Collects the GC heap: called by allocations of compiled code when
    /// the heap is full, with the wasm activations suspended in the
    /// allocating call (see `crate::gc_roots`).
    fn gc_collect(&mut self) {}

    /// Records `error` to be returned to the host when the current trap
    /// (a `TrapSite::HostError`) reaches it.
    fn set_pending_error(&mut self, error: anyhow::Error);

    /// Records the trap of a continuation (stack-switching proposal) to be
    /// returned to the host like [`VMStore::set_pending_error`], with the
    /// backtrace of the continuation's frames.
    fn set_pending_trap(&mut self, record: crate::traphandlers::TrapRecord) {
        let error = match record.site {
            wasmtime_environ::TrapSite::Wasm(trap) => anyhow::Error::new(trap),
            site => anyhow::anyhow!("wasm trap in a continuation: {site:?}"),
        };
        self.set_pending_error(error);
    }

    /// The store's continuations (stack-switching proposal).
    fn continuations(&mut self) -> &mut crate::cont::ContStore;

    /// A stack for a new continuation.
    fn allocate_cont_stack(&mut self) -> anyhow::Result<crate::fiber::FiberStack> {
        crate::fiber::FiberStack::new(2 << 20)
    }

    /// Returns the stack of a finished continuation.
    fn deallocate_cont_stack(&mut self, stack: crate::fiber::FiberStack) {
        drop(stack);
    }
}

/// The store pointer kept in a `VMStoreContext`.
pub type VMStorePtr = Option<NonNull<dyn VMStore>>;
