//! Statically typed functions: `TypedFunc`, the traits mapping Rust types
//! to wasm types, and `IntoFunc` for wrapping closures.

#![allow(unused_assignments)] // the argument counter in `into_func_impls!`

use super::{invoke, HostFuncRaw};
use crate::store::{StoreInner, StoreOpaque};
use crate::values::{AnyRef, ExternRef, Rooted, I31};
use crate::{AsContextMut, Caller, Engine, Func, FuncType, ValType, V128};
use anyhow::Result;
use std::marker::PhantomData;
use std::sync::Arc;
use wasmtime_runtime::vmcontext::ValRaw;

/// A Rust type that is a wasm value type.
pub trait WasmTy: Send + Sized + 'static {
    #[doc(hidden)]
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn store_raw(self, store: &StoreOpaque) -> Result<ValRaw>;
    #[doc(hidden)]
    fn load_raw(store: &mut StoreOpaque, raw: &ValRaw) -> Self;
}

macro_rules! num_ty {
    ($($t:ty => $vt:ident, $to:expr, $from:expr;)*) => {$(
        impl WasmTy for $t {
            fn valtype() -> ValType { ValType::$vt }
            #[inline]
            fn store_raw(self, _: &StoreOpaque) -> Result<ValRaw> { Ok($to(self)) }
            #[inline]
            fn load_raw(_: &mut StoreOpaque, raw: &ValRaw) -> Self { $from(raw) }
        }
    )*};
}

num_ty! {
    i32 => I32, ValRaw::i32, |r: &ValRaw| r.get_i32();
    u32 => I32, ValRaw::u32, |r: &ValRaw| r.get_u32();
    i64 => I64, ValRaw::i64, |r: &ValRaw| r.get_i64();
    u64 => I64, ValRaw::u64, |r: &ValRaw| r.get_u64();
    f32 => F32, |v: f32| ValRaw::f32(v.to_bits()), |r: &ValRaw| f32::from_bits(r.get_f32());
    f64 => F64, |v: f64| ValRaw::f64(v.to_bits()), |r: &ValRaw| f64::from_bits(r.get_f64());
    V128 => V128, |v: V128| ValRaw::v128(v.as_u128()), |r: &ValRaw| V128::from(r.get_v128());
}

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FUNCREF
    }
    fn store_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(ValRaw::reference(match self {
            None => 0,
            Some(f) => f.func_ref_ptr(store)? as u64,
        }))
    }
    fn load_raw(store: &mut StoreOpaque, raw: &ValRaw) -> Self {
        let p = raw.get_reference();
        // SAFETY: non-null funcrefs from wasm point at live funcrefs of this store.
        (p != 0).then(|| unsafe { Func::from_func_ref(store, p as *mut _) })
    }
}

impl WasmTy for Option<Rooted<ExternRef>> {
    fn valtype() -> ValType {
        ValType::EXTERNREF
    }
    fn store_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(ValRaw::reference(match self {
            None => 0,
            Some(e) => e.to_raw_u64(store)?,
        }))
    }
    fn load_raw(store: &mut StoreOpaque, raw: &ValRaw) -> Self {
        ExternRef::from_raw_u64(store, raw.get_reference())
    }
}

impl WasmTy for Option<Rooted<AnyRef>> {
    fn valtype() -> ValType {
        ValType::ANYREF
    }
    fn store_raw(self, store: &StoreOpaque) -> Result<ValRaw> {
        Ok(ValRaw::reference(match self {
            None => 0,
            Some(a) => a.to_raw_u64(store)?,
        }))
    }
    fn load_raw(store: &mut StoreOpaque, raw: &ValRaw) -> Self {
        AnyRef::from_raw_u64(store, raw.get_reference())
    }
}

impl WasmTy for I31 {
    fn valtype() -> ValType {
        ValType::Ref(crate::RefType::new(false, crate::HeapType::I31))
    }
    fn store_raw(self, _: &StoreOpaque) -> Result<ValRaw> {
        Ok(ValRaw::reference(wasmtime_environ::gc_ref::from_i31(
            self.get_u32(),
        )))
    }
    fn load_raw(_: &mut StoreOpaque, raw: &ValRaw) -> Self {
        // A `(ref i31)` result is never null.
        I31::wrapping_u32(wasmtime_environ::gc_ref::i31_value(raw.get_reference()).unwrap_or(0))
    }
}

/// A list of parameters (a single `WasmTy` or a tuple of them).
pub trait WasmParams: Send {
    #[doc(hidden)]
    const LEN: usize;
    #[doc(hidden)]
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn store_all(self, store: &StoreOpaque, slots: &mut [ValRaw]) -> Result<()>;
}

/// A list of results (a single `WasmTy`, `()`, or a tuple).
pub trait WasmResults: WasmParams + Sized {
    #[doc(hidden)]
    fn load_all(store: &mut StoreOpaque, slots: &[ValRaw]) -> Self;
}

impl<T: WasmTy> WasmParams for T {
    const LEN: usize = 1;
    fn valtypes() -> Vec<ValType> {
        vec![T::valtype()]
    }
    #[inline]
    fn store_all(self, store: &StoreOpaque, slots: &mut [ValRaw]) -> Result<()> {
        slots[0] = self.store_raw(store)?;
        Ok(())
    }
}

impl<T: WasmTy> WasmResults for T {
    #[inline]
    fn load_all(store: &mut StoreOpaque, slots: &[ValRaw]) -> Self {
        T::load_raw(store, &slots[0])
    }
}

/// The parameters of an async host function ([`Func::wrap_async`]): a
/// tuple of wasm values (`()`, `(i32,)`, `(i32, f64)`, ...).
///
/// [`Func::wrap_async`]: crate::Func::wrap_async
pub trait WasmTyList: WasmResults {}

macro_rules! tuple_impls {
    ($n:tt $($t:ident $i:tt)*) => {
        impl<$($t: WasmTy,)*> WasmParams for ($($t,)*) {
            const LEN: usize = $n;
            fn valtypes() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[inline]
            #[allow(unused_variables)]
            fn store_all(self, store: &StoreOpaque, slots: &mut [ValRaw]) -> Result<()> {
                $(slots[$i] = self.$i.store_raw(store)?;)*
                Ok(())
            }
        }

        impl<$($t: WasmTy,)*> WasmTyList for ($($t,)*) {}

        impl<$($t: WasmTy,)*> WasmResults for ($($t,)*) {
            #[inline]
            #[allow(unused_variables, clippy::unused_unit)]
            fn load_all(store: &mut StoreOpaque, slots: &[ValRaw]) -> Self {
                ($($t::load_raw(store, &slots[$i]),)*)
            }
        }
    };
}

tuple_impls!(0);
tuple_impls!(1 A 0);
tuple_impls!(2 A 0 B 1);
tuple_impls!(3 A 0 B 1 C 2);
tuple_impls!(4 A 0 B 1 C 2 D 3);
tuple_impls!(5 A 0 B 1 C 2 D 3 E 4);
tuple_impls!(6 A 0 B 1 C 2 D 3 E 4 F 5);
tuple_impls!(7 A 0 B 1 C 2 D 3 E 4 F 5 G 6);
tuple_impls!(8 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7);
tuple_impls!(9 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8);
tuple_impls!(10 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9);
tuple_impls!(11 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10);
tuple_impls!(12 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11);
tuple_impls!(13 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12);
tuple_impls!(14 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13);
tuple_impls!(15 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14);
tuple_impls!(16 A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7 I 8 J 9 K 10 L 11 M 12 N 13 O 14 P 15);

/// What a host closure may return: results, or `Result` of results.
pub trait WasmRet {
    #[doc(hidden)]
    type Results: WasmResults;
    #[doc(hidden)]
    fn into_results(self) -> Result<Self::Results>;
}

impl<R: WasmResults> WasmRet for R {
    type Results = R;
    #[inline]
    fn into_results(self) -> Result<R> {
        Ok(self)
    }
}

impl<R: WasmResults> WasmRet for Result<R> {
    type Results = R;
    #[inline]
    fn into_results(self) -> Result<R> {
        self
    }
}

/// Closures that can become host functions (see [`Func::wrap`]).
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self, engine: &Engine) -> (FuncType, Arc<HostFuncRaw<T>>);
}

macro_rules! into_func_impls {
    ($($t:ident $a:ident)*) => {
        impl<T: 'static, F, $($t: WasmTy,)* R: WasmRet> IntoFunc<T, ($($t,)*), R> for F
        where
            F: Fn($($t),*) -> R + Send + Sync + 'static,
        {
            fn into_func(self, engine: &Engine) -> (FuncType, Arc<HostFuncRaw<T>>) {
                let with_caller = move |_caller: Caller<'_, T>, $($a: $t),*| self($($a),*);
                IntoFunc::<T, (Caller<'_, T>, $($t,)*), R>::into_func(with_caller, engine)
            }
        }

        impl<T: 'static, F, $($t: WasmTy,)* R: WasmRet> IntoFunc<T, (Caller<'_, T>, $($t,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($t),*) -> R + Send + Sync + 'static,
        {
            fn into_func(self, engine: &Engine) -> (FuncType, Arc<HostFuncRaw<T>>) {
                let ty = FuncType::new(
                    engine,
                    <($($t,)*) as WasmParams>::valtypes(),
                    <R::Results as WasmParams>::valtypes(),
                );
                let raw = move |mut caller: Caller<'_, T>, slots: &mut [ValRaw]| -> Result<()> {
                    let store_ptr: *mut StoreInner<T> = caller.store.inner_ptr();
                    #[allow(unused_mut, unused_variables, unused_assignments)]
                    let mut i = 0;
                    $(
                        let $a = $t::load_raw(caller.store.opaque(), &slots[i]);
                        i += 1;
                    )*
                    let results = self(caller, $($a),*).into_results()?;
                    // SAFETY: the caller borrow ended when the closure returned.
                    let store = unsafe { &(*store_ptr).opaque };
                    results.store_all(store, slots)
                };
                (ty, Arc::new(raw))
            }
        }
    };
}

into_func_impls!();
into_func_impls!(A1 a1);
into_func_impls!(A1 a1 A2 a2);
into_func_impls!(A1 a1 A2 a2 A3 a3);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9 A10 a10);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9 A10 a10 A11 a11);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9 A10 a10 A11 a11 A12 a12);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9 A10 a10 A11 a11 A12 a12 A13 a13);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9 A10 a10 A11 a11 A12 a12 A13 a13 A14 a14);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9 A10 a10 A11 a11 A12 a12 A13 a13 A14 a14 A15 a15);
into_func_impls!(A1 a1 A2 a2 A3 a3 A4 a4 A5 a5 A6 a6 A7 a7 A8 a8 A9 a9 A10 a10 A11 a11 A12 a12 A13 a13 A14 a14 A15 a15 A16 a16);

/// A function with statically known parameter and result types; calling it
/// avoids the dynamic checks and conversions of [`Func::call`].
pub struct TypedFunc<Params, Results> {
    pub(crate) func: Func,
    pub(crate) _marker: PhantomData<fn(Params) -> Results>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    #[inline]
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Results> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        store.validate_sync_call()?;
        // Most signatures need few slots; avoid initialising 16 of them.
        if Params::LEN.max(Results::LEN) <= 4 {
            self.call_with::<4>(store, params)
        } else {
            self.call_with::<16>(store, params)
        }
    }

    #[inline]
    pub(super) fn call_with<const N: usize>(
        &self,
        store: &mut StoreOpaque,
        params: Params,
    ) -> Result<Results> {
        let func_ref = self.func.func_ref_ptr(store)?;
        let mut slots = [ValRaw::default(); N];
        let len = Params::LEN.max(Results::LEN);
        params.store_all(store, &mut slots)?;
        invoke(store, func_ref, &mut slots[..len])?;
        Ok(Results::load_all(store, &slots))
    }
}
