//! The component model: [`Component`]s, their instantiation through a
//! [`Linker`], and calls of their exported functions with component-level
//! values ([`Val`]), lifted and lowered by the canonical ABI.
//!
//! This is a first slice of the component model (see the crate docs'
//! feature table): calls and host functions of primitive, string, list,
//! record, tuple, variant, enum, option, result and flags types, either
//! dynamically typed ([`Func::call`], [`LinkerInstance::func_new`]) or
//! statically typed ([`TypedFunc`], [`LinkerInstance::func_wrap`], with
//! Rust types that implement [`ComponentType`], [`Lift`] and [`Lower`],
//! which the derives of the same names and [`flags!`] write for records,
//! variants, enums and flags); components that embed core modules and
//! import functions or instances of functions, resources, and nested
//! components (inlined into one instance at translation), `bindgen!`, and
//! (feature `component-model-async`) async lifts and lowers with tasks,
//! waitable sets and subtasks driven by `run_concurrent`'s event loop,
//! and streams, futures and error contexts ([`StreamReader`],
//! [`FutureReader`] with their producers and consumers).

pub(crate) mod abi;
mod artifact;
mod compiled;
mod component_type;
#[cfg(feature = "component-model-async")]
mod concurrent;
mod core_plan;
mod exports;
mod func;
mod has_data;
mod host;
mod host_handles;
mod instance;
mod instance_data;
mod linker;
mod matching;
mod resource_dynamic;
mod resource_table;
mod resources;
mod semver;
mod typed;
pub mod types;
mod values;

pub(crate) use artifact::is_precompiled_component;
pub use compiled::Component;
#[cfg(feature = "component-model-async")]
pub use concurrent::{
    Access, Accessor, AsAccessor, Destination, DirectDestination, DirectSource, ErrorContext,
    FutureConsumer, FutureProducer, FutureReader, ReadBuffer, Source, StreamConsumer,
    StreamProducer, StreamReader, StreamResult, TaskExit, VecBuffer, WriteBuffer,
};
pub use exports::{ComponentExportIndex, ExportLookup, Instance};
pub use func::Func;
pub use has_data::{HasData, HasSelf};
pub use linker::{InstancePre, Linker, LinkerInstance};
pub use resource_dynamic::ResourceDynamic;
pub use resource_table::{ResourceTable, ResourceTableError};
pub use resources::{Resource, ResourceAny, ResourceType};
pub use typed::{ComponentNamedList, ComponentType, Lift, Lower, TypedFunc};
pub use values::{ErrorContextAny, FutureAny, StreamAny, Val};

/// Derives [`ComponentType`](trait@ComponentType) for a Rust type that
/// stands for a component-model `record`, `variant` or `enum`.
///
/// A `#[component(record)]`, `#[component(variant)]` or
/// `#[component(enum)]` attribute on the type says which. A record is a
/// struct with named fields; a variant is an enum whose cases have no
/// payload or one unnamed field; an enum's cases have no payload. Fields
/// and cases must be in the component type's order, and have its names:
/// the Rust name by default, or the one given by
/// `#[component(name = "...")]` on the field or case.
///
/// ```
/// use wasmtime::component::{ComponentType, Lift, Lower};
///
/// #[derive(ComponentType, Lift, Lower)]
/// #[component(record)]
/// struct Point {
///     x: u32,
///     #[component(name = "y-coord")]
///     y: i64,
/// }
///
/// #[derive(ComponentType, Lift, Lower)]
/// #[component(variant)]
/// enum Shape {
///     #[component(name = "none")]
///     Nothing,
///     #[component(name = "circle")]
///     Circle(f64),
/// }
///
/// #[derive(ComponentType, Lift, Lower)]
/// #[component(enum)]
/// #[repr(u8)]
/// enum Color {
///     #[component(name = "red")]
///     Red,
///     #[component(name = "green")]
///     Green,
/// }
/// ```
pub use wasmtime_component_macro::ComponentType;

/// Derives [`Lift`](trait@Lift) (receiving values from a component) for a
/// type that also derives [`ComponentType`](macro@ComponentType).
pub use wasmtime_component_macro::Lift;

/// Derives [`Lower`](trait@Lower) (passing values to a component) for a
/// type that also derives [`ComponentType`](macro@ComponentType).
pub use wasmtime_component_macro::Lower;

/// Defines a Rust type for a component-model `flags` type: a set of named
/// flags, with a constant for each, the operators `|`, `&`, `^` and `!`,
/// `empty()`, `all()`, `contains()` and `intersects()`, and
/// [`ComponentType`](trait@ComponentType), [`Lift`](trait@Lift) and
/// [`Lower`](trait@Lower).
///
/// ```
/// wasmtime::component::flags! {
///     Perms {
///         #[component(name = "read")]
///         const READ;
///         #[component(name = "write")]
///         const WRITE;
///     }
/// }
///
/// let rw = Perms::READ | Perms::WRITE;
/// assert!(rw.contains(Perms::READ));
/// assert_eq!(rw & !Perms::WRITE, Perms::READ);
/// assert_eq!(Perms::all(), rw);
/// ```
pub use wasmtime_component_macro::flags;

/// Generates Rust bindings for a WIT world: for its imports, `Host`
/// traits (one per interface, plus `Host{Resource}` traits) and
/// `add_to_linker` functions; for its exports, `Guest` structs with
/// `call_*` methods; the `{World}`, `{World}Pre` and `{World}Indices`
/// types; and Rust types for WIT types. Options as in Wasmtime 48:
/// `path`, `inline`, `world`, `imports: { default: async | trappable }`,
/// `exports: { default: async }`, `with`, `trappable_error_type`,
/// `additional_derives`, `wasmtime_crate`, ...
pub use wasmtime_component_macro::bindgen;

/// What the code generated by `wasmtime-component-macro` refers to. Not a
/// stable API.
#[doc(hidden)]
pub mod __internal {
    pub use super::typed::internal::*;
    pub use super::types::InstanceType;
    pub use std::boxed::Box;
    pub use std::string::String;
    pub use std::vec::Vec;
}

#[cfg(feature = "component-model-async")]
pub(crate) use concurrent::ConcurrentState;
pub(crate) use func::LiftedFunc;
pub(crate) use host_handles::HostHandles;
pub(crate) use instance_data::InstanceData;
pub(crate) use resources::HostDtors;
