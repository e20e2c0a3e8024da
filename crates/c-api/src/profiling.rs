//! `wasmtime/profiling.h`: the guest profiler, which this runtime does not
//! have; the functions exist and fail cleanly.

use crate::{
    wasm_byte_vec_t, wasm_engine_t, wasm_name_t, wasmtime_error_t, wasmtime_module_t,
    wasmtime_store_t,
};

/// A guest profiler (never created here).
pub struct wasmtime_guestprofiler_t {
    _private: (),
}

/// A module given to the profiler with its name.
#[repr(C)]
pub struct wasmtime_guestprofiler_modules_t {
    /// The module's name.
    pub name: *const wasm_name_t,
    /// The module.
    pub r#mod: *const wasmtime_module_t,
}

/// Frees a profiler.
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_delete(_p: Option<Box<wasmtime_guestprofiler_t>>) {}

/// Not supported: NULL.
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_new(
    _engine: &wasm_engine_t,
    _module_name: &wasm_name_t,
    _interval_nanos: u64,
    _modules: *const wasmtime_guestprofiler_modules_t,
    _modules_len: usize,
) -> Option<Box<wasmtime_guestprofiler_t>> {
    None
}

/// Not supported: does nothing.
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_sample(
    _p: &mut wasmtime_guestprofiler_t,
    _store: &wasmtime_store_t,
    _delta_nanos: u64,
) {
}

/// Not supported: an error (and `out` is left untouched).
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_finish(
    _p: Box<wasmtime_guestprofiler_t>,
    _out: &mut wasm_byte_vec_t,
) -> Option<Box<wasmtime_error_t>> {
    Some(Box::new(
        anyhow::anyhow!("the guest profiler is not supported by this runtime").into(),
    ))
}
