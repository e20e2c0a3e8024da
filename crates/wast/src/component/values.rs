//! Component values of scripts: turning `(u32.const 1)`, `(str.const
//! "x")`, `(record.const ...)` and friends into [`Val`]s, and checking
//! returned [`Val`]s against the expected ones.

use anyhow::{bail, Context as _, Result};
use wasmtime::component::Val;
use wast::component::WastVal;
use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// The [`Val`] of an argument of a component function: a component value,
/// or an `f32.const`/`f64.const`, which parse as core values.
pub(crate) fn arg_to_val(arg: &WastArg<'_>) -> Result<Val> {
    match arg {
        WastArg::Component(v) => to_val(v),
        WastArg::Core(WastArgCore::F32(f)) => Ok(Val::Float32(f32::from_bits(f.bits))),
        WastArg::Core(WastArgCore::F64(f)) => Ok(Val::Float64(f64::from_bits(f.bits))),
        other => bail!("expected a component value as argument, got {other:?}"),
    }
}

/// The [`Val`] a script's argument stands for.
pub(crate) fn to_val(v: &WastVal<'_>) -> Result<Val> {
    Ok(match v {
        WastVal::Bool(b) => Val::Bool(*b),
        WastVal::U8(n) => Val::U8(*n),
        WastVal::S8(n) => Val::S8(*n),
        WastVal::U16(n) => Val::U16(*n),
        WastVal::S16(n) => Val::S16(*n),
        WastVal::U32(n) => Val::U32(*n),
        WastVal::S32(n) => Val::S32(*n),
        WastVal::U64(n) => Val::U64(*n),
        WastVal::S64(n) => Val::S64(*n),
        WastVal::F32(f) => Val::Float32(f32::from_bits(f.bits)),
        WastVal::F64(f) => Val::Float64(f64::from_bits(f.bits)),
        WastVal::Char(c) => Val::Char(*c),
        WastVal::String(s) => Val::String((*s).to_string()),
        WastVal::List(items) => Val::List(items.iter().map(to_val).collect::<Result<_>>()?),
        WastVal::Tuple(items) => Val::Tuple(items.iter().map(to_val).collect::<Result<_>>()?),
        WastVal::Record(fields) => Val::Record(
            fields
                .iter()
                .map(|(name, v)| Ok(((*name).to_string(), to_val(v)?)))
                .collect::<Result<_>>()?,
        ),
        WastVal::Variant(case, payload) => Val::Variant((*case).to_string(), boxed(payload)?),
        WastVal::Enum(case) => Val::Enum((*case).to_string()),
        WastVal::Option(v) => Val::Option(boxed(v)?),
        WastVal::Result(Ok(v)) => Val::Result(Ok(boxed(v)?)),
        WastVal::Result(Err(v)) => Val::Result(Err(boxed(v)?)),
        WastVal::Flags(names) => Val::Flags(names.iter().map(|n| (*n).to_string()).collect()),
        WastVal::Map(_) => bail!("`map` values are not supported"),
    })
}

fn boxed(v: &Option<Box<WastVal<'_>>>) -> Result<Option<Box<Val>>> {
    v.as_deref().map(|v| Ok(Box::new(to_val(v)?))).transpose()
}

/// Checks the results of a component call against the expected ones.
pub(crate) fn check_results(actual: &[Val], expected: &[WastRet<'_>]) -> Result<()> {
    if actual.len() != expected.len() {
        bail!(
            "expected {} results, got {}: {actual:?}",
            expected.len(),
            actual.len()
        );
    }
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        match e {
            WastRet::Component(e) => {
                match_val(e, a).with_context(|| format!("result {i} mismatch"))?
            }
            WastRet::Core(WastRetCore::F32(e)) => match (e, a) {
                (NanPattern::Value(e), Val::Float32(_)) => match_val(&WastVal::F32(*e), a)
                    .with_context(|| format!("result {i} mismatch"))?,
                (_, Val::Float32(a)) if a.is_nan() => {}
                _ => bail!("result {i} mismatch: expected {e:?}, got {a:?}"),
            },
            WastRet::Core(WastRetCore::F64(e)) => match (e, a) {
                (NanPattern::Value(e), Val::Float64(_)) => match_val(&WastVal::F64(*e), a)
                    .with_context(|| format!("result {i} mismatch"))?,
                (_, Val::Float64(a)) if a.is_nan() => {}
                _ => bail!("result {i} mismatch: expected {e:?}, got {a:?}"),
            },
            other => bail!("expected a component value as result {i}, got {other:?}"),
        }
    }
    Ok(())
}

/// `Ok(())` when `actual` is the value `expected` describes.
pub(crate) fn match_val(expected: &WastVal<'_>, actual: &Val) -> Result<()> {
    let same = match (expected, actual) {
        (WastVal::Bool(e), Val::Bool(a)) => e == a,
        (WastVal::U8(e), Val::U8(a)) => e == a,
        (WastVal::S8(e), Val::S8(a)) => e == a,
        (WastVal::U16(e), Val::U16(a)) => e == a,
        (WastVal::S16(e), Val::S16(a)) => e == a,
        (WastVal::U32(e), Val::U32(a)) => e == a,
        (WastVal::S32(e), Val::S32(a)) => e == a,
        (WastVal::U64(e), Val::U64(a)) => e == a,
        (WastVal::S64(e), Val::S64(a)) => e == a,
        // A NaN matches any NaN (the canonical ABI canonicalizes them).
        (WastVal::F32(e), Val::Float32(a)) => {
            let e = f32::from_bits(e.bits);
            (e.is_nan() && a.is_nan()) || e.to_bits() == a.to_bits()
        }
        (WastVal::F64(e), Val::Float64(a)) => {
            let e = f64::from_bits(e.bits);
            (e.is_nan() && a.is_nan()) || e.to_bits() == a.to_bits()
        }
        (WastVal::Char(e), Val::Char(a)) => e == a,
        (WastVal::String(e), Val::String(a)) => e == a,
        (WastVal::Enum(e), Val::Enum(a)) => e == a,
        (WastVal::List(e), Val::List(a)) | (WastVal::Tuple(e), Val::Tuple(a)) => {
            if e.len() != a.len() {
                bail!("expected {} elements, got {}: {actual:?}", e.len(), a.len());
            }
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                match_val(e, a).with_context(|| format!("element {i} mismatch"))?;
            }
            true
        }
        (WastVal::Record(e), Val::Record(a)) => {
            if e.len() != a.len() {
                bail!("expected {} fields, got {}: {actual:?}", e.len(), a.len());
            }
            for ((en, ev), (an, av)) in e.iter().zip(a) {
                if en != an {
                    bail!("expected field `{en}`, got `{an}`");
                }
                match_val(ev, av).with_context(|| format!("field `{en}` mismatch"))?;
            }
            true
        }
        (WastVal::Variant(ec, ep), Val::Variant(ac, ap)) => {
            if ec != ac {
                bail!("expected case `{ec}`, got `{ac}`");
            }
            match_payload(ep, ap)?;
            true
        }
        (WastVal::Option(e), Val::Option(a)) => {
            match_payload(e, a)?;
            true
        }
        (WastVal::Result(e), Val::Result(a)) => {
            match (e, a) {
                (Ok(e), Ok(a)) | (Err(e), Err(a)) => match_payload(e, a)?,
                (Ok(_), Err(_)) => bail!("expected `ok`, got `error`: {actual:?}"),
                (Err(_), Ok(_)) => bail!("expected `error`, got `ok`: {actual:?}"),
            }
            true
        }
        (WastVal::Flags(e), Val::Flags(a)) => {
            let mut e: Vec<&str> = e.to_vec();
            let mut a: Vec<&str> = a.iter().map(String::as_str).collect();
            e.sort_unstable();
            a.sort_unstable();
            e == a
        }
        _ => false,
    };
    if !same {
        bail!("expected {expected:?}, got {actual:?}");
    }
    Ok(())
}

fn match_payload(expected: &Option<Box<WastVal<'_>>>, actual: &Option<Box<Val>>) -> Result<()> {
    match (expected, actual) {
        (None, None) => Ok(()),
        (Some(e), Some(a)) => match_val(e, a),
        (None, Some(a)) => bail!("expected no payload, got {a:?}"),
        (Some(e), None) => bail!("expected payload {e:?}, got none"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wast::token::F32;

    #[test]
    fn values_round_trip_and_mismatches_are_reported() {
        let e = WastVal::Record(vec![
            ("a", WastVal::U8(1)),
            ("b", WastVal::List(vec![WastVal::String("x")])),
        ]);
        let v = to_val(&e).unwrap();
        match_val(&e, &v).unwrap();
        let other = Val::Record(vec![
            ("a".into(), Val::U8(1)),
            ("b".into(), Val::List(vec![])),
        ]);
        assert!(match_val(&e, &other).is_err());
        let nan = WastVal::F32(F32 { bits: 0x7fc0_0001 });
        match_val(&nan, &Val::Float32(f32::NAN)).unwrap();
        assert!(match_val(&nan, &Val::Float32(1.0)).is_err());
        let flags = WastVal::Flags(vec!["b", "a"]);
        match_val(&flags, &Val::Flags(vec!["a".into(), "b".into()])).unwrap();
        assert!(to_val(&WastVal::Map(vec![])).is_err());
    }
}
