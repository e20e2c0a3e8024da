//! Struct and array objects in the embedding API: `StructRef`/`StructRefPre`
//! and `ArrayRef`/`ArrayRefPre`, in Wasmtime 48's shapes. An object is a
//! word of the store's GC heap (see `wasmtime_environ::gc_ref`); fields and
//! elements are read and written with the layout of
//! `wasmtime_environ::gc_header`, values converted as in calls.

use super::anyref::AnyRef;
use crate::store::{StoreId, StoreOpaque};
use crate::{ArrayType, AsContext, AsContextMut, Mutability, Rooted, StructType, Val, ValType};
use anyhow::{bail, Result};
use wasmtime_environ::{gc_header, WasmStorageType};

/// The value type a storage type reads as (packed integers as `i32`).
fn unpacked(storage: &crate::StorageType) -> ValType {
    storage.unpack().clone()
}

/// Checks that `value` may be stored in a field of type `ty`.
fn check_value(store: &StoreOpaque, value: &Val, ty: &crate::FieldType) -> Result<()> {
    let expected = unpacked(ty.element_type());
    if !value.matches_in(store, &expected) {
        bail!("value of the wrong type for a field of type {expected:?}");
    }
    Ok(())
}

/// A struct type prepared for allocating structs in one store.
pub struct StructRefPre {
    store: StoreId,
    ty: StructType,
}

impl StructRefPre {
    /// Prepares allocations of structs of type `ty` in `store`.
    pub fn new(mut store: impl AsContextMut, ty: StructType) -> StructRefPre {
        StructRefPre {
            store: store.as_context_mut().opaque().id(),
            ty,
        }
    }
}

/// A non-null reference to a struct object.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StructRef {
    pub(crate) inner: AnyRef,
}

impl StructRef {
    /// Allocates a struct with `fields` (one value per field, of its type).
    pub fn new(
        mut store: impl AsContextMut,
        allocator: &StructRefPre,
        fields: &[Val],
    ) -> Result<Rooted<StructRef>> {
        let mut store = store.as_context_mut();
        if store.opaque().id() != allocator.store {
            bail!("StructRefPre used with the wrong store");
        }
        let ty = &allocator.ty;
        let types: Vec<crate::FieldType> = ty.fields().collect();
        if types.len() != fields.len() {
            bail!(
                "expected {} field values, got {}",
                types.len(),
                fields.len()
            );
        }
        let mut raws = Vec::with_capacity(fields.len());
        for (v, t) in fields.iter().zip(&types) {
            check_value(store.opaque(), v, t)?;
            raws.push(v.to_raw(store.opaque())?);
        }
        let (offsets, size) = gc_header::struct_layout(ty.wasm_struct());
        let pinned: Vec<u64> = ty
            .wasm_struct()
            .fields
            .iter()
            .zip(&raws)
            .filter(|(f, _)| crate::gc::is_gc_storage(&f.element))
            .map(|(_, raw)| raw.get_reference())
            .collect();
        let r = crate::gc::alloc_object(
            &mut store,
            ty.type_index().0,
            gc_header::KIND_STRUCT,
            size,
            0,
            &pinned,
        )?;
        let heap = &mut store.opaque().gc_heap;
        for ((f, off), raw) in ty.wasm_struct().fields.iter().zip(offsets).zip(raws) {
            heap.write_value(r + u64::from(off), &f.element, raw);
        }
        let id = store.opaque().id();
        let root = store.opaque().root_word(r);
        Ok(Rooted::new(StructRef {
            inner: AnyRef {
                store: id,
                raw: r,
                root,
            },
        }))
    }

    /// This struct's type.
    pub fn ty(&self, store: impl AsContext) -> Result<StructType> {
        match self.inner.ty(store)? {
            crate::HeapType::ConcreteStruct(s) => Ok(s),
            _ => bail!("not a struct"),
        }
    }

    /// Reads field `index`.
    pub fn field(&self, mut store: impl AsContextMut, index: usize) -> Result<Val> {
        let mut store = store.as_context_mut();
        let ty = self.ty(&store)?;
        let Some(field) = ty.field(index) else {
            bail!("struct has no field {index}");
        };
        let storage = ty.wasm_struct().fields[index].element;
        let (offsets, _) = gc_header::struct_layout(ty.wasm_struct());
        let raw = store
            .opaque()
            .gc_heap
            .read_value(self.inner.raw + u64::from(offsets[index]), &storage);
        let Some(raw) = raw else {
            bail!("struct outside the GC heap");
        };
        Ok(Val::from_raw(
            store.opaque(),
            raw,
            &unpacked(field.element_type()),
        ))
    }

    /// Writes field `index` (which must be mutable).
    pub fn set_field(&self, mut store: impl AsContextMut, index: usize, value: Val) -> Result<()> {
        let mut store = store.as_context_mut();
        let ty = self.ty(&store)?;
        let Some(field) = ty.field(index) else {
            bail!("struct has no field {index}");
        };
        if field.mutability() != Mutability::Var {
            bail!("field {index} is immutable");
        }
        check_value(store.opaque(), &value, &field)?;
        let raw = value.to_raw(store.opaque())?;
        let storage = ty.wasm_struct().fields[index].element;
        let (offsets, _) = gc_header::struct_layout(ty.wasm_struct());
        let at = self.inner.raw + u64::from(offsets[index]);
        store.opaque().gc_heap.write_value(at, &storage, raw);
        Ok(())
    }

    /// This struct as an `anyref`.
    pub fn to_anyref(&self) -> Rooted<AnyRef> {
        Rooted::new(self.inner.clone())
    }
}

impl From<Rooted<StructRef>> for Rooted<AnyRef> {
    fn from(s: Rooted<StructRef>) -> Rooted<AnyRef> {
        s.to_anyref()
    }
}

/// An array type prepared for allocating arrays in one store.
pub struct ArrayRefPre {
    store: StoreId,
    ty: ArrayType,
}

impl ArrayRefPre {
    /// Prepares allocations of arrays of type `ty` in `store`.
    pub fn new(mut store: impl AsContextMut, ty: ArrayType) -> ArrayRefPre {
        ArrayRefPre {
            store: store.as_context_mut().opaque().id(),
            ty,
        }
    }
}

/// A non-null reference to an array object.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArrayRef {
    pub(crate) inner: AnyRef,
}

impl ArrayRef {
    /// Allocates an array of `len` copies of `elem`.
    pub fn new(
        store: impl AsContextMut,
        allocator: &ArrayRefPre,
        elem: &Val,
        len: u32,
    ) -> Result<Rooted<ArrayRef>> {
        Self::alloc(store, allocator, len, std::slice::from_ref(elem))
    }

    /// Allocates an array holding `elems`.
    pub fn new_fixed(
        store: impl AsContextMut,
        allocator: &ArrayRefPre,
        elems: &[Val],
    ) -> Result<Rooted<ArrayRef>> {
        let Ok(len) = u32::try_from(elems.len()) else {
            bail!("too many array elements");
        };
        Self::alloc(store, allocator, len, elems)
    }

    /// Allocates an array of `len` elements: `values` if it has `len`
    /// values, else repeats its single value.
    fn alloc(
        mut store: impl AsContextMut,
        allocator: &ArrayRefPre,
        len: u32,
        values: &[Val],
    ) -> Result<Rooted<ArrayRef>> {
        let mut store = store.as_context_mut();
        if store.opaque().id() != allocator.store {
            bail!("ArrayRefPre used with the wrong store");
        }
        let ty = &allocator.ty;
        let field = ty.field_type();
        let storage: WasmStorageType = ty.wasm_element();
        let Some(size) = gc_header::array_size(&storage, len) else {
            bail!("array of {len} elements is too large");
        };
        // Check and convert before allocating.
        let mut raws = Vec::with_capacity(values.len());
        for v in values {
            check_value(store.opaque(), v, &field)?;
            raws.push(v.to_raw(store.opaque())?);
        }
        let pinned: Vec<u64> = if crate::gc::is_gc_storage(&storage) {
            raws.iter().map(|raw| raw.get_reference()).collect()
        } else {
            Vec::new()
        };
        let r = crate::gc::alloc_object(
            &mut store,
            ty.type_index().0,
            gc_header::KIND_ARRAY,
            size,
            len,
            &pinned,
        )?;
        let heap = &mut store.opaque().gc_heap;
        let elem_size = u64::from(storage.byte_size());
        let first = r + u64::from(gc_header::SIZE_OF_HEADER);
        for i in 0..len {
            let raw = raws[(i as usize).min(raws.len() - 1)];
            heap.write_value(first + u64::from(i) * elem_size, &storage, raw);
        }
        let id = store.opaque().id();
        let root = store.opaque().root_word(r);
        Ok(Rooted::new(ArrayRef {
            inner: AnyRef {
                store: id,
                raw: r,
                root,
            },
        }))
    }

    /// This array's type.
    pub fn ty(&self, store: impl AsContext) -> Result<ArrayType> {
        match self.inner.ty(store)? {
            crate::HeapType::ConcreteArray(a) => Ok(a),
            _ => bail!("not an array"),
        }
    }

    /// The number of elements.
    pub fn len(&self, store: impl AsContext) -> Result<u32> {
        let store = store.as_context();
        self.inner.to_raw_u64(store.opaque())?;
        match store.opaque().gc_heap.array_len(self.inner.raw) {
            Some(n) => Ok(n),
            None => bail!("array outside the GC heap"),
        }
    }

    /// Reads element `index`.
    pub fn get(&self, mut store: impl AsContextMut, index: u32) -> Result<Val> {
        let mut store = store.as_context_mut();
        let ty = self.ty(&store)?;
        let at = self.element_offset(&store, &ty, index)?;
        let storage = ty.wasm_element();
        let Some(raw) = store.opaque().gc_heap.read_value(at, &storage) else {
            bail!("array outside the GC heap");
        };
        let vt = unpacked(&ty.element_type());
        Ok(Val::from_raw(store.opaque(), raw, &vt))
    }

    /// Writes element `index` (the array's elements must be mutable).
    pub fn set(&self, mut store: impl AsContextMut, index: u32, value: Val) -> Result<()> {
        let mut store = store.as_context_mut();
        let ty = self.ty(&store)?;
        let field = ty.field_type();
        if field.mutability() != Mutability::Var {
            bail!("array elements are immutable");
        }
        let at = self.element_offset(&store, &ty, index)?;
        check_value(store.opaque(), &value, &field)?;
        let raw = value.to_raw(store.opaque())?;
        store
            .opaque()
            .gc_heap
            .write_value(at, &ty.wasm_element(), raw);
        Ok(())
    }

    fn element_offset(&self, store: impl AsContext, ty: &ArrayType, index: u32) -> Result<u64> {
        let len = self.len(&store)?;
        if index >= len {
            bail!("array index {index} out of bounds for length {len}");
        }
        let size = u64::from(ty.wasm_element().byte_size());
        Ok(self.inner.raw + u64::from(gc_header::SIZE_OF_HEADER) + u64::from(index) * size)
    }

    /// This array as an `anyref`.
    pub fn to_anyref(&self) -> Rooted<AnyRef> {
        Rooted::new(self.inner.clone())
    }
}

impl From<Rooted<ArrayRef>> for Rooted<AnyRef> {
    fn from(a: Rooted<ArrayRef>) -> Rooted<AnyRef> {
        a.to_anyref()
    }
}

impl AnyRef {
    /// This reference as a struct, if it is one.
    pub fn as_struct(&self, store: impl AsContext) -> Result<Option<Rooted<StructRef>>> {
        Ok(self.is_struct(store)?.then(|| {
            Rooted::new(StructRef {
                inner: self.clone(),
            })
        }))
    }

    /// This reference as a struct; an error if it is not one.
    pub fn unwrap_struct(&self, store: impl AsContext) -> Result<Rooted<StructRef>> {
        match self.as_struct(store)? {
            Some(s) => Ok(s),
            None => bail!("anyref is not a struct"),
        }
    }

    /// This reference as an array, if it is one.
    pub fn as_array(&self, store: impl AsContext) -> Result<Option<Rooted<ArrayRef>>> {
        Ok(self.is_array(store)?.then(|| {
            Rooted::new(ArrayRef {
                inner: self.clone(),
            })
        }))
    }

    /// This reference as an array; an error if it is not one.
    pub fn unwrap_array(&self, store: impl AsContext) -> Result<Rooted<ArrayRef>> {
        match self.as_array(store)? {
            Some(a) => Ok(a),
            None => bail!("anyref is not an array"),
        }
    }
}
