//! The wasm operand stack (an SSA value per entry), locals and globals,
//! constants, `drop` and `select`, and the small IR helpers every room
//! uses (zero values, blocks with parameters, jumps, block types).

use super::{wasm_val_type, FuncState};
use crate::value_type;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, Type, Value};
use wasmparser::{BlockType, Operator};
use wasmtime_environ::{GlobalIndex, TypeIndex, WasmResult};

impl FuncState<'_, '_, '_> {
    pub(super) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    pub(super) fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated: operand stack underflow")
    }

    pub(super) fn pop2(&mut self) -> (Value, Value) {
        let y = self.pop();
        let x = self.pop();
        (x, y)
    }

    pub(super) fn pop3(&mut self) -> (Value, Value, Value) {
        let z = self.pop();
        let (x, y) = self.pop2();
        (x, y, z)
    }

    pub(super) fn peekn(&self, n: usize) -> Vec<Value> {
        self.stack[self.stack.len() - n..].to_vec()
    }

    pub(super) fn popn(&mut self, n: usize) -> Vec<Value> {
        let vals = self.peekn(n);
        self.stack.truncate(self.stack.len() - n);
        vals
    }

    pub(super) fn zero(&mut self, ty: Type) -> Value {
        match ty {
            F32 => self.b.ins().f32const(Ieee32::with_bits(0)),
            F64 => self.b.ins().f64const(Ieee64::with_bits(0)),
            ty if ty.is_vector() => {
                let zero = self.b.func.dfg.constants.insert(vec![0u8; 16].into());
                self.b.ins().vconst(ty, zero)
            }
            ty => self.b.ins().iconst(ty, 0),
        }
    }

    pub(super) fn create_block_with_params(&mut self, tys: &[Type]) -> Block {
        let block = self.b.create_block();
        for ty in tys {
            self.b.append_block_param(block, *ty);
        }
        block
    }

    pub(super) fn jump(&mut self, block: Block, args: &[Value]) {
        let args: Vec<BlockArg> = args.iter().map(|v| BlockArg::Value(*v)).collect();
        self.b.ins().jump(block, &args);
    }

    pub(super) fn block_types(&self, bt: BlockType) -> WasmResult<(Vec<Type>, Vec<Type>)> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![wasm_val_type(t)?]),
            BlockType::FuncType(i) => {
                let ty = self.env.module.func_type_at(TypeIndex::from_u32(i));
                let params = ty
                    .params
                    .iter()
                    .map(|t| value_type(*t))
                    .collect::<WasmResult<_>>()?;
                let results = ty
                    .results
                    .iter()
                    .map(|t| value_type(*t))
                    .collect::<WasmResult<_>>()?;
                (params, results)
            }
        })
    }

    pub(super) fn i32_const(&mut self, v: u32) -> Value {
        self.b.ins().iconst(I32, v as i64)
    }

    /// Zero-extends an i32 index or length to i64; an i64 (memory64)
    /// is returned as is.
    pub(super) fn uextend64(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == I64 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    /// Translates `drop`, `select`, locals, globals and constants; false
    /// if `op` is none of them.
    pub(super) fn translate_value_op(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match op {
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let (x, y, c) = self.pop3();
                let v = self.b.ins().select(c, x, y);
                self.push(v);
            }

            // Variables.
            Operator::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[*local_index as usize]);
                self.label_local(*local_index as usize, v);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[*local_index as usize], v);
                self.label_local(*local_index as usize, v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[*local_index as usize], v);
                self.label_local(*local_index as usize, v);
            }
            Operator::GlobalGet { global_index } => {
                let g = GlobalIndex::from_u32(*global_index);
                let ty = value_type(self.env.module.globals[g].ty)?;
                let (ptr, off, flags) = self.global_location(g);
                let v = self.b.ins().load(ty, flags, ptr, off);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let g = GlobalIndex::from_u32(*global_index);
                let v = self.pop();
                let (ptr, off, flags) = self.global_location(g);
                self.b.ins().store(flags, v, ptr, off);
            }

            // Constants.
            Operator::I32Const { value } => {
                let v = self.b.ins().iconst(I32, i64::from(*value));
                self.push(v);
            }
            Operator::I64Const { value } => {
                let v = self.b.ins().iconst(I64, *value);
                self.push(v);
            }
            Operator::F32Const { value } => {
                let v = self.b.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            Operator::F64Const { value } => {
                let v = self.b.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(v);
            }

            _ => return Ok(false),
        }
        Ok(true)
    }
}
