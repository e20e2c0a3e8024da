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

/// Which type a concrete reference type `(ref $t)` names.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum WasmTypeRef {
    /// A type of the module's type section (module-level descriptions).
    Module(TypeIndex),
    /// An engine-wide registered type (canonical descriptions, used across
    /// modules and in the embedding API).
    Engine(VMSharedTypeIndex),
    /// The type at this position of the recursion group being
    /// canonicalized (only inside the registry's keys: a group is
    /// identified by its structure, with references into itself written
    /// relative to it).
    RecGroup(u32),
}

/// The heap type of a reference: the abstract types of the four
/// hierarchies (any, func, extern, exn) and concrete types.
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
    /// Top of the internal (GC) hierarchy.
    Any,
    /// Values comparable with `ref.eq`: i31, structs and arrays.
    Eq,
    /// Unboxed 31-bit integers.
    I31,
    /// Any struct.
    Struct,
    /// Any array.
    Array,
    /// Bottom of the internal hierarchy.
    None,
    /// Structs of one type.
    ConcreteStruct(WasmTypeRef),
    /// Arrays of one type.
    ConcreteArray(WasmTypeRef),
    /// Any continuation (stack-switching proposal).
    Cont,
    /// No continuation (bottom of the continuation hierarchy).
    NoCont,
    /// Continuations of one continuation type.
    ConcreteCont(WasmTypeRef),
}

/// The four disjoint hierarchies of heap types.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum WasmHierarchy {
    /// any, eq, i31, struct, array, none and concrete structs/arrays.
    Any,
    /// func, nofunc and concrete function types.
    Func,
    /// extern and noextern.
    Extern,
    /// exn and noexn.
    Exn,
    /// cont, nocont and concrete continuation types.
    Cont,
}

impl WasmHeapType {
    /// The hierarchy this type belongs to.
    pub fn hierarchy(&self) -> WasmHierarchy {
        use WasmHeapType::*;
        match self {
            Func | NoFunc | ConcreteFunc(_) => WasmHierarchy::Func,
            Extern | NoExtern => WasmHierarchy::Extern,
            Exn | NoExn => WasmHierarchy::Exn,
            Cont | NoCont | ConcreteCont(_) => WasmHierarchy::Cont,
            Any | Eq | I31 | Struct | Array | None | ConcreteStruct(_) | ConcreteArray(_) => {
                WasmHierarchy::Any
            }
        }
    }

    /// True for the function hierarchy (`func`, `nofunc`, concrete types).
    pub fn is_func(&self) -> bool {
        self.hierarchy() == WasmHierarchy::Func
    }

    /// The bottom type of this type's hierarchy.
    pub fn bottom(&self) -> WasmHeapType {
        match self.hierarchy() {
            WasmHierarchy::Any => WasmHeapType::None,
            WasmHierarchy::Func => WasmHeapType::NoFunc,
            WasmHierarchy::Extern => WasmHeapType::NoExtern,
            WasmHierarchy::Exn => WasmHeapType::NoExn,
            WasmHierarchy::Cont => WasmHeapType::NoCont,
        }
    }

    /// The top type of this type's hierarchy.
    pub fn top(&self) -> WasmHeapType {
        match self.hierarchy() {
            WasmHierarchy::Any => WasmHeapType::Any,
            WasmHierarchy::Func => WasmHeapType::Func,
            WasmHierarchy::Extern => WasmHeapType::Extern,
            WasmHierarchy::Exn => WasmHeapType::Exn,
            WasmHierarchy::Cont => WasmHeapType::Cont,
        }
    }

    /// True for the bottom types (`none`, `nofunc`, `noextern`, `noexn`).
    pub fn is_bottom(&self) -> bool {
        *self == self.bottom()
    }

    /// The concrete type named, if any.
    pub fn type_ref(&self) -> Option<WasmTypeRef> {
        match self {
            WasmHeapType::ConcreteFunc(r)
            | WasmHeapType::ConcreteStruct(r)
            | WasmHeapType::ConcreteArray(r)
            | WasmHeapType::ConcreteCont(r) => Some(*r),
            _ => Option::None,
        }
    }

    /// The same kind of concrete type naming `r` instead.
    pub fn with_type_ref(self, r: WasmTypeRef) -> WasmHeapType {
        match self {
            WasmHeapType::ConcreteFunc(_) => WasmHeapType::ConcreteFunc(r),
            WasmHeapType::ConcreteStruct(_) => WasmHeapType::ConcreteStruct(r),
            WasmHeapType::ConcreteArray(_) => WasmHeapType::ConcreteArray(r),
            WasmHeapType::ConcreteCont(_) => WasmHeapType::ConcreteCont(r),
            other => other,
        }
    }

    /// Whether every value of `self` is a value of `other`. Two concrete
    /// types are compared by `concrete(sub, sup)`, which knows the declared
    /// supertypes (the module's or the engine's registry, as the
    /// references are module-level or canonical).
    pub fn is_subtype_of_with(
        &self,
        other: &WasmHeapType,
        concrete: &mut dyn FnMut(WasmTypeRef, WasmTypeRef) -> bool,
    ) -> bool {
        use WasmHeapType::*;
        match (*self, *other) {
            (a, b) if a == b => true,
            (a, b) if a.hierarchy() != b.hierarchy() => false,
            (a, _) if a.is_bottom() => true,
            (_, b) if b.is_bottom() => false,
            (_, b) if b == b.top() => true,
            (ConcreteFunc(a), ConcreteFunc(b))
            | (ConcreteStruct(a), ConcreteStruct(b))
            | (ConcreteArray(a), ConcreteArray(b))
            | (ConcreteCont(a), ConcreteCont(b)) => concrete(a, b),
            (I31 | Struct | Array | ConcreteStruct(_) | ConcreteArray(_), Eq) => true,
            (ConcreteStruct(_), Struct) | (ConcreteArray(_), Array) => true,
            _ => false,
        }
    }
}

/// A reference type: nullability plus heap type. References are
/// pointer-sized: a `*const VMFuncRef` for functions, a tagged word for
/// the internal and extern hierarchies (see docs/architecture.md, "GC
/// references"); 0 is null.
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
    /// `anyref`.
    pub const ANYREF: WasmRefType = WasmRefType {
        nullable: true,
        heap: WasmHeapType::Any,
    };

    /// True for exception references (`exnref`, `nullexnref`).
    pub fn is_exn(&self) -> bool {
        self.heap.hierarchy() == WasmHierarchy::Exn
    }

    /// True for function references of any kind.
    pub fn is_func(&self) -> bool {
        self.heap.is_func()
    }

    /// Whether every value of `self` is a value of `other`; concrete types
    /// are compared with `concrete` (see
    /// [`WasmHeapType::is_subtype_of_with`]).
    pub fn is_subtype_of_with(
        &self,
        other: &WasmRefType,
        concrete: &mut dyn FnMut(WasmTypeRef, WasmTypeRef) -> bool,
    ) -> bool {
        if self.nullable && !other.nullable {
            return false;
        }
        self.heap.is_subtype_of_with(&other.heap, concrete)
    }

    /// Replaces module type indices with `f(index)`.
    pub fn map_type_refs(self, f: &mut impl FnMut(TypeIndex) -> WasmTypeRef) -> WasmRefType {
        match self.heap.type_ref() {
            Some(WasmTypeRef::Module(i)) => WasmRefType {
                nullable: self.nullable,
                heap: self.heap.with_type_ref(f(i)),
            },
            _ => self,
        }
    }

    /// Replaces every type reference with `f(reference)`.
    pub fn map_all_type_refs(self, f: &mut impl FnMut(WasmTypeRef) -> WasmTypeRef) -> WasmRefType {
        match self.heap.type_ref() {
            Some(r) => WasmRefType {
                nullable: self.nullable,
                heap: self.heap.with_type_ref(f(r)),
            },
            Option::None => self,
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
    /// Converts a wasmparser value type, rejecting types the engine does
    /// not support; `kind_of` tells which kind of type a module type index
    /// names.
    pub fn from_wasmparser(
        ty: wasmparser::ValType,
        kind_of: &dyn Fn(u32) -> Option<WasmTypeKind>,
    ) -> Result<Self, crate::WasmError> {
        Ok(match ty {
            wasmparser::ValType::I32 => WasmValType::I32,
            wasmparser::ValType::I64 => WasmValType::I64,
            wasmparser::ValType::F32 => WasmValType::F32,
            wasmparser::ValType::F64 => WasmValType::F64,
            wasmparser::ValType::V128 => WasmValType::V128,
            wasmparser::ValType::Ref(r) => {
                WasmValType::Ref(WasmRefType::from_wasmparser(r, kind_of)?)
            }
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

    /// Replaces every type reference in a reference type with `f(reference)`.
    pub fn map_all_type_refs(self, f: &mut impl FnMut(WasmTypeRef) -> WasmTypeRef) -> WasmValType {
        match self {
            WasmValType::Ref(r) => WasmValType::Ref(r.map_all_type_refs(f)),
            other => other,
        }
    }

    /// Subtyping: equal types, or reference subtyping (concrete types
    /// compared with `concrete`).
    pub fn is_subtype_of_with(
        &self,
        other: &WasmValType,
        concrete: &mut dyn FnMut(WasmTypeRef, WasmTypeRef) -> bool,
    ) -> bool {
        match (self, other) {
            (WasmValType::Ref(a), WasmValType::Ref(b)) => a.is_subtype_of_with(b, concrete),
            (a, b) => a == b,
        }
    }
}

/// The kind of a defined type: what its concrete references are.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum WasmTypeKind {
    /// A function type.
    Func,
    /// A struct type.
    Struct,
    /// An array type.
    Array,
    /// A continuation type (stack-switching proposal).
    Cont,
}

impl WasmRefType {
    /// Converts a wasmparser reference type, rejecting types the engine
    /// does not support (shared and continuation types); `kind_of` tells
    /// which kind of type a module type index names.
    pub fn from_wasmparser(
        r: wasmparser::RefType,
        kind_of: &dyn Fn(u32) -> Option<WasmTypeKind>,
    ) -> Result<Self, crate::WasmError> {
        use wasmparser::{AbstractHeapType as A, HeapType as H};
        let heap = match r.heap_type() {
            H::Abstract { shared: false, ty } => match ty {
                A::Func => WasmHeapType::Func,
                A::NoFunc => WasmHeapType::NoFunc,
                A::Extern => WasmHeapType::Extern,
                A::NoExtern => WasmHeapType::NoExtern,
                A::Exn => WasmHeapType::Exn,
                A::NoExn => WasmHeapType::NoExn,
                A::Any => WasmHeapType::Any,
                A::Eq => WasmHeapType::Eq,
                A::I31 => WasmHeapType::I31,
                A::Struct => WasmHeapType::Struct,
                A::Array => WasmHeapType::Array,
                A::None => WasmHeapType::None,
                A::Cont => WasmHeapType::Cont,
                A::NoCont => WasmHeapType::NoCont,
            },
            H::Concrete(i) | H::Exact(i) => match i.as_module_index() {
                Some(i) => {
                    let t = WasmTypeRef::Module(TypeIndex::from_u32(i));
                    match kind_of(i) {
                        Some(WasmTypeKind::Func) => WasmHeapType::ConcreteFunc(t),
                        Some(WasmTypeKind::Struct) => WasmHeapType::ConcreteStruct(t),
                        Some(WasmTypeKind::Array) => WasmHeapType::ConcreteArray(t),
                        Some(WasmTypeKind::Cont) => WasmHeapType::ConcreteCont(t),
                        Option::None => return Err(unsupported_ref(r)),
                    }
                }
                Option::None => return Err(unsupported_ref(r)),
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
            WasmHeapType::Any => f.write_str("any"),
            WasmHeapType::Eq => f.write_str("eq"),
            WasmHeapType::I31 => f.write_str("i31"),
            WasmHeapType::Struct => f.write_str("struct"),
            WasmHeapType::Array => f.write_str("array"),
            WasmHeapType::None => f.write_str("none"),
            WasmHeapType::Cont => f.write_str("cont"),
            WasmHeapType::NoCont => f.write_str("nocont"),
            WasmHeapType::ConcreteFunc(r)
            | WasmHeapType::ConcreteStruct(r)
            | WasmHeapType::ConcreteArray(r)
            | WasmHeapType::ConcreteCont(r) => r.fmt(f),
        }
    }
}

impl fmt::Display for WasmTypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmTypeRef::Module(i) => write!(f, "{}", i.as_u32()),
            WasmTypeRef::Engine(i) => write!(f, "<type {}>", i.0),
            WasmTypeRef::RecGroup(i) => write!(f, "<rec {i}>"),
        }
    }
}

impl fmt::Display for WasmRefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, WasmHeapType::Func) => f.write_str("funcref"),
            (true, WasmHeapType::Extern) => f.write_str("externref"),
            (true, WasmHeapType::Exn) => f.write_str("exnref"),
            (true, WasmHeapType::Any) => f.write_str("anyref"),
            (true, WasmHeapType::Eq) => f.write_str("eqref"),
            (true, WasmHeapType::I31) => f.write_str("i31ref"),
            (true, WasmHeapType::Struct) => f.write_str("structref"),
            (true, WasmHeapType::Array) => f.write_str("arrayref"),
            (true, WasmHeapType::None) => f.write_str("nullref"),
            (true, WasmHeapType::NoFunc) => f.write_str("nullfuncref"),
            (true, WasmHeapType::NoExtern) => f.write_str("nullexternref"),
            (true, WasmHeapType::NoExn) => f.write_str("nullexnref"),
            (true, WasmHeapType::Cont) => f.write_str("contref"),
            (true, WasmHeapType::NoCont) => f.write_str("nullcontref"),
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
