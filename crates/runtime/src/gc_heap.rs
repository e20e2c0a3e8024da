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
//! Collection: this heap is the *null* collector's: allocation bumps a
//! pointer and memory is only released with the store. When the limit is
//! reached (reservation or limiter), allocation fails with the store's
//! out-of-memory error.

use crate::mmap::{round_up_to_page_size, Mmap};
use crate::vmstore::VMStore;
use anyhow::Result;
use wasmtime_environ::gc_header;

/// Address space reserved for a GC heap.
pub const GC_HEAP_RESERVATION: usize = 1 << 32;

/// Accessible size after the first allocation.
const INITIAL_SIZE: usize = 64 << 10;

/// Offset of the first object (0 is the null reference).
const FIRST_OBJECT: usize = 16;

/// A store's GC heap.
pub struct GcHeap {
    mmap: Mmap,
    accessible: usize,
    next: usize,
    objects: u64,
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
        }
    }

    /// The heap's base address (null before the first allocation).
    pub fn base(&self) -> *mut u8 {
        if self.mmap.is_empty() {
            std::ptr::null_mut()
        } else {
            self.mmap.as_mut_ptr()
        }
    }

    /// Accessible bytes from the base.
    pub fn bound(&self) -> usize {
        self.accessible
    }

    /// Bytes allocated so far (objects and the unused start).
    pub fn used(&self) -> usize {
        self.next
    }

    /// Number of objects allocated so far.
    pub fn objects(&self) -> u64 {
        self.objects
    }

    /// Allocates `size` zeroed bytes (a multiple of `gc_header::ALIGN`)
    /// and returns their offset; growth is asked of `store`'s limiter.
    /// Fails with the store's out-of-memory error when the reservation or
    /// the limiter refuses.
    pub fn alloc(&mut self, size: u32, store: Option<&mut (dyn VMStore + '_)>) -> Result<u64> {
        debug_assert!(size.is_multiple_of(gc_header::ALIGN));
        let size = size as usize;
        let end = self.next + size;
        if end > self.accessible {
            self.grow(end, size, store)?;
        }
        let at = self.next;
        self.next = end;
        self.objects += 1;
        Ok(at as u64)
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
            self.mmap = Mmap::reserve(GC_HEAP_RESERVATION)?;
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
        self.write_u32(r + u64::from(gc_header::TYPE_ID), type_id);
        self.write_u32(r + u64::from(gc_header::KIND), kind);
        self.write_u32(r + u64::from(gc_header::SIZE), size);
        if kind == gc_header::KIND_ARRAY {
            self.write_u32(r + u64::from(gc_header::ARRAY_LEN), len);
        }
        Ok(r)
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
