//! The statically typed API: Rust types that stand for component-model
//! types ([`ComponentType`]), that can be passed to a component
//! ([`Lower`]) or received from one ([`Lift`]), and [`TypedFunc`], a
//! component function called with such types.
//!
//! A Rust type is checked against the component's type once, when a
//! [`TypedFunc`] is made ([`Func::typed`], [`Instance::get_typed_func`]) or
//! when a component is instantiated with a host function defined by
//! [`LinkerInstance::func_wrap`](super::LinkerInstance::func_wrap). Calls
//! then lower and lift values straight between Rust and core values or
//! linear memory, following the layouts of
//! [`wasmtime_environ::component`], without going through [`Val`].
//! Values read from the guest are still checked one by one (bounds,
//! alignment, discriminants, `char`s, string encodings), as in
//! [`Func::call`].
//!
//! The traits' methods are hidden: they are implemented here for Rust's
//! own types and by the `ComponentType`, `Lift` and `Lower` derives and the
//! `flags!` macro (the `wasmtime-component-macro` crate), through the
//! helpers of [`internal`] (`wasmtime::component::__internal`).
//!
//! [`Val`]: super::Val

mod impls;
pub mod internal;
mod maps;
mod resources;
mod tuples;

use super::abi::Cx;
use super::{ExportLookup, Func, Instance};
use crate::store::StoreOpaque;
use crate::{AsContext, AsContextMut};
use anyhow::{anyhow, bail, Result};
use std::fmt::Write as _;
use std::marker::PhantomData;
use wasmtime_environ::component::{ComponentFuncType, InterfaceType};
use wasmtime_runtime::vmcontext::ValRaw;

/// A Rust type that stands for a component-model type.
///
/// Implemented for `bool`, the integer types, `f32`, `f64`, `char`,
/// `String` and `str`, `Vec<T>` and `[T]` (`list<T>`), `Option<T>`,
/// `Result<T, E>` (where `()` stands for a missing payload), tuples (and
/// `()`), `Box<T>`, `Arc<T>` and `&T`; and by
/// [`#[derive(ComponentType)]`](macro@super::ComponentType) for records,
/// variants and enums, and by [`flags!`](super::flags) for flags.
///
/// Its methods are an implementation detail: use the trait as a bound and
/// through the derive.
pub trait ComponentType: Send + Sync {
    /// The component-model type that this Rust type naturally stands for
    /// (a `()` payload of a `result` is no payload).
    #[doc(hidden)]
    fn ty() -> InterfaceType;

    /// Checks that this Rust type can stand for the component type `ty`,
    /// with an error saying what differs.
    #[doc(hidden)]
    fn typecheck(ty: &InterfaceType) -> Result<()>;
}

/// A [`ComponentType`] whose values can be passed to a component: as
/// arguments of a [`TypedFunc`] or results of a host function.
pub trait Lower: ComponentType {
    /// Appends the flat core values of `self`, of type `ty`, to `out`.
    #[doc(hidden)]
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()>;

    /// Stores `self`, of type `ty`, at `ptr` in linear memory.
    #[doc(hidden)]
    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()>;

    /// Stores `items` (elements of type `elem`) one after the other from
    /// `ptr`, which is aligned and has room for all of them.
    #[doc(hidden)]
    fn store_list(items: &[Self], cx: &mut Cx<'_>, elem: &InterfaceType, ptr: u32) -> Result<()>
    where
        Self: Sized,
    {
        let size = elem.size();
        for (i, item) in items.iter().enumerate() {
            item.store(cx, elem, ptr + i as u32 * size)?;
        }
        Ok(())
    }

    /// For tuples used as [`ComponentNamedList`]s: lowers each element
    /// with the next of `types`.
    #[doc(hidden)]
    fn lower_fields_flat(
        &self,
        _cx: &mut Cx<'_>,
        _types: &mut dyn Iterator<Item = &InterfaceType>,
        _out: &mut Vec<ValRaw>,
    ) -> Result<()> {
        bail!("only tuples are lists of parameters or results")
    }

    /// For tuples used as [`ComponentNamedList`]s: stores each element
    /// with the next of `types`, laid out as a tuple from `ptr`.
    #[doc(hidden)]
    fn store_fields(
        &self,
        _cx: &mut Cx<'_>,
        _types: &mut dyn Iterator<Item = &InterfaceType>,
        _ptr: u32,
    ) -> Result<()> {
        bail!("only tuples are lists of parameters or results")
    }
}

/// A [`ComponentType`] whose values can be received from a component: as
/// results of a [`TypedFunc`] or arguments of a host function.
pub trait Lift: Sized + ComponentType {
    /// Lifts a value of type `ty` from flat core values.
    #[doc(hidden)]
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self>;

    /// Loads a value of type `ty` from `ptr` in linear memory.
    #[doc(hidden)]
    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self>;

    /// Loads `len` elements of type `elem` from `ptr`, which is aligned
    /// and in bounds for all of them.
    #[doc(hidden)]
    fn load_list(cx: &mut Cx<'_>, elem: &InterfaceType, ptr: u32, len: u32) -> Result<Vec<Self>> {
        let size = elem.size();
        (0..len)
            .map(|i| Self::load(cx, elem, ptr + i * size))
            .collect()
    }

    /// For tuples used as [`ComponentNamedList`]s: lifts each element
    /// with the next of `types`.
    #[doc(hidden)]
    fn lift_fields_flat(
        _cx: &mut Cx<'_>,
        _types: &mut dyn Iterator<Item = &InterfaceType>,
        _src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        bail!("only tuples are lists of parameters or results")
    }

    /// For tuples used as [`ComponentNamedList`]s: loads each element
    /// with the next of `types`, laid out as a tuple from `ptr`.
    #[doc(hidden)]
    fn load_fields(
        _cx: &mut Cx<'_>,
        _types: &mut dyn Iterator<Item = &InterfaceType>,
        _ptr: u32,
    ) -> Result<Self> {
        bail!("only tuples are lists of parameters or results")
    }
}

/// The parameters or results of a [`TypedFunc`] or of a host function
/// defined with [`LinkerInstance::func_wrap`](super::LinkerInstance::func_wrap):
/// a tuple of up to 16 [`ComponentType`]s. `()` stands for no results and
/// `(T,)` for one.
pub trait ComponentNamedList: ComponentType {
    /// Checks the elements against `types` (named, for errors), which are
    /// `what`s ("parameter" or "result").
    #[doc(hidden)]
    fn typecheck_list(types: &[(&str, &InterfaceType)], what: &str) -> Result<()>;
}

/// A component function with statically known parameter and result types:
/// `Params` is a tuple of its parameters' types and `Return` is `()` for a
/// function without result or `(T,)` for one returning `T`.
///
/// Made by [`Func::typed`] or [`Instance::get_typed_func`], which check
/// the types against the function's.
pub struct TypedFunc<Params, Return> {
    func: Func,
    _marker: PhantomData<fn(Params) -> Return>,
}

impl<Params, Return> Copy for TypedFunc<Params, Return> {}

impl<Params, Return> Clone for TypedFunc<Params, Return> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Params, Return> std::fmt::Debug for TypedFunc<Params, Return> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedFunc")
            .field("func", &self.func)
            .finish_non_exhaustive()
    }
}

impl<Params, Return> TypedFunc<Params, Return>
where
    Params: ComponentNamedList + Lower,
    Return: ComponentNamedList + Lift,
{
    /// `func` with static types, without checking them.
    ///
    /// # Safety
    ///
    /// `Params` and `Return` must match `func`'s type as
    /// [`Func::typed`] would check; generated bindings use this after
    /// checking the types once.
    pub unsafe fn new_unchecked(func: Func) -> TypedFunc<Params, Return> {
        TypedFunc {
            func,
            _marker: PhantomData,
        }
    }

    /// The underlying, dynamically typed, function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function with `params` and returns its results. Values
    /// the guest returns are checked (an invalid string, discriminant or
    /// pointer is an error). The function's `post-return` runs before this
    /// returns.
    ///
    /// # Panics
    ///
    /// Panics if `store` does not own the function.
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Return> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        store.validate_sync_call()?;
        self.call_impl(store, params)
    }

    /// As [`TypedFunc::call`], on a fiber (see [`crate::Func::call_async`]).
    #[cfg(feature = "async")]
    pub async fn call_async(
        &self,
        mut store: impl AsContextMut<Data: Send>,
        params: Params,
    ) -> Result<Return>
    where
        Return: 'static,
    {
        let func = *self;
        let work = move |store: &mut StoreOpaque| func.call_impl(store, params);
        crate::fiber::on_fiber_in(&mut store.as_context_mut(), work).await?
    }

    /// Does nothing: `post-return` runs as part of every call.
    #[doc(hidden)]
    #[deprecated(note = "no longer needs to be called; this function has no effect")]
    pub fn post_return(&self, _store: impl AsContextMut) -> Result<()> {
        Ok(())
    }

    /// Does nothing: `post-return` runs as part of every call.
    #[doc(hidden)]
    #[deprecated(note = "no longer needs to be called; this function has no effect")]
    #[cfg(feature = "async")]
    pub async fn post_return_async(&self, _store: impl AsContextMut<Data: Send>) -> Result<()> {
        Ok(())
    }

    pub(crate) fn call_impl(&self, store: &mut StoreOpaque, params: Params) -> Result<Return> {
        let data = self.func.data(store);
        if data.options.async_ {
            return self.call_async_lifted(store, params);
        }
        let instance = data.options.instance;
        super::InstanceData::enter(store, instance, |store| self.call_inner(store, params))
    }

    /// A call of an async-lifted function: a task run to its end.
    fn call_async_lifted(&self, store: &mut StoreOpaque, params: Params) -> Result<Return> {
        #[cfg(feature = "component-model-async")]
        return super::concurrent::call_typed(store, *self, params);
        #[cfg(not(feature = "component-model-async"))]
        {
            let _ = (store, params);
            anyhow::bail!("async-lifted functions need the `component-model-async` feature")
        }
    }

    fn call_inner(&self, store: &mut StoreOpaque, params: Params) -> Result<Return> {
        let data = self.func.data(store);
        // The call's frame spans the lowering, the core call and
        // `post-return`.
        #[cfg(feature = "component-model-async")]
        return super::concurrent::sync_frame(store, data.ty.is_async, |store| {
            Self::call_sync(store, &data, params)
        });
        #[cfg(not(feature = "component-model-async"))]
        Self::call_sync(store, &data, params)
    }

    fn call_sync(
        store: &mut StoreOpaque,
        data: &super::func::LiftedFunc,
        params: Params,
    ) -> Result<Return> {
        let ty = &data.ty;
        let mut raw = Vec::with_capacity(data.flat_params.unwrap_or(1).max(1));
        let lent = super::func::own_frame(store, &data.options, |store| -> Result<_> {
            let mut cx = Cx::new(store, &data.options);
            let mut types = ty.params.iter().map(|(_, t)| t);
            match data.flat_params {
                Some(_) => params.lower_fields_flat(&mut cx, &mut types, &mut raw)?,
                None => {
                    let (align, size) = internal::tuple_layout(ty.params.iter().map(|(_, t)| t));
                    let ptr = cx.realloc(0, 0, align, size)?;
                    params.store_fields(&mut cx, &mut types, ptr)?;
                    raw.push(ValRaw::u32(ptr));
                }
            }
            Ok((std::mem::take(&mut cx.lent), cx.take_host_lends()))
        })?;
        let (lent, host_lent) = lent;
        let core_results = data.flat_results.unwrap_or(1);
        if raw.len() < core_results {
            raw.resize(core_results, ValRaw::u64(0));
        }
        let called = data
            .core
            .func_ref_ptr(store)
            .and_then(|func_ref| crate::func::invoke(store, func_ref, &mut raw));
        crate::component::abi::end_host_lends(store, host_lent);
        called?;
        let ret = {
            let mut cx = Cx::new(&mut *store, &data.options);
            cx.lent = lent;
            cx.check_lent()?;
            let mut types = ty.result.iter();
            match data.flat_results {
                Some(n) => {
                    Return::lift_fields_flat(&mut cx, &mut types, &mut raw[..n].iter().copied())?
                }
                None => Return::load_fields(&mut cx, &mut types, raw[0].get_u32())?,
            }
        };
        super::func::post_return(store, &data.options, &raw[..core_results])?;
        Ok(ret)
    }
}

impl Func {
    /// This function with static types: `Params` is a tuple of the
    /// parameters' types and `Return` is `()` for a function without
    /// result or `(T,)` for one returning `T`. An error says how the types
    /// differ from the function's.
    ///
    /// # Panics
    ///
    /// Panics if `store` does not own the function.
    pub fn typed<Params, Return>(&self, store: impl AsContext) -> Result<TypedFunc<Params, Return>>
    where
        Params: ComponentNamedList + Lower,
        Return: ComponentNamedList + Lift,
    {
        let ctx = store.as_context();
        let data = self.data(ctx.opaque());
        typecheck_func::<Params, Return>(&data.ty)
            .map_err(|e| anyhow!("failed to convert function to given type: {e}"))?;
        Ok(TypedFunc {
            func: *self,
            _marker: PhantomData,
        })
    }
}

impl Instance {
    /// The exported function `name` (as for [`Instance::get_func`]) with
    /// static types (as for [`Func::typed`]). An error if there is no such
    /// function or its type differs.
    ///
    /// # Panics
    ///
    /// Panics if `store` does not own the instance.
    pub fn get_typed_func<Params, Return>(
        &self,
        mut store: impl AsContextMut,
        name: impl ExportLookup,
    ) -> Result<TypedFunc<Params, Return>>
    where
        Params: ComponentNamedList + Lower,
        Return: ComponentNamedList + Lift,
    {
        let func = self
            .get_func(&mut store, name)
            .ok_or_else(|| anyhow!("failed to find function export"))?;
        func.typed(&store)
    }
}

/// Checks `Params` and `Return` against a function type. The error is one
/// message: what differs, then where.
pub(crate) fn typecheck_func<Params, Return>(ty: &ComponentFuncType) -> Result<()>
where
    Params: ComponentNamedList,
    Return: ComponentNamedList,
{
    let params: Vec<(&str, &InterfaceType)> =
        ty.params.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let results: Vec<(&str, &InterfaceType)> = ty.result.iter().map(|t| ("", t)).collect();
    Params::typecheck_list(&params, "parameter")
        .and_then(|()| Return::typecheck_list(&results, "result"))
        .map_err(|e| anyhow!("{}", flatten_error(&e)))
}

/// `type mismatch: ... (in record field `x`, in parameter `p`)` from an
/// error whose contexts say where.
fn flatten_error(e: &anyhow::Error) -> String {
    let mut chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    let mut message = chain.pop().unwrap_or_default();
    if !chain.is_empty() {
        chain.reverse();
        let _ = write!(message, " ({})", chain.join(", "));
    }
    message
}

/// A component type written as in WIT, for error messages.
pub(crate) fn wit(ty: &InterfaceType) -> String {
    use InterfaceType as I;
    let list = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
    match ty {
        I::Bool => "bool".into(),
        I::S8 => "s8".into(),
        I::U8 => "u8".into(),
        I::S16 => "s16".into(),
        I::U16 => "u16".into(),
        I::S32 => "s32".into(),
        I::U32 => "u32".into(),
        I::S64 => "s64".into(),
        I::U64 => "u64".into(),
        I::Float32 => "f32".into(),
        I::Float64 => "f64".into(),
        I::Char => "char".into(),
        I::String => "string".into(),
        I::List(t) => format!("list<{}>", wit(t)),
        I::Map(k, v) => format!("map<{}, {}>", wit(k), wit(v)),
        I::FixedLengthList(t, n) => format!("list<{}, {n}>", wit(t)),
        I::Record(fields) => format!(
            "record {{ {} }}",
            list(&mut fields.iter().map(|(n, t)| format!("{n}: {}", wit(t))))
        ),
        I::Tuple(ts) => format!("tuple<{}>", list(&mut ts.iter().map(wit))),
        I::Variant(cases) => format!(
            "variant {{ {} }}",
            list(&mut cases.iter().map(|(n, t)| match t {
                Some(t) => format!("{n}({})", wit(t)),
                None => n.clone(),
            }))
        ),
        I::Enum(names) => format!("enum {{ {} }}", names.join(", ")),
        I::Option(t) => format!("option<{}>", wit(t)),
        I::Result { ok, err } => match (ok, err) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", wit(ok)),
            (None, Some(err)) => format!("result<_, {}>", wit(err)),
            (Some(ok), Some(err)) => format!("result<{}, {}>", wit(ok), wit(err)),
        },
        I::Flags(names) => format!("flags {{ {} }}", names.join(", ")),
        I::Own(i) => format!("own<resource {i}>"),
        I::Borrow(i) => format!("borrow<resource {i}>"),
        I::Stream(None) => "stream".into(),
        I::Stream(Some(t)) => format!("stream<{}>", wit(t)),
        I::Future(None) => "future".into(),
        I::Future(Some(t)) => format!("future<{}>", wit(t)),
        I::ErrorContext => "error-context".into(),
    }
}
