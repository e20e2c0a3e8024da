//! Fibers: code running on its own native stack that can suspend itself
//! back to whoever resumed it, and be resumed later, possibly on another
//! thread. Async calls into wasm run on fibers, so that wasm (and the host
//! functions it calls) can wait for a future without blocking the thread.
//!
//! A [`Fiber`] is created with a [`FiberStack`] and a body. [`Fiber::resume`]
//! runs the body until it calls [`Suspend::suspend`] or finishes. Values
//! are exchanged through memory both sides know (the embedding layer keeps
//! them in its store), so the switch itself carries nothing.
//!
//! Trap handling follows the fiber: the activations of
//! [`catch_traps`](crate::traphandlers::catch_traps) entered on a fiber
//! form their own chain, which is installed in the resuming thread's
//! trap state while the fiber runs and set aside while it is suspended.
//! A trap on a fiber therefore always unwinds to a `catch_traps` on the
//! same fiber, whichever thread it runs on.

mod stack;
mod switch;

pub use stack::FiberStack;

use crate::traphandlers::swap_activations;
use std::any::Any;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use switch::{initial_stack_pointer, wasmtime_rt_fiber_switch};

/// What a fiber's body is, as far as lifetimes and auto traits go.
type Body<'a> = Box<dyn FnOnce(&Suspend) + 'a>;

/// Code running on its own stack; see the [module docs](self).
///
/// Creating a fiber allocates nothing: its shared state and its body are
/// written at the top of its own stack, above the first frame.
pub struct Fiber<'a> {
    /// The shared state, at the top of `stack` (valid while `stack` is).
    state: *mut FiberState,
    stack: Option<FiberStack>,
    /// The body borrows for `'a` (and is neither `Send` nor `Sync`).
    _body: PhantomData<Body<'a>>,
}

/// What both sides of a fiber share.
struct FiberState {
    /// The fiber's saved stack pointer while it is suspended.
    fiber_sp: usize,
    /// The resumer's saved stack pointer while the fiber runs.
    resumer_sp: usize,
    /// The body's closure, on the stack above this state; taken (moved out
    /// and run, or dropped) once.
    body: *mut u8,
    /// Moves the closure out of `body` and runs it.
    run_body: unsafe fn(*mut u8, &Suspend),
    /// Drops the closure in place (a fiber never started).
    drop_body: unsafe fn(*mut u8),
    started: bool,
    /// The handle given to the body.
    suspend: Suspend,
    done: bool,
    /// A panic of the body, resumed on the resumer's side.
    panic: Option<Box<dyn Any + Send>>,
    /// The fiber's chain of trap activations while it is suspended.
    activations: *const u8,
}

/// The fiber-side handle that suspends a running fiber.
pub struct Suspend {
    state: *mut FiberState,
}

/// How far a [`Fiber::resume`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiberStatus {
    /// The body called [`Suspend::suspend`]; resume it again to go on.
    Suspended,
    /// The body has returned.
    Done,
}

/// Bodies larger than this are boxed rather than copied onto the stack.
const MAX_BODY_ON_STACK: usize = 1024;

/// Runs the closure of type `F` at `body`, moving it out.
///
/// # Safety
///
/// `body` holds a live `F` that nothing uses afterwards.
unsafe fn run_body<F: FnOnce(&Suspend)>(body: *mut u8, suspend: &Suspend) {
    // SAFETY: per the contract.
    let f = unsafe { body.cast::<F>().read() };
    f(suspend)
}

/// Drops the closure of type `F` at `body`.
///
/// # Safety
///
/// As for [`run_body`].
unsafe fn drop_body<F>(body: *mut u8) {
    // SAFETY: per the contract.
    unsafe { std::ptr::drop_in_place(body.cast::<F>()) }
}

impl<'a> Fiber<'a> {
    /// A fiber that runs `body` on `stack` when first resumed.
    pub fn new<F: FnOnce(&Suspend) + 'a>(stack: FiberStack, body: F) -> Fiber<'a> {
        if size_of::<F>() > MAX_BODY_ON_STACK || align_of::<F>() > 64 {
            let boxed = Box::new(body);
            Fiber::in_place(stack, move |s: &Suspend| boxed(s))
        } else {
            Fiber::in_place(stack, body)
        }
    }

    /// [`Fiber::new`] with the body copied onto the stack.
    fn in_place<F: FnOnce(&Suspend) + 'a>(stack: FiberStack, body: F) -> Fiber<'a> {
        let top = stack.top() & !15;
        // The body, then the state, then the first frame, from the top
        // down; `stack` is at least a page, far more than these take.
        let body_at = (top - size_of::<F>()) & !(align_of::<F>() - 1);
        let state_at = (body_at - size_of::<FiberState>()) & !(align_of::<FiberState>() - 1);
        let frame_top = state_at & !15;
        debug_assert!(frame_top - stack.bottom() >= 256);
        let state = state_at as *mut FiberState;
        // SAFETY: `[bottom, top)` is writable memory the stack owns and no
        // fiber uses; the two places are aligned for their types and do
        // not overlap. `fiber_entry` receives the state, which lives as
        // long as the stack (the fiber is only dropped when finished or
        // never started, or its stack is leaked).
        unsafe {
            (body_at as *mut F).write(body);
            state.write(FiberState {
                fiber_sp: 0,
                resumer_sp: 0,
                body: body_at as *mut u8,
                run_body: run_body::<F>,
                drop_body: drop_body::<F>,
                started: false,
                suspend: Suspend { state },
                done: false,
                panic: None,
                activations: std::ptr::null(),
            });
            (*state).fiber_sp =
                initial_stack_pointer(frame_top as *mut u8, fiber_entry, state.cast());
        }
        Fiber {
            state,
            stack: Some(stack),
            _body: PhantomData,
        }
    }

    /// The shared state.
    fn state(&self) -> &FiberState {
        debug_assert!(self.stack.is_some());
        // SAFETY: the state lives on the stack, which we hold; the fiber
        // does not run while we are borrowed (it runs only inside
        // `resume`).
        unsafe { &*self.state }
    }

    /// Runs the fiber until it suspends or finishes. A panic in the body is
    /// resumed here.
    ///
    /// # Panics
    ///
    /// Panics if the fiber has already finished.
    pub fn resume(&mut self) -> FiberStatus {
        assert!(!self.state().done, "resumed a finished fiber");
        let state = self.state;
        // SAFETY: `state` is live for the whole switch; the fiber's stack
        // holds either its initial frame or the frames of its last
        // suspension, and the fiber's trap activations are installed in
        // this thread for exactly as long as it runs.
        unsafe {
            (*state).started = true;
            let outer = swap_activations((*state).activations);
            wasmtime_rt_fiber_switch(&mut (*state).resumer_sp, (*state).fiber_sp);
            (*state).activations = swap_activations(outer);
            if let Some(payload) = (*state).panic.take() {
                panic::resume_unwind(payload);
            }
            if (*state).done {
                FiberStatus::Done
            } else {
                FiberStatus::Suspended
            }
        }
    }

    /// Whether the body has returned.
    pub fn done(&self) -> bool {
        self.state().done
    }

    /// Whether the body has started running.
    pub fn started(&self) -> bool {
        self.state().started
    }

    /// The fiber's suspend handle (the one its body receives).
    pub fn suspend_handle(&self) -> *const Suspend {
        &self.state().suspend
    }

    /// Gives the stack back: drops a never-started body and the state,
    /// which live on it.
    fn release(&mut self) -> Option<FiberStack> {
        self.stack.as_ref()?;
        // SAFETY: the state is live (we hold the stack) and the fiber does
        // not run; a body not started is still in place and dropped once.
        unsafe {
            if !(*self.state).started {
                (*self.state).started = true;
                ((*self.state).drop_body)((*self.state).body);
            }
            std::ptr::drop_in_place(self.state);
        }
        self.stack.take()
    }

    /// The stack, returned once the fiber is finished or was never
    /// started (a suspended fiber's stack still holds its frames).
    pub fn into_stack(mut self) -> Option<FiberStack> {
        if self.started() && !self.done() {
            return None;
        }
        self.release()
    }

    /// The stack of a fiber that will never be resumed again, also when it
    /// is suspended: its frames are forgotten, not unwound.
    ///
    /// # Safety
    ///
    /// The frames of a suspended fiber must own nothing that needs
    /// dropping, and nothing may point into them afterwards.
    pub unsafe fn abandon(mut self) -> Option<FiberStack> {
        self.release()
    }

    /// The usable range of the fiber's stack.
    pub fn stack_range(&self) -> std::ops::Range<usize> {
        let stack = self.stack.as_ref().expect("fiber has its stack");
        stack.bottom()..stack.top()
    }
}

impl Drop for Fiber<'_> {
    fn drop(&mut self) {
        if self.stack.is_none() {
            return;
        }
        // A suspended fiber's frames cannot be unwound from here; its owner
        // must finish it first. Keep its stack mapped (leaked) rather than
        // free memory that frames still point into.
        if self.started() && !self.done() {
            if let Some(stack) = self.stack.take() {
                std::mem::forget(stack);
            }
            return;
        }
        drop(self.release());
    }
}

impl Suspend {
    /// Suspends the running fiber: [`Fiber::resume`] returns
    /// [`FiberStatus::Suspended`], and this returns when the fiber is
    /// resumed again.
    ///
    /// # Safety
    ///
    /// Must be called on the fiber this handle belongs to, while it runs.
    pub unsafe fn suspend(&self) {
        let state = self.state;
        // SAFETY: per the contract we run on the fiber, so the resumer is
        // waiting in `resume` with its stack pointer saved.
        unsafe { wasmtime_rt_fiber_switch(&mut (*state).fiber_sp, (*state).resumer_sp) };
    }
}

/// The first (and outermost) function of every fiber.
///
/// # Safety
///
/// `arg` is the fiber's `FiberState`, and this runs on its stack.
unsafe extern "C" fn fiber_entry(arg: *mut u8) -> ! {
    let state = arg.cast::<FiberState>();
    // SAFETY: per the contract; the state outlives the fiber's run, and
    // `resume` marked it started, so the body is run here only.
    unsafe {
        let (run, body) = ((*state).run_body, (*state).body);
        let suspend = &(*state).suspend;
        // A panic must not unwind into the start trampoline.
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| run(body, suspend))) {
            (*state).panic = Some(payload);
        }
        (*state).done = true;
        wasmtime_rt_fiber_switch(&mut (*state).fiber_sp, (*state).resumer_sp);
    }
    // A finished fiber is never resumed.
    std::process::abort()
}

#[cfg(test)]
mod tests;
