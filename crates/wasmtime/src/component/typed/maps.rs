//! [`ComponentType`], [`Lower`] and [`Lift`] for `map<K, V>` (Rust's
//! `HashMap<K, V>`, entries stored as a list of `tuple<K, V>`) and for
//! `list<T, N>` (arrays `[T; N]`, stored inline).

use super::internal::{mismatch, next_raw};
use super::{ComponentType, Lift, Lower};
use crate::component::abi::Cx;
use anyhow::{anyhow, ensure, Context as _, Result};
use std::collections::HashMap;
use std::hash::Hash;
use wasmtime_environ::component::InterfaceType;
use wasmtime_runtime::vmcontext::ValRaw;

fn map_types(ty: &InterfaceType) -> Result<(&InterfaceType, &InterfaceType)> {
    match ty {
        InterfaceType::Map(k, v) => Ok((k, v)),
        _ => Err(mismatch("map", ty)),
    }
}

/// `ptr + offset`, an error past the 32-bit address space.
fn at(ptr: u32, offset: u32) -> Result<u32> {
    ptr.checked_add(offset)
        .ok_or_else(|| anyhow!("pointer out of bounds of memory: {ptr:#x} + {offset:#x}"))
}

fn check_align(ptr: u32, align: u32) -> Result<()> {
    ensure!(
        ptr.is_multiple_of(align),
        "pointer {ptr:#x} is not aligned to {align}"
    );
    Ok(())
}

impl<K: ComponentType, V: ComponentType> ComponentType for HashMap<K, V> {
    fn ty() -> InterfaceType {
        InterfaceType::Map(Box::new(K::ty()), Box::new(V::ty()))
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        let (k, v) = map_types(ty)?;
        K::typecheck(k).context("in map key")?;
        V::typecheck(v).context("in map value")
    }
}

/// Allocates guest memory for the entries and stores them as
/// `tuple<K, V>`s, returning the list's pointer and length.
fn store_map<K: Lower, V: Lower>(
    map: &HashMap<K, V>,
    cx: &mut Cx<'_>,
    ty: &InterfaceType,
) -> Result<(u32, u32)> {
    let (kt, vt) = map_types(ty)?;
    let entry = ty.map_entry().ok_or_else(|| mismatch("map", ty))?;
    let offsets = entry.field_offsets();
    let size = entry.size();
    let len = u32::try_from(map.len()).map_err(|_| anyhow!("map too large"))?;
    let bytes = len
        .checked_mul(size)
        .ok_or_else(|| anyhow!("map too large"))?;
    let ptr = cx.realloc(0, 0, entry.align(), bytes)?;
    for (i, (k, v)) in map.iter().enumerate() {
        let entry_at = at(ptr, i as u32 * size)?;
        k.store(cx, kt, at(entry_at, offsets[0])?)?;
        v.store(cx, vt, at(entry_at, offsets[1])?)?;
    }
    Ok((ptr, len))
}

impl<K: Lower, V: Lower> Lower for HashMap<K, V> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        let (ptr, len) = store_map(self, cx, ty)?;
        out.extend([ValRaw::u32(ptr), ValRaw::u32(len)]);
        Ok(())
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        check_align(ptr, 4)?;
        let (p, len) = store_map(self, cx, ty)?;
        cx.write(ptr, &p.to_le_bytes())?;
        cx.write(at(ptr, 4)?, &len.to_le_bytes())
    }
}

/// Loads `len` `tuple<K, V>` entries at `ptr` (a later key replaces an
/// earlier equal one).
fn load_map<K, V>(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32, len: u32) -> Result<HashMap<K, V>>
where
    K: Lift + Eq + Hash,
    V: Lift,
{
    let (kt, vt) = map_types(ty)?;
    let entry = ty.map_entry().ok_or_else(|| mismatch("map", ty))?;
    let offsets = entry.field_offsets();
    let size = entry.size();
    check_align(ptr, entry.align())?;
    let bytes = (len as usize)
        .checked_mul(size as usize)
        .ok_or_else(|| anyhow!("map too large"))?;
    cx.range(ptr, bytes)?;
    let mut map = HashMap::with_capacity(len as usize);
    for i in 0..len {
        let at = ptr + i * size;
        let k = K::load(cx, kt, at + offsets[0])?;
        let v = V::load(cx, vt, at + offsets[1])?;
        map.insert(k, v);
    }
    Ok(map)
}

impl<K, V> Lift for HashMap<K, V>
where
    K: Lift + Eq + Hash,
    V: Lift,
{
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        let (ptr, len) = (next_raw(src)?.get_u32(), next_raw(src)?.get_u32());
        load_map(cx, ty, ptr, len)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        check_align(ptr, 4)?;
        let p = u32::from_le_bytes(cx.read(ptr)?);
        let len = u32::from_le_bytes(cx.read(at(ptr, 4)?)?);
        load_map(cx, ty, p, len)
    }
}

// -- fixed-length lists ------------------------------------------------------------

/// The element type of a `list<T, N>` whose length is `n`.
fn fixed_elem(ty: &InterfaceType, n: usize) -> Result<&InterfaceType> {
    match ty {
        InterfaceType::FixedLengthList(elem, len) if *len as usize == n => Ok(elem),
        _ => Err(mismatch(&format!("list<_, {n}>"), ty)),
    }
}

impl<T: ComponentType, const N: usize> ComponentType for [T; N] {
    fn ty() -> InterfaceType {
        InterfaceType::FixedLengthList(Box::new(T::ty()), N as u32)
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        T::typecheck(fixed_elem(ty, N)?).context("in fixed-length list element")
    }
}

impl<T: Lower, const N: usize> Lower for [T; N] {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        let elem = fixed_elem(ty, N)?;
        for item in self {
            item.lower_flat(cx, elem, out)?;
        }
        Ok(())
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        let elem = fixed_elem(ty, N)?;
        let size = elem.size();
        for (i, item) in self.iter().enumerate() {
            item.store(cx, elem, at(ptr, i as u32 * size)?)?;
        }
        Ok(())
    }
}

impl<T: Lift, const N: usize> Lift for [T; N] {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        let elem = fixed_elem(ty, N)?;
        let items = (0..N)
            .map(|_| T::lift_flat(cx, elem, src))
            .collect::<Result<Vec<_>>>()?;
        Ok(items.try_into().unwrap_or_else(|_| unreachable!("N items")))
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        let elem = fixed_elem(ty, N)?;
        let size = elem.size();
        let items = (0..N as u32)
            .map(|i| T::load(cx, elem, at(ptr, i * size)?))
            .collect::<Result<Vec<_>>>()?;
        Ok(items.try_into().unwrap_or_else(|_| unreachable!("N items")))
    }
}
