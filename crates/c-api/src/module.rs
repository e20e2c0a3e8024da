//! Modules: `wasm_module_t` and shared modules (`wasm.h`) and
//! `wasmtime/module.h`.

use crate::ffi::{cstr_arg, handle_result, slice};
use crate::{
    wasm_byte_vec_t, wasm_engine_t, wasm_exporttype_t, wasm_exporttype_vec_t, wasm_importtype_t,
    wasm_importtype_vec_t, wasm_store_t, wasmtime_error_t,
};
use std::ffi::{c_char, c_void};
use wt::Module;

/// A compiled module, `wasm.h` style.
#[derive(Clone)]
pub struct wasm_module_t {
    pub(crate) module: Module,
}

/// A module that may be sent to another thread and obtained in a store there.
pub struct wasm_shared_module_t {
    module: Module,
}

/// A compiled module, `wasmtime.h` style.
#[derive(Clone)]
pub struct wasmtime_module_t {
    pub(crate) module: Module,
}

fn imports_of(module: &Module, out: &mut wasm_importtype_vec_t) {
    out.set(
        module
            .imports()
            .map(|i| {
                Some(Box::new(wasm_importtype_t::new(
                    i.module(),
                    i.name(),
                    &i.ty(),
                )))
            })
            .collect(),
    );
}

fn exports_of(module: &Module, out: &mut wasm_exporttype_vec_t) {
    out.set(
        module
            .exports()
            .map(|e| Some(Box::new(wasm_exporttype_t::new(e.name(), &e.ty()))))
            .collect(),
    );
}

/// Compiles `binary` (or text, when the `wat` feature is on), NULL on error.
#[no_mangle]
pub extern "C" fn wasm_module_new(
    store: &wasm_store_t,
    binary: &wasm_byte_vec_t,
) -> Option<Box<wasm_module_t>> {
    let cx = store.store.context();
    let module = Module::from_binary(cx.engine(), binary.as_slice()).ok()?;
    Some(Box::new(wasm_module_t { module }))
}

/// Whether `binary` is a valid module.
#[no_mangle]
pub extern "C" fn wasm_module_validate(store: &wasm_store_t, binary: &wasm_byte_vec_t) -> bool {
    let cx = store.store.context();
    Module::validate(cx.engine(), binary.as_slice()).is_ok()
}

/// Frees a module handle.
#[no_mangle]
pub extern "C" fn wasm_module_delete(_m: Option<Box<wasm_module_t>>) {}

/// Another handle to the same module.
#[no_mangle]
pub extern "C" fn wasm_module_copy(m: &wasm_module_t) -> Box<wasm_module_t> {
    Box::new(m.clone())
}

/// Writes the module's imports.
#[no_mangle]
pub extern "C" fn wasm_module_imports(m: &wasm_module_t, out: &mut wasm_importtype_vec_t) {
    imports_of(&m.module, out);
}

/// Writes the module's exports.
#[no_mangle]
pub extern "C" fn wasm_module_exports(m: &wasm_module_t, out: &mut wasm_exporttype_vec_t) {
    exports_of(&m.module, out);
}

/// Writes the module's precompiled form (empty on error).
#[no_mangle]
pub extern "C" fn wasm_module_serialize(m: &wasm_module_t, out: &mut wasm_byte_vec_t) {
    out.set(m.module.serialize().unwrap_or_default());
}

/// Loads a module precompiled by `wasm_module_serialize`, NULL on error.
#[no_mangle]
pub extern "C" fn wasm_module_deserialize(
    store: &wasm_store_t,
    bytes: &wasm_byte_vec_t,
) -> Option<Box<wasm_module_t>> {
    let cx = store.store.context();
    // SAFETY: the C API trusts precompiled bytes as Wasmtime's does; the
    // artifact format is still checked for version, settings and damage.
    let module = unsafe { Module::deserialize(cx.engine(), bytes.as_slice()) }.ok()?;
    Some(Box::new(wasm_module_t { module }))
}

/// A shareable handle to the module.
#[no_mangle]
pub extern "C" fn wasm_module_share(m: &wasm_module_t) -> Box<wasm_shared_module_t> {
    Box::new(wasm_shared_module_t {
        module: m.module.clone(),
    })
}

/// The shared module as a module usable with `store` (NULL if it was
/// compiled by another engine).
#[no_mangle]
pub extern "C" fn wasm_module_obtain(
    store: &wasm_store_t,
    shared: &wasm_shared_module_t,
) -> Option<Box<wasm_module_t>> {
    let cx = store.store.context();
    if !wt::Engine::same(cx.engine(), shared.module.engine()) {
        return None;
    }
    Some(Box::new(wasm_module_t {
        module: shared.module.clone(),
    }))
}

/// Frees a shared module handle.
#[no_mangle]
pub extern "C" fn wasm_shared_module_delete(_m: Option<Box<wasm_shared_module_t>>) {}

fn new_module(engine: &wasm_engine_t, bytes: &[u8]) -> anyhow::Result<Module> {
    Module::new(&engine.engine, bytes)
}

/// Compiles the `wasm_len` bytes at `wasm` (binary, or text with `wat`).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_new(
    engine: &wasm_engine_t,
    wasm: *const u8,
    wasm_len: usize,
    ret: &mut std::mem::MaybeUninit<Option<Box<wasmtime_module_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `wasm_len` bytes at `wasm`.
    let bytes = unsafe { slice(wasm, wasm_len) };
    handle_result(new_module(engine, bytes), |module| {
        ret.write(Some(Box::new(wasmtime_module_t { module })));
    })
}

/// Frees a module handle.
#[no_mangle]
pub extern "C" fn wasmtime_module_delete(_m: Option<Box<wasmtime_module_t>>) {}

/// Another handle to the same module.
#[no_mangle]
pub extern "C" fn wasmtime_module_clone(m: &wasmtime_module_t) -> Box<wasmtime_module_t> {
    Box::new(m.clone())
}

/// Writes the module's imports.
#[no_mangle]
pub extern "C" fn wasmtime_module_imports(m: &wasmtime_module_t, out: &mut wasm_importtype_vec_t) {
    imports_of(&m.module, out);
}

/// Writes the module's exports.
#[no_mangle]
pub extern "C" fn wasmtime_module_exports(m: &wasmtime_module_t, out: &mut wasm_exporttype_vec_t) {
    exports_of(&m.module, out);
}

/// Checks that the `wasm_len` bytes at `wasm` are a valid module.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_validate(
    engine: &wasm_engine_t,
    wasm: *const u8,
    wasm_len: usize,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `wasm_len` bytes at `wasm`.
    let bytes = unsafe { slice(wasm, wasm_len) };
    handle_result(Module::validate(&engine.engine, bytes), |()| {})
}

/// Writes the module's precompiled form.
#[no_mangle]
pub extern "C" fn wasmtime_module_serialize(
    m: &wasmtime_module_t,
    ret: &mut wasm_byte_vec_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(m.module.serialize(), |bytes| ret.set(bytes))
}

/// Loads a module from precompiled bytes (trusted, as in Wasmtime).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_deserialize(
    engine: &wasm_engine_t,
    bytes: *const u8,
    bytes_len: usize,
    ret: &mut std::mem::MaybeUninit<Option<Box<wasmtime_module_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `bytes_len` bytes at `bytes`.
    let bytes = unsafe { slice(bytes, bytes_len) };
    // SAFETY: precompiled bytes are trusted by this API (the artifact is
    // still checked for version, settings and damage).
    let result = unsafe { Module::deserialize(&engine.engine, bytes) };
    handle_result(result, |module| {
        ret.write(Some(Box::new(wasmtime_module_t { module })));
    })
}

/// Loads a module from a precompiled file (trusted, as in Wasmtime).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_deserialize_file(
    engine: &wasm_engine_t,
    path: *const c_char,
    ret: &mut std::mem::MaybeUninit<Option<Box<wasmtime_module_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: a NUL-terminated path.
    let result = unsafe { cstr_arg(path) }.and_then(|p| {
        // SAFETY: as in `wasmtime_module_deserialize`.
        unsafe { Module::deserialize_file(&engine.engine, p) }
    });
    handle_result(result, |module| {
        ret.write(Some(Box::new(wasmtime_module_t { module })));
    })
}

/// The address range of the module's code image: not exposed by this
/// runtime, so both are NULL.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_module_image_range(
    _m: &wasmtime_module_t,
    start: *mut *mut c_void,
    end: *mut *mut c_void,
) {
    // SAFETY: C contract: `start`/`end` are writable or null.
    unsafe {
        crate::ffi::write_opt(start, std::ptr::null_mut());
        crate::ffi::write_opt(end, std::ptr::null_mut());
    }
}
