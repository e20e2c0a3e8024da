//! The `wasi:cli/command@0.3.0` world from the host's side: [`Command`]
//! finds a command component's `wasi:cli/run@0.3.0` export, whose `run`
//! is an `async` function called as a task of the store's event loop.
//!
//! ```no_run
//! use wasmtime::component::{Component, Linker, ResourceTable};
//! use wasmtime::{Config, Engine, Store};
//! use wasmtime_wasi::p3::bindings::Command;
//! use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
//!
//! struct State { ctx: WasiCtx, table: ResourceTable }
//! impl WasiView for State {
//!     fn ctx(&mut self) -> WasiCtxView<'_> {
//!         WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
//!     }
//! }
//!
//! # async fn run() -> wasmtime::Result<()> {
//! let mut config = Config::new();
//! config.wasm_component_model_async(true);
//! let engine = Engine::new(&config)?;
//! let component = Component::from_file(&engine, "command.wasm")?;
//! let mut linker = Linker::new(&engine);
//! wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
//! wasmtime_wasi::p3::add_to_linker(&mut linker)?;
//! let state = State { ctx: WasiCtx::builder().inherit_stdio().build(), table: ResourceTable::new() };
//! let mut store = Store::new(&engine, state);
//! let command = Command::instantiate_async(&mut store, &component, &linker).await?;
//! let result = store
//!     .run_concurrent(async |store| command.wasi_cli_run().call_run(store).await)
//!     .await??;
//! # let _ = result; Ok(()) }
//! ```

use wasmtime::component::{Component, ComponentExportIndex, Instance, InstancePre, Linker};
use wasmtime::AsContextMut;

/// Options of [`add_to_linker_with_options`](super::add_to_linker_with_options)
/// (none yet: the unstable WIT features of WASI 0.3 are not offered).
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {}

/// The name of the export [`Command`] runs.
pub const RUN_INTERFACE: &str = "wasi:cli/run@0.3.0";

/// A `wasi:cli/command@0.3.0` component's exports.
#[derive(Clone)]
pub struct Command {
    run: exports::wasi::cli::run::Guest,
}

impl Command {
    /// Finds the exports in an instantiated `instance`.
    pub fn new(mut store: impl AsContextMut, instance: &Instance) -> wasmtime::Result<Command> {
        let store = &mut store.as_context_mut();
        let indices = CommandIndices::new(&instance.instance_pre(&*store))?;
        indices.load(store, instance)
    }

    /// Instantiates `component` with `linker` and finds its exports.
    pub async fn instantiate_async<T: Send + 'static>(
        store: impl AsContextMut<Data = T>,
        component: &Component,
        linker: &Linker<T>,
    ) -> wasmtime::Result<Command> {
        let pre = linker.instantiate_pre(component)?;
        CommandPre::new(pre)?.instantiate_async(store).await
    }

    /// The `wasi:cli/run@0.3.0` export.
    pub fn wasi_cli_run(&self) -> &exports::wasi::cli::run::Guest {
        &self.run
    }
}

/// Where a `wasi:cli/command@0.3.0` component has its exports, found once
/// per component (for instance once for all the instances of an
/// [`InstancePre`]).
#[derive(Clone)]
pub struct CommandIndices {
    run: ComponentExportIndex,
}

impl CommandIndices {
    /// Finds the `run` export in the component of `instance_pre`.
    pub fn new<T: 'static>(instance_pre: &InstancePre<T>) -> wasmtime::Result<CommandIndices> {
        let component = instance_pre.component();
        let iface = component
            .get_export_index(None, RUN_INTERFACE)
            .ok_or_else(|| wasmtime::format_err!("no exported instance `{RUN_INTERFACE}`"))?;
        let run = component
            .get_export_index(Some(&iface), "run")
            .ok_or_else(|| wasmtime::format_err!("no function `run` in `{RUN_INTERFACE}`"))?;
        Ok(CommandIndices { run })
    }

    /// The exports of `instance`, an instance of the component these
    /// indices were found in.
    pub fn load(
        &self,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<Command> {
        let store = &mut store.as_context_mut();
        let func = instance
            .get_func(&mut *store, &self.run)
            .ok_or_else(|| wasmtime::format_err!("`run` in `{RUN_INTERFACE}` is not a function"))?;
        Ok(Command {
            run: exports::wasi::cli::run::Guest {
                run: func.typed(&*store)?,
            },
        })
    }
}

/// A `wasi:cli/command@0.3.0` component ready to instantiate: its
/// [`InstancePre`] and the places of its exports.
pub struct CommandPre<T: 'static> {
    instance_pre: InstancePre<T>,
    indices: CommandIndices,
}

impl<T: 'static> Clone for CommandPre<T> {
    fn clone(&self) -> Self {
        CommandPre {
            instance_pre: self.instance_pre.clone(),
            indices: self.indices.clone(),
        }
    }
}

impl<T: 'static> CommandPre<T> {
    /// Finds the command's exports in the component of `instance_pre`.
    pub fn new(instance_pre: InstancePre<T>) -> wasmtime::Result<CommandPre<T>> {
        let indices = CommandIndices::new(&instance_pre)?;
        Ok(CommandPre {
            instance_pre,
            indices,
        })
    }

    /// The engine of the component.
    pub fn engine(&self) -> &wasmtime::Engine {
        self.instance_pre.engine()
    }

    /// The pre-instantiated component.
    pub fn instance_pre(&self) -> &InstancePre<T> {
        &self.instance_pre
    }
}

impl<T: Send + 'static> CommandPre<T> {
    /// Instantiates the component in `store` and finds its exports.
    pub async fn instantiate_async(
        &self,
        mut store: impl AsContextMut<Data = T>,
    ) -> wasmtime::Result<Command> {
        let mut store = store.as_context_mut();
        let instance = self.instance_pre.instantiate_async(&mut store).await?;
        self.indices.load(&mut store, &instance)
    }
}

/// The exports of the worlds, by package and interface.
pub mod exports {
    /// `wasi:*` packages.
    pub mod wasi {
        /// `wasi:cli`.
        pub mod cli {
            /// `wasi:cli/run@0.3.0`.
            pub mod run {
                use wasmtime::component::{AsAccessor, TypedFunc};

                /// The guest's `run` function.
                #[derive(Clone)]
                pub struct Guest {
                    pub(crate) run: TypedFunc<(), (Result<(), ()>,)>,
                }

                impl Guest {
                    /// Calls `run` as a task of the store's event loop
                    /// (from within `run_concurrent`), waiting for it to
                    /// return; the guest's `result`.
                    pub async fn call_run(
                        &self,
                        accessor: impl AsAccessor<Data: Send>,
                    ) -> wasmtime::Result<Result<(), ()>> {
                        Ok(self.run.call_concurrent(accessor, ()).await?.0)
                    }
                }
            }
        }
    }
}
