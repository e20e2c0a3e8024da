//! The core functions of the component-model async builtins (`task.return`,
//! `context.get`, `waitable-set.wait`, `subtask.drop`, ...). Misuse (a
//! second `task.return`, an unknown handle, dropping a set that still has
//! members) is an error that reaches the caller like a trap.

use super::transmit;
use super::{
    cancel_host_task, drive_until, poll_host_tasks, Waitable, Waiter, BLOCKED, EVENT_NONE,
    SUBTASK_CANCELLED_BEFORE_RETURNED, SUBTASK_RETURNED,
};
use crate::component::abi::{Cx, Options};
use crate::func::{Caller, HostFuncRaw};
use crate::store::StoreOpaque;
use crate::{Engine, FuncType, Memory, ValType};
use anyhow::{anyhow, bail, ensure, Result};
use std::sync::Arc;
use wasmtime_environ::component::{Builtin, FlatType, InterfaceType, TransmitOp, MAX_FLAT_PARAMS};
use wasmtime_runtime::vmcontext::ValRaw;

fn val_type(f: FlatType) -> ValType {
    match f {
        FlatType::I32 => ValType::I32,
        FlatType::I64 => ValType::I64,
        FlatType::F32 => ValType::F32,
        FlatType::F64 => ValType::F64,
    }
}

type Raw<T> = Arc<HostFuncRaw<T>>;

fn raw<T: 'static>(
    f: impl Fn(&mut StoreOpaque, &mut [ValRaw]) -> Result<()> + Send + Sync + 'static,
) -> Raw<T> {
    Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| f(caller.store.opaque(), slots))
}

/// The core type and function of builtin `b` of component instance
/// `instance` (runtime instance `sub` inside it); `None` for the resource
/// builtins (made by the instance builder). `memory` is the memory a `waitable-set.wait`/`poll` writes
/// to; `options` the resolved options of a `task.return`.
pub(crate) fn builtin_func<T: 'static>(
    engine: &Engine,
    instance: usize,
    sub: u32,
    b: &Builtin,
    memory: Option<Memory>,
    options: Option<Options>,
) -> Option<(FuncType, Raw<T>)> {
    use ValType::I32;
    let ty = |p: &[ValType], r: &[ValType]| FuncType::new(engine, p.to_vec(), r.to_vec());
    Some(match b {
        Builtin::ResourceNew(_) | Builtin::ResourceDrop(_) | Builtin::ResourceRep(_) => {
            return None
        }
        Builtin::TaskReturn { result, .. } => {
            let flat = result.as_ref().map(|t| t.flat()).unwrap_or_default();
            let params: Vec<ValType> = if flat.len() <= MAX_FLAT_PARAMS {
                flat.into_iter().map(val_type).collect()
            } else {
                vec![I32]
            };
            let result = result.clone();
            let _ = options;
            (
                ty(&params, &[]),
                raw(move |store, slots| task_return(store, &result, slots)),
            )
        }
        Builtin::TaskCancel => (ty(&[], &[]), raw(|store, _| super::task_cancel(store))),
        Builtin::ContextGet(slot) => {
            let slot = *slot as usize;
            (
                ty(&[], &[I32]),
                raw(move |store, slots| {
                    let v = *store
                        .concurrent
                        .context_slots()?
                        .get(slot)
                        .ok_or_else(|| anyhow!("context slot {slot} out of range"))?;
                    slots[0] = ValRaw::u32(v);
                    Ok(())
                }),
            )
        }
        Builtin::ContextSet(slot) => {
            let slot = *slot as usize;
            (
                ty(&[I32], &[]),
                raw(move |store, slots| {
                    let cell = store
                        .concurrent
                        .context_slots()?
                        .get_mut(slot)
                        .ok_or_else(|| anyhow!("context slot {slot} out of range"))?;
                    *cell = slots[0].get_u32();
                    Ok(())
                }),
            )
        }
        Builtin::BackpressureInc => (
            ty(&[], &[]),
            raw(move |store, _| {
                let bp = &mut store.component_instances[instance].concurrent.backpressure;
                ensure!(
                    *bp < u16::MAX as u32,
                    "wasm trap: backpressure counter overflow"
                );
                *bp += 1;
                Ok(())
            }),
        ),
        Builtin::BackpressureDec => (
            ty(&[], &[]),
            raw(move |store, _| {
                let bp = &mut store.component_instances[instance].concurrent.backpressure;
                ensure!(
                    *bp > 0,
                    "wasm trap: backpressure counter overflow (`backpressure.dec` below zero)"
                );
                *bp -= 1;
                Ok(())
            }),
        ),
        Builtin::Yield => (
            ty(&[], &[I32]),
            raw(|store, slots| {
                // Lets host futures make progress; never cancelled.
                let waiter = Waiter::of(store);
                poll_host_tasks(store, waiter)?;
                slots[0] = ValRaw::u32(0);
                Ok(())
            }),
        ),
        Builtin::WaitableSetNew => (
            ty(&[], &[I32]),
            raw(move |store, slots| {
                let w = &mut store.component_instances[instance].concurrent.waitables;
                slots[0] = ValRaw::u32(w.insert(Waitable::Set)?);
                Ok(())
            }),
        ),
        Builtin::WaitableSetWait(_) | Builtin::WaitableSetPoll(_) => {
            let wait = matches!(b, Builtin::WaitableSetWait(_));
            (
                ty(&[I32, I32], &[I32]),
                raw(move |store, slots| {
                    if wait {
                        super::check_blocking(store)?;
                    }
                    let set = slots[0].get_u32();
                    let ptr = slots[1].get_u32();
                    let event = wait_or_poll(store, instance, set, wait)?;
                    let opts = Options::memory_only(memory, instance, sub);
                    let mut cx = Cx::new(store, &opts);
                    let mut bytes = [0; 8];
                    bytes[..4].copy_from_slice(&event.1.to_le_bytes());
                    bytes[4..].copy_from_slice(&event.2.to_le_bytes());
                    ensure!(ptr % 4 == 0, "wasm trap: unaligned event pointer");
                    cx.write(ptr, &bytes)?;
                    slots[0] = ValRaw::u32(event.0);
                    Ok(())
                }),
            )
        }
        Builtin::WaitableSetDrop => (
            ty(&[I32], &[]),
            raw(move |store, slots| {
                let set = slots[0].get_u32();
                let waiting =
                    store.concurrent.tasks.iter().flatten().any(|t| {
                        t.instance == instance && t.state == super::TaskState::Waiting(set)
                    });
                let w = &mut store.component_instances[instance].concurrent.waitables;
                w.check_set(set)?;
                ensure!(
                    !w.set_has_members(set),
                    "wasm trap: cannot drop waitable set {set}: it still has members"
                );
                ensure!(
                    !waiting,
                    "wasm trap: cannot drop waitable set with waiters (set {set})"
                );
                w.remove(set)?;
                Ok(())
            }),
        ),
        Builtin::WaitableJoin => (
            ty(&[I32, I32], &[]),
            raw(move |store, slots| {
                let (wi, si) = (slots[0].get_u32(), slots[1].get_u32());
                let w = &mut store.component_instances[instance].concurrent.waitables;
                if si != 0 {
                    w.check_set(si)?;
                }
                *w.joined(wi)? = (si != 0).then_some(si);
                Ok(())
            }),
        ),
        Builtin::SubtaskDrop => (
            ty(&[I32], &[]),
            raw(move |store, slots| {
                let i = slots[0].get_u32();
                let w = &mut store.component_instances[instance].concurrent.waitables;
                let s = w.subtask(i)?;
                ensure!(
                    s.host.is_none() && s.guest.is_none() && !s.pending,
                    "wasm trap: cannot drop a subtask which has not yet resolved (subtask {i}, or its \
                     last event was not delivered)"
                );
                w.remove(i)?;
                Ok(())
            }),
        ),
        Builtin::SubtaskCancel(async_) => {
            let async_ = *async_;
            (
                ty(&[I32], &[I32]),
                raw(move |store, slots| {
                    if !async_ {
                        super::check_blocking(store)?;
                    }
                    let i = slots[0].get_u32();
                    let w = &mut store.component_instances[instance].concurrent.waitables;
                    let s = w.subtask(i)?;
                    ensure!(
                        async_ || s.set.is_none(),
                        "wasm trap: waitable cannot be used synchronously while added to a \
                         waitable set (`subtask.cancel` of subtask {i})"
                    );
                    if let Some(id) = s.guest {
                        slots[0] = ValRaw::u32(super::cancel_guest_subtask(
                            store, instance, i, id, async_,
                        )?);
                        return Ok(());
                    }
                    let state = match s.host {
                        None => {
                            ensure!(
                                s.pending,
                                "wasm trap: `subtask.cancel` called after terminal status delivered (subtask {i})"
                            );
                            s.pending = false;
                            s.state
                        }
                        Some(host) => {
                            s.host = None;
                            s.pending = false;
                            s.state = SUBTASK_CANCELLED_BEFORE_RETURNED;
                            cancel_host_task(store, host);
                            SUBTASK_CANCELLED_BEFORE_RETURNED
                        }
                    };
                    debug_assert_ne!(state, BLOCKED);
                    slots[0] = ValRaw::u32(state);
                    Ok(())
                }),
            )
        }
        Builtin::Transmit {
            op,
            future,
            payload,
            ..
        } => {
            let (future, payload) = (*future, payload.clone());
            let opts =
                Arc::new(options.unwrap_or_else(|| Options::memory_only(None, instance, sub)));
            match *op {
                TransmitOp::New => (
                    ty(&[], &[ValType::I64]),
                    raw(move |store, slots| {
                        let both = transmit::guest_new(store, instance, future, &payload)?;
                        slots[0] = ValRaw::u64(both);
                        Ok(())
                    }),
                ),
                TransmitOp::Read | TransmitOp::Write => {
                    let write = *op == TransmitOp::Write;
                    let params: &[ValType] = if future {
                        &[I32, I32]
                    } else {
                        &[I32, I32, I32]
                    };
                    (
                        ty(params, &[I32]),
                        raw(move |store, slots| {
                            if !opts.async_ {
                                super::check_blocking(store)?;
                            }
                            let (handle, ptr) = (slots[0].get_u32(), slots[1].get_u32());
                            let len = if future { 1 } else { slots[2].get_u32() };
                            let r = transmit::guest_copy(
                                store, instance, handle, write, future, &payload, &opts, ptr, len,
                            )?;
                            slots[0] = ValRaw::u32(r);
                            Ok(())
                        }),
                    )
                }
                TransmitOp::CancelRead(async_) | TransmitOp::CancelWrite(async_) => {
                    let write = matches!(op, TransmitOp::CancelWrite(_));
                    (
                        ty(&[I32], &[I32]),
                        raw(move |store, slots| {
                            if !async_ {
                                super::check_blocking(store)?;
                            }
                            let r = transmit::guest_cancel(
                                store,
                                instance,
                                slots[0].get_u32(),
                                write,
                                future,
                                async_,
                            )?;
                            slots[0] = ValRaw::u32(r);
                            Ok(())
                        }),
                    )
                }
                TransmitOp::DropReadable | TransmitOp::DropWritable => {
                    let readable = *op == TransmitOp::DropReadable;
                    (
                        ty(&[I32], &[]),
                        raw(move |store, slots| {
                            transmit::guest_drop(
                                store,
                                instance,
                                slots[0].get_u32(),
                                readable,
                                future,
                                &payload,
                            )
                        }),
                    )
                }
            }
        }
        Builtin::ErrorContextNew(_) => {
            let opts = options.unwrap_or_else(|| Options::memory_only(None, instance, sub));
            (
                ty(&[I32, I32], &[I32]),
                raw(move |store, slots| {
                    let (ptr, len) = (slots[0].get_u32(), slots[1].get_u32());
                    let message = Cx::new(store, &opts).load_string(ptr, len)?;
                    let list = &mut store.concurrent.transmits.error_contexts;
                    list.push(message);
                    let id = list.len() - 1;
                    let w = &mut store.component_instances[instance].concurrent.waitables;
                    slots[0] = ValRaw::u32(w.insert(Waitable::ErrorContext(id))?);
                    Ok(())
                }),
            )
        }
        Builtin::ErrorContextDebugMessage(_) => {
            let opts = options.unwrap_or_else(|| Options::memory_only(None, instance, sub));
            (
                ty(&[I32, I32], &[]),
                raw(move |store, slots| {
                    let (handle, ptr) = (slots[0].get_u32(), slots[1].get_u32());
                    let id = error_context(store, instance, handle)?;
                    let message = store.concurrent.transmits.error_contexts[id].clone();
                    ensure!(ptr % 4 == 0, "wasm trap: unaligned string pointer {ptr:#x}");
                    let mut cx = Cx::new(store, &opts);
                    let (p, len) = cx.store_string(&message)?;
                    cx.write(ptr, &p.to_le_bytes())
                        .and_then(|()| cx.write(ptr + 4, &len.to_le_bytes()))
                        .map_err(|e| {
                            anyhow!("wasm trap: invalid debug message pointer {ptr:#x}: {e}")
                        })
                }),
            )
        }
        Builtin::ErrorContextDrop => (
            ty(&[I32], &[]),
            raw(move |store, slots| {
                let handle = slots[0].get_u32();
                error_context(store, instance, handle)?;
                store.component_instances[instance]
                    .concurrent
                    .waitables
                    .remove(handle)?;
                Ok(())
            }),
        ),
    })
}

/// The error context behind `handle` of `instance`.
fn error_context(store: &mut StoreOpaque, instance: usize, handle: u32) -> Result<usize> {
    match store.component_instances[instance]
        .concurrent
        .waitables
        .get(handle)
    {
        Ok(Waitable::ErrorContext(id)) => Ok(*id),
        _ => bail!("wasm trap: handle {handle} is not an error context"),
    }
}

/// `task.return` of the current task with flat arguments `slots`.
fn task_return(
    store: &mut StoreOpaque,
    result: &Option<InterfaceType>,
    slots: &[ValRaw],
) -> Result<()> {
    let id = store.concurrent.current_id()?;
    let task = store.concurrent.task(id);
    ensure!(
        task.func.options.async_,
        "wasm trap: `task.return` called by a synchronously lifted export"
    );
    ensure!(!task.returned, "wasm trap: `task.return` called twice");
    ensure!(
        task.func.ty.result == *result,
        "wasm trap: `task.return`'s result type does not match the task's function type"
    );
    task.returned = true;
    let func = task.func.clone();
    let lift = task
        .lift
        .take()
        .ok_or_else(|| anyhow!("internal error: task without a result lifter"))?;
    let value = {
        let mut cx = Cx::new(&mut *store, &func.options);
        lift(&mut cx, slots)?
    };
    let task = store.concurrent.task(id);
    match task.on_resolve.take() {
        Some(resolve) => resolve(store, super::Resolution::Returned(value)),
        None => {
            task.result = Some(value);
            // A host waiting for the returned value (not only for the end).
            if let Some(w) = task.waker.take() {
                w.wake();
            }
            Ok(())
        }
    }
}

/// The next event of set `set` of `instance`: waits for one (`wait`) or
/// answers `EVENT_NONE`.
fn wait_or_poll(
    store: &mut StoreOpaque,
    instance: usize,
    set: u32,
    wait: bool,
) -> Result<(u32, u32, u32)> {
    store.component_instances[instance]
        .concurrent
        .waitables
        .check_set(set)?;
    if wait {
        let waiter = Waiter::of(store);
        drive_until(store, waiter, true, |s| {
            Ok(s.component_instances[instance]
                .concurrent
                .waitables
                .has_event(set))
        })?;
    }
    Ok(store.component_instances[instance]
        .concurrent
        .waitables
        .take_event(set)
        .unwrap_or((EVENT_NONE, 0, 0)))
}

/// Resolves subtask `handle` of `instance` as returned (its host future
/// finished and its result was lowered).
pub(crate) fn resolve_subtask(store: &mut StoreOpaque, instance: usize, handle: u32) -> Result<()> {
    let s = store.component_instances[instance]
        .concurrent
        .waitables
        .subtask(handle)?;
    s.host = None;
    s.state = SUBTASK_RETURNED;
    s.pending = true;
    Ok(())
}
