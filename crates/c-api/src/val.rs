//! Values: `wasm_val_t` (`wasm.h`), `wasmtime_val_t` and
//! `wasmtime_val_raw_t` (`wasmtime/val.h`), and the handle structs that
//! `wasmtime.h` stores inside them.

use crate::types::{
    WASM_EXTERNREF, WASM_F32, WASM_F64, WASM_FUNCREF, WASM_I32, WASM_I64, WASM_V128,
};
use crate::wasm_ref_t;
use anyhow::{bail, Result};
use std::ffi::c_void;
use wt::{AsContextMut, ExnRef, ExternRef, Func, Ref, Val, ValType, V128};

/// The payload of a `wasm_val_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    /// `i32`.
    pub i32: i32,
    /// `i64`.
    pub i64: i64,
    /// `f32`.
    pub f32: f32,
    /// `f64`.
    pub f64: f64,
    /// A reference (owned), or null.
    pub r#ref: *mut wasm_ref_t,
}

/// A `wasm.h` value.
#[repr(C)]
pub struct wasm_val_t {
    /// `WASM_I32` ... `WASM_FUNCREF`.
    pub kind: u8,
    /// The payload.
    pub of: wasm_val_union,
}

impl Default for wasm_val_t {
    fn default() -> Self {
        wasm_val_t {
            kind: WASM_I32,
            of: wasm_val_union { i64: 0 },
        }
    }
}

impl Clone for wasm_val_t {
    fn clone(&self) -> Self {
        let of = match self.kind {
            // SAFETY: reference kinds hold `ref`.
            WASM_EXTERNREF | WASM_FUNCREF => match unsafe { self.of.r#ref.as_ref() } {
                Some(r) => wasm_val_union {
                    r#ref: Box::into_raw(Box::new(r.clone())),
                },
                None => self.of,
            },
            _ => self.of,
        };
        wasm_val_t {
            kind: self.kind,
            of,
        }
    }
}

impl wasm_val_t {
    /// The value as a Rust `Val`.
    pub(crate) fn to_val(&self) -> Result<Val> {
        // SAFETY: each arm reads the field its kind names.
        Ok(unsafe {
            match self.kind {
                WASM_I32 => Val::I32(self.of.i32),
                WASM_I64 => Val::I64(self.of.i64),
                WASM_F32 => Val::F32(self.of.f32.to_bits()),
                WASM_F64 => Val::F64(self.of.f64.to_bits()),
                WASM_EXTERNREF | WASM_FUNCREF => match self.of.r#ref.as_ref() {
                    Some(r) => r.r.clone().into(),
                    None if self.kind == WASM_FUNCREF => Val::FuncRef(None),
                    None => Val::ExternRef(None),
                },
                k => bail!("unsupported wasm_val_t kind {k}"),
            }
        })
    }

    /// The C form of `val` (`v128` has no `wasm.h` form: its low half is
    /// kept under kind 4).
    pub(crate) fn from_val(val: &Val) -> wasm_val_t {
        let (kind, of) = match val {
            Val::I32(v) => (WASM_I32, wasm_val_union { i32: *v }),
            Val::I64(v) => (WASM_I64, wasm_val_union { i64: *v }),
            Val::F32(v) => (
                WASM_F32,
                wasm_val_union {
                    f32: f32::from_bits(*v),
                },
            ),
            Val::F64(v) => (
                WASM_F64,
                wasm_val_union {
                    f64: f64::from_bits(*v),
                },
            ),
            Val::V128(v) => (
                WASM_V128,
                wasm_val_union {
                    i64: v.as_u128() as i64,
                },
            ),
            Val::FuncRef(f) => (WASM_FUNCREF, ref_union(f.map(|f| Ref::Func(Some(f))))),
            Val::ExternRef(e) => (
                WASM_EXTERNREF,
                ref_union(e.clone().map(|e| Ref::Extern(Some(e)))),
            ),
            Val::ExnRef(e) => (
                WASM_EXTERNREF,
                ref_union(e.clone().map(|e| Ref::Exn(Some(e)))),
            ),
            Val::AnyRef(a) => (
                WASM_EXTERNREF,
                ref_union(a.clone().map(|a| Ref::Any(Some(a)))),
            ),
            // `wasm.h` has no continuation kind: a contref (which Wasmtime
            // 48 aborts on) reads as a null funcref, as before contrefs
            // were host values.
            Val::ContRef(_) => (WASM_FUNCREF, ref_union(None)),
        };
        wasm_val_t { kind, of }
    }
}

fn ref_union(r: Option<Ref>) -> wasm_val_union {
    wasm_val_union {
        r#ref: match r {
            Some(r) => Box::into_raw(Box::new(wasm_ref_t { r })),
            None => std::ptr::null_mut(),
        },
    }
}

/// Frees what a value owns (its reference).
#[no_mangle]
pub extern "C" fn wasm_val_delete(val: &mut wasm_val_t) {
    if matches!(val.kind, WASM_EXTERNREF | WASM_FUNCREF) {
        // SAFETY: reference kinds hold `ref`, owned by the value.
        let r = unsafe { val.of.r#ref };
        if !r.is_null() {
            // SAFETY: made by `Box::into_raw` in this crate.
            drop(unsafe { Box::from_raw(r) });
            val.of.r#ref = std::ptr::null_mut();
        }
    }
}

/// Copies a value (deeply) into `out`.
#[no_mangle]
pub extern "C" fn wasm_val_copy(out: &mut std::mem::MaybeUninit<wasm_val_t>, src: &wasm_val_t) {
    out.write(src.clone());
}

/// A function handle of `wasmtime.h` (`store_id` 0: null funcref).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_func_t {
    /// The store's id.
    pub store_id: u64,
    /// Private.
    pub __private: *mut c_void,
}

/// A GC reference handle of `wasmtime.h` (`store_id` 0: null).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_gcref_t {
    /// The store's id.
    pub store_id: u64,
    /// Private.
    pub __private1: u32,
    /// Private.
    pub __private2: u32,
    /// Private.
    pub __private3: *mut c_void,
}

/// `wasmtime_anyref_t`.
pub type wasmtime_anyref_t = wasmtime_gcref_t;
/// `wasmtime_externref_t`.
pub type wasmtime_externref_t = wasmtime_gcref_t;
/// `wasmtime_exnref_t`.
pub type wasmtime_exnref_t = wasmtime_gcref_t;
/// `wasmtime_eqref_t`.
pub type wasmtime_eqref_t = wasmtime_gcref_t;
/// `wasmtime_structref_t`.
pub type wasmtime_structref_t = wasmtime_gcref_t;
/// `wasmtime_arrayref_t`.
pub type wasmtime_arrayref_t = wasmtime_gcref_t;

impl wasmtime_gcref_t {
    pub(crate) const NULL: wasmtime_gcref_t = wasmtime_gcref_t {
        store_id: 0,
        __private1: 0,
        __private2: 0,
        __private3: std::ptr::null_mut(),
    };

    fn from_words(store_id: u64, bits: u64) -> wasmtime_gcref_t {
        wasmtime_gcref_t {
            store_id,
            __private1: bits as u32,
            __private2: (bits >> 32) as u32,
            __private3: std::ptr::null_mut(),
        }
    }

    fn bits(&self) -> u64 {
        u64::from(self.__private1) | (u64::from(self.__private2) << 32)
    }

    pub(crate) fn from_externref(e: Option<&ExternRef>) -> wasmtime_gcref_t {
        match e {
            Some(e) => {
                let (store, handle) = e.__to_words();
                wasmtime_gcref_t::from_words(store, handle)
            }
            None => wasmtime_gcref_t::NULL,
        }
    }

    pub(crate) fn to_externref(self) -> Option<wt::Rooted<ExternRef>> {
        // SAFETY: non-null handles of this kind come from `from_externref`
        // (C contract: handles are used with their live store).
        (self.store_id != 0).then(|| unsafe { ExternRef::__from_words(self.store_id, self.bits()) })
    }

    pub(crate) fn from_anyref(a: Option<&wt::AnyRef>) -> wasmtime_gcref_t {
        match a {
            Some(a) => {
                let (store, raw) = a.__to_words();
                wasmtime_gcref_t::from_words(store, raw)
            }
            None => wasmtime_gcref_t::NULL,
        }
    }

    pub(crate) fn to_anyref(self) -> Option<wt::Rooted<wt::AnyRef>> {
        // SAFETY: as in `to_externref`.
        (self.store_id != 0)
            .then(|| unsafe { wt::AnyRef::__from_words(self.store_id, self.bits()) })
    }

    pub(crate) fn from_exnref(e: Option<&ExnRef>) -> wasmtime_gcref_t {
        match e {
            Some(e) => {
                let (store, raw) = e.__to_words();
                wasmtime_gcref_t::from_words(store, raw as u64)
            }
            None => wasmtime_gcref_t::NULL,
        }
    }

    pub(crate) fn to_exnref(self) -> Option<wt::Rooted<ExnRef>> {
        // SAFETY: as in `to_externref`.
        (self.store_id != 0)
            .then(|| unsafe { ExnRef::__from_words(self.store_id, self.bits() as usize) })
    }
}

impl wasmtime_func_t {
    pub(crate) const NULL: wasmtime_func_t = wasmtime_func_t {
        store_id: 0,
        __private: std::ptr::null_mut(),
    };

    pub(crate) fn from_func(f: &Func) -> wasmtime_func_t {
        let (store_id, index) = f.__to_words();
        wasmtime_func_t {
            store_id,
            __private: index as *mut c_void,
        }
    }

    /// The function, or `None` for a null funcref.
    pub(crate) fn to_func(self) -> Option<Func> {
        // SAFETY: handles come from `from_func` (C contract: used with
        // their live store).
        (self.store_id != 0)
            .then(|| unsafe { Func::__from_words(self.store_id, self.__private as usize) })
    }
}

/// The payload of a `wasmtime_val_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasmtime_valunion_t {
    /// `i32`.
    pub i32: i32,
    /// `i64`.
    pub i64: i64,
    /// `f32`.
    pub f32: f32,
    /// `f64`.
    pub f64: f64,
    /// `anyref`.
    pub anyref: wasmtime_anyref_t,
    /// `externref`.
    pub externref: wasmtime_externref_t,
    /// `exnref`.
    pub exnref: wasmtime_exnref_t,
    /// `funcref`.
    pub funcref: wasmtime_func_t,
    /// `v128`, little-endian.
    pub v128: [u8; 16],
}

/// A `wasmtime.h` value.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_val_t {
    /// `WASMTIME_I32` ... `WASMTIME_EXNREF`.
    pub kind: u8,
    /// The payload.
    pub of: wasmtime_valunion_t,
}

pub(crate) const WASMTIME_I32: u8 = 0;
pub(crate) const WASMTIME_I64: u8 = 1;
pub(crate) const WASMTIME_F32: u8 = 2;
pub(crate) const WASMTIME_F64: u8 = 3;
pub(crate) const WASMTIME_V128: u8 = 4;
pub(crate) const WASMTIME_FUNCREF: u8 = 5;
pub(crate) const WASMTIME_EXTERNREF: u8 = 6;
pub(crate) const WASMTIME_ANYREF: u8 = 7;
pub(crate) const WASMTIME_EXNREF: u8 = 8;

impl Default for wasmtime_val_t {
    fn default() -> Self {
        wasmtime_val_t {
            kind: WASMTIME_I32,
            of: wasmtime_valunion_t { v128: [0; 16] },
        }
    }
}

impl wasmtime_val_t {
    /// The C form of `val`.
    pub(crate) fn from_val(val: &Val) -> wasmtime_val_t {
        let (kind, of) = match val {
            Val::I32(v) => (WASMTIME_I32, wasmtime_valunion_t { i32: *v }),
            Val::I64(v) => (WASMTIME_I64, wasmtime_valunion_t { i64: *v }),
            Val::F32(v) => (
                WASMTIME_F32,
                wasmtime_valunion_t {
                    f32: f32::from_bits(*v),
                },
            ),
            Val::F64(v) => (
                WASMTIME_F64,
                wasmtime_valunion_t {
                    f64: f64::from_bits(*v),
                },
            ),
            Val::V128(v) => (
                WASMTIME_V128,
                wasmtime_valunion_t {
                    v128: v.as_u128().to_le_bytes(),
                },
            ),
            Val::FuncRef(f) => (
                WASMTIME_FUNCREF,
                wasmtime_valunion_t {
                    funcref: f
                        .as_ref()
                        .map_or(wasmtime_func_t::NULL, wasmtime_func_t::from_func),
                },
            ),
            Val::ExternRef(e) => (
                WASMTIME_EXTERNREF,
                wasmtime_valunion_t {
                    externref: wasmtime_gcref_t::from_externref(e.as_deref()),
                },
            ),
            Val::ExnRef(e) => (
                WASMTIME_EXNREF,
                wasmtime_valunion_t {
                    exnref: wasmtime_gcref_t::from_exnref(e.as_deref()),
                },
            ),
            Val::AnyRef(a) => (
                WASMTIME_ANYREF,
                wasmtime_valunion_t {
                    anyref: wasmtime_gcref_t::from_anyref(a.as_deref()),
                },
            ),
            // No continuation kind in `wasmtime/val.h` (Wasmtime 48 aborts
            // here): a null funcref, as before contrefs were host values.
            Val::ContRef(_) => (
                WASMTIME_FUNCREF,
                wasmtime_valunion_t {
                    funcref: wasmtime_func_t::NULL,
                },
            ),
        };
        wasmtime_val_t { kind, of }
    }

    /// The value as a Rust `Val`.
    pub(crate) fn to_val(self) -> Result<Val> {
        // SAFETY: each arm reads the field its kind names.
        Ok(unsafe {
            match self.kind {
                WASMTIME_I32 => Val::I32(self.of.i32),
                WASMTIME_I64 => Val::I64(self.of.i64),
                WASMTIME_F32 => Val::F32(self.of.f32.to_bits()),
                WASMTIME_F64 => Val::F64(self.of.f64.to_bits()),
                WASMTIME_V128 => Val::V128(V128::from(u128::from_le_bytes(self.of.v128))),
                WASMTIME_FUNCREF => Val::FuncRef(self.of.funcref.to_func()),
                WASMTIME_EXTERNREF => Val::ExternRef(self.of.externref.to_externref()),
                WASMTIME_EXNREF => Val::ExnRef(self.of.exnref.to_exnref()),
                WASMTIME_ANYREF => Val::AnyRef(self.of.anyref.to_anyref()),
                k => bail!("unknown wasmtime_val_t kind {k}"),
            }
        })
    }
}

/// Releases a value's GC root, if it has one (see
/// `wasmtime_externref_unroot`).
#[no_mangle]
pub extern "C" fn wasmtime_val_unroot(val: &mut wasmtime_val_t) {
    // SAFETY: each arm touches the field its kind names.
    unsafe {
        match val.kind {
            WASMTIME_EXTERNREF => val.of.externref.unroot(),
            WASMTIME_EXNREF => val.of.exnref.unroot(),
            WASMTIME_ANYREF => val.of.anyref.unroot(),
            _ => {}
        }
    }
}

/// Copies a value into `dst` (a rooted reference gets a root of its own).
#[no_mangle]
pub extern "C" fn wasmtime_val_clone(
    src: &wasmtime_val_t,
    dst: &mut std::mem::MaybeUninit<wasmtime_val_t>,
) {
    let mut v = *src;
    // SAFETY: each arm touches the field its kind names.
    unsafe {
        match v.kind {
            WASMTIME_EXTERNREF => v.of.externref = v.of.externref.clone_root(),
            WASMTIME_EXNREF => v.of.exnref = v.of.exnref.clone_root(),
            WASMTIME_ANYREF => v.of.anyref = v.of.anyref.clone_root(),
            _ => {}
        }
    }
    dst.write(v);
}

/// A raw value slot of `wasmtime_func_call_unchecked` (16 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasmtime_val_raw_t {
    /// `i32`.
    pub i32: i32,
    /// `i64`.
    pub i64: i64,
    /// `f32`.
    pub f32: f32,
    /// `f64`.
    pub f64: f64,
    /// `v128`.
    pub v128: [u8; 16],
    /// `anyref` raw handle.
    pub anyref: u32,
    /// `externref` raw handle.
    pub externref: u32,
    /// `exnref` raw handle.
    pub exnref: u32,
    /// `funcref` raw pointer.
    pub funcref: *mut c_void,
}

impl wasmtime_val_raw_t {
    /// Reads a raw slot as a value of type `ty`.
    pub(crate) fn to_val(self, mut cx: impl AsContextMut, ty: &ValType) -> Val {
        // SAFETY: the slot holds a value of type `ty` (C contract of the
        // unchecked API).
        unsafe {
            match ty {
                ValType::I32 => Val::I32(self.i32),
                ValType::I64 => Val::I64(self.i64),
                ValType::F32 => Val::F32(self.f32.to_bits()),
                ValType::F64 => Val::F64(self.f64.to_bits()),
                ValType::V128 => Val::V128(V128::from(u128::from_le_bytes(self.v128))),
                ValType::Ref(r) if r.heap_type().is_func() => {
                    Val::FuncRef(Func::from_raw(cx.as_context_mut(), self.funcref))
                }
                ValType::Ref(r) if r.heap_type().is_extern() => {
                    Val::ExternRef(ExternRef::from_raw(cx.as_context_mut(), self.externref))
                }
                ValType::Ref(r)
                    if matches!(r.heap_type(), wt::HeapType::Exn | wt::HeapType::NoExn) =>
                {
                    Val::ExnRef(None)
                }
                ValType::Ref(_) => {
                    Val::AnyRef(wt::AnyRef::from_raw(cx.as_context_mut(), self.anyref))
                }
            }
        }
    }

    /// The raw slot of `val`.
    pub(crate) fn from_val(mut cx: impl AsContextMut, val: &Val) -> Result<wasmtime_val_raw_t> {
        let mut raw = wasmtime_val_raw_t { v128: [0; 16] };
        match val {
            Val::I32(v) => raw.i32 = *v,
            Val::I64(v) => raw.i64 = *v,
            Val::F32(v) => raw.f32 = f32::from_bits(*v),
            Val::F64(v) => raw.f64 = f64::from_bits(*v),
            Val::V128(v) => raw.v128 = v.as_u128().to_le_bytes(),
            Val::FuncRef(f) => {
                raw.funcref = f.map_or(std::ptr::null_mut(), |f| f.to_raw(cx.as_context_mut()))
            }
            Val::ExternRef(e) => {
                raw.externref = match e {
                    Some(e) => e.to_raw(cx.as_context_mut())?,
                    None => 0,
                }
            }
            Val::ExnRef(_) => bail!("exnref values have no raw form in this runtime"),
            Val::AnyRef(a) => {
                raw.anyref = match a {
                    Some(a) => a.to_raw(cx.as_context_mut())?,
                    None => 0,
                }
            }
            Val::ContRef(_) => bail!("contref values have no raw form in the C API"),
        }
        Ok(raw)
    }
}

// The layouts `wasmtime/val.h` and `wasm.h` declare (x86-64 and other
// 64-bit targets).
const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<wasm_val_t>() == 16 && offset_of!(wasm_val_t, of) == 8);
    assert!(size_of::<wasmtime_func_t>() == 16);
    assert!(size_of::<wasmtime_gcref_t>() == 24);
    assert!(size_of::<wasmtime_valunion_t>() == 24 && align_of::<wasmtime_valunion_t>() == 8);
    assert!(size_of::<wasmtime_val_t>() == 32 && offset_of!(wasmtime_val_t, of) == 8);
    assert!(size_of::<wasmtime_val_raw_t>() == 16 && align_of::<wasmtime_val_raw_t>() == 8);
};
