//! Finding a component's exports: [`Instance`] handles, export indices
//! ([`ComponentExportIndex`]) computed once per [`Component`] and valid for
//! every instance of it, and the typed descriptions of exported items
//! ([`ComponentItem`]).

use super::component_type::{export_type, placeholder_resources};
use super::instance_data::{ExportItem, InstanceData};
use super::{types, Component, Func, InstancePre, ResourceType};
use crate::store::{StoreOpaque, Stored};
use crate::{AsContext, AsContextMut};
use std::sync::Arc;
use wasmtime_environ::component::{
    ComponentFuncDef, ComponentFuncType, ComponentTranslation, ExportDef, ImportType,
};

/// An instantiated component.
#[derive(Copy, Clone, Debug)]
pub struct Instance(pub(crate) Stored);

/// The place of an export in a component, found once with
/// [`Component::get_export_index`] (or [`Instance::get_export_index`]) and
/// usable with [`Instance::get_func`] and friends on every instance of that
/// component.
#[derive(Clone, Debug)]
pub struct ComponentExportIndex {
    /// The id of the component it belongs to.
    component: u64,
    /// Positions in the nested export lists.
    path: Vec<usize>,
}

/// A name or index for looking up an instance's exports.
pub trait ExportLookup {
    #[doc(hidden)]
    fn lookup(&self, instance: &Instance, store: &StoreOpaque) -> Option<Vec<usize>>;

    /// The name looked up, or the index itself.
    #[doc(hidden)]
    fn name(&self) -> Result<&str, &ComponentExportIndex>;
}

impl ExportLookup for &str {
    fn lookup(&self, instance: &Instance, store: &StoreOpaque) -> Option<Vec<usize>> {
        let data = instance.data(store);
        Some(vec![position(&data.exports, self)?])
    }

    fn name(&self) -> Result<&str, &ComponentExportIndex> {
        Ok(self)
    }
}

impl ExportLookup for String {
    fn lookup(&self, instance: &Instance, store: &StoreOpaque) -> Option<Vec<usize>> {
        self.as_str().lookup(instance, store)
    }

    fn name(&self) -> Result<&str, &ComponentExportIndex> {
        Ok(self)
    }
}

impl ExportLookup for ComponentExportIndex {
    fn lookup(&self, instance: &Instance, store: &StoreOpaque) -> Option<Vec<usize>> {
        (self.component == instance.data(store).component).then(|| self.path.clone())
    }

    fn name(&self) -> Result<&str, &ComponentExportIndex> {
        Err(self)
    }
}

impl ExportLookup for &ComponentExportIndex {
    fn lookup(&self, instance: &Instance, store: &StoreOpaque) -> Option<Vec<usize>> {
        (*self).lookup(instance, store)
    }

    fn name(&self) -> Result<&str, &ComponentExportIndex> {
        (*self).name()
    }
}

impl Instance {
    pub(crate) fn data<'a>(&self, store: &'a StoreOpaque) -> &'a InstanceData {
        store.check(&self.0);
        &store.component_instances[self.0.index]
    }

    fn item(&self, store: &StoreOpaque, path: &[usize]) -> Option<ExportItem> {
        let (first, rest) = path.split_first()?;
        let mut item = &self.data(store).exports.get(*first)?.1;
        for i in rest {
            match item {
                ExportItem::Instance(items) => item = &items.get(*i)?.1,
                _ => return None,
            }
        }
        Some(item.clone())
    }

    /// The exported function `name` (a name at the root, or an index from
    /// [`Instance::get_export_index`] for functions inside exported
    /// instances).
    pub fn get_func(&self, mut store: impl AsContextMut, name: impl ExportLookup) -> Option<Func> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let path = name.lookup(self, store)?;
        match self.item(store, &path)? {
            ExportItem::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The exported resource type `name` (a name at the root, or an index
    /// from [`Instance::get_export_index`]).
    pub fn get_resource(
        &self,
        mut store: impl AsContextMut,
        name: impl ExportLookup,
    ) -> Option<ResourceType> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let path = name.lookup(self, store)?;
        match self.item(store, &path)? {
            ExportItem::Resource(r) => Some(r),
            _ => None,
        }
    }

    /// The exported core module `name` (a name at the root, or an index
    /// from [`Instance::get_export_index`]).
    pub fn get_module(
        &self,
        mut store: impl AsContextMut,
        name: impl ExportLookup,
    ) -> Option<crate::Module> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let path = name.lookup(self, store)?;
        match self.item(store, &path)? {
            ExportItem::Module(m) => Some(m),
            _ => None,
        }
    }

    /// Finds the export `name` at the root (`instance: None`) or inside an
    /// exported instance: its type, with this instance's resource types,
    /// and its index. `None` also for exported function, instance and
    /// component types (not kept by the translation).
    pub fn get_export(
        &self,
        mut store: impl AsContextMut,
        instance: Option<&ComponentExportIndex>,
        name: &str,
    ) -> Option<(types::ComponentItem, ComponentExportIndex)> {
        let index = self.get_export_index(&mut store, instance, name)?;
        let mut ctx = store.as_context_mut();
        let data = self.data(ctx.opaque());
        let item = export_type(&data.inner, &index.path, &data.resource_types)?;
        Some((item, index))
    }

    /// The index of the export `name` at the root (`instance: None`) or
    /// inside an exported instance.
    pub fn get_export_index(
        &self,
        mut store: impl AsContextMut,
        instance: Option<&ComponentExportIndex>,
        name: &str,
    ) -> Option<ComponentExportIndex> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let component = self.data(store).component;
        let mut path = match instance {
            Some(i) if i.component == component => i.path.clone(),
            Some(_) => return None,
            None => Vec::new(),
        };
        let items = match path.is_empty() {
            true => self.data(store).exports.clone(),
            false => match self.item(store, &path)? {
                ExportItem::Instance(items) => items,
                _ => return None,
            },
        };
        path.push(position(&items, name)?);
        Some(ComponentExportIndex { component, path })
    }

    /// The [`InstancePre`] this instance was made from (by
    /// [`InstancePre::instantiate`] or `Linker::instantiate`), as generated
    /// bindings use to find their exports.
    ///
    /// # Panics
    ///
    /// Panics if `store` does not own the instance or `T` is not the
    /// store's data type.
    pub fn instance_pre<T: 'static>(&self, store: impl AsContext<Data = T>) -> InstancePre<T> {
        let ctx = store.as_context();
        let pre = self.data(ctx.opaque()).pre.as_ref();
        pre.and_then(|p| p.downcast_ref::<InstancePre<T>>())
            .expect("instance not made from an `InstancePre` of this store's data type")
            .clone()
    }
}

impl Component {
    /// The names of the component's exported instances, in order.
    #[doc(hidden)]
    pub fn exported_instance_names(&self) -> Vec<String> {
        self.inner
            .translation
            .exports
            .iter()
            .filter(|(_, e)| matches!(e, ExportDef::Instance(_)))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The index of the export `name` at the root of the component
    /// (`instance: None`) or inside one of its exported instances; valid
    /// for every instance of this component.
    pub fn get_export_index(
        &self,
        instance: Option<&ComponentExportIndex>,
        name: impl ExportLookup,
    ) -> Option<ComponentExportIndex> {
        let component = self.inner.id;
        let translation = &self.inner.translation;
        let mut path = Vec::new();
        let mut items = &translation.exports;
        if let Some(i) = instance {
            if i.component != component {
                return None;
            }
            for &pos in &i.path {
                match &items.get(pos)?.1 {
                    ExportDef::Instance(inner) => items = inner,
                    _ => return None,
                }
                path.push(pos);
            }
        }
        match name.name() {
            Ok(name) => path.push(position(items, name)?),
            Err(index) if index.component == component => return Some(index.clone()),
            Err(_) => return None,
        }
        Some(ComponentExportIndex { component, path })
    }

    /// As [`Component::get_export_index`], with the type of the item.
    /// Resource types here are placeholders until instantiation (compare
    /// them with [`Instance::get_resource`]'s). `None` also for exported
    /// function, instance and component types (not kept by the
    /// translation).
    pub fn get_export(
        &self,
        instance: Option<&ComponentExportIndex>,
        name: impl ExportLookup,
    ) -> Option<(types::ComponentItem, ComponentExportIndex)> {
        let index = self.get_export_index(instance, name)?;
        let resources = placeholder_resources(&self.inner);
        let item = export_type(&self.inner, &index.path, &resources)?;
        Some((item, index))
    }
}

/// The type of function `index` of the component's function index space.
pub(crate) fn func_type(t: &ComponentTranslation, index: u32) -> Option<Arc<ComponentFuncType>> {
    match t.funcs.get(index as usize)? {
        ComponentFuncDef::Lifted { ty, .. } => Some(Arc::new(ty.clone())),
        ComponentFuncDef::Import { import, path } => {
            match (&t.imports.get(*import as usize)?.1, &path[..]) {
                (ImportType::Func(ty), []) => Some(Arc::new(ty.clone())),
                (ty, [outer @ .., name]) => ty
                    .instance_at(outer)?
                    .funcs
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, ty)| Arc::new(ty.clone())),
                _ => None,
            }
        }
    }
}

/// The position of the export `name` in `items`, exactly or by a
/// semver-compatible version.
fn position<T>(items: &[(String, T)], name: &str) -> Option<usize> {
    items.iter().position(|(n, _)| n == name).or_else(|| {
        super::semver::find(
            items.iter().enumerate().map(|(i, (n, _))| (n.as_str(), i)),
            name,
        )
    })
}
