//! The parts of the component model C API this runtime only accepts:
//! `wasmtime_config_concurrency_support_set` is taken and ignored. The
//! macro keeps the forms (NULL, false, 0, nothing) for any later stub with
//! Wasmtime 48's parameter and return types.

use std::ffi::c_void;

macro_rules! stubs {
    ($($kind:ident $name:ident($($ty:ty),*);)*) => {$(
        stubs!(@one $kind $name($($ty),*));
    )*};
    (@one ptr $name:ident($($ty:ty),*)) => {
        /// Not supported yet: returns NULL.
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) -> *mut c_void {
            std::ptr::null_mut()
        }
    };
    (@one bool $name:ident($($ty:ty),*)) => {
        /// Not supported yet: returns false.
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) -> bool {
            false
        }
    };
    (@one size $name:ident($($ty:ty),*)) => {
        /// Not supported yet: returns 0.
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) -> usize {
            0
        }
    };
    (@one u32 $name:ident($($ty:ty),*)) => {
        /// Not supported yet: returns 0.
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) -> u32 {
            0
        }
    };
    (@one void $name:ident($($ty:ty),*)) => {
        /// Not supported yet: does nothing.
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) {}
    };
}

stubs! {
    void wasmtime_config_concurrency_support_set(*const c_void, bool);
}
