//! `Config::debug_info`'s DWARF transform on a real guest: the C program of
//! `tests/debug-programs` (clang `-g -O0`) is compiled, laid out at a fake
//! address, and its DWARF rewritten; the debug image must then say, in
//! native terms, what the wasm DWARF says in wasm terms.

use gimli::{EndianSlice, LittleEndian};
use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::HashMap;
use wasmtime_cranelift::{debug, CompilerConfig, CraneliftCompiler};
use wasmtime_environ::wasmparser::WasmFeatures;
use wasmtime_environ::*;

const TEXT_BASE: u64 = 0x7f00_0000_0000;

/// `trap.wasm` compiled and laid out: its description and the layouts.
fn compile_trap() -> (Module, Vec<u8>, Vec<FunctionLayout>) {
    compile_guest("trap", false)
}

/// A guest of `tests/debug-programs` compiled and laid out, with value
/// labels if `labels`.
fn compile_guest(name: &str, labels: bool) -> (Module, Vec<u8>, Vec<FunctionLayout>) {
    let path = format!(
        "{}/../../tests/debug-programs/{name}.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    let wasm = std::fs::read(path).unwrap();
    let tunables = Tunables {
        parse_wasm_debuginfo: true,
        generate_native_debuginfo: labels,
        ..Tunables::default()
    };
    let translation = translate_module_with(WasmFeatures::default(), &tunables, &wasm).unwrap();
    let module = &translation.module;
    let offsets = VMOffsets::new(module);
    let compiler = CraneliftCompiler::new(&CompilerConfig::default()).unwrap();
    let mut code = CodeBuilder::new();
    for (index, body) in translation.function_bodies {
        let f = compiler
            .compile_function(module, &offsets, &tunables, index, body)
            .unwrap();
        let entry = compiler
            .compile_array_to_wasm_trampoline(module, &tunables, index)
            .unwrap();
        code.append(&f);
        code.append(&entry);
    }
    let (text, parts) = code.into_parts();
    (translation.module, text, parts.functions)
}

fn names(module: &Module) -> impl Fn(FuncIndex) -> String + '_ {
    |i| {
        module
            .func_names
            .get(&i)
            .cloned()
            .unwrap_or_else(|| format!("wasm-function[{}]", i.as_u32()))
    }
}

/// The debug image of `trap.wasm` and the native range of each symbol.
fn trap_image() -> (Vec<u8>, HashMap<String, (u64, u64)>) {
    let (module, text, layouts) = compile_trap();
    let module = &module;
    let funcs = debug::module_functions(module, &layouts, TEXT_BASE, names(module));
    let dwarf = debug::transform_dwarf(
        module.debug_info.as_ref().unwrap(),
        &funcs,
        &debug::vm_layout(module),
    )
    .unwrap();
    let image =
        debug::create_image(TEXT_BASE..TEXT_BASE + text.len() as u64, &funcs, &dwarf).unwrap();
    let symbols = funcs
        .iter()
        .map(|f| (f.name.clone(), (f.native.start, f.native.end)))
        .collect();
    (image, symbols)
}

#[test]
fn lines_and_functions_point_at_native_code() {
    let (image, symbols) = trap_image();
    let file = object::File::parse(&image[..]).unwrap();
    let text = file.section_by_name(".text").unwrap();
    assert_eq!(text.address(), TEXT_BASE);
    let sym = file.symbols().find(|s| s.name() == Ok("divide")).unwrap();
    assert_eq!(sym.address(), symbols["divide"].0);

    let dwarf = gimli::Dwarf::load(|id| -> Result<_, gimli::Error> {
        let data = file
            .section_by_name(id.name())
            .map(|s| s.data().unwrap())
            .unwrap_or(&[]);
        Ok(EndianSlice::new(data, LittleEndian))
    })
    .unwrap();

    // Every subprogram of trap.c starts at its function's native address.
    let mut found = HashMap::new();
    let mut units = dwarf.units();
    let mut line_11 = Vec::new();
    while let Some(header) = units.next().unwrap() {
        assert_eq!(header.address_size(), 8);
        let unit = dwarf.unit(header).unwrap();
        let mut entries = unit.entries();
        while let Some(entry) = entries.next_dfs().unwrap() {
            if entry.tag() != gimli::DW_TAG_subprogram {
                continue;
            }
            let name = entry.attr_value(gimli::DW_AT_name);
            let Some(name) = name.and_then(|v| dwarf.attr_string(&unit, v).ok()) else {
                continue;
            };
            let low = entry.attr_value(gimli::DW_AT_low_pc);
            let high = entry.attr_value(gimli::DW_AT_high_pc);
            if let (Some(gimli::AttributeValue::Addr(low)), Some(high)) = (low, high) {
                found.insert(
                    name.to_string_lossy().into_owned(),
                    (low, low + high.udata_value().unwrap()),
                );
            }
        }
        // Rows of line 11 of trap.c (`int divisor = n - 3;` in `compute`).
        if let Some(program) = unit.line_program.clone() {
            let mut rows = program.rows();
            while let Some((header, row)) = rows.next_row().unwrap() {
                let file = row.file(header).unwrap();
                let name = dwarf.attr_string(&unit, file.path_name()).unwrap();
                if name.to_string_lossy().ends_with("trap.c")
                    && row.line().map(|l| l.get()) == Some(11)
                    && row.is_stmt()
                {
                    line_11.push(row.address());
                }
            }
        }
    }
    for f in ["divide", "compute", "main"] {
        assert_eq!(found[f], symbols[f], "{f}");
    }
    let compute = symbols["compute"];
    assert!(!line_11.is_empty(), "no statement row for line 11");
    for a in line_11 {
        assert!(
            compute.0 < a && a < compute.1,
            "{a:#x} not in compute {compute:x?}"
        );
    }
}

/// Damaged DWARF never panics: every byte of each section changed in turn
/// (a sample of positions), the transform returns an image or an error.
#[test]
fn damaged_dwarf_gives_an_image_or_an_error() {
    let (module, text, layouts) = compile_trap();
    let funcs = debug::module_functions(&module, &layouts, TEXT_BASE, names(&module));
    let dwarf = module.debug_info.as_ref().unwrap();
    let mut outcomes = [0usize; 2];
    for s in 0..dwarf.sections.len() {
        let len = dwarf.sections[s].1 .0.len();
        for pos in (0..len).step_by((len / 20).max(1)) {
            for byte in [0xff, 0x80] {
                let mut damaged = dwarf.clone();
                damaged.sections[s].1 .0[pos] = byte;
                match debug::transform_dwarf(&damaged, &funcs, &debug::vm_layout(&module)) {
                    Ok(sections) => {
                        debug::create_image(
                            TEXT_BASE..TEXT_BASE + text.len() as u64,
                            &funcs,
                            &sections,
                        )
                        .unwrap();
                        outcomes[0] += 1;
                    }
                    Err(_) => outcomes[1] += 1,
                }
            }
        }
    }
    // Both happen: many bytes (string contents, line numbers) do not
    // break the structure, others do.
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}

/// Debug sections: (name, contents).
type Sections = Vec<(&'static str, Vec<u8>)>;

/// The DWARF of `locals.wasm`'s debug image, with or without value labels,
/// and the native range of `inspect`.
fn locals_dwarf(labels: bool) -> (Sections, (u64, u64)) {
    let (module, _text, layouts) = compile_guest("locals", labels);
    locals_dwarf_of(&module, &layouts)
}

fn locals_dwarf_of(module: &Module, layouts: &[FunctionLayout]) -> (Sections, (u64, u64)) {
    let funcs = debug::module_functions(module, layouts, TEXT_BASE, names(module));
    let inspect = funcs.iter().find(|f| f.name == "inspect").unwrap();
    let range = (inspect.native.start, inspect.native.end);
    let dwarf = debug::transform_dwarf(
        module.debug_info.as_ref().unwrap(),
        &funcs,
        &debug::vm_layout(module),
    )
    .unwrap();
    (dwarf, range)
}

/// For each variable of `inspect`: its native location ranges, and the tag
/// and byte size of its type.
type Variables = HashMap<String, (Vec<(u64, u64)>, gimli::DwTag, Option<u64>)>;

fn inspect_variables(sections: &[(&'static str, Vec<u8>)]) -> Variables {
    let dwarf = gimli::Dwarf::load(|id| -> Result<_, gimli::Error> {
        let data = sections
            .iter()
            .find(|(n, _)| *n == id.name())
            .map_or(&[][..], |(_, d)| &d[..]);
        Ok(EndianSlice::new(data, LittleEndian))
    })
    .unwrap();
    let mut out = HashMap::new();
    let mut units = dwarf.units();
    while let Some(header) = units.next().unwrap() {
        let unit = dwarf.unit(header).unwrap();
        let mut entries = unit.entries();
        let mut in_inspect = None;
        while let Some(entry) = entries.next_dfs().unwrap() {
            let depth = entry.depth;
            let name = entry
                .attr_value(gimli::DW_AT_name)
                .and_then(|v| dwarf.attr_string(&unit, v).ok())
                .map(|n| n.to_string_lossy().into_owned());
            if entry.tag() == gimli::DW_TAG_subprogram {
                in_inspect = (name.as_deref() == Some("inspect")).then_some(depth);
                continue;
            }
            if in_inspect.is_none_or(|d| depth <= d) {
                in_inspect = None;
                continue;
            }
            let Some(name) = name else { continue };
            let mut ranges = Vec::new();
            if let Some(v) = entry.attr_value(gimli::DW_AT_location) {
                if let Ok(Some(offset)) = dwarf.attr_locations_offset(&unit, v) {
                    let mut iter = dwarf.locations(&unit, offset).unwrap();
                    while let Some(l) = iter.next().unwrap() {
                        ranges.push((l.range.begin, l.range.end));
                    }
                }
            }
            let Some(gimli::AttributeValue::UnitRef(t)) = entry.attr_value(gimli::DW_AT_type)
            else {
                continue;
            };
            let ty = unit.entry(t).unwrap();
            let size = ty
                .attr_value(gimli::DW_AT_byte_size)
                .and_then(|v| v.udata_value());
            out.insert(name, (ranges, ty.tag(), size));
        }
    }
    out
}

#[test]
fn variables_get_native_locations_from_value_labels() {
    let (sections, inspect) = locals_dwarf(true);
    let vars = inspect_variables(&sections);
    for name in ["p", "scale", "arr", "weighted", "result"] {
        let (ranges, _, _) = &vars[name];
        assert!(!ranges.is_empty(), "{name} has no location");
        for &(a, b) in ranges {
            assert!(
                inspect.0 <= a && a < b && b <= inspect.1,
                "{name}: {a:#x}..{b:#x} outside inspect"
            );
        }
    }
    // `p` (a `struct point *`) gets a native pointer type (8 bytes, the
    // unit's address size); the wasm pointer type itself became a 4-byte
    // structure.
    assert_eq!(vars["p"].1, gimli::DW_TAG_pointer_type);
    assert_eq!(vars["p"].2, None);
    assert_eq!(vars["arr"].1, gimli::DW_TAG_array_type);
    let has_wasm_pointer = sections
        .iter()
        .any(|(n, d)| *n == ".debug_str" && d.windows(14).any(|w| w == b"WebAssemblyPtr"))
        || sections
            .iter()
            .any(|(n, d)| *n == ".debug_info" && d.windows(14).any(|w| w == b"WebAssemblyPtr"));
    assert!(has_wasm_pointer);

    // Without value labels the locals have nowhere to be found.
    let (sections, _) = locals_dwarf(false);
    let vars = inspect_variables(&sections);
    for name in ["p", "scale", "arr", "weighted", "result"] {
        assert!(vars[name].0.is_empty(), "{name} has a location");
    }
}

#[test]
fn images_carry_call_frame_information_for_each_function() {
    let (module, text, layouts) = compile_guest("locals", true);
    let (dwarf, inspect) = locals_dwarf_of(&module, &layouts);
    let funcs = debug::module_functions(&module, &layouts, TEXT_BASE, names(&module));
    let image =
        debug::create_image(TEXT_BASE..TEXT_BASE + text.len() as u64, &funcs, &dwarf).unwrap();
    let file = object::File::parse(&image[..]).unwrap();
    let data = file
        .section_by_name(".debug_frame")
        .unwrap()
        .data()
        .unwrap();
    let mut frame = gimli::DebugFrame::new(data, LittleEndian);
    frame.set_address_size(8);
    let bases = gimli::BaseAddresses::default();
    let mut entries = gimli::UnwindSection::entries(&frame, &bases);
    let mut fdes = Vec::new();
    while let Some(entry) = entries.next().unwrap() {
        if let gimli::CieOrFde::Fde(partial) = entry {
            let fde = partial
                .parse(|section, bases, offset| {
                    gimli::UnwindSection::cie_from_offset(section, bases, offset)
                })
                .unwrap();
            fdes.push((fde.initial_address(), fde.len()));
        }
    }
    // One FDE per wasm function (trampolines have none), `inspect` among
    // them at its address and length.
    assert_eq!(fdes.len(), module.num_defined_funcs());
    assert!(
        fdes.contains(&(inspect.0, inspect.1 - inspect.0)),
        "{fdes:x?}"
    );

    // Without debug info the functions carry none.
    let (_, _, layouts) = compile_guest("locals", false);
    assert!(layouts.iter().all(|l| l.frame_info.is_empty()));
}
