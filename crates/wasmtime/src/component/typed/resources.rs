//! Resource handles in typed signatures: [`Resource<T>`] (a host resource
//! type) and [`ResourceAny`] (any resource type), as `own<R>` or
//! `borrow<R>` parameters and results. They lower and lift through the
//! instance's handle table like [`Val::Resource`](crate::component::Val).

use super::{ComponentType, Lift, Lower};
use crate::component::abi::Cx;
use crate::component::{Resource, ResourceAny, ResourceType, Val};
use anyhow::{bail, Result};
use wasmtime_environ::component::InterfaceType;
use wasmtime_runtime::vmcontext::ValRaw;

fn typecheck_handle(ty: &InterfaceType) -> Result<()> {
    match ty {
        InterfaceType::Own(_) | InterfaceType::Borrow(_) => Ok(()),
        other => bail!("type mismatch: expected a resource handle, found {other:?}"),
    }
}

fn resource(v: Val) -> Result<ResourceAny> {
    match v {
        Val::Resource(r) => Ok(r),
        other => bail!(
            "type mismatch: expected a resource handle, found {}",
            other.desc()
        ),
    }
}

impl ComponentType for ResourceAny {
    fn ty() -> InterfaceType {
        // Which resource is only known from the component's type.
        InterfaceType::Own(u32::MAX)
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        typecheck_handle(ty)
    }
}

impl Lower for ResourceAny {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        cx.lower_flat(ty, &Val::Resource(*self), out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        cx.store(ty, &Val::Resource(*self), ptr)
    }
}

impl Lift for ResourceAny {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        resource(cx.lift_flat(ty, src)?)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        resource(cx.load(ty, ptr)?)
    }
}

impl<T: 'static> ComponentType for Resource<T> {
    fn ty() -> InterfaceType {
        InterfaceType::Own(u32::MAX)
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        typecheck_handle(ty)
    }
}

impl<T: 'static> Resource<T> {
    fn as_any(&self) -> ResourceAny {
        ResourceAny::new(ResourceType::host::<T>(), self.rep(), self.owned())
    }

    fn from_any(any: ResourceAny) -> Result<Self> {
        if any.ty() != ResourceType::host::<T>() {
            bail!("mismatched resource types");
        }
        Ok(if any.owned() {
            Resource::new_own(any.rep())
        } else {
            Resource::new_borrow(any.rep())
        })
    }
}

impl<T: 'static> Lower for Resource<T> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        cx.lower_flat(ty, &Val::Resource(self.as_any()), out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        cx.store(ty, &Val::Resource(self.as_any()), ptr)
    }
}

impl<T: 'static> Lift for Resource<T> {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        Self::from_any(resource(cx.lift_flat(ty, src)?)?)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        Self::from_any(resource(cx.load(ty, ptr)?)?)
    }
}
