//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod call_hook;
mod cow;
mod epoch;
mod fuel;
mod func;
mod instance_pre;
mod limits;
mod linker;
mod memory;
mod pooling;
mod table_global;
mod threads;
mod traps;
