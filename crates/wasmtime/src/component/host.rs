//! [`HostFunc`]: a host function defined in a [`Linker`](super::Linker),
//! dynamically typed ([`LinkerInstance::func_new`]) or statically typed
//! ([`LinkerInstance::func_wrap`]). Each can check the type of the import
//! it is given for, and makes the core function that a lowered import
//! calls.
//!
//! [`LinkerInstance::func_new`]: super::LinkerInstance::func_new
//! [`LinkerInstance::func_wrap`]: super::LinkerInstance::func_wrap

use super::abi::{Cx, Options};
use super::instance::call_host;
use super::linker::HostFn;
use super::typed::{typecheck_func, ComponentNamedList, Lift, Lower};
use crate::func::{Caller, HostFuncRaw};
use crate::StoreContextMut;
use anyhow::Result;
use std::marker::PhantomData;
use std::sync::Arc;
use wasmtime_environ::component::ComponentFuncType;
use wasmtime_runtime::vmcontext::ValRaw;

/// The most flat parameters an async lower passes as core values.
pub(crate) const MAX_FLAT_ASYNC_PARAMS: usize = 4;

/// The subtask state an async lower returns for a call that finished.
const RETURNED: u32 = 2;

/// Where an async lower of `ty` has its parameters: `Some(n)` flat core
/// values, or `None` for a pointer in the first slot; and the slot of its
/// result pointer.
pub(crate) fn async_param_layout(ty: &ComponentFuncType) -> (Option<usize>, usize) {
    let n = ty.flat_params_count();
    if n <= MAX_FLAT_ASYNC_PARAMS {
        (Some(n), n)
    } else {
        (None, 1)
    }
}

/// A host function of a component import.
pub(crate) struct HostFunc<T: 'static>(Arc<dyn HostFuncKind<T>>);

impl<T> Clone for HostFunc<T> {
    fn clone(&self) -> Self {
        HostFunc(self.0.clone())
    }
}

pub(crate) trait HostFuncKind<T: 'static>: Send + Sync {
    /// Checks the type of the import the function is given for.
    fn typecheck(&self, ty: &ComponentFuncType) -> Result<()>;

    /// The core function that the lowering of an import of type `ty`, with
    /// canonical options `opts`, calls.
    fn entry(&self, ty: Arc<ComponentFuncType>, opts: Arc<Options>) -> Arc<HostFuncRaw<T>>;
}

impl<T: 'static> HostFunc<T> {
    /// A dynamically typed function: any import type will do.
    pub(crate) fn dynamic(func: Arc<HostFn<T>>) -> HostFunc<T> {
        HostFunc(Arc::new(Dynamic(func, None)))
    }

    /// The adapter of a call between two components inlined into one
    /// instance: unlike the host's, its results are lowered in the caller's
    /// frame (a `realloc` sees the caller's context slots).
    /// `defer_strings`: the callee lowers the arguments at once (it is
    /// lifted synchronously), so UTF-8 strings are copied only after its
    /// `realloc` (see `abi::PendingString`).
    pub(crate) fn adapter(func: Arc<HostFn<T>>, defer_strings: bool) -> HostFunc<T> {
        HostFunc(Arc::new(Dynamic(func, Some(defer_strings))))
    }

    /// A statically typed function, checked against the import's type.
    pub(crate) fn typed<F, Params, Return>(func: F) -> HostFunc<T>
    where
        F: Fn(StoreContextMut<'_, T>, Params) -> Result<Return> + Send + Sync + 'static,
        Params: ComponentNamedList + Lift + 'static,
        Return: ComponentNamedList + Lower + 'static,
    {
        HostFunc(Arc::new(Typed {
            func: Arc::new(func),
            _marker: PhantomData::<fn(Params) -> Return>,
        }))
    }

    /// A function of another kind (concurrent host functions).
    #[cfg(feature = "component-model-async")]
    pub(crate) fn from_kind(kind: Arc<dyn HostFuncKind<T>>) -> HostFunc<T> {
        HostFunc(kind)
    }

    /// Checks the type of the import the function is given for.
    pub(crate) fn typecheck(&self, ty: &ComponentFuncType) -> Result<()> {
        self.0.typecheck(ty)
    }

    /// The core function that the lowering of an import of type `ty`, with
    /// canonical options `opts`, calls.
    pub(crate) fn entry(
        &self,
        ty: Arc<ComponentFuncType>,
        opts: Arc<Options>,
    ) -> Arc<HostFuncRaw<T>> {
        self.0.entry(ty, opts)
    }
}

/// A dynamically typed function (`Some`: an adapter between guests, and
/// whether it defers strings).
struct Dynamic<T: 'static>(Arc<HostFn<T>>, Option<bool>);

impl<T: 'static> HostFuncKind<T> for Dynamic<T> {
    fn typecheck(&self, _ty: &ComponentFuncType) -> Result<()> {
        Ok(())
    }

    fn entry(&self, ty: Arc<ComponentFuncType>, opts: Arc<Options>) -> Arc<HostFuncRaw<T>> {
        let host = self.0.clone();
        let adapter = self.1;
        Arc::new(move |caller: Caller<'_, T>, slots: &mut [ValRaw]| {
            call_host(caller, &ty, &opts, &*host, slots, adapter)
        })
    }
}

struct Typed<F, Params, Return> {
    func: Arc<F>,
    _marker: PhantomData<fn(Params) -> Return>,
}

impl<T, F, Params, Return> HostFuncKind<T> for Typed<F, Params, Return>
where
    T: 'static,
    F: Fn(StoreContextMut<'_, T>, Params) -> Result<Return> + Send + Sync + 'static,
    Params: ComponentNamedList + Lift + 'static,
    Return: ComponentNamedList + Lower + 'static,
{
    fn typecheck(&self, ty: &ComponentFuncType) -> Result<()> {
        typecheck_func::<Params, Return>(ty)
    }

    fn entry(&self, ty: Arc<ComponentFuncType>, opts: Arc<Options>) -> Arc<HostFuncRaw<T>> {
        let func = self.func.clone();
        let async_ = opts.async_;
        let (flat_params, retptr_slot) = if async_ {
            async_param_layout(&ty)
        } else {
            let flat = ty.flat_params_len();
            (flat, flat.unwrap_or(1))
        };
        // An async lower always stores the result through its pointer.
        let flat_results = ty.flat_result_len().filter(|_| !async_);
        Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
            let params = {
                let mut cx = Cx::new(caller.store.opaque(), &opts);
                let mut types = ty.params.iter().map(|(_, t)| t);
                match flat_params {
                    Some(n) => Params::lift_fields_flat(
                        &mut cx,
                        &mut types,
                        &mut slots[..n].iter().copied(),
                    )?,
                    None => Params::load_fields(&mut cx, &mut types, slots[0].get_u32())?,
                }
            };
            let ret = func(StoreContextMut(&mut *caller.store.0), params)?;
            // A `realloc` runs in a frame of its own.
            super::func::own_frame(caller.store.opaque(), &opts, |store| -> Result<()> {
                let mut cx = Cx::new(store, &opts);
                let mut types = ty.result.iter();
                match flat_results {
                    Some(_) => {
                        let mut out = Vec::new();
                        ret.lower_fields_flat(&mut cx, &mut types, &mut out)?;
                        slots[..out.len()].copy_from_slice(&out);
                    }
                    None if ty.result.is_none() => {}
                    None => {
                        let retptr = slots[retptr_slot].get_u32();
                        ret.store_fields(&mut cx, &mut types, retptr)?;
                    }
                }
                Ok(())
            })?;
            if async_ {
                slots[0] = ValRaw::u32(RETURNED);
            }
            Ok(())
        })
    }
}
