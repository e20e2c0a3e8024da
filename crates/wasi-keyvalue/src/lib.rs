//! `wasi:keyvalue` for components: the host side of the `store`, `atomics`
//! and `batch` interfaces of `wasi:keyvalue@0.2.0-draft`, as Wasmtime 48
//! provides them, with one backend: an in-memory store.
//!
//! The in-memory store is the bucket whose identifier is the empty string;
//! every other identifier fails to open with `no-such-store`. Each `open`
//! gives a new bucket holding a copy of the context's preset data
//! ([`WasiKeyValueCtxBuilder::in_memory_data`]): writes through one bucket
//! are seen by that bucket only and end when it is dropped.
//!
//! ```
//! use wasmtime::component::{Linker, ResourceTable};
//! use wasmtime::{Engine, Result, Store};
//! use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
//! use wasmtime_wasi_keyvalue::{WasiKeyValue, WasiKeyValueCtx, WasiKeyValueCtxBuilder};
//!
//! struct Host {
//!     table: ResourceTable,
//!     wasi: WasiCtx,
//!     keyvalue: WasiKeyValueCtx,
//! }
//!
//! impl WasiView for Host {
//!     fn ctx(&mut self) -> WasiCtxView<'_> {
//!         WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
//!     }
//! }
//!
//! fn main() -> Result<()> {
//!     let engine = Engine::default();
//!     let mut linker = Linker::<Host>::new(&engine);
//!     wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
//!     wasmtime_wasi_keyvalue::add_to_linker(&mut linker, |h: &mut Host| {
//!         WasiKeyValue::new(&h.keyvalue, &mut h.table)
//!     })?;
//!     let host = Host {
//!         table: ResourceTable::new(),
//!         wasi: WasiCtx::builder().build(),
//!         keyvalue: WasiKeyValueCtxBuilder::new()
//!             .in_memory_data([("visits", "0")])
//!             .build(),
//!     };
//!     let _store = Store::new(&engine, host);
//!     // ... instantiate a component with `linker` in `_store` ...
//!     Ok(())
//! }
//! ```

#![deny(missing_docs)]

use std::collections::BTreeMap;
use wasmtime::component::{HasData, Resource, ResourceTable, ResourceTableError};
use wasmtime::Result;

mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "wasi:keyvalue/imports@0.2.0-draft",
        imports: { default: trappable },
        with: {
            "wasi:keyvalue/store.bucket": crate::Bucket,
        },
        trappable_error_type: {
            "wasi:keyvalue/store.error" => crate::Error,
        },
    });
}

use bindings::wasi::keyvalue::{atomics, batch, store};

/// The entries of a store, sorted by key (so `list-keys` pages are stable).
type Entries = BTreeMap<String, Vec<u8>>;

/// A failure of a key-value operation, turned into the WIT `error` variant
/// before it reaches the guest. Public only because the generated traits
/// name it.
#[doc(hidden)]
pub enum Error {
    /// `no-such-store`: the identifier names no store.
    NoSuchStore,
    /// `access-denied`.
    AccessDenied,
    /// `other`, with its description.
    Other(String),
}

impl From<ResourceTableError> for Error {
    fn from(err: ResourceTableError) -> Self {
        Error::Other(err.to_string())
    }
}

/// An open bucket: the host data behind a guest's `bucket` handle. Public
/// only because the generated traits name it.
#[doc(hidden)]
pub struct Bucket {
    entries: Entries,
}

/// Builds a [`WasiKeyValueCtx`].
#[derive(Default)]
pub struct WasiKeyValueCtxBuilder {
    in_memory_data: Entries,
}

impl WasiKeyValueCtxBuilder {
    /// A builder with no preset data.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries every in-memory bucket starts with (replacing the ones
    /// given before).
    pub fn in_memory_data<I, K, V>(mut self, data: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Vec<u8>>,
    {
        self.in_memory_data = data
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// The context.
    pub fn build(self) -> WasiKeyValueCtx {
        WasiKeyValueCtx {
            in_memory_data: self.in_memory_data,
        }
    }
}

/// The key-value state of a store: the preset data of the in-memory store.
pub struct WasiKeyValueCtx {
    in_memory_data: Entries,
}

impl WasiKeyValueCtx {
    /// Same as [`WasiKeyValueCtxBuilder::new`].
    pub fn builder() -> WasiKeyValueCtxBuilder {
        WasiKeyValueCtxBuilder::new()
    }
}

/// What the host functions work on: the context and the resource table
/// holding the open buckets, both borrowed from the store's data.
pub struct WasiKeyValue<'a> {
    ctx: &'a WasiKeyValueCtx,
    table: &'a mut ResourceTable,
}

impl<'a> WasiKeyValue<'a> {
    /// A view of `ctx`, keeping buckets in `table`.
    pub fn new(ctx: &'a WasiKeyValueCtx, table: &'a mut ResourceTable) -> Self {
        Self { ctx, table }
    }

    fn entries(&mut self, bucket: &Resource<Bucket>) -> Result<&mut Entries, Error> {
        Ok(&mut self.table.get_mut(bucket)?.entries)
    }
}

impl store::Host for WasiKeyValue<'_> {
    fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, Error> {
        if !identifier.is_empty() {
            return Err(Error::NoSuchStore);
        }
        let bucket = Bucket {
            entries: self.ctx.in_memory_data.clone(),
        };
        Ok(self.table.push(bucket)?)
    }

    fn convert_error(&mut self, err: Error) -> Result<store::Error> {
        Ok(match err {
            Error::NoSuchStore => store::Error::NoSuchStore,
            Error::AccessDenied => store::Error::AccessDenied,
            Error::Other(text) => store::Error::Other(text),
        })
    }
}

impl store::HostBucket for WasiKeyValue<'_> {
    fn get(&mut self, bucket: Resource<Bucket>, key: String) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.entries(&bucket)?.get(&key).cloned())
    }

    fn set(&mut self, bucket: Resource<Bucket>, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.entries(&bucket)?.insert(key, value);
        Ok(())
    }

    fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Result<(), Error> {
        self.entries(&bucket)?.remove(&key);
        Ok(())
    }

    fn exists(&mut self, bucket: Resource<Bucket>, key: String) -> Result<bool, Error> {
        Ok(self.entries(&bucket)?.contains_key(&key))
    }

    fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<u64>,
    ) -> Result<store::KeyResponse, Error> {
        // One page holds every key from the cursor on (the cursor is an
        // index into the sorted keys; past the end gives an empty page).
        let entries = self.entries(&bucket)?;
        let skip = usize::try_from(cursor.unwrap_or(0)).unwrap_or(usize::MAX);
        Ok(store::KeyResponse {
            keys: entries.keys().skip(skip).cloned().collect(),
            cursor: None,
        })
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for WasiKeyValue<'_> {
    fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: u64,
    ) -> Result<u64, Error> {
        let entries = self.entries(&bucket)?;
        // The value is a decimal number in text; a missing key counts as 0.
        let current = match entries.get(&key) {
            None => 0,
            Some(bytes) => std::str::from_utf8(bytes)
                .map_err(|e| Error::Other(e.to_string()))?
                .parse::<u64>()
                .map_err(|e| Error::Other(e.to_string()))?,
        };
        let new = current
            .checked_add(delta)
            .ok_or_else(|| Error::Other("overflow incrementing value".to_string()))?;
        entries.insert(key, new.to_string().into_bytes());
        Ok(new)
    }
}

impl batch::Host for WasiKeyValue<'_> {
    fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<Option<(String, Vec<u8>)>>, Error> {
        let entries = self.entries(&bucket)?;
        Ok(keys
            .into_iter()
            .map(|key| {
                let value = entries.get(&key)?.clone();
                Some((key, value))
            })
            .collect())
    }

    fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), Error> {
        self.entries(&bucket)?.extend(key_values);
        Ok(())
    }

    fn delete_many(&mut self, bucket: Resource<Bucket>, keys: Vec<String>) -> Result<(), Error> {
        let entries = self.entries(&bucket)?;
        for key in keys {
            entries.remove(&key);
        }
        Ok(())
    }
}

/// Marks [`WasiKeyValue`] as the data the generated host functions use.
struct KeyValueData;

impl HasData for KeyValueData {
    type Data<'a> = WasiKeyValue<'a>;
}

/// Defines the `store`, `atomics` and `batch` interfaces of
/// `wasi:keyvalue@0.2.0-draft` in `linker`, with `f` giving the context
/// and resource table a call uses from the store's data.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    f: fn(&mut T) -> WasiKeyValue<'_>,
) -> Result<()> {
    store::add_to_linker::<T, KeyValueData>(linker, f)?;
    atomics::add_to_linker::<T, KeyValueData>(linker, f)?;
    batch::add_to_linker::<T, KeyValueData>(linker, f)?;
    Ok(())
}
