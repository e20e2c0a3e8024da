//! Translation of the exception-handling proposal: `try_table`, `throw`,
//! `throw_ref`.
//!
//! Inside a `try_table`, every call (including the call that throws) is a
//! Cranelift `try_call` whose exception table lists the handlers of all
//! enclosing `try_table`s, innermost first. Before each such call the
//! function's `vmctx` is stored in a keyed stack slot, so the unwinder can
//! resolve tag indices to tag identities. Each catch clause gets a landing block receiving the
//! exception object (an `exnref`, the object's address) in the first payload
//! register; it loads the payload values and branches to the clause's label.
//! Landing blocks are created on first use and filled in at the
//! `try_table`'s `end`.
//!
//! `throw` allocates the exception object through the `exn_alloc` builtin,
//! stores the payload into it and calls the `throw_ref` builtin, which
//! unwinds natively to the handler, or returns when no wasm handler exists;
//! compiled code then traps with `TrapSite::Exception`.

use super::{trusted, FuncState};
use crate::builtins::builtin_signature;
use crate::keys::VMCTX_SLOT_KEY;
use crate::trap_codes::{trap_code, wasm_trap};
use crate::value_type;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    Block, BlockArg, BlockCall, ExceptionTableData, ExceptionTableItem, ExceptionTag, FuncRef,
    InstBuilder, SigRef, StackSlot, StackSlotData, StackSlotKey, StackSlotKind, Value,
};
use cranelift_codegen::isa::CallConv;
use wasmparser::{Catch, TryTable};
use wasmtime_environ::{
    vm_exn_object, vmctx, BuiltinFunctionIndex, ExceptionCatch, TagIndex, Trap, TrapSite,
    VMOffsets, WasmResult,
};

/// The catch clauses of one open `try_table`.
pub(crate) struct HandlerScope {
    /// Index of the `try_table`'s control frame.
    frame: usize,
    catches: Vec<CatchClause>,
}

struct CatchClause {
    catch: ExceptionCatch,
    /// Label depth, relative to the frames outside the `try_table`.
    label: u32,
    /// Landing block, created when a call first needs it.
    landing: Option<Block>,
}

/// Exception-handling state of a function translation.
#[derive(Default)]
pub(crate) struct ExnState {
    scopes: Vec<HandlerScope>,
    /// Stack slot holding the `vmctx` at every `try_call`, for the
    /// unwinder (keyed with [`VMCTX_SLOT_KEY`]).
    vmctx_slot: Option<StackSlot>,
}

/// What a call goes to.
pub(crate) enum Callee {
    /// A direct call.
    Direct(FuncRef),
    /// An indirect call through a code pointer.
    Indirect(SigRef, Value),
}

impl FuncState<'_, '_, '_> {
    /// `try_table`: a block whose calls are covered by its catch clauses.
    pub(crate) fn translate_try_table(&mut self, try_table: &TryTable) -> WasmResult<()> {
        let mut catches = Vec::with_capacity(try_table.catches.len());
        for catch in &try_table.catches {
            let (catch, label) = match *catch {
                Catch::One { tag, label } => (
                    ExceptionCatch::Tag {
                        index: tag,
                        by_ref: false,
                    },
                    label,
                ),
                Catch::OneRef { tag, label } => (
                    ExceptionCatch::Tag {
                        index: tag,
                        by_ref: true,
                    },
                    label,
                ),
                Catch::All { label } => (ExceptionCatch::All { by_ref: false }, label),
                Catch::AllRef { label } => (ExceptionCatch::All { by_ref: true }, label),
            };
            catches.push(CatchClause {
                catch,
                label,
                landing: None,
            });
        }
        self.translate_block(try_table.ty)?;
        self.exn.scopes.push(HandlerScope {
            frame: self.frames.len() - 1,
            catches,
        });
        Ok(())
    }

    /// Called at every `end` before its frame is popped: closes the
    /// `try_table` scope of that frame, if any, and returns it.
    pub(crate) fn take_handler_scope(&mut self) -> Option<HandlerScope> {
        let frame = self.frames.len().checked_sub(1)?;
        if self.exn.scopes.last().is_some_and(|s| s.frame == frame) {
            self.exn.scopes.pop()
        } else {
            None
        }
    }

    /// Fills in the landing blocks of a closed `try_table` (after its `end`
    /// was translated, with the frames outside it current).
    pub(crate) fn emit_landing_pads(&mut self, scope: HandlerScope) {
        let resume = self.b.current_block();
        let mut emitted = false;
        for clause in scope.catches {
            let Some(landing) = clause.landing else {
                continue;
            };
            emitted = true;
            self.b.switch_to_block(landing);
            self.b.seal_block(landing);
            // The frames the exception unwound consumed fuel too (and may
            // have moved the epoch deadline).
            self.reload_after_call();
            let exn = self.b.block_params(landing)[0];
            let mut args = Vec::new();
            if let ExceptionCatch::Tag { index, .. } = clause.catch {
                let module = self.env.module;
                let ty = module.func_type_at(module.tags[TagIndex::from_u32(index)]);
                for (i, p) in ty.params.iter().enumerate() {
                    let cty = value_type(*p).expect("validated tag types are supported");
                    let off = vm_exn_object::VALUES + i as u32 * vm_exn_object::VALUE_SIZE;
                    args.push(self.b.ins().load(cty, trusted(), exn, off as i32));
                }
            }
            let by_ref = match clause.catch {
                ExceptionCatch::Tag { by_ref, .. } | ExceptionCatch::All { by_ref } => by_ref,
            };
            if by_ref {
                args.push(exn);
            }
            let (target, _) = self.br_target(clause.label);
            self.jump(target, &args);
        }
        if emitted {
            if let Some(block) = resume {
                if self.reachable {
                    self.b.switch_to_block(block);
                }
            }
        }
    }

    /// The exception-table items for a call at the current point, or `None`
    /// outside every `try_table`.
    fn handler_items(&mut self) -> Option<Vec<ExceptionTableItem>> {
        if self.exn.scopes.is_empty() {
            return None;
        }
        let slot = match self.exn.vmctx_slot {
            Some(slot) => slot,
            None => {
                let slot = self.b.create_sized_stack_slot(StackSlotData::new_with_key(
                    StackSlotKind::ExplicitSlot,
                    8,
                    3,
                    StackSlotKey::new(VMCTX_SLOT_KEY),
                ));
                self.exn.vmctx_slot = Some(slot);
                slot
            }
        };
        let vmctx = self.vmctx;
        self.b.ins().stack_store(I64, vmctx, slot, 0);
        let mut items = Vec::new();
        for s in (0..self.exn.scopes.len()).rev() {
            for c in 0..self.exn.scopes[s].catches.len() {
                let landing = match self.exn.scopes[s].catches[c].landing {
                    Some(b) => b,
                    None => {
                        let b = self.b.create_block();
                        self.b.append_block_param(b, I64);
                        self.exn.scopes[s].catches[c].landing = Some(b);
                        b
                    }
                };
                let tag = ExceptionTag::from_u32(self.exn.scopes[s].catches[c].catch.to_tag());
                let call = BlockCall::new(
                    landing,
                    [BlockArg::TryCallExn(0)],
                    &mut self.b.func.dfg.value_lists,
                );
                items.push(ExceptionTableItem::Tag(tag, call));
            }
        }
        Some(items)
    }

    /// Emits a call, as a `try_call` inside a `try_table`; returns the
    /// results.
    pub(crate) fn emit_call(&mut self, callee: Callee, args: &[Value]) -> Vec<Value> {
        let Some(items) = self.handler_items() else {
            let call = match callee {
                Callee::Direct(f) => self.b.ins().call(f, args),
                Callee::Indirect(sig, ptr) => self.b.ins().call_indirect(sig, ptr, args),
            };
            return self.b.inst_results(call).to_vec();
        };
        let sig = match callee {
            Callee::Direct(f) => self.b.func.dfg.ext_funcs[f].signature,
            Callee::Indirect(sig, _) => sig,
        };
        let result_types: Vec<_> = self.b.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|r| r.value_type)
            .collect();
        let normal = self.b.create_block();
        for ty in &result_types {
            self.b.append_block_param(normal, *ty);
        }
        let normal_call = BlockCall::new(
            normal,
            (0..result_types.len() as u32).map(BlockArg::TryCallRet),
            &mut self.b.func.dfg.value_lists,
        );
        let table = self
            .b
            .func
            .dfg
            .exception_tables
            .push(ExceptionTableData::new(sig, normal_call, items));
        match callee {
            Callee::Direct(f) => self.b.ins().try_call(f, args, table),
            Callee::Indirect(_, ptr) => self.b.ins().try_call_indirect(ptr, args, table),
        };
        self.b.switch_to_block(normal);
        self.b.seal_block(normal);
        self.b.block_params(normal).to_vec()
    }

    /// `throw tag`.
    pub(crate) fn translate_throw(&mut self, tag: u32) -> WasmResult<()> {
        let module = self.env.module;
        let ty = module.func_type_at(module.tags[TagIndex::from_u32(tag)]);
        let values = self.popn(ty.params.len());
        let tag_v = self.i32_const(tag);
        let len = self.i32_const(values.len() as u32);
        let exn = self
            .call_builtin(BuiltinFunctionIndex::exn_alloc, &[tag_v, len])
            .expect("exn_alloc returns the object");
        for (i, v) in values.iter().enumerate() {
            let off = vm_exn_object::VALUES + i as u32 * vm_exn_object::VALUE_SIZE;
            self.b.ins().store(trusted(), *v, exn, off as i32);
        }
        self.emit_throw(exn);
        Ok(())
    }

    /// `throw_ref`.
    pub(crate) fn translate_throw_ref(&mut self) {
        let exn = self.pop();
        self.trapz(exn, wasm_trap(Trap::NullReference));
        self.emit_throw(exn);
    }

    /// Calls the `throw_ref` builtin with `exn`; if it returns, nothing in
    /// wasm caught the exception.
    pub(super) fn emit_throw(&mut self, exn: Value) {
        let builtin = BuiltinFunctionIndex::throw_ref;
        // `PreserveAll`, not SystemV: inside a `try_table` this is a
        // `try_call`, and the runtime resumes a handler with only pc, sp and
        // fp set. For a SystemV callee Cranelift would keep values live into
        // the handler in callee-saved registers, which hold the unwound
        // host frames' values by then; a `PreserveAll` callee clobbers every
        // register on the exceptional edge. On the normal edge (nothing
        // caught) the runtime's throw stub preserves every register.
        let mut signature = builtin_signature(builtin, self.env.isa.default_call_conv());
        signature.call_conv = CallConv::PreserveAll;
        let sig = self.b.import_signature(signature);
        let table = self
            .b
            .ins()
            .load(I64, super::constant(), self.vmctx, vmctx::BUILTINS as i32);
        let fptr = self.b.ins().load(
            I64,
            super::constant(),
            table,
            VMOffsets::builtin(builtin) as i32,
        );
        let vmctx = self.vmctx;
        // A handler (here or in a caller) reloads fuel from the store.
        self.fuel_save();
        self.emit_call(Callee::Indirect(sig, fptr), &[vmctx, exn]);
        self.trap(trap_code(TrapSite::Exception));
        self.reachable = false;
    }
}
