//! The parts of the component model C API not implemented yet: `map`
//! types. They are exported with Wasmtime 48's parameter and return
//! types (pointers of any type as `*const c_void`) so that bindings which
//! look up every symbol when they load work, and each fails cleanly: NULL
//! for pointers, false, 0, or nothing at all. The config setters here (`concurrency_support`,
//! `component_model_map`) are accepted and ignored.

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
    void wasmtime_config_wasm_component_model_map_set(*const c_void, bool);
    ptr wasmtime_component_map_type_clone(*const c_void);
    bool wasmtime_component_map_type_equal(*const c_void, *const c_void);
    void wasmtime_component_map_type_delete(*const c_void);
    void wasmtime_component_map_type_key(*const c_void, *const c_void);
    void wasmtime_component_map_type_value(*const c_void, *const c_void);
}
