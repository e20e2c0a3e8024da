//! [`ResourceDynamic`]: host resource handles whose type is a number chosen
//! at run time rather than a Rust type, for embedders in other languages
//! (the C API's `wasmtime_component_resource_host_t`).

use super::resources::HandleState;
use super::{ResourceAny, ResourceType};
use crate::AsContextMut;
use anyhow::{bail, Result};

/// A host resource handle whose type is [`ResourceType::host_dynamic`]
/// with the number [`ResourceDynamic::ty`]: an owned or borrowed handle to
/// the representation [`ResourceDynamic::rep`]. Like
/// [`Resource`](super::Resource), an owned handle moves into the guest it
/// is given to, once.
#[derive(Debug)]
pub struct ResourceDynamic {
    rep: u32,
    ty: u32,
    state: HandleState,
}

impl ResourceDynamic {
    /// An owned handle to `rep` of the dynamic host type `ty`.
    pub fn new_own(rep: u32, ty: u32) -> ResourceDynamic {
        ResourceDynamic {
            rep,
            ty,
            state: HandleState::new(true),
        }
    }

    /// A borrowed handle to `rep` of the dynamic host type `ty`.
    pub fn new_borrow(rep: u32, ty: u32) -> ResourceDynamic {
        ResourceDynamic {
            rep,
            ty,
            state: HandleState::new(false),
        }
    }

    /// The representation.
    pub fn rep(&self) -> u32 {
        self.rep
    }

    /// The number of the resource's type.
    pub fn ty(&self) -> u32 {
        self.ty
    }

    /// Whether the handle is owned.
    pub fn owned(&self) -> bool {
        self.state.owned()
    }

    /// From a [`ResourceAny`] whose type is a dynamic host type, which
    /// this takes out of `store`'s table of host handles; an error for
    /// guest-defined or statically typed host resources.
    pub fn try_from_resource_any(
        resource: ResourceAny,
        mut store: impl AsContextMut,
    ) -> Result<Self> {
        let Some(ty) = resource.ty().dynamic_payload() else {
            bail!("the resource is not of a dynamic host resource type");
        };
        let handle = resource.take(store.as_context_mut().opaque())?;
        Ok(ResourceDynamic {
            rep: handle.rep,
            ty,
            state: HandleState::new(handle.own),
        })
    }

    /// As a [`ResourceAny`] (for [`Val::Resource`](super::Val::Resource)),
    /// held in `store`'s table of host handles; an error if this owned
    /// handle was already moved into a guest.
    pub fn try_into_resource_any(self, mut store: impl AsContextMut) -> Result<ResourceAny> {
        let own = self.state.take()?;
        let mut ctx = store.as_context_mut();
        ResourceAny::insert(
            ctx.opaque(),
            ResourceType::host_dynamic(self.ty),
            self.rep,
            own,
        )
    }
}
