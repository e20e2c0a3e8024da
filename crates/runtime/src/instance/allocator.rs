//! Where instances, their linear memories and their tables get their
//! storage: the [`InstanceAllocator`] trait, with the on-demand
//! implementation (fresh allocations and mappings per instance) here and the
//! pooling implementation in `pooling.rs`.
//!
//! Everything an allocator hands out returns itself when dropped: an
//! [`InstanceStorage`] frees (or gives back to its pool) the block holding
//! the `Instance` and `VMContext`, and pooled memories and tables give their
//! slots back from their own `Drop`. So a store returns every slot it used
//! simply by dropping its instances.

use crate::cow::MemoryImage;
use crate::memory::LinearMemory;
use crate::table::Table;
use anyhow::Result;
use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;
use wasmtime_environ::{Memory, MemoryStyle, Module, Table as TableTy, VMOffsets};

/// A strategy for allocating instance state.
pub trait InstanceAllocator: Send + Sync {
    /// Checks, before anything is allocated, that an instance of `module`
    /// can be allocated at all (per-module limits of the pool).
    fn validate_module(&self, module: &Module, offsets: &VMOffsets) -> Result<()>;

    /// Allocates a 16-byte aligned block of `layout.size()` bytes for an
    /// `Instance` and its `VMContext`. Its first `zeroed` bytes are zero;
    /// the rest (the defined functions' funcref slots, which are written
    /// before they are read) may hold stale bytes. `tenant` (0 for none)
    /// names whose funcrefs the caller will write there: a pool prefers a
    /// slot whose tail already holds them ([`InstanceStorage::tenant`]).
    fn allocate_instance(
        &self,
        layout: Layout,
        zeroed: usize,
        tenant: u64,
    ) -> Result<InstanceStorage>;

    /// Allocates a linear memory of type `ty` laid out as `style` says,
    /// mapping `image` (the memory's initial contents) copy-on-write when
    /// given.
    fn allocate_memory(
        &self,
        ty: &Memory,
        style: &MemoryStyle,
        image: Option<&Arc<MemoryImage>>,
    ) -> Result<LinearMemory>;

    /// Allocates a table of type `ty` with `ty.minimum` null elements.
    fn allocate_table(&self, ty: &TableTy) -> Result<Table>;

    /// Allocates a stack of at least `size` usable bytes for an async
    /// call's fiber; dropping the stack gives it back.
    fn allocate_fiber_stack(&self, size: usize) -> Result<crate::fiber::FiberStack> {
        crate::fiber::FiberStack::new(size)
    }

    /// The pool stores take their GC heap's reservation from, if this
    /// allocator bounds GC heaps (the pooling allocator); `None` lets each
    /// heap map its own.
    fn gc_heap_pool(&self) -> Option<Arc<crate::gc_heap::GcHeapPool>> {
        None
    }
}

/// Something that takes back a pooled instance block on drop.
pub trait InstanceSlot: Send + Sync {
    /// Gives the block back.
    fn release(&self);

    /// Whose funcrefs the block's tail holds, in full (0: unknown).
    fn tenant(&self) -> u64 {
        0
    }

    /// Records whose funcrefs the block's tail holds (0: unknown).
    fn set_tenant(&self, _tenant: u64) {}
}

/// An owned block of memory for an `Instance` plus `VMContext`.
pub struct InstanceStorage {
    ptr: NonNull<u8>,
    release: Release,
}

enum Release {
    Heap(Layout),
    Slot(Box<dyn InstanceSlot>),
}

// SAFETY: the block is exclusively owned, like a `Box<[u8]>`.
unsafe impl Send for InstanceStorage {}
// SAFETY: as above; the storage exposes only a raw pointer.
unsafe impl Sync for InstanceStorage {}

impl InstanceStorage {
    /// A heap block whose first `zeroed` bytes are zero (the rest is left
    /// as the allocator gives it: large modules have hundreds of
    /// kilobytes of funcref slots, initialised one by one on first use).
    pub fn heap(layout: Layout, zeroed: usize) -> Result<InstanceStorage> {
        anyhow::ensure!(layout.size() > 0, "empty instance layout");
        let zeroed = zeroed.min(layout.size());
        // SAFETY: the layout is non-zero sized; the block is ours and at
        // least `zeroed` bytes long.
        let raw = unsafe {
            let raw = std::alloc::alloc(layout);
            if !raw.is_null() {
                std::ptr::write_bytes(raw, 0, zeroed);
            }
            raw
        };
        let ptr = NonNull::new(raw).ok_or_else(|| anyhow::anyhow!("out of memory"))?;
        Ok(InstanceStorage {
            ptr,
            release: Release::Heap(layout),
        })
    }

    /// A block inside a pool. The caller guarantees `ptr` points at a
    /// suitably zeroed (see [`InstanceAllocator::allocate_instance`]), sized and aligned block that stays valid until
    /// `slot` is released.
    pub fn from_slot(ptr: NonNull<u8>, slot: Box<dyn InstanceSlot>) -> InstanceStorage {
        InstanceStorage {
            ptr,
            release: Release::Slot(slot),
        }
    }

    /// Start of the block.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Whose funcrefs (a [`super::ModuleFuncRefs::id`]) the block's tail
    /// already holds, written in full by an earlier instance in the same
    /// place; 0 if unknown. Such funcrefs need not be written again: they
    /// depend only on the module and the vmctx address.
    pub fn tenant(&self) -> u64 {
        match &self.release {
            Release::Heap(_) => 0,
            Release::Slot(slot) => slot.tenant(),
        }
    }

    /// Records whose funcrefs the block's tail holds (0 while they are
    /// being written).
    pub fn set_tenant(&self, tenant: u64) {
        if let Release::Slot(slot) = &self.release {
            slot.set_tenant(tenant);
        }
    }
}

impl Drop for InstanceStorage {
    fn drop(&mut self) {
        match &self.release {
            // SAFETY: allocated in `heap` with this layout.
            Release::Heap(layout) => unsafe { std::alloc::dealloc(self.ptr.as_ptr(), *layout) },
            Release::Slot(slot) => slot.release(),
        }
    }
}

/// The default allocator: every instance gets a heap block and fresh
/// mappings for its memories, freed when it is dropped.
#[derive(Debug, Default, Clone, Copy)]
pub struct OnDemandInstanceAllocator;

impl InstanceAllocator for OnDemandInstanceAllocator {
    fn validate_module(&self, _module: &Module, _offsets: &VMOffsets) -> Result<()> {
        Ok(())
    }

    fn allocate_instance(
        &self,
        layout: Layout,
        zeroed: usize,
        _tenant: u64,
    ) -> Result<InstanceStorage> {
        InstanceStorage::heap(layout, zeroed)
    }

    fn allocate_memory(
        &self,
        ty: &Memory,
        style: &MemoryStyle,
        image: Option<&Arc<MemoryImage>>,
    ) -> Result<LinearMemory> {
        LinearMemory::with_image(ty, style, image.map(|i| &**i))
    }

    fn allocate_table(&self, ty: &TableTy) -> Result<Table> {
        Table::new(ty, 0)
    }
}
