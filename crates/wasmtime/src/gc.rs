//! The store's GC heap as the embedding API sees it: the out-of-memory
//! error of allocations, `Store::gc`, `RootScope`, and reading objects for
//! the reference types (`AnyRef::is_struct`, ...).
//!
//! The heap itself (`wasmtime_runtime::gc_heap`) belongs to the store
//! (`StoreOpaque::gc_heap`); `collect.rs` collects it.

mod collect;
mod owned;
pub(crate) use collect::{is_gc_storage, HostRoots, RootId};
pub use owned::OwnedRooted;

use crate::store::StoreOpaque;
use crate::{Store, StoreContextMut};
use std::fmt;
use wasmtime_environ::{gc_header, gc_ref};

/// An allocation in the GC heap failed: the heap has reached its limit
/// (its reservation, or what the store's `ResourceLimiter` allows).
///
/// `T` is the host value the failed allocation would have held, if any,
/// and `()` otherwise; [`GcHeapOutOfMemory::into_inner`] gives it back.
pub struct GcHeapOutOfMemory<T> {
    inner: T,
    bytes_needed: u64,
}

impl<T> GcHeapOutOfMemory<T> {
    pub(crate) fn new(inner: T, bytes_needed: u64) -> Self {
        GcHeapOutOfMemory {
            inner,
            bytes_needed,
        }
    }

    /// The host value of the failed allocation.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The host value, and this error without it.
    pub fn take_inner(self) -> (T, GcHeapOutOfMemory<()>) {
        (self.inner, GcHeapOutOfMemory::new((), self.bytes_needed))
    }

    /// Size in bytes of the allocation that failed.
    pub fn bytes_needed(&self) -> u64 {
        self.bytes_needed
    }
}

impl<T> fmt::Display for GcHeapOutOfMemory<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GC heap out of memory: no room for an allocation of {} bytes",
            self.bytes_needed
        )
    }
}

impl<T> fmt::Debug for GcHeapOutOfMemory<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T> std::error::Error for GcHeapOutOfMemory<T> {}

impl<T> Store<T> {
    /// Runs a garbage collection: frees the GC objects and drops the host
    /// values of the `externref`s that neither wasm (its stack, globals
    /// and tables) nor the host (`Rooted` handles still in scope) can
    /// reach. Nothing is reclaimed with `Collector::Null`. `why` is the
    /// allocation failure that prompted the call, if any.
    pub fn gc(&mut self, why: Option<&GcHeapOutOfMemory<()>>) {
        let _ = why;
        self.inner.opaque.collect_garbage();
    }

    /// As [`Store::gc`] (collection never blocks, so this is the same).
    #[cfg(feature = "async")]
    pub async fn gc_async(&mut self, why: Option<&GcHeapOutOfMemory<()>>) {
        self.gc(why)
    }
}

impl<T> StoreContextMut<'_, T> {
    /// As [`Store::gc`].
    pub fn gc(&mut self, why: Option<&GcHeapOutOfMemory<()>>) {
        let _ = why;
        self.0.opaque.collect_garbage();
    }

    /// As [`Store::gc_async`].
    #[cfg(feature = "async")]
    pub async fn gc_async(&mut self, why: Option<&GcHeapOutOfMemory<()>>) {
        self.gc(why)
    }
}

/// A scope for `Rooted` handles: those created through it (or while it
/// lives) are unrooted when it is dropped, so the collector may free what
/// they referred to. It dereferences to the store context it wraps.
pub struct RootScope<C: crate::AsContextMut> {
    store: C,
    len: usize,
}

impl<C: crate::AsContextMut> RootScope<C> {
    /// Opens a scope on `store`.
    pub fn new(mut store: C) -> RootScope<C> {
        let len = store.as_context_mut().0.opaque.host_roots.len();
        RootScope { store, len }
    }
}

impl<C: crate::AsContextMut> crate::AsContext for RootScope<C> {
    type Data = C::Data;
    fn as_context(&self) -> crate::StoreContext<'_, C::Data> {
        self.store.as_context()
    }
}

impl<C: crate::AsContextMut> crate::AsContextMut for RootScope<C> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        self.store.as_context_mut()
    }
}

impl<C: crate::AsContextMut> Drop for RootScope<C> {
    fn drop(&mut self) {
        let len = self.len;
        self.store
            .as_context_mut()
            .0
            .opaque
            .host_roots
            .truncate(len);
    }
}

/// Allocates an object in `store`'s GC heap (header written, the rest
/// zero); growth is asked of the store's limiter.
///
/// A full heap is collected before it grows, as for allocations of
/// compiled code: unless most of it survived the last collection (then it
/// grows first, and is collected only if growth is refused). `pinned` are
/// the reference words the new object will hold (its field values): they
/// are rooted across that collection, whether or not a `Rooted` handle
/// already keeps them.
pub(crate) fn alloc_object<T>(
    store: &mut StoreContextMut<'_, T>,
    type_id: u32,
    kind: u32,
    size: u32,
    len: u32,
    pinned: &[u64],
) -> anyhow::Result<u64> {
    let opaque = &mut store.0.opaque;
    if let Some(r) = opaque.gc_heap.try_alloc_object(type_id, kind, size, len) {
        return Ok(r);
    }
    if !opaque.gc_heap.prefers_growth() {
        opaque.collect_garbage_pinning(pinned);
        if let Some(r) = opaque.gc_heap.try_alloc_object(type_id, kind, size, len) {
            return Ok(r);
        }
    }
    match alloc_growing(store, type_id, kind, size, len) {
        Err(_) if store.0.opaque.gc_heap.prefers_growth() => {
            store.0.opaque.collect_garbage_pinning(pinned);
            alloc_growing(store, type_id, kind, size, len)
        }
        r => r,
    }
}

/// Allocates, growing the heap if needed (asking the store's limiter).
fn alloc_growing<T>(
    store: &mut StoreContextMut<'_, T>,
    type_id: u32,
    kind: u32,
    size: u32,
    len: u32,
) -> anyhow::Result<u64> {
    let inner = &mut *store.0;
    // The heap is taken out while the limiter (host code without access
    // to the heap) may run, then put back.
    let mut heap = std::mem::take(&mut *inner.opaque.gc_heap);
    let r = heap.alloc_object(type_id, kind, size, len, Some(inner));
    *inner.opaque.gc_heap = heap;
    let opaque = &mut inner.opaque;
    opaque.vm_store_context.update_gc_heap(&opaque.gc_heap);
    r
}

impl StoreOpaque {
    /// The header kind bits of object word `raw`, or `None` if it is not
    /// an object (null, i31, host value).
    pub(crate) fn gc_object_kind(&self, raw: u64) -> Option<u32> {
        if raw == 0 || raw & gc_ref::KIND_MASK != 0 {
            return None;
        }
        self.gc_heap.kind(raw)
    }

    /// The engine type id of object word `raw`, if it is an object.
    pub(crate) fn gc_object_type_id(&self, raw: u64) -> Option<u32> {
        self.gc_object_kind(raw)?;
        self.gc_heap.type_id(raw)
    }

    /// Whether object word `raw` is a struct.
    pub(crate) fn gc_is_struct(&self, raw: u64) -> bool {
        self.gc_object_kind(raw) == Some(gc_header::KIND_STRUCT)
    }

    /// Whether object word `raw` is an array.
    pub(crate) fn gc_is_array(&self, raw: u64) -> bool {
        self.gc_object_kind(raw) == Some(gc_header::KIND_ARRAY)
    }
}
