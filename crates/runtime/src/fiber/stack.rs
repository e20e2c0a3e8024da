//! Native stacks for fibers: memory with an inaccessible guard region
//! below the usable part, so that running off the end faults instead of
//! overwriting other memory.

use crate::mmap::{host_page_size, round_up_to_page_size, Mmap};
use anyhow::{bail, Result};
use std::ops::Range;

/// A stack a [`Fiber`](super::Fiber) runs on. Stacks grow down: the usable
/// part is `[bottom, top)` and the guard region lies right below `bottom`.
pub struct FiberStack {
    /// The mapping, for stacks this module allocated (`None` for stacks
    /// provided by the embedder, which owns their memory).
    mapping: Option<Mmap>,
    /// What keeps an embedder-provided stack's memory alive.
    _owner: Option<Box<dyn std::any::Any + Send + Sync>>,
    bottom: usize,
    top: usize,
    guard: Range<usize>,
}

// SAFETY: a stack is plain memory owned by (or lent to) this value; it is
// only used by the fiber that holds it.
unsafe impl Send for FiberStack {}
// SAFETY: shared references only read the addresses.
unsafe impl Sync for FiberStack {}

impl FiberStack {
    /// Allocates a stack with `size` usable bytes (rounded up to whole
    /// pages) and one guard page below them.
    pub fn new(size: usize) -> Result<FiberStack> {
        let page = host_page_size();
        let Some(size) = round_up_to_page_size(size.max(page)) else {
            bail!("fiber stack size {size:#x} overflows");
        };
        let Some(total) = size.checked_add(page) else {
            bail!("fiber stack size {size:#x} overflows");
        };
        let mapping = Mmap::reserve(total)?;
        mapping.make_accessible(page, size)?;
        let base = mapping.as_ptr() as usize;
        Ok(FiberStack {
            mapping: Some(mapping),
            _owner: None,
            bottom: base + page,
            top: base + total,
            guard: base..base + page,
        })
    }

    /// A stack in memory the embedder provides: usable bytes `[bottom,
    /// top)` and the guard region `guard` (which may be empty), kept alive
    /// by `owner`, which is dropped with the stack.
    ///
    /// # Safety
    ///
    /// `[bottom, top)` must be writable memory that nothing else uses while
    /// this stack (or a fiber running on it) is alive, and `top` must be
    /// 16-byte aligned.
    pub unsafe fn from_raw_parts(
        bottom: usize,
        top: usize,
        guard: Range<usize>,
        owner: Box<dyn std::any::Any + Send + Sync>,
    ) -> FiberStack {
        FiberStack {
            mapping: None,
            _owner: Some(owner),
            bottom,
            top,
            guard,
        }
    }

    /// The highest address of the stack (exclusive): where it starts.
    pub fn top(&self) -> usize {
        self.top
    }

    /// The lowest usable address.
    pub fn bottom(&self) -> usize {
        self.bottom
    }

    /// The inaccessible region below the stack.
    pub fn guard_range(&self) -> Range<usize> {
        self.guard.clone()
    }

    /// Whether the stack's memory was allocated here (and is freed with it).
    pub fn is_owned(&self) -> bool {
        self.mapping.is_some()
    }

    /// Zeroes the usable part (for reuse by another store, when
    /// `async_stack_zeroing` asks for it).
    pub fn zero(&mut self) {
        // SAFETY: `[bottom, top)` is writable memory owned by this stack and
        // no fiber runs on it (we hold it mutably).
        unsafe { std::ptr::write_bytes(self.bottom as *mut u8, 0, self.top - self.bottom) };
    }
}

impl std::fmt::Debug for FiberStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FiberStack")
            .field("bottom", &format_args!("{:#x}", self.bottom))
            .field("top", &format_args!("{:#x}", self.top))
            .finish()
    }
}
