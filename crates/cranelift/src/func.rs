//! Translation of one wasm function body to Cranelift IR.
//!
//! The translator walks the operators once, validating each with the
//! module's `FuncValidator` before translating it (an unrolled loop's body
//! is then translated again, see `func/unroll.rs`), and keeps a stack of SSA
//! values standing for the wasm operand stack plus a stack of control
//! frames. Code after an unconditional transfer of control is unreachable:
//! it is validated but not translated, and only its control nesting is
//! tracked, so no instruction is ever emitted after a terminator.
//!
//! This file holds the translator's state, its construction and the loop
//! over the operators; each operator is translated by one of the rooms
//! below, by topic.

use crate::value_type;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    Block, Endianness, FuncRef, Function, GlobalValueData, InstBuilder, MemFlagsData, SigRef,
    SourceLoc, Type, Value, ValueLabel,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::Operator;
use wasmtime_environ::{
    store_context, vmctx, BranchHints, FuncIndex, FunctionBodyData, Module, Tunables, TypeIndex,
    VMOffsets, WasmError, WasmResult, WasmValType, VMCTX_VALUE_LABEL,
};

mod atomics;
mod calls;
mod control;
mod exceptions;
mod gc;
mod gc_objects;
mod hints;
mod instrument;
mod memory;
mod numeric;
mod proposals;
mod simd;
mod stack_maps;
mod stack_switching;
mod tables;
mod traps;
mod unroll;
mod values;
mod vmctx_access;

/// Translates the body of one defined function.
pub(crate) struct FuncTranslator<'a> {
    isa: &'a dyn TargetIsa,
    module: &'a Module,
    offsets: &'a VMOffsets,
    tunables: &'a Tunables,
    func_index: FuncIndex,
}

/// Flags for loads and stores of runtime data structures (vmctx, tables,
/// funcrefs), which never trap.
fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Flags for runtime data that never changes while wasm runs, so the load
/// may be hoisted and deduplicated.
fn constant() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Flags for wasm linear memory accesses: little-endian, and a fault means
/// an out-of-bounds access (the guard region).
fn heap() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// The Cranelift type of a value type (every reference is one
/// pointer-sized word, whatever it names).
fn wasm_val_type(ty: wasmparser::ValType) -> WasmResult<Type> {
    value_type(WasmValType::from_wasmparser(ty, &|_| {
        Some(wasmtime_environ::WasmTypeKind::Func)
    })?)
}

impl<'a> FuncTranslator<'a> {
    /// Prepares the translation of function `func_index` of `module`.
    pub(crate) fn new(
        isa: &'a dyn TargetIsa,
        module: &'a Module,
        offsets: &'a VMOffsets,
        tunables: &'a Tunables,
        func_index: FuncIndex,
    ) -> Self {
        FuncTranslator {
            isa,
            module,
            offsets,
            tunables,
            func_index,
        }
    }

    /// Validates `body` and translates it into `func`, whose signature must
    /// already be the wasm signature of the function.
    pub(crate) fn translate(
        &mut self,
        func: &mut Function,
        builder_ctx: &mut FunctionBuilderContext,
        body: FunctionBodyData<'_>,
    ) -> WasmResult<Vec<Range<u32>>> {
        let mut validator = body.validator.into_validator(Default::default());
        let branch_hints = body.branch_hints;
        let body = body.body;

        // The stack limit lives in the store context: vmctx -> store -> limit.
        let vmctx_gv = func.create_global_value(GlobalValueData::VMContext);
        let flags = func
            .dfg
            .mem_flags
            .insert(MemFlagsData::trusted().with_readonly())
            .map_err(|_| WasmError::ImplLimitExceeded)?;
        let store_gv = func.create_global_value(GlobalValueData::Load {
            base: vmctx_gv,
            offset: (vmctx::STORE_CONTEXT as i32).into(),
            global_type: I64,
            flags,
        });
        let limit_gv = func.create_global_value(GlobalValueData::Load {
            base: store_gv,
            offset: (store_context::STACK_LIMIT as i32).into(),
            global_type: I64,
            flags,
        });
        // Without signal handlers the check is explicit (`func/traps.rs`).
        if self.tunables.signals_based_traps {
            func.stack_limit = Some(limit_gv);
        }

        // Native debug info: every definition and read of a wasm local
        // carries the local's index as a value label, the vmctx its own,
        // and Cranelift reports where each label lives in the code.
        let labels = self.tunables.generate_native_debuginfo;
        if labels {
            func.collect_debug_info();
        }
        let mut b = FunctionBuilder::new(func, builder_ctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry).to_vec();
        let vmctx = params[0];
        b.set_val_label(vmctx, ValueLabel::from_u32(VMCTX_VALUE_LABEL));

        let ty = self.module.func_type(self.func_index);
        let num_results = ty.results.len();
        let mut result_types = Vec::with_capacity(num_results);
        for r in ty.results.iter() {
            result_types.push(value_type(*r)?);
        }

        let store_ctx = b
            .ins()
            .load(I64, constant(), vmctx, vmctx::STORE_CONTEXT as i32);
        let mut state = FuncState {
            env: self,
            b,
            vmctx,
            store_ctx,
            fuel_var: None,
            fuel_pending: 0,
            fuel_opaque: false,
            epoch: None,
            epoch_after_loop: false,
            epoch_stale: false,
            open_loops: Vec::new(),
            innermost_loops: Vec::new(),
            locals: Vec::new(),
            ends_copy: false,
            stack: Vec::new(),
            frames: Vec::new(),
            reachable: true,
            wasm_sigs: HashMap::new(),
            builtin_sigs: HashMap::new(),
            direct_funcs: HashMap::new(),
            num_results,
            exn: Default::default(),
            branch_hints,
            body_start: body.range().start as u32,
            labels,
        };

        // Parameters (after the two vmctx parameters and the fuel counter,
        // if any), then declared locals (zero-initialized).
        let first_param = if self.tunables.consume_fuel { 3 } else { 2 };
        for (i, p) in ty.params.iter().enumerate() {
            let var = state.b.declare_var(value_type(*p)?);
            if stack_maps::is_gc_val(p) {
                state.b.declare_var_needs_stack_map(var);
                state
                    .b
                    .declare_value_needs_stack_map(params[i + first_param]);
            }
            state.b.def_var(var, params[i + first_param]);
            state.label_local(state.locals.len(), params[i + first_param]);
            state.locals.push(var);
        }
        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (count, ty) = locals.read()?;
            validator.define_locals(offset, count, ty)?;
            let cty = wasm_val_type(ty)?;
            if count == 0 {
                continue;
            }
            let gc = stack_maps::is_gc_operand(validator.resources(), ty);
            let zero = state.zero(cty);
            for _ in 0..count {
                let var = state.b.declare_var(cty);
                if gc {
                    state.b.declare_var_needs_stack_map(var);
                }
                state.b.def_var(var, zero);
                state.label_local(state.locals.len(), zero);
                state.locals.push(var);
            }
        }

        // Stack, fuel and epoch checks on entry (after the locals are
        // defined, so the check blocks see them).
        state.explicit_stack_check();
        if self.tunables.consume_fuel {
            let var = state.b.declare_var(I64);
            state.fuel_var = Some(var);
            // The caller passes its counter (see `crate::wasm_signature`).
            state.b.def_var(var, params[2]);
            // Entering a function costs 1.
            state.fuel_pending = 1;
            state.fuel_check();
        }
        if self.tunables.epoch_interruption {
            let ptr =
                state
                    .b
                    .ins()
                    .load(I64, constant(), store_ctx, store_context::EPOCH_PTR as i32);
            let deadline = state.b.declare_var(I64);
            state.epoch = Some((ptr, deadline));
            state.epoch_deadline_load();
            state.epoch_check();
        }

        // The body is a block whose end returns.
        let exit = state.create_block_with_params(&result_types);
        state.frames.push(Frame {
            kind: FrameKind::Block,
            head_reachable: true,
            dest: exit,
            num_params: 0,
            num_results,
            stack_base: 0,
            exit_branched: false,
        });

        let mut reader = body.get_operators_reader()?;
        let mut unrolling = None;
        while !reader.eof() {
            let offset = reader.original_position();
            let op = reader.read()?;
            validator.op(offset, &op)?;
            if matches!(op, Operator::End) {
                if let Some(u) = unrolling.take_if(|u| state.closes(u)) {
                    state.translate_other_copies(u)?;
                }
            }
            state.b.set_srcloc(SourceLoc::new(offset as u32));
            state.ends_copy = unrolling
                .as_ref()
                .is_some_and(|u| state.closes(u) && unroll::next_is_end(&reader));
            let opens_loop = state.reachable && matches!(op, Operator::Loop { .. });
            let before = state.stack.clone();
            state.translate(&op)?;
            if state.reachable {
                state.declare_pushed_refs(&before, &validator);
            }
            if opens_loop && unrolling.is_none() {
                unrolling = state.plan_unrolling(&reader);
            }
        }
        // Checks that the body ended with its final `end` and nothing after.
        reader.finish()?;
        debug_assert!(state.frames.is_empty());

        let innermost_loops = std::mem::take(&mut state.innermost_loops);
        state.b.finalize(self.isa.frontend_config());
        Ok(innermost_loops)
    }
}

/// What kind of construct a control frame stands for.
enum FrameKind {
    /// A `block` (or the function body).
    Block,
    /// A `loop` whose checks are in `header`; branches to it go to
    /// `back_edge`, which is `header` unless the loop is unrolled (see
    /// `func/unroll.rs`).
    Loop { header: Block, back_edge: Block },
    /// An `if`, possibly after its `else`.
    If {
        /// Entered when the condition is false.
        else_block: Block,
        /// The block parameters at the `if`, handed again to the `else` arm.
        params: Vec<Value>,
        /// Whether `else` was seen.
        else_seen: bool,
        /// Whether the end of the `then` arm was reachable (set at `else`).
        then_end_reachable: bool,
    },
}

struct Frame {
    kind: FrameKind,
    /// Whether the construct's start was reachable. Frames opened in
    /// unreachable code have no blocks and only track nesting.
    head_reachable: bool,
    /// The block following the construct; its parameters are the results.
    dest: Block,
    num_params: usize,
    num_results: usize,
    /// Height of the value stack below the construct's parameters.
    stack_base: usize,
    /// Whether some branch targets `dest`.
    exit_branched: bool,
}

struct FuncState<'t, 'a, 'b> {
    env: &'t FuncTranslator<'a>,
    b: FunctionBuilder<'b>,
    vmctx: Value,
    /// The `*mut VMStoreContext`, loaded once on entry.
    store_ctx: Value,
    /// With fuel: the store's fuel counter (`FUEL_CONSUMED`: negative
    /// remaining fuel), kept in a variable and written back to the store
    /// context around calls and on return.
    fuel_var: Option<Variable>,
    /// Fuel cost of the operators translated since the last update of
    /// `fuel_var` (all in the current basic block).
    fuel_pending: i64,
    /// Whether the next update of `fuel_var` must be opaque to the
    /// optimizer: the first after a loop's back edge may be left (after a
    /// `br_if` to a loop, and after a loop's `end`). Folded into the update
    /// passed to the back edge, it would keep the counter from before that
    /// update alive past it, costing a register copy on every back edge.
    fuel_opaque: bool,
    /// With epochs: the epoch counter's address (loaded on entry) and a
    /// variable caching the store's deadline, which can only change during
    /// calls. Checks after entry are all in loop headers, so calls reload it
    /// only from the first loop on (`epoch_after_loop`); earlier ones set
    /// `epoch_stale` and the first loop's preheader reloads it.
    epoch: Option<(Value, Variable)>,
    epoch_after_loop: bool,
    epoch_stale: bool,
    /// The reachable loops being translated, innermost last: the wasm
    /// offset of each `loop` and whether it contains another loop.
    open_loops: Vec<(u32, bool)>,
    /// Wasm byte ranges (`loop` to its `end`) of the reachable loops that
    /// contain no other loop, for placing the function's code (see
    /// `crate::placement`).
    innermost_loops: Vec<Range<u32>>,
    locals: Vec<Variable>,
    /// Whether the operator being translated is the last of an unrolled
    /// loop's body (in a copy other than the last).
    ends_copy: bool,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    reachable: bool,
    wasm_sigs: HashMap<TypeIndex, SigRef>,
    builtin_sigs: HashMap<u32, SigRef>,
    direct_funcs: HashMap<FuncIndex, FuncRef>,
    num_results: usize,
    exn: exceptions::ExnState,
    /// The function's branch hints (see `func/hints.rs`).
    branch_hints: BranchHints,
    /// Module offset of the body's start, from which hint offsets count.
    body_start: u32,
    /// Whether values of wasm locals get value labels (native debug info).
    labels: bool,
}

impl FuncState<'_, '_, '_> {
    /// Marks `v` as the value of wasm local `index` from here on (for
    /// native debuggers; nothing without debug info).
    fn label_local(&mut self, index: usize, v: Value) {
        if self.labels {
            self.b.set_val_label(v, ValueLabel::from_u32(index as u32));
        }
    }

    /// Translates `op`: in unreachable code only its control nesting is
    /// tracked; otherwise its fuel is charged and the room for its topic
    /// translates it.
    fn translate(&mut self, op: &Operator<'_>) -> WasmResult<()> {
        if !self.reachable {
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. } => self.push_unreachable_frame(),
                Operator::Else => self.translate_else(),
                Operator::End => self.translate_end(),
                _ => {}
            }
            return Ok(());
        }
        self.charge_fuel(op);
        let handled = self.translate_control(op)?
            || self.translate_call_op(op)?
            || self.translate_value_op(op)?
            || self.translate_memory_op(op)?
            || self.translate_table_op(op)?
            || self.translate_gc_op(op)?
            || self.translate_gc_object_op(op)?
            || self.translate_stack_switching_op(op)?
            || self.translate_numeric(op)?;
        if handled {
            return Ok(());
        }
        match op {
            op if atomics::is_atomic(op) => self.translate_atomic(op)?,
            Operator::TryTable { try_table } => self.translate_try_table(try_table)?,
            Operator::Throw { tag_index } => self.translate_throw(*tag_index)?,
            Operator::ThrowRef => self.translate_throw_ref(),
            other => {
                if !self.translate_simd(other)? {
                    return Err(WasmError::Unsupported(format!("operator {other:?}")));
                }
            }
        }
        Ok(())
    }
}
