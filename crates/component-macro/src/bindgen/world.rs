//! The world: its interfaces' modules, and the `{World}`, `{World}Pre` and
//! `{World}Indices` types that instantiate a component and find its
//! exports, with `add_to_linker` for all of its imports.

use super::names::{snake, upper_camel};
use super::types::TyCx;
use super::Gen;
use std::fmt::Write;
use wit_parser::{Function, InterfaceId, TypeDefKind, TypeId, WorldItem, WorldKey};

impl Gen<'_> {
    /// The type definitions of `iface` into its module.
    fn gen_interface_types(
        &mut self,
        iface: InterfaceId,
        exported: bool,
    ) -> anyhow::Result<Vec<TypeId>> {
        let module = self.iface_mods[&(iface, exported)].clone();
        let cx = TyCx {
            module: module.clone(),
            export: exported.then_some(iface),
        };
        let mut s = String::new();
        let mut resources = Vec::new();
        let types: Vec<TypeId> = self.resolve.interfaces[iface]
            .types
            .values()
            .copied()
            .collect();
        for id in types {
            if matches!(self.resolve.types[id].kind, TypeDefKind::Resource) {
                if exported {
                    continue;
                }
                resources.push(id);
            }
            s.push_str(&self.typedef(&cx, id)?);
        }
        self.push(&module, &s);
        Ok(resources)
    }

    pub(super) fn gen_world(&mut self) -> anyhow::Result<()> {
        let wt = self.wt.clone();
        let world = self.resolve.worlds[self.world].clone();
        let wname = upper_camel(&world.name);
        let root: Vec<String> = Vec::new();
        let root_cx = TyCx {
            module: root.clone(),
            export: None,
        };

        // Imports.
        let mut import_ifaces = Vec::new();
        let mut world_funcs: Vec<Function> = Vec::new();
        let mut world_resources = Vec::new();
        let mut root_types = String::new();
        for (key, item) in world.imports.iter() {
            match item {
                WorldItem::Interface { id, .. } => {
                    let name = self.resolve.name_world_key(key);
                    if let Some(with) = self.iface_with.get(id) {
                        import_ifaces.push(super::with_path(&root, with));
                        continue;
                    }
                    let resources = self.gen_interface_types(*id, false)?;
                    let module = self.iface_mods[&(*id, false)].clone();
                    let funcs: Vec<Function> = self.resolve.interfaces[*id]
                        .functions
                        .values()
                        .cloned()
                        .collect();
                    self.gen_host(
                        Some(*id),
                        module.clone(),
                        funcs,
                        resources,
                        "Host",
                        Some(name),
                    )?;
                    import_ifaces.push(module.join("::"));
                }
                WorldItem::Function(f) => world_funcs.push(f.clone()),
                WorldItem::Type { id, .. } => {
                    if matches!(self.resolve.types[*id].kind, TypeDefKind::Resource) {
                        world_resources.push(*id);
                    }
                    root_types.push_str(&self.typedef(&root_cx, *id)?);
                }
            }
        }
        self.push(&root, &root_types);
        let imports_trait = format!("{wname}Imports");
        let has_world_imports = !world_funcs.is_empty() || !world_resources.is_empty();
        if has_world_imports {
            self.gen_host(
                None,
                root.clone(),
                world_funcs,
                world_resources,
                &imports_trait,
                None,
            )?;
        }

        // Exports.
        let mut fields = String::new();
        let mut index_fields = String::new();
        let mut index_new = String::new();
        let mut loads = String::new();
        let mut names = String::new();
        let mut accessors = String::new();
        let mut world_export_funcs = Vec::new();
        for (i, (key, item)) in world.exports.iter().enumerate() {
            match item {
                WorldItem::Interface { id, .. } => {
                    let name = self.resolve.name_world_key(key);
                    self.gen_interface_types(*id, true)?;
                    self.gen_guest_interface(*id, &name)?;
                    let module = self.iface_mods[&(*id, true)].join("::");
                    let field = format!("interface{i}");
                    let _ = writeln!(fields, "{field}: {module}::Guest,");
                    let _ = writeln!(index_fields, "{field}: {module}::GuestIndices,");
                    let _ = writeln!(
                        index_new,
                        "let {field} = {module}::GuestIndices::new(_instance_pre)?;"
                    );
                    let _ = writeln!(
                        loads,
                        "let {field} = self.{field}.load(&mut store, &_instance)?;"
                    );
                    let _ = write!(names, "{field}, ");
                    let accessor = match key {
                        WorldKey::Name(n) => snake(n),
                        WorldKey::Interface(_) => {
                            let m = &self.iface_mods[&(*id, true)];
                            snake(&m[1..].join("-"))
                        }
                    };
                    let _ = writeln!(
                        accessors,
                        "pub fn {accessor}(&self) -> &{module}::Guest {{ &self.{field} }}"
                    );
                }
                WorldItem::Function(f) => world_export_funcs.push(f.clone()),
                WorldItem::Type { .. } => {}
            }
        }
        if !world_export_funcs.is_empty() {
            let g = self.guest_funcs(&root, None, &world_export_funcs, "")?;
            fields.push_str(&g.fields);
            index_fields.push_str(&g.index_fields);
            for f in &world_export_funcs {
                let field = Self::export_field(f);
                let _ = writeln!(
                    index_new,
                    "let {field} = _component.get_export_index(None, {:?}).ok_or_else(|| {wt}::format_err!(\"no export `{}` found\"))?;",
                    f.name, f.name
                );
            }
            loads.push_str(&g.loads);
            names.push_str(&g.names);
            accessors.push_str(&g.methods);
        }

        // The world's types.
        let mut s = String::new();
        let _ = writeln!(
            s,
            "/// Bindings for a pre-instantiated component of the world `{name}`.
pub struct {wname}Pre<T: 'static> {{ instance_pre: {wt}::component::InstancePre<T>, indices: {wname}Indices }}
impl<T: 'static> Clone for {wname}Pre<T> {{ fn clone(&self) -> Self {{ Self {{ instance_pre: self.instance_pre.clone(), indices: self.indices.clone() }} }} }}
impl<_T: 'static> {wname}Pre<_T> {{
/// Finds the world's exports in the component of `instance_pre`.
pub fn new(instance_pre: {wt}::component::InstancePre<_T>) -> {wt}::Result<Self> {{
let indices = {wname}Indices::new(&instance_pre)?;
Ok(Self {{ instance_pre, indices }})
}}
/// The engine.
pub fn engine(&self) -> &{wt}::Engine {{ self.instance_pre.engine() }}
/// The pre-instantiated component.
pub fn instance_pre(&self) -> &{wt}::component::InstancePre<_T> {{ &self.instance_pre }}
/// Instantiates the component in `store`.
pub fn instantiate(&self, mut store: impl {wt}::AsContextMut<Data = _T>) -> {wt}::Result<{wname}> {{
let mut store = store.as_context_mut();
let instance = self.instance_pre.instantiate(&mut store)?;
self.indices.load(&mut store, &instance)
}}
}}
impl<_T: Send + 'static> {wname}Pre<_T> {{
/// As `instantiate`, on a fiber.
pub async fn instantiate_async(&self, mut store: impl {wt}::AsContextMut<Data = _T>) -> {wt}::Result<{wname}> {{
let mut store = store.as_context_mut();
let instance = self.instance_pre.instantiate_async(&mut store).await?;
self.indices.load(&mut store, &instance)
}}
}}
/// Where the world's exports are in a component.
#[derive(Clone)]
pub struct {wname}Indices {{
{index_fields}}}
/// An instance of a component of the world `{name}`.
pub struct {wname} {{
{fields}}}
const _: () = {{
impl {wname}Indices {{
/// Finds the world's exports in the component of `_instance_pre`.
pub fn new<_T>(_instance_pre: &{wt}::component::InstancePre<_T>) -> {wt}::Result<Self> {{
let _component = _instance_pre.component();
let _instance_type = _instance_pre.instance_type();
{index_new}Ok({wname}Indices {{ {names} }})
}}
/// Loads the exports from `instance`.
pub fn load(&self, mut store: impl {wt}::AsContextMut, instance: &{wt}::component::Instance) -> {wt}::Result<{wname}> {{
let _ = &mut store;
let _instance = instance;
let mut store = store.as_context_mut();
let _ = &mut store;
{loads}Ok({wname} {{ {names} }})
}}
}}
impl {wname} {{
/// Instantiates `component` with `linker`'s definitions.
pub fn instantiate<_T>(store: impl {wt}::AsContextMut<Data = _T>, component: &{wt}::component::Component, linker: &{wt}::component::Linker<_T>) -> {wt}::Result<{wname}> {{
let pre = linker.instantiate_pre(component)?;
{wname}Pre::new(pre)?.instantiate(store)
}}
/// The bindings for an existing instance.
pub fn new(mut store: impl {wt}::AsContextMut, instance: &{wt}::component::Instance) -> {wt}::Result<{wname}> {{
let indices = {wname}Indices::new(&instance.instance_pre(&store))?;
indices.load(&mut store, instance)
}}
/// As `instantiate`, on a fiber.
pub async fn instantiate_async<_T>(store: impl {wt}::AsContextMut<Data = _T>, component: &{wt}::component::Component, linker: &{wt}::component::Linker<_T>) -> {wt}::Result<{wname}> where _T: Send {{
let pre = linker.instantiate_pre(component)?;
{wname}Pre::new(pre)?.instantiate_async(store).await
}}
{}{accessors}}}
}};",
            self.add_to_linker_fn(&import_ifaces, has_world_imports, &imports_trait),
            name = world.name,
        );
        self.push(&root, &s);
        Ok(())
    }

    /// Whether the world imports a WIT `async` function (directly or in
    /// an interface).
    fn any_wit_async_import(&self) -> bool {
        self.resolve.worlds[self.world]
            .imports
            .values()
            .any(|item| match item {
                WorldItem::Function(f) => Self::is_wit_async(f),
                WorldItem::Interface { id, .. } => self.resolve.interfaces[*id]
                    .functions
                    .values()
                    .any(Self::is_wit_async),
                WorldItem::Type { .. } => false,
            })
    }

    /// The world's `add_to_linker`.
    fn add_to_linker_fn(
        &self,
        ifaces: &[String],
        world_imports: bool,
        imports_trait: &str,
    ) -> String {
        let wt = &self.wt;
        let is_async = self.opts.imports.any_async() || self.any_wit_async_import();
        let send = if is_async { " + Send" } else { "" };
        let mut bounds: Vec<String> = ifaces.iter().map(|m| format!("{m}::Host")).collect();
        let mut store_bounds: Vec<String> = ifaces
            .iter()
            .map(|m| format!("{m}::HostWithStore<T>"))
            .collect();
        if world_imports {
            store_bounds.push(format!("{imports_trait}WithStore<T>"));
        }
        if is_async {
            store_bounds.push("Send".into());
        }
        let store_bounds = if store_bounds.is_empty() {
            format!("{wt}::component::HasData")
        } else {
            store_bounds.join(" + ")
        };
        let mut calls = String::new();
        if world_imports {
            bounds.insert(0, imports_trait.to_string());
            calls.push_str("Self::add_to_linker_imports::<T, D>(linker, host_getter)?;\n");
        }
        for m in ifaces {
            let _ = writeln!(calls, "{m}::add_to_linker::<T, D>(linker, host_getter)?;");
        }
        let data_bound = if bounds.is_empty() {
            String::new()
        } else {
            format!("for<'a> D::Data<'a>: {},", bounds.join(" + "))
        };
        let imports_fn = if world_imports {
            format!(
                "/// Defines the world's own imports in `linker`.
pub fn add_to_linker_imports<T, D>(linker: &mut {wt}::component::Linker<T>, host_getter: fn(&mut T) -> D::Data<'_>) -> {wt}::Result<()>
where D: {imports_trait}WithStore<T>{send}, for<'a> D::Data<'a>: {imports_trait}, T: 'static{send} {{
add_to_linker_imports::<T, D>(linker, host_getter)
}}
"
            )
        } else {
            String::new()
        };
        format!(
            "{imports_fn}/// Defines all of the world's imports in `linker`, implemented by the data
/// `host_getter` borrows from the store's.
pub fn add_to_linker<T, D>(linker: &mut {wt}::component::Linker<T>, host_getter: fn(&mut T) -> D::Data<'_>) -> {wt}::Result<()>
where D: {store_bounds}, {data_bound} T: 'static{send} {{
{calls}Ok(())
}}
"
        )
    }
}
