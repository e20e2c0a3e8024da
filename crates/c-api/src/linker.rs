//! Linkers (`wasmtime/linker.h`): names for imports, WASI, instantiation.

use crate::ffi::{handle_result, str_arg, Finalizer, ForeignData};
use crate::func::{
    checked_host, unchecked_host, wasmtime_func_callback_t, wasmtime_func_unchecked_callback_t,
};
use crate::instance::instantiated;
use crate::{
    wasm_engine_t, wasm_functype_t, wasm_trap_t, wasmtime_context_t, wasmtime_error_t,
    wasmtime_extern_t, wasmtime_func_t, wasmtime_instance_pre_t, wasmtime_instance_t,
    wasmtime_module_t, StoreData,
};
use std::ffi::{c_char, c_void};
use wt::Linker;

/// A set of named definitions used to satisfy imports.
#[derive(Clone)]
pub struct wasmtime_linker_t {
    pub(crate) linker: Linker<StoreData>,
}

/// A new, empty linker.
#[no_mangle]
pub extern "C" fn wasmtime_linker_new(engine: &wasm_engine_t) -> Box<wasmtime_linker_t> {
    Box::new(wasmtime_linker_t {
        linker: Linker::new(&engine.engine),
    })
}

/// A copy of a linker.
#[no_mangle]
pub extern "C" fn wasmtime_linker_clone(linker: &wasmtime_linker_t) -> Box<wasmtime_linker_t> {
    Box::new(linker.clone())
}

/// Frees a linker.
#[no_mangle]
pub extern "C" fn wasmtime_linker_delete(_linker: Option<Box<wasmtime_linker_t>>) {}

/// Whether a later definition may replace an earlier one of the same name.
#[no_mangle]
pub extern "C" fn wasmtime_linker_allow_shadowing(linker: &mut wasmtime_linker_t, allow: bool) {
    linker.linker.allow_shadowing(allow);
}

/// Defines every unresolved function import of `module` as a trapping stub.
#[no_mangle]
pub extern "C" fn wasmtime_linker_define_unknown_imports_as_traps(
    linker: &mut wasmtime_linker_t,
    module: &wasmtime_module_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        linker
            .linker
            .define_unknown_imports_as_traps(&module.module),
        |()| {},
    )
}

/// Defines every unresolved import of `module` as a default value.
#[no_mangle]
pub extern "C" fn wasmtime_linker_define_unknown_imports_as_default_values(
    linker: &mut wasmtime_linker_t,
    mut cx: wasmtime_context_t<'_>,
    module: &wasmtime_module_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        linker
            .linker
            .define_unknown_imports_as_default_values(&mut cx, &module.module),
        |()| {},
    )
}

/// Two names given as pointer and length.
unsafe fn names<'a>(
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
) -> anyhow::Result<(&'a str, &'a str)> {
    // SAFETY: C contract: the lengths match the buffers.
    unsafe { Ok((str_arg(module, module_len)?, str_arg(name, name_len)?)) }
}

/// Defines `module::name` as `item`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define(
    linker: &mut wasmtime_linker_t,
    mut cx: wasmtime_context_t<'_>,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    item: &wasmtime_extern_t,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: the lengths match the buffers.
    let result = unsafe { names(module, module_len, name, name_len) }.and_then(|(m, n)| {
        let item = item.to_extern()?;
        linker.linker.define(&mut cx, m, n, item).map(|_| ())
    });
    handle_result(result, |()| {})
}

/// Defines `module::name` as a host function of type `ty`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define_func(
    linker: &mut wasmtime_linker_t,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: &wasm_functype_t,
    cb: wasmtime_func_callback_t,
    data: *mut c_void,
    finalizer: Finalizer,
) -> Option<Box<wasmtime_error_t>> {
    let env = ForeignData { data, finalizer };
    // SAFETY: C contract: the lengths match the buffers.
    let result = unsafe { names(module, module_len, name, name_len) }.and_then(|(m, n)| {
        let fty = ty.inner().func_type(linker.linker.engine());
        linker
            .linker
            .func_new(m, n, fty, checked_host(cb, env))
            .map(|_| ())
    });
    handle_result(result, |()| {})
}

/// Defines `module::name` as a host function with raw-slot arguments.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define_func_unchecked(
    linker: &mut wasmtime_linker_t,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: &wasm_functype_t,
    cb: wasmtime_func_unchecked_callback_t,
    data: *mut c_void,
    finalizer: Finalizer,
) -> Option<Box<wasmtime_error_t>> {
    let env = ForeignData { data, finalizer };
    // SAFETY: C contract: the lengths match the buffers.
    let result = unsafe { names(module, module_len, name, name_len) }.and_then(|(m, n)| {
        let fty = ty.inner().func_type(linker.linker.engine());
        let results = ty.inner().results.clone();
        linker
            .linker
            .func_new(m, n, fty, unchecked_host(cb, env, results))
            .map(|_| ())
    });
    handle_result(result, |()| {})
}

/// Defines the WASI preview 1 functions; they use the store's WASI state
/// (`wasmtime_context_set_wasi`; a store without one gets an empty one).
#[no_mangle]
pub extern "C" fn wasmtime_linker_define_wasi(
    linker: &mut wasmtime_linker_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = wasmtime_wasi::p1::add_to_linker_sync(&mut linker.linker, |d: &mut StoreData| {
        d.wasi
            .get_or_insert_with(|| wasmtime_wasi::WasiCtxBuilder::new().build_p1())
    });
    handle_result(result, |()| {})
}

/// Defines every export of `instance` under the module name `name`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define_instance(
    linker: &mut wasmtime_linker_t,
    mut cx: wasmtime_context_t<'_>,
    name: *const c_char,
    name_len: usize,
    instance: &wasmtime_instance_t,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result = unsafe { str_arg(name, name_len) }.and_then(|n| {
        linker
            .linker
            .instance(&mut cx, n, instance.to_instance())
            .map(|_| ())
    });
    handle_result(result, |()| {})
}

/// Instantiates `module` with the linker's definitions.
#[no_mangle]
pub extern "C" fn wasmtime_linker_instantiate(
    linker: &wasmtime_linker_t,
    mut cx: wasmtime_context_t<'_>,
    module: &wasmtime_module_t,
    instance: &mut wasmtime_instance_t,
    trap: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    instantiated(
        linker.linker.instantiate(&mut cx, &module.module),
        instance,
        trap,
    )
}

/// Defines the exports of `module` under `name` (commands are instantiated
/// afresh for each call of an export).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_module(
    linker: &mut wasmtime_linker_t,
    mut cx: wasmtime_context_t<'_>,
    name: *const c_char,
    name_len: usize,
    module: &wasmtime_module_t,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result = unsafe { str_arg(name, name_len) }
        .and_then(|n| linker.linker.module(&mut cx, n, &module.module).map(|_| ()));
    handle_result(result, |()| {})
}

/// The default export (`""` or `_start`) of the module named `name`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_get_default(
    linker: &wasmtime_linker_t,
    mut cx: wasmtime_context_t<'_>,
    name: *const c_char,
    name_len: usize,
    func: &mut wasmtime_func_t,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result =
        unsafe { str_arg(name, name_len) }.and_then(|n| linker.linker.get_default(&mut cx, n));
    handle_result(result, |f| *func = wasmtime_func_t::from_func(&f))
}

/// Looks up `module::name`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_get(
    linker: &wasmtime_linker_t,
    mut cx: wasmtime_context_t<'_>,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    item: &mut std::mem::MaybeUninit<wasmtime_extern_t>,
) -> bool {
    // SAFETY: C contract: the lengths match the buffers.
    let Ok((m, n)) = (unsafe { names(module, module_len, name, name_len) }) else {
        return false;
    };
    match linker.linker.get(&mut cx, m, n) {
        Some(e) => {
            item.write(wasmtime_extern_t::from_extern(e));
            true
        }
        None => false,
    }
}

/// Resolves the imports of `module` once, for fast instantiation later.
#[no_mangle]
pub extern "C" fn wasmtime_linker_instantiate_pre(
    linker: &wasmtime_linker_t,
    module: &wasmtime_module_t,
    instance_pre: &mut std::mem::MaybeUninit<Option<Box<wasmtime_instance_pre_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(linker.linker.instantiate_pre(&module.module), |pre| {
        instance_pre.write(Some(Box::new(wasmtime_instance_pre_t { pre })));
    })
}
