//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod func;
mod linker;
mod memory;
mod simd;
mod table_global;
mod threads;
mod traps;
