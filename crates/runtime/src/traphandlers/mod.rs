//! Turning hardware faults in compiled wasm code into trap records.
//!
//! Wasm code traps by faulting: `ud2` (SIGILL) for explicit traps and stack
//! overflow, guard-page accesses (SIGSEGV/SIGBUS) for out-of-bounds memory,
//! and `div` (SIGFPE) for division traps. The process-wide signal handler
//! installed by [`init_traps`] checks whether the faulting thread is inside
//! [`catch_traps`] and whether the faulting instruction is a known trap site
//! of registered code ([`register_code`]); if so it records a [`TrapRecord`]
//! and `siglongjmp`s back into `catch_traps`, which returns it as an error.
//! Every other fault is passed on to the handler that was installed before
//! ours (or to the default action, which kills the process).
//!
//! The jump point itself is set in assembly (`jump.rs`), since Rust code
//! must not call `setjmp` directly.

//!
//! The module is split by topic: `registry` (which code is wasm),
//! activations and [`catch_traps`] (here), `raise` (traps raised by a direct
//! call), `signals` (the fault handlers) and `altstack` (their per-thread
//! stacks).
mod altstack;
mod jump;
mod raise;
mod registry;
mod signals;
#[cfg(test)]
mod tests;

pub use altstack::{ensure_alt_stack, ALT_STACK_SIZE};
pub(crate) use raise::RAISE_STUB;
pub use registry::{lookup_code, register_code, unregister_code};
pub use signals::{init_traps, signal_handlers_installed};

use crate::backtrace::{walk_frames_into, FrameWalk, MAX_FRAMES};
use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use wasmtime_environ::{store_context, TrapSite};

use jump::{wasmtime_longjmp, wasmtime_setjmp};

/// What the signal handler recorded about a trap in wasm code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrapRecord {
    /// Address of the faulting instruction.
    pub pc: usize,
    /// Frame pointer (RBP) at the fault.
    pub fp: usize,
    /// The trap site of the faulting instruction.
    pub site: TrapSite,
    /// Program counters of the wasm frames, innermost first (starting with
    /// `pc`), walked up to `VMStoreContext::LAST_WASM_ENTRY_FP` and capped at
    /// the activation's `max_frames` (the rest only counted).
    pub backtrace: FrameWalk,
    /// The faulting data address, for SIGSEGV and SIGBUS.
    pub faulting_addr: Option<usize>,
}

// ---------------------------------------------------------------------------
// Activations

/// One active `catch_traps` call on this thread. Lives on the stack of
/// `catch_traps`; the innermost one is published in [`ThreadState`].
pub(super) struct Activation {
    /// The jump buffer of this call, set by `wasmtime_setjmp` (null until
    /// then).
    jmp_buf: Cell<*const u8>,
    store_context: *mut u8,
    /// Most frames a trap's backtrace records (0: none).
    max_frames: usize,
    prev: *const Activation,
    /// The trap, once recorded (by the signal handler or `raise_impl`);
    /// its frames are in the thread's frame buffer.
    trap: Cell<Option<RawTrap>>,
    /// Set when this activation (on a fiber) was installed on a thread
    /// again by [`swap_activations`]: its body may then end on another
    /// thread than it began on.
    resumed: Cell<bool>,
}

/// A trap as recorded where nothing may allocate (in the signal handler):
/// plain values, with the backtrace's program counters in the thread's
/// frame buffer.
#[derive(Clone, Copy)]
struct RawTrap {
    pc: usize,
    fp: usize,
    site: TrapSite,
    faulting_addr: Option<usize>,
    /// Program counters written to the frame buffer.
    frames: usize,
    /// Older frames only counted.
    omitted: usize,
}

impl Activation {
    /// Walks the trapping frames into the thread's frame buffer and records
    /// the trap. Allocates nothing and takes no lock.
    ///
    /// # Safety
    ///
    /// `fp` must be the frame pointer of a live wasm frame of this
    /// activation (see [`walk_frames_into`]).
    unsafe fn record(&self, pc: usize, fp: usize, site: TrapSite, faulting_addr: Option<usize>) {
        let (buf, cap) = STATE
            .try_with(|s| s.frames.get())
            .unwrap_or((ptr::null_mut(), 0));
        let len = self.max_frames.min(cap);
        let (frames, omitted) = if len == 0 || buf.is_null() {
            (0, 0)
        } else {
            // SAFETY: `catch_traps` made the buffer hold at least
            // `max_frames` (capped) entries before running wasm, and only
            // this thread uses it; `fp` is live per the caller.
            unsafe {
                let out = std::slice::from_raw_parts_mut(buf, len);
                walk_frames_into(pc, fp, self.entry_fp(), out)
            }
        };
        self.trap.set(Some(RawTrap {
            pc,
            fp,
            site,
            faulting_addr,
            frames,
            omitted,
        }));
    }
}

impl Activation {
    /// The frame pointer of the trampoline that last entered wasm in this
    /// activation's store (where frame walks stop), or 0 without a store.
    fn entry_fp(&self) -> usize {
        if self.store_context.is_null() {
            return 0;
        }
        // SAFETY: `catch_traps`' contract: a non-null store context is a
        // readable `VMStoreContext`.
        unsafe {
            self.store_context
                .add(store_context::LAST_WASM_ENTRY_FP as usize)
                .cast::<usize>()
                .read()
        }
    }
}

/// The per-thread state of trap handling, in one thread-local so that a
/// call into wasm computes its address once (in a shared library each
/// thread-local access may be a call to `__tls_get_addr`). Const-initialised
/// with no destructor, so the signal handler may read it.
pub(super) struct ThreadState {
    /// The innermost activation (null outside `catch_traps`).
    pub(super) activation: Cell<*const Activation>,
    /// This thread's frame buffer for trap backtraces (pointer, length).
    /// It only grows, and only outside wasm (in `catch_traps`), so it is
    /// valid whenever wasm traps.
    frames: Cell<(*mut usize, usize)>,
    /// Whether this thread's alternate signal stack is set up.
    ready: Cell<bool>,
}

thread_local! {
    pub(super) static STATE: ThreadState = const {
        ThreadState {
            activation: Cell::new(ptr::null()),
            frames: Cell::new((ptr::null_mut(), 0)),
            ready: Cell::new(false),
        }
    };
    /// The storage behind [`ThreadState::frames`].
    static FRAME_STORAGE: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

// Code on a fiber may be suspended and resumed on another thread while it
// runs wasm, and the compiler may reuse a thread-local address computed
// earlier in the same function. So every access to the thread-local state
// that can follow such a switch (after `catch_traps` runs its body) goes
// through a never-inlined function, which computes the address afresh;
// the accesses before the body stay inline.

/// This thread's state (its address, for the accesses before a body runs).
#[inline]
fn thread_state() -> *const ThreadState {
    STATE.with(ptr::from_ref)
}

/// Publishes `activation` again after a body that may have switched
/// threads (see above).
#[inline(never)]
fn restore_current_activation(activation: *const Activation) {
    STATE.with(|s| s.activation.set(activation));
}

/// This thread's frame buffer.
#[inline(never)]
fn frame_buffer() -> (*mut usize, usize) {
    STATE.with(|s| s.frames.get())
}

/// Installs `chain` (the innermost activation of a fiber being resumed, or
/// null) as this thread's activations and returns the ones it replaces.
/// When installing a chain, also prepares this thread for traps in it
/// (alternate signal stack, frame buffer), since the fiber may have
/// entered wasm on another thread.
#[inline(never)]
pub(crate) fn swap_activations(chain: *const u8) -> *const u8 {
    let chain = chain.cast::<Activation>();
    if !chain.is_null() {
        // SAFETY: this thread's state, alive as long as the thread.
        let state = unsafe { &*thread_state() };
        prepare_thread(state);
        let mut need = 0;
        let mut a = chain;
        while !a.is_null() {
            // SAFETY: a suspended fiber's activations live on its stack,
            // which is kept until the fiber finishes.
            unsafe {
                need = need.max((*a).max_frames);
                (*a).resumed.set(true);
                a = (*a).prev;
            }
        }
        reserve_frames(state, need);
    }
    STATE.with(|s| s.activation.replace(chain)).cast()
}

/// Sets up this thread's alternate signal stack once signal handlers are
/// installed.
#[inline]
fn prepare_thread(state: &ThreadState) {
    if !state.ready.get() && signal_handlers_installed() {
        prepare_thread_slow(state);
    }
}

#[cold]
#[inline(never)]
fn prepare_thread_slow(state: &ThreadState) {
    ensure_alt_stack();
    state.ready.set(true);
}

/// Makes this thread's frame buffer hold at least `len` entries.
#[inline]
fn reserve_frames(state: &ThreadState, len: usize) {
    if state.frames.get().1 >= len.min(MAX_FRAMES) {
        return;
    }
    grow_frames(state, len);
}

/// The slow path of [`reserve_frames`].
#[cold]
fn grow_frames(state: &ThreadState, len: usize) {
    let len = len.min(MAX_FRAMES);
    if state.frames.get().1 >= len {
        return;
    }
    FRAME_STORAGE.with_borrow_mut(|storage| {
        storage.resize(len, 0);
        state.frames.set((storage.as_mut_ptr(), storage.len()));
    });
}

struct Payload<F> {
    body: Option<F>,
    panic: Option<Box<dyn Any + Send>>,
}

extern "C" fn call_body<F: FnOnce()>(payload: *mut u8) {
    // SAFETY: `payload` is the `Payload<F>` that `catch_traps` passed to
    // `wasmtime_setjmp`, which is alive and not otherwise borrowed until
    // `wasmtime_setjmp` returns.
    let payload = unsafe { &mut *payload.cast::<Payload<F>>() };
    if let Some(body) = payload.body.take() {
        // Panics must not unwind through the assembly frame of `wasmtime_setjmp`;
        // they are resumed once it has returned.
        if let Err(e) = panic::catch_unwind(AssertUnwindSafe(body)) {
            payload.panic = Some(e);
        }
    }
}

/// Runs `body`, turning a trap in registered wasm code on this thread into
/// `Err`. Calls nest: a host function called from wasm may call
/// `catch_traps` again, and a trap is delivered to the innermost call.
///
/// A trap's backtrace records at most `max_frames` frames (none with 0)
/// and counts the rest.
///
/// Panics in `body` are propagated once `catch_traps` has cleaned up.
///
/// # Safety
///
/// * `store_context` must be null or point to a `VMStoreContext` whose
///   `LAST_WASM_ENTRY_FP` stays readable during the call and is, whenever
///   wasm traps, the frame pointer of the entry trampoline of the trapping
///   wasm activation (or zero), so the backtrace walk only reads live frames.
/// * When wasm traps, the frames between `body` and the trap are abandoned
///   with `siglongjmp`: destructors of values live in those frames (in
///   `body`, in wasm, or in host functions wasm called) do not run. `body`
///   must only call into wasm with nothing else to clean up.
// Inlined so that the closure is built where `Payload` holds it (moving
// it in costs store-forwarding stalls on every call).
#[inline]
pub unsafe fn catch_traps<F>(
    store_context: *mut u8,
    max_frames: usize,
    body: F,
) -> Result<(), Box<TrapRecord>>
where
    F: FnOnce(),
{
    // SAFETY: this thread's state lives as long as the thread; it is only
    // used through this reference before the body runs (see above).
    let state = unsafe { &*thread_state() };
    // The signal handlers are installed per process by `init_traps` (an
    // engine with signal-based traps calls it); once they are, each thread
    // needs an alternate stack for them, set up on its first call here.
    prepare_thread(state);

    // Growing the frame buffer moves it: only here, never while this
    // thread's wasm can trap into an older activation that saw it (those
    // record through the frame buffer, read at trap time).
    reserve_frames(state, max_frames);

    let activation = Activation {
        jmp_buf: Cell::new(ptr::null()),
        store_context,
        max_frames,
        prev: state.activation.get(),
        trap: Cell::new(None),
        resumed: Cell::new(false),
    };

    /// Restores the previous activation, also if `wasmtime_setjmp` returned
    /// early through a trap: through `state` when the body ran on this
    /// thread only, which is certain unless the activation was resumed
    /// (it is on a fiber that was suspended meanwhile), else through a new
    /// lookup of the thread's state.
    struct Restore<'a> {
        activation: &'a Activation,
        state: *const ThreadState,
    }
    impl Drop for Restore<'_> {
        #[inline]
        fn drop(&mut self) {
            let prev = self.activation.prev;
            if self.activation.resumed.get() {
                restore_current_activation(prev);
            } else {
                // SAFETY: the body never left this thread (see above), so
                // `state` is still this thread's state.
                unsafe { (*self.state).activation.set(prev) };
            }
        }
    }

    let mut payload = Payload {
        body: Some(body),
        panic: None,
    };
    let ok = {
        let _restore = Restore {
            activation: &activation,
            state,
        };
        state.activation.set(&activation);
        // SAFETY: `call_body::<F>` expects a `Payload<F>`, which is what we
        // pass; `activation.jmp_buf` is a valid place for the assembly to
        // publish its jump buffer, and `activation` outlives the call (it
        // is unpublished by `_restore` right after).
        unsafe {
            wasmtime_setjmp(
                activation.jmp_buf.as_ptr(),
                call_body::<F>,
                ptr::from_mut(&mut payload).cast(),
            )
        }
    };
    if let Some(e) = payload.panic.take() {
        panic::resume_unwind(e);
    }
    if ok != 0 {
        return Ok(());
    }
    let raw = activation
        .trap
        .take()
        .expect("longjmp without a recorded trap");
    let (buf, _) = frame_buffer();
    let pcs = if raw.frames == 0 {
        Vec::new()
    } else {
        // SAFETY: the trap wrote `raw.frames` entries to this thread's
        // buffer, which has not changed since (only `catch_traps` grows it,
        // and none ran after the trap).
        unsafe { std::slice::from_raw_parts(buf, raw.frames) }.to_vec()
    };
    Err(Box::new(TrapRecord {
        pc: raw.pc,
        fp: raw.fp,
        site: raw.site,
        backtrace: FrameWalk {
            pcs,
            omitted: raw.omitted,
        },
        faulting_addr: raw.faulting_addr,
    }))
}

/// Whether this thread is currently inside [`catch_traps`].
pub fn in_catch_traps() -> bool {
    !STATE.with(|s| s.activation.get()).is_null()
}
