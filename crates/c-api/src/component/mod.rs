//! The component model C API (`wasmtime/component/*.h`).

mod compiled;
mod linker;
mod resources;
mod stubs;
mod types;
mod val;

pub use compiled::*;
pub use linker::*;
pub use resources::*;
pub use stubs::*;
pub use types::*;
pub use val::*;
