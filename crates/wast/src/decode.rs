//! Decoding a binary module without validating it, to tell the "binary
//! decode" stage of rejection apart from the "validation" stage.

use wasmparser::{Parser, Payload, WasmFeatures};

/// Reads every section, item, constant expression and operator of `wasm`
/// with wasmparser's readers only (no validator). An error here means the
/// module is malformed rather than invalid. Decoding uses the standardised
/// (3.0) feature set, so no experimental proposal reinterprets encodings.
pub(crate) fn decode_only(wasm: &[u8]) -> wasmparser::Result<()> {
    fn ops(mut r: wasmparser::OperatorsReader<'_>) -> wasmparser::Result<()> {
        while !r.eof() {
            r.read()?;
        }
        r.finish()
    }
    fn expr(e: &wasmparser::ConstExpr<'_>) -> wasmparser::Result<()> {
        ops(e.get_operators_reader())
    }
    let mut parser = Parser::new(0);
    parser.set_features(WasmFeatures::WASM3);
    for payload in parser.parse_all(wasm) {
        match payload? {
            Payload::TypeSection(s) => {
                for t in s {
                    t?;
                }
            }
            Payload::ImportSection(s) => {
                for i in s.into_imports() {
                    i?;
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
                for m in s {
                    m?;
                }
            }
            Payload::GlobalSection(s) => {
                for g in s {
                    expr(&g?.init_expr)?;
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
                ops(body.get_operators_reader()?)?;
            }
            _ => {}
        }
    }
    Ok(())
}
