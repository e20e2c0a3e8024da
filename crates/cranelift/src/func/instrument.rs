//! Instrumentation for interrupting wasm: fuel (a counter charged per
//! operator, checked at function entries and loop headers) and epochs (a
//! global counter compared with the store's deadline at the same places),
//! plus reloading both after calls.

use super::{trusted, FuncState};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::Operator;
use wasmtime_environ::{store_context, BuiltinFunctionIndex};

impl FuncState<'_, '_, '_> {
    /// Charges the fuel cost of `op` (with fuel on), adding the pending cost
    /// to the fuel variable if `op` ends a basic block.
    pub(super) fn charge_fuel(&mut self, op: &Operator<'_>) {
        if self.fuel_var.is_some() {
            self.fuel_pending += fuel_cost(op);
            if ends_basic_block(op) {
                self.fuel_flush();
            }
        }
    }

    /// Adds the pending cost to the fuel variable.
    pub(super) fn fuel_flush(&mut self) {
        let Some(var) = self.fuel_var else { return };
        if self.fuel_pending != 0 {
            let v = self.b.use_var(var);
            let pending = self.b.ins().iconst(I64, self.fuel_pending);
            let v = if std::mem::take(&mut self.fuel_opaque) {
                // `uadd_overflow` (carry unused) rather than `iadd`: the
                // optimizer leaves it alone, where it would fold
                // `(v + a) + b` into `v + (a + b)`.
                self.b.ins().uadd_overflow(v, pending).0
            } else {
                self.b.ins().iadd(v, pending)
            };
            self.b.def_var(var, v);
            self.fuel_pending = 0;
        }
    }

    /// The current fuel counter, with the pending cost added: what a callee
    /// or this function's caller is passed.
    pub(super) fn fuel_value(&mut self) -> Option<Value> {
        let var = self.fuel_var?;
        self.fuel_flush();
        Some(self.b.use_var(var))
    }

    /// Writes the fuel variable back to the store context (before builtins
    /// that read or change it, throws and `unreachable`: wasm calls pass it
    /// in registers instead).
    pub(super) fn fuel_save(&mut self) {
        let Some(var) = self.fuel_var else { return };
        self.fuel_flush();
        let v = self.b.use_var(var);
        self.b.ins().store(
            trusted(),
            v,
            self.store_ctx,
            store_context::FUEL_CONSUMED as i32,
        );
    }

    /// Reloads the fuel variable from the store context (after builtins that
    /// may change it, and in exception handlers: the thrower saved it).
    pub(super) fn fuel_load(&mut self) {
        let Some(var) = self.fuel_var else { return };
        let v = self.b.ins().load(
            I64,
            trusted(),
            self.store_ctx,
            store_context::FUEL_CONSUMED as i32,
        );
        self.b.def_var(var, v);
    }

    /// Calls the `out_of_fuel` builtin if the fuel is exhausted (the counter
    /// reached zero); it refills or makes the code trap.
    ///
    /// The counter is also written back to the store here, at every
    /// function entry and loop header: wasm calls pass it in registers, and
    /// after a trap the store then still holds a count at most one round of
    /// a loop (one iteration, or up to eight unrolled) or one stretch of
    /// straight-line code old.
    pub(super) fn fuel_check(&mut self) {
        let Some(var) = self.fuel_var else { return };
        self.fuel_save();
        let v = self.b.use_var(var);
        let exhausted = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, v, 0);
        let slow = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(exhausted, slow, &[], cont, &[]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        // The store already has the counter (saved above).
        self.call_builtin_trapping(BuiltinFunctionIndex::out_of_fuel, &[]);
        self.fuel_load();
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// Reloads the cached epoch deadline from the store context.
    pub(super) fn epoch_deadline_load(&mut self) {
        let Some((_, var)) = self.epoch else { return };
        let v = self.b.ins().load(
            I64,
            trusted(),
            self.store_ctx,
            store_context::EPOCH_DEADLINE as i32,
        );
        self.b.def_var(var, v);
    }

    /// Calls the `new_epoch` builtin if the epoch counter reached the
    /// store's deadline; it sets a new deadline or makes the code trap.
    ///
    /// The fast path is one load and a compare with the cached deadline,
    /// which is always current: the deadline only changes during calls
    /// (the host owns the store meanwhile), after which it is reloaded.
    pub(super) fn epoch_check(&mut self) {
        let Some((ptr, var)) = self.epoch else { return };
        let epoch = self.b.ins().load(I64, trusted(), ptr, 0);
        let deadline = self.b.use_var(var);
        let reached = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
        let slow = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(reached, slow, &[], cont, &[]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        self.fuel_save();
        self.call_builtin_trapping(BuiltinFunctionIndex::new_epoch, &[]);
        self.fuel_load();
        self.epoch_deadline_load();
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// After a call returned (or unwound to a handler here): the callee
    /// consumed fuel (or the host changed it), and may have moved the epoch
    /// deadline.
    pub(crate) fn reload_after_call(&mut self) {
        self.fuel_load();
        self.reload_epoch_after_call();
    }

    /// The epoch part of [`Self::reload_after_call`].
    pub(super) fn reload_epoch_after_call(&mut self) {
        if self.epoch_after_loop {
            self.epoch_deadline_load();
        } else {
            self.epoch_stale = true;
        }
    }
}

/// Fuel cost of an operator: 1, except for operators that generate no code
/// of their own (`nop`, `drop`, and the structural `block`, `loop`, `else`,
/// `end`, plus `unreachable` and `return`, whose cost is that of the code
/// before them).
fn fuel_cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Else
        | Operator::End
        | Operator::Unreachable
        | Operator::Return => 0,
        _ => 1,
    }
}

/// Whether the translation of `op` branches, calls, returns or traps, so
/// the pending fuel cost must be added to the fuel variable first.
fn ends_basic_block(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
    )
}
