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
                | FunctionKind::Constructor(r)
                | FunctionKind::AsyncMethod(r)
                | FunctionKind::AsyncStatic(r) => {
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
                .any(|f| gen.func_import_flags(iface, f).is_async)
                || t.resource
                    .is_some_and(|r| gen.drop_flags(iface, r).is_async)
        };
        let is_async = traits.iter().any(|t| any_async(t, self)) || any_async(&main, self);
        let send = if is_async { " + Send" } else { "" };
        let mut s = String::new();
        let resource_traits: Vec<String> = traits.iter().map(|t| t.name.clone()).collect();
        for t in traits.iter().chain(std::iter::once(&main)) {
            let is_main = t.resource.is_none();
            let with_store = Self::with_store_name(&t.name);
            // The trait of the functions with store access.
            let mut store_supers = vec![format!("{wt}::component::HasData")];
            let mut plain_supers = Vec::new();
            if is_main {
                for r in &resource_traits {
                    store_supers.push(format!("{}<T>", Self::with_store_name(r)));
                    plain_supers.push(r.clone());
                }
            }
            if is_async {
                store_supers.push("Send".into());
                plain_supers.push("Send".into());
            }
            let mut store_body = String::new();
            let mut plain_body = String::new();
            let mut fwd = String::new();
            for f in &t.funcs {
                self.host_method(
                    &cx,
                    iface,
                    f,
                    &mut store_body,
                    &mut plain_body,
                    &mut fwd,
                    &t.name,
                )?;
            }
            if let Some(r) = t.resource {
                let rpath = self.resource_path(&cx, r);
                let flags = self.drop_flags(iface, r);
                let res = format!("{wt}::component::Resource<{rpath}>");
                let fut = |o: &str| format!("impl ::core::future::Future<Output = {o}> + Send");
                let unit = format!("{wt}::Result<()>");
                match (flags.store, flags.is_async) {
                    (true, true) => {
                        let _ = writeln!(
                            store_body,
                            "fn drop(accessor: &{wt}::component::Accessor<T, Self>, rep: {res}) -> {} where Self: Sized;",
                            fut(&unit)
                        );
                    }
                    (true, false) => {
                        let _ = writeln!(
                            store_body,
                            "fn drop(accessor: {wt}::component::Access<T, Self>, rep: {res}) -> {unit};"
                        );
                    }
                    (false, true) => {
                        let sig = format!("fn drop(&mut self, rep: {res}) -> {}", fut(&unit));
                        let _ = writeln!(plain_body, "{sig};");
                        let _ = writeln!(
                            fwd,
                            "{sig} {{ async move {{ {}::drop(*self, rep).await }} }}",
                            t.name
                        );
                    }
                    (false, false) => {
                        let sig = format!("fn drop(&mut self, rep: {res}) -> {unit}");
                        let _ = writeln!(plain_body, "{sig};");
                        let _ = writeln!(fwd, "{sig} {{ {}::drop(*self, rep) }}", t.name);
                    }
                }
            }
            if is_main {
                for c in &converts {
                    plain_body.push_str(c);
                    let sig = c.trim_end().trim_end_matches(';');
                    let fname = sig["fn ".len()..sig.find('(').unwrap()].to_string();
                    let _ = writeln!(fwd, "{sig} {{ {}::{fname}(*self, err) }}", t.name);
                }
            }
            let store_supers = store_supers.join(" + ");
            let _ = writeln!(
                s,
                "pub trait {with_store}<T>: {store_supers} {{\n{store_body}}}"
            );
            if store_body.is_empty() {
                let _ = writeln!(
                    s,
                    "impl<H: ?Sized, T> {with_store}<T> for H where H: {store_supers} {{}}"
                );
            }
            let colon = if plain_supers.is_empty() {
                String::new()
            } else {
                format!(": {}", plain_supers.join(" + "))
            };
            let _ = writeln!(s, "pub trait {}{colon} {{\n{plain_body}}}", t.name);
            if !self.opts.skip_mut_forwarding_impls {
                let _ = writeln!(
                    s,
                    "impl<_T: {} + ?Sized{send}> {} for &mut _T {{\n{fwd}}}",
                    t.name, t.name
                );
            }
        }
        let with_store = Self::with_store_name(&main.name);

        // The glue.
        let mut body = String::new();
        let mut extra_bounds = BTreeSet::new();
        for t in &traits {
            let r = t.resource.unwrap();
            let rname = self.resolve.types[r].name.clone().unwrap_or_default();
            let rpath = self.resource_path(&cx, r);
            let flags = self.drop_flags(iface, r);
            let ws = Self::with_store_name(&t.name);
            let ty = format!("{wt}::component::ResourceType::host::<{rpath}>()");
            let own = format!("{wt}::component::Resource::new_own(rep)");
            let _ = match (flags.store, flags.is_async) {
                (true, true) => writeln!(
                    body,
                    "inst.resource_concurrent({rname:?}, {ty}, move |caller: &{wt}::component::Accessor::<T>, rep| {{ {wt}::component::__internal::Box::pin(async move {{ let accessor = &caller.with_getter::<D>(host_getter); <D as {ws}<T>>::drop(accessor, {own}).await }}) }})?;"
                ),
                (true, false) => writeln!(
                    body,
                    "inst.resource({rname:?}, {ty}, move |mut store, rep| -> {wt}::Result<()> {{ <D as {ws}<T>>::drop({wt}::component::Access::new(store, host_getter), {own}) }})?;"
                ),
                (false, true) => writeln!(
                    body,
                    "inst.resource_async({rname:?}, {ty}, move |mut store, rep| {{ {wt}::component::__internal::Box::new(async move {{ {}::drop(&mut host_getter(store.data_mut()), {own}).await }}) }})?;",
                    t.name
                ),
                (false, false) => writeln!(
                    body,
                    "inst.resource({rname:?}, {ty}, move |mut store, rep| -> {wt}::Result<()> {{ {}::drop(&mut host_getter(store.data_mut()), {own}) }})?;",
                    t.name
                ),
            };
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

    /// The name of the trait of `trait_name`'s functions with store access.
    pub fn with_store_name(trait_name: &str) -> String {
        format!("{trait_name}WithStore")
    }

    /// Whether `f` is a WIT `async` function.
    pub fn is_wit_async(f: &Function) -> bool {
        matches!(
            f.kind,
            FunctionKind::AsyncFreestanding
                | FunctionKind::AsyncMethod(_)
                | FunctionKind::AsyncStatic(_)
        )
    }

    /// The import flags of `f`: a WIT `async` function is always `async`
    /// with store access (a concurrent host function).
    pub fn func_import_flags(&self, iface: Option<InterfaceId>, f: &Function) -> Flags {
        let mut flags = self.import_flags(iface, &f.name);
        if Self::is_wit_async(f) {
            flags.is_async = true;
            flags.store = true;
        }
        flags
    }

    /// The export flags of `f` (WIT `async` functions as in
    /// [`Gen::func_import_flags`]).
    pub fn func_export_flags(&self, iface: Option<InterfaceId>, f: &Function) -> Flags {
        let mut flags = self.function_flags(&self.opts.exports, iface, &f.name);
        if Self::is_wit_async(f) {
            flags.is_async = true;
            flags.store = true;
        }
        flags
    }

    /// The flags of resource `r`'s destructor.
    fn drop_flags(&self, iface: Option<InterfaceId>, r: TypeId) -> Flags {
        let name = self.resolve.types[r].name.as_deref().unwrap_or("");
        self.import_flags(iface, &format!("[drop]{name}"))
    }

    #[allow(clippy::too_many_arguments)]
    fn host_method(
        &self,
        cx: &TyCx,
        iface: Option<InterfaceId>,
        f: &Function,
        store_body: &mut String,
        s: &mut String,
        fwd: &mut String,
        trait_name: &str,
    ) -> anyhow::Result<()> {
        let wt = &self.wt;
        let flags = self.func_import_flags(iface, f);
        let params = self.params(cx, f)?;
        let ret = self.ret(cx, f, flags);
        let name = Self::method_name(f);
        let args: String = params.iter().map(|(n, t)| format!(", {n}: {t}")).collect();
        let names: String = params.iter().map(|(n, _)| format!(", {n}")).collect();
        let docs = self.docs(&f.docs);
        if flags.store {
            let first = if Self::is_wit_async(f) {
                format!("accessor: &{wt}::component::Accessor<T, Self>")
            } else {
                format!("host: {wt}::component::Access<T, Self>")
            };
            let out = if flags.is_async {
                format!("impl ::core::future::Future<Output = {}> + Send", ret.ty)
            } else {
                ret.ty.clone()
            };
            let _ = writeln!(store_body, "{docs}fn {name}({first}{args}) -> {out};");
        } else if flags.is_async {
            let _ = writeln!(
                s,
                "{docs}fn {name}(&mut self{args}) -> impl ::core::future::Future<Output = {}> + Send;",
                ret.ty
            );
            let _ = writeln!(
                fwd,
                "fn {name}(&mut self{args}) -> impl ::core::future::Future<Output = {}> + Send {{ async move {{ {trait_name}::{name}(*self{names}).await }} }}",
                ret.ty
            );
        } else {
            let _ = writeln!(s, "{docs}fn {name}(&mut self{args}) -> {};", ret.ty);
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
        let flags = self.func_import_flags(iface, f);
        let wit_async = Self::is_wit_async(f);
        let params = self.params(cx, f)?;
        let ret = self.ret(cx, f, flags);
        let name = Self::method_name(f);
        let pat: String = (0..params.len()).map(|i| format!("arg{i},")).collect();
        let tys: String = params.iter().map(|(_, t)| format!("{t},")).collect();
        let args: String = (0..params.len()).map(|i| format!(", arg{i}")).collect();
        let await_ = if flags.is_async { ".await" } else { "" };
        let ws = Self::with_store_name(trait_name);
        let mut call = if wit_async {
            format!(
                "let host = &caller.with_getter::<D>(host_getter);\nlet r = <D as {ws}<T>>::{name}(host{args}).await;\n"
            )
        } else if flags.store {
            format!(
                "let access_cx = {wt}::AsContextMut::as_context_mut(&mut caller);\nlet host = {wt}::component::Access::new(access_cx, host_getter);\nlet r = <D as {ws}<T>>::{name}(host{args}){await_};\n"
            )
        } else {
            format!("let host = &mut host_getter(caller.data_mut());\nlet r = {trait_name}::{name}(host{args}){await_};\n")
        };
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
            let convert = if wit_async {
                format!(
                    "caller.with(|mut access| {host_trait}::{conv}(&mut host_getter(access.get()), e))"
                )
            } else if flags.store {
                format!("{host_trait}::{conv}(&mut host_getter(caller.data_mut()), e)")
            } else {
                format!("{host_trait}::{conv}(host, e)")
            };
            let _ = writeln!(
                call,
                "let r = match r {{ Ok(a) => Ok(a), Err(e) => Err({convert}?) }};"
            );
        } else if ret.trappable {
            call.push_str("let r = r?;\n");
        }
        let out = if f.result.is_some() {
            "Ok((r,))"
        } else {
            "Ok(r)"
        };
        if wit_async {
            let _ = writeln!(
                body,
                "inst.func_wrap_concurrent({:?}, move |caller: &{wt}::component::Accessor::<T>, ({pat}): ({tys})| {{ {wt}::component::__internal::Box::pin(async move {{\n{call}{out}\n}}) }})?;",
                f.name
            );
            return Ok(());
        }
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
