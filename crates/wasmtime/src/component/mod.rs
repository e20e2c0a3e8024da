//! The component model: [`Component`]s, their instantiation through a
//! [`Linker`], and calls of their exported functions with component-level
//! values ([`Val`]), lifted and lowered by the canonical ABI.
//!
//! This is a first slice of the component model (see the crate docs'
//! feature table): dynamically typed calls and host functions of
//! primitive, string, list, record, tuple, variant, enum, option, result
//! and flags types; components that embed core modules and import
//! functions or instances of functions. Resources, nested components,
//! typed functions (`TypedFunc`, `bindgen!`) and component-model async
//! come next.

mod abi;
mod artifact;
mod compiled;
mod func;
mod instance;
mod linker;
mod resources;
pub mod types;
mod values;

pub use compiled::Component;
pub use func::Func;
pub use instance::{ComponentExportIndex, ComponentItem, ExportLookup, Instance};
pub use linker::{InstancePre, Linker, LinkerInstance};
pub use resources::{Resource, ResourceAny, ResourceTable, ResourceTableError, ResourceType};
pub use values::Val;

pub(crate) use artifact::is_precompiled_component;
pub(crate) use func::LiftedFunc;
pub(crate) use instance::InstanceData;
pub(crate) use resources::HostDtors;
