//! Emitting traps with or without signal handlers.
//!
//! With `Tunables::signals_based_traps` (the default) a trap is a
//! trapping instruction (`ud2`, a faulting division or conversion, a
//! conditional `trapz`/`trapnz`) caught by the runtime's signal handler.
//! Without it nothing may fault: each trap is a cold block calling the
//! `raise_trap` builtin, which unwinds to the host without a signal, and
//! the instructions that fault in hardware (integer division, float to
//! integer conversion, the prologue's stack-limit check) get explicit
//! checks in front of them.

use super::FuncState;
use crate::trap_codes::trap_site;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{InstBuilder, TrapCode, Type, Value};
use wasmtime_environ::{store_context, BuiltinFunctionIndex};

impl FuncState<'_, '_, '_> {
    /// Whether traps may be left to the hardware and the signal handler.
    pub(crate) fn signal_traps(&self) -> bool {
        self.env.tunables.signals_based_traps
    }

    /// Traps unconditionally with `code` (ends the block's reachable code
    /// as far as the machine is concerned; the caller keeps its own
    /// reachability bookkeeping).
    pub(crate) fn trap(&mut self, code: TrapCode) {
        self.trap_with(code, !self.signal_traps());
    }

    /// Raises `code` (a `TrapSite::HostError`: a failed host call or
    /// builtin) if `cond` is non-zero, always through the `raise_trap`
    /// builtin: such failures are not faults, so they never go through the
    /// signal handler.
    pub(crate) fn raise_if(&mut self, cond: Value, code: TrapCode) {
        let trap = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(trap);
        self.b.ins().brif(cond, trap, &[], cont, &[]);
        self.b.switch_to_block(trap);
        self.b.seal_block(trap);
        self.trap_with(code, true);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// Like [`Self::raise_if`] when `ok` is zero.
    pub(crate) fn raise_unless(&mut self, ok: Value, code: TrapCode) {
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, ok, 0);
        self.raise_if(failed, code);
    }

    /// Traps with `code`, through the `raise_trap` builtin if `call`.
    fn trap_with(&mut self, code: TrapCode, call: bool) {
        if call {
            let site = trap_site(code).expect("every trap code we emit maps to a trap site");
            let site = self.b.ins().iconst(I32, i64::from(site.to_u8()));
            self.call_builtin(BuiltinFunctionIndex::raise_trap, &[site]);
        }
        // Never reached without signals (`raise_trap` does not return).
        self.b.ins().trap(code);
    }

    /// Traps with `code` if `v` is zero.
    pub(crate) fn trapz(&mut self, v: Value, code: TrapCode) {
        if self.signal_traps() {
            self.b.ins().trapz(v, code);
        } else {
            let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, v, 0);
            self.trap_if(is_zero, code);
        }
    }

    /// Traps with `code` if `v` is not zero.
    pub(crate) fn trapnz(&mut self, v: Value, code: TrapCode) {
        if self.signal_traps() {
            self.b.ins().trapnz(v, code);
        } else {
            self.trap_if(v, code);
        }
    }

    /// `a + b`, trapping with `code` on unsigned overflow.
    pub(crate) fn uadd_overflow_trap(&mut self, a: Value, b: Value, code: TrapCode) -> Value {
        if self.signal_traps() {
            return self.b.ins().uadd_overflow_trap(a, b, code);
        }
        let (sum, overflow) = self.b.ins().uadd_overflow(a, b);
        self.trap_if(overflow, code);
        sum
    }

    /// Branches to a cold block that raises `code` if `cond` is non-zero.
    fn trap_if(&mut self, cond: Value, code: TrapCode) {
        let trap = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(trap);
        self.b.ins().brif(cond, trap, &[], cont, &[]);
        self.b.switch_to_block(trap);
        self.b.seal_block(trap);
        self.trap(code);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// Without signals: the checks that make an integer division or
    /// remainder `x op y` unable to fault (division by zero; `INT_MIN / -1`
    /// for a signed division; Cranelift's `srem` already handles -1).
    pub(crate) fn division_checks(&mut self, x: Value, y: Value, signed_div: bool) {
        if self.signal_traps() {
            return;
        }
        self.trapz(y, TrapCode::INTEGER_DIVISION_BY_ZERO);
        if signed_div {
            let ty = self.b.func.dfg.value_type(x);
            let min = if ty == I32 {
                i64::from(i32::MIN)
            } else {
                i64::MIN
            };
            let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
            let is_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
            let overflow = self.b.ins().band(is_min, is_neg1);
            self.trapnz(overflow, TrapCode::INTEGER_OVERFLOW);
        }
    }

    /// A trapping float-to-integer conversion (`iNN.trunc_fMM_s/u`). With
    /// signals it is Cranelift's trapping `fcvt_to_*`; without, NaN and
    /// out-of-range inputs are checked first and the saturating conversion
    /// does the rest.
    pub(crate) fn trapping_fcvt(&mut self, x: Value, to: Type, signed: bool) -> Value {
        if self.signal_traps() {
            return if signed {
                self.b.ins().fcvt_to_sint(to, x)
            } else {
                self.b.ins().fcvt_to_uint(to, x)
            };
        }
        let from = self.b.func.dfg.value_type(x);
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.trapnz(is_nan, TrapCode::BAD_CONVERSION_TO_INTEGER);
        // Out of range: `x < lo` (or `x <= lo` where the last invalid value
        // below the range is exact), or `x >= hi`. Every bound is exact in
        // the input type.
        let bits = to.bits() as i32;
        let (lo, lo_inclusive, hi) = match (signed, from == F64 && bits == 32) {
            // -2^31 - 1 is exact in f64: anything up to it truncates below.
            (true, true) => (-(2f64.powi(31)) - 1.0, true, 2f64.powi(31)),
            // The float just below -2^(n-1) already truncates out of range.
            (true, false) => (-(2f64.powi(bits - 1)), false, 2f64.powi(bits - 1)),
            (false, _) => (-1.0, true, 2f64.powi(bits)),
        };
        let cc = if lo_inclusive {
            FloatCC::LessThanOrEqual
        } else {
            FloatCC::LessThan
        };
        let (lo, hi) = if from == F32 {
            (
                self.b.ins().f32const(Ieee32::with_float(lo as f32)),
                self.b.ins().f32const(Ieee32::with_float(hi as f32)),
            )
        } else {
            (
                self.b.ins().f64const(Ieee64::with_float(lo)),
                self.b.ins().f64const(Ieee64::with_float(hi)),
            )
        };
        let too_low = self.b.ins().fcmp(cc, x, lo);
        let too_high = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
        let out = self.b.ins().bor(too_low, too_high);
        self.trapnz(out, TrapCode::INTEGER_OVERFLOW);
        if signed {
            self.b.ins().fcvt_to_sint_sat(to, x)
        } else {
            self.b.ins().fcvt_to_uint_sat(to, x)
        }
    }

    /// Without signals: the explicit stack-limit check at function entry
    /// (with signals Cranelift's prologue does it and traps with `ud2`).
    /// It runs after the prologue has allocated this function's frame, so
    /// wasm may use up to one frame more than `max_wasm_stack`.
    pub(crate) fn explicit_stack_check(&mut self) {
        if self.signal_traps() {
            return;
        }
        let limit = self.b.ins().load(
            I64,
            super::trusted().with_readonly(),
            self.store_ctx,
            store_context::STACK_LIMIT as i32,
        );
        let sp = self.b.ins().get_stack_pointer(I64);
        let over = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        self.trapnz(over, TrapCode::STACK_OVERFLOW);
    }
}
