//! `Store<T>`: the owner of all instances, functions, memories, tables,
//! globals and host data of one "world" of wasm objects.

use crate::func::FuncData;
use crate::limits::{
    ResourceLimiter, StoreLimiter, DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT,
    DEFAULT_TABLE_LIMIT,
};
use crate::{Engine, Module};
use anyhow::{bail, Result};
use std::any::Any;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmtime_environ::Trap;
use wasmtime_runtime::instance::InstanceHandle;
use wasmtime_runtime::vmcontext::{VMArrayCallHostFuncContext, VMStoreContext};
use wasmtime_runtime::vmstore::VMStore;

#[cfg(feature = "async")]
mod async_api;
mod context;
#[cfg(all(feature = "async", feature = "call-hook"))]
pub use async_api::CallHookHandler;
pub use context::{AsContext, AsContextMut, StoreContext, StoreContextMut};

/// Unique id of a store, used to check that objects are used with the
/// store that owns them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(u64);

impl StoreId {
    /// The id as a number (never 0).
    pub(crate) fn as_u64(self) -> u64 {
        self.0
    }

    /// The id whose number is `id`.
    pub(crate) fn from_u64(id: u64) -> StoreId {
        StoreId(id)
    }

    fn allocate() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A handle to an object owned by a store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Stored {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
}

/// An error or panic raised by a host function, waiting to be delivered to
/// the host code that called into wasm.
pub(crate) enum PendingError {
    Error(anyhow::Error),
    Panic(Box<dyn Any + Send>),
}

/// An instance owned by a store.
pub(crate) struct StoreInstance {
    pub(crate) handle: InstanceHandle,
    /// The engine ids of a host item instance's module types, which its
    /// vmctx points at (an ordinary instance's module keeps its own).
    pub(crate) _type_ids: Option<Box<[wasmtime_environ::VMSharedTypeIndex]>>,
}

/// The part of a store that does not depend on `T`.
pub struct StoreOpaque {
    pub(crate) engine: Engine,
    pub(crate) id: StoreId,
    pub(crate) vm_store_context: Box<VMStoreContext>,
    /// The GC heap (boxed: the store context points at it).
    pub(crate) gc_heap: Box<wasmtime_runtime::gc_heap::GcHeap>,
    pub(crate) instances: Vec<StoreInstance>,
    pub(crate) funcs: Vec<FuncData>,
    pub(crate) func_by_ref: std::collections::HashMap<usize, usize>,
    /// Boxed so each context (a funcref's `vmctx`) keeps its address.
    #[allow(clippy::vec_box)]
    pub(crate) host_funcs: Vec<Box<VMArrayCallHostFuncContext>>,
    /// Host values of `externref`s by slot (`gc_ref::from_host_index`);
    /// `None` once collected (the slot is then in `externref_free`).
    pub(crate) externrefs: Vec<Option<Box<dyn Any + Send + Sync>>>,
    /// Collected `externrefs` slots, for reuse.
    pub(crate) externref_free: Vec<usize>,
    /// The reference words the host holds through `Rooted` handles, in
    /// creation order (LIFO: a `RootScope` truncates it when it ends).
    pub(crate) host_roots: crate::gc::HostRoots,
    pub(crate) pending: Option<PendingError>,
    /// An exception thrown by wasm that nothing caught (an object address).
    pub(crate) pending_exception: Option<u64>,
    /// Continuations of the stack-switching proposal.
    pub(crate) conts: wasmtime_runtime::cont::ContStore,
    /// Whether the pending error is a trap of a continuation, whose
    /// backtrace the resumer's frames extend.
    pub(crate) cont_trap_pending: bool,
    /// The instance whose imported host function is about to run as its
    /// start function: that call has no wasm caller, yet `Caller` must see
    /// the instance's exports. Taken by the first host entry.
    pub(crate) start_caller: Option<usize>,
    pub(crate) modules: Vec<Module>,
    /// `Config::max_wasm_stack`, cached for the call path.
    pub(crate) max_wasm_stack: usize,
    /// `Config::wasm_backtrace_max_frames` (0 for none), cached for the
    /// call path.
    pub(crate) max_backtrace_frames: usize,
    /// The `StoreInner<T>` this opaque part belongs to, as hooks.
    pub(crate) hooks: Option<NonNull<dyn StoreHooks>>,
    /// Whether a call hook is installed (checked on every call).
    #[cfg(feature = "call-hook")]
    pub(crate) has_call_hook: bool,
    /// Fuel beyond what the store context's counter holds (it holds at
    /// most `i64::MAX`).
    pub(crate) fuel_reserve: u64,
    /// Fuel given to the store so far, net of what `set_fuel` replaced
    /// (so that injected - remaining = consumed).
    pub(crate) fuel_injected: i128,
    /// The interrupt cell of `Config::interruptable` stores; compiled code
    /// reads it through the store context's epoch pointer.
    pub(crate) interrupt: Option<Arc<AtomicU64>>,
    /// Instances, memories and tables created in this store (for the
    /// limiter's counts).
    pub(crate) instance_count: usize,
    pub(crate) memory_count: usize,
    pub(crate) table_count: usize,
    /// Lifted functions of component instances.
    #[cfg(feature = "component-model")]
    pub(crate) component_funcs: Vec<Arc<crate::component::LiftedFunc>>,
    /// Component instances.
    #[cfg(feature = "component-model")]
    pub(crate) component_instances: Vec<crate::component::InstanceData>,
    /// UTF-8 strings an adapter between two guests lifted but has not
    /// copied yet (see `component::abi::PendingString`).
    #[cfg(feature = "component-model")]
    pub(crate) adapter_strings: Vec<crate::component::abi::PendingString>,
    /// Host destructors of the host resource types components imported.
    #[cfg(feature = "component-model")]
    pub(crate) host_resource_dtors: crate::component::HostDtors,
    /// The resource handles the host holds as `ResourceAny` values.
    #[cfg(feature = "component-model")]
    pub(crate) host_handles: crate::component::HostHandles,
    /// Component-model async: tasks, host subtasks, the event loop's
    /// queues.
    #[cfg(feature = "component-model-async")]
    pub(crate) concurrent: crate::component::ConcurrentState,
    /// Whether the store's configuration needs the `*_async` entry points
    /// (yields on fuel or epochs): synchronous calls are refused.
    pub(crate) async_required: bool,
    /// Async calls' fibers and what code on them waits with.
    #[cfg(feature = "async")]
    pub(crate) async_state: crate::fiber::AsyncStateBox,
    /// `Store::fuel_async_yield_interval`: the most fuel wasm gets between
    /// two yields.
    #[cfg(feature = "async")]
    pub(crate) fuel_yield_interval: Option<std::num::NonZeroU64>,
}

/// Host-installed callbacks of a store, reached through
/// [`StoreOpaque::hooks`].
pub(crate) trait StoreHooks: VMStore {
    /// Runs the call hook, if one is installed.
    #[cfg(feature = "call-hook")]
    fn call_hook(&mut self, kind: CallHook) -> Result<()>;
    /// The installed resource limiter, if any.
    fn limiter(&mut self) -> Option<StoreLimiter<'_>>;
}

/// What a [`Store::call_hook`] callback is told: the transition between
/// host and wasm code that is happening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallHook {
    /// The host is calling into wasm.
    CallingWasm,
    /// Wasm is returning to the host that called it.
    ReturningFromWasm,
    /// Wasm is calling a host function.
    CallingHost,
    /// A host function is returning to wasm.
    ReturningFromHost,
}

impl CallHook {
    /// Whether the transition enters host code.
    pub fn entering_host(&self) -> bool {
        matches!(self, CallHook::ReturningFromWasm | CallHook::CallingHost)
    }

    /// Whether the transition leaves host code.
    pub fn exiting_host(&self) -> bool {
        matches!(self, CallHook::ReturningFromHost | CallHook::CallingWasm)
    }
}

/// What an [`Store::epoch_deadline_callback`] callback decides when the
/// epoch deadline is reached.
pub enum UpdateDeadline {
    /// Keep running, with a new deadline this many ticks after the current
    /// epoch.
    Continue(u64),
    /// Yield to the async executor, then continue with a new deadline this
    /// many ticks after the current epoch. Only possible in an async call
    /// (`*_async`); in a synchronous one the wasm traps with an error.
    Yield(u64),
    /// As `Yield`, waiting for the given future (for example
    /// `tokio::task::yield_now()`) instead of a plain yield.
    #[cfg(feature = "async")]
    YieldCustom(
        u64,
        std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    ),
}

impl std::fmt::Debug for UpdateDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpdateDeadline::Continue(d) => f.debug_tuple("Continue").field(d).finish(),
            UpdateDeadline::Yield(d) => f.debug_tuple("Yield").field(d).finish(),
            #[cfg(feature = "async")]
            UpdateDeadline::YieldCustom(d, _) => f.debug_tuple("YieldCustom").field(d).finish(),
        }
    }
}

/// A handle that interrupts the wasm code running in one store, from any
/// thread (see [`Store::interrupt_handle`]).
#[derive(Debug, Clone)]
pub struct InterruptHandle {
    cell: Arc<AtomicU64>,
}

impl InterruptHandle {
    /// Makes wasm running in the store trap with "wasm trap: interrupt" at
    /// its next function entry or loop header; if no wasm is running, the
    /// next wasm code the store runs traps. The interrupt is consumed by
    /// that trap.
    pub fn interrupt(&self) {
        self.cell.store(1, Ordering::Relaxed);
    }
}

type LimiterFn<T> = dyn (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + Sync;
#[cfg(feature = "async")]
type AsyncLimiterFn<T> = dyn (FnMut(&mut T) -> &mut dyn crate::ResourceLimiterAsync) + Send + Sync;
#[cfg(feature = "call-hook")]
type CallHookFn<T> = dyn FnMut(StoreContextMut<'_, T>, CallHook) -> Result<()> + Send + Sync;

/// A store's limiter accessor, of either kind.
pub(crate) enum LimiterInner<T> {
    Sync(Box<LimiterFn<T>>),
    #[cfg(feature = "async")]
    Async(Box<AsyncLimiterFn<T>>),
}

/// A store's call hook, of either kind.
#[cfg(feature = "call-hook")]
pub(crate) enum CallHookInner<T> {
    Sync(Box<CallHookFn<T>>),
    #[cfg(feature = "async")]
    Async(Box<dyn crate::CallHookHandler<T> + Send + Sync>),
}
type EpochCallbackFn<T> = dyn FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync;

// SAFETY: all raw pointers inside a store point at data owned by the store
// itself (or by modules/engines it holds); moving the store to another
// thread moves all of it.
unsafe impl Send for StoreOpaque {}
// SAFETY: shared access to a store never mutates through these pointers.
unsafe impl Sync for StoreOpaque {}

#[repr(C)]
pub(crate) struct StoreInner<T> {
    pub(crate) opaque: StoreOpaque,
    pub(crate) data: T,
    limiter: Option<LimiterInner<T>>,
    #[cfg(feature = "call-hook")]
    call_hook: Option<CallHookInner<T>>,
    epoch_callback: Option<Box<EpochCallbackFn<T>>>,
}

/// A collection of WebAssembly instances and host-defined state.
///
/// All wasm objects (functions, memories, ...) belong to a store and are
/// freed when it is dropped.
pub struct Store<T> {
    pub(crate) inner: Box<StoreInner<T>>,
}

impl<T> Store<T> {
    /// Creates a store with host `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let mut ctx = Box::new(VMStoreContext::default());
        let interrupt = engine.config().interruptable.then(|| {
            // The store's own epoch: compiled code sees an interrupt as
            // this counter reaching the deadline of 1.
            let cell = Arc::new(AtomicU64::new(0));
            ctx.epoch_ptr = Arc::as_ptr(&cell);
            ctx.epoch_deadline = 1;
            cell
        });
        if interrupt.is_none() {
            ctx.epoch_ptr = engine.epoch_ptr();
        }
        let mut gc_heap = Box::new(wasmtime_runtime::gc_heap::GcHeap::new());
        gc_heap.set_pool(engine.allocator().gc_heap_pool());
        ctx.gc_heap = &mut *gc_heap;
        let mut store = Store {
            inner: Box::new(StoreInner {
                opaque: StoreOpaque {
                    engine: engine.clone(),
                    id: StoreId::allocate(),
                    vm_store_context: ctx,
                    gc_heap,
                    instances: Vec::new(),
                    funcs: Vec::new(),
                    func_by_ref: Default::default(),
                    host_funcs: Vec::new(),
                    externrefs: Vec::new(),
                    externref_free: Vec::new(),
                    host_roots: Default::default(),
                    pending: None,
                    pending_exception: None,
                    conts: wasmtime_runtime::cont::ContStore::new(
                        engine
                            .config()
                            .wasm_backtrace_max_frames
                            .map_or(0, |n| n.get()),
                    ),
                    cont_trap_pending: false,
                    start_caller: None,
                    modules: Vec::new(),
                    max_wasm_stack: engine.config().max_wasm_stack,
                    max_backtrace_frames: engine
                        .config()
                        .wasm_backtrace_max_frames
                        .map_or(0, |n| n.get()),
                    hooks: None,
                    #[cfg(feature = "call-hook")]
                    has_call_hook: false,
                    fuel_reserve: 0,
                    fuel_injected: 0,
                    interrupt,
                    instance_count: 0,
                    memory_count: 0,
                    table_count: 0,
                    async_required: false,
                    #[cfg(feature = "component-model")]
                    component_funcs: Vec::new(),
                    #[cfg(feature = "component-model")]
                    component_instances: Vec::new(),
                    #[cfg(feature = "component-model")]
                    adapter_strings: Vec::new(),
                    #[cfg(feature = "component-model")]
                    host_resource_dtors: Default::default(),
                    #[cfg(feature = "component-model")]
                    host_handles: Default::default(),
                    #[cfg(feature = "component-model-async")]
                    concurrent: Default::default(),
                    #[cfg(feature = "async")]
                    async_state: Default::default(),
                    #[cfg(feature = "async")]
                    fuel_yield_interval: None,
                },
                data,
                limiter: None,
                #[cfg(feature = "call-hook")]
                call_hook: None,
                epoch_callback: None,
            }),
        };
        let inner: *mut StoreInner<T> = &mut *store.inner;
        let hooks: *mut (dyn StoreHooks + '_) = inner;
        // SAFETY: only the lifetime bound of the trait object is erased. The
        // pointer lives in the store itself (and its store context), which
        // never outlives the `StoreInner<T>` it points to: the box is freed
        // together with both.
        let hooks: *mut (dyn StoreHooks + 'static) = unsafe { std::mem::transmute(hooks) };
        store.inner.opaque.hooks = NonNull::new(hooks);
        store.inner.opaque.vm_store_context.store = NonNull::new(hooks as *mut dyn VMStore);
        store
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning its host data.
    pub fn into_data(self) -> T {
        let inner = *self.inner;
        let StoreInner { opaque, data, .. } = inner;
        drop(opaque);
        data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.opaque.engine
    }

    /// Installs a [`ResourceLimiter`], returned by `limiter` from the
    /// store's data, that decides on the creation and growth of memories,
    /// tables and instances from now on (it does not apply retroactively).
    /// Without a limiter, memories and tables may grow to their declared
    /// maximum and a store holds at most 10,000 instances, memories and
    /// tables.
    pub fn limiter(
        &mut self,
        limiter: impl (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + Sync + 'static,
    ) {
        self.inner.limiter = Some(LimiterInner::Sync(Box::new(limiter)));
    }

    /// Installs `hook`, called on every transition between host and wasm
    /// code (see [`CallHook`]). An error from the hook when wasm calls a
    /// host function is raised as if the host function had returned it; an
    /// error when wasm returns to the host replaces wasm's result. The hook
    /// is still called for the later transitions while the error travels
    /// back to the host.
    #[cfg(feature = "call-hook")]
    pub fn call_hook(
        &mut self,
        hook: impl FnMut(StoreContextMut<'_, T>, CallHook) -> Result<()> + Send + Sync + 'static,
    ) {
        self.inner.call_hook = Some(CallHookInner::Sync(Box::new(hook)));
        self.inner.opaque.has_call_hook = true;
    }

    /// Sets the fuel available to wasm (requires
    /// [`Config::consume_fuel`](crate::Config::consume_fuel)). Most
    /// instructions cost 1 fuel, `nop`, `drop`, `block`, `loop` and other
    /// pure control markers cost 0, and entering a function costs 1; when
    /// the fuel runs out wasm traps with [`Trap::OutOfFuel`]. A new store
    /// has 0 fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.opaque.set_fuel(fuel)
    }

    /// The fuel left (0 once exhausted). Errors if fuel is not enabled.
    pub fn get_fuel(&self) -> Result<u64> {
        self.inner.opaque.get_fuel()
    }

    /// Adds `fuel` to the store's fuel.
    ///
    /// # Panics
    /// Panics if the engine was not configured with
    /// [`Config::consume_fuel`](crate::Config::consume_fuel).
    #[deprecated(note = "use `Store::set_fuel` and `Store::get_fuel`")]
    pub fn add_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.opaque.add_fuel(fuel)
    }

    /// The fuel consumed by wasm (and [`Store::consume_fuel`]) so far, or
    /// `None` if fuel is not enabled.
    #[deprecated(note = "use `Store::get_fuel`")]
    pub fn fuel_consumed(&self) -> Option<u64> {
        self.inner.opaque.fuel_consumed()
    }

    /// Consumes `fuel` on behalf of the host and returns the fuel left.
    /// Errors, consuming nothing, if fuel is not enabled or fewer than
    /// `fuel` units remain.
    #[deprecated(note = "use `Store::set_fuel` and `Store::get_fuel`")]
    pub fn consume_fuel(&mut self, fuel: u64) -> Result<u64> {
        self.inner.opaque.consume_fuel(fuel)
    }

    /// Makes running out of fuel trap without yielding first (the
    /// default), undoing an async yield interval.
    #[deprecated(
        note = "running out of fuel always traps; use `Store::fuel_async_yield_interval(None)`"
    )]
    pub fn out_of_fuel_trap(&mut self) {
        #[cfg(feature = "async")]
        {
            self.inner.opaque.fuel_yield_interval = None;
        }
    }

    /// Sets the epoch deadline to `ticks_beyond_current` ticks after the
    /// engine's current epoch (see
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption)).
    /// A new store's deadline is 0, so wasm traps at once until a deadline
    /// is set.
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.inner.opaque.set_epoch_deadline(ticks_beyond_current)
    }

    /// Makes reaching the epoch deadline trap with [`Trap::Interrupt`]
    /// (the default), removing any deadline callback.
    pub fn epoch_deadline_trap(&mut self) {
        self.inner.epoch_callback = None;
    }

    /// Installs `callback`, called when wasm reaches the epoch deadline: it
    /// returns [`UpdateDeadline::Continue`] with the ticks until the next
    /// deadline to keep running, or an error, which wasm raises as a trap.
    pub fn epoch_deadline_callback(
        &mut self,
        callback: impl FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static,
    ) {
        self.inner.epoch_callback = Some(Box::new(callback));
    }

    /// A handle to interrupt wasm running in this store from another thread
    /// (requires [`Config::interruptable`](crate::Config::interruptable)).
    /// Interrupts are checked at every function entry and loop header, so
    /// wasm stops soon after [`InterruptHandle::interrupt`] with a trap
    /// whose message contains "wasm trap: interrupt"; host functions are
    /// not interrupted.
    pub fn interrupt_handle(&self) -> Result<InterruptHandle> {
        match &self.inner.opaque.interrupt {
            Some(cell) => Ok(InterruptHandle { cell: cell.clone() }),
            None => bail!("interrupts are not enabled: use `Config::interruptable(true)`"),
        }
    }
}

impl<T> StoreHooks for StoreInner<T> {
    #[cfg(feature = "call-hook")]
    fn call_hook(&mut self, kind: CallHook) -> Result<()> {
        let Some(mut hook) = self.call_hook.take() else {
            return Ok(());
        };
        let result = match &mut hook {
            CallHookInner::Sync(hook) => hook(StoreContextMut(self), kind),
            #[cfg(feature = "async")]
            CallHookInner::Async(handler) => {
                let state = self.opaque.async_state.ptr();
                let mut future = handler.handle_call_event(StoreContextMut(self), kind);
                // SAFETY: the state is this store's, whose code runs on this
                // thread.
                unsafe { crate::fiber::block_on(state, future.as_mut()) }.and_then(|r| r)
            }
        };
        if self.call_hook.is_none() {
            self.call_hook = Some(hook);
        }
        result
    }

    fn limiter(&mut self) -> Option<StoreLimiter<'_>> {
        match self.limiter.as_mut()? {
            LimiterInner::Sync(limiter) => Some(StoreLimiter::Sync(limiter(&mut self.data))),
            #[cfg(feature = "async")]
            LimiterInner::Async(limiter) => Some(StoreLimiter::Async(
                limiter(&mut self.data),
                self.opaque.async_state.ptr(),
            )),
        }
    }
}

impl<T> VMStore for StoreInner<T> {
    fn gc_collect(&mut self) {
        self.opaque.collect_garbage();
    }

    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        match self.limiter() {
            Some(mut l) => l.memory_growing(current, desired, maximum),
            None => Ok(true),
        }
    }

    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        match self.limiter() {
            Some(mut l) => l.memory_grow_failed(error),
            None => Ok(()),
        }
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        match self.limiter() {
            Some(mut l) => l.table_growing(current, desired, maximum),
            None => Ok(true),
        }
    }

    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        match self.limiter() {
            Some(mut l) => l.table_grow_failed(error),
            None => Ok(()),
        }
    }

    fn out_of_fuel(&mut self) -> Result<()> {
        let opaque = &mut self.opaque;
        #[cfg(feature = "async")]
        if opaque.fuel_yield_interval.is_some()
            && opaque.vm_store_context.fuel_consumed >= 0
            && opaque.fuel_reserve > 0
        {
            // SAFETY: the state is this store's, whose wasm is running on
            // this thread (this is called by a builtin).
            unsafe { crate::fiber::yield_now(opaque.async_state.ptr())? };
        }
        let cap = opaque.fuel_refill_cap();
        while opaque.vm_store_context.fuel_consumed >= 0 && opaque.fuel_reserve > 0 {
            let refill = opaque.fuel_reserve.min(cap);
            opaque.fuel_reserve -= refill;
            opaque.vm_store_context.fuel_consumed -= refill as i64;
        }
        if opaque.vm_store_context.fuel_consumed >= 0 {
            return Err(anyhow::Error::new(Trap::OutOfFuel));
        }
        Ok(())
    }

    fn new_epoch(&mut self) -> Result<()> {
        if let Some(cell) = &self.opaque.interrupt {
            if cell.swap(0, Ordering::Relaxed) != 0 {
                return Err(anyhow::Error::new(Trap::Interrupt));
            }
            return Ok(());
        }
        let current = self.opaque.engine.current_epoch();
        if current < self.opaque.vm_store_context.epoch_deadline {
            return Ok(());
        }
        let Some(mut callback) = self.epoch_callback.take() else {
            return Err(anyhow::Error::new(Trap::Interrupt));
        };
        let result = callback(StoreContextMut(self));
        if self.epoch_callback.is_none() {
            self.epoch_callback = Some(callback);
        }
        match result? {
            UpdateDeadline::Continue(delta) => {
                self.opaque.set_epoch_deadline(delta);
                Ok(())
            }
            #[cfg(feature = "async")]
            UpdateDeadline::Yield(delta) => {
                // SAFETY: the state is this store's, whose wasm is running
                // on this thread (this is called by a builtin).
                unsafe { crate::fiber::yield_now(self.opaque.async_state.ptr())? };
                self.opaque.set_epoch_deadline(delta);
                Ok(())
            }
            #[cfg(feature = "async")]
            UpdateDeadline::YieldCustom(delta, mut future) => {
                // SAFETY: as above.
                unsafe { crate::fiber::block_on(self.opaque.async_state.ptr(), future.as_mut())? };
                self.opaque.set_epoch_deadline(delta);
                Ok(())
            }
            #[cfg(not(feature = "async"))]
            UpdateDeadline::Yield(_) => {
                bail!("`UpdateDeadline::Yield` requires the `async` feature")
            }
        }
    }

    fn gc_out_of_memory(&mut self, bytes: u64) -> anyhow::Error {
        anyhow::Error::new(crate::GcHeapOutOfMemory::new((), bytes))
    }

    fn set_pending_error(&mut self, error: anyhow::Error) {
        self.opaque.pending = Some(PendingError::Error(error));
        self.opaque.cont_trap_pending = false;
    }

    fn set_pending_trap(&mut self, record: wasmtime_runtime::traphandlers::TrapRecord) {
        let error = crate::trap::trap_error(&mut self.opaque, Some(record));
        self.opaque.pending = Some(PendingError::Error(error));
        self.opaque.cont_trap_pending = true;
    }

    fn continuations(&mut self) -> &mut wasmtime_runtime::cont::ContStore {
        &mut self.opaque.conts
    }

    fn allocate_cont_stack(&mut self) -> Result<wasmtime_runtime::fiber::FiberStack> {
        let size = self.opaque.engine.config().async_stack_size;
        self.opaque.engine.allocator().allocate_fiber_stack(size)
    }

    fn is_subtype(&self, actual: u32, expected: u32) -> bool {
        self.opaque.engine().is_subtype(
            wasmtime_environ::VMSharedTypeIndex(actual),
            wasmtime_environ::VMSharedTypeIndex(expected),
        )
    }
}

/// A store of the default engine (`Engine::default()`) with `T`'s
/// default data.
impl<T: Default> Default for Store<T> {
    fn default() -> Store<T> {
        Store::new(&Engine::default(), T::default())
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Drop for StoreOpaque {
    fn drop(&mut self) {
        // Suspended continuations are abandoned (their stacks go back to
        // the allocator); nothing runs on them any more.
        drop(self.conts.clear());
        // Instances may point into each other; drop them all before the
        // host functions and modules they reference.
        self.instances.clear();
        self.host_funcs.clear();
    }
}

impl StoreOpaque {
    pub(crate) fn id(&self) -> StoreId {
        self.id
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    #[inline]
    pub(crate) fn check(&self, stored: &Stored) {
        assert!(stored.store == self.id, "object used with the wrong store");
    }

    pub(crate) fn take_pending(&mut self) -> Option<PendingError> {
        self.pending.take()
    }

    pub(crate) fn push_instance(&mut self, instance: StoreInstance) -> usize {
        self.instances.push(instance);
        self.instances.len() - 1
    }

    /// The store's hooks.
    ///
    /// # Safety
    /// The result aliases the whole store: the caller must not use `self`
    /// (or anything borrowed from it) while the result is in use.
    pub(crate) unsafe fn hooks<'a>(&self) -> Option<&'a mut dyn StoreHooks> {
        // SAFETY: the pointer targets the `StoreInner` owning `self`, alive
        // as long as `self`; exclusivity is the caller's obligation.
        self.hooks.map(|mut p| unsafe { p.as_mut() })
    }

    /// Runs the call hook for `kind`, if any.
    #[inline]
    pub(crate) fn call_hook(&mut self, kind: CallHook) -> Result<()> {
        #[cfg(feature = "call-hook")]
        if self.has_call_hook {
            // SAFETY: `self` is not used while the hook runs.
            if let Some(hooks) = unsafe { self.hooks() } {
                return hooks.call_hook(kind);
            }
        }
        let _ = kind;
        Ok(())
    }

    /// Checks the store's limits before creating the memories and tables
    /// of `module` (and, if `is_instance`, one more instance), asking the
    /// limiter about their initial sizes, and counts them.
    pub(crate) fn reserve_resources(
        &mut self,
        module: &wasmtime_environ::Module,
        is_instance: bool,
    ) -> Result<()> {
        let memories = module.memories.len() - module.num_imported_memories;
        let tables = module.tables.len() - module.num_imported_tables;
        // SAFETY: `self` is not used while `limiter` is alive.
        let mut limiter = unsafe { self.hooks() }.and_then(|h| h.limiter());
        let (max_instances, max_memories, max_tables) = match &limiter {
            Some(l) => l.counts(),
            None => (
                DEFAULT_INSTANCE_LIMIT,
                DEFAULT_MEMORY_LIMIT,
                DEFAULT_TABLE_LIMIT,
            ),
        };
        if is_instance && self.instance_count + 1 > max_instances {
            bail!(
                "resource limit exceeded: instance count too high at {}",
                self.instance_count + 1
            );
        }
        if self.memory_count + memories > max_memories {
            bail!(
                "resource limit exceeded: memory count too high at {}",
                self.memory_count + memories
            );
        }
        if self.table_count + tables > max_tables {
            bail!(
                "resource limit exceeded: table count too high at {}",
                self.table_count + tables
            );
        }
        if let Some(limiter) = &mut limiter {
            for ty in module.memories.values().skip(module.num_imported_memories) {
                let page = ty.page_size();
                let bytes = |pages: u64| {
                    pages
                        .checked_mul(page)
                        .and_then(|b| usize::try_from(b).ok())
                };
                let desired = bytes(ty.minimum).unwrap_or(usize::MAX);
                let maximum = ty.maximum.and_then(bytes);
                if !limiter.memory_growing(0, desired, maximum)? {
                    bail!(
                        "memory minimum size of {} pages exceeds memory limits",
                        ty.minimum
                    );
                }
            }
            for ty in module.tables.values().skip(module.num_imported_tables) {
                let desired = usize::try_from(ty.minimum).unwrap_or(usize::MAX);
                let maximum = ty.maximum.and_then(|m| usize::try_from(m).ok());
                if !limiter.table_growing(0, desired, maximum)? {
                    bail!(
                        "table minimum size of {} elements exceeds table limits",
                        ty.minimum
                    );
                }
            }
        }
        if is_instance {
            self.instance_count += 1;
        }
        self.memory_count += memories;
        self.table_count += tables;
        Ok(())
    }

    fn fuel_enabled(&self) -> Result<()> {
        if !self.engine.config().tunables.consume_fuel {
            bail!("fuel is not configured in this store: use `Config::consume_fuel(true)`");
        }
        Ok(())
    }

    /// Remaining fuel; negative after an overdraft between two checks.
    fn remaining_fuel(&self) -> i128 {
        i128::from(self.fuel_reserve) - i128::from(self.vm_store_context.fuel_consumed)
    }

    fn set_remaining_fuel(&mut self, fuel: u64) {
        let active = fuel.min(self.fuel_refill_cap());
        self.vm_store_context.fuel_consumed = -(active as i64);
        self.fuel_reserve = fuel - active;
    }

    /// The most fuel the store context's counter holds at once: all of it
    /// (up to `i64::MAX`), or the async yield interval.
    fn fuel_refill_cap(&self) -> u64 {
        #[cfg(feature = "async")]
        if let Some(interval) = self.fuel_yield_interval {
            return interval.get().min(i64::MAX as u64);
        }
        i64::MAX as u64
    }

    /// Refuses a synchronous entry into wasm when the store's
    /// configuration needs async ones.
    #[inline]
    pub(crate) fn validate_sync_call(&self) -> Result<()> {
        if self.async_required {
            bail!("store configuration requires that `*_async` functions are used instead");
        }
        Ok(())
    }

    pub(crate) fn get_fuel(&self) -> Result<u64> {
        self.fuel_enabled()?;
        Ok(self.remaining_fuel().clamp(0, u64::MAX as i128) as u64)
    }

    pub(crate) fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.fuel_enabled()?;
        let consumed = self.fuel_injected - self.remaining_fuel();
        self.set_remaining_fuel(fuel);
        self.fuel_injected = consumed + i128::from(fuel);
        Ok(())
    }

    pub(crate) fn add_fuel(&mut self, fuel: u64) -> Result<()> {
        assert!(
            self.engine.config().tunables.consume_fuel,
            "fuel is not configured in this store: use `Config::consume_fuel(true)`"
        );
        let remaining = self.remaining_fuel().max(0) as u64;
        let Some(total) = remaining.checked_add(fuel) else {
            bail!("overflow when adding fuel to the store");
        };
        let overdraft = self.remaining_fuel().min(0);
        self.set_remaining_fuel(total);
        // An overdraft was consumed; keep it counted as such.
        self.fuel_injected += i128::from(fuel) - overdraft;
        Ok(())
    }

    pub(crate) fn fuel_consumed(&self) -> Option<u64> {
        self.fuel_enabled().ok()?;
        Some((self.fuel_injected - self.remaining_fuel()).clamp(0, u64::MAX as i128) as u64)
    }

    pub(crate) fn consume_fuel(&mut self, fuel: u64) -> Result<u64> {
        self.fuel_enabled()?;
        let remaining = self.remaining_fuel().max(0) as u64;
        if fuel > remaining {
            bail!("not enough fuel remaining in store");
        }
        let overdraft = self.remaining_fuel().min(0);
        self.set_remaining_fuel(remaining - fuel);
        self.fuel_injected -= overdraft;
        Ok(remaining - fuel)
    }

    pub(crate) fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        if self.interrupt.is_some() {
            // Interrupt mode: the deadline is fixed at the interrupt cell's
            // trigger value.
            return;
        }
        let current = self.engine.current_epoch();
        self.vm_store_context.epoch_deadline = current.saturating_add(ticks_beyond_current);
    }
}
