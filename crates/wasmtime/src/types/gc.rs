//! The GC proposal's type descriptors: struct and array types, their
//! fields (`FieldType`, `StorageType`) and `Finality`. Like function types
//! they are registered with an engine, which identifies them by the
//! structure of their recursion group.

use super::*;
use anyhow::{bail, Result};
use wasmtime_environ::{
    WasmArrayType, WasmCompositeType, WasmFieldType, WasmStorageType, WasmStructType, WasmSubType,
};

/// Whether a defined type may have subtypes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Finality {
    /// No type may declare it as supertype.
    Final,
    /// Types may declare it as supertype.
    NonFinal,
}

impl Finality {
    /// True for [`Finality::Final`].
    pub fn is_final(&self) -> bool {
        matches!(self, Finality::Final)
    }

    /// True for [`Finality::NonFinal`].
    pub fn is_non_final(&self) -> bool {
        !self.is_final()
    }
}

/// The storage type of a field: a value type or a packed integer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// An 8-bit packed integer.
    I8,
    /// A 16-bit packed integer.
    I16,
    /// A value type.
    ValType(ValType),
}

impl From<ValType> for StorageType {
    fn from(v: ValType) -> StorageType {
        StorageType::ValType(v)
    }
}

impl From<RefType> for StorageType {
    fn from(r: RefType) -> StorageType {
        StorageType::ValType(ValType::Ref(r))
    }
}

impl StorageType {
    /// True for `i8`.
    pub fn is_i8(&self) -> bool {
        matches!(self, StorageType::I8)
    }

    /// True for `i16`.
    pub fn is_i16(&self) -> bool {
        matches!(self, StorageType::I16)
    }

    /// Whether this is a value type.
    pub fn is_val_type(&self) -> bool {
        matches!(self, StorageType::ValType(_))
    }

    /// The value type, if this is one.
    pub fn as_val_type(&self) -> Option<&ValType> {
        match self {
            StorageType::ValType(t) => Some(t),
            _ => None,
        }
    }

    /// The value type; panics for packed types.
    pub fn unwrap_val_type(&self) -> &ValType {
        self.as_val_type().expect("not a value type")
    }

    /// The value type this storage type reads as (`i32` for packed types).
    pub fn unpack(&self) -> &ValType {
        match self {
            StorageType::I8 | StorageType::I16 => &ValType::I32,
            StorageType::ValType(t) => t,
        }
    }

    /// Whether `self` matches `other`: equal packed types, or value
    /// subtyping.
    pub fn matches(&self, other: &StorageType) -> bool {
        match (self, other) {
            (StorageType::ValType(a), StorageType::ValType(b)) => a.matches(b),
            (a, b) => a == b,
        }
    }

    /// Whether `a` and `b` are the same storage type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &StorageType, b: &StorageType) -> bool {
        a.matches(b) && b.matches(a)
    }

    pub(crate) fn to_wasm(&self) -> WasmStorageType {
        match self {
            StorageType::I8 => WasmStorageType::I8,
            StorageType::I16 => WasmStorageType::I16,
            StorageType::ValType(v) => WasmStorageType::Val(v.to_wasm()),
        }
    }

    pub(crate) fn from_wasm(ty: WasmStorageType, engine: &Engine) -> StorageType {
        match ty {
            WasmStorageType::I8 => StorageType::I8,
            WasmStorageType::I16 => StorageType::I16,
            WasmStorageType::Val(v) => StorageType::ValType(ValType::from_wasm(v, engine)),
        }
    }

    fn comes_from_same_engine(&self, engine: &Engine) -> bool {
        self.as_val_type()
            .is_none_or(|v| v.comes_from_same_engine(engine))
    }
}

impl fmt::Display for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageType::I8 => f.write_str("i8"),
            StorageType::I16 => f.write_str("i16"),
            StorageType::ValType(t) => t.fmt(f),
        }
    }
}

/// The type of a struct field, array element or exception payload value:
/// mutability and storage type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldType {
    mutability: Mutability,
    element_type: StorageType,
}

impl FieldType {
    /// A field type.
    pub fn new(mutability: Mutability, element_type: StorageType) -> FieldType {
        FieldType {
            mutability,
            element_type,
        }
    }

    /// The field's mutability.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    /// The field's storage type.
    pub fn element_type(&self) -> &StorageType {
        &self.element_type
    }

    /// Field subtyping: an immutable field is covariant, a mutable one
    /// invariant.
    pub fn matches(&self, other: &FieldType) -> bool {
        match (self.mutability, other.mutability) {
            (Mutability::Const, Mutability::Const) => {
                self.element_type.matches(&other.element_type)
            }
            (Mutability::Var, Mutability::Var) => {
                StorageType::eq(&self.element_type, &other.element_type)
            }
            _ => false,
        }
    }

    /// Whether `a` and `b` are the same field type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &FieldType, b: &FieldType) -> bool {
        a.matches(b) && b.matches(a)
    }

    pub(crate) fn to_wasm(&self) -> WasmFieldType {
        WasmFieldType {
            element: self.element_type.to_wasm(),
            mutable: self.mutability == Mutability::Var,
        }
    }

    pub(crate) fn from_wasm(ty: WasmFieldType, engine: &Engine) -> FieldType {
        FieldType {
            mutability: if ty.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
            element_type: StorageType::from_wasm(ty.element, engine),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mutability {
            Mutability::Var => write!(f, "(mut {})", self.element_type),
            Mutability::Const => self.element_type.fmt(f),
        }
    }
}

/// Checks a new type against its declared supertype: the supertype must
/// be of the same engine and non-final, and `ty` must match it
/// structurally (`check`).
fn check_supertype(
    engine: &Engine,
    supertype: Option<(&Engine, VMSharedTypeIndex)>,
    check: impl FnOnce(&WasmSubType) -> bool,
) -> Result<Option<WasmTypeRef>> {
    let Some((sup_engine, sup)) = supertype else {
        return Ok(None);
    };
    if !Engine::same(engine, sup_engine) {
        bail!("the supertype belongs to another engine");
    }
    let sup_ty = engine.sub_type_of(sup);
    if sup_ty.is_final {
        bail!("the supertype is final");
    }
    if !check(&sup_ty) {
        bail!("the type does not match its supertype structurally");
    }
    Ok(Some(WasmTypeRef::Engine(sup)))
}

/// A struct type, registered with an engine.
#[derive(Clone)]
pub struct StructType {
    engine: Engine,
    index: VMSharedTypeIndex,
    ty: Arc<WasmSubType>,
}

impl StructType {
    /// A final struct type without supertype.
    pub fn new(engine: &Engine, fields: impl IntoIterator<Item = FieldType>) -> Result<Self> {
        Self::with_finality_and_supertype(engine, Finality::Final, None, fields)
    }

    /// A struct type with the given finality and supertype; errors if the
    /// supertype is final, of another engine, or not matched by `fields`
    /// (a prefix of matching fields).
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&StructType>,
        fields: impl IntoIterator<Item = FieldType>,
    ) -> Result<Self> {
        let fields: Vec<FieldType> = fields.into_iter().collect();
        if !fields
            .iter()
            .all(|f| f.element_type.comes_from_same_engine(engine))
        {
            bail!("a field type belongs to another engine");
        }
        let sup =
            check_supertype(
                engine,
                supertype.map(|s| (&s.engine, s.index)),
                |_| match supertype {
                    Some(s) => {
                        let theirs: Vec<FieldType> = s.fields().collect();
                        theirs.len() <= fields.len()
                            && theirs.iter().zip(&fields).all(|(t, m)| m.matches(t))
                    }
                    None => true,
                },
            )?;
        let ty = WasmSubType {
            is_final: finality.is_final(),
            supertype: sup,
            composite: WasmCompositeType::Struct(WasmStructType {
                fields: fields.iter().map(|f| f.to_wasm()).collect(),
            }),
        };
        let index = engine.register_sub_type(ty);
        Ok(Self::from_registered(engine, index))
    }

    /// The resolved struct description (every reference an engine id).
    pub(crate) fn wasm_struct(&self) -> &WasmStructType {
        match &self.ty.composite {
            WasmCompositeType::Struct(s) => s,
            _ => unreachable!("a struct type"),
        }
    }

    pub(crate) fn from_registered(engine: &Engine, index: VMSharedTypeIndex) -> StructType {
        StructType {
            engine: engine.clone(),
            index,
            ty: engine.sub_type_of(index),
        }
    }

    fn wasm(&self) -> &WasmStructType {
        match &self.ty.composite {
            WasmCompositeType::Struct(s) => s,
            _ => unreachable!("a registered struct type"),
        }
    }

    /// The engine this type is registered with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the type may have subtypes.
    pub fn finality(&self) -> Finality {
        if self.ty.is_final {
            Finality::Final
        } else {
            Finality::NonFinal
        }
    }

    /// The declared supertype.
    pub fn supertype(&self) -> Option<StructType> {
        match self.ty.supertype {
            Some(WasmTypeRef::Engine(i)) => Some(Self::from_registered(&self.engine, i)),
            _ => None,
        }
    }

    /// Field `i`.
    pub fn field(&self, i: usize) -> Option<FieldType> {
        self.wasm()
            .fields
            .get(i)
            .map(|f| FieldType::from_wasm(*f, &self.engine))
    }

    /// The fields in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldType> + '_ {
        self.wasm()
            .fields
            .iter()
            .map(|f| FieldType::from_wasm(*f, &self.engine))
    }

    /// Whether `self` is `other` or declares it, directly or not, as a
    /// supertype.
    pub fn matches(&self, other: &StructType) -> bool {
        Engine::same(&self.engine, &other.engine) && self.engine.is_subtype(self.index, other.index)
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &StructType, b: &StructType) -> bool {
        Engine::same(&a.engine, &b.engine) && a.index == b.index
    }

    pub(crate) fn type_index(&self) -> VMSharedTypeIndex {
        self.index
    }
}

impl PartialEq for StructType {
    fn eq(&self, other: &Self) -> bool {
        StructType::eq(self, other)
    }
}

impl Eq for StructType {}

impl std::hash::Hash for StructType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state)
    }
}

impl fmt::Debug for StructType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StructType({})", self.ty.composite)
    }
}

impl fmt::Display for StructType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ty.composite.fmt(f)
    }
}

/// An array type, registered with an engine.
#[derive(Clone)]
pub struct ArrayType {
    engine: Engine,
    index: VMSharedTypeIndex,
    ty: Arc<WasmSubType>,
}

impl ArrayType {
    /// A final array type without supertype. Panics if the element type
    /// belongs to another engine (as in Wasmtime).
    pub fn new(engine: &Engine, field_type: FieldType) -> Self {
        Self::with_finality_and_supertype(engine, Finality::Final, None, field_type)
            .expect("an array type without supertype")
    }

    /// An array type with the given finality and supertype; errors if the
    /// supertype is final, of another engine, or not matched by
    /// `field_type`.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&ArrayType>,
        field_type: FieldType,
    ) -> Result<Self> {
        assert!(
            field_type.element_type.comes_from_same_engine(engine),
            "ArrayType: the element type belongs to another engine"
        );
        let sup = check_supertype(engine, supertype.map(|s| (&s.engine, s.index)), |_| {
            supertype.is_none_or(|s| field_type.matches(&s.field_type()))
        })?;
        let ty = WasmSubType {
            is_final: finality.is_final(),
            supertype: sup,
            composite: WasmCompositeType::Array(WasmArrayType(field_type.to_wasm())),
        };
        let index = engine.register_sub_type(ty);
        Ok(Self::from_registered(engine, index))
    }

    /// The resolved element description (every reference an engine id).
    pub(crate) fn wasm_element(&self) -> WasmStorageType {
        match &self.ty.composite {
            WasmCompositeType::Array(a) => a.0.element,
            _ => unreachable!("an array type"),
        }
    }

    pub(crate) fn from_registered(engine: &Engine, index: VMSharedTypeIndex) -> ArrayType {
        ArrayType {
            engine: engine.clone(),
            index,
            ty: engine.sub_type_of(index),
        }
    }

    fn wasm(&self) -> WasmArrayType {
        match &self.ty.composite {
            WasmCompositeType::Array(a) => *a,
            _ => unreachable!("a registered array type"),
        }
    }

    /// The engine this type is registered with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the type may have subtypes.
    pub fn finality(&self) -> Finality {
        if self.ty.is_final {
            Finality::Final
        } else {
            Finality::NonFinal
        }
    }

    /// The declared supertype.
    pub fn supertype(&self) -> Option<ArrayType> {
        match self.ty.supertype {
            Some(WasmTypeRef::Engine(i)) => Some(Self::from_registered(&self.engine, i)),
            _ => None,
        }
    }

    /// The element type with its mutability.
    pub fn field_type(&self) -> FieldType {
        FieldType::from_wasm(self.wasm().0, &self.engine)
    }

    /// Whether elements may be written.
    pub fn mutability(&self) -> Mutability {
        self.field_type().mutability()
    }

    /// How elements are stored.
    pub fn element_type(&self) -> StorageType {
        self.field_type().element_type
    }

    /// Whether `self` is `other` or declares it, directly or not, as a
    /// supertype.
    pub fn matches(&self, other: &ArrayType) -> bool {
        Engine::same(&self.engine, &other.engine) && self.engine.is_subtype(self.index, other.index)
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &ArrayType, b: &ArrayType) -> bool {
        Engine::same(&a.engine, &b.engine) && a.index == b.index
    }

    pub(crate) fn type_index(&self) -> VMSharedTypeIndex {
        self.index
    }
}

impl PartialEq for ArrayType {
    fn eq(&self, other: &Self) -> bool {
        ArrayType::eq(self, other)
    }
}

impl Eq for ArrayType {}

impl std::hash::Hash for ArrayType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state)
    }
}

impl fmt::Debug for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ArrayType({})", self.ty.composite)
    }
}

impl fmt::Display for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ty.composite.fmt(f)
    }
}
