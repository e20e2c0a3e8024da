//! Integration tests of the embedding API, grouped by feature.

mod bad_input;
mod exceptions;
mod func;
mod linker;
mod memory;
mod table_global;
mod threads;
mod threads_atomics;
mod traps;
