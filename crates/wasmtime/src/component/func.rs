//! [`Func`]: an exported (lifted) component function, called with
//! component-level values.

use super::abi::{Cx, Options};
use super::types::ComponentFunc;
use super::Val;
use crate::func::invoke;
use crate::store::{StoreOpaque, Stored};
use crate::{AsContext, AsContextMut};
use anyhow::{ensure, Result};
use std::sync::Arc;
use wasmtime_environ::component::ComponentFuncType;
use wasmtime_runtime::vmcontext::ValRaw;

/// A component function exported by an [`Instance`](super::Instance).
#[derive(Copy, Clone, Debug)]
pub struct Func(pub(crate) Stored);

/// What the store keeps of a lifted function.
pub(crate) struct LiftedFunc {
    pub(crate) core: crate::Func,
    pub(crate) ty: Arc<ComponentFuncType>,
    pub(crate) options: Options,
    /// How many core parameters the parameters flatten to, or `None` when
    /// they are passed in linear memory.
    pub(crate) flat_params: Option<usize>,
    /// How many core results the result flattens to, or `None` when it is
    /// returned in linear memory.
    pub(crate) flat_results: Option<usize>,
}

impl Func {
    pub(crate) fn new_lifted(
        store: &mut StoreOpaque,
        core: crate::Func,
        ty: Arc<ComponentFuncType>,
        options: Options,
    ) -> Func {
        let index = store.component_funcs.len();
        store.component_funcs.push(Arc::new(LiftedFunc {
            core,
            flat_params: ty.flat_params_len(),
            flat_results: ty.flat_result_len(),
            ty,
            options,
        }));
        Func(Stored {
            store: store.id(),
            index,
        })
    }

    pub(crate) fn data(&self, store: &StoreOpaque) -> Arc<LiftedFunc> {
        store.check(&self.0);
        store.component_funcs[self.0.index].clone()
    }

    pub(crate) fn ty_in(&self, store: &StoreOpaque) -> ComponentFunc {
        let data = self.data(store);
        let resources = store.component_instances[data.options.instance]
            .resource_types
            .clone();
        ComponentFunc::new(data.ty.clone(), resources)
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> ComponentFunc {
        self.ty_in(store.as_context().opaque())
    }

    /// Calls the function with `params`, writing its result (if it has one)
    /// to the one-element `results`. The values are checked against the
    /// function's type; values the guest returns are checked too (an
    /// invalid string, discriminant or pointer is an error). The function's
    /// `post-return` runs before this returns.
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

    /// As [`Func::call`], on a fiber (see
    /// [`crate::Func::call_async`]).
    #[cfg(feature = "async")]
    pub async fn call_async(
        &self,
        mut store: impl AsContextMut<Data: Send>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let func = *self;
        let work = move |store: &mut StoreOpaque| func.call_impl(store, params, results);
        crate::fiber::on_fiber_in(&mut store.as_context_mut(), work).await?
    }

    /// Does nothing: `post-return` runs as part of every call.
    #[doc(hidden)]
    #[deprecated(note = "no longer needs to be called; this function has no effect")]
    pub fn post_return(&self, _store: impl AsContextMut) -> Result<()> {
        Ok(())
    }

    /// Does nothing: `post-return` runs as part of every call.
    #[doc(hidden)]
    #[deprecated(note = "no longer needs to be called; this function has no effect")]
    #[cfg(feature = "async")]
    pub async fn post_return_async(&self, _store: impl AsContextMut<Data: Send>) -> Result<()> {
        Ok(())
    }

    pub(crate) fn call_impl(
        &self,
        store: &mut StoreOpaque,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let data = self.data(store);
        if data.options.async_ {
            return self.call_async_lifted(store, params, results, false);
        }
        let instance = data.options.instance;
        super::InstanceData::enter(store, instance, |store| {
            self.call_inner(store, params, results, false)
        })
    }

    /// A call of an async-lifted function: a task run to its end
    /// (`nested`: from another component inlined into the same instance).
    fn call_async_lifted(
        &self,
        store: &mut StoreOpaque,
        params: &[Val],
        results: &mut [Val],
        nested: bool,
    ) -> Result<()> {
        #[cfg(feature = "component-model-async")]
        return super::concurrent::call_vals(store, *self, params, results, nested);
        #[cfg(not(feature = "component-model-async"))]
        {
            let _ = (store, params, results, nested);
            anyhow::bail!("async-lifted functions need the `component-model-async` feature")
        }
    }

    /// Calls the function without entering its instance (`adapter`: for
    /// a call between components inlined into one instance).
    pub(crate) fn call_inner(
        &self,
        store: &mut StoreOpaque,
        params: &[Val],
        results: &mut [Val],
        adapter: bool,
    ) -> Result<()> {
        let data = self.data(store);
        if data.options.async_ {
            return self.call_async_lifted(store, params, results, true);
        }
        // The call's frame spans the lowering (a `realloc` may use
        // `context.set`), the core call and `post-return`.
        #[cfg(feature = "component-model-async")]
        return super::concurrent::sync_frame(store, data.ty.is_async, |store| {
            Self::call_sync(store, &data, params, results, adapter)
        });
        #[cfg(not(feature = "component-model-async"))]
        Self::call_sync(store, &data, params, results, adapter)
    }

    /// [`Func::call_inner`] of a synchronously lifted function.
    fn call_sync(
        store: &mut StoreOpaque,
        data: &LiftedFunc,
        params: &[Val],
        results: &mut [Val],
        adapter: bool,
    ) -> Result<()> {
        let ty = &data.ty;
        ensure!(
            params.len() == ty.params.len(),
            "expected {} argument(s), got {}",
            ty.params.len(),
            params.len()
        );
        let result_count = usize::from(ty.result.is_some());
        ensure!(
            results.len() == result_count,
            "expected {result_count} result(s), got {}",
            results.len()
        );
        let mut raw = Vec::new();
        // UTF-8 strings the adapter deferred, copied as they are lowered.
        let mut pending = match adapter {
            true => std::mem::take(&mut store.adapter_strings),
            false => Vec::new(),
        };
        pending.reverse();
        let lent = own_frame(store, &data.options, |store| -> Result<_> {
            let mut cx = Cx::new(store, &data.options);
            cx.adapter = adapter;
            cx.pending_strings = pending;
            match ty.flat_params_len() {
                Some(_) => {
                    for ((_, t), v) in ty.params.iter().zip(params) {
                        cx.lower_flat(t, v, &mut raw)?;
                    }
                }
                None => {
                    let tuple = ty.params_tuple();
                    let ptr = cx.realloc(0, 0, tuple.align(), tuple.size())?;
                    cx.store(&tuple, &Val::Tuple(params.to_vec()), ptr)?;
                    raw.push(ValRaw::u32(ptr));
                }
            }
            Ok((std::mem::take(&mut cx.lent), cx.take_host_lends()))
        })?;
        let (lent, host_lent) = lent;
        let flat_result = ty.flat_result_len();
        let core_results = flat_result.unwrap_or(1);
        if raw.len() < core_results {
            raw.resize(core_results, ValRaw::u64(0));
        }
        let called = data
            .core
            .func_ref_ptr(store)
            .and_then(|func_ref| invoke(store, func_ref, &mut raw));
        super::abi::end_host_lends(store, host_lent);
        called?;
        let mut cx = Cx::new(&mut *store, &data.options);
        cx.lent = lent;
        cx.check_lent()?;
        if let Some(rt) = &ty.result {
            results[0] = match flat_result {
                Some(flat) => cx.lift_flat(rt, &mut raw[..flat].iter().copied())?,
                None => cx.load(rt, raw[0].get_u32())?,
            };
        }
        drop(cx);
        post_return(store, &data.options, &raw[..core_results])
    }
}

/// Runs `f` (a lowering with `opts`, which may call `realloc`) in a frame
/// of its own: a `realloc` has context slots of its own, apart from those
/// of the call it prepares; and, as in Wasmtime, the instance written to
/// may not leave meanwhile (its `realloc` cannot call imports).
pub(crate) fn own_frame<R>(
    store: &mut StoreOpaque,
    opts: &Options,
    f: impl FnOnce(&mut StoreOpaque) -> R,
) -> R {
    let (instance, sub) = (opts.instance, opts.sub);
    let may_leave = store.component_instances[instance].may_leave(sub);
    store.component_instances[instance].set_may_leave(sub, false);
    #[cfg(feature = "component-model-async")]
    let r = super::concurrent::sync_frame(store, false, f);
    #[cfg(not(feature = "component-model-async"))]
    let r = f(store);
    store.component_instances[instance].set_may_leave(sub, may_leave);
    r
}

/// Runs the `post-return` function of `opts`, if any, with the core
/// function's results `results`. It may not call imports or most builtins
/// (they trap with "cannot leave component instance"); if it fails, the
/// instance stays that way, as in Wasmtime.
pub(crate) fn post_return(
    store: &mut StoreOpaque,
    opts: &Options,
    results: &[ValRaw],
) -> Result<()> {
    let Some(post_return) = opts.post_return else {
        return Ok(());
    };
    let func_ref = post_return.func_ref_ptr(store)?;
    let mut args = results.to_vec();
    store.component_instances[opts.instance].set_may_leave(opts.sub, false);
    invoke(store, func_ref, &mut args)?;
    store.component_instances[opts.instance].set_may_leave(opts.sub, true);
    Ok(())
}
