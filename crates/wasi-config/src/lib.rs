//! `wasi:config` for components: the host side of the
//! `wasi:config/store@0.2.0-rc.1` interface (the version Wasmtime 48
//! ships), which lets a component read configuration variables that the
//! embedder (or `wasmtime run -S config -S config-var=KEY=VALUE`) chose.
//!
//! The variables live in a [`WasiConfigVariables`] kept in the store's
//! data; [`add_to_linker`] takes a function that turns the store's data
//! into a [`WasiConfig`] view of them. Reads never fail: a missing key is
//! `ok(none)`.
//!
//! ```
//! use wasmtime::component::{Linker, ResourceTable};
//! use wasmtime::{Engine, Result, Store};
//! use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
//! use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
//!
//! struct Host {
//!     table: ResourceTable,
//!     wasi: WasiCtx,
//!     vars: WasiConfigVariables,
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
//!     wasmtime_wasi_config::add_to_linker(&mut linker, |h: &mut Host| {
//!         WasiConfig::from(&h.vars)
//!     })?;
//!     let host = Host {
//!         table: ResourceTable::new(),
//!         wasi: WasiCtx::builder().build(),
//!         vars: WasiConfigVariables::from_iter([("region", "eu"), ("tier", "free")]),
//!     };
//!     let _store = Store::new(&engine, host);
//!     // ... instantiate a component with `linker` in `_store` ...
//!     Ok(())
//! }
//! ```

#![deny(missing_docs)]

use std::collections::BTreeMap;
use wasmtime::component::HasData;
use wasmtime::Result;

mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "wasi:config/imports@0.2.0-rc.1",
        imports: { default: trappable },
    });
}

use bindings::wasi::config::store;

/// The configuration variables offered to components: a map from names to
/// values (a later value for the same name replaces the earlier one).
/// `get-all` lists them sorted by name.
#[derive(Debug, Clone, Default)]
pub struct WasiConfigVariables(BTreeMap<String, String>);

impl WasiConfigVariables {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the variable `key` to `value`.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.insert(key.into(), value.into());
        self
    }
}

impl<S: Into<String>> FromIterator<(S, S)> for WasiConfigVariables {
    fn from_iter<I: IntoIterator<Item = (S, S)>>(pairs: I) -> Self {
        let mut vars = Self::new();
        for (k, v) in pairs {
            vars.insert(k, v);
        }
        vars
    }
}

/// A borrowed view of the [`WasiConfigVariables`] in a store's data: the
/// type the host functions are implemented on.
pub struct WasiConfig<'a> {
    vars: &'a WasiConfigVariables,
}

impl<'a> WasiConfig<'a> {
    /// A view of `vars`.
    pub fn new(vars: &'a WasiConfigVariables) -> Self {
        Self { vars }
    }
}

impl<'a> From<&'a WasiConfigVariables> for WasiConfig<'a> {
    fn from(vars: &'a WasiConfigVariables) -> Self {
        Self::new(vars)
    }
}

impl store::Host for WasiConfig<'_> {
    fn get(&mut self, key: String) -> Result<Result<Option<String>, store::Error>> {
        Ok(Ok(self.vars.0.get(&key).cloned()))
    }

    fn get_all(&mut self) -> Result<Result<Vec<(String, String)>, store::Error>> {
        let pairs = self
            .vars
            .0
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(Ok(pairs))
    }
}

/// Marks [`WasiConfig`] as the data the generated host functions use.
struct ConfigData;

impl HasData for ConfigData {
    type Data<'a> = WasiConfig<'a>;
}

/// Defines `wasi:config/store@0.2.0-rc.1` in `linker`, with `f` giving the
/// variables a call reads from the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    f: fn(&mut T) -> WasiConfig<'_>,
) -> Result<()> {
    store::add_to_linker::<T, ConfigData>(linker, f)
}
