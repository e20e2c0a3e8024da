//! The pooling allocator's async stacks: `total_stacks` slots in one
//! reservation, each an inaccessible guard page followed by the stack.
//! A slot's memory is made accessible on first use and handed out as a
//! [`FiberStack`] whose drop gives the slot back, zeroed (discarded with
//! `madvise`) when the configuration asks for it.

use crate::fiber::FiberStack;
use crate::mmap::{host_page_size, round_up_to_page_size, Mmap};
use anyhow::{bail, Context, Result};
use std::sync::{Arc, Mutex};

/// The pool of async stacks.
pub(crate) struct StackPool {
    inner: Arc<Inner>,
}

struct Inner {
    mapping: Mmap,
    /// Bytes per slot (guard page plus stack).
    stride: usize,
    /// Usable bytes per stack.
    stack_size: usize,
    zero_on_release: bool,
    /// Free slots, and whether each has been made accessible yet.
    free: Mutex<Vec<(usize, bool)>>,
    total: usize,
}

/// Gives a slot back when its stack is dropped.
struct SlotGuard {
    pool: Arc<Inner>,
    index: usize,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        let pool = &self.pool;
        if pool.zero_on_release {
            let start =
                pool.mapping.as_ptr() as usize + self.index * pool.stride + host_page_size();
            // SAFETY: the slot's stack is no longer used (its `FiberStack`
            // is being dropped); discarding anonymous private pages makes
            // them read as zero.
            unsafe {
                libc::madvise(
                    start as *mut libc::c_void,
                    pool.stack_size,
                    libc::MADV_DONTNEED,
                );
            }
        }
        pool.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((self.index, true));
    }
}

impl StackPool {
    /// A pool of `total` stacks of `stack_size` usable bytes each (none
    /// when either is 0).
    pub(crate) fn new(total: u32, stack_size: usize, zero_on_release: bool) -> Result<StackPool> {
        let page = host_page_size();
        let stack_size = round_up_to_page_size(stack_size).context("async stack size overflows")?;
        let stride = if stack_size == 0 {
            0
        } else {
            stack_size + page
        };
        let bytes = stride
            .checked_mul(total as usize)
            .context("the async stack pool size overflows")?;
        let mapping = Mmap::reserve(bytes)?;
        let free = (0..total as usize).rev().map(|i| (i, false)).collect();
        Ok(StackPool {
            inner: Arc::new(Inner {
                mapping,
                stride,
                stack_size,
                zero_on_release,
                free: Mutex::new(free),
                total: total as usize,
            }),
        })
    }

    /// A stack of at least `size` usable bytes from the pool.
    pub(crate) fn allocate(&self, size: usize) -> Result<FiberStack> {
        let pool = &self.inner;
        if pool.stride == 0 {
            bail!(
                "the pooling allocator has no async stacks (`total_stacks` or the stack size is 0)"
            );
        }
        if size > pool.stack_size {
            bail!(
                "async stack of {size} bytes requested, but the pool's stacks are {} bytes",
                pool.stack_size
            );
        }
        let Some((index, ready)) = pool.free.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
            bail!(
                "maximum concurrent fiber limit of {} reached (`total_stacks`)",
                pool.total
            );
        };
        let page = host_page_size();
        let base = index * pool.stride;
        if !ready {
            if let Err(e) = pool.mapping.make_accessible(base + page, pool.stack_size) {
                pool.free
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((index, false));
                return Err(e);
            }
        }
        let start = pool.mapping.as_ptr() as usize + base;
        let guard = SlotGuard {
            pool: pool.clone(),
            index,
        };
        // SAFETY: the slot's stack range is accessible memory of the pool's
        // reservation, used by no one else until `guard` gives it back.
        Ok(unsafe {
            FiberStack::from_raw_parts(
                start + page,
                start + page + pool.stack_size,
                start..start + page,
                Box::new(guard),
            )
        })
    }
}
