//! Internal references (`anyref` and its subtypes `eqref`, `i31ref`) in
//! the embedding API. A reference is the word compiled code passes around
//! (see `wasmtime_environ::gc_ref`): an unboxed i31, a host value converted
//! with `any.convert_extern`, or a struct or array object in the store's
//! GC heap.

use crate::gc::RootId;
use crate::store::{StoreId, StoreOpaque};
use crate::{AsContext, AsContextMut, ExternRef, HeapType, Rooted};
use anyhow::{bail, Result};
use wasmtime_environ::{gc_header, gc_ref, VMSharedTypeIndex, WasmHeapType};

/// An unboxed 31-bit integer (the value of an `i31ref`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct I31(u32);

impl I31 {
    const MASK: u32 = 0x7fff_ffff;

    /// `value` if it fits in 31 unsigned bits.
    pub fn new_u32(value: u32) -> Option<I31> {
        (value & !Self::MASK == 0).then_some(I31(value))
    }

    /// `value` if it fits in 31 signed bits.
    pub fn new_i32(value: i32) -> Option<I31> {
        ((-(1 << 30)..(1 << 30)).contains(&value)).then_some(I31(value as u32 & Self::MASK))
    }

    /// The low 31 bits of `value`.
    pub fn wrapping_u32(value: u32) -> I31 {
        I31(value & Self::MASK)
    }

    /// The low 31 bits of `value`.
    pub fn wrapping_i32(value: i32) -> I31 {
        I31(value as u32 & Self::MASK)
    }

    /// The value zero-extended (`i31.get_u`).
    pub fn get_u32(&self) -> u32 {
        self.0
    }

    /// The value sign-extended (`i31.get_s`).
    pub fn get_i32(&self) -> i32 {
        ((self.0 << 1) as i32) >> 1
    }
}

impl From<I31> for u32 {
    fn from(i: I31) -> u32 {
        i.get_u32()
    }
}

impl From<I31> for i32 {
    fn from(i: I31) -> i32 {
        i.get_i32()
    }
}

/// A non-null reference of the internal hierarchy (`anyref`).
#[derive(Clone, Debug)]
pub struct AnyRef {
    pub(crate) store: StoreId,
    pub(crate) raw: u64,
    /// The host root keeping it alive (none for an i31 or a handle
    /// from the C API); checked on use.
    pub(crate) root: Option<RootId>,
}

impl PartialEq for AnyRef {
    fn eq(&self, other: &AnyRef) -> bool {
        self.store == other.store && self.raw == other.raw
    }
}

impl Eq for AnyRef {}

impl std::hash::Hash for AnyRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.store.hash(state);
        self.raw.hash(state);
    }
}

impl AnyRef {
    /// The `anyref` holding `value` (what wasm's `ref.i31` makes).
    pub fn from_i31(mut store: impl AsContextMut, value: I31) -> Rooted<AnyRef> {
        let id = store.as_context_mut().opaque().id();
        Rooted::new(AnyRef {
            store: id,
            root: None,
            raw: gc_ref::from_i31(value.get_u32()),
        })
    }

    /// The `anyref` that wasm's `any.convert_extern` makes of `externref`.
    pub fn convert_extern(
        store: impl AsContextMut,
        externref: Rooted<ExternRef>,
    ) -> Result<Rooted<AnyRef>> {
        let raw = externref.to_raw_u64(store.as_context().opaque())?;
        Ok(Rooted::new(AnyRef {
            store: externref.store_id(),
            root: externref.root,
            raw,
        }))
    }

    fn check_store(&self, store: &StoreOpaque) -> Result<()> {
        if store.id() != self.store {
            bail!("anyref used with the wrong store");
        }
        store.check_rooted(self.root)
    }

    pub(crate) fn store_id(&self) -> StoreId {
        self.store
    }

    pub(crate) fn to_raw_u64(&self, store: &StoreOpaque) -> Result<u64> {
        self.check_store(store)?;
        Ok(self.raw)
    }

    pub(crate) fn from_raw_u64(store: &StoreOpaque, raw: u64) -> Option<Rooted<AnyRef>> {
        let root = store.root_word(raw);
        (raw != 0).then(|| {
            Rooted::new(AnyRef {
                store: store.id(),
                root,
                raw,
            })
        })
    }

    /// Whether this reference is an `i31`.
    pub fn is_i31(&self, store: impl AsContext) -> Result<bool> {
        self.check_store(store.as_context().opaque())?;
        Ok(gc_ref::i31_value(self.raw).is_some())
    }

    /// The `i31` value, if this is one.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        self.check_store(store.as_context().opaque())?;
        Ok(gc_ref::i31_value(self.raw).map(I31))
    }

    /// The `i31` value; an error if this is not one.
    pub fn unwrap_i31(&self, store: impl AsContext) -> Result<I31> {
        match self.as_i31(store)? {
            Some(i) => Ok(i),
            None => bail!("anyref is not an i31"),
        }
    }

    /// Whether this reference is an `eqref` (an i31, struct or array).
    pub fn is_eqref(&self, store: impl AsContext) -> Result<bool> {
        self.check_store(store.as_context().opaque())?;
        Ok(self.matches_heap(store.as_context().opaque(), WasmHeapType::Eq))
    }

    /// This reference as an `eqref`, if it is one.
    pub fn as_eqref(&self, store: impl AsContext) -> Result<Option<Rooted<EqRef>>> {
        Ok(self.is_eqref(store)?.then(|| {
            Rooted::new(EqRef {
                inner: self.clone(),
            })
        }))
    }

    /// Whether this reference is a struct.
    pub fn is_struct(&self, store: impl AsContext) -> Result<bool> {
        self.check_store(store.as_context().opaque())?;
        Ok(self.matches_heap(store.as_context().opaque(), WasmHeapType::Struct))
    }

    /// Whether this reference is an array.
    pub fn is_array(&self, store: impl AsContext) -> Result<bool> {
        self.check_store(store.as_context().opaque())?;
        Ok(self.matches_heap(store.as_context().opaque(), WasmHeapType::Array))
    }

    /// The most precise heap type of this reference: `i31`, the object's
    /// concrete struct or array type, or `any` for a converted host value.
    pub fn ty(&self, store: impl AsContext) -> Result<HeapType> {
        let store = store.as_context().opaque();
        self.check_store(store)?;
        if gc_ref::i31_value(self.raw).is_some() {
            return Ok(HeapType::I31);
        }
        let id = store.gc_object_type_id(self.raw);
        Ok(match (store.gc_object_kind(self.raw), id) {
            (Some(gc_header::KIND_STRUCT), Some(id)) => HeapType::ConcreteStruct(
                crate::StructType::from_registered(store.engine(), VMSharedTypeIndex(id)),
            ),
            (Some(gc_header::KIND_ARRAY), Some(id)) => HeapType::ConcreteArray(
                crate::ArrayType::from_registered(store.engine(), VMSharedTypeIndex(id)),
            ),
            _ => HeapType::Any,
        })
    }

    /// Whether this reference is a value of heap type `ty`.
    pub fn matches_ty(&self, store: impl AsContext, ty: &HeapType) -> Result<bool> {
        self.check_store(store.as_context().opaque())?;
        Ok(self.matches_heap(store.as_context().opaque(), ty.to_wasm()))
    }

    /// Whether this (non-null) reference is a value of `heap`.
    pub(crate) fn matches_heap(&self, store: &StoreOpaque, heap: WasmHeapType) -> bool {
        use wasmtime_environ::WasmTypeRef;
        let is_i31 = gc_ref::i31_value(self.raw).is_some();
        match heap {
            WasmHeapType::Any => true,
            WasmHeapType::I31 => is_i31,
            WasmHeapType::Eq => is_i31 || store.gc_object_kind(self.raw).is_some(),
            WasmHeapType::Struct => store.gc_is_struct(self.raw),
            WasmHeapType::Array => store.gc_is_array(self.raw),
            WasmHeapType::ConcreteStruct(WasmTypeRef::Engine(t))
            | WasmHeapType::ConcreteArray(WasmTypeRef::Engine(t)) => {
                match store.gc_object_type_id(self.raw) {
                    Some(id) => store.engine().is_subtype(VMSharedTypeIndex(id), t),
                    None => false,
                }
            }
            // A converted host value is only an `any`; bottom types hold
            // no non-null value.
            _ => false,
        }
    }
}

/// A non-null reference of type `eqref`: an i31, struct or array.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EqRef {
    pub(crate) inner: AnyRef,
}

impl EqRef {
    /// The `eqref` holding `value`.
    pub fn from_i31(store: impl AsContextMut, value: I31) -> Rooted<EqRef> {
        let any = AnyRef::from_i31(store, value);
        Rooted::new(EqRef {
            inner: (*any).clone(),
        })
    }

    /// This reference as an `anyref`.
    pub fn to_anyref(&self) -> Rooted<AnyRef> {
        Rooted::new(self.inner.clone())
    }

    /// Whether this is an `i31`.
    pub fn is_i31(&self, store: impl AsContext) -> Result<bool> {
        self.inner.is_i31(store)
    }

    /// The `i31` value, if this is one.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        self.inner.as_i31(store)
    }

    /// The most precise heap type of this reference.
    pub fn ty(&self, store: impl AsContext) -> Result<HeapType> {
        self.inner.ty(store)
    }
}

impl From<Rooted<EqRef>> for Rooted<AnyRef> {
    fn from(e: Rooted<EqRef>) -> Rooted<AnyRef> {
        e.to_anyref()
    }
}
