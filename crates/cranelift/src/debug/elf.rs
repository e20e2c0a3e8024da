//! The in-memory ELF image GDB reads through its JIT interface: a shared
//! object whose `.text` section (without contents: GDB reads code from the
//! process) lies at the code's real address, with a loadable segment over
//! it, function symbols at their real addresses and the native DWARF.

use super::NativeFunction;
use anyhow::{bail, Context, Result};
use object::elf;
use object::write::{Object, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, SectionFlags, SectionKind, SymbolFlags, SymbolKind,
    SymbolScope,
};
use std::ops::Range;

pub(crate) fn create_image(
    text: Range<u64>,
    funcs: &[NativeFunction<'_>],
    dwarf: &[(&'static str, Vec<u8>)],
) -> Result<Vec<u8>> {
    use target_lexicon::Architecture as A;
    let arch = match target_lexicon::HOST.architecture {
        A::X86_64 => Architecture::X86_64,
        A::Aarch64(_) => Architecture::Aarch64,
        A::Riscv64(_) => Architecture::Riscv64,
        other => bail!("no debugger image for architecture {other}"),
    };
    let mut obj = Object::new(BinaryFormat::Elf, arch, Endianness::Little);
    let text_id = obj.add_section(
        Vec::new(),
        b".text".to_vec(),
        SectionKind::UninitializedData,
    );
    obj.append_section_bss(text_id, text.end - text.start, 16);
    obj.section_mut(text_id).flags = SectionFlags::Elf {
        sh_flags: u64::from(elf::SHF_ALLOC | elf::SHF_EXECINSTR),
    };
    for f in funcs {
        obj.add_symbol(Symbol {
            name: f.name.as_bytes().to_vec(),
            value: f.native.start,
            size: f.native.end - f.native.start,
            kind: SymbolKind::Text,
            scope: SymbolScope::Dynamic,
            weak: false,
            section: SymbolSection::Section(text_id),
            flags: SymbolFlags::None,
        });
    }
    for (name, data) in dwarf {
        let id = obj.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::Debug);
        obj.append_section_data(id, data, 1);
    }
    let frames = debug_frame(funcs);
    if !frames.is_empty() {
        let id = obj.add_section(Vec::new(), b".debug_frame".to_vec(), SectionKind::Debug);
        obj.append_section_data(id, &frames, 8);
    }
    let mut bytes = obj.write().context("failed to write the debug image")?;
    make_loadable(&mut bytes, text)?;
    Ok(bytes)
}

/// The `.debug_frame` section: each function's fragment (a CIE, then an
/// FDE for address 0) with the FDE pointing at its CIE and at the
/// function's address. Fragments of another shape are left out.
fn debug_frame(funcs: &[NativeFunction<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in funcs {
        let frag = f.frame_info;
        let word = |at: usize| -> Option<u32> {
            Some(u32::from_le_bytes(frag.get(at..at + 4)?.try_into().ok()?))
        };
        let Some(cie_len) = word(0).filter(|&l| l < 0xffff_fff0) else {
            continue;
        };
        let fde = 4 + cie_len as usize;
        // FDE: length, CIE pointer, initial location (8), range (8).
        if word(fde + 4) != Some(0) || frag.len() < fde + 24 {
            continue;
        }
        let Ok(start) = u32::try_from(out.len()) else {
            break;
        };
        let mut frag = frag.to_vec();
        frag[fde + 4..fde + 8].copy_from_slice(&start.to_le_bytes());
        frag[fde + 8..fde + 16].copy_from_slice(&f.native.start.to_le_bytes());
        out.extend_from_slice(&frag);
    }
    out
}

/// Turns the relocatable object into a shared object whose `.text` lies at
/// `text`: the section's address, one `PT_LOAD` segment over it (appended
/// after the contents) and the file type.
fn make_loadable(bytes: &mut Vec<u8>, text: Range<u64>) -> Result<()> {
    use object::read::elf::{FileHeader, SectionHeader};
    type Header = elf::FileHeader64<Endianness>;
    let e = Endianness::Little;
    let (shoff, shentsize, text_index) = {
        let header = Header::parse(&bytes[..]).context("bad debug image")?;
        let sections = header.sections(e, &bytes[..]).context("bad debug image")?;
        let Some((index, _)) = sections.section_by_name(e, b".text") else {
            bail!("debug image without .text");
        };
        (
            header.e_shoff.get(e) as usize,
            usize::from(header.e_shentsize.get(e)),
            index.0,
        )
    };
    let at = shoff + text_index * shentsize;
    let (section, _) = object::from_bytes_mut::<elf::SectionHeader64<Endianness>>(&mut bytes[at..])
        .map_err(|()| anyhow::anyhow!("bad debug image section header"))?;
    section.sh_addr.set(e, text.start);
    let offset = section.sh_offset(e);

    let phoff = bytes.len().next_multiple_of(8);
    let phentsize = std::mem::size_of::<elf::ProgramHeader64<Endianness>>();
    bytes.resize(phoff + phentsize, 0);
    let (ph, _) = object::from_bytes_mut::<elf::ProgramHeader64<Endianness>>(&mut bytes[phoff..])
        .map_err(|()| anyhow::anyhow!("bad debug image program header"))?;
    ph.p_type.set(e, elf::PT_LOAD);
    ph.p_flags.set(e, elf::PF_R | elf::PF_X);
    ph.p_offset.set(e, offset);
    ph.p_vaddr.set(e, text.start);
    ph.p_paddr.set(e, text.start);
    ph.p_filesz.set(e, 0);
    ph.p_memsz.set(e, text.end - text.start);
    ph.p_align.set(e, 16);

    let (header, _) = object::from_bytes_mut::<Header>(&mut bytes[..])
        .map_err(|()| anyhow::anyhow!("bad debug image header"))?;
    header.e_type.set(e, elf::ET_DYN);
    header.e_phoff.set(e, phoff as u64);
    header.e_phentsize.set(e, phentsize as u16);
    header.e_phnum.set(e, 1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::{Object as _, ObjectSection, ObjectSymbol};

    #[test]
    fn image_places_text_and_symbols_at_the_code() {
        let funcs = [NativeFunction {
            name: "wasm_fn".into(),
            wasm_body: None,
            native: 0x7000_0010..0x7000_0030,
            address_map: &[],
            value_labels: &[],
            frame_info: &[],
        }];
        let bytes = create_image(
            0x7000_0000..0x7000_0100,
            &funcs,
            &[(".debug_str", b"x\0".to_vec())],
        )
        .unwrap();
        let file = object::File::parse(&bytes[..]).unwrap();
        assert_eq!(file.kind(), object::ObjectKind::Dynamic);
        let text = file.section_by_name(".text").unwrap();
        assert_eq!((text.address(), text.size()), (0x7000_0000, 0x100));
        let sym = file.symbols().find(|s| s.name() == Ok("wasm_fn")).unwrap();
        assert_eq!(sym.address(), 0x7000_0010);
        assert!(file.section_by_name(".debug_str").is_some());
    }
}
