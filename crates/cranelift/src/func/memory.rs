//! Linear memory: addressing for every memory of a module (32- and 64-bit
//! indices (memory64), any memory index (multi-memory) and any page size
//! (custom page sizes)), loads and stores, and the `memory.*` and
//! `data.drop` operators.

use super::{constant, heap, trusted, FuncState};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{InstBuilder, TrapCode, Value};
use wasmparser::{MemArg, MemArgTarget, Operator};
use wasmtime_environ::{
    vm_memory_definition, BuiltinFunctionIndex, MemoryIndex, MemoryStyle, Module, Trap, WasmError,
    WasmResult,
};

macro_rules! load {
    ($s:ident, $memarg:expr, $size:expr, |$b:ident, $f:ident, $a:ident, $o:ident| $e:expr) => {{
        let index = $s.pop();
        let ($a, $o) = $s.heap_addr($memarg, index, $size)?;
        let $f = heap();
        let $b = &mut $s.b;
        let v = $e;
        $s.push(v);
    }};
}

macro_rules! store {
    ($s:ident, $memarg:expr, $size:expr, $m:ident) => {{
        let val = $s.pop();
        let index = $s.pop();
        let (addr, off) = $s.heap_addr($memarg, index, $size)?;
        $s.b.ins().$m(heap(), val, addr, off);
    }};
}

/// Whether `memory` of `module` uses 64-bit indices.
pub(super) fn memory_is_64(module: &Module, memory: MemoryIndex) -> bool {
    module.memories[memory].memory64
}

impl FuncState<'_, '_, '_> {
    /// A size or old size (`memory.size/grow`, `table.size/grow`) computed as
    /// an i64, narrowed to i32 unless the memory or table is 64-bit. (An
    /// all-ones -1 narrows to the i32 -1.)
    pub(super) fn index_result(&mut self, is_64: bool, v: Value) -> Value {
        if is_64 {
            v
        } else {
            self.b.ins().ireduce(I32, v)
        }
    }

    /// The native address of an access of `size` bytes at `index + offset`
    /// in memory `mem`. Returns (address, offset to add in the access).
    ///
    /// A 32-bit memory whose reservation and guard region cover every
    /// reachable address needs no check. Otherwise `index + offset + size`
    /// is compared with the current length in bytes; for a 64-bit memory the
    /// sum traps if it overflows. With signal-based traps an out-of-bounds
    /// address is replaced by null (`select_spectre_guard`), so the access
    /// faults on the null page; without them an explicit trap comes first.
    pub(super) fn bounds_checked_addr(
        &mut self,
        mem: MemoryIndex,
        offset: u64,
        index: Value,
        size: u32,
    ) -> WasmResult<(Value, i32)> {
        let memory = self.env.module.memories[mem];
        let style = MemoryStyle::for_memory(&memory, self.env.tunables);
        let (def, def_off) = self.memory_def(mem);
        let base_flags = if style.is_static {
            constant()
        } else {
            trusted()
        };
        let base = self.b.ins().load(
            I64,
            base_flags,
            def,
            def_off + vm_memory_definition::BASE as i32,
        );
        let index = self.uextend64(index);
        let addr = self.b.ins().iadd(base, index);
        if !memory.memory64 && style.can_elide_bounds_check(offset, u64::from(size)) {
            return if offset <= i32::MAX as u64 {
                Ok((addr, offset as i32))
            } else {
                Ok((self.b.ins().iadd_imm_u(addr, offset as i64), 0))
            };
        }
        let len = self.b.ins().load(
            I64,
            trusted(),
            def,
            def_off + vm_memory_definition::CURRENT_LENGTH as i32,
        );
        let end = match offset.checked_add(u64::from(size)) {
            // A 32-bit index and offset are both below 2^32: no overflow.
            Some(bound) if !memory.memory64 => self.b.ins().iadd_imm_u(index, bound as i64),
            Some(bound) => {
                let bound = self.b.ins().iconst(I64, bound as i64);
                self.uadd_overflow_trap(index, bound, TrapCode::HEAP_OUT_OF_BOUNDS)
            }
            // `offset + size` exceeds any memory: always out of bounds.
            None => {
                let all_ones = self.b.ins().iconst(I64, -1);
                self.trapnz(all_ones, TrapCode::HEAP_OUT_OF_BOUNDS);
                all_ones
            }
        };
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        if !self.env.tunables.signals_based_traps {
            self.trapnz(oob, TrapCode::HEAP_OUT_OF_BOUNDS);
        }
        // Spectre mitigation: even a mispredicted path never forms an
        // out-of-bounds address. With signal-based traps this is also the
        // bounds check itself: the access faults on the null page and the
        // load's HEAP_OUT_OF_BOUNDS trap code reports it.
        let full = if offset == 0 {
            addr
        } else {
            self.b.ins().iadd_imm_u(addr, offset as i64)
        };
        let null = self.b.ins().iconst(I64, 0);
        let guarded = self.b.ins().select_spectre_guard(oob, null, full);
        Ok((guarded, 0))
    }

    /// Computes the native address of a linear memory access of `size`
    /// bytes at `index + memarg.offset`, checking bounds unless the guard
    /// region makes the check unnecessary. Returns (address, offset).
    /// ([`Self::bounds_checked_addr`] has the bounds check itself.)
    pub(super) fn heap_addr(
        &mut self,
        memarg: &MemArg,
        index: Value,
        size: u32,
    ) -> WasmResult<(Value, i32)> {
        let mem = match memarg.target {
            MemArgTarget::Memory(m) => MemoryIndex::from_u32(m),
            MemArgTarget::Array(_) => {
                return Err(WasmError::Unsupported("GC array accesses".into()))
            }
        };
        self.bounds_checked_addr(mem, memarg.offset, index, size)
    }

    /// Translates a linear-memory operator; false if `op` is none.
    pub(super) fn translate_memory_op(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match op {
            Operator::I32Load { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().load(I32, f, a, o))
            }
            Operator::I64Load { memarg } => {
                load!(self, memarg, 8, |b, f, a, o| b.ins().load(I64, f, a, o))
            }
            Operator::F32Load { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().load(F32, f, a, o))
            }
            Operator::F64Load { memarg } => {
                load!(self, memarg, 8, |b, f, a, o| b.ins().load(F64, f, a, o))
            }
            Operator::I32Load8S { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().sload8(I32, f, a, o))
            }
            Operator::I32Load8U { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().uload8(I32, f, a, o))
            }
            Operator::I32Load16S { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().sload16(I32, f, a, o))
            }
            Operator::I32Load16U { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().uload16(I32, f, a, o))
            }
            Operator::I64Load8S { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().sload8(I64, f, a, o))
            }
            Operator::I64Load8U { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().uload8(I64, f, a, o))
            }
            Operator::I64Load16S { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().sload16(I64, f, a, o))
            }
            Operator::I64Load16U { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().uload16(I64, f, a, o))
            }
            Operator::I64Load32S { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().sload32(f, a, o))
            }
            Operator::I64Load32U { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().uload32(f, a, o))
            }
            Operator::I32Store { memarg } | Operator::F32Store { memarg } => {
                store!(self, memarg, 4, store)
            }
            Operator::I64Store { memarg } | Operator::F64Store { memarg } => {
                store!(self, memarg, 8, store)
            }
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
                store!(self, memarg, 1, istore8)
            }
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
                store!(self, memarg, 2, istore16)
            }
            Operator::I64Store32 { memarg } => store!(self, memarg, 4, istore32),
            Operator::MemorySize { mem } => {
                let memory = MemoryIndex::from_u32(*mem);
                let page_log2 = self.env.module.memories[memory].page_size_log2;
                let (def, off) = self.memory_def(memory);
                let len = self.b.ins().load(
                    I64,
                    trusted(),
                    def,
                    off + vm_memory_definition::CURRENT_LENGTH as i32,
                );
                let pages = self.b.ins().ushr_imm_u(len, i64::from(page_log2));
                let v = self.index_result(memory_is_64(self.env.module, memory), pages);
                self.push(v);
            }
            Operator::MemoryGrow { mem } => {
                let mem_index = mem;
                let delta = self.pop();
                let mem = self.i32_const(*mem);
                let delta = self.uextend64(delta);
                let r = self
                    .call_builtin(BuiltinFunctionIndex::memory_grow, &[mem, delta])
                    .expect("memory_grow returns a value");
                self.trap_if_grow_error(r);
                let is_64 = memory_is_64(self.env.module, MemoryIndex::from_u32(*mem_index));
                let v = self.index_result(is_64, r);
                self.push(v);
            }
            Operator::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                let mem = self.i32_const(*mem);
                let data = self.i32_const(*data_index);
                let dst = self.uextend64(dst);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::memory_init,
                    &[mem, data, dst, src, len],
                    Trap::MemoryOutOfBounds,
                );
            }
            Operator::DataDrop { data_index } => {
                let data = self.i32_const(*data_index);
                self.call_builtin(BuiltinFunctionIndex::data_drop, &[data]);
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                let dst_mem = self.i32_const(*dst_mem);
                let src_mem = self.i32_const(*src_mem);
                let dst = self.uextend64(dst);
                let src = self.uextend64(src);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::memory_copy,
                    &[dst_mem, dst, src_mem, src, len],
                    Trap::MemoryOutOfBounds,
                );
            }
            Operator::MemoryFill { mem } => {
                let (dst, val, len) = self.pop3();
                let mem = self.i32_const(*mem);
                let dst = self.uextend64(dst);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::memory_fill,
                    &[mem, dst, val, len],
                    Trap::MemoryOutOfBounds,
                );
            }

            _ => return Ok(false),
        }
        Ok(true)
    }
}
