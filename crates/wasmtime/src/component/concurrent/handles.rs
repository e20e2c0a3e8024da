//! Futures, streams and error contexts as values: lifting a guest's handle
//! (a readable end leaves the guest's table; an error context stays, it is
//! shared) and lowering the host's value into a guest's table.

use super::transmit::{CopyState, End, Holder};
use super::Waitable;
use crate::component::abi::Cx;
use crate::component::typed::{ComponentType, Lift, Lower};
use crate::component::values::{ErrorContextAny, FutureAny, StreamAny};
use crate::component::Val;
use anyhow::{anyhow, bail, ensure, Result};
use wasmtime_environ::component::InterfaceType;
use wasmtime_runtime::vmcontext::ValRaw;

/// The guest's new handle for `v` (of type `ty`).
pub(crate) fn lower_async_handle(cx: &mut Cx<'_>, ty: &InterfaceType, v: &Val) -> Result<u32> {
    let instance = cx.opts.instance;
    let store_id = cx.store.id();
    let (owner, id, future, payload) = match (ty, v) {
        (InterfaceType::Stream(p), Val::Stream(StreamAny { store, id })) => (*store, *id, false, p),
        (InterfaceType::Future(p), Val::Future(FutureAny { store, id })) => (*store, *id, true, p),
        (InterfaceType::ErrorContext, Val::ErrorContext(ErrorContextAny { store, id })) => {
            ensure!(
                *store == store_id && *id < cx.store.concurrent.transmits.error_contexts.len(),
                "error context used with a store other than its own"
            );
            return cx.store.component_instances[instance]
                .concurrent
                .waitables
                .insert(Waitable::ErrorContext(*id));
        }
        _ => bail!(
            "type mismatch: expected a value of type {ty:?}, found {}",
            v.desc()
        ),
    };
    ensure!(
        owner == store_id,
        "stream or future used with a store other than its own"
    );
    let t = cx.store.concurrent.transmits.get(id)?;
    ensure!(
        t.future == future,
        "internal error: a stream passed as a future or the reverse"
    );
    ensure!(
        t.reader == Holder::Host && t.consumer.is_none(),
        "the readable end of this {} was already passed on, piped or closed",
        if future { "future" } else { "stream" }
    );
    t.reader = Holder::Guest;
    cx.store.component_instances[instance]
        .concurrent
        .waitables
        .insert(Waitable::End(End {
            transmit: id,
            readable: true,
            future,
            payload: payload.as_deref().cloned(),
            state: CopyState::Idle,
            event: None,
            set: None,
        }))
}

/// The host value of the guest's handle `handle` (of type `ty`).
pub(crate) fn lift_async_handle(cx: &mut Cx<'_>, ty: &InterfaceType, handle: u32) -> Result<Val> {
    let instance = cx.opts.instance;
    let store = cx.store.id();
    let w = &mut cx.store.component_instances[instance].concurrent.waitables;
    let (future, payload) = match ty {
        InterfaceType::Stream(p) => (false, p),
        InterfaceType::Future(p) => (true, p),
        InterfaceType::ErrorContext => {
            return match w.get(handle) {
                Ok(Waitable::ErrorContext(id)) => {
                    Ok(Val::ErrorContext(ErrorContextAny { store, id: *id }))
                }
                _ => Err(anyhow!("handle {handle} is not an error context")),
            }
        }
        _ => unreachable!("not a stream, future or error context"),
    };
    let what = if future { "future" } else { "stream" };
    let Ok(Waitable::End(end)) = w.get(handle) else {
        bail!("handle {handle} is not the readable end of a {what}");
    };
    ensure!(
        end.readable && end.future == future,
        "handle {handle} is not the readable end of a {what}"
    );
    ensure!(
        end.payload.as_ref() == payload.as_deref(),
        "handle {handle} is a {what} of another element type"
    );
    ensure!(
        end.state != CopyState::Done || !future,
        "wasm trap: cannot lift future after previous read succeeded (handle {handle})"
    );
    ensure!(
        end.state != CopyState::Done,
        "wasm trap: cannot lift stream after being notified that the writable end dropped \
         (handle {handle})"
    );
    ensure!(
        end.state == CopyState::Idle,
        "cannot pass handle {handle}: a copy is in progress"
    );
    ensure!(
        end.set.is_none(),
        "wasm trap: cannot lift {what} while it's in a waitable set"
    );
    let id = end.transmit;
    w.remove(handle)?;
    cx.store.concurrent.transmits.get(id)?.reader = Holder::Host;
    Ok(if future {
        Val::Future(FutureAny { store, id })
    } else {
        Val::Stream(StreamAny { store, id })
    })
}

/// An error context in statically typed signatures (`error-context`), as
/// Wasmtime 48 names it; [`ErrorContextAny`] is its dynamically typed
/// form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorContext(ErrorContextAny);

impl ErrorContext {
    /// As a [`Val::ErrorContext`].
    pub fn into_val(self) -> Val {
        Val::ErrorContext(self.0)
    }

    /// From a [`Val::ErrorContext`].
    pub fn from_val(_store: impl crate::AsContextMut, value: &Val) -> Result<Self> {
        match value {
            Val::ErrorContext(e) => Ok(ErrorContext(e.clone())),
            other => bail!(
                "type mismatch: expected an error context, found {}",
                other.desc()
            ),
        }
    }
}

impl ErrorContextAny {
    /// The debug message the guest gave `error-context.new`.
    pub fn debug_message(&self, store: impl crate::AsContext) -> Result<String> {
        let store = store.as_context();
        let opaque = store.opaque();
        ensure!(
            opaque.id() == self.store,
            "error context used with a store other than its own"
        );
        opaque
            .concurrent
            .transmits
            .error_contexts
            .get(self.id)
            .cloned()
            .ok_or_else(|| anyhow!("unknown error context"))
    }
}

impl ComponentType for ErrorContext {
    fn ty() -> InterfaceType {
        InterfaceType::ErrorContext
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::ErrorContext => Ok(()),
            other => bail!("type mismatch: expected error-context, found {other:?}"),
        }
    }
}

impl Lower for ErrorContext {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        cx.lower_flat(ty, &Val::ErrorContext(self.0.clone()), out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        cx.store(ty, &Val::ErrorContext(self.0.clone()), ptr)
    }
}

fn error_context(v: Val) -> Result<ErrorContext> {
    match v {
        Val::ErrorContext(e) => Ok(ErrorContext(e)),
        other => bail!(
            "type mismatch: expected an error context, found {}",
            other.desc()
        ),
    }
}

impl Lift for ErrorContext {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        error_context(cx.lift_flat(ty, src)?)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        error_context(cx.load(ty, ptr)?)
    }
}
