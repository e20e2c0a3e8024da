//! Instance imports of the root component: the shape of an imported
//! instance's type ([`InstanceImport`], with nested instances), the
//! resources it brings, and its items when it is re-exported.

use super::inline::{unsupported, ComponentInstanceDef, Inliner, Translator};
use super::modules::ModuleDef;
use super::translate::{ComponentFuncDef, ExportDef, InstanceImport, ResourceDef};
use anyhow::{anyhow, bail, Result};
use wasmparser::component_types::{
    ComponentAnyTypeId, ComponentEntityType, ComponentInstanceTypeId,
};

impl Translator<'_, '_> {
    /// Registers the new resource types of instance type `id` (import
    /// `import`, nested instance `path`) and of its nested instances, and
    /// returns the shape with their names (functions and modules come in
    /// [`Self::import_instance_items`]).
    pub(crate) fn import_instance_resources(
        &mut self,
        id: ComponentInstanceTypeId,
        import: u32,
        path: Vec<String>,
    ) -> InstanceImport {
        let types = self.s.types;
        let mut shape = InstanceImport::default();
        for (export, item) in types[id].exports.iter() {
            let mut item_path = path.clone();
            item_path.push(export.clone());
            match item.ty {
                ComponentEntityType::Type {
                    created: ComponentAnyTypeId::Resource(r),
                    ..
                } if !self.s.resource_ids.contains_key(&r.resource()) => {
                    shape.resources.push(export.clone());
                    let def = ResourceDef::Imported {
                        import,
                        path: item_path,
                    };
                    self.add_resource(r.resource(), def);
                }
                ComponentEntityType::Type {
                    created: ComponentAnyTypeId::Resource(r),
                    ..
                } => {
                    let earlier = self.s.resource_ids[&r.resource()];
                    shape.eq_resources.push((export.clone(), earlier));
                }
                ComponentEntityType::Instance(nested) => {
                    let inner = self.import_instance_resources(nested, import, item_path);
                    shape.instances.push((export.clone(), inner));
                }
                _ => {}
            }
        }
        shape
    }

    /// Adds the functions and core modules of instance type `id` (and of
    /// its nested instances) to `shape`.
    pub(crate) fn import_instance_items(
        &self,
        id: ComponentInstanceTypeId,
        shape: &mut InstanceImport,
    ) -> Result<()> {
        let types = self.s.types;
        for (export, item) in types[id].exports.iter() {
            match item.ty {
                ComponentEntityType::Func(f) => {
                    shape.funcs.push((export.clone(), self.func_type(f)?))
                }
                ComponentEntityType::Module(m) => shape
                    .modules
                    .push((export.clone(), super::modules::core_module_type(types, m)?)),
                ComponentEntityType::Type { .. } => {}
                ComponentEntityType::Instance(nested) => {
                    let inner = shape
                        .instances
                        .iter_mut()
                        .find(|(n, _)| n == export)
                        .map(|(_, i)| i)
                        .expect("nested instances were listed with the resources");
                    self.import_instance_items(nested, inner)?;
                }
                ComponentEntityType::Component(_) => {
                    bail!("root-level component imports are not supported")
                }
                ComponentEntityType::Value(_) => return Err(unsupported("value imports")),
            }
        }
        Ok(())
    }

    /// Our index of the resource `name` of a component instance.
    pub(crate) fn instance_resource(
        &self,
        instance: &ComponentInstanceDef,
        name: &str,
    ) -> Option<u32> {
        match instance {
            ComponentInstanceDef::FromExports(items) => {
                match items.iter().find(|(n, _)| n == name) {
                    Some((_, ExportDef::Resource(r))) => Some(*r),
                    _ => None,
                }
            }
            ComponentInstanceDef::Import(import, prefix) => {
                self.inl.out.resources.iter().position(|def| {
                    matches!(def, ResourceDef::Imported { import: i, path }
                        if i == import
                            && path.len() == prefix.len() + 1
                            && path[..prefix.len()] == prefix[..]
                            && path[prefix.len()] == name)
                })
            }
            .map(|i| i as u32),
        }
    }

    /// The items of the (nested) instance `path` of instance import
    /// `import`, as an exported instance: its resource types, functions,
    /// core modules and instances.
    pub(crate) fn imported_instance_items(
        &mut self,
        import: u32,
        path: &[String],
    ) -> Result<ExportDef> {
        let shape = self.inl.out.imports[import as usize]
            .1
            .instance_at(path)
            .cloned()
            .ok_or_else(|| anyhow!("import {import} has no instance at {path:?}"))?;
        let at = |name: &str| {
            let mut p = path.to_vec();
            p.push(name.to_string());
            p
        };
        let mut items = Vec::new();
        let instance = ComponentInstanceDef::Import(import, path.to_vec());
        for name in shape.resources {
            let r = self
                .instance_resource(&instance, &name)
                .ok_or_else(|| anyhow!("resource `{name}` of an imported instance not found"))?;
            items.push((name, ExportDef::Resource(r)));
        }
        for (name, _) in shape.funcs {
            let f = self.inl.out.funcs.len() as u32;
            self.inl.out.funcs.push(ComponentFuncDef::Import {
                import,
                path: at(&name),
            });
            items.push((name, ExportDef::Func(f)));
        }
        for (name, _) in shape.modules {
            let path = at(&name);
            items.push((name, ExportDef::Module(ModuleDef::Import { import, path })));
        }
        for (name, _) in shape.instances {
            let inner = self.imported_instance_items(import, &at(&name))?;
            items.push((name, inner));
        }
        Ok(ExportDef::Instance(items))
    }
}

impl Inliner<'_> {
    /// Refuses what the root component may not export, as Wasmtime does:
    /// a function it imported (itself or inside an exported instance).
    pub(crate) fn check_root_export(&self, name: &str, def: &ExportDef) -> Result<()> {
        match def {
            ExportDef::Func(f) => {
                if let ComponentFuncDef::Import { .. } = self.out.funcs[*f as usize] {
                    bail!(
                        "component export `{name}` is a reexport of an imported function \
                         which is not implemented"
                    );
                }
            }
            ExportDef::Instance(items) => {
                for (name, def) in items {
                    self.check_root_export(name, def)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
