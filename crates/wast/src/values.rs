//! Conversion of `.wast` argument constants into runtime values and
//! comparison of runtime results against `.wast` expectations.

use anyhow::{bail, Result};
use wasmtime::{AnyRef, AsContext, AsContextMut, ExternRef, Val, V128};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};

/// Converts one `invoke` argument into a runtime value.
pub(crate) fn arg_to_val(mut store: impl AsContextMut, arg: &WastArg<'_>) -> Result<Val> {
    let core = match arg {
        WastArg::Core(core) => core,
        #[allow(unreachable_patterns)]
        _ => bail!("component-model arguments are not supported"),
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(V128::from(u128::from_le_bytes(v.to_le_bytes()))),
        WastArgCore::RefNull(heap) => match null_kind(heap) {
            Some(NullKind::Func) => Val::FuncRef(None),
            Some(NullKind::Extern) => Val::ExternRef(None),
            Some(NullKind::Any) => Val::AnyRef(None),
            Some(NullKind::Exn) => Val::ExnRef(None),
            Some(NullKind::Cont) => Val::ContRef(None),
            None => bail!("unsupported null reference type {heap:?}"),
        },
        WastArgCore::RefExtern(n) => {
            let r = ExternRef::new(store.as_context_mut(), *n)?;
            Val::ExternRef(Some(r))
        }
        // A host value seen from the internal hierarchy, as wasm's
        // `any.convert_extern` makes it.
        WastArgCore::RefHost(n) => {
            let r = ExternRef::new(store.as_context_mut(), *n)?;
            Val::AnyRef(Some(AnyRef::convert_extern(store.as_context_mut(), r)?))
        }
    })
}

#[derive(PartialEq)]
enum NullKind {
    Func,
    Extern,
    Any,
    Exn,
    Cont,
}

fn null_kind(heap: &HeapType<'_>) -> Option<NullKind> {
    use AbstractHeapType as A;
    match heap {
        HeapType::Abstract { shared: false, ty } => match ty {
            A::Func | A::NoFunc => Some(NullKind::Func),
            A::Extern | A::NoExtern => Some(NullKind::Extern),
            A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None => Some(NullKind::Any),
            A::Exn | A::NoExn => Some(NullKind::Exn),
            A::Cont | A::NoCont => Some(NullKind::Cont),
        },
        // A concrete type's null: the kind of the type is not known here,
        // so the expectation `(ref.null $t)` accepts any null.
        _ => None,
    }
}

/// Whether a null of `kind` satisfies the expectation `(ref.null heap)`.
fn null_matches(kind: NullKind, heap: &Option<HeapType<'_>>) -> bool {
    match heap {
        None => true,
        Some(h @ HeapType::Abstract { .. }) => null_kind(h) == Some(kind),
        Some(_) => true,
    }
}

/// The host data of an `externref` (or of a host value converted into an
/// `anyref`), if it is a `u32`.
fn host_u32<S: AsContext>(store: &S, r: &ExternRef) -> Result<Option<u32>> {
    Ok(r.data(store)?
        .and_then(|d| d.downcast_ref::<u32>())
        .copied())
}

/// Checks `actual` against `expected`. `Ok(())` on a match, otherwise an
/// error describing the difference.
pub(crate) fn check_ret<S: AsContextMut>(
    store: &mut S,
    actual: &Val,
    expected: &WastRet<'_>,
) -> Result<()> {
    let core = match expected {
        WastRet::Core(core) => core,
        #[allow(unreachable_patterns)]
        _ => bail!("component-model results are not supported"),
    };
    match matches(store, actual, core)? {
        true => Ok(()),
        false => bail!(
            "expected {}, got {}",
            describe_expected(core),
            describe_val(&*store, actual)
        ),
    }
}

fn matches<S: AsContextMut>(
    store: &mut S,
    actual: &Val,
    expected: &WastRetCore<'_>,
) -> Result<bool> {
    Ok(match (actual, expected) {
        (_, WastRetCore::Either(options)) => {
            for option in options {
                if matches(store, actual, option)? {
                    return Ok(true);
                }
            }
            false
        }
        (Val::I32(a), WastRetCore::I32(e)) => a == e,
        (Val::I64(a), WastRetCore::I64(e)) => a == e,
        (Val::F32(a), WastRetCore::F32(e)) => f32_matches(*a, e),
        (Val::F64(a), WastRetCore::F64(e)) => f64_matches(*a, e),
        (Val::V128(a), WastRetCore::V128(e)) => v128_matches(a.as_u128(), e),
        (Val::FuncRef(r), WastRetCore::RefNull(heap)) => {
            r.is_none() && null_matches(NullKind::Func, heap)
        }
        (Val::ExternRef(r), WastRetCore::RefNull(heap)) => {
            r.is_none() && null_matches(NullKind::Extern, heap)
        }
        (Val::AnyRef(r), WastRetCore::RefNull(heap)) => {
            r.is_none() && null_matches(NullKind::Any, heap)
        }
        (Val::ExnRef(r), WastRetCore::RefNull(heap)) => {
            r.is_none() && null_matches(NullKind::Exn, heap)
        }
        (Val::ContRef(r), WastRetCore::RefNull(heap)) => {
            r.is_none() && null_matches(NullKind::Cont, heap)
        }
        (Val::AnyRef(Some(_)), WastRetCore::RefAny) => true,
        (Val::AnyRef(Some(r)), WastRetCore::RefEq) => r.is_eqref(&*store)?,
        (Val::AnyRef(Some(r)), WastRetCore::RefI31) => r.is_i31(&*store)?,
        (Val::AnyRef(Some(r)), WastRetCore::RefStruct) => r.is_struct(&*store)?,
        (Val::AnyRef(Some(r)), WastRetCore::RefArray) => r.is_array(&*store)?,
        (Val::AnyRef(Some(r)), WastRetCore::RefHost(n)) => {
            // The host data, seen through `extern.convert_any`.
            let e = ExternRef::convert_any(&mut *store, r.clone())?;
            host_u32(&*store, &e)? == Some(*n)
        }
        (Val::FuncRef(r), WastRetCore::RefFunc(_)) => r.is_some(),
        (Val::ExternRef(None), WastRetCore::RefExtern(_)) => false,
        (Val::ExternRef(Some(_)), WastRetCore::RefExtern(None)) => true,
        (Val::ExternRef(Some(r)), WastRetCore::RefExtern(Some(n))) => {
            host_u32(&*store, r)? == Some(*n)
        }
        (_, WastRetCore::RefI31Shared) => bail!("unsupported expected result {expected:?}"),
        _ => false,
    })
}

/// Whether an f32 with the given bits is a canonical NaN.
pub(crate) fn is_canonical_nan32(bits: u32) -> bool {
    bits & 0x7fff_ffff == 0x7fc0_0000
}

/// Whether an f32 with the given bits is an arithmetic NaN.
pub(crate) fn is_arithmetic_nan32(bits: u32) -> bool {
    bits & 0x7fc0_0000 == 0x7fc0_0000
}

/// Whether an f64 with the given bits is a canonical NaN.
pub(crate) fn is_canonical_nan64(bits: u64) -> bool {
    bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
}

/// Whether an f64 with the given bits is an arithmetic NaN.
pub(crate) fn is_arithmetic_nan64(bits: u64) -> bool {
    bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
}

fn f32_matches(actual: u32, expected: &NanPattern<F32>) -> bool {
    match expected {
        NanPattern::CanonicalNan => is_canonical_nan32(actual),
        NanPattern::ArithmeticNan => is_arithmetic_nan32(actual),
        NanPattern::Value(v) => actual == v.bits,
    }
}

fn f64_matches(actual: u64, expected: &NanPattern<F64>) -> bool {
    match expected {
        NanPattern::CanonicalNan => is_canonical_nan64(actual),
        NanPattern::ArithmeticNan => is_arithmetic_nan64(actual),
        NanPattern::Value(v) => actual == v.bits,
    }
}

fn v128_matches(actual: u128, expected: &V128Pattern) -> bool {
    let bytes = actual.to_le_bytes();
    let lane = |i: usize, n: usize| -> u64 {
        let mut buf = [0u8; 8];
        buf[..n].copy_from_slice(&bytes[i * n..(i + 1) * n]);
        u64::from_le_bytes(buf)
    };
    match expected {
        V128Pattern::I8x16(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 1) == u64::from(*v as u8)),
        V128Pattern::I16x8(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 2) == u64::from(*v as u16)),
        V128Pattern::I32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 4) == u64::from(*v as u32)),
        V128Pattern::I64x2(e) => e.iter().enumerate().all(|(i, v)| lane(i, 8) == *v as u64),
        V128Pattern::F32x4(e) => e
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(lane(i, 4) as u32, p)),
        V128Pattern::F64x2(e) => e
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(lane(i, 8), p)),
    }
}

fn describe_nan32(p: &NanPattern<F32>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => format!("{} ({:#010x})", f32::from_bits(v.bits), v.bits),
    }
}

fn describe_nan64(p: &NanPattern<F64>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => format!("{} ({:#018x})", f64::from_bits(v.bits), v.bits),
    }
}

fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(" ")
}

/// Human-readable form of an expected result.
pub(crate) fn describe_expected(e: &WastRetCore<'_>) -> String {
    match e {
        WastRetCore::I32(v) => format!("i32:{v}"),
        WastRetCore::I64(v) => format!("i64:{v}"),
        WastRetCore::F32(p) => format!("f32:{}", describe_nan32(p)),
        WastRetCore::F64(p) => format!("f64:{}", describe_nan64(p)),
        WastRetCore::V128(p) => match p {
            V128Pattern::I8x16(v) => format!("v128:i8x16 {}", join(v, |x| x.to_string())),
            V128Pattern::I16x8(v) => format!("v128:i16x8 {}", join(v, |x| x.to_string())),
            V128Pattern::I32x4(v) => format!("v128:i32x4 {}", join(v, |x| x.to_string())),
            V128Pattern::I64x2(v) => format!("v128:i64x2 {}", join(v, |x| x.to_string())),
            V128Pattern::F32x4(v) => format!("v128:f32x4 {}", join(v, describe_nan32)),
            V128Pattern::F64x2(v) => format!("v128:f64x2 {}", join(v, describe_nan64)),
        },
        WastRetCore::RefNull(_) => "ref.null".to_string(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".to_string(),
        WastRetCore::RefFunc(_) => "ref.func".to_string(),
        WastRetCore::Either(options) => format!(
            "either({})",
            options
                .iter()
                .map(describe_expected)
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        other => format!("{other:?}"),
    }
}

/// Human-readable form of a runtime value.
pub(crate) fn describe_val<S: AsContext>(store: &S, v: &Val) -> String {
    match v {
        Val::I32(v) => format!("i32:{v} ({:#x})", *v as u32),
        Val::I64(v) => format!("i64:{v} ({:#x})", *v as u64),
        Val::F32(b) => format!("f32:{} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} ({b:#018x})", f64::from_bits(*b)),
        Val::V128(v) => format!("v128:{:#034x}", v.as_u128()),
        Val::FuncRef(None)
        | Val::ExternRef(None)
        | Val::AnyRef(None)
        | Val::ExnRef(None)
        | Val::ContRef(None) => "ref.null".to_string(),
        Val::ContRef(Some(_)) => "ref.cont".to_string(),
        Val::AnyRef(Some(r)) => match r.as_i31(store) {
            Ok(Some(i)) => format!("ref.i31 {}", i.get_u32()),
            _ => "ref.any".to_string(),
        },
        Val::FuncRef(Some(_)) => "ref.func".to_string(),
        Val::ExternRef(Some(r)) => match r.data(store) {
            Ok(Some(d)) => match d.downcast_ref::<u32>() {
                Some(n) => format!("ref.extern {n}"),
                None => "ref.extern (non-u32 host data)".to_string(),
            },
            Ok(None) => "ref.extern (no host data)".to_string(),
            Err(e) => format!("ref.extern (error reading data: {e})"),
        },
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wast::token::{F32, F64};

    fn f32p(bits: u32) -> NanPattern<F32> {
        NanPattern::Value(F32 { bits })
    }

    #[test]
    fn v128_lanes() {
        let v = u128::from_le_bytes([
            1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0x3f,
        ]);
        assert!(v128_matches(
            v,
            &V128Pattern::I32x4([1, -1, 0x7fc0_0000, 0x3f80_0000])
        ));
        assert!(!v128_matches(
            v,
            &V128Pattern::I32x4([1, -1, 0, 0x3f80_0000])
        ));
        assert!(v128_matches(
            v,
            &V128Pattern::F32x4([
                f32p(1),
                f32p(u32::MAX),
                NanPattern::CanonicalNan,
                f32p(0x3f80_0000)
            ])
        ));
        assert!(!v128_matches(
            v,
            &V128Pattern::F32x4([f32p(1), f32p(u32::MAX), f32p(0), NanPattern::ArithmeticNan])
        ));
        let mut bytes = [0i8; 16];
        bytes[0] = 1;
        bytes[4] = -1;
        bytes[5] = -1;
        bytes[6] = -1;
        bytes[7] = -1;
        bytes[10] = -64;
        bytes[11] = 0x7f;
        bytes[14] = -128;
        bytes[15] = 0x3f;
        assert!(v128_matches(v, &V128Pattern::I8x16(bytes)));
        assert!(v128_matches(
            v,
            &V128Pattern::I16x8([1, 0, -1, -1, 0, 0x7fc0, 0, 0x3f80])
        ));
        assert!(v128_matches(
            v,
            &V128Pattern::I64x2([0xffff_ffff_0000_0001u64 as i64, 0x3f80_0000_7fc0_0000])
        ));
        let nan64 = u128::from(0x7ff8_0000_0000_0000u64) | (u128::from(2f64.to_bits()) << 64);
        assert!(v128_matches(
            nan64,
            &V128Pattern::F64x2([
                NanPattern::ArithmeticNan,
                NanPattern::Value(F64 {
                    bits: 2f64.to_bits()
                })
            ])
        ));
    }
}
