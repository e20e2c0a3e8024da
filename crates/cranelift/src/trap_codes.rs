//! The mapping between Cranelift trap codes and the trap sites
//! (`TrapSite`) of the runtime's trap table: the translator and the
//! trampolines emit traps with [`trap_code`] / [`wasm_trap`], and the
//! compiled-function output reads them back with [`trap_site`].

use cranelift_codegen::ir::TrapCode;
use wasmtime_environ::{Trap, TrapSite};

/// Maps a Cranelift trap code to the trap site it stands for.
pub(crate) fn trap_site(code: TrapCode) -> Option<TrapSite> {
    Some(match code {
        TrapCode::STACK_OVERFLOW => TrapSite::Wasm(Trap::StackOverflow),
        TrapCode::HEAP_OUT_OF_BOUNDS => TrapSite::Wasm(Trap::MemoryOutOfBounds),
        TrapCode::INTEGER_OVERFLOW => TrapSite::Wasm(Trap::IntegerOverflow),
        TrapCode::INTEGER_DIVISION_BY_ZERO => TrapSite::Wasm(Trap::IntegerDivisionByZero),
        TrapCode::BAD_CONVERSION_TO_INTEGER => TrapSite::Wasm(Trap::BadConversionToInteger),
        other => return TrapSite::from_u8(other.as_raw().get()),
    })
}

/// The Cranelift trap code that encodes `site`.
pub(crate) fn trap_code(site: TrapSite) -> TrapCode {
    TrapCode::user(site.to_u8()).expect("trap site codes are valid user trap codes")
}

/// The Cranelift trap code for wasm trap `trap`.
pub(crate) fn wasm_trap(trap: Trap) -> TrapCode {
    trap_code(TrapSite::Wasm(trap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_codes_round_trip() {
        for &t in Trap::ALL {
            assert_eq!(trap_site(wasm_trap(t)), Some(TrapSite::Wasm(t)));
        }
        assert_eq!(
            trap_site(trap_code(TrapSite::HostError)),
            Some(TrapSite::HostError)
        );
        assert_eq!(
            trap_site(TrapCode::HEAP_OUT_OF_BOUNDS),
            Some(TrapSite::Wasm(Trap::MemoryOutOfBounds))
        );
    }
}
