//! `Linker<T>`: name-based resolution of imports.

use crate::definition::Definition;
use crate::func::dynamic_host_func;
use crate::instance_pre::InstancePre;
use crate::{
    AsContext, AsContextMut, Caller, Engine, Extern, ExternType, Func, FuncType, Global, Instance,
    IntoFunc, Memory, Module, Table, Tag, Val, ValType,
};
use anyhow::{bail, Result};
use std::collections::HashMap;

/// Maps `(module, name)` pairs to definitions, and instantiates modules by
/// resolving their imports against it.
pub struct Linker<T> {
    engine: Engine,
    map: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            engine: self.engine.clone(),
            map: self.map.clone(),
            allow_shadowing: self.allow_shadowing,
        }
    }
}

impl<T: 'static> Linker<T> {
    /// Creates an empty linker.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            map: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<()> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.map.contains_key(&key) {
            bail!("import of `{module}::{name}` defined twice");
        }
        self.map.insert(key, def);
        Ok(())
    }

    /// Defines `module::name` as `item`.
    pub fn define(
        &mut self,
        _store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))?;
        Ok(self)
    }

    /// Defines a host function from a typed closure.
    pub fn func_wrap<Params, Args>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Args>,
    ) -> Result<&mut Self> {
        let (ty, raw) = func.into_func(&self.engine);
        self.insert(module, name, Definition::HostFunc(ty, raw))?;
        Ok(self)
    }

    /// Defines a host function of a dynamic type.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let raw = dynamic_host_func(ty.clone(), func);
        self.insert(module, name, Definition::HostFunc(ty, raw))?;
        Ok(self)
    }

    /// Defines an async host function from a typed closure returning a
    /// future (see [`Func::wrap_async`]).
    #[cfg(feature = "async")]
    pub fn func_wrap_async<F, Params: crate::WasmTyList, Args: crate::WasmRet>(
        &mut self,
        module: &str,
        name: &str,
        func: F,
    ) -> Result<&mut Self>
    where
        F: for<'a> Fn(
                Caller<'a, T>,
                Params,
            ) -> Box<dyn std::future::Future<Output = Args> + Send + 'a>
            + Send
            + Sync
            + 'static,
        T: Send + 'static,
    {
        let (ty, raw) = crate::func::async_func::async_typed_host_func(&self.engine, func);
        self.insert(module, name, Definition::HostFunc(ty, raw))?;
        Ok(self)
    }

    /// Defines an async host function of a dynamic type (see
    /// [`Func::new_async`]).
    #[cfg(feature = "async")]
    pub fn func_new_async<F>(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: F,
    ) -> Result<&mut Self>
    where
        F: for<'a> Fn(
                Caller<'a, T>,
                &'a [Val],
                &'a mut [Val],
            ) -> Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>
            + Send
            + Sync
            + 'static,
        T: Send + 'static,
    {
        let raw = crate::func::async_func::async_dynamic_host_func(ty.clone(), func);
        self.insert(module, name, Definition::HostFunc(ty, raw))?;
        Ok(self)
    }

    /// Defines every export of `instance` under `module_name`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        let exports: Vec<(String, Extern)> = instance
            .exports(store.as_context_mut())
            .map(|e| (e.name().to_string(), e.into_extern()))
            .collect();
        for (name, item) in exports {
            self.insert(module_name, &name, Definition::Extern(item))?;
        }
        Ok(self)
    }

    /// Instantiates `module` and defines its exports under `module_name`.
    pub fn module(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        module: &Module,
    ) -> Result<&mut Self> {
        let instance = self.instantiate(&mut store, module)?;
        self.instance(store, module_name, instance)
    }

    /// Resolves `module`'s imports by name once, type-checking host
    /// functions, and returns an [`InstancePre`] that instantiates it in any
    /// store without name lookups. Imports defined as store-owned items
    /// (instances, memories, ...) tie the `InstancePre` to that store.
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        if !Engine::same(&self.engine, module.engine()) {
            bail!("cross-`Engine` instantiation is not currently supported");
        }
        let mut defs = Vec::with_capacity(module.imports().len());
        for import in module.imports() {
            let key = (import.module().to_string(), import.name().to_string());
            let def = self.map.get(&key).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown import: `{}::{}` has not been defined",
                    import.module(),
                    import.name()
                )
            })?;
            if let Definition::HostFunc(ty, _) = def {
                let expected = import.ty();
                let actual = crate::ExternType::Func(ty.clone());
                if !crate::externals::matches(&actual, &expected) {
                    bail!(
                        "incompatible import type for `{}::{}`: expected {}, found {}",
                        import.module(),
                        import.name(),
                        crate::instance::describe(&expected),
                        crate::instance::describe(&actual)
                    );
                }
            }
            defs.push(def.clone());
        }
        Ok(InstancePre::new(module.clone(), defs))
    }

    /// Instantiates `module`, resolving its imports by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        let imports = self.imports_for(&mut store, module)?;
        Instance::new(store, module, &imports)
    }

    /// As [`Linker::instantiate`], on a fiber (see
    /// [`Instance::new_async`]).
    #[cfg(feature = "async")]
    pub async fn instantiate_async(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance>
    where
        T: Send + 'static,
    {
        let imports = self.imports_for(&mut store, module)?;
        Instance::new_async(store, module, &imports).await
    }

    /// As [`Linker::module`], instantiating on a fiber.
    #[cfg(feature = "async")]
    pub async fn module_async(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module_name: &str,
        module: &Module,
    ) -> Result<&mut Self>
    where
        T: Send + 'static,
    {
        let instance = self.instantiate_async(&mut store, module).await?;
        self.instance(store, module_name, instance)
    }

    /// `module`'s imports resolved by name (host functions created in
    /// `store`).
    fn imports_for(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Vec<Extern>> {
        let mut imports = Vec::new();
        for import in module.imports() {
            let item = self
                .resolve(&mut store, import.module(), import.name())?
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "unknown import: `{}::{}` has not been defined",
                        import.module(),
                        import.name()
                    )
                })?;
            imports.push(item);
        }
        Ok(imports)
    }

    fn resolve(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Result<Option<Extern>> {
        Ok(
            match self.map.get(&(module.to_string(), name.to_string())) {
                None => None,
                Some(Definition::Extern(e)) => Some(e.clone()),
                Some(Definition::HostFunc(ty, f)) => {
                    let mut ctx = store.as_context_mut();
                    Some(Extern::Func(Func::new_host(
                        &mut ctx,
                        ty.clone(),
                        f.clone(),
                    )?))
                }
            },
        )
    }

    /// Looks up the definition of `module::name`, if any (a host function
    /// defined with `func_wrap`/`func_new` is created in `store`).
    pub fn get(
        &self,
        store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        self.resolve(store, module, name).ok().flatten()
    }

    /// Looks up the definition matching `import` by its module and name.
    pub fn get_by_import(
        &self,
        store: impl AsContextMut<Data = T>,
        import: &crate::ImportType<'_>,
    ) -> Option<Extern> {
        self.get(store, import.module(), import.name())
    }

    /// The "default export" of the instance defined as `module`: its
    /// function named `""`, else its `_start` (the WASI command entry
    /// point), else a new function that does nothing. An export of that
    /// name that is not a function is an error.
    pub fn get_default(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
    ) -> Result<Func> {
        for name in ["", "_start"] {
            if let Some(item) = self.resolve(&mut store, module, name)? {
                return item.into_func().ok_or_else(|| {
                    anyhow::anyhow!("default export in '{module}' is not a function")
                });
            }
        }
        Ok(Func::wrap(store, || {}))
    }

    /// Defines `as_module::as_name` as whatever `module::name` is defined
    /// as. Fails if `module::name` is not defined.
    pub fn alias(
        &mut self,
        module: &str,
        name: &str,
        as_module: &str,
        as_name: &str,
    ) -> Result<&mut Self> {
        let def = self
            .map
            .get(&(module.to_string(), name.to_string()))
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no item named `{module}::{name}` in linker"))?;
        self.insert(as_module, as_name, def)?;
        Ok(self)
    }

    /// Defines everything under `module` also under `as_module`.
    pub fn alias_module(&mut self, module: &str, as_module: &str) -> Result<&mut Self> {
        let items: Vec<(String, Definition<T>)> = self
            .map
            .iter()
            .filter(|((m, _), _)| m == module)
            .map(|((_, name), def)| (name.clone(), def.clone()))
            .collect();
        for (name, def) in items {
            self.insert(as_module, &name, def)?;
        }
        Ok(self)
    }

    /// Whether `module::name` is defined, without creating anything.
    fn defines(&self, module: &str, name: &str) -> bool {
        self.map
            .contains_key(&(module.to_string(), name.to_string()))
    }

    /// Defines every function import of `module` that this linker lacks as
    /// a function that traps ("unknown import") when called, so that
    /// `module` can be instantiated when such functions are never called.
    /// Other kinds of missing imports are left undefined.
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<()>
    where
        T: 'static,
    {
        for import in module.imports() {
            if self.defines(import.module(), import.name()) {
                continue;
            }
            if let ExternType::Func(ty) = import.ty() {
                let what = format!(
                    "unknown import: `{}::{}` has not been defined",
                    import.module(),
                    import.name()
                );
                self.func_new(import.module(), import.name(), ty, move |_, _, _| {
                    bail!("{what}")
                })?;
            }
        }
        Ok(())
    }

    /// Defines every import of `module` that this linker lacks with a
    /// default: functions return the default value of each result (zero,
    /// or null for references), globals hold the default value, memories
    /// and tables are new ones of the minimum size (table elements null),
    /// tags are new tags of the type. An import whose type has no default
    /// (a non-nullable reference) is an error.
    pub fn define_unknown_imports_as_default_values(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<()>
    where
        T: 'static,
    {
        let mut store = store.as_context_mut();
        for import in module.imports() {
            let (m, n) = (import.module(), import.name());
            if self.defines(m, n) {
                continue;
            }
            let no_default =
                || anyhow::anyhow!("unknown import `{m}::{n}` has a type with no default value");
            let item: Extern = match import.ty() {
                ExternType::Func(ty) => {
                    let results = ty
                        .results()
                        .map(|t| Val::default_for_ty(&t))
                        .collect::<Option<Vec<Val>>>()
                        .ok_or_else(no_default)?;
                    Func::new(&mut store, ty, move |_, _, out| {
                        out.clone_from_slice(&results);
                        Ok(())
                    })
                    .into()
                }
                ExternType::Global(ty) => {
                    let val = Val::default_for_ty(ty.content()).ok_or_else(no_default)?;
                    Global::new(&mut store, ty, val)?.into()
                }
                ExternType::Memory(ty) => Memory::new(&mut store, ty)?.into(),
                ExternType::Table(ty) => {
                    let init = Val::default_for_ty(&ValType::Ref(ty.element().clone()))
                        .and_then(|v| v.ref_())
                        .ok_or_else(no_default)?;
                    Table::new(&mut store, ty, init)?.into()
                }
                ExternType::Tag(ty) => Tag::new(&mut store, &ty)?.into(),
            };
            self.define(&mut store, m, n, item)?;
        }
        Ok(())
    }
}
