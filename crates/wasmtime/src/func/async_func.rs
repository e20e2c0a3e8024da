//! The async side of functions: calling wasm on a fiber
//! (`Func::call_async`, `TypedFunc::call_async`) and host functions that
//! return futures (`Func::new_async`, `Func::wrap_async`, and the
//! `Linker` forms), which the calling wasm waits for by suspending its
//! fiber.

use super::typed::{TypedFunc, WasmParams, WasmResults, WasmRet, WasmTyList};
use super::{dynamic_host_func, Caller, Func, HostFuncRaw};
use crate::fiber::{block_on, on_fiber_in};
use crate::store::{StoreInner, StoreOpaque};
use crate::{AsContextMut, Engine, FuncType, Val};
use anyhow::Result;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use wasmtime_runtime::vmcontext::ValRaw;

impl Func {
    /// Calls the function on a fiber: the returned future completes when
    /// the call does, and is pending while the wasm (or a host function it
    /// called) waits, for an async host function, or a fuel or epoch
    /// yield. Dropping the future cancels the call; the store stays
    /// usable.
    ///
    /// Errors as [`Func::call`] does.
    pub async fn call_async(
        &self,
        mut store: impl AsContextMut<Data: Send>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let func = *self;
        let work = move |store: &mut StoreOpaque| func.call_impl(store, params, results);
        on_fiber_in(&mut store.as_context_mut(), work).await?
    }

    /// A host function of type `ty` whose closure returns a future, which
    /// the calling wasm waits for (only possible in an async call; in a
    /// synchronous one, calling it is an error).
    pub fn new_async<T, F>(mut store: impl AsContextMut<Data = T>, ty: FuncType, func: F) -> Func
    where
        F: for<'a> Fn(
                Caller<'a, T>,
                &'a [Val],
                &'a mut [Val],
            ) -> Box<dyn Future<Output = Result<()>> + Send + 'a>
            + Send
            + Sync
            + 'static,
        T: Send + 'static,
    {
        let raw = async_dynamic_host_func(ty.clone(), func);
        Func::new_host(&mut store.as_context_mut(), ty, raw)
            .expect("failed to create host function")
    }

    /// A host function from a closure with typed parameters (a tuple) that
    /// returns a future of its results (see [`Func::new_async`]).
    pub fn wrap_async<T, F, P, R>(mut store: impl AsContextMut<Data = T>, func: F) -> Func
    where
        F: for<'a> Fn(Caller<'a, T>, P) -> Box<dyn Future<Output = R> + Send + 'a>
            + Send
            + Sync
            + 'static,
        P: WasmTyList,
        R: WasmRet,
        T: Send + 'static,
    {
        let mut ctx = store.as_context_mut();
        let (ty, raw) = async_typed_host_func(ctx.engine(), func);
        Func::new_host(&mut ctx, ty, raw).expect("failed to create host function")
    }
}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// Calls the function on a fiber (see [`Func::call_async`]).
    pub async fn call_async(
        &self,
        mut store: impl AsContextMut<Data: Send>,
        params: Params,
    ) -> Result<Results> {
        let func = *self;
        let work = move |store: &mut StoreOpaque| -> Result<Results> {
            if Params::LEN.max(Results::LEN) <= 4 {
                func.call_with::<4>(store, params)
            } else {
                func.call_with::<16>(store, params)
            }
        };
        on_fiber_in(&mut store.as_context_mut(), work).await?
    }
}

/// The raw form of an async host function of a dynamic type.
pub(crate) fn async_dynamic_host_func<T, F>(ty: FuncType, func: F) -> Arc<HostFuncRaw<T>>
where
    F: for<'a> Fn(
            Caller<'a, T>,
            &'a [Val],
            &'a mut [Val],
        ) -> Box<dyn Future<Output = Result<()>> + Send + 'a>
        + Send
        + Sync
        + 'static,
    T: Send + 'static,
{
    dynamic_host_func(ty, move |caller: Caller<'_, T>, params, results| {
        let state = caller.store.0.opaque.async_state.ptr();
        let mut future = Pin::from(func(caller, params, results));
        // SAFETY: the state is the calling store's, whose wasm runs on this
        // thread.
        unsafe { block_on(state, future.as_mut()) }?
    })
}

/// The type and raw form of an async host function with typed parameters.
pub(crate) fn async_typed_host_func<T, F, P, R>(
    engine: &Engine,
    func: F,
) -> (FuncType, Arc<HostFuncRaw<T>>)
where
    F: for<'a> Fn(Caller<'a, T>, P) -> Box<dyn Future<Output = R> + Send + 'a>
        + Send
        + Sync
        + 'static,
    P: WasmTyList,
    R: WasmRet,
    T: Send + 'static,
{
    let ty = FuncType::new(
        engine,
        P::valtypes(),
        <R::Results as WasmParams>::valtypes(),
    );
    let raw = move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| -> Result<()> {
        let store_ptr: *mut StoreInner<T> = caller.store.inner_ptr();
        let state = caller.store.0.opaque.async_state.ptr();
        let params = P::load_all(caller.store.opaque(), slots);
        let mut future = Pin::from(func(caller, params));
        // SAFETY: as in `async_dynamic_host_func`.
        let ret = unsafe { block_on(state, future.as_mut()) }?;
        drop(future);
        let results = ret.into_results()?;
        // SAFETY: the caller's borrow of the store ended with the future.
        let store = unsafe { &(*store_ptr).opaque };
        results.store_all(store, slots)
    };
    (ty, Arc::new(raw))
}
