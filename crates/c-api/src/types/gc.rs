//! The GC proposal's type descriptors (`wasmtime/types/structref.h` and
//! `wasmtime/types/arrayref.h`): storage and field types, struct and array
//! types over the `wasmtime` crate's `StructType` and `ArrayType`.

use super::wasm_valtype_t;
use crate::ffi::slice;
use crate::wasm_engine_t;
use std::mem::MaybeUninit;
use wt::{ArrayType, Engine, FieldType, HeapType, Mutability, StorageType, StructType, ValType};

const STORAGE_I8: u8 = 0;
const STORAGE_I16: u8 = 1;
const STORAGE_VALTYPE: u8 = 2;

/// The storage type of a GC field: a packed integer, or a value type.
#[repr(C)]
pub struct wasmtime_storage_type_t {
    /// `WASMTIME_STORAGE_TYPE_KIND_*`.
    pub kind: u8,
    /// The value type (owned) when `kind` is
    /// `WASMTIME_STORAGE_TYPE_KIND_VALTYPE`; not read otherwise (C may
    /// leave it uninitialized).
    pub valtype: *mut wasm_valtype_t,
}

/// A GC field type.
#[repr(C)]
pub struct wasmtime_field_type_t {
    /// Whether the field is mutable.
    pub mutable_: bool,
    /// The storage type.
    pub storage: wasmtime_storage_type_t,
}

impl wasmtime_storage_type_t {
    pub(crate) fn from_storage(ty: &StorageType) -> wasmtime_storage_type_t {
        let (kind, valtype) = match ty {
            StorageType::I8 => (STORAGE_I8, std::ptr::null_mut()),
            StorageType::I16 => (STORAGE_I16, std::ptr::null_mut()),
            StorageType::ValType(v) => (
                STORAGE_VALTYPE,
                Box::into_raw(Box::new(wasm_valtype_t { ty: v.clone() })),
            ),
        };
        wasmtime_storage_type_t { kind, valtype }
    }

    /// The value type of a value-kind storage type.
    fn valtype(&self) -> Option<&wasm_valtype_t> {
        if self.kind != STORAGE_VALTYPE {
            return None;
        }
        // SAFETY: for this kind `valtype` is null or an owned value type
        // (C contract).
        unsafe { self.valtype.as_ref() }
    }

    /// The Rust storage type, or `None` for an unknown kind or a missing
    /// value type.
    pub(crate) fn to_storage(&self) -> Option<StorageType> {
        match self.kind {
            STORAGE_I8 => Some(StorageType::I8),
            STORAGE_I16 => Some(StorageType::I16),
            _ => self.valtype().map(|v| StorageType::ValType(v.ty.clone())),
        }
    }

    fn deep_clone(&self) -> wasmtime_storage_type_t {
        let valtype = match self.valtype() {
            Some(v) => Box::into_raw(Box::new(v.clone())),
            None => std::ptr::null_mut(),
        };
        wasmtime_storage_type_t {
            kind: self.kind,
            valtype,
        }
    }

    fn free(&mut self) {
        if self.kind == STORAGE_VALTYPE && !self.valtype.is_null() {
            // SAFETY: an owned value type made by `Box::into_raw` (here or
            // by `wasm_valtype_new` & co.).
            drop(unsafe { Box::from_raw(self.valtype) });
        }
        self.valtype = std::ptr::null_mut();
    }
}

impl wasmtime_field_type_t {
    pub(crate) fn from_field(ty: &FieldType) -> wasmtime_field_type_t {
        wasmtime_field_type_t {
            mutable_: ty.mutability() == Mutability::Var,
            storage: wasmtime_storage_type_t::from_storage(ty.element_type()),
        }
    }

    /// The Rust field type, if its storage type is valid and every
    /// concrete type it names belongs to `engine`.
    fn to_field(&self, engine: &Engine) -> Option<FieldType> {
        let storage = self.storage.to_storage()?;
        if let StorageType::ValType(v) = &storage {
            if !valtype_of_engine(v, engine) {
                return None;
            }
        }
        let mutability = if self.mutable_ {
            Mutability::Var
        } else {
            Mutability::Const
        };
        Some(FieldType::new(mutability, storage))
    }
}

/// Whether every concrete type `ty` names is registered with `engine`.
fn valtype_of_engine(ty: &ValType, engine: &Engine) -> bool {
    let ValType::Ref(r) = ty else {
        return true;
    };
    match r.heap_type() {
        HeapType::ConcreteFunc(f) => Engine::same(f.engine(), engine),
        HeapType::ConcreteStruct(s) => Engine::same(s.engine(), engine),
        HeapType::ConcreteArray(a) => Engine::same(a.engine(), engine),
        HeapType::ConcreteCont(c) => Engine::same(c.engine(), engine),
        _ => true,
    }
}

/// Copies a storage type.
#[no_mangle]
pub extern "C" fn wasmtime_storage_type_clone(
    storage: &wasmtime_storage_type_t,
    out: &mut MaybeUninit<wasmtime_storage_type_t>,
) {
    out.write(storage.deep_clone());
}

/// Frees what a storage type owns (its value type).
#[no_mangle]
pub extern "C" fn wasmtime_storage_type_delete(storage: Option<&mut wasmtime_storage_type_t>) {
    if let Some(s) = storage {
        s.free();
    }
}

/// Copies a field type.
#[no_mangle]
pub extern "C" fn wasmtime_field_type_clone(
    field: &wasmtime_field_type_t,
    out: &mut MaybeUninit<wasmtime_field_type_t>,
) {
    out.write(wasmtime_field_type_t {
        mutable_: field.mutable_,
        storage: field.storage.deep_clone(),
    });
}

/// Frees what a field type owns.
#[no_mangle]
pub extern "C" fn wasmtime_field_type_delete(field: Option<&mut wasmtime_field_type_t>) {
    if let Some(f) = field {
        f.storage.free();
    }
}

/// A struct type registered with an engine.
#[derive(Clone)]
pub struct wasmtime_struct_type_t {
    pub(crate) ty: StructType,
}

/// An array type registered with an engine.
#[derive(Clone)]
pub struct wasmtime_array_type_t {
    pub(crate) ty: ArrayType,
}

/// A new final struct type without supertype, with `fields`; NULL if a
/// field's storage type is invalid or names a type of another engine.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_struct_type_new(
    engine: &wasm_engine_t,
    fields: *const wasmtime_field_type_t,
    nfields: usize,
) -> Option<Box<wasmtime_struct_type_t>> {
    // SAFETY: C contract: `nfields` field types at `fields`.
    let fields = unsafe { slice(fields, nfields) };
    let fields = fields
        .iter()
        .map(|f| f.to_field(&engine.engine))
        .collect::<Option<Vec<_>>>()?;
    let ty = StructType::new(&engine.engine, fields).ok()?;
    Some(Box::new(wasmtime_struct_type_t { ty }))
}

/// A copy of a struct type.
#[no_mangle]
pub extern "C" fn wasmtime_struct_type_copy(
    ty: &wasmtime_struct_type_t,
) -> Box<wasmtime_struct_type_t> {
    Box::new(ty.clone())
}

/// Frees a struct type.
#[no_mangle]
pub extern "C" fn wasmtime_struct_type_delete(_ty: Option<Box<wasmtime_struct_type_t>>) {}

/// The number of fields of a struct type.
#[no_mangle]
pub extern "C" fn wasmtime_struct_type_num_fields(ty: &wasmtime_struct_type_t) -> usize {
    ty.ty.fields().len()
}

/// Field `index` of a struct type into `out` (which the caller then
/// owns); false, leaving `out` untouched, if there is no such field.
#[no_mangle]
pub extern "C" fn wasmtime_struct_type_field(
    ty: &wasmtime_struct_type_t,
    index: usize,
    out: &mut MaybeUninit<wasmtime_field_type_t>,
) -> bool {
    match ty.ty.field(index) {
        Some(f) => {
            out.write(wasmtime_field_type_t::from_field(&f));
            true
        }
        None => false,
    }
}

/// A new final array type without supertype; NULL if the element's
/// storage type is invalid or names a type of another engine.
#[no_mangle]
pub extern "C" fn wasmtime_array_type_new(
    engine: &wasm_engine_t,
    field: &wasmtime_field_type_t,
) -> Option<Box<wasmtime_array_type_t>> {
    let field = field.to_field(&engine.engine)?;
    let ty =
        ArrayType::with_finality_and_supertype(&engine.engine, wt::Finality::Final, None, field)
            .ok()?;
    Some(Box::new(wasmtime_array_type_t { ty }))
}

/// A copy of an array type.
#[no_mangle]
pub extern "C" fn wasmtime_array_type_copy(
    ty: &wasmtime_array_type_t,
) -> Box<wasmtime_array_type_t> {
    Box::new(ty.clone())
}

/// Frees an array type.
#[no_mangle]
pub extern "C" fn wasmtime_array_type_delete(_ty: Option<Box<wasmtime_array_type_t>>) {}

/// The element type of an array type into `out` (which the caller then
/// owns).
#[no_mangle]
pub extern "C" fn wasmtime_array_type_element(
    ty: &wasmtime_array_type_t,
    out: &mut MaybeUninit<wasmtime_field_type_t>,
) {
    out.write(wasmtime_field_type_t::from_field(&ty.ty.field_type()));
}

// The layouts of `wasmtime/types/structref.h`.
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<wasmtime_storage_type_t>() == 16);
    assert!(offset_of!(wasmtime_storage_type_t, valtype) == 8);
    assert!(size_of::<wasmtime_field_type_t>() == 24);
    assert!(offset_of!(wasmtime_field_type_t, storage) == 8);
};
