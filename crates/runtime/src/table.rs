//! Runtime tables: growable arrays of 8-byte references.

use wasmtime_environ::{Table as TableTy, WasmRefType};

/// A table's storage. Element 0 bits mean null; funcref elements are
/// `*const VMFuncRef`, externref elements are store-local handles.
#[derive(Debug)]
pub struct Table {
    elements: Vec<u64>,
    ty: TableTy,
}

impl Table {
    /// Creates a table of `ty.minimum` elements, each `init`.
    pub fn new(ty: &TableTy, init: u64) -> anyhow::Result<Table> {
        let min = usize::try_from(ty.minimum)
            .ok()
            .filter(|m| *m <= 10_000_000)
            .ok_or_else(|| {
                anyhow::anyhow!("table minimum size of {} elements is too large", ty.minimum)
            })?;
        Ok(Table {
            elements: vec![init; min],
            ty: *ty,
        })
    }

    /// The element type.
    pub fn element_type(&self) -> WasmRefType {
        self.ty.element
    }

    /// The declared maximum.
    pub fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }

    /// Current number of elements.
    pub fn size(&self) -> u64 {
        self.elements.len() as u64
    }

    /// Pointer to the element array (valid until the next grow).
    pub fn base(&mut self) -> *mut u64 {
        self.elements.as_mut_ptr()
    }

    /// Reads an element.
    pub fn get(&self, index: u64) -> Option<u64> {
        self.elements.get(usize::try_from(index).ok()?).copied()
    }

    /// Writes an element; false if out of bounds.
    pub fn set(&mut self, index: u64, val: u64) -> bool {
        match usize::try_from(index)
            .ok()
            .and_then(|i| self.elements.get_mut(i))
        {
            Some(slot) => {
                *slot = val;
                true
            }
            None => false,
        }
    }

    /// Grows by `delta` elements set to `init`; returns the old size or
    /// `None` if the maximum (or `limit`) would be exceeded.
    pub fn grow(&mut self, delta: u64, init: u64, limit: Option<u64>) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        let max = self
            .ty
            .maximum
            .unwrap_or(u32::MAX as u64)
            .min(limit.unwrap_or(u64::MAX));
        if new > max || new > 10_000_000 {
            return None;
        }
        self.elements.resize(new as usize, init);
        Some(old)
    }

    /// `table.fill`; false if out of bounds.
    pub fn fill(&mut self, dst: u64, val: u64, len: u64) -> bool {
        match dst.checked_add(len) {
            Some(end) if end <= self.size() => {
                self.elements[dst as usize..end as usize].fill(val);
                true
            }
            _ => false,
        }
    }

    /// Copies within this table; false if out of bounds.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> bool {
        let size = self.size();
        match (dst.checked_add(len), src.checked_add(len)) {
            (Some(d), Some(s)) if d <= size && s <= size => {
                self.elements
                    .copy_within(src as usize..s as usize, dst as usize);
                true
            }
            _ => false,
        }
    }

    /// The elements as a slice.
    pub fn elements(&self) -> &[u64] {
        &self.elements
    }

    /// The elements as a mutable slice.
    pub fn elements_mut(&mut self) -> &mut [u64] {
        &mut self.elements
    }
}
