//! Where each core item a component's instantiation needs comes from,
//! worked out once per component so that instantiating it (once per
//! request under `wasmtime serve`) looks up no names.

use crate::{Engine, FuncType, Module, ValType};
use anyhow::{anyhow, Result};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;
use wasmtime_environ::component::{
    CanonOptions, ComponentFuncDef, ComponentFuncType, ComponentTranslation, CoreDef,
    CoreInstanceDef, FlatType, ModuleDef, ResourceDef,
};
use wasmtime_environ::EntityIndex;

/// Where a core item that a component's instantiation needs comes from,
/// with every name and every bag of exports resolved away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Export `index` of the module instantiated as core instance
    /// `instance`.
    Item {
        /// The core instance (one that instantiates a module).
        instance: u32,
        /// The export's entity in that module.
        index: EntityIndex,
    },
    /// Export `name` of an instance of an imported module (known only
    /// when the component is instantiated).
    Named {
        /// The core instance (one that instantiates an imported module).
        instance: u32,
        /// The export's name.
        name: Arc<str>,
    },
    /// The core function of lowering `0`.
    Lowered(u32),
    /// The core function of canonical builtin `0`.
    Builtin(u32),
}

impl Source {
    /// The core instance an item or named export comes from.
    pub(crate) fn core_instance(&self) -> Option<u32> {
        match self {
            Source::Item { instance, .. } | Source::Named { instance, .. } => Some(*instance),
            Source::Lowered(_) | Source::Builtin(_) => None,
        }
    }
}

/// The sources of a set of canonical options' core items.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PlannedOptions {
    pub(crate) memory: Option<Source>,
    pub(crate) realloc: Option<Source>,
    pub(crate) post_return: Option<Source>,
    pub(crate) callback: Option<Source>,
}

/// The resolved shape of a component's core instances.
pub(crate) struct CorePlan {
    /// Per core instance that is a bag of exports: its items by name
    /// (first of duplicates).
    bags: Vec<Option<HashMap<String, usize>>>,
    /// Per core instance that instantiates a module: for each of the
    /// module's imports in order, where it comes from.
    args: Vec<Vec<Source>>,
    /// Per lowering: the sources of its canonical options.
    lowering_options: Vec<PlannedOptions>,
    /// Per component function: for a lifted one, its core function and
    /// the sources of its canonical options.
    lifted: Vec<Option<(Source, PlannedOptions)>>,
    /// Per resource: the source of its destructor, if it has one.
    dtors: Vec<Option<Source>>,
    /// Per lowering: the core type of its function, or why it has none.
    lowered_types: Vec<Result<FuncType, String>>,
    /// Per lowering: its component function type, shared by the host
    /// functions of every instance (instead of a copy per instantiation).
    lowered_func_types: Vec<Arc<ComponentFuncType>>,
}

impl CorePlan {
    /// Resolves every core item of `translation`, whose modules are
    /// `modules`.
    pub(crate) fn new(
        engine: &Engine,
        translation: &ComponentTranslation,
        modules: &[Module],
    ) -> Result<CorePlan> {
        let lowered_types = translation
            .lowerings
            .iter()
            .map(|l| {
                lowered_core_type(&l.ty, l.options.async_)
                    .map(|(params, results)| FuncType::new(engine, params, results))
                    .map_err(|e| e.to_string())
            })
            .collect();
        let lowered_func_types = translation
            .lowerings
            .iter()
            .map(|l| Arc::new(l.ty.clone()))
            .collect();
        let mut plan = CorePlan {
            bags: Vec::new(),
            args: Vec::new(),
            lowering_options: Vec::new(),
            lifted: Vec::new(),
            dtors: Vec::new(),
            lowered_types,
            lowered_func_types,
        };
        for def in &translation.core_instances {
            match def {
                CoreInstanceDef::Instantiate {
                    module: ModuleDef::Import { .. },
                    ..
                } => {
                    // Resolved by name at instantiation.
                    plan.args.push(Vec::new());
                    plan.bags.push(None);
                }
                CoreInstanceDef::Instantiate {
                    module: ModuleDef::Static(module),
                    args,
                } => {
                    let module = &modules[*module as usize];
                    let by_name: HashMap<&str, u32> =
                        args.iter().map(|(n, i)| (n.as_str(), *i)).collect();
                    let mut resolved = Vec::new();
                    for import in module.imports() {
                        let arg = *by_name.get(import.module()).ok_or_else(|| {
                            anyhow!("no instantiation argument for `{}`", import.module())
                        })?;
                        resolved.push(plan.export(translation, modules, arg, import.name())?);
                    }
                    plan.args.push(resolved);
                    plan.bags.push(None);
                }
                CoreInstanceDef::FromExports(items) => {
                    let mut names =
                        HashMap::with_capacity_and_hasher(items.len(), Default::default());
                    for (i, (name, _)) in items.iter().enumerate() {
                        // The first of duplicate names wins, as a scan would.
                        names.entry(name.clone()).or_insert(i);
                    }
                    plan.args.push(Vec::new());
                    plan.bags.push(Some(names));
                }
            }
        }
        plan.lowering_options = translation
            .lowerings
            .iter()
            .map(|l| plan.options(translation, modules, &l.options))
            .collect::<Result<_>>()?;
        plan.lifted = translation
            .funcs
            .iter()
            .map(|f| match f {
                ComponentFuncDef::Lifted { core, options, .. } => Ok(Some((
                    plan.resolve(translation, modules, core)?,
                    plan.options(translation, modules, options)?,
                ))),
                ComponentFuncDef::Import { .. } => Ok(None),
            })
            .collect::<Result<_>>()?;
        plan.dtors = translation
            .resources
            .iter()
            .map(|r| match r {
                ResourceDef::Defined { dtor: Some(d), .. } => {
                    plan.resolve(translation, modules, d).map(Some)
                }
                _ => Ok(None),
            })
            .collect::<Result<_>>()?;
        Ok(plan)
    }

    /// Where `def` comes from (looking names up: for the few items that
    /// are not planned ahead, such as the options of builtins).
    pub(crate) fn resolve(
        &self,
        translation: &ComponentTranslation,
        modules: &[Module],
        def: &CoreDef,
    ) -> Result<Source> {
        match def {
            CoreDef::Export { instance, name } => {
                self.export(translation, modules, *instance, name)
            }
            CoreDef::Lowered(i) => Ok(Source::Lowered(*i)),
            CoreDef::Builtin(i) => Ok(Source::Builtin(*i)),
        }
    }

    /// The sources of canonical options `options`.
    pub(crate) fn options(
        &self,
        translation: &ComponentTranslation,
        modules: &[Module],
        options: &CanonOptions,
    ) -> Result<PlannedOptions> {
        let source =
            |d: Option<&CoreDef>| d.map(|d| self.resolve(translation, modules, d)).transpose();
        Ok(PlannedOptions {
            memory: source(options.memory.as_ref())?,
            realloc: source(options.realloc.as_ref())?,
            post_return: source(options.post_return.as_ref())?,
            callback: source(options.callback.as_deref())?,
        })
    }

    /// The source of export `name` of core instance `instance` (one
    /// already planned); an item of a bag is followed to its own source.
    pub(crate) fn export(
        &self,
        translation: &ComponentTranslation,
        modules: &[Module],
        instance: u32,
        name: &str,
    ) -> Result<Source> {
        let missing = || anyhow!("core instance {instance} has no export `{name}`");
        match (
            self.bags.get(instance as usize).ok_or_else(missing)?,
            &translation.core_instances[instance as usize],
        ) {
            (Some(names), CoreInstanceDef::FromExports(items)) => {
                let pos = *names.get(name).ok_or_else(missing)?;
                // Bags only name items of earlier core instances, so this
                // ends.
                self.resolve(translation, modules, &items[pos].1)
            }
            (
                None,
                CoreInstanceDef::Instantiate {
                    module: ModuleDef::Static(module),
                    ..
                },
            ) => modules[*module as usize]
                .env_module()
                .export(name)
                .map(|index| Source::Item { instance, index })
                .ok_or_else(missing),
            (
                None,
                CoreInstanceDef::Instantiate {
                    module: ModuleDef::Import { .. },
                    ..
                },
            ) => Ok(Source::Named {
                instance,
                name: name.into(),
            }),
            _ => Err(missing()),
        }
    }

    /// The sources of the arguments of core instance `instance` (a
    /// module's instantiation), in the module's import order.
    pub(crate) fn args(&self, instance: usize) -> &[Source] {
        &self.args[instance]
    }

    /// The sources of the canonical options of lowering `index`.
    pub(crate) fn lowering_options(&self, index: u32) -> &PlannedOptions {
        &self.lowering_options[index as usize]
    }

    /// The core function and option sources of component function
    /// `index`, if it is a lifted one.
    pub(crate) fn lifted(&self, index: u32) -> Option<&(Source, PlannedOptions)> {
        self.lifted[index as usize].as_ref()
    }

    /// The source of the destructor of resource `index`.
    pub(crate) fn dtor(&self, index: usize) -> Option<Source> {
        self.dtors[index].clone()
    }

    /// The component function type of lowering `index`.
    pub(crate) fn lowered_func_type(&self, index: u32) -> Arc<ComponentFuncType> {
        self.lowered_func_types[index as usize].clone()
    }

    /// The core function type of lowering `index`.
    pub(crate) fn lowered_type(&self, index: u32) -> Result<FuncType> {
        self.lowered_types[index as usize]
            .clone()
            .map_err(anyhow::Error::msg)
    }
}

/// The core signature of a lowering of `ty` (`async_`: an async lower).
fn lowered_core_type(ty: &ComponentFuncType, async_: bool) -> Result<(Vec<ValType>, Vec<ValType>)> {
    if async_ {
        #[cfg(feature = "component-model-async")]
        {
            let (p, r) = super::concurrent::async_lower_abi(ty);
            return Ok((
                p.into_iter().map(flat_val_type).collect(),
                r.into_iter().map(flat_val_type).collect(),
            ));
        }
        #[cfg(not(feature = "component-model-async"))]
        anyhow::bail!("async lowers need the `component-model-async` feature of `wasmtime`");
    }
    let mut params: Vec<ValType> = match ty.flat_params() {
        Some(flat) => flat.into_iter().map(flat_val_type).collect(),
        None => vec![ValType::I32],
    };
    let results: Vec<ValType> = match ty.flat_result() {
        Some(flat) => flat.into_iter().map(flat_val_type).collect(),
        None => {
            params.push(ValType::I32);
            Vec::new()
        }
    };
    Ok((params, results))
}

fn flat_val_type(f: FlatType) -> ValType {
    match f {
        FlatType::I32 => ValType::I32,
        FlatType::I64 => ValType::I64,
        FlatType::F32 => ValType::F32,
        FlatType::F64 => ValType::F64,
    }
}
