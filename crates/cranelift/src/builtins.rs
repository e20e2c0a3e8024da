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
        BuiltinKind::bool => Some(types::I8),
        BuiltinKind::void => None,
    }
}

/// The native (SystemV) signature of `builtin`.
pub(crate) fn builtin_signature(builtin: BuiltinFunctionIndex) -> Signature {
    let mut sig = Signature::new(CallConv::SystemV);
    for kind in builtin.params() {
        let ty = kind_type(*kind).expect("builtin parameters cannot be void");
        sig.params.push(AbiParam::new(ty));
    }
    if let Some(ty) = kind_type(builtin.result()) {
        sig.returns.push(AbiParam::new(ty));
    }
    sig
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_builtin_list() {
        for b in BuiltinFunctionIndex::all() {
            let sig = builtin_signature(b);
            assert_eq!(sig.params.len(), b.params().len(), "{}", b.name());
            assert_eq!(
                sig.returns.len(),
                usize::from(b.result() != BuiltinKind::void),
                "{}",
                b.name()
            );
        }
        let grow = builtin_signature(BuiltinFunctionIndex::memory_grow);
        assert_eq!(
            grow.params.iter().map(|p| p.value_type).collect::<Vec<_>>(),
            [types::I64, types::I32, types::I64]
        );
        assert_eq!(grow.returns[0].value_type, types::I64);
        let copy = builtin_signature(BuiltinFunctionIndex::memory_copy);
        assert_eq!(copy.returns[0].value_type, types::I8);
    }
}
