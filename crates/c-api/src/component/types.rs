//! `wasmtime/component/types/val.h`, `func.h` and `resource.h`: the types
//! of component values (`wasmtime_component_valtype_t` and the boxed
//! compound types it points to), of component functions, and resource
//! types.

use std::ffi::c_char;
use wt::component::types::{
    ComponentFunc, Enum, Flags, FutureType, List, Map, OptionType, Record, ResultType, StreamType,
    Tuple, Type, Variant,
};
use wt::component::ResourceType;

/// `wasmtime_component_valtype_kind_t`: which type a
/// [`wasmtime_component_valtype_t`] describes (the values of the
/// `WASMTIME_COMPONENT_VALTYPE_*` macros).
pub type wasmtime_component_valtype_kind_t = u8;

/// The `WASMTIME_COMPONENT_VALTYPE_*` values, in header order.
pub(crate) mod kind {
    pub const BOOL: u8 = 0;
    pub const S8: u8 = 1;
    pub const S16: u8 = 2;
    pub const S32: u8 = 3;
    pub const S64: u8 = 4;
    pub const U8: u8 = 5;
    pub const U16: u8 = 6;
    pub const U32: u8 = 7;
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
    pub const OWN: u8 = 21;
    pub const BORROW: u8 = 22;
    pub const FUTURE: u8 = 23;
    pub const STREAM: u8 = 24;
    pub const ERROR_CONTEXT: u8 = 25;
    pub const MAP: u8 = 26;
    /// `list<T, N>`: Wasmtime 48's headers have no kind for it; this one
    /// carries no compound type.
    pub const FIXED_LENGTH_LIST: u8 = 27;
}

/// A resource type (`wasmtime_component_resource_type_t`).
#[derive(Clone)]
pub struct wasmtime_component_resource_type_t {
    pub(crate) ty: ResourceType,
}

/// The dynamic host resource type numbered `ty`.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_type_new_host(
    ty: u32,
) -> Box<wasmtime_component_resource_type_t> {
    Box::new(wasmtime_component_resource_type_t {
        ty: ResourceType::host_dynamic(ty),
    })
}

/// A copy of `ty`.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_type_clone(
    ty: &wasmtime_component_resource_type_t,
) -> Box<wasmtime_component_resource_type_t> {
    Box::new(ty.clone())
}

/// Whether `a` and `b` are the same resource type.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_type_equal(
    a: &wasmtime_component_resource_type_t,
    b: &wasmtime_component_resource_type_t,
) -> bool {
    a.ty == b.ty
}

/// Frees `ty`.
#[no_mangle]
pub extern "C" fn wasmtime_component_resource_type_delete(
    _ty: Option<Box<wasmtime_component_resource_type_t>>,
) {
}

/// The pointers of [`wasmtime_component_valtype_t`]: the boxed compound
/// type for the kinds that have one.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(missing_docs)]
pub union wasmtime_component_valtype_union_t {
    pub list: *mut wasmtime_component_list_type_t,
    pub record: *mut wasmtime_component_record_type_t,
    pub tuple: *mut wasmtime_component_tuple_type_t,
    pub variant: *mut wasmtime_component_variant_type_t,
    pub enum_: *mut wasmtime_component_enum_type_t,
    pub option: *mut wasmtime_component_option_type_t,
    pub result: *mut wasmtime_component_result_type_t,
    pub flags: *mut wasmtime_component_flags_type_t,
    pub own: *mut wasmtime_component_resource_type_t,
    pub borrow: *mut wasmtime_component_resource_type_t,
    pub future: *mut wasmtime_component_future_type_t,
    pub stream: *mut wasmtime_component_stream_type_t,
    pub map: *mut wasmtime_component_map_type_t,
}

/// The type of a component value: a kind, and for compound kinds a boxed
/// type owned by this value (freed by `wasmtime_component_valtype_delete`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_component_valtype_t {
    /// One of the `WASMTIME_COMPONENT_VALTYPE_*` values.
    pub kind: wasmtime_component_valtype_kind_t,
    /// The compound type, by `kind`.
    pub of: wasmtime_component_valtype_union_t,
}

macro_rules! boxed_types {
    ($($c:ident($rust:ident) $clone:ident $equal:ident $delete:ident;)*) => {$(
        #[doc = concat!("A boxed `", stringify!($rust), "` type.")]
        #[derive(Clone)]
        pub struct $c {
            pub(crate) ty: $rust,
        }

        #[doc = "A copy of `ty`."]
        #[no_mangle]
        pub extern "C" fn $clone(ty: &$c) -> Box<$c> {
            Box::new(ty.clone())
        }

        #[doc = "Whether `a` and `b` are the same type."]
        #[no_mangle]
        pub extern "C" fn $equal(a: &$c, b: &$c) -> bool {
            a.ty == b.ty
        }

        #[doc = "Frees `ty`."]
        #[no_mangle]
        pub extern "C" fn $delete(_ty: Option<Box<$c>>) {}
    )*};
}

boxed_types! {
    wasmtime_component_list_type_t(List) wasmtime_component_list_type_clone
        wasmtime_component_list_type_equal wasmtime_component_list_type_delete;
    wasmtime_component_record_type_t(Record) wasmtime_component_record_type_clone
        wasmtime_component_record_type_equal wasmtime_component_record_type_delete;
    wasmtime_component_tuple_type_t(Tuple) wasmtime_component_tuple_type_clone
        wasmtime_component_tuple_type_equal wasmtime_component_tuple_type_delete;
    wasmtime_component_variant_type_t(Variant) wasmtime_component_variant_type_clone
        wasmtime_component_variant_type_equal wasmtime_component_variant_type_delete;
    wasmtime_component_enum_type_t(Enum) wasmtime_component_enum_type_clone
        wasmtime_component_enum_type_equal wasmtime_component_enum_type_delete;
    wasmtime_component_option_type_t(OptionType) wasmtime_component_option_type_clone
        wasmtime_component_option_type_equal wasmtime_component_option_type_delete;
    wasmtime_component_result_type_t(ResultType) wasmtime_component_result_type_clone
        wasmtime_component_result_type_equal wasmtime_component_result_type_delete;
    wasmtime_component_flags_type_t(Flags) wasmtime_component_flags_type_clone
        wasmtime_component_flags_type_equal wasmtime_component_flags_type_delete;
    wasmtime_component_future_type_t(FutureType) wasmtime_component_future_type_clone
        wasmtime_component_future_type_equal wasmtime_component_future_type_delete;
    wasmtime_component_stream_type_t(StreamType) wasmtime_component_stream_type_clone
        wasmtime_component_stream_type_equal wasmtime_component_stream_type_delete;
    wasmtime_component_map_type_t(Map) wasmtime_component_map_type_clone
        wasmtime_component_map_type_equal wasmtime_component_map_type_delete;
}

fn boxed<T>(ty: T) -> *mut T {
    Box::into_raw(Box::new(ty))
}

const NO_TYPE: wasmtime_component_valtype_union_t = wasmtime_component_valtype_union_t {
    list: std::ptr::null_mut(),
};

impl wasmtime_component_valtype_t {
    /// The C form of `ty`, owning boxes for compound types.
    pub(crate) fn from_type(ty: Type) -> wasmtime_component_valtype_t {
        use wasmtime_component_valtype_union_t as U;
        let (kind, of) = match ty {
            Type::Bool => (kind::BOOL, NO_TYPE),
            Type::S8 => (kind::S8, NO_TYPE),
            Type::S16 => (kind::S16, NO_TYPE),
            Type::S32 => (kind::S32, NO_TYPE),
            Type::S64 => (kind::S64, NO_TYPE),
            Type::U8 => (kind::U8, NO_TYPE),
            Type::U16 => (kind::U16, NO_TYPE),
            Type::U32 => (kind::U32, NO_TYPE),
            Type::U64 => (kind::U64, NO_TYPE),
            Type::Float32 => (kind::F32, NO_TYPE),
            Type::Float64 => (kind::F64, NO_TYPE),
            Type::Char => (kind::CHAR, NO_TYPE),
            Type::String => (kind::STRING, NO_TYPE),
            Type::ErrorContext => (kind::ERROR_CONTEXT, NO_TYPE),
            Type::List(ty) => (
                kind::LIST,
                U {
                    list: boxed(wasmtime_component_list_type_t { ty }),
                },
            ),
            Type::Record(ty) => (
                kind::RECORD,
                U {
                    record: boxed(wasmtime_component_record_type_t { ty }),
                },
            ),
            Type::Tuple(ty) => (
                kind::TUPLE,
                U {
                    tuple: boxed(wasmtime_component_tuple_type_t { ty }),
                },
            ),
            Type::Variant(ty) => (
                kind::VARIANT,
                U {
                    variant: boxed(wasmtime_component_variant_type_t { ty }),
                },
            ),
            Type::Enum(ty) => (
                kind::ENUM,
                U {
                    enum_: boxed(wasmtime_component_enum_type_t { ty }),
                },
            ),
            Type::Option(ty) => (
                kind::OPTION,
                U {
                    option: boxed(wasmtime_component_option_type_t { ty }),
                },
            ),
            Type::Result(ty) => (
                kind::RESULT,
                U {
                    result: boxed(wasmtime_component_result_type_t { ty }),
                },
            ),
            Type::Flags(ty) => (
                kind::FLAGS,
                U {
                    flags: boxed(wasmtime_component_flags_type_t { ty }),
                },
            ),
            Type::Own(ty) => (
                kind::OWN,
                U {
                    own: boxed(wasmtime_component_resource_type_t { ty }),
                },
            ),
            Type::Borrow(ty) => (
                kind::BORROW,
                U {
                    borrow: boxed(wasmtime_component_resource_type_t { ty }),
                },
            ),
            Type::Future(ty) => (
                kind::FUTURE,
                U {
                    future: boxed(wasmtime_component_future_type_t { ty }),
                },
            ),
            Type::Stream(ty) => (
                kind::STREAM,
                U {
                    stream: boxed(wasmtime_component_stream_type_t { ty }),
                },
            ),
            Type::Map(ty) => (
                kind::MAP,
                U {
                    map: boxed(wasmtime_component_map_type_t { ty }),
                },
            ),
            Type::FixedLengthList(_) => (kind::FIXED_LENGTH_LIST, NO_TYPE),
        };
        wasmtime_component_valtype_t { kind, of }
    }

    /// The Rust type (a copy), or `None` for an unknown kind or a null
    /// compound pointer.
    pub(crate) fn to_type(self) -> Option<Type> {
        // SAFETY: the kind says which field is set; compound pointers are
        // null or boxes made by `from_type` (C contract: the value came
        // from this library).
        unsafe {
            Some(match self.kind {
                kind::BOOL => Type::Bool,
                kind::S8 => Type::S8,
                kind::S16 => Type::S16,
                kind::S32 => Type::S32,
                kind::S64 => Type::S64,
                kind::U8 => Type::U8,
                kind::U16 => Type::U16,
                kind::U32 => Type::U32,
                kind::U64 => Type::U64,
                kind::F32 => Type::Float32,
                kind::F64 => Type::Float64,
                kind::CHAR => Type::Char,
                kind::STRING => Type::String,
                kind::ERROR_CONTEXT => Type::ErrorContext,
                kind::LIST => Type::List(self.of.list.as_ref()?.ty.clone()),
                kind::RECORD => Type::Record(self.of.record.as_ref()?.ty.clone()),
                kind::TUPLE => Type::Tuple(self.of.tuple.as_ref()?.ty.clone()),
                kind::VARIANT => Type::Variant(self.of.variant.as_ref()?.ty.clone()),
                kind::ENUM => Type::Enum(self.of.enum_.as_ref()?.ty.clone()),
                kind::OPTION => Type::Option(self.of.option.as_ref()?.ty.clone()),
                kind::RESULT => Type::Result(self.of.result.as_ref()?.ty.clone()),
                kind::FLAGS => Type::Flags(self.of.flags.as_ref()?.ty.clone()),
                kind::OWN => Type::Own(self.of.own.as_ref()?.ty),
                kind::BORROW => Type::Borrow(self.of.borrow.as_ref()?.ty),
                kind::FUTURE => Type::Future(self.of.future.as_ref()?.ty.clone()),
                kind::STREAM => Type::Stream(self.of.stream.as_ref()?.ty.clone()),
                kind::MAP => Type::Map(self.of.map.as_ref()?.ty.clone()),
                _ => return None,
            })
        }
    }

    /// Frees the boxed compound type, leaving a `bool` type.
    fn free(&mut self) {
        // SAFETY: as in `to_type`; each box is freed once, and the value is
        // reset so that a second delete frees nothing.
        unsafe {
            match self.kind {
                kind::LIST => drop_box(self.of.list),
                kind::RECORD => drop_box(self.of.record),
                kind::TUPLE => drop_box(self.of.tuple),
                kind::VARIANT => drop_box(self.of.variant),
                kind::ENUM => drop_box(self.of.enum_),
                kind::OPTION => drop_box(self.of.option),
                kind::RESULT => drop_box(self.of.result),
                kind::FLAGS => drop_box(self.of.flags),
                kind::OWN => drop_box(self.of.own),
                kind::BORROW => drop_box(self.of.borrow),
                kind::FUTURE => drop_box(self.of.future),
                kind::STREAM => drop_box(self.of.stream),
                kind::MAP => drop_box(self.of.map),
                _ => {}
            }
        }
        self.kind = kind::BOOL;
        self.of = NO_TYPE;
    }
}

/// Frees a box made by [`boxed`] (null is allowed).
///
/// # Safety
///
/// `ptr` is null or came from [`boxed`] and is not used afterwards.
unsafe fn drop_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Writes the C form of `ty` to `out`.
fn put(out: &mut wasmtime_component_valtype_t, ty: Type) {
    *out = wasmtime_component_valtype_t::from_type(ty);
}

/// Writes the C form of `ty` to `out` if there is one; whether there was.
fn put_some(out: &mut wasmtime_component_valtype_t, ty: Option<Type>) -> bool {
    ty.map(|t| put(out, t)).is_some()
}

/// Writes a deep copy of `ty` to `out` (which needs its own delete).
#[no_mangle]
pub extern "C" fn wasmtime_component_valtype_clone(
    ty: &wasmtime_component_valtype_t,
    out: &mut wasmtime_component_valtype_t,
) {
    *out = match ty.to_type() {
        Some(t) => wasmtime_component_valtype_t::from_type(t),
        None => *ty,
    };
}

/// Whether `a` and `b` are the same type.
#[no_mangle]
pub extern "C" fn wasmtime_component_valtype_equal(
    a: &wasmtime_component_valtype_t,
    b: &wasmtime_component_valtype_t,
) -> bool {
    match (a.to_type(), b.to_type()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Frees the compound type `ty` owns (not `ty` itself).
#[no_mangle]
pub extern "C" fn wasmtime_component_valtype_delete(ty: Option<&mut wasmtime_component_valtype_t>) {
    if let Some(ty) = ty {
        ty.free();
    }
}

/// Writes `name` as pointer and length.
fn put_name(name: &str, ptr: &mut *const c_char, len: &mut usize) {
    *ptr = name.as_ptr().cast();
    *len = name.len();
}

/// Writes name `nth` of `names`; false if there is none.
fn put_nth_name<'a>(
    mut names: impl Iterator<Item = &'a str>,
    nth: usize,
    ptr: &mut *const c_char,
    len: &mut usize,
) -> bool {
    names.nth(nth).map(|n| put_name(n, ptr, len)).is_some()
}

/// The element type of a list.
#[no_mangle]
pub extern "C" fn wasmtime_component_list_type_element(
    ty: &wasmtime_component_list_type_t,
    out: &mut wasmtime_component_valtype_t,
) {
    put(out, ty.ty.ty());
}

/// The key type of a map.
#[no_mangle]
pub extern "C" fn wasmtime_component_map_type_key(
    ty: &wasmtime_component_map_type_t,
    out: &mut wasmtime_component_valtype_t,
) {
    put(out, ty.ty.key());
}

/// The value type of a map.
#[no_mangle]
pub extern "C" fn wasmtime_component_map_type_value(
    ty: &wasmtime_component_map_type_t,
    out: &mut wasmtime_component_valtype_t,
) {
    put(out, ty.ty.value());
}

/// The number of fields of a record.
#[no_mangle]
pub extern "C" fn wasmtime_component_record_type_field_count(
    ty: &wasmtime_component_record_type_t,
) -> usize {
    ty.ty.fields().len()
}

/// Field `nth` of a record: its name (valid while `ty` lives) and type;
/// false if there is no such field.
#[no_mangle]
pub extern "C" fn wasmtime_component_record_type_field_nth(
    ty: &wasmtime_component_record_type_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    let Some(field) = ty.ty.fields().nth(nth) else {
        return false;
    };
    put_name(field.name, name_ret, name_len_ret);
    put(type_ret, field.ty);
    true
}

/// The number of element types of a tuple.
#[no_mangle]
pub extern "C" fn wasmtime_component_tuple_type_types_count(
    ty: &wasmtime_component_tuple_type_t,
) -> usize {
    ty.ty.types().len()
}

/// Element type `nth` of a tuple; false if there is none.
#[no_mangle]
pub extern "C" fn wasmtime_component_tuple_type_types_nth(
    ty: &wasmtime_component_tuple_type_t,
    nth: usize,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    let Some(t) = ty.ty.types().nth(nth) else {
        return false;
    };
    put(type_ret, t);
    true
}

/// The number of cases of a variant.
#[no_mangle]
pub extern "C" fn wasmtime_component_variant_type_case_count(
    ty: &wasmtime_component_variant_type_t,
) -> usize {
    ty.ty.cases().len()
}

/// Case `nth` of a variant: its name, whether it has a payload, and the
/// payload type if so; false if there is no such case.
#[no_mangle]
pub extern "C" fn wasmtime_component_variant_type_case_nth(
    ty: &wasmtime_component_variant_type_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
    has_payload_ret: &mut bool,
    payload_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    let Some(case) = ty.ty.cases().nth(nth) else {
        return false;
    };
    put_name(case.name, name_ret, name_len_ret);
    *has_payload_ret = case.ty.is_some();
    if let Some(t) = case.ty {
        put(payload_ret, t);
    }
    true
}

/// The number of names of an enum.
#[no_mangle]
pub extern "C" fn wasmtime_component_enum_type_names_count(
    ty: &wasmtime_component_enum_type_t,
) -> usize {
    ty.ty.names().len()
}

/// Name `nth` of an enum; false if there is none.
#[no_mangle]
pub extern "C" fn wasmtime_component_enum_type_names_nth(
    ty: &wasmtime_component_enum_type_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
) -> bool {
    put_nth_name(ty.ty.names(), nth, name_ret, name_len_ret)
}

/// The payload type of an option.
#[no_mangle]
pub extern "C" fn wasmtime_component_option_type_ty(
    ty: &wasmtime_component_option_type_t,
    type_ret: &mut wasmtime_component_valtype_t,
) {
    put(type_ret, ty.ty.ty());
}

/// The `ok` type of a result, if it has one.
#[no_mangle]
pub extern "C" fn wasmtime_component_result_type_ok(
    ty: &wasmtime_component_result_type_t,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    put_some(type_ret, ty.ty.ok())
}

/// The `err` type of a result, if it has one.
#[no_mangle]
pub extern "C" fn wasmtime_component_result_type_err(
    ty: &wasmtime_component_result_type_t,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    put_some(type_ret, ty.ty.err())
}

/// The number of names of a flags type.
#[no_mangle]
pub extern "C" fn wasmtime_component_flags_type_names_count(
    ty: &wasmtime_component_flags_type_t,
) -> usize {
    ty.ty.names().len()
}

/// Name `nth` of a flags type; false if there is none.
#[no_mangle]
pub extern "C" fn wasmtime_component_flags_type_names_nth(
    ty: &wasmtime_component_flags_type_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
) -> bool {
    put_nth_name(ty.ty.names(), nth, name_ret, name_len_ret)
}

/// The payload type of a future, if it has one.
#[no_mangle]
pub extern "C" fn wasmtime_component_future_type_ty(
    ty: &wasmtime_component_future_type_t,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    put_some(type_ret, ty.ty.ty())
}

/// The element type of a stream, if it has one.
#[no_mangle]
pub extern "C" fn wasmtime_component_stream_type_ty(
    ty: &wasmtime_component_stream_type_t,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    put_some(type_ret, ty.ty.ty())
}

/// The type of a component function (`wasmtime_component_func_type_t`).
#[derive(Clone)]
pub struct wasmtime_component_func_type_t {
    pub(crate) ty: ComponentFunc,
}

/// A copy of `ty`.
#[no_mangle]
pub extern "C" fn wasmtime_component_func_type_clone(
    ty: &wasmtime_component_func_type_t,
) -> Box<wasmtime_component_func_type_t> {
    Box::new(ty.clone())
}

/// Frees `ty`.
#[no_mangle]
pub extern "C" fn wasmtime_component_func_type_delete(
    _ty: Option<Box<wasmtime_component_func_type_t>>,
) {
}

/// Whether the function is `async`.
#[no_mangle]
pub extern "C" fn wasmtime_component_func_type_async(ty: &wasmtime_component_func_type_t) -> bool {
    ty.ty.is_async()
}

/// The number of parameters.
#[no_mangle]
pub extern "C" fn wasmtime_component_func_type_param_count(
    ty: &wasmtime_component_func_type_t,
) -> usize {
    ty.ty.params().len()
}

/// Parameter `nth`: its name (valid while `ty` lives) and type; false if
/// there is no such parameter.
#[no_mangle]
pub extern "C" fn wasmtime_component_func_type_param_nth(
    ty: &wasmtime_component_func_type_t,
    nth: usize,
    name_ret: &mut *const c_char,
    name_len_ret: &mut usize,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    let Some((name, t)) = ty.ty.params().nth(nth) else {
        return false;
    };
    put_name(name, name_ret, name_len_ret);
    put(type_ret, t);
    true
}

/// The result type, if the function has one.
#[no_mangle]
pub extern "C" fn wasmtime_component_func_type_result(
    ty: &wasmtime_component_func_type_t,
    type_ret: &mut wasmtime_component_valtype_t,
) -> bool {
    put_some(type_ret, ty.ty.results().next())
}
