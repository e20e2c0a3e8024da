//! WIT types in Rust: how a use of a type is written, and the definitions
//! of named types (records, variants, enums, flags, aliases, resources).

use super::names::{shouty, snake, upper_camel};
use super::Gen;
use std::fmt::Write;
use wit_parser::{Handle, InterfaceId, Type, TypeDefKind, TypeId, TypeOwner};

/// The context a type is written in: the module, and the exported
/// interface whose module it is (if any).
#[derive(Clone)]
pub(crate) struct TyCx {
    pub module: Vec<String>,
    pub export: Option<InterfaceId>,
}

impl Gen<'_> {
    /// Follows `type a = b` aliases to the defining type.
    pub fn resolve_alias(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = self.resolve.types[id].kind {
            id = next;
        }
        id
    }

    /// Whether resource `id` is one the component exports (its handles
    /// are `ResourceAny`) rather than one the host implements.
    pub fn is_guest_resource(&self, id: TypeId) -> bool {
        match self.resolve.types[self.resolve_alias(id)].owner {
            TypeOwner::Interface(i) => {
                !self.imported.contains(&i) && self.iface_mods.contains_key(&(i, true))
            }
            _ => false,
        }
    }

    /// The Rust type for a host resource `id` (`Resource<this>`).
    pub fn resource_path(&self, cx: &TyCx, id: TypeId) -> String {
        let id = self.resolve_alias(id);
        if let Some(with) = self.type_with.get(&id) {
            return super::with_path(&cx.module, with);
        }
        let loc = self.location(self.resolve.types[id].owner, None);
        self.path_to(&cx.module, &loc, &self.type_name(id))
    }

    /// How `ty` is written in `cx`.
    pub fn ty(&self, cx: &TyCx, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => format!("{}::component::__internal::String", self.wt),
            Type::ErrorContext => format!("{}::component::ErrorContext", self.wt),
            Type::Id(id) => self.ty_id(cx, *id),
        }
    }

    fn ty_id(&self, cx: &TyCx, id: TypeId) -> String {
        let def = &self.resolve.types[id];
        if def.name.is_some() && !matches!(def.kind, TypeDefKind::Resource) {
            let loc = self.location(def.owner, cx.export);
            return self.path_to(&cx.module, &loc, &self.type_name(id));
        }
        self.structure(cx, id)
    }

    /// How type `id` is written by its structure, as if it had no name
    /// (handles, resources, options, results, lists, tuples, aliases).
    /// Types `check_supported` rejects are never written.
    fn structure(&self, cx: &TyCx, id: TypeId) -> String {
        let wt = &self.wt;
        match &self.resolve.types[id].kind {
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                if self.is_guest_resource(*r) {
                    format!("{wt}::component::ResourceAny")
                } else {
                    format!("{wt}::component::Resource<{}>", self.resource_path(cx, *r))
                }
            }
            TypeDefKind::Resource => self.resource_path(cx, id),
            TypeDefKind::Option(t) => format!("Option<{}>", self.ty(cx, t)),
            TypeDefKind::Result(r) => format!(
                "Result<{}, {}>",
                self.opt_ty(cx, r.ok.as_ref()),
                self.opt_ty(cx, r.err.as_ref())
            ),
            TypeDefKind::List(t) => format!("{wt}::component::__internal::Vec<{}>", self.ty(cx, t)),
            TypeDefKind::Tuple(t) => format!(
                "({})",
                t.types
                    .iter()
                    .map(|t| format!("{}, ", self.ty(cx, t)))
                    .collect::<String>()
            ),
            TypeDefKind::Type(t) => self.ty(cx, t),
            TypeDefKind::Future(t) => format!(
                "{wt}::component::FutureReader<{}>",
                self.opt_ty(cx, t.as_ref())
            ),
            TypeDefKind::Stream(t) => format!(
                "{wt}::component::StreamReader<{}>",
                self.opt_ty(cx, t.as_ref())
            ),
            _ => "()".into(),
        }
    }

    /// `ty`, or `()` when absent.
    pub fn opt_ty(&self, cx: &TyCx, ty: Option<&Type>) -> String {
        ty.map(|t| self.ty(cx, t)).unwrap_or_else(|| "()".into())
    }

    /// An error for types the bindings cannot express yet.
    pub fn check_supported(&self, ty: &Type) -> anyhow::Result<()> {
        let Type::Id(id) = ty else { return Ok(()) };
        let what = match &self.resolve.types[*id].kind {
            TypeDefKind::Future(Some(t)) | TypeDefKind::Stream(Some(t)) => {
                return self.check_supported(t)
            }
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => {
                return self.check_supported(t)
            }
            TypeDefKind::Future(None) => "payload-less future",
            TypeDefKind::Stream(None) => "payload-less stream",
            TypeDefKind::Map(..) => "map",
            TypeDefKind::FixedLengthList(..) => "fixed-length list",
            TypeDefKind::Unknown => "unknown",
            _ => return Ok(()),
        };
        anyhow::bail!("bindings for WIT `{what}` types are not supported yet")
    }

    /// Whether values of `ty` are plain data (`Copy`).
    pub fn is_copy(&self, ty: &Type) -> bool {
        match ty {
            Type::String | Type::ErrorContext => false,
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Record(r) => r.fields.iter().all(|f| self.is_copy(&f.ty)),
                TypeDefKind::Variant(v) => v
                    .cases
                    .iter()
                    .all(|c| c.ty.as_ref().is_none_or(|t| self.is_copy(t))),
                TypeDefKind::Enum(_) | TypeDefKind::Flags(_) => true,
                TypeDefKind::Tuple(t) => t.types.iter().all(|t| self.is_copy(t)),
                TypeDefKind::Option(t) => self.is_copy(t),
                TypeDefKind::Result(r) => {
                    r.ok.as_ref().is_none_or(|t| self.is_copy(t))
                        && r.err.as_ref().is_none_or(|t| self.is_copy(t))
                }
                TypeDefKind::Type(t) => self.is_copy(t),
                _ => false,
            },
            _ => true,
        }
    }

    /// Whether `ty` holds a handle (so the type is neither `Clone` here
    /// nor comparable).
    pub fn has_handle(&self, ty: &Type) -> bool {
        match ty {
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Handle(_)
                | TypeDefKind::Resource
                | TypeDefKind::Future(_)
                | TypeDefKind::Stream(_) => true,
                TypeDefKind::Record(r) => r.fields.iter().any(|f| self.has_handle(&f.ty)),
                TypeDefKind::Variant(v) => v
                    .cases
                    .iter()
                    .any(|c| c.ty.as_ref().is_some_and(|t| self.has_handle(t))),
                TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.has_handle(t)),
                TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => {
                    self.has_handle(t)
                }
                TypeDefKind::Result(r) => {
                    r.ok.as_ref().is_some_and(|t| self.has_handle(t))
                        || r.err.as_ref().is_some_and(|t| self.has_handle(t))
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn derives(&self, copy: bool, clone: bool) -> String {
        let mut d = Vec::new();
        if clone {
            d.push("Clone".to_string());
        }
        if copy {
            d.push("Copy".to_string());
        }
        d.extend(self.opts.additional_derives.iter().cloned());
        if d.is_empty() {
            String::new()
        } else {
            format!("#[derive({})]\n", d.join(", "))
        }
    }

    /// WIT documentation as `#[doc]` attributes.
    pub fn docs(&self, docs: &wit_parser::Docs) -> String {
        match &docs.contents {
            Some(text) => text
                .lines()
                .map(|l| format!("#[doc = {:?}]\n", format!(" {l}")))
                .collect(),
            None => String::new(),
        }
    }

    /// The definition of named type `id` (called `name` in WIT), for
    /// module `cx.module`.
    pub fn typedef(&self, cx: &TyCx, id: TypeId) -> anyhow::Result<String> {
        let def = &self.resolve.types[id];
        let wt = &self.wt;
        let name = self.type_name(id);
        let mut s = String::new();
        let derive_component = format!(
            "#[derive({wt}::component::ComponentType, {wt}::component::Lift, {wt}::component::Lower)]\n"
        );
        let crate_attr = match &self.opts.wasmtime_crate {
            Some(p) => format!("#[component(wasmtime_crate = {p})]\n"),
            None => String::new(),
        };
        s.push_str(&self.docs(&def.docs));
        let this = Type::Id(id);
        let copy = self.is_copy(&this);
        let clone = !self.has_handle(&this);
        match &def.kind {
            TypeDefKind::Record(r) => {
                for f in &r.fields {
                    self.check_supported(&f.ty)?;
                }
                s.push_str(&derive_component);
                s.push_str("#[component(record)]\n");
                s.push_str(&crate_attr);
                s.push_str(&self.derives(copy, clone));
                let _ = writeln!(s, "pub struct {name} {{");
                for f in &r.fields {
                    let _ = writeln!(
                        s,
                        "#[component(name = {:?})]\npub {}: {},",
                        f.name,
                        snake(&f.name),
                        self.ty(cx, &f.ty)
                    );
                }
                s.push_str("}\n");
                let _ = writeln!(
                    s,
                    "impl core::fmt::Debug for {name} {{\nfn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{\nf.debug_struct({name:?}){}.finish()\n}}\n}}",
                    r.fields
                        .iter()
                        .map(|f| format!(".field({:?}, &self.{})", f.name, snake(&f.name)))
                        .collect::<String>()
                );
            }
            TypeDefKind::Variant(v) => {
                for c in &v.cases {
                    if let Some(t) = &c.ty {
                        self.check_supported(t)?;
                    }
                }
                s.push_str(&derive_component);
                s.push_str("#[component(variant)]\n");
                s.push_str(&crate_attr);
                s.push_str(&self.derives(copy, clone));
                let _ = writeln!(s, "pub enum {name} {{");
                for c in &v.cases {
                    let _ = write!(
                        s,
                        "#[component(name = {:?})]\n{}",
                        c.name,
                        upper_camel(&c.name)
                    );
                    if let Some(t) = &c.ty {
                        let _ = write!(s, "({})", self.ty(cx, t));
                    }
                    s.push_str(",\n");
                }
                s.push_str("}\n");
                let arms: String = v
                    .cases
                    .iter()
                    .map(|c| match c.ty {
                        Some(_) => format!(
                            "{name}::{}(e) => f.debug_tuple({:?}).field(e).finish(),\n",
                            upper_camel(&c.name),
                            format!("{name}::{}", upper_camel(&c.name))
                        ),
                        None => format!(
                            "{name}::{} => f.debug_tuple({:?}).finish(),\n",
                            upper_camel(&c.name),
                            format!("{name}::{}", upper_camel(&c.name))
                        ),
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "impl core::fmt::Debug for {name} {{\nfn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{\nmatch self {{\n{arms}}}\n}}\n}}"
                );
                if self.used_as_error(id) {
                    let _ = writeln!(
                        s,
                        "impl core::fmt::Display for {name} {{\nfn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{\nwrite!(f, \"{{:?}}\", self)\n}}\n}}\nimpl core::error::Error for {name} {{}}"
                    );
                }
            }
            TypeDefKind::Enum(e) => {
                s.push_str(&derive_component);
                s.push_str("#[component(enum)]\n");
                s.push_str(&crate_attr);
                s.push_str(&self.derives(true, true));
                let repr = match e.cases.len() {
                    n if n <= 256 => "u8",
                    n if n <= 65536 => "u16",
                    _ => "u32",
                };
                let _ = writeln!(
                    s,
                    "#[derive(Eq, PartialEq)]\n#[repr({repr})]\npub enum {name} {{"
                );
                for c in &e.cases {
                    let _ = writeln!(
                        s,
                        "#[component(name = {:?})]\n{},",
                        c.name,
                        upper_camel(&c.name)
                    );
                }
                s.push_str("}\n");
                let names: String = e
                    .cases
                    .iter()
                    .map(|c| format!("{name}::{} => {:?},\n", upper_camel(&c.name), c.name))
                    .collect();
                let _ = writeln!(
                    s,
                    "impl {name} {{\n/// The case's WIT name.\npub fn name(&self) -> &'static str {{\nmatch self {{\n{names}}}\n}}\n}}"
                );
                let _ = writeln!(
                    s,
                    "impl core::fmt::Debug for {name} {{\nfn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{\nf.write_str(self.name())\n}}\n}}"
                );
                if self.used_as_error(id) {
                    let _ = writeln!(
                        s,
                        "impl core::fmt::Display for {name} {{\nfn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{\nwrite!(f, \"{{}} (error {{}})\", self.name(), *self as i32)\n}}\n}}\nimpl core::error::Error for {name} {{}}"
                    );
                }
            }
            TypeDefKind::Flags(fl) => {
                let _ = writeln!(s, "{wt}::component::flags!(\n{name} {{");
                for f in &fl.flags {
                    let _ = writeln!(
                        s,
                        "#[component(name = {:?})]\nconst {};",
                        f.name,
                        shouty(&f.name)
                    );
                }
                s.push_str("}\n);\n");
            }
            TypeDefKind::Resource => {
                if !self.type_with.contains_key(&id) {
                    let _ = writeln!(s, "/// The host's representation of the WIT resource `{}`.\npub enum {name} {{}}", def.name.as_deref().unwrap_or(""));
                } else {
                    let _ = writeln!(s, "pub use {} as {name};", self.resource_path(cx, id));
                }
            }
            TypeDefKind::Type(t) => {
                self.check_supported(t)?;
                match t {
                    Type::Id(target)
                        if matches!(
                            self.resolve.types[self.resolve_alias(*target)].kind,
                            TypeDefKind::Resource
                        ) =>
                    {
                        let target = self.resolve_alias(*target);
                        if self.is_guest_resource(target) {
                            return Ok(String::new());
                        }
                        let _ =
                            writeln!(s, "pub use {} as {name};", self.resource_path(cx, target));
                    }
                    _ => {
                        let _ = writeln!(s, "pub type {name} = {};", self.ty(cx, t));
                    }
                }
            }
            TypeDefKind::Handle(_)
            | TypeDefKind::Option(_)
            | TypeDefKind::Result(_)
            | TypeDefKind::List(_)
            | TypeDefKind::Tuple(_)
            | TypeDefKind::Future(_)
            | TypeDefKind::Stream(_) => {
                // A named anonymous type: an alias of its structure.
                let body = self.structure(cx, id);
                let _ = writeln!(s, "pub type {name} = {body};");
            }
            TypeDefKind::Map(..) | TypeDefKind::FixedLengthList(..) | TypeDefKind::Unknown => {
                self.check_supported(&this)?;
            }
        }
        Ok(s)
    }

    /// Whether some function of the world returns `result<_, id>`.
    fn used_as_error(&self, id: TypeId) -> bool {
        let world = &self.resolve.worlds[self.world];
        let check = |f: &wit_parser::Function| match &f.result {
            Some(Type::Id(r)) => match &self.resolve.types[*r].kind {
                TypeDefKind::Result(res) => {
                    matches!(res.err, Some(Type::Id(e)) if self.resolve_alias(e) == id)
                }
                _ => false,
            },
            _ => false,
        };
        world
            .imports
            .values()
            .chain(world.exports.values())
            .any(|item| match item {
                wit_parser::WorldItem::Interface { id: i, .. } => {
                    self.resolve.interfaces[*i].functions.values().any(check)
                }
                wit_parser::WorldItem::Function(f) => check(f),
                _ => false,
            })
    }
}
