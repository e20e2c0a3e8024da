//! Translation of one wasm function body to Cranelift IR.
//!
//! The translator walks the operators once, validating each with the
//! module's `FuncValidator` before translating it (an unrolled loop's body
//! is then translated again, see `func/unroll.rs`), and keeps a stack of SSA
//! values standing for the wasm operand stack plus a stack of control
//! frames. Code after an unconditional transfer of control is unreachable:
//! it is validated but not translated, and only its control nesting is
//! tracked, so no instruction is ever emitted after a terminator.

use crate::builtins::{builtin_signature, preserves_registers};
use crate::finish::{trap_code, wasm_trap, WASM_FUNC_NAMESPACE};
use crate::value_type;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I16, I32, I64, I8};
use cranelift_codegen::ir::{Block, Signature};
use cranelift_codegen::ir::{
    BlockArg, Endianness, ExtFuncData, ExternalName, FuncRef, Function, GlobalValueData,
    InstBuilder, JumpTableData, MemFlagsData, SigRef, SourceLoc, Type, UserExternalName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::packed_option::ReservedValue;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::{BlockType, MemArg, MemArgTarget, Operator};

mod hints;
mod memory;
mod proposals;
mod traps;
mod unroll;

use memory::memory_is_64;
#[path = "atomics.rs"]
mod atomics;
#[path = "exceptions.rs"]
mod exceptions;
pub(crate) use exceptions::VMCTX_SLOT_KEY;
#[path = "simd.rs"]
mod simd;

use wasmtime_environ::{
    store_context, vm_func_ref, vm_memory_definition, vm_table_definition, vmctx, BranchHints,
    BuiltinFunctionIndex, FuncIndex, FunctionBodyData, GlobalIndex, MemoryIndex, Module,
    TableIndex, Trap, TrapSite, Tunables, TypeIndex, VMOffsets, WasmError, WasmResult, WasmValType,
};

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

fn wasm_val_type(ty: wasmparser::ValType) -> WasmResult<Type> {
    value_type(WasmValType::from_wasmparser(ty)?)
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

        let mut b = FunctionBuilder::new(func, builder_ctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry).to_vec();
        let vmctx = params[0];

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
        };

        // Parameters (after the two vmctx parameters and the fuel counter,
        // if any), then declared locals (zero-initialized).
        let first_param = if self.tunables.consume_fuel { 3 } else { 2 };
        for (i, p) in ty.params.iter().enumerate() {
            let var = state.b.declare_var(value_type(*p)?);
            state.b.def_var(var, params[i + first_param]);
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
            let zero = state.zero(cty);
            for _ in 0..count {
                let var = state.b.declare_var(cty);
                state.b.def_var(var, zero);
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
            state.translate(&op)?;
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
}

macro_rules! unop {
    ($s:ident, $m:ident) => {{
        let x = $s.pop();
        let v = $s.b.ins().$m(x);
        $s.push(v);
    }};
}

macro_rules! binop {
    ($s:ident, $m:ident) => {{
        let (x, y) = $s.pop2();
        let v = $s.b.ins().$m(x, y);
        $s.push(v);
    }};
}

macro_rules! icmp {
    ($s:ident, $cc:ident) => {{
        let (x, y) = $s.pop2();
        let c = $s.b.ins().icmp(IntCC::$cc, x, y);
        let v = $s.b.ins().uextend(I32, c);
        $s.push(v);
    }};
}

macro_rules! fcmp {
    ($s:ident, $cc:ident) => {{
        let (x, y) = $s.pop2();
        let c = $s.b.ins().fcmp(FloatCC::$cc, x, y);
        let v = $s.b.ins().uextend(I32, c);
        $s.push(v);
    }};
}

/// Integer division or remainder, with explicit checks in front when
/// traps may not fault (see `func/traps.rs`).
macro_rules! div {
    ($s:ident, $m:ident, $signed_div:expr) => {{
        let (x, y) = $s.pop2();
        $s.division_checks(x, y, $signed_div);
        let v = $s.b.ins().$m(x, y);
        $s.push(v);
    }};
}

/// A trapping float-to-integer conversion.
macro_rules! trunc {
    ($s:ident, $ty:expr, $signed:expr) => {{
        let x = $s.pop();
        let v = $s.trapping_fcvt(x, $ty, $signed);
        $s.push(v);
    }};
}

macro_rules! conv {
    ($s:ident, $m:ident, $ty:expr) => {{
        let x = $s.pop();
        let v = $s.b.ins().$m($ty, x);
        $s.push(v);
    }};
}

macro_rules! sext {
    ($s:ident, $from:expr, $to:expr) => {{
        let x = $s.pop();
        let n = $s.b.ins().ireduce($from, x);
        let v = $s.b.ins().sextend($to, n);
        $s.push(v);
    }};
}

macro_rules! load {
    ($s:ident, $memarg:expr, $size:expr, |$b:ident, $f:ident, $a:ident, $o:ident| $e:expr) => {{
        let index = $s.pop();
        let ($a, $o) = $s.heap_addr($memarg, index, $size)?;
        let $f = heap();
        let $b = &mut $s.b;
        let v = $e;
        $s.push(v);
    }};
}

macro_rules! store {
    ($s:ident, $memarg:expr, $size:expr, $m:ident) => {{
        let val = $s.pop();
        let index = $s.pop();
        let (addr, off) = $s.heap_addr($memarg, index, $size)?;
        $s.b.ins().$m(heap(), val, addr, off);
    }};
}

impl FuncState<'_, '_, '_> {
    // ---- value stack ----------------------------------------------------

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated: operand stack underflow")
    }

    fn pop2(&mut self) -> (Value, Value) {
        let y = self.pop();
        let x = self.pop();
        (x, y)
    }

    fn pop3(&mut self) -> (Value, Value, Value) {
        let z = self.pop();
        let (x, y) = self.pop2();
        (x, y, z)
    }

    fn peekn(&self, n: usize) -> Vec<Value> {
        self.stack[self.stack.len() - n..].to_vec()
    }

    fn popn(&mut self, n: usize) -> Vec<Value> {
        let vals = self.peekn(n);
        self.stack.truncate(self.stack.len() - n);
        vals
    }

    // ---- helpers --------------------------------------------------------

    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            F32 => self.b.ins().f32const(Ieee32::with_bits(0)),
            F64 => self.b.ins().f64const(Ieee64::with_bits(0)),
            ty if ty.is_vector() => {
                let zero = self.b.func.dfg.constants.insert(vec![0u8; 16].into());
                self.b.ins().vconst(ty, zero)
            }
            ty => self.b.ins().iconst(ty, 0),
        }
    }

    fn create_block_with_params(&mut self, tys: &[Type]) -> Block {
        let block = self.b.create_block();
        for ty in tys {
            self.b.append_block_param(block, *ty);
        }
        block
    }

    fn jump(&mut self, block: Block, args: &[Value]) {
        let args: Vec<BlockArg> = args.iter().map(|v| BlockArg::Value(*v)).collect();
        self.b.ins().jump(block, &args);
    }

    fn block_types(&self, bt: BlockType) -> WasmResult<(Vec<Type>, Vec<Type>)> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![wasm_val_type(t)?]),
            BlockType::FuncType(i) => {
                let ty = &self.env.module.types[TypeIndex::from_u32(i)];
                let params = ty
                    .params
                    .iter()
                    .map(|t| value_type(*t))
                    .collect::<WasmResult<_>>()?;
                let results = ty
                    .results
                    .iter()
                    .map(|t| value_type(*t))
                    .collect::<WasmResult<_>>()?;
                (params, results)
            }
        })
    }

    /// The target block of a branch to relative depth `depth` and the number
    /// of values it takes.
    fn br_target(&mut self, depth: u32) -> (Block, usize) {
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
    fn is_loop(&self, depth: u32) -> bool {
        let frame = &self.frames[self.frames.len() - 1 - depth as usize];
        matches!(frame.kind, FrameKind::Loop { .. })
    }

    fn i32_const(&mut self, v: u32) -> Value {
        self.b.ins().iconst(I32, v as i64)
    }

    /// Zero-extends an i32 index or length to i64; an i64 (memory64)
    /// is returned as is.
    fn uextend64(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == I64 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    // ---- runtime structures ---------------------------------------------

    /// Where the `VMMemoryDefinition` of `mem` is: (pointer, offset).
    fn memory_def(&mut self, mem: MemoryIndex) -> (Value, i32) {
        let env = self.env;
        match env.module.defined_memory_index(mem) {
            Some(def) => (self.vmctx, env.offsets.defined_memory(def) as i32),
            None => {
                let off = env.offsets.imported_memory(mem) as i32;
                let ptr = self.b.ins().load(I64, constant(), self.vmctx, off);
                (ptr, 0)
            }
        }
    }

    /// Where the `VMTableDefinition` of `table` is: (pointer, offset).
    fn table_def(&mut self, table: TableIndex) -> (Value, i32) {
        let env = self.env;
        match env.module.defined_table_index(table) {
            Some(def) => (self.vmctx, env.offsets.defined_table(def) as i32),
            None => {
                let off = env.offsets.imported_table(table) as i32;
                let ptr = self.b.ins().load(I64, constant(), self.vmctx, off);
                (ptr, 0)
            }
        }
    }

    /// Where the value of `global` is: (pointer, offset, flags).
    fn global_location(&mut self, global: GlobalIndex) -> (Value, i32, MemFlagsData) {
        let env = self.env;
        let flags = if env.module.globals[global].mutable {
            trusted()
        } else {
            constant()
        };
        match env.module.defined_global_index(global) {
            Some(def) => (self.vmctx, env.offsets.defined_global(def) as i32, flags),
            None => {
                let off = env.offsets.imported_global(global) as i32;
                let ptr = self.b.ins().load(I64, constant(), self.vmctx, off);
                (ptr, 0, flags)
            }
        }
    }

    /// Computes the native address of a linear memory access of `size`
    /// bytes at `index + memarg.offset`, checking bounds unless the guard
    /// region makes the check unnecessary. Returns (address, offset).
    /// (`memory.rs` has the bounds check itself.)
    fn heap_addr(&mut self, memarg: &MemArg, index: Value, size: u32) -> WasmResult<(Value, i32)> {
        let mem = match memarg.target {
            MemArgTarget::Memory(m) => MemoryIndex::from_u32(m),
            MemArgTarget::Array(_) => {
                return Err(WasmError::Unsupported("GC array accesses".into()))
            }
        };
        self.bounds_checked_addr(mem, memarg.offset, index, size)
    }

    /// The address of element `index` of `table`, trapping with
    /// `TableOutOfBounds` if it is out of bounds.
    fn table_elem_addr(&mut self, table: TableIndex, index: Value) -> Value {
        let (def, off) = self.table_def(table);
        let len = self.b.ins().load(
            I64,
            trusted(),
            def,
            off + vm_table_definition::CURRENT_ELEMENTS as i32,
        );
        let index = self.uextend64(index);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trapnz(oob, wasm_trap(Trap::TableOutOfBounds));
        let base = self
            .b
            .ins()
            .load(I64, trusted(), def, off + vm_table_definition::BASE as i32);
        let scaled = self
            .b
            .ins()
            .imul_imm_u(index, i64::from(vm_table_definition::ELEMENT_SIZE));
        let addr = self.b.ins().iadd(base, scaled);
        // Spectre mitigation: a mispredicted bounds check reads element 0.
        self.b.ins().select_spectre_guard(oob, base, addr)
    }

    fn wasm_sig(&mut self, ty: TypeIndex) -> WasmResult<SigRef> {
        if let Some(sig) = self.wasm_sigs.get(&ty) {
            return Ok(*sig);
        }
        let fuel = self.env.tunables.consume_fuel;
        let sig: Signature = crate::wasm_signature(&self.env.module.types[ty], fuel)?;
        let sig = self.b.import_signature(sig);
        self.wasm_sigs.insert(ty, sig);
        Ok(sig)
    }

    /// Calls `builtin` with `args` (everything but the vmctx parameter) and
    /// returns its result, if any.
    fn call_builtin(&mut self, builtin: BuiltinFunctionIndex, args: &[Value]) -> Option<Value> {
        let sig = match self.builtin_sigs.get(&builtin.index()) {
            Some(sig) => *sig,
            None => {
                let sig = builtin_signature(builtin, self.env.isa.default_call_conv());
                let sig = self.b.import_signature(sig);
                self.builtin_sigs.insert(builtin.index(), sig);
                sig
            }
        };
        // The register-preserving builtins sit on cold paths inside loops:
        // their function pointer is loaded there rather than hoisted out of
        // the loop, where it would hold a register for the whole loop.
        let preserve = preserves_registers(builtin);
        let flags = if preserve {
            trusted().with_readonly()
        } else {
            constant()
        };
        let table = self
            .b
            .ins()
            .load(I64, flags, self.vmctx, vmctx::BUILTINS as i32);
        let fptr = self
            .b
            .ins()
            .load(I64, flags, table, VMOffsets::builtin(builtin) as i32);
        let mut full_args = Vec::with_capacity(builtin.params().len());
        let mut rest = args.iter();
        for kind in builtin.params() {
            match kind {
                wasmtime_environ::BuiltinKind::vmctx => full_args.push(self.vmctx),
                _ => full_args.push(
                    *rest
                        .next()
                        .unwrap_or_else(|| panic!("too few arguments for {}", builtin.name())),
                ),
            }
        }
        assert!(
            rest.next().is_none(),
            "too many arguments for {}",
            builtin.name()
        );
        if preserve {
            // The trampoline leaves the status in the store context.
            self.b.ins().call_indirect(sig, fptr, &full_args);
            return Some(self.b.ins().load(
                I64,
                trusted(),
                self.store_ctx,
                store_context::BUILTIN_STATUS as i32,
            ));
        }
        let call = self.b.ins().call_indirect(sig, fptr, &full_args);
        self.b.inst_results(call).first().copied()
    }

    /// Calls a builtin returning a success flag and raises `trap` if it
    /// returned false (through `raise_trap`, never the signal handler).
    fn call_builtin_checked(&mut self, builtin: BuiltinFunctionIndex, args: &[Value], trap: Trap) {
        let ok = self
            .call_builtin(builtin, args)
            .expect("checked builtins return a status");
        self.raise_unless(ok, wasm_trap(trap));
    }

    /// Traps with `TrapSite::HostError` if a grow builtin returned -2 (the
    /// store's limiter raised an error, now pending in the store).
    fn trap_if_grow_error(&mut self, r: Value) {
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, r, -2);
        self.raise_if(failed, trap_code(TrapSite::HostError));
    }

    // ---- fuel and epochs ------------------------------------------------

    /// Adds the pending cost to the fuel variable.
    fn fuel_flush(&mut self) {
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
    fn fuel_value(&mut self) -> Option<Value> {
        let var = self.fuel_var?;
        self.fuel_flush();
        Some(self.b.use_var(var))
    }

    /// Writes the fuel variable back to the store context (before builtins
    /// that read or change it, throws and `unreachable`: wasm calls pass it
    /// in registers instead).
    fn fuel_save(&mut self) {
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
    fn fuel_load(&mut self) {
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
    fn fuel_check(&mut self) {
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
    fn epoch_deadline_load(&mut self) {
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
    fn epoch_check(&mut self) {
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

    /// Calls a builtin returning a success flag whose failure leaves an
    /// error pending in the store, and traps with `TrapSite::HostError`.
    fn call_builtin_trapping(&mut self, builtin: BuiltinFunctionIndex, args: &[Value]) {
        let ok = self
            .call_builtin(builtin, args)
            .expect("checked builtins return a status");
        self.raise_unless(ok, trap_code(TrapSite::HostError));
    }

    // ---- calls ----------------------------------------------------------

    /// After a call returned (or unwound to a handler here): the callee
    /// consumed fuel (or the host changed it), and may have moved the epoch
    /// deadline.
    pub(crate) fn reload_after_call(&mut self) {
        self.fuel_load();
        self.reload_epoch_after_call();
    }

    /// The epoch part of [`Self::reload_after_call`].
    fn reload_epoch_after_call(&mut self) {
        if self.epoch_after_loop {
            self.epoch_deadline_load();
        } else {
            self.epoch_stale = true;
        }
    }

    /// Emits a call (a `try_call` inside a `try_table`) or, with `tail`, a
    /// tail call, which ends the block; pushes a normal call's results.
    pub(crate) fn emit_wasm_call(
        &mut self,
        callee: exceptions::Callee,
        args: &[Value],
        tail: bool,
    ) {
        // The fuel counter goes after the two vmctx arguments.
        let mut args = args.to_vec();
        if let Some(counter) = self.fuel_value() {
            args.insert(2, counter);
        }
        if tail {
            // The frame is gone, so no handler of this function applies.
            match callee {
                exceptions::Callee::Direct(f) => self.b.ins().return_call(f, &args),
                exceptions::Callee::Indirect(sig, code) => {
                    self.b.ins().return_call_indirect(sig, code, &args)
                }
            };
            self.reachable = false;
        } else {
            let mut results = self.emit_call(callee, &args);
            if let Some(var) = self.fuel_var {
                // The callee returns the counter first.
                let counter = results.remove(0);
                self.b.def_var(var, counter);
            }
            self.reload_epoch_after_call();
            self.stack.extend(results);
        }
    }

    /// Returns `results`, preceded by the fuel counter when fuel is on.
    fn emit_return(&mut self, results: &[Value]) {
        let mut values: Vec<Value> = self.fuel_value().into_iter().collect();
        values.extend_from_slice(results);
        self.b.ins().return_(&values);
    }

    fn translate_call(&mut self, callee: FuncIndex, tail: bool) -> WasmResult<()> {
        let env = self.env;
        let type_index = env.module.functions[callee];
        let nparams = env.module.types[type_index].params.len();
        let wasm_args = self.popn(nparams);
        match env.module.defined_func_index(callee) {
            Some(def) => {
                let fref = match self.direct_funcs.get(&callee) {
                    Some(f) => *f,
                    None => {
                        let sig = self.wasm_sig(type_index)?;
                        let name =
                            self.b
                                .func
                                .declare_imported_user_function(UserExternalName::new(
                                    WASM_FUNC_NAMESPACE,
                                    def.as_u32(),
                                ));
                        let f = self.b.import_function(ExtFuncData {
                            name: ExternalName::user(name),
                            signature: sig,
                            colocated: true,
                            patchable: false,
                        });
                        self.direct_funcs.insert(callee, f);
                        f
                    }
                };
                let mut args = Vec::with_capacity(nparams + 2);
                args.extend([self.vmctx, self.vmctx]);
                args.extend(wasm_args);
                self.emit_wasm_call(exceptions::Callee::Direct(fref), &args, tail);
            }
            None => {
                let sig = self.wasm_sig(type_index)?;
                let off = env.offsets.func_ref(callee) as i32;
                let code = self.b.ins().load(
                    I64,
                    constant(),
                    self.vmctx,
                    off + vm_func_ref::WASM_CALL as i32,
                );
                let callee_vmctx =
                    self.b
                        .ins()
                        .load(I64, constant(), self.vmctx, off + vm_func_ref::VMCTX as i32);
                let mut args = Vec::with_capacity(nparams + 2);
                args.extend([callee_vmctx, self.vmctx]);
                args.extend(wasm_args);
                self.emit_wasm_call(exceptions::Callee::Indirect(sig, code), &args, tail);
            }
        }
        Ok(())
    }

    fn translate_call_indirect(
        &mut self,
        type_index: u32,
        table: u32,
        tail: bool,
    ) -> WasmResult<()> {
        let env = self.env;
        let type_index = TypeIndex::from_u32(type_index);
        let sig = self.wasm_sig(type_index)?;
        let index = self.pop();
        let nparams = env.module.types[type_index].params.len();
        let wasm_args = self.popn(nparams);

        let addr = self.table_elem_addr(TableIndex::from_u32(table), index);
        let funcref = self.b.ins().load(I64, trusted(), addr, 0);
        self.trapz(funcref, wasm_trap(Trap::IndirectCallToNull));

        let type_ids = self
            .b
            .ins()
            .load(I64, constant(), self.vmctx, vmctx::TYPE_IDS as i32);
        let expected =
            self.b
                .ins()
                .load(I32, constant(), type_ids, (type_index.as_u32() * 4) as i32);
        let funcref_flags = trusted().with_readonly();
        let actual = self
            .b
            .ins()
            .load(I32, funcref_flags, funcref, vm_func_ref::TYPE_INDEX as i32);
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, expected, actual);
        self.trapnz(mismatch, wasm_trap(Trap::BadSignature));

        let code = self
            .b
            .ins()
            .load(I64, funcref_flags, funcref, vm_func_ref::WASM_CALL as i32);
        let callee_vmctx =
            self.b
                .ins()
                .load(I64, funcref_flags, funcref, vm_func_ref::VMCTX as i32);
        let mut args = Vec::with_capacity(nparams + 2);
        args.extend([callee_vmctx, self.vmctx]);
        args.extend(wasm_args);
        self.emit_wasm_call(exceptions::Callee::Indirect(sig, code), &args, tail);
        Ok(())
    }

    // ---- control flow ---------------------------------------------------

    /// Pushes a frame for a construct opened in unreachable code.
    fn push_unreachable_frame(&mut self) {
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

    fn translate_block(&mut self, bt: BlockType) -> WasmResult<()> {
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

    fn translate_loop(&mut self, bt: BlockType) -> WasmResult<()> {
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

    fn translate_if(&mut self, bt: BlockType) -> WasmResult<()> {
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

    fn translate_else(&mut self) {
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

    fn translate_end(&mut self) {
        let scope = self.take_handler_scope();
        self.translate_end_inner();
        if let Some(scope) = scope {
            self.emit_landing_pads(scope);
        }
    }

    fn translate_end_inner(&mut self) {
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

    fn translate_br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> WasmResult<()> {
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

    // ---- operators ------------------------------------------------------

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
        if self.fuel_var.is_some() {
            self.fuel_pending += fuel_cost(op);
            if ends_basic_block(op) {
                self.fuel_flush();
            }
        }
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
            Operator::Call { function_index } => {
                self.translate_call(FuncIndex::from_u32(*function_index), false)?
            }
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.translate_call_indirect(*type_index, *table_index, false)?,
            Operator::ReturnCall { function_index } => {
                self.translate_call(FuncIndex::from_u32(*function_index), true)?
            }
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.translate_call_indirect(*type_index, *table_index, true)?,
            Operator::CallRef { type_index } => self.translate_call_ref(*type_index, false)?,
            Operator::ReturnCallRef { type_index } => self.translate_call_ref(*type_index, true)?,
            Operator::RefAsNonNull => self.translate_ref_as_non_null(),
            Operator::BrOnNull { relative_depth } => {
                self.translate_br_on_null(*relative_depth, true)
            }
            Operator::BrOnNonNull { relative_depth } => {
                self.translate_br_on_null(*relative_depth, false)
            }
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let (x, y, c) = self.pop3();
                let v = self.b.ins().select(c, x, y);
                self.push(v);
            }

            // Variables.
            Operator::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[*local_index as usize]);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[*local_index as usize], v);
            }
            Operator::GlobalGet { global_index } => {
                let g = GlobalIndex::from_u32(*global_index);
                let ty = value_type(self.env.module.globals[g].ty)?;
                let (ptr, off, flags) = self.global_location(g);
                let v = self.b.ins().load(ty, flags, ptr, off);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let g = GlobalIndex::from_u32(*global_index);
                let v = self.pop();
                let (ptr, off, flags) = self.global_location(g);
                self.b.ins().store(flags, v, ptr, off);
            }

            // Memory.
            Operator::I32Load { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().load(I32, f, a, o))
            }
            Operator::I64Load { memarg } => {
                load!(self, memarg, 8, |b, f, a, o| b.ins().load(I64, f, a, o))
            }
            Operator::F32Load { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().load(F32, f, a, o))
            }
            Operator::F64Load { memarg } => {
                load!(self, memarg, 8, |b, f, a, o| b.ins().load(F64, f, a, o))
            }
            Operator::I32Load8S { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().sload8(I32, f, a, o))
            }
            Operator::I32Load8U { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().uload8(I32, f, a, o))
            }
            Operator::I32Load16S { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().sload16(I32, f, a, o))
            }
            Operator::I32Load16U { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().uload16(I32, f, a, o))
            }
            Operator::I64Load8S { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().sload8(I64, f, a, o))
            }
            Operator::I64Load8U { memarg } => {
                load!(self, memarg, 1, |b, f, a, o| b.ins().uload8(I64, f, a, o))
            }
            Operator::I64Load16S { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().sload16(I64, f, a, o))
            }
            Operator::I64Load16U { memarg } => {
                load!(self, memarg, 2, |b, f, a, o| b.ins().uload16(I64, f, a, o))
            }
            Operator::I64Load32S { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().sload32(f, a, o))
            }
            Operator::I64Load32U { memarg } => {
                load!(self, memarg, 4, |b, f, a, o| b.ins().uload32(f, a, o))
            }
            Operator::I32Store { memarg } | Operator::F32Store { memarg } => {
                store!(self, memarg, 4, store)
            }
            Operator::I64Store { memarg } | Operator::F64Store { memarg } => {
                store!(self, memarg, 8, store)
            }
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
                store!(self, memarg, 1, istore8)
            }
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
                store!(self, memarg, 2, istore16)
            }
            Operator::I64Store32 { memarg } => store!(self, memarg, 4, istore32),
            Operator::MemorySize { mem } => {
                let memory = MemoryIndex::from_u32(*mem);
                let page_log2 = self.env.module.memories[memory].page_size_log2;
                let (def, off) = self.memory_def(memory);
                let len = self.b.ins().load(
                    I64,
                    trusted(),
                    def,
                    off + vm_memory_definition::CURRENT_LENGTH as i32,
                );
                let pages = self.b.ins().ushr_imm_u(len, i64::from(page_log2));
                let v = self.index_result(memory_is_64(self.env.module, memory), pages);
                self.push(v);
            }
            Operator::MemoryGrow { mem } => {
                let mem_index = mem;
                let delta = self.pop();
                let mem = self.i32_const(*mem);
                let delta = self.uextend64(delta);
                let r = self
                    .call_builtin(BuiltinFunctionIndex::memory_grow, &[mem, delta])
                    .expect("memory_grow returns a value");
                self.trap_if_grow_error(r);
                let is_64 = memory_is_64(self.env.module, MemoryIndex::from_u32(*mem_index));
                let v = self.index_result(is_64, r);
                self.push(v);
            }
            Operator::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                let mem = self.i32_const(*mem);
                let data = self.i32_const(*data_index);
                let dst = self.uextend64(dst);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::memory_init,
                    &[mem, data, dst, src, len],
                    Trap::MemoryOutOfBounds,
                );
            }
            Operator::DataDrop { data_index } => {
                let data = self.i32_const(*data_index);
                self.call_builtin(BuiltinFunctionIndex::data_drop, &[data]);
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                let dst_mem = self.i32_const(*dst_mem);
                let src_mem = self.i32_const(*src_mem);
                let dst = self.uextend64(dst);
                let src = self.uextend64(src);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::memory_copy,
                    &[dst_mem, dst, src_mem, src, len],
                    Trap::MemoryOutOfBounds,
                );
            }
            Operator::MemoryFill { mem } => {
                let (dst, val, len) = self.pop3();
                let mem = self.i32_const(*mem);
                let dst = self.uextend64(dst);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::memory_fill,
                    &[mem, dst, val, len],
                    Trap::MemoryOutOfBounds,
                );
            }

            // Tables and references.
            Operator::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let table = self.i32_const(*table);
                let elem = self.i32_const(*elem_index);
                let dst = self.uextend64(dst);
                let src = self.uextend64(src);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::table_init,
                    &[table, elem, dst, src, len],
                    Trap::TableOutOfBounds,
                );
            }
            Operator::ElemDrop { elem_index } => {
                let elem = self.i32_const(*elem_index);
                self.call_builtin(BuiltinFunctionIndex::elem_drop, &[elem]);
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.pop3();
                let dst_table = self.i32_const(*dst_table);
                let src_table = self.i32_const(*src_table);
                let dst = self.uextend64(dst);
                let src = self.uextend64(src);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::table_copy,
                    &[dst_table, src_table, dst, src, len],
                    Trap::TableOutOfBounds,
                );
            }
            Operator::TableFill { table } => {
                let (dst, val, len) = self.pop3();
                let table = self.i32_const(*table);
                let dst = self.uextend64(dst);
                let len = self.uextend64(len);
                self.call_builtin_checked(
                    BuiltinFunctionIndex::table_fill,
                    &[table, dst, val, len],
                    Trap::TableOutOfBounds,
                );
            }
            Operator::TableGet { table } => {
                let index = self.pop();
                let addr = self.table_elem_addr(TableIndex::from_u32(*table), index);
                let v = self.b.ins().load(I64, trusted(), addr, 0);
                self.push(v);
            }
            Operator::TableSet { table } => {
                let (index, val) = self.pop2();
                let addr = self.table_elem_addr(TableIndex::from_u32(*table), index);
                self.b.ins().store(trusted(), val, addr, 0);
            }
            Operator::TableGrow { table } => {
                let is_64 = self.env.module.tables[TableIndex::from_u32(*table)].table64;
                let (init, delta) = self.pop2();
                let table = self.i32_const(*table);
                let delta = self.uextend64(delta);
                let r = self
                    .call_builtin(BuiltinFunctionIndex::table_grow, &[table, delta, init])
                    .expect("table_grow returns a value");
                self.trap_if_grow_error(r);
                let v = self.index_result(is_64, r);
                self.push(v);
            }
            Operator::TableSize { table } => {
                let is_64 = self.env.module.tables[TableIndex::from_u32(*table)].table64;
                let (def, off) = self.table_def(TableIndex::from_u32(*table));
                let len = self.b.ins().load(
                    I64,
                    trusted(),
                    def,
                    off + vm_table_definition::CURRENT_ELEMENTS as i32,
                );
                let v = self.index_result(is_64, len);
                self.push(v);
            }
            Operator::RefNull { .. } => {
                let v = self.b.ins().iconst(I64, 0);
                self.push(v);
            }
            Operator::RefIsNull => {
                let x = self.pop();
                let c = self.b.ins().icmp_imm_u(IntCC::Equal, x, 0);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            Operator::RefFunc { function_index } => {
                let off = self
                    .env
                    .offsets
                    .func_ref(FuncIndex::from_u32(*function_index));
                let v = self.b.ins().iadd_imm_u(self.vmctx, i64::from(off));
                self.push(v);
            }

            // Constants.
            Operator::I32Const { value } => {
                let v = self.b.ins().iconst(I32, i64::from(*value));
                self.push(v);
            }
            Operator::I64Const { value } => {
                let v = self.b.ins().iconst(I64, *value);
                self.push(v);
            }
            Operator::F32Const { value } => {
                let v = self.b.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            Operator::F64Const { value } => {
                let v = self.b.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(v);
            }

            // Integer comparisons.
            Operator::I32Eqz | Operator::I64Eqz => {
                let x = self.pop();
                let c = self.b.ins().icmp_imm_u(IntCC::Equal, x, 0);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            Operator::I32Eq | Operator::I64Eq => icmp!(self, Equal),
            Operator::I32Ne | Operator::I64Ne => icmp!(self, NotEqual),
            Operator::I32LtS | Operator::I64LtS => icmp!(self, SignedLessThan),
            Operator::I32LtU | Operator::I64LtU => icmp!(self, UnsignedLessThan),
            Operator::I32GtS | Operator::I64GtS => icmp!(self, SignedGreaterThan),
            Operator::I32GtU | Operator::I64GtU => icmp!(self, UnsignedGreaterThan),
            Operator::I32LeS | Operator::I64LeS => icmp!(self, SignedLessThanOrEqual),
            Operator::I32LeU | Operator::I64LeU => icmp!(self, UnsignedLessThanOrEqual),
            Operator::I32GeS | Operator::I64GeS => icmp!(self, SignedGreaterThanOrEqual),
            Operator::I32GeU | Operator::I64GeU => icmp!(self, UnsignedGreaterThanOrEqual),

            // Float comparisons.
            Operator::F32Eq | Operator::F64Eq => fcmp!(self, Equal),
            Operator::F32Ne | Operator::F64Ne => fcmp!(self, NotEqual),
            Operator::F32Lt | Operator::F64Lt => fcmp!(self, LessThan),
            Operator::F32Gt | Operator::F64Gt => fcmp!(self, GreaterThan),
            Operator::F32Le | Operator::F64Le => fcmp!(self, LessThanOrEqual),
            Operator::F32Ge | Operator::F64Ge => fcmp!(self, GreaterThanOrEqual),

            // Integer arithmetic. Cranelift's division and remainder have
            // the wasm trapping behavior (including `srem INT_MIN, -1 == 0`),
            // and its shifts and rotates mask the amount like wasm.
            Operator::I32Clz | Operator::I64Clz => unop!(self, clz),
            Operator::I32Ctz | Operator::I64Ctz => unop!(self, ctz),
            Operator::I32Popcnt | Operator::I64Popcnt => unop!(self, popcnt),
            Operator::I32Add | Operator::I64Add => binop!(self, iadd),
            Operator::I32Sub | Operator::I64Sub => binop!(self, isub),
            Operator::I32Mul | Operator::I64Mul => binop!(self, imul),
            Operator::I32DivS | Operator::I64DivS => div!(self, sdiv, true),
            Operator::I32DivU | Operator::I64DivU => div!(self, udiv, false),
            Operator::I32RemS | Operator::I64RemS => div!(self, srem, false),
            Operator::I32RemU | Operator::I64RemU => div!(self, urem, false),
            Operator::I32And | Operator::I64And => binop!(self, band),
            Operator::I32Or | Operator::I64Or => binop!(self, bor),
            Operator::I32Xor | Operator::I64Xor => binop!(self, bxor),
            Operator::I32Shl | Operator::I64Shl => binop!(self, ishl),
            Operator::I32ShrS | Operator::I64ShrS => binop!(self, sshr),
            Operator::I32ShrU | Operator::I64ShrU => binop!(self, ushr),
            Operator::I32Rotl | Operator::I64Rotl => binop!(self, rotl),
            Operator::I32Rotr | Operator::I64Rotr => binop!(self, rotr),

            // Float arithmetic. Cranelift's fmin/fmax/nearest follow wasm.
            Operator::F32Abs | Operator::F64Abs => unop!(self, fabs),
            Operator::F32Neg | Operator::F64Neg => unop!(self, fneg),
            Operator::F32Ceil | Operator::F64Ceil => unop!(self, ceil),
            Operator::F32Floor | Operator::F64Floor => unop!(self, floor),
            Operator::F32Trunc | Operator::F64Trunc => unop!(self, trunc),
            Operator::F32Nearest | Operator::F64Nearest => unop!(self, nearest),
            Operator::F32Sqrt | Operator::F64Sqrt => unop!(self, sqrt),
            Operator::F32Add | Operator::F64Add => binop!(self, fadd),
            Operator::F32Sub | Operator::F64Sub => binop!(self, fsub),
            Operator::F32Mul | Operator::F64Mul => binop!(self, fmul),
            Operator::F32Div | Operator::F64Div => binop!(self, fdiv),
            Operator::F32Min | Operator::F64Min => binop!(self, fmin),
            Operator::F32Max | Operator::F64Max => binop!(self, fmax),
            Operator::F32Copysign | Operator::F64Copysign => binop!(self, fcopysign),

            // Conversions.
            Operator::I32WrapI64 => conv!(self, ireduce, I32),
            Operator::I64ExtendI32S => conv!(self, sextend, I64),
            Operator::I64ExtendI32U => conv!(self, uextend, I64),
            Operator::I32TruncF32S | Operator::I32TruncF64S => trunc!(self, I32, true),
            Operator::I32TruncF32U | Operator::I32TruncF64U => trunc!(self, I32, false),
            Operator::I64TruncF32S | Operator::I64TruncF64S => trunc!(self, I64, true),
            Operator::I64TruncF32U | Operator::I64TruncF64U => trunc!(self, I64, false),
            Operator::I32TruncSatF32S | Operator::I32TruncSatF64S => {
                conv!(self, fcvt_to_sint_sat, I32)
            }
            Operator::I32TruncSatF32U | Operator::I32TruncSatF64U => {
                conv!(self, fcvt_to_uint_sat, I32)
            }
            Operator::I64TruncSatF32S | Operator::I64TruncSatF64S => {
                conv!(self, fcvt_to_sint_sat, I64)
            }
            Operator::I64TruncSatF32U | Operator::I64TruncSatF64U => {
                conv!(self, fcvt_to_uint_sat, I64)
            }
            Operator::F32ConvertI32S | Operator::F32ConvertI64S => {
                conv!(self, fcvt_from_sint, F32)
            }
            Operator::F32ConvertI32U | Operator::F32ConvertI64U => {
                conv!(self, fcvt_from_uint, F32)
            }
            Operator::F64ConvertI32S | Operator::F64ConvertI64S => {
                conv!(self, fcvt_from_sint, F64)
            }
            Operator::F64ConvertI32U | Operator::F64ConvertI64U => {
                conv!(self, fcvt_from_uint, F64)
            }
            Operator::F32DemoteF64 => conv!(self, fdemote, F32),
            Operator::F64PromoteF32 => conv!(self, fpromote, F64),
            Operator::I32ReinterpretF32 => self.bitcast(I32),
            Operator::I64ReinterpretF64 => self.bitcast(I64),
            Operator::F32ReinterpretI32 => self.bitcast(F32),
            Operator::F64ReinterpretI64 => self.bitcast(F64),

            // Sign extension.
            Operator::I32Extend8S => sext!(self, I8, I32),
            Operator::I32Extend16S => sext!(self, I16, I32),
            Operator::I64Extend8S => sext!(self, I8, I64),
            Operator::I64Extend16S => sext!(self, I16, I64),
            Operator::I64Extend32S => sext!(self, I32, I64),

            // Wide arithmetic.
            Operator::I64Add128 => self.translate_wide_add_sub(false),
            Operator::I64Sub128 => self.translate_wide_add_sub(true),
            Operator::I64MulWideS => self.translate_mul_wide(true),
            Operator::I64MulWideU => self.translate_mul_wide(false),

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

    fn bitcast(&mut self, ty: Type) {
        let x = self.pop();
        let v = self.b.ins().bitcast(ty, MemFlagsData::new(), x);
        self.push(v);
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
