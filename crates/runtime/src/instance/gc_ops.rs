//! The instance's share of the GC proposal's instructions: allocating
//! struct and array objects in the store's GC heap (`crate::gc_heap`) for
//! compiled code and constant expressions, and the bulk array operations
//! (`array.new_data/_elem`, `array.init_data/_elem`, `array.copy`).

use super::Instance;
use crate::gc_heap::GcHeap;
use crate::vmcontext::{VMStoreContext, ValRaw};
use anyhow::Result;
use wasmtime_environ::*;

/// The storage type of module type `ty`'s array elements.
fn array_elem(module: &Module, ty: TypeIndex) -> WasmStorageType {
    match &module.types[ty].composite {
        WasmCompositeType::Array(a) => a.0.element,
        _ => unreachable!("validated: an array type"),
    }
}

impl Instance {
    /// The store's GC heap and store context.
    fn gc_heap_and_ctx<'a>(&self) -> (&'a mut GcHeap, &'a mut VMStoreContext) {
        let ctx = self.store_context() as *mut VMStoreContext;
        // SAFETY: the store context outlives its instances, and its heap
        // pointer is set by the store to its own heap before any instance
        // exists; builtins and instantiation run while the store is
        // borrowed by the call into wasm (no other reference is live).
        unsafe {
            let heap = (*ctx).gc_heap;
            assert!(!heap.is_null(), "store without a GC heap");
            (&mut *heap, &mut *ctx)
        }
    }

    /// Allocates a zeroed object of module type `ty` (an array of `len`
    /// elements for an array type); returns its reference.
    ///
    /// With `collect` (allocations of compiled code, whose live
    /// references are all in the roots the store finds), a full heap is
    /// collected before it grows, unless most of it survived the last
    /// collection (then it grows first, and is collected only if growth
    /// is refused). Constant expressions hold unrooted references while
    /// they allocate, so they pass `false`.
    pub fn gc_alloc(&self, ty: TypeIndex, len: u32, collect: bool) -> Result<u64> {
        let module = self.module.clone();
        let (kind, size) = match &module.types[ty].composite {
            WasmCompositeType::Struct(s) => (gc_header::KIND_STRUCT, gc_header::struct_layout(s).1),
            WasmCompositeType::Array(a) => match gc_header::array_size(&a.0.element, len) {
                Some(size) => (gc_header::KIND_ARRAY, size),
                None => return Err(Trap::AllocationTooLarge.into()),
            },
            WasmCompositeType::Func(_) | WasmCompositeType::Cont(_) => {
                unreachable!("validated: not a function type")
            }
        };
        let type_id = self.type_id(ty).0;
        let (heap, _) = self.gc_heap_and_ctx();
        if let Some(r) = heap.try_alloc_object(type_id, kind, size, len) {
            return Ok(r);
        }
        if collect && !heap.prefers_growth() {
            self.gc_collect();
            let (heap, _) = self.gc_heap_and_ctx();
            if let Some(r) = heap.try_alloc_object(type_id, kind, size, len) {
                return Ok(r);
            }
        }
        let grown = self.gc_alloc_growing(type_id, kind, size, len);
        match grown {
            Err(_) if collect && self.gc_heap_and_ctx().0.prefers_growth() => {
                self.gc_collect();
                self.gc_alloc_growing(type_id, kind, size, len)
            }
            r => r,
        }
    }

    /// Asks the store to collect its GC heap.
    fn gc_collect(&self) {
        // SAFETY: as in `memory_grow`'s callers: the store is suspended in
        // a call into wasm, which recorded its exit for the stack walk.
        if let Some(store) = unsafe { self.vmstore() } {
            store.gc_collect();
        }
        let (heap, ctx) = self.gc_heap_and_ctx();
        ctx.update_gc_heap(heap);
    }

    /// Allocates, growing the heap if needed (asking the limiter).
    fn gc_alloc_growing(&self, type_id: u32, kind: u32, size: u32, len: u32) -> Result<u64> {
        let (heap, ctx) = self.gc_heap_and_ctx();
        // SAFETY: as in `memory_grow`'s callers: the store is suspended in
        // a call into wasm or an instantiation.
        let store = unsafe { self.vmstore() };
        let r = heap.alloc_object(type_id, kind, size, len, store);
        ctx.update_gc_heap(heap);
        r
    }

    /// A new object of module type `ty` holding `values` (its fields, or
    /// its elements).
    /// `collect` as for [`Instance::gc_alloc`] (the values must then be
    /// rooted elsewhere, or hold no objects).
    pub fn gc_new(&self, ty: TypeIndex, values: &[ValRaw], collect: bool) -> Result<u64> {
        let module = self.module.clone();
        let len = u32::try_from(values.len()).map_err(|_| Trap::AllocationTooLarge)?;
        let r = self.gc_alloc(ty, len, collect)?;
        let (heap, _) = self.gc_heap_and_ctx();
        match &module.types[ty].composite {
            WasmCompositeType::Struct(s) => {
                let (offsets, _) = gc_header::struct_layout(s);
                for ((f, off), v) in s.fields.iter().zip(offsets).zip(values) {
                    heap.write_value(r + u64::from(off), &f.element, *v);
                }
            }
            WasmCompositeType::Array(a) => {
                let size = u64::from(a.0.element.byte_size());
                let first = r + u64::from(gc_header::SIZE_OF_HEADER);
                for (i, v) in values.iter().enumerate() {
                    heap.write_value(first + i as u64 * size, &a.0.element, *v);
                }
            }
            WasmCompositeType::Func(_) | WasmCompositeType::Cont(_) => {
                unreachable!("validated: not a function type")
            }
        }
        Ok(r)
    }

    /// A new array of module type `ty` with `len` copies of `value`.
    pub fn gc_array_filled(&self, ty: TypeIndex, len: u32, value: ValRaw) -> Result<u64> {
        let storage = array_elem(&self.module, ty);
        let r = self.gc_alloc(ty, len, false)?;
        let (heap, _) = self.gc_heap_and_ctx();
        let size = u64::from(storage.byte_size());
        let first = r + u64::from(gc_header::SIZE_OF_HEADER);
        for i in 0..u64::from(len) {
            heap.write_value(first + i * size, &storage, value);
        }
        Ok(r)
    }

    /// Calls `visit` with every GC reference word this instance holds:
    /// its defined globals and tables of the `any` and `extern`
    /// hierarchies, its evaluated element segments and the values of its
    /// exception objects (conservatively).
    pub fn visit_gc_roots(&self, visit: &mut dyn FnMut(u64)) {
        let is_gc = |t: &WasmRefType| {
            matches!(
                t.heap.hierarchy(),
                WasmHierarchy::Any | WasmHierarchy::Extern
            )
        };
        let module = self.module.clone();
        for (index, global) in module.globals.iter() {
            let Some(defined) = module.defined_global_index(index) else {
                continue;
            };
            if let WasmValType::Ref(r) = &global.ty {
                if is_gc(r) {
                    let ptr = self.defined_global_ptr(defined).cast::<u64>();
                    // SAFETY: a defined global's storage starts with its
                    // value, a reference word for reference types.
                    visit(unsafe { ptr.read() });
                }
            }
        }
        for (_, table) in self.tables.iter() {
            if is_gc(&table.element_type()) {
                for w in table.elements() {
                    visit(*w);
                }
            }
        }
        for values in self.elem_values.iter().flatten() {
            for w in values.iter() {
                visit(*w);
            }
        }
        self.exn_arena.visit_words(visit);
    }

    /// The bytes of data segment `data` (empty once dropped).
    fn data_bytes(&self, data: DataIndex) -> &[u8] {
        if self.dropped_data[data.index()] {
            &[]
        } else {
            &self.module.data[data].data
        }
    }

    /// The reference words of element segment `elem`'s items (function
    /// references, or its expressions evaluated once per instance).
    pub(crate) fn elem_values(&mut self, elem: ElemIndex) -> Result<std::sync::Arc<[u64]>> {
        if let Some(v) = &self.elem_values[elem.index()] {
            return Ok(v.clone());
        }
        let module = self.module.clone();
        let values: std::sync::Arc<[u64]> = match &module.elements[elem].items {
            ElementItems::Functions(f) => f.iter().map(|f| self.func_ref_ptr(*f) as u64).collect(),
            ElementItems::Expressions(e) => e
                .iter()
                .map(|e| self.try_eval_const_expr(e).map(|v| v.get_reference()))
                .collect::<Result<_>>()?,
        };
        self.elem_values[elem.index()] = Some(values.clone());
        Ok(values)
    }

    /// Items `src..src + len` of element segment `elem` as reference words,
    /// or `None` if out of the (possibly dropped) segment's bounds.
    fn elem_items(&mut self, elem: ElemIndex, src: u32, len: u32) -> Result<Option<Vec<u64>>> {
        let seg_len = if self.dropped_elements[elem.index()] {
            0
        } else {
            self.module.elements[elem].items.len() as u64
        };
        if u64::from(src) + u64::from(len) > seg_len {
            return Ok(None);
        }
        let values = self.elem_values(elem)?;
        Ok(Some(values[src as usize..(src + len) as usize].to_vec()))
    }

    /// `array.new_data`.
    pub fn array_new_data(
        &self,
        ty: TypeIndex,
        data: DataIndex,
        offset: u32,
        len: u32,
    ) -> Result<u64> {
        let elem = array_elem(&self.module, ty);
        let bytes_len = u64::from(elem.byte_size()) * u64::from(len);
        let src_end = u64::from(offset) + bytes_len;
        if src_end > self.data_bytes(data).len() as u64 {
            return Err(Trap::MemoryOutOfBounds.into());
        }
        let r = self.gc_alloc(ty, len, true)?;
        let (heap, _) = self.gc_heap_and_ctx();
        let bytes = &self.data_bytes(data)[offset as usize..src_end as usize];
        let dst = heap
            .bytes_mut(r + u64::from(gc_header::SIZE_OF_HEADER), bytes.len())
            .expect("the new array holds its elements");
        dst.copy_from_slice(bytes);
        Ok(r)
    }

    /// `array.new_elem`.
    pub fn array_new_elem(
        &mut self,
        ty: TypeIndex,
        elem: ElemIndex,
        offset: u32,
        len: u32,
    ) -> Result<u64> {
        let Some(items) = self.elem_items(elem, offset, len)? else {
            return Err(Trap::TableOutOfBounds.into());
        };
        // The items are rooted by the instance's evaluated segment.
        let values: Vec<ValRaw> = items.into_iter().map(ValRaw::reference).collect();
        self.gc_new(ty, &values, true)
    }

    /// Checks that `index..index + len` lies in array `r`; returns the
    /// address of element `index` (elements of `size` bytes).
    fn array_range(&self, r: u64, index: u32, len: u32, size: u32) -> Result<u64> {
        let (heap, _) = self.gc_heap_and_ctx();
        let array_len = heap.array_len(r).ok_or(Trap::NullReference)?;
        if u64::from(index) + u64::from(len) > u64::from(array_len) {
            return Err(Trap::ArrayOutOfBounds.into());
        }
        Ok(r + u64::from(gc_header::SIZE_OF_HEADER) + u64::from(index) * u64::from(size))
    }

    /// `array.init_data` on array `r` of module type `ty`.
    pub fn array_init_data(
        &self,
        ty: TypeIndex,
        r: u64,
        dst: u32,
        data: DataIndex,
        src: u32,
        len: u32,
    ) -> Result<()> {
        let size = array_elem(&self.module, ty).byte_size();
        let at = self.array_range(r, dst, len, size)?;
        let bytes_len = u64::from(size) * u64::from(len);
        let src_end = u64::from(src) + bytes_len;
        if src_end > self.data_bytes(data).len() as u64 {
            return Err(Trap::MemoryOutOfBounds.into());
        }
        let bytes = &self.data_bytes(data)[src as usize..src_end as usize];
        let (heap, _) = self.gc_heap_and_ctx();
        heap.bytes_mut(at, bytes.len())
            .expect("checked against the array's length")
            .copy_from_slice(bytes);
        Ok(())
    }

    /// `array.init_elem` on array `r` of module type `ty`.
    pub fn array_init_elem(
        &mut self,
        ty: TypeIndex,
        r: u64,
        dst: u32,
        elem: ElemIndex,
        src: u32,
        len: u32,
    ) -> Result<()> {
        let storage = array_elem(&self.module, ty);
        let at = self.array_range(r, dst, len, storage.byte_size())?;
        let Some(items) = self.elem_items(elem, src, len)? else {
            return Err(Trap::TableOutOfBounds.into());
        };
        let (heap, _) = self.gc_heap_and_ctx();
        for (i, item) in items.into_iter().enumerate() {
            heap.write_value(at + 8 * i as u64, &storage, ValRaw::reference(item));
        }
        Ok(())
    }

    /// `array.copy` of `len` elements of `size` bytes.
    pub fn array_copy(
        &self,
        dst: u64,
        dst_index: u32,
        src: u64,
        src_index: u32,
        len: u32,
        size: u32,
    ) -> Result<()> {
        let to = self.array_range(dst, dst_index, len, size)?;
        let from = self.array_range(src, src_index, len, size)?;
        let (heap, _) = self.gc_heap_and_ctx();
        heap.copy_within(to, from, (u64::from(len) * u64::from(size)) as usize);
        Ok(())
    }
}
