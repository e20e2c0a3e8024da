//! Instances: one allocation holding the runtime `Instance` state followed
//! by its `VMContext`, laid out by `wasmtime_environ::VMOffsets`.

pub mod allocator;
mod func_refs;
mod gc_ops;
mod operations;
#[cfg(feature = "pooling-allocator")]
pub mod pooling;
#[cfg(feature = "pooling-allocator")]
mod stack_pool;

use crate::cow::ModuleMemoryImages;
use crate::memory::LinearMemory;
use crate::shared_memory::SharedMemory;
use crate::table::Table;
use crate::vmcontext::*;
use allocator::{InstanceAllocator, InstanceStorage};
pub use func_refs::ModuleFuncRefs;
use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Arc;
use wasmtime_environ::*;

/// Imports resolved by the embedder, in the module's import order per kind.
#[derive(Default)]
pub struct Imports {
    /// Funcrefs of imported functions (copied into the importer's slots).
    pub functions: Vec<VMFuncRef>,
    /// Imported tables: owning instance and its defined index.
    pub tables: Vec<(*mut Instance, DefinedTableIndex)>,
    /// Imported memories.
    pub memories: Vec<MemoryImport>,
    /// Imported globals: their storage.
    pub globals: Vec<*mut VMGlobalDefinition>,
    /// Imported tags: their identities (`*const VMTagDefinition`).
    pub tags: Vec<usize>,
}

/// An imported memory.
#[derive(Clone)]
pub enum MemoryImport {
    /// A memory defined by an instance of the same store: owner and its
    /// defined index.
    Instance(*mut Instance, DefinedMemoryIndex),
    /// A shared memory (possibly used by other stores and threads).
    Shared(SharedMemory),
}

/// A memory defined by an instance.
pub enum InstanceMemory {
    /// A memory private to the instance's store.
    Local(LinearMemory),
    /// A shared memory; the instance's inline definition is registered as a
    /// mirror of the shared one.
    Shared(SharedMemory),
}

/// Everything needed to allocate an instance.
pub struct InstanceAllocationRequest<'a> {
    /// The module.
    pub module: Arc<Module>,
    /// Tunables the module was compiled with (memory styles).
    pub tunables: &'a Tunables,
    /// Resolved imports.
    pub imports: Imports,
    /// The store's context.
    pub store_context: *mut VMStoreContext,
    /// Engine-wide type ids, indexed by the module's `TypeIndex`; must
    /// outlive the instance.
    pub type_ids: *const VMSharedTypeIndex,
    /// Entry points of each defined function: `(array_call, wasm_call)`;
    /// must outlive the instance (its funcrefs are filled from it on
    /// first use).
    pub functions: &'a [(VMArrayCallFunction, *const u8)],
    /// The module's precomputed funcrefs: those compiled code may address
    /// directly are filled at allocation, every other one on first use.
    pub func_refs: Arc<ModuleFuncRefs>,
    /// The builtin function table stored in the vmctx: normally
    /// `libcalls::builtin_array()`. The caller passes it so that
    /// instances don't depend on the builtins' implementations (which
    /// themselves operate on instances).
    pub builtins: *const usize,
    /// Opaque pointer to the owning store (for the embedding layer).
    pub store: *mut u8,
    /// Opaque embedder id for this instance.
    pub host_id: usize,
    /// Where the instance, its memories and its tables are allocated.
    pub allocator: &'a dyn InstanceAllocator,
    /// Copy-on-write images of the module's memories, if it has any.
    pub memory_images: Option<&'a ModuleMemoryImages>,
}

/// Where a memory lives, as returned by [`Instance::memory_owner`].
pub enum MemoryOwner<'a> {
    /// Defined by this instance of the store, at this defined index.
    Instance(&'a mut Instance, DefinedMemoryIndex),
    /// A shared memory.
    Shared(SharedMemory),
}

/// Runtime state of an instance. Its `VMContext` follows it in memory.
#[repr(C)]
pub struct Instance {
    module: Arc<Module>,
    offsets: VMOffsets,
    memories: PrimaryMap<DefinedMemoryIndex, InstanceMemory>,
    tables: PrimaryMap<DefinedTableIndex, Table>,
    dropped_elements: Vec<bool>,
    /// Entry points of the defined functions (`InstanceAllocationRequest::functions`).
    functions: *const (VMArrayCallFunction, *const u8),
    /// One bit per defined function: whether its funcref slot is filled.
    /// Slots are filled on first use (most of a big module's functions
    /// are never taken as references), so the vmctx's funcref area is
    /// neither zeroed nor written at allocation.
    func_refs_ready: Box<[Cell<u64>]>,
    /// The module's precomputed funcrefs and function-index segments.
    func_refs: Arc<ModuleFuncRefs>,
    /// The reference words of element segments given by expressions,
    /// each evaluated once, when first used (so objects that an item
    /// allocates keep their identity across `table.init`/`array.new_elem`).
    elem_values: Vec<Option<Arc<[u64]>>>,
    dropped_data: Vec<bool>,
    /// Whether every active data segment is in a memory image (then
    /// `dropped_data` starts with them all dropped and `initialize` copies
    /// no data).
    data_all_imaged: bool,
    imported_memories: Vec<MemoryImport>,
    imported_tables: Vec<(*mut Instance, DefinedTableIndex)>,
    /// Per defined memory: whether its data segments were mapped as an
    /// image (so `initialize` must not copy them).
    imaged_memories: Vec<bool>,
    store: *mut u8,
    host_id: usize,
    /// Identity of every tag (imports first).
    tags: Vec<usize>,
    /// Storage of the defined tags, whose addresses are their identities.
    #[allow(clippy::vec_box)]
    defined_tags: Vec<Box<VMTagDefinition>>,
    exn_arena: crate::exn_arena::ExnArena,
    /// The `VMContext` below, as a raw pointer derived from the instance's
    /// allocation rather than from a reference to it: the vmctx extends past
    /// the end of this struct, and funcref slots in it are filled through
    /// `&self` ([`Instance::func_ref_ptr`]), which a pointer derived from
    /// `&self` must not be used for.
    vmctx_ptr: *mut VMContext,
    vmctx: VMContext,
}

/// Owning handle to an [`Instance`]; frees it (or returns its slots to
/// the pool) on drop.
pub struct InstanceHandle {
    ptr: NonNull<Instance>,
    /// The block `ptr` points into; released after the instance is dropped.
    _storage: InstanceStorage,
}

// SAFETY: the instance is only accessed through its store, which is Send;
// the raw pointers inside point at data owned by the same store.
unsafe impl Send for InstanceHandle {}
// SAFETY: as above; shared access only reads immutable metadata.
unsafe impl Sync for InstanceHandle {}

impl InstanceHandle {
    /// Allocates and initialises an instance: imports, memories, tables,
    /// globals and funcrefs. Segments are applied by [`Instance::initialize`].
    pub fn new(req: InstanceAllocationRequest<'_>) -> anyhow::Result<InstanceHandle> {
        let module = req.module.clone();
        let offsets = VMOffsets::new(&module);
        let vmctx_offset = std::mem::offset_of!(Instance, vmctx);
        let layout = Layout::from_size_align(vmctx_offset + offsets.size() as usize, 16)?;
        let allocator = req.allocator;
        allocator.validate_module(&module, &offsets)?;
        // Everything before the defined functions' funcref slots is zeroed;
        // those slots are filled on first use (see `func_refs_ready`).
        let zeroed = vmctx_offset
            + if module.functions.len() > module.num_imported_funcs {
                offsets.func_ref(FuncIndex::new(module.num_imported_funcs)) as usize
            } else {
                offsets.size() as usize
            };
        let storage = allocator.allocate_instance(layout, zeroed, req.func_refs.id())?;
        // A pool slot last filled by an instance of the same module holds
        // the same funcrefs (same module, same vmctx address).
        let funcrefs_in_place = storage.tenant() == req.func_refs.id();
        anyhow::ensure!(
            req.functions.len() == module.functions.len() - module.num_imported_funcs,
            "instance request has {} function entries for {} defined functions",
            req.functions.len(),
            module.functions.len() - module.num_imported_funcs
        );

        let mut memories = PrimaryMap::new();
        let mut imaged_memories = Vec::new();
        for (index, ty) in module.memories.iter().skip(module.num_imported_memories) {
            let style = MemoryStyle::for_memory(ty, req.tunables);
            let context = |e: anyhow::Error| {
                e.context(format!("failed to allocate memory {}", index.as_u32()))
            };
            let def = DefinedMemoryIndex::new(memories.len());
            let (mem, imaged) = if ty.shared {
                let mem = SharedMemory::new(ty, &style).map_err(context)?;
                (InstanceMemory::Shared(mem), false)
            } else {
                let image = req.memory_images.and_then(|i| i.get(def));
                let mem = allocator
                    .allocate_memory(ty, &style, image)
                    .map_err(context)?;
                (InstanceMemory::Local(mem), image.is_some())
            };
            memories.push(mem);
            imaged_memories.push(imaged);
        }
        // Segments already in an image start dropped, as `initialize`
        // would leave them (big modules have thousands of segments).
        let (dropped_data, data_all_imaged) = match req.memory_images {
            Some(images) if images.imaged_data().len() == module.data.len() => {
                (images.imaged_data().to_vec(), images.all_active_imaged())
            }
            _ => (vec![false; module.data.len()], false),
        };
        let mut tables = PrimaryMap::new();
        for (_, ty) in module.tables.iter().skip(module.num_imported_tables) {
            tables.push(allocator.allocate_table(ty)?);
        }

        let mut defined_tags = Vec::new();
        for (_, ty) in module.tags.iter().skip(module.num_imported_tags) {
            // SAFETY: `type_ids` has one entry per module type.
            let type_index = unsafe { *req.type_ids.add(ty.index()) };
            defined_tags.push(Box::new(VMTagDefinition { type_index }));
        }
        let mut tags = req.imports.tags.clone();
        tags.extend(defined_tags.iter().map(|t| &**t as *const _ as usize));
        let instance = Instance {
            module: module.clone(),
            offsets,
            memories,
            tables,
            dropped_elements: vec![false; module.elements.len()],
            functions: req.functions.as_ptr(),
            func_refs_ready: (0..req.functions.len().div_ceil(64))
                .map(|i| Cell::new(req.func_refs.eager_bits().get(i).copied().unwrap_or(0)))
                .collect(),
            func_refs: req.func_refs.clone(),
            elem_values: vec![None; module.elements.len()],
            dropped_data,
            data_all_imaged,
            imported_memories: req.imports.memories.clone(),
            imported_tables: req.imports.tables.clone(),
            imaged_memories,
            store: req.store,
            host_id: req.host_id,
            tags,
            defined_tags,
            exn_arena: Default::default(),
            vmctx_ptr: std::ptr::null_mut(),
            vmctx: VMContext::new(),
        };
        let raw = storage.as_ptr().cast::<Instance>();
        let ptr = NonNull::new(raw).ok_or_else(|| anyhow::anyhow!("out of memory"))?;
        // SAFETY: the storage is a block of `layout` (zeroed up to the
        // funcref slots), large and aligned enough, owned by the handle
        // created below. The vmctx pointer keeps the provenance of the
        // whole block.
        unsafe {
            raw.write(instance);
            (*raw).vmctx_ptr = storage.as_ptr().add(vmctx_offset).cast();
        }
        let mut handle = InstanceHandle {
            ptr,
            _storage: storage,
        };
        if !funcrefs_in_place {
            handle._storage.set_tenant(0);
        }
        handle.instance_mut().init_vmctx(&req, funcrefs_in_place)?;
        handle._storage.set_tenant(req.func_refs.id());
        Ok(handle)
    }

    /// The instance.
    pub fn instance(&self) -> &Instance {
        // SAFETY: the handle owns a live instance.
        unsafe { self.ptr.as_ref() }
    }

    /// The instance, mutably.
    pub fn instance_mut(&mut self) -> &mut Instance {
        // SAFETY: the handle owns a live instance.
        unsafe { self.ptr.as_mut() }
    }

    /// Raw pointer to the instance.
    pub fn as_ptr(&self) -> *mut Instance {
        self.ptr.as_ptr()
    }
}

impl Drop for InstanceHandle {
    fn drop(&mut self) {
        let instance = self.instance();
        for (index, mem) in instance.memories.iter() {
            if let InstanceMemory::Shared(shared) = mem {
                shared.unregister_mirror(instance.defined_memory_ptr(index));
            }
        }
        // SAFETY: we own the instance; drop its Rust state (memories and
        // tables return to their allocator). The block itself is released
        // when `_storage` is dropped right after.
        unsafe { std::ptr::drop_in_place(self.ptr.as_ptr()) };
    }
}

impl Instance {
    /// Recovers the instance from its `VMContext`.
    ///
    /// # Safety
    /// `vmctx` must be the context of a live instance.
    pub unsafe fn from_vmctx<'a>(vmctx: *mut VMContext) -> &'a mut Instance {
        // SAFETY: the vmctx immediately follows the Instance in memory.
        unsafe {
            &mut *(vmctx
                .cast::<u8>()
                .sub(std::mem::offset_of!(Instance, vmctx))
                .cast::<Instance>())
        }
    }

    /// The module.
    pub fn module(&self) -> &Arc<Module> {
        &self.module
    }

    /// The `VMContext` layout.
    pub fn offsets(&self) -> &VMOffsets {
        &self.offsets
    }

    /// The opaque store pointer given at allocation.
    pub fn store(&self) -> *mut u8 {
        self.store
    }

    /// The identity of tag `index` (`*const VMTagDefinition`).
    pub fn tag_identity(&self, index: u32) -> usize {
        self.tags[index as usize]
    }

    /// The engine-wide id of module type `index`.
    pub fn type_id(&self, index: TypeIndex) -> VMSharedTypeIndex {
        // SAFETY: the slot was filled at allocation with a pointer to one
        // id per module type, which the module keeps alive; `index` is a
        // validated type index of this module.
        unsafe {
            let ids = *self.vmctx_plus::<*const VMSharedTypeIndex>(vmctx::TYPE_IDS);
            *ids.add(index.index())
        }
    }

    /// The store context this instance runs with.
    pub fn store_context(&self) -> *const VMStoreContext {
        // SAFETY: the slot was filled at allocation.
        unsafe { *self.vmctx_plus::<*const VMStoreContext>(vmctx::STORE_CONTEXT) }
    }

    /// Allocates an exception object of tag `tag` with room for `len`
    /// values; returns its address.
    pub fn alloc_exn(&mut self, tag: u32, len: u32) -> usize {
        let identity = self.tag_identity(tag);
        let owner = self as *mut Instance;
        self.exn_arena.alloc(owner.cast(), identity, len as usize)
    }

    /// Allocates an exception object for a tag identity (host-created
    /// exceptions).
    pub fn alloc_exn_for_identity(&mut self, identity: usize, len: u32) -> usize {
        let owner = self as *mut Instance;
        self.exn_arena.alloc(owner.cast(), identity, len as usize)
    }

    pub(crate) fn free_exn_slot(&mut self, slot: u32) {
        self.exn_arena.free(slot);
    }

    /// The embedder id given at allocation.
    pub fn host_id(&self) -> usize {
        self.host_id
    }

    /// Pointer to the `VMContext`.
    pub fn vmctx(&self) -> *mut VMContext {
        self.vmctx_ptr
    }

    fn vmctx_plus<T>(&self, offset: u32) -> *mut T {
        // SAFETY: offsets come from VMOffsets and are within the allocation.
        unsafe { self.vmctx().cast::<u8>().add(offset as usize).cast() }
    }

    fn init_vmctx(
        &mut self,
        req: &InstanceAllocationRequest<'_>,
        funcrefs_in_place: bool,
    ) -> anyhow::Result<()> {
        let module = self.module.clone();
        // SAFETY: (all writes below) offsets come from VMOffsets for this
        // module, so every pointer is inside the zeroed vmctx allocation.
        unsafe {
            *self.vmctx_plus::<u32>(vmctx::MAGIC) = VMCONTEXT_MAGIC;
            *self.vmctx_plus::<*mut VMStoreContext>(vmctx::STORE_CONTEXT) = req.store_context;
            *self.vmctx_plus::<*const usize>(vmctx::BUILTINS) = req.builtins;
            *self.vmctx_plus::<*const VMSharedTypeIndex>(vmctx::TYPE_IDS) = req.type_ids;
            for (i, import) in req.imports.memories.iter().enumerate() {
                let def = match import {
                    MemoryImport::Instance(owner, idx) => (**owner).defined_memory_ptr(*idx),
                    MemoryImport::Shared(shared) => shared.vmmemory_ptr(),
                };
                *self.vmctx_plus(self.offsets.imported_memory(MemoryIndex::new(i))) = def;
            }
            for (i, (owner, idx)) in req.imports.tables.iter().enumerate() {
                let def = (**owner).defined_table_ptr(*idx);
                *self.vmctx_plus(self.offsets.imported_table(TableIndex::new(i))) = def;
            }
            for (i, def) in req.imports.globals.iter().enumerate() {
                *self.vmctx_plus(self.offsets.imported_global(GlobalIndex::new(i))) = *def;
            }
            for (i, f) in req.imports.functions.iter().enumerate() {
                *self.vmctx_plus(self.offsets.func_ref(FuncIndex::new(i))) = *f;
            }
        }
        if !funcrefs_in_place {
            // SAFETY: the precomputed funcrefs are this module's.
            unsafe { self.func_refs.fill_eager(self.vmctx().cast()) };
        }
        for index in self.memories.keys().collect::<Vec<_>>() {
            self.update_memory_definition(index);
        }
        for index in self.tables.keys().collect::<Vec<_>>() {
            if let Some(init) = &module.table_initializers[index] {
                let val = self.try_eval_const_expr(init)?.get_reference();
                let size = self.tables[index].size();
                self.tables[index].fill(0, val, size);
            }
            self.update_table_definition(index);
        }
        for (index, init) in module.global_initializers.iter() {
            let val = self.try_eval_const_expr(init)?;
            // SAFETY: the pointer is inside the vmctx.
            unsafe { (*self.defined_global_ptr(index)).set_raw(val) };
        }
        Ok(())
    }

    /// Applies element and data segments, in order, as instantiation
    /// requires. On a trap, earlier segments' effects remain.
    pub fn initialize(&mut self) -> anyhow::Result<()> {
        let module = self.module.clone();
        for (index, seg) in module.elements.iter() {
            match &seg.kind {
                ElementKind::Active { table, offset } => {
                    let value = self.try_eval_const_expr(offset)?;
                    let dst = if module.tables[*table].table64 {
                        value.get_u64()
                    } else {
                        u64::from(value.get_u32())
                    };
                    let len = seg.items.len() as u64;
                    if !self.table_init(*table, index, dst, 0, len) {
                        return Err(Trap::TableOutOfBounds.into());
                    }
                    self.dropped_elements[index.index()] = true;
                }
                ElementKind::Declared => self.dropped_elements[index.index()] = true,
                ElementKind::Passive => {}
            }
        }
        if self.data_all_imaged {
            return Ok(());
        }
        for (index, seg) in module.data.iter() {
            if let DataKind::Active { memory, offset } = &seg.kind {
                let imaged = module
                    .defined_memory_index(*memory)
                    .is_some_and(|d| self.imaged_memories[d.index()]);
                if imaged {
                    // Already in place: the image was built from this
                    // segment, known to be in bounds.
                    self.dropped_data[index.index()] = true;
                    continue;
                }
                let value = self.try_eval_const_expr(offset)?;
                let dst = if module.memories[*memory].memory64 {
                    value.get_u64()
                } else {
                    u64::from(value.get_u32())
                };
                if !self.memory_init(*memory, index, dst, 0, seg.data.len() as u32) {
                    return Err(Trap::MemoryOutOfBounds.into());
                }
                self.dropped_data[index.index()] = true;
            }
        }
        Ok(())
    }

    /// Evaluates a constant expression in this instance; fails only when
    /// a GC allocation does.
    pub fn try_eval_const_expr(&self, expr: &ConstExpr) -> anyhow::Result<ValRaw> {
        let mut stack: Vec<ValRaw> = Vec::with_capacity(2);
        for op in &expr.ops {
            let v = match *op {
                ConstOp::I32Const(v) => ValRaw::i32(v),
                ConstOp::I64Const(v) => ValRaw::i64(v),
                ConstOp::F32Const(v) => ValRaw::f32(v),
                ConstOp::F64Const(v) => ValRaw::f64(v),
                ConstOp::V128Const(v) => ValRaw::v128(v),
                // SAFETY: the global pointer is valid for the instance's life.
                ConstOp::GlobalGet(g) => unsafe { (*self.global_ptr(g)).get_raw() },
                ConstOp::RefNull(_) => ValRaw::reference(0),
                ConstOp::RefFunc(f) => ValRaw::reference(self.func_ref_ptr(f) as u64),
                ConstOp::RefI31 => {
                    let n = stack.pop().unwrap().get_i32();
                    ValRaw::reference(wasmtime_environ::gc_ref::from_i31(n as u32))
                }
                // Both hierarchies share one word encoding.
                ConstOp::AnyConvertExtern | ConstOp::ExternConvertAny => stack.pop().unwrap(),
                ConstOp::StructNew(t) => {
                    let n = match &self.module.types[t].composite {
                        WasmCompositeType::Struct(s) => s.fields.len(),
                        _ => 0,
                    };
                    let fields = stack.split_off(stack.len() - n);
                    ValRaw::reference(self.gc_new(t, &fields, false)?)
                }
                ConstOp::StructNewDefault(t) => ValRaw::reference(self.gc_alloc(t, 0, false)?),
                ConstOp::ArrayNewDefault(t) => {
                    let len = stack.pop().unwrap().get_u32();
                    ValRaw::reference(self.gc_alloc(t, len, false)?)
                }
                ConstOp::ArrayNew(t) => {
                    let len = stack.pop().unwrap().get_u32();
                    let value = stack.pop().unwrap();
                    ValRaw::reference(self.gc_array_filled(t, len, value)?)
                }
                ConstOp::ArrayNewFixed(t, n) => {
                    let elems = stack.split_off(stack.len() - n as usize);
                    ValRaw::reference(self.gc_new(t, &elems, false)?)
                }
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = stack.pop().unwrap().get_i32();
                    let a = stack.pop().unwrap().get_i32();
                    ValRaw::i32(match *op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let b = stack.pop().unwrap().get_i64();
                    let a = stack.pop().unwrap().get_i64();
                    ValRaw::i64(match *op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
            };
            stack.push(v);
        }
        Ok(stack.pop().unwrap_or_default())
    }

    /// Pointer to the `VMFuncRef` of function `index`, filling the slot
    /// first if it is a defined function's and not filled yet.
    pub fn func_ref_ptr(&self, index: FuncIndex) -> *mut VMFuncRef {
        let ptr = self.vmctx_plus::<VMFuncRef>(self.offsets.func_ref(index));
        if let Some(def) = self.module.defined_func_index(index) {
            let word = &self.func_refs_ready[def.index() / 64];
            let bit = 1u64 << (def.index() % 64);
            if word.get() & bit == 0 {
                // SAFETY: `functions` has one entry per defined function
                // and outlives the instance (see the request's docs).
                let (array_call, wasm_call) = unsafe { *self.functions.add(def.index()) };
                let type_index = self.type_id(self.module.functions[index]);
                let vmctx = self.vmctx().cast::<VMOpaqueContext>();
                // SAFETY: the slot lies inside this instance's vmctx.
                unsafe { ptr.write(VMFuncRef::new(array_call, wasm_call, vmctx, type_index)) };
                word.set(word.get() | bit);
            }
        }
        ptr
    }

    /// Whether function `index` is a host function (an import bound to a
    /// host function rather than to another instance's wasm function).
    pub fn func_is_host(&self, index: FuncIndex) -> bool {
        let func_ref = self.func_ref_ptr(index);
        // SAFETY: every funcref slot was filled at allocation with a live
        // funcref whose `vmctx` is a host context or an instance's vmctx.
        unsafe { crate::vmcontext::VMArrayCallHostFuncContext::is_host_context((*func_ref).vmctx) }
    }

    /// Pointer to the storage of global `index` (imported or defined).
    pub fn global_ptr(&self, index: GlobalIndex) -> *mut VMGlobalDefinition {
        match self.module.defined_global_index(index) {
            Some(d) => self.defined_global_ptr(d),
            // SAFETY: import slots were filled at allocation.
            None => unsafe { *self.vmctx_plus(self.offsets.imported_global(index)) },
        }
    }

    fn defined_global_ptr(&self, index: DefinedGlobalIndex) -> *mut VMGlobalDefinition {
        self.vmctx_plus(self.offsets.defined_global(index))
    }

    /// Pointer to the definition of a defined memory.
    pub fn defined_memory_ptr(&self, index: DefinedMemoryIndex) -> *mut VMMemoryDefinition {
        self.vmctx_plus(self.offsets.defined_memory(index))
    }

    /// Pointer to the definition of a defined table.
    pub fn defined_table_ptr(&self, index: DefinedTableIndex) -> *mut VMTableDefinition {
        self.vmctx_plus(self.offsets.defined_table(index))
    }

    /// Pointer to the definition of memory `index` (imported or defined).
    pub fn memory_ptr(&self, index: MemoryIndex) -> *mut VMMemoryDefinition {
        match self.module.defined_memory_index(index) {
            Some(d) => self.defined_memory_ptr(d),
            // SAFETY: import slots were filled at allocation.
            None => unsafe { *self.vmctx_plus(self.offsets.imported_memory(index)) },
        }
    }

    /// The bytes of memory `index` as a raw slice pointer.
    pub fn memory_slice(&self, index: MemoryIndex) -> (*mut u8, usize) {
        // SAFETY: the definition is kept current by grow.
        let def = unsafe { &*self.memory_ptr(index) };
        (def.base, def.current_length as usize)
    }

    fn update_memory_definition(&mut self, index: DefinedMemoryIndex) {
        let mem = match &self.memories[index] {
            InstanceMemory::Local(mem) => mem,
            InstanceMemory::Shared(shared) => {
                let ptr = self.defined_memory_ptr(index);
                // SAFETY: the inline definition lives as long as the
                // instance, and the instance unregisters it when dropped.
                // Registering twice is harmless but avoided by callers.
                unsafe { shared.register_mirror(ptr) };
                return;
            }
        };
        let def = VMMemoryDefinition {
            base: mem.base(),
            current_length: mem.byte_size() as u64,
        };
        // SAFETY: the pointer is inside the vmctx.
        unsafe { *self.defined_memory_ptr(index) = def };
    }

    fn update_table_definition(&mut self, index: DefinedTableIndex) {
        let table = &mut self.tables[index];
        let def = VMTableDefinition {
            base: table.base(),
            current_elements: table.size(),
        };
        // SAFETY: the pointer is inside the vmctx.
        unsafe { *self.defined_table_ptr(index) = def };
    }

    /// Where memory `index` lives: the instance of this store owning it
    /// (and its defined index there), or a shared memory.
    pub fn memory_owner(&mut self, index: MemoryIndex) -> MemoryOwner<'_> {
        match self.module.defined_memory_index(index) {
            Some(d) => match &self.memories[d] {
                InstanceMemory::Shared(s) => MemoryOwner::Shared(s.clone()),
                InstanceMemory::Local(_) => MemoryOwner::Instance(self, d),
            },
            None => match &self.imported_memories[index.index()] {
                MemoryImport::Instance(owner, d) => {
                    let (owner, d) = (*owner, *d);
                    // SAFETY: importers never outlive the instances they
                    // import from (both are owned by one store).
                    MemoryOwner::Instance(unsafe { &mut *owner }, d)
                }
                MemoryImport::Shared(s) => MemoryOwner::Shared(s.clone()),
            },
        }
    }

    /// The shared memory `index`, if it is shared.
    pub fn shared_memory(&self, index: MemoryIndex) -> Option<SharedMemory> {
        match self.module.defined_memory_index(index) {
            Some(d) => match &self.memories[d] {
                InstanceMemory::Shared(s) => Some(s.clone()),
                InstanceMemory::Local(_) => None,
            },
            None => match &self.imported_memories[index.index()] {
                MemoryImport::Shared(s) => Some(s.clone()),
                MemoryImport::Instance(..) => None,
            },
        }
    }

    /// The instance owning table `index` and its defined index there.
    pub fn table_owner(&mut self, index: TableIndex) -> (&mut Instance, DefinedTableIndex) {
        match self.module.defined_table_index(index) {
            Some(d) => (self, d),
            None => {
                let (owner, d) = self.imported_tables[index.index()];
                // SAFETY: as for memory_owner.
                (unsafe { &mut *owner }, d)
            }
        }
    }

    /// A defined memory.
    pub fn defined_memory(&mut self, index: DefinedMemoryIndex) -> &mut InstanceMemory {
        &mut self.memories[index]
    }

    /// A defined table.
    pub fn defined_table(&mut self, index: DefinedTableIndex) -> &mut Table {
        &mut self.tables[index]
    }

    /// Table `index` (imported or defined).
    pub fn table(&mut self, index: TableIndex) -> &mut Table {
        let (owner, d) = self.table_owner(index);
        &mut owner.tables[d]
    }

    /// The store owning this instance, as recorded in its store context.
    ///
    /// # Safety
    /// The returned reference must not be used while another reference to
    /// the store is live (builtins are the intended callers: while wasm
    /// runs, the host code holding the store is suspended).
    pub unsafe fn vmstore<'a>(&self) -> Option<&'a mut dyn crate::vmstore::VMStore> {
        // SAFETY: the store context pointer was written at allocation and
        // the store context outlives its instances.
        let ctx = unsafe { *self.vmctx_plus::<*mut VMStoreContext>(vmctx::STORE_CONTEXT) };
        if ctx.is_null() {
            return None;
        }
        // SAFETY: as above; the store pointer is set by the embedder to a
        // live store (guaranteed by the caller not to be aliased).
        unsafe { (*ctx).store.map(|mut p| p.as_mut()) }
    }
}
