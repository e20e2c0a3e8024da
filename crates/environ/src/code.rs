//! Laying out compiled functions into one text section.
//!
//! [`CodeBuilder`] concatenates function bodies (aligned, padded with
//! `int3`) and collects their relocations, trap sites, exception sites and
//! address maps with offsets relative to the text. It maps nothing: the
//! runtime turns a finished builder into executable memory
//! (`wasmtime_runtime::code_memory::CodeMemory::new`), and a compile-only
//! build writes the text and metadata straight into an artifact.

use crate::{
    CompiledFunction, ExceptionSite, Relocation, RelocationKind, StackMap, TrapSite,
    ValueLabelRange,
};
use anyhow::{bail, Result};

/// Byte used to pad between functions (`int3`).
pub const CODE_PADDING: u8 = 0xcc;

/// Minimum alignment of every function body.
pub const MIN_FUNCTION_ALIGNMENT: u32 = 16;

/// Size of the lines in which the processor fetches and caches
/// instructions; a function's [`CompiledFunction::line_offset`] says where
/// in such a line it would rather start.
pub const CODE_LINE: u32 = 64;

/// Where one function lies in a text section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionLayout {
    /// Offset of the body from the start of the text.
    pub start: u32,
    /// Length of the body in bytes.
    pub len: u32,
    /// `(code offset within the function, wasm offset)`, sorted.
    pub address_map: Vec<(u32, u32)>,
    /// Where the wasm locals live (offsets within the function), for
    /// native debuggers; usually empty.
    pub value_labels: Vec<ValueLabelRange>,
    /// The function's call frame information (see
    /// [`CompiledFunction::frame_info`]); usually empty.
    pub frame_info: Vec<u8>,
}

/// The metadata of a laid-out text section (see [`CodeBuilder::into_parts`]):
/// everything but the bytes.
#[derive(Debug, Default)]
pub struct CodeParts {
    /// The layout of every function, in append order.
    pub functions: Vec<FunctionLayout>,
    /// `(function append index, relocation)`.
    pub relocations: Vec<(u32, Relocation)>,
    /// `(text offset, site)`, sorted by offset.
    pub traps: Vec<(u32, TrapSite)>,
    /// `(text offset of the return address, handlers)`, sorted by offset.
    pub exception_sites: Vec<(u32, ExceptionSite)>,
    /// Stack maps of calls, keyed by the text offset of their return
    /// address (also in [`StackMap::ret_addr`]), sorted.
    pub stack_maps: Vec<StackMap>,
}

/// Accumulates compiled functions into one text section.
#[derive(Debug, Default)]
pub struct CodeBuilder {
    /// All function bodies with padding; relocation sites are unpatched.
    text: Vec<u8>,
    parts: CodeParts,
}

/// Size in bytes of the value a relocation of `kind` patches.
pub fn relocation_size(kind: RelocationKind) -> u64 {
    match kind {
        RelocationKind::PcRel4 | RelocationKind::Arm64Call | RelocationKind::S390xPcRel32Dbl => 4,
        RelocationKind::Abs8 | RelocationKind::RiscvCallPlt => 8,
    }
}

impl CodeBuilder {
    /// An empty builder.
    pub fn new() -> CodeBuilder {
        CodeBuilder::default()
    }

    /// Appends `func`'s body, aligned to `max(func.alignment, 16)` and
    /// placed at its preferred [`CompiledFunction::line_offset`] if it has
    /// one, and returns its append index (0 for the first call, then 1, ...).
    ///
    /// # Panics
    ///
    /// Panics if the text grows past 4 GiB.
    pub fn append(&mut self, func: &CompiledFunction) -> u32 {
        let p = &mut self.parts;
        let align = func
            .alignment
            .max(MIN_FUNCTION_ALIGNMENT)
            .checked_next_power_of_two()
            .expect("function alignment too large") as usize;
        let text = &mut self.text;
        let mut start = text.len().next_multiple_of(align);
        if let Some(offset) = func.line_offset {
            let line = CODE_LINE as usize;
            let offset = offset as usize;
            if offset < line && offset.is_multiple_of(align) {
                start += (offset + line - start % line) % line;
            }
        }
        text.resize(start, CODE_PADDING);
        text.extend_from_slice(&func.body);
        let start = u32::try_from(start).expect("code section larger than 4 GiB");
        let len = u32::try_from(func.body.len()).expect("function larger than 4 GiB");
        u32::try_from(text.len()).expect("code section larger than 4 GiB");

        let index = u32::try_from(p.functions.len()).unwrap();
        p.relocations
            .extend(func.relocations.iter().map(|r| (index, *r)));
        p.traps.extend(
            func.traps
                .iter()
                .map(|t| (start.saturating_add(t.code_offset), t.trap)),
        );
        p.exception_sites.extend(
            func.exception_sites
                .iter()
                .map(|e| (start.saturating_add(e.ret_addr), e.clone())),
        );
        p.stack_maps
            .extend(func.stack_maps.iter().map(|m| StackMap {
                ret_addr: start.saturating_add(m.ret_addr),
                ..m.clone()
            }));
        let mut address_map = func.address_map.clone();
        if !address_map.is_sorted_by_key(|e| e.0) {
            address_map.sort_by_key(|e| e.0);
        }
        p.functions.push(FunctionLayout {
            start,
            len,
            address_map,
            value_labels: func.value_labels.clone(),
            frame_info: func.frame_info.clone(),
        });
        index
    }

    /// Number of functions appended so far.
    pub fn len(&self) -> usize {
        self.parts.functions.len()
    }

    /// True if no function was appended.
    pub fn is_empty(&self) -> bool {
        self.parts.functions.is_empty()
    }

    /// The text laid out so far (relocation sites unpatched).
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// The layout of every function, in append order.
    pub fn functions(&self) -> &[FunctionLayout] {
        &self.parts.functions
    }

    /// The relocations, as `(function, relocation)`.
    pub fn relocations(&self) -> &[(u32, Relocation)] {
        &self.parts.relocations
    }

    /// The trap sites, as `(text offset, site)`.
    pub fn traps(&self) -> &[(u32, TrapSite)] {
        &self.parts.traps
    }

    /// The exception sites, as `(text offset of the return address, site)`.
    pub fn exception_sites(&self) -> &[(u32, ExceptionSite)] {
        &self.parts.exception_sites
    }

    /// The stack maps, by text offset of the return address (sorted, as
    /// functions are appended in text order).
    pub fn stack_maps(&self) -> &[StackMap] {
        &self.parts.stack_maps
    }

    /// The finished text and its layout, with trap and exception sites
    /// sorted by offset.
    pub fn into_parts(self) -> (Vec<u8>, CodeParts) {
        let mut parts = self.parts;
        parts.traps.sort_by_key(|t| t.0);
        parts.exception_sites.sort_by_key(|t| t.0);
        parts.stack_maps.sort_by_key(|m| m.ret_addr);
        (self.text, parts)
    }

    /// Rebuilds a builder from its parts, e.g. read back from a serialized
    /// artifact, after [`CodeParts::check`]ing them against `text`.
    pub fn from_parts(text: Vec<u8>, parts: CodeParts) -> Result<CodeBuilder> {
        parts.check(text.len())?;
        Ok(CodeBuilder { text, parts })
    }
}

impl CodeParts {
    /// Checks every offset and length against a text of `text_len` bytes:
    /// functions must be in order, non-overlapping and inside the text,
    /// address maps sorted, relocations must name an existing function and
    /// lie inside it, trap and exception sites inside the text. The
    /// relocation sites of the text may hold anything; they are patched
    /// when the code is mapped.
    pub fn check(&self, text_len: usize) -> Result<()> {
        let CodeParts {
            functions,
            relocations,
            traps,
            exception_sites,
            stack_maps,
        } = self;
        let mut end = 0u64;
        for (i, f) in functions.iter().enumerate() {
            let start = u64::from(f.start);
            let stop = start + u64::from(f.len);
            if start < end || stop > text_len as u64 {
                bail!("function {i} ({start:#x}..{stop:#x}) overlaps another or is outside the text of {text_len:#x} bytes");
            }
            if !f.address_map.is_sorted_by_key(|e| e.0) {
                bail!("address map of function {i} is not sorted");
            }
            end = stop;
        }
        for (func, reloc) in relocations {
            let Some(f) = functions.get(*func as usize) else {
                bail!("relocation refers to missing function {func}");
            };
            if u64::from(reloc.offset) + relocation_size(reloc.kind) > u64::from(f.len) {
                bail!(
                    "relocation at offset {:#x} is outside function {func}",
                    reloc.offset
                );
            }
        }
        if let Some((off, _)) = traps.iter().find(|(off, _)| *off as usize >= text_len) {
            bail!("trap site {off:#x} is outside the text");
        }
        for (off, site) in exception_sites {
            if *off as usize > text_len
                || site.handlers.iter().any(|(_, h)| *h as usize >= text_len)
            {
                bail!("exception site {off:#x} is outside the text");
            }
        }
        if let Some(m) = stack_maps.iter().find(|m| m.ret_addr as usize > text_len) {
            bail!("stack map {:#x} is outside the text", m.ret_addr);
        }
        if !stack_maps.is_sorted_by_key(|m| m.ret_addr) {
            bail!("stack maps are not sorted");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(len: usize, alignment: u32, line_offset: Option<u32>) -> CompiledFunction {
        CompiledFunction {
            body: vec![0x90; len],
            alignment,
            line_offset,
            ..Default::default()
        }
    }

    #[test]
    fn functions_start_at_their_preferred_line_offset() {
        let mut code = CodeBuilder::new();
        code.append(&func(5, 16, None));
        code.append(&func(5, 16, Some(48)));
        code.append(&func(70, 16, Some(0)));
        code.append(&func(5, 32, None));
        // An offset the alignment cannot reach is ignored.
        code.append(&func(5, 32, Some(16)));
        let starts: Vec<u32> = code.functions().iter().map(|f| f.start).collect();
        assert_eq!(starts, [0, 48, 64, 160, 192]);
        // Padding is `int3`.
        assert!(code.text()[5..48].iter().all(|&b| b == CODE_PADDING));
    }
}
