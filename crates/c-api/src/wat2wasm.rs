//! `wasmtime/wat.h`: the text format to binary.

use crate::ffi::{handle_result, str_arg};
use crate::{wasm_byte_vec_t, wasmtime_error_t};
use std::ffi::c_char;

/// Converts the `wat_len` bytes of text at `wat` to a binary module.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_wat2wasm(
    wat: *const c_char,
    wat_len: usize,
    ret: &mut wasm_byte_vec_t,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `wat_len` bytes at `wat`.
    let result = unsafe { str_arg(wat, wat_len) }.and_then(|text| Ok(wat::parse_str(text)?));
    handle_result(result, |bytes| ret.set(bytes))
}
