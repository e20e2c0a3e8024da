//! Locating runtime structures through the vmctx: the definitions of
//! memories, tables and globals (in the vmctx when defined, behind a
//! pointer when imported) and the address of a table element.

use super::{constant, trusted, FuncState};
use crate::trap_codes::wasm_trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use wasmtime_environ::{vm_table_definition, GlobalIndex, MemoryIndex, TableIndex, Trap};

impl FuncState<'_, '_, '_> {
    /// Where the `VMMemoryDefinition` of `mem` is: (pointer, offset).
    pub(super) fn memory_def(&mut self, mem: MemoryIndex) -> (Value, i32) {
        let env = self.env;
        match env.module.defined_memory_index(mem) {
            Some(def) => (self.vmctx, env.offsets.defined_memory(def) as i32),
            None => {
                let off = env.offsets.imported_memory(mem) as i32;
                let ptr = self.b.ins().load(I64, constant(), self.vmctx, off);
                (ptr, 0)
            }
        }
    }

    /// Where the `VMTableDefinition` of `table` is: (pointer, offset).
    pub(super) fn table_def(&mut self, table: TableIndex) -> (Value, i32) {
        let env = self.env;
        match env.module.defined_table_index(table) {
            Some(def) => (self.vmctx, env.offsets.defined_table(def) as i32),
            None => {
                let off = env.offsets.imported_table(table) as i32;
                let ptr = self.b.ins().load(I64, constant(), self.vmctx, off);
                (ptr, 0)
            }
        }
    }

    /// Where the value of `global` is: (pointer, offset, flags).
    pub(super) fn global_location(&mut self, global: GlobalIndex) -> (Value, i32, MemFlagsData) {
        let env = self.env;
        let flags = if env.module.globals[global].mutable {
            trusted()
        } else {
            constant()
        };
        match env.module.defined_global_index(global) {
            Some(def) => (self.vmctx, env.offsets.defined_global(def) as i32, flags),
            None => {
                let off = env.offsets.imported_global(global) as i32;
                let ptr = self.b.ins().load(I64, constant(), self.vmctx, off);
                (ptr, 0, flags)
            }
        }
    }

    /// The address of element `index` of `table`, trapping with
    /// `TableOutOfBounds` if it is out of bounds.
    pub(super) fn table_elem_addr(&mut self, table: TableIndex, index: Value) -> Value {
        let (def, off) = self.table_def(table);
        let len = self.b.ins().load(
            I64,
            trusted(),
            def,
            off + vm_table_definition::CURRENT_ELEMENTS as i32,
        );
        let index = self.uextend64(index);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trapnz(oob, wasm_trap(Trap::TableOutOfBounds));
        let base = self
            .b
            .ins()
            .load(I64, trusted(), def, off + vm_table_definition::BASE as i32);
        let scaled = self
            .b
            .ins()
            .imul_imm_u(index, i64::from(vm_table_definition::ELEMENT_SIZE));
        let addr = self.b.ins().iadd(base, scaled);
        // Spectre mitigation: a mispredicted bounds check reads element 0.
        self.b.ins().select_spectre_guard(oob, base, addr)
    }
}
