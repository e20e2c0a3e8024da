//! Reading a component binary into a [`ComponentTranslation`]: the core
//! modules it embeds, how their instances are wired together, which core
//! functions are lifted to component exports and which component imports
//! are lowered into core functions.
//!
//! The component is validated as a whole first (wasmparser's validator,
//! whose type information also gives every component function's type).
//! Supported today: core modules, core instances (instantiated or built
//! from exports), aliases of core and component instance exports,
//! `canon lift`/`canon lower`, function imports and imports of instances of
//! functions, exports of functions and of instances built from exports.
//! Nested components, component instantiation, resources and the async
//! builtins are refused with an error naming them.

use super::types::{ComponentFuncType, InterfaceType};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::component_types::{
    ComponentAnyTypeId, ComponentDefinedType, ComponentEntityType, ComponentValType, ResourceId,
};
use wasmparser::types::TypesRef;
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind, ComponentTypeRef,
    ExternalKind, Parser, Payload, PrimitiveValType, Validator, WasmFeatures,
};

/// A core item of a component's index spaces.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CoreDef {
    /// An export of a core instance.
    Export {
        /// The core instance.
        instance: u32,
        /// The export's name.
        name: String,
    },
    /// A lowered component function (index into
    /// [`ComponentTranslation::lowerings`]).
    Lowered(u32),
    /// A canonical builtin (index into [`ComponentTranslation::builtins`]).
    Builtin(u32),
}

/// A canonical builtin function of the component.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Builtin {
    /// `resource.new`: a new owned handle for a representation.
    ResourceNew(u32),
    /// `resource.drop`: drops a handle (calling the destructor of an owned
    /// one).
    ResourceDrop(u32),
    /// `resource.rep`: the representation behind a handle.
    ResourceRep(u32),
}

/// A resource type the component uses (`own`/`borrow` refer to these by
/// index).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ResourceDef {
    /// Imported: the import and the path to the type inside it.
    Imported {
        /// Index into [`ComponentTranslation::imports`].
        import: u32,
        /// Names inside the imported instance (empty for a type import).
        path: Vec<String>,
    },
    /// Defined by this component, with an optional destructor.
    Defined {
        /// The destructor, a core function taking the representation.
        dtor: Option<CoreDef>,
    },
}

/// How a core instance comes about.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CoreInstanceDef {
    /// Instantiating an embedded module with named argument instances.
    Instantiate {
        /// The module (index into [`ComponentTranslation::modules`]).
        module: u32,
        /// Import module name -> core instance.
        args: Vec<(String, u32)>,
    },
    /// A bag of existing core items.
    FromExports(Vec<(String, CoreDef)>),
}

/// The string encoding of canonical options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StringEncoding {
    /// UTF-8 (the default).
    Utf8,
    /// UTF-16.
    Utf16,
    /// Latin-1 or UTF-16, tagged per string.
    CompactUtf16,
}

/// The canonical options of a lift or lower.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CanonOptions {
    /// The linear memory strings and lists live in.
    pub memory: Option<CoreDef>,
    /// The `realloc` function that allocates in it.
    pub realloc: Option<CoreDef>,
    /// The function to call after the results of a lifted call are read.
    pub post_return: Option<CoreDef>,
    /// How strings are encoded.
    pub string_encoding: StringEncoding,
}

/// A function of the component's function index space.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ComponentFuncDef {
    /// An imported function: the import and the export path inside it
    /// (empty for a function import, the function's name for an instance
    /// import).
    Import {
        /// Index into [`ComponentTranslation::imports`].
        import: u32,
        /// Names inside the imported instance.
        path: Vec<String>,
    },
    /// A core function lifted with canonical options.
    Lifted {
        /// The core function.
        core: CoreDef,
        /// Its component type.
        ty: ComponentFuncType,
        /// How values cross.
        options: CanonOptions,
    },
}

/// A component function lowered into a core function.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lowering {
    /// The component function (index into [`ComponentTranslation::funcs`]).
    pub func: u32,
    /// Its type.
    pub ty: ComponentFuncType,
    /// How values cross.
    pub options: CanonOptions,
}

/// The type of a component import.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ImportType {
    /// A function.
    Func(ComponentFuncType),
    /// An instance of named functions and resource types.
    Instance(Vec<(String, ComponentFuncType)>, Vec<String>),
    /// A resource type.
    Resource,
}

/// A component export.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ExportDef {
    /// A function (index into [`ComponentTranslation::funcs`]).
    Func(u32),
    /// An instance of named exports.
    Instance(Vec<(String, ExportDef)>),
    /// A resource type (index into [`ComponentTranslation::resources`]).
    Resource(u32),
    /// Another type (nothing to look up at run time).
    Type,
}

/// What a component is made of; see the [module docs](self).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ComponentTranslation {
    /// Byte ranges of the embedded core modules, in module index order.
    pub modules: Vec<Range<usize>>,
    /// Core instances in index order (instantiation order).
    pub core_instances: Vec<CoreInstanceDef>,
    /// Lowered component functions.
    pub lowerings: Vec<Lowering>,
    /// The component function index space.
    pub funcs: Vec<ComponentFuncDef>,
    /// Imports, by name.
    pub imports: Vec<(String, ImportType)>,
    /// Exports, by name.
    pub exports: Vec<(String, ExportDef)>,
    /// Canonical builtins.
    pub builtins: Vec<Builtin>,
    /// The resource types, in order of appearance.
    pub resources: Vec<ResourceDef>,
}

/// A component instance of the index space (imports and bags of exports).
enum ComponentInstanceDef {
    Import(u32),
    FromExports(Vec<(String, ExportDef)>),
}

/// The wasmparser features a component is validated with: `core` (the
/// engine's) plus the component model.
pub fn component_features(core: WasmFeatures) -> WasmFeatures {
    core | WasmFeatures::COMPONENT_MODEL
}

/// Validates and reads `bytes`.
pub fn translate_component(bytes: &[u8], features: WasmFeatures) -> Result<ComponentTranslation> {
    let mut validator = Validator::new_with_features(component_features(features));
    let types = validator
        .validate_all(bytes)
        .context("failed to validate the component")?;
    let mut t = Translator {
        types: types.as_ref(),
        out: ComponentTranslation::default(),
        core_funcs: Vec::new(),
        core_memories: Vec::new(),
        core_tables: Vec::new(),
        core_globals: Vec::new(),
        core_tags: Vec::new(),
        instances: Vec::new(),
        type_count: 0,
        resource_ids: HashMap::new(),
    };
    t.read(bytes)?;
    Ok(t.out)
}

struct Translator<'a> {
    types: TypesRef<'a>,
    out: ComponentTranslation,
    core_funcs: Vec<CoreDef>,
    core_memories: Vec<CoreDef>,
    core_tables: Vec<CoreDef>,
    core_globals: Vec<CoreDef>,
    core_tags: Vec<CoreDef>,
    instances: Vec<ComponentInstanceDef>,
    /// Component types defined so far (the type index space).
    type_count: u32,
    /// Our index of each resource type the validator knows.
    resource_ids: HashMap<ResourceId, u32>,
}

fn unsupported(what: &str) -> anyhow::Error {
    anyhow::anyhow!("{what} in components are not supported yet")
}

impl Translator<'_> {
    fn read(&mut self, bytes: &[u8]) -> Result<()> {
        // Payloads of embedded modules come inline; skip them.
        let mut module_depth = 0u32;
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload?;
            if module_depth > 0 {
                if let Payload::End(_) = payload {
                    module_depth -= 1;
                }
                continue;
            }
            match payload {
                Payload::Version { .. } | Payload::End(_) | Payload::CustomSection(_) => {}
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    self.out
                        .modules
                        .push(unchecked_range.start as usize..unchecked_range.end as usize);
                    module_depth += 1;
                }
                Payload::ComponentSection { .. } => return Err(unsupported("nested components")),
                Payload::CoreTypeSection(_) => {}
                Payload::ComponentTypeSection(reader) => {
                    for ty in reader {
                        if let wasmparser::ComponentType::Resource { dtor, .. } = ty? {
                            let id = self.resource_at(self.type_count)?;
                            let dtor = dtor
                                .map(|f| self.core_item(ExternalKind::Func, f))
                                .transpose()?;
                            self.add_resource(id, ResourceDef::Defined { dtor });
                        }
                        self.type_count += 1;
                    }
                }
                Payload::InstanceSection(reader) => {
                    for instance in reader {
                        self.core_instance(instance?)?;
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    for instance in reader {
                        match instance? {
                            wasmparser::ComponentInstance::Instantiate { .. } => {
                                return Err(unsupported("component instantiations"))
                            }
                            wasmparser::ComponentInstance::FromExports(exports) => {
                                let mut items = Vec::new();
                                for e in exports.iter() {
                                    items.push((
                                        e.name.name.to_string(),
                                        self.export_def(e.kind, e.index)?,
                                    ));
                                }
                                self.instances
                                    .push(ComponentInstanceDef::FromExports(items));
                            }
                        }
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
                        self.import(import.name.name, import.ty)?;
                    }
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        if export.kind == ComponentExternalKind::Type {
                            let def = self.export_def(export.kind, export.index)?;
                            self.type_count += 1;
                            if let ExportDef::Resource(_) = def {
                                self.out.exports.push((export.name.name.to_string(), def));
                            }
                            continue;
                        }
                        let def = self.export_def(export.kind, export.index)?;
                        // An exported item joins its index space again.
                        match (&def, export.kind) {
                            (ExportDef::Func(f), ComponentExternalKind::Func) => {
                                let f = self.out.funcs[*f as usize].clone();
                                self.out.funcs.push(f);
                            }
                            (ExportDef::Instance(items), ComponentExternalKind::Instance) => {
                                self.instances
                                    .push(ComponentInstanceDef::FromExports(items.clone()));
                            }
                            _ => {}
                        }
                        self.out.exports.push((export.name.name.to_string(), def));
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
        Ok(())
    }

    fn core_instance(&mut self, instance: wasmparser::Instance<'_>) -> Result<()> {
        let def = match instance {
            wasmparser::Instance::Instantiate { module_index, args } => {
                CoreInstanceDef::Instantiate {
                    module: module_index,
                    args: args.iter().map(|a| (a.name.to_string(), a.index)).collect(),
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
        self.out.core_instances.push(def);
        Ok(())
    }

    fn core_item(&self, kind: ExternalKind, index: u32) -> Result<CoreDef> {
        let space = match kind {
            ExternalKind::Func | ExternalKind::FuncExact => &self.core_funcs,
            ExternalKind::Memory => &self.core_memories,
            ExternalKind::Table => &self.core_tables,
            ExternalKind::Global => &self.core_globals,
            ExternalKind::Tag => &self.core_tags,
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
                    instance: instance_index,
                    name: name.to_string(),
                };
                match kind {
                    ExternalKind::Func | ExternalKind::FuncExact => self.core_funcs.push(def),
                    ExternalKind::Memory => self.core_memories.push(def),
                    ExternalKind::Table => self.core_tables.push(def),
                    ExternalKind::Global => self.core_globals.push(def),
                    ExternalKind::Tag => self.core_tags.push(def),
                }
            }
            ComponentAlias::InstanceExport {
                kind,
                instance_index,
                name,
            } => match kind {
                ComponentExternalKind::Func => {
                    let def = match &self.instances[instance_index as usize] {
                        ComponentInstanceDef::Import(import) => ComponentFuncDef::Import {
                            import: *import,
                            path: vec![name.to_string()],
                        },
                        ComponentInstanceDef::FromExports(items) => {
                            match items.iter().find(|(n, _)| n == name) {
                                Some((_, ExportDef::Func(f))) => {
                                    self.out.funcs[*f as usize].clone()
                                }
                                _ => bail!("instance export `{name}` is not a function"),
                            }
                        }
                    };
                    self.out.funcs.push(def);
                }
                ComponentExternalKind::Type => self.type_count += 1,
                _ => return Err(unsupported("aliases of non-function instance exports")),
            },
            ComponentAlias::Outer { kind, .. } => {
                if kind == wasmparser::ComponentOuterAliasKind::Type {
                    self.type_count += 1;
                }
            }
        }
        Ok(())
    }

    fn options(&self, options: &[CanonicalOption]) -> Result<CanonOptions> {
        let mut out = CanonOptions {
            memory: None,
            realloc: None,
            post_return: None,
            string_encoding: StringEncoding::Utf8,
        };
        for option in options {
            match option {
                CanonicalOption::UTF8 => out.string_encoding = StringEncoding::Utf8,
                CanonicalOption::UTF16 => out.string_encoding = StringEncoding::Utf16,
                CanonicalOption::CompactUTF16 => out.string_encoding = StringEncoding::CompactUtf16,
                CanonicalOption::Memory(i) => {
                    out.memory = Some(self.core_item(ExternalKind::Memory, *i)?)
                }
                CanonicalOption::Realloc(i) => {
                    out.realloc = Some(self.core_item(ExternalKind::Func, *i)?)
                }
                CanonicalOption::PostReturn(i) => {
                    out.post_return = Some(self.core_item(ExternalKind::Func, *i)?)
                }
                CanonicalOption::Async | CanonicalOption::Callback(_) => {
                    return Err(unsupported("async lifts and lowers"))
                }
                CanonicalOption::CoreType(_) | CanonicalOption::Gc => {
                    return Err(unsupported("GC canonical options"))
                }
            }
        }
        Ok(out)
    }

    fn canonical(&mut self, canon: CanonicalFunction) -> Result<()> {
        match canon {
            CanonicalFunction::Lift {
                core_func_index,
                type_index,
                options,
            } => {
                let core = self.core_item(ExternalKind::Func, core_func_index)?;
                let ty = match self.types.component_any_type_at(type_index) {
                    wasmparser::component_types::ComponentAnyTypeId::Func(id) => {
                        self.func_type(id)?
                    }
                    _ => bail!("lifted type {type_index} is not a function type"),
                };
                let options = self.options(&options)?;
                self.out
                    .funcs
                    .push(ComponentFuncDef::Lifted { core, ty, options });
            }
            CanonicalFunction::Lower {
                func_index,
                options,
            } => {
                let ty = self.func_type(self.types.component_function_at(func_index))?;
                let options = self.options(&options)?;
                let index = self.out.lowerings.len() as u32;
                self.out.lowerings.push(Lowering {
                    func: func_index,
                    ty,
                    options,
                });
                self.core_funcs.push(CoreDef::Lowered(index));
            }
            CanonicalFunction::ResourceNew { resource } => {
                let r = self.resource_index(resource)?;
                self.builtin(Builtin::ResourceNew(r));
            }
            CanonicalFunction::ResourceDrop { resource } => {
                let r = self.resource_index(resource)?;
                self.builtin(Builtin::ResourceDrop(r));
            }
            CanonicalFunction::ResourceRep { resource } => {
                let r = self.resource_index(resource)?;
                self.builtin(Builtin::ResourceRep(r));
            }
            _ => return Err(unsupported("async and threading builtins")),
        }
        Ok(())
    }

    fn import(&mut self, name: &str, ty: ComponentTypeRef) -> Result<()> {
        let index = self.out.imports.len() as u32;
        match ty {
            ComponentTypeRef::Func(_) => {
                let func = self.out.funcs.len() as u32;
                let ty = self.func_type(self.types.component_function_at(func))?;
                self.out
                    .imports
                    .push((name.to_string(), ImportType::Func(ty)));
                self.out.funcs.push(ComponentFuncDef::Import {
                    import: index,
                    path: Vec::new(),
                });
            }
            ComponentTypeRef::Instance(_) => {
                let id = self
                    .types
                    .component_instance_at(self.instances.len() as u32);
                // Resource types first: functions may refer to them.
                let types = self.types;
                let mut resources = Vec::new();
                for (export, item) in types[id].exports.iter() {
                    if let ComponentEntityType::Type {
                        created: ComponentAnyTypeId::Resource(r),
                        ..
                    } = item.ty
                    {
                        if !self.resource_ids.contains_key(&r.resource()) {
                            resources.push(export.clone());
                            self.add_resource(
                                r.resource(),
                                ResourceDef::Imported {
                                    import: index,
                                    path: vec![export.clone()],
                                },
                            );
                        }
                    }
                }
                let mut funcs = Vec::new();
                for (export, item) in self.types[id].exports.iter() {
                    match item.ty {
                        ComponentEntityType::Func(f) => {
                            funcs.push((export.clone(), self.func_type(f)?))
                        }
                        ComponentEntityType::Type { .. } => {}
                        _ => return Err(unsupported("instance imports of non-functions")),
                    }
                }
                self.out
                    .imports
                    .push((name.to_string(), ImportType::Instance(funcs, resources)));
                self.instances.push(ComponentInstanceDef::Import(index));
            }
            ComponentTypeRef::Type(bounds) => {
                let ty_index = self.type_count;
                self.type_count += 1;
                if bounds == wasmparser::TypeBounds::SubResource {
                    let id = self.resource_at(ty_index)?;
                    self.out
                        .imports
                        .push((name.to_string(), ImportType::Resource));
                    self.add_resource(
                        id,
                        ResourceDef::Imported {
                            import: index,
                            path: Vec::new(),
                        },
                    );
                }
            }
            _ => return Err(unsupported("imports other than functions and instances")),
        }
        Ok(())
    }

    fn builtin(&mut self, b: Builtin) {
        let index = self.out.builtins.len() as u32;
        self.out.builtins.push(b);
        self.core_funcs.push(CoreDef::Builtin(index));
    }

    fn add_resource(&mut self, id: ResourceId, def: ResourceDef) {
        let index = self.out.resources.len() as u32;
        self.out.resources.push(def);
        self.resource_ids.insert(id, index);
    }

    /// The validator's resource at type index `index`.
    fn resource_at(&self, index: u32) -> Result<ResourceId> {
        match self.types.component_any_type_at(index) {
            ComponentAnyTypeId::Resource(r) => Ok(r.resource()),
            _ => bail!("type {index} is not a resource"),
        }
    }

    fn resource_of(&self, id: ResourceId) -> Result<u32> {
        self.resource_ids
            .get(&id)
            .copied()
            .ok_or_else(|| unsupported("resources not imported or defined at the top level"))
    }

    /// Our index of the resource at type index `index`.
    fn resource_index(&self, index: u32) -> Result<u32> {
        self.resource_of(self.resource_at(index)?)
    }

    fn export_def(&self, kind: ComponentExternalKind, index: u32) -> Result<ExportDef> {
        Ok(match kind {
            ComponentExternalKind::Func => ExportDef::Func(index),
            ComponentExternalKind::Instance => match self.instances.get(index as usize) {
                Some(ComponentInstanceDef::FromExports(items)) => {
                    ExportDef::Instance(items.clone())
                }
                Some(ComponentInstanceDef::Import(_)) => {
                    return Err(unsupported("re-exports of imported instances"))
                }
                None => bail!("instance index {index} out of bounds"),
            },
            ComponentExternalKind::Type => match self.resource_at(index) {
                Ok(id) => ExportDef::Resource(self.resource_of(id)?),
                Err(_) => ExportDef::Type,
            },
            _ => return Err(unsupported("exports other than functions and instances")),
        })
    }

    fn func_type(
        &self,
        id: wasmparser::component_types::ComponentFuncTypeId,
    ) -> Result<ComponentFuncType> {
        let ty = &self.types[id];
        let mut params = Vec::new();
        for (name, p) in ty.params.iter() {
            params.push((name.to_string(), self.val_type(p)?));
        }
        let result = ty.result.as_ref().map(|r| self.val_type(r)).transpose()?;
        Ok(ComponentFuncType {
            params,
            result,
            is_async: ty.async_,
        })
    }

    fn val_type(&self, ty: &ComponentValType) -> Result<InterfaceType> {
        use InterfaceType as I;
        let id = match ty {
            ComponentValType::Primitive(p) => {
                return Ok(match p {
                    PrimitiveValType::Bool => I::Bool,
                    PrimitiveValType::S8 => I::S8,
                    PrimitiveValType::U8 => I::U8,
                    PrimitiveValType::S16 => I::S16,
                    PrimitiveValType::U16 => I::U16,
                    PrimitiveValType::S32 => I::S32,
                    PrimitiveValType::U32 => I::U32,
                    PrimitiveValType::S64 => I::S64,
                    PrimitiveValType::U64 => I::U64,
                    PrimitiveValType::F32 => I::Float32,
                    PrimitiveValType::F64 => I::Float64,
                    PrimitiveValType::Char => I::Char,
                    PrimitiveValType::String => I::String,
                    PrimitiveValType::ErrorContext => return Err(unsupported("error contexts")),
                })
            }
            ComponentValType::Type(id) => *id,
        };
        Ok(match &self.types[id] {
            ComponentDefinedType::Primitive(p) => {
                return self.val_type(&ComponentValType::Primitive(*p))
            }
            ComponentDefinedType::Record(r) => I::Record(
                r.fields
                    .iter()
                    .map(|(n, t)| Ok((n.to_string(), self.val_type(t)?)))
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::Variant(v) => I::Variant(
                v.cases
                    .iter()
                    .map(|(n, c)| {
                        Ok((
                            n.to_string(),
                            c.ty.as_ref().map(|t| self.val_type(t)).transpose()?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::List { element, .. } => {
                I::List(Box::new(self.val_type(element)?))
            }
            ComponentDefinedType::Tuple(t) => I::Tuple(
                t.types
                    .iter()
                    .map(|t| self.val_type(t))
                    .collect::<Result<_>>()?,
            ),
            ComponentDefinedType::Flags(names) => {
                I::Flags(names.iter().map(|n| n.to_string()).collect())
            }
            ComponentDefinedType::Enum(names) => {
                I::Enum(names.iter().map(|n| n.to_string()).collect())
            }
            ComponentDefinedType::Option { ty, .. } => I::Option(Box::new(self.val_type(ty)?)),
            ComponentDefinedType::Result { ok, err, .. } => I::Result {
                ok: ok
                    .as_ref()
                    .map(|t| self.val_type(t).map(Box::new))
                    .transpose()?,
                err: err
                    .as_ref()
                    .map(|t| self.val_type(t).map(Box::new))
                    .transpose()?,
            },
            ComponentDefinedType::Own(r) => I::Own(self.resource_of(r.resource())?),
            ComponentDefinedType::Borrow(r) => I::Borrow(self.resource_of(r.resource())?),
            ComponentDefinedType::Map { .. } => return Err(unsupported("maps")),
            ComponentDefinedType::FixedLengthList { .. } => {
                return Err(unsupported("fixed-length lists"))
            }
            ComponentDefinedType::Future { .. } | ComponentDefinedType::Stream { .. } => {
                return Err(unsupported("futures and streams"))
            }
        })
    }
}
