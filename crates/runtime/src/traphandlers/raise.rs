//! Traps raised by compiled code with a direct call (the `raise_trap`
//! builtin): explicit traps without signals, failed host calls and builtins.

use super::{wasmtime_longjmp, STATE};
use wasmtime_environ::TrapSite;

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wasmtime_rt_raise_stub",
    "wasmtime_rt_raise_stub:",
    // The builtin `raise_trap(vmctx, site)`: pass the caller's return
    // address and frame pointer along to `raise_impl(vmctx, site, pc, fp)`.
    "mov rdx, [rsp]",
    "mov rcx, rbp",
    "jmp {raise_impl}",
    raise_impl = sym raise_impl,
);

/// The address compiled code calls for the `raise_trap` builtin.
pub(crate) const RAISE_STUB: *const () = wasmtime_rt_raise_stub as *const ();

unsafe extern "C" {
    fn wasmtime_rt_raise_stub();
}

/// Records trap `site` raised by compiled code (whose call returns to `pc`,
/// in the frame `fp`) and unwinds to the innermost [`catch_traps`], exactly
/// as the signal handler does for a faulting instruction.
///
/// # Safety
///
/// Only called by the stub, from compiled wasm code (or a wasm-to-host
/// trampoline) running inside `catch_traps`, so `fp` is a live frame of the
/// current activation.
unsafe extern "C" fn raise_impl(_vmctx: *mut u8, site: u32, pc: usize, fp: usize) -> ! {
    let activation = STATE.with(|s| s.activation.get());
    let site = u8::try_from(site).ok().and_then(TrapSite::from_u8);
    if activation.is_null() || site.is_none() {
        // Compiled code only runs inside `catch_traps` and passes valid
        // sites; anything else is a bug that must not continue.
        std::process::abort();
    }
    // SAFETY: a published activation stays alive until its `catch_traps`
    // returns, which cannot happen before we jump back into it.
    let activation = unsafe { &*activation };
    let jmp_buf = activation.jmp_buf.get();
    if jmp_buf.is_null() {
        std::process::abort();
    }
    // The call instruction itself, so that address lookups find the
    // trapping operator (the return address may start the next one).
    let pc = pc - 1;
    // SAFETY: `fp` is the frame pointer of the calling wasm frame, per
    // `catch_traps`' contract.
    unsafe { activation.record(pc, fp, site.unwrap(), None) };
    // SAFETY: `jmp_buf` belongs to the innermost `catch_traps` of this
    // thread, whose `wasmtime_setjmp` frame is live; nothing with a
    // destructor is live in this frame.
    unsafe { wasmtime_longjmp(jmp_buf) }
}
