//! Runtime values: `Val`, `Ref`, `V128`, `ExternRef` and `Rooted`.

use crate::store::{StoreId, StoreOpaque};
use crate::{AsContextMut, ExnRef, Func, HeapType, RefType, StoreContext, ValType};
use anyhow::{bail, Result};
use std::any::Any;
use wasmtime_environ::{gc_ref, WasmHierarchy};
use wasmtime_runtime::vmcontext::ValRaw;

mod anyref;
mod contref;
mod objects;
pub use anyref::{AnyRef, EqRef, I31};
pub use contref::ContRef;
pub use objects::{ArrayRef, ArrayRefPre, StructRef, StructRefPre};

/// A 128-bit vector value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct V128(u128);

impl V128 {
    /// The bits as a u128.
    pub fn as_u128(&self) -> u128 {
        self.0
    }
}

impl From<u128> for V128 {
    fn from(v: u128) -> V128 {
        V128(v)
    }
}

impl From<V128> for u128 {
    fn from(v: V128) -> u128 {
        v.0
    }
}

/// A reference rooted in a store. References here live as long as the
/// store that created them.
#[derive(Clone, Debug)]
pub struct Rooted<T> {
    pub(crate) inner: T,
}

impl<T> Rooted<T> {
    pub(crate) fn new(inner: T) -> Rooted<T> {
        Rooted { inner }
    }
}

impl<T> std::ops::Deref for Rooted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// An opaque reference to host data passed to and from wasm as `externref`.
///
/// The data lives until a collection (`Store::gc`) finds that neither wasm
/// nor a host handle in scope can reach it any more.
#[derive(Clone, Debug)]
pub struct ExternRef {
    pub(crate) store: StoreId,
    pub(crate) handle: u64,
    /// The host root keeping it alive (none for a handle from the C API);
    /// checked on use.
    pub(crate) root: Option<crate::gc::RootId>,
}

impl PartialEq for ExternRef {
    fn eq(&self, other: &ExternRef) -> bool {
        self.store == other.store && self.handle == other.handle
    }
}

impl Eq for ExternRef {}

impl std::hash::Hash for ExternRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.store.hash(state);
        self.handle.hash(state);
    }
}

impl ExternRef {
    /// Creates an `externref` wrapping `value`.
    pub fn new<T>(mut store: impl AsContextMut, value: T) -> Result<Rooted<ExternRef>>
    where
        T: 'static + Any + Send + Sync,
    {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        let handle = store.new_externref(Box::new(value));
        let root = store.root_word(handle);
        Ok(Rooted {
            inner: ExternRef {
                store: store.id(),
                root,
                handle,
            },
        })
    }

    /// The `externref` that wasm's `extern.convert_any` makes of `anyref`
    /// (the same reference seen from the extern hierarchy).
    pub fn convert_any(
        store: impl AsContextMut,
        anyref: Rooted<AnyRef>,
    ) -> Result<Rooted<ExternRef>> {
        let raw = anyref.to_raw_u64(store.as_context().opaque())?;
        Ok(Rooted {
            inner: ExternRef {
                store: anyref.store_id(),
                root: anyref.root,
                handle: raw,
            },
        })
    }

    pub(crate) fn store_id(&self) -> StoreId {
        self.store
    }

    /// The host data; `None` for an internal reference converted with
    /// `extern.convert_any`.
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<StoreContext<'a, T>>,
    ) -> Result<Option<&'a (dyn Any + Send + Sync)>> {
        let store: StoreContext<'a, T> = store.into();
        let opaque = store.opaque();
        if opaque.id() != self.store {
            bail!("externref used with the wrong store");
        }
        opaque.check_rooted(self.root)?;
        Ok(gc_ref::host_index(self.handle)
            .and_then(|i| opaque.externrefs.get(i))
            .and_then(|a| a.as_deref()))
    }

    /// The host data, mutably; `None` for an internal reference converted
    /// with `extern.convert_any`.
    pub fn data_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> Result<Option<&'a mut (dyn Any + Send + Sync)>> {
        let store: crate::StoreContextMut<'a, T> = store.into();
        let inner = store.0;
        let opaque = &mut inner.opaque;
        if opaque.id() != self.store {
            bail!("externref used with the wrong store");
        }
        opaque.check_rooted(self.root)?;
        Ok(gc_ref::host_index(self.handle)
            .and_then(|i| opaque.externrefs.get_mut(i))
            .and_then(|a| a.as_deref_mut()))
    }

    pub(crate) fn to_raw_u64(&self, store: &StoreOpaque) -> Result<u64> {
        if store.id() != self.store {
            bail!("externref used with the wrong store");
        }
        store.check_rooted(self.root)?;
        Ok(self.handle)
    }

    pub(crate) fn from_raw_u64(store: &StoreOpaque, raw: u64) -> Option<Rooted<ExternRef>> {
        let root = store.root_word(raw);
        (raw != 0).then(|| Rooted {
            inner: ExternRef {
                store: store.id(),
                root,
                handle: raw,
            },
        })
    }
}

/// A WebAssembly value.
#[derive(Clone, Debug)]
pub enum Val {
    /// i32 (signed view).
    I32(i32),
    /// i64 (signed view).
    I64(i64),
    /// f32, as its bits.
    F32(u32),
    /// f64, as its bits.
    F64(u64),
    /// v128.
    V128(V128),
    /// A function reference.
    FuncRef(Option<Func>),
    /// An external reference.
    ExternRef(Option<Rooted<ExternRef>>),
    /// An internal reference (`anyref` and its subtypes).
    AnyRef(Option<Rooted<AnyRef>>),
    /// An exception reference.
    ExnRef(Option<Rooted<ExnRef>>),
    /// A continuation reference (stack-switching proposal).
    ContRef(Option<ContRef>),
}

macro_rules! accessors {
    ($($variant:ident($ty:ty) $get:ident $unwrap:ident $v:ident => $e:expr)*) => ($(
        /// The value, if it has this type.
        pub fn $get(&self) -> Option<$ty> {
            if let Val::$variant($v) = self {
                Some($e)
            } else {
                None
            }
        }

        /// The value; panics if it has another type.
        pub fn $unwrap(&self) -> $ty {
            self.$get().expect(concat!("expected ", stringify!($ty)))
        }
    )*)
}

impl Val {
    accessors! {
        I32(i32) i32 unwrap_i32 v => *v
        I64(i64) i64 unwrap_i64 v => *v
        F32(f32) f32 unwrap_f32 v => f32::from_bits(*v)
        F64(f64) f64 unwrap_f64 v => f64::from_bits(*v)
        V128(V128) v128 unwrap_v128 v => *v
    }

    /// The default value of `ty`: zero, or null for a nullable reference.
    /// `None` for a non-nullable reference, which has no default.
    pub fn default_for_ty(ty: &ValType) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(V128::from(0u128)),
            ValType::Ref(r) if r.is_nullable() => Val::null_ref(r.heap_type()),
            ValType::Ref(_) => return None,
        })
    }

    /// The reference this value holds, or `None` for a number or vector.
    pub fn ref_(self) -> Option<Ref> {
        match self {
            Val::FuncRef(f) => Some(Ref::Func(f)),
            Val::ExternRef(e) => Some(Ref::Extern(e)),
            Val::AnyRef(a) => Some(Ref::Any(a)),
            Val::ExnRef(e) => Some(Ref::Exn(e)),
            // As in Wasmtime 48, `Ref` has no continuation variant.
            _ => None,
        }
    }

    /// A null reference of the given type.
    pub fn null_ref(heap_type: &HeapType) -> Val {
        match heap_type.hierarchy() {
            WasmHierarchy::Func => Val::FuncRef(None),
            WasmHierarchy::Cont => Val::ContRef(None),
            WasmHierarchy::Exn => Val::ExnRef(None),
            WasmHierarchy::Any => Val::AnyRef(None),
            WasmHierarchy::Extern => Val::ExternRef(None),
        }
    }

    /// A null `anyref`.
    pub const fn null_any_ref() -> Val {
        Val::AnyRef(None)
    }

    /// The internal reference, if this is one.
    pub fn any_ref(&self) -> Option<Option<&Rooted<AnyRef>>> {
        match self {
            Val::AnyRef(a) => Some(a.as_ref()),
            _ => None,
        }
    }

    /// The internal reference; panics if this is not an anyref.
    pub fn unwrap_anyref(&self) -> Option<&Rooted<AnyRef>> {
        self.any_ref().expect("expected anyref")
    }

    /// A null `funcref`.
    pub const fn null_func_ref() -> Val {
        Val::FuncRef(None)
    }

    /// A null `externref`.
    pub const fn null_extern_ref() -> Val {
        Val::ExternRef(None)
    }

    /// The function reference, if this is one.
    pub fn func_ref(&self) -> Option<Option<&Func>> {
        match self {
            Val::FuncRef(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// The function, if this is a non-null funcref.
    pub fn unwrap_func(&self) -> Option<&Func> {
        self.func_ref().expect("expected funcref")
    }

    /// The extern reference, if this is one.
    pub fn extern_ref(&self) -> Option<Option<&Rooted<ExternRef>>> {
        match self {
            Val::ExternRef(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The extern reference; panics if this is not an externref.
    pub fn unwrap_externref(&self) -> Option<&Rooted<ExternRef>> {
        self.extern_ref().expect("expected externref")
    }

    /// This value's type.
    pub fn ty(&self, store: impl crate::AsContext) -> Result<ValType> {
        Ok(match self {
            Val::AnyRef(Some(a)) => ValType::Ref(RefType::new(false, a.ty(&store)?)),
            Val::ContRef(c) => contref::val_type(c, Some(store.as_context().opaque())),
            _ => self.ty_of(),
        })
    }

    pub(crate) fn ty_of(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::AnyRef(_) => ValType::ANYREF,
            Val::ExnRef(_) => ValType::Ref(RefType::EXNREF),
            Val::ContRef(c) => contref::val_type(c, None),
        }
    }

    /// Whether this value is of type `ty` (a function reference matches
    /// its function's concrete type and every supertype of it).
    pub fn matches_ty(&self, store: impl crate::AsContext, ty: &ValType) -> Result<bool> {
        Ok(self.matches_in(store.as_context().opaque(), ty))
    }

    pub(crate) fn matches_in(&self, store: &crate::store::StoreOpaque, ty: &ValType) -> bool {
        match (self, ty) {
            (Val::FuncRef(f), ValType::Ref(r)) => Ref::Func(*f).matches_wasm(store, r.to_wasm()),
            (Val::ExternRef(e), ValType::Ref(r)) => {
                Ref::Extern(e.clone()).matches_wasm(store, r.to_wasm())
            }
            (Val::AnyRef(a), ValType::Ref(r)) => {
                Ref::Any(a.clone()).matches_wasm(store, r.to_wasm())
            }
            (Val::ExnRef(e), ValType::Ref(r)) => {
                Ref::Exn(e.clone()).matches_wasm(store, r.to_wasm())
            }
            (Val::ContRef(None), ValType::Ref(r)) => {
                r.is_nullable() && r.heap_type().hierarchy() == WasmHierarchy::Cont
            }
            (Val::ContRef(Some(c)), ValType::Ref(r)) => c.matches_wasm(store, r.to_wasm()),
            (v, t) => v.ty_of() == *t,
        }
    }

    pub(crate) fn to_raw(&self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(match self {
            Val::I32(v) => ValRaw::i32(*v),
            Val::I64(v) => ValRaw::i64(*v),
            Val::F32(v) => ValRaw::f32(*v),
            Val::F64(v) => ValRaw::f64(*v),
            Val::V128(v) => ValRaw::v128(v.0),
            Val::FuncRef(f) => ValRaw::reference(match f {
                None => 0,
                Some(f) => f.func_ref_ptr(store)? as u64,
            }),
            Val::ExternRef(e) => ValRaw::reference(match e {
                None => 0,
                Some(e) => e.to_raw_u64(store)?,
            }),
            Val::ExnRef(e) => ValRaw::reference(match e {
                None => 0,
                Some(e) => e.to_raw(store)?,
            }),
            Val::AnyRef(a) => ValRaw::reference(match a {
                None => 0,
                Some(a) => a.to_raw_u64(store)?,
            }),
            Val::ContRef(c) => ValRaw::reference(match c {
                None => 0,
                Some(c) => c.to_raw(store)?,
            }),
        })
    }

    pub(crate) fn from_raw(store: &mut StoreOpaque, raw: ValRaw, ty: &ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw.get_i32()),
            ValType::I64 => Val::I64(raw.get_i64()),
            ValType::F32 => Val::F32(raw.get_f32()),
            ValType::F64 => Val::F64(raw.get_f64()),
            ValType::V128 => Val::V128(V128(raw.get_v128())),
            ValType::Ref(r) if r.heap_type().hierarchy() == WasmHierarchy::Cont => {
                Val::ContRef(ContRef::from_raw(store, raw.get_reference(), r.heap_type()))
            }
            ValType::Ref(r) => Ref::from_raw(store, raw.get_reference(), r).into(),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
impl From<V128> for Val {
    fn from(v: V128) -> Val {
        Val::V128(v)
    }
}
impl From<Func> for Val {
    fn from(v: Func) -> Val {
        Val::FuncRef(Some(v))
    }
}
impl From<Option<Func>> for Val {
    fn from(v: Option<Func>) -> Val {
        Val::FuncRef(v)
    }
}
impl From<Rooted<ExternRef>> for Val {
    fn from(v: Rooted<ExternRef>) -> Val {
        Val::ExternRef(Some(v))
    }
}
impl From<Option<Rooted<ExternRef>>> for Val {
    fn from(v: Option<Rooted<ExternRef>>) -> Val {
        Val::ExternRef(v)
    }
}
impl From<Rooted<AnyRef>> for Val {
    fn from(v: Rooted<AnyRef>) -> Val {
        Val::AnyRef(Some(v))
    }
}
impl From<Option<Rooted<AnyRef>>> for Val {
    fn from(v: Option<Rooted<AnyRef>>) -> Val {
        Val::AnyRef(v)
    }
}
impl From<ContRef> for Val {
    fn from(v: ContRef) -> Val {
        Val::ContRef(Some(v))
    }
}
impl From<Option<ContRef>> for Val {
    fn from(v: Option<ContRef>) -> Val {
        Val::ContRef(v)
    }
}
impl From<Rooted<AnyRef>> for Ref {
    fn from(a: Rooted<AnyRef>) -> Ref {
        Ref::Any(Some(a))
    }
}
impl From<Option<Rooted<AnyRef>>> for Ref {
    fn from(a: Option<Rooted<AnyRef>>) -> Ref {
        Ref::Any(a)
    }
}
impl From<Ref> for Val {
    fn from(r: Ref) -> Val {
        match r {
            Ref::Func(f) => Val::FuncRef(f),
            Ref::Extern(e) => Val::ExternRef(e),
            Ref::Any(a) => Val::AnyRef(a),
            Ref::Exn(e) => Val::ExnRef(e),
        }
    }
}

/// A reference value (the contents of a table).
#[derive(Clone, Debug)]
pub enum Ref {
    /// A function reference.
    Func(Option<Func>),
    /// An external reference.
    Extern(Option<Rooted<ExternRef>>),
    /// An internal reference (`anyref` and its subtypes).
    Any(Option<Rooted<AnyRef>>),
    /// An exception reference.
    Exn(Option<Rooted<ExnRef>>),
}

impl Ref {
    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        match self {
            Ref::Func(f) => f.is_none(),
            Ref::Extern(e) => e.is_none(),
            Ref::Any(a) => a.is_none(),
            Ref::Exn(e) => e.is_none(),
        }
    }

    /// Whether this is a non-null reference.
    pub fn is_non_null(&self) -> bool {
        !self.is_null()
    }

    /// The function reference, if this is one.
    pub fn as_func(&self) -> Option<Option<&Func>> {
        match self {
            Ref::Func(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// The internal reference, if this is one.
    pub fn as_any(&self) -> Option<Option<&Rooted<AnyRef>>> {
        match self {
            Ref::Any(a) => Some(a.as_ref()),
            _ => None,
        }
    }

    /// The extern reference, if this is one.
    pub fn as_extern(&self) -> Option<Option<&Rooted<ExternRef>>> {
        match self {
            Ref::Extern(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The function; panics if not a funcref.
    pub fn unwrap_func(&self) -> Option<&Func> {
        self.as_func().expect("expected funcref")
    }

    /// The extern reference; panics if not an externref.
    pub fn unwrap_extern(&self) -> Option<&Rooted<ExternRef>> {
        self.as_extern().expect("expected externref")
    }

    /// Whether this reference is a value of the canonical type `ty`.
    pub(crate) fn matches_wasm(
        &self,
        store: &crate::store::StoreOpaque,
        ty: wasmtime_environ::WasmRefType,
    ) -> bool {
        use wasmtime_environ::{WasmHeapType, WasmTypeRef};
        let h = ty.heap.hierarchy();
        match self {
            Ref::Func(None) => {
                ty.nullable && (h == WasmHierarchy::Func || h == WasmHierarchy::Cont)
            }
            Ref::Exn(None) => ty.nullable && h == WasmHierarchy::Exn,
            Ref::Extern(None) => ty.nullable && h == WasmHierarchy::Extern,
            Ref::Any(None) => ty.nullable && h == WasmHierarchy::Any,
            Ref::Extern(Some(_)) => ty.heap == WasmHeapType::Extern,
            Ref::Exn(Some(_)) => ty.heap == WasmHeapType::Exn,
            Ref::Any(Some(a)) => a.matches_heap(store, ty.heap),
            Ref::Func(Some(f)) => match ty.heap {
                WasmHeapType::Func => true,
                WasmHeapType::ConcreteFunc(WasmTypeRef::Engine(i)) => {
                    store.id() == f.0.store
                        && store.engine().is_subtype(f.data(store).ty.type_index(), i)
                }
                _ => false,
            },
        }
    }

    pub(crate) fn to_raw(&self, store: &StoreOpaque) -> Result<u64> {
        Ok(match self {
            Ref::Func(None) | Ref::Extern(None) | Ref::Exn(None) | Ref::Any(None) => 0,
            Ref::Func(Some(f)) => f.func_ref_ptr(store)? as u64,
            Ref::Extern(Some(e)) => e.to_raw_u64(store)?,
            Ref::Any(Some(a)) => a.to_raw_u64(store)?,
            Ref::Exn(Some(e)) => e.to_raw(store)?,
        })
    }

    pub(crate) fn from_raw(store: &mut StoreOpaque, raw: u64, ty: &RefType) -> Ref {
        match ty.heap_type().hierarchy() {
            WasmHierarchy::Func => Ref::Func(if raw == 0 {
                None
            } else {
                // SAFETY: non-null funcref values produced by wasm or the
                // runtime always point at live VMFuncRefs of this store.
                Some(unsafe { Func::from_func_ref(store, raw as *mut _) })
            }),
            WasmHierarchy::Exn => Ref::Exn(ExnRef::from_raw(store, raw)),
            // Continuations stay inside wasm: the host sees a null (as a
            // null funcref; there is no continuation object in the API).
            WasmHierarchy::Cont => Ref::Func(None),
            WasmHierarchy::Any => Ref::Any(AnyRef::from_raw_u64(store, raw)),
            WasmHierarchy::Extern => Ref::Extern(ExternRef::from_raw_u64(store, raw)),
        }
    }
}

impl From<Func> for Ref {
    fn from(f: Func) -> Ref {
        Ref::Func(Some(f))
    }
}
impl From<Option<Func>> for Ref {
    fn from(f: Option<Func>) -> Ref {
        Ref::Func(f)
    }
}
impl From<Rooted<ExternRef>> for Ref {
    fn from(e: Rooted<ExternRef>) -> Ref {
        Ref::Extern(Some(e))
    }
}
impl From<Option<Rooted<ExternRef>>> for Ref {
    fn from(e: Option<Rooted<ExternRef>>) -> Ref {
        Ref::Extern(e)
    }
}
