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
use std::panic::{self, AssertUnwindSafe};
use switch::{initial_stack_pointer, wasmtime_rt_fiber_switch};

/// The body of a fiber.
type Body<'a> = Box<dyn FnOnce(&Suspend) + 'a>;

/// Code running on its own stack; see the [module docs](self).
pub struct Fiber<'a> {
    /// Boxed so that its address, which the fiber's stack holds, is stable.
    state: Box<FiberState<'a>>,
    stack: Option<FiberStack>,
}

/// What both sides of a fiber share.
struct FiberState<'a> {
    /// The fiber's saved stack pointer while it is suspended.
    fiber_sp: usize,
    /// The resumer's saved stack pointer while the fiber runs.
    resumer_sp: usize,
    body: Option<Body<'a>>,
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
    state: *mut FiberState<'static>,
}

/// How far a [`Fiber::resume`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiberStatus {
    /// The body called [`Suspend::suspend`]; resume it again to go on.
    Suspended,
    /// The body has returned.
    Done,
}

impl<'a> Fiber<'a> {
    /// A fiber that runs `body` on `stack` when first resumed.
    pub fn new(stack: FiberStack, body: impl FnOnce(&Suspend) + 'a) -> Fiber<'a> {
        let mut state = Box::new(FiberState {
            fiber_sp: 0,
            resumer_sp: 0,
            body: Some(Box::new(body)),
            suspend: Suspend {
                state: std::ptr::null_mut(),
            },
            done: false,
            panic: None,
            activations: std::ptr::null(),
        });
        let ptr: *mut FiberState<'a> = &mut *state;
        state.suspend.state = ptr.cast();
        let top = stack.top() & !15;
        // SAFETY: the stack is ours and unused; `fiber_entry` receives the
        // boxed state, which outlives every switch into the fiber (a fiber
        // is only dropped when finished or never started).
        state.fiber_sp = unsafe { initial_stack_pointer(top as *mut u8, fiber_entry, ptr.cast()) };
        Fiber {
            state,
            stack: Some(stack),
        }
    }

    /// Runs the fiber until it suspends or finishes. A panic in the body is
    /// resumed here.
    ///
    /// # Panics
    ///
    /// Panics if the fiber has already finished.
    pub fn resume(&mut self) -> FiberStatus {
        assert!(!self.state.done, "resumed a finished fiber");
        let state: *mut FiberState<'a> = &mut *self.state;
        // SAFETY: `state` is live for the whole switch; the fiber's stack
        // holds either its initial frame or the frames of its last
        // suspension, and the fiber's trap activations are installed in
        // this thread for exactly as long as it runs.
        unsafe {
            let outer = swap_activations((*state).activations);
            wasmtime_rt_fiber_switch(&mut (*state).resumer_sp, (*state).fiber_sp);
            (*state).activations = swap_activations(outer);
        }
        if let Some(payload) = self.state.panic.take() {
            panic::resume_unwind(payload);
        }
        if self.state.done {
            FiberStatus::Done
        } else {
            FiberStatus::Suspended
        }
    }

    /// Whether the body has returned.
    pub fn done(&self) -> bool {
        self.state.done
    }

    /// Whether the body has started running.
    pub fn started(&self) -> bool {
        self.state.body.is_none()
    }

    /// The fiber's suspend handle (the one its body receives).
    pub fn suspend_handle(&self) -> *const Suspend {
        &self.state.suspend
    }

    /// The stack, returned once the fiber is finished or was never
    /// started (a suspended fiber's stack still holds its frames).
    pub fn into_stack(mut self) -> Option<FiberStack> {
        if self.started() && !self.done() {
            return None;
        }
        self.stack.take()
    }

    /// The stack of a fiber that will never be resumed again, also when it
    /// is suspended: its frames are forgotten, not unwound.
    ///
    /// # Safety
    ///
    /// The frames of a suspended fiber must own nothing that needs
    /// dropping, and nothing may point into them afterwards.
    pub unsafe fn abandon(mut self) -> Option<FiberStack> {
        self.stack.take()
    }

    /// The usable range of the fiber's stack.
    pub fn stack_range(&self) -> std::ops::Range<usize> {
        let stack = self.stack.as_ref().expect("fiber has its stack");
        stack.bottom()..stack.top()
    }
}

impl Drop for Fiber<'_> {
    fn drop(&mut self) {
        // A suspended fiber's frames cannot be unwound from here; its owner
        // must finish it first. Keep its stack mapped (leaked) rather than
        // free memory that frames still point into.
        if self.started() && !self.done() {
            if let Some(stack) = self.stack.take() {
                std::mem::forget(stack);
            }
        }
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
    let state = arg.cast::<FiberState<'static>>();
    // SAFETY: per the contract; the state outlives the fiber's run.
    unsafe {
        if let Some(body) = (*state).body.take() {
            let suspend = &(*state).suspend;
            // A panic must not unwind into the start trampoline.
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| body(suspend))) {
                (*state).panic = Some(payload);
            }
        }
        (*state).done = true;
        wasmtime_rt_fiber_switch(&mut (*state).fiber_sp, (*state).resumer_sp);
    }
    // A finished fiber is never resumed.
    std::process::abort()
}

#[cfg(test)]
mod tests;
