//! The pooling allocator's GC heaps: at most `total_gc_heaps` stores hold a
//! GC heap at once. A heap's reservation is taken from the pool at the
//! store's first GC allocation and given back, emptied (contents discarded,
//! inaccessible again), when the store is dropped, so the next store reuses
//! the address space instead of mapping a new region.

use crate::mmap::Mmap;
use anyhow::Result;
use std::sync::Mutex;

/// A bounded pool of GC heap reservations.
pub struct GcHeapPool {
    total: usize,
    state: Mutex<PoolState>,
}

#[derive(Default)]
struct PoolState {
    /// Reservations handed out and not yet given back.
    in_use: usize,
    /// Emptied reservations ready for reuse.
    free: Vec<Mmap>,
}

impl std::fmt::Debug for GcHeapPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GcHeapPool")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl GcHeapPool {
    /// A pool of at most `total` GC heaps alive at once.
    pub fn new(total: u32) -> GcHeapPool {
        GcHeapPool {
            total: total as usize,
            state: Mutex::default(),
        }
    }

    /// The limit on GC heaps alive at once.
    pub fn total(&self) -> usize {
        self.total
    }

    /// GC heaps currently handed out.
    pub fn in_use(&self) -> usize {
        self.lock().in_use
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a slot: an emptied reservation of `len` bytes (reused when
    /// one is free). Fails when `total` heaps are already in use.
    pub(crate) fn take(&self, len: usize) -> Result<Mmap> {
        let reused = {
            let mut state = self.lock();
            if state.in_use >= self.total {
                anyhow::bail!(
                    "maximum concurrent limit of {} for GC heaps reached",
                    self.total
                );
            }
            state.in_use += 1;
            state.free.pop()
        };
        match reused {
            Some(mmap) => Ok(mmap),
            None => Mmap::reserve(len).inspect_err(|_| self.lock().in_use -= 1),
        }
    }

    /// Gives back a slot taken by [`GcHeapPool::take`], whose first
    /// `accessible` bytes were in use: they are discarded and made
    /// inaccessible before the reservation can be taken again (if that
    /// fails, the reservation is unmapped instead).
    pub(crate) fn give_back(&self, mmap: Mmap, accessible: usize) {
        let emptied = mmap.decommit(0, accessible).is_ok();
        let mut state = self.lock();
        state.in_use -= 1;
        if emptied {
            state.free.push(mmap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmap::is_readable;

    #[test]
    fn slots_are_bounded_emptied_and_reused() {
        let pool = GcHeapPool::new(1);
        let len = 1 << 20;
        let a = pool.take(len).unwrap();
        assert_eq!(pool.in_use(), 1);
        assert!(pool
            .take(len)
            .unwrap_err()
            .to_string()
            .contains("limit of 1"));
        a.make_accessible(0, 1 << 16).unwrap();
        let base = a.as_mut_ptr();
        // SAFETY: the first 64 KiB of `a` were just made accessible.
        unsafe { base.add(100).write(7) };
        pool.give_back(a, 1 << 16);
        assert_eq!(pool.in_use(), 0);
        // The same reservation again, inaccessible and emptied.
        let b = pool.take(len).unwrap();
        assert_eq!(b.as_ptr(), base.cast_const());
        assert!(!is_readable(b.as_ptr()));
        b.make_accessible(0, 1 << 16).unwrap();
        // SAFETY: accessible again just above.
        assert_eq!(unsafe { b.as_ptr().add(100).read() }, 0);
        pool.give_back(b, 1 << 16);
    }
}
