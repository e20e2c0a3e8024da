//! Trap codes shared by the compiler (which records them per instruction) and
//! the runtime (which reports them to the embedder).

use std::fmt;

/// Declares [`Trap`] from one list: each variant with its documentation
/// and its message. The variant order is the trap's code
/// ([`Trap::to_u8`]), stored in trap tables, so the list is an ABI fact
/// (it is part of `ABI_FINGERPRINT`).
macro_rules! traps {
    ($($(#[$doc:meta])* $name:ident => $message:literal,)*) => {
        /// The reason a WebAssembly function trapped.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum Trap {
            $($(#[$doc])* $name,)*
        }

        impl Trap {
            /// Every trap, in code order (`Trap::ALL[i].to_u8() == i + 1`).
            pub const ALL: &'static [Trap] = &[$(Trap::$name,)*];

            /// The trap's message, as in Wasmtime (without the `wasm trap: `
            /// prefix that `Display` adds).
            fn message(self) -> &'static str {
                match self {
                    $(Trap::$name => $message,)*
                }
            }
        }
    };
}

traps! {
    /// The wasm stack ran out (deep recursion or `Config::max_wasm_stack`).
    StackOverflow => "call stack exhausted",
    /// A load or store outside a linear memory's bounds.
    MemoryOutOfBounds => "out of bounds memory access",
    /// A misaligned atomic access.
    HeapMisaligned => "unaligned atomic",
    /// An access outside a table's bounds.
    TableOutOfBounds => "undefined element: out of bounds table access",
    /// `call_indirect` through a null table entry.
    IndirectCallToNull => "uninitialized element",
    /// `call_indirect` with a signature that does not match.
    BadSignature => "indirect call type mismatch",
    /// Signed integer overflow (`INT_MIN / -1`) or float-to-int overflow.
    IntegerOverflow => "integer overflow",
    /// Integer division or remainder by zero.
    IntegerDivisionByZero => "integer divide by zero",
    /// Conversion of NaN to an integer.
    BadConversionToInteger => "invalid conversion to integer",
    /// An `unreachable` instruction was executed.
    UnreachableCodeReached => "wasm `unreachable` instruction executed",
    /// Execution was interrupted (epoch deadline).
    Interrupt => "interrupt",
    /// All fuel was consumed.
    OutOfFuel => "all fuel consumed by WebAssembly",
    /// A null reference was dereferenced.
    NullReference => "null reference",
    /// Atomic wait on a non-shared memory.
    AtomicWaitNonSharedMemory => "atomic wait on non-shared memory",
    /// A call would have re-entered a component instance that is already
    /// running (the component model's reentrance rule).
    CannotEnterComponent => "cannot enter component instance",
    /// `ref.cast` of a reference that is not of the target type.
    CastFailure => "cast failure",
    /// An array access (`array.get`/`set`/`fill`/`copy`/`init_*`) outside
    /// the array's length.
    ArrayOutOfBounds => "out of bounds array access",
    /// A GC object whose size does not fit in the GC heap's address space.
    AllocationTooLarge => "allocation size too large",
}

impl Trap {
    /// A stable non-zero byte for this trap, as stored in trap tables.
    pub fn to_u8(self) -> u8 {
        Trap::ALL.iter().position(|t| *t == self).unwrap() as u8 + 1
    }

    /// Inverse of [`Trap::to_u8`].
    pub fn from_u8(code: u8) -> Option<Trap> {
        Trap::ALL.get((code as usize).checked_sub(1)?).copied()
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.message())
    }
}

impl std::error::Error for Trap {}

/// A trap site in compiled code: the offset of the trapping instruction
/// within its function and what it means.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrapInformation {
    /// Offset of the faulting instruction from the start of the function.
    pub code_offset: u32,
    /// The trap raised when this instruction faults.
    pub trap: TrapSite,
}

/// What a trapping instruction means. Most are wasm traps; `HostError` marks
/// the deliberate trap a wasm-to-host trampoline executes after a host
/// function returned an error (the error itself is stashed in the store).
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TrapSite {
    /// A WebAssembly trap.
    Wasm(Trap),
    /// A host function failed; its error is pending in the store.
    HostError,
    /// A wasm exception was thrown and no wasm handler caught it; the
    /// exception object is pending (see the runtime's exception module).
    Exception,
}

impl TrapSite {
    /// Encodes the site as a non-zero byte (used as a Cranelift user trap code).
    pub fn to_u8(self) -> u8 {
        match self {
            TrapSite::Wasm(t) => t.to_u8(),
            TrapSite::HostError => 100,
            TrapSite::Exception => 101,
        }
    }

    /// Decodes [`TrapSite::to_u8`].
    pub fn from_u8(code: u8) -> Option<TrapSite> {
        if code == 100 {
            Some(TrapSite::HostError)
        } else if code == 101 {
            Some(TrapSite::Exception)
        } else {
            Trap::from_u8(code).map(TrapSite::Wasm)
        }
    }
}
