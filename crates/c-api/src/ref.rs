//! References of `wasm.h` (`wasm_ref_t`, `wasm_foreign_t`) and the
//! functions every reference-like object has: `same`, host info and
//! conversions to and from `wasm_ref_t`.
//!
//! Host info is not stored (reads give NULL, a finalizer passed in runs at
//! once) and the generic `wasm_ref_t` conversions give NULL: Wasmtime
//! leaves these unimplemented too; here they fail cleanly instead of
//! aborting.

use crate::ffi::{Finalizer, ForeignData};
use crate::{
    wasm_extern_t, wasm_func_t, wasm_global_t, wasm_instance_t, wasm_memory_t, wasm_module_t,
    wasm_store_t, wasm_table_t, wasm_trap_t,
};
use std::ffi::c_void;
use wt::Ref;

/// A reference value (`funcref` or `externref`) in a `wasm_val_t` or a table.
#[derive(Clone)]
pub struct wasm_ref_t {
    pub(crate) r: Ref,
}

/// An object of the embedder's (unsupported: never created).
pub struct wasm_foreign_t {
    _private: (),
}

/// Frees a reference.
#[no_mangle]
pub extern "C" fn wasm_ref_delete(_r: Option<Box<wasm_ref_t>>) {}

/// A copy of a reference.
#[no_mangle]
pub extern "C" fn wasm_ref_copy(r: Option<&wasm_ref_t>) -> Option<Box<wasm_ref_t>> {
    r.map(|r| Box::new(r.clone()))
}

/// Frees a foreign object.
#[no_mangle]
pub extern "C" fn wasm_foreign_delete(_r: Option<Box<wasm_foreign_t>>) {}

/// Foreign objects are not supported: NULL.
#[no_mangle]
pub extern "C" fn wasm_foreign_copy(_r: Option<&wasm_foreign_t>) -> Option<Box<wasm_foreign_t>> {
    None
}

/// Foreign objects are not supported: NULL.
#[no_mangle]
pub extern "C" fn wasm_foreign_new(_store: &wasm_store_t) -> Option<Box<wasm_foreign_t>> {
    None
}

macro_rules! ref_family {
    ($($ty:ident: $same:ident $get:ident $set:ident $set_fin:ident;)*) => {$(
        #[doc = concat!("Whether two `", stringify!($ty), "` handles are the same object (compared by address).")]
        #[no_mangle]
        pub extern "C" fn $same(a: Option<&$ty>, b: Option<&$ty>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => std::ptr::eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }

        /// Host info is not stored: NULL.
        #[no_mangle]
        pub extern "C" fn $get(_a: Option<&$ty>) -> *mut c_void {
            std::ptr::null_mut()
        }

        /// Host info is not stored: ignored.
        #[no_mangle]
        pub extern "C" fn $set(_a: Option<&$ty>, _info: *mut c_void) {}

        /// Host info is not stored: the finalizer runs at once.
        #[no_mangle]
        pub extern "C" fn $set_fin(_a: Option<&$ty>, info: *mut c_void, finalizer: Finalizer) {
            drop(ForeignData { data: info, finalizer });
        }
    )*};
}

ref_family! {
    wasm_ref_t: wasm_ref_same wasm_ref_get_host_info wasm_ref_set_host_info wasm_ref_set_host_info_with_finalizer;
    wasm_foreign_t: wasm_foreign_same wasm_foreign_get_host_info wasm_foreign_set_host_info wasm_foreign_set_host_info_with_finalizer;
    wasm_func_t: wasm_func_same wasm_func_get_host_info wasm_func_set_host_info wasm_func_set_host_info_with_finalizer;
    wasm_global_t: wasm_global_same wasm_global_get_host_info wasm_global_set_host_info wasm_global_set_host_info_with_finalizer;
    wasm_table_t: wasm_table_same wasm_table_get_host_info wasm_table_set_host_info wasm_table_set_host_info_with_finalizer;
    wasm_memory_t: wasm_memory_same wasm_memory_get_host_info wasm_memory_set_host_info wasm_memory_set_host_info_with_finalizer;
    wasm_extern_t: wasm_extern_same wasm_extern_get_host_info wasm_extern_set_host_info wasm_extern_set_host_info_with_finalizer;
    wasm_instance_t: wasm_instance_same wasm_instance_get_host_info wasm_instance_set_host_info wasm_instance_set_host_info_with_finalizer;
    wasm_trap_t: wasm_trap_same wasm_trap_get_host_info wasm_trap_set_host_info wasm_trap_set_host_info_with_finalizer;
    wasm_module_t: wasm_module_same wasm_module_get_host_info wasm_module_set_host_info wasm_module_set_host_info_with_finalizer;
}

macro_rules! ref_conversions {
    ($($ty:ident: $as_ref:ident $as_ref_const:ident $ref_as:ident $ref_as_const:ident;)*) => {$(
        #[doc = concat!("Not supported: NULL (a `", stringify!($ty), "` has no `wasm_ref_t` view here).")]
        #[no_mangle]
        pub extern "C" fn $as_ref(_a: Option<&mut $ty>) -> *mut wasm_ref_t {
            std::ptr::null_mut()
        }

        #[doc = concat!("Not supported: NULL (a `", stringify!($ty), "` has no `wasm_ref_t` view here).")]
        #[no_mangle]
        pub extern "C" fn $as_ref_const(_a: Option<&$ty>) -> *const wasm_ref_t {
            std::ptr::null()
        }

        #[doc = concat!("Not supported: NULL (no `wasm_ref_t` is a `", stringify!($ty), "` here).")]
        #[no_mangle]
        pub extern "C" fn $ref_as(_r: Option<&mut wasm_ref_t>) -> *mut $ty {
            std::ptr::null_mut()
        }

        #[doc = concat!("Not supported: NULL (no `wasm_ref_t` is a `", stringify!($ty), "` here).")]
        #[no_mangle]
        pub extern "C" fn $ref_as_const(_r: Option<&wasm_ref_t>) -> *const $ty {
            std::ptr::null()
        }
    )*};
}

ref_conversions! {
    wasm_foreign_t: wasm_foreign_as_ref wasm_foreign_as_ref_const wasm_ref_as_foreign wasm_ref_as_foreign_const;
    wasm_func_t: wasm_func_as_ref wasm_func_as_ref_const wasm_ref_as_func wasm_ref_as_func_const;
    wasm_global_t: wasm_global_as_ref wasm_global_as_ref_const wasm_ref_as_global wasm_ref_as_global_const;
    wasm_table_t: wasm_table_as_ref wasm_table_as_ref_const wasm_ref_as_table wasm_ref_as_table_const;
    wasm_memory_t: wasm_memory_as_ref wasm_memory_as_ref_const wasm_ref_as_memory wasm_ref_as_memory_const;
    wasm_extern_t: wasm_extern_as_ref wasm_extern_as_ref_const wasm_ref_as_extern wasm_ref_as_extern_const;
    wasm_instance_t: wasm_instance_as_ref wasm_instance_as_ref_const wasm_ref_as_instance wasm_ref_as_instance_const;
    wasm_trap_t: wasm_trap_as_ref wasm_trap_as_ref_const wasm_ref_as_trap wasm_ref_as_trap_const;
    wasm_module_t: wasm_module_as_ref wasm_module_as_ref_const wasm_ref_as_module wasm_ref_as_module_const;
}
