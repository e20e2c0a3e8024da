//! Globals: `wasm_global_*` (`wasm.h`) and `wasmtime/global.h`.

use crate::ffi::handle_result;
use crate::{
    wasm_extern_t, wasm_global_t, wasm_globaltype_t, wasm_store_t, wasm_val_t,
    wasmtime_context_const_t, wasmtime_context_t, wasmtime_error_t, wasmtime_global_t,
    wasmtime_val_t, CGlobalType,
};
use wt::{Extern, Global};

fn global_of(g: &wasm_global_t) -> &Global {
    match &g.ext.which {
        Extern::Global(g) => g,
        _ => unreachable!("wasm_global_t of another kind"),
    }
}

/// A global of type `ty` with initial value `val`, or NULL on a mismatch.
#[no_mangle]
pub extern "C" fn wasm_global_new(
    store: &wasm_store_t,
    ty: &wasm_globaltype_t,
    val: &wasm_val_t,
) -> Option<Box<wasm_global_t>> {
    let mut cx = store.store.context();
    let global = val
        .to_val()
        .and_then(|v| Global::new(&mut cx, ty.inner().global_type(), v))
        .ok()?;
    Some(wasm_extern_t::boxed(&store.store, Extern::Global(global)))
}

/// The global's type.
#[no_mangle]
pub extern "C" fn wasm_global_type(g: &wasm_global_t) -> Box<wasm_globaltype_t> {
    let ty = global_of(g).ty(g.ext.store.context());
    Box::new(wasm_globaltype_t::new(CGlobalType::from_global_type(&ty)))
}

/// Reads the global.
#[no_mangle]
pub extern "C" fn wasm_global_get(g: &wasm_global_t, out: &mut std::mem::MaybeUninit<wasm_val_t>) {
    let v = global_of(g).get(g.ext.store.context());
    out.write(wasm_val_t::from_val(&v));
}

/// Writes the global (ignored if immutable or of another type).
#[no_mangle]
pub extern "C" fn wasm_global_set(g: &mut wasm_global_t, val: &wasm_val_t) {
    if let Ok(v) = val.to_val() {
        let _ = global_of(g).set(g.ext.store.context(), v);
    }
}

/// A global of type `ty` with initial value `val`.
#[no_mangle]
pub extern "C" fn wasmtime_global_new(
    mut cx: wasmtime_context_t<'_>,
    ty: &wasm_globaltype_t,
    val: &wasmtime_val_t,
    ret: &mut wasmtime_global_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = val
        .to_val()
        .and_then(|v| Global::new(&mut cx, ty.inner().global_type(), v));
    handle_result(result, |g| *ret = wasmtime_global_t::from_global(&g))
}

/// The global's type.
#[no_mangle]
pub extern "C" fn wasmtime_global_type(
    cx: wasmtime_context_const_t<'_>,
    g: &wasmtime_global_t,
) -> Box<wasm_globaltype_t> {
    let ty = g.to_global().ty(cx);
    Box::new(wasm_globaltype_t::new(CGlobalType::from_global_type(&ty)))
}

/// Reads the global.
#[no_mangle]
pub extern "C" fn wasmtime_global_get(
    mut cx: wasmtime_context_t<'_>,
    g: &wasmtime_global_t,
    out: &mut std::mem::MaybeUninit<wasmtime_val_t>,
) {
    let mut scope = wt::RootScope::new(&mut cx);
    let v = g.to_global().get(&mut scope);
    out.write(wasmtime_val_t::from_val_rooted(&mut scope, &v));
}

/// Writes the global.
#[no_mangle]
pub extern "C" fn wasmtime_global_set(
    mut cx: wasmtime_context_t<'_>,
    g: &wasmtime_global_t,
    val: &wasmtime_val_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = val.to_val().and_then(|v| g.to_global().set(&mut cx, v));
    handle_result(result, |()| {})
}
