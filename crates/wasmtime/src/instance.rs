//! `Instance`: an instantiated module.

use crate::store::{StoreInstance, StoreOpaque, Stored};
use crate::types::ExternType;
use crate::{
    AsContextMut, Extern, Func, Global, Memory, Module, SharedMemory, StoreContext,
    StoreContextMut, Table, TypedFunc, WasmParams, WasmResults,
};
use anyhow::{bail, Result};
use wasmtime_environ::{EntityIndex, EntityType, Tunables};
use wasmtime_runtime::instance::{Imports, InstanceAllocationRequest, InstanceHandle, MemoryOwner};

/// An instantiated WebAssembly module.
#[derive(Copy, Clone, Debug)]
pub struct Instance(pub(crate) Stored);

/// A named export of an instance.
pub struct Export<'instance> {
    name: &'instance str,
    definition: Extern,
}

impl<'instance> Export<'instance> {
    /// The export's name.
    pub fn name(&self) -> &'instance str {
        self.name
    }
    /// The exported item.
    pub fn into_extern(self) -> Extern {
        self.definition
    }
    /// The exported function, if it is one.
    pub fn into_func(self) -> Option<Func> {
        self.definition.into_func()
    }
    /// The exported table, if it is one.
    pub fn into_table(self) -> Option<Table> {
        self.definition.into_table()
    }
    /// The exported memory, if it is one.
    pub fn into_memory(self) -> Option<Memory> {
        self.definition.into_memory()
    }
    /// The exported global, if it is one.
    pub fn into_global(self) -> Option<Global> {
        self.definition.into_global()
    }
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import
    /// order, runs segment initialisation and the start function.
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let mut ctx = store.as_context_mut();
        ctx.opaque().validate_sync_call()?;
        Instance::new_in(ctx.opaque(), module, imports)
    }

    /// As [`Instance::new`], running initialisation and the start function
    /// on a fiber, so that they may wait (for async host functions, fuel
    /// or epoch yields); see [`Func::call_async`](crate::Func::call_async).
    #[cfg(feature = "async")]
    pub async fn new_async(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let work = move |store: &mut StoreOpaque| Instance::new_in(store, module, imports);
        crate::fiber::on_fiber_in(&mut store.as_context_mut(), work).await?
    }

    pub(crate) fn new_in(
        store: &mut StoreOpaque,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        if !crate::Engine::same(store.engine(), module.engine()) {
            bail!("cross-`Engine` instantiation is not currently supported");
        }
        let env = module.env_module().clone();
        if imports.len() != env.imports.len() {
            bail!(
                "expected {} imports, found {}",
                env.imports.len(),
                imports.len()
            );
        }
        let mut resolved = Imports::default();
        for (import, item) in env.imports.iter().zip(imports) {
            // A function of exactly the expected (engine-canonical) type
            // matches without building either side's `ExternType`.
            if let (Extern::Func(f), EntityType::Function(t)) = (item, env.type_of(import.index)) {
                if f.shared_type_index(store) == Some(module.type_ids()[t.as_u32() as usize]) {
                    item.push_import(store, &mut resolved)?;
                    continue;
                }
            }
            let expected = ExternType::from_entity(
                store.engine(),
                module.type_ids(),
                &env.type_of(import.index),
            );
            let actual = item.ty_in(store)?;
            if !crate::externals::matches(&actual, &expected) {
                bail!(
                    "incompatible import type for `{}::{}`: expected {}, found {}",
                    import.module,
                    import.field,
                    describe(&expected),
                    describe(&actual)
                );
            }
            item.push_import(store, &mut resolved)?;
        }
        Instance::new_with_imports(store, module, resolved)
    }

    /// Instantiates `module` with imports already resolved and checked
    /// against its import types (by [`Instance::new_in`], or by a
    /// component's validated instantiation plan).
    pub(crate) fn new_with_imports(
        store: &mut StoreOpaque,
        module: &Module,
        resolved: Imports,
    ) -> Result<Instance> {
        if !crate::Engine::same(store.engine(), module.engine()) {
            bail!("cross-`Engine` instantiation is not currently supported");
        }
        let env = module.env_module().clone();
        if env
            .memories
            .iter()
            .skip(env.num_imported_memories)
            .any(|(_, m)| m.shared)
        {
            crate::shared_memory::check_enabled(store.engine())?;
        }
        if env.types.values().any(|t| {
            matches!(
                t.composite,
                wasmtime_environ::WasmCompositeType::Struct(_)
                    | wasmtime_environ::WasmCompositeType::Array(_)
            )
        }) {
            // A module with GC object types takes the store's pooled GC
            // heap slot at instantiation, as Wasmtime does.
            store.gc_heap.take_pool_slot()?;
            let opaque = &mut *store;
            opaque.vm_store_context.update_gc_heap(&opaque.gc_heap);
        }
        store.reserve_resources(&env, true)?;
        if !store.modules.iter().any(|m| Module::same(m, module)) {
            store.modules.push(module.clone());
        }
        let index = store.instances.len();
        let tunables: Tunables = store.engine().config().tunables.clone();
        let store_ptr = store as *mut StoreOpaque as *mut u8;
        let handle = InstanceHandle::new(InstanceAllocationRequest {
            module: env.clone(),
            tunables: &tunables,
            imports: resolved,
            store_context: &mut *store.vm_store_context,
            type_ids: module.type_ids().as_ptr(),
            functions: module.entries(),
            func_refs: module.func_refs().clone(),
            builtins: wasmtime_runtime::libcalls::builtin_array(),
            store: store_ptr,
            host_id: index,
            allocator: module.engine().allocator(),
            memory_images: module.memory_images(),
        })?;
        store.push_instance(StoreInstance {
            handle,
            _type_ids: None,
        });
        let instance = Instance(Stored {
            store: store.id(),
            index,
        });
        store.instances[index].handle.instance_mut().initialize()?;
        if let Some(start) = env.start_func {
            let func_ref = store.instances[index].handle.instance().func_ref_ptr(start);
            // An imported start function runs with this instance as its
            // caller, as if the instance had called it.
            if store.instances[index].handle.instance().func_is_host(start) {
                store.start_caller = Some(index);
            }
            let result = crate::func::invoke(store, func_ref, &mut []);
            store.start_caller = None;
            result?;
        }
        Ok(instance)
    }

    /// Looks up an export by name.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        let mut ctx = store.as_context_mut();
        self.get_export_in(ctx.opaque(), name)
    }

    /// [`Instance::get_export`] on the store's untyped half.
    pub(crate) fn get_export_in(&self, store: &mut StoreOpaque, name: &str) -> Option<Extern> {
        store.check(&self.0);
        let env = store.instances[self.0.index]
            .handle
            .instance()
            .module()
            .clone();
        let index = env.export(name)?;
        Some(self.resolve(store, index))
    }

    /// The funcref of this instance's function `index` (defined or
    /// imported), with its wasm entry filled in.
    pub(crate) fn func_ref_in(
        &self,
        store: &mut StoreOpaque,
        index: wasmtime_environ::FuncIndex,
    ) -> Result<*mut wasmtime_runtime::vmcontext::VMFuncRef> {
        store.check(&self.0);
        let ptr = store.instances[self.0.index]
            .handle
            .instance()
            .func_ref_ptr(index);
        // SAFETY: `ptr` points at a funcref of this store's instance.
        if unsafe { (*ptr).wasm_call.is_null() } {
            // A host function whose wasm entry is made on first use.
            // SAFETY: as above.
            let func = unsafe { Func::from_func_ref(store, ptr) };
            return func.func_ref_ptr(store);
        }
        Ok(ptr)
    }

    pub(crate) fn resolve(&self, store: &mut StoreOpaque, index: EntityIndex) -> Extern {
        let id = store.id();
        let engine = store.engine().clone();
        let handle = &mut store.instances[self.0.index].handle;
        match index {
            EntityIndex::Function(f) => {
                let ptr = handle.instance().func_ref_ptr(f);
                // SAFETY: the funcref lives in this store's instance.
                Extern::Func(unsafe { Func::from_func_ref(store, ptr) })
            }
            EntityIndex::Memory(m) => match handle.instance_mut().memory_owner(m) {
                MemoryOwner::Instance(owner, d) => {
                    Extern::Memory(Memory::from_parts(id, owner.host_id(), d))
                }
                MemoryOwner::Shared(shared) => {
                    Extern::SharedMemory(SharedMemory::from_runtime(&engine, shared))
                }
            },
            EntityIndex::Table(t) => {
                let (owner, d) = handle.instance_mut().table_owner(t);
                Extern::Table(Table::from_parts(id, owner.host_id(), d))
            }
            EntityIndex::Global(g) => {
                Extern::Global(Global::from_parts(store.id(), self.0.index, g))
            }
            EntityIndex::Tag(t) => {
                // Find the instance defining the tag (imports resolve to it).
                let identity = handle.instance().tag_identity(t.as_u32());
                let tag = crate::exception::Tag::from_identity(store, identity);
                Extern::Tag(tag.expect("every tag of a store is defined by one of its instances"))
            }
        }
    }

    /// The module this instance was instantiated from.
    ///
    /// # Panics
    ///
    /// If `store` is not the instance's store.
    pub fn module<'a, T: 'static>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a Module {
        let store = &store.into().0.opaque;
        store.check(&self.0);
        let env = store.instances[self.0.index].handle.instance().module();
        store
            .modules
            .iter()
            .find(|m| std::sync::Arc::ptr_eq(m.env_module(), env))
            .expect("every instance's module is registered with its store")
    }

    /// All exports, in the module's order.
    pub fn exports<'a, T: 'a>(
        &'a self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> impl ExactSizeIterator<Item = Export<'a>> + 'a {
        let ctx: StoreContextMut<'a, T> = store.into();
        let inner = ctx.0;
        let opaque = &mut inner.opaque;
        opaque.check(&self.0);
        let env = opaque.instances[self.0.index]
            .handle
            .instance()
            .module()
            .clone();
        let externs: Vec<Extern> = env
            .exports
            .iter()
            .map(|e| self.resolve(opaque, e.index))
            .collect();
        let opaque: &'a StoreOpaque = &inner.opaque;
        let env: &'a wasmtime_environ::Module =
            opaque.instances[self.0.index].handle.instance().module();
        env.exports
            .iter()
            .zip(externs)
            .map(|(e, definition)| Export {
                name: &e.name,
                definition,
            })
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// The exported function `name`.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name` with a static type.
    pub fn get_typed_func<Params: WasmParams, Results: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>> {
        let f = self
            .get_func(&mut store, name)
            .ok_or_else(|| anyhow::anyhow!("failed to find function export `{name}`"))?;
        f.typed::<Params, Results>(&store)
            .map_err(|e| e.context(format!("failed to convert function `{name}` to given type")))
    }

    /// The exported memory `name`.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported shared memory `name`.
    pub fn get_shared_memory(&self, store: impl AsContextMut, name: &str) -> Option<SharedMemory> {
        self.get_export(store, name)?.into_shared_memory()
    }

    /// The exported table `name`.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The exported global `name`.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The exported tag `name`.
    pub fn get_tag(&self, store: impl AsContextMut, name: &str) -> Option<crate::Tag> {
        self.get_export(store, name)?.into_tag()
    }
}

pub(crate) fn describe(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(f) => format!("func of type `{f}`"),
        ExternType::Global(g) => format!("global of type `{g}`"),
        ExternType::Table(t) => format!("table of type `{t}`"),
        ExternType::Memory(m) => format!("memory of type `{m}`"),
        ExternType::Tag(t) => format!("tag of type `{t}`"),
    }
}
