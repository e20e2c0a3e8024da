//! Decoding a binary module without validating it, to tell the "binary
//! decode" stage of rejection apart from the "validation" stage.

use crate::{WasmError, WasmResult};
use wasmparser::{Parser, Payload, WasmFeatures};

/// Reads every section, item, constant expression and operator of `wasm`
/// with wasmparser's readers only (no validator), applying the same
/// encoding rules as [`translate_module`](crate::translate_module) for
/// `features` (including the 2.0 rules of `encoding.rs` when memory64 and
/// multi-memory are off). An error here means the module is malformed
/// rather than merely invalid.
pub fn decode_only(features: WasmFeatures, wasm: &[u8]) -> WasmResult<()> {
    fn ops(mut r: wasmparser::OperatorsReader<'_>) -> wasmparser::Result<()> {
        while !r.eof() {
            r.read()?;
        }
        r.finish()
    }
    fn expr(e: &wasmparser::ConstExpr<'_>) -> wasmparser::Result<()> {
        ops(e.get_operators_reader())
    }
    let wasm2_encoding = crate::encoding::wasm2_encoding(features);
    let shared_globals = features.contains(WasmFeatures::SHARED_EVERYTHING_THREADS);
    let malformed = |message: &str, offset: usize| WasmError::InvalidWebAssembly {
        message: message.to_string(),
        offset,
    };
    let check_global = |ty: &wasmparser::GlobalType, offset: usize| {
        if ty.shared && !shared_globals {
            return Err(malformed("malformed mutability", offset));
        }
        Ok(())
    };
    let mut data_count_seen = false;
    let mut parser = Parser::new(0);
    parser.set_features(features);
    for payload in parser.parse_all(wasm) {
        match payload? {
            Payload::TypeSection(s) => {
                for t in s {
                    t?;
                }
            }
            Payload::ImportSection(s) => {
                if wasm2_encoding.is_some_and(|r| r.u32_indices) {
                    crate::encoding::check_import_section(wasm, s.range())?;
                }
                let offset = s.range().start as usize;
                for i in s.into_imports() {
                    if let wasmparser::TypeRef::Global(ty) = i?.ty {
                        check_global(&ty, offset)?;
                    }
                }
            }
            Payload::FunctionSection(s) => {
                for f in s {
                    f?;
                }
            }
            Payload::TableSection(s) => {
                for t in s {
                    if let wasmparser::TableInit::Expr(e) = t?.init {
                        expr(&e)?;
                    }
                }
            }
            Payload::MemorySection(s) => {
                if wasm2_encoding.is_some_and(|r| r.u32_indices) {
                    crate::encoding::check_memory_section(wasm, s.range())?;
                }
                for m in s {
                    m?;
                }
            }
            Payload::GlobalSection(s) => {
                let offset = s.range().start as usize;
                for g in s {
                    let g = g?;
                    check_global(&g.ty, offset)?;
                    expr(&g.init_expr)?;
                }
            }
            Payload::ExportSection(s) => {
                for e in s {
                    e?;
                }
            }
            Payload::ElementSection(s) => {
                for e in s {
                    let e = e?;
                    if let wasmparser::ElementKind::Active { offset_expr, .. } = &e.kind {
                        expr(offset_expr)?;
                    }
                    match e.items {
                        wasmparser::ElementItems::Functions(f) => {
                            for f in f {
                                f?;
                            }
                        }
                        wasmparser::ElementItems::Expressions(_, es) => {
                            for e in es {
                                expr(&e?)?;
                            }
                        }
                    }
                }
            }
            Payload::DataSection(s) => {
                for d in s {
                    if let wasmparser::DataKind::Active { offset_expr, .. } = d?.kind {
                        expr(&offset_expr)?;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for l in body.get_locals_reader()? {
                    l?;
                }
                let mut reader = body.get_operators_reader()?;
                while !reader.eof() {
                    let (op, offset) = reader.read_with_offset()?;
                    if matches!(
                        op,
                        wasmparser::Operator::MemoryInit { .. }
                            | wasmparser::Operator::DataDrop { .. }
                    ) && !data_count_seen
                    {
                        return Err(malformed("data count section required", offset as usize));
                    }
                }
                reader.finish()?;
                if let Some(rules) = wasm2_encoding {
                    crate::encoding::check_function_body(wasm, &body, rules)?;
                }
            }
            Payload::DataCountSection { .. } => data_count_seen = true,
            Payload::UnknownSection { id, range, .. } => {
                return Err(malformed(
                    &format!("malformed section id: {id}"),
                    range.start as usize,
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
