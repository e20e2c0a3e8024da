//! Runtime support for our Wasmtime implementation.
//!
//! This crate owns everything that exists while wasm runs: executable code
//! memory, linear memories with guard pages, tables, the per-instance
//! `VMContext`, the builtin functions compiled code calls, and the signal
//! handlers that turn a faulting instruction back into a `Trap` for the host.
//! It knows nothing about Cranelift: it consumes the `CompiledFunction`s and
//! layouts defined in `wasmtime-environ`.

pub mod backtrace;
pub mod code_memory;
pub mod cow;
pub mod entry;
pub mod exception;
pub mod exn_arena;
pub mod instance;
pub mod libcalls;
pub mod memory;
pub mod mmap;
pub mod mpk;
pub mod pagemap;
pub mod shared_memory;
pub mod table;
pub mod traphandlers;
pub mod vmcontext;
pub mod vmstore;
