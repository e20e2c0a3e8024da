//! Signatures of the runtime's builtin functions, derived from
//! `wasmtime_environ::foreach_builtin_function!` (through
//! [`BuiltinFunctionIndex::params`] and [`BuiltinFunctionIndex::result`]).

use cranelift_codegen::ir::{types, AbiParam, Signature, Type};
use cranelift_codegen::isa::CallConv;
use wasmtime_environ::{BuiltinFunctionIndex, BuiltinKind};

/// The Cranelift type of a builtin parameter or result kind (`None` for `void`).
pub(crate) fn kind_type(kind: BuiltinKind) -> Option<Type> {
    match kind {
        BuiltinKind::vmctx | BuiltinKind::i64 => Some(types::I64),
        BuiltinKind::i32 => Some(types::I32),
        BuiltinKind::bool | BuiltinKind::status => Some(types::I8),
        BuiltinKind::void => None,
    }
}

/// Whether `builtin` is called with the register-preserving convention and
/// leaves its result in the store context (result kind `status`).
pub(crate) fn preserves_registers(builtin: BuiltinFunctionIndex) -> bool {
    builtin.result() == BuiltinKind::status
}

/// The native signature of `builtin`: the target's C convention
/// `host_call_conv` (`TargetIsa::default_call_conv`), or `PreserveAll`
/// without a result for the `status` builtins (every Cranelift backend we
/// build, x86_64, aarch64, riscv64 and s390x, implements it).
pub(crate) fn builtin_signature(
    builtin: BuiltinFunctionIndex,
    host_call_conv: CallConv,
) -> Signature {
    let preserve = preserves_registers(builtin);
    let mut sig = Signature::new(if preserve {
        CallConv::PreserveAll
    } else {
        host_call_conv
    });
    for kind in builtin.params() {
        let ty = kind_type(*kind).expect("builtin parameters cannot be void");
        sig.params.push(AbiParam::new(ty));
    }
    // `status` builtins leave their result in the store context
    // (`BUILTIN_STATUS`).
    match kind_type(builtin.result()) {
        Some(ty) if !preserve => sig.returns.push(AbiParam::new(ty)),
        _ => {}
    }
    sig
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_builtin_list() {
        for b in BuiltinFunctionIndex::all() {
            let sig = builtin_signature(b, CallConv::SystemV);
            if preserves_registers(b) {
                assert_eq!(sig.call_conv, CallConv::PreserveAll, "{}", b.name());
                assert_eq!(sig.params.len(), b.params().len(), "{}", b.name());
                assert!(sig.returns.is_empty(), "{}", b.name());
                continue;
            }
            assert_eq!(sig.call_conv, CallConv::SystemV, "{}", b.name());
            assert_eq!(sig.params.len(), b.params().len(), "{}", b.name());
            assert_eq!(
                sig.returns.len(),
                usize::from(b.result() != BuiltinKind::void),
                "{}",
                b.name()
            );
        }
        assert!(preserves_registers(BuiltinFunctionIndex::out_of_fuel));
        assert!(preserves_registers(BuiltinFunctionIndex::new_epoch));
        let grow = builtin_signature(BuiltinFunctionIndex::memory_grow, CallConv::SystemV);
        assert_eq!(
            grow.params.iter().map(|p| p.value_type).collect::<Vec<_>>(),
            [types::I64, types::I32, types::I64]
        );
        assert_eq!(grow.returns[0].value_type, types::I64);
        let copy = builtin_signature(BuiltinFunctionIndex::memory_copy, CallConv::SystemV);
        assert_eq!(copy.returns[0].value_type, types::I8);
    }
}
