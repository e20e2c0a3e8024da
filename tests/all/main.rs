//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod call_hook;
mod epoch;
mod fuel;
mod func;
mod limits;
mod linker;
mod memory;
mod table_global;
mod threads;
mod traps;
