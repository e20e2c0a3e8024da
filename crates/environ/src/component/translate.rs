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
use std::ops::Range;
use wasmparser::component_types::{ComponentDefinedType, ComponentEntityType, ComponentValType};
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
    /// An instance of named functions.
    Instance(Vec<(String, ComponentFuncType)>),
}

/// A component export.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ExportDef {
    /// A function (index into [`ComponentTranslation::funcs`]).
    Func(u32),
    /// An instance of named exports.
    Instance(Vec<(String, ExportDef)>),
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
                Payload::CoreTypeSection(_) | Payload::ComponentTypeSection(_) => {}
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
                ComponentExternalKind::Type => {}
                _ => return Err(unsupported("aliases of non-function instance exports")),
            },
            ComponentAlias::Outer { .. } => {}
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
            CanonicalFunction::ResourceNew { .. }
            | CanonicalFunction::ResourceDrop { .. }
            | CanonicalFunction::ResourceRep { .. } => return Err(unsupported("resources")),
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
                    .push((name.to_string(), ImportType::Instance(funcs)));
                self.instances.push(ComponentInstanceDef::Import(index));
            }
            ComponentTypeRef::Type(_) => {}
            _ => return Err(unsupported("imports other than functions and instances")),
        }
        Ok(())
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
            ComponentExternalKind::Type => ExportDef::Instance(Vec::new()),
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
            ComponentDefinedType::Own(_) | ComponentDefinedType::Borrow(_) => {
                return Err(unsupported("resource handles"))
            }
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
