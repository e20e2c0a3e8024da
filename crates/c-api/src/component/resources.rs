//! The resource handles of `wasmtime/component/val.h`:
//! `wasmtime_component_resource_any_t` (any resource, as in a
//! [`Val::Resource`](wt::component::Val::Resource)) and
//! `wasmtime_component_resource_host_t` (a host resource whose type is a
//! number, [`ResourceDynamic`]).

use super::types::wasmtime_component_resource_type_t;
use crate::ffi::handle_result;
use crate::{wasmtime_context_t, wasmtime_error_t};
use wt::component::{ResourceAny, ResourceDynamic};

/// A resource handle of any type. The handle itself lives in the store's
/// table of host handles and clones name the same one: once it is dropped,
/// converted to a host handle, or passed to a call for an `own` parameter,
/// every further use of it (or of a clone) is an error, and the
/// resource's destructor runs at most once.
#[derive(Clone)]
pub struct wasmtime_component_resource_any_t {
    resource: ResourceAny,
}

impl wasmtime_component_resource_any_t {
    /// A handle to `resource`.
    pub(crate) fn new(resource: ResourceAny) -> wasmtime_component_resource_any_t {
        wasmtime_component_resource_any_t { resource }
    }

    /// The resource (its store checks each use).
    pub(crate) fn peek(&self) -> ResourceAny {
        self.resource
    }
}

/// The resource's type.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_type(
    resource: &wasmtime_component_resource_any_t,
) -> Box<wasmtime_component_resource_type_t> {
    Box::new(wasmtime_component_resource_type_t {
        ty: resource.peek().ty(),
    })
}

/// A copy of the handle (it names the same resource).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_clone(
    resource: &wasmtime_component_resource_any_t,
) -> Box<wasmtime_component_resource_any_t> {
    Box::new(resource.clone())
}

/// Whether the handle is owned (rather than borrowed).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_owned(
    resource: &wasmtime_component_resource_any_t,
) -> bool {
    resource.peek().owned()
}

/// Drops the resource: runs its destructor if the handle is owned (an
/// error if the owned resource was already dropped or moved).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_drop(
    cx: wasmtime_context_t<'_>,
    resource: &wasmtime_component_resource_any_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(resource.peek().resource_drop(cx), |()| {})
}

/// Frees the handle (without running the resource's destructor).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_delete(
    _resource: Option<Box<wasmtime_component_resource_any_t>>,
) {
}

/// A host resource handle whose type is a number: a plain value (the
/// representation, the type's number and whether it is owned), as in
/// Wasmtime. Each conversion to a handle of any type puts a new handle in
/// the store's table; which of them may run the destructor is the
/// embedder's business, as the representation is its own.
pub struct wasmtime_component_resource_host_t {
    resource: ResourceDynamic,
}

impl wasmtime_component_resource_host_t {
    fn new(owned: bool, rep: u32, ty: u32) -> wasmtime_component_resource_host_t {
        let resource = match owned {
            true => ResourceDynamic::new_own(rep, ty),
            false => ResourceDynamic::new_borrow(rep, ty),
        };
        wasmtime_component_resource_host_t { resource }
    }
}

/// A handle to the representation `rep` of the host resource type `ty`,
/// owned or borrowed.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_new(
    owned: bool,
    rep: u32,
    ty: u32,
) -> Box<wasmtime_component_resource_host_t> {
    Box::new(wasmtime_component_resource_host_t::new(owned, rep, ty))
}

/// A new handle to the same representation, of the same type and
/// ownership.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_clone(
    resource: &wasmtime_component_resource_host_t,
) -> Box<wasmtime_component_resource_host_t> {
    let r = &resource.resource;
    Box::new(wasmtime_component_resource_host_t::new(
        r.owned(),
        r.rep(),
        r.ty(),
    ))
}

/// The representation.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_rep(
    resource: &wasmtime_component_resource_host_t,
) -> u32 {
    resource.resource.rep()
}

/// The number of the resource's type.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_type(
    resource: &wasmtime_component_resource_host_t,
) -> u32 {
    resource.resource.ty()
}

/// Whether the handle is owned.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_owned(
    resource: &wasmtime_component_resource_host_t,
) -> bool {
    resource.resource.owned()
}

/// Frees the handle.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_delete(
    _resource: Option<Box<wasmtime_component_resource_host_t>>,
) {
}

/// Converts a handle of any type to a host handle; an error if the
/// resource is not of a dynamic host type. The handle leaves the store's
/// table (any later use of it, or of a clone, is an error).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_to_host(
    cx: wasmtime_context_t<'_>,
    resource: &wasmtime_component_resource_any_t,
    ret: &mut *mut wasmtime_component_resource_host_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = ResourceDynamic::try_from_resource_any(resource.peek(), cx);
    handle_result(result, |resource| {
        *ret = Box::into_raw(Box::new(wasmtime_component_resource_host_t { resource }));
    })
}

/// Converts a host handle to a handle of any type: a new handle in the
/// store's table each time (the host handle stays usable, as in Wasmtime).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_to_any(
    cx: wasmtime_context_t<'_>,
    resource: &wasmtime_component_resource_host_t,
    ret: &mut *mut wasmtime_component_resource_any_t,
) -> Option<Box<wasmtime_error_t>> {
    let r = &resource.resource;
    let fresh = wasmtime_component_resource_host_t::new(r.owned(), r.rep(), r.ty());
    handle_result(fresh.resource.try_into_resource_any(cx), |resource| {
        *ret = Box::into_raw(Box::new(wasmtime_component_resource_any_t::new(resource)));
    })
}
