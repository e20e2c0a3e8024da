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

#![deny(missing_docs)]

mod allocation;
#[cfg(feature = "cache")]
mod cache;
mod config;
mod engine;
mod exception;
mod externals;
mod func;
mod instance;
mod instance_pre;
mod limits;
mod linker;
mod module;
mod serialization;
mod shared_memory;
mod store;
mod trap;
mod typed;
mod types;
mod values;

pub use allocation::InstanceAllocationStrategy;
#[cfg(feature = "pooling-allocator")]
pub use allocation::PoolingAllocationConfig;
#[cfg(feature = "cache")]
pub use cache::{Cache, CacheConfig};
pub use config::{Config, OptLevel, Strategy};
pub use engine::{Engine, Precompiled};
pub use exception::{
    ExnRef, ExnRefPre, ExnType, FieldType, StorageType, Tag, TagType, ThrownException,
};
pub use externals::{Extern, Global, Memory, MemoryAccessError, Table};
pub use func::{Caller, Func};
pub use instance::{Export, Instance};
pub use instance_pre::InstancePre;
pub use limits::{
    ResourceLimiter, StoreLimits, StoreLimitsBuilder, DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT,
    DEFAULT_TABLE_LIMIT,
};
pub use linker::Linker;
pub use module::Module;
pub use shared_memory::{SharedMemory, WaitResult};
pub use store::{
    AsContext, AsContextMut, CallHook, InterruptHandle, Store, StoreContext, StoreContextMut,
    UpdateDeadline,
};
pub use trap::{FrameInfo, Trap, WasmBacktrace};
pub use typed::{IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use types::{
    ExportType, ExternType, FuncType, GlobalType, HeapType, ImportType, MemoryType,
    MemoryTypeBuilder, Mutability, RefType, TableType, ValType,
};
pub use values::{ExternRef, Ref, Rooted, Val, V128};

/// Wasmtime's error type: any error, including traps.
pub type Error = anyhow::Error;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = anyhow::Result<T, E>;

pub use anyhow::{anyhow, anyhow as format_err, bail, ensure, Context};
