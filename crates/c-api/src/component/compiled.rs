//! `wasmtime/component/component.h`, `instance.h` and `func.h`: compiled
//! components, export indices, instances and calls of their functions.

use super::types::wasmtime_component_func_type_t;
use super::val::wasmtime_component_val_t;
use crate::ffi::{cstr_arg, handle_result, slice, slice_mut, str_arg};
use crate::{wasm_byte_vec_t, wasm_engine_t, wasmtime_context_t, wasmtime_error_t};
use anyhow::Result;
use std::ffi::c_char;
use wt::component::{Component, ComponentExportIndex, Func, Instance, Val};

/// A compiled component.
#[derive(Clone)]
pub struct wasmtime_component_t {
    pub(crate) component: Component,
}

/// Compiles the component in the `len` bytes at `buf`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_new(
    engine: &wasm_engine_t,
    buf: *const u8,
    len: usize,
    component_out: &mut std::mem::MaybeUninit<Option<Box<wasmtime_component_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `len` bytes at `buf`.
    let bytes = unsafe { slice(buf, len) };
    handle_result(Component::new(&engine.engine, bytes), |component| {
        component_out.write(Some(Box::new(wasmtime_component_t { component })));
    })
}

/// Writes the component's precompiled form to `ret`.
#[no_mangle]
pub extern "C" fn wasmtime_component_serialize(
    component: &wasmtime_component_t,
    ret: &mut wasm_byte_vec_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(component.component.serialize(), |bytes| ret.set(bytes))
}

/// Loads a component from precompiled bytes (trusted, as in Wasmtime).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_deserialize(
    engine: &wasm_engine_t,
    buf: *const u8,
    len: usize,
    component_out: &mut std::mem::MaybeUninit<Option<Box<wasmtime_component_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `len` bytes at `buf`.
    let bytes = unsafe { slice(buf, len) };
    // SAFETY: precompiled bytes are trusted by this API (the artifact is
    // still checked for version, settings and damage).
    let result = unsafe { Component::deserialize(&engine.engine, bytes) };
    handle_result(result, |component| {
        component_out.write(Some(Box::new(wasmtime_component_t { component })));
    })
}

/// Loads a component from a precompiled file (trusted, as in Wasmtime).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_deserialize_file(
    engine: &wasm_engine_t,
    path: *const c_char,
    component_out: &mut std::mem::MaybeUninit<Option<Box<wasmtime_component_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: a NUL-terminated path.
    let result = unsafe { cstr_arg(path) }.and_then(|p| {
        // SAFETY: as in `wasmtime_component_deserialize`.
        unsafe { Component::deserialize_file(&engine.engine, p) }
    });
    handle_result(result, |component| {
        component_out.write(Some(Box::new(wasmtime_component_t { component })));
    })
}

/// Another handle to the same component.
#[no_mangle]
pub extern "C" fn wasmtime_component_clone(
    component: &wasmtime_component_t,
) -> Box<wasmtime_component_t> {
    Box::new(component.clone())
}

/// Frees a component handle.
#[no_mangle]
pub extern "C" fn wasmtime_component_delete(_component: Option<Box<wasmtime_component_t>>) {}

/// The index of an export, valid for every instance of its component.
#[derive(Clone)]
pub struct wasmtime_component_export_index_t {
    pub(crate) index: ComponentExportIndex,
}

fn boxed_index(index: Option<ComponentExportIndex>) -> *mut wasmtime_component_export_index_t {
    match index {
        Some(index) => Box::into_raw(Box::new(wasmtime_component_export_index_t { index })),
        None => std::ptr::null_mut(),
    }
}

/// The index of the export `name` at the component's root (when
/// `instance_export_index` is NULL) or inside the exported instance it
/// names; NULL if there is none (or the name is not UTF-8).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_get_export_index(
    component: &wasmtime_component_t,
    instance_export_index: Option<&wasmtime_component_export_index_t>,
    name: *const c_char,
    name_len: usize,
) -> *mut wasmtime_component_export_index_t {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let Ok(name) = (unsafe { str_arg(name, name_len) }) else {
        return std::ptr::null_mut();
    };
    let parent = instance_export_index.map(|i| &i.index);
    boxed_index(component.component.get_export_index(parent, name))
}

/// A copy of an export index.
#[no_mangle]
pub extern "C" fn wasmtime_component_export_index_clone(
    index: &wasmtime_component_export_index_t,
) -> Box<wasmtime_component_export_index_t> {
    Box::new(index.clone())
}

/// Frees an export index.
#[no_mangle]
pub extern "C" fn wasmtime_component_export_index_delete(
    _index: Option<Box<wasmtime_component_export_index_t>>,
) {
}

/// A component instance of a store: the store's id and the instance's
/// place in it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_component_instance_t {
    /// The id of the owning store.
    pub store_id: u64,
    /// The instance's index in the store.
    pub __private: u32,
}

impl wasmtime_component_instance_t {
    pub(crate) fn from_instance(instance: Instance) -> Self {
        let (store_id, index) = instance.__to_words();
        wasmtime_component_instance_t {
            store_id,
            __private: index as u32,
        }
    }

    fn to_instance(self) -> Instance {
        // SAFETY: the words came from `from_instance`; a handle used with
        // a store that is not its own is rejected by the store's id check.
        unsafe { Instance::__from_words(self.store_id, self.__private as usize) }
    }
}

/// The first two fields of [`wasmtime_component_func_t`], laid out as C's
/// anonymous struct (16 bytes with padding).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_component_func_head_t {
    /// The id of the owning store.
    pub store_id: u64,
    /// The low half of the function's index in the store.
    pub __private1: u32,
}

/// A component function of a store.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_component_func_t {
    /// Store id and first private word.
    pub head: wasmtime_component_func_head_t,
    /// The high half of the function's index in the store.
    pub __private2: u32,
}

impl wasmtime_component_func_t {
    fn from_func(func: Func) -> Self {
        let (store_id, index) = func.__to_words();
        let index = index as u64;
        wasmtime_component_func_t {
            head: wasmtime_component_func_head_t {
                store_id,
                __private1: index as u32,
            },
            __private2: (index >> 32) as u32,
        }
    }

    pub(crate) fn to_func(self) -> Func {
        let index = (u64::from(self.__private2) << 32) | u64::from(self.head.__private1);
        // SAFETY: as in `wasmtime_component_instance_t::to_instance`.
        unsafe { Func::__from_words(self.head.store_id, index as usize) }
    }
}

/// The index of the export `name` of `instance`, at its root or inside the
/// exported instance `instance_export_index` names; NULL if there is none.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_instance_get_export_index(
    instance: &wasmtime_component_instance_t,
    cx: wasmtime_context_t<'_>,
    instance_export_index: Option<&wasmtime_component_export_index_t>,
    name: *const c_char,
    name_len: usize,
) -> *mut wasmtime_component_export_index_t {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let Ok(name) = (unsafe { str_arg(name, name_len) }) else {
        return std::ptr::null_mut();
    };
    let parent = instance_export_index.map(|i| &i.index);
    boxed_index(instance.to_instance().get_export_index(cx, parent, name))
}

/// The function at `export_index` of `instance`, written to `func_out`;
/// false if that export is not a function.
#[no_mangle]
pub extern "C" fn wasmtime_component_instance_get_func(
    instance: &wasmtime_component_instance_t,
    cx: wasmtime_context_t<'_>,
    export_index: &wasmtime_component_export_index_t,
    func_out: &mut wasmtime_component_func_t,
) -> bool {
    match instance.to_instance().get_func(cx, &export_index.index) {
        Some(func) => {
            *func_out = wasmtime_component_func_t::from_func(func);
            true
        }
        None => false,
    }
}

/// The function's type.
#[no_mangle]
pub extern "C" fn wasmtime_component_func_type(
    func: &wasmtime_component_func_t,
    cx: wasmtime_context_t<'_>,
) -> Box<wasmtime_component_func_type_t> {
    Box::new(wasmtime_component_func_type_t {
        ty: func.to_func().ty(cx),
    })
}

/// Converts C arguments to values.
pub(crate) fn vals_of(args: &[wasmtime_component_val_t]) -> Result<Vec<Val>> {
    args.iter().map(wasmtime_component_val_t::to_val).collect()
}

/// Writes `vals` over the C values in `out` (freeing their old contents).
pub(crate) fn write_vals(out: &mut [wasmtime_component_val_t], vals: &[Val]) -> Result<()> {
    for (slot, v) in out.iter_mut().zip(vals) {
        *slot = wasmtime_component_val_t::from_val(v)?;
    }
    Ok(())
}

/// Calls the function with `args`, writing its results to `results`
/// (whose old contents are freed); `post-return` runs as part of the call.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_func_call(
    func: &wasmtime_component_func_t,
    mut cx: wasmtime_context_t<'_>,
    args: *const wasmtime_component_val_t,
    args_size: usize,
    results: *mut wasmtime_component_val_t,
    results_size: usize,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `args_size` values at `args`, `results_size`
    // initialized values at `results`.
    let (args, results) = unsafe { (slice(args, args_size), slice_mut(results, results_size)) };
    let outcome = (|| {
        let params = vals_of(args)?;
        let f = func.to_func();
        let mut rets = vec![Val::Bool(false); results.len()];
        f.call(&mut cx, &params, &mut rets)?;
        write_vals(results, &rets)
    })();
    handle_result(outcome, |()| {})
}

/// Does nothing: `post-return` runs as part of every call (as in Wasmtime
/// 48, where this function is deprecated).
#[no_mangle]
pub extern "C" fn wasmtime_component_func_post_return(
    _func: &wasmtime_component_func_t,
    _cx: wasmtime_context_t<'_>,
) -> Option<Box<wasmtime_error_t>> {
    None
}

/// Checks the C layouts against Wasmtime 48's headers.
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<wasmtime_component_func_t>() == 24);
    assert!(offset_of!(wasmtime_component_func_t, __private2) == 16);
    assert!(size_of::<wasmtime_component_instance_t>() == 16);
    assert!(size_of::<wasmtime_component_val_t>() == 32);
};
