//! Operators of the GC proposal that need no heap: `ref.i31`,
//! `i31.get_s/u`, `ref.eq`, `any.convert_extern`/`extern.convert_any`,
//! `ref.test`, `ref.cast`, `br_on_cast` and `br_on_cast_fail`.
//!
//! References of the internal and extern hierarchies are one word encoded
//! as `wasmtime_environ::gc_ref` describes (i31 = `(n << 1) | 1`, host
//! values tagged `10`, GC heap objects untagged), so the conversions between
//! the two hierarchies are the identity. Casts to `struct`, `array` and
//! concrete struct or array types read the object's header
//! (`wasmtime_environ::gc_header`) through the helpers of
//! `gc_objects.rs`.

use super::FuncState;
use crate::trap_codes::wasm_trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64, I8};
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value};
use wasmparser::Operator;
use wasmtime_environ::{
    gc_header, vm_func_ref, vmctx, BuiltinFunctionIndex, EntityRef, Trap, TypeIndex, WasmError,
    WasmHeapType, WasmRefType, WasmResult, WasmTypeRef,
};

impl FuncState<'_, '_, '_> {
    /// Translates a heap-free GC operator; false if `op` is none.
    pub(super) fn translate_gc_op(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match op {
            Operator::RefI31 => {
                let x = self.pop();
                let shifted = self.b.ins().ishl_imm_u(x, 1);
                let tagged = self.b.ins().bor_imm_u(shifted, 1);
                let v = self.b.ins().uextend(I64, tagged);
                self.push(v);
            }
            Operator::I31GetS | Operator::I31GetU => {
                let r = self.pop();
                self.trapz(r, wasm_trap(Trap::NullReference));
                let low = self.b.ins().ireduce(I32, r);
                let v = if matches!(op, Operator::I31GetS) {
                    self.b.ins().sshr_imm_u(low, 1)
                } else {
                    self.b.ins().ushr_imm_u(low, 1)
                };
                self.push(v);
            }
            Operator::RefEq => {
                let (a, b) = self.pop2();
                let c = self.b.ins().icmp(IntCC::Equal, a, b);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            // One word encoding for both hierarchies.
            Operator::AnyConvertExtern | Operator::ExternConvertAny => {}
            Operator::RefTestNonNull { hty } | Operator::RefTestNullable { hty } => {
                let nullable = matches!(op, Operator::RefTestNullable { .. });
                let target = self.ref_type(nullable, *hty)?;
                let r = self.pop();
                let ok = self.ref_matches(r, target);
                let v = self.b.ins().uextend(I32, ok);
                self.push(v);
            }
            Operator::RefCastNonNull { hty } | Operator::RefCastNullable { hty } => {
                let nullable = matches!(op, Operator::RefCastNullable { .. });
                let target = self.ref_type(nullable, *hty)?;
                let r = *self.stack.last().expect("validated");
                let ok = self.ref_matches(r, target);
                self.trapz(ok, wasm_trap(Trap::CastFailure));
            }
            Operator::BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            } => self.translate_br_on_cast(*relative_depth, *to_ref_type, true)?,
            Operator::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => self.translate_br_on_cast(*relative_depth, *to_ref_type, false)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The module-level reference type of a wasmparser heap type.
    fn ref_type(&self, nullable: bool, hty: wasmparser::HeapType) -> WasmResult<WasmRefType> {
        let r = wasmparser::RefType::new(nullable, hty)
            .ok_or_else(|| WasmError::Unsupported(format!("heap type {hty:?}")))?;
        self.module_ref_type(r)
    }

    fn module_ref_type(&self, r: wasmparser::RefType) -> WasmResult<WasmRefType> {
        let module = self.env.module;
        WasmRefType::from_wasmparser(r, &|i| {
            module.types.get(TypeIndex::from_u32(i)).map(|t| t.kind())
        })
    }

    /// `br_on_cast` (`on_match`) branches with the reference when it
    /// matches the target type and continues with it otherwise;
    /// `br_on_cast_fail` the other way round.
    fn translate_br_on_cast(
        &mut self,
        relative_depth: u32,
        to: wasmparser::RefType,
        on_match: bool,
    ) -> WasmResult<()> {
        let target = self.module_ref_type(to)?;
        let r = *self.stack.last().expect("validated");
        let ok = self.ref_matches(r, target);
        let (dest, n) = self.br_target(relative_depth);
        let args: Vec<BlockArg> = self.peekn(n).into_iter().map(BlockArg::Value).collect();
        let next = self.b.create_block();
        if on_match {
            self.b.ins().brif(ok, dest, &args, next, &[]);
        } else {
            self.b.ins().brif(ok, next, &[], dest, &args);
        }
        self.b.switch_to_block(next);
        self.b.seal_block(next);
        Ok(())
    }

    /// An `i8` that is 1 when reference `r` is a value of `target`.
    fn ref_matches(&mut self, r: Value, target: WasmRefType) -> Value {
        let null_result = self.b.ins().iconst(I8, i64::from(target.nullable));
        let is_null = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
        let non_null_block = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I8);
        self.b.ins().brif(
            is_null,
            done,
            &[BlockArg::Value(null_result)],
            non_null_block,
            &[],
        );
        self.b.switch_to_block(non_null_block);
        self.b.seal_block(non_null_block);
        let ok = self.non_null_matches(r, target.heap);
        self.b.ins().jump(done, &[BlockArg::Value(ok)]);
        self.b.switch_to_block(done);
        self.b.seal_block(done);
        result
    }

    /// An `i8` that is 1 when the non-null reference `r` (of the target's
    /// hierarchy, by validation) is a value of `heap`.
    fn non_null_matches(&mut self, r: Value, heap: WasmHeapType) -> Value {
        match heap {
            WasmHeapType::Any | WasmHeapType::Func | WasmHeapType::Extern | WasmHeapType::Exn => {
                self.b.ins().iconst(I8, 1)
            }
            WasmHeapType::I31 => {
                let bit = self.b.ins().band_imm_u(r, 1);
                self.b.ins().icmp_imm_u(IntCC::NotEqual, bit, 0)
            }
            // An i31 or an object (low bits `01` or `00`; a host value
            // seen as `anyref` is `10`).
            WasmHeapType::Eq => {
                let tag = self.b.ins().band_imm_u(r, 3);
                self.b.ins().icmp_imm_u(IntCC::NotEqual, tag, 2)
            }
            WasmHeapType::Struct => {
                self.if_object(r, |s| s.object_kind_is(r, gc_header::KIND_STRUCT))
            }
            WasmHeapType::Array => {
                self.if_object(r, |s| s.object_kind_is(r, gc_header::KIND_ARRAY))
            }
            WasmHeapType::ConcreteStruct(WasmTypeRef::Module(t))
            | WasmHeapType::ConcreteArray(WasmTypeRef::Module(t)) => self.if_object(r, |s| {
                let actual = s.object_type_id(r);
                let expected = s.module_type_id(t);
                s.type_id_matches(actual, expected, t)
            }),
            WasmHeapType::ConcreteFunc(WasmTypeRef::Module(t)) => self.func_type_matches(r, t),
            // Bottom types hold no non-null value.
            _ => self.b.ins().iconst(I8, 0),
        }
    }

    /// Whether the function reference `r` has type `t` or a subtype of it:
    /// equal engine ids, or (when `t` is not final) the registry's answer.
    fn func_type_matches(&mut self, r: Value, t: TypeIndex) -> Value {
        let expected = self.module_type_id(t);
        let actual = self.b.ins().load(
            I32,
            super::trusted().with_readonly(),
            r,
            vm_func_ref::TYPE_INDEX as i32,
        );
        self.type_id_matches(actual, expected, t)
    }

    /// The engine type id of module type `t`.
    fn module_type_id(&mut self, t: TypeIndex) -> Value {
        let type_ids =
            self.b
                .ins()
                .load(I64, super::constant(), self.vmctx, vmctx::TYPE_IDS as i32);
        self.b
            .ins()
            .load(I32, super::constant(), type_ids, (t.index() * 4) as i32)
    }

    /// An `i8` that is 1 when engine type id `actual` is `expected` (the
    /// id of module type `t`) or one of its subtypes.
    pub(super) fn type_id_matches(
        &mut self,
        actual: Value,
        expected: Value,
        t: TypeIndex,
    ) -> Value {
        let equal = self.b.ins().icmp(IntCC::Equal, actual, expected);
        if self.env.module.types[t].is_final {
            return equal;
        }
        let slow = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I8);
        self.b
            .ins()
            .brif(equal, done, &[BlockArg::Value(equal)], slow, &[]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        self.b.set_cold_block(slow);
        let r = self
            .call_builtin(BuiltinFunctionIndex::is_subtype, &[actual, expected])
            .expect("is_subtype returns a value");
        let ok = self.b.ins().icmp_imm_u(IntCC::NotEqual, r, 0);
        self.b.ins().jump(done, &[BlockArg::Value(ok)]);
        self.b.switch_to_block(done);
        self.b.seal_block(done);
        result
    }
}
