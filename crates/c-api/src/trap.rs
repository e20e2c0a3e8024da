//! Traps (`wasm_trap_t` of `wasm.h`, `wasmtime/trap.h`) and their frames.

use crate::{wasm_frame_vec_t, wasm_instance_t, wasm_name_t, wasm_store_t};
use std::cell::OnceCell;
use std::ffi::c_char;
use std::sync::Arc;
use wt::{Trap, WasmBacktrace};

/// A trap: an error raised while running wasm (or by a host function).
#[derive(Clone)]
pub struct wasm_trap_t {
    pub(crate) error: Arc<anyhow::Error>,
}

impl wasm_trap_t {
    pub(crate) fn new(error: anyhow::Error) -> wasm_trap_t {
        wasm_trap_t {
            error: Arc::new(error),
        }
    }
}

/// One frame of a trap's wasm backtrace.
#[derive(Clone)]
pub struct wasm_frame_t {
    trace: Arc<WasmBacktrace>,
    index: usize,
    func_name: OnceCell<Option<wasm_name_t>>,
    module_name: OnceCell<Option<wasm_name_t>>,
}

/// A trap's code (`WASMTIME_TRAP_CODE_*`).
pub type wasmtime_trap_code_t = u8;

/// The C code of `trap`: `wasmtime_trap_code_enum` numbers the traps in
/// the order of `Trap::ALL`, from 0.
fn trap_code(trap: Trap) -> wasmtime_trap_code_t {
    trap.to_u8() - 1
}

/// The trap whose C code is `code`.
fn trap_from_code(code: wasmtime_trap_code_t) -> Option<Trap> {
    Trap::from_u8(code.checked_add(1)?)
}

/// Writes the frames of the backtrace attached to `error` to `out`.
pub(crate) fn error_trace(error: &anyhow::Error, out: &mut wasm_frame_vec_t) {
    let frames = match error.downcast_ref::<WasmBacktrace>() {
        Some(trace) => {
            let trace = Arc::new(trace.clone());
            (0..trace.frames().len())
                .map(|index| Some(Box::new(wasm_frame_t::new(trace.clone(), index))))
                .collect()
        }
        None => Vec::new(),
    };
    out.set(frames);
}

impl Drop for wasm_frame_t {
    fn drop(&mut self) {
        // The cached names are C vectors, which do not free themselves.
        for name in [self.func_name.get_mut(), self.module_name.get_mut()] {
            if let Some(Some(name)) = name {
                drop(name.take());
            }
        }
    }
}

impl wasm_frame_t {
    fn new(trace: Arc<WasmBacktrace>, index: usize) -> wasm_frame_t {
        wasm_frame_t {
            trace,
            index,
            func_name: OnceCell::new(),
            module_name: OnceCell::new(),
        }
    }

    fn info(&self) -> &wt::FrameInfo {
        &self.trace.frames()[self.index]
    }
}

/// A trap with `message` (a `wasm.h` message: a trailing NUL is dropped).
#[no_mangle]
pub extern "C" fn wasm_trap_new(_store: &wasm_store_t, message: &wasm_name_t) -> Box<wasm_trap_t> {
    let mut bytes = message.as_slice();
    if let [rest @ .., 0] = bytes {
        bytes = rest;
    }
    let message = String::from_utf8_lossy(bytes).into_owned();
    Box::new(wasm_trap_t::new(anyhow::Error::msg(message)))
}

/// A trap with the `len`-byte message at `message`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_trap_new(message: *const c_char, len: usize) -> Box<wasm_trap_t> {
    // SAFETY: C contract: `len` bytes at `message`.
    let bytes = unsafe { crate::ffi::slice(message.cast::<u8>(), len) };
    let message = String::from_utf8_lossy(bytes).into_owned();
    Box::new(wasm_trap_t::new(anyhow::Error::msg(message)))
}

/// A trap of kind `code`.
#[no_mangle]
pub extern "C" fn wasmtime_trap_new_code(code: wasmtime_trap_code_t) -> Box<wasm_trap_t> {
    let error = match trap_from_code(code) {
        Some(trap) => anyhow::Error::new(trap),
        None => anyhow::anyhow!("trap code {code} is not supported by this runtime"),
    };
    Box::new(wasm_trap_t::new(error))
}

/// Writes the trap's message, NUL-terminated as `wasm.h` messages are.
#[no_mangle]
pub extern "C" fn wasm_trap_message(trap: &wasm_trap_t, out: &mut wasm_name_t) {
    let mut bytes = crate::error::error_text(&trap.error).into_bytes();
    bytes.push(0);
    out.set(bytes);
}

/// The innermost wasm frame of the trap, or NULL.
#[no_mangle]
pub extern "C" fn wasm_trap_origin(trap: &wasm_trap_t) -> Option<Box<wasm_frame_t>> {
    let trace = trap.error.downcast_ref::<WasmBacktrace>()?;
    if trace.frames().is_empty() {
        return None;
    }
    Some(Box::new(wasm_frame_t::new(Arc::new(trace.clone()), 0)))
}

/// Writes the trap's wasm frames, innermost first.
#[no_mangle]
pub extern "C" fn wasm_trap_trace(trap: &wasm_trap_t, out: &mut wasm_frame_vec_t) {
    error_trace(&trap.error, out);
}

/// Whether the trap is one of the runtime's own; writes its code if so.
#[no_mangle]
pub extern "C" fn wasmtime_trap_code(trap: &wasm_trap_t, code: &mut wasmtime_trap_code_t) -> bool {
    match trap.error.downcast_ref::<Trap>() {
        Some(t) => {
            *code = trap_code(*t);
            true
        }
        None => false,
    }
}

/// Frees a frame.
#[no_mangle]
pub extern "C" fn wasm_frame_delete(_frame: Option<Box<wasm_frame_t>>) {}

/// A copy of a frame.
#[no_mangle]
pub extern "C" fn wasm_frame_copy(frame: &wasm_frame_t) -> Box<wasm_frame_t> {
    Box::new(frame.clone())
}

/// The instance of a frame: not tracked by this runtime (NULL).
#[no_mangle]
pub extern "C" fn wasm_frame_instance(_frame: &wasm_frame_t) -> Option<&wasm_instance_t> {
    None
}

/// The index of the frame's function in its module.
#[no_mangle]
pub extern "C" fn wasm_frame_func_index(frame: &wasm_frame_t) -> u32 {
    frame.info().func_index()
}

/// The frame's offset from the start of its function's body (or `SIZE_MAX`).
#[no_mangle]
pub extern "C" fn wasm_frame_func_offset(frame: &wasm_frame_t) -> usize {
    frame.info().func_offset().unwrap_or(usize::MAX)
}

/// The frame's offset in the module's bytes (or `SIZE_MAX`).
#[no_mangle]
pub extern "C" fn wasm_frame_module_offset(frame: &wasm_frame_t) -> usize {
    frame.info().module_offset().unwrap_or(usize::MAX)
}

/// The frame's function name from the name section, or NULL.
#[no_mangle]
pub extern "C" fn wasmtime_frame_func_name(frame: &wasm_frame_t) -> Option<&wasm_name_t> {
    frame
        .func_name
        .get_or_init(|| {
            frame
                .info()
                .func_name()
                .map(|n| wasm_name_t::from_bytes(n.as_bytes()))
        })
        .as_ref()
}

/// The frame's module name, or NULL.
#[no_mangle]
pub extern "C" fn wasmtime_frame_module_name(frame: &wasm_frame_t) -> Option<&wasm_name_t> {
    frame
        .module_name
        .get_or_init(|| {
            frame
                .info()
                .module()
                .name()
                .map(|n| wasm_name_t::from_bytes(n.as_bytes()))
        })
        .as_ref()
}

/// Frees a trap.
#[no_mangle]
pub extern "C" fn wasm_trap_delete(_trap: Option<Box<wasm_trap_t>>) {}

/// A copy of a trap.
#[no_mangle]
pub extern "C" fn wasm_trap_copy(trap: &wasm_trap_t) -> Box<wasm_trap_t> {
    Box::new(trap.clone())
}
