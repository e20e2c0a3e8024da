//! Translation of the stack-switching proposal: `cont.new`, `cont.bind`,
//! `resume`, `resume_throw`, `suspend` and `switch`.
//!
//! Every instruction is a builtin call (see `wasmtime_runtime::cont`): the
//! operands go into a buffer of 16-byte slots in the frame, the builtin
//! switches fibers and leaves its results in the same buffer. A `resume`
//! then dispatches on the builtin's result: the continuation returned, a
//! handler's label gets the payload and the suspended continuation, an
//! error is pending (trap), or an exception escaped the continuation
//! (rethrown here, so enclosing `try_table`s see it).

use super::{trusted, FuncState};
use crate::trap_codes::{trap_code, wasm_trap};
use crate::value_type;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value};
use wasmparser::{Handle, ResumeTable};
use wasmtime_environ::{
    vm_exn_object, BuiltinFunctionIndex, TagIndex, Trap, TrapSite, TypeIndex, WasmCompositeType,
    WasmFuncType, WasmResult, WasmTypeRef,
};

/// Bytes per value in the exchange buffer (a `ValRaw`).
const SLOT: u32 = 16;

/// The buffer's flags: the builtin reads and writes it behind the
/// compiler's back, so accesses are ordinary (non-readonly) ones.
fn buf_flags() -> MemFlagsData {
    trusted()
}

/// What a resume throws into the continuation.
#[derive(Clone, Copy)]
enum Throw {
    /// Nothing: `resume`.
    None,
    /// A new exception of this tag: `resume_throw`.
    Tag(u32),
    /// An `exnref` operand: `resume_throw_ref`.
    Ref,
}

impl FuncState<'_, '_, '_> {
    /// The function type of continuation type `ct`.
    fn cont_func_type(&self, ct: u32) -> WasmResult<&WasmFuncType> {
        let module = self.env.module;
        match &module.types[TypeIndex::from_u32(ct)].composite {
            WasmCompositeType::Cont(WasmTypeRef::Module(f)) => Ok(module.func_type_at(*f)),
            _ => Err(wasmtime_environ::WasmError::Unsupported(format!(
                "type {ct} is not a continuation type"
            ))),
        }
    }

    /// The parameter and result types of tag `tag`.
    fn tag_func_type(&self, tag: u32) -> &WasmFuncType {
        let module = self.env.module;
        module.func_type_at(module.tags[TagIndex::from_u32(tag)])
    }

    /// A buffer of `slots` value slots in the frame; its address.
    fn exchange_buffer(&mut self, slots: usize) -> Value {
        let size = SLOT * slots.max(1) as u32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            4,
        ));
        self.b.ins().stack_addr(I64, slot, 0)
    }

    fn store_values(&mut self, buf: Value, values: &[Value]) {
        for (i, v) in values.iter().enumerate() {
            self.b
                .ins()
                .store(buf_flags(), *v, buf, (i as u32 * SLOT) as i32);
        }
    }

    fn load_values(&mut self, buf: Value, types: &[Type], first: usize) -> Vec<Value> {
        types
            .iter()
            .enumerate()
            .map(|(i, t)| {
                self.b
                    .ins()
                    .load(*t, buf_flags(), buf, ((first + i) as u32 * SLOT) as i32)
            })
            .collect()
    }

    fn clif_types(tys: &[wasmtime_environ::WasmValType]) -> WasmResult<Vec<Type>> {
        tys.iter().map(|t| value_type(*t)).collect()
    }

    /// Traps with `TrapSite::HostError` if a builtin's code is -2 and
    /// rethrows the exception in `buf[0]` if it is -3.
    fn check_switch_code(&mut self, code: Value, buf: Value) {
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, code, -2);
        self.raise_if(failed, trap_code(TrapSite::HostError));
        let thrown = self.b.ins().icmp_imm_s(IntCC::Equal, code, -3);
        let throw = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(throw);
        self.b.ins().brif(thrown, throw, &[], cont, &[]);
        self.b.switch_to_block(throw);
        self.b.seal_block(throw);
        let exn = self.b.ins().load(I64, buf_flags(), buf, 0);
        self.emit_throw(exn);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
        self.reachable = true;
    }

    /// Translates a stack-switching operator; false if `op` is not one.
    pub(crate) fn translate_stack_switching_op(
        &mut self,
        op: &wasmparser::Operator<'_>,
    ) -> WasmResult<bool> {
        use wasmparser::Operator as O;
        match op {
            O::ContNew { cont_type_index } => {
                let ft = self.cont_func_type(*cont_type_index)?;
                let (np, nr) = (ft.params.len() as u32, ft.results.len() as u32);
                let func = self.pop();
                let np = self.i32_const(np);
                let nr = self.i32_const(nr);
                let r = self
                    .call_builtin(BuiltinFunctionIndex::cont_new, &[func, np, nr])
                    .expect("cont_new returns a reference");
                self.raise_unless(r, trap_code(TrapSite::HostError));
                self.push(r);
            }
            O::ContBind {
                argument_index,
                result_index,
            } => {
                let from = self.cont_func_type(*argument_index)?.params.len();
                let to = self.cont_func_type(*result_index)?.params.len();
                let n = from.saturating_sub(to);
                let cont = self.pop();
                let args = self.popn(n);
                let buf = self.exchange_buffer(n);
                self.store_values(buf, &args);
                let n = self.i32_const(n as u32);
                let r = self
                    .call_builtin(BuiltinFunctionIndex::cont_bind, &[cont, buf, n])
                    .expect("cont_bind returns a reference");
                self.raise_unless(r, trap_code(TrapSite::HostError));
                self.push(r);
            }
            O::Resume {
                cont_type_index,
                resume_table,
            } => self.translate_resume(*cont_type_index, Throw::None, resume_table)?,
            O::ResumeThrow {
                cont_type_index,
                tag_index,
                resume_table,
            } => self.translate_resume(*cont_type_index, Throw::Tag(*tag_index), resume_table)?,
            O::ResumeThrowRef {
                cont_type_index,
                resume_table,
            } => self.translate_resume(*cont_type_index, Throw::Ref, resume_table)?,
            O::Suspend { tag_index } => {
                let ty = self.tag_func_type(*tag_index);
                let (np, results) = (ty.params.len(), Self::clif_types(&ty.results)?);
                let args = self.popn(np);
                let cap = np.max(results.len());
                let buf = self.exchange_buffer(cap);
                self.store_values(buf, &args);
                let tag = self.i32_const(*tag_index);
                let n = self.i32_const(np as u32);
                let cap = self.i32_const(cap.max(1) as u32);
                let nr = self.i32_const(results.len() as u32);
                self.fuel_save();
                let code = self
                    .call_builtin(BuiltinFunctionIndex::cont_suspend, &[tag, buf, n, cap, nr])
                    .expect("cont_suspend returns a code");
                self.reload_after_call();
                self.check_switch_code(code, buf);
                for v in self.load_values(buf, &results, 0) {
                    self.push(v);
                }
            }
            O::Switch {
                cont_type_index,
                tag_index,
            } => {
                // switch $ct $tag: [t1* (ref null $ct)] -> [t2*], where $ct
                // takes [t1* (ref null $ct2)] and $ct2 takes [t2*].
                let ft = self.cont_func_type(*cont_type_index)?;
                let np = ft.params.len().saturating_sub(1);
                let last = ft.params.last().copied();
                let results = match last {
                    Some(wasmtime_environ::WasmValType::Ref(r)) => match r.heap {
                        wasmtime_environ::WasmHeapType::ConcreteCont(WasmTypeRef::Module(i)) => {
                            Self::clif_types(&self.cont_func_type(i.as_u32())?.params)?
                        }
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                let target = self.pop();
                self.trapz(target, wasm_trap(Trap::NullReference));
                let args = self.popn(np);
                let cap = np.max(results.len());
                let buf = self.exchange_buffer(cap);
                self.store_values(buf, &args);
                let tag = self.i32_const(*tag_index);
                let n = self.i32_const(np as u32);
                let cap = self.i32_const(cap.max(1) as u32);
                let nr = self.i32_const(results.len() as u32);
                self.fuel_save();
                let code = self
                    .call_builtin(
                        BuiltinFunctionIndex::cont_switch,
                        &[tag, target, buf, n, cap, nr],
                    )
                    .expect("cont_switch returns a code");
                self.reload_after_call();
                self.check_switch_code(code, buf);
                for v in self.load_values(buf, &results, 0) {
                    self.push(v);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `resume $ct (handlers)`, `resume_throw $ct $tag (handlers)` and
    /// `resume_throw_ref $ct (handlers)`.
    fn translate_resume(&mut self, ct: u32, throw: Throw, table: &ResumeTable) -> WasmResult<()> {
        let ft = self.cont_func_type(ct)?;
        let nparams = ft.params.len();
        let results = Self::clif_types(&ft.results)?;
        // Per label handler: its index in the table, its label and the
        // payload types.
        let mut labels = Vec::new();
        let mut words = Vec::with_capacity(table.handlers.len());
        let mut cap = nparams.max(results.len()).max(1);
        for h in &table.handlers {
            match *h {
                Handle::OnLabel { tag, label } => {
                    let payload = Self::clif_types(&self.tag_func_type(tag).params)?;
                    cap = cap.max(payload.len() + 1);
                    labels.push((words.len(), label, payload));
                    words.push(u64::from(tag));
                }
                Handle::OnSwitch { tag } => words.push(u64::from(tag) | (1 << 32)),
            }
        }
        let cont = self.pop();
        let (exn, args) = match throw {
            Throw::Ref => {
                let exn = self.pop();
                self.trapz(exn, wasm_trap(Trap::NullReference));
                (Some(exn), Vec::new())
            }
            Throw::Tag(tag) => {
                let ty = self.tag_func_type(tag);
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
                (Some(exn), Vec::new())
            }
            Throw::None => (None, self.popn(nparams)),
        };
        let buf = self.exchange_buffer(cap);
        self.store_values(buf, &args);
        let hbuf = self.exchange_buffer(words.len().div_ceil(2));
        for (i, w) in words.iter().enumerate() {
            let v = self.b.ins().iconst(I64, *w as i64);
            self.b.ins().store(buf_flags(), v, hbuf, (i * 8) as i32);
        }
        let cap_v = self.i32_const(cap as u32);
        let nh = self.i32_const(words.len() as u32);
        self.fuel_save();
        let code = match exn {
            Some(exn) => self.call_builtin(
                BuiltinFunctionIndex::cont_resume_throw,
                &[cont, exn, buf, cap_v, hbuf, nh],
            ),
            None => {
                let n = self.i32_const(nparams as u32);
                self.call_builtin(
                    BuiltinFunctionIndex::cont_resume,
                    &[cont, buf, n, cap_v, hbuf, nh],
                )
            }
        }
        .expect("resume returns a code");
        self.reload_after_call();
        // Dispatch: each label handler, then errors and exceptions; the
        // fall-through is the return.
        for (index, label, payload) in labels {
            let hit = self.b.ins().icmp_imm_s(IntCC::Equal, code, index as i64);
            let handler = self.b.create_block();
            let next = self.b.create_block();
            self.b.ins().brif(hit, handler, &[], next, &[]);
            self.b.switch_to_block(handler);
            self.b.seal_block(handler);
            let mut vals = self.load_values(buf, &payload, 0);
            let k = self
                .b
                .ins()
                .load(I64, buf_flags(), buf, (payload.len() as u32 * SLOT) as i32);
            vals.push(k);
            let (target, _) = self.br_target(label);
            self.jump(target, &vals);
            self.b.switch_to_block(next);
            self.b.seal_block(next);
        }
        self.check_switch_code(code, buf);
        for v in self.load_values(buf, &results, 0) {
            self.push(v);
        }
        Ok(())
    }
}
