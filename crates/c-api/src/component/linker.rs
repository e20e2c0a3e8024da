//! `wasmtime/component/linker.h`: linking host functions, resources and
//! WASI 0.2 into components, and instantiating them.

use super::compiled::{vals_of, wasmtime_component_instance_t, wasmtime_component_t};
use super::types::{wasmtime_component_func_type_t, wasmtime_component_resource_type_t};
use super::val::wasmtime_component_val_t;
use crate::ffi::{handle_result, str_arg, Finalizer, ForeignData};
use crate::{wasm_engine_t, wasmtime_context_t, wasmtime_error_t, wasmtime_module_t, StoreData};
use anyhow::Result;
use std::ffi::{c_char, c_void};
use wt::component::{Linker, LinkerInstance, Val};

/// A component linker over the C API's store data.
pub struct wasmtime_component_linker_t {
    pub(crate) linker: Linker<StoreData>,
}

/// One instance (the root or a named one) of a linker, borrowed from it:
/// the C contract is that it is deleted before its linker is used again.
pub struct wasmtime_component_linker_instance_t {
    pub(crate) instance: LinkerInstance<'static, StoreData>,
}

impl wasmtime_component_linker_instance_t {
    /// Boxes `instance`, erasing its borrow of the linker.
    ///
    /// # Safety
    ///
    /// The C contract of `wasmtime_component_linker_root` and
    /// `_add_instance`: the result is deleted before the linker (or parent
    /// instance) is used or freed.
    unsafe fn boxed(instance: LinkerInstance<'_, StoreData>) -> Box<Self> {
        // SAFETY: only the lifetime changes; guaranteed by the caller.
        let instance = unsafe {
            std::mem::transmute::<LinkerInstance<'_, StoreData>, LinkerInstance<'static, StoreData>>(
                instance,
            )
        };
        Box::new(wasmtime_component_linker_instance_t { instance })
    }
}

/// A new, empty linker.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_new(
    engine: &wasm_engine_t,
) -> Box<wasmtime_component_linker_t> {
    Box::new(wasmtime_component_linker_t {
        linker: Linker::new(&engine.engine),
    })
}

/// Whether a later definition of a name may replace an earlier one.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_allow_shadowing(
    linker: &mut wasmtime_component_linker_t,
    allow: bool,
) {
    linker.linker.allow_shadowing(allow);
}

/// The linker's root instance (delete it before using the linker again).
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_root(
    linker: &mut wasmtime_component_linker_t,
) -> Box<wasmtime_component_linker_instance_t> {
    // SAFETY: the C contract described at `boxed`.
    unsafe { wasmtime_component_linker_instance_t::boxed(linker.linker.root()) }
}

/// Instantiates `component` in the store, writing the instance to
/// `instance_out`.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_instantiate(
    linker: &wasmtime_component_linker_t,
    cx: wasmtime_context_t<'_>,
    component: &wasmtime_component_t,
    instance_out: &mut wasmtime_component_instance_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        linker.linker.instantiate(cx, &component.component),
        |instance| *instance_out = wasmtime_component_instance_t::from_instance(instance),
    )
}

/// Defines every import of `component` the linker lacks as a function
/// that traps when called.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_define_unknown_imports_as_traps(
    linker: &mut wasmtime_component_linker_t,
    component: &wasmtime_component_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        linker
            .linker
            .define_unknown_imports_as_traps(&component.component),
        |()| {},
    )
}

/// Frees a linker.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_delete(
    _linker: Option<Box<wasmtime_component_linker_t>>,
) {
}

/// The instance `name` inside `linker_instance` (created if needed),
/// written to `linker_instance_out`; delete it before using the parent
/// again.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_linker_instance_add_instance(
    linker_instance: &mut wasmtime_component_linker_instance_t,
    name: *const c_char,
    name_len: usize,
    linker_instance_out: &mut *mut wasmtime_component_linker_instance_t,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result =
        unsafe { str_arg(name, name_len) }.and_then(|name| linker_instance.instance.instance(name));
    handle_result(result, |inner| {
        // SAFETY: the C contract described at `boxed`.
        *linker_instance_out =
            Box::into_raw(unsafe { wasmtime_component_linker_instance_t::boxed(inner) });
    })
}

/// Defines the core module `name` in `linker_instance`, for components
/// that import a core module (checked against the declared module type at
/// instantiation).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_linker_instance_add_module(
    linker_instance: &mut wasmtime_component_linker_instance_t,
    name: *const c_char,
    name_len: usize,
    module: &wasmtime_module_t,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result = unsafe { str_arg(name, name_len) }
        .and_then(|name| linker_instance.instance.module(name, &module.module));
    handle_result(result, |()| {})
}

/// The C callback of a host component function.
pub type wasmtime_component_func_callback_t = unsafe extern "C" fn(
    *mut c_void,
    wasmtime_context_t<'_>,
    &wasmtime_component_func_type_t,
    *mut wasmtime_component_val_t,
    usize,
    *mut wasmtime_component_val_t,
    usize,
)
    -> Option<Box<wasmtime_error_t>>;

/// Runs a host function's C callback: converts the arguments, calls it,
/// and reads the results it wrote.
fn call_host(
    callback: wasmtime_component_func_callback_t,
    data: &ForeignData,
    cx: wasmtime_context_t<'_>,
    ty: wt::component::types::ComponentFunc,
    args: &[Val],
    results: &mut [Val],
) -> Result<()> {
    let mut c_args = args
        .iter()
        .map(wasmtime_component_val_t::from_val)
        .collect::<Result<Vec<_>>>()?;
    let mut c_results: Vec<wasmtime_component_val_t> =
        (0..results.len()).map(|_| Default::default()).collect();
    let ty = wasmtime_component_func_type_t { ty };
    // SAFETY: the embedder's callback, called with its data, the function
    // type, and buffers of the lengths passed.
    let error = unsafe {
        callback(
            data.data,
            cx,
            &ty,
            c_args.as_mut_ptr(),
            c_args.len(),
            c_results.as_mut_ptr(),
            c_results.len(),
        )
    };
    if let Some(error) = error {
        return Err(error.error);
    }
    for (slot, v) in results.iter_mut().zip(vals_of(&c_results)?) {
        *slot = v;
    }
    Ok(())
}

/// Defines the host function `name`; `callback` gets `data`, and
/// `finalizer` (if any) frees `data` when the linker no longer needs it.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_linker_instance_add_func(
    linker_instance: &mut wasmtime_component_linker_instance_t,
    name: *const c_char,
    name_len: usize,
    callback: wasmtime_component_func_callback_t,
    data: *mut c_void,
    finalizer: Finalizer,
) -> Option<Box<wasmtime_error_t>> {
    let data = ForeignData { data, finalizer };
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result = unsafe { str_arg(name, name_len) }.and_then(|name| {
        linker_instance
            .instance
            .func_new(name, move |cx, ty, args, results| {
                call_host(callback, &data, cx, ty, args, results)
            })
    });
    handle_result(result, |()| {})
}

/// The C destructor of a host resource type.
pub type wasmtime_component_resource_destructor_t =
    unsafe extern "C" fn(*mut c_void, wasmtime_context_t<'_>, u32) -> Option<Box<wasmtime_error_t>>;

/// Defines the resource type `name` as `resource`; `destructor` runs with
/// `data` and the representation when an owned handle is dropped.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_linker_instance_add_resource(
    linker_instance: &mut wasmtime_component_linker_instance_t,
    name: *const c_char,
    name_len: usize,
    resource: &wasmtime_component_resource_type_t,
    destructor: wasmtime_component_resource_destructor_t,
    data: *mut c_void,
    finalizer: Finalizer,
) -> Option<Box<wasmtime_error_t>> {
    let data = ForeignData { data, finalizer };
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result = unsafe { str_arg(name, name_len) }.and_then(|name| {
        linker_instance
            .instance
            .resource(name, resource.ty, move |cx, rep| {
                let data = &data;
                // SAFETY: the embedder's destructor, called with its data.
                match unsafe { destructor(data.data, cx, rep) } {
                    Some(error) => Err(error.error),
                    None => Ok(()),
                }
            })
    });
    handle_result(result, |()| {})
}

/// Frees a linker instance.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_instance_delete(
    _linker_instance: Option<Box<wasmtime_component_linker_instance_t>>,
) {
}

/// Defines every WASI 0.2 interface (`wasi:cli/command`) in the linker,
/// served by the store's WASI settings (`wasmtime_context_set_wasi`).
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_add_wasip2(
    linker: &mut wasmtime_component_linker_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker.linker),
        |()| {},
    )
}

/// Defines `wasi:http/types` and `wasi:http/outgoing-handler` (0.2, blocking
/// versions) over the store's `wasi:http` context; WASI 0.2 itself comes
/// from `wasmtime_component_linker_add_wasip2`.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_add_wasi_http(
    linker: &mut wasmtime_component_linker_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker.linker),
        |()| {},
    )
}
