//! Wasmtime's value types with full reference types
//! (`wasmtime/types/val.h`): `wasmtime_valtype_t`, `wasmtime_reftype_t`,
//! `wasmtime_heaptype_t`.

use super::{wasm_functype_t, wasm_valtype_t, CFuncType};
use crate::wasm_engine_t;
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
const HEAP_NOEXN: u8 = 15;

fn heap_to_c(ty: &HeapType) -> wasmtime_heaptype_t {
    let (kind, of) = match ty {
        HeapType::Extern => (HEAP_EXTERN, std::ptr::null_mut()),
        HeapType::NoExtern => (HEAP_NOEXTERN, std::ptr::null_mut()),
        HeapType::Func => (HEAP_FUNC, std::ptr::null_mut()),
        HeapType::NoFunc => (HEAP_NOFUNC, std::ptr::null_mut()),
        HeapType::Exn => (HEAP_EXN, std::ptr::null_mut()),
        HeapType::NoExn => (HEAP_NOEXN, std::ptr::null_mut()),
        HeapType::ConcreteFunc(f) => (
            HEAP_CONCRETE_FUNC,
            Box::into_raw(Box::new(wasm_functype_t::new(CFuncType::from_func_type(f)))).cast(),
        ),
        HeapType::Any => (HEAP_ANY, std::ptr::null_mut()),
        HeapType::None => (HEAP_NONE, std::ptr::null_mut()),
        HeapType::Eq => (HEAP_EQ, std::ptr::null_mut()),
        HeapType::I31 => (HEAP_I31, std::ptr::null_mut()),
        HeapType::Array => (HEAP_ARRAY, std::ptr::null_mut()),
        HeapType::Struct => (HEAP_STRUCT, std::ptr::null_mut()),
        // The C API has no struct or array type objects yet (the GC heap is
        // still missing): the kind is reported without its type.
        HeapType::ConcreteArray(_) => (HEAP_CONCRETE_ARRAY, std::ptr::null_mut()),
        HeapType::ConcreteStruct(_) => (HEAP_CONCRETE_STRUCT, std::ptr::null_mut()),
        // The C API of Wasmtime 48 has no continuation heap types; this
        // kind matches none of its constants.
        HeapType::Cont | HeapType::NoCont | HeapType::ConcreteCont(_) => {
            (u8::MAX, std::ptr::null_mut())
        }
    };
    wasmtime_heaptype_t { kind, of }
}

/// The Rust heap type of `ty`, if this runtime has it.
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
        _ => return None,
    })
}

fn heap_clone(ty: &wasmtime_heaptype_t) -> wasmtime_heaptype_t {
    let of = if ty.kind == HEAP_CONCRETE_FUNC && !ty.of.is_null() {
        // SAFETY: for this kind `of` is an owned `wasm_functype_t`.
        let f = unsafe { &*ty.of.cast::<wasm_functype_t>() };
        Box::into_raw(Box::new(f.clone())).cast()
    } else {
        ty.of
    };
    wasmtime_heaptype_t { kind: ty.kind, of }
}

fn heap_free(ty: &mut wasmtime_heaptype_t) {
    if ty.kind == HEAP_CONCRETE_FUNC && !ty.of.is_null() {
        // SAFETY: for this kind `of` is an owned `wasm_functype_t` made by
        // `Box::into_raw`.
        drop(unsafe { Box::from_raw(ty.of.cast::<wasm_functype_t>()) });
    }
    ty.of = std::ptr::null_mut();
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

/// The `wasm_valtype_t` of `ty` for `engine`, or NULL if this runtime
/// lacks the type (GC heap types). `engine` may be NULL (as in Wasmtime,
/// whose C++ header passes NULL for abstract types) unless `ty` is a
/// concrete reference type; then NULL is returned.
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
