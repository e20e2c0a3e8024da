//! The options of `bindgen!`, parsed from the macro input: the WIT source
//! (`path`, `inline`, `world`) and how the generated code looks (`imports`,
//! `exports`, `with`, `trappable_error_type`, ...), with the same syntax as
//! Wasmtime 48.

use std::collections::HashMap;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{braced, bracketed, token, Error, LitStr, Result, Token};

mod kw {
    syn::custom_keyword!(inline);
    syn::custom_keyword!(path);
    syn::custom_keyword!(world);
    syn::custom_keyword!(tracing);
    syn::custom_keyword!(verbose_tracing);
    syn::custom_keyword!(trappable_error_type);
    syn::custom_keyword!(ownership);
    syn::custom_keyword!(interfaces);
    syn::custom_keyword!(with);
    syn::custom_keyword!(additional_derives);
    syn::custom_keyword!(stringify);
    syn::custom_keyword!(skip_mut_forwarding_impls);
    syn::custom_keyword!(require_store_data_send);
    syn::custom_keyword!(wasmtime_crate);
    syn::custom_keyword!(anyhow);
    syn::custom_keyword!(include_generated_code_from_file);
    syn::custom_keyword!(debug);
    syn::custom_keyword!(imports);
    syn::custom_keyword!(exports);
    syn::custom_keyword!(store);
    syn::custom_keyword!(trappable);
    syn::custom_keyword!(exact);
    syn::custom_keyword!(trappable_imports);
}

/// How the functions that a filter selects are generated.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Flags {
    /// Host functions return futures; exports are called with `call_async`.
    pub is_async: bool,
    /// Host functions return `wasmtime::Result<T>` and may trap.
    pub trappable: bool,
    /// Host functions receive the store (component-model async `Accessor`).
    pub store: bool,
}

impl Flags {
    fn union(self, other: Flags) -> Flags {
        Flags {
            is_async: self.is_async || other.is_async,
            trappable: self.trappable || other.trappable,
            store: self.store || other.store,
        }
    }
}

/// The `imports: { ... }` or `exports: { ... }` table: flags for
/// `default` and for functions named `"ns:pkg/iface.func"`.
#[derive(Clone, Default, Debug)]
pub struct FunctionConfig {
    default: Flags,
    named: HashMap<String, Flags>,
}

impl FunctionConfig {
    /// The flags of the function `name` (`iface.func` or `func`).
    pub fn flags(&self, name: &str) -> Flags {
        self.named.get(name).copied().unwrap_or(self.default)
    }

    /// The flags of functions no entry names.
    pub fn default_flags(&self) -> Flags {
        self.default
    }

    /// Whether any function is async.
    pub fn any_async(&self) -> bool {
        self.default.is_async || self.named.values().any(|f| f.is_async)
    }
}

/// Everything `bindgen!` was given.
#[derive(Default)]
pub struct Opts {
    pub paths: Vec<String>,
    pub inline: Option<String>,
    pub world: Option<String>,
    pub imports: FunctionConfig,
    pub exports: FunctionConfig,
    /// WIT name (`ns:pkg`, `ns:pkg/iface`, `ns:pkg/iface.resource`) to a
    /// Rust path that replaces the generated item.
    pub with: HashMap<String, String>,
    /// WIT type path (`ns:pkg/iface.type`) to the Rust error type that
    /// host functions return instead.
    pub trappable_error_type: Vec<(String, String)>,
    pub additional_derives: Vec<String>,
    pub skip_mut_forwarding_impls: bool,
    pub require_store_data_send: bool,
    pub wasmtime_crate: Option<String>,
}

impl Parse for Opts {
    fn parse(input: ParseStream<'_>) -> Result<Self> {
        let mut opts = Opts::default();
        if !input.peek(token::Brace) {
            // `bindgen!("world")` or `bindgen!("world" in "path")`.
            opts.world = input.parse::<Option<LitStr>>()?.map(|s| s.value());
            if input.parse::<Option<Token![in]>>()?.is_some() {
                opts.paths.push(input.parse::<LitStr>()?.value());
            }
            return Ok(opts);
        }
        let content;
        braced!(content in input);
        let mut old_async = None;
        let mut old_trappable = None;
        let mut seen_imports = false;
        while !content.is_empty() {
            let l = content.lookahead1();
            if l.peek(kw::path) {
                content.parse::<kw::path>()?;
                content.parse::<Token![:]>()?;
                if content.peek(token::Bracket) {
                    let list;
                    bracketed!(list in content);
                    let paths = Punctuated::<LitStr, Token![,]>::parse_terminated(&list)?;
                    opts.paths.extend(paths.iter().map(|p| p.value()));
                } else {
                    opts.paths.push(content.parse::<LitStr>()?.value());
                }
            } else if l.peek(kw::inline) {
                content.parse::<kw::inline>()?;
                content.parse::<Token![:]>()?;
                let s = content.parse::<LitStr>()?;
                if opts.inline.is_some() {
                    return Err(Error::new(s.span(), "cannot specify a second source"));
                }
                opts.inline = Some(s.value());
            } else if l.peek(kw::interfaces) {
                content.parse::<kw::interfaces>()?;
                content.parse::<Token![:]>()?;
                let s = content.parse::<LitStr>()?;
                if opts.inline.is_some() || opts.world.is_some() {
                    return Err(Error::new(
                        s.span(),
                        "cannot specify `interfaces` with another source or a world",
                    ));
                }
                opts.inline = Some(format!(
                    "package wasmtime:component-macro-synthesized;\nworld interfaces {{\n{}\n}}\n",
                    s.value()
                ));
                opts.world = Some("wasmtime:component-macro-synthesized/interfaces".into());
            } else if l.peek(kw::world) {
                content.parse::<kw::world>()?;
                content.parse::<Token![:]>()?;
                let s = content.parse::<LitStr>()?;
                if opts.world.is_some() {
                    return Err(Error::new(s.span(), "cannot specify a second world"));
                }
                opts.world = Some(s.value());
            } else if l.peek(Token![async]) {
                // The option of earlier Wasmtime versions: `async: true`.
                content.parse::<Token![async]>()?;
                content.parse::<Token![:]>()?;
                old_async = Some(content.parse::<syn::LitBool>()?.value);
            } else if l.peek(kw::trappable_imports) {
                content.parse::<kw::trappable_imports>()?;
                content.parse::<Token![:]>()?;
                old_trappable = Some(content.parse::<syn::LitBool>()?.value);
            } else if l.peek(kw::imports) {
                let span = content.parse::<kw::imports>()?.span;
                content.parse::<Token![:]>()?;
                if seen_imports {
                    return Err(Error::new(
                        span,
                        "cannot specify imports configuration twice",
                    ));
                }
                seen_imports = true;
                opts.imports = parse_function_config(&content)?;
            } else if l.peek(kw::exports) {
                content.parse::<kw::exports>()?;
                content.parse::<Token![:]>()?;
                opts.exports = parse_function_config(&content)?;
            } else if l.peek(kw::with) {
                content.parse::<kw::with>()?;
                content.parse::<Token![:]>()?;
                let list;
                braced!(list in content);
                while !list.is_empty() {
                    let key = list.parse::<LitStr>()?.value();
                    list.parse::<Token![:]>()?;
                    let path = list.parse::<syn::Path>()?;
                    opts.with.insert(key, path_string(&path));
                    if list.parse::<Option<Token![,]>>()?.is_none() {
                        break;
                    }
                }
            } else if l.peek(kw::trappable_error_type) {
                content.parse::<kw::trappable_error_type>()?;
                content.parse::<Token![:]>()?;
                let list;
                braced!(list in content);
                while !list.is_empty() {
                    let key = list.parse::<LitStr>()?.value();
                    list.parse::<Token![=>]>()?;
                    let path = list.parse::<syn::Path>()?;
                    opts.trappable_error_type.push((key, path_string(&path)));
                    if list.parse::<Option<Token![,]>>()?.is_none() {
                        break;
                    }
                }
            } else if l.peek(kw::additional_derives) {
                content.parse::<kw::additional_derives>()?;
                content.parse::<Token![:]>()?;
                let list;
                bracketed!(list in content);
                let paths = Punctuated::<syn::Path, Token![,]>::parse_terminated(&list)?;
                opts.additional_derives = paths.iter().map(path_string).collect();
            } else if l.peek(kw::ownership) {
                content.parse::<kw::ownership>()?;
                content.parse::<Token![:]>()?;
                let which = content.parse::<syn::Ident>()?;
                match which.to_string().as_str() {
                    "Owning" => {}
                    "Borrowing" => {
                        return Err(Error::new(
                            which.span(),
                            "`ownership: Borrowing` is not supported yet; use `Owning`",
                        ))
                    }
                    other => {
                        return Err(Error::new(
                            which.span(),
                            format!(
                            "unrecognized ownership `{other}`; expected `Owning` or `Borrowing`"
                        ),
                        ))
                    }
                }
            } else if l.peek(kw::wasmtime_crate) {
                content.parse::<kw::wasmtime_crate>()?;
                content.parse::<Token![:]>()?;
                opts.wasmtime_crate = Some(path_string(&content.parse::<syn::Path>()?));
            } else if l.peek(kw::skip_mut_forwarding_impls) {
                content.parse::<kw::skip_mut_forwarding_impls>()?;
                content.parse::<Token![:]>()?;
                opts.skip_mut_forwarding_impls = content.parse::<syn::LitBool>()?.value;
            } else if l.peek(kw::require_store_data_send) {
                content.parse::<kw::require_store_data_send>()?;
                content.parse::<Token![:]>()?;
                opts.require_store_data_send = content.parse::<syn::LitBool>()?.value;
            } else if l.peek(kw::stringify)
                || l.peek(kw::debug)
                || l.peek(kw::anyhow)
                || l.peek(kw::include_generated_code_from_file)
            {
                // Options about how the code is emitted, not what it does.
                content.parse::<syn::Ident>()?;
                content.parse::<Token![:]>()?;
                content.parse::<syn::LitBool>()?;
            } else {
                return Err(l.error());
            }
            if content.parse::<Option<Token![,]>>()?.is_none() {
                break;
            }
        }
        if !content.is_empty() {
            return Err(content.error("expected `,` between options"));
        }
        if let Some(a) = old_async {
            opts.imports.default.is_async |= a;
            opts.exports.default.is_async |= a;
        }
        if let Some(t) = old_trappable {
            opts.imports.default.trappable |= t;
        }
        Ok(opts)
    }
}

fn parse_function_config(input: ParseStream<'_>) -> Result<FunctionConfig> {
    let content;
    braced!(content in input);
    let mut config = FunctionConfig::default();
    while !content.is_empty() {
        let l = content.lookahead1();
        let name = if l.peek(LitStr) {
            Some(content.parse::<LitStr>()?.value())
        } else if l.peek(Token![default]) {
            content.parse::<Token![default]>()?;
            None
        } else {
            return Err(l.error());
        };
        content.parse::<Token![:]>()?;
        let mut flags = Flags::default();
        loop {
            let l = content.lookahead1();
            if l.peek(Token![async]) {
                content.parse::<Token![async]>()?;
                flags.is_async = true;
            } else if l.peek(kw::trappable) {
                content.parse::<kw::trappable>()?;
                flags.trappable = true;
            } else if l.peek(kw::store) {
                content.parse::<kw::store>()?;
                flags.store = true;
            } else if l.peek(kw::tracing) {
                content.parse::<kw::tracing>()?;
            } else if l.peek(kw::verbose_tracing) {
                content.parse::<kw::verbose_tracing>()?;
            } else if l.peek(kw::exact) {
                content.parse::<kw::exact>()?;
            } else {
                return Err(l.error());
            }
            if content.parse::<Option<Token![|]>>()?.is_none() {
                break;
            }
        }
        match name {
            Some(n) => {
                let prev = config.named.remove(&n).unwrap_or_default();
                config.named.insert(n, prev.union(flags));
            }
            None => config.default = flags,
        }
        if content.parse::<Option<Token![,]>>()?.is_none() {
            break;
        }
    }
    if !content.is_empty() {
        return Err(content.error("expected `,` between entries"));
    }
    Ok(config)
}

fn path_string(path: &syn::Path) -> String {
    let mut s = String::new();
    if path.leading_colon.is_some() {
        s.push_str("::");
    }
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    s.push_str(&segments.join("::"));
    s
}
