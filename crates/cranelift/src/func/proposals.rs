//! Operators of post-2.0 proposals that need more than a line in their
//! room's operator match: wide arithmetic and the null checks of function
//! references (`call_ref` is in `func/calls.rs`).

use super::FuncState;
use crate::trap_codes::wasm_trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder};
use wasmtime_environ::Trap;

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
