//! Stacks for async calls: the embedder's own stacks
//! ([`Config::with_host_stack`](crate::Config::with_host_stack)) through
//! [`StackCreator`] and [`StackMemory`], or stacks allocated by the runtime.

use anyhow::{bail, Result};
use std::ops::Range;
use std::sync::Arc;
use wasmtime_runtime::fiber::FiberStack;

/// Creates the stacks async calls run on, in place of the runtime's own
/// allocation (see [`Config::with_host_stack`](crate::Config::with_host_stack)).
///
/// # Safety
///
/// Every stack returned must satisfy [`StackMemory`]'s contract.
pub unsafe trait StackCreator: Send + Sync {
    /// A new stack with at least `size` usable bytes, zero-filled if
    /// `zeroed`.
    fn new_stack(&self, size: usize, zeroed: bool) -> Result<Box<dyn StackMemory>, anyhow::Error>;
}

/// Memory an async call's stack lives in, provided by a [`StackCreator`].
///
/// # Safety
///
/// `range()` must be writable memory used by nothing else while the value
/// lives, `top()` must be its end (`range().end`), 16-byte aligned, and
/// `guard_range()` should be inaccessible memory right below it (it may be
/// empty, at the cost of no protection against overflowing the stack).
pub unsafe trait StackMemory: Send + Sync {
    /// The top of the stack (stacks grow down): the end of `range()`.
    fn top(&self) -> *mut u8;
    /// The usable memory of the stack.
    fn range(&self) -> Range<usize>;
    /// The guard region below the stack.
    fn guard_range(&self) -> Range<*mut u8>;
}

/// A stack of `size` usable bytes from `creator`.
pub(crate) fn new_fiber_stack(
    creator: &Arc<dyn StackCreator>,
    size: usize,
    zeroed: bool,
) -> Result<FiberStack> {
    let memory = creator.new_stack(size, zeroed)?;
    let range = memory.range();
    let top = memory.top() as usize;
    if top != range.end || !top.is_multiple_of(16) || range.len() < size.min(4096) {
        bail!("custom stack memory has an invalid layout: top {top:#x}, range {range:x?}");
    }
    let guard = memory.guard_range();
    let guard = guard.start as usize..guard.end as usize;
    // SAFETY: `StackMemory`'s contract: the range is writable memory used
    // only by this stack and kept alive by `memory`, which the stack owns.
    Ok(unsafe { FiberStack::from_raw_parts(range.start, top, guard, Box::new(memory)) })
}
