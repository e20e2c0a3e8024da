//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod cow;
mod func;
mod instance_pre;
mod linker;
mod memory;
mod pooling;
mod table_global;
mod threads;
mod traps;
