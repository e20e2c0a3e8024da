//! The compiler interface: what a code generator produces for the runtime.

use crate::*;

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
    /// The GC references live across each call (precise GC roots), sorted
    /// by return address; calls with none live have no entry.
    #[serde(default)]
    pub stack_maps: Vec<StackMap>,
    /// Where each wasm local (and the vmctx) lives in the code, for native
    /// debuggers; empty unless [`crate::Tunables::generate_native_debuginfo`].
    #[serde(default)]
    pub value_labels: Vec<ValueLabelRange>,
    /// Call frame information for native debuggers (with
    /// [`crate::Tunables::generate_native_debuginfo`], else empty): a
    /// little-endian `.debug_frame` fragment holding one CIE and then one
    /// FDE for the function at address 0, whose CIE pointer and address
    /// are patched where the fragment lands.
    #[serde(default)]
    pub frame_info: Vec<u8>,
}

/// The label of the function's vmctx in [`ValueLabelRange::label`]; wasm
/// locals are labelled with their index.
pub const VMCTX_VALUE_LABEL: u32 = 0xffff_fffe;

/// Where a labelled value (a wasm local, or the vmctx) is held while the
/// code in `[start, end)` (offsets in the function) runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValueLabelRange {
    /// The wasm local's index, or [`VMCTX_VALUE_LABEL`].
    pub label: u32,
    /// First code offset of the range.
    pub start: u32,
    /// Code offset just past the range.
    pub end: u32,
    /// Where the value is.
    pub loc: ValueLoc,
}

/// A place holding a value during a [`ValueLabelRange`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ValueLoc {
    /// A register, by its DWARF number.
    Reg(u16),
    /// A stack slot at this offset from the canonical frame address (the
    /// caller's stack pointer before the call pushed the return address).
    CfaOffset(i64),
}

/// Where the GC references live across one call are spilled: the stack map
/// of a call site, which the collector reads (and could update) while the
/// call runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StackMap {
    /// Offset of the call's return address from the start of the function
    /// (from the start of the text once laid out).
    pub ret_addr: u32,
    /// Distance from the frame pointer down to the stack pointer at the
    /// call.
    pub frame_size: u32,
    /// Offsets from the stack pointer at the call of the 8-byte slots
    /// holding GC reference words.
    pub slots: Vec<u32>,
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
