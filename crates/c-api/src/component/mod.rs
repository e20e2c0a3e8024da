//! The component model C API (`wasmtime/component/*.h`).

mod async_api;
mod compiled;
mod component_types;
mod linker;
mod module_types;
mod resources;
mod stubs;
mod types;
mod val;

pub use async_api::*;
pub use compiled::*;
pub use component_types::*;
pub use linker::*;
pub use module_types::*;
pub use resources::*;
pub use stubs::*;
pub use types::*;
pub use val::*;
