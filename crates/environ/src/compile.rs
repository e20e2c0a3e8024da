//! The compiler interface: what a code generator produces for the runtime.

use crate::*;

/// Settings that change the code a compiler emits for wasm functions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Tunables {
    /// Bytes of virtual address space reserved for each linear memory.
    pub memory_reservation: u64,
    /// Bytes of inaccessible guard region after each linear memory.
    pub memory_guard_size: u64,
    /// Whether a memory may be moved to grow past its reservation.
    pub memory_may_move: bool,
    /// Whether out-of-bounds accesses may be caught by guard pages (signals).
    pub signals_based_traps: bool,
    /// Instrument code to consume fuel.
    pub consume_fuel: bool,
    /// Instrument code to check the epoch deadline.
    pub epoch_interruption: bool,
    /// Give relaxed SIMD operators their deterministic semantics (the
    /// specification's fallback) instead of the host's fastest lowering.
    pub relaxed_simd_deterministic: bool,
    /// Read the `metadata.code.branch_hint` custom section and lay out the
    /// unlikely successor of each hinted `if`/`br_if` after the function's
    /// hot code (branch-hinting proposal). Only layout changes: artifacts
    /// compiled either way run in engines configured either way.
    pub branch_hinting: bool,
    /// Initial-data spans (first to last initialised byte of a memory) up
    /// to this size always get a copy-on-write image; larger ones need
    /// data over at least half of the span. Runtime-only: it does not
    /// change compiled code.
    pub memory_guaranteed_dense_image_size: u64,
    /// Bytes of address space reserved beyond a memory's new size when it
    /// has to move to grow, so that further growth need not move it again.
    /// Runtime-only.
    pub memory_reservation_for_growth: u64,
    /// Whether each linear memory also gets an inaccessible guard region of
    /// `memory_guard_size` bytes before its start (defense in depth; wasm
    /// addresses never go below the base). Runtime-only.
    pub guard_before_linear_memory: bool,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            memory_reservation: DEFAULT_MEMORY_RESERVATION,
            memory_guard_size: DEFAULT_MEMORY_GUARD_SIZE,
            memory_may_move: true,
            signals_based_traps: true,
            consume_fuel: false,
            epoch_interruption: false,
            relaxed_simd_deterministic: false,
            branch_hinting: false,
            memory_guaranteed_dense_image_size: 16 << 20,
            memory_reservation_for_growth: DEFAULT_MEMORY_RESERVATION_FOR_GROWTH,
            guard_before_linear_memory: true,
        }
    }
}

/// How a linear memory is laid out in virtual memory; decided once here so
/// that the compiler's bounds checks and the runtime's mappings agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemoryStyle {
    /// Bytes reserved for the memory's contents. If the memory can never
    /// grow past this, its base never moves.
    pub reservation: u64,
    /// Bytes of guard region after the reservation.
    pub guard_size: u64,
    /// True if the memory's maximum fits in the reservation, so its base
    /// never moves and accesses within `reservation + guard_size` of the base
    /// fault instead of needing checks.
    pub is_static: bool,
    /// log2 of the memory's page size. With pages smaller than the host's
    /// (custom page sizes), the memory's length need not end on a host page
    /// boundary, so accessible-but-out-of-bounds bytes may follow it and
    /// bounds checks can never be left to the guard region.
    pub page_size_log2: u8,
    /// Extra bytes reserved beyond the new size when a memory that may move
    /// outgrows its reservation (`Tunables::memory_reservation_for_growth`).
    /// Runtime-only: compiled code does not depend on it.
    pub growth_reservation: u64,
    /// Bytes of inaccessible guard region before the memory
    /// (`Tunables::guard_before_linear_memory`). Runtime-only.
    pub guard_before_size: u64,
}

/// log2 of the smallest wasm page size (4 KiB, the host page size) for which
/// a memory's end always falls on a host page boundary, so that the guard
/// region starts right at the memory's end.
pub const MIN_GUARDED_PAGE_SIZE_LOG2: u8 = 12;

impl MemoryStyle {
    /// Chooses the style of `memory` under `tunables`.
    pub fn for_memory(memory: &Memory, tunables: &Tunables) -> MemoryStyle {
        let max_bytes = memory
            .maximum
            .unwrap_or(memory.max_pages_for_index_type())
            .saturating_mul(memory.page_size());
        let min_bytes = memory.minimum.saturating_mul(memory.page_size());
        let fits = max_bytes <= tunables.memory_reservation;
        let is_static = tunables.signals_based_traps
            && !memory.memory64
            && (fits || !tunables.memory_may_move)
            && min_bytes <= tunables.memory_reservation;
        // A shared memory never moves (other threads use it): reserve its
        // whole maximum up front.
        let reservation = if memory.shared {
            tunables.memory_reservation.max(max_bytes)
        } else {
            tunables.memory_reservation
        };
        MemoryStyle {
            reservation,
            guard_size: if tunables.signals_based_traps {
                tunables.memory_guard_size
            } else {
                0
            },
            is_static,
            page_size_log2: memory.page_size_log2,
            growth_reservation: tunables.memory_reservation_for_growth,
            guard_before_size: if tunables.signals_based_traps
                && tunables.guard_before_linear_memory
            {
                tunables.memory_guard_size
            } else {
                0
            },
        }
    }

    /// True if an access of `access_size` bytes at `index + offset`, with a
    /// 32-bit `index`, can never reach past the guard region, so the compiler
    /// may omit the bounds check.
    pub fn can_elide_bounds_check(&self, offset: u64, access_size: u64) -> bool {
        self.is_static
            && self.page_size_log2 >= MIN_GUARDED_PAGE_SIZE_LOG2
            && (u32::MAX as u64)
                .checked_add(offset)
                .and_then(|x| x.checked_add(access_size))
                .is_some_and(|end| end <= self.reservation.saturating_add(self.guard_size))
    }
}

/// Functions a compiled body may call through relocations.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[allow(missing_docs)]
pub enum LibCall {
    FloorF32,
    FloorF64,
    CeilF32,
    CeilF64,
    TruncF32,
    TruncF64,
    NearestF32,
    NearestF64,
    FmaF32,
    FmaF64,
}

/// What a relocation refers to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RelocationTarget {
    /// The body of a defined wasm function of the same module.
    Wasm(DefinedFuncIndex),
    /// A math routine provided by the runtime.
    LibCall(LibCall),
}

/// The kind of patch a relocation needs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RelocationKind {
    /// Write `target + addend - site` as a little-endian i32 (x86 call rel32).
    PcRel4,
    /// Write `target + addend` as a little-endian u64.
    Abs8,
    /// aarch64 `bl`/`b`: `(target + addend - site) / 4` in the low 26 bits
    /// of the instruction at the site (cross-compiled code only).
    Arm64Call,
    /// riscv64 `auipc` + `jalr` pair (8 bytes): `target + addend - site`
    /// split into the high 20 and low 12 bits (cross-compiled code only).
    RiscvCallPlt,
    /// s390x `brasl`/`brcl` operand: `(target + addend - site) / 2` as a
    /// big-endian i32 (cross-compiled code only).
    S390xPcRel32Dbl,
}

/// A relocation in a compiled function.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Relocation {
    /// Offset of the patched bytes from the start of the function.
    pub offset: u32,
    /// How to patch.
    pub kind: RelocationKind,
    /// What the patch refers to.
    pub target: RelocationTarget,
    /// Addend.
    pub addend: i64,
}

/// Machine code for one function plus its metadata.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CompiledFunction {
    /// Machine code (including any constant pool).
    pub body: Vec<u8>,
    /// Required alignment of the start of `body`.
    pub alignment: u32,
    /// Where the start of `body` would best fall in a [`crate::CODE_LINE`]
    /// (`start % CODE_LINE`, a multiple of `alignment`), chosen so its
    /// innermost loops cover few instruction-fetch lines; `None` for no
    /// preference.
    #[serde(default)]
    pub line_offset: Option<u32>,
    /// Relocations to apply once the final address is known.
    pub relocations: Vec<Relocation>,
    /// Trapping instructions, sorted by offset.
    pub traps: Vec<TrapInformation>,
    /// `(code offset, wasm byte offset)` pairs, sorted by code offset, mapping
    /// machine code back to the instruction in the original module.
    pub address_map: Vec<(u32, u32)>,
    /// Calls with exception handlers (inside `try_table`), sorted by
    /// return address.
    pub exception_sites: Vec<ExceptionSite>,
}

/// Exception handlers of one call site (a Cranelift `try_call`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExceptionSite {
    /// Offset of the call's return address from the start of the function.
    pub ret_addr: u32,
    /// Distance from the frame pointer down to the stack pointer at the
    /// call (to recover SP from FP when resuming at a handler).
    pub frame_offset: u32,
    /// Offset from SP at the call of the spilled `vmctx` that gives the
    /// tags' meaning, if any handler needs one.
    pub vmctx_sp_offset: Option<u32>,
    /// Handlers, innermost first: what they catch and where they start.
    pub handlers: Vec<(ExceptionCatch, u32)>,
}

/// What an exception handler catches. `by_ref` handlers keep the
/// exception object (`catch_ref`, `catch_all_ref`); the others only read its
/// payload.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ExceptionCatch {
    /// Exceptions of a tag (a module-level tag index).
    Tag {
        /// The tag index in the handler's module.
        index: u32,
        /// Whether the handler keeps the exception object.
        by_ref: bool,
    },
    /// Every exception.
    All {
        /// Whether the handler keeps the exception object.
        by_ref: bool,
    },
}

impl ExceptionCatch {
    /// Encodes the handler as a Cranelift exception-table tag.
    pub fn to_tag(self) -> u32 {
        match self {
            ExceptionCatch::All { by_ref } => u32::MAX - 1 - u32::from(!by_ref),
            ExceptionCatch::Tag { index, by_ref } => (index << 1) | u32::from(by_ref),
        }
    }

    /// Decodes [`ExceptionCatch::to_tag`].
    pub fn from_tag(tag: u32) -> ExceptionCatch {
        match tag {
            t if t == u32::MAX - 1 => ExceptionCatch::All { by_ref: true },
            t if t == u32::MAX - 2 => ExceptionCatch::All { by_ref: false },
            t => ExceptionCatch::Tag {
                index: t >> 1,
                by_ref: t & 1 != 0,
            },
        }
    }
}

/// Layout of an exception object: a header followed by the payload values
/// in 16-byte slots. An `exnref` is the object's address.
pub mod vm_exn_object {
    /// Tag identity (address of the tag's definition), usize.
    pub const TAG: u32 = 0;
    /// Number of values, u32.
    pub const LEN: u32 = 8;
    /// Non-zero once the object may be referenced from outside a handler, u32.
    pub const EXPOSED: u32 = 12;
    /// Owning instance (runtime use), usize.
    pub const OWNER: u32 = 16;
    /// Slot in the owner's arena, u32.
    pub const SLOT: u32 = 24;
    /// First value.
    pub const VALUES: u32 = 32;
    /// Size of a value slot.
    pub const VALUE_SIZE: u32 = 16;
}

/// A code generator.
pub trait Compiler: Send + Sync {
    /// Compiles the body of defined function `index` with the wasm calling
    /// convention described on [`vm_func_ref`], validating it on the way.
    fn compile_function(
        &self,
        module: &Module,
        offsets: &VMOffsets,
        tunables: &Tunables,
        index: DefinedFuncIndex,
        body: FunctionBodyData<'_>,
    ) -> WasmResult<CompiledFunction>;

    /// Compiles the array-call entry for defined function `index`: a SystemV
    /// `extern "C" fn(callee_vmctx, caller_vmctx, *mut ValRaw, len) -> bool`
    /// that reads the arguments from 16-byte slots, records its frame pointer
    /// in `VMStoreContext::LAST_WASM_ENTRY_FP`, calls the function (a
    /// `RelocationTarget::Wasm` relocation), stores the results back into the
    /// slots and returns true. With `tunables.consume_fuel` it passes the
    /// store's fuel counter to the function and stores the one it returns
    /// (see [`vm_func_ref`]).
    fn compile_array_to_wasm_trampoline(
        &self,
        module: &Module,
        tunables: &Tunables,
        index: DefinedFuncIndex,
    ) -> WasmResult<CompiledFunction>;

    /// Compiles the wasm-call entry of a host function of type `ty`: a
    /// `CallConv::Tail` function `(callee_vmctx, caller_vmctx, params...)`
    /// that records `LAST_WASM_EXIT_FP`/`LAST_WASM_EXIT_PC` (through the
    /// caller vmctx's store context), spills the params into a stack array of
    /// 16-byte slots (sized for max(params, results)), calls the `array_call`
    /// of the funcref inside the callee's `VMArrayCallHostFuncContext` (at
    /// `vm_host_func_context::FUNC_REF`) with
    /// `(callee_vmctx, caller_vmctx, slots, len)`, traps with
    /// `TrapSite::HostError` if it returned false (through the caller's
    /// `raise_trap` builtin when `tunables.signals_based_traps` is off), and
    /// otherwise loads and returns the results. With
    /// `tunables.consume_fuel` it stores the fuel counter it is passed into
    /// the store before the call, and returns the store's counter after it.
    fn compile_wasm_to_array_trampoline(
        &self,
        ty: &WasmFuncType,
        tunables: &Tunables,
    ) -> WasmResult<CompiledFunction>;

    /// A string that identifies the target and every setting that affects
    /// the generated code (used to key caches and serialized artifacts).
    fn fingerprint(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(page_size_log2: u8, maximum: Option<u64>) -> Memory {
        Memory {
            minimum: 1,
            maximum,
            shared: false,
            memory64: false,
            page_size_log2,
        }
    }

    #[test]
    fn small_pages_never_elide_bounds_checks() {
        let tunables = Tunables::default();
        let normal = MemoryStyle::for_memory(&memory(16, None), &tunables);
        assert!(normal.is_static);
        assert!(normal.can_elide_bounds_check(0, 4));
        // One-byte pages: the memory may end in the middle of a host page,
        // so the guard region cannot catch the access.
        let tiny = MemoryStyle::for_memory(&memory(0, Some(10)), &tunables);
        assert!(tiny.is_static);
        assert!(!tiny.can_elide_bounds_check(0, 1));
    }
}
