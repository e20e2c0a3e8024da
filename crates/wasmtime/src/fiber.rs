//! Async calls into wasm: each runs on a fiber (its own native stack), so
//! that wasm, and the host functions it calls, can wait for futures.
//!
//! [`on_fiber`] turns a synchronous piece of work (a call, an
//! instantiation) into a future. Polling the future resumes the fiber; when
//! code on the fiber has to wait — an async host function's future is
//! pending, fuel or an epoch deadline asks for a yield — [`block_on`]
//! suspends the fiber and the poll returns `Pending`. The next poll resumes
//! it where it stopped.
//!
//! Dropping the future of an unfinished call cancels it: the fiber is
//! resumed once more with the call marked as cancelled, every wait then
//! fails with an error, which unwinds the wasm frames like a trap, and the
//! fiber finishes. The store stays usable.
//!
//! The per-store state lives in its own allocation ([`AsyncState`]), which
//! code on the fiber reaches through a raw pointer while the host future
//! it polls holds the store borrowed.

use crate::store::StoreOpaque;
use crate::StoreContextMut;
use anyhow::{anyhow, bail, Result};
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll};
use wasmtime_runtime::fiber::{Fiber, FiberStack, FiberStatus, Suspend};
use wasmtime_runtime::vmcontext::VMStoreContext;

/// Space below the stack limit left to host code (host functions, builtins,
/// the trap machinery) on a fiber whose stack is not much larger than
/// `max_wasm_stack`.
const HOST_STACK_RESERVE: usize = 32 * 1024;

/// The async state of one store.
pub(crate) struct AsyncState {
    /// The suspend handle of the fiber the store's code is running on (null
    /// when it is not running on a fiber).
    current_suspend: *const Suspend,
    /// The context of the poll that resumed that fiber (null while the
    /// fiber is resumed to be cancelled).
    current_poll_cx: *mut Context<'static>,
    /// Set while the innermost fiber is being cancelled.
    cancelled: bool,
    /// The stack of the last finished fiber, for the next one.
    spare_stack: Option<FiberStack>,
}

/// Owner of a store's [`AsyncState`] allocation.
pub(crate) struct AsyncStateBox(NonNull<AsyncState>);

// SAFETY: the state is only used by the thread that owns the store (or
// runs its fiber); its raw pointers are only dereferenced there.
unsafe impl Send for AsyncStateBox {}
// SAFETY: shared references give no access to the state.
unsafe impl Sync for AsyncStateBox {}

impl Default for AsyncStateBox {
    fn default() -> Self {
        AsyncStateBox(NonNull::from(Box::leak(Box::new(AsyncState {
            current_suspend: ptr::null(),
            current_poll_cx: ptr::null_mut(),
            cancelled: false,
            spare_stack: None,
        }))))
    }
}

impl Drop for AsyncStateBox {
    fn drop(&mut self) {
        // SAFETY: allocated by `Box::leak` in `default`, freed only here.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

impl AsyncStateBox {
    /// The state, through a pointer that stays valid while the store lives.
    pub(crate) fn ptr(&self) -> NonNull<AsyncState> {
        self.0
    }
}

/// A store pointer that may cross threads with the future holding it.
#[derive(Clone, Copy)]
pub(crate) struct StorePtr(pub(crate) *mut StoreOpaque);

// SAFETY: the pointer is only dereferenced by whichever thread polls the
// future of the call that holds it (the store is borrowed by that future).
unsafe impl Send for StorePtr {}

/// Runs `work` on a fiber: the returned future completes with its result
/// once `work` has returned, polling code on the fiber that waits.
///
/// # Safety
///
/// `store` must stay valid, and not be used by anything but `work`, until
/// the future completes or is dropped; the future must not be leaked while
/// unfinished (a leaked fiber keeps its stack, and the store is left
/// mid-call).
pub(crate) unsafe fn on_fiber<'a, R, W>(store: StorePtr, work: W) -> OnFiber<'a, R, W>
where
    R: Send + 'a,
    W: FnOnce(&mut StoreOpaque) -> R + Send + 'a,
{
    OnFiber {
        fiber: None,
        store,
        work: Some(work),
        result: None,
        _pinned: PhantomPinned,
    }
}

/// [`on_fiber`] for the store `ctx` borrows: the borrow, held by the
/// returned future, keeps the store unused by anything but `work`.
pub(crate) async fn on_fiber_in<T, R: Send>(
    ctx: &mut StoreContextMut<'_, T>,
    work: impl FnOnce(&mut StoreOpaque) -> R + Send,
) -> Result<R> {
    let store = StorePtr(ctx.opaque());
    // SAFETY: `ctx` stays borrowed, and unused, until the future completes
    // or is dropped.
    unsafe { on_fiber(store, work) }.await
}

/// The future of [`on_fiber`]. Its fiber is created by the first poll,
/// in place (the future is pinned by then), and writes the result into
/// `result`, beside it.
pub(crate) struct OnFiber<'a, R, W> {
    /// Declared first, so dropped first: cancelling an unfinished fiber
    /// runs it to its end, which may still write `result`.
    fiber: Option<FiberFuture<'a>>,
    store: StorePtr,
    work: Option<W>,
    result: Option<R>,
    /// The fiber holds a pointer to `result`.
    _pinned: PhantomPinned,
}

impl<'a, R, W> Future for OnFiber<'a, R, W>
where
    R: Send + 'a,
    W: FnOnce(&mut StoreOpaque) -> R + Send + 'a,
{
    type Output = Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<R>> {
        // SAFETY: nothing is moved out of the pinned future: `fiber` and
        // `result` stay in place; `work` is moved into the fiber's body.
        let this = unsafe { self.get_unchecked_mut() };
        if this.fiber.is_none() {
            if this.work.is_none() {
                return Poll::Ready(Err(anyhow!("async call polled after completion")));
            }
            // SAFETY: `on_fiber`'s contract covers the store; `work` and
            // `result` live (pinned) beside the fiber and outlive it.
            match unsafe { fiber_future(this.store, &mut this.work, &mut this.result) } {
                Ok(f) => this.fiber = Some(f),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        let fiber = this.fiber.as_mut().expect("created above");
        match Pin::new(fiber).poll(cx) {
            Poll::Ready(()) => Poll::Ready(
                this.result
                    .take()
                    .ok_or_else(|| anyhow!("async call did not complete")),
            ),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The future of a fiber that takes the work out of `work` when it starts
/// and writes its result to `slot`. (The fiber's body holds only these
/// pointers: the work is read where it already is, long after it was
/// written, rather than copied just after being written.)
///
/// # Safety
///
/// As for [`on_fiber`]; `work` and `slot` must stay valid until the fiber
/// finishes, and `work` must be `Some` when it starts.
#[inline]
unsafe fn fiber_future<'a, R: 'a, W: FnOnce(&mut StoreOpaque) -> R + 'a>(
    store: StorePtr,
    work: *mut Option<W>,
    slot: *mut Option<R>,
) -> Result<FiberFuture<'a>> {
    // SAFETY: per the contract, the store is valid and not otherwise used.
    let s = unsafe { &mut *store.0 };
    let state = s.async_state.ptr();
    // SAFETY: the state belongs to this store.
    let spare = unsafe { (*state.as_ptr()).spare_stack.take() };
    let config = s.engine.config();
    let stack = match spare {
        Some(mut stack) => {
            if config.async_stack_zeroing {
                stack.zero();
            }
            stack
        }
        None => match config.stack_creator.as_ref() {
            Some(creator) => crate::stack::new_fiber_stack(
                &creator.0,
                config.async_stack_size,
                config.async_stack_zeroing,
            )?,
            None => s
                .engine
                .allocator()
                .allocate_fiber_stack(config.async_stack_size)?,
        },
    };
    let max_wasm_stack = s.max_wasm_stack;
    let bottom = stack.bottom();
    let fiber = Fiber::new(stack, move |_suspend| {
        // SAFETY: the store is valid for the whole run (contract above);
        // the fiber body is the only code using it meanwhile.
        let store = unsafe { &mut *store.0 };
        let ctx: *mut VMStoreContext = &mut *store.vm_store_context;
        /// Puts the stack limit back, also when `work` panics.
        struct RestoreLimit(*mut VMStoreContext, usize);
        impl Drop for RestoreLimit {
            fn drop(&mut self) {
                // SAFETY: the store context outlives the fiber's run.
                unsafe { (*self.0).stack_limit = self.1 };
            }
        }
        let saved = RestoreLimit(ctx, store.vm_store_context.stack_limit);
        // Wasm on this stack may use `max_wasm_stack` bytes below here,
        // but never the last bytes of the stack, which host code needs.
        let sp = &saved as *const RestoreLimit as usize;
        store.vm_store_context.stack_limit = sp
            .saturating_sub(max_wasm_stack)
            .max(bottom + HOST_STACK_RESERVE);
        // SAFETY: per the contract, `work` and `slot` are valid until we
        // finish, and nothing else uses them meanwhile.
        let work = unsafe { (*work).take() }.expect("fiber work taken twice");
        let result = work(store);
        // SAFETY: as above.
        unsafe { *slot = Some(result) };
        drop(saved);
    });
    Ok(FiberFuture {
        fiber: Some(fiber),
        state,
    })
}

/// The future of a fiber.
struct FiberFuture<'a> {
    fiber: Option<Fiber<'a>>,
    state: NonNull<AsyncState>,
}

// SAFETY: the fiber runs `Send` work (`on_fiber` requires it) on memory it
// owns; it is resumed by whichever thread polls the future, one at a time.
unsafe impl Send for FiberFuture<'_> {}

/// The async state's fields that a resume changes, to put back after it.
struct Saved {
    state: NonNull<AsyncState>,
    suspend: *const Suspend,
    poll_cx: *mut Context<'static>,
    cancelled: bool,
}

impl Drop for Saved {
    fn drop(&mut self) {
        // SAFETY: the state outlives every resume of the store's fibers.
        let state = unsafe { &mut *self.state.as_ptr() };
        state.current_suspend = self.suspend;
        state.current_poll_cx = self.poll_cx;
        state.cancelled = self.cancelled;
    }
}

impl FiberFuture<'_> {
    /// Resumes the fiber with `poll_cx` as the context its waits poll with
    /// (null: cancelled).
    fn resume(&mut self, poll_cx: *mut Context<'static>) -> FiberStatus {
        let fiber = self.fiber.as_mut().expect("fiber already finished");
        let state = self.state.as_ptr();
        // SAFETY: the state outlives the store's fibers; the fields are put
        // back by `Saved` even if the fiber panics.
        let _saved = unsafe {
            let saved = Saved {
                state: self.state,
                suspend: (*state).current_suspend,
                poll_cx: (*state).current_poll_cx,
                cancelled: (*state).cancelled,
            };
            (*state).current_suspend = fiber.suspend_handle();
            (*state).current_poll_cx = poll_cx;
            (*state).cancelled = poll_cx.is_null();
            saved
        };
        let status = fiber.resume();
        if status == FiberStatus::Done {
            self.recycle();
        }
        status
    }

    /// Keeps the finished fiber's stack for the store's next fiber.
    fn recycle(&mut self) {
        if let Some(stack) = self.fiber.take().and_then(|f| f.into_stack()) {
            // SAFETY: the state outlives the store's fibers.
            let state = unsafe { &mut *self.state.as_ptr() };
            if state.spare_stack.is_none() && stack.is_owned() {
                state.spare_stack = Some(stack);
            }
        }
    }
}

impl Future for FiberFuture<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The context is only used by code on the fiber during this resume.
        let cx: *mut Context<'_> = cx;
        match self.resume(cx.cast()) {
            FiberStatus::Done => Poll::Ready(()),
            FiberStatus::Suspended => Poll::Pending,
        }
    }
}

impl Drop for FiberFuture<'_> {
    fn drop(&mut self) {
        let Some(fiber) = &self.fiber else { return };
        // Never started, or finished by a panic that left `resume` early.
        if !fiber.started() || fiber.done() {
            self.recycle();
            return;
        }
        // Cancel: every wait on the fiber now fails, so its wasm unwinds
        // and it finishes.
        while self.fiber.is_some() {
            if self.resume(ptr::null_mut()) == FiberStatus::Done {
                break;
            }
        }
    }
}

/// Polls `future` to completion from code running on a fiber, suspending
/// the fiber whenever it is pending.
///
/// # Safety
///
/// `state` must be the async state of the store whose code is running on
/// the current thread.
pub(crate) unsafe fn block_on<F: Future + ?Sized>(
    state: NonNull<AsyncState>,
    mut future: Pin<&mut F>,
) -> Result<F::Output> {
    loop {
        // SAFETY: per the contract; the fields are re-read after every
        // suspension (a nested fiber may have run in between).
        let (suspend, poll_cx, cancelled) = unsafe {
            let s = &*state.as_ptr();
            (s.current_suspend, s.current_poll_cx, s.cancelled)
        };
        if suspend.is_null() {
            bail!("cannot wait for an async operation outside of an async call: use the `*_async` entry points");
        }
        if cancelled || poll_cx.is_null() {
            bail!("the async call was cancelled (its future was dropped)");
        }
        // SAFETY: the context belongs to the poll running this fiber now.
        if let Poll::Ready(value) = future.as_mut().poll(unsafe { &mut *poll_cx }) {
            return Ok(value);
        }
        // SAFETY: `suspend` is the handle of the fiber running this code.
        unsafe { (*suspend).suspend() };
    }
}

/// Suspends the current fiber once, letting the executor run other tasks
/// (the future is woken at once, so it is polled again soon).
///
/// # Safety
///
/// As for [`block_on`].
pub(crate) unsafe fn yield_now(state: NonNull<AsyncState>) -> Result<()> {
    let mut yielded = false;
    let future = std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    });
    let mut future = std::pin::pin!(future);
    // SAFETY: per the contract.
    unsafe { block_on(state, future.as_mut()) }
}

/// Whether code of the store owning `state` is running on a fiber now (so
/// it may wait).
pub(crate) fn on_a_fiber(state: NonNull<AsyncState>) -> bool {
    // SAFETY: the state outlives its store; only the pointer is read.
    unsafe { !(*state.as_ptr()).current_suspend.is_null() }
}

/// Polls `future` once, without suspending, with the context of the poll
/// that resumed the running fiber.
///
/// # Safety
///
/// As for [`block_on`].
pub(crate) unsafe fn poll_once<F: Future + ?Sized>(
    state: NonNull<AsyncState>,
    future: Pin<&mut F>,
) -> Result<Poll<F::Output>> {
    // SAFETY: per the contract.
    let (suspend, poll_cx, cancelled) = unsafe {
        let s = &*state.as_ptr();
        (s.current_suspend, s.current_poll_cx, s.cancelled)
    };
    if suspend.is_null() {
        bail!("cannot wait for an async operation outside of an async call: use the `*_async` entry points");
    }
    if cancelled || poll_cx.is_null() {
        bail!("the async call was cancelled (its future was dropped)");
    }
    // SAFETY: the context belongs to the poll running this fiber now.
    Ok(future.poll(unsafe { &mut *poll_cx }))
}

/// Suspends the running fiber until its future is polled again (by a wake
/// of a waker that something polled before registered).
///
/// # Safety
///
/// As for [`block_on`].
pub(crate) unsafe fn suspend_once(state: NonNull<AsyncState>) -> Result<()> {
    let mut polled = false;
    let mut once = std::future::poll_fn(move |_| {
        if polled {
            Poll::Ready(())
        } else {
            polled = true;
            Poll::Pending
        }
    });
    // SAFETY: per the contract.
    unsafe { block_on(state, Pin::new(&mut once)) }
}
