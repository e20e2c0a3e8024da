//! [`Val`]: a dynamically typed component-level value, and the untyped
//! handles of futures, streams and error contexts it carries.

use crate::store::StoreId;

/// A component-level value, of any WIT type (see
/// [`Func::call`](super::Func::call)).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Val {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    Float32(f32),
    Float64(f64),
    Char(char),
    String(String),
    List(Vec<Val>),
    Record(Vec<(String, Val)>),
    Tuple(Vec<Val>),
    Variant(String, Option<Box<Val>>),
    Enum(String),
    Option(Option<Box<Val>>),
    Result(Result<Option<Box<Val>>, Option<Box<Val>>>),
    Flags(Vec<String>),
    Resource(super::ResourceAny),
    Future(FutureAny),
    Stream(StreamAny),
    ErrorContext(ErrorContextAny),
    /// A `map<K, V>`: its entries in order. Lowering passes every entry;
    /// a guest may give a key more than once.
    Map(Vec<(Val, Val)>),
    /// A `list<T, N>`: exactly `N` elements.
    FixedLengthList(Vec<Val>),
}

impl Val {
    /// A short name of the value's kind, for error messages.
    pub(crate) fn desc(&self) -> &'static str {
        match self {
            Val::Bool(_) => "bool",
            Val::S8(_) => "s8",
            Val::U8(_) => "u8",
            Val::S16(_) => "s16",
            Val::U16(_) => "u16",
            Val::S32(_) => "s32",
            Val::U32(_) => "u32",
            Val::S64(_) => "s64",
            Val::U64(_) => "u64",
            Val::Float32(_) => "f32",
            Val::Float64(_) => "f64",
            Val::Char(_) => "char",
            Val::String(_) => "string",
            Val::List(_) => "list",
            Val::Record(_) => "record",
            Val::Tuple(_) => "tuple",
            Val::Variant(..) => "variant",
            Val::Enum(_) => "enum",
            Val::Option(_) => "option",
            Val::Result(_) => "result",
            Val::Flags(_) => "flags",
            Val::Resource(_) => "resource",
            Val::Future(_) => "future",
            Val::Stream(_) => "stream",
            Val::ErrorContext(_) => "error-context",
            Val::Map(_) => "map",
            Val::FixedLengthList(_) => "fixed-length list",
        }
    }
}

/// The readable end of a future held by the host, of any payload type
/// ([`Val::Future`]). Lowering it into a guest moves the end there, so it
/// can be passed once; see
/// [`FutureReader`](super::FutureReader) for the statically typed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FutureAny {
    pub(crate) store: StoreId,
    pub(crate) id: usize,
}

/// The readable end of a stream held by the host, of any element type
/// ([`Val::Stream`]). Lowering it into a guest moves the end there, so it
/// can be passed once; see [`StreamReader`](super::StreamReader) for the
/// statically typed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamAny {
    pub(crate) store: StoreId,
    pub(crate) id: usize,
}

/// An error context ([`Val::ErrorContext`]): an immutable error
/// description a guest made with `error-context.new`. Error contexts are
/// shared, not moved: lowering one gives the guest a new handle to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorContextAny {
    pub(crate) store: StoreId,
    pub(crate) id: usize,
}
