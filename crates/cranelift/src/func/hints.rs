//! Branch hints (`Tunables::branch_hinting`, the `metadata.code.branch_hint`
//! section read by `wasmtime_environ`): the unlikely successor of a hinted
//! `if` or `br_if` is marked cold, so Cranelift lays it out after the
//! function's hot code and the likely path falls through.
//!
//! Only blocks that no other branch enters are marked cold: the `then` or
//! `else` block of an `if` and the fall-through block of a `br_if` are
//! created for the branch. The target of a `br_if` is the end of an
//! enclosing construct or a loop header, which other paths reach too, so
//! when that side is unlikely the branch goes through a new cold edge
//! block that jumps on to the target; the target itself stays where it was.
//! (Wasmtime marks such a target cold, which moves the code after the
//! construct out of line for every path that reaches it.)
//!
//! A `br_if` back to a loop hinted taken changes nothing: its fall-through
//! (usually the loop's exit) already follows it, so the back edge is one
//! conditional jump. Moved out of line, the fall-through would cost an
//! extra jump on every iteration, the taken branch no longer being able to
//! fall through to either side. (Wasmtime moves it.)
//!
//! Hints never change semantics: the same branches with the same arguments
//! are emitted, at most with an extra jump on the unlikely side.
//!
//! The `br_if` that ends a copy of an unrolled loop's body (see
//! `func/unroll.rs`) takes no hint: its fall-through edge is the loop's
//! exit, which is already cold, and its target is the next copy.

use super::FuncState;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, Value};

impl FuncState<'_, '_, '_> {
    /// The hint for the `if` or `br_if` being translated (the current source
    /// location): whether it is likely taken.
    fn branch_hint(&self) -> Option<bool> {
        if self.branch_hints.is_empty() {
            return None;
        }
        let offset = self.b.srcloc().bits().checked_sub(self.body_start)?;
        self.branch_hints.taken(offset)
    }

    /// Marks the unlikely arm of the `if` being translated cold: `then_block`
    /// runs when its condition is true, `else_block` when it is false (both
    /// fresh blocks entered only from the `if`).
    pub(super) fn apply_if_hint(&mut self, then_block: Block, else_block: Block) {
        match self.branch_hint() {
            Some(true) => self.b.set_cold_block(else_block),
            Some(false) => self.b.set_cold_block(then_block),
            None => {}
        }
    }

    /// Ends the current block with the conditional branch of a `br_if`:
    /// to `target` (a loop header if `to_loop`) with `args` when `cond` is
    /// nonzero, otherwise to `next`, a fresh block entered only from here.
    /// The unlikely side, if a hint names one, is laid out cold (see the
    /// module documentation).
    pub(super) fn hinted_br_if(
        &mut self,
        cond: Value,
        (target, to_loop): (Block, bool),
        args: &[BlockArg],
        next: Block,
    ) {
        match self.branch_hint() {
            Some(false) => {
                let edge = self.b.create_block();
                self.b.set_cold_block(edge);
                self.b.ins().brif(cond, edge, &[], next, &[]);
                self.b.switch_to_block(edge);
                self.b.seal_block(edge);
                self.b.ins().jump(target, args);
            }
            taken => {
                if taken == Some(true) && !to_loop {
                    self.b.set_cold_block(next);
                }
                self.b.ins().brif(cond, target, args, next, &[]);
            }
        }
    }
}
