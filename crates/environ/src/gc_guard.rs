//! Module-level validation with wasmparser's GC flag, minus GC.
//!
//! WebAssembly 3.0 lets constant expressions (global initializers, table
//! initializers, data and element offsets, element items) read any
//! immutable global defined before them, not only imported ones.
//! wasmparser 0.263 attaches that rule to its `gc` feature, the only flag
//! that carries it. So [`translate_module`](crate::translate_module)
//! validates the module-level sections with `gc` added to the features
//! (function bodies keep the embedder's features exactly), and this module
//! rejects beforehand everything else that flag would let through: explicit
//! `rec` groups, `sub` types, struct and array types, the GC heap types
//! (`any`, `eq`, `i31`, `struct`, `array`, `none`, `nofunc`, `noextern`),
//! GC operators in constant expressions, self-referencing function types, and
//! concrete reference types while function references are off. The messages
//! are wasmparser's own for the same constructs with `gc` off, so a module is
//! rejected exactly as before.
//!
//! The guard applies only while GC is off (`Config::wasm_gc(false)`; it is
//! on by default); with it on, [`translate_module`](crate::translate_module)
//! reads the GC types itself.

use crate::{WasmError, WasmResult};
use wasmparser::{
    AbstractHeapType, CompositeInnerType, ConstExpr, HeapType, Operator, RecGroup, RefType,
    ValType, WasmFeatures,
};

fn invalid(message: impl Into<String>, offset: u64) -> WasmError {
    WasmError::InvalidWebAssembly {
        message: message.into(),
        offset: offset as usize,
    }
}

/// The features used for module-level validation: `features` plus GC.
pub(crate) fn module_features(features: WasmFeatures) -> WasmFeatures {
    features | WasmFeatures::GC
}

/// Rejects a value type that needs GC (or function references, if off).
pub(crate) fn check_val_type(features: WasmFeatures, ty: ValType, offset: u64) -> WasmResult<()> {
    match ty {
        ValType::Ref(r) => check_ref_type(features, r, offset),
        _ => Ok(()),
    }
}

/// Rejects a reference type that needs GC (or function references, if off).
pub(crate) fn check_ref_type(features: WasmFeatures, r: RefType, offset: u64) -> WasmResult<()> {
    check_heap_type(features, r.heap_type(), offset)
}

fn check_heap_type(features: WasmFeatures, h: HeapType, offset: u64) -> WasmResult<()> {
    use AbstractHeapType as A;
    match h {
        HeapType::Concrete(_) | HeapType::Exact(_) => {
            // wasmparser accepts concrete types under `gc` alone.
            if !features.contains(WasmFeatures::FUNCTION_REFERENCES) {
                return Err(invalid(
                    "function references required for index reference types",
                    offset,
                ));
            }
            Ok(())
        }
        HeapType::Abstract { ty, .. } => match ty {
            A::Any | A::None | A::Eq | A::Struct | A::Array | A::I31 | A::NoExtern | A::NoFunc => {
                Err(invalid(
                    "heap types not supported without the gc feature",
                    offset,
                ))
            }
            _ => Ok(()),
        },
    }
}

/// Checks one recursion group of the type section; `first_index` is the
/// module type index of its first type.
pub(crate) fn check_rec_group(
    features: WasmFeatures,
    group: &RecGroup,
    first_index: u32,
    offset: u64,
) -> WasmResult<()> {
    if group.is_explicit_rec_group() {
        return Err(invalid(
            "rec group usage requires `gc` proposal to be enabled",
            offset,
        ));
    }
    for (i, sub) in group.types().enumerate() {
        let index = first_index + i as u32;
        if !sub.is_final || !sub.supertype_idxs.is_empty() {
            return Err(invalid(
                "gc proposal must be enabled to use subtypes",
                offset,
            ));
        }
        match &sub.composite_type.inner {
            CompositeInnerType::Func(f) => {
                for ty in f.params().iter().chain(f.results()) {
                    check_val_type(features, *ty, offset)?;
                    if let ValType::Ref(r) = ty {
                        if let HeapType::Concrete(idx) | HeapType::Exact(idx) = r.heap_type() {
                            // Only GC allows a type to refer to itself.
                            if idx.as_module_index().is_some_and(|t| t >= index) {
                                let t = idx.as_module_index().unwrap_or(index);
                                return Err(invalid(
                                    format!(
                                        "unknown type {t}: type index out of bounds because the GC proposal is disabled"
                                    ),
                                    offset,
                                ));
                            }
                        }
                    }
                }
            }
            CompositeInnerType::Struct(_) => {
                return Err(invalid(
                    "struct indexed types not supported without the gc feature",
                    offset,
                ))
            }
            CompositeInnerType::Array(_) => {
                return Err(invalid(
                    "array indexed types not supported without the gc feature",
                    offset,
                ))
            }
            // Other proposals (stack switching) are off, and wasmparser
            // rejects them on its own.
            _ => {}
        }
    }
    Ok(())
}

/// Name of `op` if it belongs to the GC proposal.
fn gc_operator_name(op: &Operator<'_>) -> Option<&'static str> {
    macro_rules! define_gc_name {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match op {
                $(
                    Operator::$op { .. } => define_gc_name!(one @$proposal $visit),
                )*
                _ => None,
            }
        };
        (one @gc $visit:ident) => {
            Some(stringify!($visit))
        };
        (one @$proposal:ident $visit:ident) => {
            None
        };
    }
    wasmparser::for_each_operator!(define_gc_name)
}

/// Rejects GC operators and GC heap types in a constant expression.
pub(crate) fn check_const_expr(features: WasmFeatures, expr: &ConstExpr<'_>) -> WasmResult<()> {
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read()?;
        if let Some(name) = gc_operator_name(&op) {
            let name = name.trim_start_matches("visit_").replace('_', ".");
            return Err(invalid(
                format!("constant expression required: non-constant operator: {name}"),
                offset,
            ));
        }
        if let Operator::RefNull { hty } = op {
            check_heap_type(features, hty, offset)?;
        }
    }
    Ok(())
}

/// Runs the checks above over one section, before the validator sees it.
/// Decoding errors are left to the validator, which reports them itself.
pub(crate) fn check_payload(
    features: WasmFeatures,
    payload: &wasmparser::Payload<'_>,
    num_types: &mut u32,
) -> WasmResult<()> {
    use wasmparser::{ElementItems, ElementKind, Payload, TableInit, TypeRef};
    match payload {
        Payload::TypeSection(s) => {
            for group in s.clone().into_iter_with_offsets() {
                let Ok((offset, group)) = group else { break };
                check_rec_group(features, &group, *num_types, offset)?;
                *num_types += group.types().len() as u32;
            }
        }
        Payload::ImportSection(s) => {
            for import in s.clone().into_imports_with_offsets() {
                let Ok((offset, import)) = import else { break };
                match import.ty {
                    TypeRef::Global(g) => check_val_type(features, g.content_type, offset)?,
                    TypeRef::Table(t) => check_ref_type(features, t.element_type, offset)?,
                    _ => {}
                }
            }
        }
        Payload::TableSection(s) => {
            for table in s.clone().into_iter_with_offsets() {
                let Ok((offset, table)) = table else { break };
                check_ref_type(features, table.ty.element_type, offset)?;
                if let TableInit::Expr(e) = &table.init {
                    check_const_expr(features, e)?;
                }
            }
        }
        Payload::GlobalSection(s) => {
            for global in s.clone().into_iter_with_offsets() {
                let Ok((offset, global)) = global else { break };
                check_val_type(features, global.ty.content_type, offset)?;
                check_const_expr(features, &global.init_expr)?;
            }
        }
        Payload::ElementSection(s) => {
            for element in s.clone().into_iter_with_offsets() {
                let Ok((offset, element)) = element else {
                    break;
                };
                if let ElementKind::Active { offset_expr, .. } = &element.kind {
                    check_const_expr(features, offset_expr)?;
                }
                if let ElementItems::Expressions(ty, exprs) = element.items {
                    check_ref_type(features, ty, offset)?;
                    for e in exprs {
                        let Ok(e) = e else { break };
                        check_const_expr(features, &e)?;
                    }
                }
            }
        }
        Payload::DataSection(s) => {
            for data in s.clone() {
                let Ok(data) = data else { break };
                if let wasmparser::DataKind::Active { offset_expr, .. } = &data.kind {
                    check_const_expr(features, offset_expr)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}
