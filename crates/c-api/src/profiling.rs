//! `wasmtime/profiling.h`: the guest profiler (`wt::GuestProfiler`), which
//! samples a store's wasm stack and writes a Firefox Profiler JSON file.

use crate::{
    wasm_byte_vec_t, wasm_engine_t, wasm_name_t, wasmtime_error_t, wasmtime_module_t,
    wasmtime_store_t,
};
use std::time::Duration;
use wt::GuestProfiler;

/// A guest profiler.
pub struct wasmtime_guestprofiler_t {
    profiler: GuestProfiler,
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

/// The UTF-8 text of `name`, if it is valid UTF-8.
fn name_str(name: &wasm_name_t) -> Option<&str> {
    std::str::from_utf8(name.as_slice()).ok()
}

/// A profiler named `module_name` sampling about every `interval_nanos`,
/// attributing frames to `modules`. NULL (where Wasmtime panics) for a
/// name that is not UTF-8, a NULL entry, or a module of another engine.
///
/// # Safety
///
/// `modules` points to `modules_len` entries (or `modules_len` is 0).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_guestprofiler_new(
    engine: &wasm_engine_t,
    module_name: &wasm_name_t,
    interval_nanos: u64,
    modules: *const wasmtime_guestprofiler_modules_t,
    modules_len: usize,
) -> Option<Box<wasmtime_guestprofiler_t>> {
    let entries = if modules_len == 0 || modules.is_null() {
        &[][..]
    } else {
        // SAFETY: the caller passes `modules_len` readable entries.
        unsafe { std::slice::from_raw_parts(modules, modules_len) }
    };
    let mut list = Vec::with_capacity(entries.len());
    for entry in entries {
        // SAFETY: each entry's pointers are NULL or valid (C contract).
        let (name, module) = unsafe { (entry.name.as_ref()?, entry.r#mod.as_ref()?) };
        if !wt::Engine::same(module.module.engine(), &engine.engine) {
            return None;
        }
        list.push((name_str(name)?.to_owned(), module.module.clone()));
    }
    let profiler = GuestProfiler::new(
        &engine.engine,
        name_str(module_name)?,
        Duration::from_nanos(interval_nanos),
        list,
    )
    .ok()?;
    Some(Box::new(wasmtime_guestprofiler_t { profiler }))
}

/// Records the store's current wasm stack, `delta_nanos` of CPU time
/// after the previous sample.
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_sample(
    p: &mut wasmtime_guestprofiler_t,
    store: &wasmtime_store_t,
    delta_nanos: u64,
) {
    p.profiler
        .sample(&store.store, Duration::from_nanos(delta_nanos));
}

/// Ends the profile (freeing the profiler) and writes its JSON to `out`.
#[no_mangle]
pub extern "C" fn wasmtime_guestprofiler_finish(
    p: Box<wasmtime_guestprofiler_t>,
    out: &mut wasm_byte_vec_t,
) -> Option<Box<wasmtime_error_t>> {
    let mut json = Vec::new();
    crate::ffi::handle_result(p.profiler.finish(&mut json), |()| out.set(json))
}
