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
    /// The guest's handle for this resource as `ty`: an owned handle
    /// lowered as `own` moves (once).
    fn lower_handle(&self, cx: &mut Cx<'_>, ty: &InterfaceType) -> Result<u32> {
        let rt = ResourceType::host::<T>();
        let own = cx.check_handle(ty, rt, self.owned())?;
        if own {
            self.state().take()?;
        } else {
            self.state().check_not_taken()?;
        }
        cx.lower_rep(ty, rt, self.rep())
    }

    fn lift_handle(cx: &mut Cx<'_>, ty: &InterfaceType, handle: u32) -> Result<Self> {
        let (rt, rep, own) = cx.lift_rep(ty, handle)?;
        if rt != ResourceType::host::<T>() {
            bail!("mismatched resource types");
        }
        Ok(match own {
            true => Resource::new_own(rep),
            false => Resource::new_borrow(rep),
        })
    }
}

impl<T: 'static> Lower for Resource<T> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        out.push(ValRaw::u32(self.lower_handle(cx, ty)?));
        Ok(())
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        anyhow::ensure!(
            ptr.is_multiple_of(4),
            "pointer {ptr:#x} is not aligned to 4"
        );
        let handle = self.lower_handle(cx, ty)?;
        cx.write(ptr, &handle.to_le_bytes())
    }
}

impl<T: 'static> Lift for Resource<T> {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        let handle = src
            .next()
            .ok_or_else(|| anyhow::anyhow!("missing core value for a resource handle"))?;
        Self::lift_handle(cx, ty, handle.get_u32())
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        anyhow::ensure!(
            ptr.is_multiple_of(4),
            "pointer {ptr:#x} is not aligned to 4"
        );
        let handle = u32::from_le_bytes(cx.read::<4>(ptr)?);
        Self::lift_handle(cx, ty, handle)
    }
}
