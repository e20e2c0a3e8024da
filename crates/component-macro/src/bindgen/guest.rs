//! Exports: for each exported interface a `Guest` struct of its functions
//! (with `call_*` methods and `Guest{Resource}` views for resource
//! functions) and `GuestIndices` that find them once per component.

use super::names::snake;
use super::types::TyCx;
use super::Gen;
use std::fmt::Write;
use wit_parser::{Function, FunctionKind, InterfaceId};

/// The generated pieces for a list of exported functions.
pub(crate) struct GuestFuncs {
    /// Struct fields `name: Func`.
    pub fields: String,
    /// Index fields `name: ComponentExportIndex`.
    pub index_fields: String,
    /// Statements of `GuestIndices::new` (given a `lookup` closure).
    pub lookups: String,
    /// Statements of `load`.
    pub loads: String,
    /// Field names, comma separated.
    pub names: String,
    /// Methods of the struct.
    pub methods: String,
    /// Resource views: (resource Rust name, methods).
    pub resources: Vec<(String, String, String)>,
}

impl Gen<'_> {
    /// The Rust field name of an exported function (`[method]r.f` as
    /// `method_r_f`).
    pub(super) fn export_field(f: &Function) -> String {
        snake(
            &f.name
                .replace(['[', ']', '.'], "-")
                .trim_start_matches('-')
                .replace("--", "-"),
        )
    }

    /// The pieces for exported functions `funcs` (of `iface`, or of the
    /// world), in module `module`.
    pub fn guest_funcs(
        &self,
        module: &[String],
        iface: Option<InterfaceId>,
        funcs: &[Function],
        struct_field: &str,
    ) -> anyhow::Result<GuestFuncs> {
        let wt = &self.wt;
        let cx = TyCx {
            module: module.to_vec(),
            export: iface,
        };
        let mut g = GuestFuncs {
            fields: String::new(),
            index_fields: String::new(),
            lookups: String::new(),
            loads: String::new(),
            names: String::new(),
            methods: String::new(),
            resources: Vec::new(),
        };
        for f in funcs {
            let field = Self::export_field(f);
            let mut params = Vec::new();
            for p in &f.params {
                self.check_supported(&p.ty)?;
                params.push((snake(&p.name), self.ty(&cx, &p.ty)));
            }
            if let Some(r) = &f.result {
                self.check_supported(r)?;
            }
            let ptys: String = params.iter().map(|(_, t)| format!("{t},")).collect();
            let ret = self.opt_ty(&cx, f.result.as_ref());
            let rtys = if f.result.is_some() {
                format!("({ret},)")
            } else {
                "()".into()
            };
            let _ = writeln!(g.fields, "{field}: {wt}::component::Func,");
            let _ = writeln!(
                g.index_fields,
                "{field}: {wt}::component::ComponentExportIndex,"
            );
            let _ = writeln!(g.lookups, "let {field} = lookup({:?})?;", f.name);
            let _ = writeln!(
                g.loads,
                "let {field} = *_instance.get_typed_func::<({ptys}), {rtys}>(&mut store, &self.{field})?.func();"
            );
            let _ = write!(g.names, "{field}, ");
            let flags = self.func_export_flags(iface, f);
            let args: String = params.iter().map(|(n, t)| format!(", {n}: {t}")).collect();
            let tuple: String = params.iter().map(|(n, _)| format!("{n},")).collect();
            let (bind, out) = if f.result.is_some() {
                ("let (ret0,)", "Ok(ret0)")
            } else {
                ("let ()", "Ok(())")
            };
            let concurrent = flags.is_async && flags.store;
            let (async_kw, where_, call) = if concurrent {
                (
                    "async ",
                    format!("where _T: Send, _D: {wt}::component::HasData"),
                    format!("callee.call_concurrent(accessor, ({tuple})).await?"),
                )
            } else if flags.is_async {
                (
                    "async ",
                    format!("where <S as {wt}::AsContext>::Data: Send"),
                    format!("callee.call_async(store.as_context_mut(), ({tuple})).await?"),
                )
            } else {
                (
                    "",
                    String::new(),
                    format!("callee.call(store.as_context_mut(), ({tuple}))?"),
                )
            };
            let (method, target) = match f.kind {
                FunctionKind::Freestanding | FunctionKind::AsyncFreestanding => {
                    (snake(f.item_name()), None)
                }
                FunctionKind::Constructor(r) => ("constructor".to_string(), Some(r)),
                FunctionKind::Method(r) | FunctionKind::AsyncMethod(r) => {
                    (format!("method_{}", snake(f.item_name())), Some(r))
                }
                FunctionKind::Static(r) | FunctionKind::AsyncStatic(r) => {
                    (format!("static_{}", snake(f.item_name())), Some(r))
                }
                _ => anyhow::bail!("unsupported function kind of `{}`", f.name),
            };
            let access = if target.is_some() {
                format!("self.funcs.{field}")
            } else {
                format!("self.{struct_field}{field}")
            };
            let (generics, store_param) = if concurrent {
                (
                    "<_T, _D>".to_string(),
                    format!("accessor: &{wt}::component::Accessor<_T, _D>"),
                )
            } else {
                (
                    format!("<S: {wt}::AsContextMut>"),
                    "mut store: S".to_string(),
                )
            };
            let text = format!(
                "{}pub fn func_{method}(&self) -> {wt}::component::TypedFunc<({ptys}), {rtys}> {{\n// SAFETY: the type was checked when the function was loaded.\nunsafe {{ {wt}::component::TypedFunc::<({ptys}), {rtys}>::new_unchecked({access}) }}\n}}\npub {async_kw}fn call_{method}{generics}(&self, {store_param}{args}) -> {wt}::Result<{ret}> {where_} {{\nlet callee = self.func_{method}();\n{bind} = {call};\n{out}\n}}\n",
                self.docs(&f.docs)
            );
            match target {
                None => g.methods.push_str(&text),
                Some(r) => {
                    let rname = self.type_name(r);
                    let accessor = snake(self.resolve.types[r].name.as_deref().unwrap_or(""));
                    match g.resources.iter_mut().find(|(n, _, _)| *n == rname) {
                        Some(entry) => entry.2.push_str(&text),
                        None => g.resources.push((rname, accessor, text)),
                    }
                }
            }
        }
        Ok(g)
    }

    /// The `Guest` struct of exported interface `iface`, named `name` in
    /// the world.
    pub fn gen_guest_interface(&mut self, iface: InterfaceId, name: &str) -> anyhow::Result<()> {
        let wt = self.wt.clone();
        let module = self.iface_mods[&(iface, true)].clone();
        let funcs: Vec<Function> = self.resolve.interfaces[iface]
            .functions
            .values()
            .cloned()
            .collect();
        let g = self.guest_funcs(&module, Some(iface), &funcs, "")?;
        let mut s = String::new();
        let _ = writeln!(s, "#[derive(Clone)]\npub struct Guest {{\n{}}}", g.fields);
        let _ = writeln!(
            s,
            "#[derive(Clone)]\npub struct GuestIndices {{\n{}}}",
            g.index_fields
        );
        let _ = writeln!(
            s,
            "impl GuestIndices {{
/// Finds the interface's functions in the component of `_instance_pre`.
pub fn new<_T>(_instance_pre: &{wt}::component::InstancePre<_T>) -> {wt}::Result<GuestIndices> {{
let instance = _instance_pre.component().get_export_index(None, {name:?})
    .ok_or_else(|| {wt}::format_err!(\"no exported instance named `{name}`\"))?;
let mut lookup = move |name: &str| {{
    _instance_pre.component().get_export_index(Some(&instance), name)
        .ok_or_else(|| {wt}::format_err!(\"instance export `{name}` does not have export `{{name}}`\"))
}};
let _ = &mut lookup;
{}Ok(GuestIndices {{ {} }})
}}
/// Loads (and type-checks) the functions from `instance`.
pub fn load(&self, mut store: impl {wt}::AsContextMut, instance: &{wt}::component::Instance) -> {wt}::Result<Guest> {{
let _instance = instance;
let mut store = store.as_context_mut();
let _ = &mut store;
{}Ok(Guest {{ {} }})
}}
}}",
            g.lookups, g.names, g.loads, g.names
        );
        let mut views = String::new();
        let mut structs = String::new();
        for (rname, accessor, methods) in &g.resources {
            let _ = writeln!(
                views,
                "pub fn {accessor}(&self) -> Guest{rname}<'_> {{ Guest{rname} {{ funcs: self }} }}"
            );
            let _ = writeln!(
                structs,
                "pub struct Guest{rname}<'a> {{ funcs: &'a Guest }}\nimpl Guest{rname}<'_> {{\n{methods}}}"
            );
        }
        let _ = writeln!(s, "impl Guest {{\n{}{views}}}\n{structs}", g.methods);
        self.push(&module, &s);
        Ok(())
    }
}
