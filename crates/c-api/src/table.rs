//! Tables: `wasm_table_*` (`wasm.h`) and `wasmtime/table.h`.

use crate::ffi::handle_result;
use crate::{
    wasm_extern_t, wasm_ref_t, wasm_store_t, wasm_table_t, wasm_tabletype_t,
    wasmtime_context_const_t, wasmtime_context_t, wasmtime_error_t, wasmtime_table_t,
    wasmtime_val_t, CTableType,
};
use anyhow::{anyhow, Result};
use wt::{Extern, Ref, Table, TableType, Val};

fn table_of(t: &wasm_table_t) -> &Table {
    match &t.ext.which {
        Extern::Table(t) => t,
        _ => unreachable!("wasm_table_t of another kind"),
    }
}

/// The reference a `wasm_ref_t` pointer stands for (NULL: null of the
/// table's element type).
fn ref_or_null(r: Option<&wasm_ref_t>, ty: &TableType) -> Ref {
    match r {
        Some(r) => r.r.clone(),
        None => Val::null_ref(ty.element().heap_type())
            .ref_()
            .unwrap_or(Ref::Func(None)),
    }
}

/// A table of type `ty` filled with `init` (NULL: null), or NULL on error.
#[no_mangle]
pub extern "C" fn wasm_table_new(
    store: &wasm_store_t,
    ty: &wasm_tabletype_t,
    init: Option<&wasm_ref_t>,
) -> Option<Box<wasm_table_t>> {
    let mut cx = store.store.context();
    let tty = ty.inner().ty.clone();
    let init = ref_or_null(init, &tty);
    let table = Table::new(&mut cx, tty, init).ok()?;
    Some(wasm_extern_t::boxed(&store.store, Extern::Table(table)))
}

/// The table's type.
#[no_mangle]
pub extern "C" fn wasm_table_type(t: &wasm_table_t) -> Box<wasm_tabletype_t> {
    let ty = table_of(t).ty(t.ext.store.context());
    Box::new(wasm_tabletype_t::new(CTableType::from_table_type(&ty)))
}

/// The element at `index` (NULL when null or out of bounds).
#[no_mangle]
pub extern "C" fn wasm_table_get(t: &wasm_table_t, index: u32) -> Option<Box<wasm_ref_t>> {
    let r = table_of(t).get(t.ext.store.context(), u64::from(index))?;
    if r.is_null() {
        return None;
    }
    Some(Box::new(wasm_ref_t { r }))
}

/// Sets the element at `index`; false when out of bounds or mistyped.
#[no_mangle]
pub extern "C" fn wasm_table_set(t: &mut wasm_table_t, index: u32, r: Option<&wasm_ref_t>) -> bool {
    let table = *table_of(t);
    let mut cx = t.ext.store.context();
    let ty = table.ty(&cx);
    table
        .set(&mut cx, u64::from(index), ref_or_null(r, &ty))
        .is_ok()
}

/// The number of elements.
#[no_mangle]
pub extern "C" fn wasm_table_size(t: &wasm_table_t) -> u32 {
    u32::try_from(table_of(t).size(t.ext.store.context())).unwrap_or(u32::MAX)
}

/// Grows the table by `delta` elements set to `init`; false on failure.
#[no_mangle]
pub extern "C" fn wasm_table_grow(
    t: &mut wasm_table_t,
    delta: u32,
    init: Option<&wasm_ref_t>,
) -> bool {
    let table = *table_of(t);
    let mut cx = t.ext.store.context();
    let ty = table.ty(&cx);
    table
        .grow(&mut cx, u64::from(delta), ref_or_null(init, &ty))
        .is_ok()
}

fn val_ref(v: &wasmtime_val_t) -> Result<Ref> {
    v.to_val()?
        .ref_()
        .ok_or_else(|| anyhow!("table values must be references"))
}

/// A table of type `ty` filled with `init`.
#[no_mangle]
pub extern "C" fn wasmtime_table_new(
    mut cx: wasmtime_context_t<'_>,
    ty: &wasm_tabletype_t,
    init: &wasmtime_val_t,
    ret: &mut wasmtime_table_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = val_ref(init).and_then(|r| Table::new(&mut cx, ty.inner().ty.clone(), r));
    handle_result(result, |t| *ret = wasmtime_table_t::from_table(&t))
}

/// The table's type.
#[no_mangle]
pub extern "C" fn wasmtime_table_type(
    cx: wasmtime_context_const_t<'_>,
    t: &wasmtime_table_t,
) -> Box<wasm_tabletype_t> {
    let ty = t.to_table().ty(cx);
    Box::new(wasm_tabletype_t::new(CTableType::from_table_type(&ty)))
}

/// Reads the element at `index`; false when out of bounds.
#[no_mangle]
pub extern "C" fn wasmtime_table_get(
    mut cx: wasmtime_context_t<'_>,
    t: &wasmtime_table_t,
    index: u64,
    out: &mut std::mem::MaybeUninit<wasmtime_val_t>,
) -> bool {
    let mut scope = wt::RootScope::new(&mut cx);
    match t.to_table().get(&mut scope, index) {
        Some(r) => {
            out.write(wasmtime_val_t::from_val_rooted(&mut scope, &r.into()));
            true
        }
        None => false,
    }
}

/// Writes the element at `index`.
#[no_mangle]
pub extern "C" fn wasmtime_table_set(
    mut cx: wasmtime_context_t<'_>,
    t: &wasmtime_table_t,
    index: u64,
    val: &wasmtime_val_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = val_ref(val).and_then(|r| t.to_table().set(&mut cx, index, r));
    handle_result(result, |()| {})
}

/// The number of elements.
#[no_mangle]
pub extern "C" fn wasmtime_table_size(
    cx: wasmtime_context_const_t<'_>,
    t: &wasmtime_table_t,
) -> u64 {
    t.to_table().size(cx)
}

/// Grows the table by `delta` elements set to `init`; writes the old size.
#[no_mangle]
pub extern "C" fn wasmtime_table_grow(
    mut cx: wasmtime_context_t<'_>,
    t: &wasmtime_table_t,
    delta: u64,
    init: &wasmtime_val_t,
    prev_size: &mut u64,
) -> Option<Box<wasmtime_error_t>> {
    let result = val_ref(init).and_then(|r| t.to_table().grow(&mut cx, delta, r));
    handle_result(result, |p| *prev_size = p)
}
