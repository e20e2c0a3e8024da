//! GC roots on the wasm stack: the slots that the stack maps of the calls
//! in progress name (see `wasmtime_environ::StackMap`).
//!
//! Every wasm frame of a store's activations is visited with the frame
//! walk of `crate::backtrace` (frame pointers): the current activation
//! from the store context's last exit up to its entry, then each older one
//! saved by `entry::call_wasm`. A frame's program counter is the return
//! address of the call it is in, whose stack map lists the stack-pointer
//! relative slots holding GC reference words; the stack pointer at the
//! call is the frame pointer minus the map's frame size.

use crate::backtrace::MAX_FRAMES;
use crate::traphandlers::lookup_code;
use crate::vmcontext::VMStoreContext;

/// Calls `visit` with the address of every stack slot holding a GC
/// reference word live in a wasm frame of `store`'s activations. The
/// slots may be read and written (a moving collector updates them).
///
/// # Safety
///
/// Must run on the thread and stack of the store's activations, while
/// they are suspended in a call to the host (a builtin or host function,
/// which recorded the store context's last exit), or with no activation
/// (`last_wasm_entry_fp == 0`).
pub unsafe fn visit_stack_roots(store: &VMStoreContext, visit: &mut dyn FnMut(*mut u64)) {
    let mut activations = store.saved_activations.clone();
    if store.last_wasm_entry_fp != 0 && store.last_wasm_exit_pc != 0 {
        activations.push((
            store.last_wasm_exit_pc,
            store.last_wasm_exit_fp,
            store.last_wasm_entry_fp,
        ));
    }
    for (pc, fp, entry_fp) in activations {
        // SAFETY: per the caller, each record names a live, suspended
        // activation's innermost wasm frame and its entry frame.
        unsafe { visit_activation(pc, fp, entry_fp, visit) };
    }
}

/// # Safety
///
/// `(pc, fp)` must be a live wasm frame suspended in a call, with frame
/// pointers maintained up to the entry frame `entry_fp`.
unsafe fn visit_activation(
    mut pc: usize,
    mut fp: usize,
    entry_fp: usize,
    visit: &mut dyn FnMut(*mut u64),
) {
    for _ in 0..MAX_FRAMES {
        if fp == 0 || fp == entry_fp || fp > entry_fp || !fp.is_multiple_of(8) {
            return;
        }
        if let Some(code) = lookup_code(pc) {
            if let Some(map) = code.lookup_stack_map(pc) {
                let sp = fp - map.frame_size as usize;
                for slot in &map.slots {
                    visit((sp + *slot as usize) as *mut u64);
                }
            }
        }
        // SAFETY: `fp` is a live frame record (checked against the entry
        // frame above): the saved frame pointer and the return address.
        let (next_pc, next_fp) = unsafe {
            let record = fp as *const usize;
            (record.add(1).read(), record.read())
        };
        if next_fp <= fp {
            return;
        }
        pc = next_pc;
        fp = next_fp;
    }
}
