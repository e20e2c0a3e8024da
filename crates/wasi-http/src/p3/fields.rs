//! The `fields` and `request-options` resources of
//! `wasi:http/types@0.3.0`.

use super::{HeaderError, HostRequestOptions, RequestOptionsError};
use crate::{FieldError, FieldMap, WasiHttpView};
use std::time::Duration;
use wasmtime::component::{Linker, Resource, ResourceType};
use wasmtime::StoreContextMut;

/// The interface these resources belong to.
pub(crate) const TYPES: &str = "wasi:http/types@0.3.0";

type Fields = Resource<FieldMap>;
type Options = Resource<HostRequestOptions>;

fn header_error(e: FieldError) -> HeaderError {
    match e {
        FieldError::InvalidSyntax => HeaderError::InvalidSyntax,
        FieldError::Forbidden => HeaderError::Forbidden,
        FieldError::Immutable => HeaderError::Immutable,
        FieldError::SizeExceeded => HeaderError::SizeExceeded,
    }
}

fn to_nanos(d: Option<Duration>) -> Option<u64> {
    d.map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Defines `fields` and `request-options` in `linker`.
pub(crate) fn add_to_linker<T: WasiHttpView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    let mut inst = linker.instance(TYPES)?;
    inst.resource(
        "fields",
        ResourceType::host::<FieldMap>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            store
                .data_mut()
                .http()
                .table
                .delete(Resource::<FieldMap>::new_own(rep))?;
            Ok(())
        },
    )?;
    inst.func_wrap(
        "[constructor]fields",
        |mut store: StoreContextMut<'_, T>, (): ()| {
            let http = store.data_mut().http();
            let limit = http.ctx.field_size_limit;
            Ok((http.table.push(FieldMap::new_mutable(limit))?,))
        },
    )?;
    inst.func_wrap(
        "[static]fields.from-list",
        |mut store: StoreContextMut<'_, T>, (entries,): (Vec<(String, Vec<u8>)>,)| {
            let http = store.data_mut().http();
            let mut fields = FieldMap::new_mutable(http.ctx.field_size_limit);
            for (name, value) in &entries {
                if let Err(e) = fields.append(http.hooks, name, value) {
                    return Ok((Err(header_error(e)),));
                }
            }
            Ok((Ok(http.table.push(fields)?),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.get",
        |mut store: StoreContextMut<'_, T>, (this, name): (Fields, String)| {
            let http = store.data_mut().http();
            Ok((http.table.get(&this)?.get(&name),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.has",
        |mut store: StoreContextMut<'_, T>, (this, name): (Fields, String)| {
            let http = store.data_mut().http();
            Ok((http.table.get(&this)?.has(&name),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.set",
        |mut store: StoreContextMut<'_, T>,
         (this, name, values): (Fields, String, Vec<Vec<u8>>)| {
            let http = store.data_mut().http();
            let fields = http.table.get_mut(&this)?;
            Ok((fields.set(http.hooks, &name, &values).map_err(header_error),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.delete",
        |mut store: StoreContextMut<'_, T>, (this, name): (Fields, String)| {
            let http = store.data_mut().http();
            let fields = http.table.get_mut(&this)?;
            Ok((fields
                .remove(http.hooks, &name)
                .map(|_| ())
                .map_err(header_error),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.get-and-delete",
        |mut store: StoreContextMut<'_, T>, (this, name): (Fields, String)| {
            let http = store.data_mut().http();
            let fields = http.table.get_mut(&this)?;
            Ok((fields.remove(http.hooks, &name).map_err(header_error),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.append",
        |mut store: StoreContextMut<'_, T>, (this, name, value): (Fields, String, Vec<u8>)| {
            let http = store.data_mut().http();
            let fields = http.table.get_mut(&this)?;
            Ok((fields
                .append(http.hooks, &name, &value)
                .map_err(header_error),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.copy-all",
        |mut store: StoreContextMut<'_, T>, (this,): (Fields,)| {
            let http = store.data_mut().http();
            Ok((http.table.get(&this)?.entries(),))
        },
    )?;
    inst.func_wrap(
        "[method]fields.clone",
        |mut store: StoreContextMut<'_, T>, (this,): (Fields,)| {
            let http = store.data_mut().http();
            let copy = http.table.get(&this)?.clone_mutable();
            Ok((http.table.push(copy)?,))
        },
    )?;

    inst.resource(
        "request-options",
        ResourceType::host::<HostRequestOptions>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            store
                .data_mut()
                .http()
                .table
                .delete(Resource::<HostRequestOptions>::new_own(rep))?;
            Ok(())
        },
    )?;
    inst.func_wrap(
        "[constructor]request-options",
        |mut store: StoreContextMut<'_, T>, (): ()| {
            let opts = HostRequestOptions {
                options: Default::default(),
                mutable: true,
            };
            Ok((store.data_mut().http().table.push(opts)?,))
        },
    )?;
    type Field = fn(&mut crate::RequestOptions) -> &mut Option<Duration>;
    let fields: [(&str, Field); 3] = [
        ("connect-timeout", |o| &mut o.connect_timeout),
        ("first-byte-timeout", |o| &mut o.first_byte_timeout),
        ("between-bytes-timeout", |o| &mut o.between_bytes_timeout),
    ];
    for (name, field) in fields {
        inst.func_wrap(
            &format!("[method]request-options.get-{name}"),
            move |mut store: StoreContextMut<'_, T>, (this,): (Options,)| {
                let http = store.data_mut().http();
                let opts = http.table.get_mut(&this)?;
                Ok((to_nanos(*field(&mut opts.options)),))
            },
        )?;
        inst.func_wrap(
            &format!("[method]request-options.set-{name}"),
            move |mut store: StoreContextMut<'_, T>, (this, d): (Options, Option<u64>)| {
                let http = store.data_mut().http();
                let opts = http.table.get_mut(&this)?;
                if !opts.mutable {
                    return Ok((Err(RequestOptionsError::Immutable),));
                }
                *field(&mut opts.options) = d.map(Duration::from_nanos);
                Ok((Ok(()),))
            },
        )?;
    }
    inst.func_wrap(
        "[method]request-options.clone",
        |mut store: StoreContextMut<'_, T>, (this,): (Options,)| {
            let http = store.data_mut().http();
            let copy = HostRequestOptions {
                options: http.table.get(&this)?.options,
                mutable: true,
            };
            Ok((http.table.push(copy)?,))
        },
    )?;
    Ok(())
}
