//! Instances: `wasm_instance_t` (`wasm.h`) and `wasmtime/instance.h`
//! (instances and pre-instantiated modules).

use crate::ffi::{slice, str_arg};
use crate::func::call_error;
use crate::store::StoreCell;
use crate::{
    wasm_extern_t, wasm_extern_vec_t, wasm_module_t, wasm_store_t, wasm_trap_t, wasmtime_context_t,
    wasmtime_error_t, wasmtime_extern_t, wasmtime_module_t, StoreData,
};
use anyhow::Result;
use std::ffi::c_char;
use std::sync::Arc;
use wt::{AsContextMut, Extern, Instance, InstancePre};

/// An instance, `wasm.h` style.
#[derive(Clone)]
pub struct wasm_instance_t {
    pub(crate) store: Arc<StoreCell>,
    pub(crate) instance: Instance,
}

/// Instantiates `module` with `imports` (in import order). On failure
/// returns NULL and, when `trap` is not NULL, stores the reason there.
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_new(
    store: &wasm_store_t,
    module: &wasm_module_t,
    imports: Option<&wasm_extern_vec_t>,
    trap: *mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasm_instance_t>> {
    let mut cx = store.store.context();
    let imports: Vec<Extern> = imports
        .map(|v| {
            v.as_slice()
                .iter()
                .flatten()
                .map(|e| e.which.clone())
                .collect()
        })
        .unwrap_or_default();
    match Instance::new(&mut cx, &module.module, &imports) {
        Ok(instance) => Some(Box::new(wasm_instance_t {
            store: store.store.clone(),
            instance,
        })),
        Err(e) => {
            // SAFETY: C contract: `trap` is null or writable.
            unsafe { crate::ffi::write_opt(trap, Some(Box::new(wasm_trap_t::new(e)))) };
            None
        }
    }
}

/// Frees an instance handle.
#[no_mangle]
pub extern "C" fn wasm_instance_delete(_i: Option<Box<wasm_instance_t>>) {}

/// Another handle to the same instance.
#[no_mangle]
pub extern "C" fn wasm_instance_copy(i: &wasm_instance_t) -> Box<wasm_instance_t> {
    Box::new(i.clone())
}

/// Writes the instance's exports, in the module's export order.
#[no_mangle]
pub extern "C" fn wasm_instance_exports(i: &wasm_instance_t, out: &mut wasm_extern_vec_t) {
    let mut cx = i.store.context();
    let exports: Vec<Extern> = i
        .instance
        .exports(&mut cx)
        .map(|e| e.into_extern())
        .collect();
    out.set(
        exports
            .into_iter()
            .map(|which| {
                Some(Box::new(wasm_extern_t {
                    store: i.store.clone(),
                    which,
                }))
            })
            .collect(),
    );
}

/// An instance handle of `wasmtime.h`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_instance_t {
    /// The store's id.
    pub store_id: u64,
    /// Private.
    pub __private: usize,
}

impl wasmtime_instance_t {
    pub(crate) fn from_instance(i: &Instance) -> wasmtime_instance_t {
        let (store_id, index) = i.__to_words();
        wasmtime_instance_t {
            store_id,
            __private: index,
        }
    }

    pub(crate) fn to_instance(self) -> Instance {
        // SAFETY: handles come from `from_instance` (C contract: used with
        // their live store).
        unsafe { Instance::__from_words(self.store_id, self.__private) }
    }
}

/// Reports an instantiation result the `wasmtime.h` way.
pub(crate) fn instantiated(
    result: Result<Instance>,
    ret: &mut wasmtime_instance_t,
    trap: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    // The trap pointer is an output only and reads NULL unless the
    // instantiation trapped (as in Wasmtime); its old value is not freed.
    std::mem::forget(trap.take());
    match result {
        Ok(i) => {
            *ret = wasmtime_instance_t::from_instance(&i);
            None
        }
        Err(e) => call_error(e, trap),
    }
}

/// Instantiates `module` with the `nimports` externs at `imports`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_instance_new(
    mut cx: wasmtime_context_t<'_>,
    module: &wasmtime_module_t,
    imports: *const wasmtime_extern_t,
    nimports: usize,
    instance: &mut wasmtime_instance_t,
    trap: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `nimports` externs at `imports`.
    let imports = unsafe { slice(imports, nimports) };
    let result = imports
        .iter()
        .map(|e| e.to_extern())
        .collect::<Result<Vec<_>>>()
        .and_then(|imports| Instance::new(&mut cx, &module.module, &imports));
    instantiated(result, instance, trap)
}

/// Looks up an export by name.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_instance_export_get(
    mut cx: wasmtime_context_t<'_>,
    instance: &wasmtime_instance_t,
    name: *const c_char,
    name_len: usize,
    item: &mut std::mem::MaybeUninit<wasmtime_extern_t>,
) -> bool {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let Ok(name) = (unsafe { str_arg(name, name_len) }) else {
        return false;
    };
    match instance.to_instance().get_export(&mut cx, name) {
        Some(e) => {
            item.write(wasmtime_extern_t::from_extern(e));
            true
        }
        None => false,
    }
}

/// The `index`-th export and its name (which lives as long as the store).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_instance_export_nth(
    mut cx: wasmtime_context_t<'_>,
    instance: &wasmtime_instance_t,
    index: usize,
    name: &mut *const c_char,
    name_len: &mut usize,
    item: &mut std::mem::MaybeUninit<wasmtime_extern_t>,
) -> bool {
    let ctx = cx.as_context_mut();
    match instance.to_instance().exports(ctx).nth(index) {
        Some(e) => {
            *name = e.name().as_ptr().cast();
            *name_len = e.name().len();
            item.write(wasmtime_extern_t::from_extern(e.into_extern()));
            true
        }
        None => false,
    }
}

/// A module with its imports resolved, ready to instantiate quickly.
pub struct wasmtime_instance_pre_t {
    pub(crate) pre: InstancePre<StoreData>,
}

/// Frees a pre-instantiated module.
#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_delete(_p: Option<Box<wasmtime_instance_pre_t>>) {}

/// Instantiates in `cx`.
#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_instantiate(
    pre: &wasmtime_instance_pre_t,
    mut cx: wasmtime_context_t<'_>,
    instance: &mut wasmtime_instance_t,
    trap: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    instantiated(pre.pre.instantiate(&mut cx), instance, trap)
}

/// The module being instantiated (a new handle).
#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_module(
    pre: &wasmtime_instance_pre_t,
) -> Box<wasmtime_module_t> {
    Box::new(wasmtime_module_t {
        module: pre.pre.module().clone(),
    })
}
