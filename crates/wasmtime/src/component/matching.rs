//! Checking a core [`Module`] against the module type a component declares
//! for it: every declared export must exist in the module with a type that
//! matches the declared one, and every import of the module must be one
//! the component declares it will provide, with a type the module accepts.

use crate::types::{ExternType, FuncType, GlobalType, MemoryType, TableType, ValType};
use crate::{Engine, Module, TagType};
use anyhow::{anyhow, bail, Context, Result};
use wasmtime_environ::component::{CoreExternType, CoreModuleType};
use wasmtime_environ::WasmFuncType;

/// Checks `actual` against the declared module type `expected`.
pub(crate) fn check_module(
    engine: &Engine,
    expected: &CoreModuleType,
    actual: &Module,
) -> Result<()> {
    if !Engine::same(engine, actual.engine()) {
        bail!("cross-`Engine` instantiation is not currently supported");
    }
    for (name, declared) in &expected.exports {
        let found = actual
            .get_export(name)
            .ok_or_else(|| anyhow!("module export `{name}` not defined"))?;
        match_extern(&extern_type(engine, declared), &found)
            .with_context(|| format!("module export `{name}` has the wrong type"))?;
    }
    // The component provides the module's imports: each one the module
    // needs must be declared, and what is declared must satisfy it.
    for import in actual.imports() {
        let (module, name) = (import.module(), import.name());
        let declared = expected
            .imports
            .iter()
            .find(|(m, n, _)| m == module && n == name)
            .map(|(_, _, t)| t)
            .ok_or_else(|| anyhow!("module import `{module}::{name}` not defined"))?;
        match_extern(&import.ty(), &extern_type(engine, declared))
            .with_context(|| format!("module import `{module}::{name}` has the wrong type"))?;
    }
    Ok(())
}

/// The API type of a declared item.
pub(crate) fn extern_type(engine: &Engine, ty: &CoreExternType) -> ExternType {
    match ty {
        CoreExternType::Func(f) => ExternType::Func(func_type(engine, f)),
        CoreExternType::Table(t) => ExternType::Table(TableType::from_wasm(*t, engine)),
        CoreExternType::Memory(m) => ExternType::Memory(MemoryType { ty: *m }),
        CoreExternType::Global(g) => ExternType::Global(GlobalType::from_wasm(g, engine)),
        CoreExternType::Tag(f) => ExternType::Tag(TagType::new(func_type(engine, f))),
    }
}

fn func_type(engine: &Engine, f: &WasmFuncType) -> FuncType {
    let vals = |ts: &[wasmtime_environ::WasmValType]| -> Vec<ValType> {
        ts.iter().map(|t| ValType::from_wasm(*t, engine)).collect()
    };
    FuncType::new(engine, vals(&f.params), vals(&f.results))
}

/// Checks that an item of type `actual` may be used where `expected` is
/// required.
fn match_extern(expected: &ExternType, actual: &ExternType) -> Result<()> {
    let kind = |t: &ExternType| match t {
        ExternType::Func(_) => "func",
        ExternType::Global(_) => "global",
        ExternType::Table(_) => "table",
        ExternType::Memory(_) => "memory",
        ExternType::Tag(_) => "tag",
    };
    let (e, a) = (kind(expected), kind(actual));
    if e != a {
        bail!("expected {e} found {a}");
    }
    if crate::externals::matches(actual, expected) {
        return Ok(());
    }
    match (expected, actual) {
        (ExternType::Func(e), ExternType::Func(a)) => {
            bail!("types incompatible: expected type `{e}`, found type `{a}`")
        }
        _ => bail!("{e} types incompatible: expected {e} of type `{expected}`, found {a} of type `{actual}`"),
    }
}
