//! WebAssembly linear memories backed by [`Mmap`] reservations.
//!
//! A memory is one mapping: the accessible bytes (read/write) come first,
//! followed by inaccessible (`PROT_NONE`) address space up to the
//! reservation, followed by the guard region. Growing within the reservation
//! only changes page protections, so the base stays put. A memory whose
//! [`MemoryStyle`] is not static may also grow past its reservation, in
//! which case it moves to a new, bigger mapping.

use crate::cow::MemoryImage;
use crate::mmap::{round_up_to_page_size, Mmap};
use anyhow::{bail, Context, Result};
use wasmtime_environ::{Memory, MemoryStyle};

/// Address space for a linear memory that the memory does not own: a slot
/// of the pooling allocator, given back when this value is dropped.
pub trait MemorySlot: Send + Sync + std::fmt::Debug {
    /// Start of the slot (page aligned).
    fn base(&self) -> *mut u8;
    /// Bytes of the slot available for contents.
    fn reservation(&self) -> usize;
    /// Bytes of guard region after the reservation.
    fn guard_size(&self) -> usize;
    /// Makes the first `accessible` bytes (page aligned) read/write.
    fn make_accessible(&mut self, accessible: usize) -> Result<()>;
}

/// Where a memory's bytes live.
#[derive(Debug)]
enum Storage {
    /// A mapping owned by the memory: `pre` bytes of guard region, then the
    /// memory's reservation and its guard region.
    Owned { mmap: Mmap, pre: usize },
    /// A pooling-allocator slot.
    Slot(Box<dyn MemorySlot>),
}

impl Storage {
    /// Reserves `pre + total` bytes and makes `[pre, pre + accessible)`
    /// read/write: an owned memory with a guard region before it.
    fn owned(pre: usize, accessible: usize, total: usize) -> Result<Storage> {
        let all = pre
            .checked_add(total)
            .context("memory reservation plus guards overflows")?;
        let mmap = Mmap::reserve(all)?;
        if accessible > 0 {
            mmap.make_accessible(pre, accessible)?;
        }
        Ok(Storage::Owned { mmap, pre })
    }

    fn base(&self) -> *mut u8 {
        match self {
            Storage::Owned { mmap, pre } => mmap.as_mut_ptr().wrapping_add(*pre),
            Storage::Slot(s) => s.base(),
        }
    }
}

/// A WebAssembly linear memory.
#[derive(Debug)]
pub struct LinearMemory {
    storage: Storage,
    /// Current size in bytes (a whole number of wasm pages).
    byte_size: usize,
    /// Bytes made read/write at the start of `mmap` (page rounded).
    accessible: usize,
    /// Bytes of `mmap` available for contents (the rest is guard region).
    reservation: usize,
    /// Bytes of guard region kept after `reservation`.
    guard_size: usize,
    /// Largest allowed number of pages (declared maximum and index type).
    max_pages: u64,
    page_size_log2: u8,
    declared_maximum: Option<u64>,
    is_static: bool,
    shared: bool,
    /// Extra bytes reserved beyond the new size when the memory moves.
    growth_reservation: usize,
}

fn to_usize(n: u64, what: &str) -> Result<usize> {
    usize::try_from(n).with_context(|| format!("{what} ({n:#x} bytes) does not fit in usize"))
}

impl LinearMemory {
    /// Creates a zeroed memory of `ty.minimum` pages laid out as `style`
    /// says.
    ///
    /// Fails if the minimum exceeds the maximum, if a static memory's
    /// minimum does not fit its reservation, or if the address space cannot
    /// be reserved.
    pub fn new(ty: &Memory, style: &MemoryStyle) -> Result<LinearMemory> {
        LinearMemory::with_image(ty, style, None)
    }

    /// Like [`LinearMemory::new`], then maps `image` copy-on-write over the
    /// memory's first bytes when given (it must fit the minimum size).
    pub fn with_image(
        ty: &Memory,
        style: &MemoryStyle,
        image: Option<&MemoryImage>,
    ) -> Result<LinearMemory> {
        let page_size = ty.page_size();
        let index_max = ty.max_pages_at_runtime();
        let max_pages = ty.maximum.map_or(index_max, |m| m.min(index_max));
        if ty.minimum > max_pages {
            bail!(
                "memory minimum size of {} pages exceeds memory limits (at most {max_pages} pages)",
                ty.minimum
            );
        }
        let min_bytes = ty
            .minimum
            .checked_mul(page_size)
            .and_then(|b| usize::try_from(b).ok())
            .with_context(|| {
                format!(
                    "memory minimum size of {} pages exceeds memory limits (its byte size \
                     overflows)",
                    ty.minimum
                )
            })?;
        let guard_size = to_usize(style.guard_size, "memory guard size")?;
        let mut reservation = to_usize(style.reservation, "memory reservation")?;

        if style.is_static {
            if min_bytes > reservation {
                bail!(
                    "memory minimum of {min_bytes:#x} bytes exceeds the reservation of \
                     {reservation:#x} bytes"
                );
            }
        } else {
            // The compiler checks bounds against the current length, so the
            // reservation is only a growth hint: never reserve more than the
            // memory can ever use.
            reservation = reservation.max(min_bytes);
            if let Some(max_bytes) = max_pages
                .checked_mul(page_size)
                .and_then(|b| usize::try_from(b).ok())
                .and_then(round_up_to_page_size)
            {
                reservation = reservation.min(max_bytes.max(min_bytes));
            }
        }
        let reservation = round_up_to_page_size(reservation).context("reservation overflows")?;
        let accessible = round_up_to_page_size(min_bytes).context("memory size overflows")?;
        let total = reservation
            .checked_add(guard_size)
            .context("memory reservation plus guard overflows")?;
        let pre = round_up_to_page_size(to_usize(style.guard_before_size, "memory guard size")?)
            .context("memory guard size overflows")?;
        let storage = Storage::owned(pre, accessible, total).with_context(|| {
            format!("failed to allocate a linear memory of {min_bytes:#x} bytes")
        })?;
        if let Some(image) = image {
            if image.offset() + image.len() > accessible {
                bail!("memory image does not fit the memory's minimum size");
            }
            // SAFETY: the image range lies inside the accessible part of the
            // mapping just created, which nothing references yet.
            unsafe { image.map_at(storage.base())? };
        }
        Ok(LinearMemory {
            storage,
            byte_size: min_bytes,
            accessible,
            reservation,
            guard_size,
            max_pages,
            page_size_log2: ty.page_size_log2,
            declared_maximum: ty.maximum,
            is_static: style.is_static,
            shared: ty.shared,
            growth_reservation: usize::try_from(style.growth_reservation).unwrap_or(usize::MAX),
        })
    }

    /// A memory in a pooling-allocator slot whose first
    /// `round_up(ty.minimum pages)` bytes the allocator already made
    /// accessible (holding the memory's image, if any). The memory never
    /// moves and never grows past `max_memory_size` or the slot.
    pub fn from_slot(
        ty: &Memory,
        style: &MemoryStyle,
        max_memory_size: usize,
        slot: Box<dyn MemorySlot>,
    ) -> Result<LinearMemory> {
        let page_size = ty.page_size();
        let index_max = ty.max_pages_at_runtime();
        let reservation = slot.reservation();
        let limit_pages = (max_memory_size.min(reservation) as u64) / page_size;
        let max_pages = ty
            .maximum
            .map_or(index_max, |m| m.min(index_max))
            .min(limit_pages);
        if ty.minimum > max_pages {
            bail!(
                "memory minimum size of {} pages exceeds memory limits (at most {max_pages} pages)",
                ty.minimum
            );
        }
        let min_bytes = to_usize(ty.minimum * page_size, "memory minimum size")?;
        let accessible = round_up_to_page_size(min_bytes).context("memory size overflows")?;
        Ok(LinearMemory {
            byte_size: min_bytes,
            accessible,
            reservation,
            guard_size: slot.guard_size(),
            max_pages,
            page_size_log2: ty.page_size_log2,
            declared_maximum: ty.maximum,
            is_static: style.is_static,
            shared: ty.shared,
            growth_reservation: 0,
            storage: Storage::Slot(slot),
        })
    }

    /// Grows the memory by `delta_pages` pages and returns the previous size
    /// in pages, or `None` if the memory cannot grow that much: past its
    /// declared maximum, its index type's limit, `limit_bytes` (an extra
    /// limit on the new byte size) or its reservation (static memories), or
    /// because the host is out of memory. Growing by zero always succeeds.
    ///
    /// Non-static memories may move: re-read [`LinearMemory::base`] after a
    /// successful grow.
    pub fn grow(&mut self, delta_pages: u64, limit_bytes: Option<u64>) -> Option<u64> {
        let old_pages = self.pages();
        if delta_pages == 0 {
            return Some(old_pages);
        }
        let new_pages = old_pages.checked_add(delta_pages)?;
        if new_pages > self.max_pages {
            return None;
        }
        let new_bytes = new_pages.checked_mul(self.page_size())?;
        if limit_bytes.is_some_and(|limit| new_bytes > limit) {
            return None;
        }
        let new_bytes = usize::try_from(new_bytes).ok()?;
        let new_accessible = round_up_to_page_size(new_bytes)?;

        if new_accessible <= self.reservation {
            if new_accessible > self.accessible {
                match &mut self.storage {
                    Storage::Owned { mmap, pre } => mmap
                        .make_accessible(*pre + self.accessible, new_accessible - self.accessible)
                        .ok()?,
                    Storage::Slot(slot) => slot.make_accessible(new_accessible).ok()?,
                }
                self.accessible = new_accessible;
            }
        } else {
            // Shared memories must never move under other threads, and
            // pooled memories cannot leave their slot.
            let Storage::Owned { pre, .. } = &self.storage else {
                return None;
            };
            let pre = *pre;
            if self.is_static || self.shared {
                return None;
            }
            // Leave room to grow further without moving every time
            // (`memory_reservation_for_growth`), but never reserve past the
            // maximum.
            let mut reservation = new_accessible.saturating_add(self.growth_reservation);
            if let Some(max_bytes) = self
                .max_pages
                .checked_mul(self.page_size())
                .and_then(|b| usize::try_from(b).ok())
                .and_then(round_up_to_page_size)
            {
                reservation = reservation.min(max_bytes).max(new_accessible);
            }
            let reservation = round_up_to_page_size(reservation)?;
            let storage = Storage::owned(
                pre,
                new_accessible,
                reservation.checked_add(self.guard_size)?,
            )
            .ok()?;
            // SAFETY: the old mapping's first `byte_size` bytes are
            // accessible, the new mapping is a distinct mapping with at least
            // `new_accessible >= byte_size` accessible bytes, and `&mut self`
            // guarantees nobody else is accessing the old contents.
            unsafe {
                std::ptr::copy_nonoverlapping(self.base(), storage.base(), self.byte_size);
            }
            self.storage = storage;
            self.accessible = new_accessible;
            self.reservation = reservation;
        }
        self.byte_size = new_bytes;
        Some(old_pages)
    }

    /// Start of the memory's contents.
    pub fn base(&self) -> *mut u8 {
        self.storage.base()
    }

    /// Current size in bytes.
    pub fn byte_size(&self) -> usize {
        self.byte_size
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        (self.byte_size as u64) >> self.page_size_log2
    }

    /// The page size of this memory in bytes.
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// The declared maximum size in bytes, or `None` if the memory has no
    /// declared maximum (or it does not fit in `usize`).
    pub fn maximum_byte_size(&self) -> Option<usize> {
        self.declared_maximum?
            .checked_mul(self.page_size())
            .and_then(|b| usize::try_from(b).ok())
    }

    /// The largest size in pages this memory may reach (its declared maximum
    /// capped by its index type's limit).
    pub fn maximum_pages(&self) -> u64 {
        self.max_pages
    }

    /// Bytes currently reserved for contents before the guard region.
    pub fn reserved_bytes(&self) -> usize {
        self.reservation
    }

    /// Bytes of inaccessible guard region after the reservation.
    pub fn guard_bytes(&self) -> usize {
        self.guard_size
    }

    /// Whether the memory's base can never move.
    pub fn is_static(&self) -> bool {
        self.is_static
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmap::{host_page_size, is_readable, is_writable};
    use wasmtime_environ::WASM_PAGE_SIZE;

    fn ty(minimum: u64, maximum: Option<u64>) -> Memory {
        Memory {
            minimum,
            maximum,
            shared: false,
            memory64: false,
            page_size_log2: 16,
        }
    }

    const PAGE: usize = WASM_PAGE_SIZE as usize;

    fn static_style() -> MemoryStyle {
        MemoryStyle {
            reservation: 1 << 32,
            guard_size: 32 << 20,
            is_static: true,
            page_size_log2: 16,
            growth_reservation: 0,
            guard_before_size: 0,
        }
    }

    fn dynamic_style(reservation: u64) -> MemoryStyle {
        MemoryStyle {
            reservation,
            guard_size: 64 << 10,
            is_static: false,
            page_size_log2: 16,
            growth_reservation: 1 << 20,
            guard_before_size: 64 << 10,
        }
    }

    #[test]
    fn static_memory_grows_in_place() {
        let mut m = LinearMemory::new(&ty(1, Some(3)), &static_style()).unwrap();
        let base = m.base();
        assert_eq!(m.pages(), 1);
        assert_eq!(m.byte_size(), PAGE);
        assert_eq!(m.maximum_byte_size(), Some(3 * PAGE));
        assert!(is_writable(base));
        assert!(is_writable(base.wrapping_add(PAGE - 1)));
        assert!(!is_readable(base.wrapping_add(PAGE)));
        // SAFETY: the first page is accessible.
        unsafe {
            assert!(std::slice::from_raw_parts(base, PAGE)
                .iter()
                .all(|b| *b == 0));
            *base = 9;
        }
        assert_eq!(m.grow(0, None), Some(1));
        assert_eq!(m.grow(1, None), Some(1));
        assert!(is_writable(base.wrapping_add(2 * PAGE - 1)));
        assert!(!is_readable(base.wrapping_add(2 * PAGE)));
        assert_eq!(m.grow(2, None), None);
        assert_eq!(m.grow(1, Some(2 * PAGE as u64)), None);
        assert_eq!(m.grow(1, Some(3 * PAGE as u64)), Some(2));
        assert_eq!(m.grow(1, None), None);
        assert_eq!(m.grow(u64::MAX, None), None);
        assert_eq!(m.grow(0, None), Some(3));
        assert_eq!(m.base(), base);
        assert!(!is_readable(base.wrapping_add(3 * PAGE)));
        // The guard region after the reservation is inaccessible too.
        assert!(!is_readable(base.wrapping_add((1usize << 32) + 4096)));
        // SAFETY: the first page is accessible.
        unsafe { assert_eq!(*base, 9) };
    }

    #[test]
    fn index_type_limit() {
        let mut m = LinearMemory::new(&ty(0, None), &static_style()).unwrap();
        assert_eq!(m.pages(), 0);
        assert_eq!(m.maximum_byte_size(), None);
        assert_eq!(m.maximum_pages(), 1 << 16);
        assert!(!is_readable(m.base()));
        assert_eq!(m.grow(1 << 16 | 1, None), None);
        assert_eq!(m.grow(2, None), Some(0));
        assert_eq!(m.grow((1 << 16) - 2, Some(1 << 20)), None);
        assert_eq!(m.pages(), 2);
    }

    #[test]
    fn minimum_checks() {
        assert!(LinearMemory::new(&ty(3, Some(2)), &static_style()).is_err());
        let small = MemoryStyle {
            reservation: 2 * WASM_PAGE_SIZE,
            guard_size: 0,
            is_static: true,
            page_size_log2: 16,
            growth_reservation: 0,
            guard_before_size: 0,
        };
        assert!(LinearMemory::new(&ty(3, None), &small).is_err());
        assert!(LinearMemory::new(&ty(2, None), &small).is_ok());
        let mut huge = ty(1 << 40, None);
        huge.memory64 = true;
        assert!(LinearMemory::new(&huge, &dynamic_style(0)).is_err());
    }

    #[test]
    fn dynamic_memory_moves() {
        let mut m =
            LinearMemory::new(&ty(1, Some(100)), &dynamic_style(2 * WASM_PAGE_SIZE)).unwrap();
        assert!(!m.is_static());
        // SAFETY: the first page is accessible.
        unsafe { *m.base().add(100) = 42 };
        assert_eq!(m.grow(1, None), Some(1));
        let base = m.base();
        assert_eq!(m.grow(3, None), Some(2));
        assert_ne!(m.base(), base);
        assert_eq!(m.pages(), 5);
        // SAFETY: five pages are accessible.
        unsafe {
            assert_eq!(*m.base().add(100), 42);
            let s = std::slice::from_raw_parts(m.base(), 5 * PAGE);
            assert_eq!(s.iter().filter(|b| **b != 0).count(), 1);
        }
        assert!(is_writable(m.base().wrapping_add(5 * PAGE - 1)));
        assert!(!is_readable(m.base().wrapping_add(5 * PAGE)));
        assert!(m.reserved_bytes() <= 100 * PAGE);
        assert_eq!(m.grow(95, None), Some(5));
        assert_eq!(m.grow(1, None), None);
        assert!(!is_readable(m.base().wrapping_add(100 * PAGE)));
    }

    #[test]
    fn memory64_unbounded_dynamic() {
        let mut t = ty(2, None);
        t.memory64 = true;
        let mut m = LinearMemory::new(&t, &dynamic_style(1 << 20)).unwrap();
        assert_eq!(m.maximum_byte_size(), None);
        assert_eq!(m.grow(1 << 48, None), None);
        assert_eq!(m.grow(100, None), Some(2));
        assert_eq!(m.pages(), 102);
        assert_eq!(m.grow(10, Some(103 * WASM_PAGE_SIZE)), None);
    }

    #[test]
    fn small_pages() {
        let mut t = ty(1, Some(10000));
        t.page_size_log2 = 0;
        let mut m = LinearMemory::new(&t, &static_style()).unwrap();
        assert_eq!(m.byte_size(), 1);
        assert_eq!(m.pages(), 1);
        assert_eq!(m.grow(host_page_size() as u64, None), Some(1));
        assert_eq!(m.byte_size(), host_page_size() + 1);
        assert!(is_writable(m.base().wrapping_add(host_page_size())));
        assert_eq!(m.grow(10000, None), None);
    }
}
