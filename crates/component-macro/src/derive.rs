//! The `ComponentType`, `Lift` and `Lower` derives.
//!
//! Each field or case is handled by position: the type check that
//! `ComponentType` generates has made sure that the component type's
//! fields or cases have the same names in the same order.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use std::collections::HashSet;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Error, Fields, Ident, LitStr, Result, Token, Type};

/// Which trait to derive.
#[derive(Clone, Copy)]
pub enum Trait {
    ComponentType,
    Lift,
    Lower,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Record,
    Variant,
    Enum,
}

/// The options of the type's `#[component(...)]` attributes.
struct TypeOptions {
    kind: Option<Kind>,
    wasmtime: TokenStream,
}

fn type_options(attrs: &[Attribute]) -> Result<TypeOptions> {
    let mut options = TypeOptions {
        kind: None,
        wasmtime: quote!(wasmtime),
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("component")) {
        attr.parse_args_with(|input: ParseStream| {
            loop {
                if input.is_empty() {
                    break;
                }
                let kind = if input.peek(Token![enum]) {
                    input.parse::<Token![enum]>()?;
                    Some(Kind::Enum)
                } else {
                    let ident = Ident::parse_any(input)?;
                    match ident.to_string().as_str() {
                        "record" => Some(Kind::Record),
                        "variant" => Some(Kind::Variant),
                        "wasmtime_crate" => {
                            input.parse::<Token![=]>()?;
                            let path: syn::Path = input.parse()?;
                            options.wasmtime = path.into_token_stream();
                            None
                        }
                        other => {
                            return Err(Error::new(
                                ident.span(),
                                format!(
                                    "unknown `component` option `{other}`: expected `record`, `variant`, `enum` or `wasmtime_crate = path`"
                                ),
                            ))
                        }
                    }
                };
                if let Some(kind) = kind {
                    if options.kind.is_some() {
                        return Err(input.error("only one of `record`, `variant` or `enum` may be given"));
                    }
                    options.kind = Some(kind);
                }
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
            }
            Ok(())
        })?;
    }
    Ok(options)
}

/// The `#[component(name = "...")]` of a field, case or flag.
pub fn rename(attrs: &[Attribute]) -> Result<Option<LitStr>> {
    let mut name = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("component")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                if name.is_some() {
                    return Err(meta.error("`name` given twice"));
                }
                name = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else {
                Err(meta.error("expected `name = \"...\"`"))
            }
        })?;
    }
    Ok(name)
}

/// A field of a record or a case of a variant or enum.
struct Item {
    /// The component-model name.
    name: LitStr,
    /// The Rust name.
    ident: Ident,
    /// The type of the field or payload.
    ty: Option<Type>,
}

/// Checks that no two component-model names are the same.
fn check_unique(items: &[Item]) -> Result<()> {
    let mut seen = HashSet::new();
    for item in items {
        if !seen.insert(item.name.value()) {
            return Err(Error::new(
                item.name.span(),
                format!("the name `{}` is used twice", item.name.value()),
            ));
        }
    }
    Ok(())
}

fn name_of(attrs: &[Attribute], ident: &Ident) -> Result<LitStr> {
    Ok(rename(attrs)?.unwrap_or_else(|| LitStr::new(&ident.unraw().to_string(), ident.span())))
}

fn items(input: &DeriveInput, kind: Kind) -> Result<Vec<Item>> {
    let items = match (&input.data, kind) {
        (Data::Struct(data), Kind::Record) => match &data.fields {
            Fields::Named(fields) => fields
                .named
                .iter()
                .map(|f| {
                    let ident = f.ident.clone().unwrap();
                    Ok(Item {
                        name: name_of(&f.attrs, &ident)?,
                        ident,
                        ty: Some(f.ty.clone()),
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            _ => {
                return Err(Error::new(
                    input.ident.span(),
                    "`#[component(record)]` needs a struct with named fields",
                ))
            }
        },
        (Data::Enum(data), Kind::Variant | Kind::Enum) => {
            data.variants
                .iter()
                .map(|v| {
                    let ty = match (&v.fields, kind) {
                        (Fields::Unit, _) => None,
                        (Fields::Unnamed(f), Kind::Variant) if f.unnamed.len() == 1 => {
                            Some(f.unnamed[0].ty.clone())
                        }
                        (_, Kind::Variant) => return Err(Error::new(
                            v.span(),
                            "a case of `#[component(variant)]` has no payload or one unnamed field",
                        )),
                        _ => {
                            return Err(Error::new(
                                v.span(),
                                "the cases of `#[component(enum)]` have no payload",
                            ))
                        }
                    };
                    Ok(Item {
                        name: name_of(&v.attrs, &v.ident)?,
                        ident: v.ident.clone(),
                        ty,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        }
        (_, Kind::Record) => {
            return Err(Error::new(
                input.ident.span(),
                "`#[component(record)]` applies to structs",
            ))
        }
        (_, _) => {
            return Err(Error::new(
                input.ident.span(),
                "`#[component(variant)]` and `#[component(enum)]` apply to enums",
            ))
        }
    };
    if items.is_empty() {
        let what = match kind {
            Kind::Record => "a record needs at least one field",
            Kind::Variant => "a variant needs at least one case",
            Kind::Enum => "an enum needs at least one case",
        };
        return Err(Error::new(input.ident.span(), what));
    }
    check_unique(&items)?;
    Ok(items)
}

/// Expands one derive.
pub fn expand(which: Trait, input: &DeriveInput) -> Result<TokenStream> {
    let options = type_options(&input.attrs)?;
    let kind = options.kind.ok_or_else(|| {
        Error::new(
            Span::call_site(),
            "a `#[component(record)]`, `#[component(variant)]` or `#[component(enum)]` attribute is required",
        )
    })?;
    let items = items(input, kind)?;
    let wt = &options.wasmtime;
    let cx = Cx {
        internal: quote!(#wt::component::__internal),
        ct: quote!(#wt::component::ComponentType),
        lift: quote!(#wt::component::Lift),
        lower: quote!(#wt::component::Lower),
    };

    let bound = match which {
        Trait::ComponentType => &cx.ct,
        Trait::Lift => &cx.lift,
        Trait::Lower => &cx.lower,
    };
    let mut generics = input.generics.clone();
    let params: Vec<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    if !params.is_empty() {
        let where_clause = generics.make_where_clause();
        for p in params {
            where_clause.predicates.push(syn::parse_quote!(#p: #bound));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let name = &input.ident;

    let body = match (which, kind) {
        (Trait::ComponentType, _) => cx.component_type(kind, &items),
        (Trait::Lower, Kind::Record) => cx.lower_record(&items),
        (Trait::Lower, _) => cx.lower_variant(&items),
        (Trait::Lift, Kind::Record) => cx.lift_record(&items),
        (Trait::Lift, _) => cx.lift_variant(&items),
    };
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #bound for #name #ty_generics #where_clause {
            #body
        }
    })
}

/// Paths the generated code uses.
struct Cx {
    internal: TokenStream,
    ct: TokenStream,
    lift: TokenStream,
    lower: TokenStream,
}

impl Cx {
    fn component_type(&self, kind: Kind, items: &[Item]) -> TokenStream {
        let Cx { internal, ct, .. } = self;
        let names = items.iter().map(|i| &i.name);
        let (ty, check) = match kind {
            Kind::Record => {
                let tys: Vec<_> = items.iter().map(|i| i.ty.as_ref().unwrap()).collect();
                let names2 = names.clone();
                (
                    quote!(#internal::record_ty(&[
                        #((#names, <#tys as #ct>::ty as #internal::TyFn)),*
                    ])),
                    quote!(#internal::typecheck_record(ty, &[
                        #((#names2, <#tys as #ct>::typecheck as #internal::TypecheckFn)),*
                    ])),
                )
            }
            Kind::Variant => {
                let tys: Vec<_> = items
                    .iter()
                    .map(|i| match &i.ty {
                        Some(t) => {
                            quote!(::core::option::Option::Some(<#t as #ct>::ty as #internal::TyFn))
                        }
                        None => quote!(::core::option::Option::None),
                    })
                    .collect();
                let checks: Vec<_> = items
                    .iter()
                    .map(|i| match &i.ty {
                        Some(t) => quote!(::core::option::Option::Some(
                            <#t as #ct>::typecheck as #internal::TypecheckFn
                        )),
                        None => quote!(::core::option::Option::None),
                    })
                    .collect();
                let names2 = names.clone();
                (
                    quote!(#internal::variant_ty(&[#((#names, #tys)),*])),
                    quote!(#internal::typecheck_variant(ty, &[#((#names2, #checks)),*])),
                )
            }
            Kind::Enum => {
                let names2 = names.clone();
                (
                    quote!(#internal::enum_ty(&[#(#names),*])),
                    quote!(#internal::typecheck_enum(ty, &[#(#names2),*])),
                )
            }
        };
        quote! {
            fn ty() -> #internal::InterfaceType {
                #ty
            }

            fn typecheck(ty: &#internal::InterfaceType) -> #internal::Result<()> {
                #check
            }
        }
    }

    fn lower_record(&self, items: &[Item]) -> TokenStream {
        let Cx {
            internal, lower, ..
        } = self;
        let fields: Vec<_> = items.iter().map(|i| &i.ident).collect();
        let tys: Vec<_> = items.iter().map(|i| i.ty.as_ref().unwrap()).collect();
        quote! {
            fn lower_flat(
                &self,
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                out: &mut #internal::Vec<#internal::ValRaw>,
            ) -> #internal::Result<()> {
                let mut __fields = #internal::record_fields(ty)?;
                #(<#tys as #lower>::lower_flat(&self.#fields, cx, __fields.next()?, out)?;)*
                __fields.finish()
            }

            fn store(
                &self,
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                ptr: u32,
            ) -> #internal::Result<()> {
                let mut __fields = #internal::record_fields(ty)?;
                #({
                    let (__ty, __at) = __fields.next_at(ptr)?;
                    <#tys as #lower>::store(&self.#fields, cx, __ty, __at)?;
                })*
                __fields.finish()
            }
        }
    }

    fn lift_record(&self, items: &[Item]) -> TokenStream {
        let Cx { internal, lift, .. } = self;
        let fields: Vec<_> = items.iter().map(|i| &i.ident).collect();
        let tys: Vec<_> = items.iter().map(|i| i.ty.as_ref().unwrap()).collect();
        quote! {
            fn lift_flat(
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                src: &mut dyn ::core::iter::Iterator<Item = #internal::ValRaw>,
            ) -> #internal::Result<Self> {
                let mut __fields = #internal::record_fields(ty)?;
                let __value = Self {
                    #(#fields: <#tys as #lift>::lift_flat(cx, __fields.next()?, src)?,)*
                };
                __fields.finish()?;
                ::core::result::Result::Ok(__value)
            }

            fn load(
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                ptr: u32,
            ) -> #internal::Result<Self> {
                let mut __fields = #internal::record_fields(ty)?;
                let __value = Self {
                    #(#fields: {
                        let (__ty, __at) = __fields.next_at(ptr)?;
                        <#tys as #lift>::load(cx, __ty, __at)?
                    },)*
                };
                __fields.finish()?;
                ::core::result::Result::Ok(__value)
            }
        }
    }

    fn lower_variant(&self, items: &[Item]) -> TokenStream {
        let internal = &self.internal;
        let arms = |func: TokenStream, dst: TokenStream| {
            let arms = items.iter().enumerate().map(|(i, item)| {
                let case = i as u32;
                let ident = &item.ident;
                match &item.ty {
                    Some(_) => quote! {
                        Self::#ident(__payload) => #internal::#func(cx, ty, #case, ::core::option::Option::Some(__payload), #dst),
                    },
                    None => quote! {
                        Self::#ident => #internal::#func::<()>(cx, ty, #case, ::core::option::Option::None, #dst),
                    },
                }
            });
            quote!(match self { #(#arms)* })
        };
        let lower = arms(quote!(lower_case_flat), quote!(out));
        let store = arms(quote!(store_case), quote!(ptr));
        quote! {
            fn lower_flat(
                &self,
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                out: &mut #internal::Vec<#internal::ValRaw>,
            ) -> #internal::Result<()> {
                #lower
            }

            fn store(
                &self,
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                ptr: u32,
            ) -> #internal::Result<()> {
                #store
            }
        }
    }

    fn lift_variant(&self, items: &[Item]) -> TokenStream {
        let internal = &self.internal;
        let arms = items.iter().enumerate().map(|(i, item)| {
            let case = i as u32;
            let ident = &item.ident;
            match &item.ty {
                Some(t) => quote! {
                    #case => ::core::result::Result::Ok(Self::#ident(__payload.lift::<#t>(cx)?)),
                },
                None => quote! {
                    #case => ::core::result::Result::Ok(Self::#ident),
                },
            }
        });
        let from_case = quote! {
            match __case {
                #(#arms)*
                _ => #internal::bad_case(__case),
            }
        };
        quote! {
            #[allow(unused_variables)]
            fn lift_flat(
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                src: &mut dyn ::core::iter::Iterator<Item = #internal::ValRaw>,
            ) -> #internal::Result<Self> {
                let (__case, __payload) = #internal::lift_case_flat(cx, ty, src)?;
                #from_case
            }

            #[allow(unused_variables)]
            fn load(
                cx: &mut #internal::Cx<'_>,
                ty: &#internal::InterfaceType,
                ptr: u32,
            ) -> #internal::Result<Self> {
                let (__case, __payload) = #internal::load_case(cx, ty, ptr)?;
                #from_case
            }
        }
    }
}
