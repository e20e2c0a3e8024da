//! Where each core item a component's instantiation needs comes from,
//! worked out once per component so that instantiating it (once per
//! request under `wasmtime serve`) looks up no names.

use crate::{Engine, FuncType, Module, ValType};
use anyhow::{anyhow, Result};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;
use wasmtime_environ::component::{
    ComponentFuncType, ComponentTranslation, CoreInstanceDef, FlatType, ModuleDef,
};
use wasmtime_environ::EntityIndex;

/// An item of one of the component's core instances.
#[derive(Clone, Debug)]
pub(crate) enum CoreItem {
    /// An export of an instantiated module, by its index in that module.
    Export(EntityIndex),
    /// The item at this position of a bag of exports.
    BagItem(usize),
    /// An export of an instance of an imported module, by name (the module
    /// is known only when the component is instantiated).
    Named(Arc<str>),
}

/// The resolved shape of a component's core instances.
pub(crate) struct CorePlan {
    /// Per core instance that is a bag of exports: its items by name.
    bags: Vec<Option<HashMap<String, usize>>>,
    /// Per core instance that instantiates an embedded module: for each of
    /// the module's imports in order, the argument instance and its item
    /// (empty for an imported module, resolved at instantiation).
    args: Vec<Vec<(u32, CoreItem)>>,
    /// Per lowering: the core type of its function, or why it has none.
    lowered_types: Vec<Result<FuncType, String>>,
    /// Per lowering: its component function type, shared by the host
    /// functions of every instance (instead of a copy per instantiation).
    lowered_func_types: Vec<Arc<ComponentFuncType>>,
}

impl CorePlan {
    /// Resolves every instantiation argument of `translation`, whose
    /// modules are `modules`.
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
            lowered_types,
            lowered_func_types,
        };
        for def in &translation.core_instances {
            match def {
                CoreInstanceDef::Instantiate {
                    module: ModuleDef::Import { .. },
                    ..
                } => {
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
                        let item = plan.item(translation, modules, arg, import.name())?;
                        resolved.push((arg, item));
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
        Ok(plan)
    }

    /// The item `name` of core instance `instance` (one already planned).
    pub(crate) fn item(
        &self,
        translation: &ComponentTranslation,
        modules: &[Module],
        instance: u32,
        name: &str,
    ) -> Result<CoreItem> {
        let missing = || anyhow!("core instance {instance} has no export `{name}`");
        match self.bags.get(instance as usize).ok_or_else(missing)? {
            Some(names) => names.get(name).map(|i| CoreItem::BagItem(*i)),
            None => match &translation.core_instances[instance as usize] {
                CoreInstanceDef::Instantiate {
                    module: ModuleDef::Static(module),
                    ..
                } => modules[*module as usize]
                    .env_module()
                    .export(name)
                    .map(CoreItem::Export),
                CoreInstanceDef::Instantiate {
                    module: ModuleDef::Import { .. },
                    ..
                } => Some(CoreItem::Named(name.into())),
                CoreInstanceDef::FromExports(_) => None,
            },
        }
        .ok_or_else(missing)
    }

    /// The resolved arguments of core instance `instance` (a module's
    /// instantiation), in the module's import order.
    pub(crate) fn args(&self, instance: usize) -> &[(u32, CoreItem)] {
        &self.args[instance]
    }

    /// The core function type of lowering `index`.
    /// The component function type of lowering `index`.
    pub(crate) fn lowered_func_type(&self, index: u32) -> Arc<ComponentFuncType> {
        self.lowered_func_types[index as usize].clone()
    }

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
