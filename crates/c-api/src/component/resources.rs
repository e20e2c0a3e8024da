//! The resource handles of `wasmtime/component/val.h`:
//! `wasmtime_component_resource_any_t` (any resource, as in a
//! [`Val::Resource`](wt::component::Val::Resource)) and
//! `wasmtime_component_resource_host_t` (a host resource whose type is a
//! number, [`ResourceDynamic`]).

use super::types::wasmtime_component_resource_type_t;
use crate::ffi::handle_result;
use crate::{wasmtime_context_t, wasmtime_error_t};
use anyhow::{bail, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use wt::component::{ResourceAny, ResourceDynamic};

/// A resource handle of any type.
///
/// An owned handle can be used up once: dropping it or converting it to a
/// host handle moves the resource out, and a later drop or conversion of
/// the handle (or of a clone of it, which names the same resource) is an
/// error, as with Wasmtime's handles into the store's table. Borrowed
/// handles are never used up. Passing an owned handle into a call for an
/// `own` parameter uses it up too (`moves.rs`); any later use of a used-up
/// handle is an error.
#[derive(Clone)]
pub struct wasmtime_component_resource_any_t {
    resource: ResourceAny,
    /// Shared by clones: false once the owned resource has moved out.
    live: Arc<AtomicBool>,
}

impl wasmtime_component_resource_any_t {
    /// A fresh handle to `resource`.
    pub(crate) fn new(resource: ResourceAny) -> wasmtime_component_resource_any_t {
        wasmtime_component_resource_any_t {
            resource,
            live: Arc::new(AtomicBool::new(true)),
        }
    }

    /// The resource, for uses that do not move it.
    pub(crate) fn peek(&self) -> ResourceAny {
        self.resource
    }

    /// The resource, moved out of this handle if it is owned (an error if
    /// it was moved out before).
    pub(crate) fn take(&self) -> Result<ResourceAny> {
        if self.resource.owned() && !self.live.swap(false, Ordering::AcqRel) {
            bail!("{USED_UP}");
        }
        Ok(self.resource)
    }

    /// An error if this owned handle was used up already.
    pub(crate) fn check_live(&self) -> Result<()> {
        if self.resource.owned() && !self.live.load(Ordering::Acquire) {
            bail!("{USED_UP}");
        }
        Ok(())
    }
}

const USED_UP: &str =
    "this owned resource handle was already dropped or moved (into a call or a host handle)";

impl wasmtime_component_resource_any_t {}

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
    handle_result(resource.take().and_then(|r| r.resource_drop(cx)), |()| {})
}

/// Frees the handle (without running the resource's destructor).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_delete(
    _resource: Option<Box<wasmtime_component_resource_any_t>>,
) {
}

/// A host resource handle whose type is a number.
#[derive(Clone)]
pub struct wasmtime_component_resource_host_t {
    pub(crate) resource: ResourceDynamic,
}

/// A handle to the representation `rep` of the host resource type `ty`,
/// owned or borrowed.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_new(
    owned: bool,
    rep: u32,
    ty: u32,
) -> Box<wasmtime_component_resource_host_t> {
    let resource = match owned {
        true => ResourceDynamic::new_own(rep, ty),
        false => ResourceDynamic::new_borrow(rep, ty),
    };
    Box::new(wasmtime_component_resource_host_t { resource })
}

/// A copy of the handle.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_clone(
    resource: &wasmtime_component_resource_host_t,
) -> Box<wasmtime_component_resource_host_t> {
    Box::new(resource.clone())
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
/// resource is not of a dynamic host type. An owned resource moves into
/// the host handle (the handle of any type is used up).
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_any_to_host(
    cx: wasmtime_context_t<'_>,
    resource: &wasmtime_component_resource_any_t,
    ret: &mut *mut wasmtime_component_resource_host_t,
) -> Option<Box<wasmtime_error_t>> {
    // A resource of another type is refused without using up the handle.
    let result = ResourceDynamic::try_from_resource_any(resource.peek(), cx)
        .and_then(|host| resource.take().map(|_| host));
    handle_result(result, |resource| {
        *ret = Box::into_raw(Box::new(wasmtime_component_resource_host_t { resource }));
    })
}

/// Converts a host handle to a handle of any type.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_host_to_any(
    cx: wasmtime_context_t<'_>,
    resource: &wasmtime_component_resource_host_t,
    ret: &mut *mut wasmtime_component_resource_any_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(resource.resource.try_into_resource_any(cx), |resource| {
        *ret = Box::into_raw(Box::new(wasmtime_component_resource_any_t::new(resource)));
    })
}
