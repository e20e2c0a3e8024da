//! Embedding API for our WebAssembly runtime, mirroring Wasmtime's.
//!
//! Compile a [`Module`] with an [`Engine`], instantiate it in a [`Store`]
//! (directly or through a [`Linker`]), and call its exported [`Func`]s.
//! Every function is compiled to native code with Cranelift; traps come
//! back as errors that downcast to [`Trap`], with a [`WasmBacktrace`].
//!
//! ```
//! use wasmtime::*;
//!
//! fn main() -> wasmtime::Result<()> {
//!     let engine = Engine::default();
//!     let module = Module::new(&engine, r#"(module (func (export "add") (param i32 i32) (result i32)
//!         local.get 0 local.get 1 i32.add))"#)?;
//!     let mut store = Store::new(&engine, ());
//!     let instance = Instance::new(&mut store, &module, &[])?;
//!     let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
//!     assert_eq!(add.call(&mut store, (2, 3))?, 5);
//!     Ok(())
//! }
//! ```

// Without the default features some helpers are unused in a given
// combination; every combination is checked by `ci/test.sh`.
#![cfg_attr(not(feature = "default"), allow(dead_code, unused_imports))]

// Always present: configuration, the engine, and the artifact format (which
// a compile-only build writes and a runtime-only build reads).
mod allocation;
#[cfg(feature = "cache")]
mod cache;
#[cfg(feature = "cranelift")]
mod compile;
mod config;
mod config_debug;
#[cfg(feature = "coredump")]
mod coredump;
mod engine;
#[cfg(feature = "profiling")]
mod profiling;
#[cfg(feature = "profiling")]
mod profiling_agent;
mod serialization;
mod target;
#[cfg(feature = "wat")]
mod wat_compat;

// Executing WebAssembly (feature `runtime`, which brings in
// `wasmtime-runtime`): modules, stores, instances and everything in them.
#[cfg(feature = "component-model")]
pub mod component;
#[cfg(feature = "runtime")]
mod definition;
#[cfg(feature = "runtime")]
mod exception;
#[cfg(feature = "runtime")]
mod externals;
#[cfg(all(feature = "async", feature = "runtime"))]
mod fiber;
#[cfg(feature = "runtime")]
mod foreign;
#[cfg(feature = "runtime")]
mod func;
#[cfg(feature = "runtime")]
mod gc;
#[cfg(feature = "runtime")]
mod host_items;
#[cfg(feature = "runtime")]
mod instance;
#[cfg(feature = "runtime")]
mod instance_pre;
#[cfg(feature = "runtime")]
mod limits;
#[cfg(feature = "runtime")]
mod linker;
#[cfg(feature = "runtime")]
mod module;
#[cfg(feature = "runtime")]
mod shared_memory;
#[cfg(all(feature = "async", feature = "runtime"))]
mod stack;
#[cfg(feature = "runtime")]
mod store;
#[cfg(feature = "runtime")]
mod symbolize;
#[cfg(feature = "runtime")]
mod trap;
#[cfg(feature = "runtime")]
mod type_registry;
#[cfg(feature = "runtime")]
mod types;
#[cfg(feature = "runtime")]
mod values;

pub use allocation::InstanceAllocationStrategy;
#[cfg(feature = "pooling-allocator")]
pub use allocation::PoolingAllocationConfig;
#[cfg(feature = "cache")]
pub use cache::{Cache, CacheConfig};
pub use config::{Collector, Config, Enabled, OptLevel, RegallocAlgorithm, Strategy};
pub use config_debug::WasmBacktraceDetails;
pub use engine::{Engine, Precompiled};
#[cfg(feature = "profiling")]
pub use profiling::GuestProfiler;
#[cfg(feature = "profiling")]
pub use profiling_agent::ProfilingStrategy;
#[cfg(feature = "runtime")]
pub use runtime_exports::*;
#[cfg(not(feature = "runtime"))]
pub use wasmtime_environ::Trap;

#[cfg(feature = "runtime")]
mod runtime_exports {
    #[cfg(feature = "coredump")]
    pub use crate::coredump::WasmCoreDump;
    pub use crate::exception::{ExnRef, ExnRefPre, ExnType, Tag, TagType, ThrownException};
    pub use crate::externals::{Extern, Global, Memory, MemoryAccessError, Table};
    pub use crate::func::typed::{
        IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy, WasmTyList,
    };
    pub use crate::func::{Caller, Func};
    pub use crate::gc::{GcHeapOutOfMemory, OwnedRooted, RootScope};
    pub use crate::instance::{Export, Instance};
    pub use crate::instance_pre::InstancePre;
    #[cfg(feature = "async")]
    pub use crate::limits::ResourceLimiterAsync;
    pub use crate::limits::{
        ResourceLimiter, StoreLimits, StoreLimitsBuilder, DEFAULT_INSTANCE_LIMIT,
        DEFAULT_MEMORY_LIMIT, DEFAULT_TABLE_LIMIT,
    };
    pub use crate::linker::Linker;
    pub use crate::module::Module;
    pub use crate::shared_memory::{SharedMemory, WaitResult};
    #[cfg(feature = "async")]
    pub use crate::stack::{StackCreator, StackMemory};
    #[cfg(all(feature = "async", feature = "call-hook"))]
    pub use crate::store::CallHookHandler;
    pub use crate::store::{
        AsContext, AsContextMut, CallHook, InterruptHandle, Store, StoreContext, StoreContextMut,
        UpdateDeadline,
    };
    pub use crate::symbolize::FrameSymbol;
    pub use crate::trap::{FrameInfo, Trap, WasmBacktrace};
    pub use crate::types::{
        ArrayType, ContType, ExportType, ExternType, FieldType, Finality, FuncType, GlobalType,
        HeapType, ImportType, MemoryType, MemoryTypeBuilder, Mutability, RefType, StorageType,
        StructType, TableType, ValType,
    };
    pub use crate::values::{
        AnyRef, ArrayRef, ArrayRefPre, ContRef, EqRef, ExternRef, Ref, Rooted, StructRef,
        StructRefPre, Val, I31, V128,
    };
    /// A raw wasm value: the slot type of [`Func::call_unchecked`].
    pub use wasmtime_runtime::vmcontext::ValRaw;
}

/// Wasmtime's error type: any error, including traps.
pub type Error = anyhow::Error;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = anyhow::Result<T, E>;

pub use anyhow::{anyhow, anyhow as format_err, bail, ensure, Context};
pub use error::ToWasmtimeResult;

/// Wasmtime's error handling: [`Error`](error::Error), [`Result`](error::Result),
/// the [`Context`](error::Context) extension and the macros, under the
/// module path Wasmtime 48 uses.
pub mod error {
    pub use anyhow::{anyhow as format_err, bail, ensure, Context, Error, Result};

    /// Converts a result with another error type into a Wasmtime
    /// [`Result`] (the identity for results already of that type).
    pub trait ToWasmtimeResult<T> {
        /// The converted result.
        fn to_wasmtime_result(self) -> Result<T>;
    }

    impl<T> ToWasmtimeResult<T> for Result<T> {
        #[inline]
        fn to_wasmtime_result(self) -> Result<T> {
            self
        }
    }
}
