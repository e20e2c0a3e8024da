//! The tracing collector of the GC heap: mark from the roots, then sweep.
//!
//! Objects never move, so roots (stack slots, globals, tables, host
//! handles) are only read. Marking follows the reference fields of each
//! reached object, which the caller describes per engine type id
//! ([`TraceInfo`]); words are checked against the object-start bitmap, so
//! a word that is not an object reference is never followed. Host values
//! (`externref` slots) reached are reported to the caller, which drops the
//! others. Sweeping clears the start bits of unmarked objects and records
//! the gaps between the survivors for allocation; the used part of the
//! heap ends after the last survivor.

use super::{GcHeap, FIRST_OBJECT, GRANULE};
use std::collections::HashMap;
use std::sync::Arc;
use wasmtime_environ::{gc_header, gc_ref};

/// Where the references are in the objects of one type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceInfo {
    /// Offsets of a struct's reference fields (8-byte words).
    pub struct_refs: Vec<u32>,
    /// Whether an array's elements are references (8-byte words).
    pub array_of_refs: bool,
}

/// What a collection did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollectStats {
    /// Objects that survived.
    pub live_objects: u64,
    /// Bytes of the surviving objects.
    pub live_bytes: usize,
    /// Objects freed.
    pub freed_objects: u64,
}

impl GcHeap {
    /// Collects the objects not reachable from `roots` (reference words).
    /// `trace` describes the objects of an engine type id (`None`: no
    /// references); `host` is called with the slot of every host value
    /// reached, once or more.
    pub fn collect(
        &mut self,
        roots: &mut dyn Iterator<Item = u64>,
        trace: &mut dyn FnMut(u32) -> Option<Arc<TraceInfo>>,
        host: &mut dyn FnMut(usize),
    ) -> CollectStats {
        let granules = self.next.div_ceil(GRANULE);
        let mut marks = vec![0u64; granules.div_ceil(64)];
        let mut work: Vec<u64> = Vec::new();
        let mut infos: HashMap<u32, Option<Arc<TraceInfo>>> = HashMap::new();

        let mut reach = |heap: &GcHeap, word: u64, marks: &mut Vec<u64>, work: &mut Vec<u64>| {
            if word == 0 || word & gc_ref::I31_TAG != 0 {
                return;
            }
            if let Some(slot) = gc_ref::host_index(word) {
                host(slot);
                return;
            }
            if !heap.is_object(word) {
                return;
            }
            let g = word as usize / GRANULE;
            let bit = 1u64 << (g % 64);
            if marks[g / 64] & bit == 0 {
                marks[g / 64] |= bit;
                work.push(word);
            }
        };

        for word in roots {
            reach(self, word, &mut marks, &mut work);
        }
        while let Some(r) = work.pop() {
            let Some(type_id) = self.type_id(r) else {
                continue;
            };
            let info = infos
                .entry(type_id)
                .or_insert_with(|| trace(type_id))
                .clone();
            let Some(info) = info else {
                continue;
            };
            if self.kind(r) == Some(gc_header::KIND_ARRAY) {
                if info.array_of_refs {
                    let len = u64::from(self.array_len(r).unwrap_or(0));
                    let first = r + u64::from(gc_header::SIZE_OF_HEADER);
                    for i in 0..len {
                        if let Some(w) = self.read_u64(first + i * 8) {
                            reach(self, w, &mut marks, &mut work);
                        }
                    }
                }
            } else {
                for off in &info.struct_refs {
                    if let Some(w) = self.read_u64(r + u64::from(*off)) {
                        reach(self, w, &mut marks, &mut work);
                    }
                }
            }
        }
        self.sweep(&marks)
    }

    fn sweep(&mut self, marks: &[u64]) -> CollectStats {
        let mut stats = CollectStats::default();
        let mut gaps = Vec::new();
        let mut prev_end = FIRST_OBJECT;
        for w in 0..self.starts.len() {
            let mut bits = self.starts[w];
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let at = (w * 64 + b) * GRANULE;
                if marks.get(w).is_some_and(|m| m & (1 << b) != 0) {
                    let size = self.read_u32(at as u64 + u64::from(gc_header::SIZE));
                    let size = size.map_or(GRANULE, |s| (s as usize).max(GRANULE));
                    if at >= prev_end + gc_header::SIZE_OF_HEADER as usize {
                        gaps.push((prev_end, at));
                    }
                    prev_end = at + size;
                    stats.live_objects += 1;
                    stats.live_bytes += size;
                } else {
                    self.starts[w] &= !(1 << b);
                    stats.freed_objects += 1;
                }
            }
        }
        self.next = prev_end;
        self.starts
            .truncate(self.next.div_ceil(GRANULE).div_ceil(64));
        self.gaps = gaps;
        self.gap_cursor = 0;
        self.objects = stats.live_objects;
        self.live_after_gc = stats.live_bytes;
        self.collections += 1;
        stats
    }

    /// The `u64` at `offset`, if accessible.
    pub fn read_u64(&self, offset: u64) -> Option<u64> {
        let b = self.bytes(offset, 8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }
}
