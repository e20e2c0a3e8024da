//! Table and reference operators: `table.get/set/size/grow/fill/copy/init`,
//! `elem.drop`, `ref.null`, `ref.is_null` and `ref.func`.

use super::{trusted, FuncState};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::InstBuilder;
use wasmparser::Operator;
use wasmtime_environ::{
    vm_table_definition, BuiltinFunctionIndex, FuncIndex, TableIndex, Trap, WasmResult,
};

impl FuncState<'_, '_, '_> {
    /// Translates a table or reference operator; false if `op` is none.
    pub(super) fn translate_table_op(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match op {
            Operator::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let table = self.i32_const(*table);
                let elem = self.i32_const(*elem_index);
                let dst = self.uextend64(dst);
                let src = self.uextend64(src);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::table_init,
                    &[table, elem, dst, src, len],
                    Trap::TableOutOfBounds,
                );
            }
            Operator::ElemDrop { elem_index } => {
                let elem = self.i32_const(*elem_index);
                self.call_builtin(BuiltinFunctionIndex::elem_drop, &[elem]);
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.pop3();
                let dst_table = self.i32_const(*dst_table);
                let src_table = self.i32_const(*src_table);
                let dst = self.uextend64(dst);
                let src = self.uextend64(src);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::table_copy,
                    &[dst_table, src_table, dst, src, len],
                    Trap::TableOutOfBounds,
                );
            }
            Operator::TableFill { table } => {
                let (dst, val, len) = self.pop3();
                let table = self.i32_const(*table);
                let dst = self.uextend64(dst);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::table_fill,
                    &[table, dst, val, len],
                    Trap::TableOutOfBounds,
                );
            }
            Operator::TableGet { table } => {
                let index = self.pop();
                let addr = self.table_elem_addr(TableIndex::from_u32(*table), index);
                let v = self.b.ins().load(I64, trusted(), addr, 0);
                self.push(v);
            }
            Operator::TableSet { table } => {
                let (index, val) = self.pop2();
                let addr = self.table_elem_addr(TableIndex::from_u32(*table), index);
                self.b.ins().store(trusted(), val, addr, 0);
            }
            Operator::TableGrow { table } => {
                let is_64 = self.env.module.tables[TableIndex::from_u32(*table)].table64;
                let (init, delta) = self.pop2();
                let table = self.i32_const(*table);
                let delta = self.uextend64(delta);
                let r = self
                    .call_builtin(BuiltinFunctionIndex::table_grow, &[table, delta, init])
                    .expect("table_grow returns a value");
                self.trap_if_grow_error(r);
                let v = self.index_result(is_64, r);
                self.push(v);
            }
            Operator::TableSize { table } => {
                let is_64 = self.env.module.tables[TableIndex::from_u32(*table)].table64;
                let (def, off) = self.table_def(TableIndex::from_u32(*table));
                let len = self.b.ins().load(
                    I64,
                    trusted(),
                    def,
                    off + vm_table_definition::CURRENT_ELEMENTS as i32,
                );
                let v = self.index_result(is_64, len);
                self.push(v);
            }
            Operator::RefNull { .. } => {
                let v = self.b.ins().iconst(I64, 0);
                self.push(v);
            }
            Operator::RefIsNull => {
                let x = self.pop();
                let c = self.b.ins().icmp_imm_u(IntCC::Equal, x, 0);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            Operator::RefFunc { function_index } => {
                let off = self
                    .env
                    .offsets
                    .func_ref(FuncIndex::from_u32(*function_index));
                let v = self.b.ins().iadd_imm_u(self.vmctx, i64::from(off));
                self.push(v);
            }

            _ => return Ok(false),
        }
        Ok(true)
    }
}
