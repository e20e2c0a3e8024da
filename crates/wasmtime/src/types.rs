//! Type descriptions of the embedding API: `ValType`, `FuncType`, and the
//! types of tables, memories, globals, imports and exports.

use crate::Engine;
use std::fmt;
use std::sync::Arc;
use wasmtime_environ::{
    EntityType, Global as EnvGlobal, Memory as EnvMemory, Module as EnvModule, Table as EnvTable,
    VMSharedTypeIndex, WasmFuncType, WasmRefType, WasmValType,
};

/// Whether a global is mutable.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// An abstract heap type (the target of a reference).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// No function (the bottom of the function hierarchy).
    NoFunc,
    /// Any external (host) value.
    Extern,
    /// No external value.
    NoExtern,
    /// Any exception object.
    Exn,
    /// No exception object.
    NoExn,
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeapType::Func => "func",
            HeapType::NoFunc => "nofunc",
            HeapType::Extern => "extern",
            HeapType::NoExtern => "noextern",
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
        })
    }
}

/// A reference type: nullability plus heap type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap_type: HeapType,
}

impl RefType {
    /// `funcref`.
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap_type: HeapType::Func,
    };
    /// `externref`.
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap_type: HeapType::Extern,
    };

    /// `exnref`.
    pub const EXNREF: RefType = RefType {
        nullable: true,
        heap_type: HeapType::Exn,
    };

    /// Creates a reference type.
    pub fn new(nullable: bool, heap_type: HeapType) -> RefType {
        RefType {
            nullable,
            heap_type,
        }
    }

    /// Whether null is a value of this type.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// The heap type.
    pub fn heap_type(&self) -> &HeapType {
        &self.heap_type
    }

    pub(crate) fn to_wasm(self) -> WasmRefType {
        match self.heap_type {
            HeapType::Func | HeapType::NoFunc => WasmRefType::FuncRef,
            HeapType::Extern | HeapType::NoExtern => WasmRefType::ExternRef,
            HeapType::Exn | HeapType::NoExn => WasmRefType::ExnRef,
        }
    }

    pub(crate) fn from_wasm(ty: WasmRefType) -> RefType {
        match ty {
            WasmRefType::FuncRef => RefType::FUNCREF,
            WasmRefType::ExternRef => RefType::EXTERNREF,
            WasmRefType::ExnRef => RefType::EXNREF,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap_type) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (true, HeapType::Exn) => f.write_str("exnref"),
            (true, h) => write!(f, "(ref null {h})"),
            (false, h) => write!(f, "(ref {h})"),
        }
    }
}

/// A WebAssembly value type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
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
    Ref(RefType),
}

impl ValType {
    /// `funcref`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);

    /// True for i32, i64, f32, f64.
    pub fn is_num(&self) -> bool {
        matches!(
            self,
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
        )
    }

    /// True for references.
    pub fn is_ref(&self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// The reference type, if this is one.
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// True if this is `funcref`.
    pub fn is_funcref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.to_wasm() == WasmRefType::FuncRef)
    }

    /// True if this is `externref`.
    pub fn is_externref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.to_wasm() == WasmRefType::ExternRef)
    }

    /// Whether values of `self` are values of `other`.
    pub fn matches(&self, other: &ValType) -> bool {
        self == other
    }

    pub(crate) fn to_wasm(self) -> WasmValType {
        match self {
            ValType::I32 => WasmValType::I32,
            ValType::I64 => WasmValType::I64,
            ValType::F32 => WasmValType::F32,
            ValType::F64 => WasmValType::F64,
            ValType::V128 => WasmValType::V128,
            ValType::Ref(r) => WasmValType::Ref(r.to_wasm()),
        }
    }

    pub(crate) fn from_wasm(ty: WasmValType) -> ValType {
        match ty {
            WasmValType::I32 => ValType::I32,
            WasmValType::I64 => ValType::I64,
            WasmValType::F32 => ValType::F32,
            WasmValType::F64 => ValType::F64,
            WasmValType::V128 => ValType::V128,
            WasmValType::Ref(r) => ValType::Ref(RefType::from_wasm(r)),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}

/// The type of a function, registered with an engine.
#[derive(Clone)]
pub struct FuncType {
    ty: Arc<WasmFuncType>,
    index: VMSharedTypeIndex,
}

impl FuncType {
    /// Creates a function type.
    pub fn new(
        engine: &Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        let ty = WasmFuncType::new(
            params.into_iter().map(|t| t.to_wasm()).collect::<Vec<_>>(),
            results.into_iter().map(|t| t.to_wasm()).collect::<Vec<_>>(),
        );
        engine.func_type(ty)
    }

    pub(crate) fn from_registered(ty: Arc<WasmFuncType>, index: VMSharedTypeIndex) -> FuncType {
        FuncType { ty, index }
    }

    /// Parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.ty.params.iter().map(|t| ValType::from_wasm(*t))
    }

    /// Result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.ty.results.iter().map(|t| ValType::from_wasm(*t))
    }

    /// Parameter type `i`.
    pub fn param(&self, i: usize) -> Option<ValType> {
        self.ty.params.get(i).map(|t| ValType::from_wasm(*t))
    }

    /// Result type `i`.
    pub fn result(&self, i: usize) -> Option<ValType> {
        self.ty.results.get(i).map(|t| ValType::from_wasm(*t))
    }

    /// Whether `self` and `other` are the same type.
    pub fn matches(&self, other: &FuncType) -> bool {
        self.index == other.index
    }

    pub(crate) fn wasm(&self) -> &WasmFuncType {
        &self.ty
    }

    pub(crate) fn type_index(&self) -> VMSharedTypeIndex {
        self.index
    }
}

impl PartialEq for FuncType {
    fn eq(&self, other: &Self) -> bool {
        self.ty == other.ty
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FuncType({})", self.ty)
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ty.fmt(f)
    }
}

/// The type of a global.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// Creates a global type.
    pub fn new(content: ValType, mutability: Mutability) -> GlobalType {
        GlobalType {
            content,
            mutability,
        }
    }

    /// The value type.
    pub fn content(&self) -> &ValType {
        &self.content
    }

    /// The mutability.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    pub(crate) fn to_wasm(&self) -> EnvGlobal {
        EnvGlobal {
            ty: self.content.to_wasm(),
            mutable: self.mutability == Mutability::Var,
        }
    }

    pub(crate) fn from_wasm(g: &EnvGlobal) -> GlobalType {
        GlobalType::new(
            ValType::from_wasm(g.ty),
            if g.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
        )
    }
}

impl fmt::Display for GlobalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mutability {
            Mutability::Const => write!(f, "(global {})", self.content),
            Mutability::Var => write!(f, "(global (mut {}))", self.content),
        }
    }
}

/// The type of a table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    pub(crate) ty: EnvTable,
}

impl TableType {
    /// Creates a table type.
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> TableType {
        TableType {
            ty: EnvTable {
                element: element.to_wasm(),
                minimum: min as u64,
                maximum: max.map(|m| m as u64),
            },
        }
    }

    /// The element type.
    pub fn element(&self) -> &RefType {
        match self.ty.element {
            WasmRefType::FuncRef => &RefType::FUNCREF,
            WasmRefType::ExternRef => &RefType::EXTERNREF,
            WasmRefType::ExnRef => &RefType::EXNREF,
        }
    }

    /// Minimum size.
    pub fn minimum(&self) -> u64 {
        self.ty.minimum
    }

    /// Maximum size.
    pub fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }
}

impl fmt::Display for TableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(table {}", self.ty.minimum)?;
        if let Some(m) = self.ty.maximum {
            write!(f, " {m}")?;
        }
        write!(f, " {})", self.element())
    }
}

/// The type of a linear memory.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    pub(crate) ty: EnvMemory,
}

impl MemoryType {
    /// Creates a 32-bit memory type with sizes in 64 KiB pages.
    pub fn new(minimum: u32, maximum: Option<u32>) -> MemoryType {
        MemoryType {
            ty: EnvMemory {
                minimum: minimum as u64,
                maximum: maximum.map(|m| m as u64),
                shared: false,
                memory64: false,
                page_size_log2: 16,
            },
        }
    }

    /// Creates a shared 32-bit memory type (threads proposal); shared
    /// memories must declare a maximum.
    pub fn shared(minimum: u32, maximum: u32) -> MemoryType {
        let mut ty = MemoryType::new(minimum, Some(maximum));
        ty.ty.shared = true;
        ty
    }

    /// Minimum size in pages.
    pub fn minimum(&self) -> u64 {
        self.ty.minimum
    }

    /// Maximum size in pages.
    pub fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }

    /// Whether the memory uses 64-bit indices.
    pub fn is_64(&self) -> bool {
        self.ty.memory64
    }

    /// Whether the memory is shared.
    pub fn is_shared(&self) -> bool {
        self.ty.shared
    }

    /// Page size in bytes.
    pub fn page_size(&self) -> u64 {
        self.ty.page_size()
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(memory {}", self.ty.minimum)?;
        if let Some(m) = self.ty.maximum {
            write!(f, " {m}")?;
        }
        if self.ty.shared {
            f.write_str(" shared")?;
        }
        f.write_str(")")
    }
}

/// The type of an external item.
#[derive(Clone, Debug)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// A tag.
    Tag(crate::TagType),
}

impl ExternType {
    /// The function type, if this is one.
    pub fn func(&self) -> Option<&FuncType> {
        match self {
            ExternType::Func(f) => Some(f),
            _ => None,
        }
    }
    /// The global type, if this is one.
    pub fn global(&self) -> Option<&GlobalType> {
        match self {
            ExternType::Global(f) => Some(f),
            _ => None,
        }
    }
    /// The table type, if this is one.
    pub fn table(&self) -> Option<&TableType> {
        match self {
            ExternType::Table(f) => Some(f),
            _ => None,
        }
    }
    /// The memory type, if this is one.
    pub fn memory(&self) -> Option<&MemoryType> {
        match self {
            ExternType::Memory(f) => Some(f),
            _ => None,
        }
    }
    /// The function type; panics otherwise.
    pub fn unwrap_func(&self) -> &FuncType {
        self.func().expect("not a func")
    }
    /// The global type; panics otherwise.
    pub fn unwrap_global(&self) -> &GlobalType {
        self.global().expect("not a global")
    }
    /// The table type; panics otherwise.
    pub fn unwrap_table(&self) -> &TableType {
        self.table().expect("not a table")
    }
    /// The memory type; panics otherwise.
    pub fn unwrap_memory(&self) -> &MemoryType {
        self.memory().expect("not a memory")
    }

    pub(crate) fn from_entity(engine: &Engine, module: &EnvModule, ty: &EntityType) -> ExternType {
        match ty {
            EntityType::Function(t) => ExternType::Func(engine.func_type(module.types[*t].clone())),
            EntityType::Table(t) => ExternType::Table(TableType { ty: *t }),
            EntityType::Memory(m) => ExternType::Memory(MemoryType { ty: *m }),
            EntityType::Tag(t) => ExternType::Tag(crate::TagType::new(
                engine.func_type(module.types[*t].clone()),
            )),
            EntityType::Global(g) => ExternType::Global(GlobalType::from_wasm(g)),
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => t.fmt(f),
            ExternType::Global(t) => t.fmt(f),
            ExternType::Table(t) => t.fmt(f),
            ExternType::Memory(t) => t.fmt(f),
            ExternType::Tag(t) => t.fmt(f),
        }
    }
}

impl From<FuncType> for ExternType {
    fn from(t: FuncType) -> Self {
        ExternType::Func(t)
    }
}
impl From<GlobalType> for ExternType {
    fn from(t: GlobalType) -> Self {
        ExternType::Global(t)
    }
}
impl From<TableType> for ExternType {
    fn from(t: TableType) -> Self {
        ExternType::Table(t)
    }
}
impl From<MemoryType> for ExternType {
    fn from(t: MemoryType) -> Self {
        ExternType::Memory(t)
    }
}

/// An import of a module, as returned by `Module::imports`.
#[derive(Clone, Debug)]
pub struct ImportType<'module> {
    pub(crate) module: &'module str,
    pub(crate) name: &'module str,
    pub(crate) ty: ExternType,
}

impl<'module> ImportType<'module> {
    /// The module name.
    pub fn module(&self) -> &'module str {
        self.module
    }
    /// The field name.
    pub fn name(&self) -> &'module str {
        self.name
    }
    /// The expected type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// An export of a module, as returned by `Module::exports`.
#[derive(Clone, Debug)]
pub struct ExportType<'module> {
    pub(crate) name: &'module str,
    pub(crate) ty: ExternType,
}

impl<'module> ExportType<'module> {
    /// The export name.
    pub fn name(&self) -> &'module str {
        self.name
    }
    /// The type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}
