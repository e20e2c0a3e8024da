//! Core modules as component items: the types components declare for the
//! modules they import ([`CoreModuleType`]), where a module of a
//! component's module index space comes from ([`ModuleDef`]), and the
//! [`Translator`]'s handling of module imports, aliases and exports.

use super::inline::{unsupported, Translator};
use crate::translate::{global_type, memory_type, table_type};
use crate::{Global, Memory, Table, WasmFuncType, WasmValType};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use wasmparser::component_types::ComponentCoreModuleTypeId;
use wasmparser::types::{CoreTypeId, EntityType, TypesRef};

/// A core module of a component's module index space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModuleDef {
    /// A module embedded in the component (index into
    /// [`ComponentTranslation::modules`](super::ComponentTranslation::modules)).
    Static(u32),
    /// A module the component imports: the import, and the module's name
    /// inside it (empty for a module import, one name for a module
    /// exported by an imported instance).
    Import {
        /// Index into
        /// [`ComponentTranslation::imports`](super::ComponentTranslation::imports).
        import: u32,
        /// Names inside the imported instance.
        path: Vec<String>,
    },
}

/// The type of a core item in a declared module type. Function and tag
/// types are written out; they may only refer to abstract heap types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CoreExternType {
    /// A function of this type.
    Func(WasmFuncType),
    /// A table.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
    /// A global.
    Global(Global),
    /// A tag whose payload is the parameters of this function type.
    Tag(WasmFuncType),
}

/// A core module type as a component declares it: what the module is given
/// (its imports) and what the component may use of it (its exports).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreModuleType {
    /// `(module, name, type)` of each import, in declaration order.
    pub imports: Vec<(String, String, CoreExternType)>,
    /// `(name, type)` of each export, in declaration order.
    pub exports: Vec<(String, CoreExternType)>,
}

/// Reads the validator's module type `id`.
pub(crate) fn core_module_type(
    types: TypesRef<'_>,
    id: ComponentCoreModuleTypeId,
) -> Result<CoreModuleType> {
    let ty = &types[id];
    let mut out = CoreModuleType::default();
    for ((module, name), item) in ty.imports.iter() {
        let item = extern_type(types, item)
            .with_context(|| format!("in the type of module import `{module}::{name}`"))?;
        out.imports.push((module.clone(), name.clone(), item));
    }
    for (name, item) in ty.exports.iter() {
        let item = extern_type(types, item)
            .with_context(|| format!("in the type of module export `{name}`"))?;
        out.exports.push((name.clone(), item));
    }
    Ok(out)
}

fn extern_type(types: TypesRef<'_>, ty: &EntityType) -> Result<CoreExternType> {
    // Declared module types live in the component's type space, so any
    // reference to a concrete type is one this description cannot keep.
    let no_kinds = |_: u32| None;
    Ok(match ty {
        EntityType::Func(id) | EntityType::FuncExact(id) => {
            CoreExternType::Func(func_type(types, *id)?)
        }
        EntityType::Tag(id) => CoreExternType::Tag(func_type(types, *id)?),
        EntityType::Table(t) => CoreExternType::Table(table_type(t, &no_kinds)?),
        EntityType::Memory(m) => CoreExternType::Memory(memory_type(m)),
        EntityType::Global(g) => CoreExternType::Global(global_type(g, &no_kinds)?),
    })
}

fn func_type(types: TypesRef<'_>, id: CoreTypeId) -> Result<WasmFuncType> {
    let sub = &types[id];
    let wasmparser::CompositeInnerType::Func(f) = &sub.composite_type.inner else {
        return Err(unsupported("core types other than function types"));
    };
    if !sub.is_final || !sub.supertype_idxs.is_empty() {
        return Err(unsupported("non-final core function types"));
    }
    let vals = |ts: &[wasmparser::ValType]| {
        ts.iter()
            .map(|t| WasmValType::from_wasmparser(*t, &|_| None))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(WasmFuncType::new(vals(f.params())?, vals(f.results())?))
}

impl Translator<'_, '_> {
    /// The declared type of module `index` of this component's module
    /// index space (as the validator sees it).
    pub(crate) fn module_type_at(&self, index: u32) -> Result<CoreModuleType> {
        core_module_type(self.s.types, self.s.types.module_at(index))
    }
}
