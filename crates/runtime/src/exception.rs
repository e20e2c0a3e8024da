//! Wasm exceptions: exception objects, tag identities, and native
//! unwinding from `throw` / `throw_ref` to the matching handler.
//!
//! A thrown exception walks the frame-pointer chain from the throwing wasm
//! frame towards the host entry. At each frame, the return address is looked
//! up among the compiled code's exception sites (the `try_call`s inside
//! `try_table`). A site lists its handlers innermost first; a tag handler
//! compares the exception's tag identity with the tag, resolved through the
//! frame's `vmctx` (spilled at a known offset from SP). The first match
//! resumes execution at the handler with SP and FP of that frame and the
//! exception object in the first payload register, abandoning the frames in
//! between (all wasm, or the runtime's own non-owning frames). If the walk
//! reaches the host entry, the exception becomes pending for the embedder
//! and compiled code traps with `TrapSite::Exception`.

use crate::instance::Instance;
use crate::traphandlers::lookup_code;
use crate::vmcontext::{VMContext, VMStoreContext};
use std::cell::Cell;
use wasmtime_environ::{store_context, vm_exn_object, ExceptionCatch};

thread_local! {
    /// The exception that last escaped to the host on this thread.
    static UNCAUGHT: Cell<usize> = const { Cell::new(0) };
}

/// Takes the exception object that last escaped wasm on this thread (set
/// right before compiled code traps with `TrapSite::Exception`).
pub fn take_uncaught() -> Option<usize> {
    let exn = UNCAUGHT.with(|c| c.replace(0));
    (exn != 0).then_some(exn)
}

/// The tag identity of an exception object.
///
/// # Safety
/// `exn` must be a live exception object.
pub unsafe fn exn_tag(exn: usize) -> usize {
    // SAFETY: per the caller.
    unsafe { *((exn + vm_exn_object::TAG as usize) as *const usize) }
}

/// Number of payload values of an exception object.
///
/// # Safety
/// `exn` must be a live exception object.
pub unsafe fn exn_len(exn: usize) -> usize {
    // SAFETY: per the caller.
    unsafe { *((exn + vm_exn_object::LEN as usize) as *const u32) as usize }
}

/// Pointer to payload value `i` (a 16-byte `ValRaw` slot).
///
/// # Safety
/// `exn` must be a live exception object with more than `i` values.
pub unsafe fn exn_value_ptr(exn: usize, i: usize) -> *mut u8 {
    (exn + vm_exn_object::VALUES as usize + i * vm_exn_object::VALUE_SIZE as usize) as *mut u8
}

fn mark_exposed(exn: usize) {
    // SAFETY: callers pass live exception objects.
    unsafe { *((exn + vm_exn_object::EXPOSED as usize) as *mut u32) = 1 };
}

/// Marks `exn` as referenced from outside wasm handlers, so it is never
/// recycled.
pub fn expose(exn: usize) {
    mark_exposed(exn);
}

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wasmtime_rt_throw_stub",
    "wasmtime_rt_throw_stub:",
    // The builtin `throw_ref(vmctx, exn)`, called with Cranelift's
    // `PreserveAll` convention: pass the caller's return address and frame
    // pointer along to `throw_impl(vmctx, exn, pc, fp)`. A caught exception
    // never comes back here (`wasmtime_rt_resume` jumps to the handler); an
    // uncaught one returns, and then every register the SystemV
    // `throw_impl` may clobber must be as the caller left it. The layout
    // matches the `status` builtins' trampolines: rbp, 9 registers, then
    // 264 bytes for xmm0-xmm15 keep the stack 16-byte aligned at the call.
    save_caller_saved!(),
    // The wasm caller's return address and frame pointer.
    "mov rdx, [rbp + 8]",
    "mov rcx, [rbp]",
    "call {throw_impl}",
    restore_caller_saved_and_return!(),
    ".p2align 4",
    ".globl wasmtime_rt_resume",
    "wasmtime_rt_resume:",
    // resume(pc, sp, fp, payload) -> !
    "mov rsp, rsi",
    "mov rbp, rdx",
    "mov rax, rcx",
    "xor edx, edx",
    "jmp rdi",
    throw_impl = sym throw_impl,
);

/// The address compiled code calls for the `throw_ref` builtin.
pub(crate) const THROW_STUB: *const () = wasmtime_rt_throw_stub as *const ();

unsafe extern "C" {
    fn wasmtime_rt_throw_stub();
    fn wasmtime_rt_resume(pc: usize, sp: usize, fp: usize, payload: usize) -> !;
}

/// Where a thrown exception resumes.
struct Handler {
    pc: usize,
    sp: usize,
    fp: usize,
    by_ref: bool,
}

/// Finds the handler for `exn` walking up from the wasm frame `fp` whose
/// call returns to `pc`, stopping at the host entry `entry_fp`.
///
/// # Safety
/// `(pc, fp)` must describe a live wasm frame of the current activation,
/// `entry_fp` the entry trampoline's frame pointer, and `exn` a live
/// exception object.
unsafe fn find_handler(
    exn: usize,
    mut pc: usize,
    mut fp: usize,
    entry_fp: usize,
) -> Option<Handler> {
    // SAFETY: per the caller.
    let tag = unsafe { exn_tag(exn) };
    for _ in 0..crate::backtrace::MAX_FRAMES {
        if fp == 0 || !fp.is_multiple_of(8) {
            return None;
        }
        if let Some(code) = lookup_code(pc) {
            if let Some(site) = code.lookup_exception_site(pc) {
                let sp = fp - site.frame_offset as usize;
                // SAFETY: the site says where this frame spilled its vmctx.
                let vmctx = site
                    .vmctx_sp_offset
                    .map(|o| unsafe { *((sp + o as usize) as *const *mut VMContext) });
                for (catch, offset) in &site.handlers {
                    let (matches, by_ref) = match *catch {
                        ExceptionCatch::All { by_ref } => (true, by_ref),
                        ExceptionCatch::Tag { index, by_ref } => {
                            let Some(vmctx) = vmctx else { continue };
                            // SAFETY: the spilled vmctx is the live context of
                            // the frame's instance.
                            let instance = unsafe { Instance::from_vmctx(vmctx) };
                            (instance.tag_identity(index) == tag, by_ref)
                        }
                    };
                    if matches {
                        let func_start = code
                            .lookup_function(pc)
                            .map(|(f, _)| code.func_range(f).start)?;
                        return Some(Handler {
                            pc: func_start + *offset as usize,
                            sp,
                            fp,
                            by_ref,
                        });
                    }
                }
            }
        }
        if fp == entry_fp {
            return None;
        }
        // SAFETY: wasm frames keep frame pointers up to the entry frame.
        let (next_pc, next_fp) = unsafe {
            let record = fp as *const usize;
            (record.add(1).read(), record.read())
        };
        if next_fp <= fp || (entry_fp != 0 && next_fp > entry_fp) {
            return None;
        }
        pc = next_pc;
        fp = next_fp;
    }
    None
}

/// Throws `exn` from the wasm frame `fp` at the call returning to `pc`:
/// resumes at the handler, or returns after making the exception pending
/// (the caller then traps with `TrapSite::Exception`).
///
/// # Safety
/// As for [`find_handler`], and the frames between the thrower and the
/// handler must own nothing that needs dropping.
pub unsafe fn throw(store: *const VMStoreContext, exn: usize, pc: usize, fp: usize) {
    // SAFETY: compiled code passes its live store context.
    let entry_fp =
        unsafe { *((store as usize + store_context::LAST_WASM_ENTRY_FP as usize) as *const usize) };
    // SAFETY: per the caller.
    match unsafe { find_handler(exn, pc, fp, entry_fp) } {
        Some(h) => {
            if h.by_ref {
                mark_exposed(exn);
            } else {
                // The handler only reads the payload; the object can be
                // reused by the next throw unless something else holds it.
                recycle(exn);
            }
            // SAFETY: the handler belongs to a live frame of this activation
            // with exactly this SP and FP; its try_call clobbers every
            // register, so nothing else needs restoring.
            unsafe { wasmtime_rt_resume(h.pc, h.sp, h.fp, exn) }
        }
        None => {
            mark_exposed(exn);
            UNCAUGHT.with(|c| c.set(exn));
        }
    }
}

extern "C" fn throw_impl(vmctx: *mut VMContext, exn: usize, pc: usize, fp: usize) {
    // SAFETY: compiled code passes its live vmctx; the stub passes the
    // return address into and frame pointer of the calling wasm frame.
    unsafe {
        let instance = Instance::from_vmctx(vmctx);
        let store = instance.store_context();
        throw(store, exn, pc, fp)
    }
}

fn recycle(exn: usize) {
    // SAFETY: live exception objects record their owner and slot.
    unsafe {
        if *((exn + vm_exn_object::EXPOSED as usize) as *const u32) != 0 {
            return;
        }
        let owner = *((exn + vm_exn_object::OWNER as usize) as *const *mut Instance);
        let slot = *((exn + vm_exn_object::SLOT as usize) as *const u32);
        (*owner).free_exn_slot(slot);
    }
}
