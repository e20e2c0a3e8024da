//! External items: `Extern`, `Memory`, `Table` and `Global`.

#[cfg(feature = "async")]
mod async_ops;

use crate::host_items::host_instance;
use crate::store::{StoreId, StoreOpaque};
use crate::types::ExternType;
use crate::{
    AsContext, AsContextMut, Func, GlobalType, MemoryType, Ref, StoreContext, StoreContextMut,
    TableType, Val,
};
use crate::{Engine, SharedMemory, Tag};
use anyhow::{bail, Result};
use wasmtime_environ::{
    DefinedMemoryIndex, DefinedTableIndex, EntityIndex, EntityRef, Export as EnvExport,
    GlobalIndex, MemoryIndex, Module as EnvModule, TableIndex,
};
use wasmtime_runtime::instance::{Imports, Instance as RuntimeInstance, MemoryImport};
use wasmtime_runtime::vmstore::VMStore;

/// Anything that can be imported or exported.
#[derive(Clone, Debug)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// A shared memory.
    SharedMemory(SharedMemory),
    /// A tag.
    Tag(Tag),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }
    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(f) => Some(f),
            _ => None,
        }
    }
    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(f) => Some(f),
            _ => None,
        }
    }
    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(f) => Some(f),
            _ => None,
        }
    }

    /// The tag, if this is one.
    pub fn into_tag(self) -> Option<Tag> {
        match self {
            Extern::Tag(t) => Some(t),
            _ => None,
        }
    }

    /// The shared memory, if this is one.
    pub fn into_shared_memory(self) -> Option<SharedMemory> {
        match self {
            Extern::SharedMemory(f) => Some(f),
            _ => None,
        }
    }

    /// The item's type.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        self.ty_in(store.as_context().opaque())
            .expect("object used with the wrong store")
    }

    pub(crate) fn ty_in(&self, store: &StoreOpaque) -> Result<ExternType> {
        Ok(match self {
            Extern::Func(f) => {
                if f.0.store != store.id() {
                    bail!("function used with the wrong store");
                }
                ExternType::Func(f.data(store).ty.clone())
            }
            Extern::Global(g) => ExternType::Global(g.ty_in(store)?),
            Extern::Table(t) => ExternType::Table(t.ty_in(store, true)?),
            Extern::Memory(m) => ExternType::Memory(m.ty_in(store, true)?),
            Extern::SharedMemory(m) => {
                if !Engine::same(m.engine(), store.engine()) {
                    bail!("shared memory used with the wrong engine");
                }
                ExternType::Memory(m.ty())
            }
            Extern::Tag(t) => ExternType::Tag(t.ty_in(store)?),
        })
    }

    pub(crate) fn push_import(&self, store: &mut StoreOpaque, imports: &mut Imports) -> Result<()> {
        match self {
            Extern::Func(f) => {
                let ptr = f.func_ref_ptr(store)?;
                // SAFETY: the funcref belongs to this store and is live.
                imports.functions.push(unsafe { *ptr });
            }
            Extern::Global(g) => {
                g.check(store)?;
                let ptr = store.instances[g.instance]
                    .handle
                    .instance()
                    .global_ptr(g.index);
                imports.globals.push(ptr);
            }
            Extern::Table(t) => {
                t.check(store)?;
                imports
                    .tables
                    .push((store.instances[t.instance].handle.as_ptr(), t.index));
            }
            Extern::Memory(m) => {
                m.check(store)?;
                imports.memories.push(MemoryImport::Instance(
                    store.instances[m.instance].handle.as_ptr(),
                    m.index,
                ));
            }
            Extern::SharedMemory(m) => {
                if !Engine::same(m.engine(), store.engine()) {
                    bail!("shared memory used with the wrong engine");
                }
                imports
                    .memories
                    .push(MemoryImport::Shared(m.runtime().clone()));
            }
            Extern::Tag(t) => {
                t.check(store)?;
                imports.tags.push(t.identity(store));
            }
        }
        Ok(())
    }
}

/// Whether an item of type `actual` may satisfy an import of type `expected`.
pub(crate) fn matches(actual: &ExternType, expected: &ExternType) -> bool {
    fn limits(amin: u64, amax: Option<u64>, emin: u64, emax: Option<u64>) -> bool {
        amin >= emin
            && match emax {
                None => true,
                Some(emax) => amax.is_some_and(|amax| amax <= emax),
            }
    }
    match (actual, expected) {
        (ExternType::Func(a), ExternType::Func(e)) => a.matches(e),
        (ExternType::Global(a), ExternType::Global(e)) => {
            a.mutability() == e.mutability()
                && match a.mutability() {
                    crate::Mutability::Const => a.content().matches(e.content()),
                    crate::Mutability::Var => a.content() == e.content(),
                }
        }
        (ExternType::Tag(a), ExternType::Tag(e)) => a.matches(e),
        (ExternType::Table(a), ExternType::Table(e)) => {
            a.ty.element == e.ty.element
                && a.ty.table64 == e.ty.table64
                && limits(a.ty.minimum, a.ty.maximum, e.ty.minimum, e.ty.maximum)
        }
        (ExternType::Memory(a), ExternType::Memory(e)) => {
            a.ty.shared == e.ty.shared
                && a.ty.memory64 == e.ty.memory64
                && a.ty.page_size_log2 == e.ty.page_size_log2
                && limits(a.ty.minimum, a.ty.maximum, e.ty.minimum, e.ty.maximum)
        }
        _ => false,
    }
}

macro_rules! extern_from {
    ($($t:ident)*) => {$(
        impl From<$t> for Extern {
            fn from(v: $t) -> Extern {
                Extern::$t(v)
            }
        }
    )*};
}
extern_from!(Func Global Table Memory SharedMemory Tag);

fn one_item_module(index: EntityIndex) -> EnvModule {
    let mut m = EnvModule::default();
    m.exports.push(EnvExport {
        name: String::new(),
        index,
    });
    m
}

/// Error for an out-of-bounds access to a memory from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryAccessError {
    _private: (),
}

impl std::fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of bounds memory access")
    }
}

impl std::error::Error for MemoryAccessError {}

/// A WebAssembly linear memory.
#[derive(Copy, Clone, Debug)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) instance: usize,
    pub(crate) index: DefinedMemoryIndex,
}

impl Memory {
    pub(crate) fn from_parts(store: StoreId, instance: usize, index: DefinedMemoryIndex) -> Memory {
        Memory {
            store,
            instance,
            index,
        }
    }

    /// Creates a memory owned by the host.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        Memory::new_in(store.as_context_mut().opaque(), ty)
    }

    pub(crate) fn new_in(store: &mut StoreOpaque, ty: MemoryType) -> Result<Memory> {
        if ty.is_shared() {
            bail!("use `SharedMemory::new` to create a shared memory");
        }
        let mut m = one_item_module(EntityIndex::Memory(MemoryIndex::new(0)));
        m.memories.push(ty.ty);
        let instance = host_instance(store, m)?;
        Ok(Memory::from_parts(
            store.id(),
            instance,
            DefinedMemoryIndex::new(0),
        ))
    }

    fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id() != self.store {
            bail!("memory used with the wrong store");
        }
        Ok(())
    }

    fn owner<'a>(&self, store: &'a StoreOpaque) -> &'a RuntimeInstance {
        assert!(store.id() == self.store, "memory used with the wrong store");
        store.instances[self.instance].handle.instance()
    }

    fn owner_mut<'a>(&self, store: &'a mut StoreOpaque) -> &'a mut RuntimeInstance {
        assert!(store.id() == self.store, "memory used with the wrong store");
        store.instances[self.instance].handle.instance_mut()
    }

    fn raw(&self, store: &StoreOpaque) -> (*mut u8, usize) {
        let owner = self.owner(store);
        // SAFETY: the definition is kept current by grow.
        let def = unsafe { &*owner.defined_memory_ptr(self.index) };
        (def.base, def.current_length as usize)
    }

    pub(crate) fn ty_in(&self, store: &StoreOpaque, current: bool) -> Result<MemoryType> {
        self.check(store)?;
        let owner = self.owner(store);
        let mut ty = owner.module().memories[owner.module().memory_index(self.index)];
        if current {
            ty.minimum = (self.raw(store).1 as u64) / ty.page_size();
        }
        Ok(MemoryType { ty })
    }

    /// The memory's type.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        self.ty_in(store.as_context().opaque(), false).unwrap()
    }

    /// The memory's contents.
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        let store: StoreContext<'a, T> = store.into();
        let (base, len) = self.raw(store.opaque());
        if len == 0 {
            return &[];
        }
        // SAFETY: the store is borrowed for 'a, so the memory can neither
        // grow nor be freed while the slice lives.
        unsafe { std::slice::from_raw_parts(base, len) }
    }

    /// The memory's contents, through the store's untyped part.
    #[cfg(feature = "component-model")]
    pub(crate) fn data_in<'a>(&self, store: &'a mut StoreOpaque) -> &'a mut [u8] {
        let (base, len) = self.raw(store);
        if len == 0 {
            return &mut [];
        }
        // SAFETY: the store is borrowed mutably for 'a, so the memory can
        // neither grow nor be freed while the slice lives.
        unsafe { std::slice::from_raw_parts_mut(base, len) }
    }

    /// The memory's contents, mutably.
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        let store: StoreContextMut<'a, T> = store.into();
        let (base, len) = self.raw(&store.0.opaque);
        if len == 0 {
            return &mut [];
        }
        // SAFETY: the store is borrowed mutably for 'a.
        unsafe { std::slice::from_raw_parts_mut(base, len) }
    }

    /// The memory's contents and the store's host data, both mutably (so a
    /// host function can use its state while reading or writing memory).
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> (&'a mut [u8], &'a mut T) {
        let store: StoreContextMut<'a, T> = store.into();
        let (base, len) = self.raw(&store.0.opaque);
        let data: &'a mut [u8] = if len == 0 {
            &mut []
        } else {
            // SAFETY: the store is borrowed mutably for 'a, and the memory's
            // bytes live outside `StoreInner`, so they do not alias `data`.
            unsafe { std::slice::from_raw_parts_mut(base, len) }
        };
        (data, &mut store.0.data)
    }

    /// Pointer to the start of the memory (invalidated by growth).
    pub fn data_ptr(&self, store: impl AsContext) -> *mut u8 {
        self.raw(store.as_context().opaque()).0
    }

    /// Size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.raw(store.as_context().opaque()).1
    }

    /// Size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        let store = store.as_context();
        let ty = self.ty_in(store.opaque(), false).unwrap();
        self.raw(store.opaque()).1 as u64 / ty.page_size()
    }

    /// Page size in bytes (64 KiB unless the custom-page-sizes proposal
    /// chose another size).
    pub fn page_size(&self, store: impl AsContext) -> u64 {
        self.ty(store).page_size()
    }

    /// log2 of [`Memory::page_size`].
    pub fn page_size_log2(&self, store: impl AsContext) -> u8 {
        self.ty(store).page_size_log2()
    }

    /// Grows by `delta` pages, returning the previous size in pages.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        self.grow_in(store.as_context_mut().opaque(), delta)
    }

    pub(crate) fn grow_in(&self, store: &mut StoreOpaque, delta: u64) -> Result<u64> {
        // SAFETY: the hooks are only used by `memory_grow`, which touches
        // the owning instance's memory, never the store's other parts.
        let hooks = unsafe { store.hooks() };
        let owner = self.owner_mut(store);
        let index = owner.module().memory_index(self.index);
        match owner.memory_grow(index, delta, hooks.map(|h| h as &mut dyn VMStore))? {
            Some(old) => Ok(old),
            None => bail!("failed to grow memory by `{delta}`"),
        }
    }

    /// Copies `buffer.len()` bytes at `offset` into `buffer`.
    pub fn read(
        &self,
        store: impl AsContext,
        offset: usize,
        buffer: &mut [u8],
    ) -> Result<(), MemoryAccessError> {
        let store = store.as_context();
        let data = self.data(store);
        let src = offset
            .checked_add(buffer.len())
            .and_then(|end| data.get(offset..end))
            .ok_or(MemoryAccessError { _private: () })?;
        buffer.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buffer` into the memory at `offset`.
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        offset: usize,
        buffer: &[u8],
    ) -> Result<(), MemoryAccessError> {
        let ctx = store.as_context_mut();
        let data = self.data_mut(ctx);
        let dst = offset
            .checked_add(buffer.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or(MemoryAccessError { _private: () })?;
        dst.copy_from_slice(buffer);
        Ok(())
    }
}

/// A WebAssembly table.
#[derive(Copy, Clone, Debug)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) instance: usize,
    pub(crate) index: DefinedTableIndex,
}

impl Table {
    pub(crate) fn from_parts(store: StoreId, instance: usize, index: DefinedTableIndex) -> Table {
        Table {
            store,
            instance,
            index,
        }
    }

    /// Creates a table owned by the host, filled with `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Ref) -> Result<Table> {
        Table::new_in(store.as_context_mut().opaque(), ty, init)
    }

    pub(crate) fn new_in(store: &mut StoreOpaque, ty: TableType, init: Ref) -> Result<Table> {
        if !ty.element().comes_from_same_engine(store.engine()) {
            bail!("table type belongs to another engine than the store's");
        }
        if !init.matches_wasm(store, ty.ty.element) {
            bail!("type mismatch: initial value does not match the table's element type");
        }
        let raw = init.to_raw(store)?;
        let mut m = one_item_module(EntityIndex::Table(TableIndex::new(0)));
        m.tables.push(ty.ty);
        m.table_initializers.push(None);
        let instance = host_instance(store, m)?;
        let table = Table::from_parts(store.id(), instance, DefinedTableIndex::new(0));
        let t = table.runtime(store);
        let size = t.size();
        t.fill(0, raw, size);
        Ok(table)
    }

    fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id() != self.store {
            bail!("table used with the wrong store");
        }
        Ok(())
    }

    fn runtime<'a>(&self, store: &'a mut StoreOpaque) -> &'a mut wasmtime_runtime::table::Table {
        assert!(store.id() == self.store, "table used with the wrong store");
        store.instances[self.instance]
            .handle
            .instance_mut()
            .defined_table(self.index)
    }

    fn table_index(&self, store: &StoreOpaque) -> TableIndex {
        store.instances[self.instance]
            .handle
            .instance()
            .module()
            .table_index(self.index)
    }

    pub(crate) fn ty_in(&self, store: &StoreOpaque, current: bool) -> Result<TableType> {
        self.check(store)?;
        let owner = store.instances[self.instance].handle.instance();
        let mut ty = owner.module().tables[self.table_index(store)];
        ty.element = crate::types::canonical_ref(store.engine(), owner.module(), ty.element);
        if current {
            // SAFETY: the definition is kept current by grow.
            ty.minimum = unsafe { (*owner.defined_table_ptr(self.index)).current_elements };
        }
        Ok(TableType::from_wasm(ty, store.engine()))
    }

    /// The table's type.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        self.ty_in(store.as_context().opaque(), false).unwrap()
    }

    /// Reads element `index`.
    pub fn get(&self, mut store: impl AsContextMut, index: u64) -> Option<Ref> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let ty = self.ty_in(store, false).ok()?.element().clone();
        let raw = self.runtime(store).get(index)?;
        Some(Ref::from_raw(store, raw, &ty))
    }

    /// Writes element `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Ref) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let ty = self.ty_in(store, false)?;
        if !val.matches_wasm(store, ty.ty.element) {
            bail!("type mismatch: value does not match table element type");
        }
        let raw = val.to_raw(store)?;
        if !self.runtime(store).set(index, raw) {
            bail!("table element index out of bounds");
        }
        Ok(())
    }

    /// Current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.ty_in(store.as_context().opaque(), true)
            .unwrap()
            .minimum()
    }

    /// Grows by `delta` elements set to `init`; returns the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Ref) -> Result<u64> {
        self.grow_in(store.as_context_mut().opaque(), delta, init)
    }

    pub(crate) fn grow_in(&self, store: &mut StoreOpaque, delta: u64, init: Ref) -> Result<u64> {
        let ty = self.ty_in(store, false)?;
        if !init.matches_wasm(store, ty.ty.element) {
            bail!("type mismatch: value does not match table element type");
        }
        let raw = init.to_raw(store)?;
        let index = self.table_index(store);
        // SAFETY: as in `Memory::grow`.
        let hooks = unsafe { store.hooks() };
        let owner = store.instances[self.instance].handle.instance_mut();
        match owner.table_grow(index, delta, raw, hooks.map(|h| h as &mut dyn VMStore))? {
            Some(old) => Ok(old),
            None => bail!("failed to grow table by `{delta}`"),
        }
    }

    /// Fills `len` elements from `dst` with `val`.
    pub fn fill(&self, mut store: impl AsContextMut, dst: u64, val: Ref, len: u64) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let ty = self.ty_in(store, false)?;
        if !val.matches_wasm(store, ty.ty.element) {
            bail!("type mismatch: value does not match table element type");
        }
        let raw = val.to_raw(store)?;
        if !self.runtime(store).fill(dst, raw, len) {
            bail!("fill of table out of bounds");
        }
        Ok(())
    }
}

/// A WebAssembly global.
#[derive(Copy, Clone, Debug)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) instance: usize,
    pub(crate) index: GlobalIndex,
}

impl Global {
    pub(crate) fn from_parts(store: StoreId, instance: usize, index: GlobalIndex) -> Global {
        Global {
            store,
            instance,
            index,
        }
    }

    /// Creates a global owned by the host.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, val: Val) -> Result<Global> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        if !ty.content().comes_from_same_engine(store.engine()) {
            bail!("global type belongs to another engine than the store's");
        }
        if !val.matches_in(store, ty.content()) {
            bail!("type mismatch: initial value does not match the global's type");
        }
        let raw = val.to_raw(store)?;
        let mut m = one_item_module(EntityIndex::Global(GlobalIndex::new(0)));
        m.globals.push(ty.to_wasm());
        m.global_initializers.push(Default::default());
        let instance = host_instance(store, m)?;
        let global = Global::from_parts(store.id(), instance, GlobalIndex::new(0));
        // SAFETY: the pointer is the new instance's global storage.
        unsafe { (*global.ptr(store)).set_raw(raw) };
        Ok(global)
    }

    fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id() != self.store {
            bail!("global used with the wrong store");
        }
        Ok(())
    }

    fn ptr(&self, store: &StoreOpaque) -> *mut wasmtime_runtime::vmcontext::VMGlobalDefinition {
        assert!(store.id() == self.store, "global used with the wrong store");
        store.instances[self.instance]
            .handle
            .instance()
            .global_ptr(self.index)
    }

    pub(crate) fn ty_in(&self, store: &StoreOpaque) -> Result<GlobalType> {
        self.check(store)?;
        let module = store.instances[self.instance].handle.instance().module();
        let mut g = module.globals[self.index];
        g.ty = crate::types::canonical_val(store.engine(), module, g.ty);
        Ok(GlobalType::from_wasm(&g, store.engine()))
    }

    /// The global's type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        self.ty_in(store.as_context().opaque()).unwrap()
    }

    /// Reads the value.
    pub fn get(&self, mut store: impl AsContextMut) -> Val {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let ty = self.ty_in(store).unwrap();
        // SAFETY: the pointer is valid while the store lives.
        let raw = unsafe { (*self.ptr(store)).get_raw() };
        Val::from_raw(store, raw, ty.content())
    }

    /// Writes the value; fails for immutable globals or a type mismatch.
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let ty = self.ty_in(store)?;
        if ty.mutability() != crate::Mutability::Var {
            bail!("immutable global cannot be set");
        }
        if !val.matches_in(store, ty.content()) {
            bail!(
                "global of type {} cannot be set to {}",
                ty.content(),
                val.ty_of()
            );
        }
        let raw = val.to_raw(store)?;
        // SAFETY: the pointer is valid while the store lives.
        unsafe { (*self.ptr(store)).set_raw(raw) };
        Ok(())
    }
}
