//! The store's GC heap: one reserved, guard-protected region holding every
//! struct and array object of the store (laid out as
//! `wasmtime_environ::gc_header` describes).
//!
//! The region (4 GiB of address space, inaccessible) is reserved at the
//! first allocation and never moves; its accessible prefix grows in whole
//! pages, each growth asked of the store's resource limiter as a memory
//! growth would be. An object reference is the object's offset from the
//! base, so compiled code reads the base and the accessible length (the
//! bound) from the store context (`store_context::GC_HEAP_BASE`/`BOUND`)
//! and checks every access against the bound.
//!
//! Allocation takes the first gap between live objects that fits (gaps are
//! found by the last collection), else bumps the end of the used part;
//! each new object is zeroed. A bitmap records where objects start, so the
//! collector (`collect.rs`, mark and sweep: objects never move) can tell a
//! valid reference from any other word and sweep without walking headers.
//! When nothing fits, the caller may collect first (see
//! `Instance::gc_alloc`); otherwise, or if that does not help, the heap
//! grows, and when the reservation or the limiter refuses, allocation
//! fails with the store's out-of-memory error.

use crate::mmap::{round_up_to_page_size, Mmap};
use crate::vmstore::VMStore;
use anyhow::Result;
use wasmtime_environ::gc_header;

mod collect;
mod pool;
pub use collect::{CollectStats, TraceInfo};
pub use pool::GcHeapPool;

/// Address space reserved for a GC heap.
pub const GC_HEAP_RESERVATION: usize = 1 << 32;

/// Accessible size after the first allocation.
const INITIAL_SIZE: usize = 64 << 10;

/// Offset of the first object (0 is the null reference).
const FIRST_OBJECT: usize = 16;

/// Bytes per bit of the object-start and mark bitmaps.
const GRANULE: usize = gc_header::ALIGN as usize;

/// A store's GC heap.
pub struct GcHeap {
    mmap: Mmap,
    accessible: usize,
    /// End of the used part: everything from here is free.
    next: usize,
    objects: u64,
    /// One bit per granule below `next`: an object starts there.
    starts: Vec<u64>,
    /// Free ranges below `next` (from the last collection), by address.
    gaps: Vec<(usize, usize)>,
    /// Gaps before this index are too full to be tried again.
    gap_cursor: usize,
    /// Bytes of the objects that survived the last collection.
    live_after_gc: usize,
    collections: u64,
    /// The pooling allocator's pool the reservation comes from (and goes
    /// back to when the heap is dropped), if any.
    pool: Option<std::sync::Arc<GcHeapPool>>,
}

impl Drop for GcHeap {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            if !self.mmap.is_empty() {
                pool.give_back(std::mem::take(&mut self.mmap), self.accessible);
            }
        }
    }
}

impl Default for GcHeap {
    fn default() -> Self {
        GcHeap::new()
    }
}

impl GcHeap {
    /// An empty heap (nothing reserved yet).
    pub fn new() -> GcHeap {
        GcHeap {
            mmap: Mmap::new(),
            accessible: 0,
            next: FIRST_OBJECT,
            objects: 0,
            starts: Vec::new(),
            gaps: Vec::new(),
            gap_cursor: 0,
            live_after_gc: 0,
            collections: 0,
            pool: None,
        }
    }

    /// Takes this heap's reservation from `pool` (at its first growth)
    /// instead of mapping its own; only before the first allocation.
    pub fn set_pool(&mut self, pool: Option<std::sync::Arc<GcHeapPool>>) {
        debug_assert!(self.mmap.is_empty());
        self.pool = pool;
    }

    /// With a pool, takes this heap's slot now if it has none (as
    /// instantiating a module with struct or array types does, so that
    /// running out of slots fails there); nothing without a pool.
    pub fn take_pool_slot(&mut self) -> Result<()> {
        if self.mmap.is_empty() {
            if let Some(pool) = &self.pool {
                self.mmap = pool.take(GC_HEAP_RESERVATION)?;
            }
        }
        Ok(())
    }

    /// The heap's base address (null before the first allocation).
    pub fn base(&self) -> *mut u8 {
        if self.mmap.is_empty() {
            std::ptr::null_mut()
        } else {
            self.mmap.as_mut_ptr()
        }
    }

    /// Accessible bytes from the base (the heap's size).
    pub fn bound(&self) -> usize {
        self.accessible
    }

    /// End of the used part of the heap (objects and gaps).
    pub fn used(&self) -> usize {
        self.next
    }

    /// Number of objects in the heap (allocated and not yet collected).
    pub fn objects(&self) -> u64 {
        self.objects
    }

    /// Number of collections so far.
    pub fn collections(&self) -> u64 {
        self.collections
    }

    /// Whether a collection is unlikely to pay off before growing: most
    /// of the heap was live after the last one.
    pub fn prefers_growth(&self) -> bool {
        self.collections > 0 && self.live_after_gc * 2 > self.accessible
    }

    /// Whether `r` is the start of an object of the heap.
    pub fn is_object(&self, r: u64) -> bool {
        let Ok(r) = usize::try_from(r) else {
            return false;
        };
        r >= FIRST_OBJECT && r < self.next && r.is_multiple_of(GRANULE) && {
            let g = r / GRANULE;
            self.starts
                .get(g / 64)
                .is_some_and(|w| w & (1 << (g % 64)) != 0)
        }
    }

    fn set_start(&mut self, at: usize, on: bool) {
        let g = at / GRANULE;
        if self.starts.len() <= g / 64 {
            self.starts.resize(g / 64 + 1, 0);
        }
        if on {
            self.starts[g / 64] |= 1 << (g % 64);
        } else {
            self.starts[g / 64] &= !(1 << (g % 64));
        }
    }

    /// Places `size` bytes without growing: in a gap, else at the end if
    /// the accessible part has room.
    fn place(&mut self, size: usize) -> Option<usize> {
        while let Some(&(start, end)) = self.gaps.get(self.gap_cursor) {
            if end - start >= size {
                self.gaps[self.gap_cursor].0 += size;
                return Some(start);
            }
            self.gap_cursor += 1;
        }
        let end = self.next.checked_add(size)?;
        if end > self.accessible {
            return None;
        }
        let at = self.next;
        self.next = end;
        Some(at)
    }

    fn finish_alloc(&mut self, at: usize, size: usize) -> u64 {
        self.bytes_mut(at as u64, size)
            .expect("allocated inside the accessible part")
            .fill(0);
        self.set_start(at, true);
        self.objects += 1;
        at as u64
    }

    /// Allocates `size` zeroed bytes (a multiple of `gc_header::ALIGN`)
    /// without growing the heap; `None` if they do not fit.
    pub fn try_alloc(&mut self, size: u32) -> Option<u64> {
        debug_assert!(size.is_multiple_of(gc_header::ALIGN));
        let size = size as usize;
        let at = self.place(size)?;
        Some(self.finish_alloc(at, size))
    }

    /// Allocates `size` zeroed bytes (a multiple of `gc_header::ALIGN`)
    /// and returns their offset; growth is asked of `store`'s limiter.
    /// Fails with the store's out-of-memory error when the reservation or
    /// the limiter refuses.
    pub fn alloc(&mut self, size: u32, store: Option<&mut (dyn VMStore + '_)>) -> Result<u64> {
        if let Some(r) = self.try_alloc(size) {
            return Ok(r);
        }
        let size = size as usize;
        let end = self.next + size;
        self.grow(end, size, store)?;
        let at = self.next;
        self.next = end;
        Ok(self.finish_alloc(at, size))
    }

    fn grow(
        &mut self,
        end: usize,
        size: usize,
        store: Option<&mut (dyn VMStore + '_)>,
    ) -> Result<()> {
        let out_of_memory = |store: Option<&mut (dyn VMStore + '_)>| -> anyhow::Error {
            match store {
                Some(s) => s.gc_out_of_memory(size as u64),
                None => anyhow::anyhow!("GC heap out of memory"),
            }
        };
        if end > GC_HEAP_RESERVATION {
            return Err(out_of_memory(store));
        }
        let desired = end.max(self.accessible * 2).max(INITIAL_SIZE);
        let desired = round_up_to_page_size(desired)
            .unwrap_or(GC_HEAP_RESERVATION)
            .min(GC_HEAP_RESERVATION);
        let store = match store {
            Some(s) => {
                if !s.gc_heap_growing(self.accessible, desired, GC_HEAP_RESERVATION)? {
                    return Err(out_of_memory(Some(s)));
                }
                Some(s)
            }
            None => None,
        };
        if self.mmap.is_empty() {
            self.mmap = match &self.pool {
                Some(pool) => pool.take(GC_HEAP_RESERVATION)?,
                None => Mmap::reserve(GC_HEAP_RESERVATION)?,
            };
        }
        if self.mmap.make_accessible(0, desired).is_err() {
            return Err(out_of_memory(store));
        }
        self.accessible = desired;
        Ok(())
    }

    /// `len` bytes at `offset`, if accessible.
    pub fn bytes(&self, offset: u64, len: usize) -> Option<&[u8]> {
        let offset = usize::try_from(offset).ok()?;
        if offset.checked_add(len)? > self.accessible {
            return None;
        }
        // SAFETY: the range is inside the accessible prefix of our mapping,
        // and `&self` keeps it from changing while borrowed.
        Some(unsafe { std::slice::from_raw_parts(self.mmap.as_ptr().add(offset), len) })
    }

    /// `len` bytes at `offset`, writable, if accessible.
    pub fn bytes_mut(&mut self, offset: u64, len: usize) -> Option<&mut [u8]> {
        let offset = usize::try_from(offset).ok()?;
        if offset.checked_add(len)? > self.accessible {
            return None;
        }
        // SAFETY: as in `bytes`, borrowed mutably through `&mut self`.
        Some(unsafe { std::slice::from_raw_parts_mut(self.mmap.as_mut_ptr().add(offset), len) })
    }

    /// Copies `len` bytes from `src` to `dst` (ranges may overlap); false
    /// if either is not accessible.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: usize) -> bool {
        if self.bytes(dst, len).is_none() || self.bytes(src, len).is_none() {
            return false;
        }
        // SAFETY: both ranges were checked to be accessible; `copy` allows
        // overlap.
        unsafe {
            let base = self.mmap.as_mut_ptr();
            std::ptr::copy(base.add(src as usize), base.add(dst as usize), len);
        }
        true
    }

    /// The `u32` at `offset` (header fields), if accessible.
    pub fn read_u32(&self, offset: u64) -> Option<u32> {
        let b = self.bytes(offset, 4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }

    /// Writes the `u32` at `offset`; false if not accessible.
    pub fn write_u32(&mut self, offset: u64, value: u32) -> bool {
        match self.bytes_mut(offset, 4) {
            Some(b) => {
                b.copy_from_slice(&value.to_le_bytes());
                true
            }
            None => false,
        }
    }

    /// The engine type id in the header of object `r`.
    pub fn type_id(&self, r: u64) -> Option<u32> {
        self.read_u32(r + u64::from(gc_header::TYPE_ID))
    }

    /// The kind bits of object `r`.
    pub fn kind(&self, r: u64) -> Option<u32> {
        self.read_u32(r + u64::from(gc_header::KIND))
            .map(|k| k & (gc_header::KIND_STRUCT | gc_header::KIND_ARRAY))
    }

    /// The length of array `r`.
    pub fn array_len(&self, r: u64) -> Option<u32> {
        self.read_u32(r + u64::from(gc_header::ARRAY_LEN))
    }
}

impl GcHeap {
    /// Allocates an object of engine type `type_id` (`kind` is
    /// `gc_header::KIND_STRUCT` or `KIND_ARRAY`) of `size` bytes, with its
    /// header written and everything else zero.
    pub fn alloc_object(
        &mut self,
        type_id: u32,
        kind: u32,
        size: u32,
        len: u32,
        store: Option<&mut (dyn VMStore + '_)>,
    ) -> Result<u64> {
        let r = self.alloc(size, store)?;
        self.write_header(r, type_id, kind, size, len);
        Ok(r)
    }

    /// As [`GcHeap::alloc_object`], without growing the heap: `None` if
    /// the object does not fit.
    pub fn try_alloc_object(
        &mut self,
        type_id: u32,
        kind: u32,
        size: u32,
        len: u32,
    ) -> Option<u64> {
        let r = self.try_alloc(size)?;
        self.write_header(r, type_id, kind, size, len);
        Some(r)
    }

    fn write_header(&mut self, r: u64, type_id: u32, kind: u32, size: u32, len: u32) {
        self.write_u32(r + u64::from(gc_header::TYPE_ID), type_id);
        self.write_u32(r + u64::from(gc_header::KIND), kind);
        self.write_u32(r + u64::from(gc_header::SIZE), size);
        if kind == gc_header::KIND_ARRAY {
            self.write_u32(r + u64::from(gc_header::ARRAY_LEN), len);
        }
    }

    /// Writes `value` as a value of `storage` at `offset` (packed
    /// integers keep their low bits); false if not accessible.
    pub fn write_value(
        &mut self,
        offset: u64,
        storage: &wasmtime_environ::WasmStorageType,
        value: crate::vmcontext::ValRaw,
    ) -> bool {
        use wasmtime_environ::{WasmStorageType as S, WasmValType as V};
        let bytes: Vec<u8> = match storage {
            S::I8 => vec![value.get_u32() as u8],
            S::I16 => (value.get_u32() as u16).to_le_bytes().to_vec(),
            S::Val(V::I32) => value.get_u32().to_le_bytes().to_vec(),
            S::Val(V::F32) => value.get_f32().to_le_bytes().to_vec(),
            S::Val(V::I64) => value.get_u64().to_le_bytes().to_vec(),
            S::Val(V::F64) => value.get_f64().to_le_bytes().to_vec(),
            S::Val(V::V128) => value.get_v128().to_le_bytes().to_vec(),
            S::Val(V::Ref(_)) => value.get_reference().to_le_bytes().to_vec(),
        };
        match self.bytes_mut(offset, bytes.len()) {
            Some(b) => {
                b.copy_from_slice(&bytes);
                true
            }
            None => false,
        }
    }

    /// Reads a value of `storage` at `offset` (packed integers
    /// zero-extended), if accessible.
    pub fn read_value(
        &self,
        offset: u64,
        storage: &wasmtime_environ::WasmStorageType,
    ) -> Option<crate::vmcontext::ValRaw> {
        use crate::vmcontext::ValRaw;
        use wasmtime_environ::{WasmStorageType as S, WasmValType as V};
        let b = self.bytes(offset, storage.byte_size() as usize)?;
        let mut buf = [0u8; 16];
        buf[..b.len()].copy_from_slice(b);
        let lo = u64::from_le_bytes(buf[..8].try_into().ok()?);
        Some(match storage {
            S::I8 | S::I16 | S::Val(V::I32) => ValRaw::i32(lo as u32 as i32),
            S::Val(V::F32) => ValRaw::f32(lo as u32),
            S::Val(V::I64) => ValRaw::i64(lo as i64),
            S::Val(V::F64) => ValRaw::f64(lo),
            S::Val(V::V128) => ValRaw::v128(u128::from_le_bytes(buf)),
            S::Val(V::Ref(_)) => ValRaw::reference(lo),
        })
    }
}
