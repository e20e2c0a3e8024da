//! `wasmtime/component/val.h`: component values (`wasmtime_component_val_t`
//! and its vectors), converted to and from [`Val`].
//!
//! A C value owns what it points to (strings, vectors, boxed payloads and
//! resources); dropping it in Rust frees them, and the C functions
//! `wasmtime_component_val_delete`/`_free` and the vector `_delete`
//! functions do the same.

use super::resources::wasmtime_component_resource_any_t;
use crate::vec::declare_vecs;
use crate::wasm_name_t;
use anyhow::{anyhow, bail, Result};
use std::mem::ManuallyDrop;
use wt::component::Val;

/// `wasmtime_component_valkind_t`: the `WASMTIME_COMPONENT_*` kinds.
pub type wasmtime_component_valkind_t = u8;

/// The `WASMTIME_COMPONENT_*` value kinds, in header order.
pub(crate) mod kind {
    pub const BOOL: u8 = 0;
    pub const S8: u8 = 1;
    pub const U8: u8 = 2;
    pub const S16: u8 = 3;
    pub const U16: u8 = 4;
    pub const S32: u8 = 5;
    pub const U32: u8 = 6;
    pub const S64: u8 = 7;
    pub const U64: u8 = 8;
    pub const F32: u8 = 9;
    pub const F64: u8 = 10;
    pub const CHAR: u8 = 11;
    pub const STRING: u8 = 12;
    pub const LIST: u8 = 13;
    pub const RECORD: u8 = 14;
    pub const TUPLE: u8 = 15;
    pub const VARIANT: u8 = 16;
    pub const ENUM: u8 = 17;
    pub const OPTION: u8 = 18;
    pub const RESULT: u8 = 19;
    pub const FLAGS: u8 = 20;
    pub const RESOURCE: u8 = 21;
    pub const MAP: u8 = 22;
}

/// A name owned by a vector of flag names: `wasm_name_t` in memory, freed
/// with its vector.
#[repr(transparent)]
#[derive(Clone, Default)]
pub struct OwnedName(wasm_name_t);

impl Drop for OwnedName {
    fn drop(&mut self) {
        drop(self.0.take());
    }
}

/// An entry of a record value.
#[repr(C)]
#[derive(Clone, Default)]
pub struct wasmtime_component_valrecord_entry_t {
    /// The field name.
    pub name: wasm_name_t,
    /// The field value.
    pub val: wasmtime_component_val_t,
}

impl Drop for wasmtime_component_valrecord_entry_t {
    fn drop(&mut self) {
        drop(self.name.take());
    }
}

/// An entry of a map value.
#[repr(C)]
#[derive(Clone, Default)]
pub struct wasmtime_component_valmap_entry_t {
    /// The key.
    pub key: wasmtime_component_val_t,
    /// The value.
    pub value: wasmtime_component_val_t,
}

declare_vecs! {
    wasmtime_component_vallist_t(wasmtime_component_val_t) wasmtime_component_vallist_new_empty
        wasmtime_component_vallist_new_uninit wasmtime_component_vallist_new
        wasmtime_component_vallist_copy wasmtime_component_vallist_delete;
    wasmtime_component_valrecord_t(wasmtime_component_valrecord_entry_t)
        wasmtime_component_valrecord_new_empty wasmtime_component_valrecord_new_uninit
        wasmtime_component_valrecord_new wasmtime_component_valrecord_copy
        wasmtime_component_valrecord_delete;
    wasmtime_component_valtuple_t(wasmtime_component_val_t) wasmtime_component_valtuple_new_empty
        wasmtime_component_valtuple_new_uninit wasmtime_component_valtuple_new
        wasmtime_component_valtuple_copy wasmtime_component_valtuple_delete;
    wasmtime_component_valflags_t(OwnedName) wasmtime_component_valflags_new_empty
        wasmtime_component_valflags_new_uninit wasmtime_component_valflags_new
        wasmtime_component_valflags_copy wasmtime_component_valflags_delete;
    wasmtime_component_valmap_t(wasmtime_component_valmap_entry_t)
        wasmtime_component_valmap_new_empty wasmtime_component_valmap_new_uninit
        wasmtime_component_valmap_new wasmtime_component_valmap_copy
        wasmtime_component_valmap_delete;
}

/// A variant value: the case name and the payload (null for none).
#[repr(C)]
pub struct wasmtime_component_valvariant_t {
    /// The case name.
    pub discriminant: wasm_name_t,
    /// The payload, owned (from `wasmtime_component_val_new`), or null.
    pub val: *mut wasmtime_component_val_t,
}

/// A result value: which case, and the payload (null for none).
#[repr(C)]
pub struct wasmtime_component_valresult_t {
    /// True for `ok`, false for `err`.
    pub is_ok: bool,
    /// The payload, owned (from `wasmtime_component_val_new`), or null.
    pub val: *mut wasmtime_component_val_t,
}

/// The payload of a [`wasmtime_component_val_t`], by its kind.
#[repr(C)]
#[allow(missing_docs)]
pub union wasmtime_component_valunion_t {
    pub boolean: bool,
    pub s8: i8,
    pub u8: u8,
    pub s16: i16,
    pub u16: u16,
    pub s32: i32,
    pub u32: u32,
    pub s64: i64,
    pub u64: u64,
    pub f32: f32,
    pub f64: f64,
    pub character: u32,
    pub string: ManuallyDrop<wasm_name_t>,
    pub list: ManuallyDrop<wasmtime_component_vallist_t>,
    pub record: ManuallyDrop<wasmtime_component_valrecord_t>,
    pub tuple: ManuallyDrop<wasmtime_component_valtuple_t>,
    pub variant: ManuallyDrop<wasmtime_component_valvariant_t>,
    pub enumeration: ManuallyDrop<wasm_name_t>,
    pub option: *mut wasmtime_component_val_t,
    pub result: ManuallyDrop<wasmtime_component_valresult_t>,
    pub flags: ManuallyDrop<wasmtime_component_valflags_t>,
    pub map: ManuallyDrop<wasmtime_component_valmap_t>,
    pub resource: *mut wasmtime_component_resource_any_t,
}

/// A component value: a kind and its payload.
#[repr(C)]
pub struct wasmtime_component_val_t {
    /// One of the `WASMTIME_COMPONENT_*` kinds.
    pub kind: wasmtime_component_valkind_t,
    /// The payload.
    pub of: wasmtime_component_valunion_t,
}

impl Default for wasmtime_component_val_t {
    fn default() -> Self {
        wasmtime_component_val_t {
            kind: kind::BOOL,
            of: wasmtime_component_valunion_t { boolean: false },
        }
    }
}

fn name(s: &str) -> wasm_name_t {
    wasm_name_t::from_bytes(s.as_bytes())
}

fn name_str(n: &wasm_name_t) -> Result<String> {
    std::str::from_utf8(n.as_slice())
        .map(str::to_string)
        .map_err(|_| anyhow!("component value name or string is not valid UTF-8"))
}

/// Boxes `v` for an option, variant or result payload.
fn payload(v: Option<&Val>) -> Result<*mut wasmtime_component_val_t> {
    Ok(match v {
        Some(v) => Box::into_raw(Box::new(wasmtime_component_val_t::from_val(v)?)),
        None => std::ptr::null_mut(),
    })
}

/// Reads an option, variant or result payload.
///
/// # Safety
///
/// `p` is null or points at a valid value.
unsafe fn read_payload(p: *const wasmtime_component_val_t) -> Result<Option<Box<Val>>> {
    // SAFETY: guaranteed by the caller.
    match unsafe { p.as_ref() } {
        Some(v) => Ok(Some(Box::new(v.to_val()?))),
        None => Ok(None),
    }
}

impl wasmtime_component_val_t {
    fn of(kind: u8, of: wasmtime_component_valunion_t) -> Self {
        wasmtime_component_val_t { kind, of }
    }

    /// The C form of `v`; an error for kinds the C API has no form for
    /// (futures, streams and error contexts).
    pub(crate) fn from_val(v: &Val) -> Result<Self> {
        use wasmtime_component_valunion_t as U;
        Ok(match v {
            Val::Bool(b) => Self::of(kind::BOOL, U { boolean: *b }),
            Val::S8(x) => Self::of(kind::S8, U { s8: *x }),
            Val::U8(x) => Self::of(kind::U8, U { u8: *x }),
            Val::S16(x) => Self::of(kind::S16, U { s16: *x }),
            Val::U16(x) => Self::of(kind::U16, U { u16: *x }),
            Val::S32(x) => Self::of(kind::S32, U { s32: *x }),
            Val::U32(x) => Self::of(kind::U32, U { u32: *x }),
            Val::S64(x) => Self::of(kind::S64, U { s64: *x }),
            Val::U64(x) => Self::of(kind::U64, U { u64: *x }),
            Val::Float32(x) => Self::of(kind::F32, U { f32: *x }),
            Val::Float64(x) => Self::of(kind::F64, U { f64: *x }),
            Val::Char(c) => Self::of(
                kind::CHAR,
                U {
                    character: *c as u32,
                },
            ),
            Val::String(s) => Self::of(
                kind::STRING,
                U {
                    string: ManuallyDrop::new(name(s)),
                },
            ),
            Val::List(items) => {
                let items = items.iter().map(Self::from_val).collect::<Result<_>>()?;
                let list = wasmtime_component_vallist_t::from_vec(items);
                Self::of(
                    kind::LIST,
                    U {
                        list: ManuallyDrop::new(list),
                    },
                )
            }
            Val::Tuple(items) => {
                let items = items.iter().map(Self::from_val).collect::<Result<_>>()?;
                let tuple = wasmtime_component_valtuple_t::from_vec(items);
                Self::of(
                    kind::TUPLE,
                    U {
                        tuple: ManuallyDrop::new(tuple),
                    },
                )
            }
            Val::Record(fields) => {
                let entries = fields
                    .iter()
                    .map(|(n, v)| {
                        Ok(wasmtime_component_valrecord_entry_t {
                            name: name(n),
                            val: Self::from_val(v)?,
                        })
                    })
                    .collect::<Result<_>>()?;
                let record = wasmtime_component_valrecord_t::from_vec(entries);
                Self::of(
                    kind::RECORD,
                    U {
                        record: ManuallyDrop::new(record),
                    },
                )
            }
            Val::Variant(case, v) => {
                let variant = wasmtime_component_valvariant_t {
                    discriminant: name(case),
                    val: payload(v.as_deref())?,
                };
                Self::of(
                    kind::VARIANT,
                    U {
                        variant: ManuallyDrop::new(variant),
                    },
                )
            }
            Val::Enum(case) => Self::of(
                kind::ENUM,
                U {
                    enumeration: ManuallyDrop::new(name(case)),
                },
            ),
            Val::Option(v) => Self::of(
                kind::OPTION,
                U {
                    option: payload(v.as_deref())?,
                },
            ),
            Val::Result(r) => {
                let (is_ok, v) = match r {
                    Ok(v) => (true, v),
                    Err(v) => (false, v),
                };
                let result = wasmtime_component_valresult_t {
                    is_ok,
                    val: payload(v.as_deref())?,
                };
                Self::of(
                    kind::RESULT,
                    U {
                        result: ManuallyDrop::new(result),
                    },
                )
            }
            Val::Flags(names) => {
                let names = names.iter().map(|n| OwnedName(name(n))).collect();
                let flags = wasmtime_component_valflags_t::from_vec(names);
                Self::of(
                    kind::FLAGS,
                    U {
                        flags: ManuallyDrop::new(flags),
                    },
                )
            }
            Val::Resource(r) => Self::of(
                kind::RESOURCE,
                U {
                    resource: Box::into_raw(Box::new(wasmtime_component_resource_any_t::new(*r))),
                },
            ),
            Val::Map(entries) => {
                let entries = entries
                    .iter()
                    .map(|(k, v)| {
                        Ok(wasmtime_component_valmap_entry_t {
                            key: Self::from_val(k)?,
                            value: Self::from_val(v)?,
                        })
                    })
                    .collect::<Result<_>>()?;
                let map = wasmtime_component_valmap_t::from_vec(entries);
                Self::of(
                    kind::MAP,
                    U {
                        map: ManuallyDrop::new(map),
                    },
                )
            }
            Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) | Val::FixedLengthList(_) => {
                bail!("the C API cannot represent {} values", v_desc(v))
            }
        })
    }

    /// The Rust value; an error for an unknown kind, a character that is
    /// not a Unicode scalar value, or a name that is not UTF-8.
    pub(crate) fn to_val(&self) -> Result<Val> {
        // SAFETY: `kind` says which field of the union is set (C contract),
        // and payload pointers are null or valid values.
        unsafe {
            Ok(match self.kind {
                kind::BOOL => Val::Bool(self.of.boolean),
                kind::S8 => Val::S8(self.of.s8),
                kind::U8 => Val::U8(self.of.u8),
                kind::S16 => Val::S16(self.of.s16),
                kind::U16 => Val::U16(self.of.u16),
                kind::S32 => Val::S32(self.of.s32),
                kind::U32 => Val::U32(self.of.u32),
                kind::S64 => Val::S64(self.of.s64),
                kind::U64 => Val::U64(self.of.u64),
                kind::F32 => Val::Float32(self.of.f32),
                kind::F64 => Val::Float64(self.of.f64),
                kind::CHAR => Val::Char(
                    char::from_u32(self.of.character)
                        .ok_or_else(|| anyhow!("{:#x} is not a valid char", self.of.character))?,
                ),
                kind::STRING => Val::String(name_str(&self.of.string)?),
                kind::LIST => Val::List(
                    self.of
                        .list
                        .as_slice()
                        .iter()
                        .map(Self::to_val)
                        .collect::<Result<_>>()?,
                ),
                kind::TUPLE => Val::Tuple(
                    self.of
                        .tuple
                        .as_slice()
                        .iter()
                        .map(Self::to_val)
                        .collect::<Result<_>>()?,
                ),
                kind::RECORD => Val::Record(
                    self.of
                        .record
                        .as_slice()
                        .iter()
                        .map(|e| Ok((name_str(&e.name)?, e.val.to_val()?)))
                        .collect::<Result<_>>()?,
                ),
                kind::VARIANT => Val::Variant(
                    name_str(&self.of.variant.discriminant)?,
                    read_payload(self.of.variant.val)?,
                ),
                kind::ENUM => Val::Enum(name_str(&self.of.enumeration)?),
                kind::OPTION => Val::Option(read_payload(self.of.option)?),
                kind::RESULT => {
                    let v = read_payload(self.of.result.val)?;
                    Val::Result(if self.of.result.is_ok { Ok(v) } else { Err(v) })
                }
                kind::FLAGS => Val::Flags(
                    self.of
                        .flags
                        .as_slice()
                        .iter()
                        .map(|n| name_str(&n.0))
                        .collect::<Result<_>>()?,
                ),
                kind::RESOURCE => match self.of.resource.as_ref() {
                    // The store checks the handle when the value is
                    // lowered (moved as `own`, lent as `borrow`).
                    Some(r) => Val::Resource(r.peek()),
                    None => bail!("null resource in a component value"),
                },
                kind::MAP => Val::Map(
                    self.of
                        .map
                        .as_slice()
                        .iter()
                        .map(|e| Ok((e.key.to_val()?, e.value.to_val()?)))
                        .collect::<Result<_>>()?,
                ),
                k => bail!("unknown component value kind {k}"),
            })
        }
    }
}

fn v_desc(v: &Val) -> &'static str {
    match v {
        Val::Future(_) => "future",
        Val::Stream(_) => "stream",
        Val::FixedLengthList(_) => "fixed-length list",
        _ => "error-context",
    }
}

impl Drop for wasmtime_component_val_t {
    fn drop(&mut self) {
        // SAFETY: `kind` says which field is set and what it owns; each
        // owned part is taken out once (the value is not used afterwards).
        unsafe {
            match self.kind {
                kind::STRING => drop(ManuallyDrop::take(&mut self.of.string).take()),
                kind::ENUM => drop(ManuallyDrop::take(&mut self.of.enumeration).take()),
                kind::LIST => drop(ManuallyDrop::take(&mut self.of.list).take()),
                kind::TUPLE => drop(ManuallyDrop::take(&mut self.of.tuple).take()),
                kind::RECORD => drop(ManuallyDrop::take(&mut self.of.record).take()),
                kind::FLAGS => drop(ManuallyDrop::take(&mut self.of.flags).take()),
                kind::MAP => drop(ManuallyDrop::take(&mut self.of.map).take()),
                kind::VARIANT => {
                    let mut v = ManuallyDrop::take(&mut self.of.variant);
                    drop(v.discriminant.take());
                    free_payload(v.val);
                }
                kind::RESULT => free_payload(self.of.result.val),
                kind::OPTION => free_payload(self.of.option),
                kind::RESOURCE => {
                    let r = self.of.resource;
                    if !r.is_null() {
                        drop(Box::from_raw(r));
                    }
                }
                _ => {}
            }
        }
    }
}

/// Frees a boxed payload (null is allowed).
///
/// # Safety
///
/// `p` is null or came from `Box::into_raw` and is not used afterwards.
unsafe fn free_payload(p: *mut wasmtime_component_val_t) {
    if !p.is_null() {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(p) });
    }
}

impl Clone for wasmtime_component_val_t {
    fn clone(&self) -> Self {
        use wasmtime_component_valunion_t as U;
        let clone_payload = |p: *mut wasmtime_component_val_t| {
            // SAFETY: payload pointers are null or valid values.
            match unsafe { p.as_ref() } {
                Some(v) => Box::into_raw(Box::new(v.clone())),
                None => std::ptr::null_mut(),
            }
        };
        // SAFETY: `kind` says which field is set.
        unsafe {
            let of = match self.kind {
                kind::STRING => U {
                    string: ManuallyDrop::new((*self.of.string).clone()),
                },
                kind::ENUM => U {
                    enumeration: ManuallyDrop::new((*self.of.enumeration).clone()),
                },
                kind::LIST => U {
                    list: ManuallyDrop::new(wasmtime_component_vallist_t::from_vec(
                        self.of.list.as_slice().to_vec(),
                    )),
                },
                kind::TUPLE => U {
                    tuple: ManuallyDrop::new(wasmtime_component_valtuple_t::from_vec(
                        self.of.tuple.as_slice().to_vec(),
                    )),
                },
                kind::RECORD => U {
                    record: ManuallyDrop::new(wasmtime_component_valrecord_t::from_vec(
                        self.of.record.as_slice().to_vec(),
                    )),
                },
                kind::FLAGS => U {
                    flags: ManuallyDrop::new(wasmtime_component_valflags_t::from_vec(
                        self.of.flags.as_slice().to_vec(),
                    )),
                },
                kind::MAP => U {
                    map: ManuallyDrop::new(wasmtime_component_valmap_t::from_vec(
                        self.of.map.as_slice().to_vec(),
                    )),
                },
                kind::VARIANT => U {
                    variant: ManuallyDrop::new(wasmtime_component_valvariant_t {
                        discriminant: self.of.variant.discriminant.clone(),
                        val: clone_payload(self.of.variant.val),
                    }),
                },
                kind::RESULT => U {
                    result: ManuallyDrop::new(wasmtime_component_valresult_t {
                        is_ok: self.of.result.is_ok,
                        val: clone_payload(self.of.result.val),
                    }),
                },
                kind::OPTION => U {
                    option: clone_payload(self.of.option),
                },
                kind::RESOURCE => U {
                    resource: match self.of.resource.as_ref() {
                        Some(r) => Box::into_raw(Box::new(r.clone())),
                        None => std::ptr::null_mut(),
                    },
                },
                kind::BOOL => U {
                    boolean: self.of.boolean,
                },
                kind::S8 => U { s8: self.of.s8 },
                kind::U8 => U { u8: self.of.u8 },
                kind::S16 => U { s16: self.of.s16 },
                kind::U16 => U { u16: self.of.u16 },
                kind::S32 | kind::U32 | kind::CHAR | kind::F32 => U { u32: self.of.u32 },
                kind::S64 | kind::U64 | kind::F64 => U { u64: self.of.u64 },
                _ => U { boolean: false },
            };
            wasmtime_component_val_t {
                kind: self.kind,
                of,
            }
        }
    }
}

/// Moves `*val` into a new heap allocation (for option, variant and result
/// payloads), leaving `*val` a `false` bool.
#[no_mangle]
pub extern "C" fn wasmtime_component_val_new(
    val: &mut wasmtime_component_val_t,
) -> Box<wasmtime_component_val_t> {
    Box::new(std::mem::take(val))
}

/// Frees a value made by `wasmtime_component_val_new`, and what it owns.
#[no_mangle]
pub extern "C" fn wasmtime_component_val_free(_val: Option<Box<wasmtime_component_val_t>>) {}

/// Writes a deep copy of `src` to `dst` (whose old contents are not freed).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_val_clone(
    src: &wasmtime_component_val_t,
    dst: *mut wasmtime_component_val_t,
) {
    // SAFETY: C contract: `dst` is writable; it is treated as uninitialized.
    unsafe { dst.write(src.clone()) };
}

/// Frees what `val` owns, leaving it a `false` bool.
#[no_mangle]
pub extern "C" fn wasmtime_component_val_delete(val: Option<&mut wasmtime_component_val_t>) {
    if let Some(val) = val {
        drop(std::mem::take(val));
    }
}
