//! The description of a translated module.

use crate::*;
use std::collections::BTreeMap;

/// One operator of a constant expression.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[allow(missing_docs)]
pub enum ConstOp {
    I32Const(i32),
    I64Const(i64),
    /// Bits of an f32.
    F32Const(u32),
    /// Bits of an f64.
    F64Const(u64),
    V128Const(u128),
    GlobalGet(GlobalIndex),
    RefNull(WasmRefType),
    RefFunc(FuncIndex),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// `ref.i31`: the i32 on the stack as an i31 reference.
    RefI31,
    /// `any.convert_extern` (the identity on reference words).
    AnyConvertExtern,
    /// `extern.convert_any` (the identity on reference words).
    ExternConvertAny,
    /// `struct.new`: a struct of the type with the fields popped from the
    /// stack (the last field on top).
    StructNew(TypeIndex),
    /// `struct.new_default`: a struct of the type with zeroed fields.
    StructNewDefault(TypeIndex),
    /// `array.new`: the value and the length on the stack.
    ArrayNew(TypeIndex),
    /// `array.new_default`: the length on the stack.
    ArrayNewDefault(TypeIndex),
    /// `array.new_fixed`: that many elements on the stack.
    ArrayNewFixed(TypeIndex, u32),
}

/// A constant expression, evaluated by the runtime at instantiation.
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ConstExpr {
    /// The operators, in order (a stack machine).
    pub ops: Vec<ConstOp>,
}

/// An import of a module.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub field: String,
    /// Index in the corresponding index space that this import fills.
    pub index: EntityIndex,
}

/// An export of a module.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// The exported item.
    pub index: EntityIndex,
}

/// Where an element segment goes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum ElementKind {
    /// Copied into a table at instantiation.
    Active {
        /// Target table.
        table: TableIndex,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Available to `table.init`.
    Passive,
    /// Only declares functions for `ref.func`.
    Declared,
}

/// The contents of an element segment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum ElementItems {
    /// Function indices.
    Functions(Box<[FuncIndex]>),
    /// Constant expressions producing references.
    Expressions(Box<[ConstExpr]>),
}

impl ElementItems {
    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            ElementItems::Functions(f) => f.len(),
            ElementItems::Expressions(e) => e.len(),
        }
    }

    /// True if there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element segment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ElementSegment {
    /// Active, passive or declared.
    pub kind: ElementKind,
    /// Element type.
    pub ty: WasmRefType,
    /// Items.
    pub items: ElementItems,
}

/// Where a data segment goes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum DataKind {
    /// Copied into a memory at instantiation.
    Active {
        /// Target memory.
        memory: MemoryIndex,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Available to `memory.init`.
    Passive,
}

/// A data segment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DataSegment {
    /// Active or passive.
    pub kind: DataKind,
    /// The bytes.
    #[serde(with = "crate::serde_packed::bytes")]
    pub data: Box<[u8]>,
}

/// Everything the compiler and runtime need to know about a module, apart
/// from its function bodies.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Module {
    /// Name from the name section.
    pub name: Option<String>,
    /// The types of the type section (function, struct and array types
    /// with their supertypes).
    pub types: PrimaryMap<TypeIndex, WasmSubType>,
    /// The recursion groups of the type section, in order; together they
    /// cover `types` (a type outside an explicit `rec` is a group of one).
    pub rec_groups: Vec<RecGroupRange>,
    /// Imports in declaration order.
    pub imports: Vec<Import>,
    /// Exports in declaration order.
    pub exports: Vec<Export>,
    /// `exports` by name, built on the first [`Module::export`] lookup
    /// (instantiating a component looks up many exports of big modules by
    /// name); not serialized.
    #[serde(skip)]
    pub export_names: std::sync::OnceLock<rustc_hash::FxHashMap<String, EntityIndex>>,
    /// Type of every function, imports first.
    pub functions: PrimaryMap<FuncIndex, TypeIndex>,
    /// Every table, imports first.
    pub tables: PrimaryMap<TableIndex, Table>,
    /// Every memory, imports first.
    pub memories: PrimaryMap<MemoryIndex, Memory>,
    /// Every global, imports first.
    pub globals: PrimaryMap<GlobalIndex, Global>,
    /// Initial values of defined globals.
    pub global_initializers: PrimaryMap<DefinedGlobalIndex, ConstExpr>,
    /// Initial element value of defined tables (`None`: null).
    pub table_initializers: PrimaryMap<DefinedTableIndex, Option<ConstExpr>>,
    /// Every tag's function type (its parameters are the payload),
    /// imports first.
    pub tags: PrimaryMap<TagIndex, TypeIndex>,
    /// Number of imported tags.
    pub num_imported_tags: usize,
    /// Number of imported functions.
    pub num_imported_funcs: usize,
    /// Number of imported tables.
    pub num_imported_tables: usize,
    /// Number of imported memories.
    pub num_imported_memories: usize,
    /// Number of imported globals.
    pub num_imported_globals: usize,
    /// The start function.
    pub start_func: Option<FuncIndex>,
    /// Element segments.
    pub elements: PrimaryMap<ElemIndex, ElementSegment>,
    /// Data segments.
    pub data: PrimaryMap<DataIndex, DataSegment>,
    /// Function names from the name section.
    pub func_names: BTreeMap<FuncIndex, String>,
    /// Module-relative offset of each defined function's body (its locals
    /// declaration), from which frames' in-function offsets are counted.
    pub func_body_offsets: PrimaryMap<DefinedFuncIndex, u32>,
    /// The module's DWARF, kept only with [`Tunables::parse_wasm_debuginfo`]
    /// (so that modules compiled without it carry nothing extra).
    pub debug_info: Option<Box<WasmDwarf>>,
    /// Whether the module has `.debug_*` sections, kept or not (a backtrace
    /// without source lines then hints at `WASMTIME_BACKTRACE_DETAILS`).
    pub has_dwarf: bool,
}

/// The DWARF custom sections of a module, as the producer wrote them:
/// addresses in them are offsets from the start of the code section's
/// contents (the byte after its size field).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct WasmDwarf {
    /// Module-relative offset of the code section's contents.
    pub code_section_offset: u64,
    /// Each `.debug_*` section by name (e.g. `.debug_info`), in module order.
    pub sections: Vec<(String, DwarfSection)>,
}

/// The bytes of one DWARF section.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct DwarfSection(#[serde(with = "crate::serde_packed::bytes")] pub Box<[u8]>);

impl WasmDwarf {
    /// The contents of section `name` (empty if absent).
    pub fn section(&self, name: &str) -> &[u8] {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[], |(_, s)| &s.0)
    }
}

macro_rules! index_conversions {
    ($space:ident, $defined:ident, $num:ident, $to_def:ident, $from_def:ident, $is_imp:ident) => {
        /// Converts an index-space index to a defined index, or `None` for an import.
        pub fn $to_def(&self, index: $space) -> Option<$defined> {
            index.index().checked_sub(self.$num).map($defined::new)
        }

        /// Converts a defined index to its index-space index.
        pub fn $from_def(&self, index: $defined) -> $space {
            $space::new(self.$num + index.index())
        }

        /// True if `index` refers to an import.
        pub fn $is_imp(&self, index: $space) -> bool {
            index.index() < self.$num
        }
    };
}

impl Module {
    index_conversions!(
        FuncIndex,
        DefinedFuncIndex,
        num_imported_funcs,
        defined_func_index,
        func_index,
        is_imported_function
    );
    index_conversions!(
        TableIndex,
        DefinedTableIndex,
        num_imported_tables,
        defined_table_index,
        table_index,
        is_imported_table
    );
    index_conversions!(
        MemoryIndex,
        DefinedMemoryIndex,
        num_imported_memories,
        defined_memory_index,
        memory_index,
        is_imported_memory
    );
    index_conversions!(
        GlobalIndex,
        DefinedGlobalIndex,
        num_imported_globals,
        defined_global_index,
        global_index,
        is_imported_global
    );
    index_conversions!(
        TagIndex,
        DefinedTagIndex,
        num_imported_tags,
        defined_tag_index,
        tag_index,
        is_imported_tag
    );

    /// The type of function `index`.
    pub fn func_type(&self, index: FuncIndex) -> &WasmFuncType {
        self.types[self.functions[index]].unwrap_func()
    }

    /// The function type at `index` of the type section (validation
    /// guarantees that indices used as function types name one).
    pub fn func_type_at(&self, index: TypeIndex) -> &WasmFuncType {
        self.types[index].unwrap_func()
    }

    /// Whether type `sub` is `sup` or declares it, directly or through its
    /// supertypes, as a supertype (module-level subtyping between defined
    /// types).
    pub fn is_type_subtype(&self, sub: TypeIndex, sup: TypeIndex) -> bool {
        let mut t = Some(sub);
        while let Some(i) = t {
            if i == sup {
                return true;
            }
            t = match self.types.get(i).and_then(|s| s.supertype) {
                Some(WasmTypeRef::Module(j)) if j < i => Some(j),
                _ => None,
            };
        }
        false
    }

    /// Number of defined functions.
    pub fn num_defined_funcs(&self) -> usize {
        self.functions.len() - self.num_imported_funcs
    }

    /// The type of an import or export.
    pub fn type_of(&self, index: EntityIndex) -> EntityType {
        match index {
            EntityIndex::Function(i) => EntityType::Function(self.functions[i]),
            EntityIndex::Table(i) => EntityType::Table(self.tables[i]),
            EntityIndex::Memory(i) => EntityType::Memory(self.memories[i]),
            EntityIndex::Global(i) => EntityType::Global(self.globals[i]),
            EntityIndex::Tag(i) => EntityType::Tag(self.tags[i]),
        }
    }

    /// The defined functions whose `VMFuncRef` compiled code may address
    /// directly (a `ref.func` in a function body computes the slot's
    /// address inline), sorted and without repeats. Validation lets a body
    /// name only functions that occur elsewhere in the module (element
    /// segments, exports, global and table initializers), so those are
    /// the candidates; every other funcref slot is reached only through
    /// the runtime, which fills it on first use.
    pub fn inline_func_refs(&self) -> Vec<DefinedFuncIndex> {
        fn refs(e: &ConstExpr) -> impl Iterator<Item = FuncIndex> + '_ {
            e.ops.iter().filter_map(|op| match op {
                ConstOp::RefFunc(f) => Some(*f),
                _ => None,
            })
        }
        let mut seen = vec![false; self.functions.len()];
        let named = self
            .global_initializers
            .values()
            .chain(self.table_initializers.values().flatten())
            .flat_map(refs)
            .chain(self.exports.iter().filter_map(|e| match e.index {
                EntityIndex::Function(f) => Some(f),
                _ => None,
            }));
        for f in named {
            seen[f.index()] = true;
        }
        for seg in self.elements.values() {
            match &seg.items {
                ElementItems::Functions(fs) => fs.iter().for_each(|f| seen[f.index()] = true),
                ElementItems::Expressions(es) => es
                    .iter()
                    .flat_map(refs)
                    .for_each(|f| seen[f.index()] = true),
            }
        }
        seen.iter()
            .enumerate()
            .skip(self.num_imported_funcs)
            .filter(|(_, s)| **s)
            .map(|(i, _)| DefinedFuncIndex::new(i - self.num_imported_funcs))
            .collect()
    }

    /// Looks up an export by name.
    pub fn export(&self, name: &str) -> Option<EntityIndex> {
        let names = self.export_names.get_or_init(|| {
            self.exports
                .iter()
                .rev()
                .map(|e| (e.name.clone(), e.index))
                .collect()
        });
        // The map is only trusted while it covers every export: modules
        // built by hand push exports after construction.
        if names.len() == self.exports.len() {
            return names.get(name).copied();
        }
        self.exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.index)
    }
}
