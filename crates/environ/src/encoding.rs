//! Binary-encoding rules of WebAssembly 2.0 that the 3.0 grammar relaxed.
//!
//! `wasmparser` decodes with the 3.0 grammar, where memory64 widened memory
//! limits and memarg offsets to u64 LEBs and multi-memory turned the
//! reserved `0x00` byte of `memory.size/grow/init/copy/fill` into a memory
//! index LEB. With those proposals disabled the 2.0 rules apply: u32 LEBs
//! of at most 5 bytes, and a single zero byte. This module checks them:
//! the u32 rules while memory64 is off, the zero-byte rules (and the 2.0
//! memarg flags) while multi-memory is off. With both on, the 3.0 grammar
//! applies unchanged.

use crate::{WasmError, WasmResult};
use wasmparser::{BinaryReader, Operator, WasmFeatures};

/// Which 2.0 encoding rules apply.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wasm2Rules {
    /// memory64 is off: limits and memarg offsets are u32 LEBs.
    pub u32_indices: bool,
    /// multi-memory is off: memory instructions carry reserved zero bytes
    /// and memarg flags carry no memory index.
    pub zero_bytes: bool,
}

/// The 2.0 encoding rules that apply under `features`, if any.
pub(crate) fn wasm2_encoding(features: WasmFeatures) -> Option<Wasm2Rules> {
    let rules = Wasm2Rules {
        u32_indices: !features.contains(WasmFeatures::MEMORY64),
        zero_bytes: !features.contains(WasmFeatures::MULTI_MEMORY),
    };
    (rules.u32_indices || rules.zero_bytes).then_some(rules)
}

fn malformed(message: &str, offset: u64) -> WasmError {
    WasmError::InvalidWebAssembly {
        message: message.to_string(),
        offset: offset as usize,
    }
}

/// Reads limits (`flags min [max]`) with u32 bounds; a memory's limits
/// may end with a custom page size (flag bit 3).
fn check_limits(reader: &mut BinaryReader<'_>, memory: bool) -> WasmResult<()> {
    let flags = reader.read_u8()?;
    reader.read_var_u32()?;
    if flags & 1 != 0 {
        reader.read_var_u32()?;
    }
    if memory && flags & 0b1000 != 0 {
        // Custom page sizes: the page size's log2 follows.
        reader.read_var_u32()?;
    }
    Ok(())
}

/// Checks the memory section's limits.
pub(crate) fn check_memory_section(wasm: &[u8], range: std::ops::Range<u64>) -> WasmResult<()> {
    let mut reader =
        BinaryReader::new(&wasm[range.start as usize..range.end as usize], range.start);
    let count = reader.read_var_u32()?;
    for _ in 0..count {
        check_limits(&mut reader, true)?;
    }
    Ok(())
}

/// Checks the limits of imported memories.
pub(crate) fn check_import_section(wasm: &[u8], range: std::ops::Range<u64>) -> WasmResult<()> {
    let mut reader =
        BinaryReader::new(&wasm[range.start as usize..range.end as usize], range.start);
    let count = reader.read_var_u32()?;
    for _ in 0..count {
        reader.read_string()?;
        reader.read_string()?;
        match reader.read_u8()? {
            0x00 => {
                reader.read_var_u32()?;
            }
            0x01 => {
                // Typed references (`(ref null $t)`) take more than a byte.
                reader.read::<wasmparser::RefType>()?;
                check_limits(&mut reader, false)?;
            }
            0x02 => check_limits(&mut reader, true)?,
            0x03 => {
                reader.read::<wasmparser::ValType>()?;
                reader.read_u8()?;
            }
            // Anything else is rejected by the validator.
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// Checks memargs and reserved bytes in a function body. `wasm` is the
/// whole module, so operator offsets index it directly.
pub(crate) fn check_function_body(
    wasm: &[u8],
    body: &wasmparser::FunctionBody<'_>,
    rules: Wasm2Rules,
) -> WasmResult<()> {
    let mut ops = body.get_operators_reader()?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        let mut reader = BinaryReader::new(&wasm[offset as usize..], offset);
        let zero_bytes_after_prefix = match op {
            Operator::MemorySize { .. } | Operator::MemoryGrow { .. } => {
                reader.read_u8()?;
                1
            }
            Operator::MemoryInit { .. } => {
                reader.read_u8()?;
                reader.read_var_u32()?;
                reader.read_var_u32()?;
                1
            }
            Operator::MemoryCopy { .. } => {
                reader.read_u8()?;
                reader.read_var_u32()?;
                2
            }
            Operator::MemoryFill { .. } => {
                reader.read_u8()?;
                reader.read_var_u32()?;
                1
            }
            _ => {
                if let Some(0x28..=0x3e) = wasm.get(offset as usize).copied() {
                    reader.read_u8()?;
                    let flags_at = reader.original_position();
                    let flags = reader.read_var_u32()?;
                    if rules.zero_bytes {
                        // The alignment exponent must fit 2^align in a u32.
                        if flags >= 32 {
                            return Err(malformed("malformed memop flags", flags_at));
                        }
                    } else if flags & 0x40 != 0 {
                        // multi-memory: a memory index follows.
                        reader.read_var_u32()?;
                    }
                    if rules.u32_indices {
                        reader.read_var_u32()?;
                    }
                }
                0
            }
        };
        if !rules.zero_bytes {
            continue;
        }
        for _ in 0..zero_bytes_after_prefix {
            let at = reader.original_position();
            if reader.read_u8()? != 0 {
                return Err(malformed("zero byte expected", at));
            }
        }
    }
    Ok(())
}
