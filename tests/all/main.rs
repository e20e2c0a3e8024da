//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod func;
mod function_references;
mod linker;
mod memory;
mod memory64;
mod multi_memory;
mod table_global;
mod tail_calls;
mod threads;
mod traps;
