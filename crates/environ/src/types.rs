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
    /// Index of a tag in a module's tag index space (exception handling).
    TagIndex
);
index_type!(
    /// Index of a tag defined in a module.
    DefinedTagIndex
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

/// Which function type a concrete reference type `(ref $t)` names.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum WasmTypeRef {
    /// A type of the module's type section (module-level descriptions).
    Module(TypeIndex),
    /// An engine-wide registered type (canonical descriptions, used across
    /// modules and in the embedding API).
    Engine(VMSharedTypeIndex),
    /// The function type this reference occurs in (a self-recursive type;
    /// only inside registered function types).
    RecSelf,
}

/// The heap type of a reference (function references proposal; no GC).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum WasmHeapType {
    /// Any function.
    Func,
    /// No function (bottom of the function hierarchy).
    NoFunc,
    /// Any host value.
    Extern,
    /// No host value.
    NoExtern,
    /// Functions of one type.
    ConcreteFunc(WasmTypeRef),
    /// Any exception object (exception-handling proposal).
    Exn,
    /// No exception object.
    NoExn,
}

impl WasmHeapType {
    /// True for the function hierarchy (`func`, `nofunc`, concrete types).
    pub fn is_func(&self) -> bool {
        !matches!(
            self,
            WasmHeapType::Extern | WasmHeapType::NoExtern | WasmHeapType::Exn | WasmHeapType::NoExn
        )
    }
}

/// A reference type: nullability plus heap type. References are
/// pointer-sized: a `*const VMFuncRef` for functions, a store-local handle
/// for host values; 0 is null.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct WasmRefType {
    /// Whether null is a value of the type.
    pub nullable: bool,
    /// The heap type.
    pub heap: WasmHeapType,
}

impl WasmRefType {
    /// `funcref`.
    pub const FUNCREF: WasmRefType = WasmRefType {
        nullable: true,
        heap: WasmHeapType::Func,
    };
    /// `externref`.
    pub const EXTERNREF: WasmRefType = WasmRefType {
        nullable: true,
        heap: WasmHeapType::Extern,
    };
    /// `exnref`.
    pub const EXNREF: WasmRefType = WasmRefType {
        nullable: true,
        heap: WasmHeapType::Exn,
    };

    /// True for exception references (`exnref`, `nullexnref`).
    pub fn is_exn(&self) -> bool {
        matches!(self.heap, WasmHeapType::Exn | WasmHeapType::NoExn)
    }

    /// True for function references of any kind.
    pub fn is_func(&self) -> bool {
        self.heap.is_func()
    }

    /// Whether every value of `self` is a value of `other`, given that
    /// both are canonical (engine-level) or both belong to one module.
    pub fn is_subtype_of(&self, other: &WasmRefType) -> bool {
        if self.nullable && !other.nullable {
            return false;
        }
        use WasmHeapType::*;
        match (self.heap, other.heap) {
            (a, b) if a == b => true,
            (NoFunc, b) => b.is_func(),
            (ConcreteFunc(_), Func) => true,
            (NoExtern, Extern) => true,
            (NoExn, Exn) => true,
            _ => false,
        }
    }

    /// Replaces module type indices with `f(index)`.
    pub fn map_type_refs(self, f: &mut impl FnMut(TypeIndex) -> WasmTypeRef) -> WasmRefType {
        match self.heap {
            WasmHeapType::ConcreteFunc(WasmTypeRef::Module(i)) => WasmRefType {
                nullable: self.nullable,
                heap: WasmHeapType::ConcreteFunc(f(i)),
            },
            _ => self,
        }
    }
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

    /// Replaces module type indices in a reference type with `f(index)`.
    pub fn map_type_refs(self, f: &mut impl FnMut(TypeIndex) -> WasmTypeRef) -> WasmValType {
        match self {
            WasmValType::Ref(r) => WasmValType::Ref(r.map_type_refs(f)),
            other => other,
        }
    }

    /// Subtyping: equal types, or reference subtyping.
    pub fn is_subtype_of(&self, other: &WasmValType) -> bool {
        match (self, other) {
            (WasmValType::Ref(a), WasmValType::Ref(b)) => a.is_subtype_of(b),
            (a, b) => a == b,
        }
    }
}

impl WasmRefType {
    /// Converts a wasmparser reference type, rejecting GC types.
    pub fn from_wasmparser(r: wasmparser::RefType) -> Result<Self, crate::WasmError> {
        use wasmparser::{AbstractHeapType as A, HeapType as H};
        let heap = match r.heap_type() {
            H::Abstract { shared: false, ty } => match ty {
                A::Func => WasmHeapType::Func,
                A::NoFunc => WasmHeapType::NoFunc,
                A::Extern => WasmHeapType::Extern,
                A::NoExtern => WasmHeapType::NoExtern,
                A::Exn => WasmHeapType::Exn,
                A::NoExn => WasmHeapType::NoExn,
                _ => return Err(unsupported_ref(r)),
            },
            H::Concrete(i) | H::Exact(i) => match i.as_module_index() {
                Some(i) => WasmHeapType::ConcreteFunc(WasmTypeRef::Module(TypeIndex::from_u32(i))),
                None => return Err(unsupported_ref(r)),
            },
            _ => return Err(unsupported_ref(r)),
        };
        Ok(WasmRefType {
            nullable: r.is_nullable(),
            heap,
        })
    }
}

fn unsupported_ref(r: wasmparser::RefType) -> crate::WasmError {
    crate::WasmError::Unsupported(format!("reference type {r} is not supported"))
}

impl fmt::Display for WasmHeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmHeapType::Func => f.write_str("func"),
            WasmHeapType::NoFunc => f.write_str("nofunc"),
            WasmHeapType::Extern => f.write_str("extern"),
            WasmHeapType::NoExtern => f.write_str("noextern"),
            WasmHeapType::Exn => f.write_str("exn"),
            WasmHeapType::NoExn => f.write_str("noexn"),
            WasmHeapType::ConcreteFunc(WasmTypeRef::Module(i)) => write!(f, "{}", i.as_u32()),
            WasmHeapType::ConcreteFunc(WasmTypeRef::Engine(i)) => write!(f, "<type {}>", i.0),
            WasmHeapType::ConcreteFunc(WasmTypeRef::RecSelf) => f.write_str("<self>"),
        }
    }
}

impl fmt::Display for WasmRefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, WasmHeapType::Func) => f.write_str("funcref"),
            (true, WasmHeapType::Extern) => f.write_str("externref"),
            (true, WasmHeapType::Exn) => f.write_str("exnref"),
            (true, h) => write!(f, "(ref null {h})"),
            (false, h) => write!(f, "(ref {h})"),
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
    /// Whether the table is indexed with 64-bit indices (memory64).
    pub table64: bool,
}

impl Table {
    /// The largest number of elements the index type allows.
    pub fn max_elements_for_index_type(&self) -> u64 {
        if self.table64 {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        }
    }
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

    /// The largest number of pages the index type allows: the limit a
    /// memory *type* may declare.
    pub fn max_pages_for_index_type(&self) -> u64 {
        if self.memory64 {
            ((1u128 << 64) >> self.page_size_log2).min(u64::MAX as u128) as u64
        } else {
            (1u64 << 32) >> self.page_size_log2
        }
    }

    /// The largest number of pages a memory of this type may actually
    /// have. It equals [`Memory::max_pages_for_index_type`] except that a
    /// 32-bit memory of 1-byte pages stops two bytes short of 4 GiB, as in
    /// Wasmtime: at 4 GiB `memory.size` could not report its size, and at
    /// 4 GiB - 1 a successful `memory.grow` by one page would return -1,
    /// the failure value.
    pub fn max_pages_at_runtime(&self) -> u64 {
        if !self.memory64 && self.page_size_log2 == 0 {
            (1u64 << 32) - 2
        } else {
            self.max_pages_for_index_type()
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
    /// A tag.
    Tag(TagIndex),
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
    /// A tag whose payload is the parameters of the given function type.
    Tag(TypeIndex),
}
