//! `InstancePre<T>`: a module whose imports were resolved ahead of time.

use crate::definition::Definition;
use crate::{AsContextMut, Extern, Func, Instance, Module};
use anyhow::Result;
use std::sync::Arc;

/// An instance, pre-instantiation, that is ready to be instantiated.
///
/// Created by [`Linker::instantiate_pre`](crate::Linker::instantiate_pre):
/// the imports were looked up by name and host functions type-checked once,
/// so [`InstancePre::instantiate`] only creates the instance. It is tied to
/// no store unless one of its imports is a store-owned item.
pub struct InstancePre<T> {
    module: Module,
    /// One definition per import, in the module's import order.
    items: Arc<[Definition<T>]>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            module: self.module.clone(),
            items: self.items.clone(),
        }
    }
}

impl<T> std::fmt::Debug for InstancePre<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstancePre")
            .field("module", &self.module)
            .finish_non_exhaustive()
    }
}

impl<T: 'static> InstancePre<T> {
    pub(crate) fn new(module: Module, items: Vec<Definition<T>>) -> InstancePre<T> {
        InstancePre {
            module,
            items: items.into(),
        }
    }

    /// The module this will instantiate.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store` with the imports closed over at
    /// creation (host functions are created in `store`), runs segment
    /// initialisation and the start function, as [`Instance::new`] does.
    ///
    /// Fails if an import belongs to another store or if `store` belongs to
    /// another engine.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let mut ctx = store.as_context_mut();
        ctx.opaque().validate_sync_call()?;
        let imports = self.imports_in(&mut ctx)?;
        Instance::new_in(ctx.opaque(), &self.module, &imports)
    }

    /// As [`InstancePre::instantiate`], on a fiber (see
    /// [`Instance::new_async`]).
    #[cfg(feature = "async")]
    pub async fn instantiate_async(
        &self,
        mut store: impl AsContextMut<Data = T>,
    ) -> Result<Instance>
    where
        T: Send,
    {
        let mut ctx = store.as_context_mut();
        let imports = self.imports_in(&mut ctx)?;
        Instance::new_async(ctx, &self.module, &imports).await
    }

    /// The imports, with host functions created in `ctx`'s store.
    fn imports_in(&self, ctx: &mut crate::StoreContextMut<'_, T>) -> Result<Vec<Extern>> {
        let mut imports = Vec::with_capacity(self.items.len());
        for item in self.items.iter() {
            imports.push(match item {
                Definition::Extern(e) => e.clone(),
                Definition::HostFunc(ty, f) => {
                    Extern::Func(Func::new_host(ctx, ty.clone(), f.clone())?)
                }
            });
        }
        Ok(imports)
    }
}
