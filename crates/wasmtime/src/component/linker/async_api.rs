//! The async side of component linking: host functions that return
//! futures (the calling guest's fiber waits for them) and instantiation on
//! a fiber.

use super::{Definition, InstancePre, Linker, LinkerInstance};
use crate::component::host::HostFunc;
use crate::component::instance::instantiate;
use crate::component::types::ComponentFunc;
use crate::component::{Component, ComponentNamedList, Instance, Lift, Lower, ResourceType, Val};
use crate::fiber::{block_on, on_fiber, StorePtr};
use crate::store::StoreInner;
use crate::{AsContextMut, StoreContextMut};
use anyhow::Result;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

impl<T: 'static> LinkerInstance<'_, T> {
    /// Defines the function `name`, dynamically typed, whose closure returns
    /// a future; the calling guest waits for it (only possible in an async
    /// call).
    pub fn func_new_async<F>(&mut self, name: &str, func: F) -> Result<()>
    where
        F: for<'a> Fn(
                StoreContextMut<'a, T>,
                ComponentFunc,
                &'a [Val],
                &'a mut [Val],
            ) -> Box<dyn Future<Output = Result<()>> + Send + 'a>
            + Send
            + Sync
            + 'static,
    {
        let host = move |store: StoreContextMut<'_, T>,
                         ty: ComponentFunc,
                         params: &[Val],
                         results: &mut [Val]|
              -> Result<()> {
            let state = store.0.opaque.async_state.ptr();
            let mut future = Pin::from(func(store, ty, params, results));
            // SAFETY: the state is the calling store's, whose guest runs on
            // this thread.
            unsafe { block_on(state, future.as_mut()) }?
        };
        self.insert(name, Definition::Func(HostFunc::dynamic(Arc::new(host))))
    }

    /// Defines the function `name` with static types, whose closure returns
    /// a future (see [`LinkerInstance::func_new_async`]).
    pub fn func_wrap_async<Params, Return, F>(&mut self, name: &str, func: F) -> Result<()>
    where
        F: Fn(
                StoreContextMut<'_, T>,
                Params,
            ) -> Box<dyn Future<Output = Result<Return>> + Send + '_>
            + Send
            + Sync
            + 'static,
        Params: ComponentNamedList + Lift + 'static,
        Return: ComponentNamedList + Lower + 'static,
    {
        let host = move |store: StoreContextMut<'_, T>, params: Params| -> Result<Return> {
            let state = store.0.opaque.async_state.ptr();
            let mut future = Pin::from(func(store, params));
            // SAFETY: as in `func_new_async`.
            unsafe { block_on(state, future.as_mut()) }?
        };
        self.insert(name, Definition::Func(HostFunc::typed(host)))
    }

    /// Defines the function `name` with static types as a *concurrent*
    /// host function: its closure gets an [`Accessor`] (the store is
    /// reachable through [`Accessor::with`] between awaits) and returns a
    /// future. A guest that lowers the import with `async` gets a subtask
    /// while the future is pending and keeps running; a synchronous lower
    /// waits for it (on the guest's fiber).
    ///
    /// [`Accessor`]: crate::component::Accessor
    /// [`Accessor::with`]: crate::component::Accessor::with
    #[cfg(feature = "component-model-async")]
    pub fn func_wrap_concurrent<Params, Return, F>(&mut self, name: &str, f: F) -> Result<()>
    where
        T: 'static,
        F: Fn(
                &crate::component::Accessor<T>,
                Params,
            ) -> Pin<Box<dyn Future<Output = Result<Return>> + Send + '_>>
            + Send
            + Sync
            + 'static,
        Params: ComponentNamedList + Lift + 'static,
        Return: ComponentNamedList + Lower + 'static,
    {
        let kind = crate::component::concurrent::ConcurrentHost::<T, Params, Return> {
            func: Arc::new(f),
            _marker: std::marker::PhantomData,
        };
        self.insert(name, Definition::Func(HostFunc::from_kind(Arc::new(kind))))
    }

    /// As [`LinkerInstance::resource`], with a destructor that gets an
    /// [`Accessor`](crate::component::Accessor) and returns a future (run
    /// to its end when the resource is dropped, on the dropping guest's
    /// fiber if it must wait).
    #[cfg(feature = "component-model-async")]
    pub fn resource_concurrent<F>(&mut self, name: &str, ty: ResourceType, dtor: F) -> Result<()>
    where
        T: Send + 'static,
        F: Fn(
                &crate::component::Accessor<T>,
                u32,
            ) -> Pin<Box<dyn Future<Output = Result<()>> + Send + '_>>
            + Send
            + Sync
            + 'static,
    {
        self.resource(name, ty, move |store, rep| {
            crate::component::concurrent::block_on_accessor::<T, ()>(
                &mut store.0.opaque,
                |accessor| dtor(accessor, rep),
            )
        })
    }

    /// As [`LinkerInstance::resource`], with a destructor that returns a
    /// future (awaited on the dropping guest's fiber).
    pub fn resource_async<F>(&mut self, name: &str, ty: ResourceType, dtor: F) -> Result<()>
    where
        F: Fn(StoreContextMut<'_, T>, u32) -> Box<dyn Future<Output = Result<()>> + Send + '_>
            + Send
            + Sync
            + 'static,
    {
        self.resource(name, ty, move |store, rep| {
            let state = store.0.opaque.async_state.ptr();
            let mut future = Pin::from(dtor(store, rep));
            // SAFETY: as in `func_new_async`.
            unsafe { block_on(state, future.as_mut()) }?
        })
    }
}

impl<T: 'static> Linker<T> {
    /// As [`Linker::instantiate`], on a fiber, so that initialisation may
    /// wait (async host functions, limiters, fuel and epoch yields).
    pub async fn instantiate_async(
        &self,
        store: impl AsContextMut<Data = T>,
        component: &Component,
    ) -> Result<Instance>
    where
        T: Send,
    {
        self.instantiate_pre(component)?
            .instantiate_async(store)
            .await
    }
}

/// The typed store pointer a fiber's work needs (see `StorePtr`).
struct InnerPtr<T>(*mut StoreInner<T>);

// SAFETY: only dereferenced by the fiber's work, which runs while the
// future holding the store borrow is polled (by one thread at a time).
unsafe impl<T: Send> Send for InnerPtr<T> {}

impl<T: 'static> InstancePre<T> {
    /// As [`InstancePre::instantiate`], on a fiber.
    pub async fn instantiate_async(
        &self,
        mut store: impl AsContextMut<Data = T>,
    ) -> Result<Instance>
    where
        T: Send,
    {
        let mut ctx = store.as_context_mut();
        let inner = InnerPtr(ctx.inner_ptr());
        let opaque = StorePtr(ctx.opaque());
        let this = self.clone();
        let work = move |_: &mut crate::store::StoreOpaque| {
            let inner = inner;
            // SAFETY: `ctx` keeps the store borrowed, and unused, until
            // the future is done or dropped; only this work uses it.
            let mut store = StoreContextMut(unsafe { &mut *inner.0 });
            instantiate(&mut store, &this.component, &this.imports)
        };
        // SAFETY: as above.
        let instance = unsafe { on_fiber(opaque, work) }.await??;
        self.record(store.as_context_mut().opaque(), instance);
        Ok(instance)
    }
}
