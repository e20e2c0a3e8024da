//! Continuation references (stack-switching proposal) as host values.
//!
//! Wasmtime 48 names them `Val::ContRef(Option<ContRef>)` but cannot carry
//! a non-null one across the API. Here a non-null `contref` that wasm
//! hands to the host (a host function parameter, a call result, a global
//! or a table element read as a `Val`) keeps its handle, so the host may
//! give it back to wasm in the same store. A continuation is one-shot:
//! once it has been resumed (or bound) the handle is stale, and using it in
//! wasm traps with "continuation already consumed", exactly as a stale
//! reference held by wasm does.

use crate::store::{StoreId, StoreOpaque};
use crate::{HeapType, RefType, ValType};
use anyhow::{bail, Result};
use wasmtime_environ::{VMSharedTypeIndex, WasmHeapType, WasmRefType, WasmTypeRef};

/// A non-null continuation reference held by the host.
///
/// Obtained from wasm only (there is no host constructor); valid in the
/// store it came from.
#[derive(Debug, Clone, Copy)]
pub struct ContRef {
    store: StoreId,
    raw: u64,
    /// The concrete continuation type the reference was read at (the
    /// continuation's own type or a supertype of it), when known.
    ty: Option<VMSharedTypeIndex>,
}

impl ContRef {
    /// The reference wasm stored as `raw` in a slot of type `heap`.
    pub(crate) fn from_raw(store: &StoreOpaque, raw: u64, heap: &HeapType) -> Option<ContRef> {
        (raw != 0).then(|| ContRef {
            store: store.id(),
            raw,
            ty: heap.as_concrete_cont().map(|c| c.type_index()),
        })
    }

    /// The raw form for wasm in `store`.
    pub(crate) fn to_raw(self, store: &StoreOpaque) -> Result<u64> {
        if self.store != store.id() {
            bail!("continuation reference used with the wrong store");
        }
        Ok(self.raw)
    }

    /// The most precise type known for this reference.
    pub(crate) fn ref_type(&self, store: &StoreOpaque) -> RefType {
        let heap = match self.ty {
            Some(i) => HeapType::ConcreteCont(crate::ContType::from_registered(store.engine(), i)),
            None => HeapType::Cont,
        };
        RefType::new(false, heap)
    }

    /// Whether this reference is a value of `ty`.
    pub(crate) fn matches_wasm(&self, store: &StoreOpaque, ty: WasmRefType) -> bool {
        if self.store != store.id() {
            return false;
        }
        match ty.heap {
            WasmHeapType::Cont => true,
            WasmHeapType::ConcreteCont(WasmTypeRef::Engine(want)) => self
                .ty
                .is_some_and(|have| store.engine().is_subtype(have, want)),
            _ => false,
        }
    }
}

/// The value type of a continuation reference value (`None`: null).
pub(crate) fn val_type(c: &Option<ContRef>, store: Option<&StoreOpaque>) -> ValType {
    match (c, store) {
        (None, _) => ValType::Ref(RefType::new(true, HeapType::NoCont)),
        (Some(c), Some(store)) => ValType::Ref(c.ref_type(store)),
        (Some(_), None) => ValType::Ref(RefType::new(false, HeapType::Cont)),
    }
}
