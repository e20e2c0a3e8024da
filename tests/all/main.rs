//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod cache;
mod call_hook;
mod const_exprs;
mod cow;
mod epoch;
mod exceptions;
mod fuel;
mod func;
mod function_references;
mod host_exceptions;
mod instance_pre;
mod limits;
mod linker;
mod memory;
mod memory64;
mod multi_memory;
mod pooling;
mod serialize;
mod simd;
mod table_global;
mod tail_calls;
mod threads;
mod threads_atomics;
mod traps;
mod wasi;
