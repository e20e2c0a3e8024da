//! The Wasmtime 48 C API over this workspace's `wasmtime` crate.
//!
//! This crate's one job is to export, with C linkage, every function that
//! the headers in `include/` declare (`wasm.h`, `wasi.h`, `wasmtime.h` and
//! `wasmtime/*.h`), with the types, struct layouts and constants of
//! Wasmtime 48, so that a C program or a language binding built for
//! Wasmtime's `libwasmtime` runs against ours unchanged. It is built as
//! `libwasmtime.so` and `libwasmtime.a`.
//!
//! Each module covers one header topic. The Rust side uses only the public
//! API of `wasmtime` and `wasmtime-wasi`.
//!
//! Contracts: every entry point trusts its pointer arguments the way the C
//! headers state (valid, aligned, live objects of the right type; lengths
//! that match their buffers); that is why the functions are `unsafe` and
//! why the crate allows `clippy::missing_safety_doc`: the one safety
//! section is this paragraph. Errors come back as `wasmtime_error_t` or
//! `wasm_trap_t` objects, never as panics. A panic that still escapes (a
//! bug) cannot unwind into C: an `extern "C"` function aborts the process
//! when a panic reaches its boundary.
//!
//! Parts of the API whose feature this runtime lacks (the guest profiler,
//! host memory and stack creators) still exist with their exact
//! signatures and fail cleanly: they return an error, `false` or NULL.

#![allow(clippy::missing_safety_doc)]
#![allow(non_camel_case_types)]

mod async_;
mod component;
mod config;
mod engine;
mod error;
mod r#extern;
mod ffi;
mod func;
mod gc;
mod gc_objects;
mod global;
mod instance;
mod linker;
mod memory;
mod module;
mod profiling;
mod r#ref;
mod store;
mod table;
mod trap;
mod types;
mod val;
mod vec;
mod wasi;
mod wat2wasm;
mod wfunc;

pub use async_::*;
pub use component::*;
pub use config::*;
pub use engine::*;
pub use error::*;
pub use func::*;
pub use gc::*;
pub use gc_objects::*;
pub use global::*;
pub use instance::*;
pub use linker::*;
pub use memory::*;
pub use module::*;
pub use profiling::*;
pub use r#extern::*;
pub use r#ref::*;
pub use store::*;
pub use table::*;
pub use trap::*;
pub use types::*;
pub use val::*;
pub use vec::*;
pub use wasi::*;
pub use wat2wasm::*;
pub use wfunc::*;
