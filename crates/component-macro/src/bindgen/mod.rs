//! `bindgen!`: Rust bindings generated from a WIT world. Imports become
//! `Host` traits for the embedder to implement plus `add_to_linker`
//! functions; exports become structs whose methods call the component;
//! WIT types become Rust types deriving `ComponentType`, `Lift` and
//! `Lower`. The shape of the output follows Wasmtime 48's so that code
//! written against its bindings compiles unchanged.
//!
//! The code is generated as text (one string per module of the output)
//! and parsed into tokens at the end.

mod guest;
mod host;
mod names;
mod opts;
mod types;
mod world;

use names::{module_name, upper_camel};
use opts::Opts;
use proc_macro2::{Span, TokenStream};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use wit_parser::{InterfaceId, PackageId, Resolve, TypeDefKind, TypeId, TypeOwner, WorldId};

/// Expands `bindgen!(input)`.
pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let opts: Opts = syn::parse2(input)?;
    let err = |e: anyhow::Error| syn::Error::new(Span::call_site(), format!("{e:?}"));
    let (resolve, world, files) = load(&opts).map_err(err)?;
    let mut gen = Gen::new(&resolve, world, &opts).map_err(err)?;
    gen.generate().map_err(err)?;
    let mut src = gen.render();
    // Rebuild when a WIT file changes.
    for file in files {
        let _ = writeln!(
            src,
            "const _: &[u8] = include_bytes!({:?});",
            file.display().to_string()
        );
    }
    src.parse::<TokenStream>().map_err(|e| {
        syn::Error::new(
            Span::call_site(),
            format!("generated code does not parse: {e}"),
        )
    })
}

/// Parses the WIT sources and picks the world.
fn load(opts: &Opts) -> anyhow::Result<(Resolve, WorldId, Vec<PathBuf>)> {
    // Items behind `@unstable` feature gates are left out, as Wasmtime's
    // bindings leave them out unless link options turn them on.
    let mut resolve = Resolve::default();
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut pkgs: Vec<PackageId> = Vec::new();
    let mut files = Vec::new();
    let mut push = |resolve: &mut Resolve, path: &Path| -> anyhow::Result<()> {
        let full = root.join(path);
        let full = std::fs::canonicalize(&full).unwrap_or(full);
        let (pkg, sources) = resolve.push_path(&full)?;
        pkgs.push(pkg);
        files.extend(sources.paths().map(|p| p.to_owned()));
        Ok(())
    };
    if opts.paths.is_empty() {
        let default = root.join("wit");
        if default.exists() {
            push(&mut resolve, &default)?;
        }
    } else {
        for p in &opts.paths {
            push(&mut resolve, Path::new(p))?;
        }
    }
    if let Some(inline) = &opts.inline {
        pkgs.clear();
        pkgs.push(resolve.push_str("macro-input", inline)?);
    }
    let world = resolve.select_world(&pkgs, opts.world.as_deref())?;
    Ok((resolve, world, files))
}

/// The generator's state.
pub(crate) struct Gen<'a> {
    pub resolve: &'a Resolve,
    pub world: WorldId,
    pub opts: &'a Opts,
    /// The `wasmtime` crate's path.
    pub wt: String,
    /// Module path to its text.
    modules: BTreeMap<Vec<String>, String>,
    /// Where each interface's items are generated, for imports (`false`)
    /// and exports (`true`).
    pub iface_mods: HashMap<(InterfaceId, bool), Vec<String>>,
    /// Interfaces replaced by a `with` path.
    pub iface_with: HashMap<InterfaceId, String>,
    /// Resources replaced by a `with` path.
    pub type_with: HashMap<TypeId, String>,
    /// Error types replaced by Rust types (`trappable_error_type`).
    pub trappable: HashMap<TypeId, String>,
    /// Interfaces the world imports.
    pub imported: HashSet<InterfaceId>,
    /// `with` keys that matched something (the rest are errors).
    used_with: HashSet<String>,
}

impl<'a> Gen<'a> {
    fn new(resolve: &'a Resolve, world: WorldId, opts: &'a Opts) -> anyhow::Result<Self> {
        let wt = opts
            .wasmtime_crate
            .clone()
            .unwrap_or_else(|| "wasmtime".into());
        let mut gen = Gen {
            resolve,
            world,
            opts,
            wt,
            modules: BTreeMap::new(),
            iface_mods: HashMap::new(),
            iface_with: HashMap::new(),
            type_with: HashMap::new(),
            trappable: HashMap::new(),
            imported: HashSet::new(),
            used_with: HashSet::new(),
        };
        gen.place_interfaces()?;
        Ok(gen)
    }

    /// Decides each interface's module path and applies `with` and
    /// `trappable_error_type`.
    fn place_interfaces(&mut self) -> anyhow::Result<()> {
        let world = &self.resolve.worlds[self.world];
        let mut ifaces = Vec::new();
        for (key, item) in world.imports.iter() {
            if let wit_parser::WorldItem::Interface { id, .. } = item {
                ifaces.push((*id, false, key.clone()));
                self.imported.insert(*id);
            }
        }
        for (key, item) in world.exports.iter() {
            if let wit_parser::WorldItem::Interface { id, .. } = item {
                ifaces.push((*id, true, key.clone()));
            }
        }
        // Packages that appear in more than one version get the version in
        // their module name.
        let mut versions: HashMap<(String, String), HashSet<String>> = HashMap::new();
        for (id, _, _) in &ifaces {
            if let Some(pkg) = self.resolve.interfaces[*id].package {
                let name = &self.resolve.packages[pkg].name;
                versions
                    .entry((name.namespace.clone(), name.name.clone()))
                    .or_default()
                    .insert(
                        name.version
                            .as_ref()
                            .map(|v| v.to_string())
                            .unwrap_or_default(),
                    );
            }
        }
        for (id, exported, key) in ifaces {
            let iface = &self.resolve.interfaces[id];
            let mut path = Vec::new();
            if exported {
                path.push("exports".to_string());
            }
            match (&key, iface.package, &iface.name) {
                (wit_parser::WorldKey::Interface(_), Some(pkg), Some(name)) => {
                    let pname = &self.resolve.packages[pkg].name;
                    path.push(module_name(&pname.namespace));
                    let multi = versions[&(pname.namespace.clone(), pname.name.clone())].len() > 1;
                    match (&pname.version, multi) {
                        (Some(v), true) => path.push(module_name(&format!(
                            "{}{}",
                            pname.name,
                            v.to_string().replace(['.', '-', '+'], "_")
                        ))),
                        _ => path.push(module_name(&pname.name)),
                    }
                    path.push(module_name(name));
                }
                (wit_parser::WorldKey::Name(name), _, _) => path.push(module_name(name)),
                _ => anyhow::bail!("an interface without a name in the world's imports"),
            }
            self.iface_mods.insert((id, exported), path);
            if !exported {
                if let Some(with) = self.with_for_interface(id) {
                    self.iface_with.insert(id, with);
                }
            }
        }
        // Resources replaced by `with`.
        for (id, exported) in self.iface_mods.keys().copied().collect::<Vec<_>>() {
            if exported {
                continue;
            }
            let iface = &self.resolve.interfaces[id];
            let Some(iface_name) = self.resolve.id_of(id) else {
                continue;
            };
            for (name, ty) in iface.types.iter() {
                if !matches!(self.resolve.types[*ty].kind, TypeDefKind::Resource) {
                    continue;
                }
                for key in key_forms(&iface_name, name) {
                    if let Some(path) = self.opts.with.get(&key) {
                        self.used_with.insert(key);
                        self.type_with.insert(*ty, path.clone());
                    }
                }
            }
        }
        for (key, path) in &self.opts.trappable_error_type {
            let id = self.find_type(key).ok_or_else(|| {
                anyhow::anyhow!(
                    "`trappable_error_type` names `{key}`, which is not a type of the world"
                )
            })?;
            self.trappable.insert(id, path.clone());
        }
        for key in self.opts.with.keys() {
            if !self.used_with.contains(key) && !self.with_key_matches_world(key) {
                anyhow::bail!(
                    "`with` names `{key}`, which is not an interface or resource of the world"
                );
            }
        }
        Ok(())
    }

    /// The `with` path replacing interface `id`, from an entry for it or
    /// for its package.
    fn with_for_interface(&mut self, id: InterfaceId) -> Option<String> {
        let iface = &self.resolve.interfaces[id];
        let full = self.resolve.id_of(id)?;
        let pkg = &self.resolve.packages[iface.package?].name;
        let bare = format!("{}:{}/{}", pkg.namespace, pkg.name, iface.name.as_ref()?);
        for key in [&full, &bare] {
            if let Some(p) = self.opts.with.get(key.as_str()) {
                self.used_with.insert(key.clone());
                return Some(p.clone());
            }
        }
        let pkg_keys = [
            format!("{}:{}", pkg.namespace, pkg.name),
            match &pkg.version {
                Some(v) => format!("{}:{}@{v}", pkg.namespace, pkg.name),
                None => format!("{}:{}", pkg.namespace, pkg.name),
            },
        ];
        for key in pkg_keys {
            if let Some(p) = self.opts.with.get(&key) {
                self.used_with.insert(key);
                return Some(format!("{p}::{}", module_name(iface.name.as_ref()?)));
            }
        }
        None
    }

    fn with_key_matches_world(&self, key: &str) -> bool {
        self.iface_mods.keys().any(|(id, _)| {
            let Some(full) = self.resolve.id_of(*id) else {
                return false;
            };
            full.starts_with(key) || strip_version(&full).starts_with(key)
        })
    }

    /// The type named `ns:pkg/iface.type` (with or without version).
    fn find_type(&self, key: &str) -> Option<TypeId> {
        for (id, _) in self.iface_mods.keys() {
            let full = self.resolve.id_of(*id)?;
            for (name, ty) in self.resolve.interfaces[*id].types.iter() {
                if key_forms(&full, name).contains(&key.to_string()) {
                    return Some(*ty);
                }
            }
        }
        None
    }

    /// Appends `text` to module `path`.
    pub fn push(&mut self, path: &[String], text: &str) {
        self.modules
            .entry(path.to_vec())
            .or_default()
            .push_str(text);
    }

    /// The module an interface's items are in as seen from exports or
    /// imports (exported interfaces that are also imported use their own
    /// module only for their own items).
    pub fn location(&self, owner: TypeOwner, from_export: Option<InterfaceId>) -> Location {
        match owner {
            TypeOwner::Interface(id) => {
                if from_export == Some(id) {
                    return Location::Module(self.iface_mods[&(id, true)].clone());
                }
                if let Some(with) = self.iface_with.get(&id) {
                    return Location::With(with.clone());
                }
                match self
                    .iface_mods
                    .get(&(id, false))
                    .or_else(|| self.iface_mods.get(&(id, true)))
                {
                    Some(p) => Location::Module(p.clone()),
                    None => Location::Module(Vec::new()),
                }
            }
            _ => Location::Module(Vec::new()),
        }
    }

    /// How code in module `from` names `name` in `loc`.
    pub fn path_to(&self, from: &[String], loc: &Location, name: &str) -> String {
        match loc {
            Location::With(p) => format!("{}::{name}", with_path(from, p)),
            Location::Module(m) if m.as_slice() == from => name.to_string(),
            Location::Module(m) => {
                let mut s = "super::".repeat(from.len());
                for seg in m {
                    s.push_str(seg);
                    s.push_str("::");
                }
                s.push_str(name);
                s
            }
        }
    }

    /// The Rust name of a named type.
    pub fn type_name(&self, id: TypeId) -> String {
        upper_camel(
            self.resolve.types[id]
                .name
                .as_deref()
                .unwrap_or("anonymous"),
        )
    }

    fn generate(&mut self) -> anyhow::Result<()> {
        self.gen_world()
    }

    fn render(&self) -> String {
        // Build the module tree from the flat map.
        let mut out = String::new();
        render_module(&self.modules, &[], &mut out);
        out
    }
}

/// Where a type or interface lives.
#[derive(Clone, Debug)]
pub(crate) enum Location {
    /// A module of the generated code.
    Module(Vec<String>),
    /// A path given by `with`.
    With(String),
}

/// A `with` path as seen from module `from`: paths relative to the macro's
/// module (`self::`, `super::`) get one `super::` per level.
pub(crate) fn with_path(from: &[String], path: &str) -> String {
    if path.starts_with("super::") || path.starts_with("self::") {
        format!("{}{path}", "super::".repeat(from.len()))
    } else {
        path.to_string()
    }
}

fn strip_version(s: &str) -> String {
    match s.find('@') {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// The forms a user may write for item `name` of interface `iface`.
fn key_forms(iface: &str, name: &str) -> Vec<String> {
    let bare = strip_version(iface);
    vec![
        format!("{iface}.{name}"),
        format!("{bare}.{name}"),
        format!("{iface}/{name}"),
        format!("{bare}/{name}"),
    ]
}

fn render_module(modules: &BTreeMap<Vec<String>, String>, at: &[String], out: &mut String) {
    if let Some(text) = modules.get(at) {
        out.push_str(text);
    }
    let mut children: Vec<&String> = modules
        .keys()
        .filter(|k| k.len() > at.len() && k.starts_with(at))
        .map(|k| &k[at.len()])
        .collect();
    children.dedup();
    for child in children {
        let mut path = at.to_vec();
        path.push(child.clone());
        let _ = writeln!(
            out,
            "#[allow(clippy::all, unused_imports, dead_code, non_snake_case)]\npub mod {child} {{"
        );
        render_module(modules, &path, out);
        out.push_str("}\n");
    }
}
