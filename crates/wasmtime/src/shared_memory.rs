//! `SharedMemory`: a linear memory shared between stores and threads
//! (threads proposal).

use crate::{Engine, MemoryType};
use anyhow::{bail, Result};
use std::cell::UnsafeCell;
use std::time::Duration;
use wasmtime_environ::{MemoryStyle, Trap};
use wasmtime_runtime::shared_memory::{SharedMemory as RuntimeShared, WaitResult as RtWait};

/// Result of [`SharedMemory::atomic_wait32`] and
/// [`SharedMemory::atomic_wait64`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitResult {
    /// Woken by a notify.
    Ok,
    /// The value in memory did not match the expected one.
    Mismatch,
    /// The timeout expired.
    TimedOut,
}

impl From<RtWait> for WaitResult {
    fn from(r: RtWait) -> WaitResult {
        match r {
            RtWait::Ok => WaitResult::Ok,
            RtWait::Mismatch => WaitResult::Mismatch,
            RtWait::TimedOut => WaitResult::TimedOut,
        }
    }
}

/// Fails unless `engine` may create shared memories.
pub(crate) fn check_enabled(engine: &Engine) -> Result<()> {
    if !cfg!(feature = "threads") {
        bail!("support for shared memories was disabled at compile time (the `threads` feature)");
    }
    if !engine.config().shared_memory {
        bail!("shared memory support is disabled for this engine -- see `Config::shared_memory`");
    }
    if !engine
        .config()
        .features
        .contains(wasmtime_environ::wasmparser::WasmFeatures::THREADS)
    {
        bail!("threads must be enabled for shared memories");
    }
    Ok(())
}

/// A WebAssembly `shared` linear memory.
///
/// Unlike [`Memory`](crate::Memory), it belongs to no store: it can be
/// imported by instances of several stores, on several threads. It never
/// moves; its whole maximum size is reserved when it is created.
#[derive(Clone)]
pub struct SharedMemory {
    inner: RuntimeShared,
    engine: Engine,
}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("ty", self.inner.ty())
            .finish_non_exhaustive()
    }
}

impl SharedMemory {
    /// Creates a shared memory of type `ty`, which must be shared.
    pub fn new(engine: &Engine, ty: MemoryType) -> Result<SharedMemory> {
        if !ty.is_shared() {
            bail!("shared memory must have the `shared` flag enabled on its memory type");
        }
        check_enabled(engine)?;
        let style = MemoryStyle::for_memory(&ty.ty, &engine.config().tunables);
        let inner = RuntimeShared::new(&ty.ty, &style)?;
        Ok(SharedMemory {
            inner,
            engine: engine.clone(),
        })
    }

    pub(crate) fn from_runtime(engine: &Engine, inner: RuntimeShared) -> SharedMemory {
        SharedMemory {
            inner,
            engine: engine.clone(),
        }
    }

    pub(crate) fn runtime(&self) -> &RuntimeShared {
        &self.inner
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty(&self) -> MemoryType {
        let mut ty = *self.inner.ty();
        ty.minimum = self.inner.pages();
        MemoryType { ty }
    }

    /// The engine the memory was created for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Current size in pages.
    pub fn size(&self) -> u64 {
        self.inner.pages()
    }

    /// Page size in bytes.
    pub fn page_size(&self) -> u64 {
        self.inner.ty().page_size()
    }

    /// Current size in bytes.
    pub fn data_size(&self) -> usize {
        self.inner.byte_size()
    }

    /// The memory's contents. Other threads may access them concurrently,
    /// hence the `UnsafeCell`s.
    pub fn data(&self) -> &[UnsafeCell<u8>] {
        let len = self.inner.byte_size();
        if len == 0 {
            return &[];
        }
        // SAFETY: the base never moves and `len` bytes are accessible for as
        // long as the memory lives (it never shrinks); `UnsafeCell<u8>` has
        // the layout of `u8` and admits concurrent mutation.
        unsafe { std::slice::from_raw_parts(self.inner.base().cast::<UnsafeCell<u8>>(), len) }
    }

    /// Grows by `delta` pages, returning the previous size in pages.
    pub fn grow(&self, delta: u64) -> Result<u64> {
        match self.inner.grow(delta, None) {
            Some(old) => Ok(old),
            None => bail!("failed to grow memory by `{delta}`"),
        }
    }

    /// Wakes up to `count` threads waiting at byte address `addr`; returns
    /// how many were woken.
    pub fn atomic_notify(&self, addr: u64, count: u32) -> Result<u32, Trap> {
        self.inner.atomic_notify(addr, count)
    }

    /// Blocks the current thread while the 32-bit value at `addr` equals
    /// `expected`, until notified or `timeout` passes.
    pub fn atomic_wait32(
        &self,
        addr: u64,
        expected: u32,
        timeout: Option<Duration>,
    ) -> Result<WaitResult, Trap> {
        self.inner
            .atomic_wait32(addr, expected, timeout)
            .map(Into::into)
    }

    /// Blocks the current thread while the 64-bit value at `addr` equals
    /// `expected`, until notified or `timeout` passes.
    pub fn atomic_wait64(
        &self,
        addr: u64,
        expected: u64,
        timeout: Option<Duration>,
    ) -> Result<WaitResult, Trap> {
        self.inner
            .atomic_wait64(addr, expected, timeout)
            .map(Into::into)
    }
}
