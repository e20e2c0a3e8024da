//! Wasmtime's value types with full reference types
//! (`wasmtime/types/val.h`): `wasmtime_valtype_t`, `wasmtime_reftype_t`,
//! `wasmtime_heaptype_t`.

use super::{wasm_functype_t, wasm_valtype_t, CFuncType};
use super::{wasmtime_array_type_t, wasmtime_struct_type_t};
use crate::{wasm_engine_t, wasmtime_exn_type_t};
use std::ffi::c_void;
use wt::{HeapType, RefType, ValType};

/// The heap type of a reference (`WASMTIME_HEAPTYPE_KIND_*` plus, for
/// concrete kinds, an owned type pointer).
#[repr(C)]
pub struct wasmtime_heaptype_t {
    /// `WASMTIME_HEAPTYPE_KIND_*`.
    pub kind: u8,
    /// The concrete type (owned) for concrete kinds, else unused.
    pub of: *mut c_void,
}

/// A reference type.
#[repr(C)]
pub struct wasmtime_reftype_t {
    /// Whether null is a value of the type.
    pub nullable: bool,
    /// The heap type.
    pub heaptype: wasmtime_heaptype_t,
}

/// A value type (`WASMTIME_VALTYPE_KIND_*`; `reftype` for references).
#[repr(C)]
pub struct wasmtime_valtype_t {
    /// `WASMTIME_VALTYPE_KIND_*`.
    pub kind: u8,
    /// The reference type when `kind` is `WASMTIME_VALTYPE_KIND_REF`.
    pub reftype: wasmtime_reftype_t,
}

const HEAP_EXTERN: u8 = 0;
const HEAP_NOEXTERN: u8 = 1;
const HEAP_FUNC: u8 = 2;
const HEAP_CONCRETE_FUNC: u8 = 3;
const HEAP_NOFUNC: u8 = 4;
const HEAP_ANY: u8 = 5;
const HEAP_NONE: u8 = 6;
const HEAP_EQ: u8 = 7;
const HEAP_I31: u8 = 8;
const HEAP_ARRAY: u8 = 9;
const HEAP_CONCRETE_ARRAY: u8 = 10;
const HEAP_STRUCT: u8 = 11;
const HEAP_CONCRETE_STRUCT: u8 = 12;
const HEAP_EXN: u8 = 13;
const HEAP_CONCRETE_EXN: u8 = 14;
const HEAP_NOEXN: u8 = 15;

/// Boxes `v` for a heap type's `of` pointer.
fn owned<T>(v: T) -> *mut c_void {
    Box::into_raw(Box::new(v)).cast()
}

pub(crate) fn heap_to_c(ty: &HeapType) -> wasmtime_heaptype_t {
    let (kind, of) = match ty {
        HeapType::Extern => (HEAP_EXTERN, std::ptr::null_mut()),
        HeapType::NoExtern => (HEAP_NOEXTERN, std::ptr::null_mut()),
        HeapType::Func => (HEAP_FUNC, std::ptr::null_mut()),
        HeapType::NoFunc => (HEAP_NOFUNC, std::ptr::null_mut()),
        HeapType::Exn => (HEAP_EXN, std::ptr::null_mut()),
        HeapType::NoExn => (HEAP_NOEXN, std::ptr::null_mut()),
        HeapType::ConcreteFunc(f) => (
            HEAP_CONCRETE_FUNC,
            owned(wasm_functype_t::new(CFuncType::from_func_type(f))),
        ),
        HeapType::Any => (HEAP_ANY, std::ptr::null_mut()),
        HeapType::None => (HEAP_NONE, std::ptr::null_mut()),
        HeapType::Eq => (HEAP_EQ, std::ptr::null_mut()),
        HeapType::I31 => (HEAP_I31, std::ptr::null_mut()),
        HeapType::Array => (HEAP_ARRAY, std::ptr::null_mut()),
        HeapType::Struct => (HEAP_STRUCT, std::ptr::null_mut()),
        HeapType::ConcreteArray(a) => (
            HEAP_CONCRETE_ARRAY,
            owned(wasmtime_array_type_t { ty: a.clone() }),
        ),
        HeapType::ConcreteStruct(s) => (
            HEAP_CONCRETE_STRUCT,
            owned(wasmtime_struct_type_t { ty: s.clone() }),
        ),
        HeapType::ConcreteExn(e) => (
            HEAP_CONCRETE_EXN,
            owned(wasmtime_exn_type_t { ty: e.clone() }),
        ),
        // The C API of Wasmtime 48 has no continuation heap types; this
        // kind matches none of its constants.
        HeapType::Cont | HeapType::NoCont | HeapType::ConcreteCont(_) => {
            (u8::MAX, std::ptr::null_mut())
        }
    };
    wasmtime_heaptype_t { kind, of }
}

/// The Rust heap type of `ty`, or `None` for an unknown kind, a missing
/// concrete type or a concrete type of another engine.
fn heap_from_c(engine: Option<&wt::Engine>, ty: &wasmtime_heaptype_t) -> Option<HeapType> {
    Some(match ty.kind {
        HEAP_EXTERN => HeapType::Extern,
        HEAP_NOEXTERN => HeapType::NoExtern,
        HEAP_FUNC => HeapType::Func,
        HEAP_NOFUNC => HeapType::NoFunc,
        HEAP_EXN => HeapType::Exn,
        HEAP_NOEXN => HeapType::NoExn,
        HEAP_ANY => HeapType::Any,
        HEAP_NONE => HeapType::None,
        HEAP_EQ => HeapType::Eq,
        HEAP_I31 => HeapType::I31,
        HEAP_ARRAY => HeapType::Array,
        HEAP_STRUCT => HeapType::Struct,
        HEAP_CONCRETE_FUNC if !ty.of.is_null() => {
            // SAFETY: for this kind `of` is an owned `wasm_functype_t`.
            let f = unsafe { &*ty.of.cast::<wasm_functype_t>() };
            HeapType::ConcreteFunc(f.inner().func_type(engine?))
        }
        HEAP_CONCRETE_STRUCT if !ty.of.is_null() => {
            // SAFETY: for this kind `of` is an owned struct type.
            let s = unsafe { &*ty.of.cast::<wasmtime_struct_type_t>() };
            if !engine.is_none_or(|e| wt::Engine::same(e, s.ty.engine())) {
                return None;
            }
            HeapType::ConcreteStruct(s.ty.clone())
        }
        HEAP_CONCRETE_ARRAY if !ty.of.is_null() => {
            // SAFETY: for this kind `of` is an owned array type.
            let a = unsafe { &*ty.of.cast::<wasmtime_array_type_t>() };
            if !engine.is_none_or(|e| wt::Engine::same(e, a.ty.engine())) {
                return None;
            }
            HeapType::ConcreteArray(a.ty.clone())
        }
        HEAP_CONCRETE_EXN if !ty.of.is_null() => {
            // SAFETY: for this kind `of` is an owned exception type.
            let e = unsafe { &*ty.of.cast::<wasmtime_exn_type_t>() };
            if !engine.is_none_or(|en| wt::Engine::same(en, e.ty.engine())) {
                return None;
            }
            HeapType::ConcreteExn(e.ty.clone())
        }
        _ => return None,
    })
}

/// Copies the concrete type behind `of` (of kind `kind`), or returns
/// `of` itself for kinds without one.
///
/// # Safety
///
/// For concrete kinds `of` is null or an owned type of that kind.
unsafe fn concrete_clone(kind: u8, of: *mut c_void) -> *mut c_void {
    if of.is_null() {
        return of;
    }
    // SAFETY: per the caller, `of` is an owned type of `kind`.
    unsafe {
        match kind {
            HEAP_CONCRETE_FUNC => owned((*of.cast::<wasm_functype_t>()).clone()),
            HEAP_CONCRETE_STRUCT => owned((*of.cast::<wasmtime_struct_type_t>()).clone()),
            HEAP_CONCRETE_ARRAY => owned((*of.cast::<wasmtime_array_type_t>()).clone()),
            HEAP_CONCRETE_EXN => Box::into_raw(crate::wasmtime_exn_type_copy(
                &*of.cast::<wasmtime_exn_type_t>(),
            ))
            .cast(),
            _ => std::ptr::null_mut(),
        }
    }
}

fn heap_clone(ty: &wasmtime_heaptype_t) -> wasmtime_heaptype_t {
    wasmtime_heaptype_t {
        kind: ty.kind,
        // SAFETY: the heap type's own pointer for its kind (C contract).
        of: unsafe { concrete_clone(ty.kind, ty.of) },
    }
}

fn heap_free(ty: &mut wasmtime_heaptype_t) {
    let of = std::mem::replace(&mut ty.of, std::ptr::null_mut());
    if of.is_null() {
        return;
    }
    // SAFETY: for concrete kinds `of` is an owned type of that kind made
    // by `Box::into_raw`; other kinds own nothing.
    unsafe {
        match ty.kind {
            HEAP_CONCRETE_FUNC => drop(Box::from_raw(of.cast::<wasm_functype_t>())),
            HEAP_CONCRETE_STRUCT => drop(Box::from_raw(of.cast::<wasmtime_struct_type_t>())),
            HEAP_CONCRETE_ARRAY => drop(Box::from_raw(of.cast::<wasmtime_array_type_t>())),
            HEAP_CONCRETE_EXN => drop(Box::from_raw(of.cast::<wasmtime_exn_type_t>())),
            _ => {}
        }
    }
}

/// Copies a heap type (deeply).
#[no_mangle]
pub extern "C" fn wasmtime_heaptype_clone(
    ty: &wasmtime_heaptype_t,
    out: &mut std::mem::MaybeUninit<wasmtime_heaptype_t>,
) {
    out.write(heap_clone(ty));
}

/// Frees what a heap type owns.
#[no_mangle]
pub extern "C" fn wasmtime_heaptype_delete(ty: &mut wasmtime_heaptype_t) {
    heap_free(ty);
}

/// Copies a reference type (deeply).
#[no_mangle]
pub extern "C" fn wasmtime_reftype_clone(
    ty: &wasmtime_reftype_t,
    out: &mut std::mem::MaybeUninit<wasmtime_reftype_t>,
) {
    out.write(wasmtime_reftype_t {
        nullable: ty.nullable,
        heaptype: heap_clone(&ty.heaptype),
    });
}

/// Frees what a reference type owns.
#[no_mangle]
pub extern "C" fn wasmtime_reftype_delete(ty: &mut wasmtime_reftype_t) {
    heap_free(&mut ty.heaptype);
}

/// Describes `ty` as a `wasmtime_valtype_t`.
#[no_mangle]
pub extern "C" fn wasmtime_valtype_new(
    ty: &wasm_valtype_t,
    out: &mut std::mem::MaybeUninit<wasmtime_valtype_t>,
) {
    let none = || wasmtime_reftype_t {
        nullable: false,
        heaptype: wasmtime_heaptype_t {
            kind: 0,
            of: std::ptr::null_mut(),
        },
    };
    let (kind, reftype) = match &ty.ty {
        ValType::I32 => (0, none()),
        ValType::I64 => (1, none()),
        ValType::F32 => (2, none()),
        ValType::F64 => (3, none()),
        ValType::V128 => (4, none()),
        ValType::Ref(r) => (
            5,
            wasmtime_reftype_t {
                nullable: r.is_nullable(),
                heaptype: heap_to_c(r.heap_type()),
            },
        ),
    };
    out.write(wasmtime_valtype_t { kind, reftype });
}

/// Copies a value type (deeply).
#[no_mangle]
pub extern "C" fn wasmtime_valtype_clone(
    ty: &wasmtime_valtype_t,
    out: &mut std::mem::MaybeUninit<wasmtime_valtype_t>,
) {
    out.write(wasmtime_valtype_t {
        kind: ty.kind,
        reftype: wasmtime_reftype_t {
            nullable: ty.reftype.nullable,
            heaptype: if ty.kind == 5 {
                heap_clone(&ty.reftype.heaptype)
            } else {
                wasmtime_heaptype_t {
                    kind: 0,
                    of: std::ptr::null_mut(),
                }
            },
        },
    });
}

/// Frees what a value type owns.
#[no_mangle]
pub extern "C" fn wasmtime_valtype_delete(ty: &mut wasmtime_valtype_t) {
    if ty.kind == 5 {
        heap_free(&mut ty.reftype.heaptype);
    }
}

/// The `wasm_valtype_t` of `ty` for `engine`, or NULL if a concrete type
/// is not of `engine`. `engine` may be NULL (as in Wasmtime, whose C++ header passes
/// NULL for abstract types) unless `ty` names a concrete function type.
#[no_mangle]
pub extern "C" fn wasmtime_valtype_to_wasm(
    engine: Option<&wasm_engine_t>,
    ty: &wasmtime_valtype_t,
) -> Option<Box<wasm_valtype_t>> {
    let ty = match ty.kind {
        0 => ValType::I32,
        1 => ValType::I64,
        2 => ValType::F32,
        3 => ValType::F64,
        4 => ValType::V128,
        5 => ValType::Ref(RefType::new(
            ty.reftype.nullable,
            heap_from_c(engine.map(|e| &e.engine), &ty.reftype.heaptype)?,
        )),
        _ => return None,
    };
    Some(Box::new(wasm_valtype_t { ty }))
}
