//! The type of a whole component ([`Component::component_type`]): its
//! imports and exports as [`ComponentItem`]s, with the types of exported
//! and imported instances ([`ComponentInstance`]).
//!
//! [`Component::component_type`]: super::Component::component_type

use super::compiled::ComponentInner;
use super::types::{ComponentFunc, Module, Type};
use super::ResourceType;
use crate::Engine;
use std::sync::Arc;
use wasmtime_environ::component::{
    ComponentFuncType, ComponentTranslation, ExportDef, ImportType, ModuleDef, ResourceDef,
};

/// The type of a component: what it imports and exports.
#[derive(Clone)]
pub struct Component {
    inner: Arc<ComponentInner>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component").finish_non_exhaustive()
    }
}

/// The type of a component instance (an imported or exported one): its
/// exports.
#[derive(Clone)]
pub struct ComponentInstance {
    inner: Arc<ComponentInner>,
    place: Place,
}

impl std::fmt::Debug for ComponentInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentInstance").finish_non_exhaustive()
    }
}

/// Where an instance type's exports are described.
#[derive(Clone, Debug)]
enum Place {
    /// Import `n` of the component (an instance import).
    Import(usize),
    /// An exported instance, by its positions in the nested export lists.
    Export(Vec<usize>),
}

/// An import or export of a [`Component`] or [`ComponentInstance`] type.
#[derive(Clone, Debug)]
pub struct ComponentExtern<'a> {
    /// The item's type.
    pub ty: ComponentItem,
    /// The item's `(implements "...")` annotation: never present here, as
    /// the translation does not keep these annotations.
    pub implements: Option<&'a str>,
    /// The item's `(external-id "...")` annotation: never present here,
    /// as for `implements`.
    pub external_id: Option<&'a str>,
}

impl ComponentExtern<'_> {
    /// Whether the item carries `(implements "NAME")` for an interface
    /// compatible with `name`; always `false` here (see
    /// [`ComponentExtern::implements`]).
    pub fn is_implements(&self, name: &str) -> bool {
        self.implements == Some(name)
    }
}

/// The type of an item a component imports or exports.
#[derive(Clone, Debug)]
pub enum ComponentItem {
    /// A component function.
    ComponentFunc(ComponentFunc),
    /// A core function (components here never import or export one).
    CoreFunc(crate::FuncType),
    /// A core module.
    Module(Module),
    /// A component instance.
    ComponentInstance(ComponentInstance),
    /// A component (components here never import or export one).
    Component(Component),
    /// A value type.
    Type(Type),
    /// A resource type. Before instantiation it is a placeholder that
    /// equals only itself; an instance's are found with
    /// [`Instance::get_resource`](super::Instance::get_resource).
    Resource(ResourceType),
}

impl Component {
    pub(crate) fn new(inner: Arc<ComponentInner>) -> Component {
        Component { inner }
    }

    fn translation(&self) -> &ComponentTranslation {
        &self.inner.translation
    }

    /// The import `name`, if the component has it.
    pub fn get_import<'a>(&'a self, engine: &'a Engine, name: &str) -> Option<ComponentExtern<'a>> {
        self.imports(engine)
            .find(|(n, _)| *n == name)
            .map(|(_, e)| e)
    }

    /// The component's imports, in order.
    pub fn imports<'a>(
        &'a self,
        _engine: &'a Engine,
    ) -> impl ExactSizeIterator<Item = (&'a str, ComponentExtern<'a>)> + 'a {
        let imports = &self.translation().imports;
        imports.iter().enumerate().map(move |(i, (name, ty))| {
            let ty = match ty {
                ImportType::Func(f) => ComponentItem::ComponentFunc(self.func(f)),
                ImportType::Instance(..) => ComponentItem::ComponentInstance(ComponentInstance {
                    inner: self.inner.clone(),
                    place: Place::Import(i),
                }),
                ImportType::Resource => {
                    ComponentItem::Resource(imported_resource(&self.inner, i, None))
                }
                ImportType::Module(ty) => ComponentItem::Module(Module::declared(ty)),
            };
            (name.as_str(), extern_of(ty))
        })
    }

    /// The export `name`, if the component has it.
    pub fn get_export<'a>(&'a self, engine: &'a Engine, name: &str) -> Option<ComponentExtern<'a>> {
        self.exports(engine)
            .find(|(n, _)| *n == name)
            .map(|(_, e)| e)
    }

    /// The component's exports, in order (type exports other than value
    /// types and resources are not listed).
    pub fn exports<'a>(
        &'a self,
        _engine: &'a Engine,
    ) -> impl ExactSizeIterator<Item = (&'a str, ComponentExtern<'a>)> + 'a {
        export_items(&self.inner, &[], &self.translation().exports)
    }

    fn func(&self, ty: &ComponentFuncType) -> ComponentFunc {
        ComponentFunc::new(Arc::new(ty.clone()), resources(&self.inner))
    }
}

impl ComponentInstance {
    /// The export `name` of the instance, if it has it.
    pub fn get_export<'a>(&'a self, engine: &'a Engine, name: &str) -> Option<ComponentExtern<'a>> {
        self.exports(engine)
            .find(|(n, _)| *n == name)
            .map(|(_, e)| e)
    }

    /// The instance's exports, in order: for an imported instance its
    /// resource types first, then its functions, then its core modules.
    pub fn exports<'a>(
        &'a self,
        _engine: &'a Engine,
    ) -> Box<dyn ExactSizeIterator<Item = (&'a str, ComponentExtern<'a>)> + 'a> {
        let t = &self.inner.translation;
        match &self.place {
            Place::Import(i) => {
                let (funcs, resources_of, modules) = match &t.imports[*i].1 {
                    ImportType::Instance(i) => (&i.funcs[..], &i.resources[..], &i.modules[..]),
                    _ => (&[][..], &[][..], &[][..]),
                };
                let all = resources(&self.inner);
                let items: Vec<_> = resources_of
                    .iter()
                    .map(|name| {
                        let ty = imported_resource(&self.inner, *i, Some(name));
                        (name.as_str(), extern_of(ComponentItem::Resource(ty)))
                    })
                    .chain(funcs.iter().map(|(name, f)| {
                        let ty = ComponentFunc::new(Arc::new(f.clone()), all.clone());
                        (name.as_str(), extern_of(ComponentItem::ComponentFunc(ty)))
                    }))
                    .chain(modules.iter().map(|(name, m)| {
                        let ty = ComponentItem::Module(Module::declared(m));
                        (name.as_str(), extern_of(ty))
                    }))
                    .collect();
                Box::new(items.into_iter())
            }
            Place::Export(path) => {
                let mut items = &t.exports;
                for &pos in path {
                    match &items[pos].1 {
                        ExportDef::Instance(inner) => items = inner,
                        _ => unreachable!("an exported instance's path names instances"),
                    }
                }
                Box::new(export_items(&self.inner, path, items))
            }
        }
    }
}

fn extern_of<'a>(ty: ComponentItem) -> ComponentExtern<'a> {
    ComponentExtern {
        ty,
        implements: None,
        external_id: None,
    }
}

/// Placeholder types of all the component's resources.
fn resources(inner: &Arc<ComponentInner>) -> Arc<[ResourceType]> {
    (0..inner.translation.resources.len())
        .map(|i| ResourceType::uninstantiated(inner.id, i as u32))
        .collect()
}

/// The placeholder type of the resource imported as import `import`
/// (`name` inside it for an instance import).
fn imported_resource(
    inner: &Arc<ComponentInner>,
    import: usize,
    name: Option<&str>,
) -> ResourceType {
    let index = inner.translation.resources.iter().position(|r| match r {
        ResourceDef::Imported { import: i, path } => {
            *i as usize == import && path.first().map(String::as_str) == name
        }
        ResourceDef::Defined { .. } => false,
    });
    // Every imported resource has its entry; a missing one would still
    // get a placeholder unequal to the component's others.
    let index = index.unwrap_or(inner.translation.resources.len());
    ResourceType::uninstantiated(inner.id, index as u32)
}

/// The type of the export at `path` (positions in the nested export
/// lists) of the component, with `resources` standing for its resource
/// indices (placeholders before instantiation, an instance's types after).
/// `None` for a missing export and for exported function, instance and
/// component types, which the translation does not keep.
pub(crate) fn export_type(
    inner: &Arc<ComponentInner>,
    path: &[usize],
    resources: &Arc<[ResourceType]>,
) -> Option<ComponentItem> {
    let (last, outer) = path.split_last()?;
    let mut items = &inner.translation.exports;
    for &pos in outer {
        match &items.get(pos)?.1 {
            ExportDef::Instance(inner) => items = inner,
            _ => return None,
        }
    }
    Some(match &items.get(*last)?.1 {
        ExportDef::Func(f) => ComponentItem::ComponentFunc(ComponentFunc::new(
            super::exports::func_type(&inner.translation, *f)?,
            resources.clone(),
        )),
        ExportDef::Instance(_) => ComponentItem::ComponentInstance(ComponentInstance {
            inner: inner.clone(),
            place: Place::Export(path.to_vec()),
        }),
        ExportDef::Resource(r) => ComponentItem::Resource(*resources.get(*r as usize)?),
        ExportDef::Type(Some(ty)) => ComponentItem::Type(Type::new(ty, resources)),
        ExportDef::Module(m) => ComponentItem::Module(module_type(inner, m)?),
        ExportDef::Type(None) => return None,
    })
}

/// Placeholder types of all the component's resources (for
/// [`export_type`] before instantiation).
pub(crate) fn placeholder_resources(inner: &Arc<ComponentInner>) -> Arc<[ResourceType]> {
    resources(inner)
}

/// The items of an export list at `path`. Functions whose type cannot be
/// found and type exports that are neither value types nor resources
/// (function, instance or component types) are left out.
fn export_items<'a>(
    inner: &'a Arc<ComponentInner>,
    path: &[usize],
    items: &'a [(String, ExportDef)],
) -> std::vec::IntoIter<(&'a str, ComponentExtern<'a>)> {
    let mut out = Vec::with_capacity(items.len());
    for (pos, (name, def)) in items.iter().enumerate() {
        let ty = match def {
            ExportDef::Func(f) => match super::exports::func_type(&inner.translation, *f) {
                Some(ty) => ComponentItem::ComponentFunc(ComponentFunc::new(ty, resources(inner))),
                None => continue,
            },
            ExportDef::Instance(_) => {
                let mut path = path.to_vec();
                path.push(pos);
                ComponentItem::ComponentInstance(ComponentInstance {
                    inner: inner.clone(),
                    place: Place::Export(path),
                })
            }
            ExportDef::Resource(r) => {
                ComponentItem::Resource(ResourceType::uninstantiated(inner.id, *r))
            }
            ExportDef::Type(Some(ty)) => ComponentItem::Type(Type::new(ty, &resources(inner))),
            ExportDef::Module(m) => match module_type(inner, m) {
                Some(ty) => ComponentItem::Module(ty),
                None => continue,
            },
            ExportDef::Type(None) => continue,
        };
        out.push((name.as_str(), extern_of(ty)));
    }
    out.into_iter()
}

/// The type of a module of the component's module index space: an
/// embedded module's own type, or the declared type of an imported one.
pub(crate) fn module_type(inner: &ComponentInner, def: &ModuleDef) -> Option<Module> {
    match def {
        ModuleDef::Static(i) => inner.modules.get(*i as usize).map(Module::compiled),
        ModuleDef::Import { import, path } => {
            match (
                &inner.translation.imports.get(*import as usize)?.1,
                &path[..],
            ) {
                (ImportType::Module(ty), []) => Some(Module::declared(ty)),
                (ty, [outer @ .., name]) => ty
                    .instance_at(outer)?
                    .modules
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, ty)| Module::declared(ty)),
                _ => None,
            }
        }
    }
}
