//! Helpers of the typed API shared by its implementations for Rust's
//! types and by the code that `wasmtime-component-macro` generates (which
//! reaches them as `wasmtime::component::__internal`). Not a stable API.
//!
//! The derived implementations rely on the component type having been
//! checked by `typecheck` first: fields, cases and flags are then taken by
//! position. Lowering and lifting still fail cleanly, with an error, if a
//! type is not of the expected shape.

use super::{wit, Lift, Lower};
use crate::component::abi::{coerce, uncoerce};
use anyhow::{anyhow, bail, ensure, Context as _};
use std::fmt;
use wasmtime_environ::component::discriminant_size;

pub use crate::component::abi::Cx;
pub use anyhow::Result;
pub use std::boxed::Box;
pub use std::string::String;
pub use std::vec::Vec;
pub use wasmtime_environ::component::InterfaceType;
pub use wasmtime_runtime::vmcontext::ValRaw;

/// [`ComponentType::ty`](super::ComponentType::ty) of some type.
pub type TyFn = fn() -> InterfaceType;
/// [`ComponentType::typecheck`](super::ComponentType::typecheck) of some
/// type.
pub type TypecheckFn = fn(&InterfaceType) -> Result<()>;

/// The type `()` stands for where a payload is missing.
static UNIT: InterfaceType = InterfaceType::Tuple(Vec::new());

fn align_to(offset: u32, align: u32) -> u32 {
    offset.div_ceil(align) * align
}

/// The error of a value of Rust type `expected` against component type
/// `found`.
pub fn mismatch(expected: &str, found: &InterfaceType) -> anyhow::Error {
    anyhow!("type mismatch: expected {expected}, found {}", wit(found))
}

fn quoted(names: &mut dyn Iterator<Item = &str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

// -- types -------------------------------------------------------------------

/// The `record` type of named fields.
pub fn record_ty(fields: &[(&str, TyFn)]) -> InterfaceType {
    InterfaceType::Record(fields.iter().map(|(n, t)| (n.to_string(), t())).collect())
}

/// The `variant` type of named cases with optional payloads.
pub fn variant_ty(cases: &[(&str, Option<TyFn>)]) -> InterfaceType {
    InterfaceType::Variant(
        cases
            .iter()
            .map(|(n, t)| (n.to_string(), t.map(|t| t())))
            .collect(),
    )
}

/// The `enum` type of named cases.
pub fn enum_ty(names: &[&str]) -> InterfaceType {
    InterfaceType::Enum(names.iter().map(|n| n.to_string()).collect())
}

/// The `flags` type of named flags.
pub fn flags_ty(names: &[&str]) -> InterfaceType {
    InterfaceType::Flags(names.iter().map(|n| n.to_string()).collect())
}

/// The payload type of a `result` case: none for `()`.
pub(crate) fn payload_ty(ty: InterfaceType) -> Option<Box<InterfaceType>> {
    match ty {
        InterfaceType::Tuple(ts) if ts.is_empty() => None,
        ty => Some(Box::new(ty)),
    }
}

// -- type checks ---------------------------------------------------------------

/// Checks a record of `fields` (names and their types' checks, in order).
pub fn typecheck_record(ty: &InterfaceType, fields: &[(&str, TypecheckFn)]) -> Result<()> {
    let InterfaceType::Record(found) = ty else {
        let names = quoted(&mut fields.iter().map(|(n, _)| *n));
        return Err(mismatch(&format!("record with fields {names}"), ty));
    };
    let same_names =
        found.len() == fields.len() && found.iter().zip(fields).all(|((a, _), (b, _))| a == b);
    if !same_names {
        let names = quoted(&mut fields.iter().map(|(n, _)| *n));
        return Err(mismatch(&format!("record with fields {names}"), ty));
    }
    for ((name, t), (_, check)) in found.iter().zip(fields) {
        check(t).with_context(|| format!("in record field `{name}`"))?;
    }
    Ok(())
}

/// Checks a variant of `cases` (names and their payloads' checks, in
/// order).
pub fn typecheck_variant(ty: &InterfaceType, cases: &[(&str, Option<TypecheckFn>)]) -> Result<()> {
    let describe = || {
        let names = quoted(&mut cases.iter().map(|(n, _)| *n));
        format!("variant with cases {names}")
    };
    let InterfaceType::Variant(found) = ty else {
        return Err(mismatch(&describe(), ty));
    };
    let same_names =
        found.len() == cases.len() && found.iter().zip(cases).all(|((a, _), (b, _))| a == b);
    if !same_names {
        return Err(mismatch(&describe(), ty));
    }
    for ((name, t), (_, check)) in found.iter().zip(cases) {
        match (t, check) {
            (Some(t), Some(check)) => {
                check(t).with_context(|| format!("in variant case `{name}`"))?
            }
            (None, None) => {}
            (Some(t), None) => bail!(
                "type mismatch: expected variant case `{name}` without a payload, found one of type {}",
                wit(t)
            ),
            (None, Some(_)) => bail!(
                "type mismatch: expected variant case `{name}` with a payload, found none"
            ),
        }
    }
    Ok(())
}

/// Checks an enum of `names` (in order).
pub fn typecheck_enum(ty: &InterfaceType, names: &[&str]) -> Result<()> {
    match ty {
        InterfaceType::Enum(found) if found.iter().eq(names.iter()) => Ok(()),
        _ => Err(mismatch(
            &format!("enum with cases {}", quoted(&mut names.iter().copied())),
            ty,
        )),
    }
}

/// Checks flags of `names` (in order).
pub fn typecheck_flags(ty: &InterfaceType, names: &[&str]) -> Result<()> {
    match ty {
        InterfaceType::Flags(found) if found.iter().eq(names.iter()) => Ok(()),
        _ => Err(mismatch(
            &format!("flags {}", quoted(&mut names.iter().copied())),
            ty,
        )),
    }
}

/// Checks a tuple of elements with `checks`.
pub fn typecheck_tuple(ty: &InterfaceType, checks: &[TypecheckFn]) -> Result<()> {
    match ty {
        InterfaceType::Tuple(ts) if ts.len() == checks.len() => {
            for (i, (t, check)) in ts.iter().zip(checks).enumerate() {
                check(t).with_context(|| format!("in tuple element {i}"))?;
            }
            Ok(())
        }
        _ => Err(mismatch(
            &format!("tuple of {} element(s)", checks.len()),
            ty,
        )),
    }
}

/// Checks a list of parameters or results (`what`) with `checks`.
pub(crate) fn typecheck_named_list(
    types: &[(&str, &InterfaceType)],
    what: &str,
    checks: &[TypecheckFn],
) -> Result<()> {
    if types.len() != checks.len() {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        bail!(
            "type mismatch: expected {} {what}{}, found {}",
            checks.len(),
            plural(checks.len()),
            types.len()
        );
    }
    for ((name, t), check) in types.iter().zip(checks) {
        check(t).with_context(|| match name.is_empty() {
            true => format!("in the {what}"),
            false => format!("in {what} `{name}`"),
        })?;
    }
    Ok(())
}

/// Checks a payload (of a `result` case, which `()` may leave out).
pub(crate) fn typecheck_payload(ty: Option<&InterfaceType>, check: TypecheckFn) -> Result<()> {
    match ty {
        Some(t) => check(t),
        None => check(&UNIT).map_err(|_| anyhow!("type mismatch: expected a payload, found none")),
    }
}

// -- records and tuples --------------------------------------------------------

/// The field types of a record or tuple, in order, with their offsets in
/// linear memory.
pub struct FieldTypes<'a, I: Iterator<Item = &'a InterfaceType>> {
    types: I,
    offset: u32,
}

impl<'a, I: Iterator<Item = &'a InterfaceType>> FieldTypes<'a, I> {
    /// Fields of `types`.
    pub fn new(types: I) -> Self {
        FieldTypes { types, offset: 0 }
    }

    /// The next field's type.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<&'a InterfaceType> {
        self.types
            .next()
            .ok_or_else(|| anyhow!("type mismatch: too few fields in the component type"))
    }

    /// The next field's type and its address, for a record or tuple at
    /// `base`.
    pub fn next_at(&mut self, base: u32) -> Result<(&'a InterfaceType, u32)> {
        let t = self.next()?;
        let offset = align_to(self.offset, t.align());
        self.offset = offset + t.size();
        let addr = base
            .checked_add(offset)
            .ok_or_else(|| anyhow!("pointer out of bounds of memory: {base:#x} + {offset:#x}"))?;
        Ok((t, addr))
    }

    /// Checks that every field was used.
    pub fn finish(mut self) -> Result<()> {
        ensure!(
            self.types.next().is_none(),
            "type mismatch: too many fields in the component type"
        );
        Ok(())
    }
}

/// The field types of a record.
pub fn record_fields(
    ty: &InterfaceType,
) -> Result<FieldTypes<'_, impl Iterator<Item = &InterfaceType>>> {
    match ty {
        InterfaceType::Record(fields) => Ok(FieldTypes::new(fields.iter().map(|(_, t)| t))),
        _ => Err(mismatch("a record", ty)),
    }
}

/// The element types of a tuple.
pub(crate) fn tuple_fields(
    ty: &InterfaceType,
) -> Result<FieldTypes<'_, std::slice::Iter<'_, InterfaceType>>> {
    match ty {
        InterfaceType::Tuple(ts) => Ok(FieldTypes::new(ts.iter())),
        _ => Err(mismatch("a tuple", ty)),
    }
}

/// Alignment and size of a tuple of `types`.
pub(crate) fn tuple_layout<'a>(types: impl Iterator<Item = &'a InterfaceType>) -> (u32, u32) {
    let (mut align, mut size) = (1, 0);
    for t in types {
        align = align.max(t.align());
        size = align_to(size, t.align()) + t.size();
    }
    (align, align_to(size, align))
}

// -- variants, enums, options and results ------------------------------------

/// How many cases a variant-like type has.
fn case_count(ty: &InterfaceType) -> Result<usize> {
    use InterfaceType as I;
    Ok(match ty {
        I::Variant(cases) => cases.len(),
        I::Enum(names) => names.len(),
        I::Option(_) | I::Result { .. } => 2,
        _ => return Err(mismatch("a variant, enum, option or result", ty)),
    })
}

/// The payload type of case `case` of a variant-like type.
fn case_type(ty: &InterfaceType, case: u32) -> Result<Option<&InterfaceType>> {
    use InterfaceType as I;
    let found = match ty {
        I::Variant(cases) => cases.get(case as usize).map(|(_, t)| t.as_ref()),
        I::Enum(names) => ((case as usize) < names.len()).then_some(None),
        I::Option(t) => match case {
            0 => Some(None),
            1 => Some(Some(&**t)),
            _ => None,
        },
        I::Result { ok, err } => match case {
            0 => Some(ok.as_deref()),
            1 => Some(err.as_deref()),
            _ => None,
        },
        _ => return Err(mismatch("a variant, enum, option or result", ty)),
    };
    found.ok_or_else(|| anyhow!("invalid variant discriminant: {case}"))
}

fn check_align(ptr: u32, align: u32) -> Result<()> {
    ensure!(
        ptr.is_multiple_of(align),
        "pointer {ptr:#x} is not aligned to {align}"
    );
    Ok(())
}

/// Lowers case `case` of a variant-like type to flat core values, with
/// its payload (ignored when the case has none: a `()`).
pub fn lower_case_flat<P: Lower + ?Sized>(
    cx: &mut Cx<'_>,
    ty: &InterfaceType,
    case: u32,
    payload: Option<&P>,
    out: &mut Vec<ValRaw>,
) -> Result<()> {
    let case_ty = case_type(ty, case)?;
    out.push(ValRaw::u32(case));
    let joined = ty.flat();
    let joined = &joined[1..];
    let start = out.len();
    match (case_ty, payload) {
        (Some(t), Some(p)) => {
            p.lower_flat(cx, t, out)?;
            for (i, (from, to)) in t.flat().into_iter().zip(joined).enumerate() {
                out[start + i] = coerce(out[start + i], from, *to);
            }
        }
        (Some(_), None) => bail!("type mismatch: variant case {case} needs a payload"),
        (None, _) => {}
    }
    while out.len() < start + joined.len() {
        out.push(ValRaw::u64(0));
    }
    Ok(())
}

/// Stores case `case` of a variant-like type at `ptr`, with its payload
/// (ignored when the case has none: a `()`).
pub fn store_case<P: Lower + ?Sized>(
    cx: &mut Cx<'_>,
    ty: &InterfaceType,
    case: u32,
    payload: Option<&P>,
    ptr: u32,
) -> Result<()> {
    let case_ty = case_type(ty, case)?;
    check_align(ptr, ty.align())?;
    match discriminant_size(case_count(ty)?) {
        1 => cx.write(ptr, &[case as u8])?,
        2 => cx.write(ptr, &(case as u16).to_le_bytes())?,
        _ => cx.write(ptr, &case.to_le_bytes())?,
    }
    match (case_ty, payload) {
        (Some(t), Some(p)) => {
            let at = ptr
                .checked_add(ty.payload_offset())
                .ok_or_else(|| anyhow!("pointer out of bounds of memory: {ptr:#x}"))?;
            p.store(cx, t, at)
        }
        (Some(_), None) => bail!("type mismatch: variant case {case} needs a payload"),
        (None, _) => Ok(()),
    }
}

enum PayloadSource {
    Flat(Vec<ValRaw>),
    Memory(u32),
}

/// The payload of a lifted case of a variant-like type, still to be
/// lifted to the Rust type of the case.
pub struct CasePayload<'a> {
    ty: Option<&'a InterfaceType>,
    src: PayloadSource,
}

impl CasePayload<'_> {
    /// Lifts the payload as a `T` (`()` where the case has none).
    pub fn lift<T: Lift>(self, cx: &mut Cx<'_>) -> Result<T> {
        match (self.ty, self.src) {
            (Some(t), PayloadSource::Flat(raw)) => T::lift_flat(cx, t, &mut raw.into_iter()),
            (Some(t), PayloadSource::Memory(ptr)) => T::load(cx, t, ptr),
            (None, _) => T::lift_flat(cx, &UNIT, &mut std::iter::empty()),
        }
    }
}

/// Lifts the discriminant of a variant-like type from flat core values,
/// and its payload's core values (which are always all consumed).
pub fn lift_case_flat<'a>(
    _cx: &mut Cx<'_>,
    ty: &'a InterfaceType,
    src: &mut dyn Iterator<Item = ValRaw>,
) -> Result<(u32, CasePayload<'a>)> {
    let case = next_raw(src)?.get_u32();
    let joined = ty.flat();
    let raws = joined[1..]
        .iter()
        .map(|_| next_raw(src))
        .collect::<Result<Vec<_>>>()?;
    let case_ty = case_type(ty, case)?;
    let payload = match case_ty {
        Some(t) => raws
            .into_iter()
            .zip(&joined[1..])
            .zip(t.flat())
            .map(|((raw, j), to)| uncoerce(raw, *j, to))
            .collect(),
        None => Vec::new(),
    };
    Ok((
        case,
        CasePayload {
            ty: case_ty,
            src: PayloadSource::Flat(payload),
        },
    ))
}

/// Loads the discriminant of a variant-like type at `ptr`, and where its
/// payload is.
pub fn load_case<'a>(
    cx: &mut Cx<'_>,
    ty: &'a InterfaceType,
    ptr: u32,
) -> Result<(u32, CasePayload<'a>)> {
    check_align(ptr, ty.align())?;
    let case = match discriminant_size(case_count(ty)?) {
        1 => u32::from(cx.read::<1>(ptr)?[0]),
        2 => u32::from(u16::from_le_bytes(cx.read(ptr)?)),
        _ => u32::from_le_bytes(cx.read(ptr)?),
    };
    let case_ty = case_type(ty, case)?;
    let at = ptr
        .checked_add(ty.payload_offset())
        .ok_or_else(|| anyhow!("pointer out of bounds of memory: {ptr:#x}"))?;
    Ok((
        case,
        CasePayload {
            ty: case_ty,
            src: PayloadSource::Memory(at),
        },
    ))
}

/// The error of a case that the Rust type does not have.
pub fn bad_case<T>(case: u32) -> Result<T> {
    bail!("invalid variant discriminant: {case}")
}

/// The next flat core value.
pub fn next_raw(src: &mut dyn Iterator<Item = ValRaw>) -> Result<ValRaw> {
    src.next().ok_or_else(|| anyhow!("too few core values"))
}

// -- flags ---------------------------------------------------------------------

fn flag_count(ty: &InterfaceType) -> Result<usize> {
    match ty {
        InterfaceType::Flags(names) => Ok(names.len()),
        _ => Err(mismatch("flags", ty)),
    }
}

/// The bit words of `count` flags, with bits past `count` cleared.
fn masked(words: &[u32], count: usize) -> impl Iterator<Item = u32> + '_ {
    (0..count.div_ceil(32)).map(move |i| {
        let word = words.get(i).copied().unwrap_or(0);
        let bits = count - 32 * i;
        if bits >= 32 {
            word
        } else {
            word & ((1 << bits) - 1)
        }
    })
}

/// Lowers flags (bit `i` of `words` is flag `i`) to flat core values.
pub fn lower_flags_flat(ty: &InterfaceType, words: &[u32], out: &mut Vec<ValRaw>) -> Result<()> {
    let count = flag_count(ty)?;
    out.extend(masked(words, count).map(ValRaw::u32));
    Ok(())
}

/// Stores flags at `ptr`.
pub fn store_flags(cx: &mut Cx<'_>, ty: &InterfaceType, words: &[u32], ptr: u32) -> Result<()> {
    let count = flag_count(ty)?;
    check_align(ptr, ty.align())?;
    let words: Vec<u32> = masked(words, count).collect();
    match count {
        0 => Ok(()),
        1..=8 => cx.write(ptr, &[words[0] as u8]),
        9..=16 => cx.write(ptr, &(words[0] as u16).to_le_bytes()),
        _ => {
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            cx.write(ptr, &bytes)
        }
    }
}

/// Lifts flags from flat core values into `words` (bits of flags the
/// type does not have are ignored).
pub fn lift_flags_flat(
    ty: &InterfaceType,
    src: &mut dyn Iterator<Item = ValRaw>,
    words: &mut [u32],
) -> Result<()> {
    let count = flag_count(ty)?;
    let raw = (0..count.div_ceil(32))
        .map(|_| Ok(next_raw(src)?.get_u32()))
        .collect::<Result<Vec<_>>>()?;
    for (dst, w) in words.iter_mut().zip(masked(&raw, count)) {
        *dst = w;
    }
    Ok(())
}

/// Loads flags at `ptr` into `words`.
pub fn load_flags(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32, words: &mut [u32]) -> Result<()> {
    let count = flag_count(ty)?;
    check_align(ptr, ty.align())?;
    let raw: Vec<u32> = match count {
        0 => vec![],
        1..=8 => vec![u32::from(cx.read::<1>(ptr)?[0])],
        9..=16 => vec![u32::from(u16::from_le_bytes(cx.read(ptr)?))],
        n => {
            let range = cx.range(ptr, 4 * n.div_ceil(32))?;
            cx.memory()?[range]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        }
    };
    for (dst, w) in words.iter_mut().zip(masked(&raw, count)) {
        *dst = w;
    }
    Ok(())
}

/// `Name(A | B)`: the `Debug` form of flags, with the Rust names of the
/// set ones.
pub fn format_flags(
    f: &mut fmt::Formatter<'_>,
    type_name: &str,
    words: &[u32],
    names: &[&str],
) -> fmt::Result {
    write!(f, "{type_name}(")?;
    let mut first = true;
    for (i, name) in names.iter().enumerate() {
        if words.get(i / 32).is_some_and(|w| w & (1 << (i % 32)) != 0) {
            if !first {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
            first = false;
        }
    }
    f.write_str(")")
}
