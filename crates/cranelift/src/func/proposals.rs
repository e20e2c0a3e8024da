//! Operators of post-2.0 proposals that need more than a line in the main
//! operator match: wide arithmetic and function references.

use super::{wasm_trap, FuncState};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData};
use wasmtime_environ::{vm_func_ref, Trap, TypeIndex, WasmResult};

impl FuncState<'_, '_, '_> {
    /// `i64.add128` / `i64.sub128`: (lo1, hi1, lo2, hi2) -> (lo, hi).
    pub(super) fn translate_wide_add_sub(&mut self, sub: bool) {
        let (lo2, hi2) = self.pop2();
        let (lo1, hi1) = self.pop2();
        let x = self.b.ins().iconcat(lo1, hi1);
        let y = self.b.ins().iconcat(lo2, hi2);
        let r = if sub {
            self.b.ins().isub(x, y)
        } else {
            self.b.ins().iadd(x, y)
        };
        let (lo, hi) = self.b.ins().isplit(r);
        self.push(lo);
        self.push(hi);
    }

    /// `i64.mul_wide_s` / `i64.mul_wide_u`: (x, y) -> (lo, hi) of the full
    /// 128-bit product.
    pub(super) fn translate_mul_wide(&mut self, signed: bool) {
        let (x, y) = self.pop2();
        let lo = self.b.ins().imul(x, y);
        let hi = if signed {
            self.b.ins().smulhi(x, y)
        } else {
            self.b.ins().umulhi(x, y)
        };
        self.push(lo);
        self.push(hi);
    }
}

impl FuncState<'_, '_, '_> {
    /// `call_ref $t` / `return_call_ref $t`: calls the function reference on
    /// top of the stack (its type is `$t` by validation), trapping on null.
    pub(super) fn translate_call_ref(&mut self, type_index: u32, tail: bool) -> WasmResult<()> {
        let type_index = TypeIndex::from_u32(type_index);
        let sig = self.wasm_sig(type_index)?;
        let funcref = self.pop();
        let nparams = self.env.module.types[type_index].params.len();
        let wasm_args = self.popn(nparams);
        self.trapz(funcref, wasm_trap(Trap::NullReference));
        let flags = MemFlagsData::trusted().with_readonly();
        let code = self
            .b
            .ins()
            .load(I64, flags, funcref, vm_func_ref::WASM_CALL as i32);
        let callee_vmctx = self
            .b
            .ins()
            .load(I64, flags, funcref, vm_func_ref::VMCTX as i32);
        let mut args = Vec::with_capacity(nparams + 2);
        args.extend([callee_vmctx, self.vmctx]);
        args.extend(wasm_args);
        self.emit_wasm_call(super::exceptions::Callee::Indirect(sig, code), &args, tail);
        Ok(())
    }

    /// `ref.as_non_null`: traps on null, otherwise leaves the reference.
    pub(super) fn translate_ref_as_non_null(&mut self) {
        let r = *self.stack.last().expect("validated");
        self.trapz(r, wasm_trap(Trap::NullReference));
    }

    /// `br_on_null $l` (`on_null`) branches with the values below the
    /// reference if it is null, else continues with it; `br_on_non_null $l`
    /// branches with the values and the reference if it is not null, else
    /// continues without it.
    pub(super) fn translate_br_on_null(&mut self, relative_depth: u32, on_null: bool) {
        let r = self.pop();
        let (target, n) = self.br_target(relative_depth);
        let next = self.b.create_block();
        if on_null {
            let args: Vec<BlockArg> = self.peekn(n).into_iter().map(BlockArg::Value).collect();
            let is_null = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
            self.b.ins().brif(is_null, target, &args, next, &[]);
            self.b.switch_to_block(next);
            self.b.seal_block(next);
            self.push(r);
        } else {
            // The branch carries the reference as its last value.
            self.push(r);
            let args: Vec<BlockArg> = self.peekn(n).into_iter().map(BlockArg::Value).collect();
            self.pop();
            self.b.ins().brif(r, target, &args, next, &[]);
            self.b.switch_to_block(next);
            self.b.seal_block(next);
        }
    }
}
