//! Debug information for native debuggers (`Config::debug_info`): the
//! module's DWARF, which describes wasm code, is rewritten to describe the
//! compiled native code, and packed with the functions' symbols into an
//! in-memory ELF image that the runtime hands to GDB's JIT interface.
//!
//! * [`address`]: wasm code offsets to native addresses, through each
//!   function's address map;
//! * [`lines`]: one line-program sequence per compiled function;
//! * [`units`]: the entries, with code ranges rewritten;
//! * [`locals`]: variable locations, rewritten with [`expr`] for each
//!   stretch of code from Cranelift's value-label ranges, and pointer
//!   types (wasm pointers are 32-bit offsets into linear memory);
//! * [`elf`]: the image.

mod address;
mod elf;
mod expr;
mod lines;
mod locals;
mod units;

pub use expr::{VmLayout, VmPlace};

use anyhow::{Context, Result};
use gimli::write::{EndianVec, Sections};
use std::ops::Range;
use wasmtime_environ::{
    DefinedFuncIndex, FuncIndex, FunctionLayout, GlobalIndex, MemoryIndex, Module, VMOffsets,
    ValueLabelRange, WasmDwarf,
};

/// One function of the native code, as the debugger should see it.
#[derive(Clone, Debug)]
pub struct NativeFunction<'a> {
    /// Symbol name.
    pub name: String,
    /// For a wasm function, the module offsets of its body (from its
    /// locals declaration to its end); `None` for trampolines.
    pub wasm_body: Option<Range<u64>>,
    /// Address range of the native code in memory.
    pub native: Range<u64>,
    /// `(code offset in the function, module offset of the wasm
    /// instruction)`, sorted by code offset.
    pub address_map: &'a [(u32, u32)],
    /// Where the wasm locals and the vmctx live (offsets in the function).
    pub value_labels: &'a [ValueLabelRange],
    /// The function's `.debug_frame` fragment (see
    /// `CompiledFunction::frame_info`), possibly empty.
    pub frame_info: &'a [u8],
}

/// The functions of a laid-out module (body of defined function `i` at
/// append index `2i`, its array entry at `2i + 1`, as `layouts` lists them),
/// with the text at address `text_base`; `name` names a wasm function.
pub fn module_functions<'a>(
    module: &Module,
    layouts: &'a [FunctionLayout],
    text_base: u64,
    name: impl Fn(FuncIndex) -> String,
) -> Vec<NativeFunction<'a>> {
    let n = module.num_defined_funcs().min(layouts.len() / 2);
    let mut funcs = Vec::with_capacity(2 * n);
    for i in 0..n {
        let def = DefinedFuncIndex::from_u32(i as u32);
        let func_name = name(module.func_index(def));
        let (body, entry) = (&layouts[2 * i], &layouts[2 * i + 1]);
        let start = u64::from(module.func_body_offsets[def]);
        // A body ends where the next begins (its size field included, which
        // no instruction maps to); the last just after its last instruction.
        let end = match module
            .func_body_offsets
            .get(DefinedFuncIndex::from_u32(i as u32 + 1))
        {
            Some(&next) => u64::from(next),
            None => body
                .address_map
                .iter()
                .map(|&(_, w)| u64::from(w) + 1)
                .max()
                .unwrap_or(start + 1),
        };
        let native = |l: &FunctionLayout| {
            text_base + u64::from(l.start)..text_base + u64::from(l.start) + u64::from(l.len)
        };
        funcs.push(NativeFunction {
            name: func_name.clone(),
            wasm_body: Some(start..end.max(start)),
            native: native(body),
            address_map: &body.address_map,
            value_labels: &body.value_labels,
            frame_info: &body.frame_info,
        });
        funcs.push(NativeFunction {
            name: format!("array_call {func_name}"),
            wasm_body: None,
            native: native(entry),
            address_map: &[],
            value_labels: &[],
            frame_info: &[],
        });
    }
    funcs
}

/// Where memory 0's base and each global's value are found from a vmctx
/// of `module`'s instances.
pub fn vm_layout(module: &Module) -> VmLayout {
    let offsets = VMOffsets::new(module);
    let memory = MemoryIndex::from_u32(0);
    let memory_base =
        module
            .memories
            .get(memory)
            .map(|_| match module.defined_memory_index(memory) {
                Some(def) => VmPlace::Inline(offsets.defined_memory(def)),
                None => VmPlace::Behind(offsets.imported_memory(memory)),
            });
    let globals = (0..module.globals.len())
        .map(|i| {
            let g = GlobalIndex::from_u32(i as u32);
            match module.defined_global_index(g) {
                Some(def) => VmPlace::Inline(offsets.defined_global(def)),
                None => VmPlace::Behind(offsets.imported_global(g)),
            }
        })
        .collect();
    VmLayout {
        memory_base,
        memory64: module.memories.get(memory).is_some_and(|m| m.memory64),
        globals,
    }
}

/// Rewrites `dwarf` for the functions' native addresses and returns the
/// `.debug_*` sections (name, contents) with 8-byte addresses; `vm` (from
/// [`vm_layout`]) tells how variables in linear memory and globals are
/// reached.
pub fn transform_dwarf(
    dwarf: &WasmDwarf,
    funcs: &[NativeFunction<'_>],
    vm: &VmLayout,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let read = gimli::Dwarf::load(|id| -> Result<_, gimli::Error> {
        Ok(gimli::EndianSlice::new(
            dwarf.section(id.name()),
            gimli::LittleEndian,
        ))
    })?;
    let at = address::AddressTransform::new(funcs, dwarf.code_section_offset);
    let mut out = gimli::write::Dwarf::new();
    units::convert(&read, &mut out, &at, vm)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("failed to convert the module's DWARF for native code")?;
    let mut sections = Sections::new(EndianVec::new(gimli::LittleEndian));
    out.write(&mut sections)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("failed to write native DWARF")?;
    let mut result = Vec::new();
    sections.for_each(|id, data| -> Result<(), gimli::Error> {
        if !data.slice().is_empty() {
            result.push((id.name(), data.slice().to_vec()));
        }
        Ok(())
    })?;
    Ok(result)
}

/// Builds the in-memory ELF image of a module's code for the GDB JIT
/// interface: a `.text` section (no file contents) at `text.start`, one
/// symbol per function, and the `dwarf` sections (from
/// [`transform_dwarf`], possibly none).
pub fn create_image(
    text: Range<u64>,
    funcs: &[NativeFunction<'_>],
    dwarf: &[(&'static str, Vec<u8>)],
) -> Result<Vec<u8>> {
    elf::create_image(text, funcs, dwarf)
}
