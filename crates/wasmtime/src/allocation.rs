//! Instance allocation strategies: on-demand (the default) and the pooling
//! allocator (feature `pooling-allocator`).

#[cfg(feature = "runtime")]
use {
    crate::Config,
    anyhow::Result,
    std::sync::Arc,
    wasmtime_runtime::instance::allocator::{InstanceAllocator, OnDemandInstanceAllocator},
};

/// How instances, memories and tables are allocated.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum InstanceAllocationStrategy {
    /// Allocate everything when an instance is created and free it when
    /// its store is dropped. The default.
    #[default]
    OnDemand,
    /// Reserve pools of slots when the engine is created; instantiation
    /// takes free slots and dropping a store gives them back (reset).
    #[cfg(feature = "pooling-allocator")]
    Pooling(PoolingAllocationConfig),
}

impl InstanceAllocationStrategy {
    /// The pooling strategy with the default limits.
    #[cfg(feature = "pooling-allocator")]
    pub fn pooling() -> Self {
        InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default())
    }
}

#[cfg(feature = "pooling-allocator")]
impl From<PoolingAllocationConfig> for InstanceAllocationStrategy {
    fn from(config: PoolingAllocationConfig) -> Self {
        InstanceAllocationStrategy::Pooling(config)
    }
}

/// Limits of the pooling instance allocator, used with
/// [`InstanceAllocationStrategy::Pooling`] and
/// [`Config::allocation_strategy`].
///
/// All pools are reserved when the [`Engine`](crate::Engine) is created.
/// Each linear memory slot is laid out as an on-demand memory would be
/// (`Config::memory_reservation`, or `max_memory_size` if larger, plus
/// `Config::memory_guard_size`), so compiled code does not depend on the
/// strategy. Instantiating when a pool is exhausted, or a module that
/// exceeds a per-module limit, fails with an error.
#[cfg(feature = "pooling-allocator")]
#[derive(Clone, Debug)]
pub struct PoolingAllocationConfig {
    config: wasmtime_runtime::instance::pooling::PoolingConfig,
    pagemap_scan: crate::Enabled,
    memory_protection_keys: crate::Enabled,
    max_memory_protection_keys: usize,
    max_unused_warm_slots: u32,
    decommit_batch_size: usize,
}

#[cfg(feature = "pooling-allocator")]
impl Default for PoolingAllocationConfig {
    fn default() -> Self {
        PoolingAllocationConfig {
            config: Default::default(),
            pagemap_scan: crate::Enabled::Auto,
            memory_protection_keys: crate::Enabled::No,
            max_memory_protection_keys: 16,
            max_unused_warm_slots: 100,
            decommit_batch_size: 1,
        }
    }
}

#[cfg(feature = "pooling-allocator")]
impl PoolingAllocationConfig {
    /// The default limits: 1000 instances, memories and tables, 4 GiB
    /// memories, 20,000-element tables, 1 MiB instance blocks, one memory
    /// and one table per module.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maximum number of core instances alive at once (default 1000).
    pub fn total_core_instances(&mut self, count: u32) -> &mut Self {
        self.config.total_core_instances = count;
        self
    }

    /// Maximum number of linear memories alive at once (default 1000).
    pub fn total_memories(&mut self, count: u32) -> &mut Self {
        self.config.total_memories = count;
        self
    }

    /// Maximum number of tables alive at once (default 1000).
    pub fn total_tables(&mut self, count: u32) -> &mut Self {
        self.config.total_tables = count;
        self
    }

    /// Maximum size, in bytes, of a linear memory (default 4 GiB):
    /// instantiating a module whose memory minimum is larger fails, and
    /// `memory.grow` past it returns -1.
    pub fn max_memory_size(&mut self, bytes: usize) -> &mut Self {
        self.config.max_memory_size = bytes;
        self
    }

    /// Maximum number of elements of a table (default 20,000).
    pub fn table_elements(&mut self, elements: usize) -> &mut Self {
        self.config.table_elements = elements;
        self
    }

    /// Maximum size, in bytes, of an instance's runtime state and
    /// `VMContext` (default 1 MiB).
    pub fn max_core_instance_size(&mut self, size: usize) -> &mut Self {
        self.config.max_core_instance_size = size;
        self
    }

    /// Maximum number of memories defined by one module (default 1).
    pub fn max_memories_per_module(&mut self, count: u32) -> &mut Self {
        self.config.max_memories_per_module = count;
        self
    }

    /// Maximum number of tables defined by one module (default 1).
    pub fn max_tables_per_module(&mut self, count: u32) -> &mut Self {
        self.config.max_tables_per_module = count;
        self
    }

    /// How many bytes at the start of each linear memory slot stay resident
    /// when the memory is deallocated (default 0; rounded up to whole host
    /// pages). Linux only.
    ///
    /// By default a released slot is reset with `madvise`, which discards
    /// its pages: the next instance faults them in again. Within the first
    /// `size` bytes the slot is instead reset by writing its initial
    /// contents (the copy-on-write image, or zeros) back, and on kernels
    /// with the `PAGEMAP_SCAN` ioctl (Linux 6.7+) only over the pages the
    /// instance modified. Either way the next instance sees exactly the
    /// initial contents.
    pub fn linear_memory_keep_resident(&mut self, size: usize) -> &mut Self {
        self.config.linear_memory_keep_resident = size;
        self
    }

    /// Whether resetting a kept-resident slot region may use the Linux
    /// `PAGEMAP_SCAN` ioctl (6.7+) to copy back only the modified pages
    /// (see [`PoolingAllocationConfig::linear_memory_keep_resident`]).
    /// `Auto` (the default) uses it when the kernel has it, `No` never,
    /// and `Yes` makes `Engine::new` fail if the kernel lacks it. Only the
    /// speed of a reset depends on it, never what the next instance sees.
    pub fn pagemap_scan(&mut self, enable: crate::Enabled) -> &mut Self {
        self.pagemap_scan = enable;
        self
    }

    /// Whether the `PAGEMAP_SCAN` ioctl is available on this host (what
    /// [`Enabled::Auto`](crate::Enabled::Auto) decides with).
    pub fn is_pagemap_scan_available() -> bool {
        wasmtime_runtime::pagemap::available()
    }

    /// How many released memory slots may stay "warm" (default 100): keep
    /// the pages of their first
    /// [`linear_memory_keep_resident`](PoolingAllocationConfig::linear_memory_keep_resident)
    /// bytes mapped, reset in place. A slot released while this many are
    /// warm is discarded in full, which bounds the memory kept resident.
    pub fn max_unused_warm_slots(&mut self, max: u32) -> &mut Self {
        self.max_unused_warm_slots = max;
        self.config.max_unused_warm_slots = max;
        self
    }

    /// How many slots are decommitted together (default 1). Accepted for
    /// compatibility: this allocator resets each slot when it is released,
    /// so the setting affects neither results nor limits.
    pub fn decommit_batch_size(&mut self, batch_size: usize) -> &mut Self {
        self.decommit_batch_size = batch_size;
        self
    }

    /// Whether to use memory protection keys (MPK) to pack linear memory
    /// slots without guard regions between them (feature
    /// `memory-protection-keys`; default `No`, as in Wasmtime). `Yes`
    /// makes `Engine::new` fail where the CPU or kernel lacks MPK
    /// ([`PoolingAllocationConfig::are_memory_protection_keys_available`]).
    /// This runtime does not pack slots with protection keys yet: `Auto`
    /// keeps the guard regions (the layout of a host without MPK), and
    /// `Yes` on a host that has MPK fails with an error saying so, rather
    /// than silently running without the protection asked for.
    #[cfg(feature = "memory-protection-keys")]
    pub fn memory_protection_keys(&mut self, enable: crate::Enabled) -> &mut Self {
        self.memory_protection_keys = enable;
        self
    }

    /// The most protection keys to allocate when they are used (default
    /// 16; the hardware has 15 usable).
    #[cfg(feature = "memory-protection-keys")]
    pub fn max_memory_protection_keys(&mut self, max: usize) -> &mut Self {
        self.max_memory_protection_keys = max;
        self
    }

    /// Whether this CPU and kernel support memory protection keys (what
    /// [`Enabled::Auto`](crate::Enabled::Auto) decides with).
    #[cfg(feature = "memory-protection-keys")]
    pub fn are_memory_protection_keys_available() -> bool {
        wasmtime_runtime::mpk::is_supported()
    }

    /// The maximum number of GC heaps alive at once (default 1000): each
    /// store that allocates GC objects holds one from its first allocation
    /// until it is dropped; then the heap's reservation is emptied and
    /// reused. An allocation that needs a heap when all are taken fails
    /// with an error.
    pub fn total_gc_heaps(&mut self, count: u32) -> &mut Self {
        self.config.total_gc_heaps = count;
        self
    }

    /// Async stacks (fibers of `*_async` calls) alive at once; 1000 by
    /// default. Each is `Config::async_stack_size` bytes plus a guard page,
    /// reserved up front.
    #[cfg(feature = "async")]
    pub fn total_stacks(&mut self, count: u32) -> &mut Self {
        self.config.total_stacks = count;
        self
    }

    /// Accepted for compatibility: returned async stacks are either zeroed
    /// entirely (with `Config::async_stack_zeroing`, by discarding their
    /// pages) or kept as they are, so no part is kept resident separately.
    #[cfg(feature = "async")]
    pub fn async_stack_keep_resident(&mut self, size: usize) -> &mut Self {
        let _ = size;
        self
    }

    /// [`PoolingAllocationConfig::linear_memory_keep_resident`], for tables.
    pub fn table_keep_resident(&mut self, size: usize) -> &mut Self {
        self.config.table_keep_resident = size;
        self
    }
}

#[cfg(feature = "runtime")]
impl Config {
    /// Creates the allocator this configuration asks for.
    pub(crate) fn build_allocator(&self) -> Result<Arc<dyn InstanceAllocator>> {
        Ok(match &self.allocation_strategy {
            InstanceAllocationStrategy::OnDemand => Arc::new(OnDemandInstanceAllocator),
            #[cfg(feature = "pooling-allocator")]
            InstanceAllocationStrategy::Pooling(p) => {
                let mut config = p.config.clone();
                config.stack_size = self.async_stack_size;
                config.async_stack_zeroing = self.async_stack_zeroing;
                #[cfg(not(feature = "async"))]
                {
                    config.total_stacks = 0;
                }
                config.pagemap_scan = match p.pagemap_scan {
                    crate::Enabled::No => false,
                    crate::Enabled::Auto => true,
                    crate::Enabled::Yes => {
                        if !wasmtime_runtime::pagemap::available() {
                            anyhow::bail!(
                                "the PAGEMAP_SCAN ioctl was required (`pagemap_scan(Enabled::Yes)`) \
                                 but this kernel does not support it"
                            );
                        }
                        true
                    }
                };
                if p.memory_protection_keys == crate::Enabled::Yes {
                    if !wasmtime_runtime::mpk::is_supported() {
                        anyhow::bail!(
                            "memory protection keys were required \
                             (`memory_protection_keys(Enabled::Yes)`) but this CPU or kernel \
                             does not support them"
                        );
                    }
                    anyhow::bail!(
                        "memory protection keys are available on this host, but this runtime \
                         does not pack pooled memories with them yet; use `Enabled::Auto` or \
                         `Enabled::No`"
                    );
                }
                let _ = (p.max_memory_protection_keys, p.decommit_batch_size);
                Arc::new(
                    wasmtime_runtime::instance::pooling::PoolingInstanceAllocator::new(
                        &config,
                        &self.tunables,
                    )?,
                )
            }
        })
    }
}
