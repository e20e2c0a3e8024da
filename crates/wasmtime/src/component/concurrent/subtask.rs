//! Guest-to-guest subtasks and task cancellation.
//!
//! An `async` lower of a function that another component of the same
//! composition lifts with `async` and a `callback` starts the callee's task
//! at once, in the caller's frame. If the task finishes before its first
//! callback code asks to wait or yield, the lower answers `RETURNED`;
//! otherwise the caller gets a subtask (`STARTED | handle << 4`) and keeps
//! running, and the callee's task is resumed by the event loop like any
//! other. When it ends, its result is lowered into the caller's memory and
//! the subtask resolves (an `EVENT_SUBTASK` for the caller).
//!
//! `subtask.cancel` of such a subtask delivers `EVENT_TASK_CANCELLED` to
//! the callee's callback; the callee answers with `task.cancel` (the
//! subtask resolves as `CANCELLED_BEFORE_RETURNED`) or `task.return`
//! (`RETURNED`). A synchronous cancel waits for that answer; an `async`
//! one returns `BLOCKED` when the callee has not answered yet, and the
//! resolution arrives later as an event.
//!
//! Other callees (synchronously lifted or stackful) still run to their end
//! in the caller's frame.

use super::{
    deliver, drive_until, spawn_task, start_task, take_result, task_done, val_start, Resolution,
    Subtask, TaskState, Waitable, Waiter, BLOCKED, EVENT_TASK_CANCELLED,
    SUBTASK_CANCELLED_BEFORE_RETURNED, SUBTASK_RETURNED, SUBTASK_STARTED,
};
use crate::component::abi::{Cx, Options};
use crate::component::host::async_param_layout;
use crate::component::{Func, Val};
use crate::store::StoreOpaque;
use anyhow::{anyhow, bail, ensure, Result};
use std::sync::Arc;
use wasmtime_environ::component::ComponentFuncType;
use wasmtime_runtime::vmcontext::ValRaw;

/// The core entry of an `async` lower of `callee`, a function of another
/// component inlined into the caller's instance (`opts` are the caller's
/// options, `ty` the function's type).
pub(crate) fn guest_async_lower(
    store: &mut StoreOpaque,
    callee: Func,
    ty: &Arc<ComponentFuncType>,
    opts: &Arc<Options>,
    slots: &mut [ValRaw],
) -> Result<()> {
    let (flat, retptr_slot) = async_param_layout(ty);
    let params = {
        let mut cx = Cx::new(store, opts);
        match flat {
            Some(n) => {
                let mut it = slots[..n].iter().copied();
                ty.params
                    .iter()
                    .map(|(_, t)| cx.lift_flat(t, &mut it))
                    .collect::<Result<Vec<_>>>()?
            }
            None => match cx.load(&ty.params_tuple(), slots[0].get_u32())? {
                Val::Tuple(vals) => vals,
                _ => bail!("internal error: parameters are not a tuple"),
            },
        }
    };
    let retptr = ty.result.as_ref().map(|_| slots[retptr_slot].get_u32());
    let data = callee.data(store);
    if !data.options.async_ || data.options.callback.is_none() {
        // Runs to its end here.
        let mut results = vec![Val::Bool(false); usize::from(ty.result.is_some())];
        callee.call_inner(store, &params, &mut results, true)?;
        lower_results(store, opts, ty, &results, retptr)?;
        slots[0] = ValRaw::u32(SUBTASK_RETURNED);
        return Ok(());
    }
    let start = val_start(store, callee, params);
    let id = spawn_task(store, callee, start, true);
    store.concurrent.pending.retain(|&p| p != id);
    start_task(store, id);
    if task_done(store, id) {
        let results = task_results(take_result(store, id)?)?;
        lower_results(store, opts, ty, &results, retptr)?;
        slots[0] = ValRaw::u32(SUBTASK_RETURNED);
        return Ok(());
    }
    let task = store.concurrent.task(id);
    task.detached = true;
    if let Some(out) = task.result.take() {
        // It returned and runs on (until its callback exits).
        lower_results(store, opts, ty, &task_results(out)?, retptr)?;
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
            guest: Some(id),
        }))?;
    let (ty, opts) = (ty.clone(), opts.clone());
    store.concurrent.task(id).on_resolve = Some(Box::new(move |store, how| {
        let state = match how {
            Resolution::Cancelled => SUBTASK_CANCELLED_BEFORE_RETURNED,
            Resolution::Returned(out) => {
                lower_results(store, &opts, &ty, &task_results(out)?, retptr)?;
                SUBTASK_RETURNED
            }
        };
        let s = store.component_instances[instance]
            .concurrent
            .waitables
            .subtask(handle)?;
        s.guest = None;
        s.state = state;
        s.pending = true;
        Ok(())
    }));
    slots[0] = ValRaw::u32(SUBTASK_STARTED | (handle << 4));
    Ok(())
}

/// The values a task of a dynamically typed call delivered.
fn task_results(out: Box<dyn std::any::Any + Send>) -> Result<Vec<Val>> {
    out.downcast::<Vec<Val>>()
        .map(|v| *v)
        .map_err(|_| anyhow!("internal error: unexpected task result"))
}

/// Lowers a subtask's result into the caller's memory at `retptr`.
fn lower_results(
    store: &mut StoreOpaque,
    opts: &Options,
    ty: &ComponentFuncType,
    results: &[Val],
    retptr: Option<u32>,
) -> Result<()> {
    if let (Some(rt), Some(ptr), Some(v)) = (&ty.result, retptr, results.first()) {
        let mut cx = Cx::new(store, opts);
        cx.store(rt, v, ptr)?;
    }
    Ok(())
}

/// `subtask.cancel` of guest subtask `handle` of `instance`, whose callee
/// is task `id`: the subtask's new state, or `BLOCKED`.
pub(crate) fn cancel_guest_subtask(
    store: &mut StoreOpaque,
    instance: usize,
    handle: u32,
    id: usize,
    async_: bool,
) -> Result<u32> {
    if let Some(e) = store.concurrent.failure.take() {
        return Err(e);
    }
    let task = store
        .concurrent
        .tasks
        .get_mut(id)
        .and_then(|t| t.as_mut())
        .ok_or_else(|| anyhow!("internal error: the task of subtask {handle} is gone"))?;
    if !task.cancel_requested {
        match task.state {
            TaskState::Yielded | TaskState::Waiting(_) => {
                task.cancel_requested = true;
                deliver(store, id, (EVENT_TASK_CANCELLED, 0, 0));
            }
            TaskState::Running => {
                bail!("wasm trap: cannot cancel subtask {handle}: its task is running")
            }
            TaskState::Pending | TaskState::Done => {
                bail!("internal error: unexpected state of a guest subtask")
            }
        }
    }
    if let Some(e) = store.concurrent.failure.take() {
        return Err(e);
    }
    let resolved = |s: &mut StoreOpaque| -> Result<bool> {
        Ok(s.component_instances[instance]
            .concurrent
            .waitables
            .subtask(handle)?
            .guest
            .is_none())
    };
    if !resolved(store)? {
        if async_ {
            return Ok(BLOCKED);
        }
        let waiter = Waiter::of(store);
        drive_until(store, waiter, true, resolved)?;
    }
    let s = store.component_instances[instance]
        .concurrent
        .waitables
        .subtask(handle)?;
    s.pending = false;
    Ok(s.state)
}

/// `task.cancel` of the current task.
pub(crate) fn task_cancel(store: &mut StoreOpaque) -> Result<()> {
    let id = store.concurrent.current_id()?;
    let task = store.concurrent.task(id);
    ensure!(
        task.func.options.async_,
        "wasm trap: `task.cancel` called by a synchronously lifted export"
    );
    ensure!(
        task.cancel_requested,
        "wasm trap: `task.cancel` called by a task that was not cancelled"
    );
    ensure!(
        !task.returned,
        "wasm trap: `task.cancel` called after the task returned"
    );
    task.returned = true;
    task.cancelled = true;
    match task.on_resolve.take() {
        Some(resolve) => resolve(store, Resolution::Cancelled),
        None => Ok(()),
    }
}
