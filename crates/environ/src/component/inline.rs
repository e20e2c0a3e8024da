//! The second pass of translation: walking a component's sections and
//! inlining its nested components (see the [`translate`](super::translate)
//! module docs).
//!
//! Each component being translated has a [`Scope`]: its index spaces, each
//! entry naming an item of the flat [`ComponentTranslation`] (a core
//! instance, a lifted or imported function, a resource type...). The root
//! component's imports become the translation's imports; a nested
//! component's imports are bound to the arguments of the instantiation
//! being inlined, and its exports become the items of the component
//! instance it creates.
//!
//! Outer aliases (of modules, components and types) are resolved against
//! the scopes of the components being inlined, innermost last: that is the
//! lexically enclosing component as long as a nested component is
//! instantiated inside the component that defines it (as every toolchain
//! does).

use super::modules::ModuleDef;
use super::translate::{
    ComponentFuncDef, ComponentTranslation, CoreDef, CoreInstanceDef, ExportDef, ImportType,
    ResourceDef, Statics,
};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType, ResourceId};
use wasmparser::types::TypesRef;
use wasmparser::{
    ComponentAlias, ComponentExternalKind, ComponentOuterAliasKind, ComponentTypeRef, ExternalKind,
    Parser, Payload,
};

/// The error for a construct the translator does not support.
pub(crate) fn unsupported(what: &str) -> anyhow::Error {
    anyhow!("{what} in components are not supported yet")
}

/// A component instance of an index space.
#[derive(Clone, Debug)]
pub(crate) enum ComponentInstanceDef {
    /// An instance import of the root component (the import, and the
    /// names leading to a nested instance of it).
    Import(u32, Vec<String>),
    /// A bag of exports (an instance built from exports, or the exports of
    /// an inlined component instantiation).
    FromExports(Vec<(String, ExportDef)>),
}

/// An argument of a nested component's instantiation.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    /// A function (global index).
    Func(u32),
    /// A component instance.
    Instance(ComponentInstanceDef),
    /// A core module.
    Module(ModuleDef),
    /// A component (the offset of its first byte).
    Component(usize),
    /// A type: the resource it is, if any.
    Type(Option<u32>),
}

/// The shared state of the inlining pass.
pub(crate) struct Inliner<'a> {
    bytes: &'a [u8],
    statics: &'a Statics,
    pub(crate) out: ComponentTranslation,
    /// Global module index of each module, by the offset of its first
    /// byte (a module of a component instantiated twice is compiled once).
    modules: HashMap<usize, u32>,
    /// How deep inlining is (refuses runaway recursion).
    depth: usize,
}

/// The index spaces of one component being translated.
pub(crate) struct Scope<'a> {
    pub(crate) types: TypesRef<'a>,
    pub(crate) core_funcs: Vec<CoreDef>,
    pub(crate) core_memories: Vec<CoreDef>,
    pub(crate) core_tables: Vec<CoreDef>,
    pub(crate) core_globals: Vec<CoreDef>,
    pub(crate) core_tags: Vec<CoreDef>,
    /// Global core instance index of each core instance.
    pub(crate) core_instances: Vec<u32>,
    /// Each core module (embedded or imported).
    pub(crate) modules: Vec<ModuleDef>,
    /// Each component, by the offset of its first byte.
    pub(crate) components: Vec<usize>,
    /// Global function index ([`ComponentTranslation::funcs`]) of each
    /// component function.
    pub(crate) funcs: Vec<u32>,
    pub(crate) instances: Vec<ComponentInstanceDef>,
    /// Component types defined so far (the type index space).
    pub(crate) type_count: u32,
    /// Our index of each resource type the validator knows here.
    pub(crate) resource_ids: HashMap<ResourceId, u32>,
    /// The instantiation arguments (`None` for the root component).
    args: Option<HashMap<String, Arg>>,
    /// The exports (of a nested component: the items of its instance).
    exports: Vec<(String, ExportDef)>,
    /// The runtime instance this scope's instantiation makes (see
    /// [`ComponentTranslation::instance_count`]).
    pub(crate) instance: u32,
    /// The component's bytes (for finding the lexically enclosing scope of
    /// a component it instantiates).
    range: Range<usize>,
}

impl<'a> Scope<'a> {
    fn new(
        types: TypesRef<'a>,
        args: Option<HashMap<String, Arg>>,
        instance: u32,
        range: Range<usize>,
    ) -> Self {
        Scope {
            types,
            core_funcs: Vec::new(),
            core_memories: Vec::new(),
            core_tables: Vec::new(),
            core_globals: Vec::new(),
            core_tags: Vec::new(),
            core_instances: Vec::new(),
            modules: Vec::new(),
            components: Vec::new(),
            funcs: Vec::new(),
            instances: Vec::new(),
            type_count: 0,
            resource_ids: HashMap::new(),
            args,
            exports: Vec::new(),
            instance,
            range,
        }
    }
}

/// Nested component instantiations deeper than this are refused.
const MAX_DEPTH: usize = 100;

impl<'a> Inliner<'a> {
    pub(crate) fn new(bytes: &'a [u8], statics: &'a Statics) -> Self {
        Inliner {
            bytes,
            statics,
            out: ComponentTranslation::default(),
            modules: HashMap::new(),
            depth: 0,
        }
    }

    /// Translates the root component.
    pub(crate) fn run(mut self) -> Result<ComponentTranslation> {
        self.out.instance_count = 1;
        self.out.instance_parents = vec![None];
        let len = self.bytes.len();
        let scope = Scope::new(self.statics.root.as_ref(), None, 0, 0..len);
        let exports = Translator {
            inl: &mut self,
            parents: Vec::new(),
            s: scope,
        }
        .read(0..len)?;
        for (name, def) in &exports {
            self.check_root_export(name, def)?;
        }
        self.out.exports = exports;
        Ok(self.out)
    }
}

/// Translates one component (the root, or a nested one being inlined).
pub(crate) struct Translator<'a, 'b> {
    pub(crate) inl: &'b mut Inliner<'a>,
    /// The scopes of the enclosing components, outermost first.
    parents: Vec<&'b Scope<'a>>,
    pub(crate) s: Scope<'a>,
}

impl<'a> Translator<'a, '_> {
    /// Reads the sections of the component at `range`, returning its
    /// exports.
    fn read(mut self, range: Range<usize>) -> Result<Vec<(String, ExportDef)>> {
        let bytes = self.inl.bytes;
        // Payloads of embedded modules and components come inline; skip
        // them.
        let mut nested_depth = 0u32;
        let mut first = true;
        for payload in Parser::new(range.start as u64).parse_all(&bytes[range]) {
            let payload = payload?;
            if nested_depth > 0 {
                match payload {
                    Payload::End(_) => nested_depth -= 1,
                    Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                        nested_depth += 1
                    }
                    _ => {}
                }
                continue;
            }
            if std::mem::take(&mut first) {
                continue; // the version header
            }
            match payload {
                Payload::End(_) => break,
                Payload::Version { .. } | Payload::CustomSection(_) => {}
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    let range = unchecked_range.start as usize..unchecked_range.end as usize;
                    let next = self.inl.out.modules.len() as u32;
                    let index = *self.inl.modules.entry(range.start).or_insert(next);
                    if index == next {
                        self.inl.out.modules.push(range);
                    }
                    self.s.modules.push(ModuleDef::Static(index));
                    nested_depth += 1;
                }
                Payload::ComponentSection {
                    unchecked_range, ..
                } => {
                    self.s.components.push(unchecked_range.start as usize);
                    nested_depth += 1;
                }
                Payload::CoreTypeSection(_) => {}
                Payload::ComponentTypeSection(reader) => {
                    for ty in reader {
                        if let wasmparser::ComponentType::Resource { dtor, .. } = ty? {
                            let id = self.resource_at(self.s.type_count)?;
                            let dtor = dtor
                                .map(|f| self.core_item(ExternalKind::Func, f))
                                .transpose()?;
                            let instance = self.s.instance;
                            self.add_resource(id, ResourceDef::Defined { dtor, instance });
                        }
                        self.s.type_count += 1;
                    }
                }
                Payload::InstanceSection(reader) => {
                    for instance in reader {
                        self.core_instance(instance?)?;
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    for instance in reader {
                        self.component_instance(instance?)?;
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader {
                        self.alias(alias?)?;
                    }
                }
                Payload::ComponentCanonicalSection(reader) => {
                    for canon in reader {
                        self.canonical(canon?)?;
                    }
                }
                Payload::ComponentImportSection(reader) => {
                    for import in reader {
                        let import = import?;
                        self.import(import.name.name, import.ty)
                            .with_context(|| format!("in import `{}`", import.name.name))?;
                    }
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        self.export(export.name.name, export.kind, export.index)
                            .with_context(|| format!("in export `{}`", export.name.name))?;
                    }
                }
                Payload::ComponentStartSection { .. } => {
                    return Err(unsupported("start functions"))
                }
                other => {
                    if let Some((id, _)) = other.as_section() {
                        bail!("unexpected section {id} in a component");
                    }
                }
            }
        }
        Ok(self.s.exports)
    }

    /// The scope `count` components out (0: this one).
    fn outer(&self, count: u32) -> Result<&Scope<'a>> {
        match count {
            0 => Ok(&self.s),
            n => self
                .parents
                .len()
                .checked_sub(n as usize)
                .map(|i| self.parents[i])
                .ok_or_else(|| {
                    anyhow!("outer alias {n} components out of a component instantiated elsewhere")
                }),
        }
    }

    fn core_instance(&mut self, instance: wasmparser::Instance<'_>) -> Result<()> {
        let def = match instance {
            wasmparser::Instance::Instantiate { module_index, args } => {
                CoreInstanceDef::Instantiate {
                    module: self.s.modules[module_index as usize].clone(),
                    args: args
                        .iter()
                        .map(|a| (a.name.to_string(), self.s.core_instances[a.index as usize]))
                        .collect(),
                }
            }
            wasmparser::Instance::FromExports(exports) => {
                let mut items = Vec::new();
                for e in exports.iter() {
                    let def = self.core_item(e.kind, e.index)?;
                    items.push((e.name.to_string(), def));
                }
                CoreInstanceDef::FromExports(items)
            }
        };
        self.s
            .core_instances
            .push(self.inl.out.core_instances.len() as u32);
        self.inl.out.core_instances.push(def);
        Ok(())
    }

    /// An instance of the component instance section: built from exports,
    /// or instantiating a nested component (inlined here).
    fn component_instance(&mut self, instance: wasmparser::ComponentInstance<'_>) -> Result<()> {
        match instance {
            wasmparser::ComponentInstance::FromExports(exports) => {
                let mut items = Vec::new();
                for e in exports.iter() {
                    items.push((e.name.name.to_string(), self.export_def(e.kind, e.index)?));
                }
                self.s
                    .instances
                    .push(ComponentInstanceDef::FromExports(items));
            }
            wasmparser::ComponentInstance::Instantiate {
                component_index,
                args,
            } => {
                let mut map = HashMap::new();
                for arg in args.iter() {
                    map.insert(arg.name.to_string(), self.arg(arg.kind, arg.index)?);
                }
                let key = self.s.components[component_index as usize];
                let exports = self.instantiate(key, map).with_context(|| {
                    format!(
                        "in instance {} of a nested component",
                        self.s.instances.len()
                    )
                })?;
                self.s
                    .instances
                    .push(ComponentInstanceDef::FromExports(exports));
            }
        }
        Ok(())
    }

    /// Inlines an instantiation of the component at offset `key`.
    fn instantiate(
        &mut self,
        key: usize,
        args: HashMap<String, Arg>,
    ) -> Result<Vec<(String, ExportDef)>> {
        let statics = self.inl.statics;
        let (range, types) = statics
            .components
            .get(&key)
            .ok_or_else(|| anyhow!("no nested component at offset {key}"))?;
        if self.inl.depth >= MAX_DEPTH {
            bail!("nested component instantiations are more than {MAX_DEPTH} deep");
        }
        self.inl.depth += 1;
        let instance = self.inl.out.instance_count;
        self.inl.out.instance_count += 1;
        self.inl.out.instance_parents.push(Some(self.s.instance));
        // Outer aliases in the child refer to the components that enclose
        // it lexically: the chain up to the innermost scope whose bytes
        // contain it (a component reached through an outer alias may be
        // instantiated deeper than where it is defined).
        let mut parents = self.parents.clone();
        parents.push(&self.s);
        if let Some(pos) = parents
            .iter()
            .rposition(|p| p.range.start < key && key < p.range.end)
        {
            parents.truncate(pos + 1);
        }
        let child = Translator {
            inl: &mut *self.inl,
            parents,
            s: Scope::new(types.as_ref(), Some(args), instance, range.clone()),
        };
        let result = child.read(range.clone());
        self.inl.depth -= 1;
        result
    }

    /// An instantiation argument.
    fn arg(&self, kind: ComponentExternalKind, index: u32) -> Result<Arg> {
        Ok(match kind {
            ComponentExternalKind::Func => Arg::Func(self.s.funcs[index as usize]),
            ComponentExternalKind::Instance => {
                Arg::Instance(self.s.instances[index as usize].clone())
            }
            ComponentExternalKind::Module => Arg::Module(self.s.modules[index as usize].clone()),
            ComponentExternalKind::Component => Arg::Component(self.s.components[index as usize]),
            ComponentExternalKind::Type => Arg::Type(
                self.resource_at(index)
                    .ok()
                    .and_then(|id| self.resource_of(id).ok()),
            ),
            ComponentExternalKind::Value => return Err(unsupported("value arguments")),
        })
    }

    /// The argument `name` of the instantiation being inlined.
    fn take_arg(&self, name: &str) -> Result<Arg> {
        self.s
            .args
            .as_ref()
            .and_then(|args| args.get(name))
            .cloned()
            .ok_or_else(|| anyhow!("nested component instantiated without argument `{name}`"))
    }

    pub(crate) fn core_item(&self, kind: ExternalKind, index: u32) -> Result<CoreDef> {
        let space = match kind {
            ExternalKind::Func | ExternalKind::FuncExact => &self.s.core_funcs,
            ExternalKind::Memory => &self.s.core_memories,
            ExternalKind::Table => &self.s.core_tables,
            ExternalKind::Global => &self.s.core_globals,
            ExternalKind::Tag => &self.s.core_tags,
        };
        space
            .get(index as usize)
            .cloned()
            .with_context(|| format!("core {kind:?} index {index} out of bounds"))
    }

    fn alias(&mut self, alias: ComponentAlias<'_>) -> Result<()> {
        match alias {
            ComponentAlias::CoreInstanceExport {
                kind,
                instance_index,
                name,
            } => {
                let def = CoreDef::Export {
                    instance: self.s.core_instances[instance_index as usize],
                    name: name.to_string(),
                };
                match kind {
                    ExternalKind::Func | ExternalKind::FuncExact => self.s.core_funcs.push(def),
                    ExternalKind::Memory => self.s.core_memories.push(def),
                    ExternalKind::Table => self.s.core_tables.push(def),
                    ExternalKind::Global => self.s.core_globals.push(def),
                    ExternalKind::Tag => self.s.core_tags.push(def),
                }
            }
            ComponentAlias::InstanceExport {
                kind,
                instance_index,
                name,
            } => self.alias_instance_export(kind, instance_index, name)?,
            ComponentAlias::Outer { kind, count, index } => match kind {
                ComponentOuterAliasKind::CoreModule => {
                    let module = self.outer(count)?.modules.get(index as usize).cloned();
                    let module =
                        module.ok_or_else(|| anyhow!("outer alias of unknown module {index}"))?;
                    self.s.modules.push(module);
                }
                ComponentOuterAliasKind::Component => {
                    let component = self.outer(count)?.components.get(index as usize).copied();
                    let component = component
                        .ok_or_else(|| anyhow!("outer alias of unknown component {index}"))?;
                    self.s.components.push(component);
                }
                ComponentOuterAliasKind::Type => self.s.type_count += 1,
                ComponentOuterAliasKind::CoreType => {}
            },
        }
        Ok(())
    }

    fn alias_instance_export(
        &mut self,
        kind: ComponentExternalKind,
        instance_index: u32,
        name: &str,
    ) -> Result<()> {
        let instance = &self.s.instances[instance_index as usize];
        let item = match instance {
            ComponentInstanceDef::FromExports(items) => items
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, e)| e.clone()),
            ComponentInstanceDef::Import(..) => None,
        };
        // The path of the item inside an imported instance.
        let path = match instance {
            ComponentInstanceDef::Import(import, path) => {
                let mut path = path.clone();
                path.push(name.to_string());
                Some((*import, path))
            }
            ComponentInstanceDef::FromExports(_) => None,
        };
        match kind {
            ComponentExternalKind::Func => {
                let func = match (path, item) {
                    (Some((import, path)), _) => {
                        let func = self.inl.out.funcs.len() as u32;
                        self.inl
                            .out
                            .funcs
                            .push(ComponentFuncDef::Import { import, path });
                        func
                    }
                    (_, Some(ExportDef::Func(f))) => f,
                    _ => bail!("instance export `{name}` is not a function"),
                };
                self.s.funcs.push(func);
            }
            ComponentExternalKind::Instance => match (path, item) {
                (Some((import, path)), _) => self
                    .s
                    .instances
                    .push(ComponentInstanceDef::Import(import, path)),
                (None, Some(ExportDef::Instance(items))) => self
                    .s
                    .instances
                    .push(ComponentInstanceDef::FromExports(items)),
                _ => bail!("instance export `{name}` is not an instance"),
            },
            ComponentExternalKind::Type => {
                let index = self.s.type_count;
                self.s.type_count += 1;
                // A resource exported by an inlined instantiation: the
                // validator's view of it here is a new type id.
                if let (Some(ExportDef::Resource(r)), Ok(id)) = (item, self.resource_at(index)) {
                    self.s.resource_ids.entry(id).or_insert(r);
                }
            }
            ComponentExternalKind::Module => {
                let module = match (path, item) {
                    (Some((import, path)), _) => ModuleDef::Import { import, path },
                    (_, Some(ExportDef::Module(m))) => m,
                    _ => bail!("instance export `{name}` is not a core module"),
                };
                self.s.modules.push(module);
            }
            ComponentExternalKind::Component => {
                return Err(unsupported("aliases of components of instances"))
            }
            ComponentExternalKind::Value => return Err(unsupported("values")),
        }
        Ok(())
    }

    fn import(&mut self, name: &str, ty: ComponentTypeRef) -> Result<()> {
        if self.s.args.is_some() {
            return self.nested_import(name, ty);
        }
        let index = self.inl.out.imports.len() as u32;
        match ty {
            ComponentTypeRef::Func(_) => {
                let local = self.s.funcs.len() as u32;
                let ty = self.func_type(self.s.types.component_function_at(local))?;
                self.inl
                    .out
                    .imports
                    .push((name.to_string(), ImportType::Func(ty)));
                self.s.funcs.push(self.inl.out.funcs.len() as u32);
                self.inl.out.funcs.push(ComponentFuncDef::Import {
                    import: index,
                    path: Vec::new(),
                });
            }
            ComponentTypeRef::Instance(_) => {
                let id = self
                    .s
                    .types
                    .component_instance_at(self.s.instances.len() as u32);
                // Resource types first (in nested instances too):
                // functions may refer to them.
                let mut shape = self.import_instance_resources(id, index, Vec::new());
                self.import_instance_items(id, &mut shape)?;
                self.inl
                    .out
                    .imports
                    .push((name.to_string(), ImportType::Instance(shape)));
                self.s
                    .instances
                    .push(ComponentInstanceDef::Import(index, Vec::new()));
            }
            ComponentTypeRef::Type(bounds) => {
                let ty_index = self.s.type_count;
                self.s.type_count += 1;
                if bounds == wasmparser::TypeBounds::SubResource {
                    let id = self.resource_at(ty_index)?;
                    self.inl
                        .out
                        .imports
                        .push((name.to_string(), ImportType::Resource));
                    self.add_resource(
                        id,
                        ResourceDef::Imported {
                            import: index,
                            path: Vec::new(),
                        },
                    );
                } else if let Ok(id) = self.resource_at(ty_index) {
                    // `(eq $r)` of an earlier resource: a definition the
                    // linker has under this name must be that resource.
                    if let Some(&earlier) = self.s.resource_ids.get(&id) {
                        let eq = (name.to_string(), earlier);
                        self.inl.out.root_eq_resources.push(eq);
                    }
                }
            }
            ComponentTypeRef::Module(_) => {
                let ty = self.module_type_at(self.s.modules.len() as u32)?;
                self.inl
                    .out
                    .imports
                    .push((name.to_string(), ImportType::Module(ty)));
                self.s.modules.push(ModuleDef::Import {
                    import: index,
                    path: Vec::new(),
                });
            }
            ComponentTypeRef::Component(_) => return Err(unsupported("component imports")),
            ComponentTypeRef::Value(_) => return Err(unsupported("value imports")),
        }
        Ok(())
    }

    /// An import of a nested component: bound to an argument.
    fn nested_import(&mut self, name: &str, ty: ComponentTypeRef) -> Result<()> {
        match (ty, self.take_arg(name)?) {
            (ComponentTypeRef::Func(_), Arg::Func(f)) => self.s.funcs.push(f),
            (ComponentTypeRef::Module(_), Arg::Module(m)) => self.s.modules.push(m),
            (ComponentTypeRef::Component(_), Arg::Component(c)) => self.s.components.push(c),
            (ComponentTypeRef::Instance(_), Arg::Instance(instance)) => {
                // The resources of the instance type are the argument's.
                let id = self
                    .s
                    .types
                    .component_instance_at(self.s.instances.len() as u32);
                let types = self.s.types;
                for (export, item) in types[id].exports.iter() {
                    if let ComponentEntityType::Type {
                        created: ComponentAnyTypeId::Resource(r),
                        ..
                    } = item.ty
                    {
                        if self.s.resource_ids.contains_key(&r.resource()) {
                            continue;
                        }
                        let index = self.instance_resource(&instance, export).ok_or_else(|| {
                            anyhow!("resource `{export}` of the instance argument not found")
                        })?;
                        self.s.resource_ids.insert(r.resource(), index);
                    }
                }
                self.s.instances.push(instance);
            }
            (ComponentTypeRef::Type(bounds), Arg::Type(resource)) => {
                let ty_index = self.s.type_count;
                self.s.type_count += 1;
                if bounds == wasmparser::TypeBounds::SubResource {
                    let id = self.resource_at(ty_index)?;
                    let r = resource
                        .ok_or_else(|| anyhow!("type argument `{name}` is not a known resource"))?;
                    self.s.resource_ids.insert(id, r);
                }
            }
            (ComponentTypeRef::Value(_), _) => return Err(unsupported("value imports")),
            (_, arg) => bail!("argument `{name}` has the wrong kind: {arg:?}"),
        }
        Ok(())
    }

    fn export(&mut self, name: &str, kind: ComponentExternalKind, index: u32) -> Result<()> {
        let def = self.export_def(kind, index)?;
        // An exported item joins its index space again.
        match (&def, kind) {
            (ExportDef::Func(f), ComponentExternalKind::Func) => self.s.funcs.push(*f),
            (ExportDef::Module(m), ComponentExternalKind::Module) => self.s.modules.push(m.clone()),
            (ExportDef::Instance(items), ComponentExternalKind::Instance) => self
                .s
                .instances
                .push(ComponentInstanceDef::FromExports(items.clone())),
            (_, ComponentExternalKind::Type) => {
                let new = self.s.type_count;
                self.s.type_count += 1;
                if let (ExportDef::Resource(r), Ok(id)) = (&def, self.resource_at(new)) {
                    self.s.resource_ids.entry(id).or_insert(*r);
                }
            }
            _ => {}
        }
        self.s.exports.push((name.to_string(), def));
        Ok(())
    }

    pub(crate) fn add_resource(&mut self, id: ResourceId, def: ResourceDef) {
        let index = self.inl.out.resources.len() as u32;
        self.inl.out.resources.push(def);
        self.s.resource_ids.insert(id, index);
    }

    /// The validator's resource at type index `index`.
    pub(crate) fn resource_at(&self, index: u32) -> Result<ResourceId> {
        match self.s.types.component_any_type_at(index) {
            ComponentAnyTypeId::Resource(r) => Ok(r.resource()),
            _ => bail!("type {index} is not a resource"),
        }
    }

    /// Our index of the resource the validator calls `id`, here or in an
    /// enclosing component.
    pub(crate) fn resource_of(&self, id: ResourceId) -> Result<u32> {
        std::iter::once(&self.s)
            .chain(self.parents.iter().rev().copied())
            .find_map(|s| s.resource_ids.get(&id).copied())
            .ok_or_else(|| unsupported("resources not imported or defined by a component"))
    }

    /// Our index of the resource at type index `index`.
    pub(crate) fn resource_index(&self, index: u32) -> Result<u32> {
        self.resource_of(self.resource_at(index)?)
    }

    fn export_def(&mut self, kind: ComponentExternalKind, index: u32) -> Result<ExportDef> {
        Ok(match kind {
            ComponentExternalKind::Func => ExportDef::Func(
                *self
                    .s
                    .funcs
                    .get(index as usize)
                    .with_context(|| format!("function index {index} out of bounds"))?,
            ),
            ComponentExternalKind::Instance => match self.s.instances.get(index as usize) {
                Some(ComponentInstanceDef::FromExports(items)) => {
                    ExportDef::Instance(items.clone())
                }
                Some(ComponentInstanceDef::Import(import, path)) => {
                    let (import, path) = (*import, path.clone());
                    self.imported_instance_items(import, &path)?
                }
                None => bail!("instance index {index} out of bounds"),
            },
            ComponentExternalKind::Type => match self.resource_at(index) {
                Ok(id) => ExportDef::Resource(self.resource_of(id)?),
                Err(_) => match self.s.types.component_any_type_at(index) {
                    ComponentAnyTypeId::Defined(id) => ExportDef::Type(
                        self.val_type(&wasmparser::component_types::ComponentValType::Type(id))
                            .ok(),
                    ),
                    _ => ExportDef::Type(None),
                },
            },
            ComponentExternalKind::Module => ExportDef::Module(
                self.s
                    .modules
                    .get(index as usize)
                    .cloned()
                    .with_context(|| format!("module index {index} out of bounds"))?,
            ),
            ComponentExternalKind::Component => return Err(unsupported("exports of components")),
            ComponentExternalKind::Value => return Err(unsupported("value exports")),
        })
    }
}
