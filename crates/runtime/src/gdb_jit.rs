//! Registration of in-memory object files with GDB's JIT interface, so
//! that a debugger attached to the process sees compiled wasm code as a
//! loaded library with symbols and DWARF (`Config::debug_info`).
//!
//! The interface is a doubly linked list of entries hung off the global
//! `__jit_debug_descriptor` (defined in `gdb_jit.c`); after each change the
//! JIT calls `__jit_debug_register_code`, where the debugger has a
//! breakpoint and reads the entry named by `relevant_entry`. The list is
//! changed only under [`LOCK`].

use std::ptr;
use std::sync::Mutex;

#[repr(C)]
struct JitCodeEntry {
    next_entry: *mut JitCodeEntry,
    prev_entry: *mut JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

#[repr(C)]
struct JitDescriptor {
    version: u32,
    action_flag: u32,
    relevant_entry: *mut JitCodeEntry,
    first_entry: *mut JitCodeEntry,
}

const JIT_REGISTER_FN: u32 = 1;
const JIT_UNREGISTER_FN: u32 = 2;

unsafe extern "C" {
    fn wasmtime_ours_jit_debug_descriptor() -> *mut JitDescriptor;
    fn wasmtime_ours_jit_debug_register_code();
}

/// Serializes every change of the process-wide list.
static LOCK: Mutex<()> = Mutex::new(());

/// An object image registered with the debugger; dropping it unregisters
/// the image (before the code it describes is unmapped, as long as it is
/// dropped first).
pub struct GdbJitImageRegistration {
    entry: *mut JitCodeEntry,
    image: Box<[u8]>,
}

// SAFETY: the entry is only read or changed while `LOCK` is held, and the
// image bytes are never changed after registration.
unsafe impl Send for GdbJitImageRegistration {}
// SAFETY: as above; `&self` gives access to nothing but the image bytes.
unsafe impl Sync for GdbJitImageRegistration {}

impl GdbJitImageRegistration {
    /// Adds `image` (an ELF file) to the debugger's list and notifies it.
    pub fn register(image: Vec<u8>) -> GdbJitImageRegistration {
        let image = image.into_boxed_slice();
        let entry = Box::into_raw(Box::new(JitCodeEntry {
            next_entry: ptr::null_mut(),
            prev_entry: ptr::null_mut(),
            symfile_addr: image.as_ptr(),
            symfile_size: image.len() as u64,
        }));
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the descriptor is a valid static; under `LOCK` nothing
        // else in this process changes the list, `entry` is a fresh
        // allocation, and the old first entry (if any) is a live entry of
        // the list.
        unsafe {
            let desc = wasmtime_ours_jit_debug_descriptor();
            let first = (*desc).first_entry;
            (*entry).next_entry = first;
            if !first.is_null() {
                (*first).prev_entry = entry;
            }
            (*desc).first_entry = entry;
            (*desc).relevant_entry = entry;
            (*desc).action_flag = JIT_REGISTER_FN;
            wasmtime_ours_jit_debug_register_code();
            (*desc).action_flag = 0;
            (*desc).relevant_entry = ptr::null_mut();
        }
        GdbJitImageRegistration { entry, image }
    }

    /// The registered image.
    pub fn image(&self) -> &[u8] {
        &self.image
    }
}

impl Drop for GdbJitImageRegistration {
    fn drop(&mut self) {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: `self.entry` was linked in by `register` and is still in
        // the list (only this drop removes it); its neighbours are live
        // entries; under `LOCK` nothing else changes the list. After
        // unlinking, the entry is freed exactly once.
        unsafe {
            let desc = wasmtime_ours_jit_debug_descriptor();
            let entry = self.entry;
            let prev = (*entry).prev_entry;
            let next = (*entry).next_entry;
            if prev.is_null() {
                (*desc).first_entry = next;
            } else {
                (*prev).next_entry = next;
            }
            if !next.is_null() {
                (*next).prev_entry = prev;
            }
            (*desc).relevant_entry = entry;
            (*desc).action_flag = JIT_UNREGISTER_FN;
            wasmtime_ours_jit_debug_register_code();
            (*desc).action_flag = 0;
            (*desc).relevant_entry = ptr::null_mut();
            drop(Box::from_raw(entry));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_link_and_unlink() {
        let a = GdbJitImageRegistration::register(vec![1, 2, 3]);
        let b = GdbJitImageRegistration::register(vec![4]);
        let first = || {
            let _guard = LOCK.lock().unwrap();
            // SAFETY: reading the list under `LOCK`.
            unsafe { (*wasmtime_ours_jit_debug_descriptor()).first_entry }
        };
        assert_eq!(first(), b.entry);
        drop(b);
        assert_eq!(first(), a.entry);
        assert_eq!(a.image(), &[1, 2, 3]);
        drop(a);
        assert!(first().is_null());
    }
}
