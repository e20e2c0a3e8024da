//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod cache;
mod func;
mod linker;
mod memory;
mod serialize;
mod table_global;
mod threads;
mod traps;
