//! Input generators: wasm-smith configurations for each target, mutation of
//! module bytes, and deterministic call arguments.

use crate::compare::{ValKind, Value};
use arbitrary::{Result, Unstructured};

/// Upper bound on a generated linear memory (declared maximum), in bytes.
pub const MAX_MEMORY_BYTES: u64 = 16 * 65536;

/// Bounds shared by every target's configuration, keeping modules small
/// enough to compile in about a millisecond.
fn bound_sizes(config: &mut wasm_smith::Config) {
    config.max_types = config.max_types.min(20);
    config.max_funcs = config.max_funcs.min(20);
    config.max_globals = config.max_globals.min(20);
    config.max_exports = config.max_exports.min(50);
    config.max_element_segments = config.max_element_segments.min(10);
    config.max_elements = config.max_elements.min(50);
    config.max_data_segments = config.max_data_segments.min(10);
    config.max_instructions = config.max_instructions.min(200);
    config.max_memories = config.max_memories.min(2);
    config.max_tables = config.max_tables.min(2);
    config.max_tags = config.max_tags.min(5);
    config.max_table_elements = config.max_table_elements.min(1000);
    config.max_memory32_bytes = config.max_memory32_bytes.min(MAX_MEMORY_BYTES);
    config.max_memory64_bytes = config.max_memory64_bytes.min(MAX_MEMORY_BYTES as u128);
    config.memory_max_size_required = true;
    config.table_max_size_required = true;
}

/// The wasm-smith configuration of the differential target, drawn from `u`
/// and then restricted to what both engines implement deterministically.
///
/// Proposals: MVP, mutable globals, sign extension, saturating
/// float-to-int, multi-value, bulk memory, reference types, SIMD, tail
/// calls, memory64, multi-memory and extended constant expressions, each
/// left on or off by the draw. Always off: relaxed SIMD (results are
/// implementation-defined), threads, exceptions, GC and function references
/// (wasmi 1.1 implements none of them), custom page sizes and wide
/// arithmetic (our engine leaves them off by default). No imports; every
/// item is exported; NaNs are canonicalised by the generator; memories and
/// tables always declare a maximum (at most [`MAX_MEMORY_BYTES`] and 1000
/// elements) so growth behaves identically in both engines.
pub fn differential_config(u: &mut Unstructured<'_>) -> Result<wasm_smith::Config> {
    let mut config: wasm_smith::Config = u.arbitrary()?;
    bound_sizes(&mut config);
    config.max_imports = 0;
    config.min_imports = 0;
    config.export_everything = true;
    config.canonicalize_nans = true;
    config.relaxed_simd_enabled = false;
    config.threads_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.exceptions_enabled = false;
    config.gc_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.custom_descriptors_enabled = false;
    config.acquire_release_atomics_enabled = false;
    config.multibyte_array_access_enabled = false;
    config.max_tags = 0;
    config.generate_custom_sections = false;
    config.allow_invalid_funcs = false;
    // Random bytes rarely keep wasm-smith's "another function?" loop going:
    // ask for a few functions outright so that most modules have code.
    config.min_types = 1;
    config.max_types = config.max_types.max(4);
    config.min_funcs = u.int_in_range(1..=8)?;
    config.max_funcs = config.max_funcs.max(config.min_funcs);
    Ok(config)
}

/// The wasm-smith configuration of the instantiation target: every proposal
/// our engine implements, plus GC (which it must reject cleanly), with
/// imports allowed.
pub fn instantiate_config(u: &mut Unstructured<'_>) -> Result<wasm_smith::Config> {
    let mut config: wasm_smith::Config = u.arbitrary()?;
    bound_sizes(&mut config);
    config.max_imports = config.max_imports.min(10);
    config.custom_page_sizes_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.custom_descriptors_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.multibyte_array_access_enabled = false;
    Ok(config)
}

/// A module for the differential target, as bytes.
pub fn differential_module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let config = differential_config(u)?;
    Ok(wasm_smith::Module::new(config, u)?.to_bytes())
}

/// Applies up to a handful of byte-level mutations drawn from `u` to `wasm`:
/// flips, overwrites, insertions, deletions and truncation.
pub fn mutate(wasm: &mut Vec<u8>, u: &mut Unstructured<'_>) -> Result<()> {
    let count = u.int_in_range(1..=8)?;
    for _ in 0..count {
        if wasm.is_empty() {
            wasm.push(u.arbitrary()?);
            continue;
        }
        let at = u.choose_index(wasm.len())?;
        match u.int_in_range(0..=4)? {
            0 => wasm[at] ^= 1 << u.int_in_range(0..=7)?,
            1 => wasm[at] = u.arbitrary()?,
            2 => {
                let bytes: Vec<u8> = (0..u.int_in_range(1..=8)?)
                    .map(|_| u.arbitrary())
                    .collect::<Result<_>>()?;
                wasm.splice(at..at, bytes);
            }
            3 => {
                let end = (at + u.int_in_range(1..=16)?).min(wasm.len());
                wasm.drain(at..end);
            }
            _ => wasm.truncate(at),
        }
    }
    Ok(())
}

/// An argument of kind `kind`: often a boundary value (zero, -1, extremes,
/// NaN, infinities), otherwise arbitrary bits. Falls back to zero when `u`
/// is exhausted, so every input yields a full argument list.
pub fn argument(u: &mut Unstructured<'_>, kind: ValKind) -> Value {
    let special = u.ratio(1, 3).unwrap_or(true);
    match kind {
        ValKind::I32 => Value::I32(if special {
            *u.choose(&[0, 1, -1, i32::MIN, i32::MAX, 65536])
                .unwrap_or(&0)
        } else {
            u.arbitrary().unwrap_or(0)
        }),
        ValKind::I64 => Value::I64(if special {
            *u.choose(&[0, 1, -1, i64::MIN, i64::MAX, 1 << 32])
                .unwrap_or(&0)
        } else {
            u.arbitrary().unwrap_or(0)
        }),
        ValKind::F32 => Value::F32(if special {
            *u.choose(&[
                0,
                0x8000_0000,
                0x7f80_0000,
                0xff80_0000,
                0x7fc0_0000,
                0x4f00_0000,
            ])
            .unwrap_or(&0)
        } else {
            u.arbitrary().unwrap_or(0)
        }),
        ValKind::F64 => Value::F64(if special {
            *u.choose(&[
                0,
                0x8000_0000_0000_0000,
                0x7ff0_0000_0000_0000,
                0xfff0_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                0x43e0_0000_0000_0000,
            ])
            .unwrap_or(&0)
        } else {
            u.arbitrary().unwrap_or(0)
        }),
        ValKind::V128 => Value::V128(u.arbitrary().unwrap_or(0)),
        ValKind::FuncRef => Value::FuncRef { null: true },
        ValKind::ExternRef | ValKind::Other => Value::ExternRef { null: true },
    }
}
