//! Conversion of Cranelift's compilation output into a
//! [`CompiledFunction`]: code bytes, relocations, trap table, address map.

use crate::keys::{VMCTX_SLOT_KEY, WASM_FUNC_NAMESPACE};
use crate::placement;
use crate::trap_codes::trap_site;
use cranelift_codegen::ir::{self, ExternalName, Function};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::{
    binemit::Reloc, CompiledCode, ExceptionContextLoc, FinalizedMachExceptionHandler,
    FinalizedRelocTarget, LabelValueLoc,
};
use std::collections::HashMap;
use std::ops::Range;
use wasmtime_environ::{
    CompiledFunction, DefinedFuncIndex, ExceptionCatch, ExceptionSite, LibCall, Relocation,
    RelocationKind, RelocationTarget, StackMap, TrapInformation, ValueLabelRange, ValueLoc,
    WasmError, WasmResult, MIN_FUNCTION_ALIGNMENT,
};

fn libcall(lc: ir::LibCall) -> Option<LibCall> {
    Some(match lc {
        ir::LibCall::FloorF32 => LibCall::FloorF32,
        ir::LibCall::FloorF64 => LibCall::FloorF64,
        ir::LibCall::CeilF32 => LibCall::CeilF32,
        ir::LibCall::CeilF64 => LibCall::CeilF64,
        ir::LibCall::TruncF32 => LibCall::TruncF32,
        ir::LibCall::TruncF64 => LibCall::TruncF64,
        ir::LibCall::NearestF32 => LibCall::NearestF32,
        ir::LibCall::NearestF64 => LibCall::NearestF64,
        ir::LibCall::FmaF32 => LibCall::FmaF32,
        ir::LibCall::FmaF64 => LibCall::FmaF64,
        _ => return None,
    })
}

/// Builds the [`CompiledFunction`] for `func` from its compiled code;
/// `loops` are the wasm byte ranges of its innermost loops.
pub(crate) fn compiled_function(
    isa: &dyn TargetIsa,
    func: &Function,
    code: &CompiledCode,
    loops: &[Range<u32>],
) -> WasmResult<CompiledFunction> {
    let buffer = &code.buffer;
    // Native debug info (value labels, frame information) only when the
    // translator labelled the function's values.
    let debug_info = func.dfg.values_labels.is_some();
    let frame_info = if debug_info {
        frame_info(isa, code)
    } else {
        Vec::new()
    };

    let mut relocations = Vec::new();
    for reloc in buffer.relocs() {
        let target =
            match &reloc.target {
                FinalizedRelocTarget::ExternalName(ExternalName::User(name_ref)) => {
                    let name = &func.params.user_named_funcs()[*name_ref];
                    if name.namespace != WASM_FUNC_NAMESPACE {
                        return Err(WasmError::User(format!(
                            "relocation to unknown function {}:{}",
                            name.namespace, name.index
                        )));
                    }
                    RelocationTarget::Wasm(DefinedFuncIndex::from_u32(name.index))
                }
                FinalizedRelocTarget::ExternalName(ExternalName::LibCall(lc)) => {
                    RelocationTarget::LibCall(libcall(*lc).ok_or_else(|| {
                        WasmError::Unsupported(format!("Cranelift libcall {lc:?}"))
                    })?)
                }
                other => {
                    return Err(WasmError::Unsupported(format!(
                        "relocation target {}",
                        other.display(Some(&func.params))
                    )))
                }
            };
        let kind = match reloc.kind {
            Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => RelocationKind::PcRel4,
            Reloc::Abs8 => RelocationKind::Abs8,
            Reloc::Arm64Call => RelocationKind::Arm64Call,
            Reloc::RiscvCallPlt => RelocationKind::RiscvCallPlt,
            Reloc::S390xPCRel32Dbl | Reloc::S390xPLTRel32Dbl => RelocationKind::S390xPcRel32Dbl,
            other => return Err(WasmError::Unsupported(format!("relocation kind {other:?}"))),
        };
        relocations.push(Relocation {
            offset: reloc.offset,
            kind,
            target,
            addend: reloc.addend,
        });
    }

    let mut traps = Vec::with_capacity(buffer.traps().len());
    for trap in buffer.traps() {
        let site = trap_site(trap.code).ok_or_else(|| {
            WasmError::User(format!(
                "unexpected trap code {} in compiled code",
                trap.code
            ))
        })?;
        traps.push(TrapInformation {
            code_offset: trap.offset,
            trap: site,
        });
    }
    traps.sort_by_key(|t| t.code_offset);

    // Every instruction with a wasm offset, in code order.
    let sources: Vec<placement::SourceRange> = buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|loc| !loc.loc.is_default() && loc.start < loc.end)
        .map(|loc| placement::SourceRange {
            code: (loc.start, loc.end),
            wasm: loc.loc.bits(),
        })
        .collect();
    let mut address_map: Vec<(u32, u32)> = Vec::new();
    for s in &sources {
        if address_map.last().map(|&(_, w)| w) != Some(s.wasm) {
            address_map.push((s.code.0, s.wasm));
        }
    }

    // Functions with handlers keep their vmctx in a keyed stack slot.
    let vmctx_sp_offset = buffer.frame_layout().and_then(|layout| {
        layout
            .stackslots
            .values()
            .find_map(|s| (s.key.map(|k| k.bits()) == Some(VMCTX_SLOT_KEY)).then_some(s.offset))
    });
    let mut exception_sites = Vec::new();
    for site in buffer.call_sites() {
        if site.exception_handlers.is_empty() {
            continue;
        }
        let mut out = ExceptionSite {
            ret_addr: site.ret_addr,
            frame_offset: site.frame_offset.ok_or_else(|| {
                WasmError::User("exception call site without a frame offset".into())
            })?,
            vmctx_sp_offset,
            handlers: Vec::new(),
        };
        for handler in site.exception_handlers {
            match *handler {
                FinalizedMachExceptionHandler::Tag(tag, offset) => out
                    .handlers
                    .push((ExceptionCatch::from_tag(tag.as_u32()), offset)),
                FinalizedMachExceptionHandler::Default(offset) => out
                    .handlers
                    .push((ExceptionCatch::All { by_ref: true }, offset)),
                FinalizedMachExceptionHandler::Context(ExceptionContextLoc::SPOffset(o)) => {
                    out.vmctx_sp_offset = Some(o)
                }
                FinalizedMachExceptionHandler::Context(ExceptionContextLoc::GPR(_)) => {
                    return Err(WasmError::Unsupported(
                        "exception context in a register".into(),
                    ))
                }
            }
        }
        exception_sites.push(out);
    }
    exception_sites.sort_by_key(|s| s.ret_addr);

    // The GC references live across each call (see `func/stack_maps.rs`).
    let mut stack_maps: Vec<StackMap> = buffer
        .user_stack_maps()
        .iter()
        .map(|(ret_addr, frame_size, map)| StackMap {
            ret_addr: *ret_addr,
            frame_size: *frame_size,
            slots: map.entries().map(|(_, offset)| offset).collect(),
        })
        .filter(|m| !m.slots.is_empty())
        .collect();
    stack_maps.sort_by_key(|m| m.ret_addr);

    // A function with loops is placed for them (see `placement`), needing
    // only the alignment its constants ask for; others get the preferred.
    let branch_targets: Vec<u32> = code.bb_edges.iter().map(|&(_, to)| to).collect();
    let loop_code = placement::loop_code_ranges(loops, &sources, &branch_targets);
    let required = buffer.alignment.max(MIN_FUNCTION_ALIGNMENT);
    let line_offset = placement::preferred_line_offset(&loop_code, required);
    let alignment = match line_offset {
        Some(_) => required,
        None => buffer.alignment.max(isa.function_alignment().preferred),
    };
    let value_labels = if debug_info {
        let mut labels = value_labels(isa, code, frame_info.is_empty());
        if isa.name() == "x64" {
            extend_to_traps(&mut labels, &sources, &traps, buffer.data());
        }
        labels
    } else {
        Vec::new()
    };
    Ok(CompiledFunction {
        body: buffer.data().to_vec(),
        alignment,
        line_offset,
        relocations,
        traps,
        address_map,
        exception_sites,
        stack_maps,
        value_labels,
        frame_info,
    })
}

/// Gives the labelled values a place at the out-of-line trap instructions
/// too, where Cranelift reports none (nothing is live there): such a trap
/// is reached only by conditional jumps from the code of the wasm
/// instruction that traps, with every register and slot as it was at the
/// jump. So a value held in the same place at every jump to the trap is
/// held there at the trap as well; other values stay without a place.
/// This lets a debugger stopped at a trap show the variables. The jumps
/// are found in the x86-64 code (`jcc` with a 32- or 8-bit displacement
/// landing on the trap, inside that wasm instruction's code).
fn extend_to_traps(
    labels: &mut Vec<ValueLabelRange>,
    sources: &[placement::SourceRange],
    traps: &[TrapInformation],
    code: &[u8],
) {
    if labels.is_empty() || traps.is_empty() {
        return;
    }
    // A trap instruction of its own (`ud2`), not an instruction that may
    // fault in the middle of inline code.
    let holds_trap = |s: &placement::SourceRange| {
        let i = traps.partition_point(|t| t.code_offset < s.code.0);
        traps.get(i).is_some_and(|t| t.code_offset == s.code.0)
            && code.get(s.code.0 as usize..s.code.0 as usize + 2) == Some(&[0x0f, 0x0b][..])
    };
    // The inline code of each wasm instruction, and the trap instructions.
    let mut inline: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
    let mut trap_code: Vec<(u32, u32, u32)> = Vec::new();
    for s in sources {
        if holds_trap(s) {
            trap_code.push((s.code.0, s.code.1, s.wasm));
        } else {
            inline.entry(s.wasm).or_default().push(s.code);
        }
    }
    // `labels` is sorted by label and start: each label's ranges.
    let mut by_label: Vec<(u32, &[ValueLabelRange])> = Vec::new();
    let mut rest = &labels[..];
    while let Some(first) = rest.first() {
        let n = rest.partition_point(|r| r.label == first.label);
        by_label.push((first.label, &rest[..n]));
        rest = &rest[n..];
    }
    let place = |ranges: &[ValueLabelRange], (a, b): (u32, u32)| {
        let i = ranges.partition_point(|r| r.start <= a);
        let r = ranges.get(i.checked_sub(1)?)?;
        (r.start <= a && b <= r.end).then_some(r.loc)
    };
    // Offsets of the conditional jumps in `[a, b)` that land on `target`.
    let jumps_to = |(a, b): (u32, u32), target: u32| {
        let mut found = Vec::new();
        for p in a..b {
            let at = |i: u32| code.get((p + i) as usize).copied();
            let (Some(b0), Some(b1)) = (at(0), at(1)) else {
                break;
            };
            if b0 == 0x0f && (0x80..=0x8f).contains(&b1) && p + 6 <= b {
                let bytes = [at(2), at(3), at(4), at(5)];
                if let [Some(x0), Some(x1), Some(x2), Some(x3)] = bytes {
                    let rel = i32::from_le_bytes([x0, x1, x2, x3]);
                    if i64::from(p) + 6 + i64::from(rel) == i64::from(target) {
                        found.push(p);
                    }
                }
            }
            if (0x70..=0x7f).contains(&b0) && p + 2 <= b {
                let rel = i64::from(b1 as i8);
                if i64::from(p) + 2 + rel == i64::from(target) {
                    found.push(p);
                }
            }
        }
        found
    };
    let mut added = Vec::new();
    for &(start, end, wasm) in &trap_code {
        let Some(runs) = inline.get(&wasm) else {
            continue;
        };
        let jumps: Vec<u32> = runs.iter().flat_map(|&r| jumps_to(r, start)).collect();
        if jumps.is_empty() {
            continue;
        }
        for &(label, ranges) in &by_label {
            if place(ranges, (start, start + 1)).is_some() {
                continue;
            }
            let mut locs = jumps.iter().map(|&j| place(ranges, (j, j + 1)));
            let Some(Some(first)) = locs.next() else {
                continue;
            };
            if locs.all(|l| l == Some(first)) {
                added.push(ValueLabelRange {
                    label,
                    start,
                    end,
                    loc: first,
                });
            }
        }
    }
    labels.extend(added);
    labels.sort_by_key(|r| (r.label, r.start, r.end));
}

/// The function's call frame information as a `.debug_frame` fragment
/// (see `CompiledFunction::frame_info`); empty where Cranelift has none.
fn frame_info(isa: &dyn TargetIsa, code: &CompiledCode) -> Vec<u8> {
    use cranelift_codegen::gimli::write::{Address, DebugFrame, EndianVec, FrameTable};
    use cranelift_codegen::isa::unwind::UnwindInfo;
    let Ok(Some(UnwindInfo::SystemV(info))) = code.create_unwind_info(isa) else {
        return Vec::new();
    };
    let Some(cie) = isa.create_systemv_cie() else {
        return Vec::new();
    };
    let mut table = FrameTable::default();
    let cie = table.add_cie(cie);
    table.add_fde(cie, info.to_fde(Address::Constant(0)));
    let mut frame = DebugFrame::from(EndianVec::new(cranelift_codegen::gimli::LittleEndian));
    match table.write_debug_frame(&mut frame) {
        Ok(()) => frame.0.into_vec(),
        Err(_) => Vec::new(),
    }
}

/// Where the labelled values (wasm locals, the vmctx) live in the code,
/// sorted by label and start; registers by their DWARF numbers (a register
/// without one drops its ranges).
///
/// Without call frame information, the last byte of each call instruction
/// is left out of register ranges: a debugger looks a caller's variables
/// up at the return address minus one, and without unwind information it
/// cannot recover the caller's registers (it would show the callee's),
/// while frame slots stay readable through the frame pointer.
fn value_labels(
    isa: &dyn TargetIsa,
    code: &CompiledCode,
    without_frame_info: bool,
) -> Vec<ValueLabelRange> {
    let mut calls: Vec<u32> = code
        .buffer
        .call_sites()
        .filter_map(|c| c.ret_addr.checked_sub(1))
        .filter(|_| without_frame_info)
        .collect();
    calls.sort_unstable();
    let mut out = Vec::new();
    for (label, ranges) in &code.value_labels_ranges {
        for r in ranges {
            let loc = match r.loc {
                LabelValueLoc::Reg(reg) => match isa.map_regalloc_reg_to_dwarf(reg) {
                    Ok(n) => ValueLoc::Reg(n),
                    Err(_) => continue,
                },
                LabelValueLoc::CFAOffset(offset) => ValueLoc::CfaOffset(offset),
            };
            let mut start = r.start;
            if matches!(loc, ValueLoc::Reg(_)) {
                for &c in calls.iter().filter(|&&c| r.start <= c && c < r.end) {
                    if start < c {
                        out.push(ValueLabelRange {
                            label: label.as_u32(),
                            start,
                            end: c,
                            loc,
                        });
                    }
                    start = c + 1;
                }
            }
            if start < r.end {
                out.push(ValueLabelRange {
                    label: label.as_u32(),
                    start,
                    end: r.end,
                    loc,
                });
            }
        }
    }
    out.sort_by_key(|r| (r.label, r.start, r.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime_environ::{Trap, TrapSite};

    #[test]
    fn values_at_a_jump_to_a_trap_reach_the_trap() {
        // 0: nop; 1: test ecx, ecx; 3: je 16 (rel32 = 7); 9: nop x7;
        // 16: ud2.
        let mut code = vec![0x90, 0x85, 0xc9, 0x0f, 0x84, 7, 0, 0, 0];
        code.extend([0x90; 7]);
        code.extend([0x0f, 0x0b]);
        let sources = [
            placement::SourceRange {
                code: (0, 16),
                wasm: 40,
            },
            placement::SourceRange {
                code: (16, 18),
                wasm: 40,
            },
        ];
        let traps = [TrapInformation {
            code_offset: 16,
            trap: TrapSite::Wasm(Trap::IntegerDivisionByZero),
        }];
        let range = |label, start, end, loc| ValueLabelRange {
            label,
            start,
            end,
            loc,
        };
        let mut labels = vec![
            // Held across the jump: gets the trap.
            range(0, 0, 9, ValueLoc::Reg(0)),
            // Dead before the jump: does not.
            range(1, 0, 2, ValueLoc::Reg(1)),
        ];
        extend_to_traps(&mut labels, &sources, &traps, &code);
        assert_eq!(
            labels,
            [
                range(0, 0, 9, ValueLoc::Reg(0)),
                range(0, 16, 18, ValueLoc::Reg(0)),
                range(1, 0, 2, ValueLoc::Reg(1)),
            ]
        );
    }
}
