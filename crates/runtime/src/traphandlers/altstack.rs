//! Per-thread alternate stacks for the signal handlers, so that a stack
//! overflow in wasm can still be handled.

use crate::mmap::{host_page_size, Mmap};
use std::cell::RefCell;
use std::ptr;

/// Size of the per-thread alternate signal stack (plus a guard page).
pub const ALT_STACK_SIZE: usize = 64 * 1024;

/// This thread's alternate signal stack, if we installed one.
struct AltStack {
    mmap: Option<Mmap>,
}

impl AltStack {
    fn install() -> AltStack {
        // SAFETY: querying the current alternate stack has no preconditions.
        let current = unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(ptr::null(), &mut current);
            current
        };
        if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_size >= ALT_STACK_SIZE {
            // Big enough already (or we are running on it).
            return AltStack { mmap: None };
        }
        let page = host_page_size();
        // The guard page is at the bottom (stacks grow down).
        let Ok(mmap) = Mmap::reserve(page + ALT_STACK_SIZE) else {
            return AltStack { mmap: None };
        };
        if mmap.make_accessible(page, ALT_STACK_SIZE).is_err() {
            return AltStack { mmap: None };
        }
        let stack = libc::stack_t {
            ss_sp: mmap.as_mut_ptr().wrapping_add(page).cast(),
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // SAFETY: `stack` describes readable and writable memory that stays
        // mapped until `Drop` disables the alternate stack.
        let rc = unsafe { libc::sigaltstack(&stack, ptr::null_mut()) };
        if rc != 0 {
            // E.g. EPERM when called while running on the current one.
            return AltStack { mmap: None };
        }
        AltStack { mmap: Some(mmap) }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        let Some(mmap) = self.mmap.take() else {
            return;
        };
        let ours = mmap.as_ptr().wrapping_add(host_page_size());
        // SAFETY: if the current alternate stack is still ours, disable it
        // before unmapping its memory; otherwise the memory is unused.
        unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(ptr::null(), &mut current);
            if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_sp.cast_const() == ours.cast()
            {
                let disable = libc::stack_t {
                    ss_sp: ptr::null_mut(),
                    ss_flags: libc::SS_DISABLE,
                    ss_size: 0,
                };
                libc::sigaltstack(&disable, ptr::null_mut());
            }
        }
        drop(mmap);
    }
}

thread_local! {
    static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
}

/// Makes sure this thread has an alternate signal stack of at least
/// [`ALT_STACK_SIZE`] bytes for the trap handler (installing one the first
/// time; it is removed and freed when the thread exits).
pub fn ensure_alt_stack() {
    let _ = ALT_STACK.try_with(|slot| {
        if slot.borrow().is_none() {
            *slot.borrow_mut() = Some(AltStack::install());
        }
    });
}
