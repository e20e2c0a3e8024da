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
#[derive(Clone, Debug, Default)]
pub struct PoolingAllocationConfig {
    config: wasmtime_runtime::instance::pooling::PoolingConfig,
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

    /// How many bytes at the start of each table slot are reset with
    /// `memset` rather than discarded with `madvise` when the table is
    /// deallocated (default 0; rounded up to whole host pages). The same as
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
            InstanceAllocationStrategy::Pooling(p) => Arc::new(
                wasmtime_runtime::instance::pooling::PoolingInstanceAllocator::new(
                    &p.config,
                    &self.tunables,
                )?,
            ),
        })
    }
}
