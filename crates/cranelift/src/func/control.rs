//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, the
//! branches (`br`, `br_if`, `br_table`, `br_on_null`/`br_on_non_null`),
//! `return` and `unreachable`, and the control frames they push and pop.

use super::{Frame, FrameKind, FuncState};
use crate::trap_codes::wasm_trap;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData};
use cranelift_codegen::packed_option::ReservedValue;
use std::collections::HashMap;
use wasmparser::{BlockType, Operator};
use wasmtime_environ::{Trap, WasmResult};

impl FuncState<'_, '_, '_> {
    /// The target block of a branch to relative depth `depth` and the number
    /// of values it takes.
    pub(super) fn br_target(&mut self, depth: u32) -> (Block, usize) {
        let i = self.frames.len() - 1 - depth as usize;
        let frame = &mut self.frames[i];
        match frame.kind {
            FrameKind::Loop { back_edge, .. } => (back_edge, frame.num_params),
            _ => {
                frame.exit_branched = true;
                (frame.dest, frame.num_results)
            }
        }
    }

    /// Whether a branch to relative depth `depth` goes to a loop.
    pub(super) fn is_loop(&self, depth: u32) -> bool {
        let frame = &self.frames[self.frames.len() - 1 - depth as usize];
        matches!(frame.kind, FrameKind::Loop { .. })
    }

    /// Pushes a frame for a construct opened in unreachable code.
    pub(super) fn push_unreachable_frame(&mut self) {
        self.frames.push(Frame {
            kind: FrameKind::Block,
            head_reachable: false,
            dest: Block::reserved_value(),
            num_params: 0,
            num_results: 0,
            stack_base: self.stack.len(),
            exit_branched: false,
        });
    }

    pub(super) fn translate_block(&mut self, bt: BlockType) -> WasmResult<()> {
        let (params, results) = self.block_types(bt)?;
        let dest = self.create_block_with_params(&results);
        self.frames.push(Frame {
            kind: FrameKind::Block,
            head_reachable: true,
            dest,
            num_params: params.len(),
            num_results: results.len(),
            stack_base: self.stack.len() - params.len(),
            exit_branched: false,
        });
        Ok(())
    }

    pub(super) fn translate_loop(&mut self, bt: BlockType) -> WasmResult<()> {
        let (params, results) = self.block_types(bt)?;
        let header = self.create_block_with_params(&params);
        let dest = self.create_block_with_params(&results);
        let args = self.popn(params.len());
        // Code before the first loop never runs after a loop-header check,
        // so calls there left the cached deadline stale: reload it on the
        // (single) edge into this loop.
        if self.epoch_stale {
            self.epoch_deadline_load();
            self.epoch_stale = false;
        }
        self.epoch_after_loop = true;
        if let Some(outer) = self.open_loops.last_mut() {
            outer.1 = true;
        }
        self.open_loops.push((self.b.srcloc().bits(), false));
        self.jump(header, &args);
        self.b.switch_to_block(header);
        let header_params = self.b.block_params(header).to_vec();
        if self.fuel_var.is_some() {
            self.fuel_check();
        }
        if self.env.tunables.epoch_interruption {
            self.epoch_check();
        }
        self.stack.extend(header_params);
        self.frames.push(Frame {
            kind: FrameKind::Loop {
                header,
                back_edge: header,
            },
            head_reachable: true,
            dest,
            num_params: params.len(),
            num_results: results.len(),
            stack_base: self.stack.len() - params.len(),
            exit_branched: false,
        });
        Ok(())
    }

    pub(super) fn translate_if(&mut self, bt: BlockType) -> WasmResult<()> {
        let cond = self.pop();
        let (params, results) = self.block_types(bt)?;
        let dest = self.create_block_with_params(&results);
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        self.apply_if_hint(then_block, else_block);
        self.b.ins().brif(cond, then_block, &[], else_block, &[]);
        self.b.switch_to_block(then_block);
        self.b.seal_block(then_block);
        let param_values = self.peekn(params.len());
        self.frames.push(Frame {
            kind: FrameKind::If {
                else_block,
                params: param_values,
                else_seen: false,
                then_end_reachable: false,
            },
            head_reachable: true,
            dest,
            num_params: params.len(),
            num_results: results.len(),
            stack_base: self.stack.len() - params.len(),
            exit_branched: false,
        });
        Ok(())
    }

    pub(super) fn translate_else(&mut self) {
        let reachable = self.reachable;
        let frame = self.frames.last().expect("validated: else inside if");
        if !frame.head_reachable {
            return;
        }
        let (dest, num_results, stack_base) = (frame.dest, frame.num_results, frame.stack_base);
        if reachable {
            let args = self.peekn(num_results);
            self.jump(dest, &args);
        }
        self.stack.truncate(stack_base);
        let frame = self.frames.last_mut().unwrap();
        let FrameKind::If {
            else_block,
            params,
            else_seen,
            then_end_reachable,
        } = &mut frame.kind
        else {
            unreachable!("validated: else inside if")
        };
        *else_seen = true;
        *then_end_reachable = reachable;
        let else_block = *else_block;
        let params = params.clone();
        self.stack.extend(params);
        self.b.switch_to_block(else_block);
        self.b.seal_block(else_block);
        self.reachable = true;
    }

    pub(super) fn translate_end(&mut self) {
        let scope = self.take_handler_scope();
        self.translate_end_inner();
        if let Some(scope) = scope {
            self.emit_landing_pads(scope);
        }
    }

    pub(super) fn translate_end_inner(&mut self) {
        let frame = self.frames.pop().expect("validated: end matches a frame");
        let is_function_end = self.frames.is_empty();
        if !frame.head_reachable {
            return;
        }
        if self.reachable {
            let args = self.peekn(frame.num_results);
            self.jump(frame.dest, &args);
        }
        let dest_reachable = match frame.kind {
            FrameKind::Block => self.reachable || frame.exit_branched,
            FrameKind::Loop { header, .. } => {
                self.b.seal_block(header);
                if let Some((start, false)) = self.open_loops.pop() {
                    let end = self.b.srcloc().bits();
                    self.innermost_loops.push(start..end.saturating_add(1));
                }
                self.fuel_opaque = true;
                // Only an unrolled loop's earlier copies branch to `dest`.
                self.reachable || frame.exit_branched
            }
            FrameKind::If {
                else_block,
                params,
                else_seen,
                then_end_reachable,
            } => {
                if else_seen {
                    self.reachable || then_end_reachable || frame.exit_branched
                } else {
                    // No `else`: the false arm passes the parameters through
                    // (validation guarantees they match the results).
                    self.b.switch_to_block(else_block);
                    self.b.seal_block(else_block);
                    self.jump(frame.dest, &params);
                    true
                }
            }
        };
        self.stack.truncate(frame.stack_base);
        self.b.seal_block(frame.dest);
        if dest_reachable {
            self.b.switch_to_block(frame.dest);
            let results = self.b.block_params(frame.dest).to_vec();
            self.stack.extend(results);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
        if is_function_end && self.reachable {
            let results = self.stack.clone();
            self.emit_return(&results);
            self.reachable = false;
        }
    }

    pub(super) fn translate_br_table(
        &mut self,
        targets: &wasmparser::BrTable<'_>,
    ) -> WasmResult<()> {
        let index = self.pop();
        let depths = targets.targets().collect::<Result<Vec<u32>, _>>()?;
        let default = targets.default();
        let arity = {
            let i = self.frames.len() - 1 - default as usize;
            let f = &self.frames[i];
            match f.kind {
                FrameKind::Loop { .. } => f.num_params,
                _ => f.num_results,
            }
        };
        if arity == 0 {
            let mut calls = Vec::with_capacity(depths.len());
            for d in &depths {
                let (block, _) = self.br_target(*d);
                calls.push(self.b.func.dfg.block_call(block, &[]));
            }
            let (block, _) = self.br_target(default);
            let default_call = self.b.func.dfg.block_call(block, &[]);
            let jt = self
                .b
                .create_jump_table(JumpTableData::new(default_call, &calls));
            self.b.ins().br_table(index, jt);
        } else {
            // Values flow to the targets through one edge block per depth.
            let args = self.peekn(arity);
            let mut edges: HashMap<u32, Block> = HashMap::new();
            let mut order = Vec::new();
            let mut edge = |s: &mut Self, d: u32| -> Block {
                *edges.entry(d).or_insert_with(|| {
                    order.push(d);
                    s.b.create_block()
                })
            };
            let mut calls = Vec::with_capacity(depths.len());
            for d in &depths {
                let block = edge(self, *d);
                calls.push(self.b.func.dfg.block_call(block, &[]));
            }
            let block = edge(self, default);
            let default_call = self.b.func.dfg.block_call(block, &[]);
            let jt = self
                .b
                .create_jump_table(JumpTableData::new(default_call, &calls));
            self.b.ins().br_table(index, jt);
            for d in order {
                let block = edges[&d];
                self.b.switch_to_block(block);
                self.b.seal_block(block);
                let (target, _) = self.br_target(d);
                self.jump(target, &args);
            }
        }
        self.reachable = false;
        Ok(())
    }

    /// Translates a control operator; false if `op` is none.
    pub(super) fn translate_control(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match op {
            // Control flow.
            Operator::Unreachable => {
                self.fuel_save();
                self.trap(wasm_trap(Trap::UnreachableCodeReached));
                self.reachable = false;
            }
            Operator::Nop => {}
            Operator::Block { blockty } => self.translate_block(*blockty)?,
            Operator::Loop { blockty } => self.translate_loop(*blockty)?,
            Operator::If { blockty } => self.translate_if(*blockty)?,
            Operator::Else => self.translate_else(),
            Operator::End => self.translate_end(),
            Operator::Br { relative_depth } => {
                let (target, n) = self.br_target(*relative_depth);
                let args = self.peekn(n);
                self.jump(target, &args);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, n) = self.br_target(*relative_depth);
                let args: Vec<BlockArg> = self.peekn(n).into_iter().map(BlockArg::Value).collect();
                if let Some((dest, results)) = self.exit_of_copy(target) {
                    let results: Vec<BlockArg> = results.into_iter().map(BlockArg::Value).collect();
                    self.b.ins().brif(cond, target, &args, dest, &results);
                    self.reachable = false;
                } else {
                    let next = self.b.create_block();
                    let to_loop = self.is_loop(*relative_depth);
                    self.hinted_br_if(cond, (target, to_loop), &args, next);
                    self.b.switch_to_block(next);
                    self.b.seal_block(next);
                    self.fuel_opaque |= self.is_loop(*relative_depth);
                }
            }
            Operator::BrTable { targets } => self.translate_br_table(targets)?,
            Operator::Return => {
                let results = self.peekn(self.num_results);
                self.emit_return(&results);
                self.reachable = false;
            }
            Operator::RefAsNonNull => self.translate_ref_as_non_null(),
            Operator::BrOnNull { relative_depth } => {
                self.translate_br_on_null(*relative_depth, true)
            }
            Operator::BrOnNonNull { relative_depth } => {
                self.translate_br_on_null(*relative_depth, false)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
