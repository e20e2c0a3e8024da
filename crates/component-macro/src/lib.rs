//! Procedural macros of the component model's statically typed API in the
//! `wasmtime` crate, which re-exports them as
//! `wasmtime::component::{bindgen, ComponentType, Lift, Lower, flags}`:
//!
//! * `bindgen!({ world: "...", path: "...", ... })`, which generates Rust
//!   bindings (host traits, `add_to_linker`, typed exports) for a WIT world;
//! * `#[derive(ComponentType, Lift, Lower)]` on a Rust struct or enum that
//!   stands for a component-model `record` (`#[component(record)]`),
//!   `variant` (`#[component(variant)]`) or `enum` (`#[component(enum)]`),
//!   with `#[component(name = "...")]` giving a field's or case's
//!   component-model name;
//! * `flags! { Name { #[component(name = "a")] const A; ... } }`, which
//!   defines a type for a component-model `flags` type.
//!
//! The generated code names items of `wasmtime::component` (the traits, and
//! the hidden helpers of `wasmtime::component::__internal`), so it only
//! compiles in a crate that depends on `wasmtime` under that name; a
//! `#[component(wasmtime_crate = path)]` attribute on the type names
//! another path. Use the macros through `wasmtime`, not this crate.

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput, Error};

mod bindgen;
mod derive;
mod flags;

/// Derives `wasmtime::component::ComponentType` for a struct or enum with
/// `#[component(record)]`, `#[component(variant)]` or `#[component(enum)]`
/// (see the re-export's documentation in `wasmtime`).
#[proc_macro_derive(ComponentType, attributes(component))]
pub fn component_type(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive::expand(derive::Trait::ComponentType, &input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Derives `wasmtime::component::Lift` for a type that also derives
/// `ComponentType`.
#[proc_macro_derive(Lift, attributes(component))]
pub fn lift(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive::expand(derive::Trait::Lift, &input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Derives `wasmtime::component::Lower` for a type that also derives
/// `ComponentType`.
#[proc_macro_derive(Lower, attributes(component))]
pub fn lower(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive::expand(derive::Trait::Lower, &input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Defines a type for a component-model `flags` type (see the re-export's
/// documentation in `wasmtime`).
#[proc_macro]
pub fn flags(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as flags::Flags);
    flags::expand(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Generates Rust bindings for a WIT world (see the re-export's
/// documentation in `wasmtime`).
#[proc_macro]
pub fn bindgen(input: TokenStream) -> TokenStream {
    bindgen::expand(input.into())
        .unwrap_or_else(Error::into_compile_error)
        .into()
}
