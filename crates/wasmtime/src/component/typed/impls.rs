//! [`ComponentType`], [`Lower`] and [`Lift`] for Rust's own types (tuples
//! are in `tuples.rs`).

use super::internal::{
    lift_case_flat, load_case, lower_case_flat, mismatch, next_raw, payload_ty, store_case,
    typecheck_payload,
};
use super::{ComponentType, Lift, Lower};
use crate::component::abi::{lift_char, Cx, CANONICAL_NAN32, CANONICAL_NAN64};
use anyhow::{anyhow, ensure, Context as _, Result};
use std::sync::Arc;
use wasmtime_environ::component::InterfaceType;
use wasmtime_runtime::vmcontext::ValRaw;

fn check_align(ptr: u32, align: u32) -> Result<()> {
    ensure!(
        ptr.is_multiple_of(align),
        "pointer {ptr:#x} is not aligned to {align}"
    );
    Ok(())
}

/// `ptr + offset`, an error past the 32-bit address space.
fn offset(ptr: u32, offset: u32) -> Result<u32> {
    ptr.checked_add(offset)
        .ok_or_else(|| anyhow!("pointer out of bounds of memory: {ptr:#x} + {offset:#x}"))
}

// -- numbers, bool and char ------------------------------------------------------

/// Numbers: stored little-endian at their own alignment, and lists of them
/// stored and loaded in one piece.
macro_rules! numbers {
    ($($t:ty, $variant:ident, $wit:literal, $to_raw:expr, $from_raw:expr, $canon:expr;)*) => {$(
        impl ComponentType for $t {
            fn ty() -> InterfaceType {
                InterfaceType::$variant
            }

            fn typecheck(ty: &InterfaceType) -> Result<()> {
                match ty {
                    InterfaceType::$variant => Ok(()),
                    _ => Err(mismatch($wit, ty)),
                }
            }
        }

        impl Lower for $t {
            fn lower_flat(
                &self,
                _cx: &mut Cx<'_>,
                ty: &InterfaceType,
                out: &mut Vec<ValRaw>,
            ) -> Result<()> {
                Self::typecheck(ty)?;
                let to_raw: fn($t) -> ValRaw = $to_raw;
                out.push(to_raw(*self));
                Ok(())
            }

            fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
                Self::typecheck(ty)?;
                check_align(ptr, std::mem::size_of::<$t>() as u32)?;
                let canon: fn($t) -> $t = $canon;
                cx.write(ptr, &canon(*self).to_le_bytes())
            }

            fn store_list(
                items: &[Self],
                cx: &mut Cx<'_>,
                elem: &InterfaceType,
                ptr: u32,
            ) -> Result<()> {
                Self::typecheck(elem)?;
                let canon: fn($t) -> $t = $canon;
                let bytes: Vec<u8> = items
                    .iter()
                    .flat_map(|x| canon(*x).to_le_bytes())
                    .collect();
                cx.write(ptr, &bytes)
            }
        }

        impl Lift for $t {
            fn lift_flat(
                _cx: &mut Cx<'_>,
                ty: &InterfaceType,
                src: &mut dyn Iterator<Item = ValRaw>,
            ) -> Result<Self> {
                Self::typecheck(ty)?;
                let from_raw: fn(ValRaw) -> $t = $from_raw;
                Ok(from_raw(next_raw(src)?))
            }

            fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
                Self::typecheck(ty)?;
                check_align(ptr, std::mem::size_of::<$t>() as u32)?;
                Ok(<$t>::from_le_bytes(cx.read(ptr)?))
            }

            fn load_list(
                cx: &mut Cx<'_>,
                elem: &InterfaceType,
                ptr: u32,
                len: u32,
            ) -> Result<Vec<Self>> {
                Self::typecheck(elem)?;
                const SIZE: usize = std::mem::size_of::<$t>();
                let range = cx.range(ptr, len as usize * SIZE)?;
                Ok(cx.memory()?[range]
                    .chunks_exact(SIZE)
                    .map(|c| <$t>::from_le_bytes(c.try_into().unwrap()))
                    .collect())
            }
        }
    )*};
}

numbers! {
    i8, S8, "s8", |x| ValRaw::i32(i32::from(x)), |r| r.get_i32() as i8, |x| x;
    u8, U8, "u8", |x| ValRaw::i32(i32::from(x)), |r| r.get_u32() as u8, |x| x;
    i16, S16, "s16", |x| ValRaw::i32(i32::from(x)), |r| r.get_i32() as i16, |x| x;
    u16, U16, "u16", |x| ValRaw::i32(i32::from(x)), |r| r.get_u32() as u16, |x| x;
    i32, S32, "s32", ValRaw::i32, |r| r.get_i32(), |x| x;
    u32, U32, "u32", ValRaw::u32, |r| r.get_u32(), |x| x;
    i64, S64, "s64", ValRaw::i64, |r| r.get_i64(), |x| x;
    u64, U64, "u64", ValRaw::u64, |r| r.get_u64(), |x| x;
    f32, Float32, "f32",
        |x| ValRaw::f32(canon_f32(x).to_bits()),
        |r| f32::from_bits(r.get_f32()),
        canon_f32;
    f64, Float64, "f64",
        |x| ValRaw::f64(canon_f64(x).to_bits()),
        |r| f64::from_bits(r.get_f64()),
        canon_f64;
}

fn canon_f32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(CANONICAL_NAN32)
    } else {
        x
    }
}

fn canon_f64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(CANONICAL_NAN64)
    } else {
        x
    }
}

impl ComponentType for bool {
    fn ty() -> InterfaceType {
        InterfaceType::Bool
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::Bool => Ok(()),
            _ => Err(mismatch("bool", ty)),
        }
    }
}

impl Lower for bool {
    fn lower_flat(
        &self,
        _cx: &mut Cx<'_>,
        ty: &InterfaceType,
        out: &mut Vec<ValRaw>,
    ) -> Result<()> {
        Self::typecheck(ty)?;
        out.push(ValRaw::i32(i32::from(*self)));
        Ok(())
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        Self::typecheck(ty)?;
        cx.write(ptr, &[u8::from(*self)])
    }
}

impl Lift for bool {
    fn lift_flat(
        _cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        Self::typecheck(ty)?;
        Ok(next_raw(src)?.get_u32() != 0)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        Self::typecheck(ty)?;
        Ok(cx.read::<1>(ptr)?[0] != 0)
    }
}

impl ComponentType for char {
    fn ty() -> InterfaceType {
        InterfaceType::Char
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::Char => Ok(()),
            _ => Err(mismatch("char", ty)),
        }
    }
}

impl Lower for char {
    fn lower_flat(
        &self,
        _cx: &mut Cx<'_>,
        ty: &InterfaceType,
        out: &mut Vec<ValRaw>,
    ) -> Result<()> {
        Self::typecheck(ty)?;
        out.push(ValRaw::u32(u32::from(*self)));
        Ok(())
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        Self::typecheck(ty)?;
        check_align(ptr, 4)?;
        cx.write(ptr, &u32::from(*self).to_le_bytes())
    }
}

impl Lift for char {
    fn lift_flat(
        _cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        Self::typecheck(ty)?;
        lift_char(next_raw(src)?.get_u32())
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        Self::typecheck(ty)?;
        check_align(ptr, 4)?;
        lift_char(u32::from_le_bytes(cx.read(ptr)?))
    }
}

// -- strings -------------------------------------------------------------------

impl ComponentType for str {
    fn ty() -> InterfaceType {
        InterfaceType::String
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::String => Ok(()),
            _ => Err(mismatch("string", ty)),
        }
    }
}

impl Lower for str {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        Self::typecheck(ty)?;
        let (ptr, len) = cx.store_string(self)?;
        out.extend([ValRaw::u32(ptr), ValRaw::u32(len)]);
        Ok(())
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        Self::typecheck(ty)?;
        check_align(ptr, 4)?;
        let (p, len) = cx.store_string(self)?;
        cx.write(ptr, &p.to_le_bytes())?;
        cx.write(offset(ptr, 4)?, &len.to_le_bytes())
    }
}

impl ComponentType for String {
    fn ty() -> InterfaceType {
        InterfaceType::String
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        str::typecheck(ty)
    }
}

impl Lower for String {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        self.as_str().lower_flat(cx, ty, out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        self.as_str().store(cx, ty, ptr)
    }
}

impl Lift for String {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        Self::typecheck(ty)?;
        let (ptr, len) = (next_raw(src)?.get_u32(), next_raw(src)?.get_u32());
        cx.load_string(ptr, len)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        Self::typecheck(ty)?;
        check_align(ptr, 4)?;
        let p = u32::from_le_bytes(cx.read(ptr)?);
        let len = u32::from_le_bytes(cx.read(offset(ptr, 4)?)?);
        cx.load_string(p, len)
    }
}

// -- lists ---------------------------------------------------------------------

fn list_elem(ty: &InterfaceType) -> Result<&InterfaceType> {
    match ty {
        InterfaceType::List(elem) => Ok(elem),
        _ => Err(mismatch("list", ty)),
    }
}

impl<T: ComponentType> ComponentType for [T] {
    fn ty() -> InterfaceType {
        InterfaceType::List(Box::new(T::ty()))
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        T::typecheck(list_elem(ty)?).context("in list element")
    }
}

/// Allocates guest memory for `items` and stores them there.
fn store_list<T: Lower>(cx: &mut Cx<'_>, elem: &InterfaceType, items: &[T]) -> Result<(u32, u32)> {
    let size = elem.size();
    let len = u32::try_from(items.len()).map_err(|_| anyhow!("list too large"))?;
    let bytes = len
        .checked_mul(size)
        .ok_or_else(|| anyhow!("list too large"))?;
    let ptr = cx.realloc(0, 0, elem.align(), bytes)?;
    T::store_list(items, cx, elem, ptr)?;
    Ok((ptr, len))
}

/// Loads a list of `len` elements at `ptr`, checked to be aligned and in
/// bounds.
fn load_list<T: Lift>(cx: &mut Cx<'_>, elem: &InterfaceType, ptr: u32, len: u32) -> Result<Vec<T>> {
    check_align(ptr, elem.align())?;
    let bytes = (len as usize)
        .checked_mul(elem.size() as usize)
        .ok_or_else(|| anyhow!("list too large"))?;
    cx.range(ptr, bytes)?;
    T::load_list(cx, elem, ptr, len)
}

impl<T: Lower> Lower for [T] {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        let (ptr, len) = store_list(cx, list_elem(ty)?, self)?;
        out.extend([ValRaw::u32(ptr), ValRaw::u32(len)]);
        Ok(())
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        check_align(ptr, 4)?;
        let (p, len) = store_list(cx, list_elem(ty)?, self)?;
        cx.write(ptr, &p.to_le_bytes())?;
        cx.write(offset(ptr, 4)?, &len.to_le_bytes())
    }
}

impl<T: ComponentType> ComponentType for Vec<T> {
    fn ty() -> InterfaceType {
        <[T]>::ty()
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        <[T]>::typecheck(ty)
    }
}

impl<T: Lower> Lower for Vec<T> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        self.as_slice().lower_flat(cx, ty, out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        self.as_slice().store(cx, ty, ptr)
    }
}

impl<T: Lift> Lift for Vec<T> {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        let elem = list_elem(ty)?;
        let (ptr, len) = (next_raw(src)?.get_u32(), next_raw(src)?.get_u32());
        load_list(cx, elem, ptr, len)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        let elem = list_elem(ty)?;
        check_align(ptr, 4)?;
        let p = u32::from_le_bytes(cx.read(ptr)?);
        let len = u32::from_le_bytes(cx.read(offset(ptr, 4)?)?);
        load_list(cx, elem, p, len)
    }
}

// -- pointers --------------------------------------------------------------------

/// `&T`, `Box<T>` and `Arc<T>` stand for `T`.
macro_rules! pointers {
    ($($p:ident)*) => {$(
        impl<T: ComponentType + ?Sized> ComponentType for $p<T> {
            fn ty() -> InterfaceType {
                T::ty()
            }

            fn typecheck(ty: &InterfaceType) -> Result<()> {
                T::typecheck(ty)
            }
        }

        impl<T: Lower + ?Sized> Lower for $p<T> {
            fn lower_flat(
                &self,
                cx: &mut Cx<'_>,
                ty: &InterfaceType,
                out: &mut Vec<ValRaw>,
            ) -> Result<()> {
                (**self).lower_flat(cx, ty, out)
            }

            fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
                (**self).store(cx, ty, ptr)
            }
        }

        impl<T: Lift> Lift for $p<T> {
            fn lift_flat(
                cx: &mut Cx<'_>,
                ty: &InterfaceType,
                src: &mut dyn Iterator<Item = ValRaw>,
            ) -> Result<Self> {
                T::lift_flat(cx, ty, src).map($p::new)
            }

            fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
                T::load(cx, ty, ptr).map($p::new)
            }
        }
    )*};
}

pointers!(Box Arc);

impl<T: ComponentType + ?Sized> ComponentType for &T {
    fn ty() -> InterfaceType {
        T::ty()
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        T::typecheck(ty)
    }
}

impl<T: Lower + ?Sized> Lower for &T {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        (**self).lower_flat(cx, ty, out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        (**self).store(cx, ty, ptr)
    }
}

// -- option and result -----------------------------------------------------------

impl<T: ComponentType> ComponentType for Option<T> {
    fn ty() -> InterfaceType {
        InterfaceType::Option(Box::new(T::ty()))
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::Option(t) => T::typecheck(t).context("in option payload"),
            _ => Err(mismatch("option", ty)),
        }
    }
}

impl<T: Lower> Lower for Option<T> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        match self {
            None => lower_case_flat::<T>(cx, ty, 0, None, out),
            Some(v) => lower_case_flat(cx, ty, 1, Some(v), out),
        }
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        match self {
            None => store_case::<T>(cx, ty, 0, None, ptr),
            Some(v) => store_case(cx, ty, 1, Some(v), ptr),
        }
    }
}

impl<T: Lift> Lift for Option<T> {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        let (case, payload) = lift_case_flat(cx, ty, src)?;
        Ok(match case {
            0 => None,
            _ => Some(payload.lift(cx)?),
        })
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        let (case, payload) = load_case(cx, ty, ptr)?;
        Ok(match case {
            0 => None,
            _ => Some(payload.lift(cx)?),
        })
    }
}

impl<T: ComponentType, E: ComponentType> ComponentType for Result<T, E> {
    fn ty() -> InterfaceType {
        InterfaceType::Result {
            ok: payload_ty(T::ty()),
            err: payload_ty(E::ty()),
        }
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::Result { ok, err } => {
                typecheck_payload(ok.as_deref(), T::typecheck)
                    .context("in result's `ok` payload")?;
                typecheck_payload(err.as_deref(), E::typecheck).context("in result's `err` payload")
            }
            _ => Err(mismatch("result", ty)),
        }
    }
}

impl<T: Lower, E: Lower> Lower for Result<T, E> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        match self {
            Ok(v) => lower_case_flat(cx, ty, 0, Some(v), out),
            Err(e) => lower_case_flat(cx, ty, 1, Some(e), out),
        }
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        match self {
            Ok(v) => store_case(cx, ty, 0, Some(v), ptr),
            Err(e) => store_case(cx, ty, 1, Some(e), ptr),
        }
    }
}

impl<T: Lift, E: Lift> Lift for Result<T, E> {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        let (case, payload) = lift_case_flat(cx, ty, src)?;
        Ok(match case {
            0 => Ok(payload.lift(cx)?),
            _ => Err(payload.lift(cx)?),
        })
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        let (case, payload) = load_case(cx, ty, ptr)?;
        Ok(match case {
            0 => Ok(payload.lift(cx)?),
            _ => Err(payload.lift(cx)?),
        })
    }
}
