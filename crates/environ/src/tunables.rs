//! Compilation settings (`Tunables`) and the memory layout decided from
//! them (`MemoryStyle`), which the compiler's bounds checks and the
//! runtime's mappings both follow.

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
    /// Keep the module's DWARF sections (`.debug_*`) with the compiled
    /// module so that backtraces can name source files and lines
    /// (`Config::wasm_backtrace_details`). Changes no code.
    pub parse_wasm_debuginfo: bool,
    /// Record where each wasm local lives in the compiled code (Cranelift's
    /// value-label ranges) for native debuggers (`Config::debug_info`).
    /// May change register allocation slightly (the vmctx is kept alive to
    /// the end of each function).
    pub generate_native_debuginfo: bool,
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
            parse_wasm_debuginfo: false,
            generate_native_debuginfo: false,
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
