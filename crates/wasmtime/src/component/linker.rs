//! [`Linker`]: host definitions of a component's imports, by name, and
//! instantiation against them.

#[cfg(feature = "async")]
mod async_api;

use super::host::HostFunc;
use super::instance::{instantiate, ResolvedImport, ResolvedImports, ResolvedInstance};
use super::matching::check_module;
use super::resources::HostDtor;
use super::types::ComponentFunc;
use super::{Component, ComponentNamedList, Instance, Lift, Lower, ResourceType, Val};
use crate::{AsContextMut, Engine, StoreContextMut};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime_environ::component::{ComponentFuncType, ImportType, InstanceImport, ResourceDef};

/// A host function of a component import, dynamically typed.
pub(crate) type HostFn<T> =
    dyn Fn(StoreContextMut<'_, T>, ComponentFunc, &[Val], &mut [Val]) -> Result<()> + Send + Sync;

/// A definition in a [`Linker`].
pub(crate) enum Definition<T: 'static> {
    Func(HostFunc<T>),
    Instance(BTreeMap<String, Definition<T>>),
    Resource(ResourceType, Arc<HostDtor<T>>),
    Module(crate::Module),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Func(f) => Definition::Func(f.clone()),
            Definition::Instance(m) => Definition::Instance(m.clone()),
            Definition::Resource(t, d) => Definition::Resource(*t, d.clone()),
            Definition::Module(m) => Definition::Module(m.clone()),
        }
    }
}

/// Host definitions for the imports of components, by name: functions,
/// resource types and core modules at the root, and instances (WIT
/// interfaces such as `wasi:cli/stdout`) of them.
pub struct Linker<T: 'static> {
    engine: Engine,
    map: BTreeMap<String, Definition<T>>,
    allow_shadowing: bool,
}

/// A place in a [`Linker`] to define items: its root or an instance.
pub struct LinkerInstance<'a, T: 'static> {
    map: &'a mut BTreeMap<String, Definition<T>>,
    allow_shadowing: bool,
}

impl<T: 'static> Linker<T> {
    /// An empty linker for components of `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            map: BTreeMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same
    /// name (off by default: redefinition is an error).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    /// The root of the linker's namespace.
    pub fn root(&mut self) -> LinkerInstance<'_, T> {
        LinkerInstance {
            map: &mut self.map,
            allow_shadowing: self.allow_shadowing,
        }
    }

    /// The instance `name` at the root, created if needed.
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        self.root().into_instance(name)
    }

    /// Checks `component`'s imports against the definitions and returns an
    /// [`InstancePre`] that instantiates it in any store.
    pub fn instantiate_pre(&self, component: &Component) -> Result<InstancePre<T>> {
        if !Engine::same(&self.engine, component.engine()) {
            bail!("cross-`Engine` instantiation is not currently supported");
        }
        let mut imports = Vec::new();
        for (name, ty) in &component.inner.translation.imports {
            imports.push(self.resolve(name, ty)?);
        }
        let root_eq = &component.inner.translation.root_eq_resources;
        for (name, earlier) in root_eq {
            check_eq_resource(component, &imports, &self.map, name, *earlier).with_context(
                || {
                    format!(
                        "component imports resource `{name}`, but a matching implementation \
                     was not found in the linker"
                    )
                },
            )?;
        }
        for (name, ty) in &component.inner.translation.imports {
            if let (ImportType::Instance(shape), Some(Definition::Instance(map))) =
                (ty, super::semver::lookup(&self.map, name))
            {
                check_eq_resources(component, &imports, shape, map).with_context(|| {
                    format!(
                        "component imports instance `{name}`, but a matching \
                         implementation was not found in the linker"
                    )
                })?;
            }
        }
        Ok(InstancePre {
            component: component.clone(),
            imports: Arc::new(ResolvedImports::new(component, imports)),
        })
    }

    fn resolve(&self, name: &str, ty: &ImportType) -> Result<ResolvedImport<T>> {
        let def = super::semver::lookup(&self.map, name);
        match (ty, def) {
            (ImportType::Func(fty), Some(Definition::Func(f))) => {
                typecheck_import(f, fty, name)?;
                Ok(ResolvedImport::Func(f.clone()))
            }
            (ImportType::Resource, Some(Definition::Resource(t, d))) => {
                Ok(ResolvedImport::Resource(*t, d.clone()))
            }
            (ImportType::Module(expected), Some(Definition::Module(m))) => {
                check_module(&self.engine, expected, m).with_context(|| {
                    format!("import `{name}` has the wrong type: the core module does not match")
                })?;
                Ok(ResolvedImport::Module(m.clone()))
            }
            (ImportType::Instance(shape), Some(Definition::Instance(map))) => Ok(
                ResolvedImport::Instance(self.resolve_instance(name, shape, map)?),
            ),
            // An instance with nothing to define need not be given.
            (ImportType::Instance(shape), None) if shape.is_empty() => {
                Ok(ResolvedImport::Instance(ResolvedInstance::default()))
            }
            (_, Some(other)) => {
                let expected = match ty {
                    ImportType::Func(_) => "a function",
                    ImportType::Instance(..) => "an instance",
                    ImportType::Resource => "a resource type",
                    ImportType::Module(_) => "a core module",
                };
                bail!("import `{name}` has the wrong type: expected {expected}, found {}", kind(other))
            }
            (ImportType::Func(_), None) => bail!(
                "component imports function `{name}`, but a matching implementation was not found in the linker"
            ),
            (ImportType::Instance(..), None) => bail!(
                "component imports instance `{name}`, but a matching implementation was not found in the linker"
            ),
            (ImportType::Resource, None) => bail!(
                "component imports resource `{name}`, but a matching implementation was not found in the linker"
            ),
            (ImportType::Module(_), None) => bail!(
                "component imports module `{name}`, but a matching implementation was not found in the linker"
            ),
        }
    }

    /// Resolves the items of instance import `name` (or of an instance
    /// nested in it) of shape `shape` against the definitions `map`.
    fn resolve_instance(
        &self,
        name: &str,
        shape: &InstanceImport,
        map: &BTreeMap<String, Definition<T>>,
    ) -> Result<ResolvedInstance<T>> {
        let mut out = ResolvedInstance::default();
        for (func, fty) in &shape.funcs {
            match super::semver::lookup(map, func) {
                Some(Definition::Func(f)) => {
                    typecheck_import(f, fty, &format!("{name}#{func}"))?;
                    out.funcs.insert(func.clone(), f.clone());
                }
                Some(other) => bail!(
                    "import `{name}` has the wrong type: `{func}` is {}, expected a function",
                    kind(other)
                ),
                None => bail!(
                    "component imports instance `{name}`, but a matching implementation was not found in the linker: function `{func}` is missing"
                ),
            }
        }
        for resource in &shape.resources {
            match super::semver::lookup(map, resource) {
                Some(Definition::Resource(t, d)) => {
                    out.resources.insert(resource.clone(), (*t, d.clone()));
                }
                Some(other) => bail!(
                    "import `{name}` has the wrong type: `{resource}` is {}, expected a resource type",
                    kind(other)
                ),
                None => bail!(
                    "component imports instance `{name}`, but a matching implementation was not found in the linker: resource `{resource}` is missing"
                ),
            }
        }
        for (module, expected) in &shape.modules {
            let found = match super::semver::lookup(map, module) {
                Some(Definition::Module(m)) => check_module(&self.engine, expected, m)
                    .map(|()| m.clone())
                    .with_context(|| format!("instance export `{module}` has the wrong type")),
                Some(other) => Err(anyhow!("expected module found {}", kind(other)))
                    .with_context(|| format!("instance export `{module}` has the wrong type")),
                None => Err(anyhow!("module `{module}` is missing")),
            };
            let found = found.with_context(|| {
                format!(
                    "component imports instance `{name}`, but a matching \
                     implementation was not found in the linker"
                )
            })?;
            out.modules.insert(module.clone(), found);
        }
        for (inner, inner_shape) in &shape.instances {
            let resolved = match super::semver::lookup(map, inner) {
                Some(Definition::Instance(m)) => {
                    self.resolve_instance(&format!("{name}#{inner}"), inner_shape, m)?
                }
                None if inner_shape.is_empty() => ResolvedInstance::default(),
                Some(other) => bail!(
                    "import `{name}` has the wrong type: `{inner}` is {}, expected an instance",
                    kind(other)
                ),
                None => bail!(
                    "component imports instance `{name}`, but a matching implementation was not found in the linker: instance `{inner}` is missing"
                ),
            };
            out.instances.insert(inner.clone(), resolved);
        }
        Ok(out)
    }

    /// Instantiates `component` in `store` with this linker's definitions.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        component: &Component,
    ) -> Result<Instance> {
        let mut store = store.as_context_mut();
        store.opaque().validate_sync_call()?;
        self.instantiate_pre(component)?.instantiate(store)
    }

    /// Defines every import of `component` that has no definition yet: a
    /// function as one that traps when called, a resource type as the host
    /// type `()`. An undefined core module import is an error (``unable to
    /// define core module imports as traps``), as in Wasmtime; the imports
    /// before it stay defined.
    pub fn define_unknown_imports_as_traps(&mut self, component: &Component) -> Result<()> {
        // Unknown resource types become the host type `()`, as in Wasmtime.
        let unknown_resource = || -> Definition<T> {
            Definition::Resource(ResourceType::host::<()>(), Arc::new(|_, _| Ok(())))
        };
        for (name, ty) in &component.inner.translation.imports {
            let trap = |what: String| -> HostFunc<T> {
                HostFunc::dynamic(Arc::new(move |_, _, _, _| {
                    Err(anyhow!("unknown import: `{what}` has not been defined"))
                }))
            };
            match ty {
                ImportType::Func(_) => {
                    self.map
                        .entry(name.clone())
                        .or_insert_with(|| Definition::Func(trap(name.clone())));
                }
                ImportType::Resource => {
                    self.map
                        .entry(name.clone())
                        .or_insert_with(unknown_resource);
                }
                // A core module cannot be made up, as in Wasmtime.
                ImportType::Module(_) => {
                    if !self.map.contains_key(name) {
                        bail!("unable to define core module imports as traps");
                    }
                }
                ImportType::Instance(shape) => {
                    let entry = self
                        .map
                        .entry(name.clone())
                        .or_insert_with(|| Definition::Instance(BTreeMap::new()));
                    if let Definition::Instance(map) = entry {
                        stub_instance(map, name, shape)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Defines the undefined functions (as traps) and resource types (as the
/// host type `()`) of instance `name` of shape `shape` in `map`, and of its
/// nested instances; an undefined core module is an error.
fn stub_instance<T: 'static>(
    map: &mut BTreeMap<String, Definition<T>>,
    name: &str,
    shape: &InstanceImport,
) -> Result<()> {
    for (func, _) in &shape.funcs {
        let what = format!("{name}#{func}");
        map.entry(func.clone()).or_insert_with(|| {
            Definition::Func(HostFunc::dynamic(Arc::new(move |_, _, _, _| {
                Err(anyhow!("unknown import: `{what}` has not been defined"))
            })))
        });
    }
    for resource in &shape.resources {
        map.entry(resource.clone()).or_insert_with(|| {
            Definition::Resource(ResourceType::host::<()>(), Arc::new(|_, _| Ok(())))
        });
    }
    if shape.modules.iter().any(|(m, _)| !map.contains_key(m)) {
        bail!("unable to define core module imports as traps");
    }
    for (inner, inner_shape) in &shape.instances {
        let entry = map
            .entry(inner.clone())
            .or_insert_with(|| Definition::Instance(BTreeMap::new()));
        if let Definition::Instance(inner_map) = entry {
            stub_instance(inner_map, inner, inner_shape)?;
        }
    }
    Ok(())
}

/// Checks that the definitions in `map` of the `(eq ...)`-bounded resource
/// types of instance shape `shape` (and its nested instances) are the
/// resources they are bounded to.
fn check_eq_resources<T: 'static>(
    component: &Component,
    imports: &[ResolvedImport<T>],
    shape: &InstanceImport,
    map: &BTreeMap<String, Definition<T>>,
) -> Result<()> {
    for (name, earlier) in &shape.eq_resources {
        check_eq_resource(component, imports, map, name, *earlier)?;
    }
    for (name, inner) in &shape.instances {
        if let Some(Definition::Instance(m)) = super::semver::lookup(map, name) {
            check_eq_resources(component, imports, inner, m)?;
        }
    }
    Ok(())
}

/// Checks that the definition named `name` in `map`, if any, is the
/// resource `earlier` (our index) that its `(eq ...)` bound names.
fn check_eq_resource<T: 'static>(
    component: &Component,
    imports: &[ResolvedImport<T>],
    map: &BTreeMap<String, Definition<T>>,
    name: &str,
    earlier: u32,
) -> Result<()> {
    let Some(Definition::Resource(actual, _)) = super::semver::lookup(map, name) else {
        return Ok(());
    };
    let expected = match &component.inner.translation.resources[earlier as usize] {
        ResourceDef::Imported { import, path } => match (&imports[*import as usize], &path[..]) {
            (ResolvedImport::Resource(t, _), []) => Some(*t),
            (import, path) => super::instance::instance_item(import, path)
                .ok()
                .and_then(|(i, n)| i.resources.get(n).map(|(t, _)| *t)),
        },
        ResourceDef::Defined { .. } => None,
    };
    if expected.is_some_and(|e| e != *actual) {
        bail!("mismatched resource types");
    }
    Ok(())
}

/// How an error names the kind of definition `d`.
fn kind<T>(d: &Definition<T>) -> &'static str {
    match d {
        Definition::Func(_) => "a function",
        Definition::Instance(_) => "an instance",
        Definition::Resource(..) => "a resource type",
        Definition::Module(_) => "a core module",
    }
}

/// Checks a host function against the type of import `name`.
fn typecheck_import<T>(f: &HostFunc<T>, ty: &ComponentFuncType, name: &str) -> Result<()> {
    f.typecheck(ty)
        .map_err(|e| anyhow!("import `{name}` has the wrong type: {e}"))
}

impl<T: 'static> LinkerInstance<'_, T> {
    fn insert(&mut self, name: &str, def: Definition<T>) -> Result<()> {
        if !self.allow_shadowing && self.map.contains_key(name) {
            bail!("import of `{name}` defined twice");
        }
        self.map.insert(name.to_string(), def);
        Ok(())
    }

    /// Defines the function `name`, dynamically typed: it receives the
    /// function's type and its arguments, and writes its result (if any)
    /// to the one-element `results`.
    pub fn func_new(
        &mut self,
        name: &str,
        func: impl Fn(StoreContextMut<'_, T>, ComponentFunc, &[Val], &mut [Val]) -> Result<()>
            + Send
            + Sync
            + 'static,
    ) -> Result<()> {
        self.insert(name, Definition::Func(HostFunc::dynamic(Arc::new(func))))
    }

    /// Defines the function `name`, statically typed: `Params` is a tuple
    /// of its parameters' types and `Return` is `()` for a function
    /// without result or `(T,)` for one returning `T`. The types are
    /// checked against the component's import when it is instantiated
    /// (an error there if they differ). An error returned by `func` traps
    /// the guest, and comes back from the call into the component.
    pub fn func_wrap<F, Params, Return>(&mut self, name: &str, func: F) -> Result<()>
    where
        F: Fn(StoreContextMut<'_, T>, Params) -> Result<Return> + Send + Sync + 'static,
        Params: ComponentNamedList + Lift + 'static,
        Return: ComponentNamedList + Lower + 'static,
    {
        self.insert(name, Definition::Func(HostFunc::typed(func)))
    }

    /// Defines the resource type `name` as the host type `ty` (see
    /// [`ResourceType::host`]); `dtor` runs with the representation when
    /// a guest drops an owned handle, or the host drops a
    /// [`ResourceAny`](super::ResourceAny) of this type.
    pub fn resource(
        &mut self,
        name: &str,
        ty: ResourceType,
        dtor: impl Fn(StoreContextMut<'_, T>, u32) -> Result<()> + Send + Sync + 'static,
    ) -> Result<()> {
        self.insert(name, Definition::Resource(ty, Arc::new(dtor)))
    }

    /// Defines the core module `name`, for components that import a core
    /// module (or an instance exporting one). Its imports and exports are
    /// checked against the module type the component declares when the
    /// component is instantiated.
    pub fn module(&mut self, name: &str, module: &crate::Module) -> Result<()> {
        self.insert(name, Definition::Module(module.clone()))
    }

    /// The instance `name` inside this one, created if needed.
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        LinkerInstance {
            map: &mut *self.map,
            allow_shadowing: self.allow_shadowing,
        }
        .into_instance(name)
    }

    /// As [`LinkerInstance::instance`], consuming this one.
    pub fn into_instance(self, name: &str) -> Result<Self> {
        let allow_shadowing = self.allow_shadowing;
        let entry = self
            .map
            .entry(name.to_string())
            .or_insert_with(|| Definition::Instance(BTreeMap::new()));
        match entry {
            Definition::Instance(map) => Ok(LinkerInstance {
                map,
                allow_shadowing,
            }),
            _ => bail!("`{name}` is already defined as a function, resource type or module"),
        }
    }
}

/// A component with its imports resolved, ready to be instantiated in any
/// store of the engine.
pub struct InstancePre<T: 'static> {
    component: Component,
    imports: Arc<ResolvedImports<T>>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            component: self.component.clone(),
            imports: self.imports.clone(),
        }
    }
}

impl<T: 'static> InstancePre<T> {
    /// The engine the component was compiled for.
    pub fn engine(&self) -> &Engine {
        self.component.engine()
    }

    /// The component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// Instantiates the component in `store`.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let mut store = store.as_context_mut();
        store.opaque().validate_sync_call()?;
        let instance = instantiate(&mut store, &self.component, &self.imports)?;
        self.record(store.opaque(), instance);
        Ok(instance)
    }

    /// Remembers in the store that `instance` came from `self` (for
    /// [`Instance::instance_pre`]).
    pub(crate) fn record(&self, store: &mut crate::store::StoreOpaque, instance: Instance) {
        store.component_instances[instance.0.index].pre = Some(Box::new(self.clone()));
    }

    /// The type of the instance this makes, for type-checking exports in
    /// generated bindings.
    #[doc(hidden)]
    pub fn instance_type(&self) -> super::types::InstanceType<'_> {
        super::types::InstanceType::new(&self.component)
    }
}
