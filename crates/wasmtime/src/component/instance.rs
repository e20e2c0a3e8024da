//! Instantiating a component: its core instances in order, host functions
//! for its lowered imports, and its lifted exports as [`Func`]s.

use super::abi::{Cx, Options};
use super::core_plan::{CorePlan, PlannedOptions, Source};
use super::host::HostFunc;
use super::instance_data::{ExportItem, InstanceData};
use super::linker::HostFn;
use super::resources::{run_dtor, HostDtor};
use super::types::ComponentFunc;
use super::{Component, Func, Instance, ResourceType, Val};
use crate::func::{Caller, HostFuncRaw};
use crate::store::{StoreOpaque, Stored};
use crate::{Extern, FuncType, StoreContextMut, ValType};
use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime_environ::component::{
    Builtin, CanonOptions, ComponentFuncDef, ComponentFuncType, CoreDef, CoreInstanceDef,
    ExportDef, ModuleDef, ResourceDef, StringEncoding,
};
use wasmtime_environ::{EntityIndex, EntityType};
use wasmtime_runtime::instance::Imports;
use wasmtime_runtime::vmcontext::ValRaw;

/// A linker definition resolved for one import of a component.
pub(crate) enum ResolvedImport<T: 'static> {
    Func(HostFunc<T>),
    Instance(ResolvedInstance<T>),
    Resource(ResourceType, Arc<HostDtor<T>>),
    Module(crate::Module),
}

/// A component's imports as a linker resolved them (in import order),
/// with the host function of each lowered import found ahead, once per
/// [`InstancePre`](super::InstancePre) rather than once per instance.
pub(crate) struct ResolvedImports<T: 'static> {
    list: Vec<ResolvedImport<T>>,
    /// Per lowering: the host function it lowers, if it lowers an import
    /// that the linker defined.
    lowered: Vec<Option<HostFunc<T>>>,
}

impl<T: 'static> ResolvedImports<T> {
    /// The imports `list` of `component`, in its import order.
    pub(crate) fn new(component: &Component, list: Vec<ResolvedImport<T>>) -> Self {
        let translation = &component.inner.translation;
        let lowered = translation
            .lowerings
            .iter()
            .map(|l| match &translation.funcs[l.func as usize] {
                ComponentFuncDef::Import { import, path } => {
                    match (list.get(*import as usize)?, path.as_slice()) {
                        (ResolvedImport::Func(f), []) => Some(f.clone()),
                        (import, path) => {
                            let (instance, name) = instance_item(import, path).ok()?;
                            instance.funcs.get(name).cloned()
                        }
                    }
                }
                ComponentFuncDef::Lifted { .. } => None,
            })
            .collect();
        ResolvedImports { list, lowered }
    }
}

impl<T: 'static> std::ops::Deref for ResolvedImports<T> {
    type Target = [ResolvedImport<T>];

    fn deref(&self) -> &[ResolvedImport<T>] {
        &self.list
    }
}

/// The linker's definitions for an instance import, by name.
pub(crate) struct ResolvedInstance<T: 'static> {
    pub(crate) funcs: BTreeMap<String, HostFunc<T>>,
    pub(crate) resources: BTreeMap<String, (ResourceType, Arc<HostDtor<T>>)>,
    pub(crate) modules: BTreeMap<String, crate::Module>,
    pub(crate) instances: BTreeMap<String, ResolvedInstance<T>>,
}

impl<T: 'static> Default for ResolvedInstance<T> {
    fn default() -> Self {
        ResolvedInstance {
            funcs: BTreeMap::new(),
            resources: BTreeMap::new(),
            modules: BTreeMap::new(),
            instances: BTreeMap::new(),
        }
    }
}

/// For an item at `path` (non-empty) inside instance import `import`: the
/// (nested) instance holding it and its name there.
pub(crate) fn instance_item<'a, T: 'static>(
    import: &'a ResolvedImport<T>,
    path: &'a [String],
) -> Result<(&'a ResolvedInstance<T>, &'a str)> {
    let (ResolvedImport::Instance(first), Some((last, outer))) = (import, path.split_last()) else {
        bail!("unsupported import path");
    };
    let mut at = first;
    for name in outer {
        at = at
            .instances
            .get(name)
            .ok_or_else(|| anyhow!("instance `{name}` is not defined"))?;
    }
    Ok((at, last))
}

struct Builder<'a, 's, T: 'static> {
    store: &'a mut StoreContextMut<'s, T>,
    component: &'a Component,
    imports: &'a ResolvedImports<T>,
    /// Per core instance: the instance, or `None` for a bag of exports
    /// (whose items the plan resolved to their sources).
    core: Vec<Option<crate::Instance>>,
    lowered: BTreeMap<u32, crate::Func>,
    builtins: BTreeMap<u32, crate::Func>,
    /// The runtime options made so far, by their sources, encoding and
    /// `async` flag: most lowerings share a handful of them.
    lowering_options: Vec<((PlannedOptions, StringEncoding, bool), Arc<Options>)>,
    /// The component instance's index in the store.
    instance: usize,
}

/// Instantiates `component` in `store` with `imports` (in import order).
pub(crate) fn instantiate<T: 'static>(
    store: &mut StoreContextMut<'_, T>,
    component: &Component,
    imports: &ResolvedImports<T>,
) -> Result<Instance> {
    if !crate::Engine::same(store.engine(), component.engine()) {
        bail!("cross-`Engine` instantiation is not currently supported");
    }
    let translation = &component.inner.translation;
    // The instance's slot first: lowered functions and builtins refer to
    // it (its resource types and handle table) by index.
    let index = {
        let opaque = store.opaque();
        let index = opaque.component_instances.len();
        let store_id = opaque.id();
        let mut resource_types = Vec::new();
        let mut defined = Vec::new();
        for (i, def) in translation.resources.iter().enumerate() {
            let ty = match def {
                ResourceDef::Defined { .. } => ResourceType::guest(store_id, index, i as u32),
                ResourceDef::Imported { import, path } => {
                    imported_resource(&imports[*import as usize], path, opaque)?
                }
            };
            resource_types.push(ty);
            defined.push(match def {
                ResourceDef::Defined { instance, .. } => Some(*instance),
                ResourceDef::Imported { .. } => None,
            });
        }
        opaque.component_instances.push(InstanceData {
            exports: Vec::new(),
            component: component.inner.id,
            inner: component.inner.clone(),
            pre: None,
            resource_types: resource_types.into(),
            defined,
            dtors: vec![None; translation.resources.len()],
            handles: Vec::new(),
            may_enter: true,
            cannot_leave: Vec::new(),
            #[cfg(feature = "component-model-async")]
            concurrent: Default::default(),
        });
        index
    };
    let mut b = Builder {
        store,
        component,
        imports,
        core: Vec::new(),
        lowered: BTreeMap::new(),
        builtins: BTreeMap::new(),
        lowering_options: Vec::new(),
        instance: index,
    };
    let plan = component.inner.core_plan()?;
    for (i, def) in translation.core_instances.iter().enumerate() {
        let rt = match def {
            CoreInstanceDef::Instantiate {
                module: ModuleDef::Static(module),
                ..
            } => {
                let module = &component.inner.modules[*module as usize];
                let mut imports = Imports::default();
                for (source, import) in plan.args(i).iter().zip(module.env_module().imports.iter())
                {
                    b.push_import(source.clone(), module, import.index, &mut imports)?;
                }
                Some(crate::Instance::new_with_imports(
                    b.store.opaque(),
                    module,
                    imports,
                )?)
            }
            CoreInstanceDef::Instantiate {
                module: ModuleDef::Import { import, path },
                args,
            } => {
                // The module is the linker's: its imports are found by
                // name now (the linker checked them against the declared
                // module type).
                let module = imported_module(&imports[*import as usize], path)?;
                let mut resolved = Imports::default();
                for import in module.env_module().imports.iter() {
                    let arg = args
                        .iter()
                        .find(|(n, _)| *n == import.module)
                        .map(|(_, i)| *i)
                        .ok_or_else(|| {
                            anyhow!("no instantiation argument for `{}`", import.module)
                        })?;
                    let inner = &component.inner;
                    let source =
                        plan.export(&inner.translation, &inner.modules, arg, &import.field)?;
                    b.push_import(source, &module, import.index, &mut resolved)?;
                }
                Some(crate::Instance::new_with_imports(
                    b.store.opaque(),
                    &module,
                    resolved,
                )?)
            }
            CoreInstanceDef::FromExports(_) => None,
        };
        b.core.push(rt);
        // Destructors defined by this core instance are needed as soon as
        // later start functions drop resources.
        b.resolve_dtors(plan, |s| s.core_instance() == Some(i as u32))?;
    }
    let exports = translation
        .exports
        .iter()
        .map(|(n, e)| Ok((n.clone(), b.export(e)?)))
        .collect::<Result<Vec<_>>>()?;
    b.resolve_dtors(plan, |s| s.core_instance().is_none())?;
    let store = b.store.opaque();
    let data = &mut store.component_instances[index];
    data.exports = exports;
    Ok(Instance(Stored {
        store: store.id(),
        index,
    }))
}

/// The resource type an import provides, registering its host destructor
/// with the store.
fn imported_resource<T: 'static>(
    import: &ResolvedImport<T>,
    path: &[String],
    store: &mut StoreOpaque,
) -> Result<ResourceType> {
    let (ty, dtor) = match (import, path) {
        (ResolvedImport::Resource(ty, dtor), []) => (*ty, dtor.clone()),
        _ => {
            let (instance, name) = instance_item(import, path)?;
            instance
                .resources
                .get(name)
                .cloned()
                .ok_or_else(|| anyhow!("resource `{name}` is not defined"))?
        }
    };
    store
        .host_resource_dtors
        .entry(ty)
        .or_insert_with(|| Arc::new(dtor));
    Ok(ty)
}

/// The module an import provides (`path`: its name inside an imported
/// instance).
fn imported_module<T: 'static>(
    import: &ResolvedImport<T>,
    path: &[String],
) -> Result<crate::Module> {
    match (import, path) {
        (ResolvedImport::Module(m), []) => Ok(m.clone()),
        _ => {
            let (instance, name) = instance_item(import, path)?;
            instance
                .modules
                .get(name)
                .cloned()
                .ok_or_else(|| anyhow!("module `{name}` is not defined"))
        }
    }
}

impl<T: 'static> Builder<'_, '_, T> {
    /// Sets the destructors whose sources `ready` accepts.
    fn resolve_dtors(&mut self, plan: &CorePlan, ready: impl Fn(&Source) -> bool) -> Result<()> {
        for r in 0..self.component.inner.translation.resources.len() {
            let Some(source) = plan.dtor(r).filter(|s| ready(s)) else {
                continue;
            };
            let func = self
                .source_extern(source)?
                .into_func()
                .ok_or_else(|| anyhow!("resource destructor is not a function"))?;
            self.store.opaque().component_instances[self.instance].dtors[r] = Some(func);
        }
        Ok(())
    }

    /// The core item of `source` (its core instance already made).
    fn source_extern(&mut self, source: Source) -> Result<Extern> {
        Ok(match source {
            Source::Item { instance, index } => {
                let instance = self.core[instance as usize]
                    .expect("the core plan names only module instances");
                instance.resolve(self.store.opaque(), index)
            }
            Source::Named { instance, name } => {
                let instance = self.core[instance as usize]
                    .expect("the core plan names only module instances");
                instance
                    .get_export_in(self.store.opaque(), &name)
                    .ok_or_else(|| anyhow!("core module instance has no export `{name}`"))?
            }
            Source::Lowered(i) => Extern::Func(self.lowered(i)?),
            Source::Builtin(i) => Extern::Func(self.builtin(i)?),
        })
    }

    /// The core item of `def`, looking its name up (for the few items the
    /// plan does not resolve ahead: options of builtins).
    fn core_extern(&mut self, def: &CoreDef) -> Result<Extern> {
        let inner = &self.component.inner;
        let source = inner
            .core_plan()?
            .resolve(&inner.translation, &inner.modules, def)?;
        self.source_extern(source)
    }

    /// Adds the item of `source` to `imports`, for the import of `module`
    /// whose entity is `entity`. Functions go straight from the exporting
    /// instance's funcref (no `Func` handle is made for them); their type
    /// is checked here, the other kinds' by the component's validation.
    fn push_import(
        &mut self,
        source: Source,
        module: &crate::Module,
        entity: EntityIndex,
        imports: &mut Imports,
    ) -> Result<()> {
        let func_ref = match source {
            Source::Item {
                instance,
                index: EntityIndex::Function(f),
            } => {
                let instance = self.core[instance as usize]
                    .expect("the core plan names only module instances");
                instance.func_ref_in(self.store.opaque(), f)?
            }
            Source::Item { .. } | Source::Named { .. } => match self.source_extern(source)? {
                Extern::Func(f) => f.func_ref_ptr(self.store.opaque())?,
                other => return other.push_import(self.store.opaque(), imports),
            },
            Source::Lowered(i) => {
                let f = self.lowered(i)?;
                f.func_ref_ptr(self.store.opaque())?
            }
            Source::Builtin(i) => {
                let f = self.builtin(i)?;
                f.func_ref_ptr(self.store.opaque())?
            }
        };
        let env = module.env_module();
        let expected = match env.type_of(entity) {
            EntityType::Function(t) => module.type_ids()[t.as_u32() as usize],
            _ => bail!("core instantiation argument is a function where the import is not"),
        };
        // SAFETY: `func_ref` points at a live funcref of this store (an
        // instance's or a host function's), read only here.
        let func_ref = unsafe { *func_ref };
        if func_ref.type_index != expected {
            bail!("core instantiation argument has the wrong function type");
        }
        imports.functions.push(func_ref);
        Ok(())
    }

    /// The core function of canonical builtin `index`.
    fn builtin(&mut self, index: u32) -> Result<crate::Func> {
        if let Some(f) = self.builtins.get(&index) {
            return Ok(*f);
        }
        let instance = self.instance;
        let engine = self.store.engine().clone();
        let translation = &self.component.inner.translation;
        let builtin = &translation.builtins[index as usize];
        let sub = translation.builtin_instances[index as usize];
        #[cfg(feature = "component-model-async")]
        {
            let memory = match builtin {
                Builtin::WaitableSetWait(m) | Builtin::WaitableSetPoll(m) => Some(
                    self.core_extern(m)?
                        .into_memory()
                        .ok_or_else(|| anyhow!("canonical option `memory` is not a memory"))?,
                ),
                _ => None,
            };
            let options = match builtin {
                Builtin::TaskReturn { options, .. }
                | Builtin::Transmit {
                    options: Some(options),
                    ..
                }
                | Builtin::ErrorContextNew(options)
                | Builtin::ErrorContextDebugMessage(options) => {
                    Some(self.unplanned_options(options)?)
                }
                _ => None,
            };
            if let Some((ty, raw)) = super::concurrent::builtin_func::<T>(
                &engine, instance, sub, builtin, memory, options,
            ) {
                let raw = match builtin {
                    Builtin::ContextGet(_)
                    | Builtin::ContextSet(_)
                    | Builtin::BackpressureInc
                    | Builtin::BackpressureDec => raw,
                    _ => leaving(raw, instance, sub),
                };
                let func = crate::Func::new_host(self.store, ty, raw)?;
                self.builtins.insert(index, func);
                return Ok(func);
            }
        }
        let (ty, raw): (FuncType, Arc<HostFuncRaw<T>>) = match *builtin {
            Builtin::ResourceNew(r) => (
                FuncType::new(&engine, [ValType::I32], [ValType::I32]),
                Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
                    let store = caller.store.opaque();
                    let ty = store.component_instances[instance].resource_types[r as usize];
                    let handle = store
                        .handles(instance, sub)
                        .insert_own(ty, slots[0].get_u32())?;
                    slots[0] = ValRaw::u32(handle);
                    Ok(())
                }),
            ),
            Builtin::ResourceRep(r) => (
                FuncType::new(&engine, [ValType::I32], [ValType::I32]),
                Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
                    let store = caller.store.opaque();
                    let ty = store.component_instances[instance].resource_types[r as usize];
                    let rep = store.handles(instance, sub).rep(slots[0].get_u32(), ty)?;
                    slots[0] = ValRaw::u32(rep);
                    Ok(())
                }),
            ),
            Builtin::ResourceDrop(r) => (
                FuncType::new(&engine, [ValType::I32], []),
                Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
                    let store = caller.store.opaque();
                    let ty = store.component_instances[instance].resource_types[r as usize];
                    let (rep, own) = store
                        .handles(instance, sub)
                        .remove(slots[0].get_u32(), ty)?;
                    if own {
                        run_dtor(&mut caller.store, ty, rep)?;
                    }
                    Ok(())
                }),
            ),
            _ => bail!(
                "component-model async builtins need the `component-model-async` feature of \
                 `wasmtime`"
            ),
        };
        let raw = match builtin {
            Builtin::ResourceRep(_) => raw,
            _ => leaving(raw, instance, sub),
        };
        let func = crate::Func::new_host(self.store, ty, raw)?;
        self.builtins.insert(index, func);
        Ok(func)
    }

    /// The runtime options of canonical options `o`, whose core items
    /// come from `sources`.
    fn options(&mut self, o: &CanonOptions, sources: &PlannedOptions) -> Result<Options> {
        let func = |this: &mut Self, s: &Option<Source>| -> Result<Option<crate::Func>> {
            s.clone()
                .map(|s| {
                    this.source_extern(s)?
                        .into_func()
                        .ok_or_else(|| anyhow!("canonical option is not a function"))
                })
                .transpose()
        };
        let memory = match sources.memory.clone() {
            Some(s) => Some(
                self.source_extern(s)?
                    .into_memory()
                    .ok_or_else(|| anyhow!("canonical option `memory` is not a memory"))?,
            ),
            None => None,
        };
        Ok(Options {
            memory,
            realloc: func(self, &sources.realloc)?,
            post_return: func(self, &sources.post_return)?,
            encoding: o.string_encoding,
            instance: self.instance,
            sub: o.instance,
            async_: o.async_,
            callback: func(self, &sources.callback)?,
        })
    }

    /// The runtime options of canonical options `o` that the plan does
    /// not resolve ahead (those of builtins).
    fn unplanned_options(&mut self, o: &CanonOptions) -> Result<Options> {
        let inner = &self.component.inner;
        let sources = inner
            .core_plan()?
            .options(&inner.translation, &inner.modules, o)?;
        self.options(o, &sources)
    }

    /// The runtime options, component function type and core function
    /// type of lowering `index`, from the core plan.
    fn lowering_parts(
        &mut self,
        index: u32,
    ) -> Result<(Arc<Options>, Arc<ComponentFuncType>, FuncType)> {
        let inner = &self.component.inner;
        let plan = inner.core_plan()?;
        let sources = plan.lowering_options(index);
        let ty = plan.lowered_func_type(index);
        let core_ty = plan.lowered_type(index)?;
        let canon = &inner.translation.lowerings[index as usize].options;
        let key = (sources.clone(), canon.string_encoding, canon.async_);
        if let Some((_, opts)) = self.lowering_options.iter().find(|(k, _)| *k == key) {
            return Ok((opts.clone(), ty, core_ty));
        }
        let opts = Arc::new(self.options(canon, &key.0)?);
        self.lowering_options.push((key, opts.clone()));
        Ok((opts, ty, core_ty))
    }

    fn lowered(&mut self, index: u32) -> Result<crate::Func> {
        if let Some(f) = self.lowered.get(&index) {
            return Ok(*f);
        }
        let translation = &self.component.inner.translation;
        let lowering = &translation.lowerings[index as usize];
        let host = match &translation.funcs[lowering.func as usize] {
            ComponentFuncDef::Import { import, path } => {
                if let Some(host) = &self.imports.lowered[index as usize] {
                    host.clone()
                } else {
                    match (&self.imports[*import as usize], path.as_slice()) {
                        (ResolvedImport::Func(f), []) => f.clone(),
                        (import, path) => {
                            let (instance, name) = instance_item(import, path)?;
                            instance
                                .funcs
                                .get(name)
                                .cloned()
                                .ok_or_else(|| anyhow!("import function `{name}` is not defined"))?
                        }
                    }
                }
            }
            ComponentFuncDef::Lifted { options, .. }
                if translation.instances_related(options.instance, lowering.options.instance) =>
            {
                // A lift lowered into its own instance, an ancestor or a
                // descendant: calling it would re-enter an instance.
                let (_, _, core_ty) = self.lowering_parts(index)?;
                let raw: Arc<HostFuncRaw<T>> = Arc::new(|_: Caller<'_, T>, _: &mut [ValRaw]| {
                    Err(anyhow::Error::new(crate::Trap::CannotEnterComponent))
                });
                let func = crate::Func::new_host(self.store, core_ty, raw)?;
                self.lowered.insert(index, func);
                return Ok(func);
            }
            ComponentFuncDef::Lifted { .. } => {
                // An adapter between two components inlined into this
                // one: the callee's values are lifted from the caller and
                // lowered into the callee through `Val`s. Both are parts
                // of this instance, so the call does not enter it anew.
                let callee = self.func(lowering.func)?;
                #[cfg(feature = "component-model-async")]
                if lowering.options.async_ {
                    // An async lower: the callee's task may stay pending.
                    let (opts, ty, core_ty) = self.lowering_parts(index)?;
                    let sub = opts.sub;
                    let raw: Arc<HostFuncRaw<T>> =
                        Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
                            super::concurrent::guest_async_lower(
                                caller.store.opaque(),
                                callee,
                                &ty,
                                &opts,
                                slots,
                            )
                        });
                    let raw = leaving(raw, self.instance, sub);
                    let func = crate::Func::new_host(self.store, core_ty, raw)?;
                    self.lowered.insert(index, func);
                    return Ok(func);
                }
                // A synchronous lower of an `async`-typed callee blocks
                // its caller, which only a task that may block can do.
                #[cfg(feature = "component-model-async")]
                let callee_async = matches!(
                    &translation.funcs[lowering.func as usize],
                    ComponentFuncDef::Lifted { ty, .. } if ty.is_async
                );
                let callee_sync = matches!(
                    &translation.funcs[lowering.func as usize],
                    ComponentFuncDef::Lifted { options, .. } if !options.async_
                );
                let run = move |mut store: StoreContextMut<'_, T>,
                                _ty: ComponentFunc,
                                params: &[Val],
                                results: &mut [Val]| {
                    #[cfg(feature = "component-model-async")]
                    if callee_async {
                        super::concurrent::check_blocking(store.opaque())?;
                    }
                    callee.call_inner(store.opaque(), params, results, true)
                };
                HostFunc::adapter(Arc::new(run), callee_sync)
            }
        };
        let (opts, ty, core_ty) = self.lowering_parts(index)?;
        let sub = opts.sub;
        let raw = leaving(host.entry(ty, opts), self.instance, sub);
        let func = crate::Func::new_host(self.store, core_ty, raw)?;
        self.lowered.insert(index, func);
        Ok(func)
    }

    fn export(&mut self, e: &ExportDef) -> Result<ExportItem> {
        Ok(match e {
            ExportDef::Func(i) => ExportItem::Func(self.func(*i)?),
            ExportDef::Resource(i) => ExportItem::Resource(
                self.store.opaque().component_instances[self.instance].resource_types[*i as usize],
            ),
            ExportDef::Type(_) => ExportItem::Type,
            ExportDef::Module(ModuleDef::Static(i)) => {
                ExportItem::Module(self.component.inner.modules[*i as usize].clone())
            }
            ExportDef::Module(ModuleDef::Import { import, path }) => {
                ExportItem::Module(imported_module(&self.imports[*import as usize], path)?)
            }
            ExportDef::Instance(items) => ExportItem::Instance(
                items
                    .iter()
                    .map(|(n, e)| Ok((n.clone(), self.export(e)?)))
                    .collect::<Result<_>>()?,
            ),
        })
    }

    fn func(&mut self, index: u32) -> Result<Func> {
        let translation = &self.component.inner.translation;
        match &translation.funcs[index as usize] {
            ComponentFuncDef::Lifted { ty, options, .. } => {
                let (core, sources) = self
                    .component
                    .inner
                    .core_plan()?
                    .lifted(index)
                    .cloned()
                    .expect("the plan has the sources of every lifted function");
                let core = self
                    .source_extern(core)?
                    .into_func()
                    .ok_or_else(|| anyhow!("lifted item is not a function"))?;
                let options = self.options(options, &sources)?;
                Ok(Func::new_lifted(
                    self.store.opaque(),
                    core,
                    Arc::new(ty.clone()),
                    options,
                ))
            }
            ComponentFuncDef::Import { .. } => {
                bail!("re-exporting an imported function is not supported yet")
            }
        }
    }
}

/// `raw` behind the check that runtime instance `sub` of component
/// instance `instance` may leave (call imports and builtins): not while
/// its `post-return` runs.
fn leaving<T: 'static>(raw: Arc<HostFuncRaw<T>>, instance: usize, sub: u32) -> Arc<HostFuncRaw<T>> {
    Arc::new(move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| {
        InstanceData::check_may_leave(caller.store.opaque(), instance, sub)?;
        raw(caller, slots)
    })
}

/// The core entry of a lowered import: lifts the arguments, calls the host
/// function and lowers its result (`own_frame`: in a frame of its own).
pub(crate) fn call_host<T: 'static>(
    mut caller: Caller<'_, T>,
    ty: &Arc<ComponentFuncType>,
    opts: &Options,
    host: &HostFn<T>,
    slots: &mut [ValRaw],
    adapter: Option<bool>,
) -> Result<()> {
    let own_frame = adapter.is_none();
    let (flat_params, retptr_slot) = if opts.async_ {
        super::host::async_param_layout(ty)
    } else {
        let flat = ty.flat_params_len();
        (flat, flat.unwrap_or(1))
    };
    let params = {
        let mut cx = Cx::new(caller.store.opaque(), opts);
        cx.adapter = adapter.is_some();
        cx.defer_strings = adapter == Some(true);
        let params = match flat_params {
            Some(n) => {
                let mut it = slots[..n].iter().copied();
                ty.params
                    .iter()
                    .map(|(_, t)| cx.lift_flat(t, &mut it))
                    .collect::<Result<Vec<_>>>()?
            }
            None => match cx.load(&ty.params_tuple(), slots[0].get_u32())? {
                Val::Tuple(vals) => vals,
                _ => unreachable!(),
            },
        };
        let pending = std::mem::take(&mut cx.pending_strings);
        drop(cx);
        caller.store.opaque().adapter_strings = pending;
        params
    };
    let mut results: Vec<Val> = ty.result.iter().map(|_| Val::Bool(false)).collect();
    let func_ty = ComponentFunc::new(
        ty.clone(),
        caller.store.opaque().component_instances[opts.instance]
            .resource_types
            .clone(),
    );
    let called = host(
        StoreContextMut(&mut *caller.store.0),
        func_ty,
        &params,
        &mut results,
    );
    // Strings the callee did not get to copy (it failed first).
    caller.store.opaque().adapter_strings.clear();
    called?;
    if let Some(rt) = &ty.result {
        // A `realloc` called for the host runs in a frame of its own (its
        // context slots are not the caller's); one called by an adapter
        // between guests runs in the caller's.
        let mut lower = |store: &mut StoreOpaque| -> Result<()> {
            let mut cx = Cx::new(store, opts);
            match ty.flat_result_len().filter(|_| !opts.async_) {
                Some(_) => {
                    let mut out = Vec::new();
                    cx.lower_flat(rt, &results[0], &mut out)?;
                    slots[..out.len()].copy_from_slice(&out);
                }
                None => {
                    let retptr = slots[retptr_slot].get_u32();
                    cx.store(rt, &results[0], retptr)?;
                }
            }
            Ok(())
        };
        if own_frame {
            super::func::own_frame(caller.store.opaque(), opts, lower)?;
        } else {
            lower(caller.store.opaque())?;
        }
    }
    if opts.async_ {
        // Finished at once: the subtask state `RETURNED`.
        slots[0] = ValRaw::u32(2);
    }
    Ok(())
}
