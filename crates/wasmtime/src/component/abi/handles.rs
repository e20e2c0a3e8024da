//! Resource handles across the canonical ABI: moving and lending handles
//! between the host (its `ResourceAny` table, or a typed `Resource<T>`'s
//! representation) and a component instance's handle table.

use super::Cx;
use crate::component::host_handles::HostIndex;
use crate::component::{ResourceAny, ResourceType, Val};
use crate::store::StoreOpaque;
use anyhow::{ensure, Result};
use wasmtime_environ::component::InterfaceType;

impl Cx<'_> {
    fn resource_type(&self, index: u32) -> ResourceType {
        self.store.component_instances[self.opts.instance].resource_types[index as usize]
    }

    /// The resource type `ty` (an `own` or `borrow`) names, and whether it
    /// is `own`.
    fn handle_type(&self, ty: &InterfaceType) -> (ResourceType, bool) {
        match ty {
            InterfaceType::Own(i) => (self.resource_type(*i), true),
            InterfaceType::Borrow(i) => (self.resource_type(*i), false),
            _ => unreachable!("not a handle type"),
        }
    }

    /// Checks that a handle of resource type `rt` can be lowered as `ty`
    /// (its `own` or `borrow` type); returns whether `ty` is `own`.
    pub(crate) fn check_handle(
        &self,
        ty: &InterfaceType,
        rt: ResourceType,
        owned: bool,
    ) -> Result<bool> {
        let (expected, own) = self.handle_type(ty);
        ensure!(rt == expected, "mismatched resource types");
        ensure!(
            owned || !own,
            "cannot lower a `borrow` resource into an `own`"
        );
        Ok(own)
    }

    /// The guest's handle for the representation `rep` of type `rt`, which
    /// [`Cx::check_handle`] accepted as `ty`: an `own` is transferred into
    /// the guest's table; a `borrow` is lent for the call, or is the
    /// representation itself when the guest defines the resource.
    pub(crate) fn lower_rep(
        &mut self,
        ty: &InterfaceType,
        rt: ResourceType,
        rep: u32,
    ) -> Result<u32> {
        let (instance, sub) = (self.opts.instance, self.opts.sub);
        if matches!(ty, InterfaceType::Own(_)) {
            return self.store.handles(instance, sub).insert_own(rt, rep);
        }
        if self.store.component_instances[instance].defines(rt, sub) {
            return Ok(rep);
        }
        let handle = self.store.handles(instance, sub).insert_borrow(rt, rep)?;
        self.lent.push(handle);
        Ok(handle)
    }

    /// The guest's handle for the host-held handle `r`: lowered as `own`,
    /// it leaves the host's table (every copy of `r` is stale afterwards).
    pub(super) fn lower_handle(&mut self, ty: &InterfaceType, r: &ResourceAny) -> Result<u32> {
        let own = self.check_handle(ty, r.ty(), r.owned())?;
        let handle = match own {
            true => r.take(self.store)?,
            false => {
                let (handle, lent) = self.store.host_handles.lend(r.idx())?;
                if lent {
                    self.host_lent.push(r.idx());
                }
                handle
            }
        };
        self.lower_rep(ty, handle.ty, handle.rep)
    }

    /// The host handles this lowering lent, for the caller to give back
    /// with [`end_host_lends`] once the call has returned (or failed).
    pub(crate) fn take_host_lends(&mut self) -> Vec<HostIndex> {
        std::mem::take(&mut self.host_lent)
    }

    /// Lifts the guest's handle `handle` as `ty`: its resource type, its
    /// representation, and whether it is owned (then it left the guest's
    /// table).
    pub(crate) fn lift_rep(
        &mut self,
        ty: &InterfaceType,
        handle: u32,
    ) -> Result<(ResourceType, u32, bool)> {
        let (rt, own) = self.handle_type(ty);
        let (instance, sub) = (self.opts.instance, self.opts.sub);
        let rep = if own {
            self.store.handles(instance, sub).take_own(handle, rt)?
        } else {
            let (rep, lent) = self.store.handles(instance, sub).lend(handle, rt)?;
            if lent {
                self.guest_lends.push(handle);
            }
            rep
        };
        Ok((rt, rep, own))
    }

    /// The host value of the guest's handle `handle`: a `ResourceAny` in
    /// the host's table.
    pub(super) fn lift_handle(&mut self, ty: &InterfaceType, handle: u32) -> Result<Val> {
        let (rt, rep, own) = self.lift_rep(ty, handle)?;
        Ok(Val::Resource(ResourceAny::insert(
            self.store, rt, rep, own,
        )?))
    }

    /// Fails if a borrow this context lent is still held by the guest.
    pub(crate) fn check_lent(&mut self) -> Result<()> {
        let (instance, sub) = (self.opts.instance, self.opts.sub);
        for handle in std::mem::take(&mut self.lent) {
            ensure!(
                !self.store.handles(instance, sub).is_borrow(handle),
                "borrow handles still remain at the end of the call"
            );
        }
        Ok(())
    }
}

/// Ends the lends of [`Cx::take_host_lends`].
pub(crate) fn end_host_lends(store: &mut StoreOpaque, lends: Vec<HostIndex>) {
    for idx in lends {
        store.host_handles.end_lend(idx);
    }
}

impl Drop for Cx<'_> {
    fn drop(&mut self) {
        end_host_lends(self.store, std::mem::take(&mut self.host_lent));
        let (instance, sub) = (self.opts.instance, self.opts.sub);
        for handle in std::mem::take(&mut self.guest_lends) {
            self.store.handles(instance, sub).end_lend(handle);
        }
    }
}
