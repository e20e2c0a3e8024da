//! Fixed-size forms of store-owned handles, for foreign-language bindings.
//!
//! The C API (`crates/c-api`) hands functions, memories, tables, globals,
//! tags, instances and `externref`s to C as small structs of plain words: a
//! store id and one or two indices. These methods convert a handle to those
//! words and back, and give functions and `externref`s the raw forms that
//! Wasmtime's `to_raw`/`from_raw` methods have. They are hidden from the
//! documentation: ordinary Rust embedders never need them.

use crate::store::{StoreId, Stored};
use crate::values::Rooted;
use crate::{
    AsContext, AsContextMut, ExnRef, ExternRef, Func, Global, Instance, Memory, Table, Tag,
};
use std::ffi::c_void;
use wasmtime_environ::{DefinedMemoryIndex, DefinedTableIndex, EntityRef, GlobalIndex, TagIndex};

/// Packs an instance number and an entity index into one word.
fn pack(instance: usize, index: usize) -> u64 {
    ((instance as u64) << 32) | (index as u64 & 0xffff_ffff)
}

/// The inverse of [`pack`].
fn unpack(bits: u64) -> (usize, usize) {
    ((bits >> 32) as usize, (bits & 0xffff_ffff) as usize)
}

macro_rules! entity_words {
    ($ty:ident, $index:ident) => {
        impl $ty {
            /// The handle as (store id, packed instance and index).
            #[doc(hidden)]
            pub fn __to_words(&self) -> (u64, u64) {
                (self.store.as_u64(), pack(self.instance, self.index.index()))
            }

            /// The handle whose words are `(store, bits)`.
            ///
            /// # Safety
            ///
            /// The words must come from [`Self::__to_words`] of a handle
            /// whose store is still alive.
            #[doc(hidden)]
            pub unsafe fn __from_words(store: u64, bits: u64) -> $ty {
                let (instance, index) = unpack(bits);
                $ty {
                    store: StoreId::from_u64(store),
                    instance,
                    index: $index::new(index),
                }
            }
        }
    };
}

entity_words!(Memory, DefinedMemoryIndex);
entity_words!(Table, DefinedTableIndex);
entity_words!(Global, GlobalIndex);
entity_words!(Tag, TagIndex);

macro_rules! stored_words {
    ($ty:ident) => {
        impl $ty {
            /// The handle as (store id, index in the store).
            #[doc(hidden)]
            pub fn __to_words(&self) -> (u64, usize) {
                (self.0.store.as_u64(), self.0.index)
            }

            /// The handle whose words are `(store, index)`.
            ///
            /// # Safety
            ///
            /// The words must come from [`Self::__to_words`] of a handle
            /// whose store is still alive.
            #[doc(hidden)]
            pub unsafe fn __from_words(store: u64, index: usize) -> $ty {
                $ty(Stored {
                    store: StoreId::from_u64(store),
                    index,
                })
            }
        }
    };
}

stored_words!(Func);
stored_words!(Instance);
#[cfg(feature = "component-model")]
use crate::component::{Func as ComponentFunc, Instance as ComponentInstance};
#[cfg(feature = "component-model")]
stored_words!(ComponentFunc);
#[cfg(feature = "component-model")]
stored_words!(ComponentInstance);

impl crate::AnyRef {
    /// The reference as (store id, raw word).
    #[doc(hidden)]
    pub fn __to_words(&self) -> (u64, u64) {
        (self.store.as_u64(), self.raw)
    }

    /// The reference whose words are `(store, raw)`.
    ///
    /// # Safety
    ///
    /// The words must come from [`Self::__to_words`] of a reference whose
    /// store is still alive.
    #[doc(hidden)]
    pub unsafe fn __from_words(store: u64, raw: u64) -> Rooted<crate::AnyRef> {
        Rooted::new(crate::AnyRef {
            store: StoreId::from_u64(store),
            root: None,
            raw,
        })
    }
}

impl crate::AnyRef {
    /// The raw form of this reference as wasm sees it (never 0): the
    /// 32-bit GC reference of an i31, an object or a converted host value.
    pub fn to_raw(&self, mut store: impl AsContextMut) -> crate::Result<u32> {
        let raw = self.to_raw_u64(store.as_context_mut().opaque())?;
        u32::try_from(raw).map_err(|_| anyhow::anyhow!("anyref out of the 32-bit range"))
    }

    /// The reference whose raw form is `raw`, or `None` for 0 (null).
    /// The handle is rooted in the current scope.
    pub fn from_raw(mut store: impl AsContextMut, raw: u32) -> Option<Rooted<crate::AnyRef>> {
        crate::AnyRef::from_raw_u64(store.as_context_mut().opaque(), u64::from(raw))
    }
}

impl crate::OwnedRooted<crate::AnyRef> {
    /// The owned root as (store id, raw word, root token), as for
    /// `OwnedRooted<ExternRef>`; the token is released with
    /// `OwnedRooted::<ExternRef>::__drop_token` (tokens of every reference
    /// type are the same kind of counter).
    #[doc(hidden)]
    pub fn __into_words(self) -> (u64, u64, *const ()) {
        let (store, raw) = self.inner.__to_words();
        (store, raw, std::sync::Arc::into_raw(self._token))
    }
}

impl crate::OwnedRooted<ExternRef> {
    /// The owned root as (store id, handle, root token): the token keeps
    /// the reference rooted until [`Self::__drop_token`] releases it.
    #[doc(hidden)]
    pub fn __into_words(self) -> (u64, u64, *const ()) {
        let (store, handle) = self.inner.__to_words();
        (store, handle, std::sync::Arc::into_raw(self._token))
    }

    /// Adds a holder to a root token of [`Self::__into_words`].
    ///
    /// # Safety
    ///
    /// `token` must come from [`Self::__into_words`] and still have a
    /// holder (not every clone of it released).
    #[doc(hidden)]
    pub unsafe fn __clone_token(token: *const ()) {
        // SAFETY: the caller guarantees a live `Arc<()>` behind `token`.
        unsafe { std::sync::Arc::increment_strong_count(token) }
    }

    /// Releases one holder of a root token of [`Self::__into_words`]; the
    /// reference is unrooted at the first collection after the last one.
    ///
    /// # Safety
    ///
    /// As for [`Self::__clone_token`]; each holder is released once.
    #[doc(hidden)]
    pub unsafe fn __drop_token(token: *const ()) {
        // SAFETY: the caller guarantees a live `Arc<()>` behind `token`
        // whose holder it gives up.
        unsafe { std::sync::Arc::decrement_strong_count(token) }
    }
}

impl ExternRef {
    /// The reference as (store id, handle).
    #[doc(hidden)]
    pub fn __to_words(&self) -> (u64, u64) {
        (self.store.as_u64(), self.handle)
    }

    /// The reference whose words are `(store, handle)`.
    ///
    /// # Safety
    ///
    /// The words must come from [`Self::__to_words`] of a reference whose
    /// store is still alive.
    #[doc(hidden)]
    pub unsafe fn __from_words(store: u64, handle: u64) -> Rooted<ExternRef> {
        Rooted::new(ExternRef {
            store: StoreId::from_u64(store),
            root: None,
            handle,
        })
    }

    /// The raw form of this reference as wasm sees it (never 0).
    pub fn to_raw(&self, mut store: impl AsContextMut) -> crate::Result<u32> {
        let raw = self.to_raw_u64(store.as_context_mut().opaque())?;
        u32::try_from(raw).map_err(|_| anyhow::anyhow!("externref handle out of range"))
    }

    /// The reference whose raw form is `raw`, or `None` for 0 (null).
    pub fn from_raw(mut store: impl AsContextMut, raw: u32) -> Option<Rooted<ExternRef>> {
        ExternRef::from_raw_u64(store.as_context_mut().opaque(), u64::from(raw))
    }
}

impl Func {
    /// Whether every parameter and result of this function is a number or
    /// a vector, whose raw slots foreign code fills and reads itself (as
    /// opposed to references, whose raw forms the runtime must convert).
    /// False for a function of another store.
    #[doc(hidden)]
    #[inline]
    pub fn __numeric_only(&self, store: impl AsContext) -> bool {
        let store = store.as_context().0;
        if store.opaque.id() != self.0.store {
            return false;
        }
        store
            .opaque
            .funcs
            .get(self.0.index)
            .is_some_and(|d| d.numeric_only)
    }

    /// [`Func::call_unchecked`] for foreign bindings when every parameter
    /// and result is a number or a vector: `None` (nothing called) for
    /// other functions and for a function of another store.
    ///
    /// # Safety
    ///
    /// As for [`Func::call_unchecked`].
    #[doc(hidden)]
    #[inline]
    pub unsafe fn __call_unchecked_numeric(
        &self,
        mut store: impl AsContextMut,
        params_and_returns: *mut [crate::ValRaw],
    ) -> Option<crate::Result<()>> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        if store.id() != self.0.store {
            return None;
        }
        let data = store.funcs.get(self.0.index)?;
        if !data.numeric_only {
            return None;
        }
        let (func_ref, needed) = (data.func_ref, data.raw_slots);
        // SAFETY: the caller's contract: valid for its length.
        Some(unsafe { crate::func::invoke_raw(store, func_ref, needed, params_and_returns) })
    }

    /// The raw form of this function as wasm sees it (a pointer to its
    /// `VMFuncRef`), for `wasmtime_val_raw_t`'s `funcref` field.
    pub fn to_raw(&self, mut store: impl AsContextMut) -> *mut c_void {
        self.func_ref_ptr(store.as_context_mut().opaque())
            .map_or(std::ptr::null_mut(), |p| p.cast())
    }

    /// The function whose raw form is `raw`, or `None` for null.
    ///
    /// # Safety
    ///
    /// `raw` must be null or come from [`Func::to_raw`] (or wasm) in the same
    /// store.
    pub unsafe fn from_raw(mut store: impl AsContextMut, raw: *mut c_void) -> Option<Func> {
        if raw.is_null() {
            return None;
        }
        let mut ctx = store.as_context_mut();
        // SAFETY: the caller guarantees `raw` is a live funcref of this store.
        Some(unsafe { Func::from_func_ref(ctx.opaque(), raw.cast()) })
    }
}

impl ExnRef {
    /// The reference as (store id, raw handle).
    #[doc(hidden)]
    pub fn __to_words(&self) -> (u64, usize) {
        (self.store.as_u64(), self.raw)
    }

    /// The reference whose words are `(store, raw)`.
    ///
    /// # Safety
    ///
    /// The words must come from [`Self::__to_words`] of a reference whose
    /// store is still alive.
    #[doc(hidden)]
    pub unsafe fn __from_words(store: u64, raw: usize) -> Rooted<ExnRef> {
        Rooted::new(ExnRef {
            store: StoreId::from_u64(store),
            raw,
        })
    }
}
