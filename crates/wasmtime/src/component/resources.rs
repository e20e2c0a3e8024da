//! Resources: [`ResourceType`], the handles of the host ([`Resource`],
//! [`ResourceAny`]), the per-instance handle tables of the canonical ABI,
//! and [`ResourceTable`], the host's own table of resource values.

use crate::store::{StoreId, StoreOpaque};
use crate::{AsContextMut, StoreContextMut};
use anyhow::{anyhow, bail, Result};
use std::any::{Any, TypeId};
use std::marker::PhantomData;
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
pub struct Resource<T> {
    rep: u32,
    own: bool,
    _marker: PhantomData<fn() -> T>,
}

impl<T> Clone for Resource<T> {
    fn clone(&self) -> Self {
        Resource {
            rep: self.rep,
            own: self.own,
            _marker: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("rep", &self.rep)
            .field("own", &self.own)
            .finish()
    }
}

impl<T: 'static> Resource<T> {
    /// An owned handle to `rep`.
    pub fn new_own(rep: u32) -> Resource<T> {
        Resource {
            rep,
            own: true,
            _marker: PhantomData,
        }
    }

    /// A borrowed handle to `rep`.
    pub fn new_borrow(rep: u32) -> Resource<T> {
        Resource {
            rep,
            own: false,
            _marker: PhantomData,
        }
    }

    /// The representation.
    pub fn rep(&self) -> u32 {
        self.rep
    }

    /// Whether the handle is owned.
    pub fn owned(&self) -> bool {
        self.own
    }

    /// As a [`ResourceAny`] (for [`Val::Resource`](super::Val::Resource)).
    pub fn try_into_resource_any(self, _store: impl AsContextMut) -> Result<ResourceAny> {
        Ok(ResourceAny {
            ty: ResourceType::host::<T>(),
            rep: self.rep,
            own: self.own,
        })
    }

    /// From a [`ResourceAny`] of the host type `T`.
    pub fn try_from_resource_any(any: ResourceAny, _store: impl AsContextMut) -> Result<Self> {
        if any.ty != ResourceType::host::<T>() {
            bail!("mismatched resource types");
        }
        Ok(Resource {
            rep: any.rep,
            own: any.own,
            _marker: PhantomData,
        })
    }
}

/// A resource handle of any type, as a dynamically typed value
/// ([`Val::Resource`](super::Val::Resource)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceAny {
    ty: ResourceType,
    rep: u32,
    own: bool,
}

impl ResourceAny {
    pub(crate) fn new(ty: ResourceType, rep: u32, own: bool) -> ResourceAny {
        ResourceAny { ty, rep, own }
    }

    pub(crate) fn rep(&self) -> u32 {
        self.rep
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

    /// Converts from a typed host resource.
    pub fn try_from_resource<T: 'static>(
        resource: Resource<T>,
        store: impl AsContextMut,
    ) -> Result<Self> {
        resource.try_into_resource_any(store)
    }

    /// Drops an owned resource: runs its destructor (the defining
    /// instance's, or the host's given to
    /// [`LinkerInstance::resource`](super::LinkerInstance::resource)).
    /// Dropping a borrow does nothing.
    pub fn resource_drop<S>(self, mut store: S) -> Result<()>
    where
        S: AsContextMut,
        S::Data: 'static,
    {
        if !self.own {
            return Ok(());
        }
        let mut ctx = store.as_context_mut();
        run_dtor(&mut ctx, self.ty, self.rep)
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
    if let Some((instance, index)) = ty.guest_parts() {
        let opaque = store.opaque();
        let dtor = opaque.component_instances[instance].dtor(index);
        if let Some(dtor) = dtor {
            let func_ref = dtor.func_ref_ptr(opaque)?;
            let mut args = [wasmtime_runtime::vmcontext::ValRaw::u32(rep)];
            crate::func::invoke(opaque, func_ref, &mut args)?;
        }
        return Ok(());
    }
    let dtor = store.opaque().host_resource_dtors.get(&ty).cloned();
    if let Some(dtor) = dtor {
        if let Ok(dtor) = dtor.downcast::<Arc<HostDtor<T>>>() {
            dtor(StoreContextMut(&mut *store.0), rep)?;
        }
    }
    Ok(())
}

/// A slot of an instance's handle table.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Free,
    Own { ty: ResourceType, rep: u32 },
    Borrow { ty: ResourceType, rep: u32 },
}

/// The handles a component instance holds (index 0 is never a handle).
#[derive(Default)]
pub(crate) struct HandleTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
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
        self.insert(Slot::Own { ty, rep })
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
            Slot::Own { ty: t, rep } | Slot::Borrow { ty: t, rep } if t == ty => Ok(rep),
            _ => bail!("handle index {handle} used with the wrong type"),
        }
    }

    /// Removes `handle` (of type `ty`); returns the representation and
    /// whether it was owned.
    pub(crate) fn remove(&mut self, handle: u32, ty: ResourceType) -> Result<(u32, bool)> {
        let (rep, own) = match self.get(handle)? {
            Slot::Own { ty: t, rep } if t == ty => (rep, true),
            Slot::Borrow { ty: t, rep } if t == ty => (rep, false),
            _ => bail!("handle index {handle} used with the wrong type"),
        };
        self.slots[handle as usize] = Slot::Free;
        self.free.push(handle);
        Ok((rep, own))
    }

    /// Removes the owned handle `handle` (of type `ty`), transferring it.
    pub(crate) fn take_own(&mut self, handle: u32, ty: ResourceType) -> Result<u32> {
        match self.get(handle)? {
            Slot::Own { ty: t, .. } if t == ty => Ok(self.remove(handle, ty)?.0),
            Slot::Own { .. } => bail!("handle index {handle} used with the wrong type"),
            _ => bail!("cannot lift own resource from a borrow (handle index {handle})"),
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
    /// The handle table of component instance `instance`.
    pub(crate) fn handles(&mut self, instance: usize) -> &mut HandleTable {
        &mut self.component_instances[instance].handles
    }
}
