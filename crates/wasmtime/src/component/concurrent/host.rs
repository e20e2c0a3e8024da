//! Host functions under component-model async: the core signature of an
//! async lower, and concurrent host functions
//! ([`LinkerInstance::func_wrap_concurrent`]) whose futures become
//! subtasks of the calling guest task.
//!
//! [`LinkerInstance::func_wrap_concurrent`]: crate::component::LinkerInstance::func_wrap_concurrent

use super::accessor::{with_store, Accessor};
use super::builtins::resolve_subtask;
use super::{
    push_host_task, HostDone, Subtask, Waitable, Waiter, SUBTASK_RETURNED, SUBTASK_STARTED,
};
use crate::component::abi::{Cx, Options};
use crate::component::host::{async_param_layout, HostFuncKind, MAX_FLAT_ASYNC_PARAMS};
use crate::component::typed::{typecheck_func, ComponentNamedList, Lift, Lower};
use crate::func::{Caller, HostFuncRaw};
use crate::store::StoreOpaque;
use anyhow::Result;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use wasmtime_environ::component::{ComponentFuncType, FlatType};
use wasmtime_runtime::vmcontext::ValRaw;

/// The core parameter and result types of an async lower of `ty`: the
/// flat parameters (or one pointer beyond four), then a pointer for the
/// result if there is one; one `i32` result (the subtask status).
pub(crate) fn async_lower_abi(ty: &ComponentFuncType) -> (Vec<FlatType>, Vec<FlatType>) {
    let mut params = ty.params_tuple().flat();
    if params.len() > MAX_FLAT_ASYNC_PARAMS {
        params = vec![FlatType::I32];
    }
    if ty.result.is_some() {
        params.push(FlatType::I32);
    }
    (params, vec![FlatType::I32])
}

/// The boxed closure of a concurrent host function.
type ConcurrentFn<T, Params, Return> = dyn Fn(&Accessor<T>, Params) -> Pin<Box<dyn Future<Output = Result<Return>> + Send + '_>>
    + Send
    + Sync;

/// A statically typed concurrent host function.
pub(crate) struct ConcurrentHost<T: 'static, Params, Return> {
    pub(crate) func: Arc<ConcurrentFn<T, Params, Return>>,
    pub(crate) _marker: PhantomData<fn(Params) -> Return>,
}

impl<T, Params, Return> ConcurrentHost<T, Params, Return>
where
    T: 'static,
    Params: ComponentNamedList + Lift + 'static,
    Return: ComponentNamedList + Lower + 'static,
{
    /// The future of one call (it owns its accessor).
    fn future(
        &self,
        store: &StoreOpaque,
        params: Params,
    ) -> Pin<Box<dyn Future<Output = Result<Return>> + Send>> {
        let func = self.func.clone();
        let accessor = Accessor::<T>::new(store.id());
        Box::pin(async move { func(&accessor, params).await })
    }
}

fn lower_result<Return: ComponentNamedList + Lower>(
    store: &mut StoreOpaque,
    opts: &Options,
    ty: &ComponentFuncType,
    ret: &Return,
    retptr: u32,
) -> Result<()> {
    let mut cx = Cx::new(store, opts);
    ret.store_fields(&mut cx, &mut ty.result.iter(), retptr)
}

impl<T, Params, Return> HostFuncKind<T> for ConcurrentHost<T, Params, Return>
where
    T: 'static,
    Params: ComponentNamedList + Lift + 'static,
    Return: ComponentNamedList + Lower + 'static,
{
    fn typecheck(&self, ty: &ComponentFuncType) -> Result<()> {
        typecheck_func::<Params, Return>(ty)
    }

    fn entry(&self, ty: Arc<ComponentFuncType>, opts: Arc<Options>) -> Arc<HostFuncRaw<T>> {
        let this = ConcurrentHost {
            func: self.func.clone(),
            _marker: PhantomData,
        };
        Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
            let store = caller.store.opaque();
            if opts.async_ {
                this.call_async_lowered(store, &ty, &opts, slots)
            } else {
                this.call_sync_lowered(store, &ty, &opts, slots)
            }
        })
    }
}

impl<T, Params, Return> ConcurrentHost<T, Params, Return>
where
    T: 'static,
    Params: ComponentNamedList + Lift + 'static,
    Return: ComponentNamedList + Lower + 'static,
{
    /// A synchronous lower: the caller waits for the future.
    fn call_sync_lowered(
        &self,
        store: &mut StoreOpaque,
        ty: &Arc<ComponentFuncType>,
        opts: &Arc<Options>,
        slots: &mut [ValRaw],
    ) -> Result<()> {
        // The caller blocks on the future: only a task that may block can.
        super::check_blocking(store)?;
        let flat_params = ty.flat_params_len();
        let params = {
            let mut cx = Cx::new(store, opts);
            let mut types = ty.params.iter().map(|(_, t)| t);
            match flat_params {
                Some(n) => {
                    Params::lift_fields_flat(&mut cx, &mut types, &mut slots[..n].iter().copied())?
                }
                None => Params::load_fields(&mut cx, &mut types, slots[0].get_u32())?,
            }
        };
        let mut future = self.future(store, params);
        let waiter = Waiter::of(store);
        let ret = loop {
            match with_store(store, || waiter.poll(future.as_mut()))? {
                Poll::Ready(r) => break r?,
                Poll::Pending => waiter.park()?,
            }
        };
        let mut cx = Cx::new(store, opts);
        let mut types = ty.result.iter();
        match ty.flat_result_len() {
            Some(_) => {
                let mut out = Vec::new();
                ret.lower_fields_flat(&mut cx, &mut types, &mut out)?;
                slots[..out.len()].copy_from_slice(&out);
            }
            None => {
                let retptr = slots[flat_params.unwrap_or(1)].get_u32();
                ret.store_fields(&mut cx, &mut types, retptr)?;
            }
        }
        Ok(())
    }

    /// An async lower: returns `RETURNED` if the future finishes at once,
    /// else a new subtask whose event the guest waits for.
    fn call_async_lowered(
        &self,
        store: &mut StoreOpaque,
        ty: &Arc<ComponentFuncType>,
        opts: &Arc<Options>,
        slots: &mut [ValRaw],
    ) -> Result<()> {
        let (flat, retptr_slot) = async_param_layout(ty);
        let params = {
            let mut cx = Cx::new(store, opts);
            let mut types = ty.params.iter().map(|(_, t)| t);
            match flat {
                Some(n) => {
                    Params::lift_fields_flat(&mut cx, &mut types, &mut slots[..n].iter().copied())?
                }
                None => Params::load_fields(&mut cx, &mut types, slots[0].get_u32())?,
            }
        };
        let retptr = ty.result.as_ref().map(|_| slots[retptr_slot].get_u32());
        let mut future = self.future(store, params);
        let waiter = Waiter::of(store);
        if let Poll::Ready(ret) = with_store(store, || waiter.poll(future.as_mut()))? {
            let ret = ret?;
            if let Some(ptr) = retptr {
                lower_result(store, opts, ty, &ret, ptr)?;
            }
            slots[0] = ValRaw::u32(SUBTASK_RETURNED);
            return Ok(());
        }
        let instance = opts.instance;
        let handle = store.component_instances[instance]
            .concurrent
            .waitables
            .insert(Waitable::Subtask(Subtask {
                state: SUBTASK_STARTED,
                pending: false,
                set: None,
                host: None,
                guest: None,
            }))?;
        let (ty, opts) = (ty.clone(), opts.clone());
        let done = async move {
            let ret = future.await?;
            let done: HostDone = Box::new(move |store: &mut StoreOpaque| {
                if let Some(ptr) = retptr {
                    lower_result(store, &opts, &ty, &ret, ptr)?;
                }
                resolve_subtask(store, instance, handle)
            });
            Ok(done)
        };
        let id = push_host_task(store, Box::pin(done));
        store.component_instances[instance]
            .concurrent
            .waitables
            .subtask(handle)?
            .host = Some(id);
        slots[0] = ValRaw::u32(SUBTASK_STARTED | (handle << 4));
        Ok(())
    }
}

/// Runs the future `make` builds from an accessor of `store` to its end
/// (on the store's fiber when it must wait): a host resource destructor
/// defined with `LinkerInstance::resource_concurrent`.
pub(crate) fn block_on_accessor<T: 'static, R>(
    store: &mut StoreOpaque,
    make: impl for<'a> FnOnce(&'a Accessor<T>) -> Pin<Box<dyn Future<Output = Result<R>> + Send + 'a>>,
) -> Result<R> {
    let accessor = Accessor::<T>::new(store.id());
    let mut future = make(&accessor);
    let waiter = Waiter::of(store);
    loop {
        match with_store(store, || waiter.poll(future.as_mut()))? {
            Poll::Ready(r) => return r,
            Poll::Pending => waiter.park()?,
        }
    }
}
