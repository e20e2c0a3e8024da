//! Index types and WebAssembly type descriptions shared by all crates.

use cranelift_entity::entity_impl;
use std::fmt;

macro_rules! index_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default, serde::Serialize, serde::Deserialize)]
        pub struct $name(u32);
        entity_impl!($name);
    };
}

index_type!(
    /// Index of a function in a module's function index space (imports first).
    FuncIndex
);
index_type!(
    /// Index of a function defined (not imported) in a module.
    DefinedFuncIndex
);
index_type!(
    /// Index of a table in a module's table index space.
    TableIndex
);
index_type!(
    /// Index of a table defined in a module.
    DefinedTableIndex
);
index_type!(
    /// Index of a memory in a module's memory index space.
    MemoryIndex
);
index_type!(
    /// Index of a memory defined in a module.
    DefinedMemoryIndex
);
index_type!(
    /// Index of a global in a module's global index space.
    GlobalIndex
);
index_type!(
    /// Index of a global defined in a module.
    DefinedGlobalIndex
);
index_type!(
    /// Index of a type in a module's type section.
    TypeIndex
);
index_type!(
    /// Index of an element segment.
    ElemIndex
);
index_type!(
    /// Index of a data segment.
    DataIndex
);

/// An engine-wide identifier of a function signature. Two modules compiled by
/// the same engine that use structurally equal function types get the same
/// `VMSharedTypeIndex`; `call_indirect` compares these.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize, serde::Deserialize,
)]
#[repr(transparent)]
pub struct VMSharedTypeIndex(pub u32);

impl VMSharedTypeIndex {
    /// The reserved value stored in a `VMFuncRef` that has no type yet.
    pub const RESERVED: VMSharedTypeIndex = VMSharedTypeIndex(u32::MAX);
}

/// Reference types supported in the core engine.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum WasmRefType {
    /// `funcref`: nullable reference to a function (`*const VMFuncRef`).
    FuncRef,
    /// `externref`: nullable reference to a host value (store-local handle).
    ExternRef,
}

/// A WebAssembly value type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum WasmValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(WasmRefType),
}

impl WasmValType {
    /// Converts a wasmparser value type, rejecting types the engine does not support.
    pub fn from_wasmparser(ty: wasmparser::ValType) -> Result<Self, crate::WasmError> {
        Ok(match ty {
            wasmparser::ValType::I32 => WasmValType::I32,
            wasmparser::ValType::I64 => WasmValType::I64,
            wasmparser::ValType::F32 => WasmValType::F32,
            wasmparser::ValType::F64 => WasmValType::F64,
            wasmparser::ValType::V128 => WasmValType::V128,
            wasmparser::ValType::Ref(r) => WasmValType::Ref(WasmRefType::from_wasmparser(r)?),
        })
    }

    /// True for reference types.
    pub fn is_ref(&self) -> bool {
        matches!(self, WasmValType::Ref(_))
    }
}

impl WasmRefType {
    /// Converts a wasmparser reference type.
    pub fn from_wasmparser(r: wasmparser::RefType) -> Result<Self, crate::WasmError> {
        if r.is_func_ref() {
            Ok(WasmRefType::FuncRef)
        } else if r.is_extern_ref() {
            Ok(WasmRefType::ExternRef)
        } else {
            Err(crate::WasmError::Unsupported(format!(
                "reference type {r} is not supported"
            )))
        }
    }
}

impl fmt::Display for WasmRefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmRefType::FuncRef => f.write_str("funcref"),
            WasmRefType::ExternRef => f.write_str("externref"),
        }
    }
}

impl fmt::Display for WasmValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmValType::I32 => f.write_str("i32"),
            WasmValType::I64 => f.write_str("i64"),
            WasmValType::F32 => f.write_str("f32"),
            WasmValType::F64 => f.write_str("f64"),
            WasmValType::V128 => f.write_str("v128"),
            WasmValType::Ref(r) => r.fmt(f),
        }
    }
}

/// A WebAssembly function type.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct WasmFuncType {
    /// Parameter types.
    pub params: Box<[WasmValType]>,
    /// Result types.
    pub results: Box<[WasmValType]>,
}

impl WasmFuncType {
    /// Creates a function type.
    pub fn new(
        params: impl Into<Box<[WasmValType]>>,
        results: impl Into<Box<[WasmValType]>>,
    ) -> Self {
        WasmFuncType {
            params: params.into(),
            results: results.into(),
        }
    }
}

impl fmt::Display for WasmFuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params.is_empty() {
            f.write_str(" (param")?;
            for p in self.params.iter() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        if !self.results.is_empty() {
            f.write_str(" (result")?;
            for p in self.results.iter() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// A table declaration.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// Element type.
    pub element: WasmRefType,
    /// Initial number of elements.
    pub minimum: u64,
    /// Optional maximum number of elements.
    pub maximum: Option<u64>,
}

/// A linear memory declaration.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct Memory {
    /// Initial size in pages.
    pub minimum: u64,
    /// Optional maximum size in pages.
    pub maximum: Option<u64>,
    /// Whether the memory is shared (threads proposal).
    pub shared: bool,
    /// Whether the memory is indexed with 64-bit addresses.
    pub memory64: bool,
    /// log2 of the page size (16 for standard 64 KiB pages).
    pub page_size_log2: u8,
}

impl Memory {
    /// Page size in bytes.
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// The largest number of pages the index type allows.
    pub fn max_pages_for_index_type(&self) -> u64 {
        if self.memory64 {
            ((1u128 << 64) >> self.page_size_log2).min(u64::MAX as u128) as u64
        } else {
            (1u64 << 32) >> self.page_size_log2
        }
    }
}

/// A global declaration.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct Global {
    /// Value type.
    pub ty: WasmValType,
    /// Whether the global is mutable.
    pub mutable: bool,
}

/// Describes what an import or export refers to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum EntityIndex {
    /// A function.
    Function(FuncIndex),
    /// A table.
    Table(TableIndex),
    /// A memory.
    Memory(MemoryIndex),
    /// A global.
    Global(GlobalIndex),
}

/// The type of an import, as declared by the module.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub enum EntityType {
    /// A function of the given type index.
    Function(TypeIndex),
    /// A table.
    Table(Table),
    /// A memory.
    Memory(Memory),
    /// A global.
    Global(Global),
}
