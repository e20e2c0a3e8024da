//! Component-model async (feature `component-model-async`): guest tasks of
//! async-lifted exports, the per-instance table of waitables (waitable sets,
//! subtasks, stream and future ends, error contexts), host subtasks
//! (futures of concurrent host functions), streams and futures
//! (`transmit`, `streams`) and the event loop that drives them.
//!
//! Everything runs on the thread (and, for async calls, the fiber) that
//! drives the store. The loop ([`drive_until`]) repeats one *step* until
//! its caller is satisfied: start the tasks queued for an instance that is
//! free (not running one of its exports, no backpressure), deliver one
//! event to a task of a callback-lifted export that waits for it (or
//! resume one that yielded), or poll the pending host futures. When a step
//! finds nothing to do, the loop parks: on a fiber it suspends until a
//! waker registered by a polled future fires; in a synchronous call it is
//! an error, since nothing could ever wake it.
//!
//! Stackful async lifts (`async` without `callback`) run their core
//! function to its end; their `waitable-set.wait` runs the loop nested
//! until an event arrives. Calls between two components inlined into one
//! instance run the callee's task to completion in the caller's frame.

mod accessor;
mod blocking;
mod buffers;
mod builtins;
mod handles;
mod host;
mod streams;
mod subtask;
mod transmit;
mod waitables;

pub use accessor::{Access, Accessor, AsAccessor, TaskExit};
pub(crate) use blocking::{check_blocking, sync_frame};
pub(crate) use builtins::builtin_func;
pub use handles::ErrorContext;
pub(crate) use handles::{lift_async_handle, lower_async_handle};
pub(crate) use host::{async_lower_abi, block_on_accessor, ConcurrentHost};
pub use streams::{
    Destination, DirectDestination, DirectSource, FutureConsumer, FutureProducer, FutureReader,
    ReadBuffer, Source, StreamConsumer, StreamProducer, StreamReader, StreamResult, VecBuffer,
    WriteBuffer,
};
pub(crate) use subtask::{cancel_guest_subtask, guest_async_lower, task_cancel};
pub(crate) use waitables::Waitables;

use super::abi::Cx;
use super::func::LiftedFunc;
use super::{Func, InstanceData, Val};
use crate::fiber::AsyncState;
use crate::store::StoreOpaque;
use anyhow::{anyhow, bail, Result};
use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use wasmtime_environ::component::MAX_FLAT_PARAMS;
use wasmtime_runtime::vmcontext::ValRaw;

/// Callback codes an async-lifted export (or its callback) returns.
const CALLBACK_EXIT: u32 = 0;
const CALLBACK_YIELD: u32 = 1;
const CALLBACK_WAIT: u32 = 2;

/// Event codes delivered to tasks.
pub(crate) const EVENT_NONE: u32 = 0;
pub(crate) const EVENT_SUBTASK: u32 = 1;
pub(crate) const EVENT_TASK_CANCELLED: u32 = 6;

/// Subtask states (the payload of a subtask event, and what an async
/// lower returns in its low 4 bits).
pub(crate) const SUBTASK_STARTED: u32 = 1;
pub(crate) const SUBTASK_RETURNED: u32 = 2;
pub(crate) const SUBTASK_CANCELLED_BEFORE_RETURNED: u32 = 4;

/// `subtask.cancel`'s answer when cancellation has not finished.
pub(crate) const BLOCKED: u32 = 0xffff_ffff;

/// The store's concurrent state.
#[derive(Default)]
pub(crate) struct ConcurrentState {
    /// Guest tasks by id (`None`: a free slot).
    tasks: Vec<Option<GuestTask>>,
    /// Tasks not started yet, in call order.
    pending: VecDeque<usize>,
    /// The calls whose core code is running, innermost last.
    current: Vec<Frame>,
    /// Host subtasks whose futures are not finished.
    host_tasks: Vec<HostTask>,
    next_host_id: u64,
    /// Streams, futures and error contexts.
    pub(crate) transmits: transmit::Transmits,
    /// The failure of a task no caller waits for in its frame (a guest
    /// subtask that resolves later): the loop returns it.
    failure: Option<anyhow::Error>,
    /// Where the next search for a task to resume starts (round robin).
    next_ready: usize,
}

/// What lowers a task's parameters into its instance and returns the core
/// arguments of its core function.
type LowerFn = Box<dyn FnOnce(&mut Cx<'_>) -> Result<Vec<ValRaw>> + Send>;
/// What lifts the values a task passes to `task.return` (its flat core
/// arguments) into the caller's representation.
type LiftFn = Box<dyn FnOnce(&mut Cx<'_>, &[ValRaw]) -> Result<Box<dyn Any + Send>> + Send>;
/// [`LowerFn`] borrowing for `'a`.
type ScopedLowerFn<'a> = Box<dyn FnOnce(&mut Cx<'_>) -> Result<Vec<ValRaw>> + Send + 'a>;
/// [`LiftFn`] borrowing for `'a`.
type ScopedLiftFn<'a> =
    Box<dyn FnOnce(&mut Cx<'_>, &[ValRaw]) -> Result<Box<dyn Any + Send>> + Send + 'a>;
/// A whole synchronous call (of a function without the `async` option
/// started concurrently).
type SyncFn = Box<dyn FnOnce(&mut StoreOpaque) -> Result<Box<dyn Any + Send>> + Send>;

/// A call whose core code runs: a task, or a synchronous call (which has
/// its own `context.get`/`context.set` slots, starting at 0).
enum Frame {
    Task(usize),
    /// The slots, and whether the call may block (its function is
    /// `async`).
    Sync([u32; 2], bool),
}

/// How a task starts.
pub(crate) enum Start {
    /// An async-lifted export: lower, call, then follow the callback codes.
    Async { lower: LowerFn, lift: LiftFn },
    /// A synchronously lifted export, called in one go.
    Sync(SyncFn),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaskState {
    /// Queued: its instance is busy or has backpressure.
    Pending,
    /// Its core code is running.
    Running,
    /// Its callback asked to be called again (with no event).
    Yielded,
    /// Its callback waits for an event of this waitable set.
    Waiting(u32),
    /// Finished (returned, failed, or exited).
    Done,
}

/// A call of a component export running as a task.
struct GuestTask {
    func: Arc<LiftedFunc>,
    instance: usize,
    state: TaskState,
    start: Option<Start>,
    lift: Option<LiftFn>,
    /// What `task.return` delivered (or the synchronous call's result).
    result: Option<Box<dyn Any + Send>>,
    /// The task's failure (a trap, misuse of a builtin).
    error: Option<anyhow::Error>,
    returned: bool,
    /// `context.get`/`context.set` slots.
    context: [u32; 2],
    /// Wakes the host future waiting for the task's end.
    waker: Option<Waker>,
    /// Started by an adapter between components inlined into one
    /// instance: runs although its instance is busy (the caller's frame).
    nested: bool,
    /// The caller asked to cancel it (`subtask.cancel`).
    cancel_requested: bool,
    /// It called `task.cancel`.
    cancelled: bool,
    /// What resolves the caller's subtask when the task returns or is
    /// cancelled (a guest subtask that did not return at once).
    on_resolve: Option<OnResolve>,
    /// No caller waits for its end in a frame: the loop frees it when it is
    /// done, and its failure fails the loop.
    detached: bool,
}

/// How a guest subtask resolved: `task.return` with its lifted value, or
/// `task.cancel`.
enum Resolution {
    Returned(Box<dyn Any + Send>),
    Cancelled,
}

/// See [`GuestTask::on_resolve`].
type OnResolve = Box<dyn FnOnce(&mut StoreOpaque, Resolution) -> Result<()> + Send>;

/// A host subtask: the future of a concurrent host function called by an
/// async lower.
struct HostTask {
    id: u64,
    future: Pin<Box<dyn Future<Output = Result<HostDone>> + Send>>,
}

/// What a finished host future leaves to do in the store: lower its result
/// into the calling instance and resolve the subtask.
pub(crate) type HostDone = Box<dyn FnOnce(&mut StoreOpaque) -> Result<()> + Send>;

/// A handle of an instance's waitable table.
pub(crate) enum Waitable {
    /// A waitable set.
    Set,
    /// A subtask started by an async lower.
    Subtask(Subtask),
    /// An end of a stream or future.
    End(transmit::End),
    /// An error context (its index in the store's list).
    ErrorContext(usize),
}

/// An async-lowered call that did not finish at once.
pub(crate) struct Subtask {
    /// `SUBTASK_*`.
    pub(crate) state: u32,
    /// An event (its state changed) not yet delivered.
    pub(crate) pending: bool,
    /// The waitable set it joined.
    pub(crate) set: Option<u32>,
    /// The host task behind it, while running.
    pub(crate) host: Option<u64>,
    /// The guest task behind it, while running.
    pub(crate) guest: Option<usize>,
}

/// What an instance keeps for component-model async.
#[derive(Default)]
pub(crate) struct InstanceConcurrent {
    pub(crate) waitables: Waitables,
    /// `backpressure.inc` minus `backpressure.dec`.
    pub(crate) backpressure: u32,
}

/// How code that must wait does so: on a fiber (suspend until woken) or in
/// a synchronous call (only what is ready at once).
#[derive(Clone, Copy)]
pub(crate) struct Waiter(Option<NonNull<AsyncState>>);

impl Waiter {
    pub(crate) fn of(store: &StoreOpaque) -> Waiter {
        let state = store.async_state.ptr();
        Waiter(crate::fiber::on_a_fiber(state).then_some(state))
    }

    /// Polls `future` once.
    pub(crate) fn poll<F: Future + ?Sized>(&self, future: Pin<&mut F>) -> Result<Poll<F::Output>> {
        match self.0 {
            // SAFETY: the state is the store's whose code runs on this
            // thread's current fiber.
            Some(state) => unsafe { crate::fiber::poll_once(state, future) },
            None => Ok(future.poll(&mut Context::from_waker(Waker::noop()))),
        }
    }

    /// Waits until something polled before wakes the caller.
    fn park(&self) -> Result<()> {
        match self.0 {
            // SAFETY: as in `poll`.
            Some(state) => unsafe { crate::fiber::suspend_once(state) },
            None => bail!(
                "a component-model async operation must wait, which a synchronous call cannot \
                 do: use `call_async` or `run_concurrent`"
            ),
        }
    }
}

impl ConcurrentState {
    fn task(&mut self, id: usize) -> &mut GuestTask {
        self.tasks[id].as_mut().expect("live task")
    }

    /// The id of the task whose core code runs now.
    fn current_id(&self) -> Result<usize> {
        match self.current.last() {
            Some(Frame::Task(id)) => Ok(*id),
            _ => bail!("wasm trap: no async task is running (the builtin needs one)"),
        }
    }

    /// The context slots of the innermost call.
    fn context_slots(&mut self) -> Result<&mut [u32; 2]> {
        if let Some(Frame::Task(id)) = self.current.last() {
            let id = *id;
            return Ok(&mut self.task(id).context);
        }
        match self.current.last_mut() {
            Some(Frame::Sync(slots, _)) => Ok(slots),
            _ => bail!("wasm trap: `context.get`/`context.set` called outside a task"),
        }
    }
}

/// Queues a call of `func` as a new task; the loop starts it.
pub(crate) fn spawn_task(store: &mut StoreOpaque, func: Func, start: Start, nested: bool) -> usize {
    let data = func.data(store);
    let task = GuestTask {
        instance: data.options.instance,
        func: data,
        state: TaskState::Pending,
        start: Some(start),
        lift: None,
        result: None,
        error: None,
        returned: false,
        context: [0; 2],
        waker: None,
        nested,
        cancel_requested: false,
        cancelled: false,
        on_resolve: None,
        detached: false,
    };
    let c = &mut store.concurrent;
    let id = match c.tasks.iter().position(|t| t.is_none()) {
        Some(i) => {
            c.tasks[i] = Some(task);
            i
        }
        None => {
            c.tasks.push(Some(task));
            c.tasks.len() - 1
        }
    };
    c.pending.push_back(id);
    id
}

/// Whether task `id` is finished.
pub(crate) fn task_done(store: &mut StoreOpaque, id: usize) -> bool {
    store.concurrent.task(id).state == TaskState::Done
}

/// Takes the outcome of finished task `id` and frees it.
pub(crate) fn take_result(store: &mut StoreOpaque, id: usize) -> Result<Box<dyn Any + Send>> {
    let task = store.concurrent.tasks[id].take().expect("live task");
    if let Some(e) = task.error {
        return Err(e);
    }
    task.result
        .ok_or_else(|| anyhow!("the async-lifted export finished without calling `task.return`"))
}

/// Polls task `id` for a host future: ready with its outcome when done,
/// else registers `cx`'s waker.
pub(crate) fn poll_task(
    store: &mut StoreOpaque,
    id: usize,
    cx: &mut Context<'_>,
) -> Poll<Result<Box<dyn Any + Send>>> {
    if task_done(store, id) {
        Poll::Ready(take_result(store, id))
    } else {
        store.concurrent.task(id).waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Polls task `id` for the value it returned: ready as soon as the task
/// called `task.return` (or finished without), even if it runs on. The
/// task's slot stays until [`poll_task_exit`] frees it.
pub(crate) fn poll_task_returned(
    store: &mut StoreOpaque,
    id: usize,
    cx: &mut Context<'_>,
) -> Poll<Result<Box<dyn Any + Send>>> {
    let task = store.concurrent.task(id);
    if let Some(value) = task.result.take() {
        return Poll::Ready(Ok(value));
    }
    if task.state == TaskState::Done {
        return Poll::Ready(Err(task.error.take().unwrap_or_else(|| {
            anyhow!("the async-lifted export finished without calling `task.return`")
        })));
    }
    task.waker = Some(cx.waker().clone());
    Poll::Pending
}

/// Polls task `id` (whose result [`poll_task_returned`] took) for its end:
/// ready with its failure after it returned, if any, and then frees it.
pub(crate) fn poll_task_exit(
    store: &mut StoreOpaque,
    id: usize,
    cx: &mut Context<'_>,
) -> Poll<Result<()>> {
    let task = store.concurrent.task(id);
    if task.state != TaskState::Done {
        task.waker = Some(cx.waker().clone());
        return Poll::Pending;
    }
    let task = store.concurrent.tasks[id].take().expect("live task");
    Poll::Ready(task.error.map_or(Ok(()), Err))
}

/// Forgets task `id`: when its caller went away.
pub(crate) fn abandon_task(store: &mut StoreOpaque, id: usize) {
    if let Some(Some(task)) = store.concurrent.tasks.get_mut(id) {
        if task.state == TaskState::Done || task.state == TaskState::Pending {
            store.concurrent.tasks[id] = None;
            store.concurrent.pending.retain(|&p| p != id);
        } else {
            task.waker = None;
        }
    }
}

/// Runs the loop until `done` says so. A `nested` loop (inside a call
/// that waits for something of the store) fails when nothing is left that
/// could ever make progress, instead of parking forever.
pub(crate) fn drive_until(
    store: &mut StoreOpaque,
    waiter: Waiter,
    nested: bool,
    mut done: impl FnMut(&mut StoreOpaque) -> Result<bool>,
) -> Result<()> {
    loop {
        if let Some(e) = store.concurrent.failure.take() {
            return Err(e);
        }
        if done(store)? {
            return Ok(());
        }
        if !step(store, waiter)? {
            if done(store)? {
                return Ok(());
            }
            if nested
                && store.concurrent.host_tasks.is_empty()
                && !store.concurrent.transmits.host_work()
            {
                bail!(
                    "wasm trap: deadlock detected: event loop cannot make further progress (an \
                     async task waits for an event that nothing can deliver)"
                );
            }
            waiter.park()?;
        }
    }
}

/// Runs a call of `func` with `params` as a task to completion (the
/// dynamically typed call of an async-lifted export, from the host or from
/// another component of the same instance).
pub(crate) fn call_vals(
    store: &mut StoreOpaque,
    func: Func,
    params: &[Val],
    results: &mut [Val],
    nested: bool,
) -> Result<()> {
    let start = val_start(store, func, params.to_vec());
    let id = spawn_task(store, func, start, nested);
    let waiter = Waiter::of(store);
    let outcome = drive_until(store, waiter, true, |s| Ok(task_done(s, id)));
    if let Err(e) = outcome {
        abandon_task(store, id);
        return Err(e);
    }
    let vals = take_result(store, id)?
        .downcast::<Vec<Val>>()
        .map_err(|_| anyhow!("internal error: unexpected task result"))?;
    for (slot, v) in results.iter_mut().zip(*vals) {
        *slot = v;
    }
    Ok(())
}

/// Runs a statically typed call of an async-lifted export to completion.
///
/// `Params` and `Return` need not be `'static` here (the synchronous typed
/// API does not require it), so the task's closures borrow this frame:
/// they are erased to `'static` and always dropped before it returns.
pub(crate) fn call_typed<Params, Return>(
    store: &mut StoreOpaque,
    func: super::TypedFunc<Params, Return>,
    params: Params,
) -> Result<Return>
where
    Params: super::ComponentNamedList + super::Lower,
    Return: super::ComponentNamedList + super::Lift,
{
    let mut out: Option<Return> = None;
    let data = func.func().data(store);
    let ty = data.ty.clone();
    let ty2 = data.ty.clone();
    let slot = SendPtr(&mut out as *mut Option<Return>);
    let lower: ScopedLowerFn<'_> = Box::new(move |cx| accessor::lower_typed(cx, &ty, &params));
    let lift: ScopedLiftFn<'_> = Box::new(move |cx, args| {
        let slot = slot;
        let ret = accessor::lift_typed::<Return>(cx, &ty2, args)?;
        // SAFETY: `out` outlives the task's closures (see below).
        unsafe { *slot.0 = Some(ret) };
        Ok(Box::new(()) as Box<dyn Any + Send>)
    });
    // SAFETY: only the lifetime changes; the closures are consumed or
    // dropped before this function returns (`take_result` frees the
    // finished task, `forget_closures` any other, also on unwinding).
    let start = unsafe {
        Start::Async {
            lower: std::mem::transmute::<ScopedLowerFn<'_>, LowerFn>(lower),
            lift: std::mem::transmute::<ScopedLiftFn<'_>, LiftFn>(lift),
        }
    };
    let id = spawn_task(store, *func.func(), start, false);
    struct Guard(*mut StoreOpaque, usize);
    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: the store outlives this frame; the guard only runs
            // when the code below no longer uses it.
            let store = unsafe { &mut *self.0 };
            forget_closures(store, self.1);
        }
    }
    let guard = Guard(store, id);
    let waiter = Waiter::of(store);
    let outcome = drive_until(store, waiter, true, |s| Ok(task_done(s, id)));
    drop(guard);
    outcome?;
    take_result(store, id)?;
    out.ok_or_else(|| anyhow!("the async-lifted export finished without calling `task.return`"))
}

/// Drops the closures of task `id` (its caller's frame ends) and forgets
/// the task.
fn forget_closures(store: &mut StoreOpaque, id: usize) {
    if let Some(Some(task)) = store.concurrent.tasks.get_mut(id) {
        task.start = None;
        task.lift = None;
    }
    if !task_done(store, id) {
        abandon_task(store, id);
    }
}

/// A raw pointer that may be captured by `Send` closures.
struct SendPtr<P>(*mut P);
// SAFETY: see its use in `call_typed`: only dereferenced on the thread
// that runs the call, while the pointee lives.
unsafe impl<P> Send for SendPtr<P> {}

/// How a dynamically typed call of `func` starts.
pub(crate) fn val_start(store: &mut StoreOpaque, func: Func, params: Vec<Val>) -> Start {
    let data = func.data(store);
    if !data.options.async_ {
        return Start::Sync(Box::new(move |store| {
            let mut results = vec![Val::Bool(false); usize::from(data.ty.result.is_some())];
            func.call_impl(store, &params, &mut results)?;
            Ok(Box::new(results) as Box<dyn Any + Send>)
        }));
    }
    let ty = data.ty.clone();
    let ty2 = data.ty.clone();
    Start::Async {
        lower: Box::new(move |cx| {
            anyhow::ensure!(
                params.len() == ty.params.len(),
                "expected {} argument(s), got {}",
                ty.params.len(),
                params.len()
            );
            let mut raw = Vec::new();
            match ty.flat_params_len() {
                Some(_) => {
                    for ((_, t), v) in ty.params.iter().zip(&params) {
                        cx.lower_flat(t, v, &mut raw)?;
                    }
                }
                None => {
                    let tuple = ty.params_tuple();
                    let ptr = cx.realloc(0, 0, tuple.align(), tuple.size())?;
                    cx.store(&tuple, &Val::Tuple(params), ptr)?;
                    raw.push(ValRaw::u32(ptr));
                }
            }
            Ok(raw)
        }),
        lift: Box::new(move |cx, args| {
            let mut out = Vec::new();
            if let Some(rt) = &ty2.result {
                out.push(if rt.flat_count() <= MAX_FLAT_PARAMS {
                    cx.lift_flat(rt, &mut args.iter().copied())?
                } else {
                    let ptr = args.first().map_or(0, |a| a.get_u32());
                    cx.load(rt, ptr)?
                });
            }
            Ok(Box::new(out) as Box<dyn Any + Send>)
        }),
    }
}

/// One round of the loop: whether it did anything.
fn step(store: &mut StoreOpaque, waiter: Waiter) -> Result<bool> {
    // Start a queued task whose instance is free.
    let startable = store.concurrent.pending.iter().position(|&id| {
        let t = store.concurrent.tasks[id].as_ref().expect("live task");
        let inst = &store.component_instances[t.instance];
        t.nested || (inst.may_enter && inst.concurrent.backpressure == 0)
    });
    if let Some(pos) = startable {
        let id = store.concurrent.pending.remove(pos).unwrap();
        start_task(store, id);
        return Ok(true);
    }
    // Deliver an event to (or resume) a callback task, searching round
    // robin so that a task that keeps yielding starves no other.
    let n = store.concurrent.tasks.len();
    let first = store.concurrent.next_ready.min(n);
    let ready = (first..n).chain(0..first).find_map(|id| {
        let t = store.concurrent.tasks[id].as_ref()?;
        let inst = &mut store.component_instances[t.instance];
        if !t.nested && !inst.may_enter {
            return None;
        }
        match t.state {
            TaskState::Yielded => Some((id, (EVENT_NONE, 0, 0))),
            TaskState::Waiting(set) if inst.concurrent.waitables.has_event(set) => {
                let event = inst.concurrent.waitables.take_event(set)?;
                Some((id, event))
            }
            _ => None,
        }
    });
    if let Some((id, event)) = ready {
        store.concurrent.next_ready = id + 1;
        deliver(store, id, event);
        if event.0 == EVENT_NONE {
            // Resuming a yielded task: let host work progress as well.
            transmit::poll_host_transmits(store)?;
            poll_host_tasks(store, waiter)?;
        }
        return Ok(true);
    }
    let streams = transmit::poll_host_transmits(store)?;
    Ok(poll_host_tasks(store, waiter)? || streams)
}

/// Starts task `id`; a failure ends the task with that error.
fn start_task(store: &mut StoreOpaque, id: usize) {
    let task = store.concurrent.task(id);
    task.state = TaskState::Running;
    let start = task.start.take().expect("task started twice");
    let func = task.func.clone();
    let outcome = match start {
        Start::Sync(run) => run(store).map(|r| {
            let task = store.concurrent.task(id);
            task.result = Some(r);
            task.returned = true;
            CALLBACK_EXIT
        }),
        Start::Async { lower, lift } => {
            store.concurrent.task(id).lift = Some(lift);
            let lowered = {
                let mut cx = Cx::new(&mut *store, &func.options);
                lower(&mut cx)
            };
            lowered.and_then(|mut raw| {
                if raw.is_empty() {
                    raw.push(ValRaw::u64(0));
                }
                run_core(store, id, func.core, &mut raw)?;
                Ok(if func.options.callback.is_some() {
                    raw[0].get_u32()
                } else {
                    CALLBACK_EXIT
                })
            })
        }
    };
    after_call(store, id, outcome);
}

/// Calls the callback of task `id` with `event`.
fn deliver(store: &mut StoreOpaque, id: usize, (code, index, payload): (u32, u32, u32)) {
    let task = store.concurrent.task(id);
    task.state = TaskState::Running;
    let callback = task.func.options.callback.expect("callback task");
    let mut raw = [ValRaw::u32(code), ValRaw::u32(index), ValRaw::u32(payload)];
    let outcome = run_core(store, id, callback, &mut raw).map(|()| raw[0].get_u32());
    after_call(store, id, outcome);
}

/// Runs core function `f` of task `id` (in its instance).
fn run_core(store: &mut StoreOpaque, id: usize, f: crate::Func, raw: &mut [ValRaw]) -> Result<()> {
    let task = store.concurrent.task(id);
    let instance = task.instance;
    let nested = task.nested;
    store.concurrent.current.push(Frame::Task(id));
    let mut call = move |store: &mut StoreOpaque| {
        let func_ref = f.func_ref_ptr(store)?;
        crate::func::invoke(store, func_ref, raw)
    };
    let result = if nested {
        call(store)
    } else {
        InstanceData::enter(store, instance, call)
    };
    store.concurrent.current.pop();
    result
}

/// Follows the callback code a task's core code returned.
fn after_call(store: &mut StoreOpaque, id: usize, outcome: Result<u32>) {
    let next = outcome.and_then(|code| {
        let task = store.concurrent.task(id);
        let instance = task.instance;
        Ok(match code & 0xf {
            CALLBACK_EXIT => {
                if !task.returned {
                    bail!("wasm trap: async-lifted export exited without calling `task.return`");
                }
                TaskState::Done
            }
            CALLBACK_YIELD => TaskState::Yielded,
            CALLBACK_WAIT => {
                // Only a task that may block may wait.
                if !(task.func.ty.is_async || task.returned || task.cancelled) {
                    bail!(crate::Trap::CannotBlockSyncTask);
                }
                let set = code >> 4;
                store.component_instances[instance]
                    .concurrent
                    .waitables
                    .check_set(set)?;
                TaskState::Waiting(set)
            }
            other => bail!("wasm trap: invalid callback code {other}"),
        })
    });
    let task = store.concurrent.task(id);
    match next {
        Ok(state) => task.state = state,
        Err(e) => {
            task.state = TaskState::Done;
            task.error = Some(e);
        }
    }
    if task.state == TaskState::Done {
        if let Some(w) = task.waker.take() {
            w.wake();
        }
        if task.detached {
            let task = store.concurrent.tasks[id].take().expect("live task");
            if let Some(e) = task.error {
                store.concurrent.failure.get_or_insert(e);
            }
        }
    }
}

/// Polls every pending host future once; finished ones resolve their
/// subtasks. Whether any finished.
fn poll_host_tasks(store: &mut StoreOpaque, waiter: Waiter) -> Result<bool> {
    let tasks = std::mem::take(&mut store.concurrent.host_tasks);
    let mut keep = Vec::new();
    let mut finished = Vec::new();
    let mut failure = None;
    for mut t in tasks {
        if failure.is_some() {
            keep.push(t);
            continue;
        }
        match accessor::with_store(store, || waiter.poll(t.future.as_mut())) {
            Ok(Poll::Pending) => keep.push(t),
            Ok(Poll::Ready(done)) => finished.push(done),
            Err(e) => {
                keep.push(t);
                failure = Some(e);
            }
        }
    }
    keep.append(&mut store.concurrent.host_tasks);
    store.concurrent.host_tasks = keep;
    if let Some(e) = failure {
        return Err(e);
    }
    let any = !finished.is_empty();
    for done in finished {
        done.and_then(|f| f(store))?;
    }
    Ok(any)
}

/// Adds a host subtask's future.
pub(crate) fn push_host_task(
    store: &mut StoreOpaque,
    future: Pin<Box<dyn Future<Output = Result<HostDone>> + Send>>,
) -> u64 {
    let id = store.concurrent.next_host_id;
    store.concurrent.next_host_id += 1;
    store.concurrent.host_tasks.push(HostTask { id, future });
    id
}

/// Drops the future of host subtask `id` (cancelling it); whether it was
/// still running.
pub(crate) fn cancel_host_task(store: &mut StoreOpaque, id: u64) -> bool {
    let before = store.concurrent.host_tasks.len();
    store.concurrent.host_tasks.retain(|t| t.id != id);
    before != store.concurrent.host_tasks.len()
}
