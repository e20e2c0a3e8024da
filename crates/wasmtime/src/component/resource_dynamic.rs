//! [`ResourceDynamic`]: host resource handles whose type is a number chosen
//! at run time rather than a Rust type, for embedders in other languages
//! (the C API's `wasmtime_component_resource_host_t`).

use super::{ResourceAny, ResourceType};
use crate::AsContextMut;
use anyhow::{bail, Result};

/// A host resource handle whose type is [`ResourceType::host_dynamic`]
/// with the number [`ResourceDynamic::ty`]: an owned or borrowed handle to
/// the representation [`ResourceDynamic::rep`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceDynamic {
    rep: u32,
    ty: u32,
    own: bool,
}

impl ResourceDynamic {
    /// An owned handle to `rep` of the dynamic host type `ty`.
    pub fn new_own(rep: u32, ty: u32) -> ResourceDynamic {
        ResourceDynamic { rep, ty, own: true }
    }

    /// A borrowed handle to `rep` of the dynamic host type `ty`.
    pub fn new_borrow(rep: u32, ty: u32) -> ResourceDynamic {
        ResourceDynamic {
            rep,
            ty,
            own: false,
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
        self.own
    }

    /// From a [`ResourceAny`] whose type is a dynamic host type; an error
    /// for guest-defined or statically typed host resources.
    pub fn try_from_resource_any(resource: ResourceAny, _store: impl AsContextMut) -> Result<Self> {
        let Some(ty) = resource.ty().dynamic_payload() else {
            bail!("the resource is not of a dynamic host resource type");
        };
        Ok(ResourceDynamic {
            rep: resource.rep(),
            ty,
            own: resource.owned(),
        })
    }

    /// As a [`ResourceAny`] (for [`Val::Resource`](super::Val::Resource)).
    pub fn try_into_resource_any(self, _store: impl AsContextMut) -> Result<ResourceAny> {
        Ok(ResourceAny::new(
            ResourceType::host_dynamic(self.ty),
            self.rep,
            self.own,
        ))
    }
}
