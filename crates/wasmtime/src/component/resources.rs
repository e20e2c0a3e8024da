//! Resources: [`ResourceType`], the handles of the host ([`Resource`],
//! [`ResourceAny`]), the per-instance handle tables of the canonical ABI,
//! and [`ResourceTable`], the host's own table of resource values.

use super::host_handles::{HostHandle, HostIndex};
use crate::store::{StoreId, StoreOpaque};
use crate::{AsContextMut, StoreContextMut};
use anyhow::{anyhow, bail, Result};
use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::Arc;

/// The type of a resource: defined by the host (one per Rust type) or by
/// a component instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResourceType(Kind);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Host(TypeId),
    /// A host resource type named by a number at run time (for bindings
    /// in other languages, which have no Rust type per resource).
    HostDynamic(u32),
    Guest {
        store: StoreId,
        instance: usize,
        index: u32,
    },
    /// Resource `index` of a component not yet instantiated (as
    /// [`Component::get_export`](super::Component::get_export) describes).
    Uninstantiated {
        component: u64,
        index: u32,
    },
}

impl ResourceType {
    /// The host resource type of the Rust type `T`.
    pub fn host<T: 'static>() -> ResourceType {
        ResourceType(Kind::Host(TypeId::of::<T>()))
    }

    /// The host resource type numbered `payload`: two such types are the
    /// same exactly when their numbers are (see [`ResourceDynamic`]).
    ///
    /// [`ResourceDynamic`]: super::ResourceDynamic
    pub fn host_dynamic(payload: u32) -> ResourceType {
        ResourceType(Kind::HostDynamic(payload))
    }

    /// The number of a [`ResourceType::host_dynamic`] type.
    pub(crate) fn dynamic_payload(&self) -> Option<u32> {
        match self.0 {
            Kind::HostDynamic(n) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn guest(store: StoreId, instance: usize, index: u32) -> ResourceType {
        ResourceType(Kind::Guest {
            store,
            instance,
            index,
        })
    }

    pub(crate) fn uninstantiated(component: u64, index: u32) -> ResourceType {
        ResourceType(Kind::Uninstantiated { component, index })
    }

    /// The defining instance and resource index, for guest resources.
    fn guest_parts(&self) -> Option<(usize, u32)> {
        match self.0 {
            Kind::Guest {
                instance, index, ..
            } => Some((instance, index)),
            Kind::Host(_) | Kind::HostDynamic(_) | Kind::Uninstantiated { .. } => None,
        }
    }
}

/// A host resource of type `T`: an owned or borrowed handle to the
/// representation `rep` (commonly an index into a [`ResourceTable`]).
///
/// An owned handle can be given to a guest once: lowering it moves it, and
/// lowering it again (or converting it to a [`ResourceAny`] afterwards) is
/// an error.
///
/// [`ResourceTable`]: super::ResourceTable
pub struct Resource<T> {
    rep: u32,
    state: HandleState,
    _marker: PhantomData<fn() -> T>,
}

/// Whether a [`Resource`] (or [`ResourceDynamic`](super::ResourceDynamic))
/// is borrowed, owned, or owned but already moved into a guest.
#[derive(Debug)]
pub(crate) struct HandleState(AtomicU8);

impl HandleState {
    const OWN: u8 = 0;
    const BORROW: u8 = 1;
    const TAKEN: u8 = 2;

    pub(crate) fn new(own: bool) -> HandleState {
        HandleState(AtomicU8::new(if own { Self::OWN } else { Self::BORROW }))
    }

    pub(crate) fn owned(&self) -> bool {
        self.0.load(Relaxed) != Self::BORROW
    }

    /// Marks an owned handle as moved; an error if it already was. Borrows
    /// are left as they are (`Ok(false)`).
    pub(crate) fn take(&self) -> Result<bool> {
        match self
            .0
            .compare_exchange(Self::OWN, Self::TAKEN, Relaxed, Relaxed)
        {
            Ok(_) => Ok(true),
            Err(Self::BORROW) => Ok(false),
            Err(_) => bail!("host resource already consumed"),
        }
    }

    /// For lowering as `borrow`: an error if the owned handle was moved.
    pub(crate) fn check_not_taken(&self) -> Result<()> {
        if self.0.load(Relaxed) == Self::TAKEN {
            bail!("host resource already consumed");
        }
        Ok(())
    }
}

impl<T> std::fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("rep", &self.rep)
            .field("own", &self.state.owned())
            .finish()
    }
}

impl<T: 'static> Resource<T> {
    /// An owned handle to `rep`.
    pub fn new_own(rep: u32) -> Resource<T> {
        Resource {
            rep,
            state: HandleState::new(true),
            _marker: PhantomData,
        }
    }

    /// A borrowed handle to `rep`.
    pub fn new_borrow(rep: u32) -> Resource<T> {
        Resource {
            rep,
            state: HandleState::new(false),
            _marker: PhantomData,
        }
    }

    /// The representation.
    pub fn rep(&self) -> u32 {
        self.rep
    }

    /// Whether the handle is owned.
    pub fn owned(&self) -> bool {
        self.state.owned()
    }

    pub(crate) fn state(&self) -> &HandleState {
        &self.state
    }

    /// As a [`ResourceAny`] (for [`Val::Resource`](super::Val::Resource)),
    /// held in `store`'s table of host handles; an error if this owned
    /// handle was already moved into a guest.
    pub fn try_into_resource_any(self, mut store: impl AsContextMut) -> Result<ResourceAny> {
        let own = self.state.take()?;
        let mut ctx = store.as_context_mut();
        ResourceAny::insert(ctx.opaque(), ResourceType::host::<T>(), self.rep, own)
    }

    /// From a [`ResourceAny`] of the host type `T`, which this takes out
    /// of `store`'s table of host handles.
    pub fn try_from_resource_any(any: ResourceAny, mut store: impl AsContextMut) -> Result<Self> {
        if any.ty != ResourceType::host::<T>() {
            bail!("mismatched resource types");
        }
        let handle = any.take(store.as_context_mut().opaque())?;
        Ok(Resource {
            rep: handle.rep,
            state: HandleState::new(handle.own),
            _marker: PhantomData,
        })
    }
}

/// A resource handle of any type, as a dynamically typed value
/// ([`Val::Resource`](super::Val::Resource)).
///
/// The handle itself is held in its store's table of host handles; this
/// value names it there, and copies of it name the same handle. Give it
/// back with [`ResourceAny::resource_drop`] (borrows too), or move it into
/// a guest by passing it to a function: afterwards every use of any copy is
/// an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceAny {
    idx: HostIndex,
    ty: ResourceType,
    own: bool,
}

impl ResourceAny {
    /// Puts a handle into `store`'s table of host handles.
    pub(crate) fn insert(
        store: &mut StoreOpaque,
        ty: ResourceType,
        rep: u32,
        own: bool,
    ) -> Result<ResourceAny> {
        let idx = store.host_handles.insert(HostHandle { ty, rep, own })?;
        Ok(ResourceAny { idx, ty, own })
    }

    /// Where the handle is in its store's table.
    pub(crate) fn idx(&self) -> HostIndex {
        self.idx
    }

    /// Takes the handle out of `store`'s table; an error if it was dropped
    /// or moved.
    pub(crate) fn take(&self, store: &mut StoreOpaque) -> Result<HostHandle> {
        store.host_handles.remove(self.idx)
    }

    /// The resource's type.
    pub fn ty(&self) -> ResourceType {
        self.ty
    }

    /// Whether the handle is owned.
    pub fn owned(&self) -> bool {
        self.own
    }

    /// Converts to a typed host resource.
    pub fn try_into_resource<T: 'static>(self, store: impl AsContextMut) -> Result<Resource<T>> {
        Resource::try_from_resource_any(self, store)
    }

    /// Converts to a host resource of a dynamic type.
    pub fn try_into_resource_dynamic(
        self,
        store: impl AsContextMut,
    ) -> Result<super::ResourceDynamic> {
        super::ResourceDynamic::try_from_resource_any(self, store)
    }

    /// Converts from a typed host resource.
    pub fn try_from_resource<T: 'static>(
        resource: Resource<T>,
        store: impl AsContextMut,
    ) -> Result<Self> {
        resource.try_into_resource_any(store)
    }

    /// Drops the handle: takes it out of the store and, if it is owned,
    /// runs the resource's destructor (the defining instance's, or the
    /// host's given to
    /// [`LinkerInstance::resource`](super::LinkerInstance::resource)).
    /// Dropping a handle twice, or one that was moved into a guest, is an
    /// error.
    pub fn resource_drop<S>(self, mut store: S) -> Result<()>
    where
        S: AsContextMut,
        S::Data: 'static,
    {
        let mut ctx = store.as_context_mut();
        let handle = self.take(ctx.opaque())?;
        if !handle.own {
            return Ok(());
        }
        run_dtor(&mut ctx, handle.ty, handle.rep)
    }

    /// [`ResourceAny::resource_drop`] for stores with async support: a
    /// guest destructor runs on a fiber.
    #[cfg(feature = "async")]
    pub async fn resource_drop_async<S>(self, mut store: S) -> Result<()>
    where
        S: AsContextMut,
        S::Data: Send + 'static,
    {
        let mut ctx = store.as_context_mut();
        let handle = self.take(ctx.opaque())?;
        if !handle.own {
            return Ok(());
        }
        if handle.ty.guest_parts().is_some() {
            let work = move |store: &mut StoreOpaque| run_guest_dtor(store, handle.ty, handle.rep);
            return crate::fiber::on_fiber_in(&mut ctx, work).await?;
        }
        run_dtor(&mut ctx, handle.ty, handle.rep)
    }
}

/// The host destructor of a host resource type.
pub(crate) type HostDtor<T> = dyn Fn(StoreContextMut<'_, T>, u32) -> Result<()> + Send + Sync;

/// Runs the destructor of the resource `rep` of type `ty`.
pub(crate) fn run_dtor<T: 'static>(
    store: &mut StoreContextMut<'_, T>,
    ty: ResourceType,
    rep: u32,
) -> Result<()> {
    if ty.guest_parts().is_some() {
        return run_guest_dtor(store.opaque(), ty, rep);
    }
    let dtor = store.opaque().host_resource_dtors.get(&ty).cloned();
    if let Some(dtor) = dtor {
        if let Ok(dtor) = dtor.downcast::<Arc<HostDtor<T>>>() {
            dtor(StoreContextMut(&mut *store.0), rep)?;
        }
    }
    Ok(())
}

/// Runs the destructor of the guest resource `rep` of type `ty`, if its
/// defining instance has one.
fn run_guest_dtor(store: &mut StoreOpaque, ty: ResourceType, rep: u32) -> Result<()> {
    let Some((instance, index)) = ty.guest_parts() else {
        return Ok(());
    };
    if let Some(dtor) = store.component_instances[instance].dtor(index) {
        let func_ref = dtor.func_ref_ptr(store)?;
        let mut args = [wasmtime_runtime::vmcontext::ValRaw::u32(rep)];
        crate::func::invoke(store, func_ref, &mut args)?;
    }
    Ok(())
}

/// A slot of an instance's handle table.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Free,
    /// An owned handle, and how many borrows of it the calls under way
    /// have lifted (it cannot leave the table while any is left).
    Own {
        ty: ResourceType,
        rep: u32,
        lends: u32,
    },
    Borrow {
        ty: ResourceType,
        rep: u32,
    },
}

/// The handles a component instance holds (index 0 is never a handle).
#[derive(Default)]
pub(crate) struct HandleTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

/// The error for a handle of another resource type than the one expected
/// (Wasmtime's words: every handle in a guest's table is, in its terms, a
/// guest-defined resource).
fn wrong_type(handle: u32) -> anyhow::Error {
    anyhow!(
        "handle index {handle} used with the wrong type, expected guest-defined resource \
         but found a different guest-defined resource"
    )
}

impl HandleTable {
    fn insert(&mut self, slot: Slot) -> Result<u32> {
        if self.slots.is_empty() {
            self.slots.push(Slot::Free);
        }
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = slot;
            return Ok(i);
        }
        let i = u32::try_from(self.slots.len()).map_err(|_| anyhow!("too many handles"))?;
        self.slots.push(slot);
        Ok(i)
    }

    pub(crate) fn insert_own(&mut self, ty: ResourceType, rep: u32) -> Result<u32> {
        self.insert(Slot::Own { ty, rep, lends: 0 })
    }

    pub(crate) fn insert_borrow(&mut self, ty: ResourceType, rep: u32) -> Result<u32> {
        self.insert(Slot::Borrow { ty, rep })
    }

    fn get(&self, handle: u32) -> Result<Slot> {
        match self.slots.get(handle as usize) {
            Some(Slot::Free) | None => bail!("unknown handle index {handle}"),
            Some(slot) => Ok(*slot),
        }
    }

    /// The representation behind `handle`, which must be of type `ty`.
    pub(crate) fn rep(&self, handle: u32, ty: ResourceType) -> Result<u32> {
        match self.get(handle)? {
            Slot::Own { ty: t, rep, .. } | Slot::Borrow { ty: t, rep } if t == ty => Ok(rep),
            _ => Err(wrong_type(handle)),
        }
    }

    /// The representation behind `handle` (of type `ty`), lifted as a
    /// `borrow` for a call: an owned handle counts the lend until
    /// [`HandleTable::end_lend`]. Returns whether it was owned.
    pub(crate) fn lend(&mut self, handle: u32, ty: ResourceType) -> Result<(u32, bool)> {
        let rep = self.rep(handle, ty)?;
        match &mut self.slots[handle as usize] {
            Slot::Own { lends, .. } => {
                *lends = lends
                    .checked_add(1)
                    .ok_or_else(|| anyhow!("too many borrows of handle index {handle}"))?;
                Ok((rep, true))
            }
            _ => Ok((rep, false)),
        }
    }

    /// Ends a lend of [`HandleTable::lend`] (the call that lifted the
    /// borrow has returned).
    pub(crate) fn end_lend(&mut self, handle: u32) {
        if let Some(Slot::Own { lends, .. }) = self.slots.get_mut(handle as usize) {
            *lends = lends.saturating_sub(1);
        }
    }

    /// Removes `handle` (of type `ty`); returns the representation and
    /// whether it was owned.
    pub(crate) fn remove(&mut self, handle: u32, ty: ResourceType) -> Result<(u32, bool)> {
        let (rep, own) = match self.get(handle)? {
            Slot::Own { ty: t, rep, lends } if t == ty => {
                if lends > 0 {
                    bail!("cannot remove owned resource while borrowed");
                }
                (rep, true)
            }
            Slot::Borrow { ty: t, rep } if t == ty => (rep, false),
            _ => return Err(wrong_type(handle)),
        };
        self.slots[handle as usize] = Slot::Free;
        self.free.push(handle);
        Ok((rep, own))
    }

    /// Removes the owned handle `handle` (of type `ty`), transferring it.
    pub(crate) fn take_own(&mut self, handle: u32, ty: ResourceType) -> Result<u32> {
        match self.get(handle)? {
            Slot::Own { ty: t, .. } if t == ty => Ok(self.remove(handle, ty)?.0),
            Slot::Own { .. } => Err(wrong_type(handle)),
            _ => bail!("cannot lift own resource from a borrow"),
        }
    }

    /// Whether `handle` is still a borrow (at the end of a call that lent
    /// it).
    pub(crate) fn is_borrow(&self, handle: u32) -> bool {
        matches!(self.slots.get(handle as usize), Some(Slot::Borrow { .. }))
    }
}

/// The store's registry of host destructors, keyed by resource type.
pub(crate) type HostDtors = std::collections::HashMap<ResourceType, Arc<dyn Any + Send + Sync>>;

impl StoreOpaque {
    /// The handle table of runtime instance `sub` (see
    /// `ComponentTranslation::instance_count`) of component instance
    /// `instance`.
    pub(crate) fn handles(&mut self, instance: usize, sub: u32) -> &mut HandleTable {
        let tables = &mut self.component_instances[instance].handles;
        let sub = sub as usize;
        if tables.len() <= sub {
            tables.resize_with(sub + 1, HandleTable::default);
        }
        &mut tables[sub]
    }
}
