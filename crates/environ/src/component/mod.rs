//! The component model, as far as translation goes: reading a component
//! binary ([`translate_component`]) and the canonical ABI's type facts
//! ([`InterfaceType`] layouts and flattening).

mod canon;
mod imports;
mod inline;
mod modules;
mod translate;
mod types;

pub use modules::{CoreExternType, CoreModuleType, ModuleDef};
pub use translate::*;
pub use types::*;
