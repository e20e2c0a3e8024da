//! The types of externs (functions, globals, tables, memories) and the
//! import and export descriptors of a module.

use super::*;

/// The type of a function, registered with an engine.
#[derive(Clone)]
pub struct FuncType {
    ty: Arc<WasmFuncType>,
    pub(super) index: VMSharedTypeIndex,
    engine: Engine,
}

impl FuncType {
    /// Creates a function type.
    pub fn new(
        engine: &Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        let params: Vec<ValType> = params.into_iter().collect();
        let results: Vec<ValType> = results.into_iter().collect();
        // As in Wasmtime, a type of another engine here is a programming
        // error (its id would name something else in this engine).
        assert!(
            params
                .iter()
                .chain(&results)
                .all(|t| t.comes_from_same_engine(engine)),
            "FuncType::new: a parameter or result type belongs to another engine"
        );
        let ty = WasmFuncType::new(
            params.into_iter().map(|t| t.to_wasm()).collect::<Vec<_>>(),
            results.into_iter().map(|t| t.to_wasm()).collect::<Vec<_>>(),
        );
        engine.func_type(ty)
    }

    pub(crate) fn from_registered(
        ty: Arc<WasmFuncType>,
        index: VMSharedTypeIndex,
        engine: Engine,
    ) -> FuncType {
        FuncType { ty, index, engine }
    }

    fn val(&self, t: WasmValType) -> ValType {
        ValType::from_wasm(t, &self.engine)
    }

    /// The engine this type is registered with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Parameter types.
    pub fn params(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.ty.params.iter().map(|t| self.val(*t))
    }

    /// Result types.
    pub fn results(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.ty.results.iter().map(|t| self.val(*t))
    }

    /// Parameter type `i`.
    pub fn param(&self, i: usize) -> Option<ValType> {
        self.ty.params.get(i).map(|t| self.val(*t))
    }

    /// Result type `i`.
    pub fn result(&self, i: usize) -> Option<ValType> {
        self.ty.results.get(i).map(|t| self.val(*t))
    }

    /// Whether `self` is `other` or a declared subtype of it.
    pub fn matches(&self, other: &FuncType) -> bool {
        Engine::same(&self.engine, &other.engine) && self.engine.is_subtype(self.index, other.index)
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &FuncType, b: &FuncType) -> bool {
        Engine::same(&a.engine, &b.engine) && a.index == b.index
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
        FuncType::eq(self, other)
    }
}

impl Eq for FuncType {}

impl std::hash::Hash for FuncType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state)
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

    pub(crate) fn from_wasm(g: &EnvGlobal, engine: &Engine) -> GlobalType {
        GlobalType::new(
            ValType::from_wasm(g.ty, engine),
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
    element: RefType,
}

impl TableType {
    /// Creates a table type.
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> TableType {
        TableType {
            ty: EnvTable {
                element: element.to_wasm(),
                minimum: min as u64,
                maximum: max.map(|m| m as u64),
                table64: false,
            },
            element,
        }
    }

    /// Creates a table type indexed with 64-bit indices (memory64 proposal).
    pub fn new64(element: RefType, min: u64, max: Option<u64>) -> TableType {
        TableType {
            ty: EnvTable {
                element: element.to_wasm(),
                minimum: min,
                maximum: max,
                table64: true,
            },
            element,
        }
    }

    /// Whether the table uses 64-bit indices.
    pub fn is_64(&self) -> bool {
        self.ty.table64
    }

    /// The element type.
    pub fn element(&self) -> &RefType {
        &self.element
    }

    /// A table type from a canonical (engine-level) description.
    pub(crate) fn from_wasm(ty: EnvTable, engine: &Engine) -> TableType {
        TableType {
            element: RefType::from_wasm(ty.element, engine),
            ty,
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
        f.write_str("(table ")?;
        if self.ty.table64 {
            f.write_str("i64 ")?;
        }
        write!(f, "{}", self.ty.minimum)?;
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

    /// Creates a 64-bit memory type (memory64 proposal) with sizes in
    /// 64 KiB pages.
    pub fn new64(minimum: u64, maximum: Option<u64>) -> MemoryType {
        MemoryType {
            ty: EnvMemory {
                minimum,
                maximum,
                shared: false,
                memory64: true,
                page_size_log2: 16,
            },
        }
    }

    /// A builder for memory types with any combination of settings.
    pub fn builder() -> MemoryTypeBuilder {
        MemoryTypeBuilder::new()
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

    /// log2 of the page size in bytes (16 unless the custom-page-sizes
    /// proposal chose another size).
    pub fn page_size_log2(&self) -> u8 {
        self.ty.page_size_log2
    }
}

/// Builds a [`MemoryType`] step by step: by default 0 pages minimum, no
/// maximum, 32-bit indices, not shared, 64 KiB pages.
#[derive(Clone, Debug)]
pub struct MemoryTypeBuilder {
    ty: EnvMemory,
}

impl Default for MemoryTypeBuilder {
    fn default() -> Self {
        MemoryTypeBuilder::new()
    }
}

impl MemoryTypeBuilder {
    /// A builder with the default settings.
    pub fn new() -> MemoryTypeBuilder {
        MemoryTypeBuilder {
            ty: EnvMemory {
                minimum: 0,
                maximum: None,
                shared: false,
                memory64: false,
                page_size_log2: 16,
            },
        }
    }

    /// Sets the minimum size, in pages.
    pub fn min(&mut self, minimum: u64) -> &mut Self {
        self.ty.minimum = minimum;
        self
    }

    /// Sets the maximum size, in pages.
    pub fn max(&mut self, maximum: Option<u64>) -> &mut Self {
        self.ty.maximum = maximum;
        self
    }

    /// Sets whether the memory uses 64-bit indices.
    pub fn memory64(&mut self, memory64: bool) -> &mut Self {
        self.ty.memory64 = memory64;
        self
    }

    /// Sets whether the memory is shared.
    pub fn shared(&mut self, shared: bool) -> &mut Self {
        self.ty.shared = shared;
        self
    }

    /// Sets log2 of the page size: 16 (64 KiB, the default) or 0 (one
    /// byte, custom-page-sizes proposal).
    pub fn page_size_log2(&mut self, page_size_log2: u8) -> &mut Self {
        self.ty.page_size_log2 = page_size_log2;
        self
    }

    /// The memory type, or an error if the settings are inconsistent: a
    /// page size other than 1 byte or 64 KiB, a minimum above the maximum,
    /// sizes beyond what the index type can address, or a shared memory
    /// without a maximum.
    pub fn build(&self) -> anyhow::Result<MemoryType> {
        let ty = self.ty;
        if ty.page_size_log2 != 0 && ty.page_size_log2 != 16 {
            anyhow::bail!(
                "invalid custom page size log2 {}: only 0 and 16 are allowed",
                ty.page_size_log2
            );
        }
        let limit = ty.max_pages_for_index_type();
        if ty.minimum > limit {
            anyhow::bail!("memory minimum size of {} pages is too large", ty.minimum);
        }
        if let Some(max) = ty.maximum {
            if max > limit {
                anyhow::bail!("memory maximum size of {max} pages is too large");
            }
            if ty.minimum > max {
                anyhow::bail!("memory minimum size exceeds its maximum");
            }
        }
        if ty.shared && ty.maximum.is_none() {
            anyhow::bail!("shared memories must have a maximum size");
        }
        Ok(MemoryType { ty })
    }
}

impl fmt::Display for MemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(memory ")?;
        if self.ty.memory64 {
            f.write_str("i64 ")?;
        }
        write!(f, "{}", self.ty.minimum)?;
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

    /// The API type of an import or export of `module`, whose type indices
    /// are canonicalized through the engine's type registry.
    /// `ids` are the module's registered type ids (`Module::type_ids`).
    pub(crate) fn from_entity(
        engine: &Engine,
        ids: &[VMSharedTypeIndex],
        ty: &EntityType,
    ) -> ExternType {
        let mut canon = |i: wasmtime_environ::TypeIndex| WasmTypeRef::Engine(ids[i.index()]);
        match ty {
            EntityType::Function(t) => ExternType::Func(engine.func_type_of(ids[t.index()])),
            EntityType::Table(t) => {
                let mut t = *t;
                t.element = t.element.map_type_refs(&mut canon);
                ExternType::Table(TableType::from_wasm(t, engine))
            }
            EntityType::Memory(m) => ExternType::Memory(MemoryType { ty: *m }),
            EntityType::Global(g) => {
                let mut g = *g;
                g.ty = g.ty.map_type_refs(&mut canon);
                ExternType::Global(GlobalType::from_wasm(&g, engine))
            }
            EntityType::Tag(t) => {
                ExternType::Tag(crate::TagType::new(engine.func_type_of(ids[t.index()])))
            }
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
