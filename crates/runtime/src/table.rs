//! Runtime tables: growable arrays of 8-byte references.

use wasmtime_environ::{Table as TableTy, WasmRefType};

/// Storage for a table's elements that the table does not own: a slot of
/// the pooling allocator, given back when this value is dropped.
pub trait TableSlot: Send + Sync {
    /// Start of the slot's element array (zeroed when handed out).
    fn base(&self) -> *mut u64;
    /// Number of elements the slot can hold.
    fn capacity(&self) -> usize;
    /// Called when the table is dropped: brings the first `used` elements
    /// (the only ones that can be non-zero) back to zero.
    fn reset(&mut self, used: usize);
}

enum Storage {
    Vec(Vec<u64>),
    Slot(Box<dyn TableSlot>),
}

/// A table's storage. Element 0 bits mean null; funcref elements are
/// `*const VMFuncRef`, externref elements are store-local handles.
pub struct Table {
    storage: Storage,
    /// Current number of elements (always `elements.len()` for `Vec`).
    len: usize,
    ty: TableTy,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("len", &self.len)
            .field("ty", &self.ty)
            .finish_non_exhaustive()
    }
}

/// Largest table this runtime creates.
const MAX_ELEMENTS: u64 = 10_000_000;

impl Table {
    /// Creates a table of `ty.minimum` elements, each `init`.
    pub fn new(ty: &TableTy, init: u64) -> anyhow::Result<Table> {
        if !Self::allocation_fits(ty.minimum) {
            anyhow::bail!(
                "table minimum size of {} elements is too large: overflow calculating table \
                 allocation size",
                ty.minimum
            );
        }
        let min = usize::try_from(ty.minimum)
            .ok()
            .filter(|m| *m as u64 <= MAX_ELEMENTS)
            .ok_or_else(|| {
                anyhow::anyhow!("table minimum size of {} elements is too large", ty.minimum)
            })?;
        Ok(Table {
            storage: Storage::Vec(vec![init; min]),
            len: min,
            ty: *ty,
        })
    }

    /// Creates a table of `ty.minimum` null elements in a pooling slot; it
    /// can grow up to the slot's capacity.
    pub fn from_slot(ty: &TableTy, slot: Box<dyn TableSlot>) -> anyhow::Result<Table> {
        let min = usize::try_from(ty.minimum)
            .ok()
            .filter(|m| *m <= slot.capacity())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "table minimum size of {} elements exceeds the limit of {}",
                    ty.minimum,
                    slot.capacity()
                )
            })?;
        Ok(Table {
            storage: Storage::Slot(slot),
            len: min,
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
        self.len as u64
    }

    /// Pointer to the element array (valid until the next grow).
    pub fn base(&mut self) -> *mut u64 {
        match &mut self.storage {
            Storage::Vec(v) => v.as_mut_ptr(),
            Storage::Slot(s) => s.base(),
        }
    }

    /// Reads an element.
    pub fn get(&self, index: u64) -> Option<u64> {
        self.elements().get(usize::try_from(index).ok()?).copied()
    }

    /// Writes an element; false if out of bounds.
    pub fn set(&mut self, index: u64, val: u64) -> bool {
        match usize::try_from(index)
            .ok()
            .and_then(|i| self.elements_mut().get_mut(i))
        {
            Some(slot) => {
                *slot = val;
                true
            }
            None => false,
        }
    }

    /// Whether a table of `len` elements has a byte size the host can
    /// represent at all (`len * 8 <= isize::MAX`). Wasmtime fails such an
    /// allocation with an error rather than a `-1` from `table.grow`, and
    /// this runtime does the same.
    pub fn allocation_fits(len: u64) -> bool {
        len.checked_mul(std::mem::size_of::<u64>() as u64)
            .is_some_and(|bytes| bytes <= isize::MAX as u64)
    }

    /// Grows by `delta` elements set to `init`; returns the old size or
    /// `None` if the maximum (or `limit`, or a pooling slot's capacity)
    /// would be exceeded.
    pub fn grow(&mut self, delta: u64, init: u64, limit: Option<u64>) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        let max = self
            .ty
            .maximum
            .unwrap_or(u32::MAX as u64)
            .min(limit.unwrap_or(u64::MAX));
        if new > max || new > MAX_ELEMENTS {
            return None;
        }
        let new = new as usize;
        match &mut self.storage {
            Storage::Vec(v) => v.resize(new, init),
            Storage::Slot(s) => {
                if new > s.capacity() {
                    return None;
                }
                self.len = new;
                self.elements_mut()[old as usize..].fill(init);
            }
        }
        self.len = new;
        Some(old)
    }

    /// `table.fill`; false if out of bounds.
    pub fn fill(&mut self, dst: u64, val: u64, len: u64) -> bool {
        match dst.checked_add(len) {
            Some(end) if end <= self.size() => {
                self.elements_mut()[dst as usize..end as usize].fill(val);
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
                self.elements_mut()
                    .copy_within(src as usize..s as usize, dst as usize);
                true
            }
            _ => false,
        }
    }

    /// The elements as a slice.
    pub fn elements(&self) -> &[u64] {
        match &self.storage {
            Storage::Vec(v) => v,
            // SAFETY: the slot holds `capacity >= len` elements, owned by
            // this table until it is dropped.
            Storage::Slot(s) => unsafe { std::slice::from_raw_parts(s.base(), self.len) },
        }
    }

    /// The elements as a mutable slice.
    pub fn elements_mut(&mut self) -> &mut [u64] {
        match &mut self.storage {
            Storage::Vec(v) => v,
            // SAFETY: as in `elements`; `&mut self` makes the access unique.
            Storage::Slot(s) => unsafe { std::slice::from_raw_parts_mut(s.base(), self.len) },
        }
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        // A pooled slot must be handed back zeroed: clear what was used.
        if let Storage::Slot(slot) = &mut self.storage {
            slot.reset(self.len);
        }
    }
}
