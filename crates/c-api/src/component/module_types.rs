//! `wasmtime/component/types/module.h`: the types of core modules that
//! components import or export (`wasmtime_module_type_t`).

use crate::{wasm_engine_t, wasm_exporttype_t, wasm_importtype_t};
use wt::component::types::Module;

/// The type of a core module a component imports or exports.
#[derive(Clone)]
pub struct wasmtime_module_type_t {
    pub(crate) ty: Module,
}

/// A copy of `ty`, freed with `wasmtime_module_type_delete`.
#[no_mangle]
pub extern "C" fn wasmtime_module_type_clone(
    ty: &wasmtime_module_type_t,
) -> Box<wasmtime_module_type_t> {
    Box::new(ty.clone())
}

/// Frees a module type.
#[no_mangle]
pub extern "C" fn wasmtime_module_type_delete(_ty: Option<Box<wasmtime_module_type_t>>) {}

/// How many imports the module type has.
#[no_mangle]
pub extern "C" fn wasmtime_module_type_import_count(
    ty: &wasmtime_module_type_t,
    engine: &wasm_engine_t,
) -> usize {
    ty.ty.imports(&engine.engine).len()
}

/// Import `nth` (freed with `wasm_importtype_delete`), NULL past the end.
#[no_mangle]
pub extern "C" fn wasmtime_module_type_import_nth(
    ty: &wasmtime_module_type_t,
    engine: &wasm_engine_t,
    nth: usize,
) -> Option<Box<wasm_importtype_t>> {
    let ((module, name), item) = ty.ty.imports(&engine.engine).nth(nth)?;
    Some(Box::new(wasm_importtype_t::new(module, name, &item)))
}

/// How many exports the module type has.
#[no_mangle]
pub extern "C" fn wasmtime_module_type_export_count(
    ty: &wasmtime_module_type_t,
    engine: &wasm_engine_t,
) -> usize {
    ty.ty.exports(&engine.engine).len()
}

/// Export `nth` (freed with `wasm_exporttype_delete`), NULL past the end.
#[no_mangle]
pub extern "C" fn wasmtime_module_type_export_nth(
    ty: &wasmtime_module_type_t,
    engine: &wasm_engine_t,
    nth: usize,
) -> Option<Box<wasm_exporttype_t>> {
    let (name, item) = ty.ty.exports(&engine.engine).nth(nth)?;
    Some(Box::new(wasm_exporttype_t::new(name, &item)))
}
