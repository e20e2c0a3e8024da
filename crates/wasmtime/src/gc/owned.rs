//! `OwnedRooted`: a GC reference rooted for as long as the handle (or a
//! clone) lives, whatever the root scopes do. The store keeps the word with
//! a weak reference to the handle's token and drops it at the first
//! collection after the last clone is gone.

use super::RootId;
use crate::store::StoreId;
use crate::{AnyRef, ArrayRef, AsContextMut, EqRef, ExternRef, Rooted, StructRef};
use anyhow::{bail, Result};
use std::sync::Arc;

/// A GC reference that stays rooted while this handle or a clone of it
/// lives (unlike [`Rooted`], whose scope ends with the enclosing
/// [`RootScope`](crate::RootScope) or host call). Get one with
/// `Rooted::to_owned_rooted`, and a `Rooted` back with
/// `OwnedRooted::to_rooted`.
#[derive(Clone, Debug)]
pub struct OwnedRooted<T> {
    pub(crate) inner: T,
    pub(crate) _token: Arc<()>,
}

impl<T> std::ops::Deref for OwnedRooted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// The reference word, store and root of the GC reference types.
pub(crate) trait RootedWord: Clone {
    fn word(&self) -> u64;
    fn store_id(&self) -> StoreId;
    fn root(&self) -> Option<RootId>;
    fn set_root(&mut self, root: Option<RootId>);
}

impl RootedWord for AnyRef {
    fn word(&self) -> u64 {
        self.raw
    }
    fn store_id(&self) -> StoreId {
        self.store
    }
    fn root(&self) -> Option<RootId> {
        self.root
    }
    fn set_root(&mut self, root: Option<RootId>) {
        self.root = root;
    }
}

impl RootedWord for ExternRef {
    fn word(&self) -> u64 {
        self.handle
    }
    fn store_id(&self) -> StoreId {
        self.store
    }
    fn root(&self) -> Option<RootId> {
        self.root
    }
    fn set_root(&mut self, root: Option<RootId>) {
        self.root = root;
    }
}

macro_rules! via_anyref {
    ($($t:ty),*) => {$(
        impl RootedWord for $t {
            fn word(&self) -> u64 {
                self.inner.raw
            }
            fn store_id(&self) -> StoreId {
                self.inner.store
            }
            fn root(&self) -> Option<RootId> {
                self.inner.root
            }
            fn set_root(&mut self, root: Option<RootId>) {
                self.inner.root = root;
            }
        }
    )*};
}

via_anyref!(StructRef, ArrayRef, EqRef);

macro_rules! owned_api {
    ($($t:ty),*) => {$(
        impl Rooted<$t> {
            /// This reference as an [`OwnedRooted`], rooted until its last
            /// clone is dropped. Fails if this handle was unrooted or
            /// belongs to another store.
            pub fn to_owned_rooted(&self, mut store: impl AsContextMut) -> Result<OwnedRooted<$t>> {
                let mut ctx = store.as_context_mut();
                let opaque = ctx.opaque();
                if opaque.id() != self.inner.store_id() {
                    bail!("GC reference used with the wrong store");
                }
                opaque.check_rooted(self.inner.root())?;
                let token = opaque.host_roots.push_owned(self.inner.word());
                let mut inner = self.inner.clone();
                inner.set_root(None);
                Ok(OwnedRooted { inner, _token: token })
            }
        }

        impl OwnedRooted<$t> {
            /// A [`Rooted`] handle of this reference in the current scope.
            pub fn to_rooted(&self, mut context: impl AsContextMut) -> Rooted<$t> {
                let mut ctx = context.as_context_mut();
                let root = ctx.opaque().root_word(self.inner.word());
                let mut inner = self.inner.clone();
                inner.set_root(root);
                Rooted::new(inner)
            }
        }
    )*};
}

owned_api!(AnyRef, ExternRef, StructRef, ArrayRef, EqRef);
