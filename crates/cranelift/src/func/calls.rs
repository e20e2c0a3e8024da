//! Calls: direct, indirect (`call_indirect`), through a function
//! reference (`call_ref`), their tail-call forms, returns, and calls of
//! runtime builtins through the vmctx's builtin table.

use super::exceptions::Callee;
use super::{constant, trusted, FuncState};
use crate::builtins::{builtin_signature, preserves_registers};
use crate::keys::WASM_FUNC_NAMESPACE;
use crate::trap_codes::{trap_code, wasm_trap};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    ExtFuncData, ExternalName, InstBuilder, MemFlagsData, SigRef, Signature, UserExternalName,
    Value,
};
use wasmparser::Operator;
use wasmtime_environ::{
    store_context, vm_func_ref, vmctx, BuiltinFunctionIndex, FuncIndex, TableIndex, Trap, TrapSite,
    TypeIndex, VMOffsets, WasmResult,
};

impl FuncState<'_, '_, '_> {
    fn wasm_sig(&mut self, ty: TypeIndex) -> WasmResult<SigRef> {
        if let Some(sig) = self.wasm_sigs.get(&ty) {
            return Ok(*sig);
        }
        let fuel = self.env.tunables.consume_fuel;
        let sig: Signature = crate::wasm_signature(self.env.module.func_type_at(ty), fuel)?;
        let sig = self.b.import_signature(sig);
        self.wasm_sigs.insert(ty, sig);
        Ok(sig)
    }

    /// Calls `builtin` with `args` (everything but the vmctx parameter) and
    /// returns its result, if any.
    pub(super) fn call_builtin(
        &mut self,
        builtin: BuiltinFunctionIndex,
        args: &[Value],
    ) -> Option<Value> {
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
    pub(super) fn call_builtin_checked(
        &mut self,
        builtin: BuiltinFunctionIndex,
        args: &[Value],
        trap: Trap,
    ) {
        let ok = self
            .call_builtin(builtin, args)
            .expect("checked builtins return a status");
        self.raise_unless(ok, wasm_trap(trap));
    }

    /// Traps with `TrapSite::HostError` if a grow builtin returned -2 (the
    /// store's limiter raised an error, now pending in the store).
    pub(super) fn trap_if_grow_error(&mut self, r: Value) {
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, r, -2);
        self.raise_if(failed, trap_code(TrapSite::HostError));
    }

    /// Calls a builtin returning a success flag whose failure leaves an
    /// error pending in the store, and traps with `TrapSite::HostError`.
    pub(super) fn call_builtin_trapping(&mut self, builtin: BuiltinFunctionIndex, args: &[Value]) {
        let ok = self
            .call_builtin(builtin, args)
            .expect("checked builtins return a status");
        self.raise_unless(ok, trap_code(TrapSite::HostError));
    }

    /// Emits a call (a `try_call` inside a `try_table`) or, with `tail`, a
    /// tail call, which ends the block; pushes a normal call's results.
    pub(crate) fn emit_wasm_call(&mut self, callee: Callee, args: &[Value], tail: bool) {
        // The fuel counter goes after the two vmctx arguments.
        let mut args = args.to_vec();
        if let Some(counter) = self.fuel_value() {
            args.insert(2, counter);
        }
        if tail {
            // The frame is gone, so no handler of this function applies.
            match callee {
                Callee::Direct(f) => self.b.ins().return_call(f, &args),
                Callee::Indirect(sig, code) => self.b.ins().return_call_indirect(sig, code, &args),
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
    pub(super) fn emit_return(&mut self, results: &[Value]) {
        let mut values: Vec<Value> = self.fuel_value().into_iter().collect();
        values.extend_from_slice(results);
        self.b.ins().return_(&values);
    }

    pub(super) fn translate_call(&mut self, callee: FuncIndex, tail: bool) -> WasmResult<()> {
        let env = self.env;
        let type_index = env.module.functions[callee];
        let nparams = env.module.func_type_at(type_index).params.len();
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
                self.emit_wasm_call(Callee::Direct(fref), &args, tail);
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
                self.emit_wasm_call(Callee::Indirect(sig, code), &args, tail);
            }
        }
        Ok(())
    }

    pub(super) fn translate_call_indirect(
        &mut self,
        type_index: u32,
        table: u32,
        tail: bool,
    ) -> WasmResult<()> {
        let env = self.env;
        let type_index = TypeIndex::from_u32(type_index);
        let sig = self.wasm_sig(type_index)?;
        let index = self.pop();
        let nparams = env.module.func_type_at(type_index).params.len();
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
        // A callee of a subtype of a non-final expected type is accepted
        // after asking the engine's registry (`type_id_matches`).
        let ok = self.type_id_matches(actual, expected, type_index);
        self.trapz(ok, wasm_trap(Trap::BadSignature));

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
        self.emit_wasm_call(Callee::Indirect(sig, code), &args, tail);
        Ok(())
    }

    /// `call_ref $t` / `return_call_ref $t`: calls the function reference on
    /// top of the stack (its type is `$t` by validation), trapping on null.
    pub(super) fn translate_call_ref(&mut self, type_index: u32, tail: bool) -> WasmResult<()> {
        let type_index = TypeIndex::from_u32(type_index);
        let sig = self.wasm_sig(type_index)?;
        let funcref = self.pop();
        let nparams = self.env.module.func_type_at(type_index).params.len();
        let wasm_args = self.popn(nparams);
        self.trapz(funcref, wasm_trap(Trap::NullReference));
        let flags = MemFlagsData::trusted().with_readonly();
        let code = self
            .b
            .ins()
            .load(I64, flags, funcref, vm_func_ref::WASM_CALL as i32);
        let callee_vmctx = self
            .b
            .ins()
            .load(I64, flags, funcref, vm_func_ref::VMCTX as i32);
        let mut args = Vec::with_capacity(nparams + 2);
        args.extend([callee_vmctx, self.vmctx]);
        args.extend(wasm_args);
        self.emit_wasm_call(Callee::Indirect(sig, code), &args, tail);
        Ok(())
    }

    /// Translates a call operator; false if `op` is none.
    pub(super) fn translate_call_op(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match op {
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
            _ => return Ok(false),
        }
        Ok(true)
    }
}
