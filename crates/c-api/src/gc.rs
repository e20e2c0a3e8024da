//! GC references of `wasmtime.h`: `externref` (`wasmtime/externref.h`),
//! exceptions (`wasmtime/exnref.h`) and tags (`wasmtime/tag.h`), and the
//! roots that every reference handle handed to C carries (the GC
//! proposal's `anyref`, `eqref`, `structref` and `arrayref` functions are
//! in `gc_objects.rs`).
//!
//! An `externref` or `anyref` handle owns a root (the token of an
//! `OwnedRooted` in `__private3`) unless it is an i31 or null. An
//! `exnref` needs none: exception objects the host has seen are never
//! reclaimed while their store lives.

use crate::ffi::{handle_result, slice, Finalizer, ForeignData};
use crate::{
    wasm_engine_t, wasm_tagtype_t, wasm_trap_t, wasm_valtype_vec_t, wasmtime_context_const_t,
    wasmtime_context_t, wasmtime_error_t, wasmtime_exnref_t, wasmtime_externref_t,
    wasmtime_gcref_t, wasmtime_tag_t, wasmtime_val_t, CFuncType,
};
use anyhow::{anyhow, Result};
use std::ffi::c_void;
use std::mem::MaybeUninit;
use wt::{ExnRef, ExnRefPre, ExnType, ExternRef, RootScope, Tag, TagType, Val};

/// A new `externref` holding `data`. The reference is rooted until its
/// last clone is unrooted (`wasmtime_externref_unroot`,
/// `wasmtime_val_unroot`); the next collection after that runs
/// `finalizer`, unless wasm still holds the reference.
#[no_mangle]
pub extern "C" fn wasmtime_externref_new(
    mut cx: wasmtime_context_t<'_>,
    data: *mut c_void,
    finalizer: Finalizer,
    out: &mut MaybeUninit<wasmtime_externref_t>,
) -> bool {
    let mut scope = RootScope::new(&mut cx);
    let owned = ExternRef::new(&mut scope, ForeignData { data, finalizer })
        .and_then(|r| r.to_owned_rooted(&mut scope));
    match owned {
        Ok(r) => {
            out.write(wasmtime_gcref_t::from_owned_externref(r));
            true
        }
        Err(_) => {
            out.write(wasmtime_gcref_t::NULL);
            false
        }
    }
}

/// The data pointer of an `externref` made by `wasmtime_externref_new`
/// (NULL otherwise).
#[no_mangle]
pub extern "C" fn wasmtime_externref_data(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_externref_t,
) -> *mut c_void {
    let Some(r) = r.to_externref() else {
        return std::ptr::null_mut();
    };
    match r.data(cx) {
        Ok(Some(any)) => any
            .downcast_ref::<ForeignData>()
            .map_or(std::ptr::null_mut(), |d| d.data),
        _ => std::ptr::null_mut(),
    }
}

impl wasmtime_gcref_t {
    /// The C form of an owned root of an `externref`: the root's token
    /// rides in `__private3` until [`wasmtime_gcref_t::unroot`].
    pub(crate) fn from_owned_externref(r: wt::OwnedRooted<ExternRef>) -> wasmtime_gcref_t {
        let (store_id, bits, token) = r.__into_words();
        wasmtime_gcref_t {
            store_id,
            __private1: bits as u32,
            __private2: (bits >> 32) as u32,
            __private3: token as *mut c_void,
        }
    }

    /// The C form of an owned root of an `anyref` (also used for
    /// `eqref`, `structref` and `arrayref` handles, which are the same
    /// words).
    pub(crate) fn from_owned_anyref(r: wt::OwnedRooted<wt::AnyRef>) -> wasmtime_gcref_t {
        let (store_id, bits, token) = r.__into_words();
        wasmtime_gcref_t {
            store_id,
            __private1: bits as u32,
            __private2: (bits >> 32) as u32,
            __private3: token as *mut c_void,
        }
    }

    /// A C handle owning a root of `r` (null if `r` is `None`, no root
    /// for an i31, which is no heap object).
    pub(crate) fn from_anyref_rooted(
        cx: impl wt::AsContextMut,
        r: Option<&wt::Rooted<wt::AnyRef>>,
    ) -> wasmtime_gcref_t {
        let Some(r) = r else {
            return wasmtime_gcref_t::NULL;
        };
        let plain = wasmtime_gcref_t::from_anyref(Some(r));
        // An i31's word has its low bit set.
        if plain.__private1 & 1 == 1 {
            return plain;
        }
        match r.to_owned_rooted(cx) {
            Ok(owned) => wasmtime_gcref_t::from_owned_anyref(owned),
            Err(_) => plain,
        }
    }

    /// A copy of this reference with a root of its own if it is rooted.
    /// A null handle (`store_id` 0, which `*_set_null` sets alone) has no
    /// root whatever its other words hold.
    pub(crate) fn clone_root(&self) -> wasmtime_gcref_t {
        if self.store_id != 0 && !self.__private3.is_null() {
            // SAFETY: a non-null `__private3` is a root token from
            // `from_owned_externref` that this handle still holds (C
            // contract: a handle is not used after it is unrooted).
            unsafe { wt::OwnedRooted::<ExternRef>::__clone_token(self.__private3 as *const ()) };
        }
        *self
    }

    /// Gives up this handle's root, if any; unrooting it again does
    /// nothing.
    pub(crate) fn unroot(&mut self) {
        if self.store_id == 0 {
            return;
        }
        let token = std::mem::replace(&mut self.__private3, std::ptr::null_mut());
        if !token.is_null() {
            // SAFETY: as in `clone_root`; the field is cleared above, so
            // this handle releases its holder once.
            unsafe { wt::OwnedRooted::<ExternRef>::__drop_token(token as *const ()) };
        }
    }
}

impl wasmtime_val_t {
    /// The C form of `val` as handed to C code that owns it: an
    /// `externref` or `anyref` gets an owned root of its own (released by
    /// `wasmtime_val_unroot`), so clones of it stay valid whatever the
    /// runtime's root scopes do.
    pub(crate) fn from_val_rooted(cx: impl wt::AsContextMut, val: &Val) -> wasmtime_val_t {
        match val {
            Val::ExternRef(Some(r)) => match r.to_owned_rooted(cx) {
                Ok(owned) => wasmtime_val_t {
                    kind: crate::WASMTIME_EXTERNREF,
                    of: crate::wasmtime_valunion_t {
                        externref: wasmtime_gcref_t::from_owned_externref(owned),
                    },
                },
                Err(_) => wasmtime_val_t::from_val(val),
            },
            Val::AnyRef(Some(r)) => wasmtime_val_t {
                kind: crate::WASMTIME_ANYREF,
                of: crate::wasmtime_valunion_t {
                    anyref: wasmtime_gcref_t::from_anyref_rooted(cx, Some(r)),
                },
            },
            _ => wasmtime_val_t::from_val(val),
        }
    }
}

macro_rules! clone_unroot {
    ($($clone:ident $unroot:ident;)*) => {$(
        /// Copies a reference; a rooted one gets a root of its own.
        #[no_mangle]
        pub extern "C" fn $clone(r: &wasmtime_gcref_t, out: &mut MaybeUninit<wasmtime_gcref_t>) {
            out.write(r.clone_root());
        }

        /// Releases a reference's root (references without one live as
        /// long as their store).
        #[no_mangle]
        pub extern "C" fn $unroot(r: &mut wasmtime_gcref_t) {
            r.unroot();
        }
    )*};
}

clone_unroot! {
    wasmtime_externref_clone wasmtime_externref_unroot;
    wasmtime_exnref_clone wasmtime_exnref_unroot;
    wasmtime_anyref_clone wasmtime_anyref_unroot;
    wasmtime_eqref_clone wasmtime_eqref_unroot;
    wasmtime_structref_clone wasmtime_structref_unroot;
    wasmtime_arrayref_clone wasmtime_arrayref_unroot;
}

/// The `externref` whose raw value is `raw` (0: null).
#[no_mangle]
pub extern "C" fn wasmtime_externref_from_raw(
    mut cx: wasmtime_context_t<'_>,
    raw: u32,
    out: &mut MaybeUninit<wasmtime_externref_t>,
) {
    let mut scope = RootScope::new(&mut cx);
    let owned =
        ExternRef::from_raw(&mut scope, raw).and_then(|r| r.to_owned_rooted(&mut scope).ok());
    out.write(owned.map_or(
        wasmtime_gcref_t::NULL,
        wasmtime_gcref_t::from_owned_externref,
    ));
}

/// The raw value of an `externref` (0 for null).
#[no_mangle]
pub extern "C" fn wasmtime_externref_to_raw(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_externref_t,
) -> u32 {
    r.to_externref()
        .and_then(|r| r.to_raw(&mut cx).ok())
        .unwrap_or(0)
}

/// Exceptions have no raw form here: a null reference.
#[no_mangle]
pub extern "C" fn wasmtime_exnref_from_raw(
    _cx: wasmtime_context_t<'_>,
    _raw: u32,
    out: &mut MaybeUninit<wasmtime_exnref_t>,
) {
    out.write(wasmtime_gcref_t::NULL);
}

/// Exceptions have no raw form here: 0.
#[no_mangle]
pub extern "C" fn wasmtime_exnref_to_raw(
    _cx: wasmtime_context_t<'_>,
    _r: &wasmtime_exnref_t,
) -> u32 {
    0
}

fn exn(r: &wasmtime_exnref_t) -> Result<wt::Rooted<ExnRef>> {
    r.to_exnref()
        .ok_or_else(|| anyhow!("null exception reference"))
}

/// A new exception of `tag` with `fields`.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_exnref_new(
    mut cx: wasmtime_context_t<'_>,
    tag: &wasmtime_tag_t,
    fields: *const wasmtime_val_t,
    nfields: usize,
    exn_ret: &mut MaybeUninit<wasmtime_exnref_t>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `nfields` values at `fields`.
    let fields = unsafe { slice(fields, nfields) };
    let result = (|| {
        let tag = tag.to_tag();
        let fields = fields
            .iter()
            .map(|f| f.to_val())
            .collect::<Result<Vec<_>>>()?;
        let ty = ExnType::from_tag_type(&tag.ty(&cx))?;
        let pre = ExnRefPre::new(&mut cx, ty);
        ExnRef::new(&mut cx, &pre, &tag, &fields)
    })();
    handle_result(result, |r| {
        exn_ret.write(wasmtime_gcref_t::from_exnref(Some(&r)));
    })
}

/// The tag of an exception.
#[no_mangle]
pub extern "C" fn wasmtime_exnref_tag(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_exnref_t,
    tag_ret: &mut wasmtime_tag_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(exn(r).and_then(|e| e.tag(cx)), |t| {
        *tag_ret = wasmtime_tag_t::from_tag(&t)
    })
}

/// The number of fields of an exception (0 for a bad reference).
#[no_mangle]
pub extern "C" fn wasmtime_exnref_field_count(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_exnref_t,
) -> usize {
    exn(r).and_then(|e| e.fields(cx)).map_or(0, |f| f.len())
}

/// Field `index` of an exception.
#[no_mangle]
pub extern "C" fn wasmtime_exnref_field(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_exnref_t,
    index: usize,
    val_ret: &mut MaybeUninit<wasmtime_val_t>,
) -> Option<Box<wasmtime_error_t>> {
    let mut scope = RootScope::new(&mut cx);
    handle_result(exn(r).and_then(|e| e.field(&mut scope, index)), |v| {
        val_ret.write(wasmtime_val_t::from_val_rooted(&mut scope, &v));
    })
}

/// Sets the store's pending exception and returns the trap to return from
/// a host function so that wasm sees the throw.
#[no_mangle]
pub extern "C" fn wasmtime_context_set_exception(
    mut cx: wasmtime_context_t<'_>,
    r: &wasmtime_exnref_t,
) -> Box<wasm_trap_t> {
    let err = match exn(r) {
        Ok(e) => match cx.throw::<()>(e) {
            Err(e) => e,
            Ok(()) => anyhow!("exception thrown"),
        },
        Err(e) => e,
    };
    Box::new(wasm_trap_t::new(err))
}

/// Takes the store's pending exception, if any.
#[no_mangle]
pub extern "C" fn wasmtime_context_take_exception(
    mut cx: wasmtime_context_t<'_>,
    exn_ret: &mut MaybeUninit<wasmtime_exnref_t>,
) -> bool {
    match cx.take_pending_exception() {
        Some(e) => {
            exn_ret.write(wasmtime_gcref_t::from_exnref(Some(&e)));
            true
        }
        None => false,
    }
}

/// Whether the store has a pending exception.
#[no_mangle]
pub extern "C" fn wasmtime_context_has_exception(mut cx: wasmtime_context_t<'_>) -> bool {
    match cx.take_pending_exception() {
        Some(e) => {
            // Put it back: this only looks.
            let _ = cx.throw::<()>(e);
            true
        }
        None => false,
    }
}

/// An exception type (opaque; this runtime builds them from tag types).
pub struct wasmtime_exn_type_t {
    pub(crate) ty: ExnType,
}

/// The exception type with fields `params`.
#[no_mangle]
pub extern "C" fn wasmtime_exn_type_new(
    engine: &wasm_engine_t,
    params: &wasm_valtype_vec_t,
    out: &mut std::mem::MaybeUninit<Option<Box<wasmtime_exn_type_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    let fields: Vec<_> = params
        .as_slice()
        .iter()
        .flatten()
        .map(|t| t.ty.clone())
        .collect();
    handle_result(ExnType::new(&engine.engine, fields), |ty| {
        out.write(Some(Box::new(wasmtime_exn_type_t { ty })));
    })
}

/// Frees an exception type.
#[no_mangle]
pub extern "C" fn wasmtime_exn_type_delete(_ty: Option<Box<wasmtime_exn_type_t>>) {}

/// A copy of an exception type.
#[no_mangle]
pub extern "C" fn wasmtime_exn_type_copy(ty: &wasmtime_exn_type_t) -> Box<wasmtime_exn_type_t> {
    Box::new(wasmtime_exn_type_t { ty: ty.ty.clone() })
}

/// The tag type of an exception type.
#[no_mangle]
pub extern "C" fn wasmtime_exn_type_tag_type(ty: &wasmtime_exn_type_t) -> Box<wasm_tagtype_t> {
    let params: Vec<_> = ty
        .ty
        .fields()
        .map(|f| match f.element_type() {
            wt::StorageType::ValType(v) => v.clone(),
            _ => wt::ValType::I32,
        })
        .collect();
    Box::new(wasm_tagtype_t::new(Box::new(crate::wasm_functype_t::new(
        CFuncType::new(params, Vec::new()),
    ))))
}

/// The type of an exception, or NULL.
#[no_mangle]
pub extern "C" fn wasmtime_exnref_type(
    cx: wasmtime_context_t<'_>,
    r: &wasmtime_exnref_t,
) -> Option<Box<wasmtime_exn_type_t>> {
    let ty = exn(r).and_then(|e| e.ty(cx)).ok()?;
    Some(Box::new(wasmtime_exn_type_t { ty }))
}

/// A new tag of type `tt`.
#[no_mangle]
pub extern "C" fn wasmtime_tag_new(
    mut cx: wasmtime_context_t<'_>,
    tt: &wasm_tagtype_t,
    ret: &mut wasmtime_tag_t,
) -> Option<Box<wasmtime_error_t>> {
    let fty = tt.inner().inner().func_type(cx.engine());
    handle_result(Tag::new(&mut cx, &TagType::new(fty)), |t| {
        *ret = wasmtime_tag_t::from_tag(&t)
    })
}

/// The type of a tag.
#[no_mangle]
pub extern "C" fn wasmtime_tag_type(
    cx: wasmtime_context_const_t<'_>,
    tag: &wasmtime_tag_t,
) -> Box<wasm_tagtype_t> {
    let ty = tag.to_tag().ty(cx);
    Box::new(wasm_tagtype_t::new(Box::new(crate::wasm_functype_t::new(
        CFuncType::from_func_type(ty.ty()),
    ))))
}

/// Whether two tags are the same tag.
#[no_mangle]
pub extern "C" fn wasmtime_tag_eq(
    _cx: wasmtime_context_const_t<'_>,
    a: &wasmtime_tag_t,
    b: &wasmtime_tag_t,
) -> bool {
    a.head.store_id == b.head.store_id
        && a.head.__private1 == b.head.__private1
        && a.__private2 == b.__private2
}
