//! Translation of the threads proposal's operators: atomic loads, stores,
//! read-modify-writes and compare-exchanges (inline, as Cranelift atomic
//! instructions), `atomic.fence`, and `memory.atomic.wait*` / `notify`
//! (calls to runtime builtins, which may block the OS thread).
//!
//! Every atomic access first checks that its effective address is naturally
//! aligned (trapping with `HeapMisaligned`), then goes through the same
//! bounds checking as plain accesses.

use super::{heap, FuncState};
use crate::trap_codes::wasm_trap;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I16, I32, I64, I8};
use cranelift_codegen::ir::{AtomicRmwOp, InstBuilder, Type, Value};
use wasmparser::{MemArg, MemArgTarget, Operator};
use wasmtime_environ::{BuiltinFunctionIndex, Trap, WasmError, WasmResult};

/// What an atomic operator does.
enum Atomic {
    /// Load `access` bytes, zero-extended to `ty`.
    Load {
        ty: Type,
        access: Type,
    },
    /// Store the low `access` bytes of the value.
    Store {
        access: Type,
    },
    /// Read-modify-write; the old value is zero-extended to `ty`.
    Rmw {
        ty: Type,
        access: Type,
        op: AtomicRmwOp,
    },
    /// Compare-exchange; the old value is zero-extended to `ty`.
    Cmpxchg {
        ty: Type,
        access: Type,
    },
    Notify,
    Wait {
        ty: Type,
    },
    Fence,
}

fn classify<'o>(op: &'o Operator<'_>) -> Option<(Atomic, Option<&'o MemArg>)> {
    use AtomicRmwOp as R;
    use Operator as O;
    macro_rules! rmw {
        ($m:expr, $ty:expr, $access:expr, $op:expr) => {
            (
                Atomic::Rmw {
                    ty: $ty,
                    access: $access,
                    op: $op,
                },
                Some($m),
            )
        };
    }
    Some(match op {
        O::I32AtomicLoad { memarg } => (
            Atomic::Load {
                ty: I32,
                access: I32,
            },
            Some(memarg),
        ),
        O::I64AtomicLoad { memarg } => (
            Atomic::Load {
                ty: I64,
                access: I64,
            },
            Some(memarg),
        ),
        O::I32AtomicLoad8U { memarg } => (
            Atomic::Load {
                ty: I32,
                access: I8,
            },
            Some(memarg),
        ),
        O::I32AtomicLoad16U { memarg } => (
            Atomic::Load {
                ty: I32,
                access: I16,
            },
            Some(memarg),
        ),
        O::I64AtomicLoad8U { memarg } => (
            Atomic::Load {
                ty: I64,
                access: I8,
            },
            Some(memarg),
        ),
        O::I64AtomicLoad16U { memarg } => (
            Atomic::Load {
                ty: I64,
                access: I16,
            },
            Some(memarg),
        ),
        O::I64AtomicLoad32U { memarg } => (
            Atomic::Load {
                ty: I64,
                access: I32,
            },
            Some(memarg),
        ),

        O::I32AtomicStore { memarg } => (Atomic::Store { access: I32 }, Some(memarg)),
        O::I64AtomicStore { memarg } => (Atomic::Store { access: I64 }, Some(memarg)),
        O::I32AtomicStore8 { memarg } | O::I64AtomicStore8 { memarg } => {
            (Atomic::Store { access: I8 }, Some(memarg))
        }
        O::I32AtomicStore16 { memarg } | O::I64AtomicStore16 { memarg } => {
            (Atomic::Store { access: I16 }, Some(memarg))
        }
        O::I64AtomicStore32 { memarg } => (Atomic::Store { access: I32 }, Some(memarg)),

        O::I32AtomicRmwAdd { memarg } => rmw!(memarg, I32, I32, R::Add),
        O::I64AtomicRmwAdd { memarg } => rmw!(memarg, I64, I64, R::Add),
        O::I32AtomicRmw8AddU { memarg } => rmw!(memarg, I32, I8, R::Add),
        O::I32AtomicRmw16AddU { memarg } => rmw!(memarg, I32, I16, R::Add),
        O::I64AtomicRmw8AddU { memarg } => rmw!(memarg, I64, I8, R::Add),
        O::I64AtomicRmw16AddU { memarg } => rmw!(memarg, I64, I16, R::Add),
        O::I64AtomicRmw32AddU { memarg } => rmw!(memarg, I64, I32, R::Add),

        O::I32AtomicRmwSub { memarg } => rmw!(memarg, I32, I32, R::Sub),
        O::I64AtomicRmwSub { memarg } => rmw!(memarg, I64, I64, R::Sub),
        O::I32AtomicRmw8SubU { memarg } => rmw!(memarg, I32, I8, R::Sub),
        O::I32AtomicRmw16SubU { memarg } => rmw!(memarg, I32, I16, R::Sub),
        O::I64AtomicRmw8SubU { memarg } => rmw!(memarg, I64, I8, R::Sub),
        O::I64AtomicRmw16SubU { memarg } => rmw!(memarg, I64, I16, R::Sub),
        O::I64AtomicRmw32SubU { memarg } => rmw!(memarg, I64, I32, R::Sub),

        O::I32AtomicRmwAnd { memarg } => rmw!(memarg, I32, I32, R::And),
        O::I64AtomicRmwAnd { memarg } => rmw!(memarg, I64, I64, R::And),
        O::I32AtomicRmw8AndU { memarg } => rmw!(memarg, I32, I8, R::And),
        O::I32AtomicRmw16AndU { memarg } => rmw!(memarg, I32, I16, R::And),
        O::I64AtomicRmw8AndU { memarg } => rmw!(memarg, I64, I8, R::And),
        O::I64AtomicRmw16AndU { memarg } => rmw!(memarg, I64, I16, R::And),
        O::I64AtomicRmw32AndU { memarg } => rmw!(memarg, I64, I32, R::And),

        O::I32AtomicRmwOr { memarg } => rmw!(memarg, I32, I32, R::Or),
        O::I64AtomicRmwOr { memarg } => rmw!(memarg, I64, I64, R::Or),
        O::I32AtomicRmw8OrU { memarg } => rmw!(memarg, I32, I8, R::Or),
        O::I32AtomicRmw16OrU { memarg } => rmw!(memarg, I32, I16, R::Or),
        O::I64AtomicRmw8OrU { memarg } => rmw!(memarg, I64, I8, R::Or),
        O::I64AtomicRmw16OrU { memarg } => rmw!(memarg, I64, I16, R::Or),
        O::I64AtomicRmw32OrU { memarg } => rmw!(memarg, I64, I32, R::Or),

        O::I32AtomicRmwXor { memarg } => rmw!(memarg, I32, I32, R::Xor),
        O::I64AtomicRmwXor { memarg } => rmw!(memarg, I64, I64, R::Xor),
        O::I32AtomicRmw8XorU { memarg } => rmw!(memarg, I32, I8, R::Xor),
        O::I32AtomicRmw16XorU { memarg } => rmw!(memarg, I32, I16, R::Xor),
        O::I64AtomicRmw8XorU { memarg } => rmw!(memarg, I64, I8, R::Xor),
        O::I64AtomicRmw16XorU { memarg } => rmw!(memarg, I64, I16, R::Xor),
        O::I64AtomicRmw32XorU { memarg } => rmw!(memarg, I64, I32, R::Xor),

        O::I32AtomicRmwXchg { memarg } => rmw!(memarg, I32, I32, R::Xchg),
        O::I64AtomicRmwXchg { memarg } => rmw!(memarg, I64, I64, R::Xchg),
        O::I32AtomicRmw8XchgU { memarg } => rmw!(memarg, I32, I8, R::Xchg),
        O::I32AtomicRmw16XchgU { memarg } => rmw!(memarg, I32, I16, R::Xchg),
        O::I64AtomicRmw8XchgU { memarg } => rmw!(memarg, I64, I8, R::Xchg),
        O::I64AtomicRmw16XchgU { memarg } => rmw!(memarg, I64, I16, R::Xchg),
        O::I64AtomicRmw32XchgU { memarg } => rmw!(memarg, I64, I32, R::Xchg),

        O::I32AtomicRmwCmpxchg { memarg } => (
            Atomic::Cmpxchg {
                ty: I32,
                access: I32,
            },
            Some(memarg),
        ),
        O::I64AtomicRmwCmpxchg { memarg } => (
            Atomic::Cmpxchg {
                ty: I64,
                access: I64,
            },
            Some(memarg),
        ),
        O::I32AtomicRmw8CmpxchgU { memarg } => (
            Atomic::Cmpxchg {
                ty: I32,
                access: I8,
            },
            Some(memarg),
        ),
        O::I32AtomicRmw16CmpxchgU { memarg } => (
            Atomic::Cmpxchg {
                ty: I32,
                access: I16,
            },
            Some(memarg),
        ),
        O::I64AtomicRmw8CmpxchgU { memarg } => (
            Atomic::Cmpxchg {
                ty: I64,
                access: I8,
            },
            Some(memarg),
        ),
        O::I64AtomicRmw16CmpxchgU { memarg } => (
            Atomic::Cmpxchg {
                ty: I64,
                access: I16,
            },
            Some(memarg),
        ),
        O::I64AtomicRmw32CmpxchgU { memarg } => (
            Atomic::Cmpxchg {
                ty: I64,
                access: I32,
            },
            Some(memarg),
        ),

        O::MemoryAtomicNotify { memarg } => (Atomic::Notify, Some(memarg)),
        O::MemoryAtomicWait32 { memarg } => (Atomic::Wait { ty: I32 }, Some(memarg)),
        O::MemoryAtomicWait64 { memarg } => (Atomic::Wait { ty: I64 }, Some(memarg)),
        O::AtomicFence { .. } => (Atomic::Fence, None),
        _ => return None,
    })
}

/// Whether `op` belongs to the threads proposal (and is translated here).
pub(crate) fn is_atomic(op: &Operator<'_>) -> bool {
    classify(op).is_some()
}

fn memory_index(memarg: &MemArg) -> WasmResult<u32> {
    match memarg.target {
        MemArgTarget::Memory(m) => Ok(m),
        MemArgTarget::Array(_) => Err(WasmError::Unsupported("GC array accesses".into())),
    }
}

impl FuncState<'_, '_, '_> {
    /// Translates an operator for which [`is_atomic`] holds.
    pub(crate) fn translate_atomic(&mut self, op: &Operator<'_>) -> WasmResult<()> {
        let (atomic, memarg) = classify(op).expect("is_atomic was checked");
        match atomic {
            Atomic::Fence => {
                self.b.ins().fence();
            }
            Atomic::Load { ty, access } => {
                let memarg = memarg.unwrap();
                let index = self.pop();
                let addr = self.atomic_addr(memarg, index, access)?;
                let v = self.b.ins().atomic_load(access, heap(), addr);
                let v = if access == ty {
                    v
                } else {
                    self.b.ins().uextend(ty, v)
                };
                self.push(v);
            }
            Atomic::Store { access } => {
                let memarg = memarg.unwrap();
                let val = self.pop();
                let index = self.pop();
                let addr = self.atomic_addr(memarg, index, access)?;
                let val = self.narrow(val, access);
                self.b.ins().atomic_store(heap(), val, addr);
            }
            Atomic::Rmw { ty, access, op } => {
                let memarg = memarg.unwrap();
                let val = self.pop();
                let index = self.pop();
                let addr = self.atomic_addr(memarg, index, access)?;
                let val = self.narrow(val, access);
                let old = self.b.ins().atomic_rmw(access, heap(), op, addr, val);
                let old = if access == ty {
                    old
                } else {
                    self.b.ins().uextend(ty, old)
                };
                self.push(old);
            }
            Atomic::Cmpxchg { ty, access } => {
                let memarg = memarg.unwrap();
                let replacement = self.pop();
                let expected = self.pop();
                let index = self.pop();
                let addr = self.atomic_addr(memarg, index, access)?;
                let expected = self.narrow(expected, access);
                let replacement = self.narrow(replacement, access);
                let old = self.b.ins().atomic_cas(heap(), addr, expected, replacement);
                let old = if access == ty {
                    old
                } else {
                    self.b.ins().uextend(ty, old)
                };
                self.push(old);
            }
            Atomic::Notify => {
                let memarg = memarg.unwrap();
                let count = self.pop();
                let index = self.pop();
                let (mem, index, offset) = self.builtin_addr_args(memarg, index)?;
                let r = self
                    .call_builtin(
                        BuiltinFunctionIndex::memory_atomic_notify,
                        &[mem, index, offset, count],
                    )
                    .expect("notify returns a value");
                self.trap_on_negative_status(r);
                let v = self.b.ins().ireduce(I32, r);
                self.push(v);
            }
            Atomic::Wait { ty } => {
                let memarg = memarg.unwrap();
                let timeout = self.pop();
                let expected = self.pop();
                let index = self.pop();
                let (mem, index, offset) = self.builtin_addr_args(memarg, index)?;
                let builtin = if ty == I32 {
                    BuiltinFunctionIndex::memory_atomic_wait32
                } else {
                    BuiltinFunctionIndex::memory_atomic_wait64
                };
                let r = self
                    .call_builtin(builtin, &[mem, index, offset, expected, timeout])
                    .expect("wait returns a value");
                self.trap_on_negative_status(r);
                let v = self.b.ins().ireduce(I32, r);
                self.push(v);
            }
        }
        Ok(())
    }

    /// Truncates `val` to the access width.
    fn narrow(&mut self, val: Value, access: Type) -> Value {
        if self.b.func.dfg.value_type(val) == access {
            val
        } else {
            self.b.ins().ireduce(access, val)
        }
    }

    fn index64(&mut self, index: Value) -> Value {
        if self.b.func.dfg.value_type(index) == I64 {
            index
        } else {
            self.b.ins().uextend(I64, index)
        }
    }

    /// The native address of an atomic access of type `access`: traps if
    /// the effective address is misaligned, then bounds-checks as usual.
    fn atomic_addr(&mut self, memarg: &MemArg, index: Value, access: Type) -> WasmResult<Value> {
        let size = access.bytes();
        if size > 1 {
            let index64 = self.index64(index);
            // Only the low bits matter, so wrapping is harmless.
            let ea = self.b.ins().iadd_imm_u(index64, memarg.offset as i64);
            let low = self.b.ins().band_imm_u(ea, i64::from(size - 1));
            self.trapnz(low, wasm_trap(Trap::HeapMisaligned));
        }
        let (addr, off) = self.heap_addr(memarg, index, size)?;
        Ok(if off == 0 {
            addr
        } else {
            self.b.ins().iadd_imm_u(addr, i64::from(off))
        })
    }

    /// `(memory, index, offset)` arguments for the wait/notify builtins,
    /// which do their own alignment and bounds checks.
    fn builtin_addr_args(
        &mut self,
        memarg: &MemArg,
        index: Value,
    ) -> WasmResult<(Value, Value, Value)> {
        let mem = memory_index(memarg)?;
        let mem = self.i32_const(mem);
        let index = self.index64(index);
        let offset = self.b.ins().iconst(I64, memarg.offset as i64);
        Ok((mem, index, offset))
    }

    /// Traps with the code a wait/notify builtin reported as `-code`.
    fn trap_on_negative_status(&mut self, r: Value) {
        for trap in [
            Trap::HeapMisaligned,
            Trap::MemoryOutOfBounds,
            Trap::AtomicWaitNonSharedMemory,
        ] {
            let is = self
                .b
                .ins()
                .icmp_imm_s(IntCC::Equal, r, -i64::from(trap.to_u8()));
            self.trapnz(is, wasm_trap(trap));
        }
    }
}
