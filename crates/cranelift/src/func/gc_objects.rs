//! Struct and array operators of the GC proposal: allocation
//! (`struct.new*`, `array.new*`), field and element access, `array.len`,
//! `array.fill`, `array.copy` and `array.init_data/_elem`.
//!
//! Objects live in the store's GC heap; a reference is the object's offset
//! from the heap's base (see `wasmtime_environ::gc_ref` and
//! `wasmtime_environ::gc_header` for the header and layout). Every access
//! loads the base and the bound from the store context and checks
//! `reference + offset + size <= bound` first, so a bad reference can
//! never reach outside the heap. Allocation and the bulk operations are
//! builtins; a failed allocation (heap limit, oversized array) leaves its
//! error pending and traps with `TrapSite::HostError`.

use super::{trusted, FuncState};
use crate::trap_codes::{trap_code, wasm_trap};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64, I8};
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData, Value};
use wasmparser::Operator;
use wasmtime_environ::{
    gc_header, store_context, BuiltinFunctionIndex, EntityRef, Trap, TrapSite, TypeIndex,
    WasmCompositeType, WasmResult, WasmStorageType, WasmStructType,
};

/// Flags of object accesses: already bounds-checked.
fn object() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl FuncState<'_, '_, '_> {
    /// Translates a struct or array operator; false if `op` is none.
    pub(super) fn translate_gc_object_op(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match *op {
            Operator::StructNew { struct_type_index } => {
                let ty = TypeIndex::from_u32(struct_type_index);
                let s = self.struct_type(ty);
                let values = self.popn(s.fields.len());
                let r = self.alloc(ty, None);
                let (offsets, _) = gc_header::struct_layout(&s);
                for ((f, off), v) in s.fields.iter().zip(offsets).zip(values) {
                    let addr = self.object_addr(r, off, f.element.byte_size());
                    self.store_storage(&f.element, v, addr);
                }
                self.push(r);
            }
            Operator::StructNewDefault { struct_type_index } => {
                let r = self.alloc(TypeIndex::from_u32(struct_type_index), None);
                self.push(r);
            }
            Operator::StructGet {
                struct_type_index,
                field_index,
            }
            | Operator::StructGetS {
                struct_type_index,
                field_index,
            }
            | Operator::StructGetU {
                struct_type_index,
                field_index,
            } => {
                let signed = matches!(op, Operator::StructGetS { .. });
                let s = self.struct_type(TypeIndex::from_u32(struct_type_index));
                let (offsets, _) = gc_header::struct_layout(&s);
                let f = s.fields[field_index as usize].element;
                let r = self.pop();
                self.trapz(r, wasm_trap(Trap::NullReference));
                let addr = self.object_addr(r, offsets[field_index as usize], f.byte_size());
                let v = self.load_storage(&f, addr, signed)?;
                self.push(v);
            }
            Operator::StructSet {
                struct_type_index,
                field_index,
            } => {
                let s = self.struct_type(TypeIndex::from_u32(struct_type_index));
                let (offsets, _) = gc_header::struct_layout(&s);
                let f = s.fields[field_index as usize].element;
                let (r, v) = self.pop2();
                self.trapz(r, wasm_trap(Trap::NullReference));
                let addr = self.object_addr(r, offsets[field_index as usize], f.byte_size());
                self.store_storage(&f, v, addr);
            }
            Operator::ArrayNew { array_type_index } => {
                let ty = TypeIndex::from_u32(array_type_index);
                let elem = self.array_elem(ty);
                let (v, len) = self.pop2();
                let r = self.alloc(ty, Some(len));
                let len64 = self.b.ins().uextend(I64, len);
                let first = self.elements_addr(r, len64, elem.byte_size());
                self.fill(first, len64, &elem, v);
                self.push(r);
            }
            Operator::ArrayNewDefault { array_type_index } => {
                let len = self.pop();
                let r = self.alloc(TypeIndex::from_u32(array_type_index), Some(len));
                self.push(r);
            }
            Operator::ArrayNewFixed {
                array_type_index,
                array_size,
            } => {
                let ty = TypeIndex::from_u32(array_type_index);
                let elem = self.array_elem(ty);
                let values = self.popn(array_size as usize);
                let len = self.i32_const(array_size);
                let r = self.alloc(ty, Some(len));
                let size = elem.byte_size();
                for (i, v) in values.into_iter().enumerate() {
                    let off = gc_header::SIZE_OF_HEADER + i as u32 * size;
                    let addr = self.object_addr(r, off, size);
                    self.store_storage(&elem, v, addr);
                }
                self.push(r);
            }
            Operator::ArrayNewData {
                array_type_index,
                array_data_index,
            } => {
                let (offset, len) = self.pop2();
                let ty = self.i32_const(array_type_index);
                let data = self.i32_const(array_data_index);
                let r = self
                    .call_builtin(
                        BuiltinFunctionIndex::array_new_data,
                        &[ty, data, offset, len],
                    )
                    .expect("array_new_data returns a value");
                self.raise_unless(r, trap_code(TrapSite::HostError));
                self.push(r);
            }
            Operator::ArrayNewElem {
                array_type_index,
                array_elem_index,
            } => {
                let (offset, len) = self.pop2();
                let ty = self.i32_const(array_type_index);
                let elem = self.i32_const(array_elem_index);
                let r = self
                    .call_builtin(
                        BuiltinFunctionIndex::array_new_elem,
                        &[ty, elem, offset, len],
                    )
                    .expect("array_new_elem returns a value");
                self.raise_unless(r, trap_code(TrapSite::HostError));
                self.push(r);
            }
            Operator::ArrayGet { array_type_index }
            | Operator::ArrayGetS { array_type_index }
            | Operator::ArrayGetU { array_type_index } => {
                let signed = matches!(op, Operator::ArrayGetS { .. });
                let elem = self.array_elem(TypeIndex::from_u32(array_type_index));
                let (r, i) = self.pop2();
                let addr = self.element_addr(r, i, elem.byte_size());
                let v = self.load_storage(&elem, addr, signed)?;
                self.push(v);
            }
            Operator::ArraySet { array_type_index } => {
                let elem = self.array_elem(TypeIndex::from_u32(array_type_index));
                let (r, i, v) = self.pop3();
                let addr = self.element_addr(r, i, elem.byte_size());
                self.store_storage(&elem, v, addr);
            }
            Operator::ArrayLen => {
                let r = self.pop();
                let len = self.array_len(r);
                self.push(len);
            }
            Operator::ArrayFill { array_type_index } => {
                let elem = self.array_elem(TypeIndex::from_u32(array_type_index));
                let size = elem.byte_size();
                let args = self.popn(4);
                let (r, i, v, n) = (args[0], args[1], args[2], args[3]);
                let len = self.array_len(r);
                let len = self.b.ins().uextend(I64, len);
                let i = self.b.ins().uextend(I64, i);
                let n = self.b.ins().uextend(I64, n);
                let end = self.b.ins().iadd(i, n);
                let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
                self.trapnz(oob, wasm_trap(Trap::ArrayOutOfBounds));
                // The object is in bounds (its length was read), so its
                // elements are: `elements_addr` checks the whole array.
                let first = self.elements_addr(r, len, size);
                let offset = self.b.ins().imul_imm_u(i, i64::from(size));
                let from = self.b.ins().iadd(first, offset);
                self.fill(from, n, &elem, v);
            }
            Operator::ArrayCopy {
                array_type_index_dst,
                array_type_index_src: _,
            } => {
                let size = self
                    .array_elem(TypeIndex::from_u32(array_type_index_dst))
                    .byte_size();
                let args = self.popn(5);
                let (dst, di, src, si, n) = (args[0], args[1], args[2], args[3], args[4]);
                self.trapz(dst, wasm_trap(Trap::NullReference));
                self.trapz(src, wasm_trap(Trap::NullReference));
                let size = self.i32_const(size);
                self.call_builtin_trapping(
                    BuiltinFunctionIndex::array_copy,
                    &[dst, di, src, si, n, size],
                );
            }
            Operator::ArrayInitData {
                array_type_index,
                array_data_index,
            } => {
                let args = self.popn(4);
                let (r, d, s, n) = (args[0], args[1], args[2], args[3]);
                self.trapz(r, wasm_trap(Trap::NullReference));
                let ty = self.i32_const(array_type_index);
                let data = self.i32_const(array_data_index);
                self.call_builtin_trapping(
                    BuiltinFunctionIndex::array_init_data,
                    &[ty, r, d, data, s, n],
                );
            }
            Operator::ArrayInitElem {
                array_type_index,
                array_elem_index,
            } => {
                let args = self.popn(4);
                let (r, d, s, n) = (args[0], args[1], args[2], args[3]);
                self.trapz(r, wasm_trap(Trap::NullReference));
                let ty = self.i32_const(array_type_index);
                let elem = self.i32_const(array_elem_index);
                self.call_builtin_trapping(
                    BuiltinFunctionIndex::array_init_elem,
                    &[ty, r, d, elem, s, n],
                );
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn struct_type(&self, ty: TypeIndex) -> WasmStructType {
        match &self.env.module.types[ty].composite {
            WasmCompositeType::Struct(s) => s.clone(),
            _ => unreachable!("validated: a struct type"),
        }
    }

    fn array_elem(&self, ty: TypeIndex) -> WasmStorageType {
        match &self.env.module.types[ty].composite {
            WasmCompositeType::Array(a) => a.0.element,
            _ => unreachable!("validated: an array type"),
        }
    }

    /// Calls `gc_alloc` for module type `ty` (`len` elements for an
    /// array); traps with `TrapSite::HostError` on failure.
    fn alloc(&mut self, ty: TypeIndex, len: Option<Value>) -> Value {
        let ty = self.i32_const(ty.index() as u32);
        let len = match len {
            Some(len) => len,
            None => self.i32_const(0),
        };
        let r = self
            .call_builtin(BuiltinFunctionIndex::gc_alloc, &[ty, len])
            .expect("gc_alloc returns a value");
        self.raise_unless(r, trap_code(TrapSite::HostError));
        r
    }

    /// The heap's base and bound.
    fn heap_base_bound(&mut self) -> (Value, Value) {
        let base = self.b.ins().load(
            I64,
            trusted(),
            self.store_ctx,
            store_context::GC_HEAP_BASE as i32,
        );
        let bound = self.b.ins().load(
            I64,
            trusted(),
            self.store_ctx,
            store_context::GC_HEAP_BOUND as i32,
        );
        (base, bound)
    }

    /// The address of `size` bytes at `offset` in the non-null object
    /// `r`, after checking that they lie inside the heap.
    pub(super) fn object_addr(&mut self, r: Value, offset: u32, size: u32) -> Value {
        let (base, bound) = self.heap_base_bound();
        let end = self.b.ins().iadd_imm_u(r, i64::from(offset + size));
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, bound);
        self.trapnz(oob, wasm_trap(Trap::MemoryOutOfBounds));
        let at = self.b.ins().iadd(base, r);
        self.b.ins().iadd_imm_u(at, i64::from(offset))
    }

    /// The address of the first element of array `r` whose `len` (i64)
    /// elements of `size` bytes are checked to lie inside the heap.
    fn elements_addr(&mut self, r: Value, len: Value, size: u32) -> Value {
        let (base, bound) = self.heap_base_bound();
        let bytes = self.b.ins().imul_imm_u(len, i64::from(size));
        let start = self
            .b
            .ins()
            .iadd_imm_u(r, i64::from(gc_header::SIZE_OF_HEADER));
        let end = self.b.ins().iadd(start, bytes);
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, bound);
        self.trapnz(oob, wasm_trap(Trap::MemoryOutOfBounds));
        self.b.ins().iadd(base, start)
    }

    /// `array.len` of `r`, trapping on null.
    fn array_len(&mut self, r: Value) -> Value {
        self.trapz(r, wasm_trap(Trap::NullReference));
        let addr = self.object_addr(r, gc_header::ARRAY_LEN, 4);
        self.b.ins().load(I32, object(), addr, 0)
    }

    /// The address of element `i` (i32) of array `r`, trapping on null
    /// and out-of-bounds indices.
    fn element_addr(&mut self, r: Value, i: Value, size: u32) -> Value {
        let len = self.array_len(r);
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        self.trapnz(oob, wasm_trap(Trap::ArrayOutOfBounds));
        let i = self.b.ins().uextend(I64, i);
        let (base, bound) = self.heap_base_bound();
        let offset = self.b.ins().imul_imm_u(i, i64::from(size));
        let start = self.b.ins().iadd(r, offset);
        let start = self
            .b
            .ins()
            .iadd_imm_u(start, i64::from(gc_header::SIZE_OF_HEADER));
        let end = self.b.ins().iadd_imm_u(start, i64::from(size));
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, bound);
        self.trapnz(oob, wasm_trap(Trap::MemoryOutOfBounds));
        self.b.ins().iadd(base, start)
    }

    /// Loads a value of `storage` at `addr`; packed integers extend to
    /// i32, signed if `signed`.
    fn load_storage(
        &mut self,
        storage: &WasmStorageType,
        addr: Value,
        signed: bool,
    ) -> WasmResult<Value> {
        Ok(match storage {
            WasmStorageType::I8 if signed => self.b.ins().sload8(I32, object(), addr, 0),
            WasmStorageType::I8 => self.b.ins().uload8(I32, object(), addr, 0),
            WasmStorageType::I16 if signed => self.b.ins().sload16(I32, object(), addr, 0),
            WasmStorageType::I16 => self.b.ins().uload16(I32, object(), addr, 0),
            WasmStorageType::Val(t) => {
                let ty = crate::value_type(*t)?;
                self.b.ins().load(ty, object(), addr, 0)
            }
        })
    }

    /// Stores `v` as a value of `storage` at `addr`.
    fn store_storage(&mut self, storage: &WasmStorageType, v: Value, addr: Value) {
        match storage {
            WasmStorageType::I8 => {
                self.b.ins().istore8(object(), v, addr, 0);
            }
            WasmStorageType::I16 => {
                self.b.ins().istore16(object(), v, addr, 0);
            }
            WasmStorageType::Val(_) => {
                self.b.ins().store(object(), v, addr, 0);
            }
        }
    }

    /// Stores `v` into `n` (i64) consecutive elements of `storage` from
    /// address `first` (already bounds-checked).
    fn fill(&mut self, first: Value, n: Value, storage: &WasmStorageType, v: Value) {
        let size = storage.byte_size();
        let header = self.b.create_block();
        let body = self.b.create_block();
        let done = self.b.create_block();
        let i = self.b.append_block_param(header, I64);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().jump(header, &[BlockArg::Value(zero)]);
        self.b.switch_to_block(header);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, i, n);
        self.b.ins().brif(more, body, &[], done, &[]);
        self.b.switch_to_block(body);
        self.b.seal_block(body);
        let offset = self.b.ins().imul_imm_u(i, i64::from(size));
        let addr = self.b.ins().iadd(first, offset);
        self.store_storage(storage, v, addr);
        let next = self.b.ins().iadd_imm_u(i, 1);
        self.b.ins().jump(header, &[BlockArg::Value(next)]);
        self.b.seal_block(header);
        self.b.switch_to_block(done);
        self.b.seal_block(done);
    }

    /// An `i8` that is `test(self)` when the non-null word `r` is a heap
    /// object (low bits `00`) and 0 otherwise (an i31 or a host value).
    pub(super) fn if_object(&mut self, r: Value, test: impl FnOnce(&mut Self) -> Value) -> Value {
        let tag = self.b.ins().band_imm_u(r, 3);
        let is_object = self.b.ins().icmp_imm_u(IntCC::Equal, tag, 0);
        let obj = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I8);
        let no = self.b.ins().iconst(I8, 0);
        self.b
            .ins()
            .brif(is_object, obj, &[], done, &[BlockArg::Value(no)]);
        self.b.switch_to_block(obj);
        self.b.seal_block(obj);
        let v = test(self);
        self.b.ins().jump(done, &[BlockArg::Value(v)]);
        self.b.switch_to_block(done);
        self.b.seal_block(done);
        result
    }

    /// An `i8` that is 1 when object `r`'s header has kind bit `kind`.
    pub(super) fn object_kind_is(&mut self, r: Value, kind: u32) -> Value {
        let addr = self.object_addr(r, gc_header::KIND, 4);
        let bits = self.b.ins().load(I32, object(), addr, 0);
        let bit = self.b.ins().band_imm_u(bits, i64::from(kind));
        self.b.ins().icmp_imm_u(IntCC::NotEqual, bit, 0)
    }

    /// The engine type id in object `r`'s header.
    pub(super) fn object_type_id(&mut self, r: Value) -> Value {
        let addr = self.object_addr(r, gc_header::TYPE_ID, 4);
        self.b.ins().load(I32, object(), addr, 0)
    }
}
