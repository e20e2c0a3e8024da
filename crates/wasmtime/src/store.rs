//! `Store<T>`: the owner of all instances, functions, memories, tables,
//! globals and host data of one "world" of wasm objects.

use crate::func::FuncData;
use crate::{Engine, Module};
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wasmtime_runtime::instance::InstanceHandle;
use wasmtime_runtime::vmcontext::{VMArrayCallHostFuncContext, VMStoreContext};

/// Unique id of a store, used to check that objects are used with the
/// store that owns them.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(u64);

impl StoreId {
    fn allocate() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A handle to an object owned by a store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Stored {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
}

/// An error or panic raised by a host function, waiting to be delivered to
/// the host code that called into wasm.
pub(crate) enum PendingError {
    Error(anyhow::Error),
    Panic(Box<dyn Any + Send>),
}

/// An instance owned by a store.
pub(crate) struct StoreInstance {
    pub(crate) handle: InstanceHandle,
}

/// The part of a store that does not depend on `T`.
pub struct StoreOpaque {
    pub(crate) engine: Engine,
    pub(crate) id: StoreId,
    pub(crate) vm_store_context: Box<VMStoreContext>,
    pub(crate) instances: Vec<StoreInstance>,
    pub(crate) funcs: Vec<FuncData>,
    pub(crate) func_by_ref: std::collections::HashMap<usize, usize>,
    /// Boxed so each context (a funcref's `vmctx`) keeps its address.
    #[allow(clippy::vec_box)]
    pub(crate) host_funcs: Vec<Box<VMArrayCallHostFuncContext>>,
    pub(crate) externrefs: Vec<Arc<dyn Any + Send + Sync>>,
    pub(crate) pending: Option<PendingError>,
    /// An exception thrown by wasm that nothing caught (an object address).
    pub(crate) pending_exception: Option<u64>,
    pub(crate) modules: Vec<Module>,
    /// `Config::max_wasm_stack`, cached for the call path.
    pub(crate) max_wasm_stack: usize,
}

// SAFETY: all raw pointers inside a store point at data owned by the store
// itself (or by modules/engines it holds); moving the store to another
// thread moves all of it.
unsafe impl Send for StoreOpaque {}
// SAFETY: shared access to a store never mutates through these pointers.
unsafe impl Sync for StoreOpaque {}

#[repr(C)]
pub(crate) struct StoreInner<T> {
    pub(crate) opaque: StoreOpaque,
    pub(crate) data: T,
}

/// A collection of WebAssembly instances and host-defined state.
///
/// All wasm objects (functions, memories, ...) belong to a store and are
/// freed when it is dropped.
pub struct Store<T> {
    inner: Box<StoreInner<T>>,
}

impl<T> Store<T> {
    /// Creates a store with host `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let mut ctx = Box::new(VMStoreContext::default());
        ctx.epoch_ptr = engine.epoch_ptr();
        Store {
            inner: Box::new(StoreInner {
                opaque: StoreOpaque {
                    engine: engine.clone(),
                    id: StoreId::allocate(),
                    vm_store_context: ctx,
                    instances: Vec::new(),
                    funcs: Vec::new(),
                    func_by_ref: Default::default(),
                    host_funcs: Vec::new(),
                    externrefs: Vec::new(),
                    pending: None,
                    pending_exception: None,
                    modules: Vec::new(),
                    max_wasm_stack: engine.config().max_wasm_stack,
                },
                data,
            }),
        }
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning its host data.
    pub fn into_data(self) -> T {
        let inner = *self.inner;
        let StoreInner { opaque, data } = inner;
        drop(opaque);
        data
    }

    /// Takes the exception that wasm threw and nothing caught (the call
    /// that returned a [`ThrownException`](crate::ThrownException) error
    /// left it here).
    pub fn take_pending_exception(&mut self) -> Option<crate::Rooted<crate::ExnRef>> {
        let raw = self.inner.opaque.pending_exception.take()?;
        crate::ExnRef::from_raw(&self.inner.opaque, raw)
    }

    /// Whether an exception is pending (see
    /// [`Store::take_pending_exception`]).
    pub fn has_pending_exception(&self) -> bool {
        self.inner.opaque.pending_exception.is_some()
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.opaque.engine
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Drop for StoreOpaque {
    fn drop(&mut self) {
        // Instances may point into each other; drop them all before the
        // host functions and modules they reference.
        self.instances.clear();
        self.host_funcs.clear();
    }
}

impl StoreOpaque {
    pub(crate) fn id(&self) -> StoreId {
        self.id
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn check(&self, stored: &Stored) {
        assert!(stored.store == self.id, "object used with the wrong store");
    }

    pub(crate) fn take_pending(&mut self) -> Option<PendingError> {
        self.pending.take()
    }

    pub(crate) fn push_instance(&mut self, instance: StoreInstance) -> usize {
        self.instances.push(instance);
        self.instances.len() - 1
    }
}

/// A shared borrow of a store.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive borrow of a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<'a, T> StoreContext<'a, T> {
    /// The host data.
    pub fn data(&self) -> &'a T {
        &self.0.data
    }
    /// The engine.
    pub fn engine(&self) -> &'a Engine {
        &self.0.opaque.engine
    }
}

impl<'a, T> StoreContextMut<'a, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        &self.0.data
    }
    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.0.opaque.engine
    }
}

/// Types that give shared access to a store.
pub trait AsContext {
    /// The host data type.
    type Data;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Types that give exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// Borrows the store mutably.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}
impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}
impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}
impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}

impl<'a, C: AsContext> From<&'a C> for StoreContext<'a, C::Data> {
    fn from(c: &'a C) -> Self {
        c.as_context()
    }
}
impl<'a, C: AsContext> From<&'a mut C> for StoreContext<'a, C::Data> {
    fn from(c: &'a mut C) -> Self {
        (*c).as_context()
    }
}
impl<'a, T> From<StoreContextMut<'a, T>> for StoreContext<'a, T> {
    fn from(s: StoreContextMut<'a, T>) -> Self {
        StoreContext(s.0)
    }
}
impl<'a, C: AsContextMut> From<&'a mut C> for StoreContextMut<'a, C::Data> {
    fn from(c: &'a mut C) -> Self {
        c.as_context_mut()
    }
}

impl<'a, T> StoreContext<'a, T> {
    pub(crate) fn opaque(&self) -> &'a StoreOpaque {
        &self.0.opaque
    }
}

impl<'a, T> StoreContextMut<'a, T> {
    pub(crate) fn opaque(&mut self) -> &mut StoreOpaque {
        &mut self.0.opaque
    }
    pub(crate) fn inner_ptr(&mut self) -> *mut StoreInner<T> {
        self.0 as *mut StoreInner<T>
    }
}
