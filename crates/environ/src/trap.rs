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
    /// Atomic wait on a non-shared memory.
    AtomicWaitNonSharedMemory => "atomic wait on non-shared memory",
    /// A null reference was dereferenced.
    NullReference => "null reference",
    /// An array access (`array.get`/`set`/`fill`/`copy`/`init_*`) outside
    /// the array's length.
    ArrayOutOfBounds => "out of bounds array access",
    /// A GC object whose size does not fit in the GC heap's address space.
    AllocationTooLarge => "allocation size too large",
    /// `ref.cast` of a reference that is not of the target type.
    CastFailure => "cast failure",
    /// A call would have re-entered a component instance that is already
    /// running (the component model's reentrance rule).
    CannotEnterComponent => "cannot enter component instance",
    /// An async-lifted export finished without calling `task.return`.
    NoAsyncResult => "async-lifted export failed to produce a result",
    /// A suspension (stack switching) found no handler for its tag.
    UnhandledTag => "unhandled tag",
    /// A continuation (stack switching) was resumed a second time.
    ContinuationAlreadyConsumed => "continuation already consumed",
    /// An opcode left out of an interpreter build ran (never raised by
    /// this Cranelift-only runtime; kept for the code numbering).
    DisabledOpcode => "pulley opcode disabled at compile time was executed",
    /// The component-model event loop has nothing left that can progress.
    AsyncDeadlock => "deadlock detected: event loop cannot make further progress",
    /// A component instance was left while leaving it is not allowed.
    CannotLeaveComponent => "cannot leave component instance",
    /// A synchronous task tried to block before returning its result.
    CannotBlockSyncTask => "cannot block a synchronous task before returning",
    /// A lifted `char` is not a Unicode scalar value.
    InvalidChar => "invalid `char` bit pattern",
    /// Internal check of a transcoding adapter: encoding unfinished.
    DebugAssertStringEncodingFinished => "should have finished string encoding",
    /// Internal check of a transcoding adapter: code unit counts differ.
    DebugAssertEqualCodeUnits => "code units should be equal",
    /// Internal check of an adapter: a pointer is misaligned.
    DebugAssertPointerAligned => "pointer should be aligned",
    /// Internal check of an adapter: upper bits of a value are set.
    DebugAssertUpperBitsUnset => "upper bits should be unset",
    /// A lifted string's bytes lie outside linear memory.
    StringOutOfBounds => "string content out-of-bounds",
    /// A lifted list's elements lie outside linear memory.
    ListOutOfBounds => "list content out-of-bounds",
    /// A lifted variant, enum or option has an out-of-range case index.
    InvalidDiscriminant => "invalid variant discriminant",
    /// A pointer given to the canonical ABI is not aligned for its type.
    UnalignedPointer => "unaligned pointer",
    /// `task.cancel` by a task that was not asked to cancel.
    TaskCancelNotCancelled => "`task.cancel` called by task which has not been cancelled",
    /// A task called `task.return` or `task.cancel` a second time.
    TaskCancelOrReturnTwice => "`task.return` or `task.cancel` called more than once for current task",
    /// `subtask.cancel` after the subtask's final event was delivered.
    SubtaskCancelAfterTerminal => "`subtask.cancel` called after terminal status delivered",
    /// `task.return` whose type or options do not match the task's.
    TaskReturnInvalid => "invalid `task.return` signature and/or options for current task",
    /// A waitable set dropped while a task waits on it.
    WaitableSetDropHasWaiters => "cannot drop waitable set with waiters",
    /// A subtask dropped before it resolved.
    SubtaskDropNotResolved => "cannot drop a subtask which has not yet resolved",
    /// `thread.new-indirect` with a start function of the wrong type.
    ThreadNewIndirectInvalidType => "start function does not match expected type (currently only `(i32) -> ()` is supported)",
    /// `thread.new-indirect` through an uninitialized table entry.
    ThreadNewIndirectUninitialized => "the start function index points to an uninitialized function",
    /// The backpressure counter overflowed.
    BackpressureOverflow => "backpressure counter overflow",
    /// A callback returned a code the canonical ABI does not define.
    UnsupportedCallbackCode => "unsupported callback code",
    /// A thread that is not suspended was resumed.
    CannotResumeThread => "cannot resume thread which is not suspended",
    /// A second operation on a stream or future end while one is active.
    ConcurrentFutureStreamOp => "cannot have concurrent operations active on a future/stream",
    /// A reference count overflowed.
    ReferenceCountOverflow => "reference count overflow",
    /// A stream read or write asked for too many elements.
    StreamOpTooBig => "stream read/write count too large",
    /// A waitable used synchronously while it belongs to a waitable set.
    WaitableSyncAndAsync => "waitable cannot be used synchronously while added to a waitable set",
    /// An exception left a component without being caught.
    UncaughtException => "uncaught exception propagated out of component",
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
