//! Linear-memory addressing for every memory of a module: 32- and 64-bit
//! indices (memory64), any memory index (multi-memory) and any page size
//! (custom page sizes).

use super::{constant, trusted, FuncState};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, TrapCode, Value};
use wasmtime_environ::{vm_memory_definition, MemoryIndex, MemoryStyle, Module, WasmResult};

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
}
