//! Helpers shared by the entry points: reading C buffers and strings,
//! finalizers of foreign data, and turning results into `wasmtime_error_t`.

use crate::wasmtime_error_t;
use anyhow::{anyhow, Result};
use std::ffi::{c_char, c_void, CStr};

/// The `len` elements at `ptr`; `ptr` may be null when `len` is 0.
///
/// # Safety
///
/// Unless `len` is 0, `ptr` points at `len` initialized elements that stay
/// valid and unchanged for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// The `len` elements at `ptr`, writable; `ptr` may be null when `len` is 0.
///
/// # Safety
///
/// As [`slice`], and nothing else accesses the elements during `'a`.
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 || ptr.is_null() {
        &mut []
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts_mut(ptr, len) }
    }
}

/// A UTF-8 string given as pointer and length.
///
/// # Safety
///
/// As [`slice`].
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, len: usize) -> Result<&'a str> {
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { slice(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|_| anyhow!("string is not valid UTF-8"))
}

/// A NUL-terminated UTF-8 string.
///
/// # Safety
///
/// `ptr` is null or points at a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn cstr_arg<'a>(ptr: *const c_char) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(anyhow!("unexpected null string"));
    }
    // SAFETY: guaranteed by the caller.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str().map_err(|_| anyhow!("string is not valid UTF-8"))
}

/// `NULL` on success (after handing the value to `ok`), or the error.
pub(crate) fn handle_result<T>(
    result: Result<T>,
    ok: impl FnOnce(T),
) -> Option<Box<wasmtime_error_t>> {
    match result {
        Ok(value) => {
            ok(value);
            None
        }
        Err(error) => Some(Box::new(wasmtime_error_t::from(error))),
    }
}

/// A C finalizer.
pub(crate) type Finalizer = Option<unsafe extern "C" fn(*mut c_void)>;

/// A C pointer with its optional finalizer, run when this is dropped.
pub(crate) struct ForeignData {
    /// The pointer handed to callbacks.
    pub(crate) data: *mut c_void,
    /// Called with `data` on drop.
    pub(crate) finalizer: Finalizer,
}

// SAFETY: the C API requires data and finalizers handed to it to be usable
// from any thread (stores and engines may move between threads).
unsafe impl Send for ForeignData {}
// SAFETY: as above.
unsafe impl Sync for ForeignData {}

impl ForeignData {
    /// The pointer. Closures call this (instead of reading the field) so
    /// that they capture the whole `ForeignData`, finalizer included.
    pub(crate) fn ptr(&self) -> *mut c_void {
        self.data
    }
}

impl Drop for ForeignData {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            // SAFETY: the C caller registered this finalizer for `data`; it
            // runs once.
            unsafe { finalizer(self.data) };
        }
    }
}

/// Writes `value` to `out` when `out` is not null.
///
/// # Safety
///
/// `out` is null or valid for writes.
pub(crate) unsafe fn write_opt<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: guaranteed by the caller.
        unsafe { out.write(value) };
    }
}
