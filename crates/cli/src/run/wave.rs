//! Component values in WAVE (the WebAssembly Value Encoding) for
//! `wasmtime run --invoke 'name(args)'`: parsing arguments and printing
//! results, through `wasm-wave`'s own value and type model.

use anyhow::{anyhow, bail, Result};
use wasm_wave::value::{Type as WType, Value as WValue};
use wasm_wave::wasm::WasmValue;
use wasmtime::component::types::Type;
use wasmtime::component::Val;

/// The WAVE type of `ty`.
pub(super) fn wave_type(ty: &Type) -> Result<WType> {
    let bad = || anyhow!("type cannot be written in WAVE: {ty:?}");
    Ok(match ty {
        Type::Bool => WType::BOOL,
        Type::S8 => WType::S8,
        Type::U8 => WType::U8,
        Type::S16 => WType::S16,
        Type::U16 => WType::U16,
        Type::S32 => WType::S32,
        Type::U32 => WType::U32,
        Type::S64 => WType::S64,
        Type::U64 => WType::U64,
        Type::Float32 => WType::F32,
        Type::Float64 => WType::F64,
        Type::Char => WType::CHAR,
        Type::String => WType::STRING,
        Type::List(l) => WType::list(wave_type(&l.ty())?),
        // Written like a list (`[a, b]`); the length is checked on parsing.
        Type::FixedLengthList(l) => WType::list(wave_type(&l.ty())?),
        Type::Map(m) => WType::map(wave_type(&m.key())?, wave_type(&m.value())?).ok_or_else(bad)?,
        Type::Record(r) => WType::record(
            r.fields()
                .map(|f| Ok((f.name.to_string(), wave_type(&f.ty)?)))
                .collect::<Result<Vec<_>>>()?,
        )
        .ok_or_else(bad)?,
        Type::Tuple(t) => WType::tuple(
            t.types()
                .map(|t| wave_type(&t))
                .collect::<Result<Vec<_>>>()?,
        )
        .ok_or_else(bad)?,
        Type::Variant(v) => WType::variant(
            v.cases()
                .map(|c| {
                    Ok((
                        c.name.to_string(),
                        c.ty.as_ref().map(wave_type).transpose()?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?,
        )
        .ok_or_else(bad)?,
        Type::Enum(e) => WType::enum_ty(e.names().map(str::to_string)).ok_or_else(bad)?,
        Type::Option(o) => WType::option(wave_type(&o.ty())?),
        Type::Result(r) => WType::result(
            r.ok().as_ref().map(wave_type).transpose()?,
            r.err().as_ref().map(wave_type).transpose()?,
        ),
        Type::Flags(f) => WType::flags(f.names().map(str::to_string)).ok_or_else(bad)?,
        Type::Own(_) | Type::Borrow(_) => bail!("resources cannot be passed in WAVE"),
        Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            bail!("futures, streams and error contexts cannot be passed in WAVE")
        }
    })
}

/// `v` (of type `ty`) as a component value.
pub(super) fn from_wave(v: &WValue, ty: &Type) -> Result<Val> {
    Ok(match ty {
        Type::Bool => Val::Bool(v.unwrap_bool()),
        Type::S8 => Val::S8(v.unwrap_s8()),
        Type::U8 => Val::U8(v.unwrap_u8()),
        Type::S16 => Val::S16(v.unwrap_s16()),
        Type::U16 => Val::U16(v.unwrap_u16()),
        Type::S32 => Val::S32(v.unwrap_s32()),
        Type::U32 => Val::U32(v.unwrap_u32()),
        Type::S64 => Val::S64(v.unwrap_s64()),
        Type::U64 => Val::U64(v.unwrap_u64()),
        Type::Float32 => Val::Float32(v.unwrap_f32()),
        Type::Float64 => Val::Float64(v.unwrap_f64()),
        Type::Char => Val::Char(v.unwrap_char()),
        Type::String => Val::String(v.unwrap_string().into_owned()),
        Type::List(l) => {
            let elem = l.ty();
            Val::List(
                v.unwrap_list()
                    .map(|e| from_wave(&e, &elem))
                    .collect::<Result<_>>()?,
            )
        }
        Type::FixedLengthList(l) => {
            let elem = l.ty();
            let items = v
                .unwrap_list()
                .map(|e| from_wave(&e, &elem))
                .collect::<Result<Vec<_>>>()?;
            if items.len() != l.len() as usize {
                bail!(
                    "expected a list of {} values, found {}",
                    l.len(),
                    items.len()
                );
            }
            Val::FixedLengthList(items)
        }
        Type::Map(m) => {
            let (kt, vt) = (m.key(), m.value());
            Val::Map(
                v.unwrap_map()
                    .map(|(k, v)| Ok((from_wave(&k, &kt)?, from_wave(&v, &vt)?)))
                    .collect::<Result<_>>()?,
            )
        }
        Type::Record(r) => {
            let fields: Vec<_> = v.unwrap_record().collect();
            Val::Record(
                r.fields()
                    .map(|f| {
                        let (_, value) = fields
                            .iter()
                            .find(|(n, _)| n == f.name)
                            .ok_or_else(|| anyhow!("missing record field `{}`", f.name))?;
                        Ok((f.name.to_string(), from_wave(value, &f.ty)?))
                    })
                    .collect::<Result<_>>()?,
            )
        }
        Type::Tuple(t) => Val::Tuple(
            v.unwrap_tuple()
                .zip(t.types())
                .map(|(e, t)| from_wave(&e, &t))
                .collect::<Result<_>>()?,
        ),
        Type::Variant(var) => {
            let (name, payload) = v.unwrap_variant();
            let case = var
                .cases()
                .find(|c| c.name == name)
                .ok_or_else(|| anyhow!("unknown variant case `{name}`"))?;
            let payload = match (payload, case.ty) {
                (Some(p), Some(t)) => Some(Box::new(from_wave(&p, &t)?)),
                _ => None,
            };
            Val::Variant(name.into_owned(), payload)
        }
        Type::Enum(_) => Val::Enum(v.unwrap_enum().into_owned()),
        Type::Option(o) => Val::Option(match v.unwrap_option() {
            Some(p) => Some(Box::new(from_wave(&p, &o.ty())?)),
            None => None,
        }),
        Type::Result(r) => Val::Result(match v.unwrap_result() {
            Ok(p) => Ok(payload(p, r.ok())?),
            Err(p) => Err(payload(p, r.err())?),
        }),
        Type::Flags(_) => Val::Flags(v.unwrap_flags().map(|f| f.into_owned()).collect()),
        Type::Own(_) | Type::Borrow(_) => bail!("resources cannot be passed in WAVE"),
        Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            bail!("futures, streams and error contexts cannot be passed in WAVE")
        }
    })
}

fn payload(p: Option<std::borrow::Cow<'_, WValue>>, ty: Option<Type>) -> Result<Option<Box<Val>>> {
    match (p, ty) {
        (Some(p), Some(t)) => Ok(Some(Box::new(from_wave(&p, &t)?))),
        _ => Ok(None),
    }
}

/// `val` (of type `ty`) as a WAVE value.
pub(super) fn to_wave(val: &Val, ty: &Type) -> Result<WValue> {
    let wty = wave_type(ty)?;
    let err = |e: wasm_wave::wasm::WasmValueError| anyhow!("{e}");
    Ok(match (val, ty) {
        (Val::Bool(x), _) => WValue::make_bool(*x),
        (Val::S8(x), _) => WValue::make_s8(*x),
        (Val::U8(x), _) => WValue::make_u8(*x),
        (Val::S16(x), _) => WValue::make_s16(*x),
        (Val::U16(x), _) => WValue::make_u16(*x),
        (Val::S32(x), _) => WValue::make_s32(*x),
        (Val::U32(x), _) => WValue::make_u32(*x),
        (Val::S64(x), _) => WValue::make_s64(*x),
        (Val::U64(x), _) => WValue::make_u64(*x),
        (Val::Float32(x), _) => WValue::make_f32(*x),
        (Val::Float64(x), _) => WValue::make_f64(*x),
        (Val::Char(x), _) => WValue::make_char(*x),
        (Val::String(s), _) => WValue::make_string(s.into()),
        (Val::List(items), Type::List(l)) => {
            let elem = l.ty();
            let items = items
                .iter()
                .map(|v| to_wave(v, &elem))
                .collect::<Result<Vec<_>>>()?;
            WValue::make_list(&wty, items).map_err(err)?
        }
        (Val::FixedLengthList(items), Type::FixedLengthList(l)) => {
            let elem = l.ty();
            let items = items
                .iter()
                .map(|v| to_wave(v, &elem))
                .collect::<Result<Vec<_>>>()?;
            WValue::make_list(&wty, items).map_err(err)?
        }
        (Val::Map(entries), Type::Map(m)) => {
            let (kt, vt) = (m.key(), m.value());
            let entries = entries
                .iter()
                .map(|(k, v)| Ok((to_wave(k, &kt)?, to_wave(v, &vt)?)))
                .collect::<Result<Vec<_>>>()?;
            WValue::make_map(&wty, entries).map_err(err)?
        }
        (Val::Record(fields), Type::Record(r)) => {
            let values = fields
                .iter()
                .zip(r.fields())
                .map(|((n, v), f)| Ok((n.as_str(), to_wave(v, &f.ty)?)))
                .collect::<Result<Vec<_>>>()?;
            WValue::make_record(&wty, values).map_err(err)?
        }
        (Val::Tuple(items), Type::Tuple(t)) => {
            let items = items
                .iter()
                .zip(t.types())
                .map(|(v, t)| to_wave(v, &t))
                .collect::<Result<Vec<_>>>()?;
            WValue::make_tuple(&wty, items).map_err(err)?
        }
        (Val::Variant(name, p), Type::Variant(var)) => {
            let case_ty = var.cases().find(|c| c.name == name).and_then(|c| c.ty);
            let p = match (p, case_ty) {
                (Some(p), Some(t)) => Some(to_wave(p, &t)?),
                _ => None,
            };
            WValue::make_variant(&wty, name, p).map_err(err)?
        }
        (Val::Enum(name), _) => WValue::make_enum(&wty, name).map_err(err)?,
        (Val::Option(p), Type::Option(o)) => {
            let p = p.as_ref().map(|p| to_wave(p, &o.ty())).transpose()?;
            WValue::make_option(&wty, p).map_err(err)?
        }
        (Val::Result(r), Type::Result(rt)) => {
            let conv = |p: &Option<Box<Val>>, t: Option<Type>| -> Result<Option<WValue>> {
                match (p, t) {
                    (Some(p), Some(t)) => Ok(Some(to_wave(p, &t)?)),
                    _ => Ok(None),
                }
            };
            let r = match r {
                Ok(p) => Ok(conv(p, rt.ok())?),
                Err(p) => Err(conv(p, rt.err())?),
            };
            WValue::make_result(&wty, r).map_err(err)?
        }
        (Val::Flags(names), _) => {
            WValue::make_flags(&wty, names.iter().map(String::as_str)).map_err(err)?
        }
        _ => bail!("value does not match its type: {val:?}"),
    })
}
