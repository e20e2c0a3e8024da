//! Operators of post-2.0 proposals that need more than a line in the main
//! operator match: wide arithmetic and function references.

use super::FuncState;
use cranelift_codegen::ir::InstBuilder;

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
