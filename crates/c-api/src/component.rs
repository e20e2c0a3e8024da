//! The component model C API (`wasmtime/component/*.h`), the wasi-http
//! setter and the module types of components: a later slice. This build's
//! `wasmtime/conf.h` does not define `WASMTIME_FEATURE_COMPONENT_MODEL` or
//! `WASMTIME_FEATURE_WASI_HTTP`, so the headers do not declare these
//! functions; they are still exported, with Wasmtime 48's parameter and
//! return types (pointers of any type as `*const c_void`), so that bindings
//! which look up every symbol when they load (such as the Python package)
//! work with the rest of the API. Each one fails cleanly: an error for
//! functions returning `wasmtime_error_t *`, NULL for other pointers,
//! false, 0, or nothing at all.

use crate::wasmtime_error_t;
use std::ffi::c_void;

fn unsupported() -> Option<Box<wasmtime_error_t>> {
    Some(Box::new(
        anyhow::anyhow!("the component model C API is not supported by this library yet").into(),
    ))
}

macro_rules! stubs {
    ($($kind:ident $name:ident($($ty:ty),*);)*) => {$(
        stubs!(@one $kind $name($($ty),*));
    )*};
    (@one err $name:ident($($ty:ty),*)) => {
        /// Not supported yet: returns an error.
        #[no_mangle]
        pub extern "C" fn $name($(_: $ty),*) -> Option<Box<wasmtime_error_t>> {
            unsupported()
        }
    };
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
    void wasmtime_context_set_wasi_http(*const c_void);
    void wasmtime_config_wasm_component_model_set(*const c_void, bool);
    void wasmtime_config_concurrency_support_set(*const c_void, bool);
    void wasmtime_config_wasm_component_model_map_set(*const c_void, bool);
    void wasmtime_config_wasm_component_model_async_set(*const c_void, bool);
    void wasmtime_config_wasm_component_model_more_async_builtins_set(*const c_void, bool);
    void wasmtime_config_wasm_component_model_async_stackful_set(*const c_void, bool);
    ptr wasmtime_component_resource_type_new_host(u32);
    ptr wasmtime_component_resource_type_clone(*const c_void);
    bool wasmtime_component_resource_type_equal(*const c_void, *const c_void);
    void wasmtime_component_resource_type_delete(*const c_void);
    ptr wasmtime_component_list_type_clone(*const c_void);
    bool wasmtime_component_list_type_equal(*const c_void, *const c_void);
    void wasmtime_component_list_type_delete(*const c_void);
    void wasmtime_component_list_type_element(*const c_void, *const c_void);
    ptr wasmtime_component_record_type_clone(*const c_void);
    bool wasmtime_component_record_type_equal(*const c_void, *const c_void);
    void wasmtime_component_record_type_delete(*const c_void);
    size wasmtime_component_record_type_field_count(*const c_void);
    bool wasmtime_component_record_type_field_nth(*const c_void, usize, *const c_void, *const c_void, *const c_void);
    ptr wasmtime_component_tuple_type_clone(*const c_void);
    bool wasmtime_component_tuple_type_equal(*const c_void, *const c_void);
    void wasmtime_component_tuple_type_delete(*const c_void);
    size wasmtime_component_tuple_type_types_count(*const c_void);
    bool wasmtime_component_tuple_type_types_nth(*const c_void, usize, *const c_void);
    ptr wasmtime_component_variant_type_clone(*const c_void);
    bool wasmtime_component_variant_type_equal(*const c_void, *const c_void);
    void wasmtime_component_variant_type_delete(*const c_void);
    size wasmtime_component_variant_type_case_count(*const c_void);
    bool wasmtime_component_variant_type_case_nth(*const c_void, usize, *const c_void, *const c_void, *const c_void, *const c_void);
    ptr wasmtime_component_enum_type_clone(*const c_void);
    bool wasmtime_component_enum_type_equal(*const c_void, *const c_void);
    void wasmtime_component_enum_type_delete(*const c_void);
    size wasmtime_component_enum_type_names_count(*const c_void);
    bool wasmtime_component_enum_type_names_nth(*const c_void, usize, *const c_void, *const c_void);
    ptr wasmtime_component_option_type_clone(*const c_void);
    bool wasmtime_component_option_type_equal(*const c_void, *const c_void);
    void wasmtime_component_option_type_delete(*const c_void);
    void wasmtime_component_option_type_ty(*const c_void, *const c_void);
    ptr wasmtime_component_result_type_clone(*const c_void);
    bool wasmtime_component_result_type_equal(*const c_void, *const c_void);
    void wasmtime_component_result_type_delete(*const c_void);
    bool wasmtime_component_result_type_ok(*const c_void, *const c_void);
    bool wasmtime_component_result_type_err(*const c_void, *const c_void);
    ptr wasmtime_component_flags_type_clone(*const c_void);
    bool wasmtime_component_flags_type_equal(*const c_void, *const c_void);
    void wasmtime_component_flags_type_delete(*const c_void);
    size wasmtime_component_flags_type_names_count(*const c_void);
    bool wasmtime_component_flags_type_names_nth(*const c_void, usize, *const c_void, *const c_void);
    ptr wasmtime_component_future_type_clone(*const c_void);
    bool wasmtime_component_future_type_equal(*const c_void, *const c_void);
    void wasmtime_component_future_type_delete(*const c_void);
    bool wasmtime_component_future_type_ty(*const c_void, *const c_void);
    ptr wasmtime_component_stream_type_clone(*const c_void);
    bool wasmtime_component_stream_type_equal(*const c_void, *const c_void);
    void wasmtime_component_stream_type_delete(*const c_void);
    bool wasmtime_component_stream_type_ty(*const c_void, *const c_void);
    ptr wasmtime_component_map_type_clone(*const c_void);
    bool wasmtime_component_map_type_equal(*const c_void, *const c_void);
    void wasmtime_component_map_type_delete(*const c_void);
    void wasmtime_component_map_type_key(*const c_void, *const c_void);
    void wasmtime_component_map_type_value(*const c_void, *const c_void);
    void wasmtime_component_valtype_clone(*const c_void, *const c_void);
    bool wasmtime_component_valtype_equal(*const c_void, *const c_void);
    void wasmtime_component_valtype_delete(*const c_void);
    ptr wasmtime_component_func_type_clone(*const c_void);
    void wasmtime_component_func_type_delete(*const c_void);
    bool wasmtime_component_func_type_async(*const c_void);
    size wasmtime_component_func_type_param_count(*const c_void);
    bool wasmtime_component_func_type_param_nth(*const c_void, usize, *const c_void, *const c_void, *const c_void);
    bool wasmtime_component_func_type_result(*const c_void, *const c_void);
    ptr wasmtime_component_instance_type_clone(*const c_void);
    void wasmtime_component_instance_type_delete(*const c_void);
    size wasmtime_component_instance_type_export_count(*const c_void, *const c_void);
    bool wasmtime_component_instance_type_export_get(*const c_void, *const c_void, *const c_void, usize, *const c_void);
    bool wasmtime_component_instance_type_export_nth(*const c_void, *const c_void, usize, *const c_void, *const c_void, *const c_void);
    ptr wasmtime_module_type_clone(*const c_void);
    void wasmtime_module_type_delete(*const c_void);
    size wasmtime_module_type_import_count(*const c_void, *const c_void);
    ptr wasmtime_module_type_import_nth(*const c_void, *const c_void, usize);
    size wasmtime_module_type_export_count(*const c_void, *const c_void);
    ptr wasmtime_module_type_export_nth(*const c_void, *const c_void, usize);
    ptr wasmtime_component_type_clone(*const c_void);
    void wasmtime_component_type_delete(*const c_void);
    size wasmtime_component_type_import_count(*const c_void, *const c_void);
    bool wasmtime_component_type_import_get(*const c_void, *const c_void, *const c_void, usize, *const c_void);
    bool wasmtime_component_type_import_nth(*const c_void, *const c_void, usize, *const c_void, *const c_void, *const c_void);
    size wasmtime_component_type_export_count(*const c_void, *const c_void);
    bool wasmtime_component_type_export_get(*const c_void, *const c_void, *const c_void, usize, *const c_void);
    bool wasmtime_component_type_export_nth(*const c_void, *const c_void, usize, *const c_void, *const c_void, *const c_void);
    void wasmtime_component_item_clone(*const c_void, *const c_void);
    void wasmtime_component_item_delete(*const c_void);
    err wasmtime_component_new(*const c_void, *const c_void, usize, *const c_void);
    err wasmtime_component_serialize(*const c_void, *const c_void);
    err wasmtime_component_deserialize(*const c_void, *const c_void, usize, *const c_void);
    err wasmtime_component_deserialize_file(*const c_void, *const c_void, *const c_void);
    ptr wasmtime_component_clone(*const c_void);
    ptr wasmtime_component_type(*const c_void);
    void wasmtime_component_delete(*const c_void);
    ptr wasmtime_component_get_export_index(*const c_void, *const c_void, *const c_void, usize);
    ptr wasmtime_component_export_index_clone(*const c_void);
    void wasmtime_component_export_index_delete(*const c_void);
    ptr wasmtime_component_resource_any_type(*const c_void);
    ptr wasmtime_component_resource_any_clone(*const c_void);
    bool wasmtime_component_resource_any_owned(*const c_void);
    err wasmtime_component_resource_any_drop(*const c_void, *const c_void);
    void wasmtime_component_resource_any_delete(*const c_void);
    ptr wasmtime_component_resource_host_new(bool, u32, u32);
    ptr wasmtime_component_resource_host_clone(*const c_void);
    u32 wasmtime_component_resource_host_rep(*const c_void);
    u32 wasmtime_component_resource_host_type(*const c_void);
    bool wasmtime_component_resource_host_owned(*const c_void);
    void wasmtime_component_resource_host_delete(*const c_void);
    err wasmtime_component_resource_any_to_host(*const c_void, *const c_void, *const c_void);
    err wasmtime_component_resource_host_to_any(*const c_void, *const c_void, *const c_void);
    void wasmtime_component_vallist_new(*const c_void, usize, *const c_void);
    void wasmtime_component_vallist_new_empty(*const c_void);
    void wasmtime_component_vallist_new_uninit(*const c_void, usize);
    void wasmtime_component_vallist_copy(*const c_void, *const c_void);
    void wasmtime_component_vallist_delete(*const c_void);
    void wasmtime_component_valrecord_new(*const c_void, usize, *const c_void);
    void wasmtime_component_valrecord_new_empty(*const c_void);
    void wasmtime_component_valrecord_new_uninit(*const c_void, usize);
    void wasmtime_component_valrecord_copy(*const c_void, *const c_void);
    void wasmtime_component_valrecord_delete(*const c_void);
    void wasmtime_component_valtuple_new(*const c_void, usize, *const c_void);
    void wasmtime_component_valtuple_new_empty(*const c_void);
    void wasmtime_component_valtuple_new_uninit(*const c_void, usize);
    void wasmtime_component_valtuple_copy(*const c_void, *const c_void);
    void wasmtime_component_valtuple_delete(*const c_void);
    void wasmtime_component_valflags_new(*const c_void, usize, *const c_void);
    void wasmtime_component_valflags_new_empty(*const c_void);
    void wasmtime_component_valflags_new_uninit(*const c_void, usize);
    void wasmtime_component_valflags_copy(*const c_void, *const c_void);
    void wasmtime_component_valflags_delete(*const c_void);
    void wasmtime_component_valmap_new(*const c_void, usize, *const c_void);
    void wasmtime_component_valmap_new_empty(*const c_void);
    void wasmtime_component_valmap_new_uninit(*const c_void, usize);
    void wasmtime_component_valmap_copy(*const c_void, *const c_void);
    void wasmtime_component_valmap_delete(*const c_void);
    ptr wasmtime_component_val_new(*const c_void);
    void wasmtime_component_val_free(*const c_void);
    void wasmtime_component_val_clone(*const c_void, *const c_void);
    void wasmtime_component_val_delete(*const c_void);
    ptr wasmtime_component_func_type(*const c_void, *const c_void);
    err wasmtime_component_func_call(*const c_void, *const c_void, *const c_void, usize, *const c_void, usize);
    err wasmtime_component_func_post_return(*const c_void, *const c_void);
    ptr wasmtime_component_func_call_async(*const c_void, *const c_void, *const c_void, usize, *const c_void, usize, *const c_void);
    ptr wasmtime_component_instance_get_export_index(*const c_void, *const c_void, *const c_void, *const c_void, usize);
    bool wasmtime_component_instance_get_func(*const c_void, *const c_void, *const c_void, *const c_void);
    ptr wasmtime_component_linker_new(*const c_void);
    void wasmtime_component_linker_allow_shadowing(*const c_void, bool);
    ptr wasmtime_component_linker_root(*const c_void);
    err wasmtime_component_linker_instantiate(*const c_void, *const c_void, *const c_void, *const c_void);
    err wasmtime_component_linker_define_unknown_imports_as_traps(*const c_void, *const c_void);
    void wasmtime_component_linker_delete(*const c_void);
    err wasmtime_component_linker_instance_add_instance(*const c_void, *const c_void, usize, *const c_void);
    err wasmtime_component_linker_instance_add_module(*const c_void, *const c_void, usize, *const c_void);
    err wasmtime_component_linker_instance_add_func(*const c_void, *const c_void, usize, *const c_void, *const c_void, *const c_void);
    err wasmtime_component_linker_add_wasip2(*const c_void);
    err wasmtime_component_linker_add_wasi_http(*const c_void);
    err wasmtime_component_linker_instance_add_resource(*const c_void, *const c_void, usize, *const c_void, *const c_void, *const c_void, *const c_void);
    void wasmtime_component_linker_instance_delete(*const c_void);
    ptr wasmtime_component_linker_instantiate_async(*const c_void, *const c_void, *const c_void, *const c_void, *const c_void);
    err wasmtime_component_linker_instance_add_func_async(*const c_void, *const c_void, usize, *const c_void, *const c_void, *const c_void);
    err wasmtime_component_linker_add_wasip2_async(*const c_void);
    err wasmtime_component_linker_add_wasi_http_async(*const c_void);
}
