//! Owned resource handles passed into calls: a C value of kind
//! `WASMTIME_COMPONENT_RESOURCE` given for a parameter of type `own<R>`
//! (at any depth in a compound value) moves the resource into the callee,
//! so its `wasmtime_component_resource_any_t` (and every clone) is used up
//! before the call, as Wasmtime's store-table handles are. Handles given
//! for `borrow<R>` parameters stay usable.

use super::resources::wasmtime_component_resource_any_t;
use super::val::{kind, wasmtime_component_val_t};
use anyhow::Result;
use wt::component::types::Type;

/// Uses up the owned handles that `args` move into parameters of types
/// `params`. Either every such handle is still owned and all are used up,
/// or none is and the error names the first one that was already used.
pub(crate) fn take_moved_resources(
    args: &[wasmtime_component_val_t],
    params: impl Iterator<Item = Type>,
) -> Result<()> {
    let mut moved = Vec::new();
    for (arg, ty) in args.iter().zip(params) {
        collect(arg, &ty, &mut moved);
    }
    for handle in &moved {
        handle.check_live()?;
    }
    for handle in moved {
        handle.take()?;
    }
    Ok(())
}

/// Adds to `out` the handles of `v` that sit in `own` positions of `ty`.
/// Values whose kind does not fit the type are skipped (the call's own
/// type check refuses them).
fn collect<'a>(
    v: &'a wasmtime_component_val_t,
    ty: &Type,
    out: &mut Vec<&'a wasmtime_component_resource_any_t>,
) {
    // SAFETY: `kind` says which union field is set (C contract), vectors
    // describe their elements and payload pointers are null or valid.
    unsafe {
        match (ty, v.kind) {
            (Type::Own(_), kind::RESOURCE) => out.extend(v.of.resource.as_ref()),
            (Type::List(list), kind::LIST) => {
                let elem = list.ty();
                for e in v.of.list.as_slice() {
                    collect(e, &elem, out);
                }
            }
            (Type::Record(record), kind::RECORD) => {
                for (e, field) in v.of.record.as_slice().iter().zip(record.fields()) {
                    collect(&e.val, &field.ty, out);
                }
            }
            (Type::Tuple(tuple), kind::TUPLE) => {
                for (e, ty) in v.of.tuple.as_slice().iter().zip(tuple.types()) {
                    collect(e, &ty, out);
                }
            }
            (Type::Variant(variant), kind::VARIANT) => {
                let name = v.of.variant.discriminant.as_slice();
                let case = variant.cases().find(|c| c.name.as_bytes() == name);
                if let (Some(ty), Some(payload)) =
                    (case.and_then(|c| c.ty), v.of.variant.val.as_ref())
                {
                    collect(payload, &ty, out);
                }
            }
            (Type::Option(option), kind::OPTION) => {
                if let Some(payload) = v.of.option.as_ref() {
                    collect(payload, &option.ty(), out);
                }
            }
            (Type::Result(result), kind::RESULT) => {
                let ty = match v.of.result.is_ok {
                    true => result.ok(),
                    false => result.err(),
                };
                if let (Some(ty), Some(payload)) = (ty, v.of.result.val.as_ref()) {
                    collect(payload, &ty, out);
                }
            }
            _ => {}
        }
    }
}
