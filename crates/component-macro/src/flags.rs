//! The `flags!` macro: a type for a component-model `flags` type.
//!
//! The flags are kept as words of bits (flag `i` is bit `i % 32` of word
//! `i / 32`), in the component type's order; bits past the last flag are
//! always clear, so the derived equality and hash are those of the sets.

use crate::derive::rename;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use std::collections::HashSet;
use syn::parse::{Parse, ParseStream};
use syn::{braced, Attribute, Error, Ident, LitStr, Result, Token, Visibility};

/// One flag: `#[component(name = "...")] const NAME;`.
struct Flag {
    /// Attributes other than `#[component]` (such as doc comments).
    attrs: Vec<Attribute>,
    ident: Ident,
    name: LitStr,
}

/// The macro's input: `Name { flag; ... }`, optionally with attributes
/// and a visibility (`pub` by default).
pub struct Flags {
    attrs: Vec<Attribute>,
    vis: Option<Visibility>,
    ident: Ident,
    flags: Vec<Flag>,
}

impl Parse for Flags {
    fn parse(input: ParseStream) -> Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = match input.parse::<Visibility>()? {
            Visibility::Inherited => None,
            vis => Some(vis),
        };
        let ident: Ident = input.parse()?;
        let content;
        braced!(content in input);
        let mut flags = Vec::new();
        while !content.is_empty() {
            let all = content.call(Attribute::parse_outer)?;
            let name = rename(&all)?;
            let attrs = all
                .into_iter()
                .filter(|a| !a.path().is_ident("component"))
                .collect();
            content.parse::<Token![const]>()?;
            let ident: Ident = content.parse()?;
            let name = name.unwrap_or_else(|| LitStr::new(&ident.to_string(), ident.span()));
            flags.push(Flag { attrs, ident, name });
            if content.is_empty() {
                break;
            }
            content.parse::<Token![;]>()?;
        }
        let mut seen = HashSet::new();
        for flag in &flags {
            if !seen.insert(flag.name.value()) {
                return Err(Error::new(
                    flag.name.span(),
                    format!("the name `{}` is used twice", flag.name.value()),
                ));
            }
        }
        Ok(Flags {
            attrs,
            vis,
            ident,
            flags,
        })
    }
}

/// Expands `flags!`.
pub fn expand(input: &Flags) -> Result<TokenStream> {
    let wt = quote!(wasmtime);
    let internal = quote!(#wt::component::__internal);
    let ct = quote!(#wt::component::ComponentType);
    let lift = quote!(#wt::component::Lift);
    let lower = quote!(#wt::component::Lower);

    let name = &input.ident;
    let vis = match &input.vis {
        Some(vis) => vis.to_token_stream(),
        None => quote!(pub),
    };
    let count = input.flags.len();
    let words = count.div_ceil(32);
    let word = |bits: &dyn Fn(usize) -> bool| -> Vec<u32> {
        (0..words)
            .map(|w| {
                (0..32)
                    .filter(|b| 32 * w + b < count && bits(32 * w + b))
                    .fold(0u32, |acc, b| acc | (1 << b))
            })
            .collect()
    };
    let all = word(&|_| true);

    let attrs = &input.attrs;
    let type_doc = if attrs.iter().any(|a| a.path().is_ident("doc")) {
        quote!()
    } else {
        let doc = format!("The component-model flags `{name}`.");
        quote!(#[doc = #doc])
    };
    let consts = input.flags.iter().enumerate().map(|(i, flag)| {
        let bits = word(&|j| j == i);
        let ident = &flag.ident;
        let attrs = &flag.attrs;
        let doc = if attrs.iter().any(|a| a.path().is_ident("doc")) {
            quote!()
        } else {
            let doc = format!("The flag `{}`.", flag.name.value());
            quote!(#[doc = #doc])
        };
        quote! {
            #(#attrs)*
            #doc
            pub const #ident: Self = Self { __bits: [#(#bits),*] };
        }
    });
    let names: Vec<_> = input.flags.iter().map(|f| &f.name).collect();
    let rust_names: Vec<_> = input.flags.iter().map(|f| f.ident.to_string()).collect();
    let name_str = name.to_string();

    Ok(quote! {
        #(#attrs)*
        #type_doc
        #[derive(Copy, Clone, Default, PartialEq, Eq, Hash)]
        #vis struct #name {
            __bits: [u32; #words],
        }

        impl #name {
            #(#consts)*

            /// No flag.
            pub fn empty() -> Self {
                Self::default()
            }

            /// Every flag.
            pub fn all() -> Self {
                Self { __bits: [#(#all),*] }
            }

            /// Whether no flag is set.
            pub fn is_empty(&self) -> bool {
                *self == Self::empty()
            }

            /// Whether every flag of `other` is set.
            pub fn contains(&self, other: Self) -> bool {
                *self & other == other
            }

            /// Whether some flag of `other` is set.
            pub fn intersects(&self, other: Self) -> bool {
                !(*self & other).is_empty()
            }

            /// The flags as words of bits: flag `i` (in the order of the
            /// definition) is bit `i % 32` of word `i / 32`.
            pub fn as_array(&self) -> [u32; #words] {
                self.__bits
            }
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #internal::format_flags(f, #name_str, &self.__bits, &[#(#rust_names),*])
            }
        }

        impl ::core::ops::BitOr for #name {
            type Output = Self;
            fn bitor(mut self, rhs: Self) -> Self {
                for (a, b) in self.__bits.iter_mut().zip(rhs.__bits) {
                    *a |= b;
                }
                self
            }
        }

        impl ::core::ops::BitOrAssign for #name {
            fn bitor_assign(&mut self, rhs: Self) {
                *self = *self | rhs;
            }
        }

        impl ::core::ops::BitAnd for #name {
            type Output = Self;
            fn bitand(mut self, rhs: Self) -> Self {
                for (a, b) in self.__bits.iter_mut().zip(rhs.__bits) {
                    *a &= b;
                }
                self
            }
        }

        impl ::core::ops::BitAndAssign for #name {
            fn bitand_assign(&mut self, rhs: Self) {
                *self = *self & rhs;
            }
        }

        impl ::core::ops::BitXor for #name {
            type Output = Self;
            fn bitxor(mut self, rhs: Self) -> Self {
                for (a, b) in self.__bits.iter_mut().zip(rhs.__bits) {
                    *a ^= b;
                }
                self
            }
        }

        impl ::core::ops::BitXorAssign for #name {
            fn bitxor_assign(&mut self, rhs: Self) {
                *self = *self ^ rhs;
            }
        }

        impl ::core::ops::Not for #name {
            type Output = Self;
            fn not(self) -> Self {
                self ^ Self::all()
            }
        }

        #[automatically_derived]
        impl #ct for #name {
            fn ty() -> #internal::InterfaceType {
                #internal::flags_ty(&[#(#names),*])
            }

            fn typecheck(ty: &#internal::InterfaceType) -> #internal::Result<()> {
                #internal::typecheck_flags(ty, &[#(#names),*])
            }
        }

        #[automatically_derived]
        impl #lower for #name {
            fn lower_flat(
                &self,
                _cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                out: &mut #internal::Vec<#internal::ValRaw>,
            ) -> #internal::Result<()> {
                #internal::lower_flags_flat(ty, &self.__bits, out)
            }

            fn store(
                &self,
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                ptr: u32,
            ) -> #internal::Result<()> {
                #internal::store_flags(cx, ty, &self.__bits, ptr)
            }
        }

        #[automatically_derived]
        impl #lift for #name {
            fn lift_flat(
                _cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                src: &mut dyn ::core::iter::Iterator<Item = #internal::ValRaw>,
            ) -> #internal::Result<Self> {
                let mut value = Self::empty();
                #internal::lift_flags_flat(ty, src, &mut value.__bits)?;
                ::core::result::Result::Ok(value)
            }

            fn load(
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                ptr: u32,
            ) -> #internal::Result<Self> {
                let mut value = Self::empty();
                #internal::load_flags(cx, ty, ptr, &mut value.__bits)?;
                ::core::result::Result::Ok(value)
            }
        }
    })
}
