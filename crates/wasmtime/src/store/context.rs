//! Borrows of a store (`StoreContext`, `StoreContextMut`) and the
//! `AsContext`/`AsContextMut` traits that let every API take a `Store`, a
//! `Caller` or a borrow interchangeably.

use super::{Store, StoreInner, StoreOpaque};
use crate::Engine;
use anyhow::Result;

/// A shared borrow of a store.
///
/// One pointer wide (`repr(transparent)`), so foreign-language bindings can
/// pass it as an opaque pointer.
#[repr(transparent)]
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive borrow of a store.
///
/// One pointer wide (`repr(transparent)`), so foreign-language bindings can
/// pass it as an opaque pointer.
#[repr(transparent)]
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
    /// Same as [`Store::get_fuel`].
    pub fn get_fuel(&self) -> Result<u64> {
        self.0.opaque.get_fuel()
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
    /// Same as [`Store::set_fuel`].
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.0.opaque.set_fuel(fuel)
    }
    /// Same as [`Store::get_fuel`].
    pub fn get_fuel(&self) -> Result<u64> {
        self.0.opaque.get_fuel()
    }
    /// Same as [`Store::set_epoch_deadline`].
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.0.opaque.set_epoch_deadline(ticks_beyond_current)
    }
}

/// Types that give shared access to a store.
pub trait AsContext {
    /// The host data type.
    type Data: 'static;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Types that give exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// Borrows the store mutably.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T: 'static> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}
impl<T: 'static> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}
impl<T: 'static> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T: 'static> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}
impl<T: 'static> AsContextMut for StoreContextMut<'_, T> {
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
