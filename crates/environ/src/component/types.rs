//! Component-level value types ([`InterfaceType`]) and the canonical ABI's
//! facts about them: size and alignment in linear memory, and the core
//! value types a value flattens to. This is the one place those rules are
//! written down; lifting and lowering (in the embedding API) and any
//! compiled adapter follow them.

use serde::{Deserialize, Serialize};

/// Most core parameters a function passes directly; beyond this, the
/// parameters are passed in linear memory through one pointer.
pub const MAX_FLAT_PARAMS: usize = 16;
/// Most core results a function returns directly; beyond this, the results
/// are stored in linear memory and a pointer to them is returned.
pub const MAX_FLAT_RESULTS: usize = 1;

/// The type of a component-level value (a WIT type).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InterfaceType {
    /// `bool`
    Bool,
    /// `s8`
    S8,
    /// `u8`
    U8,
    /// `s16`
    S16,
    /// `u16`
    U16,
    /// `s32`
    S32,
    /// `u32`
    U32,
    /// `s64`
    S64,
    /// `u64`
    U64,
    /// `f32`
    Float32,
    /// `f64`
    Float64,
    /// `char`
    Char,
    /// `string`
    String,
    /// `list<T>`
    List(Box<InterfaceType>),
    /// `map<K, V>`: laid out as a `list<tuple<K, V>>`.
    Map(Box<InterfaceType>, Box<InterfaceType>),
    /// `list<T, N>`: exactly `N` elements, inline (like a tuple of `N`
    /// `T`s).
    FixedLengthList(Box<InterfaceType>, u32),
    /// `record { name: T, ... }`
    Record(Vec<(String, InterfaceType)>),
    /// `tuple<T, ...>`
    Tuple(Vec<InterfaceType>),
    /// `variant { case(T)?, ... }`
    Variant(Vec<(String, Option<InterfaceType>)>),
    /// `enum { case, ... }`
    Enum(Vec<String>),
    /// `option<T>`
    Option(Box<InterfaceType>),
    /// `result<T?, E?>`
    Result {
        /// The `ok` payload, if any.
        ok: Option<Box<InterfaceType>>,
        /// The `err` payload, if any.
        err: Option<Box<InterfaceType>>,
    },
    /// `flags { name, ... }`
    Flags(Vec<String>),
    /// `own<R>`: an owned resource handle (the resource's type index).
    Own(u32),
    /// `borrow<R>`: a borrowed resource handle.
    Borrow(u32),
    /// `stream<T>` (or `stream` without a payload): the readable end of a
    /// stream, passed as a handle.
    Stream(Option<Box<InterfaceType>>),
    /// `future<T>` (or `future`): the readable end of a future, passed as a
    /// handle.
    Future(Option<Box<InterfaceType>>),
    /// `error-context`: a handle to an immutable error description.
    ErrorContext,
}

/// A core value type in a flattened signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FlatType {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl FlatType {
    /// The type both `self` and `other` fit in (for variant payloads).
    fn join(self, other: FlatType) -> FlatType {
        use FlatType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (I32, F32) | (F32, I32) => I32,
            _ => I64,
        }
    }
}

/// A component function's type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComponentFuncType {
    /// Named parameters.
    pub params: Vec<(String, InterfaceType)>,
    /// The result, if any.
    pub result: Option<InterfaceType>,
    /// Whether the function is `async`.
    pub is_async: bool,
}

fn align_to(offset: u32, align: u32) -> u32 {
    offset.div_ceil(align) * align
}

/// Bytes of a variant's discriminant for `cases` cases.
pub fn discriminant_size(cases: usize) -> u32 {
    match cases {
        0..=0x100 => 1,
        0x101..=0x1_0000 => 2,
        _ => 4,
    }
}

impl InterfaceType {
    /// Alignment in linear memory.
    pub fn align(&self) -> u32 {
        use InterfaceType::*;
        match self {
            Bool | S8 | U8 => 1,
            S16 | U16 => 2,
            S32 | U32 | Float32 | Char | Own(_) | Borrow(_) => 4,
            Stream(_) | Future(_) | ErrorContext => 4,
            S64 | U64 | Float64 => 8,
            String | List(_) | Map(..) => 4,
            FixedLengthList(t, _) => t.align(),
            Record(fields) => fields.iter().map(|(_, t)| t.align()).max().unwrap_or(1),
            Tuple(ts) => ts.iter().map(|t| t.align()).max().unwrap_or(1),
            Flags(names) => match names.len() {
                0..=8 => 1,
                9..=16 => 2,
                _ => 4,
            },
            Enum(_) | Variant(_) | Option(_) | Result { .. } => {
                let payload = self.cases().flatten().map(|t| t.align()).max().unwrap_or(1);
                discriminant_size(self.cases().len()).max(payload)
            }
        }
    }

    /// Size in linear memory.
    pub fn size(&self) -> u32 {
        use InterfaceType::*;
        match self {
            Bool | S8 | U8 => 1,
            S16 | U16 => 2,
            S32 | U32 | Float32 | Char | Own(_) | Borrow(_) => 4,
            Stream(_) | Future(_) | ErrorContext => 4,
            S64 | U64 | Float64 => 8,
            String | List(_) | Map(..) => 8,
            FixedLengthList(t, n) => t.size().saturating_mul(*n),
            Record(_) | Tuple(_) => {
                let mut offset = 0;
                let mut align = 1;
                let mut add = |t: &InterfaceType| {
                    let a = t.align();
                    align = align.max(a);
                    offset = align_to(offset, a) + t.size();
                };
                match self {
                    Record(fields) => fields.iter().for_each(|(_, t)| add(t)),
                    Tuple(ts) => ts.iter().for_each(add),
                    _ => unreachable!(),
                }
                align_to(offset, align)
            }
            Flags(names) => match names.len() {
                0 => 0,
                1..=8 => 1,
                9..=16 => 2,
                n => 4 * (n as u32).div_ceil(32),
            },
            Enum(_) | Variant(_) | Option(_) | Result { .. } => {
                let max = self.cases().flatten().map(|t| t.size()).max().unwrap_or(0);
                align_to(self.payload_offset() + max, self.align())
            }
        }
    }

    /// The field types of a record or tuple, in order.
    pub fn fields(&self) -> Vec<&InterfaceType> {
        match self {
            InterfaceType::Record(fields) => fields.iter().map(|(_, t)| t).collect(),
            InterfaceType::Tuple(ts) => ts.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The byte offsets of a record's or tuple's fields.
    pub fn field_offsets(&self) -> Vec<u32> {
        let mut offset = 0;
        self.fields()
            .into_iter()
            .map(|t| {
                offset = align_to(offset, t.align());
                let at = offset;
                offset += t.size();
                at
            })
            .collect()
    }

    /// The payload types of a variant-like type's cases, in order
    /// (`option` is `none | some(T)`, `result` is `ok(T?) | err(E?)`, an
    /// enum's cases have none).
    pub fn variant_cases(&self) -> Vec<Option<&InterfaceType>> {
        self.cases().collect()
    }

    /// [`InterfaceType::variant_cases`] without collecting them.
    pub fn cases(&self) -> Cases<'_> {
        match self {
            InterfaceType::Variant(cases) => Cases::Variant(cases.iter()),
            InterfaceType::Enum(names) => Cases::Empty(0..names.len()),
            InterfaceType::Option(t) => Cases::Two([None, Some(&**t)].into_iter()),
            InterfaceType::Result { ok, err } => {
                Cases::Two([ok.as_deref(), err.as_deref()].into_iter())
            }
            _ => Cases::Empty(0..0),
        }
    }

    /// Where a variant-like type's payload starts.
    pub fn payload_offset(&self) -> u32 {
        let payload_align = self.cases().flatten().map(|t| t.align()).max().unwrap_or(1);
        align_to(discriminant_size(self.cases().len()), payload_align)
    }

    /// How many core values this type flattens to (the length of
    /// [`InterfaceType::flat`], counted without building it).
    pub fn flat_count(&self) -> usize {
        use InterfaceType::*;
        match self {
            Bool | S8 | U8 | S16 | U16 | S32 | U32 | Char | Own(_) | Borrow(_) | Enum(_)
            | Stream(_) | Future(_) | ErrorContext | S64 | U64 | Float32 | Float64 => 1,
            String | List(_) | Map(..) => 2,
            // Past the flat limits the exact count does not matter (the
            // value goes through memory), as in `push_flat`.
            FixedLengthList(t, n) => t.flat_count().saturating_mul(*n as usize),
            Record(fields) => fields.iter().map(|(_, t)| t.flat_count()).sum(),
            Tuple(ts) => ts.iter().map(InterfaceType::flat_count).sum(),
            Flags(names) => names.len().div_ceil(32),
            Variant(_) | Option(_) | Result { .. } => {
                1 + self
                    .cases()
                    .flatten()
                    .map(|t| t.flat_count())
                    .max()
                    .unwrap_or(0)
            }
        }
    }

    /// Appends the core types this type flattens to.
    pub fn push_flat(&self, out: &mut Vec<FlatType>) {
        use InterfaceType::*;
        match self {
            Bool | S8 | U8 | S16 | U16 | S32 | U32 | Char | Own(_) | Borrow(_) | Enum(_)
            | Stream(_) | Future(_) | ErrorContext => out.push(FlatType::I32),
            S64 | U64 => out.push(FlatType::I64),
            Float32 => out.push(FlatType::F32),
            Float64 => out.push(FlatType::F64),
            String | List(_) | Map(..) => out.extend([FlatType::I32, FlatType::I32]),
            FixedLengthList(t, n) => {
                let mut one = Vec::new();
                t.push_flat(&mut one);
                for _ in 0..*n {
                    out.extend_from_slice(&one);
                    // Beyond this the value goes through memory anyway.
                    if out.len() > MAX_FLAT_PARAMS {
                        break;
                    }
                }
            }
            Record(fields) => fields.iter().for_each(|(_, t)| t.push_flat(out)),
            Tuple(ts) => ts.iter().for_each(|t| t.push_flat(out)),
            Flags(names) => {
                for _ in 0..names.len().div_ceil(32) {
                    out.push(FlatType::I32);
                }
            }
            Variant(_) | Option(_) | Result { .. } => {
                out.push(FlatType::I32);
                let mut payload: Vec<FlatType> = Vec::new();
                for case in self.cases().flatten() {
                    let mut flat = Vec::new();
                    case.push_flat(&mut flat);
                    for (i, f) in flat.into_iter().enumerate() {
                        match payload.get_mut(i) {
                            Some(p) => *p = p.join(f),
                            None => payload.push(f),
                        }
                    }
                }
                out.extend(payload);
            }
        }
    }

    /// Whether values of this type are plain bytes in memory with no
    /// validation on lifting (numbers): copies between memories may move
    /// them bytewise.
    pub fn is_plain_number(&self) -> bool {
        use InterfaceType::*;
        matches!(
            self,
            S8 | U8 | S16 | U16 | S32 | U32 | S64 | U64 | Float32 | Float64
        )
    }

    /// A map's entry type, `tuple<K, V>` (`None` for other types).
    pub fn map_entry(&self) -> Option<InterfaceType> {
        match self {
            InterfaceType::Map(k, v) => {
                Some(InterfaceType::Tuple(vec![(**k).clone(), (**v).clone()]))
            }
            _ => None,
        }
    }

    /// The core types this type flattens to.
    pub fn flat(&self) -> Vec<FlatType> {
        let mut out = Vec::new();
        self.push_flat(&mut out);
        out
    }
}

impl ComponentFuncType {
    /// The parameters as one tuple type (how they are laid out in memory
    /// when they do not fit in [`MAX_FLAT_PARAMS`] core parameters).
    pub fn params_tuple(&self) -> InterfaceType {
        InterfaceType::Tuple(self.params.iter().map(|(_, t)| t.clone()).collect())
    }

    /// The flattened parameters, or `None` when they are passed through
    /// memory.
    pub fn flat_params(&self) -> Option<Vec<FlatType>> {
        let flat = self.params_tuple().flat();
        (flat.len() <= MAX_FLAT_PARAMS).then_some(flat)
    }

    /// The flattened result, or `None` when it is returned through memory.
    pub fn flat_result(&self) -> Option<Vec<FlatType>> {
        let flat = self.result.as_ref().map(|t| t.flat()).unwrap_or_default();
        (flat.len() <= MAX_FLAT_RESULTS).then_some(flat)
    }

    /// How many core values the parameters flatten to (before the
    /// [`MAX_FLAT_PARAMS`] limit is applied).
    pub fn flat_params_count(&self) -> usize {
        self.params.iter().map(|(_, t)| t.flat_count()).sum()
    }

    /// The length of [`ComponentFuncType::flat_params`], counted without
    /// building it.
    pub fn flat_params_len(&self) -> Option<usize> {
        Some(self.flat_params_count()).filter(|n| *n <= MAX_FLAT_PARAMS)
    }

    /// The length of [`ComponentFuncType::flat_result`], counted without
    /// building it.
    pub fn flat_result_len(&self) -> Option<usize> {
        let n = self.result.as_ref().map_or(0, InterfaceType::flat_count);
        (n <= MAX_FLAT_RESULTS).then_some(n)
    }
}

/// The case payloads of a variant-like type
/// ([`InterfaceType::cases`]).
pub enum Cases<'a> {
    /// A `variant`'s cases.
    Variant(std::slice::Iter<'a, (String, Option<InterfaceType>)>),
    /// `option` or `result`: two cases.
    Two(std::array::IntoIter<Option<&'a InterfaceType>, 2>),
    /// Cases without payloads (an `enum`), or none at all.
    Empty(std::ops::Range<usize>),
}

impl<'a> Iterator for Cases<'a> {
    type Item = Option<&'a InterfaceType>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Cases::Variant(it) => it.next().map(|(_, t)| t.as_ref()),
            Cases::Two(it) => it.next(),
            Cases::Empty(it) => it.next().map(|_| None),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            Cases::Variant(it) => it.len(),
            Cases::Two(it) => it.len(),
            Cases::Empty(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Cases<'_> {}

#[cfg(test)]
mod tests {
    use super::InterfaceType::*;
    use super::*;

    #[test]
    fn layouts_follow_the_canonical_abi() {
        let rec = Record(vec![("a".into(), U8), ("b".into(), U32), ("c".into(), U16)]);
        assert_eq!((rec.size(), rec.align()), (12, 4));
        assert_eq!(rec.field_offsets(), vec![0, 4, 8]);
        let opt = Option(Box::new(U64));
        assert_eq!((opt.size(), opt.align(), opt.payload_offset()), (16, 8, 8));
        let res = Result {
            ok: None,
            err: Some(Box::new(String)),
        };
        assert_eq!((res.size(), res.align()), (12, 4));
        assert_eq!(Flags((0..33).map(|i| i.to_string()).collect()).size(), 8);
        let v = Variant(vec![("a".into(), Some(Float32)), ("b".into(), Some(U64))]);
        assert_eq!(v.flat(), vec![FlatType::I32, FlatType::I64]);
        let v = Variant(vec![("a".into(), Some(Float32)), ("b".into(), Some(U32))]);
        assert_eq!(v.flat(), vec![FlatType::I32, FlatType::I32]);
        assert_eq!(
            List(Box::new(U8)).flat(),
            vec![FlatType::I32, FlatType::I32]
        );
        // Stream, future and error-context values are one `i32` handle.
        for t in [Stream(Some(Box::new(String))), Future(None), ErrorContext] {
            assert_eq!((t.size(), t.align(), t.flat()), (4, 4, vec![FlatType::I32]));
        }
        let rec = Record(vec![("a".into(), U8), ("s".into(), Stream(None))]);
        assert_eq!((rec.size(), rec.field_offsets()), (8, vec![0, 4]));
        // A map is a list of entries; a fixed-length list is inline.
        let map = Map(Box::new(String), Box::new(U8));
        assert_eq!((map.size(), map.align(), map.flat().len()), (8, 4, 2));
        let fixed = FixedLengthList(Box::new(U16), 3);
        assert_eq!((fixed.size(), fixed.align()), (6, 2));
        assert_eq!(fixed.flat(), vec![FlatType::I32; 3]);
    }
}
