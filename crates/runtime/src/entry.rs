//! The one way into wasm and back out of it.
//!
//! Every call from the host into compiled code (typed and dynamic calls,
//! start functions; later fibers and component calls) goes through
//! [`call_wasm`], which owns the entry protocol:
//!
//! 1. save the store's entry/exit frame records and stack limit, so that a
//!    nested entry (wasm -> host -> wasm) restores the outer one's on the
//!    way out;
//! 2. at the outermost entry, set the stack limit `max_wasm_stack` bytes
//!    below the current host stack pointer (compiled prologues compare
//!    against it);
//! 3. run the function's array entry inside [`catch_traps`], which turns a
//!    trap or raised failure into a [`TrapRecord`];
//! 4. restore what step 1 saved, whatever happened.
//!
//! The way back out (a host function that wants to throw a wasm exception
//! into its calling wasm) is [`throw_from_host`]. The embedding API crate
//! only converts values and errors around these two.

use crate::exception;
use crate::traphandlers::{catch_traps, TrapRecord};
use crate::vmcontext::{VMFuncRef, VMStoreContext, ValRaw};

/// How a call into wasm ended.
#[derive(Debug)]
pub enum CallOutcome {
    /// The function returned; its results are in the argument slots.
    Returned,
    /// A host function (or builtin) failed without a fault: the error is
    /// pending in the embedding's store.
    HostFailed,
    /// A trap (or an uncaught exception, or a raised host failure) unwound
    /// the call.
    Trapped(Box<TrapRecord>),
}

/// Limits of one entry into wasm.
#[derive(Clone, Copy, Debug)]
pub struct EntryLimits {
    /// Bytes of host stack wasm may use below the outermost entry.
    pub max_wasm_stack: usize,
    /// Most frames a trap's backtrace records (0: none).
    pub max_backtrace_frames: usize,
}

/// Calls `func_ref` through its array entry with `args` as its parameter
/// and result slots.
///
/// # Safety
///
/// * `store` must point to the live `VMStoreContext` of the store that owns
///   `func_ref`, and stay valid and otherwise unaliased by Rust references
///   for the whole call (compiled code and builtins read and write it);
/// * `func_ref` must be a live function reference of that store with an
///   array entry, and `args` must have room for the larger of its
///   parameter and result counts, holding the parameters;
/// * nothing with a destructor may be live in host frames that a trap
///   would abandon (see [`catch_traps`]).
#[inline]
pub unsafe fn call_wasm(
    store: *mut VMStoreContext,
    limits: EntryLimits,
    func_ref: *const VMFuncRef,
    args: &mut [ValRaw],
) -> CallOutcome {
    // SAFETY: per the contract, `store` and `func_ref` are live; this is
    // the only place that saves and restores these fields around a call.
    unsafe {
        let saved_limit = (*store).stack_limit;
        let saved_entry = (*store).last_wasm_entry_fp;
        let saved_exit_fp = (*store).last_wasm_exit_fp;
        let saved_exit_pc = (*store).last_wasm_exit_pc;
        if saved_limit == usize::MAX {
            let approx_sp = &saved_limit as *const usize as usize;
            (*store).stack_limit = approx_sp.saturating_sub(limits.max_wasm_stack);
        }
        let outer = saved_entry != 0 && saved_exit_pc != 0;
        if outer {
            (*store)
                .saved_activations
                .push((saved_exit_pc, saved_exit_fp, saved_entry));
        }
        let f = *func_ref;
        let array_call = f.array_call.expect("funcref without an array entry");
        let mut ok = true;
        let result = catch_traps(store.cast(), limits.max_backtrace_frames, || {
            ok = array_call(f.vmctx, std::ptr::null_mut(), args.as_mut_ptr(), args.len());
        });
        if outer {
            (*store).saved_activations.pop();
        }
        (*store).stack_limit = saved_limit;
        (*store).last_wasm_entry_fp = saved_entry;
        (*store).last_wasm_exit_fp = saved_exit_fp;
        (*store).last_wasm_exit_pc = saved_exit_pc;
        match result {
            Ok(()) if ok => CallOutcome::Returned,
            Ok(()) => CallOutcome::HostFailed,
            Err(record) => CallOutcome::Trapped(record),
        }
    }
}

/// Throws the exception object `exn` from a host function into the wasm
/// that called it, as if that wasm had thrown it at its call: control
/// resumes at a wasm handler (this function then does not return, and the
/// host frames in between are abandoned), or, when no wasm handler of the
/// current activation catches it, returns the exception to leave pending.
///
/// # Safety
///
/// * `store` must point to the live `VMStoreContext` whose last exit to
///   the host (`last_wasm_exit_pc`/`fp`) is the call of the host function
///   running now, with its wasm callers up to the entry still live;
/// * the host frames between that wasm call and this function must own
///   nothing that needs dropping.
pub unsafe fn throw_from_host(store: *const VMStoreContext, exn: usize) -> usize {
    // SAFETY: per the contract, the exit record names the live wasm frame
    // that called the current host function.
    unsafe {
        exception::throw(
            store,
            exn,
            (*store).last_wasm_exit_pc,
            (*store).last_wasm_exit_fp,
        );
    }
    exception::take_uncaught().unwrap_or(exn)
}
