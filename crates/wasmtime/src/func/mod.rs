//! Functions: calling wasm from the host, host functions callable from
//! wasm, and `Caller`.

#[cfg(feature = "async")]
pub(crate) mod async_func;
pub(crate) mod typed;

use crate::store::{CallHook, PendingError, StoreInner, StoreOpaque, Stored};
use crate::trap::trap_error;
use crate::{
    AsContext, AsContextMut, Engine, Extern, FuncType, Instance, StoreContext, StoreContextMut, Val,
};
use anyhow::{bail, Result};
use std::sync::Arc;
use wasmtime_runtime::instance::Instance as RuntimeInstance;
use wasmtime_runtime::vmcontext::{
    VMArrayCallHostFuncContext, VMContext, VMFuncRef, VMOpaqueContext, ValRaw,
};

/// A WebAssembly function, defined in wasm or by the host.
#[derive(Copy, Clone, Debug)]
pub struct Func(pub(crate) Stored);

/// The raw form of every host function: arguments in, results out, through
/// the same slots.
pub(crate) type HostFuncRaw<T> =
    dyn Fn(Caller<'_, T>, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static;

/// The state stored in a host function's `VMArrayCallHostFuncContext`.
struct HostFuncState<T: 'static> {
    store: StorePtr<T>,
    func: Arc<HostFuncRaw<T>>,
}

struct StorePtr<T>(*mut StoreInner<T>);
// SAFETY: the pointer is only dereferenced by the thread that currently
// owns the store (a host function runs on the thread calling into wasm).
unsafe impl<T> Send for StorePtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for StorePtr<T> {}

/// The array-call entry of every host function with store data `T`.
unsafe extern "C" fn host_array_call<T: 'static>(
    callee: *mut VMOpaqueContext,
    caller: *mut VMOpaqueContext,
    args: *mut ValRaw,
    len: usize,
) -> bool {
    // SAFETY: a host funcref's vmctx is always its own host context.
    let ctx = unsafe { VMArrayCallHostFuncContext::from_opaque(callee) };
    debug_assert!(ctx.host_state.is::<HostFuncState<T>>());
    // SAFETY: this entry point is only ever installed (by `Func::new_host`)
    // in contexts whose state is a `HostFuncState<T>` for this same `T`.
    let state = unsafe {
        &*(&*ctx.host_state as *const (dyn std::any::Any + Send + Sync)).cast::<HostFuncState<T>>()
    };
    // The context lives in the store's `host_funcs` until the store is
    // dropped, so the closure outlives this call without a reference count.
    let func: *const HostFuncRaw<T> = &*state.func;
    let store_ptr = state.store.0;
    // SAFETY: the store outlives its host functions, and while wasm runs
    // the host code that called it is suspended, so this is the only live
    // mutable access.
    let store = unsafe { &mut *store_ptr };
    // Wasm callers pass their vmctx; the host (`Func::call`) passes null.
    let from_wasm = !caller.is_null();
    let caller_instance = if caller.is_null() {
        // A host entry: only an imported start function has a caller.
        store.opaque.start_caller.take()
    } else {
        // SAFETY: wasm passes its own vmctx as the caller.
        Some(unsafe { RuntimeInstance::from_vmctx(caller.cast::<VMContext>()) }.host_id())
    };
    // SAFETY: the trampoline passes `len` valid slots.
    let slots = unsafe { std::slice::from_raw_parts_mut(args, len) };
    let caller = Caller {
        store: StoreContextMut(store),
        caller: caller_instance,
    };
    // The `Rooted` handles made during the call (its parameters, say) are
    // unrooted when it returns, as at the end of a `RootScope`.
    let roots = caller.store.0.opaque.host_roots.len();
    // SAFETY: see `func` above. The call hook runs before and after the
    // function; its error is raised as the function's.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        (*store_ptr).opaque.call_hook(CallHook::CallingHost)?;
        let result = (*func)(caller, slots);
        (*store_ptr).opaque.call_hook(CallHook::ReturningFromHost)?;
        result
    }));
    // SAFETY: the closure's borrow of the store has ended.
    let store = unsafe { &mut *store_ptr };
    store.opaque.host_roots.truncate(roots);
    match result {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            // Only a call from wasm has wasm frames to throw into: called
            // by the host (`Func::call`, a null caller), the function's
            // error goes back to that host code with the exception still
            // pending, even if wasm frames of an outer activation are live
            // (their handlers must not skip the host frames in between).
            if from_wasm && e.is::<crate::ThrownException>() {
                if let Some(exn) = store.opaque.pending_exception.take() {
                    // Rethrow into the calling wasm, as if the host function
                    // had thrown: resumes at a wasm handler (abandoning this
                    // frame, which owns nothing at this point), or returns.
                    drop(e);
                    let ctx: *const wasmtime_runtime::vmcontext::VMStoreContext =
                        &*store.opaque.vm_store_context;
                    // SAFETY: the exit PC/FP were recorded by the trampoline
                    // that called this host function; that wasm frame and
                    // its callers up to the entry are live, and nothing in
                    // this frame needs dropping any more.
                    let exn =
                        unsafe { wasmtime_runtime::entry::throw_from_host(ctx, exn as usize) };
                    // No wasm handler: the exception stays pending.
                    store.opaque.pending_exception = Some(exn as u64);
                    store.opaque.pending = Some(PendingError::Error(anyhow::Error::new(
                        crate::ThrownException,
                    )));
                    return false;
                }
            }
            store.opaque.pending = Some(PendingError::Error(e));
            false
        }
        Err(panic) => {
            store.opaque.pending = Some(PendingError::Panic(panic));
            false
        }
    }
}

impl Func {
    /// Creates a host function of a dynamic type.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let raw = dynamic_host_func(ty.clone(), func);
        Func::new_host(&mut store.as_context_mut(), ty, raw)
            .expect("failed to create host function")
    }

    /// Creates a host function from a closure with typed parameters and
    /// results (optionally taking a leading `Caller`).
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let mut ctx = store.as_context_mut();
        let (ty, raw) = func.into_func(ctx.engine());
        Func::new_host(&mut ctx, ty, raw).expect("failed to create host function")
    }

    pub(crate) fn new_host<T: 'static>(
        store: &mut StoreContextMut<'_, T>,
        ty: FuncType,
        func: Arc<HostFuncRaw<T>>,
    ) -> Result<Func> {
        // Type ids are per engine: another engine's id could name a
        // different signature here.
        if !crate::Engine::same(ty.engine(), store.engine()) {
            anyhow::bail!("function type does not belong to the store's engine");
        }
        // Without a compiler the entry may not exist yet; it is filled in
        // from a loaded module's trampolines when the function is first
        // handed to wasm (see `func_ref_ptr`).
        let wasm_call = store
            .engine()
            .host_trampoline(&ty)
            .unwrap_or(std::ptr::null());
        let state = HostFuncState {
            store: StorePtr(store.inner_ptr()),
            func,
        };
        let mut ctx = VMArrayCallHostFuncContext::new(
            host_array_call::<T>,
            wasm_call,
            ty.type_index(),
            Box::new(state),
        );
        let func_ref: *mut VMFuncRef = &mut ctx.func_ref;
        let opaque = store.opaque();
        opaque.host_funcs.push(ctx);
        Ok(Func::register(opaque, func_ref, ty))
    }

    fn register(store: &mut StoreOpaque, func_ref: *mut VMFuncRef, ty: FuncType) -> Func {
        let index = store.funcs.len();
        store.funcs.push(FuncData::new(func_ref, ty));
        store.func_by_ref.insert(func_ref as usize, index);
        Func(Stored {
            store: store.id(),
            index,
        })
    }

    /// The function whose funcref is `ptr`.
    ///
    /// # Safety
    /// `ptr` must point at a live `VMFuncRef` owned by `store`.
    pub(crate) unsafe fn from_func_ref(store: &mut StoreOpaque, ptr: *mut VMFuncRef) -> Func {
        if let Some(index) = store.func_by_ref.get(&(ptr as usize)) {
            return Func(Stored {
                store: store.id(),
                index: *index,
            });
        }
        // SAFETY: guaranteed by the caller.
        let type_index = unsafe { (*ptr).type_index };
        let ty = store.engine().func_type_of(type_index);
        Func::register(store, ptr, ty)
    }

    /// The engine-canonical type index of this function, if it belongs to
    /// `store`.
    pub(crate) fn shared_type_index(
        &self,
        store: &StoreOpaque,
    ) -> Option<wasmtime_environ::VMSharedTypeIndex> {
        (store.id() == self.0.store).then(|| store.funcs[self.0.index].ty.type_index())
    }

    #[inline]
    pub(crate) fn data<'a>(&self, store: &'a StoreOpaque) -> &'a FuncData {
        store.check(&self.0);
        &store.funcs[self.0.index]
    }

    #[inline]
    pub(crate) fn func_ref_ptr(&self, store: &StoreOpaque) -> Result<*mut VMFuncRef> {
        if store.id() != self.0.store {
            bail!("function used with the wrong store");
        }
        let data = &store.funcs[self.0.index];
        // SAFETY: `func_ref` points at a live `VMFuncRef` owned by `store`.
        if unsafe { (*data.func_ref).wasm_call.is_null() } {
            let wasm_call = store.engine().host_trampoline(&data.ty)?;
            // SAFETY: as above; only host functions can lack their wasm
            // entry, and their `VMFuncRef` is owned by the store and only
            // read by wasm running in this store (not running now).
            unsafe { (*data.func_ref).wasm_call = wasm_call };
        }
        Ok(data.func_ref)
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        self.data(store.as_context().opaque()).ty.clone()
    }

    /// Calls the function with dynamically typed arguments.
    ///
    /// Returns an error if the argument count or types do not match, if
    /// `results` has the wrong length, or if the function traps (the error
    /// then downcasts to [`Trap`](crate::Trap)).
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        store.validate_sync_call()?;
        self.call_impl(store, params, results)
    }

    /// Calls the function with raw slots and no type checks: on entry the
    /// first slots hold the arguments, on return the first slots hold the
    /// results (as Wasmtime's `Func::call_unchecked`). Fewer slots than the
    /// function's parameters or results is an error.
    ///
    /// # Safety
    ///
    /// `params_and_returns` must be valid for reads and writes of its
    /// length (it may be null when empty) and hold arguments of the
    /// function's parameter types; reference arguments must be raw values
    /// of references of this store.
    #[inline]
    pub unsafe fn call_unchecked(
        &self,
        mut store: impl AsContextMut,
        params_and_returns: *mut [ValRaw],
    ) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let data = self.data(store);
        let (func_ref, needed) = (data.func_ref, data.raw_slots);
        // SAFETY: the caller's contract.
        unsafe { invoke_raw(store, func_ref, needed, params_and_returns) }
    }

    /// [`Func::call`] after the synchronous-call check.
    pub(crate) fn call_impl(
        &self,
        store: &mut StoreOpaque,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let data = self.data(store);
        let ty = data.ty.clone();
        let func_ref = data.func_ref;
        if params.len() != ty.params().len() {
            bail!(
                "expected {} arguments, got {}",
                ty.params().len(),
                params.len()
            );
        }
        if results.len() != ty.results().len() {
            bail!(
                "expected {} results, got {}",
                ty.results().len(),
                results.len()
            );
        }
        // Small calls keep their slots on the stack.
        let len = params.len().max(results.len());
        let mut small = [ValRaw::default(); 8];
        let mut large = Vec::new();
        let raw: &mut [ValRaw] = if len <= small.len() {
            &mut small[..len]
        } else {
            large.resize(len, ValRaw::default());
            &mut large
        };
        for (i, (arg, expected)) in params.iter().zip(ty.params()).enumerate() {
            if !arg.matches_in(store, &expected) {
                bail!(
                    "argument type mismatch at position {i}: expected {expected}, found {}",
                    arg.ty_of()
                );
            }
            raw[i] = arg.to_raw(store)?;
        }
        invoke(store, func_ref, raw)?;
        for ((slot, ty), out) in raw.iter().zip(ty.results()).zip(results.iter_mut()) {
            *out = Val::from_raw(store, *slot, &ty);
        }
        Ok(())
    }

    /// A statically typed view of this function.
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>> {
        let ty = self.ty(&store);
        let params: Vec<_> = ty.params().collect();
        let results: Vec<_> = ty.results().collect();
        if params != Params::valtypes() {
            bail!(
                "type mismatch with parameters: expected {:?}, found {:?}",
                params,
                Params::valtypes()
            );
        }
        if results != Results::valtypes() {
            bail!(
                "type mismatch with results: expected {:?}, found {:?}",
                results,
                Results::valtypes()
            );
        }
        Ok(TypedFunc {
            func: *self,
            _marker: std::marker::PhantomData,
        })
    }
}

/// [`invoke`] with the caller's raw slots, of which `func_ref`'s type needs
/// `needed`, after the synchronous-call check.
///
/// # Safety
///
/// `slots` is null or valid for reads and writes of its length, holding
/// arguments of the function's parameter types.
#[inline]
pub(crate) unsafe fn invoke_raw(
    store: &mut StoreOpaque,
    func_ref: *const VMFuncRef,
    needed: usize,
    slots: *mut [ValRaw],
) -> Result<()> {
    store.validate_sync_call()?;
    let slots: &mut [ValRaw] = if slots.is_null() {
        &mut []
    } else {
        // SAFETY: the caller's contract: valid for its length.
        unsafe { &mut *slots }
    };
    if slots.len() < needed {
        bail!("expected at least {needed} raw slots, got {}", slots.len());
    }
    invoke(store, func_ref, slots)
}

/// Calls `func_ref` through its array entry with `args` as the slots,
/// catching traps and host errors.
pub(crate) fn invoke(
    store: &mut StoreOpaque,
    func_ref: *const VMFuncRef,
    args: &mut [ValRaw],
) -> Result<()> {
    store.call_hook(CallHook::CallingWasm)?;
    let result = invoke_inner(store, func_ref, args);
    store.call_hook(CallHook::ReturningFromWasm)?;
    result
}

fn invoke_inner(
    store: &mut StoreOpaque,
    func_ref: *const VMFuncRef,
    args: &mut [ValRaw],
) -> Result<()> {
    use wasmtime_runtime::entry::{call_wasm, CallOutcome, EntryLimits};
    let limits = EntryLimits {
        max_wasm_stack: store.max_wasm_stack,
        max_backtrace_frames: store.max_backtrace_frames,
    };
    let ctx: *mut wasmtime_runtime::vmcontext::VMStoreContext = &mut *store.vm_store_context;
    // Continuations running now cannot be suspended to from this entry.
    let running = store.conts.enter_host();
    // SAFETY: `ctx` points at the store's boxed context, alive for the
    // whole call and not borrowed meanwhile; `func_ref` belongs to this
    // store (checked by callers) and `args` is sized for its signature.
    let outcome = unsafe { call_wasm(ctx, limits, func_ref, args) };
    store.conts.leave_host(running);
    match outcome {
        CallOutcome::Returned => Ok(()),
        CallOutcome::HostFailed => Err(trap_error(store, None)),
        CallOutcome::Trapped(record) => Err(trap_error(store, Some(*record))),
    }
}

/// Builds the raw form of a dynamically typed host function.
pub(crate) fn dynamic_host_func<T: 'static>(
    ty: FuncType,
    func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> Arc<HostFuncRaw<T>> {
    Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
        let params: Vec<Val> = ty
            .params()
            .enumerate()
            .map(|(i, t)| Val::from_raw(caller.store.opaque(), slots[i], &t))
            .collect();
        let mut results: Vec<Val> = ty.results().map(|t| default_val(&t)).collect();
        let store_ptr: *mut StoreInner<T> = caller.store.inner_ptr();
        func(caller, &params, &mut results)?;
        // SAFETY: the caller borrow ended when `func` returned.
        let store = unsafe { &mut (*store_ptr).opaque };
        for (i, (val, expected)) in results.iter().zip(ty.results()).enumerate() {
            if !val.matches_in(store, &expected) {
                bail!("function attempted to return an incompatible value: result {i} should be {expected}, found {}", val.ty_of());
            }
            slots[i] = val.to_raw(store)?;
        }
        Ok(())
    })
}

fn default_val(ty: &crate::ValType) -> Val {
    match ty {
        crate::ValType::I32 => Val::I32(0),
        crate::ValType::I64 => Val::I64(0),
        crate::ValType::F32 => Val::F32(0),
        crate::ValType::F64 => Val::F64(0),
        crate::ValType::V128 => Val::V128(0u128.into()),
        crate::ValType::Ref(r) => Val::null_ref(r.heap_type()),
    }
}

/// The context of a host function call: the store and the calling instance.
pub struct Caller<'a, T> {
    pub(crate) store: StoreContextMut<'a, T>,
    pub(crate) caller: Option<usize>,
}

impl<T: 'static> Caller<'_, T> {
    /// The store's host data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The store's host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        self.store.engine()
    }

    /// Same as [`Store::set_fuel`](crate::Store::set_fuel).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.set_fuel(fuel)
    }

    /// Same as [`Store::get_fuel`](crate::Store::get_fuel).
    pub fn get_fuel(&self) -> Result<u64> {
        self.store.get_fuel()
    }

    /// Same as [`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline).
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.store.set_epoch_deadline(ticks_beyond_current)
    }

    /// Same as [`Store::throw`](crate::Store::throw): returning the error
    /// from the host function throws the exception into the calling wasm.
    pub fn throw<R>(&mut self, exception: crate::Rooted<crate::ExnRef>) -> crate::Result<R> {
        self.store.throw(exception)
    }

    /// Same as [`Store::take_pending_exception`](crate::Store::take_pending_exception).
    pub fn take_pending_exception(&mut self) -> Option<crate::Rooted<crate::ExnRef>> {
        self.store.take_pending_exception()
    }

    /// Same as [`Store::has_pending_exception`](crate::Store::has_pending_exception).
    pub fn has_pending_exception(&self) -> bool {
        self.store.has_pending_exception()
    }

    /// An export of the calling instance (if the caller is wasm).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let index = self.caller?;
        let id = self.store.opaque().id();
        Instance(Stored { store: id, index }).get_export(&mut self.store, name)
    }
}

impl<T: 'static> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        self.store.as_context()
    }
}

impl<T: 'static> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        self.store.as_context_mut()
    }
}

pub use typed::{IntoFunc, TypedFunc, WasmParams, WasmResults};

/// Per-store data of a function.
pub(crate) struct FuncData {
    pub(crate) func_ref: *mut wasmtime_runtime::vmcontext::VMFuncRef,
    pub(crate) ty: crate::FuncType,
    /// Raw slots a call needs (the larger of the parameter and result
    /// counts), kept here so that raw calls need not read the type.
    pub(crate) raw_slots: usize,
    /// Whether every parameter and result is a number or a vector (see
    /// `Func::__numeric_only`).
    pub(crate) numeric_only: bool,
}

impl FuncData {
    pub(crate) fn new(
        func_ref: *mut wasmtime_runtime::vmcontext::VMFuncRef,
        ty: crate::FuncType,
    ) -> FuncData {
        let wasm = ty.wasm();
        let numeric =
            |t: &wasmtime_environ::WasmValType| !matches!(t, wasmtime_environ::WasmValType::Ref(_));
        FuncData {
            func_ref,
            raw_slots: wasm.params.len().max(wasm.results.len()),
            numeric_only: wasm.params.iter().all(numeric) && wasm.results.iter().all(numeric),
            ty,
        }
    }
}
