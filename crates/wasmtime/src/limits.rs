//! Store-level resource limits: [`ResourceLimiter`], [`StoreLimits`] and
//! [`StoreLimitsBuilder`], installed with [`Store::limiter`](crate::Store::limiter).

use anyhow::{bail, Result};

/// Default for [`ResourceLimiter::instances`]: instances per store.
pub const DEFAULT_INSTANCE_LIMIT: usize = 10_000;
/// Default for [`ResourceLimiter::tables`]: tables per store.
pub const DEFAULT_TABLE_LIMIT: usize = 10_000;
/// Default for [`ResourceLimiter::memories`]: linear memories per store.
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;

/// Decides whether the instances of a store may create or grow memories
/// and tables, and how many instances, memories and tables they may
/// create.
///
/// Installed with [`Store::limiter`](crate::Store::limiter). It bounds what
/// wasm allocates (linear memories, tables); CPU time is bounded separately
/// with [`Config::consume_fuel`](crate::Config::consume_fuel) or
/// [`Config::epoch_interruption`](crate::Config::epoch_interruption).
pub trait ResourceLimiter {
    /// Called before a linear memory grows from `current` to `desired`
    /// bytes (both multiples of the page size). `maximum` is the memory's
    /// declared maximum in bytes, if any. Also called with `current == 0`
    /// when an instance or [`Memory::new`](crate::Memory::new) creates a
    /// memory.
    ///
    /// `Ok(false)` denies the growth: `memory.grow` returns -1, instantiation
    /// and [`Memory::grow`](crate::Memory::grow) fail with an error. An
    /// `Err` is raised as a trap from `memory.grow` (or returned by the
    /// embedder API). Requests past the declared maximum fail without
    /// calling this method.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// Called when a growth allowed by [`ResourceLimiter::memory_growing`]
    /// failed anyway (for example the host is out of memory). Returning
    /// `Err` turns the failure into a trap; the default returns `Ok(())`
    /// so `memory.grow` just returns -1.
    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// As [`ResourceLimiter::memory_growing`], for tables; sizes are
    /// numbers of elements.
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// As [`ResourceLimiter::memory_grow_failed`], for tables.
    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// The maximum number of instances in the store (default 10,000).
    /// Instantiation fails once it is reached.
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// The maximum number of tables in the store (default 10,000).
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }

    /// The maximum number of linear memories in the store (default 10,000).
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }
}

/// Builds a [`StoreLimits`].
#[derive(Debug, Clone, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// A builder with the defaults: no size limits, 10,000 instances,
    /// tables and memories, growth failures are not traps.
    pub fn new() -> Self {
        Self::default()
    }

    /// The maximum size in bytes of any linear memory (unlimited by default).
    pub fn memory_size(mut self, limit: usize) -> Self {
        self.0.memory_size = Some(limit);
        self
    }

    /// The maximum number of elements of any table (unlimited by default).
    pub fn table_elements(mut self, limit: usize) -> Self {
        self.0.table_elements = Some(limit);
        self
    }

    /// The maximum number of instances in the store.
    pub fn instances(mut self, limit: usize) -> Self {
        self.0.instances = limit;
        self
    }

    /// The maximum number of tables in the store.
    pub fn tables(mut self, limit: usize) -> Self {
        self.0.tables = limit;
        self
    }

    /// The maximum number of linear memories in the store.
    pub fn memories(mut self, limit: usize) -> Self {
        self.0.memories = limit;
        self
    }

    /// Whether a denied or failed growth traps instead of making
    /// `memory.grow`/`table.grow` return -1 (default false).
    pub fn trap_on_grow_failure(mut self, trap: bool) -> Self {
        self.0.trap_on_grow_failure = trap;
        self
    }

    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

/// A [`ResourceLimiter`] with fixed limits, made by [`StoreLimitsBuilder`].
#[derive(Debug, Clone)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    tables: usize,
    memories: usize,
    trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
            trap_on_grow_failure: false,
        }
    }
}

/// Whether `desired` stays within an optional `limit`.
fn within(limit: Option<usize>, desired: usize) -> bool {
    limit.is_none_or(|limit| desired <= limit)
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        let allow = within(self.memory_size, desired) && within(maximum, desired);
        if !allow && self.trap_on_grow_failure {
            bail!("forcing trap when growing memory to {desired} bytes")
        }
        Ok(allow)
    }

    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        if self.trap_on_grow_failure {
            return Err(error.context("forcing a memory growth failure to be a trap"));
        }
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        let allow = within(self.table_elements, desired) && within(maximum, desired);
        if !allow && self.trap_on_grow_failure {
            bail!("forcing trap when growing table to {desired} elements")
        }
        Ok(allow)
    }

    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        if self.trap_on_grow_failure {
            return Err(error.context("forcing a table growth failure to be a trap"));
        }
        Ok(())
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}

/// The asynchronous form of [`ResourceLimiter`], installed with
/// [`Store::limiter_async`](crate::Store::limiter_async): deciding on a
/// growth may wait (the growing wasm's fiber is suspended meanwhile), so a
/// store with one requires the `*_async` entry points.
///
/// Implement it with `#[async_trait::async_trait]`.
#[cfg(feature = "async")]
#[async_trait::async_trait]
pub trait ResourceLimiterAsync: Send {
    /// As [`ResourceLimiter::memory_growing`].
    async fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// As [`ResourceLimiter::memory_grow_failed`].
    fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// As [`ResourceLimiter::table_growing`].
    async fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// As [`ResourceLimiter::table_grow_failed`].
    fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        let _ = error;
        Ok(())
    }

    /// As [`ResourceLimiter::instances`].
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// As [`ResourceLimiter::tables`].
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }

    /// As [`ResourceLimiter::memories`].
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }
}

/// A store's installed limiter, either kind, with synchronous methods (an
/// async limiter's decisions are waited for on the running fiber).
pub(crate) enum StoreLimiter<'a> {
    Sync(&'a mut dyn ResourceLimiter),
    #[cfg(feature = "async")]
    Async(
        &'a mut dyn ResourceLimiterAsync,
        std::ptr::NonNull<crate::fiber::AsyncState>,
    ),
}

impl StoreLimiter<'_> {
    pub(crate) fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        match self {
            StoreLimiter::Sync(l) => l.memory_growing(current, desired, maximum),
            #[cfg(feature = "async")]
            StoreLimiter::Async(l, state) => {
                let mut future = l.memory_growing(current, desired, maximum);
                // SAFETY: the state is the store's, whose code runs on this
                // thread.
                unsafe { crate::fiber::block_on(*state, future.as_mut()) }?
            }
        }
    }

    pub(crate) fn memory_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        match self {
            StoreLimiter::Sync(l) => l.memory_grow_failed(error),
            #[cfg(feature = "async")]
            StoreLimiter::Async(l, _) => l.memory_grow_failed(error),
        }
    }

    pub(crate) fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool> {
        match self {
            StoreLimiter::Sync(l) => l.table_growing(current, desired, maximum),
            #[cfg(feature = "async")]
            StoreLimiter::Async(l, state) => {
                let mut future = l.table_growing(current, desired, maximum);
                // SAFETY: as in `memory_growing`.
                unsafe { crate::fiber::block_on(*state, future.as_mut()) }?
            }
        }
    }

    pub(crate) fn table_grow_failed(&mut self, error: anyhow::Error) -> Result<()> {
        match self {
            StoreLimiter::Sync(l) => l.table_grow_failed(error),
            #[cfg(feature = "async")]
            StoreLimiter::Async(l, _) => l.table_grow_failed(error),
        }
    }

    /// The instance, memory and table counts allowed.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        match self {
            StoreLimiter::Sync(l) => (l.instances(), l.memories(), l.tables()),
            #[cfg(feature = "async")]
            StoreLimiter::Async(l, _) => (l.instances(), l.memories(), l.tables()),
        }
    }
}
