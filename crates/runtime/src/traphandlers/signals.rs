//! The process-wide SIGSEGV/SIGBUS/SIGILL/SIGFPE handlers: a fault in
//! registered wasm code inside `catch_traps` becomes a trap record and a
//! jump back; every other fault goes to the handler installed before ours.

use super::registry::{lookup_trap_site, WRITING_REGISTRY};
use super::{wasmtime_longjmp, STATE};
use std::cell::UnsafeCell;
use std::ptr;
use std::sync::Once;

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The actions installed before ours, in `SIGNALS` order. Written once
/// inside `init_traps` (by `sigaction` itself), then only read.
struct PreviousActions(UnsafeCell<[libc::sigaction; 4]>);

// SAFETY: written only during the one-time initialisation, before which the
// zeroed contents (SIG_DFL) are valid; afterwards only read.
unsafe impl Sync for PreviousActions {}

// SAFETY: an all-zero `sigaction` is valid (SIG_DFL, empty mask, no flags).
static PREVIOUS: PreviousActions = PreviousActions(UnsafeCell::new(unsafe { std::mem::zeroed() }));

static INIT: Once = Once::new();

/// Whether [`init_traps`] installed the signal handlers in this process.
pub fn signal_handlers_installed() -> bool {
    INIT.is_completed()
}

/// Installs the trap signal handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE
/// (once per process; later calls do nothing). Previously installed
/// handlers keep receiving every fault that is not a wasm trap.
pub fn init_traps() {
    INIT.call_once(|| {
        for (i, signum) in SIGNALS.iter().enumerate() {
            // SAFETY: we install a handler with the signature SA_SIGINFO
            // requires; the previous action is written into its slot of
            // `PREVIOUS`, which nothing else writes.
            let rc = unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = trap_handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                let slot = PREVIOUS.0.get().cast::<libc::sigaction>().add(i);
                libc::sigaction(*signum, &action, slot)
            };
            assert_eq!(
                rc,
                0,
                "failed to install handler for signal {signum}: {}",
                std::io::Error::last_os_error()
            );
        }
    });
}

unsafe extern "C" fn trap_handler(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo and ucontext to SA_SIGINFO
    // handlers.
    if let Some(jmp_buf) = unsafe { handle_wasm_trap(signum, info, context) } {
        // SAFETY: `jmp_buf` belongs to the innermost `catch_traps` of this
        // thread, whose `wasmtime_setjmp` frame is still live. Nothing with
        // a destructor is live in this frame.
        unsafe { wasmtime_longjmp(jmp_buf) }
    }
    // SAFETY: as above; we are forwarding our own arguments.
    unsafe { chain_to_previous(signum, info, context) }
}

/// If the fault is a trap in registered wasm code inside `catch_traps`,
/// records it in the activation and returns the jump buffer to resume at.
///
/// # Safety
///
/// Must be called from the signal handler with its arguments.
unsafe fn handle_wasm_trap(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) -> Option<*const u8> {
    let activation = STATE.try_with(|s| s.activation.get()).ok()?;
    if activation.is_null() || WRITING_REGISTRY.try_with(|w| w.get()).unwrap_or(true) {
        return None;
    }
    // SAFETY: a published activation stays alive until its `catch_traps`
    // returns, which cannot happen while this thread runs the handler.
    let activation = unsafe { &*activation };
    let jmp_buf = activation.jmp_buf.get();
    if jmp_buf.is_null() {
        return None;
    }
    // SAFETY: on x86_64 Linux the third handler argument is a `ucontext_t`.
    let (pc, fp) = unsafe {
        let gregs = &(*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs;
        (
            gregs[libc::REG_RIP as usize] as usize,
            gregs[libc::REG_RBP as usize] as usize,
        )
    };
    let site = lookup_trap_site(pc)?;
    let faulting_addr = match signum {
        // SAFETY: SIGSEGV and SIGBUS carry a fault address.
        libc::SIGSEGV | libc::SIGBUS => Some(unsafe { (*info).si_addr() } as usize),
        _ => None,
    };
    // SAFETY: `fp` is the frame pointer of a wasm frame (compiled with frame
    // pointers) of this activation, per the contract of `catch_traps`.
    unsafe { activation.record(pc, fp, site, faulting_addr) };
    Some(jmp_buf)
}

/// Passes a fault that is not a wasm trap to the previously installed
/// action.
///
/// # Safety
///
/// Must be called from the signal handler with its arguments.
unsafe fn chain_to_previous(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let Some(i) = SIGNALS.iter().position(|s| *s == signum) else {
        return;
    };
    // SAFETY: `PREVIOUS` is only written during `init_traps`, which ran
    // before our handler could be invoked.
    let previous = unsafe { &*PREVIOUS.0.get().cast::<libc::sigaction>().add(i) };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // A fault cannot be ignored: restore the default action and return.
        // The faulting instruction runs again and kills the process as if
        // we had never been installed. A signal sent by another process
        // does not recur by itself, so raise it again.
        // SAFETY: resetting a signal to its default action and raising it
        // are async-signal-safe; the handler is not blocked (SA_NODEFER).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signum, &action, ptr::null_mut());
            if (*info).si_code <= 0 {
                libc::raise(signum);
            }
        }
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: an SA_SIGINFO action's handler has this signature.
        unsafe {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(signum, info, context);
        }
    } else {
        // SAFETY: a plain action's handler takes just the signal number.
        unsafe {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(signum);
        }
    }
}
