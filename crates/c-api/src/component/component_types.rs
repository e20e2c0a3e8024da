//! `wasmtime/component/types/component.h` and `instance.h`: the types of
//! whole components and component instances, and the items they import
//! and export (`wasmtime_component_item_t`).

use super::compiled::wasmtime_component_t;
use super::module_types::wasmtime_module_type_t;
use super::types::{
    wasmtime_component_func_type_t, wasmtime_component_resource_type_t,
    wasmtime_component_valtype_t,
};
use crate::types::CFuncType;
use crate::{wasm_engine_t, wasm_functype_t};
use std::ffi::c_char;
use wt::component::types::{Component, ComponentExtern, ComponentInstance, ComponentItem};

/// The type of a component.
#[derive(Clone)]
pub struct wasmtime_component_type_t {
    pub(crate) ty: Component,
}

/// The type of a component instance.
#[derive(Clone)]
pub struct wasmtime_component_instance_type_t {
    pub(crate) ty: ComponentInstance,
}

/// `wasmtime_component_item_kind_t`: the `WASMTIME_COMPONENT_ITEM_*` kinds.
pub type wasmtime_component_item_kind_t = u8;

/// The `WASMTIME_COMPONENT_ITEM_*` values, in header order.
mod kind {
    pub const COMPONENT: u8 = 0;
    pub const COMPONENT_INSTANCE: u8 = 1;
    pub const MODULE: u8 = 2;
    pub const COMPONENT_FUNC: u8 = 3;
    pub const RESOURCE: u8 = 4;
    pub const CORE_FUNC: u8 = 5;
    pub const TYPE: u8 = 6;
}

/// The payload of a [`wasmtime_component_item_t`], by its kind.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(missing_docs)]
pub union wasmtime_component_item_union_t {
    pub component: *mut wasmtime_component_type_t,
    pub component_instance: *mut wasmtime_component_instance_type_t,
    pub module: *mut wasmtime_module_type_t,
    pub component_func: *mut wasmtime_component_func_type_t,
    pub resource: *mut wasmtime_component_resource_type_t,
    pub core_func: *mut wasm_functype_t,
    pub type_: wasmtime_component_valtype_t,
}

/// An imported or exported item's type, owning what it points to (freed by
/// `wasmtime_component_item_delete`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_component_item_t {
    /// One of the `WASMTIME_COMPONENT_ITEM_*` kinds.
    pub kind: wasmtime_component_item_kind_t,
    /// The type, by `kind`.
    pub of: wasmtime_component_item_union_t,
}

fn boxed<T>(t: T) -> *mut T {
    Box::into_raw(Box::new(t))
}

impl wasmtime_component_item_t {
    fn from_item(item: ComponentItem) -> Self {
        use wasmtime_component_item_union_t as U;
        let (kind, of) = match item {
            ComponentItem::Component(ty) => (
                kind::COMPONENT,
                U {
                    component: boxed(wasmtime_component_type_t { ty }),
                },
            ),
            ComponentItem::ComponentInstance(ty) => (
                kind::COMPONENT_INSTANCE,
                U {
                    component_instance: boxed(wasmtime_component_instance_type_t { ty }),
                },
            ),
            ComponentItem::ComponentFunc(ty) => (
                kind::COMPONENT_FUNC,
                U {
                    component_func: boxed(wasmtime_component_func_type_t { ty }),
                },
            ),
            ComponentItem::Resource(ty) => (
                kind::RESOURCE,
                U {
                    resource: boxed(wasmtime_component_resource_type_t { ty }),
                },
            ),
            ComponentItem::Module(ty) => (
                kind::MODULE,
                U {
                    module: boxed(wasmtime_module_type_t { ty }),
                },
            ),
            ComponentItem::CoreFunc(ty) => (
                kind::CORE_FUNC,
                U {
                    core_func: boxed(wasm_functype_t::new(CFuncType::from_func_type(&ty))),
                },
            ),
            ComponentItem::Type(ty) => (
                kind::TYPE,
                U {
                    type_: wasmtime_component_valtype_t::from_type(ty),
                },
            ),
        };
        wasmtime_component_item_t { kind, of }
    }

    /// Frees what the item owns, leaving a null component item.
    fn free(&mut self) {
        // SAFETY: `kind` says which field is set; the pointers are null or
        // boxes made by `from_item`/`clone_item` (C contract: the item came
        // from this library), each freed once.
        unsafe {
            match self.kind {
                kind::COMPONENT => drop_box(self.of.component),
                kind::COMPONENT_INSTANCE => drop_box(self.of.component_instance),
                kind::COMPONENT_FUNC => drop_box(self.of.component_func),
                kind::RESOURCE => drop_box(self.of.resource),
                kind::CORE_FUNC => drop_box(self.of.core_func),
                kind::MODULE => drop_box(self.of.module),
                kind::TYPE => {
                    let mut ty = self.of.type_;
                    super::types::wasmtime_component_valtype_delete(Some(&mut ty));
                }
                _ => {}
            }
        }
        self.kind = kind::COMPONENT;
        self.of = wasmtime_component_item_union_t {
            component: std::ptr::null_mut(),
        };
    }

    /// A deep copy.
    fn clone_item(&self) -> Self {
        use wasmtime_component_item_union_t as U;
        // SAFETY: as in `free`; non-null pointers are valid boxes.
        unsafe {
            let of = match self.kind {
                kind::COMPONENT => U {
                    component: clone_box(self.of.component),
                },
                kind::COMPONENT_INSTANCE => U {
                    component_instance: clone_box(self.of.component_instance),
                },
                kind::COMPONENT_FUNC => U {
                    component_func: clone_box(self.of.component_func),
                },
                kind::RESOURCE => U {
                    resource: clone_box(self.of.resource),
                },
                kind::CORE_FUNC => U {
                    core_func: clone_box(self.of.core_func),
                },
                kind::MODULE => U {
                    module: clone_box(self.of.module),
                },
                kind::TYPE => {
                    let mut out = self.of.type_;
                    super::types::wasmtime_component_valtype_clone(&self.of.type_, &mut out);
                    U { type_: out }
                }
                _ => U {
                    component: std::ptr::null_mut(),
                },
            };
            wasmtime_component_item_t {
                kind: self.kind,
                of,
            }
        }
    }
}

/// Frees a box (null is allowed).
///
/// # Safety
///
/// `p` is null or came from `Box::into_raw` and is not used afterwards.
unsafe fn drop_box<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// A boxed copy of `*p` (null for null).
///
/// # Safety
///
/// `p` is null or points at a valid `T`.
unsafe fn clone_box<T: Clone>(p: *mut T) -> *mut T {
    // SAFETY: guaranteed by the caller.
    match unsafe { p.as_ref() } {
        Some(t) => boxed(t.clone()),
        None => std::ptr::null_mut(),
    }
}

/// Writes a deep copy of `item` to `out` (which needs its own delete).
#[no_mangle]
pub extern "C" fn wasmtime_component_item_clone(
    item: &wasmtime_component_item_t,
    out: &mut wasmtime_component_item_t,
) {
    *out = item.clone_item();
}

/// Frees what `item` owns (not `item` itself).
#[no_mangle]
pub extern "C" fn wasmtime_component_item_delete(item: Option<&mut wasmtime_component_item_t>) {
    if let Some(item) = item {
        item.free();
    }
}

/// The type of `component`.
#[no_mangle]
pub extern "C" fn wasmtime_component_type(
    component: &wasmtime_component_t,
) -> Box<wasmtime_component_type_t> {
    Box::new(wasmtime_component_type_t {
        ty: component.component.component_type(),
    })
}

/// A copy of a component type.
#[no_mangle]
pub extern "C" fn wasmtime_component_type_clone(
    ty: &wasmtime_component_type_t,
) -> Box<wasmtime_component_type_t> {
    Box::new(ty.clone())
}

/// Frees a component type.
#[no_mangle]
pub extern "C" fn wasmtime_component_type_delete(_ty: Option<Box<wasmtime_component_type_t>>) {}

/// Writes the `nth` of `items` (name valid while the type lives).
fn put_nth<'a>(
    mut items: impl Iterator<Item = (&'a str, ComponentExtern<'a>)>,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
    type_ret: &mut wasmtime_component_item_t,
) -> bool {
    let Some((name, ext)) = items.nth(nth) else {
        return false;
    };
    *name_ret = name.as_ptr().cast();
    *name_len_ret = name.len();
    *type_ret = wasmtime_component_item_t::from_item(ext.ty);
    true
}

/// Looks up the item named by the `name_len` bytes at `name` and writes
/// its type to `ret`; false if the name is not UTF-8 or not found.
///
/// # Safety
///
/// `name` points at `name_len` readable bytes.
unsafe fn put_named<'a>(
    name: *const c_char,
    name_len: usize,
    ret: &mut wasmtime_component_item_t,
    lookup: impl FnOnce(&str) -> Option<ComponentExtern<'a>>,
) -> bool {
    // SAFETY: guaranteed by the caller.
    let Ok(name) = (unsafe { crate::ffi::str_arg(name, name_len) }) else {
        return false;
    };
    lookup(name)
        .map(|e| *ret = wasmtime_component_item_t::from_item(e.ty))
        .is_some()
}

/// The number of imports.
#[no_mangle]
pub extern "C" fn wasmtime_component_type_import_count(
    ty: &wasmtime_component_type_t,
    engine: &wasm_engine_t,
) -> usize {
    ty.ty.imports(&engine.engine).len()
}

/// The type of the import `name`; false if there is none.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_type_import_get(
    ty: &wasmtime_component_type_t,
    engine: &wasm_engine_t,
    name: *const c_char,
    name_len: usize,
    ret: &mut wasmtime_component_item_t,
) -> bool {
    // SAFETY: C contract: `name_len` bytes at `name`.
    unsafe {
        put_named(name, name_len, ret, |name| {
            ty.ty.get_import(&engine.engine, name)
        })
    }
}

/// Import `nth`: its name and type; false if there is none.
#[no_mangle]
pub extern "C" fn wasmtime_component_type_import_nth(
    ty: &wasmtime_component_type_t,
    engine: &wasm_engine_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
    type_ret: &mut wasmtime_component_item_t,
) -> bool {
    put_nth(
        ty.ty.imports(&engine.engine),
        nth,
        name_ret,
        name_len_ret,
        type_ret,
    )
}

/// The number of exports.
#[no_mangle]
pub extern "C" fn wasmtime_component_type_export_count(
    ty: &wasmtime_component_type_t,
    engine: &wasm_engine_t,
) -> usize {
    ty.ty.exports(&engine.engine).len()
}

/// The type of the export `name`; false if there is none.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_type_export_get(
    ty: &wasmtime_component_type_t,
    engine: &wasm_engine_t,
    name: *const c_char,
    name_len: usize,
    ret: &mut wasmtime_component_item_t,
) -> bool {
    // SAFETY: C contract: `name_len` bytes at `name`.
    unsafe {
        put_named(name, name_len, ret, |name| {
            ty.ty.get_export(&engine.engine, name)
        })
    }
}

/// Export `nth`: its name and type; false if there is none.
#[no_mangle]
pub extern "C" fn wasmtime_component_type_export_nth(
    ty: &wasmtime_component_type_t,
    engine: &wasm_engine_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
    type_ret: &mut wasmtime_component_item_t,
) -> bool {
    put_nth(
        ty.ty.exports(&engine.engine),
        nth,
        name_ret,
        name_len_ret,
        type_ret,
    )
}

/// A copy of an instance type.
#[no_mangle]
pub extern "C" fn wasmtime_component_instance_type_clone(
    ty: &wasmtime_component_instance_type_t,
) -> Box<wasmtime_component_instance_type_t> {
    Box::new(ty.clone())
}

/// Frees an instance type.
#[no_mangle]
pub extern "C" fn wasmtime_component_instance_type_delete(
    _ty: Option<Box<wasmtime_component_instance_type_t>>,
) {
}

/// The number of exports of an instance type.
#[no_mangle]
pub extern "C" fn wasmtime_component_instance_type_export_count(
    ty: &wasmtime_component_instance_type_t,
    engine: &wasm_engine_t,
) -> usize {
    ty.ty.exports(&engine.engine).len()
}

/// The type of the instance's export `name`; false if there is none.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_instance_type_export_get(
    ty: &wasmtime_component_instance_type_t,
    engine: &wasm_engine_t,
    name: *const c_char,
    name_len: usize,
    ret: &mut wasmtime_component_item_t,
) -> bool {
    // SAFETY: C contract: `name_len` bytes at `name`.
    unsafe {
        put_named(name, name_len, ret, |name| {
            ty.ty.get_export(&engine.engine, name)
        })
    }
}

/// Export `nth` of an instance type: its name and type; false if there is
/// none.
#[no_mangle]
pub extern "C" fn wasmtime_component_instance_type_export_nth(
    ty: &wasmtime_component_instance_type_t,
    engine: &wasm_engine_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
    type_ret: &mut wasmtime_component_item_t,
) -> bool {
    put_nth(
        ty.ty.exports(&engine.engine),
        nth,
        name_ret,
        name_len_ret,
        type_ret,
    )
}
