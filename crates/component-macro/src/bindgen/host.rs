//! Imports: for each imported interface (and the world's own imported
//! functions) a `Host` trait, one `Host{Resource}` trait per resource, and
//! `add_to_linker` functions that define them in a component `Linker`.

use super::names::{snake, upper_camel};
use super::opts::Flags;
use super::types::TyCx;
use super::Gen;
use std::collections::BTreeSet;
use std::fmt::Write;
use wit_parser::{Function, FunctionKind, InterfaceId, Type, TypeDefKind, TypeId, TypeOwner};

/// The host functions of one trait: the freestanding functions of an
/// interface, or the functions of one resource.
struct HostTrait {
    /// `Host`, `HostDescriptor`, `TheWorldImports`...
    name: String,
    /// The resource, for `Host{Resource}` traits.
    resource: Option<TypeId>,
    funcs: Vec<Function>,
}

/// A host function's Rust return type and how its glue handles the
/// returned value.
struct Ret {
    ty: String,
    /// The interface module and Rust conversion function for a trappable
    /// error type.
    convert: Option<(Vec<String>, String)>,
    trappable: bool,
}

impl Gen<'_> {
    /// The flags of function `func` of `iface` (or of the world).
    pub fn import_flags(&self, iface: Option<InterfaceId>, func: &str) -> Flags {
        self.function_flags(&self.opts.imports, iface, func)
    }

    pub fn function_flags(
        &self,
        config: &super::opts::FunctionConfig,
        iface: Option<InterfaceId>,
        func: &str,
    ) -> Flags {
        let default = config.default_flags();
        match iface.and_then(|i| self.resolve.id_of(i)) {
            Some(full) => {
                let bare = super::strip_version(&full);
                for key in [format!("{full}.{func}"), format!("{bare}.{func}")] {
                    let f = config.flags(&key);
                    if f != default {
                        return f;
                    }
                }
                default
            }
            None => config.flags(func),
        }
    }

    fn ret(&self, cx: &TyCx, func: &Function, flags: Flags) -> Ret {
        let base = self.opt_ty(cx, func.result.as_ref());
        if let Some(Type::Id(r)) = &func.result {
            if let TypeDefKind::Result(res) = &self.resolve.types[*r].kind {
                if let Some(Type::Id(e)) = res.err {
                    let e = self.trappable_target(e);
                    if let Some((err_id, rust)) = e {
                        let owner_mod = match self.resolve.types[err_id].owner {
                            TypeOwner::Interface(i) => self.iface_mods[&(i, false)].clone(),
                            _ => Vec::new(),
                        };
                        let conv = format!(
                            "convert_{}",
                            snake(
                                self.resolve.types[err_id]
                                    .name
                                    .as_deref()
                                    .unwrap_or("error")
                            )
                        );
                        return Ret {
                            ty: format!(
                                "Result<{}, {}>",
                                self.opt_ty(cx, res.ok.as_ref()),
                                super::with_path(&cx.module, &rust)
                            ),
                            convert: Some((owner_mod, conv)),
                            trappable: flags.trappable,
                        };
                    }
                }
            }
        }
        if flags.trappable {
            Ret {
                ty: format!("{}::Result<{base}>", self.wt),
                convert: None,
                trappable: true,
            }
        } else {
            Ret {
                ty: base,
                convert: None,
                trappable: false,
            }
        }
    }

    /// The trappable error type that `e` is (following aliases).
    fn trappable_target(&self, mut e: TypeId) -> Option<(TypeId, String)> {
        loop {
            if let Some(rust) = self.trappable.get(&e) {
                return Some((e, rust.clone()));
            }
            match self.resolve.types[e].kind {
                TypeDefKind::Type(Type::Id(next)) => e = next,
                _ => return None,
            }
        }
    }

    fn params(&self, cx: &TyCx, func: &Function) -> anyhow::Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for p in &func.params {
            self.check_supported(&p.ty)?;
            out.push((snake(&p.name), self.ty(cx, &p.ty)));
        }
        if let Some(r) = &func.result {
            self.check_supported(r)?;
        }
        Ok(out)
    }

    /// The trait method name of `func`.
    fn method_name(func: &Function) -> String {
        match func.kind {
            FunctionKind::Constructor(_) => "new".into(),
            _ => snake(func.item_name()),
        }
    }

    /// Generates the traits and `add_to_linker` functions for the host
    /// side of `iface` (or, with `None`, of the world's own imports) into
    /// module `module`. Returns the name of the interface's main trait.
    pub fn gen_host(
        &mut self,
        iface: Option<InterfaceId>,
        module: Vec<String>,
        funcs: Vec<Function>,
        resources: Vec<TypeId>,
        main_trait: &str,
        linker_instance: Option<String>,
    ) -> anyhow::Result<()> {
        let cx = TyCx {
            module: module.clone(),
            export: None,
        };
        let wt = self.wt.clone();
        for f in &funcs {
            if self.import_flags(iface, &f.name).store {
                anyhow::bail!(
                    "the `store` flag (host functions with store access for component-model async) is not supported yet (`{}`)",
                    f.name
                );
            }
            if matches!(
                f.kind,
                FunctionKind::AsyncFreestanding
                    | FunctionKind::AsyncMethod(_)
                    | FunctionKind::AsyncStatic(_)
            ) {
                anyhow::bail!(
                    "bindings for component-model `async` functions (`{}`) are not supported yet",
                    f.name
                );
            }
        }
        let mut traits: Vec<HostTrait> = resources
            .iter()
            .map(|r| HostTrait {
                name: format!("Host{}", self.type_name(*r)),
                resource: Some(*r),
                funcs: Vec::new(),
            })
            .collect();
        let mut main = HostTrait {
            name: main_trait.to_string(),
            resource: None,
            funcs: Vec::new(),
        };
        for f in funcs {
            match f.kind {
                FunctionKind::Method(r)
                | FunctionKind::Static(r)
                | FunctionKind::Constructor(r) => {
                    match traits.iter_mut().find(|t| t.resource == Some(r)) {
                        Some(t) => t.funcs.push(f),
                        None => {
                            anyhow::bail!("function `{}` of a resource defined elsewhere", f.name)
                        }
                    }
                }
                _ => main.funcs.push(f),
            }
        }
        // The conversions of trappable error types defined here.
        let mut converts = Vec::new();
        if let Some(i) = iface {
            for (_, ty) in self.resolve.interfaces[i].types.iter() {
                if let Some(rust) = self.trappable.get(ty) {
                    let name = self.resolve.types[*ty].name.clone().unwrap_or_default();
                    converts.push(format!(
                        "fn convert_{}(&mut self, err: {}) -> {wt}::Result<{}>;\n",
                        snake(&name),
                        super::with_path(&module, rust),
                        upper_camel(&name)
                    ));
                }
            }
        }
        let any_async = |t: &HostTrait, gen: &Gen<'_>| {
            t.funcs
                .iter()
                .any(|f| gen.import_flags(iface, &f.name).is_async)
                || t.resource.is_some_and(|r| {
                    gen.import_flags(
                        iface,
                        &format!(
                            "[drop]{}",
                            gen.resolve.types[r].name.as_deref().unwrap_or("")
                        ),
                    )
                    .is_async
                })
        };
        let is_async = traits.iter().any(|t| any_async(t, self)) || any_async(&main, self);
        let send = if is_async { " + Send" } else { "" };
        let mut s = String::new();
        let mut supertraits = Vec::new();
        for t in &traits {
            let r = t.resource.unwrap();
            let rname = self.resolve.types[r].name.clone().unwrap_or_default();
            let rpath = self.resource_path(&cx, r);
            let _ = writeln!(
                s,
                "pub trait {}{} {{",
                t.name,
                if is_async { ": Send" } else { "" }
            );
            let mut fwd = String::new();
            for f in &t.funcs {
                self.host_method(&cx, iface, f, &mut s, &mut fwd, &t.name)?;
            }
            let drop_async = self.import_flags(iface, &format!("[drop]{rname}")).is_async;
            let drop_sig = format!("fn drop(&mut self, rep: {wt}::component::Resource<{rpath}>)");
            if drop_async {
                let _ = writeln!(
                    s,
                    "{drop_sig} -> impl ::core::future::Future<Output = {wt}::Result<()>> + Send;"
                );
                let _ = writeln!(fwd, "{drop_sig} -> impl ::core::future::Future<Output = {wt}::Result<()>> + Send {{ async move {{ {}::drop(*self, rep).await }} }}", t.name);
            } else {
                let _ = writeln!(s, "{drop_sig} -> {wt}::Result<()>;");
                let _ = writeln!(
                    fwd,
                    "{drop_sig} -> {wt}::Result<()> {{ {}::drop(*self, rep) }}",
                    t.name
                );
            }
            s.push_str("}\n");
            if !self.opts.skip_mut_forwarding_impls {
                let _ = writeln!(
                    s,
                    "impl<_T: {} + ?Sized{send}> {} for &mut _T {{\n{fwd}}}",
                    t.name, t.name
                );
            }
            supertraits.push(t.name.clone());
        }
        if is_async {
            supertraits.push("Send".into());
        }
        let colon = if supertraits.is_empty() {
            String::new()
        } else {
            format!(": {}", supertraits.join(" + "))
        };
        let _ = writeln!(s, "pub trait {}{colon} {{", main.name);
        let mut fwd = String::new();
        for f in &main.funcs {
            self.host_method(&cx, iface, f, &mut s, &mut fwd, &main.name)?;
        }
        for c in &converts {
            s.push_str(c);
            let sig = c.trim_end().trim_end_matches(';');
            let fname = sig["fn ".len()..sig.find('(').unwrap()].to_string();
            let _ = writeln!(fwd, "{sig} {{ {}::{fname}(*self, err) }}", main.name);
        }
        s.push_str("}\n");
        if !self.opts.skip_mut_forwarding_impls {
            let _ = writeln!(
                s,
                "impl<_T: {} + ?Sized{send}> {} for &mut _T {{\n{fwd}}}",
                main.name, main.name
            );
        }
        let with_store = if main.name == "Host" {
            "HostWithStore".to_string()
        } else {
            format!("{}WithStore", main.name)
        };
        let _ = writeln!(
            s,
            "pub trait {with_store}<T>: {wt}::component::HasData{send} {{}}\nimpl<H: ?Sized, T> {with_store}<T> for H where H: {wt}::component::HasData{send} {{}}"
        );

        // The glue.
        let mut body = String::new();
        let mut extra_bounds = BTreeSet::new();
        for t in &traits {
            let r = t.resource.unwrap();
            let rname = self.resolve.types[r].name.clone().unwrap_or_default();
            let rpath = self.resource_path(&cx, r);
            if self.import_flags(iface, &format!("[drop]{rname}")).is_async {
                let _ = writeln!(
                    body,
                    "inst.resource_async({rname:?}, {wt}::component::ResourceType::host::<{rpath}>(), move |mut store, rep| {{ {wt}::component::__internal::Box::new(async move {{ {}::drop(&mut host_getter(store.data_mut()), {wt}::component::Resource::new_own(rep)).await }}) }})?;",
                    t.name
                );
            } else {
                let _ = writeln!(
                    body,
                    "inst.resource({rname:?}, {wt}::component::ResourceType::host::<{rpath}>(), move |mut store, rep| -> {wt}::Result<()> {{ {}::drop(&mut host_getter(store.data_mut()), {wt}::component::Resource::new_own(rep)) }})?;",
                    t.name
                );
            }
        }
        for t in traits.iter().chain(std::iter::once(&main)) {
            for f in &t.funcs {
                self.host_glue(&cx, iface, f, &t.name, &mut body, &mut extra_bounds)?;
            }
        }
        let t_bound = if is_async {
            "'static + Send"
        } else {
            "'static"
        };
        let extra: String = extra_bounds.iter().map(|b| format!(" + {b}")).collect();
        let (fn_name, inst_ty, open) = match &linker_instance {
            Some(_) => (
                "add_to_linker_instance",
                format!("&mut {wt}::component::LinkerInstance<'_, T>"),
                "inst",
            ),
            None => (
                "add_to_linker_imports",
                format!("&mut {wt}::component::Linker<T>"),
                "linker",
            ),
        };
        let prelude = if linker_instance.is_none() {
            "let mut inst = linker.root();\nlet inst = &mut inst;\n"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "pub fn {fn_name}<T, D>({open}: {inst_ty}, host_getter: fn(&mut T) -> D::Data<'_>) -> {wt}::Result<()>\nwhere D: {with_store}<T>, for<'a> D::Data<'a>: {}{extra}, T: {t_bound},\n{{\n{prelude}{body}Ok(())\n}}",
            main.name
        );
        if let Some(name) = linker_instance {
            let _ = writeln!(
                s,
                "pub fn add_to_linker<T, D>(linker: &mut {wt}::component::Linker<T>, host_getter: fn(&mut T) -> D::Data<'_>) -> {wt}::Result<()>\nwhere D: {with_store}<T>, for<'a> D::Data<'a>: {}{extra}, T: {t_bound},\n{{\nlet mut inst = linker.instance({name:?})?;\nadd_to_linker_instance::<T, D>(&mut inst, host_getter)\n}}",
                main.name
            );
            self.push(&module, &s);
        } else {
            // World-level imports: the trait at the root, the function on
            // the world struct (see `world.rs`).
            self.push(&module, &s);
        }
        Ok(())
    }

    fn host_method(
        &self,
        cx: &TyCx,
        iface: Option<InterfaceId>,
        f: &Function,
        s: &mut String,
        fwd: &mut String,
        trait_name: &str,
    ) -> anyhow::Result<()> {
        let flags = self.import_flags(iface, &f.name);
        let params = self.params(cx, f)?;
        let ret = self.ret(cx, f, flags);
        let name = Self::method_name(f);
        let args: String = params.iter().map(|(n, t)| format!(", {n}: {t}")).collect();
        let names: String = params.iter().map(|(n, _)| format!(", {n}")).collect();
        if flags.is_async {
            let _ = writeln!(
                s,
                "fn {name}(&mut self{args}) -> impl ::core::future::Future<Output = {}> + Send;",
                ret.ty
            );
            let _ = writeln!(
                fwd,
                "fn {name}(&mut self{args}) -> impl ::core::future::Future<Output = {}> + Send {{ async move {{ {trait_name}::{name}(*self{names}).await }} }}",
                ret.ty
            );
        } else {
            let _ = writeln!(s, "fn {name}(&mut self{args}) -> {};", ret.ty);
            let _ = writeln!(
                fwd,
                "fn {name}(&mut self{args}) -> {} {{ {trait_name}::{name}(*self{names}) }}",
                ret.ty
            );
        }
        Ok(())
    }

    fn host_glue(
        &self,
        cx: &TyCx,
        iface: Option<InterfaceId>,
        f: &Function,
        trait_name: &str,
        body: &mut String,
        extra_bounds: &mut BTreeSet<String>,
    ) -> anyhow::Result<()> {
        let wt = &self.wt;
        let flags = self.import_flags(iface, &f.name);
        let params = self.params(cx, f)?;
        let ret = self.ret(cx, f, flags);
        let name = Self::method_name(f);
        let pat: String = (0..params.len()).map(|i| format!("arg{i},")).collect();
        let tys: String = params.iter().map(|(_, t)| format!("{t},")).collect();
        let args: String = (0..params.len()).map(|i| format!(", arg{i}")).collect();
        let await_ = if flags.is_async { ".await" } else { "" };
        let mut call = format!("let host = &mut host_getter(caller.data_mut());\nlet r = {trait_name}::{name}(host{args}){await_};\n");
        if let Some((owner_mod, conv)) = &ret.convert {
            let host_trait = if owner_mod.as_slice() == cx.module.as_slice() {
                "Host".to_string()
            } else {
                let p = self.path_to(
                    &cx.module,
                    &super::Location::Module(owner_mod.clone()),
                    "Host",
                );
                extra_bounds.insert(p.clone());
                p
            };
            let _ = writeln!(call, "let r = match r {{ Ok(a) => Ok(a), Err(e) => Err({host_trait}::{conv}(host, e)?) }};");
        } else if ret.trappable {
            call.push_str("let r = r?;\n");
        }
        let out = if f.result.is_some() {
            "Ok((r,))"
        } else {
            "Ok(r)"
        };
        let closure_args =
            format!("move |mut caller: {wt}::StoreContextMut<'_, T>, ({pat}): ({tys})|");
        if flags.is_async {
            let _ = writeln!(
                body,
                "inst.func_wrap_async({:?}, {closure_args} {{ {wt}::component::__internal::Box::new(async move {{\n{call}{out}\n}}) }})?;",
                f.name
            );
        } else {
            let _ = writeln!(
                body,
                "inst.func_wrap({:?}, {closure_args} {{\n{call}{out}\n}})?;",
                f.name
            );
        }
        Ok(())
    }
}
