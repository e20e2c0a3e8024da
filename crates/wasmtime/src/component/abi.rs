//! The canonical ABI at run time: lowering [`Val`]s into core values and
//! linear memory, and lifting them back, following the layouts and
//! flattening rules of [`wasmtime_environ::component`] (the one
//! description of them). Every value read from a guest is checked: bounds,
//! alignment, discriminants, `char`s and string encodings; a bad one is an
//! error (a trap for the guest), never undefined behaviour.

use super::Val;
use crate::store::StoreOpaque;
use crate::{Func as CoreFunc, Memory};
use anyhow::{anyhow, bail, ensure, Result};
use maps::check_fixed_len;
pub(crate) use strings::PendingString;
use wasmtime_environ::component::{discriminant_size, FlatType, InterfaceType, StringEncoding};
use wasmtime_runtime::vmcontext::ValRaw;

mod handles;
mod maps;
mod strings;
mod units;
pub(crate) use handles::end_host_lends;

/// The canonical options of a lift or lower, resolved to store items.
#[derive(Clone)]
pub(crate) struct Options {
    pub(crate) memory: Option<Memory>,
    pub(crate) realloc: Option<CoreFunc>,
    pub(crate) post_return: Option<CoreFunc>,
    pub(crate) encoding: StringEncoding,
    /// The component instance (its resource types and handle tables).
    pub(crate) instance: usize,
    /// The runtime instance inside it whose handle tables are used (see
    /// `ComponentTranslation::instance_count`).
    pub(crate) sub: u32,
    /// The `async` option.
    pub(crate) async_: bool,
    /// The `callback` option of an async lift.
    pub(crate) callback: Option<CoreFunc>,
}

impl Options {
    /// Options with only a memory (what `waitable-set.wait` writes to).
    pub(crate) fn memory_only(memory: Option<Memory>, instance: usize, sub: u32) -> Options {
        Options {
            memory,
            realloc: None,
            post_return: None,
            encoding: StringEncoding::Utf8,
            instance,
            sub,
            async_: false,
            callback: None,
        }
    }
}

/// Lowering and lifting with one set of options in one store.
///
/// Public (hidden) only because the typed API's traits name it in their
/// methods: `wasmtime::component::__internal::Cx`.
pub struct Cx<'a> {
    pub(crate) store: &'a mut StoreOpaque,
    pub(crate) opts: &'a Options,
    /// Borrow handles lent to the guest by this lowering (they must be
    /// dropped by the end of the call).
    pub(crate) lent: Vec<u32>,
    /// Owned handles of the host's table lent to the guest by this
    /// lowering: they stay in place until the call returns (see
    /// [`Cx::take_host_lends`]); otherwise until this context is dropped.
    pub(crate) host_lent: Vec<super::host_handles::HostIndex>,
    /// Owned handles of the guest's table lifted as borrows by this
    /// context: they may not leave the table until it is dropped.
    pub(crate) guest_lends: Vec<u32>,
    /// Lifting for an adapter between two guests (not for the host):
    /// failures read as the adapter's traps.
    pub(crate) adapter: bool,
    /// Set while `realloc` allocates a string (for the adapter's trap).
    allocating_string: bool,
    /// Lifting UTF-8 strings for an adapter whose callee lowers them at
    /// once: each is only checked and recorded here, and the callee's
    /// `Cx` copies it after its `realloc` (so a failing `realloc` fails
    /// before a huge string is copied, as in Wasmtime's adapters).
    pub(crate) defer_strings: bool,
    /// The strings deferred (when lifting) or still to copy (when
    /// lowering, in reverse order).
    pub(crate) pending_strings: Vec<PendingString>,
}

pub(crate) const CANONICAL_NAN32: u32 = 0x7fc0_0000;
pub(crate) const CANONICAL_NAN64: u64 = 0x7ff8_0000_0000_0000;
pub(crate) const UTF16_TAG: u32 = 1 << 31;

fn mismatch(ty: &InterfaceType, v: &Val) -> anyhow::Error {
    anyhow!(
        "type mismatch: expected a value of type {ty:?}, found {}",
        v.desc()
    )
}

/// Reinterprets a core value of type `from` as the joined type `to` of a
/// variant payload slot.
pub(crate) fn coerce(raw: ValRaw, from: FlatType, to: FlatType) -> ValRaw {
    use FlatType::*;
    match (from, to) {
        (a, b) if a == b => raw,
        (F32, I32) => ValRaw::u32(raw.get_f32()),
        (I32, I64) => ValRaw::u64(u64::from(raw.get_u32())),
        (F32, I64) => ValRaw::u64(u64::from(raw.get_f32())),
        (F64, I64) => ValRaw::u64(raw.get_f64()),
        _ => raw,
    }
}

/// The reverse of [`coerce`].
pub(crate) fn uncoerce(raw: ValRaw, joined: FlatType, to: FlatType) -> ValRaw {
    use FlatType::*;
    match (joined, to) {
        (a, b) if a == b => raw,
        (I32, F32) => ValRaw::f32(raw.get_u32()),
        (I64, I32) => ValRaw::u32(raw.get_u64() as u32),
        (I64, F32) => ValRaw::f32(raw.get_u64() as u32),
        (I64, F64) => ValRaw::f64(raw.get_u64()),
        _ => raw,
    }
}

impl<'a> Cx<'a> {
    /// A context for `opts` in `store`.
    pub(crate) fn new(store: &'a mut StoreOpaque, opts: &'a Options) -> Cx<'a> {
        Cx {
            store,
            opts,
            lent: Vec::new(),
            host_lent: Vec::new(),
            guest_lends: Vec::new(),
            adapter: false,
            allocating_string: false,
            defer_strings: false,
            pending_strings: Vec::new(),
        }
    }

    /// The guest's handle for a future, stream or error context `v`
    /// (moved into the guest's table; error contexts are shared).
    fn lower_async_handle(&mut self, ty: &InterfaceType, v: &Val) -> Result<u32> {
        #[cfg(feature = "component-model-async")]
        return super::concurrent::lower_async_handle(self, ty, v);
        #[cfg(not(feature = "component-model-async"))]
        {
            let _ = (ty, v);
            bail!("futures, streams and error contexts need the `component-model-async` feature")
        }
    }

    /// The host value of the guest's future, stream or error-context
    /// handle `handle` (a readable end leaves the guest's table).
    fn lift_async_handle(&mut self, ty: &InterfaceType, handle: u32) -> Result<Val> {
        #[cfg(feature = "component-model-async")]
        return super::concurrent::lift_async_handle(self, ty, handle);
        #[cfg(not(feature = "component-model-async"))]
        {
            let _ = (ty, handle);
            bail!("futures, streams and error contexts need the `component-model-async` feature")
        }
    }

    pub(crate) fn memory(&mut self) -> Result<&mut [u8]> {
        let memory = self
            .opts
            .memory
            .ok_or_else(|| anyhow!("the canonical option `memory` is required here"))?;
        Ok(memory.data_in(self.store))
    }

    pub(crate) fn range(&mut self, ptr: u32, len: usize) -> Result<std::ops::Range<usize>> {
        let end = (ptr as usize).checked_add(len);
        let size = self.memory()?.len();
        match end {
            Some(end) if end <= size => Ok(ptr as usize..end),
            _ => bail!("pointer out of bounds of memory: {ptr:#x} + {len:#x}"),
        }
    }

    pub(crate) fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<()> {
        let range = self.range(ptr, bytes.len())?;
        self.memory()?[range].copy_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn read<const N: usize>(&mut self, ptr: u32) -> Result<[u8; N]> {
        let range = self.range(ptr, N)?;
        Ok(self.memory()?[range].try_into().unwrap())
    }

    /// Calls the guest's `realloc`.
    pub(crate) fn realloc(
        &mut self,
        old: u32,
        old_size: u32,
        align: u32,
        size: u32,
    ) -> Result<u32> {
        let realloc = self
            .opts
            .realloc
            .ok_or_else(|| anyhow!("the canonical option `realloc` is required here"))?;
        let func_ref = realloc.func_ref_ptr(self.store)?;
        let mut slots = [old, old_size, align, size].map(ValRaw::u32);
        crate::func::invoke(self.store, func_ref, &mut slots)?;
        let ptr = slots[0].get_u32();
        if self.adapter && !ptr.is_multiple_of(align) {
            return Err(anyhow::Error::new(crate::Trap::UnalignedPointer));
        }
        ensure!(
            ptr.is_multiple_of(align),
            "realloc return: result not aligned"
        );
        let end = u64::from(ptr) + u64::from(size);
        if end > self.memory()?.len() as u64 {
            if self.adapter && self.allocating_string {
                return Err(anyhow::Error::new(crate::Trap::StringOutOfBounds));
            }
            bail!("realloc return: beyond end of memory");
        }
        Ok(ptr)
    }

    // -- lowering ---------------------------------------------------------

    /// Appends the flat core values of `v` (of type `ty`) to `out`.
    pub(crate) fn lower_flat(
        &mut self,
        ty: &InterfaceType,
        v: &Val,
        out: &mut Vec<ValRaw>,
    ) -> Result<()> {
        use InterfaceType as I;
        match (ty, v) {
            (I::Bool, Val::Bool(b)) => out.push(ValRaw::i32(i32::from(*b))),
            (I::S8, Val::S8(x)) => out.push(ValRaw::i32(i32::from(*x))),
            (I::U8, Val::U8(x)) => out.push(ValRaw::i32(i32::from(*x))),
            (I::S16, Val::S16(x)) => out.push(ValRaw::i32(i32::from(*x))),
            (I::U16, Val::U16(x)) => out.push(ValRaw::i32(i32::from(*x))),
            (I::S32, Val::S32(x)) => out.push(ValRaw::i32(*x)),
            (I::U32, Val::U32(x)) => out.push(ValRaw::u32(*x)),
            (I::S64, Val::S64(x)) => out.push(ValRaw::i64(*x)),
            (I::U64, Val::U64(x)) => out.push(ValRaw::u64(*x)),
            (I::Float32, Val::Float32(x)) => out.push(ValRaw::f32(if x.is_nan() {
                CANONICAL_NAN32
            } else {
                x.to_bits()
            })),
            (I::Float64, Val::Float64(x)) => out.push(ValRaw::f64(if x.is_nan() {
                CANONICAL_NAN64
            } else {
                x.to_bits()
            })),
            (I::Char, Val::Char(c)) => out.push(ValRaw::u32(u32::from(*c))),
            (I::Own(_) | I::Borrow(_), Val::Resource(r)) => {
                let handle = self.lower_handle(ty, r)?;
                out.push(ValRaw::u32(handle));
            }
            (I::Stream(_) | I::Future(_) | I::ErrorContext, _) => {
                let handle = self.lower_async_handle(ty, v)?;
                out.push(ValRaw::u32(handle));
            }
            (I::String, Val::String(s)) => {
                let (ptr, len) = self.store_string(s)?;
                out.extend([ValRaw::u32(ptr), ValRaw::u32(len)]);
            }
            (I::List(elem), Val::List(items)) => {
                let (ptr, len) = self.store_list(elem, items)?;
                out.extend([ValRaw::u32(ptr), ValRaw::u32(len)]);
            }
            (I::Map(..), Val::Map(entries)) => {
                let (ptr, len) = self.store_map(ty, entries)?;
                out.extend([ValRaw::u32(ptr), ValRaw::u32(len)]);
            }
            (I::FixedLengthList(elem, n), Val::FixedLengthList(items)) => {
                check_fixed_len(*n, items)?;
                for item in items {
                    self.lower_flat(elem, item, out)?;
                }
            }
            (I::Record(fields), Val::Record(vals)) => {
                self.check_record(fields, vals)?;
                for ((_, t), (_, v)) in fields.iter().zip(vals) {
                    self.lower_flat(t, v, out)?;
                }
            }
            (I::Tuple(ts), Val::Tuple(vals)) => {
                ensure!(
                    ts.len() == vals.len(),
                    "expected a tuple of {} values, found {}",
                    ts.len(),
                    vals.len()
                );
                for (t, v) in ts.iter().zip(vals) {
                    self.lower_flat(t, v, out)?;
                }
            }
            (I::Flags(names), Val::Flags(set)) => {
                for word in flag_words(names, set)? {
                    out.push(ValRaw::u32(word));
                }
            }
            (I::Variant(_) | I::Enum(_) | I::Option(_) | I::Result { .. }, _) => {
                let (case, payload) = case_of(ty, v)?;
                out.push(ValRaw::u32(case));
                let joined = &ty.flat()[1..];
                let start = out.len();
                if let (Some(case_ty), Some(p)) = (ty.variant_cases()[case as usize], payload) {
                    let mut tmp = Vec::new();
                    self.lower_flat(case_ty, p, &mut tmp)?;
                    for ((raw, from), to) in tmp.into_iter().zip(case_ty.flat()).zip(joined) {
                        out.push(coerce(raw, from, *to));
                    }
                }
                while out.len() < start + joined.len() {
                    out.push(ValRaw::u64(0));
                }
            }
            _ => return Err(mismatch(ty, v)),
        }
        Ok(())
    }

    fn check_record(
        &self,
        fields: &[(String, InterfaceType)],
        vals: &[(String, Val)],
    ) -> Result<()> {
        ensure!(
            fields.len() == vals.len(),
            "expected a record of {} fields, found {}",
            fields.len(),
            vals.len()
        );
        for ((name, _), (given, _)) in fields.iter().zip(vals) {
            ensure!(
                name == given,
                "expected record field `{name}`, found `{given}`"
            );
        }
        Ok(())
    }

    /// Stores `v` (of type `ty`) at `ptr`.
    pub(crate) fn store(&mut self, ty: &InterfaceType, v: &Val, ptr: u32) -> Result<()> {
        use InterfaceType as I;
        ensure!(
            ptr.is_multiple_of(ty.align()),
            "pointer {ptr:#x} is not aligned to {}",
            ty.align()
        );
        // The whole value is in bounds, so no field offset below overflows.
        self.range(ptr, ty.size() as usize)?;
        match (ty, v) {
            (I::Bool, Val::Bool(b)) => self.write(ptr, &[u8::from(*b)]),
            (I::S8, Val::S8(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::U8, Val::U8(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::S16, Val::S16(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::U16, Val::U16(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::S32, Val::S32(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::U32, Val::U32(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::S64, Val::S64(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::U64, Val::U64(x)) => self.write(ptr, &x.to_le_bytes()),
            (I::Float32 | I::Float64 | I::Char, _) => {
                let mut flat = Vec::new();
                self.lower_flat(ty, v, &mut flat)?;
                if matches!(ty, I::Float64) {
                    self.write(ptr, &flat[0].get_f64().to_le_bytes())
                } else {
                    self.write(ptr, &flat[0].get_u32().to_le_bytes())
                }
            }
            (I::Own(_) | I::Borrow(_), Val::Resource(r)) => {
                let handle = self.lower_handle(ty, r)?;
                self.write(ptr, &handle.to_le_bytes())
            }
            (I::Stream(_) | I::Future(_) | I::ErrorContext, _) => {
                let handle = self.lower_async_handle(ty, v)?;
                self.write(ptr, &handle.to_le_bytes())
            }
            (I::String, Val::String(s)) => {
                let (p, len) = self.store_string(s)?;
                self.write(ptr, &p.to_le_bytes())?;
                self.write(ptr + 4, &len.to_le_bytes())
            }
            (I::List(elem), Val::List(items)) => {
                let (p, len) = self.store_list(elem, items)?;
                self.write(ptr, &p.to_le_bytes())?;
                self.write(ptr + 4, &len.to_le_bytes())
            }
            (I::Map(..), Val::Map(entries)) => {
                let (p, len) = self.store_map(ty, entries)?;
                self.write(ptr, &p.to_le_bytes())?;
                self.write(ptr + 4, &len.to_le_bytes())
            }
            (I::FixedLengthList(elem, n), Val::FixedLengthList(items)) => {
                check_fixed_len(*n, items)?;
                let size = elem.size();
                for (i, item) in items.iter().enumerate() {
                    let at = ptr
                        .checked_add(i as u32 * size)
                        .ok_or_else(|| anyhow!("pointer out of bounds of memory: {ptr:#x}"))?;
                    self.store(elem, item, at)?;
                }
                Ok(())
            }
            (I::Record(fields), Val::Record(vals)) => {
                self.check_record(fields, vals)?;
                for (((_, t), (_, v)), off) in fields.iter().zip(vals).zip(ty.field_offsets()) {
                    self.store(t, v, ptr + off)?;
                }
                Ok(())
            }
            (I::Tuple(ts), Val::Tuple(vals)) => {
                ensure!(
                    ts.len() == vals.len(),
                    "expected a tuple of {} values, found {}",
                    ts.len(),
                    vals.len()
                );
                for ((t, v), off) in ts.iter().zip(vals).zip(ty.field_offsets()) {
                    self.store(t, v, ptr + off)?;
                }
                Ok(())
            }
            (I::Flags(names), Val::Flags(set)) => {
                let words = flag_words(names, set)?;
                match ty.size() {
                    0 => Ok(()),
                    1 => self.write(ptr, &[words[0] as u8]),
                    2 => self.write(ptr, &(words[0] as u16).to_le_bytes()),
                    _ => {
                        for (i, w) in words.iter().enumerate() {
                            self.write(ptr + 4 * i as u32, &w.to_le_bytes())?;
                        }
                        Ok(())
                    }
                }
            }
            (I::Variant(_) | I::Enum(_) | I::Option(_) | I::Result { .. }, _) => {
                let (case, payload) = case_of(ty, v)?;
                let cases = ty.variant_cases();
                match discriminant_size(cases.len()) {
                    1 => self.write(ptr, &[case as u8])?,
                    2 => self.write(ptr, &(case as u16).to_le_bytes())?,
                    _ => self.write(ptr, &case.to_le_bytes())?,
                }
                if let (Some(case_ty), Some(p)) = (cases[case as usize], payload) {
                    self.store(case_ty, p, ptr + ty.payload_offset())?;
                }
                Ok(())
            }
            _ => Err(mismatch(ty, v)),
        }
    }

    pub(super) fn store_list(&mut self, elem: &InterfaceType, items: &[Val]) -> Result<(u32, u32)> {
        let size = elem.size();
        let bytes = u32::try_from(items.len())
            .ok()
            .and_then(|n| n.checked_mul(size))
            .ok_or_else(|| anyhow!("list too large"))?;
        let ptr = self.realloc(0, 0, elem.align(), bytes)?;
        for (i, item) in items.iter().enumerate() {
            self.store(elem, item, ptr + i as u32 * size)?;
        }
        Ok((ptr, items.len() as u32))
    }

    // -- lifting ----------------------------------------------------------

    /// Lifts a value of type `ty` from flat core values.
    pub(crate) fn lift_flat(
        &mut self,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Val> {
        use InterfaceType as I;
        let mut next = || src.next().ok_or_else(|| anyhow!("too few core values"));
        Ok(match ty {
            I::Bool => Val::Bool(next()?.get_u32() != 0),
            I::S8 => Val::S8(next()?.get_i32() as i8),
            I::U8 => Val::U8(next()?.get_u32() as u8),
            I::S16 => Val::S16(next()?.get_i32() as i16),
            I::U16 => Val::U16(next()?.get_u32() as u16),
            I::S32 => Val::S32(next()?.get_i32()),
            I::U32 => Val::U32(next()?.get_u32()),
            I::S64 => Val::S64(next()?.get_i64()),
            I::U64 => Val::U64(next()?.get_u64()),
            I::Float32 => Val::Float32(f32::from_bits(next()?.get_f32())),
            I::Float64 => Val::Float64(f64::from_bits(next()?.get_f64())),
            I::Char => Val::Char(lift_char(next()?.get_u32())?),
            I::Own(_) | I::Borrow(_) => {
                let handle = next()?.get_u32();
                self.lift_handle(ty, handle)?
            }
            I::Stream(_) | I::Future(_) | I::ErrorContext => {
                let handle = next()?.get_u32();
                self.lift_async_handle(ty, handle)?
            }
            I::String => {
                let (ptr, len) = (next()?.get_u32(), next()?.get_u32());
                Val::String(self.load_string(ptr, len)?)
            }
            I::List(elem) => {
                let (ptr, len) = (next()?.get_u32(), next()?.get_u32());
                Val::List(self.load_list(elem, ptr, len)?)
            }
            I::Map(..) => {
                let (ptr, len) = (next()?.get_u32(), next()?.get_u32());
                self.load_map(ty, ptr, len)?
            }
            I::FixedLengthList(elem, n) => Val::FixedLengthList(
                (0..*n)
                    .map(|_| self.lift_flat(elem, src))
                    .collect::<Result<_>>()?,
            ),
            I::Record(fields) => Val::Record(
                fields
                    .iter()
                    .map(|(n, t)| Ok((n.clone(), self.lift_flat(t, src)?)))
                    .collect::<Result<_>>()?,
            ),
            I::Tuple(ts) => Val::Tuple(
                ts.iter()
                    .map(|t| self.lift_flat(t, src))
                    .collect::<Result<_>>()?,
            ),
            I::Flags(names) => {
                let words = (0..names.len().div_ceil(32))
                    .map(|_| Ok(next()?.get_u32()))
                    .collect::<Result<Vec<_>>>()?;
                Val::Flags(flags_of(names, &words))
            }
            I::Variant(_) | I::Enum(_) | I::Option(_) | I::Result { .. } => {
                let case = next()?.get_u32();
                let joined = ty.flat()[1..].to_vec();
                let raws = joined.iter().map(|_| next()).collect::<Result<Vec<_>>>()?;
                let cases = ty.variant_cases();
                let case_ty = *cases.get(case as usize).ok_or_else(|| {
                    anyhow!(
                        "invalid variant discriminant: discriminant {case} out of range [0..{})",
                        cases.len()
                    )
                })?;
                let payload = match case_ty {
                    Some(t) => {
                        let mut vals = raws
                            .into_iter()
                            .zip(&joined)
                            .zip(t.flat())
                            .map(|((raw, j), to)| uncoerce(raw, *j, to));
                        Some(Box::new(self.lift_flat(t, &mut vals)?))
                    }
                    None => None,
                };
                make_case(ty, case, payload)
            }
        })
    }

    /// Loads a value of type `ty` from `ptr`.
    pub(crate) fn load(&mut self, ty: &InterfaceType, ptr: u32) -> Result<Val> {
        use InterfaceType as I;
        ensure!(
            ptr.is_multiple_of(ty.align()),
            "pointer {ptr:#x} is not aligned to {}",
            ty.align()
        );
        // The whole value is in bounds, so no field offset below overflows.
        self.range(ptr, ty.size() as usize)?;
        Ok(match ty {
            I::Bool => Val::Bool(self.read::<1>(ptr)?[0] != 0),
            I::S8 => Val::S8(self.read::<1>(ptr)?[0] as i8),
            I::U8 => Val::U8(self.read::<1>(ptr)?[0]),
            I::S16 => Val::S16(i16::from_le_bytes(self.read(ptr)?)),
            I::U16 => Val::U16(u16::from_le_bytes(self.read(ptr)?)),
            I::S32 => Val::S32(i32::from_le_bytes(self.read(ptr)?)),
            I::U32 => Val::U32(u32::from_le_bytes(self.read(ptr)?)),
            I::S64 => Val::S64(i64::from_le_bytes(self.read(ptr)?)),
            I::U64 => Val::U64(u64::from_le_bytes(self.read(ptr)?)),
            I::Float32 => Val::Float32(f32::from_le_bytes(self.read(ptr)?)),
            I::Float64 => Val::Float64(f64::from_le_bytes(self.read(ptr)?)),
            I::Char => Val::Char(lift_char(u32::from_le_bytes(self.read(ptr)?))?),
            I::Own(_) | I::Borrow(_) => {
                let handle = u32::from_le_bytes(self.read(ptr)?);
                self.lift_handle(ty, handle)?
            }
            I::Stream(_) | I::Future(_) | I::ErrorContext => {
                let handle = u32::from_le_bytes(self.read(ptr)?);
                self.lift_async_handle(ty, handle)?
            }
            I::String => {
                let p = u32::from_le_bytes(self.read(ptr)?);
                let len = u32::from_le_bytes(self.read(ptr + 4)?);
                Val::String(self.load_string(p, len)?)
            }
            I::List(elem) => {
                let p = u32::from_le_bytes(self.read(ptr)?);
                let len = u32::from_le_bytes(self.read(ptr + 4)?);
                Val::List(self.load_list(elem, p, len)?)
            }
            I::Map(..) => {
                let p = u32::from_le_bytes(self.read(ptr)?);
                let len = u32::from_le_bytes(self.read(ptr + 4)?);
                self.load_map(ty, p, len)?
            }
            I::FixedLengthList(elem, n) => {
                let size = elem.size();
                Val::FixedLengthList(
                    (0..*n)
                        .map(|i| {
                            let at = ptr.checked_add(i * size).ok_or_else(|| {
                                anyhow!("pointer out of bounds of memory: {ptr:#x}")
                            })?;
                            self.load(elem, at)
                        })
                        .collect::<Result<_>>()?,
                )
            }
            I::Record(fields) => Val::Record(
                fields
                    .iter()
                    .zip(ty.field_offsets())
                    .map(|((n, t), off)| Ok((n.clone(), self.load(t, ptr + off)?)))
                    .collect::<Result<_>>()?,
            ),
            I::Tuple(ts) => Val::Tuple(
                ts.iter()
                    .zip(ty.field_offsets())
                    .map(|(t, off)| self.load(t, ptr + off))
                    .collect::<Result<_>>()?,
            ),
            I::Flags(names) => {
                let words = match ty.size() {
                    0 => vec![],
                    1 => vec![u32::from(self.read::<1>(ptr)?[0])],
                    2 => vec![u32::from(u16::from_le_bytes(self.read(ptr)?))],
                    n => (0..n / 4)
                        .map(|i| Ok(u32::from_le_bytes(self.read(ptr + 4 * i)?)))
                        .collect::<Result<_>>()?,
                };
                Val::Flags(flags_of(names, &words))
            }
            I::Variant(_) | I::Enum(_) | I::Option(_) | I::Result { .. } => {
                let cases = ty.variant_cases();
                let case = match discriminant_size(cases.len()) {
                    1 => u32::from(self.read::<1>(ptr)?[0]),
                    2 => u32::from(u16::from_le_bytes(self.read(ptr)?)),
                    _ => u32::from_le_bytes(self.read(ptr)?),
                };
                let case_ty = *cases.get(case as usize).ok_or_else(|| {
                    anyhow!(
                        "invalid variant discriminant: discriminant {case} out of range [0..{})",
                        cases.len()
                    )
                })?;
                let payload = match case_ty {
                    Some(t) => Some(Box::new(self.load(t, ptr + ty.payload_offset())?)),
                    None => None,
                };
                make_case(ty, case, payload)
            }
        })
    }

    pub(super) fn load_list(
        &mut self,
        elem: &InterfaceType,
        ptr: u32,
        len: u32,
    ) -> Result<Vec<Val>> {
        let size = elem.size();
        ensure!(
            ptr.is_multiple_of(elem.align()),
            "list pointer {ptr:#x} is not aligned"
        );
        let bytes = (len as usize)
            .checked_mul(size as usize)
            .ok_or_else(|| anyhow!("list too large"))?;
        self.range(ptr, bytes)?;
        (0..len).map(|i| self.load(elem, ptr + i * size)).collect()
    }
}

pub(crate) fn lift_char(bits: u32) -> Result<char> {
    char::from_u32(bits).ok_or_else(|| anyhow!("invalid `char` bit pattern: {bits:#x}"))
}

/// The case index and payload of a variant-like value.
fn case_of<'v>(ty: &InterfaceType, v: &'v Val) -> Result<(u32, Option<&'v Val>)> {
    use InterfaceType as I;
    let found = match (ty, v) {
        (I::Variant(cases), Val::Variant(name, payload)) => {
            let i = cases
                .iter()
                .position(|(n, _)| n == name)
                .ok_or_else(|| anyhow!("unknown variant case `{name}`"))?;
            ensure!(
                cases[i].1.is_some() == payload.is_some(),
                "variant case `{name}` payload mismatch"
            );
            (i as u32, payload.as_deref())
        }
        (I::Enum(names), Val::Enum(name)) => {
            let i = names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| anyhow!("unknown enum case `{name}`"))?;
            (i as u32, None)
        }
        (I::Option(_), Val::Option(None)) => (0, None),
        (I::Option(_), Val::Option(Some(p))) => (1, Some(&**p)),
        (I::Result { ok, err }, Val::Result(r)) => {
            let (case, payload, expected) = match r {
                Ok(p) => (0, p.as_deref(), ok.is_some()),
                Err(p) => (1, p.as_deref(), err.is_some()),
            };
            ensure!(payload.is_some() == expected, "result payload mismatch");
            (case, payload)
        }
        _ => return Err(mismatch(ty, v)),
    };
    Ok(found)
}

fn make_case(ty: &InterfaceType, case: u32, payload: Option<Box<Val>>) -> Val {
    match ty {
        InterfaceType::Variant(cases) => Val::Variant(cases[case as usize].0.clone(), payload),
        InterfaceType::Enum(names) => Val::Enum(names[case as usize].clone()),
        InterfaceType::Option(_) => Val::Option(payload),
        _ if case == 0 => Val::Result(Ok(payload)),
        _ => Val::Result(Err(payload)),
    }
}

fn flag_words(names: &[String], set: &[String]) -> Result<Vec<u32>> {
    let mut words = vec![0u32; names.len().div_ceil(32)];
    for flag in set {
        let i = names
            .iter()
            .position(|n| n == flag)
            .ok_or_else(|| anyhow!("unknown flag `{flag}`"))?;
        words[i / 32] |= 1 << (i % 32);
    }
    Ok(words)
}

fn flags_of(names: &[String], words: &[u32]) -> Vec<String> {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| words.get(i / 32).is_some_and(|w| w & (1 << (i % 32)) != 0))
        .map(|(_, n)| n.clone())
        .collect()
}
