//! GC proposal type descriptions: `sub` types with their declared
//! supertype and finality, and the composite types (function, struct,
//! array) they wrap; plus the word-level encoding of references in the
//! internal (`any`) and extern hierarchies, which compiled code, the
//! runtime and the embedding API share.

use crate::{TypeIndex, WasmFuncType, WasmTypeKind, WasmTypeRef, WasmValType};
use std::fmt;

/// How a struct field or array element is stored: a value type, or a
/// packed 8- or 16-bit integer (read back with `_s`/`_u` extension).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum WasmStorageType {
    /// A packed 8-bit integer.
    I8,
    /// A packed 16-bit integer.
    I16,
    /// A full value.
    Val(WasmValType),
}

impl WasmStorageType {
    /// Size in bytes of a stored value.
    pub fn byte_size(&self) -> u32 {
        match self {
            WasmStorageType::I8 => 1,
            WasmStorageType::I16 => 2,
            WasmStorageType::Val(WasmValType::I32 | WasmValType::F32) => 4,
            WasmStorageType::Val(WasmValType::I64 | WasmValType::F64) => 8,
            WasmStorageType::Val(WasmValType::V128) => 16,
            WasmStorageType::Val(WasmValType::Ref(_)) => 8,
        }
    }

    /// Replaces every type reference with `f(reference)`.
    pub fn map_all_type_refs(self, f: &mut impl FnMut(WasmTypeRef) -> WasmTypeRef) -> Self {
        match self {
            WasmStorageType::Val(v) => WasmStorageType::Val(v.map_all_type_refs(f)),
            other => other,
        }
    }
}

/// A struct field or array element type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct WasmFieldType {
    /// How values are stored.
    pub element: WasmStorageType,
    /// Whether `struct.set`/`array.set` may write it.
    pub mutable: bool,
}

/// A struct type: its fields in order.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct WasmStructType {
    /// The fields.
    pub fields: Box<[WasmFieldType]>,
}

/// An array type: its element type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct WasmArrayType(pub WasmFieldType);

/// The structure of a defined type.
#[derive(Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum WasmCompositeType {
    /// A function type.
    Func(WasmFuncType),
    /// A struct type.
    Struct(WasmStructType),
    /// An array type.
    Array(WasmArrayType),
    /// A continuation type (stack-switching proposal): continuations of
    /// the function type it names.
    Cont(WasmTypeRef),
}

impl WasmCompositeType {
    /// The kind of type this is.
    pub fn kind(&self) -> WasmTypeKind {
        match self {
            WasmCompositeType::Func(_) => WasmTypeKind::Func,
            WasmCompositeType::Struct(_) => WasmTypeKind::Struct,
            WasmCompositeType::Array(_) => WasmTypeKind::Array,
            WasmCompositeType::Cont(_) => WasmTypeKind::Cont,
        }
    }
}

/// A defined type: a composite type, whether it is final (no type may
/// declare it as supertype) and its declared supertype, if any.
#[derive(Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct WasmSubType {
    /// Whether subtypes of this type are forbidden.
    pub is_final: bool,
    /// The declared supertype.
    pub supertype: Option<WasmTypeRef>,
    /// The structure.
    pub composite: WasmCompositeType,
}

impl WasmSubType {
    /// A final function type without supertype (every function type of a
    /// module without GC, and every type the embedding API creates).
    pub fn func(ty: WasmFuncType) -> WasmSubType {
        WasmSubType {
            is_final: true,
            supertype: None,
            composite: WasmCompositeType::Func(ty),
        }
    }

    /// The function type, if this is one.
    pub fn as_func(&self) -> Option<&WasmFuncType> {
        match &self.composite {
            WasmCompositeType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The function type; panics otherwise (validation guarantees that
    /// indices used as function types name function types).
    pub fn unwrap_func(&self) -> &WasmFuncType {
        self.as_func().expect("validated: a function type")
    }

    /// The kind of type this is.
    pub fn kind(&self) -> WasmTypeKind {
        self.composite.kind()
    }

    /// Replaces every type reference (in the structure and the supertype)
    /// with `f(reference)`.
    pub fn map_all_type_refs(&self, f: &mut impl FnMut(WasmTypeRef) -> WasmTypeRef) -> Self {
        let composite = match &self.composite {
            WasmCompositeType::Func(t) => WasmCompositeType::Func(WasmFuncType::new(
                t.params
                    .iter()
                    .map(|v| v.map_all_type_refs(f))
                    .collect::<Vec<_>>(),
                t.results
                    .iter()
                    .map(|v| v.map_all_type_refs(f))
                    .collect::<Vec<_>>(),
            )),
            WasmCompositeType::Struct(s) => WasmCompositeType::Struct(WasmStructType {
                fields: s
                    .fields
                    .iter()
                    .map(|fl| WasmFieldType {
                        element: fl.element.map_all_type_refs(f),
                        mutable: fl.mutable,
                    })
                    .collect(),
            }),
            WasmCompositeType::Array(a) => WasmCompositeType::Array(WasmArrayType(WasmFieldType {
                element: a.0.element.map_all_type_refs(f),
                mutable: a.0.mutable,
            })),
            WasmCompositeType::Cont(r) => WasmCompositeType::Cont(f(*r)),
        };
        WasmSubType {
            is_final: self.is_final,
            supertype: self.supertype.map(&mut *f),
            composite,
        }
    }
}

impl fmt::Display for WasmStorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmStorageType::I8 => f.write_str("i8"),
            WasmStorageType::I16 => f.write_str("i16"),
            WasmStorageType::Val(v) => v.fmt(f),
        }
    }
}

impl fmt::Display for WasmFieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mutable {
            write!(f, "(mut {})", self.element)
        } else {
            self.element.fmt(f)
        }
    }
}

impl fmt::Display for WasmCompositeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmCompositeType::Func(t) => t.fmt(f),
            WasmCompositeType::Struct(s) => {
                f.write_str("(struct")?;
                for field in s.fields.iter() {
                    write!(f, " (field {field})")?;
                }
                f.write_str(")")
            }
            WasmCompositeType::Array(a) => write!(f, "(array {})", a.0),
            WasmCompositeType::Cont(r) => write!(f, "(cont {r})"),
        }
    }
}

/// A recursion group of a module's type section: `len` types from `start`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct RecGroupRange {
    /// The group's first type.
    pub start: TypeIndex,
    /// How many types it has.
    pub len: u32,
}

/// The word-level encoding of references of the internal (`any`) and
/// extern hierarchies. A reference is one 64-bit word:
///
/// * `0` is null;
/// * bit 0 set: an `i31`, the value `n` stored as `(n << 1) | 1` in the low
///   32 bits (the upper 32 bits are zero), as Wasmtime encodes i31 in its
///   32-bit GC references, so a 32-bit heap reference can hold it unchanged;
/// * low bits `10`: a host value (`externref` made by the embedder), the
///   index of its slot in the store shifted left by 2, plus 2;
/// * low bits `00`, non-zero: a GC heap object (struct or array), its
///   8-byte-aligned offset in the store's GC heap. Every
///   object starts with the header described by [`gc_header`].
///
/// `extern.convert_any` and `any.convert_extern` are the identity on these
/// words: a host value seen as `anyref` is neither i31 nor an object (it
/// tests as `any` only), and an internal value seen as `externref` is a
/// host value only when its tag says so.
pub mod gc_ref {
    /// The tag bit of an `i31`.
    pub const I31_TAG: u64 = 1;
    /// The low-bit mask distinguishing the three kinds of non-null words.
    pub const KIND_MASK: u64 = 3;
    /// The low bits of a host value.
    pub const HOST_TAG: u64 = 2;

    /// The word of `i31` value `n` (its low 31 bits).
    pub fn from_i31(n: u32) -> u64 {
        (u64::from(n & 0x7fff_ffff) << 1) | I31_TAG
    }

    /// The word of host value slot `index`.
    pub fn from_host_index(index: usize) -> u64 {
        ((index as u64) << 2) | HOST_TAG
    }

    /// The host slot of a word, if it is a host value.
    pub fn host_index(word: u64) -> Option<usize> {
        (word & KIND_MASK == HOST_TAG).then_some((word >> 2) as usize)
    }

    /// The unsigned 31-bit value of a word, if it is an i31.
    pub fn i31_value(word: u64) -> Option<u32> {
        (word & I31_TAG != 0).then_some(((word as u32) >> 1) & 0x7fff_ffff)
    }
}

/// The header every GC heap object starts with (casts to struct and array
/// types read it):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | the object's engine-wide type id (`VMSharedTypeIndex`) |
/// | 4 | 4 | kind (bit 0: struct, bit 1: array) and collector bits |
/// | 8 | 4 | total size in bytes (arrays: then the length at 12) |
///
/// A cast to a concrete type compares the id at offset 0 with the target
/// (and walks the registry's supertype chain when they differ and the
/// target is not final); a cast to `struct` or `array` reads the kind.
pub mod gc_header {
    /// Offset of the object's type id.
    pub const TYPE_ID: u32 = 0;
    /// Offset of the kind and collector bits.
    pub const KIND: u32 = 4;
    /// Offset of the object's size in bytes.
    pub const SIZE: u32 = 8;
    /// Offset of an array's length.
    pub const ARRAY_LEN: u32 = 12;
    /// Kind bit of a struct.
    pub const KIND_STRUCT: u32 = 1;
    /// Kind bit of an array.
    pub const KIND_ARRAY: u32 = 2;
    /// Size of the header: a struct's fields and an array's elements
    /// start here.
    pub const SIZE_OF_HEADER: u32 = 16;
    /// Objects start at multiples of this (so a reference's low two bits
    /// are `00`, see [`gc_ref`](super::gc_ref)).
    pub const ALIGN: u32 = 8;

    use super::{WasmStorageType, WasmStructType};

    /// Field offsets of a struct type (each field aligned to its size, at
    /// most 8) and the object's total size, a multiple of [`ALIGN`].
    pub fn struct_layout(ty: &WasmStructType) -> (Vec<u32>, u32) {
        let mut offsets = Vec::with_capacity(ty.fields.len());
        let mut end = SIZE_OF_HEADER;
        for f in ty.fields.iter() {
            let size = f.element.byte_size();
            let align = size.min(8);
            let at = end.next_multiple_of(align);
            offsets.push(at);
            end = at + size;
        }
        (offsets, end.next_multiple_of(ALIGN))
    }

    /// Total size of an array object of `len` elements of `elem`, a
    /// multiple of [`ALIGN`]; `None` if it exceeds `u32::MAX`.
    pub fn array_size(elem: &WasmStorageType, len: u32) -> Option<u32> {
        let bytes = u64::from(elem.byte_size()) * u64::from(len) + u64::from(SIZE_OF_HEADER);
        let bytes = bytes.next_multiple_of(u64::from(ALIGN));
        u32::try_from(bytes).ok()
    }
}
