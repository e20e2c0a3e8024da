//! [`ComponentType`], [`Lower`] and [`Lift`] for tuples of 0 to 16
//! elements (`tuple<...>` types), and [`ComponentNamedList`] for them (the
//! lists of parameters and results of functions).

use super::internal::{
    tuple_fields, typecheck_named_list, typecheck_tuple, FieldTypes, TypecheckFn,
};
use super::{ComponentNamedList, ComponentType, Lift, Lower};
use crate::component::abi::Cx;
use anyhow::Result;
use wasmtime_environ::component::InterfaceType;
use wasmtime_runtime::vmcontext::ValRaw;

/// Tuples of 0 to 16 elements: `tuple<...>` types, and the lists of
/// parameters and results of functions.
macro_rules! tuples {
    ($(($($t:ident)*))*) => {$(
        impl<$($t: ComponentType),*> ComponentType for ($($t,)*) {
            fn ty() -> InterfaceType {
                InterfaceType::Tuple(vec![$($t::ty()),*])
            }

            fn typecheck(ty: &InterfaceType) -> Result<()> {
                typecheck_tuple(ty, &[$($t::typecheck as TypecheckFn),*])
            }
        }

        impl<$($t: ComponentType),*> ComponentNamedList for ($($t,)*) {
            fn typecheck_list(types: &[(&str, &InterfaceType)], what: &str) -> Result<()> {
                typecheck_named_list(types, what, &[$($t::typecheck as TypecheckFn),*])
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<$($t: Lower),*> Lower for ($($t,)*) {
            fn lower_flat(
                &self,
                cx: &mut Cx<'_>,
                ty: &InterfaceType,
                out: &mut Vec<ValRaw>,
            ) -> Result<()> {
                let mut fields = tuple_fields(ty)?;
                let ($($t,)*) = self;
                $($t.lower_flat(cx, fields.next()?, out)?;)*
                fields.finish()
            }

            fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
                let mut fields = tuple_fields(ty)?;
                let ($($t,)*) = self;
                $({
                    let (t, at) = fields.next_at(ptr)?;
                    $t.store(cx, t, at)?;
                })*
                fields.finish()
            }

            fn lower_fields_flat(
                &self,
                cx: &mut Cx<'_>,
                types: &mut dyn Iterator<Item = &InterfaceType>,
                out: &mut Vec<ValRaw>,
            ) -> Result<()> {
                let mut fields = FieldTypes::new(types);
                let ($($t,)*) = self;
                $($t.lower_flat(cx, fields.next()?, out)?;)*
                fields.finish()
            }

            fn store_fields(
                &self,
                cx: &mut Cx<'_>,
                types: &mut dyn Iterator<Item = &InterfaceType>,
                ptr: u32,
            ) -> Result<()> {
                let mut fields = FieldTypes::new(types);
                let ($($t,)*) = self;
                $({
                    let (t, at) = fields.next_at(ptr)?;
                    $t.store(cx, t, at)?;
                })*
                fields.finish()
            }
        }

        #[allow(
            non_snake_case,
            unused_variables,
            unused_mut,
            clippy::unused_unit,
            clippy::let_unit_value
        )]
        impl<$($t: Lift),*> Lift for ($($t,)*) {
            fn lift_flat(
                cx: &mut Cx<'_>,
                ty: &InterfaceType,
                src: &mut dyn Iterator<Item = ValRaw>,
            ) -> Result<Self> {
                let mut fields = tuple_fields(ty)?;
                let value = ($($t::lift_flat(cx, fields.next()?, src)?,)*);
                fields.finish()?;
                Ok(value)
            }

            fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
                let mut fields = tuple_fields(ty)?;
                let value = ($({
                    let (t, at) = fields.next_at(ptr)?;
                    $t::load(cx, t, at)?
                },)*);
                fields.finish()?;
                Ok(value)
            }

            fn lift_fields_flat(
                cx: &mut Cx<'_>,
                types: &mut dyn Iterator<Item = &InterfaceType>,
                src: &mut dyn Iterator<Item = ValRaw>,
            ) -> Result<Self> {
                let mut fields = FieldTypes::new(types);
                let value = ($($t::lift_flat(cx, fields.next()?, src)?,)*);
                fields.finish()?;
                Ok(value)
            }

            fn load_fields(
                cx: &mut Cx<'_>,
                types: &mut dyn Iterator<Item = &InterfaceType>,
                ptr: u32,
            ) -> Result<Self> {
                let mut fields = FieldTypes::new(types);
                let value = ($({
                    let (t, at) = fields.next_at(ptr)?;
                    $t::load(cx, t, at)?
                },)*);
                fields.finish()?;
                Ok(value)
            }
        }
    )*};
}

tuples! {
    ()
    (A1)
    (A1 A2)
    (A1 A2 A3)
    (A1 A2 A3 A4)
    (A1 A2 A3 A4 A5)
    (A1 A2 A3 A4 A5 A6)
    (A1 A2 A3 A4 A5 A6 A7)
    (A1 A2 A3 A4 A5 A6 A7 A8)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9 A10)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15)
    (A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15 A16)
}
