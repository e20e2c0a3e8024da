//! The GC proposal's references (`wasmtime/anyref.h`, `eqref.h`,
//! `structref.h`, `arrayref.h`) over the `wasmtime` crate's `AnyRef`,
//! `StructRef` and `ArrayRef`.
//!
//! The four handle types are the same C struct holding the same word (an
//! i31 or an object of the store's GC heap), so the up- and down-casts
//! copy the handle; each copy handed out owns a root of its own (see
//! `gc.rs`), released by the matching `*_unroot`.

use crate::ffi::{handle_result, slice};
use crate::types::heap_to_c;
use crate::{
    wasmtime_anyref_t, wasmtime_array_type_t, wasmtime_arrayref_t, wasmtime_context_t,
    wasmtime_eqref_t, wasmtime_error_t, wasmtime_gcref_t, wasmtime_heaptype_t,
    wasmtime_struct_type_t, wasmtime_structref_t, wasmtime_val_t,
};
use anyhow::{anyhow, bail, Result};
use std::mem::MaybeUninit;
use wt::{
    AnyRef, ArrayRef, ArrayRefPre, AsContext, Engine, RootScope, Rooted, StructRef, StructRefPre,
    Val,
};

/// The `anyref` behind a handle, failing for null with Wasmtime's
/// message for the handle's kind.
fn non_null(r: &wasmtime_gcref_t, what: &str) -> Result<Rooted<AnyRef>> {
    r.to_anyref()
        .ok_or_else(|| anyhow!("non-null {what} required"))
}

/// The struct behind a handle.
fn as_struct(cx: impl AsContext, r: &wasmtime_structref_t) -> Result<Rooted<StructRef>> {
    match non_null(r, "structref")?.as_struct(&cx)? {
        Some(s) => Ok(s),
        None => bail!("reference is not a struct"),
    }
}

/// The array behind a handle.
fn as_array(cx: impl AsContext, r: &wasmtime_arrayref_t) -> Result<Rooted<ArrayRef>> {
    match non_null(r, "arrayref")?.as_array(&cx)? {
        Some(a) => Ok(a),
        None => bail!("reference is not an array"),
    }
}

/// Writes a copy of `r` (with a root of its own) to `out` if `test`
/// holds for it.
fn downcast(r: &wasmtime_gcref_t, test: bool, out: &mut MaybeUninit<wasmtime_gcref_t>) -> bool {
    if test {
        out.write(r.clone_root());
    }
    test
}

/// A copy of `r` with a root of its own, or null.
fn upcast(r: &wasmtime_gcref_t, out: &mut MaybeUninit<wasmtime_gcref_t>) {
    out.write(if r.store_id == 0 {
        wasmtime_gcref_t::NULL
    } else {
        r.clone_root()
    });
}

/// Whether `r` is non-null and `test` holds for it.
fn check(
    cx: &wasmtime_context_t<'_>,
    r: &wasmtime_gcref_t,
    test: impl FnOnce(&AnyRef, &wasmtime_context_t<'_>) -> Result<bool>,
) -> bool {
    r.to_anyref().is_some_and(|a| test(&a, cx).unwrap_or(false))
}

// ---- anyref ----

/// The `anyref` whose raw value is `raw` (0: null), with a root of its own.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_from_raw(
    mut cx: wasmtime_context_t<'_>,
    raw: u32,
    out: &mut MaybeUninit<wasmtime_anyref_t>,
) {
    let mut scope = RootScope::new(&mut cx);
    let r = AnyRef::from_raw(&mut scope, raw);
    out.write(wasmtime_gcref_t::from_anyref_rooted(&mut scope, r.as_ref()));
}

/// The raw value of an `anyref` (0 for null or a reference of another
/// store).
#[no_mangle]
pub extern "C" fn wasmtime_anyref_to_raw(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
) -> u32 {
    r.to_anyref()
        .and_then(|a| a.to_raw(&mut cx).ok())
        .unwrap_or(0)
}

/// An i31 reference holding the low 31 bits of `v`.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_from_i31(
    mut cx: wasmtime_context_t<'_>,
    v: u32,
    out: &mut MaybeUninit<wasmtime_anyref_t>,
) {
    let r = AnyRef::from_i31(&mut cx, wt::I31::wrapping_u32(v));
    out.write(wasmtime_gcref_t::from_anyref(Some(&r)));
}

/// The i31 value of a non-null reference, if it is one.
fn i31_of(cx: &wasmtime_context_t<'_>, r: &wasmtime_gcref_t) -> Option<wt::I31> {
    r.to_anyref()?.as_i31(cx).ok().flatten()
}

/// Whether `r` is an i31 reference.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_is_i31(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
) -> bool {
    i31_of(&cx, r).is_some()
}

/// The zero-extended value of an i31 reference.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_i31_get_u(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
    dst: &mut u32,
) -> bool {
    i31_of(&cx, r).map(|i| *dst = i.get_u32()).is_some()
}

/// The sign-extended value of an i31 reference.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_i31_get_s(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
    dst: &mut i32,
) -> bool {
    i31_of(&cx, r).map(|i| *dst = i.get_i32()).is_some()
}

/// Whether `r` is an eqref (an i31 or a GC object).
#[no_mangle]
pub extern "C" fn wasmtime_anyref_is_eqref(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
) -> bool {
    check(&cx, r, |a, cx| a.is_eqref(cx))
}

/// `r` as an eqref, if it is one.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_as_eqref(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
    out: &mut MaybeUninit<wasmtime_eqref_t>,
) -> bool {
    downcast(r, wasmtime_anyref_is_eqref(cx, r), out)
}

/// Whether `r` is a struct.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_is_struct(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
) -> bool {
    check(&cx, r, |a, cx| a.is_struct(cx))
}

/// `r` as a structref, if it is one.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_as_struct(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
    out: &mut MaybeUninit<wasmtime_structref_t>,
) -> bool {
    downcast(r, wasmtime_anyref_is_struct(cx, r), out)
}

/// Whether `r` is an array.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_is_array(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
) -> bool {
    check(&cx, r, |a, cx| a.is_array(cx))
}

/// `r` as an arrayref, if it is one.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_as_array(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
    out: &mut MaybeUninit<wasmtime_arrayref_t>,
) -> bool {
    downcast(r, wasmtime_anyref_is_array(cx, r), out)
}

/// The most precise heap type of `r` (`i31`, a concrete struct or array
/// type, or `any`) into `out`, which the caller then owns; false for null.
#[no_mangle]
pub extern "C" fn wasmtime_anyref_type(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_anyref_t,
    out: &mut MaybeUninit<wasmtime_heaptype_t>,
) -> bool {
    match r.to_anyref().map(|a| a.ty(&cx)) {
        Some(Ok(ty)) => {
            out.write(heap_to_c(&ty));
            true
        }
        _ => false,
    }
}

// ---- eqref (the same handle as the anyref it is) ----

/// An i31 reference, as an eqref.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_from_i31(
    cx: wasmtime_context_t<'_>,
    v: u32,
    out: &mut MaybeUninit<wasmtime_eqref_t>,
) {
    wasmtime_anyref_from_i31(cx, v, out)
}

/// Whether `r` is an i31 reference.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_is_i31(cx: wasmtime_context_t<'_>, r: &wasmtime_eqref_t) -> bool {
    wasmtime_anyref_is_i31(cx, r)
}

/// The zero-extended value of an i31 reference.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_i31_get_u(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_eqref_t,
    dst: &mut u32,
) -> bool {
    wasmtime_anyref_i31_get_u(cx, r, dst)
}

/// The sign-extended value of an i31 reference.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_i31_get_s(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_eqref_t,
    dst: &mut i32,
) -> bool {
    wasmtime_anyref_i31_get_s(cx, r, dst)
}

/// Whether `r` is an array.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_is_array(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_eqref_t,
) -> bool {
    wasmtime_anyref_is_array(cx, r)
}

/// `r` as an arrayref, if it is one.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_as_array(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_eqref_t,
    out: &mut MaybeUninit<wasmtime_arrayref_t>,
) -> bool {
    wasmtime_anyref_as_array(cx, r, out)
}

/// Whether `r` is a struct.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_is_struct(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_eqref_t,
) -> bool {
    wasmtime_anyref_is_struct(cx, r)
}

/// `r` as a structref, if it is one.
#[no_mangle]
pub extern "C" fn wasmtime_eqref_as_struct(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_eqref_t,
    out: &mut MaybeUninit<wasmtime_structref_t>,
) -> bool {
    wasmtime_anyref_as_struct(cx, r, out)
}

/// The most precise heap type of `r` (see `wasmtime_anyref_type`).
#[no_mangle]
pub extern "C" fn wasmtime_eqref_type(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_eqref_t,
    out: &mut MaybeUninit<wasmtime_heaptype_t>,
) -> bool {
    wasmtime_anyref_type(cx, r, out)
}

/// The anyref an eqref is (a copy with a root of its own).
#[no_mangle]
pub extern "C" fn wasmtime_eqref_to_anyref(
    r: &wasmtime_eqref_t,
    out: &mut MaybeUninit<wasmtime_anyref_t>,
) {
    upcast(r, out)
}

/// The anyref a structref is (a copy with a root of its own).
#[no_mangle]
pub extern "C" fn wasmtime_structref_to_anyref(
    r: &wasmtime_structref_t,
    out: &mut MaybeUninit<wasmtime_anyref_t>,
) {
    upcast(r, out)
}

/// The eqref a structref is (a copy with a root of its own).
#[no_mangle]
pub extern "C" fn wasmtime_structref_to_eqref(
    r: &wasmtime_structref_t,
    out: &mut MaybeUninit<wasmtime_eqref_t>,
) {
    upcast(r, out)
}

/// The anyref an arrayref is (a copy with a root of its own).
#[no_mangle]
pub extern "C" fn wasmtime_arrayref_to_anyref(
    r: &wasmtime_arrayref_t,
    out: &mut MaybeUninit<wasmtime_anyref_t>,
) {
    upcast(r, out)
}

/// The eqref an arrayref is (a copy with a root of its own).
#[no_mangle]
pub extern "C" fn wasmtime_arrayref_to_eqref(
    r: &wasmtime_arrayref_t,
    out: &mut MaybeUninit<wasmtime_eqref_t>,
) {
    upcast(r, out)
}

// ---- structs ----

/// An allocator of structs of one type in one store.
pub struct wasmtime_struct_ref_pre_t {
    pre: StructRefPre,
}

/// An allocator of arrays of one type in one store.
pub struct wasmtime_array_ref_pre_t {
    pre: ArrayRefPre,
}

/// An allocator of structs of type `ty` in the context's store; NULL if
/// `ty` belongs to another engine.
#[no_mangle]
pub extern "C" fn wasmtime_struct_ref_pre_new(
    mut cx: wasmtime_context_t<'_>,
    ty: &wasmtime_struct_type_t,
) -> Option<Box<wasmtime_struct_ref_pre_t>> {
    if !Engine::same(cx.engine(), ty.ty.engine()) {
        return None;
    }
    let pre = StructRefPre::new(&mut cx, ty.ty.clone());
    Some(Box::new(wasmtime_struct_ref_pre_t { pre }))
}

/// Frees a struct allocator.
#[no_mangle]
pub extern "C" fn wasmtime_struct_ref_pre_delete(_pre: Option<Box<wasmtime_struct_ref_pre_t>>) {}

/// Reads C values into Rust ones.
fn vals(c: &[wasmtime_val_t]) -> Result<Vec<Val>> {
    c.iter().map(|v| v.to_val()).collect()
}

/// A new struct with one value per field (`out` owns a root of it; null
/// on error).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_structref_new(
    mut cx: wasmtime_context_t<'_>,
    pre: &wasmtime_struct_ref_pre_t,
    fields: *const wasmtime_val_t,
    nfields: usize,
    out: &mut MaybeUninit<wasmtime_structref_t>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `nfields` values at `fields`.
    let fields = unsafe { slice(fields, nfields) };
    let mut scope = RootScope::new(&mut cx);
    let result = vals(fields).and_then(|v| StructRef::new(&mut scope, &pre.pre, &v));
    out.write(wasmtime_gcref_t::NULL);
    handle_result(result, |s| {
        let any = s.to_anyref();
        out.write(wasmtime_gcref_t::from_anyref_rooted(&mut scope, Some(&any)));
    })
}

/// Field `index` of a struct (`out` owns any root the value has).
#[no_mangle]
pub extern "C" fn wasmtime_structref_field(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_structref_t,
    index: usize,
    out: &mut MaybeUninit<wasmtime_val_t>,
) -> Option<Box<wasmtime_error_t>> {
    let mut scope = RootScope::new(&mut cx);
    let result = as_struct(&scope, r).and_then(|s| s.field(&mut scope, index));
    handle_result(result, |v| {
        out.write(wasmtime_val_t::from_val_rooted(&mut scope, &v));
    })
}

/// Sets field `index` of a struct (the field must be mutable and `val`
/// of its type).
#[no_mangle]
pub extern "C" fn wasmtime_structref_set_field(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_structref_t,
    index: usize,
    val: &wasmtime_val_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = val
        .to_val()
        .and_then(|v| as_struct(&cx, r)?.set_field(&mut cx, index, v));
    handle_result(result, |()| {})
}

/// The type of a struct, or NULL for null.
#[no_mangle]
pub extern "C" fn wasmtime_structref_type(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_structref_t,
) -> Option<Box<wasmtime_struct_type_t>> {
    let ty = as_struct(&cx, r).and_then(|s| s.ty(&cx)).ok()?;
    Some(Box::new(wasmtime_struct_type_t { ty }))
}

// ---- arrays ----

/// An allocator of arrays of type `ty` in the context's store; NULL if
/// `ty` belongs to another engine.
#[no_mangle]
pub extern "C" fn wasmtime_array_ref_pre_new(
    mut cx: wasmtime_context_t<'_>,
    ty: &wasmtime_array_type_t,
) -> Option<Box<wasmtime_array_ref_pre_t>> {
    if !Engine::same(cx.engine(), ty.ty.engine()) {
        return None;
    }
    let pre = ArrayRefPre::new(&mut cx, ty.ty.clone());
    Some(Box::new(wasmtime_array_ref_pre_t { pre }))
}

/// Frees an array allocator.
#[no_mangle]
pub extern "C" fn wasmtime_array_ref_pre_delete(_pre: Option<Box<wasmtime_array_ref_pre_t>>) {}

/// A new array of `len` copies of `elem` (`out` owns a root of it; null
/// on error).
#[no_mangle]
pub extern "C" fn wasmtime_arrayref_new(
    mut cx: wasmtime_context_t<'_>,
    pre: &wasmtime_array_ref_pre_t,
    elem: &wasmtime_val_t,
    len: u32,
    out: &mut MaybeUninit<wasmtime_arrayref_t>,
) -> Option<Box<wasmtime_error_t>> {
    let mut scope = RootScope::new(&mut cx);
    let result = elem
        .to_val()
        .and_then(|v| ArrayRef::new(&mut scope, &pre.pre, &v, len));
    out.write(wasmtime_gcref_t::NULL);
    handle_result(result, |a| {
        let any = a.to_anyref();
        out.write(wasmtime_gcref_t::from_anyref_rooted(&mut scope, Some(&any)));
    })
}

/// The number of elements of an array.
#[no_mangle]
pub extern "C" fn wasmtime_arrayref_len(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_arrayref_t,
    out: &mut u32,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(as_array(&cx, r).and_then(|a| a.len(&cx)), |n| *out = n)
}

/// Element `index` of an array (`out` owns any root the value has).
#[no_mangle]
pub extern "C" fn wasmtime_arrayref_get(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_arrayref_t,
    index: u32,
    out: &mut MaybeUninit<wasmtime_val_t>,
) -> Option<Box<wasmtime_error_t>> {
    let mut scope = RootScope::new(&mut cx);
    let result = as_array(&scope, r).and_then(|a| a.get(&mut scope, index));
    handle_result(result, |v| {
        out.write(wasmtime_val_t::from_val_rooted(&mut scope, &v));
    })
}

/// Sets element `index` of an array (its elements must be mutable and
/// `val` of their type).
#[no_mangle]
pub extern "C" fn wasmtime_arrayref_set(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_arrayref_t,
    index: u32,
    val: &wasmtime_val_t,
) -> Option<Box<wasmtime_error_t>> {
    let result = val
        .to_val()
        .and_then(|v| as_array(&cx, r)?.set(&mut cx, index, v));
    handle_result(result, |()| {})
}

/// The type of an array, or NULL for null.
#[no_mangle]
pub extern "C" fn wasmtime_arrayref_type(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_arrayref_t,
) -> Option<Box<wasmtime_array_type_t>> {
    let ty = as_array(&cx, r).and_then(|a| a.ty(&cx)).ok()?;
    Some(Box::new(wasmtime_array_type_t { ty }))
}
