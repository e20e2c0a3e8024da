//! Unrolling small innermost loops (unless Cranelift's optimization level
//! is `none`).
//!
//! A tight loop of six to ten machine instructions spends a good part of
//! its time on its taken back-edge jump, and with `Tunables::consume_fuel`
//! or `Tunables::epoch_interruption` on a check in its header (a compare
//! and a branch to a cold block, plus a load for epochs), which alone would
//! be a fifth of the work. So a loop that contains no other loop, no call
//! and no exception handling, and whose body is small, is translated as up
//! to [`MAX_COPIES`] consecutive copies of its body: a branch back to the
//! loop from copy `i` goes to the start of copy `i + 1`, and only the last
//! copy branches back to the real header, where the checks are. Falling off
//! the end of any copy leaves the loop, as in wasm.
//!
//! The check still runs within a bounded amount of work: the copies of a
//! round add up to at most [`MAX_UNROLLED_OPS`] operators, none of them a
//! call or a loop, so at most that many run between two checks. Fuel is still
//! charged per operator, exactly as without unrolling; only the moment the
//! exhaustion is noticed moves, which the seeds allow (fuel is checked at
//! loop headers and function entries, not after every operator).
//!
//! Copy 1 is translated from the main operator reader as it is validated;
//! the other copies replay the same (now validated) operators from a clone
//! of the reader taken at the `loop`.
//!
//! A `br_if` back to the loop that ends a copy's body takes the loop's exit
//! as its fall-through edge directly. With an edge block in between, the
//! values the copy computed would be used only on the two sides of the
//! branch (a single-predecessor block takes no parameters), so Cranelift
//! would compute them on each side: on every exit path, and all of them at
//! the end of the last copy, instead of once in each copy.
//!
//! The loop's exit block is marked cold, so it and the edges into it are
//! laid out after the function's hot code. Each copy's exit edge may need
//! register moves (with fuel on, the copy's own count of the fuel
//! variable, `base + cost * i`, differs from the last copy's), and
//! Cranelift places such an edge right after its branch; the hot path
//! through the copies would then take a jump in every copy. Out of line,
//! the copies fall through into each other and only leaving the loop
//! jumps.

use super::{FrameKind, FuncState};
use cranelift_codegen::ir::{Block, SourceLoc, Value};
use cranelift_codegen::settings::OptLevel;
use wasmparser::{Operator, OperatorsReader};
use wasmtime_environ::WasmResult;

/// The most copies of a loop body translated.
pub(crate) const MAX_COPIES: usize = 8;

/// The most operators all the copies of a body may add up to (the body is
/// copied as often as fits, up to [`MAX_COPIES`]; a body of more than half
/// of this is not unrolled).
pub(crate) const MAX_UNROLLED_OPS: usize = 128;

/// An innermost loop being unrolled: its other copies are translated when
/// the main reader reaches the loop's `end`.
pub(crate) struct Unrolling<'a> {
    /// The number of control frames directly inside the loop's body (the
    /// loop's own frame included).
    depth: usize,
    /// Positioned at the first operator of the body.
    body: OperatorsReader<'a>,
    copies: usize,
}

/// Whether the next operator `reader` reads is an `end`.
pub(crate) fn next_is_end(reader: &OperatorsReader<'_>) -> bool {
    matches!(reader.clone().read(), Ok(Operator::End))
}

/// How many copies of the body of the `loop` just read from `body` to
/// translate; 1 if it is not unrolled. `body` is positioned after the
/// `loop`; the body is not validated yet, so anything unreadable means 1
/// (validation then reports it).
fn copies(mut body: OperatorsReader<'_>) -> usize {
    let mut depth = 0u32;
    let mut ops = 0usize;
    let mut branches_back = false;
    loop {
        let Ok(op) = body.read() else { return 1 };
        ops += 1;
        if ops > MAX_UNROLLED_OPS / 2 {
            return 1;
        }
        match op {
            Operator::Block { .. } | Operator::If { .. } => depth += 1,
            Operator::End if depth == 0 => break,
            Operator::End => depth -= 1,
            Operator::Br { relative_depth }
            | Operator::BrIf { relative_depth }
            | Operator::BrOnNull { relative_depth }
            | Operator::BrOnNonNull { relative_depth } => branches_back |= relative_depth == depth,
            Operator::BrTable { targets } => {
                branches_back |= targets.default() == depth;
                for t in targets.targets() {
                    let Ok(t) = t else { return 1 };
                    branches_back |= t == depth;
                }
            }
            // Nested loops (the loop is not innermost), calls (whose cost
            // dwarfs the check's) and exception handling (whose frames
            // carry handler state) keep the loop as it is.
            Operator::Loop { .. }
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Rethrow { .. } => return 1,
            _ => {}
        }
    }
    // The final `end` is not copied.
    let body_ops = ops - 1;
    if !branches_back || body_ops == 0 {
        return 1;
    }
    (MAX_UNROLLED_OPS / body_ops).min(MAX_COPIES)
}

impl FuncState<'_, '_, '_> {
    /// Called right after a reachable `loop` was translated, with `body`
    /// positioned at its first operator: decides whether to unroll it and,
    /// if so, sends the back edges of the first copy to the start of the
    /// second.
    pub(crate) fn plan_unrolling<'a>(
        &mut self,
        body: &OperatorsReader<'a>,
    ) -> Option<Unrolling<'a>> {
        if self.env.isa.flags().opt_level() == OptLevel::None {
            return None;
        }
        let copies = copies(body.clone());
        if copies < 2 {
            return None;
        }
        self.redirect_back_edges();
        // See the module documentation: keeps the exit edges' moves out of
        // the copies' fall-through path.
        let dest = self.frames.last().expect("inside the loop").dest;
        self.b.set_cold_block(dest);
        Some(Unrolling {
            depth: self.frames.len(),
            body: body.clone(),
            copies,
        })
    }

    /// Whether the operators read now are directly in the body of the loop
    /// of `unrolling` (an `end` read now closes it).
    pub(crate) fn closes(&self, unrolling: &Unrolling<'_>) -> bool {
        self.frames.len() == unrolling.depth
    }

    /// At the `end` of the first copy of an unrolled loop: translates the
    /// other copies, each from a fresh clone of the body's reader. The
    /// caller then translates the `end` itself, closing the last copy.
    pub(crate) fn translate_other_copies(&mut self, unrolling: Unrolling<'_>) -> WasmResult<()> {
        for copy in 2..=unrolling.copies {
            let last = copy == unrolling.copies;
            self.start_copy(last);
            let mut reader = unrolling.body.clone();
            let mut depth = 0u32;
            loop {
                let offset = reader.original_position();
                let op = reader.read()?;
                match op {
                    Operator::Block { .. } | Operator::If { .. } => depth += 1,
                    Operator::End if depth == 0 => break,
                    Operator::End => depth -= 1,
                    _ => {}
                }
                self.b.set_srcloc(SourceLoc::new(offset as u32));
                self.ends_copy = !last && depth == 0 && next_is_end(&reader);
                self.translate(&op)?;
            }
        }
        self.ends_copy = false;
        Ok(())
    }

    /// For a `br_if` to `target` that is the last operator of a copy of an
    /// unrolled loop's body, with `target` the start of the next copy: the
    /// loop's exit block and the values the copy leaves the loop with, for
    /// the branch's fall-through edge (see the module documentation). The
    /// caller ends the copy's reachable code.
    pub(crate) fn exit_of_copy(&mut self, target: Block) -> Option<(Block, Vec<Value>)> {
        if !self.ends_copy {
            return None;
        }
        let frame = self.frames.last_mut().expect("inside the loop");
        match frame.kind {
            FrameKind::Loop { header, back_edge } if back_edge == target && back_edge != header => {
                frame.exit_branched = true;
                let (dest, n) = (frame.dest, frame.num_results);
                Some((dest, self.peekn(n)))
            }
            _ => None,
        }
    }

    /// Gives the innermost (loop) frame a new block, with the loop's
    /// parameters, as the target of its back edges.
    fn redirect_back_edges(&mut self) {
        let frame = self.frames.last().expect("inside the loop");
        let FrameKind::Loop { header, .. } = frame.kind else {
            unreachable!("the innermost frame is the loop being unrolled")
        };
        // The header's first parameters are the loop's; the frontend may
        // have appended more for variables.
        let tys: Vec<_> = self.b.func.dfg.block_params(header)[..frame.num_params]
            .iter()
            .map(|v| self.b.func.dfg.value_type(*v))
            .collect();
        let next = self.create_block_with_params(&tys);
        self.frames.last_mut().expect("inside the loop").kind = FrameKind::Loop {
            header,
            back_edge: next,
        };
    }

    /// Ends one copy of the body (falling off its end leaves the loop) and
    /// starts the next at the block the copy's back edges went to; the back
    /// edges of the `last` copy go to the loop header.
    fn start_copy(&mut self, last: bool) {
        if self.reachable {
            self.fuel_flush();
            let frame = self.frames.last_mut().expect("inside the loop");
            frame.exit_branched = true;
            let (dest, n) = (frame.dest, frame.num_results);
            let args = self.peekn(n);
            self.jump(dest, &args);
        }
        let frame = self.frames.last().expect("inside the loop");
        let FrameKind::Loop { header, back_edge } = frame.kind else {
            unreachable!("the innermost frame is the loop being unrolled")
        };
        self.stack.truncate(frame.stack_base);
        self.b.switch_to_block(back_edge);
        // Its predecessors are all in the previous copy.
        self.b.seal_block(back_edge);
        let params = self.b.block_params(back_edge).to_vec();
        self.stack.extend(params);
        self.reachable = true;
        if last {
            self.frames.last_mut().expect("inside the loop").kind = FrameKind::Loop {
                header,
                back_edge: header,
            };
        } else {
            self.redirect_back_edges();
        }
    }
}
