//! `wasmtime/error.h`: errors returned by the Wasmtime API.

use crate::ffi::cstr_arg;
use crate::{wasm_frame_vec_t, wasm_name_t};
use std::ffi::{c_char, c_int};

/// An error: its message, and possibly a WASI exit status or a backtrace.
pub struct wasmtime_error_t {
    pub(crate) error: anyhow::Error,
}

impl From<anyhow::Error> for wasmtime_error_t {
    fn from(error: anyhow::Error) -> wasmtime_error_t {
        wasmtime_error_t { error }
    }
}

/// A new error with the message `message` (NUL-terminated).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_error_new(
    message: *const c_char,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: a NUL-terminated string.
    let message = unsafe { cstr_arg(message) }.unwrap_or("<invalid message>");
    Some(Box::new(anyhow::Error::msg(message.to_string()).into()))
}

/// Frees an error.
#[no_mangle]
pub extern "C" fn wasmtime_error_delete(_error: Option<Box<wasmtime_error_t>>) {}

/// Writes the error's message (with its causes) to `message`.
#[no_mangle]
pub extern "C" fn wasmtime_error_message(error: &wasmtime_error_t, message: &mut wasm_name_t) {
    message.set(error_text(&error.error).into_bytes());
}

/// Whether the error is a WASI `proc_exit`; writes its status if so.
#[no_mangle]
pub extern "C" fn wasmtime_error_exit_status(error: &wasmtime_error_t, status: &mut c_int) -> bool {
    match error.error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        Some(exit) => {
            *status = exit.0;
            true
        }
        None => false,
    }
}

/// Writes the wasm frames attached to the error (possibly none) to `out`.
#[no_mangle]
pub extern "C" fn wasmtime_error_wasm_trace(error: &wasmtime_error_t, out: &mut wasm_frame_vec_t) {
    crate::trap::error_trace(&error.error, out);
}

/// The message of `error` with its causes, laid out as Wasmtime 48 prints
/// it (`{:?}`: each cause on its own indented line, numbered when there are
/// several, every cause line ending in a newline), but never with a Rust
/// backtrace (which `anyhow` adds when `RUST_BACKTRACE` is set).
pub(crate) fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    let causes: Vec<String> = error.chain().skip(1).map(|c| c.to_string()).collect();
    if !causes.is_empty() {
        text.push_str("\n\nCaused by:\n");
        for (i, c) in causes.iter().enumerate() {
            let c = c.replace('\n', "\n    ");
            if causes.len() == 1 {
                text.push_str(&format!("    {c}\n"));
            } else {
                text.push_str(&format!("{i:>5}: {c}\n"));
            }
        }
    }
    text
}
