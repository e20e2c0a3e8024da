//! The pooling instance allocator.
//!
//! At engine creation it reserves, once, three regions:
//!
//! * instance slots: `total_core_instances` blocks of
//!   `max_core_instance_size` bytes for `Instance` + `VMContext`;
//! * memory slots: `total_memories` slots, each a reservation of
//!   `max(memory_reservation, max_memory_size)` bytes followed by the
//!   engine's guard region, all `PROT_NONE` until used;
//! * table slots: `total_tables` arrays of `table_elements` 8-byte elements.
//!
//! Allocation pops a free slot (no `mmap`), and dropping the pooled object
//! resets its slot and pushes it back. A memory slot remembers the
//! copy-on-write image it last held, and a module's next instance prefers
//! such a slot: it then needs no `mmap` at all. On release the slot's
//! accessible pages are discarded with `madvise(MADV_DONTNEED)`, which
//! brings image pages back to the image and other pages back to zero, so
//! nothing one instance wrote is ever visible to the next.

use crate::cow::MemoryImage;
use crate::instance::allocator::{InstanceAllocator, InstanceSlot, InstanceStorage};
use crate::memory::{LinearMemory, MemorySlot};
use crate::mmap::{round_up_to_page_size, Mmap};
use crate::table::{Table, TableSlot};
use anyhow::{bail, Context, Result};
use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime_environ::{Memory, MemoryStyle, Module, Table as TableTy, Tunables, VMOffsets};

/// Limits of a pooling allocator (the runtime side of
/// `wasmtime::PoolingAllocationConfig`).
#[derive(Clone, Debug)]
pub struct PoolingConfig {
    /// Instances alive at once.
    pub total_core_instances: u32,
    /// Linear memories alive at once.
    pub total_memories: u32,
    /// Tables alive at once.
    pub total_tables: u32,
    /// Largest size, in bytes, a linear memory may reach.
    pub max_memory_size: usize,
    /// Largest number of elements a table may reach.
    pub table_elements: usize,
    /// Largest `Instance` + `VMContext` block, in bytes.
    pub max_core_instance_size: usize,
    /// Defined memories per module.
    pub max_memories_per_module: u32,
    /// Defined tables per module.
    pub max_tables_per_module: u32,
    /// Bytes at the start of each linear memory slot that are reset by
    /// copying (only the modified pages when `PAGEMAP_SCAN` is available)
    /// instead of being discarded with `madvise`, so they stay resident.
    pub linear_memory_keep_resident: usize,
    /// The same for table slots: bytes reset with `memset`.
    pub table_keep_resident: usize,
    /// Whether the `PAGEMAP_SCAN` ioctl may be used to find the modified
    /// pages of a kept-resident region (when the kernel has it).
    pub pagemap_scan: bool,
    /// Async stacks alive at once.
    pub total_stacks: u32,
    /// Usable bytes of each async stack.
    pub stack_size: usize,
    /// Whether a returned async stack is zeroed before its next use.
    pub async_stack_zeroing: bool,
    /// GC heaps (one per store that allocates GC objects) alive at once.
    pub total_gc_heaps: u32,
    /// How many free memory slots may keep their kept-resident pages
    /// (`linear_memory_keep_resident`); a slot released beyond that is
    /// discarded in full, so resident memory stays bounded.
    pub max_unused_warm_slots: u32,
}

impl Default for PoolingConfig {
    fn default() -> Self {
        PoolingConfig {
            total_core_instances: 1000,
            total_memories: 1000,
            total_tables: 1000,
            max_memory_size: 1 << 32,
            table_elements: 20_000,
            max_core_instance_size: 1 << 20,
            max_memories_per_module: 1,
            max_tables_per_module: 1,
            linear_memory_keep_resident: 0,
            table_keep_resident: 0,
            total_stacks: 1000,
            stack_size: 2 << 20,
            async_stack_zeroing: false,
            pagemap_scan: true,
            total_gc_heaps: 1000,
            max_unused_warm_slots: 100,
        }
    }
}

/// An allocator that carves instances, memories and tables out of regions
/// reserved up front.
pub struct PoolingInstanceAllocator {
    config: PoolingConfig,
    instances: Arc<InstancePool>,
    memories: Arc<MemoryPool>,
    tables: Arc<TablePool>,
    stacks: super::stack_pool::StackPool,
    gc_heaps: Arc<crate::gc_heap::GcHeapPool>,
}

impl std::fmt::Debug for PoolingInstanceAllocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolingInstanceAllocator")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn slots_bytes(count: u32, stride: usize, what: &str) -> Result<usize> {
    stride
        .checked_mul(count as usize)
        .with_context(|| format!("the {what} pool size overflows"))
}

impl PoolingInstanceAllocator {
    /// Reserves the pools described by `config` for code compiled with
    /// `tunables`.
    pub fn new(config: &PoolingConfig, tunables: &Tunables) -> Result<PoolingInstanceAllocator> {
        let config = config.clone();
        // Instance slots.
        let instance_stride = round_up_to_page_size(config.max_core_instance_size.max(1))
            .context("max_core_instance_size overflows")?;
        let instance_bytes = slots_bytes(config.total_core_instances, instance_stride, "instance")?;
        let instance_mmap = Mmap::accessible_reserved(instance_bytes, instance_bytes)
            .context("failed to reserve the instance pool")?;

        // Memory slots: laid out exactly as an on-demand memory would be, so
        // code compiled for the engine's tunables is valid in every slot.
        let reservation = usize::try_from(tunables.memory_reservation)
            .ok()
            .map(|r| r.max(config.max_memory_size))
            .and_then(round_up_to_page_size)
            .context("memory reservation overflows")?;
        let guard = if tunables.signals_based_traps {
            usize::try_from(tunables.memory_guard_size)
                .ok()
                .and_then(round_up_to_page_size)
                .context("memory guard size overflows")?
        } else {
            0
        };
        let memory_stride = reservation
            .checked_add(guard)
            .context("memory slot size overflows")?;
        let memory_bytes = slots_bytes(config.total_memories, memory_stride, "memory")?;
        // Every slot's guard region also guards the next slot's start; the
        // first slot gets one of its own when guards go before memories.
        let memory_pre = if tunables.guard_before_linear_memory {
            guard
        } else {
            0
        };
        let memory_mmap = Mmap::reserve(
            memory_bytes
                .checked_add(memory_pre)
                .context("memory pool size overflows")?,
        )
        .context("failed to reserve the linear memory pool")?;

        // Table slots.
        let table_stride = config
            .table_elements
            .checked_mul(8)
            .and_then(round_up_to_page_size)
            .context("table_elements overflows")?;
        let table_bytes = slots_bytes(config.total_tables, table_stride, "table")?;
        let table_mmap = Mmap::accessible_reserved(table_bytes, table_bytes)
            .context("failed to reserve the table pool")?;

        let memory_keep_resident = round_up_to_page_size(config.linear_memory_keep_resident)
            .context("linear_memory_keep_resident overflows")?;
        let table_keep_resident = round_up_to_page_size(config.table_keep_resident)
            .context("table_keep_resident overflows")?;

        let stacks = super::stack_pool::StackPool::new(
            config.total_stacks,
            config.stack_size,
            config.async_stack_zeroing,
        )?;
        Ok(PoolingInstanceAllocator {
            stacks,
            gc_heaps: Arc::new(crate::gc_heap::GcHeapPool::new(config.total_gc_heaps)),
            instances: Arc::new(InstancePool {
                mmap: instance_mmap,
                stride: instance_stride,
                max_size: config.max_core_instance_size,
                total: config.total_core_instances as usize,
                free: Mutex::new((0..config.total_core_instances as usize).rev().collect()),
                tenants: (0..config.total_core_instances)
                    .map(|_| AtomicU64::new(0))
                    .collect(),
            }),
            memories: Arc::new(MemoryPool {
                mmap: memory_mmap,
                pre: memory_pre,
                stride: memory_stride,
                reservation,
                guard,
                keep_resident: memory_keep_resident,
                max_warm: config.max_unused_warm_slots as usize,
                warm_free: AtomicUsize::new(0),
                pagemap_scan: config.pagemap_scan,
                max_memory_size: config.max_memory_size,
                total: config.total_memories as usize,
                free: Mutex::new(
                    (0..config.total_memories as usize)
                        .rev()
                        .map(|index| SlotState {
                            index,
                            accessible: 0,
                            image: None,
                            warm: false,
                        })
                        .collect(),
                ),
            }),
            tables: Arc::new(TablePool {
                mmap: table_mmap,
                stride: table_stride,
                elements: config.table_elements,
                keep_resident: table_keep_resident,
                total: config.total_tables as usize,
                free: Mutex::new((0..config.total_tables as usize).rev().collect()),
            }),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PoolingConfig {
        &self.config
    }

    /// Numbers of free (instance, memory, table) slots.
    pub fn free_slots(&self) -> (usize, usize, usize) {
        (
            self.instances.free.lock().unwrap().len(),
            self.memories.free.lock().unwrap().len(),
            self.tables.free.lock().unwrap().len(),
        )
    }
}

impl InstanceAllocator for PoolingInstanceAllocator {
    fn allocate_fiber_stack(&self, size: usize) -> Result<crate::fiber::FiberStack> {
        self.stacks.allocate(size)
    }

    fn gc_heap_pool(&self) -> Option<Arc<crate::gc_heap::GcHeapPool>> {
        Some(self.gc_heaps.clone())
    }

    fn validate_module(&self, module: &Module, offsets: &VMOffsets) -> Result<()> {
        let c = &self.config;
        let memories = module.memories.len() - module.num_imported_memories;
        if memories > c.max_memories_per_module as usize {
            bail!(
                "defined memories count of {memories} exceeds the per-instance limit of {}",
                c.max_memories_per_module
            );
        }
        let tables = module.tables.len() - module.num_imported_tables;
        if tables > c.max_tables_per_module as usize {
            bail!(
                "defined tables count of {tables} exceeds the per-instance limit of {}",
                c.max_tables_per_module
            );
        }
        for (index, ty) in module.memories.iter().skip(module.num_imported_memories) {
            let min = ty.minimum.saturating_mul(ty.page_size());
            if min > c.max_memory_size as u64 {
                bail!(
                    "memory index {} has a minimum byte size of {min} which exceeds the limit \
                     of {} bytes",
                    index.as_u32(),
                    c.max_memory_size
                );
            }
            if ty.shared {
                bail!("shared memories are not supported by the pooling allocator");
            }
        }
        for (index, ty) in module.tables.iter().skip(module.num_imported_tables) {
            if ty.minimum > c.table_elements as u64 {
                bail!(
                    "table index {} has a minimum element size of {} which exceeds the limit \
                     of {}",
                    index.as_u32(),
                    ty.minimum,
                    c.table_elements
                );
            }
        }
        let _ = offsets;
        Ok(())
    }

    fn allocate_instance(
        &self,
        layout: Layout,
        zeroed: usize,
        tenant: u64,
    ) -> Result<InstanceStorage> {
        let pool = &self.instances;
        if layout.size() > pool.max_size || layout.align() > crate::mmap::host_page_size() {
            bail!(
                "instance allocation for this module requires {} bytes which exceeds the \
                 configured maximum of {} bytes",
                layout.size(),
                pool.max_size
            );
        }
        let index = {
            let mut free = pool.free.lock().unwrap();
            let n = free.len();
            // A recently freed slot that already holds this tenant's
            // funcrefs, else the most recently freed one.
            let hit = (tenant != 0)
                .then(|| {
                    (n.saturating_sub(TENANT_SEARCH)..n)
                        .rev()
                        .find(|&i| pool.tenants[free[i]].load(Ordering::Acquire) == tenant)
                })
                .flatten();
            match hit {
                Some(i) => Some(free.swap_remove(i)),
                None => free.pop(),
            }
        }
        .ok_or_else(|| {
            anyhow::anyhow!(
                "maximum concurrent core instance limit of {} reached",
                pool.total
            )
        })?;
        let ptr = pool.mmap.as_mut_ptr().wrapping_add(index * pool.stride);
        // SAFETY: the slot lies inside the read/write instance region and is
        // ours until released; `layout.size() <= stride`. The prefix is
        // zeroed here because the previous instance may have written to it.
        unsafe { std::ptr::write_bytes(ptr, 0, zeroed.min(layout.size())) };
        let slot = InstancePoolSlot {
            pool: pool.clone(),
            index,
        };
        Ok(InstanceStorage::from_slot(
            NonNull::new(ptr).expect("pool mapping is non-null"),
            Box::new(slot),
        ))
    }

    fn allocate_memory(
        &self,
        ty: &Memory,
        style: &MemoryStyle,
        image: Option<&Arc<MemoryImage>>,
    ) -> Result<LinearMemory> {
        let pool = &self.memories;
        if style.is_static && style.reservation as usize > pool.reservation {
            bail!("memory reservation does not fit the pooling allocator's slots");
        }
        if style.guard_size as usize > pool.guard {
            bail!("memory guard size does not fit the pooling allocator's slots");
        }
        let min_bytes = ty
            .minimum
            .checked_mul(ty.page_size())
            .and_then(|b| usize::try_from(b).ok())
            .filter(|b| *b <= pool.max_memory_size && *b <= pool.reservation)
            .with_context(|| {
                format!(
                    "memory minimum of {} pages exceeds the pooling allocator's limit of {} bytes",
                    ty.minimum, pool.max_memory_size
                )
            })?;
        let state = {
            let mut free = pool.free.lock().unwrap();
            // Prefer a slot that already holds this image, then one that
            // holds no image.
            let pos = free
                .iter()
                .rposition(|s| match (&s.image, image) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    _ => false,
                })
                .or_else(|| free.iter().rposition(|s| s.image.is_none()))
                .or(free.len().checked_sub(1));
            match pos {
                Some(pos) => free.swap_remove(pos),
                None => bail!("maximum concurrent memory limit of {} reached", pool.total),
            }
        };
        if state.warm {
            pool.warm_free.fetch_sub(1, Ordering::Relaxed);
        }
        let mut slot = PooledMemory {
            pool: pool.clone(),
            state,
        };
        slot.prepare(min_bytes, image)?;
        LinearMemory::from_slot(ty, style, pool.max_memory_size, Box::new(slot))
    }

    fn allocate_table(&self, ty: &TableTy) -> Result<Table> {
        let pool = &self.tables;
        if ty.minimum > pool.elements as u64 {
            bail!(
                "table minimum of {} elements exceeds the pooling allocator's limit of {}",
                ty.minimum,
                pool.elements
            );
        }
        let index = pool.free.lock().unwrap().pop().ok_or_else(|| {
            anyhow::anyhow!("maximum concurrent table limit of {} reached", pool.total)
        })?;
        Table::from_slot(
            ty,
            Box::new(PooledTable {
                pool: pool.clone(),
                index,
            }),
        )
    }
}

struct InstancePool {
    mmap: Mmap,
    stride: usize,
    max_size: usize,
    total: usize,
    free: Mutex<Vec<usize>>,
    /// Per slot: the tenant whose funcrefs its tail holds (see
    /// [`InstanceAllocator::allocate_instance`]), 0 for none.
    tenants: Box<[AtomicU64]>,
}

/// How many free slots, from the most recently freed, are searched for
/// one that already holds the requested tenant.
const TENANT_SEARCH: usize = 64;

struct InstancePoolSlot {
    pool: Arc<InstancePool>,
    index: usize,
}

impl InstanceSlot for InstancePoolSlot {
    fn release(&self) {
        self.pool.free.lock().unwrap().push(self.index);
    }

    fn tenant(&self) -> u64 {
        self.pool.tenants[self.index].load(Ordering::Acquire)
    }

    fn set_tenant(&self, tenant: u64) {
        self.pool.tenants[self.index].store(tenant, Ordering::Release);
    }
}

struct MemoryPool {
    mmap: Mmap,
    /// Guard bytes before the first slot.
    pre: usize,
    stride: usize,
    reservation: usize,
    guard: usize,
    keep_resident: usize,
    /// How many free slots may hold kept-resident pages.
    max_warm: usize,
    /// How many free slots hold kept-resident pages now.
    warm_free: AtomicUsize,
    /// Whether resets may ask `PAGEMAP_SCAN` for the modified pages.
    pagemap_scan: bool,
    max_memory_size: usize,
    total: usize,
    free: Mutex<Vec<SlotState>>,
}

/// What a free memory slot holds. Invariant while free: `[0, accessible)`
/// is read/write and holds exactly `image` (or zeros), the rest is
/// `PROT_NONE` and zero.
struct SlotState {
    index: usize,
    accessible: usize,
    image: Option<Arc<MemoryImage>>,
    /// Whether its kept-resident part still has pages mapped (it was
    /// reset in place rather than discarded); counted in `warm_free`.
    warm: bool,
}

impl std::fmt::Debug for SlotState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotState")
            .field("index", &self.index)
            .field("accessible", &self.accessible)
            .field("image", &self.image.is_some())
            .finish()
    }
}

#[derive(Debug)]
struct PooledMemory {
    pool: Arc<MemoryPool>,
    state: SlotState,
}

impl std::fmt::Debug for MemoryPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryPool")
            .field("stride", &self.stride)
            .finish_non_exhaustive()
    }
}

fn protect(ptr: *mut u8, len: usize, prot: libc::c_int) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    // SAFETY: callers pass page-aligned ranges inside a slot they own.
    let rc = unsafe { libc::mprotect(ptr.cast(), len, prot) };
    if rc != 0 {
        bail!("mprotect failed: {}", std::io::Error::last_os_error());
    }
    Ok(())
}

impl PooledMemory {
    fn base(&self) -> *mut u8 {
        self.pool
            .mmap
            .as_mut_ptr()
            .wrapping_add(self.pool.pre + self.state.index * self.pool.stride)
    }

    /// Makes exactly `[0, round_up(min_bytes))` accessible, holding `image`.
    fn prepare(&mut self, min_bytes: usize, image: Option<&Arc<MemoryImage>>) -> Result<()> {
        let base = self.base();
        let same_image = match (&self.state.image, image) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, _) => true,
            (Some(_), None) => false,
        };
        if !same_image {
            self.clear()?;
        }
        let needed = round_up_to_page_size(min_bytes).context("memory size overflows")?;
        let acc = self.state.accessible;
        if needed > acc {
            protect(
                base.wrapping_add(acc),
                needed - acc,
                libc::PROT_READ | libc::PROT_WRITE,
            )?;
        } else if needed < acc {
            protect(base.wrapping_add(needed), acc - needed, libc::PROT_NONE)?;
        }
        self.state.accessible = needed;
        if let (None, Some(image)) = (&self.state.image, image) {
            debug_assert!(image.offset() + image.len() <= needed);
            // SAFETY: the image lies within the slot's first `needed` bytes,
            // which this value owns exclusively.
            unsafe { image.map_at(base)? };
            self.state.image = Some(image.clone());
        }
        Ok(())
    }

    /// Replaces the slot's accessible part by fresh inaccessible zero pages.
    fn clear(&mut self) -> Result<()> {
        let len = self.state.accessible;
        self.state.image = None;
        self.state.accessible = 0;
        self.state.warm = false;
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range is this slot's own part of the pool mapping.
        let ptr = unsafe {
            libc::mmap(
                self.base().cast(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            bail!(
                "failed to reset a memory slot: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(())
    }

    /// Discards everything written since the slot was prepared: the first
    /// `keep_resident` bytes by copying the image (or zeros) back over the
    /// pages that were modified, the rest with `madvise(MADV_DONTNEED)`.
    /// Beyond `max_unused_warm_slots` warm free slots, the whole slot is
    /// discarded instead.
    fn reset(&mut self) -> Result<()> {
        let len = self.state.accessible;
        let warm_allowed = self.pool.warm_free.load(Ordering::Relaxed) < self.pool.max_warm;
        let keep = if warm_allowed {
            self.pool.keep_resident.min(len)
        } else {
            0
        };
        self.state.warm = keep > 0;
        let base = self.base();
        let discard_from = if keep == 0 {
            0
        } else if let Some(scan) = self
            .pool
            .pagemap_scan
            .then(|| crate::pagemap::scan(base, len, keep))
            .flatten()
        {
            // Only the modified pages, at most `keep` bytes of them; the
            // kernel stopped at `scanned`, everything after is discarded.
            for (offset, size) in scan.regions(base) {
                self.restore(offset, size);
            }
            scan.scanned
        } else {
            self.restore(0, keep);
            keep
        };
        if discard_from < len {
            // SAFETY: the range is this slot's own part of the pool mapping
            // and no references into it remain (the memory is being
            // dropped).
            let rc = unsafe {
                libc::madvise(
                    base.wrapping_add(discard_from).cast(),
                    len - discard_from,
                    libc::MADV_DONTNEED,
                )
            };
            if rc != 0 {
                return self.clear();
            }
        }
        Ok(())
    }

    /// Writes the slot's initial contents (its image's bytes, zero
    /// elsewhere) over `[offset, offset + size)`, which is accessible.
    fn restore(&mut self, offset: usize, size: usize) {
        let end = offset + size;
        let (img_start, img) = match &self.state.image {
            Some(image) => (image.contents_offset(), image.contents()),
            None => (0, &[][..]),
        };
        let img_end = img_start + img.len();
        let base = self.base();
        let mut pos = offset;
        while pos < end {
            // `[offset, end)` is inside the accessible part of this slot,
            // which this value owns; the image mapping is read-only and
            // disjoint from the pool.
            if pos < img_start || pos >= img_end {
                let stop = if pos < img_start {
                    img_start.min(end)
                } else {
                    end
                };
                // SAFETY: `[pos, stop)` lies in the slot's accessible part,
                // owned by this value (see above).
                unsafe { std::ptr::write_bytes(base.add(pos), 0, stop - pos) };
                pos = stop;
            } else {
                let stop = img_end.min(end);
                let src = &img[pos - img_start..stop - img_start];
                // SAFETY: the destination lies in the slot's accessible part
                // (see above); the image is a disjoint read-only mapping.
                unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), base.add(pos), src.len()) };
                pos = stop;
            }
        }
    }
}

impl MemorySlot for PooledMemory {
    fn base(&self) -> *mut u8 {
        PooledMemory::base(self)
    }

    fn reservation(&self) -> usize {
        self.pool.reservation
    }

    fn guard_size(&self) -> usize {
        self.pool.guard
    }

    fn make_accessible(&mut self, new_accessible: usize) -> Result<()> {
        let acc = self.state.accessible;
        if new_accessible > acc {
            if new_accessible > self.pool.reservation {
                bail!("memory slot exhausted");
            }
            protect(
                self.base().wrapping_add(acc),
                new_accessible - acc,
                libc::PROT_READ | libc::PROT_WRITE,
            )?;
            self.state.accessible = new_accessible;
        }
        Ok(())
    }
}

impl Drop for PooledMemory {
    fn drop(&mut self) {
        if self.reset().is_err() {
            // The slot's contents could not be discarded: never hand it out
            // again.
            return;
        }
        let state = SlotState {
            index: self.state.index,
            accessible: self.state.accessible,
            image: self.state.image.take(),
            warm: self.state.warm,
        };
        if state.warm {
            self.pool.warm_free.fetch_add(1, Ordering::Relaxed);
        }
        self.pool.free.lock().unwrap().push(state);
    }
}

struct TablePool {
    mmap: Mmap,
    stride: usize,
    elements: usize,
    keep_resident: usize,
    total: usize,
    free: Mutex<Vec<usize>>,
}

struct PooledTable {
    pool: Arc<TablePool>,
    index: usize,
}

impl TableSlot for PooledTable {
    fn base(&self) -> *mut u64 {
        self.pool
            .mmap
            .as_mut_ptr()
            .wrapping_add(self.index * self.pool.stride)
            .cast()
    }

    fn capacity(&self) -> usize {
        self.pool.elements
    }

    fn reset(&mut self, used: usize) {
        let base = TableSlot::base(self).cast::<u8>();
        let bytes = used.min(self.pool.elements) * 8;
        // Beyond `keep_resident` whole pages are discarded, unless that is
        // at most one page (a `memset` is cheaper than the system call).
        let keep = if bytes <= self.pool.keep_resident + crate::mmap::host_page_size() {
            bytes
        } else {
            self.pool.keep_resident
        };
        // SAFETY: the first `bytes` bytes of the slot are inside the
        // read/write table region and owned by this slot.
        unsafe { std::ptr::write_bytes(base, 0, keep) };
        if keep < bytes {
            let end = round_up_to_page_size(bytes)
                .unwrap_or(bytes)
                .min(self.pool.stride);
            // SAFETY: `[keep, end)` is page aligned and inside this slot;
            // the table's elements are no longer referenced.
            let rc =
                unsafe { libc::madvise(base.add(keep).cast(), end - keep, libc::MADV_DONTNEED) };
            if rc != 0 {
                // SAFETY: as above.
                unsafe { std::ptr::write_bytes(base.add(keep), 0, bytes - keep) };
            }
        }
    }
}

impl Drop for PooledTable {
    fn drop(&mut self) {
        // The table reset the elements it used before dropping its slot.
        self.pool.free.lock().unwrap().push(self.index);
    }
}
