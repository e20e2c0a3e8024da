//! The one definition of the `VMContext` layout.
//!
//! A `VMContext` is the per-instance block of memory that compiled code
//! receives as its first argument. Its layout, for a module with the given
//! counts of imports and definitions, is:
//!
//! | field | size |
//! |---|---|
//! | magic (`VMCONTEXT_MAGIC`) | 4 (+4 padding) |
//! | `*mut VMStoreContext` | 8 |
//! | `*const [builtin fn; BuiltinFunctionIndex::COUNT]` | 8 |
//! | `*const VMSharedTypeIndex` (one per module type) | 8 |
//! | imported memories: `*mut VMMemoryDefinition` each | 8 × n |
//! | imported tables: `*mut VMTableDefinition` each | 8 × n |
//! | imported globals: `*mut VMGlobalDefinition` each | 8 × n |
//! | defined memories: `VMMemoryDefinition` each | 16 × n |
//! | defined tables: `VMTableDefinition` each | 16 × n |
//! | defined globals: `VMGlobalDefinition` each (16-aligned) | 16 × n |
//! | function references: `VMFuncRef` for every function, imported or defined | 32 × n |
//!
//! Every function in the index space has a `VMFuncRef` slot: for an imported
//! function it is a copy of the provider's funcref, so direct calls to imports,
//! `ref.func` and table initialisation all read the same slot.

use crate::{
    BuiltinFunctionIndex, DefinedGlobalIndex, DefinedMemoryIndex, DefinedTableIndex, FuncIndex,
    GlobalIndex, MemoryIndex, Module, TableIndex,
};

/// Value of the magic field at offset 0 of every `VMContext` ("core").
pub const VMCONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"core");

/// `VMMemoryDefinition { base: *mut u8, current_length: u64 }`.
pub mod vm_memory_definition {
    /// Offset of the base pointer.
    pub const BASE: u32 = 0;
    /// Offset of the current length in bytes.
    pub const CURRENT_LENGTH: u32 = 8;
    /// Size of the structure.
    pub const SIZE: u32 = 16;
}

/// `VMTableDefinition { base: *mut u64, current_elements: u64 }`. Every table
/// element is 8 bytes: a `*const VMFuncRef` for `funcref`, an externref handle
/// for `externref`; zero is null for both.
pub mod vm_table_definition {
    /// Offset of the base pointer.
    pub const BASE: u32 = 0;
    /// Offset of the current number of elements.
    pub const CURRENT_ELEMENTS: u32 = 8;
    /// Size of the structure.
    pub const SIZE: u32 = 16;
    /// Size of one element.
    pub const ELEMENT_SIZE: u32 = 8;
}

/// `VMGlobalDefinition`: 16 bytes of storage, the value at offset 0 in native
/// byte order (references stored as u64).
pub mod vm_global_definition {
    /// Size of the structure.
    pub const SIZE: u32 = 16;
}

/// `VMFuncRef { array_call, wasm_call, vmctx, type_index }`.
///
/// * `array_call`: `extern "C" fn(callee_vmctx, caller_vmctx, *mut ValRaw, len) -> bool`
///   (SystemV); arguments are read from and results written to 16-byte slots.
///   Returns false when a host function failed (its error is then pending).
/// * `wasm_call`: the function with the wasm calling convention
///   (`CallConv::Tail`, `(callee_vmctx: i64, caller_vmctx: i64, params...) -> results`).
///   With `Tunables::consume_fuel` the fuel counter (as in
///   `store_context::FUEL_CONSUMED`) travels in registers between wasm
///   functions: it is an extra `i64` parameter after `caller_vmctx`, and
///   the counter after the call is an extra first result. Function entries
///   and loop headers (where fuel is checked), trampolines, `unreachable`
///   and builtins that read or change fuel write it back to the store.
/// * `vmctx`: the callee's context (a `VMContext`, or a host-function context).
/// * `type_index`: the engine-wide `VMSharedTypeIndex` of the function's type.
pub mod vm_func_ref {
    /// Offset of `array_call`.
    pub const ARRAY_CALL: u32 = 0;
    /// Offset of `wasm_call`.
    pub const WASM_CALL: u32 = 8;
    /// Offset of `vmctx`.
    pub const VMCTX: u32 = 16;
    /// Offset of `type_index` (u32).
    pub const TYPE_INDEX: u32 = 24;
    /// Size of the structure.
    pub const SIZE: u32 = 32;
}

/// `VMStoreContext`: per-store state that compiled code reads and writes.
pub mod store_context {
    /// Lowest address the wasm stack may reach (usize); checked in prologues.
    pub const STACK_LIMIT: u32 = 0;
    /// Fuel consumed so far, as a negative count of remaining fuel (i64).
    pub const FUEL_CONSUMED: u32 = 8;
    /// Epoch deadline (u64).
    pub const EPOCH_DEADLINE: u32 = 16;
    /// Frame pointer of the last wasm frame that called out to the host.
    pub const LAST_WASM_EXIT_FP: u32 = 24;
    /// Return address into wasm of the last exit to the host.
    pub const LAST_WASM_EXIT_PC: u32 = 32;
    /// Frame pointer of the trampoline that last entered wasm from the host.
    pub const LAST_WASM_ENTRY_FP: u32 = 40;
    /// Pointer to the epoch counter checked against `EPOCH_DEADLINE`
    /// (`*const AtomicU64`): the engine's, or the store's own interrupt
    /// cell for `Config::interruptable`.
    pub const EPOCH_PTR: u32 = 48;
    /// The embedding store (`*mut dyn VMStore`, 16 bytes): read by the
    /// runtime's builtins only, never by compiled code.
    pub const STORE: u32 = 56;
    /// Result (u64: 1 success, 0 trap) of the last register-preserving
    /// builtin call (result kind `status`), written by its runtime
    /// trampoline and read by compiled code right after the call.
    pub const BUILTIN_STATUS: u32 = 72;
    /// Address of the store's GC heap (u64; 0 until its first allocation;
    /// the heap never moves afterwards). An object reference is an offset
    /// from it.
    pub const GC_HEAP_BASE: u32 = 80;
    /// Accessible bytes of the GC heap from its base (u64): compiled code
    /// checks `reference + offset + size <= bound` before every access.
    pub const GC_HEAP_BOUND: u32 = 88;
    /// The runtime's `*mut GcHeap` (never read by compiled code).
    pub const GC_HEAP: u32 = 96;
    // 104: the runtime's list of suspended older activations (a `Vec`,
    // never read by compiled code).
    /// Size of the structure.
    pub const SIZE: u32 = 128;
}

/// Fixed offsets at the head of every `VMContext`.
pub mod vmctx {
    /// The magic number (u32).
    pub const MAGIC: u32 = 0;
    /// `*mut VMStoreContext`.
    pub const STORE_CONTEXT: u32 = 8;
    /// `*const [usize; BuiltinFunctionIndex::COUNT]`.
    pub const BUILTINS: u32 = 16;
    /// `*const VMSharedTypeIndex`, indexed by the module's `TypeIndex`.
    pub const TYPE_IDS: u32 = 24;
    /// Where the variable-size part starts.
    pub const HEADER_SIZE: u32 = 32;
}

/// Offsets of the variable-size fields of a module's `VMContext`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    /// Number of imported memories.
    pub num_imported_memories: u32,
    /// Number of imported tables.
    pub num_imported_tables: u32,
    /// Number of imported globals.
    pub num_imported_globals: u32,
    /// Number of defined memories.
    pub num_defined_memories: u32,
    /// Number of defined tables.
    pub num_defined_tables: u32,
    /// Number of defined globals.
    pub num_defined_globals: u32,
    /// Number of functions (imported and defined).
    pub num_functions: u32,

    imported_memories: u32,
    imported_tables: u32,
    imported_globals: u32,
    defined_memories: u32,
    defined_tables: u32,
    defined_globals: u32,
    func_refs: u32,
    size: u32,
}

impl VMOffsets {
    /// Computes the layout for `module`.
    pub fn new(module: &Module) -> VMOffsets {
        let num_imported_memories = module.num_imported_memories as u32;
        let num_imported_tables = module.num_imported_tables as u32;
        let num_imported_globals = module.num_imported_globals as u32;
        let num_defined_memories = module.memories.len() as u32 - num_imported_memories;
        let num_defined_tables = module.tables.len() as u32 - num_imported_tables;
        let num_defined_globals = module.globals.len() as u32 - num_imported_globals;
        let num_functions = module.functions.len() as u32;

        let imported_memories = vmctx::HEADER_SIZE;
        let imported_tables = imported_memories + 8 * num_imported_memories;
        let imported_globals = imported_tables + 8 * num_imported_tables;
        let defined_memories = imported_globals + 8 * num_imported_globals;
        let defined_tables = defined_memories + vm_memory_definition::SIZE * num_defined_memories;
        let defined_globals =
            (defined_tables + vm_table_definition::SIZE * num_defined_tables).next_multiple_of(16);
        let func_refs = defined_globals + vm_global_definition::SIZE * num_defined_globals;
        let size = func_refs + vm_func_ref::SIZE * num_functions;
        VMOffsets {
            num_imported_memories,
            num_imported_tables,
            num_imported_globals,
            num_defined_memories,
            num_defined_tables,
            num_defined_globals,
            num_functions,
            imported_memories,
            imported_tables,
            imported_globals,
            defined_memories,
            defined_tables,
            defined_globals,
            func_refs,
            size,
        }
    }

    /// Total size of the `VMContext` in bytes.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Offset of the slot holding `*mut VMMemoryDefinition` for imported memory `index`.
    pub fn imported_memory(&self, index: MemoryIndex) -> u32 {
        assert!(index.as_u32() < self.num_imported_memories);
        self.imported_memories + 8 * index.as_u32()
    }

    /// Offset of the slot holding `*mut VMTableDefinition` for imported table `index`.
    pub fn imported_table(&self, index: TableIndex) -> u32 {
        assert!(index.as_u32() < self.num_imported_tables);
        self.imported_tables + 8 * index.as_u32()
    }

    /// Offset of the slot holding `*mut VMGlobalDefinition` for imported global `index`.
    pub fn imported_global(&self, index: GlobalIndex) -> u32 {
        assert!(index.as_u32() < self.num_imported_globals);
        self.imported_globals + 8 * index.as_u32()
    }

    /// Offset of the inline `VMMemoryDefinition` of a defined memory.
    pub fn defined_memory(&self, index: DefinedMemoryIndex) -> u32 {
        assert!(index.as_u32() < self.num_defined_memories);
        self.defined_memories + vm_memory_definition::SIZE * index.as_u32()
    }

    /// Offset of the inline `VMTableDefinition` of a defined table.
    pub fn defined_table(&self, index: DefinedTableIndex) -> u32 {
        assert!(index.as_u32() < self.num_defined_tables);
        self.defined_tables + vm_table_definition::SIZE * index.as_u32()
    }

    /// Offset of the inline `VMGlobalDefinition` of a defined global.
    pub fn defined_global(&self, index: DefinedGlobalIndex) -> u32 {
        assert!(index.as_u32() < self.num_defined_globals);
        self.defined_globals + vm_global_definition::SIZE * index.as_u32()
    }

    /// Offset of the `VMFuncRef` of function `index`.
    #[inline]
    pub fn func_ref(&self, index: FuncIndex) -> u32 {
        assert!(index.as_u32() < self.num_functions);
        self.func_refs + vm_func_ref::SIZE * index.as_u32()
    }

    /// Offset, within the builtin table, of a builtin's function pointer.
    pub fn builtin(index: BuiltinFunctionIndex) -> u32 {
        8 * index.index()
    }
}

/// `VMArrayCallHostFuncContext`: the `vmctx` of a host function's `VMFuncRef`.
/// A wasm-to-array trampoline receives it as `callee_vmctx` and calls the
/// `array_call` of the funcref stored inline at [`FUNC_REF`](vm_host_func_context::FUNC_REF).
pub mod vm_host_func_context {
    /// Magic number (u32) distinguishing it from a `VMContext`.
    pub const MAGIC: u32 = 0;
    /// The host function's own `VMFuncRef`.
    pub const FUNC_REF: u32 = 16;
    /// Value of the magic field ("host").
    pub const MAGIC_VALUE: u32 = u32::from_le_bytes(*b"host");
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
