//! Parsing and validating a module into a [`ModuleTranslation`].

use crate::*;
use std::collections::HashMap;
use std::fmt;
use wasmparser::{
    BinaryReaderError, FuncToValidate, FunctionBody, KnownCustom, Name, Parser, Payload, TypeRef,
    ValidPayload, Validator, ValidatorResources, WasmFeatures,
};

/// An error translating or compiling a module.
#[derive(Debug, Clone)]
pub enum WasmError {
    /// The module is malformed or invalid.
    InvalidWebAssembly {
        /// The validator's message.
        message: String,
        /// Byte offset in the module.
        offset: usize,
    },
    /// The module uses something this engine does not support.
    Unsupported(String),
    /// An implementation limit was exceeded.
    ImplLimitExceeded,
    /// Any other compilation failure.
    User(String),
}

impl fmt::Display for WasmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmError::InvalidWebAssembly { message, offset } => {
                write!(f, "{message} (at offset 0x{offset:x})")
            }
            WasmError::Unsupported(s) => write!(f, "unsupported feature: {s}"),
            WasmError::ImplLimitExceeded => f.write_str("implementation limit exceeded"),
            WasmError::User(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for WasmError {}

impl From<BinaryReaderError> for WasmError {
    fn from(e: BinaryReaderError) -> Self {
        WasmError::InvalidWebAssembly {
            message: e.message().to_string(),
            offset: e.offset() as usize,
        }
    }
}

/// Result type of translation.
pub type WasmResult<T> = Result<T, WasmError>;

/// A function body awaiting compilation, with the validator state needed to
/// validate it while translating.
pub struct FunctionBodyData<'a> {
    /// The body.
    pub body: FunctionBody<'a>,
    /// Validator for the body.
    pub validator: FuncToValidate<ValidatorResources>,
    /// The body's branch hints (empty unless [`Tunables::branch_hinting`]
    /// is on and the module has some for this function).
    pub branch_hints: BranchHints,
}

/// The result of translating a module.
pub struct ModuleTranslation<'data> {
    /// The module description.
    pub module: Module,
    /// Function bodies of the defined functions.
    pub function_bodies: PrimaryMap<DefinedFuncIndex, FunctionBodyData<'data>>,
}

/// Validates `wasm` entirely (including function bodies) with `features`.
pub fn validate(features: WasmFeatures, wasm: &[u8]) -> WasmResult<()> {
    let translation = translate_module(features, wasm)?;
    for (_, data) in translation.function_bodies {
        let mut validator = data.validator.into_validator(Default::default());
        validator.validate(&data.body)?;
    }
    Ok(())
}

/// Parses and validates a module; function bodies are validated later, as
/// they are compiled (see [`FunctionBodyData::validator`]). Uses the
/// default [`Tunables`]: custom sections other than the name section are
/// ignored.
pub fn translate_module(features: WasmFeatures, wasm: &[u8]) -> WasmResult<ModuleTranslation<'_>> {
    translate_module_with(features, &Tunables::default(), wasm)
}

/// [`translate_module`] honouring the `tunables` that affect translation:
/// with [`Tunables::branch_hinting`], the `metadata.code.branch_hint`
/// section is read into each body's [`FunctionBodyData::branch_hints`]
/// (see `hints.rs` for how malformed hints are treated).
pub fn translate_module_with<'data>(
    features: WasmFeatures,
    tunables: &Tunables,
    wasm: &'data [u8],
) -> WasmResult<ModuleTranslation<'data>> {
    // Module-level sections are validated with GC added (see `gc_guard`),
    // after the guard has rejected every GC construct.
    let mut validator = Validator::new_with_features(crate::gc_guard::module_features(features));
    let mut num_types = 0;
    let mut module = Module::default();
    // The kind of every type of the type section so far (what a concrete
    // reference to it is).
    let mut kinds: Vec<WasmTypeKind> = Vec::new();
    let mut function_bodies = PrimaryMap::new();
    let wasm2_encoding = crate::encoding::wasm2_encoding(features);
    let mut branch_hints = HashMap::new();
    let mut code_section_offset = 0;

    let mut parser = Parser::new(0);
    parser.set_features(features);
    for payload in parser.parse_all(wasm) {
        let payload = payload?;
        if !features.contains(WasmFeatures::GC) {
            crate::gc_guard::check_payload(features, &payload, &mut num_types)?;
        }
        let kind_of = |i: u32| kinds.get(i as usize).copied();
        if let ValidPayload::Func(mut validator, body) = validator.payload(&payload)? {
            // Function bodies are validated with exactly the embedder's
            // features.
            validator.features = features;
            if let Some(rules) = wasm2_encoding {
                crate::encoding::check_function_body(wasm, &body, rules)?;
            }
            module.func_body_offsets.push(body.range().start as u32);
            function_bodies.push(FunctionBodyData {
                body,
                validator,
                branch_hints: BranchHints::default(),
            });
        }
        if wasm2_encoding.is_some_and(|r| r.u32_indices) {
            match &payload {
                Payload::MemorySection(s) => {
                    crate::encoding::check_memory_section(wasm, s.range())?
                }
                Payload::ImportSection(s) => {
                    crate::encoding::check_import_section(wasm, s.range())?
                }
                _ => {}
            }
        }
        match payload {
            Payload::TypeSection(types) => {
                for group in types {
                    let group = group?;
                    let start = module.types.len() as u32;
                    let subs: Vec<_> = group.into_types().collect();
                    // A group may refer to its own later types.
                    for sub in &subs {
                        kinds.push(composite_kind(&sub.composite_type.inner)?);
                    }
                    let kind_of = |i: u32| kinds.get(i as usize).copied();
                    for sub in &subs {
                        module.types.push(sub_type(sub, &kind_of)?);
                    }
                    module.rec_groups.push(RecGroupRange {
                        start: TypeIndex::from_u32(start),
                        len: subs.len() as u32,
                    });
                }
            }
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import?;
                    let index = match import.ty {
                        TypeRef::Func(ty) => {
                            module.num_imported_funcs += 1;
                            EntityIndex::Function(module.functions.push(TypeIndex::from_u32(ty)))
                        }
                        TypeRef::Table(t) => {
                            module.num_imported_tables += 1;
                            EntityIndex::Table(module.tables.push(table_type(&t, &kind_of)?))
                        }
                        TypeRef::Memory(m) => {
                            module.num_imported_memories += 1;
                            EntityIndex::Memory(module.memories.push(memory_type(&m)))
                        }
                        TypeRef::Global(g) => {
                            module.num_imported_globals += 1;
                            EntityIndex::Global(module.globals.push(global_type(&g, &kind_of)?))
                        }
                        TypeRef::Tag(t) => {
                            module.num_imported_tags += 1;
                            EntityIndex::Tag(module.tags.push(TypeIndex::from_u32(t.func_type_idx)))
                        }
                        _ => {
                            return Err(WasmError::Unsupported(format!(
                                "import kind of `{}::{}`",
                                import.module, import.name
                            )))
                        }
                    };
                    module.imports.push(Import {
                        module: import.module.to_string(),
                        field: import.name.to_string(),
                        index,
                    });
                }
            }
            Payload::FunctionSection(funcs) => {
                for ty in funcs {
                    module.functions.push(TypeIndex::from_u32(ty?));
                }
            }
            Payload::TableSection(tables) => {
                for table in tables {
                    let table = table?;
                    module.tables.push(table_type(&table.ty, &kind_of)?);
                    let init = match table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(const_expr_in(&e, &kind_of)?),
                    };
                    module.table_initializers.push(init);
                }
            }
            Payload::MemorySection(memories) => {
                for memory in memories {
                    module.memories.push(memory_type(&memory?));
                }
            }
            Payload::GlobalSection(globals) => {
                for global in globals {
                    let global = global?;
                    module.globals.push(global_type(&global.ty, &kind_of)?);
                    module
                        .global_initializers
                        .push(const_expr_in(&global.init_expr, &kind_of)?);
                }
            }
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export?;
                    let index = match export.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            EntityIndex::Function(FuncIndex::from_u32(export.index))
                        }
                        wasmparser::ExternalKind::Table => {
                            EntityIndex::Table(TableIndex::from_u32(export.index))
                        }
                        wasmparser::ExternalKind::Memory => {
                            EntityIndex::Memory(MemoryIndex::from_u32(export.index))
                        }
                        wasmparser::ExternalKind::Global => {
                            EntityIndex::Global(GlobalIndex::from_u32(export.index))
                        }
                        wasmparser::ExternalKind::Tag => {
                            EntityIndex::Tag(TagIndex::from_u32(export.index))
                        }
                    };
                    module.exports.push(Export {
                        name: export.name.to_string(),
                        index,
                    });
                }
            }
            Payload::StartSection { func, .. } => {
                module.start_func = Some(FuncIndex::from_u32(func));
            }
            Payload::ElementSection(elements) => {
                for element in elements {
                    let element = element?;
                    let kind = match element.kind {
                        wasmparser::ElementKind::Passive => ElementKind::Passive,
                        wasmparser::ElementKind::Declared => ElementKind::Declared,
                        wasmparser::ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => ElementKind::Active {
                            table: TableIndex::from_u32(table_index.unwrap_or(0)),
                            offset: const_expr_in(&offset_expr, &kind_of)?,
                        },
                    };
                    let (ty, items) = match element.items {
                        wasmparser::ElementItems::Functions(funcs) => (
                            WasmRefType::FUNCREF,
                            ElementItems::Functions(
                                funcs
                                    .into_iter()
                                    .map(|f| f.map(FuncIndex::from_u32))
                                    .collect::<Result<_, _>>()?,
                            ),
                        ),
                        wasmparser::ElementItems::Expressions(ty, exprs) => (
                            WasmRefType::from_wasmparser(ty, &kind_of)?,
                            ElementItems::Expressions(
                                exprs
                                    .into_iter()
                                    .map(|e| const_expr_in(&e?, &kind_of))
                                    .collect::<WasmResult<_>>()?,
                            ),
                        ),
                    };
                    module.elements.push(ElementSegment { kind, ty, items });
                }
            }
            Payload::DataSection(data) => {
                for segment in data {
                    let segment = segment?;
                    let kind = match segment.kind {
                        wasmparser::DataKind::Passive => DataKind::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => DataKind::Active {
                            memory: MemoryIndex::from_u32(memory_index),
                            offset: const_expr_in(&offset_expr, &kind_of)?,
                        },
                    };
                    module.data.push(DataSegment {
                        kind,
                        data: segment.data.into(),
                    });
                }
            }
            Payload::CustomSection(section) => match section.as_known() {
                KnownCustom::Name(names) => {
                    // A malformed name section is ignored, as the spec requires.
                    let _ = parse_names(&mut module, names);
                }
                KnownCustom::BranchHints(section) if tunables.branch_hinting => {
                    // Advisory: a malformed section is ignored whole.
                    if let Some(hints) = crate::hints::decode_branch_hints(section) {
                        branch_hints = hints;
                    }
                }
                _ if section.name().starts_with(".debug_") => {
                    module.has_dwarf = true;
                    if tunables.parse_wasm_debuginfo {
                        let dwarf = module.debug_info.get_or_insert_with(Default::default);
                        dwarf.sections.push((
                            section.name().to_string(),
                            DwarfSection(section.data().into()),
                        ));
                    }
                }
                _ => {}
            },
            Payload::CodeSectionStart {
                unchecked_range, ..
            } => {
                code_section_offset = unchecked_range.start;
            }
            Payload::TagSection(tags) => {
                for tag in tags {
                    module.tags.push(TypeIndex::from_u32(tag?.func_type_idx));
                }
            }
            _ => {}
        }
    }

    if let Some(dwarf) = &mut module.debug_info {
        dwarf.code_section_offset = code_section_offset;
    }

    // The section may come before or after the code section.
    for (func, hints) in branch_hints {
        let body = module
            .defined_func_index(func)
            .and_then(|i| function_bodies.get_mut(i));
        if let Some(body) = body {
            body.branch_hints = hints;
        }
    }

    Ok(ModuleTranslation {
        module,
        function_bodies,
    })
}

fn parse_names(module: &mut Module, names: wasmparser::NameSectionReader<'_>) -> WasmResult<()> {
    for name in names {
        match name? {
            Name::Module { name, .. } => module.name = Some(name.to_string()),
            Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    // A name for a function that does not exist (the section
                    // is not validated) is ignored like any malformed name.
                    if (naming.index as usize) < module.functions.len() {
                        module
                            .func_names
                            .insert(FuncIndex::from_u32(naming.index), naming.name.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Which kind of type a module type index names (`None`: out of range).
type KindOf<'a> = dyn Fn(u32) -> Option<WasmTypeKind> + 'a;

fn composite_kind(t: &wasmparser::CompositeInnerType) -> WasmResult<WasmTypeKind> {
    match t {
        wasmparser::CompositeInnerType::Func(_) => Ok(WasmTypeKind::Func),
        wasmparser::CompositeInnerType::Struct(_) => Ok(WasmTypeKind::Struct),
        wasmparser::CompositeInnerType::Array(_) => Ok(WasmTypeKind::Array),
        wasmparser::CompositeInnerType::Cont(_) => Ok(WasmTypeKind::Cont),
    }
}

fn field_type(f: &wasmparser::FieldType, kind_of: &KindOf<'_>) -> WasmResult<WasmFieldType> {
    Ok(WasmFieldType {
        element: match f.element_type {
            wasmparser::StorageType::I8 => WasmStorageType::I8,
            wasmparser::StorageType::I16 => WasmStorageType::I16,
            wasmparser::StorageType::Val(v) => {
                WasmStorageType::Val(WasmValType::from_wasmparser(v, kind_of)?)
            }
        },
        mutable: f.mutable,
    })
}

fn sub_type(sub: &wasmparser::SubType, kind_of: &KindOf<'_>) -> WasmResult<WasmSubType> {
    let vals = |ts: &[wasmparser::ValType]| {
        ts.iter()
            .map(|t| WasmValType::from_wasmparser(*t, kind_of))
            .collect::<WasmResult<Vec<_>>>()
    };
    if sub.composite_type.shared
        || sub.composite_type.descriptor_idx.is_some()
        || sub.composite_type.describes_idx.is_some()
    {
        return Err(WasmError::Unsupported(
            "shared types and custom descriptors are not supported".into(),
        ));
    }
    let composite = match &sub.composite_type.inner {
        wasmparser::CompositeInnerType::Func(f) => {
            WasmCompositeType::Func(WasmFuncType::new(vals(f.params())?, vals(f.results())?))
        }
        wasmparser::CompositeInnerType::Struct(s) => WasmCompositeType::Struct(WasmStructType {
            fields: s
                .fields
                .iter()
                .map(|f| field_type(f, kind_of))
                .collect::<WasmResult<_>>()?,
        }),
        wasmparser::CompositeInnerType::Array(a) => {
            WasmCompositeType::Array(WasmArrayType(field_type(&a.0, kind_of)?))
        }
        wasmparser::CompositeInnerType::Cont(c) => match c.0.as_module_index() {
            Some(i) => WasmCompositeType::Cont(WasmTypeRef::Module(TypeIndex::from_u32(i))),
            None => {
                return Err(WasmError::Unsupported(
                    "continuation type of a type outside the module".into(),
                ))
            }
        },
    };
    let supertype = match sub.supertype_idxs.first() {
        Some(i) => match i.as_module_index() {
            Some(i) => Some(WasmTypeRef::Module(TypeIndex::from_u32(i))),
            None => {
                return Err(WasmError::Unsupported(
                    "supertype outside the module".into(),
                ))
            }
        },
        None => None,
    };
    Ok(WasmSubType {
        is_final: sub.is_final,
        supertype,
        composite,
    })
}

pub(crate) fn table_type(t: &wasmparser::TableType, kind_of: &KindOf<'_>) -> WasmResult<Table> {
    Ok(Table {
        element: WasmRefType::from_wasmparser(t.element_type, kind_of)?,
        minimum: t.initial,
        maximum: t.maximum,
        table64: t.table64,
    })
}

pub(crate) fn memory_type(m: &wasmparser::MemoryType) -> Memory {
    Memory {
        minimum: m.initial,
        maximum: m.maximum,
        shared: m.shared,
        memory64: m.memory64,
        page_size_log2: m.page_size_log2.map(|p| p as u8).unwrap_or(16),
    }
}

pub(crate) fn global_type(g: &wasmparser::GlobalType, kind_of: &KindOf<'_>) -> WasmResult<Global> {
    Ok(Global {
        ty: WasmValType::from_wasmparser(g.content_type, kind_of)?,
        mutable: g.mutable,
    })
}

/// Converts a wasmparser constant expression of a module without concrete
/// struct or array types (a concrete `ref.null` is taken for a function
/// type).
pub fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> WasmResult<ConstExpr> {
    const_expr_in(expr, &|_| Some(WasmTypeKind::Func))
}

/// Converts a wasmparser constant expression; `kind_of` tells the kind of
/// each module type.
fn const_expr_in(expr: &wasmparser::ConstExpr<'_>, kind_of: &KindOf<'_>) -> WasmResult<ConstExpr> {
    use wasmparser::Operator as O;
    let mut ops = Vec::new();
    for op in expr.get_operators_reader() {
        let op = match op? {
            O::I32Const { value } => ConstOp::I32Const(value),
            O::I64Const { value } => ConstOp::I64Const(value),
            O::F32Const { value } => ConstOp::F32Const(value.bits()),
            O::F64Const { value } => ConstOp::F64Const(value.bits()),
            O::V128Const { value } => ConstOp::V128Const(u128::from_le_bytes(*value.bytes())),
            O::GlobalGet { global_index } => {
                ConstOp::GlobalGet(GlobalIndex::from_u32(global_index))
            }
            O::RefNull { hty } => ConstOp::RefNull(
                match wasmparser::RefType::new(true, hty)
                    .map(|r| WasmRefType::from_wasmparser(r, kind_of))
                {
                    Some(Ok(r)) => r,
                    _ => WasmRefType::FUNCREF,
                },
            ),
            O::RefFunc { function_index } => ConstOp::RefFunc(FuncIndex::from_u32(function_index)),
            O::I32Add => ConstOp::I32Add,
            O::I32Sub => ConstOp::I32Sub,
            O::I32Mul => ConstOp::I32Mul,
            O::I64Add => ConstOp::I64Add,
            O::I64Sub => ConstOp::I64Sub,
            O::I64Mul => ConstOp::I64Mul,
            O::RefI31 => ConstOp::RefI31,
            O::AnyConvertExtern => ConstOp::AnyConvertExtern,
            O::ExternConvertAny => ConstOp::ExternConvertAny,
            O::StructNew { struct_type_index } => {
                ConstOp::StructNew(TypeIndex::from_u32(struct_type_index))
            }
            O::StructNewDefault { struct_type_index } => {
                ConstOp::StructNewDefault(TypeIndex::from_u32(struct_type_index))
            }
            O::ArrayNew { array_type_index } => {
                ConstOp::ArrayNew(TypeIndex::from_u32(array_type_index))
            }
            O::ArrayNewDefault { array_type_index } => {
                ConstOp::ArrayNewDefault(TypeIndex::from_u32(array_type_index))
            }
            O::ArrayNewFixed {
                array_type_index,
                array_size,
            } => ConstOp::ArrayNewFixed(TypeIndex::from_u32(array_type_index), array_size),
            O::End => break,
            other => {
                return Err(WasmError::Unsupported(format!(
                    "constant expression operator {other:?}"
                )))
            }
        };
        ops.push(op);
    }
    Ok(ConstExpr { ops })
}
