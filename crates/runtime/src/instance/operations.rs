//! The instance's share of wasm instructions that the compiled code leaves
//! to the runtime: growing memories and tables, and the bulk memory and
//! table operations (copy, fill, init, drop).

use super::{Instance, InstanceMemory, MemoryOwner};
use crate::table::Table;
use wasmtime_environ::*;

impl Instance {
    /// `memory.grow`: returns the old size in pages, `Ok(None)` if the
    /// memory cannot grow (or `store`'s limiter denies it), or the error
    /// the limiter raised.
    pub fn memory_grow(
        &mut self,
        index: MemoryIndex,
        delta: u64,
        store: Option<&mut (dyn crate::vmstore::VMStore + '_)>,
    ) -> anyhow::Result<Option<u64>> {
        let (owner, d) = match self.memory_owner(index) {
            MemoryOwner::Instance(owner, d) => (owner, d),
            // Shared memories are not charged to any one store's limiter.
            MemoryOwner::Shared(shared) => return Ok(shared.grow(delta, None)),
        };
        let InstanceMemory::Local(mem) = &mut owner.memories[d] else {
            unreachable!("memory_owner returns shared memories as Shared")
        };
        let old_pages = mem.pages();
        if delta == 0 {
            return Ok(Some(old_pages));
        }
        let Some(store) = store else {
            let old = mem.grow(delta, None);
            if old.is_some() {
                owner.update_memory_definition(d);
            }
            return Ok(old);
        };
        let page = mem.page_size();
        let current = mem.byte_size();
        let desired = old_pages
            .checked_add(delta)
            .and_then(|p| p.checked_mul(page))
            .and_then(|b| usize::try_from(b).ok());
        let maximum = mem.maximum_byte_size();
        // As in Wasmtime: the limiter is asked first, even about a growth
        // past the declared maximum (so `StoreLimits` can turn it into a
        // trap); such a growth then fails whatever the limiter said.
        let Some(desired) = desired else {
            store.memory_grow_failed(anyhow::anyhow!("overflow calculating size of memory"))?;
            return Ok(None);
        };
        if !store.memory_growing(current, desired, maximum)? {
            return Ok(None);
        }
        if maximum.is_some_and(|m| desired > m) {
            store.memory_grow_failed(anyhow::anyhow!("Memory maximum size exceeded"))?;
            return Ok(None);
        }
        match mem.grow(delta, None) {
            Some(old) => {
                owner.update_memory_definition(d);
                Ok(Some(old))
            }
            None => {
                store.memory_grow_failed(anyhow::anyhow!(
                    "failed to grow memory from {current} to {desired} bytes"
                ))?;
                Ok(None)
            }
        }
    }

    /// `table.grow`: returns the old size, `Ok(None)` if the table cannot
    /// grow (or `store`'s limiter denies it), or the error the limiter
    /// raised.
    pub fn table_grow(
        &mut self,
        index: TableIndex,
        delta: u64,
        init: u64,
        store: Option<&mut (dyn crate::vmstore::VMStore + '_)>,
    ) -> anyhow::Result<Option<u64>> {
        let (owner, d) = self.table_owner(index);
        let table = &mut owner.tables[d];
        let old_size = table.size();
        if delta == 0 {
            return Ok(Some(old_size));
        }
        let desired = old_size.checked_add(delta);
        if let Some(desired) = desired.filter(|d| !Table::allocation_fits(*d)) {
            anyhow::bail!(
                "failed to allocate a table of {desired} elements: overflow calculating table \
                 allocation size"
            );
        }
        let Some(store) = store else {
            let old = table.grow(delta, init, None);
            if old.is_some() {
                owner.update_table_definition(d);
            }
            return Ok(old);
        };
        let maximum = table.maximum().and_then(|m| usize::try_from(m).ok());
        let desired = desired.and_then(|n| usize::try_from(n).ok());
        let Some(desired) = desired else {
            store.table_grow_failed(anyhow::anyhow!("overflow calculating new table size"))?;
            return Ok(None);
        };
        if !store.table_growing(old_size as usize, desired, maximum)? {
            return Ok(None);
        }
        if maximum.is_some_and(|m| desired > m) {
            store.table_grow_failed(anyhow::anyhow!("Table maximum size exceeded"))?;
            return Ok(None);
        }
        match table.grow(delta, init, None) {
            Some(old) => {
                owner.update_table_definition(d);
                Ok(Some(old))
            }
            None => {
                store.table_grow_failed(anyhow::anyhow!(
                    "failed to grow table from {old_size} to {desired} elements"
                ))?;
                Ok(None)
            }
        }
    }

    /// `memory.copy`; false if out of bounds.
    pub fn memory_copy(
        &mut self,
        dst_mem: MemoryIndex,
        dst: u64,
        src_mem: MemoryIndex,
        src: u64,
        len: u64,
    ) -> bool {
        let (dst_base, dst_len) = self.memory_slice(dst_mem);
        let (src_base, src_len) = self.memory_slice(src_mem);
        let in_bounds =
            |off: u64, size: usize| off.checked_add(len).is_some_and(|e| e <= size as u64);
        if !in_bounds(dst, dst_len) || !in_bounds(src, src_len) {
            return false;
        }
        // SAFETY: both ranges were checked against the memories' sizes;
        // `copy` handles overlap.
        unsafe {
            std::ptr::copy(
                src_base.add(src as usize),
                dst_base.add(dst as usize),
                len as usize,
            )
        };
        true
    }

    /// `memory.fill`; false if out of bounds.
    pub fn memory_fill(&mut self, mem: MemoryIndex, dst: u64, val: u8, len: u64) -> bool {
        let (base, size) = self.memory_slice(mem);
        if dst.checked_add(len).is_none_or(|e| e > size as u64) {
            return false;
        }
        // SAFETY: the range was checked against the memory's size.
        unsafe { std::ptr::write_bytes(base.add(dst as usize), val, len as usize) };
        true
    }

    /// `memory.init`; false if out of bounds.
    pub fn memory_init(
        &mut self,
        mem: MemoryIndex,
        data: DataIndex,
        dst: u64,
        src: u32,
        len: u32,
    ) -> bool {
        let module = self.module.clone();
        let bytes: &[u8] = if self.dropped_data[data.index()] {
            &[]
        } else {
            &module.data[data].data
        };
        let (base, size) = self.memory_slice(mem);
        let src_ok = (src as u64) + (len as u64) <= bytes.len() as u64;
        let dst_ok = dst
            .checked_add(len as u64)
            .is_some_and(|e| e <= size as u64);
        if !src_ok || !dst_ok {
            return false;
        }
        // SAFETY: both ranges were checked.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr().add(src as usize),
                base.add(dst as usize),
                len as usize,
            )
        };
        true
    }

    /// `data.drop`.
    pub fn data_drop(&mut self, data: DataIndex) {
        self.dropped_data[data.index()] = true;
    }

    /// `elem.drop`.
    pub fn elem_drop(&mut self, elem: ElemIndex) {
        self.dropped_elements[elem.index()] = true;
        self.elem_values[elem.index()] = None;
    }

    /// `table.init`; false if out of bounds.
    pub fn table_init(
        &mut self,
        table: TableIndex,
        elem: ElemIndex,
        dst: u64,
        src: u64,
        len: u64,
    ) -> bool {
        let module = self.module.clone();
        let seg = &module.elements[elem];
        let seg_len = if self.dropped_elements[elem.index()] {
            0
        } else {
            seg.items.len() as u64
        };
        if src.checked_add(len).is_none_or(|e| e > seg_len) {
            return false;
        }
        let table_size = self.table(table).size();
        if dst.checked_add(len).is_none_or(|e| e > table_size) {
            return false;
        }
        let values = match &seg.items {
            ElementItems::Functions(_) => None,
            // A failed GC allocation in an item (only possible when the
            // GC heap is exhausted) leaves the items null.
            ElementItems::Expressions(_) => self.elem_values(elem).ok(),
        };
        let (src, dst, len) = (src as usize, dst as usize, len as usize);
        if let Some(offsets) = self.func_refs.clone().elem_offsets(elem) {
            // Every function a segment names has its funcref filled at
            // instantiation (`Module::inline_func_refs`), so the elements
            // are the slots' addresses.
            let vmctx = self.vmctx() as u64;
            let elements = &mut self.table(table).elements_mut()[dst..dst + len];
            for (e, off) in elements.iter_mut().zip(&offsets[src..src + len]) {
                *e = vmctx + u64::from(*off);
            }
            return true;
        }
        let vals: Vec<u64> = match (&seg.items, &values) {
            (ElementItems::Functions(f), _) => f[src..src + len]
                .iter()
                .map(|f| self.func_ref_ptr(*f) as u64)
                .collect(),
            (_, Some(v)) => v[src..src + len].to_vec(),
            (_, None) => vec![0; len],
        };
        // Both ranges were checked above; the table is resolved once.
        self.table(table).elements_mut()[dst..dst + len].copy_from_slice(&vals);
        true
    }

    /// `table.copy`; false if out of bounds.
    pub fn table_copy(
        &mut self,
        dst_table: TableIndex,
        src_table: TableIndex,
        dst: u64,
        src: u64,
        len: u64,
    ) -> bool {
        let (dst_owner, dst_def) = self.table_owner(dst_table);
        let dst_owner = dst_owner as *mut Instance;
        let (src_owner, src_def) = self.table_owner(src_table);
        let src_owner = src_owner as *mut Instance;
        if dst_owner == src_owner && dst_def == src_def {
            // SAFETY: the owner is live (see table_owner).
            return unsafe { (&mut (*dst_owner).tables)[dst_def].copy_within(dst, src, len) };
        }
        // SAFETY: distinct tables, so the two borrows do not alias.
        let (dt, st) = unsafe {
            (
                &mut (&mut (*dst_owner).tables)[dst_def],
                &(&(*src_owner).tables)[src_def],
            )
        };
        let ok = src.checked_add(len).is_some_and(|e| e <= st.size())
            && dst.checked_add(len).is_some_and(|e| e <= dt.size());
        if !ok {
            return false;
        }
        dt.elements_mut()[dst as usize..(dst + len) as usize]
            .copy_from_slice(&st.elements()[src as usize..(src + len) as usize]);
        true
    }
}
